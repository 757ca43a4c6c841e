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

Floats are rounded to 9 significant digits before hashing, so the fingerprint is the same on any
machine that computes the same numbers. A refactor or a speed-up that leaves every number as it
was keeps the fingerprint (and the headline); a change that moves any number changes it, and
`tests/test_headline_fresh.py` then fails until `stridelab headline` is run again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LEVEL_CONFIGS = ("beginner", "intermediate", "advanced")


def _digest(h, arr: np.ndarray) -> None:
    a = np.asarray(arr, dtype=np.float64)
    h.update(np.array2string(a.ravel(), precision=9, floatmode="maxprec", threshold=a.size + 1,
                             max_line_width=10**9, formatter={"float_kind": lambda x: f"{x:.9g}"}).encode())


def model_fingerprint(root: Path = ROOT) -> str:
    """Hex SHA-256 (first 16 characters) of the model's outputs on the fixed workload (module docstring)."""
    from agents.baselines import BASELINES
    from envs import StrengthRunVecEnv
    from experiments.config import load_config
    from experiments.policy import harness_env_kwargs
    from sim.state import LEVELS
    from sim.whatif import make_cohort, simulate_season

    h = hashlib.sha256()
    for lv, level in enumerate(LEVELS):
        cohort = make_cohort(level, 16, 4242, "10k")
        for name in sorted(BASELINES):
            plans = BASELINES[name].plan_array(lv, 52, cohort.n, cohort.seed)
            out, rt, _ = simulate_season(cohort, plans, every_week=False)
            h.update(name.encode())
            _digest(h, out)
            _digest(h, rt)
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
            obs = env.reset()
            _digest(h, obs)
            nvec = np.asarray(env.action_space.nvec)
            for _ in range(cfg.env.season_weeks):
                actions = (rng.random((cohort.n, len(nvec))) * nvec).astype(np.int64)
                obs, rew, _, _ = env.step(actions)
                _digest(h, obs)
                _digest(h, rew)
                _digest(h, env.last_plans)
        finally:
            env.close()
    return h.hexdigest()[:16]
