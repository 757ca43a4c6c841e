"""What a planner can know about one runner, and who the runner might be given it.

**Known at the start** (`KNOWN`): level, years of running, habitual weekly km, easy pace,
injuries in the past two years, the race distance, and a recent race: the athlete's race time
at the season's start read with race-to-race noise (lognormal sd `RACE_SD_LN` = 2%, Hopkins &
Hewson 2001, MSSE 33:1588). Hidden: untrained VO2max, baseline 1RM, and the aerobic, strength
and tissue responders (`sim.population`).

**What the watch shows each week** (`readings`), drawn from the athlete's simulated season:

- the pace at effort of the week's key runs, as the race time it implies (the race-morning
  VO2 and O2 cost of the week's end, `sim.kernel.race_times_min`), lognormal noise sd
  `PACE_SD_LN` = 3% (session-to-session variability of paces at a fixed effort 2-3%, plus
  the conversion; Hopkins & Hewson 2001); only in weeks with a key run and not injured all week;
- a 1RM test every `TEST_EVERY` weeks (the env's `strength_test_every`), relative to the
  baseline, sd `TEST_SD_LN` = 4% (Grgic et al. 2020, test-retest CV 3-5%);
- the week's highest pain reading (0-10, the runner's diary: `sim.kernel`'s niggle, driven by
  tissue damage, with its own reading noise `niggle_noise` 0.8); compared with a particle's own
  noisy reading, so the difference of two readings' maxima is scored with sd `NIGGLE_SD` = 1.2;
- the injuries that started that week (a physio's verdict, exact).

**Who the runner might be** (`Posterior`): a particle filter. `particles` runners are drawn from
the level's population (`sim.population.sample_athletes`, seeded apart from the evaluation's)
with the known fields set to the athlete's, warmed up (`sim.kernel.init_states`), weighted by the
recent race's likelihood; every block of weeks they run the weeks the athlete was given (each
with its own random streams, never the athlete's) and are re-weighted by the readings'
likelihood: Gaussian on the log readings, Poisson for the injury onsets with the particle's
summed hazard as its mean. When the effective sample size falls under half the particles they
are resampled (systematic). `draws` takes bodies for the per-athlete optimizer
(`experiments.headline.individual`), each with fresh keys: the planner knows the past's luck
(it was observed) but not the future's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from experiments.headline.individual import Bodies
from sim import kernel
from sim.population import sample_athletes
from sim.state import (
    A_EASY_PACE_MIN_PER_KM,
    A_HABITUAL_KM,
    A_LEVEL,
    A_PRIOR_INJURIES,
    A_RACE_KM,
    A_TRAINING_AGE_Y,
    LEVELS,
    M_COST_FACTOR,
    M_HAZARD,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_NEW_INJURIES,
    M_NIGGLE,
    M_STRENGTH_REL,
    M_VO2_EFF,
    METRIC_SIZE,
    STATE_SIZE,
)

KNOWN = (A_LEVEL, A_TRAINING_AGE_Y, A_HABITUAL_KM, A_EASY_PACE_MIN_PER_KM, A_PRIOR_INJURIES, A_RACE_KM)
RACE_SD_LN = 0.02
PACE_SD_LN = 0.03
TEST_SD_LN = 0.04
TEST_EVERY = 6
NIGGLE_SD = 1.2  # two weekly maxima of daily readings with sd 0.8 each (sim.parameters niggle_noise)
#: key offsets that keep the planner's simulated runners apart from the athletes' own streams
PARTICLE_KEY0 = 1 << 40
DRAW_KEY0 = 1 << 41


def race_time_min(vo2_eff: np.ndarray, cost: np.ndarray, race_km: np.ndarray) -> np.ndarray:
    """Race time (min) of (n, k) race-morning VO2 and cost factors over (n,) race distances."""
    out = np.empty(vo2_eff.shape)
    kernel.race_times_min(np.ascontiguousarray(vo2_eff, dtype=np.float64), np.ascontiguousarray(cost, dtype=np.float64),
                          np.ascontiguousarray(race_km, dtype=np.float64), out)
    return out


def start_race_time(athletes: np.ndarray, states: np.ndarray, gp: np.ndarray) -> np.ndarray:
    """Race time (min) of each runner's body as it is (the season's start)."""
    n = athletes.shape[0]
    vo2, cost = np.empty(n), np.empty(n)
    kernel.performance_now(states, athletes, gp, vo2, cost)
    return race_time_min(vo2[:, None], cost[:, None], athletes[:, A_RACE_KM])[:, 0]


@dataclass(frozen=True)
class Readings:
    """What the watch showed, per athlete and week (NaN = no reading that week)."""

    start_race_min: np.ndarray  # (n,) the recent race, noisy
    pace_race_min: np.ndarray  # (n, weeks) race time implied by the key runs' pace, noisy
    strength_rel: np.ndarray  # (n, weeks) 1RM test / baseline, noisy
    niggle: np.ndarray  # (n, weeks) highest pain reading, 0-10
    new_injuries: np.ndarray  # (n, weeks)


def noise(seed: int, keys: np.ndarray, weeks: int, salt: int) -> np.ndarray:
    """Standard normal draws for the readings, (len(keys), weeks), one stream per athlete key: an athlete
    sees the same noise in any batch (so a run split over processes gives the same numbers)."""
    return np.array([np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x57A7C4, salt, int(k)]).standard_normal(weeks)
                     for k in keys]).reshape(len(keys), weeks)


def start_reading(true_rt0_min: np.ndarray, keys: np.ndarray, seed: int) -> np.ndarray:
    return true_rt0_min * np.exp(RACE_SD_LN * noise(seed, keys, 1, 1)[:, 0])


def week_readings(metrics: np.ndarray, race_km: np.ndarray, week0: int, z_pace: np.ndarray,
                  z_test: np.ndarray) -> Readings:
    """Readings of the weeks in `metrics` (n, k, METRIC_SIZE), the season weeks week0.. week0+k-1."""
    rt = race_time_min(metrics[:, :, M_VO2_EFF], metrics[:, :, M_COST_FACTOR], race_km)
    k = metrics.shape[1]
    seen = (metrics[:, :, M_KEY_COUNT] > 0) & (metrics[:, :, M_INJURED_DAYS] < 7)
    pace = np.where(seen, rt * np.exp(PACE_SD_LN * z_pace[:, week0:week0 + k]), np.nan)
    tested = ((np.arange(week0, week0 + k) + 1) % TEST_EVERY == 0)[None, :] & (metrics[:, :, M_INJURED_DAYS] < 7)
    test = np.where(tested, metrics[:, :, M_STRENGTH_REL] * np.exp(TEST_SD_LN * z_test[:, week0:week0 + k]), np.nan)
    return Readings(np.full(metrics.shape[0], np.nan), pace, test, metrics[:, :, M_NIGGLE].copy(),
                    metrics[:, :, M_NEW_INJURIES].copy())


class Posterior:
    """Particles per athlete (module docstring), advanced block by block with the athlete's weeks."""

    def __init__(self, athletes: np.ndarray, keys: np.ndarray, start_race_min: np.ndarray, gp: np.ndarray,
                 particles: int, seed: int) -> None:
        n = athletes.shape[0]
        self.n, self.per, self.gp, self.seed = n, particles, gp, int(seed)
        self.athlete_keys = np.asarray(keys, dtype=np.int64)
        level = LEVELS[int(round(athletes[0, A_LEVEL]))]
        prof = np.concatenate([sample_athletes(level, particles, _mix(seed, 0x7A27, k), "10k")
                               for k in self.athlete_keys])
        for slot in KNOWN:
            prof[:, slot] = np.repeat(athletes[:, slot], particles)
        self.athletes = np.ascontiguousarray(prof)
        self.states = np.empty((n * particles, STATE_SIZE))
        kernel.init_states(self.athletes, gp, self.states)
        self.rt_start_min = start_race_time(self.athletes, self.states, gp)
        self.keys = PARTICLE_KEY0 + (self.athlete_keys[:, None] * particles + np.arange(particles)).ravel()
        obs = np.repeat(np.log(start_race_min), particles)
        self.logw = (-0.5 * ((np.log(self.rt_start_min) - obs) / RACE_SD_LN) ** 2).reshape(n, particles)
        self.week = 0
        self.resamples = 0
        self._resample_if_degenerate()

    def copy(self) -> Posterior:
        q = Posterior.__new__(Posterior)
        q.__dict__.update({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()})
        return q

    def subset(self, rows: np.ndarray) -> Posterior:
        """The posterior of athletes `rows` only (their particles, weights and keys)."""
        rows = np.asarray(rows, dtype=np.int64)
        prow = (rows[:, None] * self.per + np.arange(self.per)).ravel()
        q = self.copy()
        q.n = len(rows)
        q.athlete_keys = self.athlete_keys[rows].copy()
        q.logw = self.logw[rows].copy()
        for name in ("athletes", "states", "rt_start_min", "keys"):
            setattr(q, name, np.ascontiguousarray(getattr(self, name)[prow]))
        return q

    @staticmethod
    def concat(parts: list[Posterior]) -> Posterior:
        """One posterior of the athletes of `parts`, in order (the inverse of splitting with `subset`)."""
        q = parts[0].copy()
        q.n = sum(p.n for p in parts)
        q.resamples = sum(p.resamples for p in parts)
        q.athlete_keys = np.concatenate([p.athlete_keys for p in parts])
        q.logw = np.concatenate([p.logw for p in parts])
        for name in ("athletes", "states", "rt_start_min", "keys"):
            setattr(q, name, np.ascontiguousarray(np.concatenate([getattr(p, name) for p in parts])))
        return q

    def ess(self) -> np.ndarray:
        w = self.weights()
        return 1.0 / np.sum(w * w, axis=1)

    def weights(self) -> np.ndarray:
        lw = self.logw - self.logw.max(axis=1, keepdims=True)
        w = np.exp(lw)
        return w / w.sum(axis=1, keepdims=True)

    def advance(self, plans: np.ndarray, seen: Readings) -> None:
        """Run the particles through `plans` (n, k, PLAN_SIZE), the athlete's next k weeks, and weigh
        them by that block's readings (n, k)."""
        pace, test, new_injuries = seen.pace_race_min, seen.strength_rel, seen.new_injuries
        n, k = plans.shape[:2]
        rows = np.ascontiguousarray(np.repeat(plans, self.per, axis=0))
        met = np.empty((n * self.per, k, METRIC_SIZE))
        kernel.simulate(self.states, self.athletes, self.gp, rows, self.seed + 1, self.keys, 7 * self.week, met)
        rt = race_time_min(met[:, :, M_VO2_EFF], met[:, :, M_COST_FACTOR], self.athletes[:, A_RACE_KM])
        rt = rt.reshape(n, self.per, k)
        lp = np.where(np.isnan(pace)[:, None], 0.0,
                      -0.5 * ((np.log(rt) - np.log(np.nan_to_num(pace, nan=1.0))[:, None]) / PACE_SD_LN) ** 2)
        s = met[:, :, M_STRENGTH_REL].reshape(n, self.per, k)
        lt = np.where(np.isnan(test)[:, None], 0.0,
                      -0.5 * ((np.log(s) - np.log(np.nan_to_num(test, nan=1.0))[:, None]) / TEST_SD_LN) ** 2)
        lam = np.maximum(met[:, :, M_HAZARD].reshape(n, self.per, k), 1e-12)
        li = new_injuries[:, None] * np.log(lam) - lam
        nig = met[:, :, M_NIGGLE].reshape(n, self.per, k)
        ln = -0.5 * ((nig - seen.niggle[:, None]) / NIGGLE_SD) ** 2
        self.logw = self.logw + (lp + lt + li + ln).sum(axis=2)
        self.week += k
        self._resample_if_degenerate()

    def _resample_if_degenerate(self) -> None:
        w = self.weights()
        low = np.flatnonzero(1.0 / np.sum(w * w, axis=1) < 0.5 * self.per)
        if len(low) == 0:
            return
        self.resamples += 1
        for i in low:
            u = np.random.default_rng([self.seed & 0xFFFFFFFF, 0x2E5A, self.week, int(self.athlete_keys[i])]).random()
            idx = systematic(w[i], self.per, u)
            src, dst = i * self.per + idx, i * self.per + np.arange(self.per)
            self.athletes[dst] = self.athletes[src]
            self.states[dst] = self.states[src]
            self.rt_start_min[dst] = self.rt_start_min[src]
            self.logw[i] = 0.0

    def draws(self, per: int, salt: int) -> Bodies:
        """`per` bodies per athlete, chosen by weight (systematic), with fresh random streams."""
        w = self.weights()
        idx = np.concatenate([
            i * self.per + systematic(w[i], per, np.random.default_rng(
                [self.seed & 0xFFFFFFFF, 0xD8A3, salt, int(self.athlete_keys[i])]).random())
            for i in range(self.n)])
        return Bodies(self.athletes[idx].copy(), self.states[idx].copy(), draw_keys(self.athlete_keys, per, salt),
                      self.rt_start_min[idx].copy(), per, self.week, self.athlete_keys.copy())


def systematic(w: np.ndarray, k: int, u: float) -> np.ndarray:
    """k indices drawn by systematic resampling of weights w (sum 1) with offset u in [0, 1)."""
    c = np.cumsum(w)
    c[-1] = 1.0
    return np.searchsorted(c, (u + np.arange(k)) / k, side="right").clip(0, len(w) - 1)


def draw_keys(athlete_keys: np.ndarray, per: int, salt: int) -> np.ndarray:
    """Stream keys of `per` bodies per athlete for draw `salt`: by athlete key, never the athletes' own."""
    return DRAW_KEY0 + (int(salt) << 24) + (np.asarray(athlete_keys, dtype=np.int64)[:, None] * per
                                             + np.arange(per)).ravel()


def _mix(seed: int, salt: int, key: int) -> int:
    """One 32-bit seed from (seed, salt, athlete key)."""
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, salt, int(key)]).generate_state(1)[0])


def true_bodies(athletes: np.ndarray, keys: np.ndarray, states: np.ndarray, rt_start_min: np.ndarray, per: int,
                week: int, salt: int) -> Bodies:
    """`per` copies of each athlete's true profile and body, with fresh streams (the oracle's bodies)."""
    return Bodies(np.repeat(athletes, per, axis=0), np.repeat(states, per, axis=0), draw_keys(keys, per, salt),
                  np.repeat(rt_start_min, per), per, week, np.asarray(keys, dtype=np.int64).copy())
