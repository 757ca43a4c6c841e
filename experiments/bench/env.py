"""`stridelab bench env [--json]`: environment steps/s against CartPole-v1 and SB3's DummyVecEnv.

Four figures from the same run, so the ratios survive a busy machine:

- env_steps_per_s: `gymnasium.make("stridelab/StrengthRun-v0")`, one athlete-week per step,
  against cartpole_steps_per_s: `gymnasium.make("CartPole-v1")`, same loop (pre-drawn actions,
  reset when an episode ends). Target: env >= CartPole (a week of physiology per step costs
  no more than a cart-pole update).
- vec_steps_per_s: `envs.StrengthRunVecEnv` with 1,024 athletes (one numba call per step,
  auto-reset into new athletes included: two full 52-week seasons are stepped), against
  dummy_vec_steps_per_s: SB3 `DummyVecEnv` of 1,024 `gymnasium.make` single envs, same
  seasons. Targets: >= 2 million athlete-weeks/s and >= 20x DummyVecEnv.

Also reported, for context: the batched env with one numba thread (vec_one_thread_steps_per_s;
on a machine whose cores are busy the threaded step waits on descheduled workers, and one
thread can be faster) and with a brand-new athlete warmed up for every season
(vec_fresh_athletes_steps_per_s, athlete_pool=0; a warm-up costs ~1.5 seasons of physics),
and the physics floor: `sim.kernel.simulate` of the same athletes and decoded weeks, a whole
season per parallel call (kernel_steps_per_s; vec_vs_kernel says what the env adds to it).
Each figure is the best of a few interleaved rounds (least disturbed by other processes).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np

N_ENVS = 1024
SEASON_WEEKS = 52
SINGLE_STEPS = 20_000
VEC_STEPS = 2 * SEASON_WEEKS  # two seasons: the auto-reset into new athletes is in the figure
DUMMY_STEPS = SEASON_WEEKS + 8  # one season and its auto-reset (the Python loop is slow)
ROUNDS = 3
TARGET_ENV_VS_CARTPOLE = 1.0
TARGET_VEC_STEPS = 2_000_000
TARGET_VEC_VS_DUMMY = 20.0


def _single_steps_per_s(env, actions: list, n: int) -> float:
    env.reset(seed=0)
    step, reset = env.step, env.reset
    k = len(actions)
    t0 = time.perf_counter()
    for i in range(n):
        _, _, term, trunc, _ = step(actions[i % k])
        if term or trunc:
            reset()
    return n / (time.perf_counter() - t0)


def _vec_steps_per_s(venv, actions: np.ndarray, n: int) -> float:
    venv.seed(0)
    venv.reset()
    k = actions.shape[0]
    t0 = time.perf_counter()
    for i in range(n):
        venv.step(actions[i % k])
    return n * venv.num_envs / (time.perf_counter() - t0)


def _kernel_floor_steps_per_s(vec, actions: np.ndarray) -> float:
    """`sim.kernel.simulate` of the same athletes and the same decoded weeks, a season per call.

    The physics alone at its most efficient (one parallel call for 52 weeks): what the batched
    env would reach with zero cost for decoding, observing, rewarding and the step interface.
    """
    from envs.actions import SCOPE_STRENGTH, VOL_STATE_SIZE, decode_action, volume_state_start
    from envs.config import limits_array
    from sim import kernel
    from sim.state import A_LEVEL, METRIC_SIZE, PLAN_SIZE

    vec.seed(0)
    vec.reset()
    ath = vec.athletes
    states = vec._buf.states.copy()
    lim = limits_array(vec.config.limits)
    plans = np.empty((vec.num_envs, SEASON_WEEKS, PLAN_SIZE))
    for i in range(vec.num_envs):
        for w in range(SEASON_WEEKS):
            decode_action(
                actions[w % actions.shape[0], i],
                SCOPE_STRENGTH,
                int(ath[i, A_LEVEL]),
                w,
                SEASON_WEEKS,
                volume_state_start(np.empty(VOL_STATE_SIZE)),  # strength scope: running is the reference
                lim,
                plans[i, w],
            )
    out = np.empty((vec.num_envs, SEASON_WEEKS, METRIC_SIZE))
    keys = np.arange(vec.num_envs, dtype=np.int64)
    best = float("inf")
    for _ in range(ROUNDS):
        st = states.copy()
        t0 = time.perf_counter()
        kernel.simulate(st, ath, vec.gp, plans, 0, keys, 0, out)
        best = min(best, time.perf_counter() - t0)
    return vec.num_envs * SEASON_WEEKS / best


def run(json_out: bool = False) -> dict[str, Any]:
    import gymnasium as gym
    import numba
    from stable_baselines3.common.vec_env import DummyVecEnv

    import envs
    from envs.actions import action_nvec

    env = gym.make(envs.ENV_ID, season_weeks=SEASON_WEEKS)
    cartpole = gym.make("CartPole-v1")
    env.action_space.seed(0)
    cartpole.action_space.seed(0)
    env_actions = [env.action_space.sample() for _ in range(1000)]
    cp_actions = [cartpole.action_space.sample() for _ in range(1000)]
    _single_steps_per_s(env, env_actions, 2000)  # JIT cache load, athlete pool, warm caches
    _single_steps_per_s(cartpole, cp_actions, 2000)

    rng = np.random.default_rng(0)
    nvec = np.array(action_nvec("strength"))
    vec_actions = rng.integers(0, nvec, size=(64, N_ENVS, nvec.size)).astype(np.int64)
    vec = envs.StrengthRunVecEnv(N_ENVS, seed=0, season_weeks=SEASON_WEEKS)
    dummy = DummyVecEnv([lambda: gym.make(envs.ENV_ID, season_weeks=SEASON_WEEKS) for _ in range(N_ENVS)])
    _vec_steps_per_s(vec, vec_actions, 4)

    fresh = envs.StrengthRunVecEnv(N_ENVS, seed=0, season_weeks=SEASON_WEEKS, athlete_pool=0)
    threads = numba.get_num_threads()
    single, cp, batched, looped, one, new = [], [], [], [], [], []
    for r in range(ROUNDS):
        single.append(_single_steps_per_s(env, env_actions, SINGLE_STEPS))
        cp.append(_single_steps_per_s(cartpole, cp_actions, SINGLE_STEPS))
        batched.append(_vec_steps_per_s(vec, vec_actions, VEC_STEPS))
        numba.set_num_threads(1)
        one.append(_vec_steps_per_s(vec, vec_actions, VEC_STEPS))
        numba.set_num_threads(threads)
        if r < 2:
            looped.append(_vec_steps_per_s(dummy, vec_actions, DUMMY_STEPS))
            new.append(_vec_steps_per_s(fresh, vec_actions, SEASON_WEEKS + 8))
    result: dict[str, Any] = {
        "env_steps_per_s": max(single),
        "cartpole_steps_per_s": max(cp),
        "vec_steps_per_s": max(batched),
        "dummy_vec_steps_per_s": max(looped),
    }
    result["env_vs_cartpole"] = result["env_steps_per_s"] / result["cartpole_steps_per_s"]
    result["vec_vs_dummy"] = result["vec_steps_per_s"] / result["dummy_vec_steps_per_s"]
    result["vec_vs_env"] = result["vec_steps_per_s"] / result["env_steps_per_s"]
    result["kernel_steps_per_s"] = _kernel_floor_steps_per_s(vec, vec_actions)
    result["vec_vs_kernel"] = result["vec_steps_per_s"] / result["kernel_steps_per_s"]
    result["vec_one_thread_steps_per_s"] = max(one)
    result["vec_fresh_athletes_steps_per_s"] = max(new)
    result["targets_met"] = {
        "env_vs_cartpole": result["env_vs_cartpole"] >= TARGET_ENV_VS_CARTPOLE,
        "vec_steps_per_s": result["vec_steps_per_s"] >= TARGET_VEC_STEPS,
        "vec_vs_dummy": result["vec_vs_dummy"] >= TARGET_VEC_VS_DUMMY,
    }
    result.update(
        num_envs=N_ENVS,
        season_weeks=SEASON_WEEKS,
        numba_threads=int(numba.get_num_threads()),
        cpus=os.cpu_count(),
        load_average_1min=os.getloadavg()[0],
    )
    if json_out:
        print(json.dumps(result, indent=1))
    else:
        print(f"single env  StrengthRun-v0 : {result['env_steps_per_s']:12,.0f} steps/s")
        print(
            f"            CartPole-v1    : {result['cartpole_steps_per_s']:12,.0f} steps/s "
            f"-> ratio {result['env_vs_cartpole']:.2f} (target >= {TARGET_ENV_VS_CARTPOLE:.0f})"
        )
        print(
            f"batched     {N_ENVS} athletes  : {result['vec_steps_per_s']:12,.0f} athlete-weeks/s "
            f"(target >= {TARGET_VEC_STEPS:,})"
        )
        print(
            f"            DummyVecEnv    : {result['dummy_vec_steps_per_s']:12,.0f} athlete-weeks/s "
            f"-> ratio {result['vec_vs_dummy']:.1f} (target >= {TARGET_VEC_VS_DUMMY:.0f})"
        )
        print(
            f"            kernel floor   : {result['kernel_steps_per_s']:12,.0f} athlete-weeks/s "
            f"(sim.kernel.simulate, a season per call) -> env at {result['vec_vs_kernel']:.0%} of it"
        )
        print(
            f"            one numba thread: {result['vec_one_thread_steps_per_s']:,.0f}; "
            f"new athlete every season: {result['vec_fresh_athletes_steps_per_s']:,.0f}"
        )
        print(
            f"numba threads {result['numba_threads']}, cpus {result['cpus']}, "
            f"load average {result['load_average_1min']:.1f}"
        )
    return result
