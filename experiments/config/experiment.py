"""One experiment: environment, algorithm, budget, seeds, evaluation, checkpoints and tracking."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from envs.config import EnvConfig
from experiments.config.algorithms import _STRICT, ALGORITHMS, BASELINE_NAMES, TEMPLATE_NAMES, AlgoConfig
from experiments.config.search import TuneConfig

# --------------------------------------------------------------------------- environment
# The environment section is the environment's own typed config (`envs.config.EnvConfig`: level or
# levels mix, season_weeks, race_distance, action_scope, reward weights, hard limits, observation
# noise, athlete pool), so a training config and the env cannot disagree about a setting.


class NormalizeConfig(BaseModel):
    """SB3 VecNormalize of observations and/or rewards (its statistics are saved with the policy)."""

    model_config = _STRICT
    observations: bool = Field(False, description="normalise observations with running statistics")
    rewards: bool = Field(False, description="normalise rewards with a running return estimate")
    clip_obs: float = Field(10.0, gt=0.0, description="clip normalised observations to +-clip_obs")


class EvalConfig(BaseModel):
    """Held-out evaluation against the hand-written templates."""

    model_config = _STRICT
    athletes: int = Field(256, ge=2, le=100_000, description="held-out athletes for periodic evaluation")
    final_athletes: int = Field(1000, ge=2, le=100_000, description="held-out athletes for the final comparison")
    seed: int = Field(10_007, ge=0, lt=2**63, description="population seed of the held-out athletes "
                                                        "(must differ from every training seed)")
    every_timesteps: int = Field(50_000, ge=1, description="evaluate every this many training timesteps")
    baselines: list[Literal[BASELINE_NAMES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["beginner", "intermediate", "advanced", "run_only"],
        description=f"baselines to compare against, from {', '.join(BASELINE_NAMES)}; "
                    "the templates among them define the 'best template'")
    model_draws: int = Field(8, ge=0, le=500, description="final evaluation's robustness: every policy also "
                             "under this many parameter draws from the model's plausible ranges (0 = skip; "
                             "experiments.report.robustness)")
    missed_sessions: list[float] = Field(
        default_factory=lambda: [0.1, 0.2], max_length=10,
        description="final evaluation's robustness: every policy also with each planned run and lift missed "
                    "with these probabilities, each 0 < p < 1 (the same skips for every policy; [] = skip)")

    @field_validator("missed_sessions")
    @classmethod
    def _rates(cls, v: list[float]) -> list[float]:
        for p in v:
            if not 0.0 < p < 1.0:
                raise ValueError(f"{p} is not allowed; each rate needs 0 < p < 1")
        return v

    @model_validator(mode="after")
    def _has_template(self) -> EvalConfig:
        if not any(b in TEMPLATE_NAMES for b in self.baselines):
            raise ValueError(f"baselines: need at least one template ({', '.join(TEMPLATE_NAMES)})")
        return self


class CheckpointConfig(BaseModel):
    """Checkpoints for resuming (local folder + MLflow artefacts)."""

    model_config = _STRICT
    every_timesteps: int = Field(50_000, ge=1, description="save a checkpoint every this many timesteps")
    folder: str = Field("runs", description="local folder; checkpoints go to <folder>/<run id>/checkpoints")


class MlflowConfig(BaseModel):
    """Where runs are tracked."""

    model_config = _STRICT
    tracking_uri: str | None = Field(
        None, description="MLflow tracking URI; none = $MLFLOW_TRACKING_URI or sqlite:///mlflow.db")
    experiment: str = Field("stridelab", min_length=1, description="MLflow experiment name")
    registered_model: str | None = Field(
        None, description="model-registry name for the pyfunc season planner; none = stridelab-<name>")
    register_model: bool = Field(True, description="register the pyfunc model in the model registry")


class ExperimentConfig(BaseModel):
    """One experiment: environment, algorithm, budget, seeds, evaluation and tracking."""

    model_config = _STRICT
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$",
                      description="experiment name (letters, digits, _ . -)")
    env: EnvConfig = Field(default_factory=EnvConfig,
                           description="environment (envs.config.EnvConfig): level or levels, season_weeks, "
                                       "race_distance, action_scope, reward, limits, noise, athlete_pool")
    algo: AlgoConfig = Field(description=f"algorithm and its hyperparameters; name one of {', '.join(ALGORITHMS)}")
    n_envs: int = Field(64, ge=1, le=100_000, description="parallel athletes in the batched environment")
    total_timesteps: int = Field(ge=1, le=10**10, description="training timesteps (athlete-weeks) per seed")
    seeds: list[Annotated[int, Field(ge=0, lt=2**63)]] = Field(
        default_factory=lambda: [0], min_length=1, max_length=64, description="one run per seed")
    injury_reward: Literal["days", "expected_days"] = Field(
        "days", description="training reward's injury term: days = the env's realised injured days; "
                            "expected_days = weekly injury hazard x mean days per injury (same expectation, "
                            "far less variance, charged when the risk is taken; evaluation is unchanged)")
    normalize: NormalizeConfig = Field(default_factory=NormalizeConfig, description="VecNormalize")
    eval: EvalConfig = Field(default_factory=EvalConfig, description="held-out evaluation")
    checkpoint: CheckpointConfig = Field(default_factory=CheckpointConfig, description="checkpoints")
    mlflow: MlflowConfig = Field(default_factory=MlflowConfig, description="tracking")
    torch_threads: int = Field(1, ge=1, le=64, description="torch CPU threads")
    numba_threads: int = Field(1, ge=1, le=64, description=(
        "numba threads of the batched env while training: 1 is fastest at these batch sizes, and numba's "
        "OpenMP pool interleaved with torch calls makes each env step ~15x slower (bench train)"))
    # `stridelab tune` only (issue 11): the search space and its settings; `train` ignores it
    tune: TuneConfig | None = Field(None, description="hyperparameter search (stridelab tune): search space per "
                                                      "algorithm, constraint, pruner, storage settings; "
                                                      "none = the defaults (experiments.config.search)")

    @model_validator(mode="after")
    def _consistent(self) -> ExperimentConfig:
        if len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds: {self.seeds} has duplicates; give distinct seeds")
        if self.eval.seed in self.seeds:
            raise ValueError(f"eval.seed: {self.eval.seed} is also a training seed; held-out athletes need "
                             "a seed not in `seeds`")
        if self.eval.seed == self.env.population_seed:
            raise ValueError(f"eval.seed: {self.eval.seed} is also env.population_seed (the training athletes); "
                             "held-out athletes need a different seed")
        a = self.algo
        if a.name in ("ppo", "maskable_ppo", "recurrent_ppo", "a2c"):
            rollout = a.n_steps * self.n_envs
            if rollout < 2:
                raise ValueError("algo.n_steps: n_steps * n_envs must be > 1 (advantage normalisation; see SB3 PPO)")
            if hasattr(a, "batch_size") and a.batch_size > rollout:
                raise ValueError(f"algo.batch_size: {a.batch_size} is larger than one rollout "
                                 f"(n_steps * n_envs = {rollout}); need <= {rollout}")
        from sim.whatif import check_athletes  # lazy: sim.whatif pulls in pandas and the kernels (0.3 s)

        # the held-out evaluation simulates every baseline and the policy on these athletes at once
        for key, n in (("eval.athletes", self.eval.athletes), ("eval.final_athletes", self.eval.final_athletes)):
            check_athletes(n, self.env.season_weeks, plans=len(self.eval.baselines) + 1, name=key)
        if a.name == "dqn" and self.env.action_scope == "strength_and_run":
            raise ValueError("algo.name: dqn needs a small discrete action space; use env.action_scope: strength "
                             "(or another algorithm)")
        return self

    @property
    def registered_model_name(self) -> str:
        return self.mlflow.registered_model or f"stridelab-{self.name}"
