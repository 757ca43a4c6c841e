"""A trained policy, wherever it comes from: the SB3 algorithms, the `Predictor` that runs a saved
model like any policy, what it was trained for (saved with it), and the loaders for a model file,
an MLflow training run or a named baseline.

    >>> policy = load_run_policy(run_id)          # or load_model_file("policy.zip"), load_baseline("advanced")
    >>> plans = rollout_env_plans(policy, cohort, policy.season_weeks, policy.env_kwargs)

- `sb3`: the algorithms, model files (damaged ones refused), normalisation statistics as arrays, `Predictor`;
- `saved`: the metadata saved inside a model zip (action scope, limits, env settings) and the env settings
  of a config;
- `loading`: `LearnedPolicy` and the loaders.

The core that training (`experiments.training`), the pyfunc model (`experiments.serving`), the
comparison (`experiments.report`) and the exporters (`experiments.plans`, `experiments.cli.export`)
share; it imports none of them.
"""

from experiments.policy.loading import (
    CONFIG,
    LEGACY_VECNORM,
    POLICY_ZIP,
    TRUST_NOTE,
    VECNORM,
    LearnedPolicy,
    load_baseline,
    load_model_file,
    load_run_policy,
    rollout_env_plans,
)
from experiments.policy.saved import (
    META_NAME,
    SavedPolicy,
    env_kwargs,
    harness_env_kwargs,
    policy_meta,
    read_meta,
    write_meta,
)
from experiments.policy.sb3 import (
    ALGO_CLASSES,
    VECNORM_NAME,
    Predictor,
    algo_class,
    detect_algo,
    load_sb3,
    load_vecnormalize,
    restore_vecnormalize,
    save_vecnormalize,
    unflatten_actions,
)

__all__ = [
    "CONFIG", "LEGACY_VECNORM", "POLICY_ZIP", "TRUST_NOTE", "VECNORM", "LearnedPolicy", "load_baseline",
    "load_model_file", "load_run_policy", "rollout_env_plans", "META_NAME", "SavedPolicy", "env_kwargs",
    "harness_env_kwargs", "policy_meta", "read_meta", "write_meta", "ALGO_CLASSES", "VECNORM_NAME", "Predictor",
    "algo_class", "detect_algo", "load_sb3", "load_vecnormalize", "restore_vecnormalize", "save_vecnormalize",
    "unflatten_actions",
]
