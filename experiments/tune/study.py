"""The study: set-up, the objective, the worker loop.

One study = one Optuna study (in the storage) + one parent MLflow run. Each trial trains one
seed of the config with the sampled hyperparameters in an MLflow run nested under the parent
(`experiments.training.train_seed`, the same code as `stridelab train`), reporting the periodic
held-out evaluation (`eval/gap_to_best_template_pct`, every `eval.every_timesteps`) to Optuna's
median pruner. The objective is the final evaluation's gap to the best template on
`eval.final_athletes` held-out athletes (percentage points of race time, minimised); injured
days enter as a constraint (`tune.max_injured_days_diff`, see `space.TuneConfig`).

Pruned, not failed: a trial stopped by the median rule, and a diverged one (a non-finite
evaluation, or SB3/torch refusing NaN parameters). A trial that raises anything else fails,
and its worker stops with the error.

Several workers (`--n-jobs K` processes here, or `stridelab tune` on other machines with the
same `--storage` and `--study`) share the study; `--trials N` is the study's total of finished
trials, kept exact by `storage.StudyLock`. On PostgreSQL a worker with nothing to start waits while
other workers' trials run, so if one of them dies its trial (failed by the heartbeat) is retried
here. The journal file (one machine) has no heartbeat: there a worker stops when nothing is left to
start, and a trial whose worker process is gone is failed and retried (`fail_dead_local_trials`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import socket
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from experiments import tracking
from experiments.config import ExperimentConfig, TuneConfig, flatten, to_yaml, validate
from experiments.training.checkpointing import RunContext
from experiments.training.environments import set_threads
from experiments.training.preflight import preflight
from experiments.training.run import train_seed
from experiments.tune.space import apply, config_params, from_params, suggest
from experiments.tune.storage import StorageSpec, StudyLock, check_journal, check_study_name, open_storage
from sim.errors import InputError

ATTR_SHA = "stridelab.config_sha256"
ATTR_CONFIG = "stridelab.config"
ATTR_PARENT = "stridelab.parent_run_id"
ATTR_TRACKING = "stridelab.tracking_uri"
TRIAL_RUN = "stridelab.mlflow_run_id"
OBJECTIVE = "final/gap_to_best_template_pct"
CONSTRAINT = "final/injured_days_diff"
# one progress line per trial is ours; MLflow would add a "View run" line per run with a tracking server
os.environ.setdefault("MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT", "true")


@dataclass(frozen=True)
class TuneJob:
    """Everything a worker needs (picklable: workers may be spawned processes)."""

    cfg: ExperimentConfig
    spec: StorageSpec
    study: str
    trials: int
    command: str
    tracking_uri: str
    parent_run_id: str
    deadline: float | None = None  # time.time() after which no trial is started

    @property
    def out_folder(self) -> Path:
        return Path(self.cfg.checkpoint.folder) / f"tune-{self.study}"


def config_sha(cfg: ExperimentConfig) -> str:
    return hashlib.sha256(to_yaml(cfg).encode()).hexdigest()


def _quiet_optuna() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def settings(cfg: ExperimentConfig):
    """The config's `tune:` section, or the defaults."""
    return cfg.tune or TuneConfig()


def sampler_and_pruner(cfg: ExperimentConfig, worker: int = 0):
    """TPE (multivariate, constant liar for parallel workers, injured-days constraint) + median pruner."""
    t = settings(cfg)
    seed = None if t.sampler_seed is None else t.sampler_seed + worker
    # the injured-days constraint is set on each trial (Trial.set_constraint), which TPE and best_trial read
    sampler = optuna.samplers.TPESampler(multivariate=True, constant_liar=True, n_startup_trials=t.startup_trials,
                                         seed=seed)
    pruner = optuna.pruners.MedianPruner(n_startup_trials=t.pruner_startup_trials,
                                         n_warmup_steps=t.pruner_warmup_timesteps)
    return sampler, pruner


# --------------------------------------------------------------------------- set-up
def prepare(cfg: ExperimentConfig, spec: StorageSpec, study_name: str, trials: int, command: str,
            timeout: float | None = None) -> TuneJob:
    """Create the study and its parent MLflow run, or join them. Checked first: the storage is
    reachable, the study (if it exists) was made with this config, its parent run is in this
    tracking store. On any error nothing new is left behind."""
    _quiet_optuna()

    check_study_name(study_name)
    uri = tracking.tracking_uri(cfg.mlflow.tracking_uri)
    t = settings(cfg)
    sha = config_sha(cfg)
    lock = StudyLock(spec, study_name)
    # under the study lock (PostgreSQL: a connection with a timeout, so an unreachable server fails here, before
    # the MLflow store is created): two workers starting at once, one creates, the other joins
    lock.acquire()
    new_journal = False
    try:
        new_journal = spec.kind == "journal" and not check_journal(spec, study_name)
        cl, _ = preflight(cfg, None)
        storage = open_storage(spec, t.heartbeat_interval_s, t.grace_period_s, t.max_retry)
        try:
            study = optuna.load_study(study_name=study_name, storage=storage)
        except KeyError:
            study = None
        if study is not None:
            attrs = study.user_attrs
            if attrs.get(ATTR_SHA) != sha:
                raise InputError(
                    f"--study {study_name}: this study in {spec.shown} was created with another config "
                    f"({'not by stridelab tune' if ATTR_SHA not in attrs else 'its config differs from this one'}); "
                    "use the config (and --set overrides) it was created with, or another --study name")
            parent = attrs[ATTR_PARENT]
            from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import

            try:
                cl.get_run(parent)
            except MlflowException:
                raise InputError(f"--study {study_name}: its parent MLflow run {parent} is not in the tracking store "
                                 f"{uri}; set MLFLOW_TRACKING_URI to the store the study was started with "
                                 f"({attrs.get(ATTR_TRACKING)})") from None
            tracking.reopen_run(cl, parent)
        else:
            exp_id = tracking.experiment_id(cl, cfg.mlflow.experiment)
            parent = None
            try:
                study = optuna.create_study(study_name=study_name, storage=storage, direction="minimize")
                parent = tracking.start_run(cl, exp_id, f"tune-{study_name}",
                                            {"stridelab.role": "tune", "stridelab.study": study_name,
                                             "stridelab.storage": spec.shown, "stridelab.trials": str(trials)})
                tracking.log_run_metadata(cl, parent, command, to_yaml(cfg), flatten(cfg))
                for k, v in ((ATTR_SHA, sha), (ATTR_CONFIG, to_yaml(cfg)), (ATTR_PARENT, parent),
                             (ATTR_TRACKING, uri)):
                    study.set_user_attr(k, v)
                start = config_params(cfg, t.space(cfg.algo.name)) if t.start_from_config else {}
                if start:
                    study.enqueue_trial(start, user_attrs={"stridelab.from_config": True})
            except BaseException:
                with contextlib.suppress(Exception):
                    optuna.delete_study(study_name=study_name, storage=storage)
                if parent is not None:
                    with contextlib.suppress(Exception):
                        tracking.delete_run(cl, parent)
                raise
    except BaseException:
        if new_journal:  # the journal this call created: leave nothing behind
            with contextlib.suppress(OSError):
                if Path(spec.target).is_file() and not Path(spec.target).is_symlink():
                    os.unlink(spec.target)
        raise
    finally:
        lock.release()
        lock.close()
    deadline = None if timeout is None else time.time() + timeout
    return TuneJob(cfg, spec, study_name, trials, command, uri, parent, deadline)


# --------------------------------------------------------------------------- one trial
class Diverged(Exception):
    """Training produced non-finite values."""


def _diverged_error(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, ValueError | FloatingPointError | RuntimeError) and (
        "nan" in text or "invalid values" in text or "inf" in text.split())


def report_eval(trial, step: int, metrics: dict[str, float]) -> None:
    """A periodic held-out evaluation -> Optuna: Diverged on a non-finite value, TrialPruned when the
    median rule says so. Step 0 (the untrained policy) is not reported."""
    bad = sorted(k for k, v in metrics.items() if not math.isfinite(v))
    if bad:
        raise Diverged(f"non-finite held-out evaluation at {step} timesteps ({', '.join(bad)})")
    gap = metrics["eval/gap_to_best_template_pct"]
    if step > 0:
        trial.report(gap, step)
        if trial.should_prune():
            raise optuna.TrialPruned(f"median rule at {step} timesteps (gap {gap:+.3f} pp)")


def trial_config(job: TuneJob, values: dict[str, Any], number: int) -> ExperimentConfig:
    """The base config with the sampled values: one seed, no model registration, no mid-run checkpoints
    (a trial whose worker dies is retried from the start, not resumed)."""
    data = job.cfg.model_dump(mode="json")
    data["tune"] = None
    data = apply(data, values)
    data["name"] = f"{job.cfg.name}-trial{number}"[:100]
    data["seeds"] = [job.cfg.seeds[0]]
    data["mlflow"]["register_model"] = False
    data["checkpoint"]["every_timesteps"] = job.cfg.total_timesteps + 1
    return validate(data, f"trial {number} of study {job.study}")


def best_config(cfg: ExperimentConfig, params: dict[str, Any]) -> ExperimentConfig:
    """The base config with a trial's hyperparameters, as `stridelab train` takes it."""
    data = cfg.model_dump(mode="json")
    space = settings(cfg).space(cfg.algo.name)
    data["tune"] = None
    data = apply(data, from_params(params, space))
    data["name"] = f"{cfg.name}-tuned"[:100]
    return validate(data, "best config")


class Objective:
    """Train one trial in a nested MLflow run; returns the final held-out gap (pp)."""

    def __init__(self, job: TuneJob, on_start=None) -> None:
        self.job = job
        self.on_start = on_start  # called once the trial exists (releases the study lock)
        self.cl = tracking.client(job.tracking_uri)
        self.exp_id = tracking.experiment_id(self.cl, job.cfg.mlflow.experiment)
        self.space = settings(job.cfg).space(job.cfg.algo.name)
        self.last_trial: int | None = None

    def __call__(self, trial) -> float:
        # whose trial this is, before the lock goes: a retried trial still names its dead worker
        trial.set_user_attr("stridelab.worker", f"{socket.gethostname()}:{os.getpid()}")
        if self.on_start is not None:
            self.on_start()
        self.last_trial = trial.number
        job = self.job
        values = suggest(trial, self.space)
        try:
            tcfg = trial_config(job, values, trial.number)
        except InputError as err:
            raise optuna.TrialPruned(f"invalid combination: {err}") from None
        # a retried trial carries the user attrs of the trial whose worker died, its run id among them
        retry_of = trial.user_attrs.get(TRIAL_RUN)
        tags = {"mlflow.parentRunId": job.parent_run_id, "stridelab.role": "trial", "stridelab.study": job.study,
                "stridelab.trial": str(trial.number), "stridelab.seed": str(tcfg.seeds[0]),
                "stridelab.worker": f"{socket.gethostname()}:{os.getpid()}"}
        if retry_of is not None:
            tags["stridelab.retry_of_run"] = retry_of
            with contextlib.suppress(Exception):
                if self.cl.get_run(retry_of).info.status == "RUNNING":
                    tracking.set_tags(self.cl, retry_of, {"stridelab.trial_state": "FAIL (worker died; retried)"})
                    tracking.end_run(self.cl, retry_of, "KILLED")
        run_id = tracking.start_run(self.cl, self.exp_id, f"{job.study}-trial{trial.number}", tags)
        trial.set_user_attr(TRIAL_RUN, run_id)
        tracking.log_run_metadata(self.cl, run_id, job.command, to_yaml(tcfg), flatten(tcfg))
        tracking.set_tags(self.cl, run_id, {"stridelab.tuned": json.dumps(values)})
        ctx = RunContext(tcfg, tcfg.seeds[0], run_id, self.cl, tracking.MetricLogger(self.cl, run_id),
                         Path(tcfg.checkpoint.folder) / run_id)

        limit = settings(job.cfg).max_injured_days_diff
        last: dict[str, float] = {}

        def on_eval(step: int, metrics: dict[str, float]) -> None:
            last.update(metrics)
            report_eval(trial, step, metrics)

        try:
            try:
                final = train_seed(tcfg, ctx, progress=False, resume=False, on_eval=on_eval, log_model=False)
            except Diverged as err:
                raise optuna.TrialPruned(f"diverged: {err}") from None
            except optuna.TrialPruned:
                raise
            except Exception as err:
                if _diverged_error(err):
                    raise optuna.TrialPruned(f"diverged: {str(err).splitlines()[0][:200]}") from None
                raise
            value = float(final.get(OBJECTIVE, math.nan))
            if not math.isfinite(value):
                raise optuna.TrialPruned("diverged: non-finite final evaluation")
        except optuna.TrialPruned as err:
            trial.set_user_attr("stridelab.pruned", str(err))
            inj = last.get("eval/injured_days_vs_best_template", math.nan)
            if math.isfinite(inj):  # the last periodic evaluation's, for TPE's feasibility model
                trial.set_constraint("injured_days", inj - limit)
            tracking.set_tags(self.cl, run_id, {"stridelab.trial_state": "PRUNED", "stridelab.pruned": str(err)})
            tracking.end_run(self.cl, run_id, "FINISHED")
            raise
        except BaseException:
            tracking.set_tags(self.cl, run_id, {"stridelab.trial_state": "FAIL"})
            tracking.end_run(self.cl, run_id, "FAILED" if not isinstance(sys.exc_info()[1], KeyboardInterrupt)
                             else "KILLED")
            raise
        for k in (CONSTRAINT, "final/injured_days", "final/race_time_pct", "final/gap_ci_lo", "final/gap_ci_hi"):
            trial.set_user_attr(k, float(final.get(k, math.nan)))
        inj = float(final.get(CONSTRAINT, math.inf))
        trial.set_constraint("injured_days", inj - limit if math.isfinite(inj) else 1e9)
        tracking.set_tags(self.cl, run_id, {"stridelab.trial_state": "COMPLETE"})
        tracking.end_run(self.cl, run_id, "FINISHED")
        return value


# --------------------------------------------------------------------------- the worker loop
def counts(study) -> dict[str, int]:
    out = {s.name: 0 for s in TrialState}
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] += 1
    out["finished"] = out["COMPLETE"] + out["PRUNED"]
    return out


def work(job: TuneJob, worker: int = 0, out=None) -> int:
    """Run trials until the study has `job.trials` finished ones (or the deadline passes); returns how
    many this worker finished. Prints one line per finished trial to `out` (stderr)."""
    _quiet_optuna()
    # SB3 warns when a sampled minibatch does not divide the rollout (the last one is short): known, harmless
    warnings.filterwarnings("ignore", message=".*batch_size` that is a factor of.*")
    out = out or sys.stderr

    set_threads(job.cfg)
    storage = _storage_for(job)
    sampler, pruner = sampler_and_pruner(job.cfg, worker)
    study = optuna.load_study(study_name=job.study, storage=storage, sampler=sampler, pruner=pruner)
    heartbeat = isinstance(storage, optuna.storages.RDBStorage)
    lock = StudyLock(job.spec, job.study)
    held = False

    def release() -> None:
        nonlocal held
        if held:
            held = False
            lock.release()

    objective = Objective(job, on_start=release)
    done_here = 0
    poll = settings(job.cfg).poll_s
    try:
        while job.deadline is None or time.time() < job.deadline:
            lock.acquire()
            held = True
            try:
                if heartbeat:
                    optuna.storages.fail_stale_trials(study)  # a dead worker's trial -> retried (WAITING)
                else:
                    fail_dead_local_trials(study, settings(job.cfg).max_retry)
                c = counts(study)
                if c["finished"] >= job.trials:
                    break
                if c["finished"] + c["RUNNING"] >= job.trials:
                    if not heartbeat:  # the journal is one machine's: the running trials' workers are alive
                        break
                    release()  # the rest is running elsewhere: wait, in case a worker dies
                    time.sleep(poll)
                    continue
                t0 = time.time()
                objective.last_trial = None
                study.optimize(objective, n_trials=1)  # the objective releases the lock once the trial exists
            finally:
                release()
            done_here += 1
            if objective.last_trial is not None:
                print(progress_line(job, study, objective.last_trial, time.time() - t0), file=out, flush=True)
    finally:
        release()
        lock.close()
    return done_here


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def fail_dead_local_trials(study, max_retry: int) -> list[int]:
    """The journal file's stand-in for a heartbeat (call under the study lock).

    The journal is one machine's storage: a RUNNING trial whose worker (`host:pid`) is on this host
    and no longer alive was killed (SIGKILL, out of memory, power loss) and would stay RUNNING for
    ever, so the study could never reach `--trials`. Fail it and queue it again with the same
    parameters, as RDB storage's stale-trial callback does. Returns the failed trial numbers.
    """
    host, failed = socket.gethostname(), []
    retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        where = str(t.user_attrs.get("stridelab.worker", ""))
        name, _, pid = where.rpartition(":")
        if name != host or not pid.isdigit() or int(pid) == os.getpid() or _pid_alive(int(pid)):
            continue
        with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError):
            if study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                failed.append(t.number)
                retry(study, study._storage.get_trial(t._trial_id))
    return failed


def _storage_for(job: TuneJob):
    t = settings(job.cfg)
    return open_storage(job.spec, t.heartbeat_interval_s, t.grace_period_s, t.max_retry)


def best_trial(study):
    """The best feasible trial (None when no trial is complete); `feasible` False when every
    complete trial breaks the injured-days constraint (then the best of those)."""
    try:
        return study.best_trial, True
    except ValueError:
        complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
        if not complete:
            return None, False
        return min(complete, key=lambda t: t.value), False


def progress_line(job: TuneJob, study, number: int, wall_s: float) -> str:
    t = next(x for x in study.get_trials(deepcopy=False) if x.number == number)
    c = counts(study)
    if t.state.name == "COMPLETE":
        limit = settings(job.cfg).max_injured_days_diff
        inj = t.user_attrs.get(CONSTRAINT, math.nan)
        what = (f"complete: gap {t.value:+.3f} pp, injured days {inj:+.2f} vs best template"
                f"{'' if inj <= limit else ' (infeasible)'}")
    elif t.state.name == "PRUNED":
        what = f"pruned ({t.user_attrs.get('stridelab.pruned', '')})"
    else:
        what = t.state.name.lower()
    best, feasible = best_trial(study)
    best_s = "none yet" if best is None else f"{best.value:+.3f} pp (trial {best.number}" + (
        ")" if feasible else ", infeasible)")
    return (f"[tune {job.study}] trial {number} {what} | best {best_s} | {c['finished']}/{job.trials} finished, "
            f"{c['PRUNED']} pruned | {wall_s:.0f} s")
