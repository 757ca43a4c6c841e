"""Figures a training run logs: the learning curve and the learned season against the best template.

Plain matplotlib on the Agg backend (no display needed), one function per figure, each
taking tables (not models), so they are cheap to test and to redraw from MLflow data.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.state import (  # noqa: E402
    M_FITNESS_AU,
    M_HAZARD,
    M_INJURED_DAYS,
    M_RUN_KM,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
)

#: Weekly season panels: (column, axis label).
SEASON_PANELS = (
    ("run_km", "weekly run (km)"),
    ("strength_sessions", "strength sessions / week"),
    ("fitness_au", "fitness (Banister, AU)"),
    ("strength_rel", "strength (1RM / baseline)"),
    ("injury_risk", "injury risk (expected injuries / week)"),
    ("injured_days", "injured days / week"),
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
        "injury_risk": m[:, :, M_HAZARD].mean(axis=0),
        "injured_days": m[:, :, M_INJURED_DAYS].mean(axis=0),
    })


def plot_season(seasons: dict[str, pd.DataFrame], path: str | Path, title: str = "") -> Path:
    """One panel per SEASON_PANELS entry, one line per policy (e.g. learned vs best template)."""
    fig, axes = plt.subplots(len(SEASON_PANELS), 1, figsize=(9, 2.1 * len(SEASON_PANELS)), sharex=True)
    for ax, (col, label) in zip(axes, SEASON_PANELS, strict=True):
        for name, df in seasons.items():
            if col in df:
                ax.plot(df["week"], df[col], label=name, drawstyle="steps-mid" if col == "strength_sessions" else None)
        ax.set_ylabel(label, fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="best")
    axes[-1].set_xlabel("season week (race at the end of the last week)")
    if title:
        axes[0].set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def plot_learning_curve(history: pd.DataFrame, baselines: dict[str, float], path: str | Path,
                        title: str = "", baselines_injured: dict[str, float] | None = None) -> Path:
    """Held-out race_time_pct (and injured days) of the policy against training timesteps,
    with each baseline as a horizontal line. `history` has timesteps, race_time_pct,
    injured_days and optionally race_time_pct_lo/hi (95% CI)."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    x = history["timesteps"].to_numpy()
    ax1.plot(x, history["race_time_pct"], marker="o", label="learned policy", color="C0")
    if {"race_time_pct_lo", "race_time_pct_hi"} <= set(history):
        ax1.fill_between(x, history["race_time_pct_lo"], history["race_time_pct_hi"], alpha=0.2, color="C0")
    for i, (name, value) in enumerate(baselines.items()):
        ax1.axhline(value, ls="--", lw=1, color=f"C{i + 1}", label=name)
    ax1.set_ylabel("race time change (%)\n(lower is faster)")
    ax1.legend(fontsize=7, loc="best")
    ax1.grid(alpha=0.3)
    ax2.plot(x, history["injured_days"], marker="o", color="C0", label="learned policy")
    for i, (name, value) in enumerate((baselines_injured or {}).items()):
        ax2.axhline(value, ls="--", lw=1, color=f"C{i + 1}", label=name)
    ax2.set_ylabel("injured days / season")
    ax2.set_xlabel("training timesteps (athlete-weeks)")
    ax2.grid(alpha=0.3)
    if title:
        ax1.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    from experiments.io import atomic_path

    p = Path(path)
    with atomic_path(p, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    return p
