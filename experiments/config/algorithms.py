"""The algorithm section of the experiment config: SB3 hyperparameters typed per algorithm,
learning-rate and clip-range schedules as data (a number, constant or linear), network shapes
bounded before any run exists (issue 15, point 5).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

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
        import torch.nn as nn  # lazy: torch takes 1.6 s to import; validating a config needs none of it

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
