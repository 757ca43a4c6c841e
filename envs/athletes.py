"""Where each episode's athlete comes from.

Every reset draws ONE integer, the episode seed, from the env's `np_random` (the batched env
keeps one generator per row, seeded like SB3 seeds `DummyVecEnv` rows: seed + i). Everything
else follows from it through counter-based hashes, so a batched row and a single env with
the same seed meet the same athletes:

- the level (from the configured mix) and the athlete: a member of a pool of `athlete_pool`
  athletes per level, sampled once with `sim.population.sample_athletes` and warmed up once
  with `sim.kernel.init_states` (warm-up costs ~1.5 seasons of simulation, so the pool keeps
  resets cheap); `athlete_pool=0` samples and warms up a brand-new athlete per episode;
- the random streams of the season: `kernel.draw_base(episode_seed, 0)`.

Pools are sampled with seed POOL_SEED_OFFSET + population_seed so that training athletes are
not the athletes of evaluation cohorts made with small seeds (`sim.whatif.make_cohort`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from envs.config import EnvConfig
from sim import kernel
from sim._jit import njit
from sim.errors import InputError
from sim.population import sample_athletes
from sim.state import A_LEVEL, A_RACE_KM, ATHLETE_NAMES, ATHLETE_SIZE, LEVELS, STATE_SIZE

if TYPE_CHECKING:
    from envs.core import Starts
    from sim.whatif import Cohort

POOL_SEED_OFFSET = 2**31
PICK_KEY = 1  # stream key of the level/member draw; key 0 is the season's physics
_POOLS: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def draw_episode_seed(rng: np.random.Generator) -> int:
    """The one draw a reset makes from the env's generator: 63 raw bits (a raw draw costs a
    fifth of `integers`, which adds up when 1,024 batched rows restart at once)."""
    return int(rng.bit_generator.random_raw()) >> 1


def pool(
    level: str, n: int, population_seed: int, race_distance: str, gp: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(athletes, warmed-up states) of one level's pool, cached per process."""
    key = (level, n, population_seed, race_distance, gp.tobytes())
    if key not in _POOLS:
        ath = sample_athletes(level, n, POOL_SEED_OFFSET + population_seed, race_distance)
        st = np.empty((n, STATE_SIZE))
        kernel.init_states(ath, gp, st)
        ath.setflags(write=False)
        st.setflags(write=False)
        _POOLS[key] = (ath, st)
    return _POOLS[key]


@njit(cache=True)
def pick(episode_seed, level_cdf, pool_n):
    """(level index in the mix, pool member) for an episode seed."""
    dh = kernel.day_hash(kernel.draw_base(episode_seed, PICK_KEY), 0)
    u = kernel.uniform_at(dh, 0)
    lv = level_cdf.shape[0] - 1
    for k in range(level_cdf.shape[0]):
        if u < level_cdf[k]:
            lv = k
            break
    m = min(int(kernel.uniform_at(dh, 1) * pool_n), pool_n - 1) if pool_n > 0 else 0
    return lv, m


@njit(cache=True)
def fill_from_pool(seeds, slots, level_cdf, pool_ath, pool_st, pool_n, starts):
    """`starts` (an `envs.core.Starts`) rows of `slots` from episode seeds (pool mode), in one call."""
    for j in range(slots.shape[0]):
        i = slots[j]
        lv, m = pick(seeds[j], level_cdf, pool_n)
        row = lv * pool_n + m
        for k in range(pool_ath.shape[1]):
            starts.aths[i, k] = pool_ath[row, k]
        for k in range(pool_st.shape[1]):
            starts.states[i, k] = pool_st[row, k]
        starts.base[i] = kernel.draw_base(seeds[j], 0)


def athlete_vector(athlete: object, race_km: float) -> np.ndarray:
    """A profile from an ATHLETE_SIZE vector or a {name: value} dict (all ATHLETE_NAMES)."""
    if isinstance(athlete, dict):
        unknown = sorted(set(athlete) - set(ATHLETE_NAMES))
        if unknown:
            raise InputError(
                f"options.athlete: unknown fields {unknown}; allowed: {', '.join(ATHLETE_NAMES)}"
            )
        missing = [n for n in ATHLETE_NAMES if n not in athlete and n not in ("race_km", "skip_prob")]
        if missing:
            raise InputError(f"options.athlete: missing fields {missing}")
        defaults = {"race_km": race_km, "skip_prob": 0.0}
        v = np.array([float(athlete.get(n, defaults.get(n, 0.0))) for n in ATHLETE_NAMES])
    else:
        v = np.asarray(athlete, dtype=np.float64).ravel()
        if v.shape != (ATHLETE_SIZE,):
            raise InputError(
                f"options.athlete: expected {ATHLETE_SIZE} values ({', '.join(ATHLETE_NAMES)}), got {v.size}"
            )
    if not np.all(np.isfinite(v)):
        raise InputError("options.athlete: values must be finite")
    if int(v[A_LEVEL]) not in (0, 1, 2) or v[A_LEVEL] != int(v[A_LEVEL]):
        raise InputError(f"options.athlete: level = {v[A_LEVEL]} is not allowed; allowed 0, 1, 2")
    for k, name in enumerate(ATHLETE_NAMES):
        if name == "skip_prob":
            if not 0.0 <= v[k] < 1.0:
                raise InputError(f"options.athlete: skip_prob = {v[k]} is not allowed; need 0 <= skip_prob < 1")
            continue
        # ratios and logs in the kernel need these positive; history and injuries may be zero
        floor_ok = v[k] >= 0 if name in ("training_age_y", "prior_injuries") else v[k] > 0
        if k != A_LEVEL and not floor_ok:
            need = ">= 0" if name in ("training_age_y", "prior_injuries") else "> 0"
            raise InputError(f"options.athlete: {name} = {v[k]} is not allowed; need {need}")
    return np.ascontiguousarray(v)


class EpisodeSampler:
    """Athletes for episodes of one EnvConfig (shared by the single and the batched env)."""

    def __init__(self, config: EnvConfig, gp: np.ndarray) -> None:
        self.config = config
        self.gp = gp
        weights = config.level_weights()
        self.levels = tuple(weights)
        self.cdf = np.cumsum([weights[lv] for lv in self.levels])
        self.cdf[-1] = 1.0
        self.pool_n = config.athlete_pool
        self._pool_ath: np.ndarray | None = None
        self._pool_st: np.ndarray | None = None

    def pools(self) -> tuple[np.ndarray, np.ndarray]:
        """The mix's pools stacked level by level (built on first use)."""
        if self._pool_ath is None:
            parts = [
                pool(lv, self.pool_n, self.config.population_seed, self.config.race_distance, self.gp)
                for lv in self.levels
            ]
            self._pool_ath = np.ascontiguousarray(np.concatenate([p[0] for p in parts]))
            self._pool_st = np.ascontiguousarray(np.concatenate([p[1] for p in parts]))
        return self._pool_ath, self._pool_st

    def draw(self, episode_seed: int, options: dict | None = None) -> tuple[np.ndarray, np.ndarray, int]:
        """(profile, warmed-up state, stream base) of one episode; options as `StrengthRunEnv.reset`."""
        opts = dict(options or {})
        unknown = sorted(set(opts) - {"athlete", "state", "level", "key", "stream_seed"})
        if unknown:
            raise InputError(
                f"options: unknown keys {unknown}; allowed: athlete, state, level, key, stream_seed"
            )
        key = _int_option(opts, "key", 0)
        stream_seed = _int_option(opts, "stream_seed", episode_seed)
        base = int(kernel.draw_base(stream_seed, key))
        if "athlete" in opts:
            ath = athlete_vector(opts["athlete"], float(self._race_km()))
            if "state" in opts:
                st = np.ascontiguousarray(np.asarray(opts["state"], dtype=np.float64).ravel())
                if st.shape != (STATE_SIZE,) or not np.all(np.isfinite(st)):
                    raise InputError(f"options.state: expected {STATE_SIZE} finite values (sim.state layout)")
            else:
                st = warm_up(ath[None], self.gp)[0]
            return ath, st, base
        if "state" in opts:
            raise InputError("options.state: only allowed together with options.athlete")
        if "level" in opts:
            lv_name = opts["level"]
            if lv_name not in LEVELS:
                raise InputError(f"options.level: {lv_name!r} is not a level; allowed: {', '.join(LEVELS)}")
            levels, cdf = (lv_name,), np.ones(1)
        else:
            levels, cdf = self.levels, self.cdf
        lv, m = pick(episode_seed, cdf, self.pool_n)
        if self.pool_n == 0:
            ath = self._fresh(levels[lv], episode_seed)
            return ath, warm_up(ath[None], self.gp)[0], base
        p_ath, p_st = pool(
            levels[lv], self.pool_n, self.config.population_seed, self.config.race_distance, self.gp
        )
        return p_ath[m].copy(), p_st[m].copy(), base

    def fill(self, seeds: np.ndarray, slots: np.ndarray, starts: Starts) -> None:
        """`starts` rows for `slots` (no options): one numba call in pool mode."""
        if self.pool_n > 0:
            p_ath, p_st = self.pools()
            fill_from_pool(seeds, slots, self.cdf, p_ath, p_st, self.pool_n, starts)
            return
        # New athletes: profiles one by one, then one parallel warm-up for all of them.
        for s, i in zip(seeds.tolist(), slots.tolist(), strict=True):
            lv, _ = pick(s, self.cdf, 0)
            starts.aths[i] = self._fresh(self.levels[lv], s)
            starts.base[i] = kernel.draw_base(s, 0)
        starts.states[slots] = warm_up(starts.aths[slots], self.gp)

    def _fresh(self, level: str, episode_seed: int) -> np.ndarray:
        """A brand-new athlete of `level` for an episode seed."""
        return sample_athletes(level, 1, episode_seed & 0xFFFFFFFF, self.config.race_distance)[0]

    def _race_km(self) -> float:
        from sim.population import race_km

        return race_km(self.config.race_distance)


@dataclass(frozen=True)
class FixedAthletes:
    """Given athletes for the rows of a batched env, one per row, each replaying its season
    (same profile, same warmed-up body, same random draws) unless `new_athletes`."""

    athletes: np.ndarray
    """(n, ATHLETE_SIZE) profiles (sim.state ATHLETE layout)."""
    states: np.ndarray | None = None
    """(n, STATE_SIZE) warmed-up bodies; None: warm up on habitual running (`kernel.init_states`)."""
    keys: np.ndarray | None = None
    """(n,) random-stream keys, as in `sim.whatif.Cohort`; None: 0..n-1."""
    stream_seed: int | None = None
    """Seed of the random streams; None: the env's seed."""
    new_athletes: bool = False
    """After a fixed athlete's season, draw new athletes from the population."""

    @classmethod
    def from_cohort(cls, cohort: Cohort, new_athletes: bool = False) -> FixedAthletes:
        """The athletes, bodies, keys and seed `sim.whatif.run(cohort, plans)` simulates."""
        return cls(cohort.athletes, cohort.states, cohort.keys, cohort.seed, new_athletes)

    def starts(self, n: int, gp: np.ndarray, seed: int | None) -> Starts:
        """Validated season starts of the n rows (`seed`: the env's, used without `stream_seed`)."""
        from envs.core import Starts

        ath = np.asarray(self.athletes, dtype=np.float64)
        if ath.shape != (n, ATHLETE_SIZE):
            raise InputError(f"athletes: expected shape ({n}, {ATHLETE_SIZE}), got {ath.shape}")
        ath = np.ascontiguousarray(np.stack([athlete_vector(a, float(a[A_RACE_KM])) for a in ath]))
        if self.states is None:
            st = np.empty((n, STATE_SIZE))
            kernel.init_states(ath, gp, st)
        else:
            st = np.ascontiguousarray(self.states, dtype=np.float64)
            if st.shape != (n, STATE_SIZE) or not np.all(np.isfinite(st)):
                raise InputError(
                    f"states: expected ({n}, {STATE_SIZE}) finite warmed-up states, got {st.shape}"
                )
        k = np.arange(n, dtype=np.int64) if self.keys is None else np.asarray(self.keys, dtype=np.int64)
        if k.shape != (n,) or np.any(k < 0):
            raise InputError(f"keys: expected {n} non-negative integers, got shape {k.shape}")
        stream_seed = seed if self.stream_seed is None else self.stream_seed
        if stream_seed is None:
            raise InputError("stream_seed: fixed athletes need a seed for their random streams")
        base = np.array([kernel.draw_base(int(stream_seed), int(x)) for x in k], dtype=np.int64)
        return Starts(ath, st.copy(), base)


def warm_up(athletes: np.ndarray, gp: np.ndarray) -> np.ndarray:
    """`kernel.init_states` for a few athletes."""
    st = np.empty((athletes.shape[0], STATE_SIZE))
    kernel.init_states(np.ascontiguousarray(athletes, dtype=np.float64), gp, st)
    return st


def _int_option(opts: dict, name: str, default: int) -> int:
    v = opts.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 0 <= int(v) < 2**63:
        raise InputError(f"options.{name}: {v!r} is not allowed; need an integer 0 <= {name} < 2**63")
    return int(v)
