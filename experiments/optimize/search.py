"""CMA-ES over the season genes (`experiments.optimize.genes`), scored by `Objective`.

    >>> from experiments.optimize import Settings, optimize
    >>> opt = optimize(Settings(level="intermediate", race_distance="10k", budget=3000))
    >>> opt.week_plans()        # the best season found, as labelled WeekPlans
    >>> opt.history[-1].best    # best objective so far, per generation

The optimizer is `cmaes.CMA` (CyberAgent's CMA-ES, Hansen's (mu/mu_w, lambda) algorithm with
box bounds), asked for a population per generation, told the objective of each candidate.
It starts at the centre of the gene box with step size `sigma0` (no prior toward any template,
so a taper or a volume level it finds is the model's answer, not the start's). When CMA-ES
reports convergence before the budget is spent it restarts from the best genes so far (same
step size, next seed). Everything is seeded: one seed gives the same plan, bit for bit.
Every candidate is scored as it would be written: within `Settings.rules` (default the article's
rules as coach limits, `RULE_SETS`), so the search never credits a plan for breaking them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from envs.config import ARTICLE_RULES, HardLimits, RewardWeights
from experiments.optimize.defaults import DEFAULT_ATHLETES, DEFAULT_BUDGET, RULE_SET_NAMES
from experiments.optimize.genes import N_GENES, center, decode, decode_batch, week_plans
from experiments.optimize.objective import TRAINING_REWARD, Objective, Scores
from sim.errors import InputError
from sim.plan import WeekPlan
from sim.season import MIN_SEASON_WEEKS
from sim.state import LEVELS, RACE_KM

DEFAULT_SIGMA0 = 0.25
#: plans scored on the training athletes before the search, for the report
REFERENCES = ("run_only", "beginner", "intermediate", "advanced")
#: the limits an optimized plan obeys (`--rules`): the article's rules as coach limits, as the shipped
#: per-level training configs set them (configs/<level>.yaml env.limits), or none
RULE_SETS: dict[str, HardLimits | None] = dict(zip(RULE_SET_NAMES, (ARTICLE_RULES, None), strict=True))


@dataclass(frozen=True)
class Settings:
    """One optimization: who the plan is for, the budget and the training athletes."""

    level: str = "intermediate"
    race_distance: str = "10k"
    season_weeks: int = 52
    budget: int = DEFAULT_BUDGET  # objective evaluations (candidate seasons), all generations together
    seed: int = 0  # training athletes' population seed and CMA-ES's seed
    athletes: int = DEFAULT_ATHLETES
    population: int | None = None  # CMA-ES lambda; None = 4 + 3 ln(genes)
    sigma0: float = DEFAULT_SIGMA0
    weights: RewardWeights = field(default_factory=lambda: TRAINING_REWARD)
    rules: str = "article"  # a key of RULE_SETS

    @property
    def limits(self) -> HardLimits | None:
        return RULE_SETS[self.rules]

    def check(self) -> Settings:
        """InputError naming the field, the value and what is allowed."""
        if self.level not in LEVELS:
            raise InputError(f"level: {self.level!r} is not a level; allowed: {', '.join(LEVELS)}")
        if self.race_distance not in RACE_KM:
            raise InputError(f"race_distance: {self.race_distance!r} is not allowed; allowed: {', '.join(RACE_KM)}")
        if not MIN_SEASON_WEEKS <= self.season_weeks <= 104:
            raise InputError(f"season_weeks: {self.season_weeks} is not allowed; need {MIN_SEASON_WEEKS}-104")
        if self.population is not None and self.population < 2:
            raise InputError(f"population: {self.population} is not allowed; need at least 2")
        if self.budget < self.lam:
            raise InputError(f"budget: {self.budget} is less than one generation ({self.lam} candidates); "
                             f"need budget >= {self.lam}")
        if self.athletes < 2:
            raise InputError(f"athletes: {self.athletes} is not allowed; need at least 2")
        if not 0 < self.sigma0 <= 1:
            raise InputError(f"sigma0: {self.sigma0} is not allowed; need 0 < sigma0 <= 1")
        if self.rules not in RULE_SETS:
            raise InputError(f"rules: {self.rules!r} is not allowed; allowed: {', '.join(RULE_SETS)}")
        if not 0 <= self.seed < 2**63:
            raise InputError(f"seed: {self.seed} is not allowed; need 0 <= seed < 2**63")
        return self

    @property
    def lam(self) -> int:
        return self.population or 4 + int(3 * np.log(N_GENES))


@dataclass(frozen=True)
class Generation:
    """One generation: evaluations spent so far, the best objective so far and this generation's."""

    index: int
    evaluations: int
    best: float  # best objective so far
    best_race_time_pct: float
    best_expected_injured_days: float
    generation_best: float
    generation_mean: float
    sigma: float


@dataclass
class Optimized:
    """The result: the best genes, their scores on the training athletes, the curve, the references."""

    settings: Settings
    genes: np.ndarray
    scores: Scores  # of the best genes (arrays of length 1)
    history: list[Generation]
    references: dict[str, Scores]  # REFERENCES on the same training athletes
    formula: str

    @property
    def evaluations(self) -> int:
        return self.history[-1].evaluations if self.history else 0

    def plan_array(self) -> np.ndarray:
        return decode(self.genes, self.settings.season_weeks, self.settings.limits)

    def week_plans(self) -> list[WeekPlan]:
        return week_plans(self.genes, self.settings.season_weeks, self.settings.limits)


def optimize(settings: Settings, on_generation: Callable[[Generation], None] | None = None,
             objective: Objective | None = None) -> Optimized:
    """Run CMA-ES for `settings.budget` evaluations (module docstring); `on_generation` sees every generation."""
    from cmaes import CMA

    from agents.baselines import BASELINES

    s = settings.check()
    obj = objective or Objective.on_training_athletes(s.level, s.race_distance, s.athletes, s.seed, s.weights)
    lv = LEVELS.index(s.level)
    refs = {n: obj(BASELINES[n].plan_array(lv, s.season_weeks, 1, s.seed)[0]) for n in REFERENCES}
    bounds = np.tile([0.0, 1.0], (N_GENES, 1))
    restart = 0

    def new_cma(mean: np.ndarray) -> CMA:
        return CMA(mean=mean.copy(), sigma=s.sigma0, bounds=bounds, seed=(s.seed + 7919 * restart) % 2**32,
                   population_size=s.lam)

    cma = new_cma(center())
    best_x, best = center(), obj(decode(center(), s.season_weeks, s.limits))
    used, history = 1, []
    while used + s.lam <= s.budget:
        xs = np.array([cma.ask() for _ in range(cma.population_size)])
        sc = obj(decode_batch(xs, s.season_weeks, s.limits))
        used += len(xs)
        cma.tell(list(zip(xs, sc.objective, strict=True)))
        i = int(np.argmin(sc.objective))
        if sc.objective[i] < best.objective[0]:
            best_x = xs[i].copy()
            best = Scores(*(np.array([getattr(sc, f)[i]]) for f in Scores.__dataclass_fields__))
        gen = Generation(len(history) + 1, used, float(best.objective[0]), float(best.race_time_pct[0]),
                         float(best.expected_injured_days[0]), float(sc.objective[i]), float(sc.objective.mean()),
                         float(cma._sigma))
        history.append(gen)
        if on_generation is not None:
            on_generation(gen)
        if cma.should_stop():
            restart += 1
            cma = new_cma(best_x)
    return Optimized(s, best_x, best, history, refs, obj.formula())
