"""The experiment config: one typed, validated description of a training run.

A YAML file is read with `safe_load`, `--set key.sub=value` overrides are applied to the raw
mapping (each value parsed as a YAML scalar), and the result is validated here as a whole,
before anything else happens (no MLflow run is created for a config that does not validate).
Every model forbids unknown keys; hyperparameters are typed per algorithm and passed to SB3
only after validation. Learning-rate schedules and network shapes are data, never code
strings (RL Zoo's `policy_kwargs: "dict(...)"` goes through `eval`; we do not).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from envs.config import EnvConfig
from experiments.tune.space import TuneConfig
from sim.errors import InputError
from sim.plan import load_yaml

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

ALGORITHMS = ("ppo", "a2c", "dqn", "recurrent_ppo", "maskable_ppo")
ACTIVATIONS = ("tanh", "relu", "elu", "leaky_relu", "gelu", "silu")
BASELINE_NAMES = (
    "beginner", "intermediate", "advanced", "run_only", "mistake_toning_only", "mistake_random",
    "mistake_lift_before_key", "mistake_drop_in_season", "mistake_ignore_pain",
)
TEMPLATE_NAMES = ("beginner", "intermediate", "advanced")


# --------------------------------------------------------------------------- schedules
class ConstantSchedule(BaseModel):
    """A value held for the whole run."""

    model_config = _STRICT
    kind: Literal["constant"] = Field(description="constant: the same value for the whole run")
    value: float = Field(gt=0.0, description="the value")

    def initial(self) -> float:
        return self.value


class LinearSchedule(BaseModel):
    """Linear interpolation from `initial` (start of training) to `final` (end), on SB3's
    progress_remaining (1 -> 0)."""

    model_config = _STRICT
    kind: Literal["linear"] = Field(description="linear: from initial to final over the run")
    initial: float = Field(gt=0.0, description="value at the start of training")
    final: float = Field(ge=0.0, description="value at the end of training")


def _number_is_constant(v: Any) -> Any:
    """A plain number means a constant schedule (PyYAML reads `3e-4` as a string: accept it)."""
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return v
    if isinstance(v, int | float) and not isinstance(v, bool):
        return {"kind": "constant", "value": v}
    return v


#: a number (constant) or {kind: constant, value} | {kind: linear, initial, final}
Schedule = Annotated[ConstantSchedule | LinearSchedule, Field(discriminator="kind"),
                     BeforeValidator(_number_is_constant)]


def make_schedule(value: ConstantSchedule | LinearSchedule) -> float | Any:
    """SB3 form: a float, or a callable of progress_remaining (1 at start, 0 at the end)."""
    if isinstance(value, ConstantSchedule):
        return float(value.value)
    return _Linear(value.initial, value.final)


def _schedule_values(s: ConstantSchedule | LinearSchedule) -> tuple[float, ...]:
    return (s.value,) if isinstance(s, ConstantSchedule) else (s.initial, s.final)


class _Linear:
    """Picklable linear schedule (SB3 saves schedules with the model)."""

    def __init__(self, initial: float, final: float) -> None:
        self.initial, self.final = initial, final

    def __call__(self, progress_remaining: float) -> float:
        return self.final + (self.initial - self.final) * progress_remaining


# --------------------------------------------------------------------------- networks
#: network size limits (issue 15, point 5): checked with the config, before any MLflow run exists
MAX_LAYERS = 8
MAX_NET_PARAMS = 5_000_000  # weights per network (pi or vf), ~20 MB float32; the shipped configs use < 20k
Widths = Annotated[list[Annotated[int, Field(ge=1, le=4096)]], Field(max_length=MAX_LAYERS)]


def _weights(widths: list[int]) -> int:
    return sum(a * b for a, b in zip(widths, widths[1:], strict=False))


class SplitNetArch(BaseModel):
    """Separate hidden layers for the policy (pi) and the value function (vf)."""

    model_config = _STRICT
    pi: Widths = Field(description="policy hidden layer widths")
    vf: Widths = Field(description="value hidden layer widths")


class PolicyKwargs(BaseModel):
    """Network shape. Recurrent fields are only valid for `recurrent_ppo`."""

    model_config = _STRICT
    net_arch: Widths | SplitNetArch = Field(
        default_factory=lambda: [64, 64], description="hidden layer widths, shared list or {pi: [...], vf: [...]}")
    activation: Literal["tanh", "relu", "elu", "leaky_relu", "gelu", "silu"] = Field(
        "tanh", description=f"activation function, one of {', '.join(ACTIVATIONS)}")
    ortho_init: bool = Field(True, description="orthogonal initialisation (on-policy algorithms)")
    lstm_hidden_size: int | None = Field(None, ge=1, le=1024, description="LSTM width (recurrent_ppo only)")
    n_lstm_layers: int | None = Field(None, ge=1, le=4, description="LSTM layers (recurrent_ppo only)")
    enable_critic_lstm: bool | None = Field(None, description="separate LSTM for the critic (recurrent_ppo only)")

    @model_validator(mode="after")
    def _bounded(self) -> PolicyKwargs:
        arch = self.net_arch
        nets = {"pi": arch.pi, "vf": arch.vf} if isinstance(arch, SplitNetArch) else {"": list(arch)}
        for key, widths in nets.items():
            n = _weights(widths)
            if n > MAX_NET_PARAMS:
                where = f"net_arch.{key}" if key else "net_arch"
                raise ValueError(f"{where}: {widths} has {n} weights between hidden layers; allowed: "
                                 f"at most {MAX_NET_PARAMS}")
        return self

    def to_sb3(self, algo: str) -> dict[str, Any]:
        import torch.nn as nn

        act = {"tanh": nn.Tanh, "relu": nn.ReLU, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU,
               "silu": nn.SiLU}[self.activation]
        arch: Any = self.net_arch.model_dump() if isinstance(self.net_arch, SplitNetArch) else list(self.net_arch)
        out: dict[str, Any] = {"net_arch": arch, "activation_fn": act}
        if algo != "dqn":
            out["ortho_init"] = self.ortho_init
        for k in ("lstm_hidden_size", "n_lstm_layers", "enable_critic_lstm"):
            v = getattr(self, k)
            if v is not None:
                out[k] = v
        return out


# --------------------------------------------------------------------------- algorithms
class _Algo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)
    learning_rate: Schedule = Field(
        3e-4, description="a number, or {kind: constant, value} | {kind: linear, initial, final}")
    gamma: float = Field(0.99, gt=0.0, le=1.0, description="discount factor per week of season")
    max_grad_norm: float = Field(0.5, gt=0.0, description="gradient clipping norm")
    policy_kwargs: PolicyKwargs = Field(default_factory=PolicyKwargs, description="network shape")

    def sb3_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the SB3 constructor (schedules made callables)."""
        d = self.model_dump(exclude={"name", "policy_kwargs"})
        for k in ("learning_rate", "clip_range"):
            if k in d:
                d[k] = make_schedule(getattr(self, k))
        d["policy_kwargs"] = self.policy_kwargs.to_sb3(self.name)  # type: ignore[attr-defined]
        return {k: v for k, v in d.items() if v is not None}

    @model_validator(mode="after")
    def _recurrent_only(self) -> _Algo:
        for k in ("learning_rate", "clip_range"):
            sch = getattr(self, k, None)
            if sch is not None and max(_schedule_values(sch)) > 1.0:
                raise ValueError(f"{k}: {max(_schedule_values(sch))} is too large; need values in (0, 1]")
        pk = self.policy_kwargs
        if getattr(self, "name", "") != "recurrent_ppo":
            for k in ("lstm_hidden_size", "n_lstm_layers", "enable_critic_lstm"):
                if getattr(pk, k) is not None:
                    raise ValueError(f"policy_kwargs.{k}: only allowed with algo.name: recurrent_ppo")
        return self


class _OnPolicy(_Algo):
    n_steps: int = Field(52, ge=1, le=100_000, description="steps per env per rollout (52 = one season)")
    gae_lambda: float = Field(0.95, ge=0.0, le=1.0, description="GAE lambda")
    ent_coef: float = Field(0.0, ge=0.0, le=1.0, description="entropy bonus coefficient")
    vf_coef: float = Field(0.5, ge=0.0, le=10.0, description="value loss coefficient")
    normalize_advantage: bool = Field(True, description="normalise advantages per batch")


class _PPOFields(_OnPolicy):
    batch_size: int = Field(256, ge=2, le=1_000_000, description="minibatch size")
    n_epochs: int = Field(10, ge=1, le=100, description="optimisation epochs per rollout")
    clip_range: Schedule = Field(
        0.2, description="PPO clip range: a number or a schedule")
    target_kl: float | None = Field(None, gt=0.0, description="stop an update early past this KL (none = never)")


class PPOConfig(_PPOFields):
    """Proximal Policy Optimisation (stable-baselines3 PPO)."""

    name: Literal["ppo"] = Field(description="algorithm")


class MaskablePPOConfig(_PPOFields):
    """PPO with invalid-action masking (sb3-contrib MaskablePPO)."""

    name: Literal["maskable_ppo"] = Field(description="algorithm")


class RecurrentPPOConfig(_PPOFields):
    """PPO with an LSTM policy (sb3-contrib RecurrentPPO): the policy can remember the season."""

    name: Literal["recurrent_ppo"] = Field(description="algorithm")


class A2CConfig(_OnPolicy):
    """Advantage actor-critic (stable-baselines3 A2C)."""

    name: Literal["a2c"] = Field(description="algorithm")
    n_steps: int = Field(8, ge=1, le=100_000, description="steps per env per update")
    learning_rate: Schedule = Field(
        7e-4, description="a number, or {kind: constant, value} | {kind: linear, initial, final}")
    use_rms_prop: bool = Field(True, description="RMSprop (SB3 default) instead of Adam")


class DQNConfig(_Algo):
    """Deep Q-Network (stable-baselines3 DQN) over the flattened action space."""

    name: Literal["dqn"] = Field(description="algorithm")
    learning_rate: Schedule = Field(
        1e-4, description="a number, or {kind: constant, value} | {kind: linear, initial, final}")
    max_grad_norm: float = Field(10.0, gt=0.0, description="gradient clipping norm")
    buffer_size: int = Field(100_000, ge=100, le=10_000_000, description="replay buffer size (transitions)")
    learning_starts: int = Field(1000, ge=0, description="transitions collected before learning starts")
    batch_size: int = Field(64, ge=1, le=100_000, description="minibatch size")
    tau: float = Field(1.0, gt=0.0, le=1.0, description="target network soft-update coefficient")
    train_freq: int = Field(4, ge=1, description="env steps (per env) between updates")
    gradient_steps: int = Field(1, ge=-1, description="gradient steps per update (-1: as many as env steps)")
    target_update_interval: int = Field(1000, ge=1, description="env steps between target network updates")
    exploration_fraction: float = Field(0.3, gt=0.0, le=1.0, description="share of training with decaying epsilon")
    exploration_initial_eps: float = Field(1.0, ge=0.0, le=1.0, description="initial epsilon")
    exploration_final_eps: float = Field(0.05, ge=0.0, le=1.0, description="final epsilon")

    @model_validator(mode="after")
    def _flat_arch(self) -> DQNConfig:
        if isinstance(self.policy_kwargs.net_arch, SplitNetArch):
            raise ValueError("policy_kwargs.net_arch: dqn takes a list of widths, not {pi, vf}")
        return self


AlgoConfig = Annotated[
    PPOConfig | A2CConfig | DQNConfig | RecurrentPPOConfig | MaskablePPOConfig, Field(discriminator="name")
]


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
                                                      "none = the defaults (experiments.tune.space)")

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
        from sim.whatif import check_athletes

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


# --------------------------------------------------------------------------- loading
def parse_override(text: str) -> tuple[list[str], Any]:
    """`key.sub=value` -> (["key", "sub"], value parsed as a YAML scalar/flow value)."""
    if "=" not in text:
        raise InputError(f"--set {text!r}: need key.sub=value")
    key, raw = text.split("=", 1)
    path = [p for p in key.strip().split(".")]
    if not key.strip() or any(not p for p in path):
        raise InputError(f"--set {text!r}: the key path {key!r} is empty or has an empty part")
    from sim.strict_yaml import loads

    value = loads(raw, f"--set {text!r}") if raw.strip() else None
    if isinstance(value, str):  # YAML 1.1 reads 1e-3 as text; a number was meant
        for conv in (int, float):
            try:
                return path, conv(value)
            except ValueError:
                pass
    return path, value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """A copy of `data` with each `key.sub=value` set (missing mappings created)."""
    out = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        node: Any = out
        for i, part in enumerate(path[:-1]):
            if isinstance(node, list):
                node = _list_item(node, part, path[: i + 1], text)
                continue
            if not isinstance(node, dict):
                raise InputError(f"--set {text!r}: {'.'.join(path[:i])} is not a mapping")
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        last = path[-1]
        if isinstance(node, list):
            idx = _index(node, last, path, text)
            node[idx] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise InputError(f"--set {text!r}: {'.'.join(path[:-1])} is not a mapping")
    return out


def _index(node: list, part: str, path: list[str], text: str) -> int:
    try:
        idx = int(part)
    except ValueError:
        raise InputError(f"--set {text!r}: {'.'.join(path)}: a list index must be a number") from None
    if not -len(node) <= idx < len(node):
        raise InputError(f"--set {text!r}: {'.'.join(path)}: index out of range (list has {len(node)} items)")
    return idx


def _list_item(node: list, part: str, path: list[str], text: str) -> Any:
    return node[_index(node, part, path, text)]


_KEY_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*): ")


def _format_errors(source: str, err: ValidationError) -> str:
    """One line per problem: source, dotted key path, the value given and what is allowed.

    Union tags (algorithm names, schedule kinds) are dropped from the path; an error saying
    "not a number" for a value that is a valid alternative of a union (a schedule mapping, a
    {pi, vf} net) is dropped when a more specific error exists deeper in the same key.
    Cross-field checks raise "key.path: message", which is joined onto the location.
    """
    errors = err.errors()
    rows = []
    for e in errors:
        # an algorithm name is a union tag under `algo`, but a key under `tune` (tune.ppo.*)
        loc = [str(p) for i, p in enumerate(e["loc"]) if not _is_tag(p) or (i and e["loc"][i - 1] == "tune")]
        rows.append((loc, e))
    lines: list[str] = []
    for loc, e in rows:
        if e["type"].endswith("_type") and any(
            other is not e and loc2[: len(loc)] == loc and len(loc2) > len(loc) for loc2, other in rows
        ):
            continue
        if e["type"].endswith("_type") and any(
            other is not e and loc2 == loc and (other["type"] == "union_tag_invalid"
                                                or not other["type"].endswith("_type")) for loc2, other in rows
        ):
            continue  # the other alternative of a union (a list vs {pi, vf}) failed for a plainer reason
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
            m = _KEY_PREFIX.match(msg)
            if m:
                loc = loc + m.group(1).split(".")
                # a validator naming an absolute path (env.level) must not repeat the prefix
                joined = ".".join(loc)
                for i in range(1, len(loc)):
                    if loc[i:] and ".".join(loc[:i]) == ".".join(loc[i:2 * i]):
                        joined = ".".join(loc[i:])
                loc = joined.split(".")
                msg = msg[m.end():]
        where = ".".join(loc) or "(top level)"
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not allowed here)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] == "union_tag_invalid" and loc and loc[-1] == "algo":
            msg = f"unknown algorithm; allowed: {', '.join(ALGORITHMS)}"
        shown = "" if e["type"] in ("missing", "value_error") else f" (got {e.get('input')!r})"
        line = f"{source}: {where}: {msg}{shown}"
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def _is_tag(part: object) -> bool:
    p = str(part)
    return p in ALGORITHMS or p in ("constant", "linear", "SplitNetArch") or p.startswith(
        ("function-", "tagged-union", "list[", "constrained-", "dict[")) or p in ("float", "int")


def validate(data: object, source: str) -> ExperimentConfig:
    """Validate an already-loaded mapping; InputError naming source, key path and what is allowed."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: the config must be a mapping of keys (got {type(data).__name__})")
    try:
        return ExperimentConfig.model_validate(data)
    except ValidationError as err:
        raise InputError(_format_errors(source, err)) from None


def load_config(path: str | Path, overrides: list[str] | None = None) -> ExperimentConfig:
    """Read `path`, apply `--set` overrides, validate. InputError on any problem."""
    data = load_yaml(path)
    if data is None:
        data = {}
    source = str(path)
    if overrides:
        if not isinstance(data, dict):
            raise InputError(f"{source}: the config must be a mapping of keys (got {type(data).__name__})")
        data = apply_overrides(data, overrides)
        source = f"{path} (with --set {' --set '.join(overrides)})"
    return validate(data, source)


def to_yaml(cfg: ExperimentConfig) -> str:
    """The resolved config, every default filled in (reloads to the same config)."""
    return yaml.safe_dump(resolved(cfg), sort_keys=False)


def resolved(cfg: ExperimentConfig) -> dict[str, Any]:
    """The config as plain data; an unset `tune:` section is left out, so a training config's logged
    config.yaml and params are what they were before `stridelab tune` existed."""
    return cfg.model_dump(mode="json", exclude={"tune"} if cfg.tune is None else None)


def flatten(cfg: ExperimentConfig) -> dict[str, str]:
    """Dotted key -> value string, for MLflow params."""
    out: dict[str, str] = {}

    def walk(prefix: str, v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}.{k}" if prefix else str(k), x)
        else:
            out[prefix] = str(v)

    walk("", resolved(cfg))
    return out
