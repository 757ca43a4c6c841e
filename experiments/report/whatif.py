"""What `stridelab simulate` shows of a what-if run: the plain names, abbreviations and definitions of
its weekly table, and its figure (`--plot`): a plan's population-mean curves week by week (km planned
and run, strength, fitness, race time, injuries, soreness, training load), the phases as bands and a
strip of what the plan prescribes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from experiments.report.coach_plots import (
    FONT,
    phase_legend,
    plan_strip,
    plot_load_chart,
    season_phases,
    shade_phases,
    zero_based,
)
from experiments.report.figures import png_bytes, pyplot
from sim.plan import load_plan, plans_to_array, week_km_of
from sim.state import A_HABITUAL_KM

#: plain names of the what-if figures (`sim.whatif` columns), used in tables and plots
LABELS = {
    "week": "week",
    "run_km": "run km",
    "strength_sessions": "strength sessions",
    "strength_pct": "strength % (1RM change)",
    "economy_pct": "running economy %",
    "vo2max_pct": "VO2max %",
    "race_time_pct": "race time % (- = faster)",
    "injuries": "new injuries",
    "injured_days": "injured days",
    "soreness": "soreness (0-10)",
    "key_run_quality_pct": "key-run quality %",
}
ABBREV = {"strength sessions": "str. sess.", "strength % (1RM change)": "str. %", "running economy %": "econ. %",
          "race time % (- = faster)": "race %", "new injuries": "inj.", "injured days": "inj. days",
          "soreness (0-10)": "sore", "key-run quality %": "key-run %"}
DEFINITIONS = (
    "strength %: change of the one-repetition maximum (1RM) since the start; running economy %: less oxygen at "
    "the same speed; race time %: change of the predicted race time (negative = faster); key-run quality %: how "
    "much of a key run's training effect fatigue and soreness left (100 = fresh). run km is what was run, "
    "which can be less than planned: the scheduler's minimums, pain days (easy and half as far) and injured "
    "days (no running) cut it."
)


def plan_context(plan_path: str, res) -> dict:
    """What the plot needs from the plan: planned km per week (population mean), the phases and the plan array."""
    weeks = load_plan(plan_path).weeks()
    hab = res.cohort.athletes[:, A_HABITUAL_KM]
    planned = [float(np.mean([week_km_of(w, h) for h in hab])) if w.run_volume_rel is not None
               else week_km_of(w, float(hab[0])) for w in weeks]
    default = season_phases(len(weeks))
    phases = [w.phase or default[i] for i, w in enumerate(weeks)]
    return {"planned_km": planned, "phases": phases, "plan": plans_to_array(weeks)}


def plot_title(plan_path: str, res) -> str:
    name = Path(plan_path).stem.replace("_", " ").replace("-", " ")
    return (f"What the plan '{name}' does to {res.cohort.n} {res.cohort.level} runners "
            "(simulated population means)")


def plot_weekly(weekly, title: str, planned_km=None, phases=None, load=None, plan=None) -> bytes:
    """The population-mean curves of a what-if run as PNG bytes.

    Amounts (km, sessions, injured days, soreness) on zero-based axes; the planned km beside the km
    actually run; the season phases as background bands; fitness, fatigue and form from the weekly
    training load (`load`, AU per week); and a strip of what the plan prescribes (`plan`, (weeks, PLAN_SIZE)).
    """
    plt = pyplot()
    with plt.rc_context(FONT):
        extra = (load is not None) + (plan is not None)
        heights = [1, 1, 1] + [1.1] * (load is not None) + [0.5] * (plan is not None)
        fig = plt.figure(figsize=(14, 3.0 * 3 + 3.2 * extra + 1.2))
        gs = fig.add_gridspec(3 + extra, 2, height_ratios=heights, hspace=0.55, wspace=0.18)
        axes = [fig.add_subplot(gs[i, j]) for i in range(3) for j in range(2)]
        x = weekly["week"]
        ax = axes[0]
        ax.plot(x, weekly["run_km"], color="#1f5fa8", lw=2, label="run (simulated mean; pain and\ninjured days cut it)")
        if planned_km is not None:
            ax.plot(x, list(planned_km)[: len(x)], color="k", ls="--", lw=1.2, label="planned")
        ax.set_title("running per week (km)")
        ax.set_ylabel("km")
        ax.legend(loc="lower right", fontsize=9)
        ax = axes[1]
        ax.step(x, weekly["strength_sessions"], where="mid", color="#4c72b0", lw=2)
        ax.set_title("strength sessions per week (simulated mean)")
        ax.set_ylabel("sessions")
        ax = axes[2]
        for col, c in (("strength_pct", "#4c72b0"), ("economy_pct", "#55a868"), ("vo2max_pct", "#c44e52")):
            ax.plot(x, weekly[col], color=c, lw=2, label=LABELS[col])
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title("change since the start of the season (%)")
        ax.set_ylabel("%")
        ax.legend(loc="upper left", fontsize=9)
        ax = axes[3]
        ax.plot(x, weekly["race_time_pct"], color="#8172b3", lw=2)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_title("predicted race time vs the start (%, lower = faster)")
        ax.set_ylabel("%")
        ax = axes[4]
        ax.plot(x, weekly["injured_days"], color="#c44e52", lw=2)
        ax.set_title("injured days per week (per runner)")
        ax.set_ylabel("days")
        ax = axes[5]
        ax.plot(x, weekly["soreness"], color="#937860", lw=2)
        ax.set_title("muscle soreness (0-10 scale)")
        ax.set_ylabel("soreness")
        for i, a in enumerate(axes):
            if i in (0, 1, 4, 5):
                zero_based(a)
            if i == 5:
                a.set_ylim(0, max(a.get_ylim()[1], 1.0))
            if phases is not None:
                shade_phases(a, phases)
            a.set_xlim(0.5, len(x) + 0.5)
            a.grid(alpha=0.3)
            a.set_xlabel("season week")
        row = 3
        if load is not None:
            a = fig.add_subplot(gs[row, :])
            plot_load_chart(a, load, "fitness, fatigue and form (from the simulated sRPE training load)")
            if phases is not None:
                shade_phases(a, phases)
            a.set_xlim(0.5, len(x) + 0.5)
            a.set_xlabel("season week")
            a.grid(alpha=0.3)
            row += 1
        if plan is not None:
            a = fig.add_subplot(gs[row, :])
            plan_strip(a, {"plan": plan})
            a.set_xlabel("season week")
        fig.suptitle(title, y=0.995)
        if phases is not None:
            phase_legend(fig, phases, y=0.975)
        fig.subplots_adjust(top=0.9 if phases is not None else 0.94, left=0.08, right=0.84, bottom=0.05)
        return png_bytes(fig, dpi=100)
