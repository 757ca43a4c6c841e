"""Gymnasium environments of StrideLab: a runner's season planned week by week.

Importing `envs` registers `stridelab/StrengthRun-v0` (`StrengthRunEnv`); `StrengthRunVecEnv`
steps many athletes in one numba call as a Stable-Baselines3 `VecEnv`. Both are built from one
`EnvConfig` (or its fields as keywords); `FixedAthletes` gives the batched env's rows given athletes.
"""

from pathlib import Path

import gymnasium

from envs import actions, athletes, config, core, observation, reward, rules
from envs.athletes import FixedAthletes
from envs.config import EnvConfig, HardLimits, ObservationNoise, RewardWeights
from envs.strength_run import StrengthRunEnv
from sim import _jitcache

# numba keys a cached kernel on its own file only; `core`'s kernels inline `actions` / `rules` /
# `observation` / `reward` code and `config` layouts, so their sources join the fingerprint and an
# edit here (a new limit, a longer ctrl row) flushes them like a simulator edit does.
_jitcache.refresh(
    (actions, athletes, core, observation, reward, rules),
    Path(__file__).parent / "__pycache__" / "sim_sources.sha256",
    sources=(actions, athletes, config, core, observation, reward, rules),
)

ENV_ID = "stridelab/StrengthRun-v0"

if ENV_ID not in gymnasium.registry:
    gymnasium.register(id=ENV_ID, entry_point="envs.strength_run:StrengthRunEnv")


def __getattr__(name: str):
    # The batched env imports Stable-Baselines3 (and torch, ~5 s); `gymnasium.make` should not pay that.
    if name == "StrengthRunVecEnv":
        from envs.vec_env import StrengthRunVecEnv

        return StrengthRunVecEnv
    raise AttributeError(f"module 'envs' has no attribute {name!r}")


__all__ = [
    "ENV_ID",
    "EnvConfig",
    "FixedAthletes",
    "HardLimits",
    "ObservationNoise",
    "RewardWeights",
    "StrengthRunEnv",
    "StrengthRunVecEnv",
]
