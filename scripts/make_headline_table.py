"""The headline table per level from a `stridelab compare` folder: the best learned policy, the
optimized open-loop plan, the best template and run-only, with paired CIs against the best
template, robustness (model draws won, race time lost with missed sessions) and credibility.

    stridelab compare --experiment stridelab --plan opt-beginner.yaml --plan opt-intermediate.yaml \\
        --plan opt-advanced.yaml --athletes 2000 --model-draws 8 --missed 0.1,0.2 --out compare
    python scripts/make_headline_table.py compare                     # print the Markdown
    python scripts/make_headline_table.py compare --write README.md docs/benchmarks.md

With --write, the text between `<!-- headline:begin -->` and `<!-- headline:end -->` in each file
is replaced (the markers must be there). The learned row is the policy trained for the level (its
config's name, `learned:<level>-seed<k>`), else the best learned one; the optimized row is the plan
`opt-<level>` when there is one, else the best optimized plan. Runs named `norules-<level>-seed<k>`
and plans named `norules-opt-<level>` (trained or optimized without the article's rules as coach
limits) get their own rows, "... without the rules", so the price of the rules can be read off.
The value of feedback is
that policy's paired race-time difference against the optimized plan on the same athletes
(percentile bootstrap, 1000 resamples, seed 0).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

BEGIN, END = "<!-- headline:begin -->", "<!-- headline:end -->"


def _ci(row: pd.Series, key: str, fmt: str = "{:+.2f}") -> str:
    return f"{fmt.format(row[key])} [{fmt.format(row[key + '_lo'])}, {fmt.format(row[key + '_hi'])}]"


def _paired(per: pd.DataFrame, level: str, a: str, b: str, metric: str, seed: int = 0) -> tuple[float, float, float]:
    """Mean of a - b over the same athletes, with a 95% percentile-bootstrap interval."""
    x = per[(per["level"] == level) & (per["policy"] == a)].set_index("athlete")[metric]
    y = per[(per["level"] == level) & (per["policy"] == b)].set_index("athlete")[metric]
    d = (x - y.reindex(x.index)).to_numpy()
    rng = np.random.default_rng(seed)
    boots = d[rng.integers(0, d.size, size=(1000, d.size))].mean(axis=1)
    return float(d.mean()), float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))


def _missed(row: pd.Series, rates: list[float]) -> str:
    parts = []
    for p in rates:
        key = f"missed{round(100 * p)}_race_time_pct_diff"
        parts.append(f"{row[key]:+.2f}" if key in row and pd.notna(row[key]) else "-")
    return " / ".join(parts)


def table(folder: Path) -> str:
    summary = pd.read_csv(folder / "compare.csv")
    per = pd.read_csv(folder / "per_athlete.csv")
    verdict = json.loads((folder / "verdict.json").read_text())
    rates = list(verdict.get("missed", []))
    draws = int(verdict.get("model_draws", 0))
    miss_head = " / ".join(f"{round(100 * p)}%" for p in rates) or "-"
    lines = [
        f"Held-out athletes: {verdict['athletes']} per level, population seed {verdict['seed']}; "
        f"{verdict['season_weeks']}-week season, {verdict['race_distance']} race. Paired differences are against the "
        f"level's best template on the same athletes (negative race time = faster). Robustness: model draws won = "
        f"share of {draws} parameter draws in which the policy beats that draw's best template; missed = race time "
        f"lost (pp) when {miss_head} of sessions are skipped (the same skips for every policy). Credibility: tapers "
        "and periodizes = share of athlete-plans; rule breaks per season; all at max = share of weeks with every "
        "action component at its maximum; under half = share of pre-taper weeks under half the habitual km.",
        "",
        "| level | policy | race time % [95% CI] | vs best template, pp [95% CI] | injured days | vs best template, "
        f"days [95% CI] | model draws won | missed {miss_head}, pp | tapers | periodizes | rule breaks | all at max "
        "| under half |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for level in verdict["levels"]:
        s = summary[summary["level"] == level].set_index("policy")
        best_t = s.index[(s["kind"] == "template")][s.loc[s["kind"] == "template", "race_time_pct"].argmin()]
        learned = s[s["kind"] == "learned"]
        optimized = s[s["kind"] == "optimized"]
        rows = []
        own = [n for n in learned.index if n.removeprefix("learned:").startswith(f"{level}-")]
        ruled = learned.drop([n for n in learned.index if n.startswith("learned:norules-")])
        bl = own[0] if own else (ruled["race_time_pct"].idxmin() if len(ruled) else None)
        if bl is not None:
            rows.append((f"learned ({bl.removeprefix('learned:')})", bl))
        free = [n for n in learned.index if n.startswith(f"learned:norules-{level}-")]
        if free:
            rows.append((f"learned without the rules ({free[0].removeprefix('learned:')})", free[0]))
        plain = optimized.drop([n for n in optimized.index if n.startswith("optimized:norules-")])
        bo = (f"optimized:opt-{level}" if f"optimized:opt-{level}" in plain.index
              else plain["race_time_pct"].idxmin() if len(plain) else None)
        if bo is not None:
            rows.append(("optimized open-loop", bo))
        if f"optimized:norules-opt-{level}" in optimized.index:
            rows.append(("optimized without the rules", f"optimized:norules-opt-{level}"))
        rows += [(f"best template: {best_t}", best_t), ("run-only", "run_only")]
        for label, name in rows:
            r = s.loc[name]
            is_ref = name == best_t
            won = f"{r['draws_won']:.0%}" if "draws_won" in r and pd.notna(r["draws_won"]) and not is_ref else "-"
            lines.append(
                f"| {level} | {label} | {_ci(r, 'race_time_pct')} | "
                f"{'reference' if is_ref else _ci(r, 'race_time_pct_diff')} | {r['injured_days']:.2f} | "
                f"{'reference' if is_ref else _ci(r, 'injured_days_diff')} | {won} | {_missed(r, rates)} | "
                f"{r['tapers']:.0%} | {r['periodizes']:.0%} | {r['rule_breaks']:.1f} | {r['all_max']:.0%} | "
                f"{r.get('under_half_volume', float('nan')):.0%} |"
            )
        if bl is not None and bo is not None:
            d, lo, hi = _paired(per, level, bl, bo, "race_time_pct")
            di, loi, hii = _paired(per, level, bl, bo, "injured_days")
            notes.append(f"- {level}: value of feedback (learned {bl} minus optimized {bo}, same athletes): race time "
                         f"{d:+.2f} pp [95% CI {lo:+.2f}, {hi:+.2f}], injured days {di:+.2f} [{loi:+.2f}, {hii:+.2f}]"
                         + (" - the open-loop plan wins." if lo > 0 else " - the learned policy wins." if hi < 0
                            else " - no clear difference."))
    return "\n".join(lines + ([""] + notes if notes else []))


def write(files: list[Path], text: str) -> None:
    for f in files:
        src = f.read_text()
        if BEGIN not in src or END not in src:
            raise SystemExit(f"{f}: no {BEGIN} ... {END} markers to replace")
        head, rest = src.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        f.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path, help="a stridelab compare --out folder")
    ap.add_argument("--write", nargs="*", type=Path, default=None, help="files with headline markers to update")
    args = ap.parse_args(argv)
    for name in ("compare.csv", "per_athlete.csv", "verdict.json"):
        if not (args.folder / name).is_file():
            print(f"folder: {str(args.folder)!r} has no {name}; give a stridelab compare --out folder",
                  file=sys.stderr)
            return 2
    text = table(args.folder)
    print(text)
    if args.write:
        write(args.write, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
