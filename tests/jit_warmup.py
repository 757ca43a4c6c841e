"""Compile the athlete kernels (`sim.athlete._replay`, `_advance`: 15-20 s each to compile) into numba's cache
in a process of their own while the first tests run (tests/conftest.py starts it; not a test module).

It runs what the athlete tests run first (`stridelab athlete fit` on a synthetic log, then `replan`), in the
temp folder given as its argument, so the cached kernels are the ones those tests would compile. It writes
nothing else into the cache: every other kernel it needs is loaded from the cache when there or compiled for
itself only, so two processes never write different entries of one kernel's cache index at once (numba's
index is last-writer-wins; entries of the same kernel and signature are the same code).

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


def main(folder: Path) -> None:
    from sim import athlete

    _save_only((athlete._replay, athlete._advance))

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


if __name__ == "__main__":
    main(Path(sys.argv[1]))
