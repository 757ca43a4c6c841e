"""Stable-Baselines3 trains on the envs without adapters (tiny runs: they check the plumbing)."""

from __future__ import annotations

import numpy as np
import torch

from envs import StrengthRunEnv
from envs.vec_env import StrengthRunVecEnv

torch.set_num_threads(1)


def _params(model) -> np.ndarray:
    return torch.nn.utils.parameters_to_vector(model.policy.parameters()).detach().numpy().copy()


def test_ppo_trains_on_the_batched_env():
    from stable_baselines3 import PPO

    vec = StrengthRunVecEnv(32, seed=0, season_weeks=8, action_scope="strength_and_run", athlete_pool=128)
    model = PPO("MlpPolicy", vec, n_steps=32, batch_size=256, n_epochs=2, seed=0, device="cpu")
    before = _params(model)
    model.learn(total_timesteps=2048)
    assert model.num_timesteps >= 2048
    assert not np.allclose(before, _params(model))
    assert len(model.ep_info_buffer) == 0 or all(np.isfinite(e["r"]) for e in model.ep_info_buffer)
    actions, _ = model.predict(vec.reset(), deterministic=True)
    assert actions.shape == (32, 8) and all(vec.action_space.contains(a) for a in actions)


def test_maskable_ppo_never_breaks_the_hard_limits():
    from sb3_contrib import MaskablePPO

    limits = {"max_strength_sessions": 1, "no_lifting_before_key": True, "max_effort": "moderate"}
    env = StrengthRunEnv(season_weeks=8, limits=limits, athlete_pool=64)
    model = MaskablePPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    assert model.num_timesteps >= 256
    obs, _ = env.reset(seed=1)
    for _ in range(8):
        action, _ = model.predict(obs, action_masks=env.action_masks(), deterministic=False)
        assert action[0] <= 1 and action[2] <= 1 and action[3] != 2
        obs, _, term, trunc, _ = env.step(action)
    assert term


def test_maskable_ppo_reads_batched_masks():
    from sb3_contrib import MaskablePPO

    vec = StrengthRunVecEnv(16, seed=0, season_weeks=6, athlete_pool=64, limits={"max_strength_sessions": 2})
    model = MaskablePPO("MlpPolicy", vec, n_steps=16, batch_size=128, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=256)
    actions, _ = model.predict(vec.reset(), action_masks=vec.action_masks())
    assert actions.shape == (16, 4) and np.all(actions[:, 0] <= 2)
