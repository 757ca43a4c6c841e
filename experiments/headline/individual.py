"""One open-loop plan per athlete, optimized on simulated versions of that athlete.

The population optimizer (`experiments.optimize`) finds one gene vector (nine genes per season
phase, `experiments.optimize.genes`) for a whole level. Here every athlete gets their own
CMA-ES (`cmaes.CMA`, one instance per athlete), scored on `Bodies`: a few simulated runners per
athlete, from a given week of the season, each with its own random streams. What the bodies
are decides the rung of the ladder (`experiments.headline.ladder`):

- the oracle: copies of the athlete's true profile and state (what is known: everything but
  the future's luck);
- personalized and re-planned: draws from the posterior over who the athlete is, given what
  a runner knows at the start and what their watch showed since (`experiments.headline.watch`).

All athletes' candidates of one generation run in one batched kernel call (`sim.kernel.simulate`
from the week the re-plan starts, `day0 = 7 x week`), so a generation costs one simulation of
athletes x candidates x bodies rows. The objective is the population optimizer's (and
training's) J per body, averaged over the athlete's bodies:

    J = (w_perf + w_race) x 100 (T_race - T_start) / T_start + w_injury x expected injured days from the week on

(`experiments.optimize.objective`); weeks already run are sunk. Candidates are decoded with
the weeks already run spliced in and then passed through the article's rules in season order
(`envs.actions.limit_season`), so a re-planned week obeys the volume-increase and recovery
rules against what was actually run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from cmaes import CMA
from threadpoolctl import threadpool_limits

from envs.actions import limit_season
from envs.config import RewardWeights
from experiments.optimize.genes import N_GENES, N_PHASE_GENES, decode_batch
from sim import kernel
from sim.season import PHASES, phase_of
from sim.state import A_RACE_KM, M_COST_FACTOR, M_HAZARD, M_VO2_EFF, METRIC_SIZE

#: rows (athletes x candidates x bodies) per kernel call; larger batches are split (memory)
MAX_ROWS = 12_000


@dataclass(frozen=True)
class Bodies:
    """Simulated runners grouped per athlete: rows i*per .. i*per+per-1 belong to athlete i."""

    athletes: np.ndarray  # (n * per, ATHLETE_SIZE)
    states: np.ndarray  # (n * per, STATE_SIZE), the bodies at the start of `week`
    keys: np.ndarray  # (n * per,) int64 random-stream keys, never the athletes' own
    rt_start_min: np.ndarray  # (n * per,) race time at the season's start, min
    per: int
    week: int  # season week the bodies are at
    athlete_keys: np.ndarray  # (n,) the athletes' keys: seeds each athlete's search, whatever the batch

    @property
    def n(self) -> int:
        return self.athletes.shape[0] // self.per


@dataclass(frozen=True)
class Search:
    """How hard each athlete's CMA-ES searches."""

    generations: int
    sigma: float
    population: int | None = None  # CMA-ES lambda; None = 4 + 3 ln(free genes)
    seed: int = 0


def free_genes(week: int, n_weeks: int) -> np.ndarray:
    """Mask of the genes that still shape weeks >= `week` (the phases not yet over)."""
    phases_left = {phase_of(w, n_weeks) for w in range(week, n_weeks)}
    mask = np.zeros(N_GENES, dtype=bool)
    for ph in phases_left:
        mask[ph * N_PHASE_GENES:(ph + 1) * N_PHASE_GENES] = True
    return mask


def splice(genes: np.ndarray, n_weeks: int, done: np.ndarray | None, limits: np.ndarray | None) -> np.ndarray:
    """The seasons (k, n_weeks, PLAN_SIZE) of gene vectors (k, N_GENES) when the first len(done) weeks
    were already run as `done` (weeks, PLAN_SIZE), within `limits` in season order."""
    arr = decode_batch(genes, n_weeks, None)
    if done is not None and len(done):
        arr[:, :len(done)] = done
    if limits is not None:
        for i in range(arr.shape[0]):
            limit_season(arr[i], limits)
    return arr


class Objective:
    """J (module docstring) of per-athlete candidate seasons on `Bodies`."""

    def __init__(self, bodies: Bodies, gp: np.ndarray, seed: int, weights: RewardWeights,
                 days_per_injury: float) -> None:
        self.bodies, self.gp, self.seed = bodies, gp, int(seed)
        self.weights, self.days_per_injury = weights, days_per_injury

    def __call__(self, plans: np.ndarray) -> np.ndarray:
        """plans (n, k, n_weeks, PLAN_SIZE): k candidates per athlete -> J (n, k), mean over the bodies."""
        b = self.bodies
        n, k = plans.shape[:2]
        tail = np.ascontiguousarray(plans[:, :, b.week:])
        per = b.per
        out = np.empty((n, k))
        step = max(1, MAX_ROWS // (k * per))
        w = self.weights
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            rows = slice(lo * per, hi * per)
            # row order: athlete, candidate, body
            ath = np.repeat(b.athletes[rows].reshape(hi - lo, 1, per, -1), k, axis=1).reshape(-1, b.athletes.shape[1])
            st = np.repeat(b.states[rows].reshape(hi - lo, 1, per, -1), k, axis=1).reshape(-1, b.states.shape[1])
            keys = np.repeat(b.keys[rows].reshape(hi - lo, 1, per), k, axis=1).reshape(-1)
            rt0 = np.repeat(b.rt_start_min[rows].reshape(hi - lo, 1, per), k, axis=1).reshape(-1)
            pl = np.repeat(tail[lo:hi, :, None], per, axis=2).reshape(-1, *tail.shape[2:])
            met = np.empty((ath.shape[0], tail.shape[2], METRIC_SIZE))
            st = np.ascontiguousarray(st)
            kernel.simulate(st, np.ascontiguousarray(ath), self.gp, np.ascontiguousarray(pl), self.seed,
                            np.ascontiguousarray(keys), 7 * b.week, met)
            rt = np.empty((ath.shape[0], 1))
            kernel.race_times_min(np.ascontiguousarray(met[:, -1:, M_VO2_EFF]),
                                  np.ascontiguousarray(met[:, -1:, M_COST_FACTOR]),
                                  np.ascontiguousarray(ath[:, A_RACE_KM]), rt)
            pct = 100.0 * (rt[:, 0] / rt0 - 1.0)
            exp_days = self.days_per_injury * met[:, :, M_HAZARD].sum(axis=1)
            j = (w.performance + w.race) * pct + w.injury_day * exp_days
            out[lo:hi] = j.reshape(hi - lo, k, per).mean(axis=2)
        return out


def optimize_each(objective: Objective, start: np.ndarray, n_weeks: int, done: np.ndarray | None,
                  limits: np.ndarray | None, search: Search, on_generation: Callable[[int], None] | None = None,
                  check: Objective | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per athlete, CMA-ES from `start` (n, N_GENES) over the genes still free at the bodies' week.

    `done` (n, week, PLAN_SIZE) holds the weeks already run. Returns the best gene vectors (n,
    N_GENES) and their plans (n, n_weeks, PLAN_SIZE). The start is scored first and kept unless a
    candidate beats it on the search's bodies and, with `check` (the same athletes' other bodies, fresh
    random streams), on those too: a handful of bodies rewards plans that suit their particular luck
    (the optimizer's curse), and the check keeps a plan only where it holds on bodies it never saw.
    """
    with threadpool_limits(1):  # CMA-ES's small eigendecompositions: BLAS threads only contend with numba's
        genes, plans = _optimize_each(CMA, objective, start, n_weeks, done, limits, search, on_generation)
        if check is None:
            return genes, plans
        first = np.stack([splice(start[i][None], n_weeks, None if done is None else done[i], limits)[0]
                          for i in range(start.shape[0])])
        j = check(np.stack([first, plans], axis=1))
        keep = j[:, 1] < j[:, 0]
        return np.where(keep[:, None], genes, np.clip(start, 0.0, 1.0)), np.where(keep[:, None, None], plans, first)


def _optimize_each(CMA, objective: Objective, start: np.ndarray, n_weeks: int, done: np.ndarray | None,
                   limits: np.ndarray | None, search: Search,
                   on_generation: Callable[[int], None] | None) -> tuple[np.ndarray, np.ndarray]:
    week = objective.bodies.week
    mask = free_genes(week, n_weeks)
    dims = int(mask.sum())
    lam = search.population or 4 + int(3 * np.log(dims))
    n = start.shape[0]
    start = np.clip(start, 0.0, 1.0)

    def plans_of(genes: np.ndarray) -> np.ndarray:  # (n, k, N_GENES) -> (n, k, n_weeks, PLAN_SIZE)
        return np.stack([splice(genes[i], n_weeks, None if done is None else done[i], limits) for i in range(n)])

    best_genes = start.copy()
    best_plans = plans_of(start[:, None])[:, 0]
    best_j = objective(best_plans[:, None])[:, 0]
    bounds = np.tile([0.0, 1.0], (dims, 1))
    keys = objective.bodies.athlete_keys
    cmas = [CMA(mean=start[i, mask].copy(), sigma=search.sigma, bounds=bounds, population_size=lam,
                seed=(search.seed * 1_000_003 + int(keys[i])) % 2**32) for i in range(n)]
    for g in range(search.generations):
        xs = np.array([[c.ask() for _ in range(lam)] for c in cmas])  # (n, lam, dims)
        genes = np.repeat(start[:, None], lam, axis=1)
        genes[:, :, mask] = xs
        plans = plans_of(genes)
        j = objective(plans)
        for i, c in enumerate(cmas):
            c.tell(list(zip(xs[i], j[i], strict=True)))
        i_best = np.argmin(j, axis=1)
        better = j[np.arange(n), i_best] < best_j
        for i in np.flatnonzero(better):
            best_j[i] = j[i, i_best[i]]
            best_genes[i] = genes[i, i_best[i]]
            best_plans[i] = plans[i, i_best[i]]
        if on_generation is not None:
            on_generation(g + 1)
    return best_genes, best_plans


__all__ = ["Bodies", "Search", "Objective", "free_genes", "splice", "optimize_each", "PHASES"]
