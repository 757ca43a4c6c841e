"""The experiment config: one typed, validated description of a training run.

A YAML file is read with `safe_load`, `--set key.sub=value` overrides are applied to the raw
mapping (each value parsed as a YAML scalar), and the result is validated here as a whole,
before anything else happens (no MLflow run is created for a config that does not validate).
Every model forbids unknown keys; hyperparameters are typed per algorithm and passed to SB3
only after validation. Learning-rate schedules and network shapes are data, never code
strings (RL Zoo's `policy_kwargs: "dict(...)"` goes through `eval`; we do not).

- `algorithms`: the `algo:` section (schedules, network shapes, one model per SB3 algorithm);
- `search`: the `tune:` section, the search space of `stridelab tune` as data (`experiments.tune`
  samples it; the config never imports `experiments.tune`);
- `experiment`: `ExperimentConfig` and its evaluation, checkpoint, normalisation and MLflow sections;
- `loading`: YAML and `--set` overrides in, validated config out; YAML and MLflow params back;
- `errors`: pydantic's errors as one line per problem (key path, value, what is allowed).

This package imports only `sim`, `envs` and pydantic: every other part of `experiments` may import it.
"""

from experiments.config.algorithms import (
    ACTIVATIONS,
    ALGORITHMS,
    BASELINE_NAMES,
    MAX_LAYERS,
    MAX_NET_PARAMS,
    TEMPLATE_NAMES,
    A2CConfig,
    AlgoConfig,
    ConstantSchedule,
    DQNConfig,
    LinearSchedule,
    MaskablePPOConfig,
    PolicyKwargs,
    PPOConfig,
    RecurrentPPOConfig,
    Schedule,
    SplitNetArch,
    _Linear,  # noqa: F401 (models saved before the package split pickled their schedule as experiments.config._Linear)
    make_schedule,
)
from experiments.config.experiment import (
    CheckpointConfig,
    EvalConfig,
    ExperimentConfig,
    MlflowConfig,
    NormalizeConfig,
)
from experiments.config.loading import (
    apply_overrides,
    flatten,
    load_config,
    parse_override,
    resolved,
    to_yaml,
    validate,
)
from experiments.config.search import TuneConfig

__all__ = [
    "ACTIVATIONS", "ALGORITHMS", "BASELINE_NAMES", "MAX_LAYERS", "MAX_NET_PARAMS", "TEMPLATE_NAMES", "A2CConfig",
    "AlgoConfig", "ConstantSchedule", "DQNConfig", "LinearSchedule", "MaskablePPOConfig", "PolicyKwargs", "PPOConfig",
    "RecurrentPPOConfig", "Schedule", "SplitNetArch", "make_schedule", "CheckpointConfig", "EvalConfig",
    "ExperimentConfig", "MlflowConfig", "NormalizeConfig", "apply_overrides", "flatten", "load_config",
    "parse_override", "resolved", "to_yaml", "validate", "TuneConfig",
]
