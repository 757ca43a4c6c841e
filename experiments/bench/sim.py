"""`stridelab bench sim`: the numba batch kernel against the plain-Python reference.

Both run one-year seasons (52 weeks, the level's reference running plus 2x/week heavy
lifting) in the same process; the reference on fewer athletes (it is ~1000x slower), so
each figure is athlete-days per second. Also measures the first-call latency of a fresh
process (import + first simulate), twice: the second process must find numba's on-disk
cache (cache=True) and start warm; and the same for the first `stridelab simulate` of the shipped
example plan (2,000 athletes: import, compile, warm-up, season, summary), the command a new user
runs first. With `--against DIR`, both first calls are timed in that checkout too, in the same run.
Then the per-section profile of the kernel (`_sections`: scheduler,
day, random draws, the rest of the season loop, derive, race prediction) on a fixed part of the
same workload, one thread.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WEEKS = 52
N_FAST = 100_000
N_REF = 20
ROUNDS = 3

_FIRST_CALL = """
import time; t0 = time.perf_counter()
import numpy as np
from sim import kernel
from sim.parameters import default_parameters
from sim.population import sample_athletes
from sim.season import reference_run_plan
from sim.state import STATE_SIZE, METRIC_SIZE
gp = default_parameters(); ath = sample_athletes("intermediate", 8, 0)
st = np.empty((8, STATE_SIZE)); kernel.init_states(ath, gp, st)
plans = reference_run_plan(1, 52)[None]; out = np.empty((8, 52, METRIC_SIZE))
kernel.simulate(st, ath, gp, plans, 0, np.arange(8), 0, out)
print(time.perf_counter() - t0)
"""


def _inputs(n: int):
    from sim import kernel
    from sim.parameters import default_parameters
    from sim.population import sample_athletes
    from sim.season import reference_run_plan
    from sim.state import EMPH_HEAVY, METRIC_SIZE, P_EMPHASIS, P_STR_SESSIONS, STATE_SIZE

    gp = default_parameters()
    ath = sample_athletes("intermediate", n, 0)
    states = np.empty((n, STATE_SIZE))
    kernel.init_states(ath, gp, states)
    plans = reference_run_plan(1, WEEKS)
    plans[:, P_STR_SESSIONS] = 2
    plans[:, P_EMPHASIS] = EMPH_HEAVY
    return gp, ath, states, plans[None], np.arange(n, dtype=np.int64), np.empty((n, WEEKS, METRIC_SIZE))


def _time(simulate, n: int, repeats: int) -> float:
    gp, ath, states, plans, keys, out = _inputs(n)
    best = float("inf")
    for _ in range(repeats):
        st = states.copy()
        t0 = time.perf_counter()
        simulate(st, ath, gp, plans, 0, keys, 0, out)
        best = min(best, time.perf_counter() - t0)
    return n * WEEKS * 7 / best


def first_call_latency(root: str | None = None) -> tuple[float, float]:
    """Seconds to import and simulate in a fresh process, with an empty JIT cache (the first
    process compiles and writes the cache) and then again (the second process loads it); in the
    checkout `root` (default: this one)."""
    times = []
    script = _FIRST_CALL if root is None else f"import sys; sys.path.insert(0, {root!r})\n" + _FIRST_CALL
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for _ in range(2):
            r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                               env=env, cwd=root)
            times.append(float(r.stdout.strip().splitlines()[-1]))
    return times[0], times[1]


FIRST_SIMULATE = ("simulate", "configs/plans/example.yaml")


def first_simulate_latency(root: str) -> tuple[float, float]:
    """Wall seconds of `stridelab simulate configs/plans/example.yaml` in checkout `root`, a fresh process
    with an empty JIT cache and then one with the cache it wrote."""
    times = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "PYTHONPATH": root}
        for _ in range(2):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "experiments.cli", *FIRST_SIMULATE], capture_output=True, text=True,
                           check=True, env=env, cwd=root)
            times.append(time.perf_counter() - t0)
    return times[0], times[1]


# The same workload timed in another checkout of the project (`--against DIR`, e.g. the main
# branch before a change), in a child process whose sys.path starts with DIR; only the kernel
# call is timed, so import and compile time do not count.
_AGAINST = """
import sys, time
sys.path.insert(0, sys.argv[1])
import numpy as np
from sim import kernel
from sim.parameters import default_parameters
from sim.population import sample_athletes
from sim.season import reference_run_plan
from sim.state import EMPH_HEAVY, METRIC_SIZE, P_EMPHASIS, P_STR_SESSIONS, STATE_SIZE
n, weeks, repeats = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gp = default_parameters(); ath = sample_athletes("intermediate", n, 0)
states = np.empty((n, STATE_SIZE)); kernel.init_states(ath, gp, states)
plans = reference_run_plan(1, weeks); plans[:, P_STR_SESSIONS] = 2; plans[:, P_EMPHASIS] = EMPH_HEAVY
keys = np.arange(n, dtype=np.int64); out = np.empty((n, weeks, METRIC_SIZE))
kernel.simulate(states.copy()[:64], ath[:64], gp, plans[None], 0, keys[:64], 0, out[:64])
best = float("inf")
for _ in range(repeats):
    st = states.copy(); t0 = time.perf_counter()
    kernel.simulate(st, ath, gp, plans[None], 0, keys, 0, out)
    best = min(best, time.perf_counter() - t0)
print(n * weeks * 7 / best)
"""


def _time_against(path: str, n: int, repeats: int) -> float:
    r = subprocess.run([sys.executable, "-c", _AGAINST, path, str(n), str(WEEKS), str(repeats)], capture_output=True,
                       text=True, check=True, cwd=path)
    return float(r.stdout.strip().splitlines()[-1])


def run(json_out: bool = False, against: str | None = None) -> dict:
    from sim import kernel
    from sim.reference import kernel as reference

    _time(kernel.simulate, 64, 1)  # compile / load cache
    fast, ref, other = 0.0, 0.0, 0.0
    for _ in range(ROUNDS):  # interleaved, best of each: the machine's load moves both alike
        fast = max(fast, _time(kernel.simulate, N_FAST, 2))
        ref = max(ref, _time(reference.simulate, N_REF, 1))
        if against:
            other = max(other, _time_against(against, N_FAST, 2))
    cold, warm = first_call_latency()
    here = str(Path(__file__).resolve().parents[2])
    cli_cold, cli_warm = first_simulate_latency(here)
    from experiments.bench._sections import SECTION_ATHLETES, profile, table

    sections = profile(_inputs(SECTION_ATHLETES))
    result = {
        "athlete_days_per_s": fast,
        "reference_athlete_days_per_s": ref,
        "speedup": fast / ref,
        "first_call_cold_cache_s": cold,
        "first_call_warm_cache_s": warm,
        "first_simulate_cold_cache_s": cli_cold,
        "first_simulate_warm_cache_s": cli_warm,
        "athletes": N_FAST,
        "weeks": WEEKS,
        "threads": int(__import__("numba").get_num_threads()),
        "sections": [{k: None if isinstance(v, float) and v != v else v for k, v in row._asdict().items()}
                     for row in sections],  # NaN (not in the season loop) as null: valid JSON
    }
    if against:
        result["against"] = against
        result["against_athlete_days_per_s"] = other
        result["ratio_to_against"] = fast / other
        result["against_first_call_cold_cache_s"], result["against_first_call_warm_cache_s"] = first_call_latency(
            against)
        result["against_first_simulate_cold_cache_s"], result["against_first_simulate_warm_cache_s"] = (
            first_simulate_latency(against))
    if json_out:
        print(json.dumps(result, indent=1))
    else:
        print(f"numba batch kernel : {fast / 1e6:10.1f} M athlete-days/s ({N_FAST} athletes x {WEEKS} weeks)")
        print(f"python reference   : {ref / 1e6:10.4f} M athlete-days/s ({N_REF} athletes)")
        print(f"speedup            : {fast / ref:10.0f} x")
        if against:
            print(f"{against}: {other / 1e6:10.1f} M athlete-days/s; this tree / that one = {fast / other:.3f}")
        print(f"first call in a fresh process: {cold:.2f} s with an empty JIT cache, {warm:.2f} s in the next process "
              "(cache warm)")
        print(f"first `stridelab {' '.join(FIRST_SIMULATE)}`: {cli_cold:.2f} s with an empty JIT cache, "
              f"{cli_warm:.2f} s warm")
        if against:
            print(f"{against}: first call {result['against_first_call_cold_cache_s']:.2f} s cold, "
                  f"{result['against_first_call_warm_cache_s']:.2f} s warm; first simulate "
                  f"{result['against_first_simulate_cold_cache_s']:.2f} s cold, "
                  f"{result['against_first_simulate_warm_cache_s']:.2f} s warm")
        print(table(sections, SECTION_ATHLETES, WEEKS))
    return result
