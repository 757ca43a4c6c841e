"""The search space of `stridelab tune` as data: the experiment config's `tune:` section.

Declared here, in the config package, so the config validates a `tune:` section without
importing `experiments.tune` (which samples the space: `experiments.tune.space`).

Every tunable hyperparameter is a typed field of its algorithm's space: a `FloatRange`
(`{low, high, log}`), an `IntRange`, or a list of choices of the field's own type. A field set
to `null` is not searched (the config's value is kept). There is no expression language: a
range is data, validated like the rest of the config (RL Zoo's `hyperparams_opt.py` samples
the same kind of space in code; here it is overridable per experiment).

The defaults follow the RL Zoo's `sample_ppo_params` / `sample_a2c_params` /
`sample_dqn_params` (log scale for learning rate, entropy coefficient and gradient norm),
narrowed where this environment fixes the scale: a rollout is counted in weeks of a season
(`n_steps` 13-52), and PPO's minibatch is clamped to one rollout (`n_steps * n_envs`), as
the Zoo does when `batch_size > n_steps`.

    tune:
      ppo:
        learning_rate: {low: 1.0e-5, high: 1.0e-3, log: true}
        n_epochs: [3, 5, 10]
        net_arch: null            # keep the config's network
      max_injured_days_diff: 0.5
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
Activation = Literal["tanh", "relu", "elu", "leaky_relu", "gelu", "silu"]


class FloatRange(BaseModel):
    """A real-valued range sampled by Optuna (`suggest_float(low, high, log=log)`)."""

    model_config = _STRICT
    low: float = Field(description="smallest value")
    high: float = Field(description="largest value")
    log: bool = Field(False, description="sample on a log scale (needs low > 0)")

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if not self.low < self.high:
            raise ValueError(f"high: {self.high} must be larger than low ({self.low})")
        if self.log and self.low <= 0:
            raise ValueError(f"low: {self.low} must be > 0 on a log scale (log: true)")
        return self


class IntRange(BaseModel):
    """An integer range sampled by Optuna (`suggest_int(low, high, log=log)`)."""

    model_config = _STRICT
    low: int = Field(description="smallest value")
    high: int = Field(description="largest value")
    log: bool = Field(False, description="sample on a log scale (needs low >= 1)")

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if not self.low < self.high:
            raise ValueError(f"high: {self.high} must be larger than low ({self.low})")
        if self.log and self.low < 1:
            raise ValueError(f"low: {self.low} must be >= 1 on a log scale (log: true)")
        return self


def _range(low: float, high: float, log: bool = False) -> Any:
    return Field(default_factory=lambda: FloatRange(low=low, high=high, log=log),
                 description=f"range (default {low:g}..{high:g}{', log scale' if log else ''}); null = not searched")


def _choices(values: list, what: str) -> Any:
    return Field(default_factory=lambda: list(values),
                 description=f"{what} to choose from (default {values}); null = not searched", min_length=1)


class _Space(BaseModel):
    model_config = _STRICT
    learning_rate: FloatRange | None = _range(1e-5, 3e-3, log=True)
    gamma: FloatRange | None = _range(0.95, 0.999)
    max_grad_norm: FloatRange | None = _range(0.3, 5.0, log=True)
    net_arch: list[list[int]] | None = _choices([[64], [64, 64], [128, 128], [256, 256]],
                                                "shared hidden-layer widths (policy_kwargs.net_arch)")
    activation: list[Activation] | None = _choices(["tanh", "relu"], "activations (policy_kwargs.activation)")

    def ranges(self) -> dict[str, FloatRange | IntRange | list]:
        """Searched fields (name -> range or choices), in declaration order."""
        return {k: v for k, v in ((k, getattr(self, k)) for k in type(self).model_fields) if v is not None}


class _OnPolicySpace(_Space):
    gae_lambda: FloatRange | None = _range(0.8, 1.0)
    ent_coef: FloatRange | None = _range(1e-8, 0.1, log=True)
    vf_coef: FloatRange | None = _range(0.0, 1.0)


class PPOSpace(_OnPolicySpace):
    """PPO (and maskable / recurrent PPO): RL Zoo's `sample_ppo_params`, rollouts in weeks."""

    n_steps: list[int] | None = _choices([13, 26, 52], "steps per env per rollout (weeks)")
    # powers of two, and the shipped configs' 1664 / 3328 (a half / a whole 52-week rollout of 64 athletes)
    batch_size: list[int] | None = _choices([256, 512, 1024, 1664, 2048, 3328, 4096],
                                            "minibatch sizes (clamped to one rollout, n_steps * n_envs)")
    n_epochs: list[int] | None = _choices([1, 3, 5, 10], "optimisation epochs per rollout")
    clip_range: FloatRange | None = _range(0.1, 0.4)


class A2CSpace(_OnPolicySpace):
    """A2C: RL Zoo's `sample_a2c_params`."""

    n_steps: list[int] | None = _choices([4, 8, 16, 32], "steps per env per update")


class DQNSpace(_Space):
    """DQN: RL Zoo's `sample_dqn_params`."""

    learning_rate: FloatRange | None = _range(1e-5, 1e-2, log=True)
    max_grad_norm: FloatRange | None = _range(1.0, 20.0, log=True)
    batch_size: list[int] | None = _choices([32, 64, 128, 256], "minibatch sizes")
    buffer_size: list[int] | None = _choices([10_000, 100_000, 1_000_000], "replay buffer sizes")
    learning_starts: list[int] | None = _choices([0, 1000, 10_000], "transitions before learning starts")
    train_freq: list[int] | None = _choices([1, 4, 8, 16], "env steps between updates")
    target_update_interval: list[int] | None = _choices([1, 1000, 5000, 10_000], "steps between target updates")
    exploration_fraction: FloatRange | None = _range(0.05, 0.5)
    exploration_final_eps: FloatRange | None = _range(0.0, 0.2)


class TuneConfig(BaseModel):
    """`stridelab tune`: search space per algorithm, objective constraint, sampler, pruner, storage.

    The objective is the final held-out gap to the best template (percentage points of race time,
    minimised). Injured days are a constraint, not a second objective: a trial whose learned
    policy costs more than `max_injured_days_diff` injured days per athlete over the best template
    is infeasible (Optuna's constrained TPE steers away from it, and it is never the best trial).
    """

    model_config = _STRICT
    ppo: PPOSpace = Field(default_factory=PPOSpace, description="search space when algo.name is ppo")
    maskable_ppo: PPOSpace = Field(default_factory=PPOSpace, description="... maskable_ppo")
    recurrent_ppo: PPOSpace = Field(default_factory=PPOSpace, description="... recurrent_ppo")
    a2c: A2CSpace = Field(default_factory=A2CSpace, description="... a2c")
    dqn: DQNSpace = Field(default_factory=DQNSpace, description="... dqn")
    max_injured_days_diff: float = Field(
        0.0, description="constraint: learned minus best-template injured days per athlete must be <= this")
    sampler_seed: int | None = Field(None, ge=0, lt=2**32, description="TPE seed (none = random)")
    start_from_config: bool = Field(True, description="a new study's first trial runs the config's own "
                                                      "hyperparameters (those inside the space)")
    startup_trials: int = Field(5, ge=0, description="random trials before TPE models the space")
    pruner_startup_trials: int = Field(5, ge=0, description="trials finished before the median pruner acts")
    pruner_warmup_timesteps: int = Field(0, ge=0, description="no pruning before this many timesteps")
    heartbeat_interval_s: int = Field(10, ge=1, description="PostgreSQL storage: a running trial's heartbeat")
    grace_period_s: int = Field(30, ge=2, description="PostgreSQL storage: a trial silent this long is failed "
                                                      "(its worker died) and retried")
    max_retry: int = Field(3, ge=0, description="retries of a trial whose worker died")
    poll_s: float = Field(2.0, gt=0, le=600, description="a worker with nothing to start re-checks the study "
                                                        "this often (to retry a dead worker's trial)")

    @model_validator(mode="after")
    def _grace(self) -> TuneConfig:
        if self.grace_period_s <= self.heartbeat_interval_s:
            raise ValueError(f"grace_period_s: {self.grace_period_s} must exceed heartbeat_interval_s "
                             f"({self.heartbeat_interval_s})")
        return self

    def space(self, algo: str) -> _Space:
        return getattr(self, algo)


#: the search space of one algorithm (its fields: ranges and choices)
Space = _Space
