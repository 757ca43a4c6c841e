"""Regenerate the Baselines results tables and the claims table in docs/benchmarks.md.

    python scripts/make_baseline_tables.py      # 2000 athletes per level (seed 0), claims at 1000 (seed 2026)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _ci(row: dict, key: str, fmt: str = "{:+.2f}") -> str:
    lo, hi = row[f"{key}_ci95"]
    return f"{fmt.format(row[key])} [{fmt.format(lo)}, {fmt.format(hi)}]"


def results_tables() -> str:
    from agents.baselines import BASELINES
    from agents.evaluation import evaluate
    from experiments.cli.baselines import JSON_METRICS
    from sim.state import LEVELS
    from sim.whatif import make_cohort

    out = []
    for level in LEVELS:
        res = evaluate(BASELINES, make_cohort(level, 2000, 0, "10k"), 52, reference="run_only")
        out += [f"*{level} athletes*", "",
                "| policy | race time % [95% CI] | vs run_only | wins | injured days [95% CI] | injuries | "
                "strength % | key-run quality % |", "|---|---|---|---|---|---|---|---|"]
        for r in res.rows(JSON_METRICS):
            out.append(f"| {r['policy']} | {_ci(r, 'race_time_pct')} | {_ci(r, 'race_time_pct_diff')} | "
                       f"{100 * r['race_time_pct_win']:.0f}% | {_ci(r, 'injured_days', '{:.1f}')} | "
                       f"{r['injuries']:.2f} | {r['strength_pct']:.1f} | {r['key_run_quality_pct']:.1f} |")
        out.append("")
    return "\n".join(out).rstrip()


def claims_table() -> str:
    from agents.baselines import BASELINES, MISTAKE_OUTCOME
    from agents.evaluation import HIGHER_IS_BETTER, evaluate, summarize
    from sim.state import LEVELS
    from sim.whatif import make_cohort

    rows: dict[str, list[str]] = {}
    for level in LEVELS:
        res = evaluate(BASELINES, make_cohort(level, 1000, 2026, "10k"), 52, reference="run_only", n_boot=400)
        s = res.summary
        for metric, label in (("race_time_pct", "template beats run-only on race time (pp)"),
                              ("injured_days", "template beats run-only on injured days")):
            d, lo, hi = (s.loc[level, f"{metric}_{k}"] for k in ("diff", "diff_lo", "diff_hi"))
            verdict = "holds" if hi < 0 else "**contradicted**"
            rows.setdefault(label, []).append(f"{verdict} ({d:+.2f} [{lo:+.2f}, {hi:+.2f}])")
        for mistake, metric in MISTAKE_OUTCOME.items():
            pa = res.per_athlete[res.per_athlete.policy.isin([mistake, level])]
            m = summarize(pa, reference=level, n_boot=400, metrics=(metric,))
            d, lo, hi = (float(m.loc[mistake, f"{metric}_{k}"]) for k in ("diff", "diff_lo", "diff_hi"))
            holds = hi < 0 if metric in HIGHER_IS_BETTER else lo > 0
            label = f"{mistake} worse than the template on {metric}"
            verdict = "holds" if holds else "**contradicted**"
            rows.setdefault(label, []).append(f"{verdict} ({d:+.2f} [{lo:+.2f}, {hi:+.2f}])")
        for mistake in MISTAKE_OUTCOME:  # issue 9: every mistake costs race time or injured days
            pa = res.per_athlete[res.per_athlete.policy.isin([mistake, level])]
            m = summarize(pa, reference=level, n_boot=400, metrics=("race_time_pct", "injured_days"))
            parts, holds = [], False
            for metric, short in (("race_time_pct", "race"), ("injured_days", "inj. days")):
                d, lo, hi = (float(m.loc[mistake, f"{metric}_{k}"]) for k in ("diff", "diff_lo", "diff_hi"))
                holds |= lo > 0
                parts.append(f"{short} {d:+.2f} [{lo:+.2f}, {hi:+.2f}]")
            label = f"{mistake} worse than the template on race time or injured days"
            rows.setdefault(label, []).append(f"{'holds' if holds else '**contradicted**'} ({'; '.join(parts)})")
    lines = ["| claim (paired difference [95% CI]) | beginner | intermediate | advanced |", "|---|---|---|---|"]
    lines += [f"| {k} | {' | '.join(v)} |" for k, v in rows.items()]
    return "\n".join(lines)


def replace(text: str, name: str, body: str) -> str:
    pat = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(<!-- END {name} -->)", re.S)
    if not pat.search(text):
        raise SystemExit(f"docs/benchmarks.md has no {name} markers")
    return pat.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = replace(path.read_text(), "BASELINE_RESULTS", results_tables())
    text = replace(text, "BASELINE_CLAIMS", claims_table())
    path.write_text(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
