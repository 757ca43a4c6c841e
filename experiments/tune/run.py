"""`tune()`: set up (or join) the study, run `n_jobs` worker processes on it, write the report."""

from __future__ import annotations

import multiprocessing as mp
import sys

from experiments.config import ExperimentConfig
from experiments.tune.report import TuneResult, finalize
from experiments.tune.storage import parse_storage
from experiments.tune.study import TuneJob, prepare, work


def _worker(job: TuneJob, index: int) -> None:
    work(job, index)


def tune(cfg: ExperimentConfig, trials: int, storage: str | None = None, study: str | None = None,
         n_jobs: int = 1, timeout: float | None = None, command: str = "") -> TuneResult:
    """Run the study until it has `trials` finished trials (all workers together) or `timeout` seconds
    passed (no trial is started after it). `n_jobs` worker processes here (each one trial at a time;
    processes, not Optuna's threads: the simulator and SB3 hold the GIL)."""
    spec = parse_storage(storage)
    job = prepare(cfg, spec, study or cfg.name, trials, command, timeout)
    print(f"[tune {job.study}] storage {spec.shown}, parent run {job.parent_run_id} ({job.tracking_uri}), "
          f"{trials} trials, {n_jobs} worker{'s' if n_jobs > 1 else ''}", file=sys.stderr, flush=True)
    if n_jobs == 1:
        work(job, 0)
    else:
        ctx = mp.get_context("spawn")
        procs = [ctx.Process(target=_worker, args=(job, i), name=f"tune-worker-{i}") for i in range(n_jobs)]
        for p in procs:
            p.start()
        try:
            for p in procs:
                p.join()
        except BaseException:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join()
            raise
        bad = [p.exitcode for p in procs if p.exitcode != 0]
        if bad:
            raise RuntimeError(f"{len(bad)} of {n_jobs} tune workers failed (exit codes {bad}); see their errors above")
    return finalize(job)
