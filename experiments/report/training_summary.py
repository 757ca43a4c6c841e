"""The Markdown summary a training run writes beside its comparison table: the headline sentence and
table, robustness and the credibility of the learned plans (`experiments.training.final`)."""

from __future__ import annotations

import pandas as pd

from experiments.config import ExperimentConfig
from experiments.report.robustness import missed_label


def comparison_markdown(table: pd.DataFrame, head: dict[str, float], best: str, cfg: ExperimentConfig,
                        wall_s: float) -> str:
    """The comparison table as Markdown, with the headline sentence on top."""
    verdict = "beats" if head["beats_best_template"] else "does not beat"
    n = int(table["athletes"].iloc[0])
    lines = [
        f"# {cfg.name}: learned policy vs baselines on {n} held-out athletes",
        "",
        f"The learned policy {verdict} the best template (**{best}**): race time "
        f"{head['race_time_pct']:+.2f}% vs {head['best_template_race_time_pct']:+.2f}%, paired difference "
        f"{head['gap_to_best_template_pct']:+.3f} pp [95% CI {head['gap_ci_lo']:+.3f}, {head['gap_ci_hi']:+.3f}], "
        f"faster for {100 * head['gap_win_share']:.0f}% of athletes; injured days {head['injured_days']:.2f} vs "
        f"{head['best_template_injured_days']:.2f} (difference {head['injured_days_diff']:+.2f} "
        f"[{head['injured_days_diff_ci_lo']:+.2f}, {head['injured_days_diff_ci_hi']:+.2f}]). "
        f"Training wall time {wall_s / 60:.1f} min.",
        "",
        "race_time_pct: race-time change over the season (negative = faster). diff: paired mean difference "
        f"to the best template ({best}), 95% bootstrap CI over athletes.",
        "",
    ]
    cols = [("race_time_pct", "race time %"), ("race_time_pct_diff", "diff vs best"),
            ("injured_days", "injured days"), ("injured_days_diff", "diff vs best"),
            ("injuries", "injuries"), ("strength_pct", "strength %"), ("economy_pct", "economy %"),
            ("run_km", "run km"), ("strength_sessions", "strength sessions")]
    lines.append("| policy | " + " | ".join(h for _, h in cols) + " |")
    lines.append("|---|" + "|".join("---:" for _ in cols) + "|")
    for name, r in table.iterrows():
        cells = []
        for c, _ in cols:
            v = float(r[c])
            if c.endswith("_diff") or c in ("race_time_pct", "injured_days"):
                cells.append(f"{v:+.2f} [{float(r[c + '_lo']):+.2f}, {float(r[c + '_hi']):+.2f}]"
                             if c.endswith("_diff") and name != best else f"{v:+.2f}" if c.endswith("_diff")
                             else f"{v:.2f} [{float(r[c + '_lo']):.2f}, {float(r[c + '_hi']):.2f}]")
            else:
                cells.append(f"{v:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def checks_markdown(rob, cred) -> str:
    """Robustness of the learned policy and the baselines, and the credibility of the learned plans."""
    lines = ["", "## Robustness", ""]
    s = rob.summary
    if rob.model_draws:
        lines += [f"Under {rob.model_draws} parameter draws (same athletes, same random streams): mean and 5-95% "
                  "of draws; 'won': share of draws whose best template it beats (paired race-time CI below 0).", "",
                  "| policy | race time % | injured days | vs best template (pp) | won |", "|---|---:|---:|---:|---:|"]
        for name, r in s.iterrows():
            won = "" if r["draws_won"] != r["draws_won"] else f"{100 * r['draws_won']:.0f}%"
            lines.append(
                f"| {name} | {r['draws_race_time_pct_mean']:+.2f} [{r['draws_race_time_pct_p5']:+.2f}, "
                f"{r['draws_race_time_pct_p95']:+.2f}] | {r['draws_injured_days_mean']:.1f} "
                f"[{r['draws_injured_days_p5']:.1f}, {r['draws_injured_days_p95']:.1f}] | "
                f"{r['draws_vs_best_mean']:+.2f} [{r['draws_vs_best_p5']:+.2f}, {r['draws_vs_best_p95']:+.2f}] | "
                f"{won} |")
        lines.append("")
    if rob.rates:
        lines += ["Missed sessions (the same skips for every policy): paired change against none missed, "
                  "95% CI; positive race time = slower.", "",
                  "| policy | " + " | ".join(f"{p:.0%} missed: race time (pp) | {p:.0%}: injured days"
                                            for p in rob.rates) + " |",
                  "|---|" + "---:|---:|" * len(rob.rates)]
        for name, r in s.iterrows():
            cells = []
            for p in rob.rates:
                lab = missed_label(p)
                cells += [f"{r[f'{lab}_race_time_pct_diff']:+.2f} [{r[f'{lab}_race_time_pct_diff_lo']:+.2f}, "
                          f"{r[f'{lab}_race_time_pct_diff_hi']:+.2f}]", f"{r[f'{lab}_injured_days_diff']:+.2f}"]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Credibility of the learned plans", "", cred.text(), ""]
    return "\n".join(lines)
