"""A picture of a season plan, as PNG bytes: running volume (with the level's reference plan),
key runs and long run, and the strength work by emphasis, over phase bands."""

from __future__ import annotations

import numpy as np

from experiments.optimize.genes import sets_of
from experiments.report.figures import png_bytes, pyplot
from sim.plan import WeekPlan
from sim.season import PHASES, phase_of, reference_run_plan
from sim.state import LEVELS, P_RUN_KM

EMPHASIS_COLORS = {"heavy": "#8c2d04", "power": "#d94801", "maintenance": "#fd8d3c", "toning": "#bdbdbd"}
PHASE_COLORS = ("#f0f0f0", "#ffffff", "#f0f0f0", "#ffffff", "#f0f0f0")
EFFORT_HATCH = {"easy": "", "moderate": "//", "hard": "xx"}


def plan_png(weeks: list[WeekPlan], level: str, title: str) -> bytes:
    """Three panels over the season's weeks; `level` picks the reference volume drawn for scale."""
    from matplotlib.patches import Patch  # lazy: matplotlib takes 0.5 s to import; only the picture needs it

    plt = pyplot()

    n = len(weeks)
    x = np.arange(1, n + 1)
    vol = np.array([w.run_volume_rel if w.run_volume_rel is not None else np.nan for w in weeks])
    ref = reference_run_plan(LEVELS.index(level), n)[:, P_RUN_KM]
    fig, axes = plt.subplots(3, 1, figsize=(13, 8.5), sharex=True, gridspec_kw={"height_ratios": [1.3, 1, 1]})
    for ax in axes:
        _phase_bands(ax, n)
    ax = axes[0]
    ax.bar(x, vol, color="#3182bd", width=0.8, label="optimized plan")
    ax.step(x, ref, where="mid", color="k", ls="--", lw=1.2, label=f"{level} reference run plan")
    ax.set_ylabel("weekly km\n(x habitual)")
    ax.set_ylim(0, max(2.1, np.nanmax(vol) * 1.1))
    ax.legend(loc="upper left", bbox_to_anchor=(1.06, 1.0), fontsize=8)
    for ph in range(len(PHASES)):
        ws = [w for w in range(n) if phase_of(w, n) == ph]
        if ws:
            ax.text(np.mean(ws) + 1, ax.get_ylim()[1] * 0.97, PHASES[ph].replace("_", " "), ha="center", va="top",
                    fontsize=8, color="#555")
    ax = axes[1]
    ax.bar(x, [w.key_runs for w in weeks], color="#6baed6", width=0.8)
    ax.set_ylabel("key runs / week (bars)")
    ax.set_ylim(0, 3.5)
    tw = ax.twinx()
    tw.plot(x, [100 * (w.long_run_rel or 0.0) for w in weeks], color="#08519c", marker=".", lw=1.2)
    tw.set_ylabel("long run, % of week (line)", color="#08519c")
    tw.set_ylim(0, 50)
    ax = axes[2]
    for i, w in enumerate(weeks):
        s = w.strength
        if s.active:
            ax.bar(i + 1, s.sessions, color=EMPHASIS_COLORS[s.emphasis], hatch=EFFORT_HATCH[s.effort],
                   edgecolor="white", width=0.8)
            sets, default = sets_of(s)  # the emphasis' default where the plan leaves it (never "None")
            ax.text(i + 1, s.sessions + 0.05, f"{sets}*" if default else str(sets), ha="center", va="bottom",
                    fontsize=6)
    ax.set_ylim(0, 3.6)
    ax.set_ylabel("strength sessions\n(label: sets per lift,\n* = the emphasis' default)")
    ax.set_xlabel("season week (race on the last day)")
    handles = [Patch(color=c, label=e) for e, c in EMPHASIS_COLORS.items()]
    handles += [Patch(facecolor="#999", hatch=h, edgecolor="white", label=f"effort: {e}")
                for e, h in EFFORT_HATCH.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return png_bytes(fig, dpi=110)


def _phase_bands(ax, n: int) -> None:
    w = 0
    while w < n:
        ph = phase_of(w, n)
        end = w
        while end < n and phase_of(end, n) == ph:
            end += 1
        ax.axvspan(w + 0.5, end + 0.5, color=PHASE_COLORS[ph], zorder=0)
        w = end
    ax.set_xlim(0.5, n + 0.5)
    ax.grid(axis="y", alpha=0.3)
