"""The training environments: the batched env of one seed wrapped for SB3 (monitor, the expected-injury
reward, DQN's flat actions, normalisation), the thread counts, and the live model as a policy."""

from __future__ import annotations

import numba
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.vec_env import VecEnvWrapper, VecMonitor, VecNormalize

from envs import StrengthRunVecEnv
from experiments.config import ExperimentConfig
from experiments.policy import Predictor, env_kwargs, harness_env_kwargs, unflatten_actions
from experiments.training.injury import mean_injury_days
from sim.state import M_HAZARD, M_INJURED_DAYS


def set_threads(cfg: ExperimentConfig) -> None:
    """torch and numba thread counts for training (see ExperimentConfig.numba_threads)."""
    torch.set_num_threads(cfg.torch_threads)
    numba.set_num_threads(min(cfg.numba_threads, numba.config.NUMBA_NUM_THREADS))


def make_train_env(cfg: ExperimentConfig, seed: int):
    """The batched training env for one seed, wrapped for SB3 (monitor, DQN flattening, normalisation)."""
    venv = StrengthRunVecEnv(cfg.n_envs, seed=seed, **env_kwargs(cfg))
    if cfg.injury_reward == "expected_days":
        venv = ExpectedInjuryReward(venv, cfg.env.reward.injury_day)
    venv = VecMonitor(venv)
    if cfg.algo.name == "dqn":
        venv = FlatDiscreteVecEnv(venv)
    if cfg.normalize.observations or cfg.normalize.rewards:
        venv = VecNormalize(venv, norm_obs=cfg.normalize.observations, norm_reward=cfg.normalize.rewards,
                            clip_obs=cfg.normalize.clip_obs, gamma=cfg.algo.gamma)
    return venv


class ExpectedInjuryReward(VecEnvWrapper):
    """Training reward with the injury term in expectation: the env's
    -w_injury x injured_days_w is replaced by -w_injury x hazard_w x mean days per injury.

    Why: an injury is a rare draw (a few per hundred athlete-seasons a week) lasting weeks, so
    the realised term is mostly noise and lands weeks after the decisions that raised the risk.
    The summed daily hazard (M_HAZARD, expected new injuries that week) has the same expected
    total (up to injuries cut short by the season's end) and is charged in the week the risk
    is taken. Evaluation always counts the realised injured days.
    """

    def __init__(self, venv, injury_weight: float) -> None:
        super().__init__(venv)
        self.w = float(injury_weight)
        self.days_per_injury = mean_injury_days(venv.gp)

    def reset(self):
        return self.venv.reset()

    def step_wait(self):
        obs, rew, done, infos = self.venv.step_wait()
        m = self.venv.last_metrics
        rew = rew + self.w * (m[:, M_INJURED_DAYS] - self.days_per_injury * m[:, M_HAZARD])
        return obs, rew.astype(np.float32), done, infos


class FlatDiscreteVecEnv(VecEnvWrapper):
    """MultiDiscrete -> Discrete (row-major index), for DQN which needs one discrete action."""

    def __init__(self, venv) -> None:
        self.nvec = np.asarray(venv.action_space.nvec, dtype=np.int64)
        super().__init__(venv, action_space=spaces.Discrete(int(np.prod(self.nvec))))

    def step_async(self, actions: np.ndarray) -> None:
        self.venv.step_async(unflatten_actions(np.asarray(actions), self.nvec))

    def step_wait(self):
        return self.venv.step_wait()

    def reset(self):
        return self.venv.reset()


def predictor_of(model, venv, cfg: ExperimentConfig) -> Predictor:
    """The live model (during training) as a Predictor sharing the live normalisation statistics."""
    obs_rms, clip, eps = None, 10.0, 1e-8
    vn = venv if isinstance(venv, VecNormalize) else None
    if vn is not None and vn.norm_obs:
        obs_rms, clip, eps = vn.obs_rms, vn.clip_obs, vn.epsilon
    nvec = venv.nvec if cfg.algo.name == "dqn" else None
    if nvec is None and cfg.algo.name == "dqn" and vn is not None:
        nvec = vn.venv.nvec
    return Predictor(model, obs_rms, clip, eps, nvec, cfg.env.action_scope, harness_env_kwargs(cfg))
