"""Figures a training run logs: the learning curve and the learned season against the best template.

Plain matplotlib on the Agg backend (`experiments.report.figures`), one function per figure, each
taking tables (not models), so they are cheap to test and to redraw from MLflow data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.report.coach_plots import (
    FONT,
    phase_legend,
    plan_strip,
    plot_load_chart,
    policy_label,
    season_phases,
    shade_phases,
    zero_based,
)
from experiments.report.figures import pyplot, save_png
from sim.state import (
    M_FITNESS_AU,
    M_HAZARD,
    M_INJURED_DAYS,
    M_LOAD_AU,
    M_RUN_KM,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
)

#: Weekly season panels: (column, panel title, zero-based axis).
SEASON_PANELS = (
    ("run_km", "running per week (km, simulated mean)", True),
    ("strength_sessions", "strength sessions per week (simulated mean)", True),
    ("strength_pct", "strength: change of the 1RM since the start (%)", False),
    ("injury_risk", "injury risk (expected injuries per week)", True),
    ("injured_days", "injured days per week (per runner)", True),
)


def season_frame(metrics: np.ndarray) -> pd.DataFrame:
    """Population means per week of the panels in SEASON_PANELS, from (n, weeks, METRIC_SIZE) metrics."""
    m = np.asarray(metrics)
    return pd.DataFrame({
        "week": np.arange(1, m.shape[1] + 1),
        "run_km": m[:, :, M_RUN_KM].mean(axis=0),
        "strength_sessions": m[:, :, M_STR_SESSIONS].mean(axis=0),
        "fitness_au": m[:, :, M_FITNESS_AU].mean(axis=0),
        "strength_rel": m[:, :, M_STRENGTH_REL].mean(axis=0),
        "strength_pct": 100.0 * (m[:, :, M_STRENGTH_REL].mean(axis=0) / max(float(m[:, 0, M_STRENGTH_REL].mean()),
                                                                             1e-9) - 1.0),
        "load_au": m[:, :, M_LOAD_AU].mean(axis=0),
        "injury_risk": m[:, :, M_HAZARD].mean(axis=0),
        "injured_days": m[:, :, M_INJURED_DAYS].mean(axis=0),
    })


def plot_season(seasons: dict[str, pd.DataFrame], path: str | Path, title: str = "",
                plans: dict[str, np.ndarray] | None = None) -> Path:
    """The learned season against the best template: one panel per SEASON_PANELS entry (a line per policy),
    fitness/fatigue/form per policy, and what each plan prescribes (emphasis and effort, `plans`: name ->
    (athletes, weeks, PLAN_SIZE)); season phases as background bands."""
    n = max(len(df) for df in seasons.values())
    phases = season_phases(n)
    plt = pyplot()
    with plt.rc_context(FONT):
        n_load = sum("load_au" in df for df in seasons.values())
        heights = [1.0] * len(SEASON_PANELS) + [1.1] * n_load + ([0.5 * len(plans) + 0.3] if plans else [])
        fig, axes = plt.subplots(len(heights), 1, figsize=(13, 2.3 * sum(heights) + 1.5),
                                 gridspec_kw={"height_ratios": heights})
        colors = ["#1f5fa8", "#55a868", "#c44e52", "#8172b3"]
        for ax, (col, label, zero) in zip(axes, SEASON_PANELS, strict=False):
            for (name, df), c in zip(seasons.items(), colors, strict=False):
                if col in df:
                    ax.plot(df["week"], df[col], label=name, color=c, lw=2,
                            drawstyle="steps-mid" if col == "strength_sessions" else None)
            ax.set_title(label)
            if zero:
                zero_based(ax)
            shade_phases(ax, phases)
            ax.set_xlim(0.5, n + 0.5)
            ax.grid(alpha=0.3)
            ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), frameon=False, fontsize=9)
        k = len(SEASON_PANELS)
        for name, df in seasons.items():
            if "load_au" in df:
                ax = axes[k]
                plot_load_chart(ax, df["load_au"], f"{name}: fitness, fatigue and form (sRPE training load)")
                shade_phases(ax, phases)
                ax.set_xlim(0.5, n + 0.5)
                ax.grid(alpha=0.3)
                k += 1
        if plans:
            plan_strip(axes[k], plans)
        axes[-1].set_xlabel("season week (race on the last day of the last week)")
        fig.suptitle(title or "season", y=0.995)
        phase_legend(fig, phases, y=0.975)
        fig.subplots_adjust(top=1 - 1.6 / (2.3 * sum(heights) + 1.5), left=0.17, right=0.78, bottom=0.04,
                            hspace=0.6)
        return _save(fig, path)


def plot_learning_curve(history: pd.DataFrame, baselines: dict[str, float], path: str | Path,
                        title: str = "", baselines_injured: dict[str, float] | None = None) -> Path:
    """Held-out race_time_pct (and injured days) of the policy against training timesteps,
    with each baseline as a horizontal line. `history` has timesteps, race_time_pct,
    injured_days and optionally race_time_pct_lo/hi (95% CI)."""
    plt = pyplot()
    with plt.rc_context(FONT):
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 7.5), sharex=True)
        x = history["timesteps"].to_numpy()
        ax1.plot(x, history["race_time_pct"], marker="o", label="learned policy", color="C0", lw=2)
        if {"race_time_pct_lo", "race_time_pct_hi"} <= set(history):
            ax1.fill_between(x, history["race_time_pct_lo"], history["race_time_pct_hi"], alpha=0.2, color="C0",
                             label="learned policy, 95% CI")
        for i, (name, value) in enumerate(baselines.items()):
            ax1.axhline(value, ls="--", lw=1.2, color=f"C{i + 1}", label=policy_label(name))
        ax1.set_ylabel("race time change (%)\n(lower is faster)")
        ax1.set_title("held-out race time during training")
        ax1.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax1.grid(alpha=0.3)
        ax2.plot(x, history["injured_days"], marker="o", color="C0", label="learned policy", lw=2)
        for i, (name, value) in enumerate((baselines_injured or {}).items()):
            ax2.axhline(value, ls="--", lw=1.2, color=f"C{i + 1}", label=policy_label(name))
        ax2.set_ylabel("injured days per season")
        ax2.set_ylim(bottom=0)
        ax2.set_title("held-out injured days during training")
        ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        ax2.set_xlabel("training timesteps (athlete-weeks)")
        ax2.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    return save_png(fig, path, dpi=110)
