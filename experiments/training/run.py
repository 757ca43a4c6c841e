"""The whole job: `train` runs every seed of a config (or resumes a run), each in its MLflow run
(children of a parent that aggregates them when there are several)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from stable_baselines3.common.logger import Logger
from stable_baselines3.common.vec_env import VecNormalize

from experiments import tracking
from experiments.config import ExperimentConfig, flatten, to_yaml
from experiments.policy import ALGO_CLASSES, VECNORM_NAME, algo_class, load_sb3, load_vecnormalize, restore_vecnormalize
from experiments.tracking.sb3 import MLflowOutputFormat
from experiments.training.callbacks import TrainingCallback
from experiments.training.checkpointing import CHECKPOINT_NAME, REPLAY_NAME, ResumeLock, RunContext, fetch_checkpoint
from experiments.training.environments import make_train_env, set_threads
from experiments.training.evaluation import Evaluator, log_population, mean_ci
from experiments.training.final import finish_seed
from experiments.training.preflight import preflight
from sim.errors import InputError


def _build_model(cfg: ExperimentConfig, seed: int, ckpt: dict | None, ctx: RunContext):
    set_threads(cfg)
    venv = make_train_env(cfg, seed)
    cls = algo_class(cfg.algo.name)
    if ckpt is not None:
        if isinstance(venv, VecNormalize) and (ctx.ckpt_dir / VECNORM_NAME).is_file():
            restore_vecnormalize(venv, load_vecnormalize(ctx.ckpt_dir / VECNORM_NAME, venv.obs_rms.mean.size))
        elif isinstance(venv, VecNormalize) and (ctx.ckpt_dir / "vecnormalize.pkl").exists():
            raise InputError(f"--resume {ctx.run_id}: its checkpoint holds pickled normalisation statistics "
                             f"(vecnormalize.pkl, before issue 15), which are not loaded; start a new run")
        model = load_sb3(cfg.algo.name, ctx.ckpt_dir / CHECKPOINT_NAME, env=venv)
        if cfg.algo.name == "dqn" and (ctx.ckpt_dir / REPLAY_NAME).is_file():
            model.load_replay_buffer(str(ctx.ckpt_dir / REPLAY_NAME))
    else:
        model = cls(ALGO_CLASSES[cfg.algo.name][2], venv, seed=seed, device="cpu", verbose=0,
                    **cfg.algo.sb3_kwargs())
    model.set_logger(Logger(folder=None, output_formats=[MLflowOutputFormat(ctx.metrics)]))
    return model, venv


def train_seed(cfg: ExperimentConfig, ctx: RunContext, progress: bool, resume: bool,
               on_eval: Callable[[int, dict[str, float]], None] | None = None,
               log_model: bool = True) -> dict[str, float]:
    """Train (or resume) one seed inside its MLflow run; final artefacts; returns final metrics.

    `on_eval(timesteps, eval_metrics)` is called after each periodic evaluation, `log_model=False`
    skips the pyfunc model (both for `stridelab tune`'s trials)."""
    ckpt = fetch_checkpoint(ctx) if resume else None
    ctx.wall_s = float(ckpt.get("wall_s", 0.0)) if ckpt else 0.0
    ctx._t0 = time.time()
    model, venv = _build_model(cfg, ctx.seed, ckpt, ctx)
    evaluator = Evaluator(cfg, cfg.eval.athletes)
    if not resume or ckpt is None:
        # the templates on the periodic evaluation's athletes: `eval/` like the learned policy's curves there
        ctx.metrics.log({**{f"eval/baseline/{k}/{m}": evaluator.baselines.mean(k, m)
                            for k in evaluator.baselines.seasons for m in ("race_time_pct", "injured_days")},
                         "eval/population_athletes": float(evaluator.cohort.n)}, 0)
        log_population(ctx.client, ctx.run_id, evaluator.cohort, "eval")
    cb = TrainingCallback(cfg, ctx, evaluator, progress, on_eval)
    remaining = cfg.total_timesteps - model.num_timesteps
    if remaining > 0:
        model.learn(remaining, callback=cb, reset_num_timesteps=ckpt is None, progress_bar=False)
    ctx.save_checkpoint(model)
    wall = ctx.wall_s + time.time() - ctx._t0
    return finish_seed(cfg, ctx, model, venv, wall, log_model)


# --------------------------------------------------------------------------- the whole job
@dataclass
class TrainResult:
    """What `train` did: the runs, their final metrics and, with several seeds, the aggregate."""

    cfg: ExperimentConfig
    tracking_uri: str
    runs: dict[int, tuple[str, dict[str, float]]]
    parent_run_id: str | None = None
    aggregate: dict[str, float] = field(default_factory=dict)

    def report(self) -> str:
        lines = [f"tracking URI: {self.tracking_uri}  experiment: {self.cfg.mlflow.experiment}"]
        if self.parent_run_id:
            lines.append(f"parent run: {self.parent_run_id}")
        for seed, (run_id, m) in self.runs.items():
            lines.append(
                f"seed {seed}: run {run_id}  race_time_pct {m.get('final/race_time_pct', float('nan')):+.3f}  "
                f"best template {m.get('final/best_template_race_time_pct', float('nan')):+.3f}  gap "
                f"{m.get('final/gap_to_best_template_pct', float('nan')):+.3f} "
                f"[{m.get('final/gap_ci_lo', float('nan')):+.3f}, {m.get('final/gap_ci_hi', float('nan')):+.3f}]  "
                f"injured days {m.get('final/injured_days', float('nan')):.2f} vs "
                f"{m.get('final/best_template_injured_days', float('nan')):.2f}  "
                f"wall {m.get('final/wall_s', float('nan')) / 60:.1f} min")
        if self.aggregate:
            g = self.aggregate
            lines.append(f"across seeds: gap {g.get('seeds/gap_to_best_template_pct/mean', float('nan')):+.3f} "
                         f"[{g.get('seeds/gap_to_best_template_pct/ci_lo', float('nan')):+.3f}, "
                         f"{g.get('seeds/gap_to_best_template_pct/ci_hi', float('nan')):+.3f}]")
        lines.append("browse: mlflow ui --backend-store-uri " + self.tracking_uri)
        return "\n".join(lines)


def run_description(cfg: ExperimentConfig, seed: int | None) -> str:
    """The run's description (MLflow's `mlflow.note.content`): what is trained and on which athletes."""
    env = cfg.env
    who = (", ".join(f"{k} {v:.0%}" for k, v in env.level_weights().items()) if env.levels else env.level)
    seeds = f"seed {seed}" if seed is not None else f"seeds {', '.join(map(str, cfg.seeds))} (one child run each)"
    return (
        f"StrideLab training '{cfg.name}', {seeds}: {cfg.algo.name.upper()} learns a season planner for {who} "
        f"runners, {env.season_weeks}-week seasons to a {env.race_distance} race ({env.action_scope} decisions), "
        f"{cfg.total_timesteps:,} steps. Evaluated against the article's templates on held-out athletes "
        f"(population seed {cfg.eval.seed}): `eval/*` metrics on the periodic evaluation population "
        f"({cfg.eval.athletes} athletes, dataset `eval-population`, metric `eval/population_athletes`), `final/*` on "
        f"the final evaluation population ({cfg.eval.final_athletes} athletes, dataset `final-population`, metric "
        "`final/population_athletes`). `final/race_time_pct` and "
        "`final/injured_days` are the learned policy's; `final/<template>/...` each template's."
    )


def train(cfg: ExperimentConfig, command: str = "", resume: str | None = None, progress: bool = True) -> TrainResult:
    """Train every seed of `cfg` (or resume run `resume`), tracked in MLflow."""
    cl, role = preflight(cfg, resume)
    uri = tracking.tracking_uri(cfg.mlflow.tracking_uri)
    exp_id = tracking.experiment_id(cl, cfg.mlflow.experiment)
    params = flatten(cfg)
    cfg_yaml = to_yaml(cfg)
    multi = len(cfg.seeds) > 1

    parent_id: str | None = None
    existing: dict[int, str] = {}
    lock = None
    if resume is not None:
        run = cl.get_run(resume)
        parent_id = resume if role == "parent" else run.data.tags.get("mlflow.parentRunId")
        # one resume at a time: of a parent or any of its children, the parent is locked (issue 25, item 12)
        lock = ResumeLock(Path(cfg.checkpoint.folder), parent_id or resume)
        lock.acquire()
    try:
        setup = _RunSetup(cfg, cl, uri, exp_id, params, cfg_yaml, multi, command)
        return _train_runs(setup, resume, parent_id, existing, progress)
    finally:
        if lock is not None:
            lock.release()


@dataclass(frozen=True)
class _RunSetup:
    """What every run of one `train` call shares: the config, the MLflow client, store and experiment, the logged
    params and config text, whether there are several seeds, and the command line."""

    cfg: ExperimentConfig
    cl: object
    uri: str
    exp_id: str
    params: dict
    cfg_yaml: str
    multi: bool
    command: str


def _train_runs(setup: _RunSetup, resume: str | None, parent_id: str | None, existing: dict[int, str],
                progress: bool) -> TrainResult:
    cfg, cl, uri, exp_id = setup.cfg, setup.cl, setup.uri, setup.exp_id
    params, cfg_yaml, multi, command = setup.params, setup.cfg_yaml, setup.multi, setup.command
    if resume is not None:
        run = cl.get_run(resume)
        if parent_id:
            tracking.complete_run_metadata(cl, parent_id, command, cfg_yaml, params)
        if parent_id:
            # a parent (or one of its children) resumes every seed: unfinished children continue,
            # finished ones are kept, missing seeds start
            for r in cl.search_runs([exp_id], f"tags.mlflow.parentRunId = '{parent_id}'"):
                existing[int(r.data.tags.get("stridelab.seed", -1))] = r.info.run_id
            tracking.reopen_run(cl, parent_id)
        else:
            existing[int(run.data.tags.get("stridelab.seed", cfg.seeds[0]))] = resume
    elif multi:
        parent_id = tracking.start_run(cl, exp_id, f"{cfg.name}", {
            "stridelab.role": "parent", "mlflow.note.content": run_description(cfg, None)})
        tracking.log_run_metadata(cl, parent_id, command, cfg_yaml, params)

    results: dict[int, tuple[str, dict[str, float]]] = {}
    seeds = cfg.seeds if (resume is None or parent_id) else list(existing)
    for seed in seeds:
        run_id = existing.get(seed)
        is_resume = run_id is not None
        if run_id is not None and cl.get_run(run_id).info.status == "FINISHED":
            results[seed] = (run_id, {k: v for k, v in cl.get_run(run_id).data.metrics.items()
                                      if k.startswith("final/")})
            continue
        if run_id is None:
            tags = {"stridelab.role": "child" if multi else "single", "stridelab.seed": str(seed)}
            if parent_id:
                tags["mlflow.parentRunId"] = parent_id
            tags["mlflow.note.content"] = run_description(cfg, seed)
            run_id = tracking.start_run(cl, exp_id, f"{cfg.name}-seed{seed}", tags)
            tracking.log_run_metadata(cl, run_id, command, cfg_yaml, params)
        else:
            tracking.reopen_run(cl, run_id)
            tracking.set_tags(cl, run_id, {"stridelab.resumed_with": command})
            # a kill between create_run and the last metadata file: log what is missing (issue 25, item 12)
            tracking.complete_run_metadata(cl, run_id, command, cfg_yaml, params)
        last = tracking.last_steps(cl, run_id) if is_resume else {}
        ctx = RunContext(cfg, seed, run_id, cl, tracking.MetricLogger(cl, run_id, last),
                         Path(cfg.checkpoint.folder) / run_id)
        try:
            final = train_seed(cfg, ctx, progress, is_resume)
        except BaseException:
            tracking.end_run(cl, run_id, "KILLED")
            if parent_id:
                tracking.end_run(cl, parent_id, "KILLED")
            raise
        tracking.end_run(cl, run_id, "FINISHED")
        results[seed] = (run_id, final)

    agg: dict[str, float] = {}
    if parent_id:
        agg = aggregate(cl, parent_id, results)
        tracking.end_run(cl, parent_id, "FINISHED")
    return TrainResult(cfg, uri, results, parent_id, agg)


def aggregate(cl, parent_id: str, results: dict[int, tuple[str, dict[str, float]]]) -> dict[str, float]:
    """Mean and 95% CI (t) across seeds of each final metric, logged on the parent run."""
    keys = sorted({k for _, m in results.values() for k in m})
    out: dict[str, float] = {}
    rows = []
    for k in keys:
        vals = np.array([m[k] for _, m in results.values() if k in m], dtype=float)
        lo, hi = mean_ci(vals)
        name = k.removeprefix("final/")
        out[f"seeds/{name}/mean"] = float(vals.mean())
        out[f"seeds/{name}/ci_lo"] = lo
        out[f"seeds/{name}/ci_hi"] = hi
        rows.append({"metric": name, "mean": float(vals.mean()), "ci_lo": lo, "ci_hi": hi, "seeds": len(vals)})
    tracking.MetricLogger(cl, parent_id, tracking.last_steps(cl, parent_id)).log(out, 0)
    df = pd.DataFrame(rows)
    tracking.log_text(cl, parent_id, df.to_csv(index=False), "comparison/seeds.csv")
    with contextlib.suppress(Exception):
        tracking.log_text(cl, parent_id, df.to_markdown(index=False), "comparison/seeds.md")
    return out
