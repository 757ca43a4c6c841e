"""Compile kernels that only later tests use into numba's cache, in a process of their own while the first tests
(tests/agents, tests/envs) run: tests/conftest.py starts it and the later tests wait for it (not a test module).

- the athlete kernels (`sim.athlete._replay`, `_advance`: 15-20 s each to compile), by what the athlete tests
  run first (`stridelab athlete fit` on a synthetic log, then `replan`) in the temp folder given as argument;
- the two copies of `sim.kernel.step_day` that Python calls compile (5 s each): with `Rules` / `Clock`
  (`sim.calibration`) and with plain tuples (the kernel tests in tests/sim).

It writes nothing else into the cache: every other kernel it needs is loaded from the cache when there or
compiled for itself only. Those three kernels are not compiled by the tests it runs beside, so two processes
never write different entries of one kernel's cache index at once (numba's index is last-writer-wins).

    python tests/jit_warmup.py FOLDER
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path


def _save_only(kernels) -> None:
    """Let numba save only `kernels` (dispatchers) to its cache in this process; SystemExit (nothing
    compiled) if numba's cache no longer works the way this relies on."""
    from numba.core import caching

    allowed = {k.py_func for k in kernels}
    save = caching.Cache.save_overload
    if caching.FunctionCache.save_overload is not save or any(
            getattr(k._cache, "_py_func", None) is not k.py_func for k in kernels):
        raise SystemExit("jit warm-up skipped: numba's cache is not the one this script knows")

    def guarded(self, sig, data):
        if getattr(self, "_py_func", None) in allowed:
            save(self, sig, data)

    caching.Cache.save_overload = guarded


def _step_day_copies() -> None:
    import numpy as np

    from sim import kernel
    from sim.parameters import default_parameters
    from sim.population import sample_athletes
    from sim.state import DAY_SIZE, METRIC_SIZE, STATE_SIZE

    gp = default_parameters()
    dv = kernel.derive(gp)
    ath = sample_athletes("intermediate", 1, 0)
    st = np.empty((1, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    day, met = np.zeros(DAY_SIZE), np.zeros(METRIC_SIZE)
    kernel.step_day(st[0].copy(), ath[0], gp, dv, day, kernel.Rules(False, False), kernel.Clock(0, 0, 0), met)
    kernel.step_day(st[0].copy(), ath[0], gp, dv, day, (False, False), (0, 0, 0), met)


def main(folder: Path) -> None:
    from sim import athlete, kernel

    _save_only((athlete._replay, athlete._advance, kernel.step_day))

    from experiments.athlete.profile import load_athlete
    from experiments.athlete.replan import replan
    from experiments.athlete.synthetic import make_athlete, write_log
    from experiments.cli import main as cli

    ath = make_athlete(4, weeks=12, n_races=2)
    log, results = write_log(ath, "strava", folder)
    af_path, plan = folder / "athlete.yaml", folder / "plan.json"
    assert cli(["athlete", "fit", str(log), "--races", str(results), "--out", str(af_path)]) == 0
    print("replay compiled", flush=True)
    assert cli(["export", "--baseline", "intermediate", "--athlete", str(af_path), "--start", "2026-03-30",
                "--race", "2026-06-28", "--out", str(plan)]) == 0
    replan(load_athlete(af_path), log, plan, dt.date(2026, 4, 13))
    print("advance compiled", flush=True)
    _step_day_copies()
    print("step_day compiled", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
