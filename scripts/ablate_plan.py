"""One change at a time to a plan file, on the same athletes: where does a plan's margin come from?

    python scripts/ablate_plan.py opt-intermediate.yaml [--athletes 1000] [--seed 77]

Prints race time and injured days (means over the athletes) for the plan, for each one-change
variant (the first 30 weeks at the habitual volume at least; volume capped at 1.3x; default sets; 3 sets; 2
strength sessions; moderate instead of hard effort; no strength work), and for the level's
template and run-only, all on one cohort with common random numbers (`sim.whatif.make_cohort`,
`agents.evaluation.run_season`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def variants(p: np.ndarray) -> dict[str, np.ndarray]:
    from sim.state import EFFORT_HARD, EFFORT_MODERATE, P_EFFORT, P_RUN_KM, P_SETS, P_STR_SESSIONS

    out = {"plan as written": p}

    def changed(fn):
        q = p.copy()
        fn(q)
        return q

    out["first 30 weeks at >= 1.0x habitual km"] = changed(
        lambda q: q.__setitem__((slice(0, 30), P_RUN_KM), np.maximum(q[:30, P_RUN_KM], 1.0)))
    out["volume capped at 1.3x"] = changed(lambda q: q.__setitem__((slice(None), P_RUN_KM),
                                                                   np.minimum(q[:, P_RUN_KM], 1.3)))
    out["the emphasis' default sets (what a learned policy gets)"] = changed(
        lambda q: q.__setitem__((slice(None), P_SETS), 0.0))
    out["3 sets per lift at most"] = changed(lambda q: q.__setitem__((slice(None), P_SETS),
                                                                     np.minimum(q[:, P_SETS], 3)))
    out["2 strength sessions at most"] = changed(lambda q: q.__setitem__((slice(None), P_STR_SESSIONS),
                                                                         np.minimum(q[:, P_STR_SESSIONS], 2)))
    out["moderate instead of hard effort"] = changed(lambda q: q.__setitem__(
        (slice(None), P_EFFORT), np.where(q[:, P_EFFORT] == EFFORT_HARD, EFFORT_MODERATE, q[:, P_EFFORT])))
    out["no strength work"] = changed(lambda q: q.__setitem__((slice(None), P_STR_SESSIONS), 0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan", help="a plan file with absolute or relative weeks (e.g. from stridelab optimize)")
    ap.add_argument("--athletes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=77)
    args = ap.parse_args(argv)

    from agents.baselines import BASELINES
    from agents.evaluation import athlete_rows, baseline_plans, run_season
    from sim.errors import InputError
    from sim.plan import load_plan
    from sim.whatif import make_cohort

    try:
        pf = load_plan(args.plan)
    except InputError as err:
        print(f"ablate_plan: {err}", file=sys.stderr)
        return 2
    plan = pf.plan_array()
    cohort = make_cohort(pf.level, args.athletes, args.seed, pf.race_distance)
    rows = dict(variants(plan))
    for name in (pf.level, "run_only"):
        rows[f"template: {name}" if name != "run_only" else "run-only"] = baseline_plans(
            BASELINES[name], cohort, plan.shape[0])
    print(f"{args.plan}: {args.athletes} {pf.level} athletes, seed {args.seed}")
    print(f"{'plan':42s} {'race time %':>12s} {'injured days':>13s}")
    for name, plans in rows.items():
        m = athlete_rows(name, run_season(cohort, plans)).mean(numeric_only=True)
        print(f"{name:42s} {m['race_time_pct']:+12.2f} {m['injured_days']:13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
