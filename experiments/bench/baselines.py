"""`stridelab bench baselines`: all nine baselines on 10,000 athletes over a 52-week season.

Target (issue 4): under 10 s for the whole evaluation (plans, simulation, per-athlete tables,
bootstrap summary), the cohort's warm-up excluded (it is shared by every policy and done
once). Two references measured in the same run, so the figures survive a busy machine:

The wall time depends on what else runs on the machine; CPU time over the thread count is
also reported (what the wall time would be with the cores to ourselves).

- kernel floor: the bare `sim.kernel.simulate` of one shared plan on the same cohort, times
  nine; `overhead` = evaluation / floor says what the harness adds to the physics;
- Python planning: labelled `season_plan()` per athlete (one Python call per athlete-week,
  the path the templates must not take), timed on a few athletes and scaled to 10,000, against
  the numba `plan_array` of all baselines.
"""

from __future__ import annotations

import json
import time

import numpy as np

N = 10_000
WEEKS = 52
LEVEL = "intermediate"
N_PY = 100  # athletes for the Python-planning reference (it is ~10^4x slower per athlete)
TARGET_S = 10.0


def _seconds(fn, repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _wall_and_cpu(fn) -> tuple[float, float]:
    """Wall seconds and CPU seconds (all threads) of one call: on a shared machine the CPU time
    divided by the thread count is what the wall time would be with the cores to ourselves."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def run(json_out: bool = False) -> dict:
    import numba

    from agents.baselines import BASELINES
    from agents.evaluation import evaluate
    from sim import kernel
    from sim.state import METRIC_SIZE
    from sim.whatif import make_cohort

    evaluate(BASELINES, make_cohort(LEVEL, 64, 1), WEEKS, reference="run_only")  # compile / load caches
    t0 = time.perf_counter()
    cohort = make_cohort(LEVEL, N, seed=0)
    cohort_s = time.perf_counter() - t0

    total_s, total_cpu_s = min(_wall_and_cpu(lambda: evaluate(BASELINES, cohort, WEEKS, reference="run_only"))
                               for _ in range(2))
    threads = int(numba.get_num_threads())
    own_cores_s = total_cpu_s / threads

    plans = BASELINES[LEVEL].plan_array(LEVEL, WEEKS)
    out = np.empty((N, WEEKS, METRIC_SIZE))
    floor_one = _seconds(lambda: kernel.simulate(cohort.states.copy(), cohort.athletes, cohort.params, plans,
                                                 cohort.seed, cohort.keys, 0, out), repeats=2)
    floor_s = floor_one * len(BASELINES)

    plan_s = _seconds(lambda: [b.plan_array(LEVEL, WEEKS, N, 0) for b in BASELINES.values()], repeats=3)
    random = BASELINES["mistake_random"]
    py_s = _seconds(lambda: [random.season_plan(LEVEL, WEEKS, athlete_index=i) for i in range(N_PY)])
    py_plan_s = py_s / N_PY * N * len(BASELINES)

    result = {
        "athletes": N,
        "weeks": WEEKS,
        "baselines": len(BASELINES),
        "evaluate_all_s": total_s,
        "target_s": TARGET_S,
        "within_target": total_s < TARGET_S,
        "evaluate_all_cpu_s": total_cpu_s,
        "evaluate_all_own_cores_s": own_cores_s,
        "within_target_own_cores": own_cores_s < TARGET_S,
        "kernel_floor_s": floor_s,
        "overhead_vs_kernel": total_s / floor_s,
        "plan_array_all_s": plan_s,
        "python_planning_all_s_extrapolated": py_plan_s,
        "planning_speedup": py_plan_s / plan_s,
        "cohort_warmup_s": cohort_s,
        "threads": threads,
    }
    if json_out:
        print(json.dumps(result, indent=1))
    else:
        print(f"all {len(BASELINES)} baselines, {N} athletes x {WEEKS} weeks: {total_s:6.2f} s "
              f"(target < {TARGET_S:.0f} s: {'met' if total_s < TARGET_S else 'MISSED'})")
        print(f"  CPU time {total_cpu_s:.2f} s over {threads} threads: {own_cores_s:.2f} s with the cores to "
              f"ourselves ({'met' if own_cores_s < TARGET_S else 'MISSED'})")
        print(f"kernel floor (bare simulate x {len(BASELINES)})   : {floor_s:6.2f} s; "
              f"evaluation / floor = {total_s / floor_s:.2f}")
        print(f"plans, numba plan_array (all baselines) : {plan_s:8.4f} s; Python season_plan per "
              f"athlete-week (extrapolated from {N_PY}): {py_plan_s:.0f} s; "
              f"speedup {py_plan_s / plan_s:.0f}x")
        print(f"cohort warm-up (once, shared, not counted): {cohort_s:.2f} s; "
              f"numba threads: {result['threads']}")
    return result


if __name__ == "__main__":
    run()
