"""What a model was trained for is saved inside its zip and read back, never inferred (issue 21, item 2):
the metadata round-trips, SB3 still loads the zip, the loaders set `action_scope` and `env_kwargs` from
it, a model without it takes the documented fallback, and damaged metadata is refused by name."""

from __future__ import annotations

import zipfile

import pytest

from envs.config import env_config
from experiments.config import validate
from experiments.policy import (
    META_NAME,
    harness_env_kwargs,
    load_model_file,
    policy_meta,
    read_meta,
    write_meta,
)
from sim.errors import InputError

CFG = {"name": "t", "algo": {"name": "ppo", "n_steps": 8, "batch_size": 16, "policy_kwargs": {"net_arch": [8]}},
       "total_timesteps": 1000, "n_envs": 2,
       "env": {"action_scope": "strength_and_run", "season_weeks": 8, "athlete_pool": 16,
               "limits": {"max_strength_sessions": 2, "no_lifting_before_key": True}}}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    from stable_baselines3 import PPO

    from envs import StrengthRunVecEnv

    cfg = validate(CFG, "test")
    folder = tmp_path_factory.mktemp("model")
    venv = StrengthRunVecEnv(2, seed=0, **cfg.env.model_dump())
    model = PPO("MlpPolicy", venv, n_steps=8, batch_size=16, policy_kwargs={"net_arch": [8]}, device="cpu", seed=0)
    path = folder / "policy.zip"
    model.save(str(path))
    write_meta(path, policy_meta(cfg))
    return cfg, path


def test_the_metadata_round_trips_and_sb3_still_loads_the_zip(saved):
    from stable_baselines3 import PPO

    cfg, path = saved
    meta = read_meta(path)
    assert meta is not None and meta.algo == "ppo" and meta.action_scope == "strength_and_run"
    assert meta.limits["max_strength_sessions"] == 2 and meta.limits["no_lifting_before_key"] is True
    assert meta.season_weeks == 8 and "season_weeks" not in meta.env_kwargs  # a population key, not a decision
    # the JSON kwargs build the same env config as the validated config's own
    assert env_config(**meta.env_kwargs) == env_config(**harness_env_kwargs(cfg))
    PPO.load(str(path), device="cpu")  # the extra member is ignored by SB3
    write_meta(path, meta)  # writing again replaces it, never a second member
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist().count(META_NAME) == 1


def test_the_file_loader_sets_scope_and_env_kwargs_from_the_metadata(saved):
    cfg, path = saved
    pol = load_model_file(path, trust=True)
    assert pol.action_scope == "strength_and_run" and pol.source == META_NAME
    assert pol.env_kwargs == policy_meta(cfg).env_kwargs and pol.limits["max_strength_sessions"] == 2
    assert pol.predictor.action_scope == "strength_and_run" and pol.predictor.env_kwargs == pol.env_kwargs


def test_a_model_without_metadata_takes_the_documented_fallback(saved, tmp_path):
    _, path = saved
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            if item.filename != META_NAME:
                dst.writestr(item, src.read(item.filename))
    assert read_meta(old) is None
    pol = load_model_file(old, trust=True)
    assert pol.action_scope == "strength_and_run" and pol.env_kwargs == {} and "without metadata" in pol.source


def test_damaged_metadata_is_refused_by_name(saved, tmp_path):
    _, path = saved
    bad = tmp_path / "bad.zip"
    bad.write_bytes(path.read_bytes())
    with zipfile.ZipFile(bad) as src, zipfile.ZipFile(tmp_path / "b2.zip", "w") as dst:
        for item in src.infolist():
            if item.filename != META_NAME:
                dst.writestr(item, src.read(item.filename))
        dst.writestr(META_NAME, '{"format": 99}')
    with pytest.raises(InputError, match=r"stridelab\.json is not StrideLab model metadata.*format 1"):
        read_meta(tmp_path / "b2.zip")
