"""`stridelab bench train [--json]`: PPO training throughput, batched env against SB3's DummyVecEnv.

Both runs train the same PPO (the quickstart's hyperparameters, same number of parallel
athletes, same timesteps) in the same process; one on `envs.StrengthRunVecEnv` (one numba
call per step for all athletes), one on `DummyVecEnv` of single `envs.StrengthRunEnv`s (a
Python loop over athletes, SB3's reference). Reported: steps/s of each, their ratio, and the
share of wall time spent inside the environment (step + reset, measured by a timing wrapper),
whose target for the batched env is <= 10%: training should be bound by the learner.
The batched env is also timed with the full action scope (`action_scope: strength_and_run`,
the per-level configs' setting: running volume, key runs and long run as well as the strength
work), the same PPO otherwise.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

N_ENVS = 64
ROLLOUTS = 4
REPEATS = 3
TARGET_ENV_SHARE = 0.10
#: the checkout's quickstart config (experiments/bench/train.py -> the checkout root)
QUICKSTART = Path(__file__).resolve().parents[2] / "configs" / "quickstart.yaml"


def configs(n_envs: int = N_ENVS):
    """The quickstart config at `n_envs` athletes, as shipped (strength scope) and with the full scope."""
    from experiments.config import load_config

    return (load_config(QUICKSTART, [f"n_envs={n_envs}"]),
            load_config(QUICKSTART, [f"n_envs={n_envs}", "env.action_scope=strength_and_run"]))


def _timing_wrapper(venv):
    from stable_baselines3.common.vec_env import VecEnvWrapper

    class Timed(VecEnvWrapper):
        """Accumulates the wall time spent inside the wrapped env."""

        def __init__(self, v) -> None:
            super().__init__(v)
            self.env_s = 0.0

        def reset(self):
            t = time.perf_counter()
            out = self.venv.reset()
            self.env_s += time.perf_counter() - t
            return out

        def step_async(self, actions: np.ndarray) -> None:
            t = time.perf_counter()
            self.venv.step_async(actions)
            self.env_s += time.perf_counter() - t

        def step_wait(self):
            t = time.perf_counter()
            out = self.venv.step_wait()
            self.env_s += time.perf_counter() - t
            return out

    return Timed(venv)


class _Trainer:
    """One PPO on one env, warmed up (numba and torch first calls), measured in repeated chunks."""

    def __init__(self, venv, cfg) -> None:
        from stable_baselines3 import PPO
        from stable_baselines3.common.vec_env import VecMonitor

        self.timed = _timing_wrapper(venv)
        self.model = PPO("MlpPolicy", VecMonitor(self.timed), seed=0, device="cpu", verbose=0,
                         **cfg.algo.sb3_kwargs())
        self.model.learn(cfg.algo.n_steps * venv.num_envs)

    def measure(self, steps: int) -> dict[str, float]:
        self.timed.env_s = 0.0
        t = time.perf_counter()
        self.model.learn(steps, reset_num_timesteps=False)
        wall = time.perf_counter() - t
        return {"steps_per_s": steps / wall, "wall_s": wall, "env_share": self.timed.env_s / wall}


def run(json_out: bool = False) -> dict[str, Any]:
    """Measure both; returns (and prints unless json_out) the figures."""
    from stable_baselines3.common.vec_env import DummyVecEnv

    from envs import StrengthRunEnv, StrengthRunVecEnv
    from experiments.policy import env_kwargs
    from experiments.training.environments import set_threads

    cfg, full_cfg = configs()
    steps = ROLLOUTS * cfg.algo.n_steps * N_ENVS
    kw = env_kwargs(cfg)
    full_kw = env_kwargs(full_cfg)
    set_threads(cfg)
    trainers = {"batched": _Trainer(StrengthRunVecEnv(N_ENVS, seed=0, **kw), cfg),
                "batched_full": _Trainer(StrengthRunVecEnv(N_ENVS, seed=0, **full_kw), full_cfg),
                "dummy": _Trainer(DummyVecEnv([lambda: StrengthRunEnv(**kw) for _ in range(N_ENVS)]), cfg)}
    # interleaved repeats, best of each: the machine is shared, the best chunk is the least disturbed
    runs: dict[str, list[dict[str, float]]] = {k: [] for k in trainers}
    for _ in range(REPEATS):
        for name, tr in trainers.items():
            runs[name].append(tr.measure(steps))
    batched = max(runs["batched"], key=lambda r: r["steps_per_s"])
    dummy = max(runs["dummy"], key=lambda r: r["steps_per_s"])
    full = max(runs["batched_full"], key=lambda r: r["steps_per_s"])
    out = {
        "benchmark": "train",
        "algo": "ppo",
        "n_envs": N_ENVS,
        "timesteps": steps,
        "repeats": REPEATS,
        "numba_threads": cfg.numba_threads,
        "batched_steps_per_s": batched["steps_per_s"],
        "dummy_steps_per_s": dummy["steps_per_s"],
        "speedup": batched["steps_per_s"] / dummy["steps_per_s"],
        "batched_env_share": batched["env_share"],
        "dummy_env_share": dummy["env_share"],
        "target_env_share": TARGET_ENV_SHARE,
        "meets_target": bool(batched["env_share"] <= TARGET_ENV_SHARE),
        "full_scope_steps_per_s": full["steps_per_s"],
        "full_scope_env_share": full["env_share"],
        "full_scope_meets_target": bool(full["env_share"] <= TARGET_ENV_SHARE),
    }
    if json_out:
        print(json.dumps(out, indent=1))
    else:
        print(f"PPO training, {N_ENVS} parallel athletes, {steps} timesteps x {REPEATS} interleaved repeats, "
              f"best of each (quickstart hyperparameters, numba threads {cfg.numba_threads})")
        print(f"  batched StrengthRunVecEnv : {out['batched_steps_per_s']:9.0f} steps/s, "
              f"env share of wall time {100 * out['batched_env_share']:.1f}% (target <= "
              f"{100 * TARGET_ENV_SHARE:.0f}%)")
        print(f"  batched, full action scope: {out['full_scope_steps_per_s']:9.0f} steps/s, "
              f"env share of wall time {100 * out['full_scope_env_share']:.1f}% (strength_and_run)")
        print(f"  DummyVecEnv of single envs: {out['dummy_steps_per_s']:9.0f} steps/s, "
              f"env share {100 * out['dummy_env_share']:.1f}%")
        print(f"  speedup (batched / dummy) : {out['speedup']:.2f}x")
    return out
