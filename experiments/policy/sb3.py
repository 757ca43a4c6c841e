"""A saved SB3 model as a policy: the algorithms, loading a model file (refusing damaged ones), the
normalisation statistics as plain arrays, and the `Predictor` that runs a model like any policy."""

from __future__ import annotations

import importlib
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces

from envs.actions import ACTION_NAMES, action_nvec
from envs.observation import OBS_SIZE
from experiments.io import atomic_path
from sim.errors import InputError

ALGO_CLASSES = {
    "ppo": ("stable_baselines3", "PPO", "MlpPolicy"),
    "a2c": ("stable_baselines3", "A2C", "MlpPolicy"),
    "dqn": ("stable_baselines3", "DQN", "MlpPolicy"),
    "recurrent_ppo": ("sb3_contrib", "RecurrentPPO", "MlpLstmPolicy"),
    "maskable_ppo": ("sb3_contrib", "MaskablePPO", "MlpPolicy"),
}
VECNORM_NAME = "vecnormalize.npz"  # arrays only: never a pickle (issue 15, point 2)


def algo_class(name: str):
    mod, cls, _ = ALGO_CLASSES[name]
    return getattr(importlib.import_module(mod), cls)

# --------------------------------------------------------------------------- normalisation statistics
# SB3's VecNormalize.save pickles the whole wrapper, and unpickling runs whatever the file says.
# StrideLab stores only the running statistics, as plain arrays in an .npz (read with
# allow_pickle=False), and restores them into a VecNormalize built from the validated config.
_RMS_KEYS = ("obs_mean", "obs_var", "obs_count", "ret_mean", "ret_var", "ret_count")
_SCALAR_KEYS = ("clip_obs", "clip_reward", "epsilon", "gamma", "norm_obs", "norm_reward")


def save_vecnormalize(venv, path: str | Path) -> Path:
    """The running statistics of a VecNormalize as arrays in `path` (.npz, written atomically)."""
    arrays = {
        "obs_mean": np.asarray(venv.obs_rms.mean, dtype=np.float64),
        "obs_var": np.asarray(venv.obs_rms.var, dtype=np.float64),
        "obs_count": np.float64(venv.obs_rms.count),
        "ret_mean": np.asarray(venv.ret_rms.mean, dtype=np.float64),
        "ret_var": np.asarray(venv.ret_rms.var, dtype=np.float64),
        "ret_count": np.float64(venv.ret_rms.count),
        "clip_obs": np.float64(venv.clip_obs),
        "clip_reward": np.float64(venv.clip_reward),
        "epsilon": np.float64(venv.epsilon),
        "gamma": np.float64(venv.gamma),
        "norm_obs": np.bool_(venv.norm_obs),
        "norm_reward": np.bool_(venv.norm_reward),
    }
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, **arrays)
    return Path(path)


def load_vecnormalize(path: str | Path, obs_size: int | None = None) -> dict[str, np.ndarray]:
    """Statistics saved by `save_vecnormalize`; InputError for anything else (never unpickles)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            d = {k: np.array(z[k]) for k in (*_RMS_KEYS, *_SCALAR_KEYS)}
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as err:
        raise InputError(f"vecnormalize: {path}: not a StrideLab normalisation file ({type(err).__name__}); "
                         f"allowed: an .npz with {', '.join(_RMS_KEYS + _SCALAR_KEYS)}") from None
    for k, v in d.items():
        if v.dtype.kind not in "fib" or not np.isfinite(v.astype(np.float64)).all():
            raise InputError(f"vecnormalize: {path}: {k} is not finite numbers")
    if d["obs_mean"].shape != d["obs_var"].shape or (obs_size is not None and d["obs_mean"].shape != (obs_size,)):
        raise InputError(f"vecnormalize: {path}: obs_mean has shape {d['obs_mean'].shape}; allowed: "
                         f"({obs_size},) as the observation space")
    if (d["obs_var"] < 0).any() or (d["ret_var"] < 0).any():
        raise InputError(f"vecnormalize: {path}: a variance is negative")
    return d


def restore_vecnormalize(venv, stats: dict[str, np.ndarray]) -> None:
    """Put saved statistics into a live VecNormalize (built from the same config)."""
    venv.obs_rms.mean = stats["obs_mean"].astype(np.float64).copy()
    venv.obs_rms.var = stats["obs_var"].astype(np.float64).copy()
    venv.obs_rms.count = float(stats["obs_count"])
    venv.ret_rms.mean = stats["ret_mean"].astype(np.float64).copy()
    venv.ret_rms.var = stats["ret_var"].astype(np.float64).copy()
    venv.ret_rms.count = float(stats["ret_count"])


class _Stats:
    """The obs_rms shape Predictor.normalize reads (mean, var)."""

    def __init__(self, mean: np.ndarray, var: np.ndarray) -> None:
        self.mean, self.var = mean, var


def load_sb3(algo: str, path: str | Path, **kwargs):
    """`algo_class(algo).load(path)` with a clean InputError for a damaged or foreign file.

    SB3 model files are zips holding pickles: call this only for the project's MLflow store,
    the project's own checkpoints, or a file the user passed with --trust.
    """
    try:
        model = algo_class(algo).load(str(path), device="cpu", **kwargs)
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 (KeyError, PytorchStreamReader, zipfile, pickle errors)
        text = " ".join(str(err).split())[:200]
        raise InputError(f"model: {path}: not a readable {algo} model saved by stable-baselines3 "
                         f"({type(err).__name__}: {text})") from None
    # a diverged or damaged model predicts NaN actions: refuse it by name (issue 25, item 15)
    for name, weights in model.policy.named_parameters():
        if not bool(weights.detach().isfinite().all()):
            raise InputError(f"model: {path}: weights {name!r} hold NaN or inf; a policy needs finite weights "
                             "(a diverged or damaged model)")
    return model


# --------------------------------------------------------------------------- a trained policy
def unflatten_actions(flat: np.ndarray, nvec: np.ndarray) -> np.ndarray:
    """(n,) row-major flat indices -> (n, len(nvec)) MultiDiscrete actions."""
    return np.stack(np.unravel_index(np.asarray(flat, dtype=np.int64).reshape(-1), tuple(nvec)), axis=1)


class Predictor:
    """A trained SB3 model as a plain policy: normalises observations with the saved VecNormalize
    statistics, unflattens DQN actions, and carries the LSTM state of recurrent policies.

    `predict(obs, state, episode_start, deterministic)` has SB3's signature, so the evaluation
    harness and the exporters treat it like any model.
    """

    def __init__(self, model, obs_rms=None, clip_obs: float = 10.0, epsilon: float = 1e-8,
                 nvec: np.ndarray | None = None, action_scope: str = "strength",
                 env_kwargs: dict[str, Any] | None = None) -> None:
        self.model = model
        #: what it was trained for (`experiments.policy.saved`): read by the rollout, never inferred
        self.env_kwargs: dict[str, Any] = dict(env_kwargs or {})
        self.obs_rms = obs_rms
        self.clip_obs = clip_obs
        self.epsilon = epsilon
        self.nvec = nvec
        self.action_scope = action_scope
        self.recurrent = type(model).__name__ == "RecurrentPPO"
        self.masked = type(model).__name__ == "MaskablePPO"
        self._state = None
        space = model.action_space
        if nvec is not None:
            space = spaces.MultiDiscrete(nvec)
        self.action_space = space
        self.observation_space = model.observation_space

    def normalize(self, obs: np.ndarray) -> np.ndarray:
        if self.obs_rms is None:
            return obs
        o = (obs - self.obs_rms.mean) / np.sqrt(self.obs_rms.var + self.epsilon)
        return np.clip(o, -self.clip_obs, self.clip_obs).astype(np.float32)

    def reset(self) -> None:
        self._state = None

    def predict(self, observation, state=None, episode_start=None, deterministic: bool = True,
                action_masks: np.ndarray | None = None):
        obs = self.normalize(np.asarray(observation, dtype=np.float32))
        if self.masked:
            actions, state = self.model.predict(obs, deterministic=deterministic, action_masks=action_masks)
            return actions, state
        if self.recurrent:
            if state is None:
                state = self._state
            n = obs.shape[0] if obs.ndim > 1 else 1
            if episode_start is None:
                episode_start = np.full(n, state is None, dtype=bool)
            actions, state = self.model.predict(obs, state=state, episode_start=episode_start,
                                                deterministic=deterministic)
            self._state = state
        else:
            actions, state = self.model.predict(obs, deterministic=deterministic)
        if self.nvec is not None:
            actions = unflatten_actions(actions, self.nvec)
            if np.asarray(observation).ndim == 1:
                actions = actions[0]
        return actions, state

    @classmethod
    def load(cls, policy_zip: str | Path, vecnormalize: str | Path | None, algo: str,
             action_scope: str, env_kwargs: dict[str, Any] | None = None) -> Predictor:
        """Load a saved policy (and its VecNormalize statistics, .npz) on the CPU. Trusted files only:
        an SB3 zip is a pickle (see `load_sb3`)."""
        model = load_sb3(algo, policy_zip)
        if tuple(model.observation_space.shape) != (OBS_SIZE,):
            raise InputError(
                f"policy: {policy_zip}: trained on observations of shape {tuple(model.observation_space.shape)}; "
                f"allowed: ({OBS_SIZE},), what this StrideLab observes (the observation space grew since; "
                "retrain with stridelab train)")
        check_action_space(model, action_scope, policy_zip)
        obs_rms, clip, eps = None, 10.0, 1e-8
        if vecnormalize is not None and Path(vecnormalize).is_file():
            size = int(np.prod(model.observation_space.shape))
            st = load_vecnormalize(vecnormalize, size)
            if bool(st["norm_obs"]):
                obs_rms = _Stats(st["obs_mean"], st["obs_var"])
                clip, eps = float(st["clip_obs"]), float(st["epsilon"])
        nvec = None
        if algo == "dqn":
            nvec = np.asarray(action_nvec(action_scope), dtype=np.int64)
        return cls(model, obs_rms, clip, eps, nvec, action_scope, env_kwargs)


def check_action_space(model: Any, action_scope: str, where: object) -> None:
    """InputError unless `model` acts in this StrideLab's action space for `action_scope` (a model
    saved before a component was added, e.g. the strength_and_run `sets`, is refused by name)."""
    want = action_nvec(action_scope)
    space = model.action_space
    nvec = getattr(space, "nvec", None)
    got = tuple(int(v) for v in nvec) if nvec is not None else (int(getattr(space, "n", 0)),)
    ok = got == want if nvec is not None else got[0] == int(np.prod(want))
    if not ok:
        raise InputError(
            f"policy: {where}: trained on actions {got}; allowed: {want} for action_scope {action_scope!r} "
            f"({', '.join(ACTION_NAMES[: len(want)])}; the action space grew since; retrain with stridelab train)")


def detect_algo(path: str | Path) -> str:
    """The algorithm an SB3 .zip was saved by, from its `data` entry (policy class and fields)."""
    try:
        with zipfile.ZipFile(path) as zf:
            data = json.loads(zf.read("data"))
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(
            f"model: {path} is not a stable-baselines3 model file (.zip saved by model.save)"
        ) from None
    module = str(data.get("policy_class", {}).get("__module__", ""))
    if "recurrent" in module:
        return "recurrent_ppo"
    if "maskable" in module:
        return "maskable_ppo"
    if "dqn" in module or "exploration_rate" in data:
        return "dqn"
    if "clip_range" in data:
        return "ppo"
    return "a2c"
