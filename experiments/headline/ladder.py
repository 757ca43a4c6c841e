"""The ladder of planners on one level's held-out athletes (issue 22).

Six rungs, each a planner that turns the same athletes into week plans, all run on one cohort
with common random numbers (`agents.evaluation.evaluate`), paired against the level's best
template:

1. **template**: the best of the article's templates on these athletes;
2. **open-loop**: one plan for the level's population (`stridelab optimize`);
3. **personalized**: one open-loop plan per athlete, optimized on draws from what is known at
   the start (level, years of running, habitual km, easy pace, past injuries, a recent race;
   `experiments.headline.watch`), starting from the open-loop plan;
4. **re-planned**: the personalized plan, revised every `replan_every` weeks: the watch's
   readings so far update the posterior over who the athlete is (a particle filter on the
   simulator) and the rest of the season is re-optimized on draws from it, closed loop;
5. **learned**: the per-level trained policy, closed loop on the batched env;
6. **oracle**: one open-loop plan per athlete, optimized on copies of the athlete's true profile
   (everything known but the future's luck): the ceiling an open-loop plan can reach.

Per rung: race time and injured days with 95% CIs, the paired difference to the template and
to the rung below, and the share of the oracle's gap recovered, (template - rung) /
(template - oracle) on race time. The planners' own model is the default parameter set; under
model draws (`experiments.report.robustness`) the athletes' bodies follow the draw while the
per-athlete plans stay the ones made with the default model (the re-planner keeps planning with
it), so the draws ask what a wrong model costs each rung.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from envs.config import ARTICLE_RULES, limits_array
from experiments.headline.individual import Objective, Search, optimize_each
from experiments.headline.watch import Posterior, noise, start_race_time, start_reading, true_bodies, week_readings
from experiments.optimize.objective import TRAINING_REWARD
from sim import kernel
from sim.parameters import default_parameters, mean_injury_days
from sim.state import A_RACE_KM, METRIC_SIZE
from sim.whatif import Cohort

RUNGS = ("template", "open-loop", "personalized", "re-planned", "learned", "oracle")
#: a per-athlete plan replaces the one it revises only if it also wins on CHECK_FACTOR x draws other bodies
#: of the same athletes (fresh streams; `individual.optimize_each`): the search's few bodies overfit their luck
CHECK_FACTOR = 2
CHECK_SALT = 500


@dataclass(frozen=True)
class LadderSettings:
    """How much each per-athlete rung searches (the defaults are the full headline's)."""

    season_weeks: int = 52
    particles: int = 32  # posterior particles per athlete
    draws: int = 8  # bodies per athlete each candidate is scored on
    first: Search = field(default_factory=lambda: Search(generations=30, sigma=0.12))
    replan: Search = field(default_factory=lambda: Search(generations=6, sigma=0.08))
    replan_every: int = 4
    seed: int = 0  # the planners' own seed (particles, readings' noise, CMA-ES)
    workers: int = 1  # processes the per-athlete rungs are split over (by athletes; same results)

    @property
    def limits(self) -> np.ndarray:
        return limits_array(ARTICLE_RULES)


def _days_per_injury(gp: np.ndarray) -> float:
    return mean_injury_days(gp)


def personalize(genes0: np.ndarray, s: LadderSettings, cohort: Cohort, gp: np.ndarray,
                tell: Callable[[str, int, int], None] | None = None) -> tuple[np.ndarray, np.ndarray, Posterior]:
    """Rung 3: per athlete, CMA-ES from the open-loop genes on draws from what is known at the start;
    returns the genes, the plans and the posterior at the start."""
    rt0 = start_race_time(cohort.athletes, cohort.states, cohort.params)
    post = Posterior(cohort.athletes, cohort.keys, start_reading(rt0, cohort.keys, s.seed + cohort.seed), gp,
                     s.particles, s.seed + cohort.seed)
    obj = Objective(post.draws(s.draws, salt=0), gp, s.seed + 1, TRAINING_REWARD, _days_per_injury(gp))
    check = Objective(post.draws(CHECK_FACTOR * s.draws, salt=CHECK_SALT), gp, s.seed + 1, TRAINING_REWARD,
                      _days_per_injury(gp))
    start = np.repeat(genes0[None], cohort.n, axis=0)
    genes, plans = optimize_each(obj, start, s.season_weeks, None, s.limits, s.first,
                                 None if tell is None else lambda g: tell("personalized", g, s.first.generations),
                                 check)
    return genes, plans, post


def oracle_plans(genes0: np.ndarray, s: LadderSettings, cohort: Cohort,
                 tell: Callable[[str, int, int], None] | None = None) -> np.ndarray:
    """Rung 6: per athlete, CMA-ES from the open-loop genes on copies of the athlete's true body."""
    rt0 = start_race_time(cohort.athletes, cohort.states, cohort.params)
    bodies = true_bodies(cohort.athletes, cohort.keys, cohort.states, rt0, s.draws, 0, salt=999)
    obj = Objective(bodies, cohort.params, s.seed + 2, TRAINING_REWARD, _days_per_injury(cohort.params))
    others = true_bodies(cohort.athletes, cohort.keys, cohort.states, rt0, CHECK_FACTOR * s.draws, 0, salt=998)
    check = Objective(others, cohort.params, s.seed + 2, TRAINING_REWARD, _days_per_injury(cohort.params))
    start = np.repeat(genes0[None], cohort.n, axis=0)
    return optimize_each(obj, start, s.season_weeks, None, s.limits, s.first,
                         None if tell is None else lambda g: tell("oracle", g, s.first.generations), check)[1]


def replan_loop(s: LadderSettings, cohort: Cohort, start: tuple[np.ndarray, np.ndarray, Posterior], gp: np.ndarray,
                tell: Callable[[str, int, int], None] | None = None) -> tuple[np.ndarray, list[dict]]:
    """Rung 4, closed loop: the athletes run `replan_every` weeks of the current plan (their own bodies and
    streams, exactly as `sim.whatif.simulate_season` would), the watch reads them, the posterior moves, the
    rest of the season is re-optimized on draws from it; repeat until the race week."""
    genes, plans, post = start[0].copy(), start[1].copy(), start[2].copy()
    weeks = s.season_weeks
    states = cohort.states.copy()
    z_pace = noise(s.seed + cohort.seed, cohort.keys, weeks, 2)
    z_test = noise(s.seed + cohort.seed, cohort.keys, weeks, 3)
    blocks = list(range(0, weeks, s.replan_every))
    log = []
    for b, k in enumerate(blocks):
        k1 = min(k + s.replan_every, weeks)
        met = np.empty((cohort.n, k1 - k, METRIC_SIZE))
        kernel.simulate(states, cohort.athletes, cohort.params, np.ascontiguousarray(plans[:, k:k1]), cohort.seed,
                        cohort.keys, 7 * k, met)
        if k1 >= weeks - 1:  # nothing left worth re-planning (the race week)
            break
        seen = week_readings(met, cohort.athletes[:, A_RACE_KM], k, z_pace, z_test)
        post.advance(np.ascontiguousarray(plans[:, k:k1]), seen)
        obj = Objective(post.draws(s.draws, salt=b + 1), gp, s.seed + 3 + b, TRAINING_REWARD, _days_per_injury(gp))
        check = Objective(post.draws(CHECK_FACTOR * s.draws, salt=CHECK_SALT + b + 1), gp, s.seed + 3 + b,
                          TRAINING_REWARD, _days_per_injury(gp))
        search = Search(s.replan.generations, s.replan.sigma, s.replan.population, s.seed + 100 + b)
        done = plans[:, :k1].copy()
        genes, plans = optimize_each(obj, genes, weeks, done, s.limits, search, None, check)
        if not np.array_equal(plans[:, :k1], done):  # the rules are causal: a re-plan never rewrites the past
            raise RuntimeError(f"re-plan at week {k1} changed weeks already run; envs.actions.limit_season "
                               "is no longer causal")
        log.append({"week": k1, "ess_mean": float(post.ess().mean()), "resamples": post.resamples,
                    "athletes": cohort.n})
        if tell is not None:
            tell("re-planned", b + 1, len(blocks) - 1)
    return plans, log


def _subset(cohort: Cohort, rows: np.ndarray) -> Cohort:
    return dataclasses.replace(cohort, athletes=np.ascontiguousarray(cohort.athletes[rows]),
                               states=np.ascontiguousarray(cohort.states[rows]), keys=cohort.keys[rows].copy())


def _worker_threads(n: int) -> None:
    """A worker process's share of the cores for numba's parallel kernels."""
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def _job(kind: str, genes0: np.ndarray, s: LadderSettings, cohort: Cohort, start: Any) -> Any:
    """One process's share of a per-athlete rung (module-level, so a process pool can pickle it)."""
    gp = default_parameters()
    if kind == "personalized":
        return personalize(genes0, s, cohort, gp)
    if kind == "oracle":
        return oracle_plans(genes0, s, cohort)
    return replan_loop(s, cohort, start, gp)


class PerAthletePlanners:
    """Rungs 3, 4 and 6 for one cohort's athletes, starting from the open-loop genes.

    Each is a callable `f(cohort, season_weeks)` giving (n, weeks, PLAN_SIZE) plans
    (`agents.evaluation`). A plan made for the nominal cohort is kept by the athletes' keys, so the
    robustness runs (same athletes and keys, another body or missed sessions) reuse it for the
    open-loop rungs; the re-planner runs its loop again on whatever body it meets. With
    `settings.workers` > 1 the athletes are split over that many processes (`concurrent.futures`,
    spawned, numba threads shared out); every draw is keyed by athlete, so the plans are the same.
    """

    def __init__(self, open_loop_genes: np.ndarray, settings: LadderSettings,
                 progress: Callable[[str, int, int], None] | None = None) -> None:
        self.genes0 = np.asarray(open_loop_genes, dtype=np.float64)
        self.s = settings
        self.gp = default_parameters()  # the planners' model
        self.progress = progress
        # per cohort seed: (athlete keys, value) of the open-loop rungs, looked up by athlete key so a
        # subset of the athletes (the stress tests' sample) reuses their plans
        self._personal: dict[int, tuple[np.ndarray, tuple[np.ndarray, np.ndarray, Posterior]]] = {}
        self._oracle: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._replanned: dict[bytes, np.ndarray] = {}
        self.replan_log: list[dict] = []
        self._pool: Any = None

    def _key(self, cohort: Cohort) -> bytes:
        return cohort.keys.tobytes() + np.int64(cohort.seed).tobytes()

    @staticmethod
    def _rows(cached: np.ndarray, keys: np.ndarray) -> np.ndarray | None:
        """Rows of `keys` in `cached` (athlete keys), or None unless every key is there."""
        order = np.argsort(cached)
        pos = np.searchsorted(cached[order], keys)
        pos = np.clip(pos, 0, len(cached) - 1)
        rows = order[pos]
        return rows if np.array_equal(cached[rows], keys) else None

    def _tell(self, what: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(what, done, total)

    def _map(self, kind: str, cohort: Cohort, start: Any = None) -> list[Any]:
        """`_job(kind, ...)` on the cohort, in `workers` processes by athletes when asked; results in order."""
        k = max(1, min(self.s.workers, cohort.n))
        parts = np.array_split(np.arange(cohort.n), k)
        starts = [None if start is None else _start_subset(start, rows) for rows in parts]
        if k == 1:
            tell = self._tell
            gp = self.gp
            if kind == "personalized":
                return [personalize(self.genes0, self.s, cohort, gp, tell)]
            if kind == "oracle":
                return [oracle_plans(self.genes0, self.s, cohort, tell)]
            return [replan_loop(self.s, cohort, start, gp, tell)]
        pool = self._workers(k)
        futures = [pool.submit(_job, kind, self.genes0, self.s, _subset(cohort, rows), st)
                   for rows, st in zip(parts, starts, strict=True)]
        out = []
        for i, f in enumerate(futures):
            out.append(f.result())
            self._tell(kind, i + 1, k)
        return out

    def _workers(self, k: int):
        """The process pool (started once, `close` ends it): spawned, numba's threads shared out."""
        if self._pool is None:
            threads = max(1, (os.cpu_count() or 1) // k)
            self._pool = ProcessPoolExecutor(k, mp_context=mp.get_context("spawn"), initializer=_worker_threads,
                                             initargs=(threads,))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def _start(self, cohort: Cohort) -> tuple[np.ndarray, np.ndarray, Posterior]:
        """The personalized genes and plans, and the posterior at the start (cached per athlete key)."""
        hit = self._personal.get(cohort.seed)
        rows = None if hit is None else self._rows(hit[0], cohort.keys)
        if hit is None or rows is None:
            parts = self._map("personalized", cohort)
            value = (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                     Posterior.concat([p[2] for p in parts]))
            self._personal[cohort.seed] = (cohort.keys.copy(), value)
            return value
        g, p, post = hit[1]
        return g[rows], p[rows], post.subset(rows)

    def personalized(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        return self._start(cohort)[1].copy()

    def oracle(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        hit = self._oracle.get(cohort.seed)
        rows = None if hit is None else self._rows(hit[0], cohort.keys)
        if hit is None or rows is None:
            plans = np.concatenate(self._map("oracle", cohort))
            self._oracle[cohort.seed] = (cohort.keys.copy(), plans)
            return plans.copy()
        return hit[1][rows].copy()

    def replanned(self, cohort: Cohort, season_weeks: int) -> np.ndarray:
        """Rung 4 (`replan_loop`) on whatever body the cohort holds, from the personalized start."""
        key = self._key(cohort) + cohort.athletes.tobytes() + cohort.params.tobytes()
        if key not in self._replanned:
            parts = self._map("re-planned", cohort, self._start(cohort))
            self._replanned[key] = np.concatenate([p[0] for p in parts])
            if not self.replan_log:  # the nominal run's log
                by_week: dict[int, list[dict]] = {}
                for p in parts:
                    for rec in p[1]:
                        by_week.setdefault(rec["week"], []).append(rec)
                self.replan_log = [{"week": w, "athletes": sum(r["athletes"] for r in rs),
                                    "ess_mean": sum(r["ess_mean"] * r["athletes"] for r in rs)
                                    / sum(r["athletes"] for r in rs),
                                    "resamples": sum(r["resamples"] for r in rs)} for w, rs in sorted(by_week.items())]
        return self._replanned[key].copy()


def _start_subset(start: tuple[np.ndarray, np.ndarray, Posterior], rows: np.ndarray):
    return start[0][rows], start[1][rows], start[2].subset(rows)


def oracle_gap_share(template: np.ndarray, rung: np.ndarray, oracle: np.ndarray, n_boot: int = 1000,
                     seed: int = 0) -> tuple[float, float, float]:
    """Share of the oracle's gap a rung recovers on race time, (T - R) / (T - O) of the means, with a
    95% percentile-bootstrap interval over athletes (resampled jointly)."""
    t, r, o = (np.asarray(x, dtype=np.float64) for x in (template, rung, oracle))
    gap = t.mean() - o.mean()
    share = float((t.mean() - r.mean()) / gap) if abs(gap) > 1e-12 else float("nan")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(t), size=(n_boot, len(t)))
    tb, rb, ob = t[idx].mean(axis=1), r[idx].mean(axis=1), o[idx].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        boots = (tb - rb) / (tb - ob)
    boots = boots[np.isfinite(boots)]
    if len(boots) == 0:
        return share, float("nan"), float("nan")
    return share, float(np.quantile(boots, 0.025)), float(np.quantile(boots, 0.975))
