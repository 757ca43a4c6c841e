"""Sampling the search space of `stridelab tune` (declared as data in `experiments.config.search`):
Optuna's suggestions, the config's own point of the space, and the sampled values set into a raw
config mapping."""

from __future__ import annotations

import copy
from typing import Any

from experiments.config.search import FloatRange, IntRange, Space

#: space field -> path in the config (everything else is a field of `algo`)
_PATHS = {"net_arch": ("algo", "policy_kwargs", "net_arch"), "activation": ("algo", "policy_kwargs", "activation")}


def config_path(name: str) -> tuple[str, ...]:
    return _PATHS.get(name, ("algo", name))


def suggest(trial: Any, space: Space) -> dict[str, Any]:
    """Sample every searched field with `trial` (an optuna.Trial); name -> value.

    Choices of lists (network shapes) are sampled by index label ("64x64"), since Optuna's
    categorical values must be scalars."""
    out: dict[str, Any] = {}
    for name, rng in space.ranges().items():
        if isinstance(rng, FloatRange):
            out[name] = trial.suggest_float(name, rng.low, rng.high, log=rng.log)
        elif isinstance(rng, IntRange):
            out[name] = trial.suggest_int(name, rng.low, rng.high, log=rng.log)
        elif rng and isinstance(rng[0], list):
            labels = {arch_label(a): a for a in rng}
            out[name] = labels[trial.suggest_categorical(name, list(labels))]
        else:
            out[name] = trial.suggest_categorical(name, list(rng))
    return out


def arch_label(arch: list[int]) -> str:
    return "x".join(str(w) for w in arch)


def from_params(params: dict[str, Any], space: Space) -> dict[str, Any]:
    """Optuna's stored params (network shapes as labels) -> config values."""
    out = dict(params)
    for name, rng in space.ranges().items():
        if isinstance(rng, list) and rng and isinstance(rng[0], list) and name in out:
            out[name] = [int(w) for w in str(out[name]).split("x")]
    return out


def config_params(cfg: Any, space: Space) -> dict[str, Any]:
    """The config's own hyperparameters as Optuna params, for those inside the space (the first trial
    of a new study runs them, so the study starts from the hand-set config). A schedule, a value
    outside its range or not among the choices is left to the sampler."""
    out: dict[str, Any] = {}
    data = cfg.model_dump(mode="json")
    for name, rng in space.ranges().items():
        node: Any = data
        for part in config_path(name):
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):  # a schedule: only a constant one is a point of the space
            node = node.get("value") if node.get("kind") == "constant" else None
        if node is None:
            continue
        if isinstance(rng, FloatRange | IntRange):
            if not isinstance(node, bool) and isinstance(node, int | float) and rng.low <= node <= rng.high:
                out[name] = node
        elif rng and isinstance(rng[0], list):
            if node in rng:
                out[name] = arch_label(node)
        elif node in rng:
            out[name] = node
    return out


def apply(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of the raw config mapping with the sampled values set; PPO's minibatch clamped to one
    rollout (SB3 needs batch_size <= n_steps * n_envs)."""
    out = copy.deepcopy(data)
    for name, value in values.items():
        node = out
        *parents, last = config_path(name)
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    algo = out.get("algo", {})
    if "batch_size" in values and algo.get("name") in ("ppo", "maskable_ppo", "recurrent_ppo"):
        rollout = int(algo.get("n_steps", 52)) * int(out.get("n_envs", 64))
        algo["batch_size"] = min(int(algo["batch_size"]), rollout)
    return out
