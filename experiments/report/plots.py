"""Figures of a comparison, as PNG bytes (matplotlib, Agg backend): race time vs injured days,
race-time change across athletes, weekly load and strength, robustness. `PLOTS` lists them with their file names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments.report.coach_plots import (
    FONT,
    phase_legend,
    plot_load_chart,
    policy_label,
    season_phases,
    shade_phases,
    zero_based,
)
from experiments.report.compare import Comparison, policy_kind
from experiments.report.figures import png_bytes, pyplot
from experiments.report.robustness import missed_label


def _colors(cmp: Comparison, names: Sequence[str]) -> dict[str, str]:
    palette = {"learned": "#1f77b4", "template": "#2ca02c", "mistake": "#d62728", "baseline": "#7f7f7f",
               "optimized": "#9467bd", "plan": "#8c564b"}
    return {n: palette[policy_kind(n, cmp.learned, cmp.plans)] for n in names}


def plot_scatter(cmp: Comparison) -> bytes:
    """Per level: mean race-time change vs mean injured days, with 95% CIs, one point per policy."""
    plt = pyplot()

    plt.rcParams.update(FONT)
    fig, axes = plt.subplots(len(cmp.levels), 1, figsize=(12, 5.6 * len(cmp.levels)), squeeze=False)
    for ax, level in zip(axes[:, 0], cmp.levels, strict=True):
        s = cmp.summary[cmp.summary["level"] == level]
        col = _colors(cmp, s["policy"])
        key = []
        points = []
        for rank, r in enumerate(s.itertuples(index=False), start=1):
            ax.errorbar(
                r.injured_days,
                r.race_time_pct,
                xerr=[[r.injured_days - r.injured_days_lo], [r.injured_days_hi - r.injured_days]],
                yerr=[[r.race_time_pct - r.race_time_pct_lo], [r.race_time_pct_hi - r.race_time_pct]],
                fmt="o",
                color=col[r.policy],
                ms=8 if r.kind == "learned" else 5,
                capsize=2,
            )
            points.append((rank, r.injured_days, r.race_time_pct))
            key.append(f"{rank:>2}  {policy_label(r.policy)}")
        _cluster_labels(ax, points)
        ax.text(1.02, 0.5, "\n".join(key), transform=ax.transAxes, fontsize=10, va="center", family="monospace")
        ax.set_title(f"{level} runners (best template: {policy_label(cmp.best_template[level])})")
        ax.set_xlabel("injured days per season (mean, 95% CI)")
        ax.set_ylabel("race time change, % (lower = faster)")
        ax.set_xlim(left=0)
        ax.grid(alpha=0.3)
    fig.suptitle("Race time vs injured days: blue learned, purple optimized plans, green templates, red mistakes\n"
                 "(numbers: rank, best first; points closer than a label share one)")
    fig.tight_layout()
    return _png(fig)


def _cluster_labels(ax, points: list[tuple[int, float, float]], px: float = 28.0) -> None:
    """One label per group of points closer than `px` pixels ('3, 4, 7'), so labels do not overlap."""
    ax.figure.canvas.draw()
    trans = ax.transData
    xy = [trans.transform((x, y)) for _, x, y in points]
    groups: list[list[int]] = []
    for i, p in enumerate(xy):
        for g in groups:
            if any(np.hypot(*(p - xy[j])) < px for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
    for g in groups:
        j = g[0]
        label = ", ".join(str(points[i][0]) for i in sorted(g, key=lambda i: points[i][0]))
        ax.annotate(label, (points[j][1], points[j][2]), fontsize=10, xytext=(6, 4), textcoords="offset points",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})


def plot_distributions(cmp: Comparison) -> bytes:
    """Per level: race-time change across athletes, one box per policy, best first."""
    plt = pyplot()

    plt.rcParams.update(FONT)
    fig, axes = plt.subplots(len(cmp.levels), 1, figsize=(12, 5.0 * len(cmp.levels)), squeeze=False)
    for ax, level in zip(axes[:, 0], cmp.levels, strict=True):
        order = list(cmp.summary.loc[cmp.summary["level"] == level, "policy"])
        pa = cmp.per_athlete[cmp.per_athlete["level"] == level]
        data = [pa.loc[pa["policy"] == p, "race_time_pct"].to_numpy() for p in order]
        box = ax.boxplot(data, vert=True, patch_artist=True, showfliers=False)
        col = _colors(cmp, order)
        for patch, p in zip(box["boxes"], order, strict=True):
            patch.set_facecolor(col[p])
            patch.set_alpha(0.5)
        ax.set_xticks(
            range(1, len(order) + 1),
            [policy_label(p).replace(": ", ":\n", 1) for p in order],
            rotation=30,
            fontsize=10,
            ha="right",
        )
        ax.axhline(0, color="k", lw=0.6)
        ax.set_ylabel("race time change, % (lower = faster)")
        ax.set_title(f"{level} runners: race-time change across athletes (boxes: quartiles, whiskers 1.5 IQR)")
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _png(fig)


def plot_weekly(cmp: Comparison) -> bytes:
    """Per level: weekly km, training load and strength of the best learned, best template and run-only."""
    plt = pyplot()

    plt.rcParams.update(FONT)
    panels = (
        ("run_km", "running per week (km)", True),
        ("load_au", "training load per week (sRPE, AU)", True),
        ("strength_sessions", "strength sessions per week", True),
        ("strength_pct", "strength: 1RM change since the start (%)", False),
    )
    fig, axes = plt.subplots(
        2 * len(cmp.levels), 2, figsize=(14, 4.2 * 2 * len(cmp.levels)), squeeze=False
    )
    for i, level in enumerate(cmp.levels):
        show = [cmp.best_learned.get(level), *cmp.plans, cmp.best_template[level], "run_only"]
        present = set(cmp.weekly.loc[cmp.weekly["level"] == level, "policy"])  # a --plan runs on its level only
        show = [p for p in dict.fromkeys(show) if p is not None and p in present]
        for j, (col, label, zero) in enumerate(panels):
            ax = axes[2 * i + j // 2, j % 2]
            for p in show:
                w = cmp.weekly[(cmp.weekly["level"] == level) & (cmp.weekly["policy"] == p)]
                ax.plot(w["week"], w[col], label=policy_label(p), lw=2,
                        drawstyle="steps-mid" if col == "strength_sessions" else None)
            ax.set_title(f"{level} runners: {label}")
            ax.set_xlabel("season week")
            if zero:
                zero_based(ax)
            shade_phases(ax, season_phases(cmp.season_weeks))
            ax.set_xlim(0.5, cmp.season_weeks + 0.5)
            ax.grid(alpha=0.3)
            ax.legend(fontsize=9, loc="lower left")

    fig.suptitle("Weekly running, load and strength", y=0.995)
    fig.tight_layout(rect=(0, 0, 1, 1 - 1.1 / fig.get_figheight()))
    phase_legend(fig, season_phases(cmp.season_weeks), y=1 - 0.35 / fig.get_figheight())
    return _png(fig)


def plot_load(cmp: Comparison) -> bytes:
    """Per level and shown policy: fitness (42-day), fatigue (7-day) and form from the weekly sRPE load."""
    plt = pyplot()

    plt.rcParams.update(FONT)
    rows = []
    for level in cmp.levels:
        show = [cmp.best_learned.get(level), *cmp.plans, cmp.best_template[level]]
        present = set(cmp.weekly.loc[cmp.weekly["level"] == level, "policy"])
        rows += [(level, p) for p in dict.fromkeys(show) if p is not None and p in present]
    fig, axes = plt.subplots(len(rows), 1, figsize=(13, 3.4 * len(rows) + 0.6), squeeze=False)
    for ax, (level, p) in zip(axes[:, 0], rows, strict=True):
        w = cmp.weekly[(cmp.weekly["level"] == level) & (cmp.weekly["policy"] == p)]
        plot_load_chart(ax, w["load_au"].to_numpy(), f"{level} runners, {policy_label(p)}: fitness, fatigue and form")
        shade_phases(ax, season_phases(cmp.season_weeks))
        ax.set_xlim(0.5, cmp.season_weeks + 0.5)
        ax.set_xlabel("season week")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def plot_robustness(cmp: Comparison) -> bytes:
    """Per level: the paired race-time difference to each model draw's best template (one dot per draw),
    and the race time lost with sessions missed (paired change, 95% CI), one row per policy, best first."""
    plt = pyplot()
    plt.rcParams.update(FONT)
    fig, axes = plt.subplots(len(cmp.levels), 2, figsize=(15, 0.45 * 12 * len(cmp.levels) + 1.0), squeeze=False)
    for i, level in enumerate(cmp.levels):
        order = list(cmp.summary.loc[cmp.summary["level"] == level, "policy"])
        col = _colors(cmp, order)
        y = np.arange(len(order))[::-1]
        rob = cmp.robustness.get(level)
        ax = axes[i, 0]
        if rob is not None and len(rob.draws):
            for yy, p in zip(y, order, strict=True):
                d = rob.draws.loc[rob.draws["policy"] == p, "vs_best"].to_numpy()
                ax.plot(d, np.full(len(d), yy), "o", color=col[p], alpha=0.5, ms=4)
                ax.plot([d.mean()], [yy], "|", color="k", ms=12)
            ax.axvline(0.0, color="k", lw=0.8)
            ax.set_title(f"{level}: race time vs each draw's best template ({rob.model_draws} model draws)")
        else:
            ax.text(0.5, 0.5, "no model draws (--model-draws 0)", transform=ax.transAxes, ha="center")
        ax.set_xlabel("paired race-time difference, pp (negative = faster; | = mean)")
        ax.set_yticks(y, [policy_label(o) for o in order], fontsize=10)
        ax.grid(alpha=0.3, axis="x")
        ax = axes[i, 1]
        rates = cmp.missed
        if rob is not None and rates:
            s = cmp.summary[cmp.summary["level"] == level].set_index("policy")
            h = 0.8 / len(rates)
            for k, p in enumerate(rates):
                lab = missed_label(p)
                m = s.loc[order, f"{lab}_race_time_pct_diff"].to_numpy()
                err = [m - s.loc[order, f"{lab}_race_time_pct_diff_lo"].to_numpy(),
                       s.loc[order, f"{lab}_race_time_pct_diff_hi"].to_numpy() - m]
                ax.barh(y + (k - (len(rates) - 1) / 2) * h, m, height=h, xerr=err, color=[col[o] for o in order],
                        alpha=0.35 + 0.5 * k / max(len(rates) - 1, 1), capsize=2)
            ax.axvline(0.0, color="k", lw=0.8)
            from matplotlib.patches import Patch  # lazy: matplotlib (0.5 s), only for this figure

            shades = [Patch(color="#555", alpha=0.35 + 0.5 * k / max(len(rates) - 1, 1), label=f"{p:.0%} missed")
                      for k, p in enumerate(rates)]
            ax.legend(handles=shades, fontsize=10, loc="lower right")
            ax.set_title(f"{level}: race time lost with sessions missed (95% CI)")
        else:
            ax.text(0.5, 0.5, "no missed-session rates (--missed none)", transform=ax.transAxes, ha="center")
        ax.set_xlabel("race-time change vs no missed sessions, pp (positive = slower)")
        ax.set_yticks(y, [policy_label(o) for o in order], fontsize=10)
        ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return _png(fig)


def _png(fig: Any) -> bytes:
    return png_bytes(fig, dpi=100)


PLOTS = (
    ("Race time vs injured days, per level", "scatter_race_time_vs_injured_days.png", plot_scatter),
    ("Race-time change across athletes", "distributions.png", plot_distributions),
    ("Weekly load and strength", "weekly_load_strength.png", plot_weekly),
    ("Robustness: model draws and missed sessions", "robustness.png", plot_robustness),
    ("Fitness, fatigue and form", "fitness_fatigue_form.png", plot_load),
)
