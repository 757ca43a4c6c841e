"""The headline's tables, figure and README block, from the ladder's per-athlete results.

Per level and rung: race time % and injured days with 95% CIs (bootstrap over athletes,
`agents.evaluation.summarize`), the paired difference to the template and to the rung below
(percentile bootstrap of the per-athlete differences, 1000 resamples), the share of the oracle's
gap recovered with its interval (`experiments.headline.ladder.oracle_gap_share`), the share of
model draws in which the rung beats that draw's template (`draws_won`), the race time lost when
10% of sessions are missed, and the rung's wall time.
"""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
import pandas as pd

from experiments.headline.ladder import RUNGS, oracle_gap_share

BEGIN, END = "<!-- headline:begin -->", "<!-- headline:end -->"
LABELS = {"template": "best template", "open-loop": "open-loop (population)", "personalized": "personalized (start)",
          "re-planned": "re-planned every 4 wk", "learned": "learned policy", "oracle": "oracle (true athlete)"}


def paired(per: pd.DataFrame, a: str, b: str, metric: str, seed: int = 0) -> tuple[float, float, float]:
    """Mean of a - b over the same athletes, 95% percentile-bootstrap interval (1000 resamples)."""
    x = per[per["policy"] == a].set_index("athlete")[metric]
    y = per[per["policy"] == b].set_index("athlete")[metric]
    d = (x - y.reindex(x.index)).to_numpy()
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, d.size, size=(1000, d.size))].mean(axis=1)
    return float(d.mean()), float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def ladder_table(results: list[Any]) -> pd.DataFrame:
    """One row per (level, rung): the columns of the module docstring."""
    rows = []
    for r in results:
        per, s = r.per_athlete, r.summary
        race = {n: per[per["policy"] == n].sort_values("athlete")["race_time_pct"].to_numpy() for n in RUNGS}
        for i, n in enumerate(RUNGS):
            row: dict[str, Any] = {"level": r.level, "rung": n, "template_name": r.best_template,
                                   "athletes": int(s.loc[n, "athletes"])}
            for m in ("race_time_pct", "injured_days"):
                row[m], row[f"{m}_lo"], row[f"{m}_hi"] = s.loc[n, m], s.loc[n, f"{m}_lo"], s.loc[n, f"{m}_hi"]
                d = paired(per, n, "template", m) if n != "template" else (0.0, 0.0, 0.0)
                row[f"{m}_vs_template"], row[f"{m}_vs_template_lo"], row[f"{m}_vs_template_hi"] = d
                below = RUNGS[i - 1] if i else None
                d = paired(per, n, below, m) if below else (np.nan, np.nan, np.nan)
                row[f"{m}_vs_below"], row[f"{m}_vs_below_lo"], row[f"{m}_vs_below_hi"] = d
            share = oracle_gap_share(race["template"], race[n], race["oracle"]) if n != "template" else (0.0, 0.0, 0.0)
            row["oracle_gap_share"], row["oracle_gap_share_lo"], row["oracle_gap_share_hi"] = share
            rob = r.robust
            row["draws_won"] = float(rob.loc[n, "draws_won"]) if "draws_won" in rob and n != "template" else np.nan
            key = "missed10_race_time_pct_diff"
            row["missed10_pp"] = float(rob.loc[n, key]) if key in rob else np.nan
            row["wall_s"] = float(r.wall_s.get(n, np.nan))
            rows.append(row)
    return pd.DataFrame(rows)


def _ci(v: float, lo: float, hi: float, fmt: str = "{:+.2f}") -> str:
    return f"{fmt.format(v)} [{fmt.format(lo)}, {fmt.format(hi)}]"


def markdown(table: pd.DataFrame, results: list[Any], meta: dict[str, Any]) -> str:
    """The README block: provenance line, the ladder table, the notes that answer the issue's targets."""
    lines = [
        f"Made by `{meta['command']}` on commit `{meta['commit']}` (model fingerprint `{meta['fingerprint']}`; "
        f"{meta['wall_min']:.0f} min on {meta['cores']} cores). Held-out athletes: {meta['athletes']} per level, "
        f"population seed {meta['seed']}; {meta['season_weeks']}-week season, {meta['race_distance']} race. Paired "
        "differences on the same athletes (negative race time = faster); 95% bootstrap CIs. Oracle gap recovered = "
        "(template - rung) / (template - oracle) on race time. Stress tests on the first "
        f"{meta.get('stress_athletes', meta['athletes'])} athletes of each level: model draws won = share of "
        f"{meta['model_draws']} parameter draws in which the rung beats that draw's template (95% CI below 0); "
        "missed = race time lost (pp) with 10% of sessions skipped.",
        "",
        "| level | rung | race time % [95% CI] | vs template, pp | vs rung below, pp | injured days | vs template, "
        "days | oracle gap recovered | draws won | missed 10%, pp | wall |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        is_t = r["rung"] == "template"
        label = LABELS[r["rung"]] + (f" ({r['template_name']})" if is_t else "")
        lines.append(
            f"| {r['level']} | {label} | {_ci(r['race_time_pct'], r['race_time_pct_lo'], r['race_time_pct_hi'])} | "
            f"{'reference' if is_t else _ci(r['race_time_pct_vs_template'], r['race_time_pct_vs_template_lo'], r['race_time_pct_vs_template_hi'])} | "  # noqa: E501
            f"{'-' if is_t else _ci(r['race_time_pct_vs_below'], r['race_time_pct_vs_below_lo'], r['race_time_pct_vs_below_hi'])} | "  # noqa: E501
            f"{r['injured_days']:.1f} | "
            f"{'reference' if is_t else _ci(r['injured_days_vs_template'], r['injured_days_vs_template_lo'], r['injured_days_vs_template_hi'], '{:+.1f}')} | "  # noqa: E501
            f"{'-' if is_t else _ci(r['oracle_gap_share'], r['oracle_gap_share_lo'], r['oracle_gap_share_hi'], '{:.0%}')} | "  # noqa: E501
            f"{'-' if is_t or np.isnan(r['draws_won']) else format(r['draws_won'], '.0%')} | "
            f"{'-' if np.isnan(r['missed10_pp']) else format(r['missed10_pp'], '+.2f')} | "
            f"{r['wall_s']:.0f} s |")
    lines += ["", *verdicts(results)]
    return "\n".join(lines)


def verdicts(results: list[Any]) -> list[str]:
    """The issue's targets, one line each per level, measured."""
    out = []
    for r in results:
        per = r.per_athlete
        fb = paired(per, "learned", "open-loop", "race_time_pct")
        rp = paired(per, "re-planned", "open-loop", "race_time_pct")
        ps = paired(per, "personalized", "open-loop", "race_time_pct")
        race = {n: per[per["policy"] == n].sort_values("athlete")["race_time_pct"].to_numpy() for n in RUNGS}
        share = oracle_gap_share(race["template"], race["learned"], race["oracle"])
        follower = "open-loop through the env's actions"
        ab = ""
        if (per["policy"] == follower).any():
            fo = paired(per, follower, "open-loop", "race_time_pct")
            lf = paired(per, "learned", follower, "race_time_pct")
            ab = (f" Ablation: the open-loop plan played through the learned policy's actions and limits "
                  f"{_ci(*fo)} pp against the open-loop plan (the action space's price); learned minus that "
                  f"{_ci(*lf)} pp (what learning leaves).")

        def word(d: tuple[float, float, float]) -> str:
            return "wins" if d[2] < 0 else "loses" if d[1] > 0 else "ties"

        out.append(
            f"- {r.level}: value of feedback (learned - open-loop) {_ci(*fb)} pp: the learned policy {word(fb)}; "
            f"re-planned - open-loop {_ci(*rp)} pp: re-planning {word(rp)}; personalized - open-loop {_ci(*ps)} pp; "
            f"the learned policy recovers {share[0]:.0%} [{share[1]:.0%}, {share[2]:.0%}] of the oracle gap." + ab)
    return out


def figure(table: pd.DataFrame) -> bytes:
    """The ladder per level: race time % and injured days per rung, 95% CIs as error bars (PNG)."""
    from experiments.report.figures import pyplot  # lazy: matplotlib

    plt = pyplot()

    levels = list(dict.fromkeys(table["level"]))
    fig, axes = plt.subplots(2, len(levels), figsize=(max(6.0, 4.6 * len(levels)), 7.6), squeeze=False, sharey="row")
    colors = ["#7f7f7f", "#1f77b4", "#17becf", "#2ca02c", "#d62728", "#9467bd"]
    for j, lv in enumerate(levels):
        t = table[table["level"] == lv].set_index("rung").loc[list(RUNGS)]
        x = np.arange(len(RUNGS))
        for i, (m, ylabel) in enumerate((("race_time_pct", "race time vs season start, %\n(lower = faster)"),
                                         ("injured_days", "injured days per season"))):
            ax = axes[i, j]
            y = t[m].to_numpy()
            err = np.vstack([y - t[f"{m}_lo"].to_numpy(), t[f"{m}_hi"].to_numpy() - y])
            ax.bar(x, y, color=colors, alpha=0.85)
            ax.errorbar(x, y, yerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
            ax.axhline(t.loc["template", m], color="#7f7f7f", lw=0.8, ls="--")
            ax.set_xticks(x)
            ax.set_xticklabels([LABELS[r].replace(" (", "\n(") for r in RUNGS], rotation=35, ha="right", fontsize=8)
            if j == 0:
                ax.set_ylabel(ylabel)
            if i == 0:
                ax.set_title(f"{lv} (template: {t.loc['template', 'template_name']})")
            ax.grid(axis="y", alpha=0.3)
    fig.suptitle("The ladder of planners on the same held-out athletes\n"
                 "(bars: means, error bars: 95% CIs; dashed: the template)", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def rewrite_block(text: str, block: str, where: str) -> str:
    """`text` with the part between the headline markers replaced by `block`."""
    if BEGIN not in text or END not in text:
        raise ValueError(f"{where}: no {BEGIN} ... {END} markers to replace")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def recorded(text: str) -> dict[str, str] | None:
    """The commit and fingerprint a README block says it was made on (None if the block has none)."""
    if BEGIN not in text:
        return None
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    m = re.search(r"on commit `([0-9a-f]{7,40})(\+dirty)?` \(model fingerprint `([0-9a-f]{16})`", block)
    if not m:
        return None
    return {"commit": m.group(1), "dirty": bool(m.group(2)), "fingerprint": m.group(3)}
