"""The training pipeline: config -> batched env -> SB3 -> held-out evaluation -> MLflow.

    >>> from experiments.config import load_config
    >>> from experiments.train import train
    >>> result = train(load_config("configs/quickstart.yaml"), command="python")
    >>> print(result.report())

One MLflow run per seed (children of a parent run that aggregates them when there are
several). Everything that can be checked is checked before the first run is created
(`preflight`), so a bad config or a bad resume id never leaves a half-created run.

Evaluation meets held-out athletes (population seed `eval.seed`, distinct from every training
seed): the learned policy is rolled out on `envs.StrengthRunVecEnv.from_cohort`, its actions
decoded to week plans with `envs.actions`, and those plans simulated with `sim.whatif.run`
on the same cohort the templates are simulated on, so every comparison is paired (same
athletes, same random draws). Metric steps are SB3's `num_timesteps`.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments import tracking
from experiments.config import TEMPLATE_NAMES, ExperimentConfig, flatten, to_yaml
from experiments.io import atomic_path, atomic_write_text
from experiments.policy import (
    ALGO_CLASSES,
    VECNORM_NAME,
    Predictor,
    algo_class,
    env_kwargs,
    harness_env_kwargs,
    load_sb3,
    load_vecnormalize,
    restore_vecnormalize,
    save_vecnormalize,
    unflatten_actions,
)
from sim.errors import InputError
from sim.parameters import mean_injury_days
from sim.whatif import human_bytes

CHECKPOINT_NAME = "checkpoint.zip"
REPLAY_NAME = "replay_buffer.pkl"
STATE_NAME = "checkpoint.json"
POLICY_ARTIFACT = "policy"
PYFUNC_NAME = "season_planner"


def set_threads(cfg: ExperimentConfig) -> None:
    """torch and numba thread counts for training (see ExperimentConfig.numba_threads)."""
    import numba
    import torch

    torch.set_num_threads(cfg.torch_threads)
    numba.set_num_threads(min(cfg.numba_threads, numba.config.NUMBA_NUM_THREADS))


# --------------------------------------------------------------------------- environments
def make_train_env(cfg: ExperimentConfig, seed: int):
    """The batched training env for one seed, wrapped for SB3 (monitor, DQN flattening, normalisation)."""
    from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

    from envs import StrengthRunVecEnv

    venv = StrengthRunVecEnv(cfg.n_envs, seed=seed, **env_kwargs(cfg))
    if cfg.injury_reward == "expected_days":
        venv = ExpectedInjuryReward(venv, cfg.env.reward.injury_day)
    venv = VecMonitor(venv)
    if cfg.algo.name == "dqn":
        venv = FlatDiscreteVecEnv(venv)
    if cfg.normalize.observations or cfg.normalize.rewards:
        venv = VecNormalize(venv, norm_obs=cfg.normalize.observations, norm_reward=cfg.normalize.rewards,
                            clip_obs=cfg.normalize.clip_obs, gamma=cfg.algo.gamma)
    return venv


def _wrapper_base():
    from stable_baselines3.common.vec_env import VecEnvWrapper

    return VecEnvWrapper


class ExpectedInjuryReward(_wrapper_base()):  # type: ignore[misc]
    """Training reward with the injury term in expectation: the env's
    -w_injury x injured_days_w is replaced by -w_injury x hazard_w x mean days per injury.

    Why: an injury is a rare draw (a few per hundred athlete-seasons a week) lasting weeks, so
    the realised term is mostly noise and lands weeks after the decisions that raised the risk.
    The summed daily hazard (M_HAZARD, expected new injuries that week) has the same expected
    total (up to injuries cut short by the season's end) and is charged in the week the risk
    is taken. Evaluation always counts the realised injured days.
    """

    def __init__(self, venv, injury_weight: float) -> None:
        super().__init__(venv)
        self.w = float(injury_weight)
        self.days_per_injury = mean_injury_days(venv.gp)

    def reset(self):
        return self.venv.reset()

    def step_wait(self):
        from sim.state import M_HAZARD, M_INJURED_DAYS

        obs, rew, done, infos = self.venv.step_wait()
        m = self.venv.last_metrics
        rew = rew + self.w * (m[:, M_INJURED_DAYS] - self.days_per_injury * m[:, M_HAZARD])
        return obs, rew.astype(np.float32), done, infos


def _flat_wrapper_base():
    from stable_baselines3.common.vec_env import VecEnvWrapper

    return VecEnvWrapper


class FlatDiscreteVecEnv(_flat_wrapper_base()):  # type: ignore[misc]
    """MultiDiscrete -> Discrete (row-major index), for DQN which needs one discrete action."""

    def __init__(self, venv) -> None:
        from gymnasium import spaces

        self.nvec = np.asarray(venv.action_space.nvec, dtype=np.int64)
        super().__init__(venv, action_space=spaces.Discrete(int(np.prod(self.nvec))))

    def step_async(self, actions: np.ndarray) -> None:
        self.venv.step_async(unflatten_actions(np.asarray(actions), self.nvec))

    def step_wait(self):
        return self.venv.step_wait()

    def reset(self):
        return self.venv.reset()


def predictor_of(model, venv, cfg: ExperimentConfig) -> Predictor:
    """The live model (during training) as a Predictor sharing the live normalisation statistics."""
    from stable_baselines3.common.vec_env import VecNormalize

    obs_rms, clip, eps = None, 10.0, 1e-8
    vn = venv if isinstance(venv, VecNormalize) else None
    if vn is not None and vn.norm_obs:
        obs_rms, clip, eps = vn.obs_rms, vn.clip_obs, vn.epsilon
    nvec = venv.nvec if cfg.algo.name == "dqn" else None
    if nvec is None and cfg.algo.name == "dqn" and vn is not None:
        nvec = vn.venv.nvec
    return Predictor(model, obs_rms, clip, eps, nvec, cfg.env.action_scope)


# --------------------------------------------------------------------------- evaluation
def eval_cohort(cfg: ExperimentConfig, athletes: int):
    """The held-out athletes (population seed eval.seed), warmed up."""
    from sim.population import sample_mixed
    from sim.whatif import make_cohort

    if cfg.env.levels is None:
        return make_cohort(cfg.env.level, athletes, cfg.eval.seed, cfg.env.race_distance)
    profiles = sample_mixed(cfg.env.level_weights(), athletes, cfg.eval.seed, cfg.env.race_distance)
    return make_cohort("mixed", athletes, cfg.eval.seed, cfg.env.race_distance, profiles=profiles)


@dataclass
class Evaluation:
    """Every policy's season on one held-out cohort (paired: same athletes, same draws)."""

    seasons: dict[str, Any]  # name -> agents.evaluation.Season
    n_boot: int = 1000
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, name: str) -> pd.DataFrame:
        """Per-athlete outcomes of one policy (`agents.evaluation.athlete_rows`)."""
        from agents.evaluation import athlete_rows

        if name not in self._rows:
            self._rows[name] = athlete_rows(name, self.seasons[name])
        return self._rows[name]

    def mean(self, name: str, col: str) -> float:
        return float(self.rows(name)[col].mean())

    @property
    def per_athlete(self) -> pd.DataFrame:
        return pd.concat([self.rows(k) for k in self.seasons], ignore_index=True)

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        return {k: r.metrics for k, r in self.seasons.items()}

    @property
    def best_template(self) -> str:
        """The template (beginner/intermediate/advanced plan) with the fastest mean race time."""
        templates = [k for k in self.seasons if k in TEMPLATE_NAMES]
        return min(templates, key=lambda k: self.mean(k, "race_time_pct"))

    def table(self) -> pd.DataFrame:
        """The harness's summary: per policy, means with 95% bootstrap CIs and the paired
        difference to the best template (CI, share of athletes better off)."""
        from agents.evaluation import summarize

        return summarize(self.per_athlete, reference=self.best_template, n_boot=self.n_boot)

    def headline(self, learned: str = "learned") -> dict[str, float]:
        """Learned vs the best template: paired race-time difference with its 95% CI, injured days."""
        best = self.best_template
        t = self.table()
        a, b = t.loc[learned], t.loc[best]
        return {
            "race_time_pct": float(a["race_time_pct"]),
            "injured_days": float(a["injured_days"]),
            "best_template_race_time_pct": float(b["race_time_pct"]),
            "best_template_injured_days": float(b["injured_days"]),
            "gap_to_best_template_pct": float(a["race_time_pct_diff"]),
            "gap_ci_lo": float(a["race_time_pct_diff_lo"]),
            "gap_ci_hi": float(a["race_time_pct_diff_hi"]),
            "gap_win_share": float(a["race_time_pct_win"]),
            "injured_days_diff": float(a["injured_days_diff"]),
            "injured_days_diff_ci_lo": float(a["injured_days_diff_lo"]),
            "injured_days_diff_ci_hi": float(a["injured_days_diff_hi"]),
            "beats_best_template": float(a["race_time_pct_diff_hi"] < 0.0 and a["injured_days_diff"] <= 0.0),
        }


def mean_ci(x: np.ndarray) -> tuple[float, float]:
    """t-based 95% CI of the mean (for a handful of seeds)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 2:
        return float(x.mean()), float(x.mean())
    from scipy import stats

    half = float(stats.t.ppf(0.975, n - 1)) * x.std(ddof=1) / math.sqrt(n)
    return float(x.mean() - half), float(x.mean() + half)


class Evaluator:
    """Held-out evaluation of the live policy against the baselines (baselines simulated once)."""

    def __init__(self, cfg: ExperimentConfig, athletes: int, n_boot: int = 1000) -> None:
        from agents.baselines import BASELINES
        from agents.evaluation import run_policy

        self.cfg = cfg
        self.n_boot = n_boot
        self.weeks = cfg.env.season_weeks
        self.env_kw = harness_env_kwargs(cfg)
        self.cohort = eval_cohort(cfg, athletes)
        self.baselines = Evaluation({b: run_policy(b, BASELINES[b], self.cohort, self.weeks)
                                     for b in cfg.eval.baselines}, n_boot)

    def evaluate(self, policy) -> Evaluation:
        from agents.evaluation import run_policy

        if hasattr(policy, "reset"):
            policy.reset()
        learned = run_policy("learned", policy, self.cohort, self.weeks, **self.env_kw)
        ev = Evaluation({"learned": learned, **self.baselines.seasons}, self.n_boot)
        ev._rows.update(self.baselines._rows)
        return ev

    def robustness(self, policy, ev: Evaluation):
        """`experiments.report.robustness` of the learned policy and the baselines on this cohort:
        eval.model_draws parameter draws and eval.missed_sessions rates (`ev`: the nominal seasons)."""
        from agents.baselines import BASELINES
        from agents.evaluation import run_policy
        from experiments.report.robustness import model_draws, robustness

        def learned(cohort):
            if hasattr(policy, "reset"):
                policy.reset()
            return run_policy("learned", policy, cohort, self.weeks, **self.env_kw)

        runs = {"learned": learned}
        runs.update({b: (lambda c, b=b: run_policy(b, BASELINES[b], c, self.weeks)) for b in self.cfg.eval.baselines})
        templates = [b for b in self.cfg.eval.baselines if b in TEMPLATE_NAMES]
        return robustness(runs, self.cohort, ev.seasons, model_draws(self.cfg.eval.model_draws),
                          tuple(self.cfg.eval.missed_sessions), templates, self.n_boot, self.cfg.eval.seed % (2**32))

    def credibility(self, ev: Evaluation):
        """`experiments.report.credibility` of the learned policy's plans on this cohort."""
        from experiments.report.credibility import check_plans

        return check_plans(ev.seasons["learned"].plans, self.cohort.athletes, params=self.cohort.params)


def eval_metrics(ev: Evaluation) -> dict[str, float]:
    h = ev.headline()
    return {
        "eval/race_time_pct": h["race_time_pct"],
        "eval/injured_days": h["injured_days"],
        "eval/gap_to_best_template_pct": h["gap_to_best_template_pct"],
        "eval/gap_ci_lo": h["gap_ci_lo"],
        "eval/gap_ci_hi": h["gap_ci_hi"],
        "eval/injured_days_vs_best_template": h["injured_days_diff"],
    }


# --------------------------------------------------------------------------- callbacks
def _callback_base():
    from stable_baselines3.common.callbacks import BaseCallback

    return BaseCallback


def planned_timesteps(model, total: int) -> int:
    """The steps SB3 will really take: on-policy algorithms collect whole rollouts (n_steps x n_envs)."""
    rollout = int(getattr(model, "n_steps", 1) or 1) * int(getattr(model, "n_envs", 1) or 1)
    return -(-int(total) // rollout) * rollout


class TrainingCallback(_callback_base()):  # type: ignore[misc]
    """Progress bar, periodic held-out evaluation (logged to MLflow) and checkpoints.

    Evaluation and checkpoints happen at the start of a rollout, i.e. after the previous
    update, and the SB3 values that update recorded (train/*) are flushed to MLflow first at
    the current step. So a checkpoint at step t is taken when everything up to t is logged:
    a run killed after it and resumed from it logs nothing twice and misses no step.
    """

    def __init__(self, cfg: ExperimentConfig, run: RunContext, evaluator: Evaluator, progress: bool,
                 on_eval: Callable[[int, dict[str, float]], None] | None = None) -> None:
        super().__init__(verbose=0)
        self.cfg = cfg
        self.on_eval = on_eval  # stridelab tune: reports to Optuna, may raise TrialPruned (stops learn)
        self.ctx = run
        self.evaluator = evaluator
        self.progress = progress
        self.bar = None
        self.next_eval = 0
        self.next_ckpt = 0
        self.last_eval = -1

    def _next(self, t: int, every: int) -> int:
        return (t // every + 1) * every

    def _on_training_start(self) -> None:
        t = self.model.num_timesteps
        self.next_eval = self._next(t, self.cfg.eval.every_timesteps)
        self.next_ckpt = self._next(t, self.cfg.checkpoint.every_timesteps)
        if t == 0:
            self._evaluate()
        if self.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=planned_timesteps(self.model, self.cfg.total_timesteps), initial=t, unit="step",
                            dynamic_ncols=True, desc=f"{self.cfg.name} seed {self.ctx.seed}")

    def _on_step(self) -> bool:
        if self.bar is not None:
            t = self.model.num_timesteps
            if t > self.bar.total:  # never "203008 of 200000"
                self.bar.total = t
            self.bar.update(t - self.bar.n)
        return True

    def _on_rollout_start(self) -> None:
        t = self.model.num_timesteps
        self.logger.dump(t)  # the last update's train/* values, at the step they were computed
        if t >= self.next_eval:
            self._evaluate()
            self.next_eval = self._next(t, self.cfg.eval.every_timesteps)
        if t >= self.next_ckpt:
            self.ctx.save_checkpoint(self.model)
            self.next_ckpt = self._next(t, self.cfg.checkpoint.every_timesteps)

    def _evaluate(self) -> None:
        ev = self.evaluator.evaluate(predictor_of(self.model, self.model.get_env(), self.cfg))
        m = eval_metrics(ev)
        self.ctx.metrics.log(m, self.model.num_timesteps)
        self.last_eval = self.model.num_timesteps
        if self.bar is not None:
            self.bar.set_postfix(race_pct=f"{m['eval/race_time_pct']:.2f}",
                                 gap=f"{m['eval/gap_to_best_template_pct']:+.2f}")
        if self.on_eval is not None:
            self.on_eval(self.model.num_timesteps, m)

    def _on_training_end(self) -> None:
        t = self.model.num_timesteps
        self.logger.dump(t)
        if self.last_eval != t:
            self._evaluate()
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------- one run
@dataclass
class RunContext:
    """One seed's MLflow run and its local folder."""

    cfg: ExperimentConfig
    seed: int
    run_id: str
    client: Any
    metrics: tracking.MetricLogger
    folder: Path
    wall_s: float = 0.0

    @property
    def ckpt_dir(self) -> Path:
        return self.folder / "checkpoints"

    def save_checkpoint(self, model) -> None:
        """Model (+ VecNormalize stats, DQN replay buffer) to the local folder atomically, then as artefacts."""
        from stable_baselines3.common.vec_env import VecNormalize

        d = self.ckpt_dir
        d.mkdir(parents=True, exist_ok=True)
        with atomic_path(d / CHECKPOINT_NAME, suffix=".zip") as tmp:
            model.save(str(tmp))
        files = [d / CHECKPOINT_NAME]
        env = model.get_env()
        if isinstance(env, VecNormalize):
            save_vecnormalize(env, d / VECNORM_NAME)
            files.append(d / VECNORM_NAME)
        if self.cfg.algo.name == "dqn":
            with atomic_path(d / REPLAY_NAME, suffix=".pkl") as tmp:
                model.save_replay_buffer(str(tmp))
            files.append(d / REPLAY_NAME)
        state = {"num_timesteps": int(model.num_timesteps), "run_id": self.run_id, "seed": self.seed,
                 "files": [f.name for f in files], "wall_s": self.wall_s + time.time() - self._t0}
        atomic_write_text(d / STATE_NAME, json.dumps(state))
        files.append(d / STATE_NAME)
        for f in files:
            self.client.log_artifact(self.run_id, str(f), "checkpoints")
        self.client.set_tag(self.run_id, "stridelab.checkpoint_step", str(model.num_timesteps))

    _t0: float = field(default_factory=time.time)


def _fetch_checkpoint(ctx: RunContext) -> dict | None:
    """The last checkpoint of a run: local folder first, else downloaded from its MLflow artefacts."""
    d = ctx.ckpt_dir
    if not (d / STATE_NAME).is_file():
        tmp = Path(tempfile.mkdtemp(prefix="stridelab-ckpt-"))
        try:
            ctx.client.download_artifacts(ctx.run_id, "checkpoints", str(tmp))
            d.mkdir(parents=True, exist_ok=True)
            for f in (tmp / "checkpoints").iterdir():
                shutil.copy2(f, d / f.name)
        except Exception:  # noqa: BLE001 (no artefacts = no checkpoint)
            return None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # on every exit path (issue 25, item 13)
    if not (d / STATE_NAME).is_file():
        return None
    return json.loads((d / STATE_NAME).read_text())


def _build_model(cfg: ExperimentConfig, seed: int, ckpt: dict | None, ctx: RunContext):
    from stable_baselines3.common.logger import Logger
    from stable_baselines3.common.vec_env import VecNormalize

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
    model.set_logger(Logger(folder=None, output_formats=[tracking.MLflowOutputFormat(ctx.metrics)]))
    return model, venv


def train_seed(cfg: ExperimentConfig, ctx: RunContext, progress: bool, resume: bool,
               on_eval: Callable[[int, dict[str, float]], None] | None = None,
               log_model: bool = True) -> dict[str, float]:
    """Train (or resume) one seed inside its MLflow run; final artefacts; returns final metrics.

    `on_eval(timesteps, eval_metrics)` is called after each periodic evaluation, `log_model=False`
    skips the pyfunc model (both for `stridelab tune`'s trials)."""
    ckpt = _fetch_checkpoint(ctx) if resume else None
    ctx.wall_s = float(ckpt.get("wall_s", 0.0)) if ckpt else 0.0
    ctx._t0 = time.time()
    model, venv = _build_model(cfg, ctx.seed, ckpt, ctx)
    evaluator = Evaluator(cfg, cfg.eval.athletes)
    if not resume or ckpt is None:
        # the templates on the periodic evaluation's athletes: `eval/` like the learned policy's curves there
        ctx.metrics.log({**{f"eval/baseline/{k}/{m}": evaluator.baselines.mean(k, m)
                            for k in evaluator.baselines.seasons for m in ("race_time_pct", "injured_days")},
                         "eval/population_athletes": float(evaluator.cohort.n)}, 0)
        log_population(ctx, evaluator.cohort, "eval")
    cb = TrainingCallback(cfg, ctx, evaluator, progress, on_eval)
    remaining = cfg.total_timesteps - model.num_timesteps
    if remaining > 0:
        model.learn(remaining, callback=cb, reset_num_timesteps=ckpt is None, progress_bar=False)
    ctx.save_checkpoint(model)
    wall = ctx.wall_s + time.time() - ctx._t0
    return finish_seed(cfg, ctx, model, venv, wall, log_model)


def finish_seed(cfg: ExperimentConfig, ctx: RunContext, model, venv, wall_s: float,
                log_model: bool = True) -> dict[str, float]:
    """Final artefacts: policy zip (+ VecNormalize), comparison table, plots, registered pyfunc model."""
    from stable_baselines3.common.vec_env import VecNormalize

    from experiments.report import training_plots as plots

    out = ctx.folder / "final"
    out.mkdir(parents=True, exist_ok=True)
    policy_zip = out / "policy.zip"
    with atomic_path(policy_zip, suffix=".zip") as tmp:
        model.save(str(tmp))
    vecnorm = None
    if isinstance(venv, VecNormalize):
        vecnorm = save_vecnormalize(venv, out / VECNORM_NAME)
    ctx.client.log_artifact(ctx.run_id, str(policy_zip), POLICY_ARTIFACT)
    if vecnorm is not None:
        ctx.client.log_artifact(ctx.run_id, str(vecnorm), POLICY_ARTIFACT)

    t_eval = time.time()
    final = Evaluator(cfg, cfg.eval.final_athletes)
    log_population(ctx, final.cohort, "final")
    predictor = predictor_of(model, venv, cfg)
    ev = final.evaluate(predictor)
    table = ev.table()
    head = ev.headline()
    best = ev.best_template
    rob = final.robustness(predictor, ev)
    cred = final.credibility(ev)
    md = comparison_markdown(table, head, best, cfg, wall_s) + checks_markdown(rob, cred)
    atomic_write_text(out / "comparison.csv", table.to_csv())
    atomic_write_text(out / "comparison.md", md)
    atomic_write_text(out / "headline.json", json.dumps({**head, "best_template": best, "wall_s": wall_s,
                                                         "timesteps": int(model.num_timesteps)}, indent=1))
    atomic_write_text(out / "robustness.csv", rob.summary.to_csv())
    atomic_write_text(out / "credibility.json", json.dumps(cred.to_dict(), indent=1))
    names = ["comparison.csv", "comparison.md", "headline.json", "robustness.csv", "credibility.json"]
    for f, table_ in (("model_draws.csv", rob.draws), ("missed_sessions.csv", rob.missed)):
        if len(table_):
            atomic_write_text(out / f, table_.to_csv(index=False))
            names.append(f)
    for f in names:
        ctx.client.log_artifact(ctx.run_id, str(out / f), "comparison")

    history = eval_history(ctx)
    # baselines on the periodic evaluation's athletes (logged at step 0), the curve's own cohort
    logged = ctx.client.get_run(ctx.run_id).data.metrics
    base_race = {k: logged[f"eval/baseline/{k}/race_time_pct"] for k in cfg.eval.baselines
                 if f"eval/baseline/{k}/race_time_pct" in logged}
    base_inj = {k: logged[f"eval/baseline/{k}/injured_days"] for k in cfg.eval.baselines
                if f"eval/baseline/{k}/injured_days" in logged}
    plots.plot_learning_curve(history, base_race, out / "learning_curve.png",
                              title=f"{cfg.name} (seed {ctx.seed}): {cfg.eval.athletes} held-out athletes",
                              baselines_injured=base_inj)
    tmpl = f"best template ({best})"
    plots.plot_season({"learned policy": plots.season_frame(ev.metrics["learned"]),
                       tmpl: plots.season_frame(ev.metrics[best])},
                      out / "season.png",
                      title=f"{cfg.name}: the learned season vs the best template ({best}), "
                            f"{cfg.eval.final_athletes} held-out runners",
                      plans={"learned": ev.seasons["learned"].plans, tmpl: ev.seasons[best].plans})
    for f in ("learning_curve.png", "season.png"):
        ctx.client.log_artifact(ctx.run_id, str(out / f), "plots")

    final_metrics = {f"final/{k}": v for k, v in head.items()}
    final_metrics["final/wall_s"] = wall_s
    final_metrics["final/eval_wall_s"] = time.time() - t_eval
    final_metrics["final/population_athletes"] = float(final.cohort.n)
    for name in table.index:
        if name == "learned":  # final/race_time_pct and final/injured_days already are the learned policy's
            continue
        final_metrics[f"final/{name}/race_time_pct"] = float(table.loc[name, "race_time_pct"])
        final_metrics[f"final/{name}/injured_days"] = float(table.loc[name, "injured_days"])
    for name, r in rob.summary.iterrows():
        for col, v in r.items():
            if v == v:  # NaN: not defined for this policy (draws won of a template)
                final_metrics[f"final/robust/{name}/{col}"] = float(v)
    final_metrics.update({f"final/credibility/{k}": v for k, v in cred.row().items() if v == v})
    ctx.metrics.log(final_metrics, int(model.num_timesteps))

    if log_model:
        from experiments.serving.pyfunc import log_pyfunc

        log_pyfunc(cfg, ctx.run_id, policy_zip, vecnorm)
    return final_metrics


def eval_history(ctx: RunContext) -> pd.DataFrame:
    """The eval/* curves of a run read back from MLflow (so resumed runs plot their whole history)."""
    cols = {"race_time_pct": "eval/race_time_pct", "injured_days": "eval/injured_days",
            "race_time_pct_lo": "eval/gap_ci_lo", "race_time_pct_hi": "eval/gap_ci_hi"}
    series = {}
    for col, key in cols.items():
        hist = ctx.client.get_metric_history(ctx.run_id, key)
        series[col] = pd.Series({m.step: m.value for m in hist}, dtype=float)
    df = pd.DataFrame(series).sort_index()
    # the CI columns were logged as a gap CI: shift them onto the policy's mean for the band
    if len(df):
        gap = pd.Series({m.step: m.value for m in ctx.client.get_metric_history(
            ctx.run_id, "eval/gap_to_best_template_pct")}, dtype=float).reindex(df.index)
        df["race_time_pct_lo"] = df["race_time_pct"] + (df["race_time_pct_lo"] - gap)
        df["race_time_pct_hi"] = df["race_time_pct"] + (df["race_time_pct_hi"] - gap)
    df.index.name = "timesteps"
    return df.reset_index()


def comparison_markdown(table: pd.DataFrame, head: dict[str, float], best: str, cfg: ExperimentConfig,
                        wall_s: float) -> str:
    """The comparison table as Markdown, with the headline sentence on top."""
    verdict = "beats" if head["beats_best_template"] else "does not beat"
    n = int(table["athletes"].iloc[0])
    lines = [
        f"# {cfg.name}: learned policy vs baselines on {n} held-out athletes",
        "",
        f"The learned policy {verdict} the best template (**{best}**): race time "
        f"{head['race_time_pct']:+.2f}% vs {head['best_template_race_time_pct']:+.2f}%, paired difference "
        f"{head['gap_to_best_template_pct']:+.3f} pp [95% CI {head['gap_ci_lo']:+.3f}, {head['gap_ci_hi']:+.3f}], "
        f"faster for {100 * head['gap_win_share']:.0f}% of athletes; injured days {head['injured_days']:.2f} vs "
        f"{head['best_template_injured_days']:.2f} (difference {head['injured_days_diff']:+.2f} "
        f"[{head['injured_days_diff_ci_lo']:+.2f}, {head['injured_days_diff_ci_hi']:+.2f}]). "
        f"Training wall time {wall_s / 60:.1f} min.",
        "",
        "race_time_pct: race-time change over the season (negative = faster). diff: paired mean difference "
        f"to the best template ({best}), 95% bootstrap CI over athletes.",
        "",
    ]
    cols = [("race_time_pct", "race time %"), ("race_time_pct_diff", "diff vs best"),
            ("injured_days", "injured days"), ("injured_days_diff", "diff vs best"),
            ("injuries", "injuries"), ("strength_pct", "strength %"), ("economy_pct", "economy %"),
            ("run_km", "run km"), ("strength_sessions", "strength sessions")]
    lines.append("| policy | " + " | ".join(h for _, h in cols) + " |")
    lines.append("|---|" + "|".join("---:" for _ in cols) + "|")
    for name, r in table.iterrows():
        cells = []
        for c, _ in cols:
            v = float(r[c])
            if c.endswith("_diff") or c in ("race_time_pct", "injured_days"):
                cells.append(f"{v:+.2f} [{float(r[c + '_lo']):+.2f}, {float(r[c + '_hi']):+.2f}]"
                             if c.endswith("_diff") and name != best else f"{v:+.2f}" if c.endswith("_diff")
                             else f"{v:.2f} [{float(r[c + '_lo']):.2f}, {float(r[c + '_hi']):.2f}]")
            else:
                cells.append(f"{v:.2f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def checks_markdown(rob, cred) -> str:
    """Robustness of the learned policy and the baselines, and the credibility of the learned plans."""
    from experiments.report.robustness import missed_label

    lines = ["", "## Robustness", ""]
    s = rob.summary
    if rob.model_draws:
        lines += [f"Under {rob.model_draws} parameter draws (same athletes, same random streams): mean and 5-95% "
                  "of draws; 'won': share of draws whose best template it beats (paired race-time CI below 0).", "",
                  "| policy | race time % | injured days | vs best template (pp) | won |", "|---|---:|---:|---:|---:|"]
        for name, r in s.iterrows():
            won = "" if r["draws_won"] != r["draws_won"] else f"{100 * r['draws_won']:.0f}%"
            lines.append(
                f"| {name} | {r['draws_race_time_pct_mean']:+.2f} [{r['draws_race_time_pct_p5']:+.2f}, "
                f"{r['draws_race_time_pct_p95']:+.2f}] | {r['draws_injured_days_mean']:.1f} "
                f"[{r['draws_injured_days_p5']:.1f}, {r['draws_injured_days_p95']:.1f}] | "
                f"{r['draws_vs_best_mean']:+.2f} [{r['draws_vs_best_p5']:+.2f}, {r['draws_vs_best_p95']:+.2f}] | "
                f"{won} |")
        lines.append("")
    if rob.rates:
        lines += ["Missed sessions (the same skips for every policy): paired change against none missed, "
                  "95% CI; positive race time = slower.", "",
                  "| policy | " + " | ".join(f"{p:.0%} missed: race time (pp) | {p:.0%}: injured days"
                                            for p in rob.rates) + " |",
                  "|---|" + "---:|---:|" * len(rob.rates)]
        for name, r in s.iterrows():
            cells = []
            for p in rob.rates:
                lab = missed_label(p)
                cells += [f"{r[f'{lab}_race_time_pct_diff']:+.2f} [{r[f'{lab}_race_time_pct_diff_lo']:+.2f}, "
                          f"{r[f'{lab}_race_time_pct_diff_hi']:+.2f}]", f"{r[f'{lab}_injured_days_diff']:+.2f}"]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Credibility of the learned plans", "", cred.text(), ""]
    return "\n".join(lines)


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


TRAIN_ROLES = ("single", "child", "parent")
#: the most memory the training buffers may need (SB3 allocates the whole rollout or replay buffer up front)
MAX_BUFFER_BYTES = 4_000_000_000


def buffer_bytes(cfg: ExperimentConfig) -> tuple[int, str]:
    """Bytes SB3's rollout (on-policy) or replay (DQN) buffer allocates for `cfg`, and what sets it.

    float32 per transition: the observation (twice for a replay buffer: SB3 keeps the next one), the
    actions, and rewards, returns, values, log-probabilities, advantages, episode starts; an
    action-mask for maskable PPO, the LSTM states (4 x hidden) for recurrent PPO.
    """
    from envs.observation import OBS_SIZE

    a = cfg.algo
    if hasattr(a, "buffer_size"):
        return int(a.buffer_size) * 4 * (2 * OBS_SIZE + 16), f"algo.buffer_size {a.buffer_size}"
    per = 4 * (OBS_SIZE + 16 + 8)
    if cfg.algo.name == "maskable_ppo":
        per += 64
    if cfg.algo.name == "recurrent_ppo":
        per += 4 * 4 * (a.policy_kwargs.lstm_hidden_size or 256)
    n = int(cfg.n_envs) * int(a.n_steps)
    return n * per, f"n_envs x algo.n_steps = {cfg.n_envs} x {a.n_steps} = {n} transitions"


def check_registered_name(cfg: ExperimentConfig) -> None:
    """InputError unless MLflow's model registry accepts `cfg.registered_model_name` (checked before the run:
    MLflow would refuse it only after training, leaving the run KILLED)."""
    if not cfg.mlflow.register_model:
        return
    name = cfg.registered_model_name
    field = ("mlflow.registered_model" if cfg.mlflow.registered_model
             else "name (the registered model is stridelab-NAME)")
    bad = (not name.strip() or len(name) > 256 or not name.isprintable() or any(c in name for c in "/:%\\")
           or name != name.strip() or name in (".", "..") or "//" in name)
    if not bad:
        from mlflow.exceptions import MlflowException
        from mlflow.utils.validation import _validate_model_name

        try:
            _validate_model_name(name)
        except MlflowException:
            bad = True
    if bad:
        shown = repr(name) if len(name) <= 80 else repr(name[:80]) + "...(cut)"
        raise InputError(f"{field}: {shown} is not allowed as a registered model name; allowed: 1 to 256 printable "
                         "characters without '/', ':', '%' or '\\' and without leading or trailing spaces")


def check_buffers(cfg: ExperimentConfig) -> None:
    need, what = buffer_bytes(cfg)
    if need > MAX_BUFFER_BYTES:
        raise InputError(f"{what} would need about {human_bytes(need)} for SB3's buffer; allowed: at most "
                         f"{human_bytes(MAX_BUFFER_BYTES)} (fewer n_envs or a smaller algo.n_steps / algo.buffer_size)")


def preflight(cfg: ExperimentConfig, resume: str | None) -> tuple[Any, str | None]:
    """Everything checkable before a run exists: the packages, the folders, the sizes, the registered-model
    name, the store, the resume run."""
    import envs  # noqa: F401
    from agents.baselines import BASELINES

    check_registered_name(cfg)
    check_buffers(cfg)

    missing = [b for b in cfg.eval.baselines if b not in BASELINES]
    if missing:
        raise InputError(f"eval.baselines: {missing} not available; allowed: {', '.join(BASELINES)}")
    from experiments.io import check_new_folder

    # checked, not created: a failed start leaves no empty folder behind (issue 15, point 7)
    check_new_folder(cfg.checkpoint.folder, "checkpoint.folder")
    # a resumed run's store must exist; a new run creates a missing SQLite store, under a lock
    cl = tracking.open_store(cfg.mlflow.tracking_uri, "mlflow.tracking_uri", create=resume is None)
    uri = tracking.tracking_uri(cfg.mlflow.tracking_uri)
    if resume is None:
        return cl, None
    from mlflow.exceptions import MlflowException

    try:
        run = cl.get_run(resume)
    except MlflowException:
        raise InputError(f"--resume: run {resume!r} not found in {uri}") from None
    role = run.data.tags.get("stridelab.role")
    if role not in TRAIN_ROLES:
        raise InputError(f"--resume: run {resume!r} is not a `stridelab train` run (role {role!r}); allowed: the id "
                         "of a training run printed by `stridelab train`")
    exp = cl.get_experiment(run.info.experiment_id)
    if exp.name != cfg.mlflow.experiment:
        raise InputError(f"--resume: run {resume!r} belongs to experiment {exp.name!r}, not to this config's "
                         f"mlflow.experiment {cfg.mlflow.experiment!r}; resume with the config it was started with")
    logged = _logged_config(cl, resume)
    if logged is None:
        # killed between create_run and config.yaml (issue 25, item 12): no checkpoint can exist yet, so the run
        # restarts from step 0 with this config, provided the params it did log (if any) are this config's
        params = {k: str(v)[:6000] for k, v in flatten(cfg).items()}
        logged_params = run.data.params
        if logged_params and any(logged_params.get(k) != v for k, v in params.items() if k in logged_params):
            raise InputError(f"--resume {resume}: the config differs from the run's logged params (the run was "
                             "stopped before its config.yaml was logged); resume with the same config and --set "
                             "overrides")
    elif logged != to_yaml(cfg):
        raise InputError(f"--resume {resume}: the config differs from the run's logged config.yaml; "
                         "resume with the same config and --set overrides")
    return cl, role


class ResumeLock:
    """An exclusive lock on one run while it is resumed, so two `--resume RUN` cannot both proceed (both would
    train and log every point twice). An OS file lock (`flock`) on `CHECKPOINT_FOLDER/RUN/resume.lock`: the
    kernel drops it when the process dies, however it dies, so a killed resume never blocks the next one.
    The file stays in the run's checkpoint folder (removing it would let a third process lock a new file
    while a second still holds the old one)."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.path = Path(folder) / run_id / "resume.lock"
        self.run_id = run_id
        self._fd: int | None = None

    def acquire(self) -> None:
        import fcntl
        import os
        import socket

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as err:
            raise InputError(f"--resume {self.run_id}: cannot lock the run ({self.path}: {err.strerror}); "
                             "allowed: a checkpoint.folder where a lock file can be written") from None
        try:
            import stat as _stat

            if not _stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"--resume {self.run_id}: {self.path} is not a regular file; remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                raise InputError(f"--resume {self.run_id}: this run is being resumed already (by {holder}); "
                                 "allowed: one resume of a run at a time, wait for it to finish") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        import os

        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def _logged_config(cl, run_id: str) -> str | None:
    tmp = Path(tempfile.mkdtemp(prefix="stridelab-cfg-"))
    try:
        path = cl.download_artifacts(run_id, "config.yaml", str(tmp))
        return Path(path).read_text()
    except Exception:  # noqa: BLE001
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


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


def log_population(ctx: RunContext, cohort, context: str) -> None:
    """The evaluation population as an MLflow dataset input (one row per athlete, `sim.state` profile fields)."""
    import mlflow.data
    from mlflow.entities import DatasetInput, InputTag

    from sim import state

    names = sorted((k for k in dir(state) if k.startswith("A_") and isinstance(getattr(state, k), int)),
                   key=lambda k: getattr(state, k))
    names = [k for k in names if getattr(state, k) < cohort.athletes.shape[1]]
    df = pd.DataFrame({k[2:].lower(): cohort.athletes[:, getattr(state, k)] for k in names})
    ds = mlflow.data.from_pandas(df, name=f"{context}-population")
    tags = [InputTag("mlflow.data.context", context), InputTag("athletes", str(cohort.n)),
            InputTag("population_seed", str(cohort.seed)), InputTag("level", str(cohort.level))]
    inputs = [DatasetInput(ds._to_mlflow_entity(), tags=tags)]
    try:
        ctx.client.log_inputs(ctx.run_id, datasets=inputs)
    except mlflow.exceptions.MlflowException as err:
        # MLflow's store looks the dataset up, then inserts it: two processes logging the same
        # population into one experiment at once (tune workers on one server) can both miss it,
        # and the second insert violates the unique key. The dataset exists now; link it again.
        if "unique" not in str(err).lower() and "duplicate" not in str(err).lower():
            raise
        ctx.client.log_inputs(ctx.run_id, datasets=inputs)


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
            cl.update_run(parent_id, status="RUNNING")
        else:
            existing[int(run.data.tags.get("stridelab.seed", cfg.seeds[0]))] = resume
    elif multi:
        parent = cl.create_run(exp_id, run_name=f"{cfg.name}", tags={
            "stridelab.role": "parent", "mlflow.note.content": run_description(cfg, None)})
        parent_id = parent.info.run_id
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
            run_id = cl.create_run(exp_id, run_name=f"{cfg.name}-seed{seed}", tags=tags).info.run_id
            tracking.log_run_metadata(cl, run_id, command, cfg_yaml, params)
        else:
            cl.update_run(run_id, status="RUNNING")
            cl.set_tag(run_id, "stridelab.resumed_with", command)
            # a kill between create_run and the last metadata file: log what is missing (issue 25, item 12)
            tracking.complete_run_metadata(cl, run_id, command, cfg_yaml, params)
        last = tracking.last_steps(cl, run_id) if is_resume else {}
        ctx = RunContext(cfg, seed, run_id, cl, tracking.MetricLogger(cl, run_id, last),
                         Path(cfg.checkpoint.folder) / run_id)
        try:
            final = train_seed(cfg, ctx, progress, is_resume)
        except BaseException:
            cl.set_terminated(run_id, status="KILLED")
            if parent_id:
                cl.set_terminated(parent_id, status="KILLED")
            raise
        cl.set_terminated(run_id, status="FINISHED")
        results[seed] = (run_id, final)

    agg: dict[str, float] = {}
    if parent_id:
        agg = aggregate(cl, parent_id, results)
        cl.set_terminated(parent_id, status="FINISHED")
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
    cl.log_text(parent_id, df.to_csv(index=False), "comparison/seeds.csv")
    with contextlib.suppress(Exception):
        cl.log_text(parent_id, df.to_markdown(index=False), "comparison/seeds.md")
    return out
