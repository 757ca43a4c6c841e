"""SB3 callbacks of a training run: progress bar, periodic held-out evaluation, checkpoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from stable_baselines3.common.callbacks import BaseCallback
from tqdm.auto import tqdm

from experiments.config import ExperimentConfig
from experiments.training.environments import predictor_of
from experiments.training.evaluation import Evaluator, eval_metrics

if TYPE_CHECKING:
    from experiments.training.checkpointing import RunContext


# --------------------------------------------------------------------------- callbacks
def planned_timesteps(model, total: int) -> int:
    """The steps SB3 will really take: on-policy algorithms collect whole rollouts (n_steps x n_envs)."""
    rollout = int(getattr(model, "n_steps", 1) or 1) * int(getattr(model, "n_envs", 1) or 1)
    return -(-int(total) // rollout) * rollout


class TrainingCallback(BaseCallback):
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
