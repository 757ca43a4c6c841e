"""Shared pieces of the figures a coach reads: plain names, phase bands, readable fonts, the
fitness/fatigue/form chart, and a strip of what a plan prescribes (emphasis and effort per week).

Fitness, fatigue and form follow TrainingPeaks' and intervals.icu's performance chart: the daily
session-RPE training load (minutes x RPE, AU) averaged exponentially over 42 days (fitness,
"chronic training load") and over 7 days (fatigue, "acute training load"); form is fitness minus
fatigue (positive = fresh). The simulator reports the load per week, so each week's load is
spread evenly over its seven days before averaging.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from sim.season import PHASES, phase_of
from sim.state import EFFORTS, EMPHASES, P_EFFORT, P_EMPHASIS, P_STR_SESSIONS

FITNESS_DAYS = 42
FATIGUE_DAYS = 7
#: font sizes used by every coach-facing figure
FONT = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "xtick.labelsize": 10,
        "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 14}
PHASE_COLORS = {"transition": "#e8e8e8", "base": "#dbe9f6", "pre_season": "#fde9c9", "race_season": "#f9d5d3",
                "taper": "#d9f0d3"}
PHASE_NAMES = {"transition": "transition", "base": "base", "pre_season": "pre-season", "race_season": "race season",
               "taper": "taper and race"}
EMPHASIS_COLORS = {"none": "#ffffff", "heavy": "#4c72b0", "power": "#dd8452", "maintenance": "#55a868",
                   "toning": "#c4c4c4"}
EFFORT_COLORS = {"": "#ffffff", "easy": "#b7e4a0", "moderate": "#f6c85f", "hard": "#d1495b"}

_POLICY_NAMES = {
    "learned": "learned policy",
    "run_only": "run only (no strength)",
    "beginner": "beginner template",
    "intermediate": "intermediate template",
    "advanced": "advanced template",
    "mistake_toning_only": "mistake: toning only",
    "mistake_random": "mistake: random lifting",
    "mistake_lift_before_key": "mistake: lifting before key runs",
    "mistake_drop_in_season": "mistake: strength dropped in season",
    "mistake_ignore_pain": "mistake: pain ignored",
}


def policy_label(name: str) -> str:
    """A policy's plain name for legends and axes ('mistake: lifting before key runs')."""
    if name in _POLICY_NAMES:
        return _POLICY_NAMES[name]
    if name.startswith("mistake_"):
        return "mistake: " + name.removeprefix("mistake_").replace("_", " ")
    return name.replace("_", " ")


def load_averages(weekly_load: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(day, fitness, fatigue, form) from weekly sRPE loads: 42- and 7-day exponential averages of the daily load.

    Day is in weeks (day 7 = end of week 1) so it shares the weekly x axis; both averages start at the
    first week's daily load (a runner in steady training, form 0), not at 0.
    """
    w = np.asarray(weekly_load, dtype=float)
    daily = np.repeat(w / 7.0, 7)
    fit = np.empty_like(daily)
    fat = np.empty_like(daily)
    a_fit, a_fat = 1.0 / FITNESS_DAYS, 1.0 / FATIGUE_DAYS
    f = g = float(daily[0]) if len(daily) else 0.0
    for i, x in enumerate(daily):
        f += a_fit * (x - f)
        g += a_fat * (x - g)
        fit[i], fat[i] = f, g
    day = (np.arange(len(daily)) + 1) / 7.0 + 0.5  # week k's days span (k - 0.5, k + 0.5]
    return day, fit, fat, fit - fat


def plot_load_chart(ax, weekly_load: Sequence[float], title: str = "fitness, fatigue and form") -> None:
    """Fitness (42-day) and fatigue (7-day) load averages and form (their difference) on one axis."""
    day, fit, fat, form = load_averages(weekly_load)
    ax.plot(day, fit, color="#1f5fa8", lw=2, label=f"fitness ({FITNESS_DAYS}-day average)")
    ax.plot(day, fat, color="#c44e52", lw=1.2, label=f"fatigue ({FATIGUE_DAYS}-day average)")
    ax.fill_between(day, 0, form, where=form >= 0, color="#55a868", alpha=0.35, label="form = fitness - fatigue")
    ax.fill_between(day, 0, form, where=form < 0, color="#c44e52", alpha=0.2)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("training load\n(sRPE, AU per day)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9, frameon=False)


def shade_phases(ax, phases: Sequence[str]) -> None:
    """Light bands behind the data, one colour per season phase (week 1 spans 0.5-1.5)."""
    start = 0
    for i in range(1, len(phases) + 1):
        if i == len(phases) or phases[i] != phases[start]:
            ax.axvspan(start + 0.5, i + 0.5, color=PHASE_COLORS.get(phases[start], "#f2f2f2"), zorder=0, lw=0)
            start = i


def phase_legend(fig, phases: Sequence[str], y: float = 0.965) -> None:
    """One legend of the phase bands above the panels (only the phases the season has)."""
    from matplotlib.patches import Patch  # lazy: matplotlib takes 0.5 s to import; only drawing needs it

    seen = list(dict.fromkeys(phases))
    handles = [Patch(color=PHASE_COLORS.get(p, "#f2f2f2"), label=PHASE_NAMES.get(p, p)) for p in seen]
    fig.legend(handles=handles, loc="upper center", ncols=len(handles), bbox_to_anchor=(0.5, y), frameon=False,
               title="season phase (background)", fontsize=10)


def season_phases(n_weeks: int) -> list[str]:
    """The phase of every week of a season of `n_weeks` (`sim.season`)."""
    return [PHASES[phase_of(w, n_weeks)] for w in range(n_weeks)]


def plan_strip(ax, plans: Mapping[str, np.ndarray]) -> None:
    """What each plan prescribes per week: rows of cells coloured by strength emphasis (with the number of
    sessions written in) and by effort. `plans`: name -> (weeks, PLAN_SIZE) or (athletes, weeks, PLAN_SIZE)
    (the most common choice across athletes is shown)."""
    from matplotlib.patches import Patch, Rectangle  # lazy: matplotlib takes 0.5 s to import; only drawing needs it

    rows = []
    for name, arr in plans.items():
        a = np.asarray(arr)
        if a.ndim == 2:
            a = a[None]
        sessions = np.rint(np.median(a[:, :, P_STR_SESSIONS], axis=0)).astype(int)
        emph = [_mode(a[:, w, P_EMPHASIS]) for w in range(a.shape[1])]
        eff = [_mode(a[:, w, P_EFFORT]) for w in range(a.shape[1])]
        emph_names = [EMPHASES[e] if s > 0 else "none" for e, s in zip(emph, sessions, strict=True)]
        eff_names = [EFFORTS[e] if s > 0 else "" for e, s in zip(eff, sessions, strict=True)]
        who = f"{policy_label(name)}\n" if len(plans) > 1 else ""
        rows.append((f"{who}planned effort", eff_names, None))
        rows.append((f"{who}emphasis", emph_names, sessions))
    for y, (_, names, sessions) in enumerate(rows):
        for w, nm in enumerate(names):
            color = EFFORT_COLORS.get(nm) if sessions is None else EMPHASIS_COLORS.get(nm)
            ax.add_patch(Rectangle((w + 0.5, y - 0.4), 1.0, 0.8, facecolor=color, edgecolor="#999", lw=0.3))
            if sessions is not None and sessions[w] > 0:
                ax.text(w + 1.0, y, str(sessions[w]), ha="center", va="center", fontsize=7,
                        color="white" if nm in ("heavy", "power", "maintenance") else "black")
    n = max(len(r[1]) for r in rows) if rows else 1
    ax.set_xlim(0.5, n + 0.5)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    # the week plan's effort: the day schedule lightens a session next to a key run or a hard day (issue 24),
    # so the row says "planned", and the exported plan gives each session's own effort
    ax.set_title("what the plan prescribes each week: strength emphasis (number = sessions) and planned effort\n"
                 "(the day schedule may lighten a session next to a key run; the exported plan has each day)",
                 fontsize=10)
    used_emph = {nm for _, names, s in rows if s is not None for nm in names} - {"none"}
    used_eff = {nm for _, names, s in rows if s is None for nm in names} - {""}
    handles = [Patch(facecolor=EMPHASIS_COLORS[e], edgecolor="#999", label=e) for e in EMPHASIS_COLORS
               if e in used_emph]
    handles += [Patch(facecolor=EFFORT_COLORS[e], edgecolor="#999", label=f"{e} effort (planned)")
                for e in EFFORT_COLORS if e in used_eff]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9, frameon=False)


def _mode(x: np.ndarray) -> int:
    vals, counts = np.unique(np.rint(np.asarray(x)).astype(int), return_counts=True)
    return int(vals[np.argmax(counts)])


def zero_based(ax) -> None:
    """Start the y axis at 0 (amounts: km, sessions, days), keeping the top."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(0.0, max(hi, 1e-9) * 1.05 if lo >= 0 else hi)
