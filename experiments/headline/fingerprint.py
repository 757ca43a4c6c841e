"""The model's fingerprint: what makes README's headline stale when it changes.

The headline's numbers are outputs of the simulator (`sim/`), the environment the policies learn
in (`envs/`), the templates (`agents/`) and the training configs (`configs/`). The fingerprint is
a SHA-256 over what those produce on a fixed workload, not over their source text:

- every template's season (`agents.baselines.BASELINES`) on 16 athletes per level, 52 weeks,
  10k: the weekly metrics and the race times (`sim.whatif.simulate_season`);
- the batched env (`envs.StrengthRunVecEnv`) under the per-level configs' action scope and
  limits, stepped through one seeded sequence of random actions for 4 athletes per level: every
  observation, reward and decoded week plan;
- the bytes of the per-level training configs (`configs/<level>.yaml`), whose reward, budget and
  limits the learned rung trains with.

What is hashed are aggregates (per template, level and weekly metric: the mean over athletes and
weeks, and the mean race times; per level: the mean observation vector, the summed rewards, the mean
decoded plan), each rounded to 6 significant digits: a speed-up that changes the last bits of a
float (a reordered sum, a square root for a power, 1e-13 relative) keeps the fingerprint and the
headline, while any change of the model moves some aggregate by far more than 1e-6 and changes it.
`tests/test_headline_fresh.py` then fails until `stridelab headline` is run again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from agents.baselines import BASELINES
from envs import StrengthRunVecEnv
from experiments.config import load_config
from experiments.policy import harness_env_kwargs
from sim.state import LEVELS
from sim.whatif import make_cohort, simulate_season

ROOT = Path(__file__).resolve().parents[2]
LEVEL_CONFIGS = ("beginner", "intermediate", "advanced")


def _digest(h, values: np.ndarray) -> None:
    """Hash aggregates rounded to 6 significant digits (module docstring)."""
    a = np.asarray(values, dtype=np.float64).ravel()
    h.update(" ".join(f"{x:.6g}" for x in a).encode())


def model_fingerprint(root: Path = ROOT) -> str:
    """Hex SHA-256 (first 16 characters) of the model's outputs on the fixed workload (module docstring)."""
    h = hashlib.sha256()
    for lv, level in enumerate(LEVELS):
        cohort = make_cohort(level, 16, 4242, "10k")
        for name in sorted(BASELINES):
            plans = BASELINES[name].plan_array(lv, 52, cohort.n, cohort.seed)
            out, rt, _ = simulate_season(cohort, plans, every_week=False)
            h.update(name.encode())
            _digest(h, out.mean(axis=(0, 1)))
            _digest(h, rt.mean(axis=0))
    for level in LEVEL_CONFIGS:
        path = root / "configs" / f"{level}.yaml"
        h.update(path.read_bytes())
        cfg = load_config(path)
        kw = {k: v for k, v in harness_env_kwargs(cfg).items() if k != "season_weeks"}
        kw["action_scope"] = cfg.env.action_scope
        cohort = make_cohort(level, 4, 4343, cfg.env.race_distance)
        env = StrengthRunVecEnv.from_cohort(cohort, cfg.env.season_weeks, **kw)
        try:
            rng = np.random.default_rng(7)
            obs_sum = np.asarray(env.reset(), dtype=np.float64).sum(axis=0)
            rewards = np.zeros(cohort.n)
            plans_sum = np.zeros(env.last_plans.shape[1:]) if hasattr(env, "last_plans") else 0.0
            nvec = np.asarray(env.action_space.nvec)
            for _ in range(cfg.env.season_weeks):
                actions = (rng.random((cohort.n, len(nvec))) * nvec).astype(np.int64)
                obs, rew, _, _ = env.step(actions)
                obs_sum += np.asarray(obs, dtype=np.float64).sum(axis=0)
                rewards += rew
                plans_sum = plans_sum + np.asarray(env.last_plans).sum(axis=0)
            _digest(h, obs_sum)
            _digest(h, rewards)
            _digest(h, plans_sum)
        finally:
            env.close()
    return h.hexdigest()[:16]
