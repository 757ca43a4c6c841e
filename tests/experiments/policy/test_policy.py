"""Trusted loading (issue 15, point 2): an SB3 zip is a pickle, so a model file is loaded only with
--trust (models of the project's MLflow store need none); normalisation statistics are plain arrays
(.npz, read without pickle); a damaged model file is a clean error (point 4)."""

from __future__ import annotations

import base64
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from experiments.cli import main
from experiments.policy import (
    load_model_file,
    load_sb3,
    load_vecnormalize,
    restore_vecnormalize,
    save_vecnormalize,
)
from sim.errors import InputError

EXPORT = ["export", "--level", "intermediate", "--start", "2027-03-01", "--race", "2027-04-25"]


class Payload:
    """Unpickling this creates the folder `marker`: proof that loading ran code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def evil_zip(path: Path, marker: Path) -> Path:
    """An SB3-looking zip whose `data` holds a serialized (pickled) object, as SB3 stores its policy class."""
    blob = base64.b64encode(pickle.dumps(Payload(marker))).decode()
    data = {"policy_class": {":type:": "<class 'abc.ABCMeta'>", ":serialized:": blob}, "clip_range": 0.2}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data", json.dumps(data))
    return path


@pytest.fixture(scope="module")
def clean_model(tmp_path_factory):
    """A real (untrained) PPO on the batched env with VecNormalize, saved like `stridelab train` does."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecNormalize

    from envs import StrengthRunVecEnv

    folder = tmp_path_factory.mktemp("model")
    venv = VecNormalize(StrengthRunVecEnv(4, seed=0, season_weeks=8, athlete_pool=16), norm_reward=False)
    venv.reset()
    for _ in range(3):
        venv.step(np.tile(venv.action_space.sample(), (4, 1)))
    model = PPO("MlpPolicy", venv, n_steps=8, batch_size=32, policy_kwargs={"net_arch": [8]}, device="cpu", seed=0)
    model.save(str(folder / "policy.zip"))
    save_vecnormalize(venv, folder / "vecnormalize.npz")
    return folder, venv


def test_a_model_file_is_not_loaded_without_trust(tmp_path, capsys):
    marker = tmp_path / "ran"
    evil = evil_zip(tmp_path / "evil.zip", marker)
    with pytest.raises(InputError, match=r"--model: .*evil\.zip' is not loaded without --trust: an SB3 model file"):
        load_model_file(evil)
    assert main([*EXPORT, "--model", str(evil)]) == 2
    assert "--trust" in capsys.readouterr().err
    assert not marker.exists()
    # the payload is real: trusting the file runs it (which is why --trust exists)
    with pytest.raises(InputError):
        load_model_file(evil, trust=True)
    assert marker.is_dir()


def test_pickled_statistics_beside_a_trusted_model_are_never_loaded(clean_model, tmp_path):
    folder, _ = clean_model
    model = tmp_path / "policy.zip"
    model.write_bytes((folder / "policy.zip").read_bytes())
    marker = tmp_path / "ran"
    (tmp_path / "vecnormalize.pkl").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(InputError, match=r"vecnormalize\.pkl.*pickled statistics.*vecnormalize\.npz"):
        load_model_file(model, trust=True)
    assert not marker.exists()


def test_statistics_round_trip_as_arrays(clean_model, tmp_path):
    from stable_baselines3.common.vec_env import VecNormalize

    from envs import StrengthRunVecEnv

    folder, venv = clean_model
    with np.load(folder / "vecnormalize.npz", allow_pickle=False) as z:  # plain arrays, no object arrays
        assert z["obs_mean"].dtype == np.float64
    fresh = VecNormalize(StrengthRunVecEnv(4, seed=1, season_weeks=8, athlete_pool=16), norm_reward=False)
    restore_vecnormalize(fresh, load_vecnormalize(folder / "vecnormalize.npz", venv.obs_rms.mean.size))
    for a, b in ((fresh.obs_rms, venv.obs_rms), (fresh.ret_rms, venv.ret_rms)):
        assert np.array_equal(a.mean, b.mean) and np.array_equal(a.var, b.var) and a.count == b.count
    # the trusted model predicts with those statistics
    pol = load_model_file(folder / "policy.zip", trust=True)
    assert np.array_equal(pol.predictor.obs_rms.mean, venv.obs_rms.mean)
    # a pickle under the .npz name is refused, not unpickled
    bad = tmp_path / "vecnormalize.npz"
    bad.write_bytes(pickle.dumps(Payload(tmp_path / "ran")))
    with pytest.raises(InputError, match="not a StrideLab normalisation file"):
        load_vecnormalize(bad)
    assert not (tmp_path / "ran").exists()


def test_a_damaged_model_zip_is_a_clean_error(clean_model, tmp_path):
    """Issue 15, point 4: a corrupt model zip ended in a KeyError or PytorchStreamReader traceback."""
    folder, _ = clean_model
    with zipfile.ZipFile(folder / "policy.zip") as src, zipfile.ZipFile(tmp_path / "cut.zip", "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data[: len(data) // 2] if item.filename.endswith(".pth") else data)
    with pytest.raises(InputError, match=r"model: .*cut\.zip: not a readable ppo model"):
        load_sb3("ppo", tmp_path / "cut.zip")


def test_a_policy_trained_on_an_older_observation_space_is_a_clean_error(tmp_path):
    """A policy saved when the env observed fewer values (19 before the coach limits' two) is refused
    by name, shape and what is allowed, not fed observations it was never trained on."""
    import gymnasium as gym
    from stable_baselines3 import PPO

    from envs.actions import action_space as space_of
    from envs.observation import OBS_SIZE
    from experiments.policy import Predictor

    class Old(gym.Env):
        observation_space = gym.spaces.Box(-1.0, 1.0, (OBS_SIZE - 2,), np.float32)
        action_space = space_of("strength_and_run")

    PPO("MlpPolicy", Old(), n_steps=8, batch_size=8, device="cpu").save(tmp_path / "old.zip")
    want = rf"trained on observations of shape \({OBS_SIZE - 2},\); allowed: \({OBS_SIZE},\)"
    with pytest.raises(InputError, match=want):
        Predictor.load(tmp_path / "old.zip", None, "ppo", "strength_and_run")


def test_a_policy_trained_on_an_older_action_space_is_a_clean_error(tmp_path):
    """A strength_and_run policy saved before the `sets` component (7 components) is refused by name,
    the shape it had and the one allowed (issue 22, item 3)."""
    import gymnasium as gym
    from stable_baselines3 import PPO

    from envs.actions import action_nvec
    from envs.observation import OBS_SIZE
    from experiments.policy import Predictor

    class Old(gym.Env):
        observation_space = gym.spaces.Box(-1.0, 1.0, (OBS_SIZE,), np.float32)
        action_space = gym.spaces.MultiDiscrete(list(action_nvec("strength_and_run")[:-1]))

    PPO("MlpPolicy", Old(), n_steps=8, batch_size=8, device="cpu").save(tmp_path / "old.zip")
    with pytest.raises(InputError, match=r"trained on actions \(4, 5, 3, 3, 9, 4, 8\); allowed: .*sets"):
        Predictor.load(tmp_path / "old.zip", None, "ppo", "strength_and_run")


def test_a_trusted_model_with_nan_weights_is_refused_by_name(clean_model, tmp_path):
    """Issue 25, item 15: a diverged model is an InputError naming the weights, not a traceback later."""
    import torch
    from stable_baselines3 import PPO

    folder, _ = clean_model
    model = PPO.load(str(folder / "policy.zip"), device="cpu")
    name, weights = next(iter(model.policy.named_parameters()))
    with torch.no_grad():
        weights.fill_(float("nan"))
    bad = tmp_path / "diverged.zip"
    model.save(str(bad))
    with pytest.raises(InputError, match=rf"weights '{name}' hold NaN or inf"):
        load_model_file(bad, trust=True)
