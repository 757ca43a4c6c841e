"""Per-athlete plans: the objective is the optimizer's, the search never loses its start, the past is kept."""

from __future__ import annotations

import numpy as np
import pytest

from envs.config import ARTICLE_RULES, limits_array
from experiments.headline.individual import Bodies, Objective, Search, free_genes, optimize_each, splice
from experiments.headline.watch import start_race_time, true_bodies
from experiments.optimize.genes import N_GENES, N_PHASE_GENES, center, decode
from experiments.optimize.objective import TRAINING_REWARD
from experiments.optimize.objective import Objective as PopulationObjective
from sim import kernel
from sim.season import PHASE_TAPER, PHASES
from sim.state import METRIC_SIZE
from sim.whatif import make_cohort, simulate_season

LIM = limits_array(ARTICLE_RULES)


@pytest.fixture(scope="module")
def cohort():
    return make_cohort("intermediate", 6, 31, "10k")


def _own_bodies(c) -> Bodies:
    """Each athlete once, with their own streams: the population objective's athletes, one at a time."""
    rt0 = start_race_time(c.athletes, c.states, c.params)
    return Bodies(c.athletes.copy(), c.states.copy(), c.keys.copy(), rt0, 1, 0, c.keys.copy())


def test_per_athlete_objective_is_the_population_objective_athlete_by_athlete(cohort):
    pop = PopulationObjective(cohort, TRAINING_REWARD)
    plan = decode(center(), 52, ARTICLE_RULES)
    obj = Objective(_own_bodies(cohort), cohort.params, cohort.seed, TRAINING_REWARD, pop.days_per_injury)
    per_athlete = obj(np.repeat(plan[None, None], cohort.n, axis=0))[:, 0]
    assert per_athlete.mean() == pytest.approx(float(pop(plan).objective[0]), rel=1e-12, abs=1e-12)


def test_simulating_in_blocks_of_weeks_is_the_whole_season(cohort):
    """What the re-planner relies on: the athletes stepped 4 weeks at a time meet the season `simulate_season` runs."""
    plans = np.repeat(decode(center(), 52, ARTICLE_RULES)[None], cohort.n, axis=0)
    whole, _, _ = simulate_season(cohort, plans)
    st = cohort.states.copy()
    parts = []
    for k in range(0, 52, 4):
        met = np.empty((cohort.n, 4, METRIC_SIZE))
        kernel.simulate(st, cohort.athletes, cohort.params, np.ascontiguousarray(plans[:, k:k + 4]), cohort.seed,
                        cohort.keys, 7 * k, met)
        parts.append(met)
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), whole)


def test_free_genes_are_the_phases_not_over():
    assert free_genes(0, 52).all()
    late = free_genes(51, 52)
    taper = np.zeros(N_GENES, dtype=bool)
    taper[PHASE_TAPER * N_PHASE_GENES:(PHASE_TAPER + 1) * N_PHASE_GENES] = True
    assert PHASES[PHASE_TAPER] == "taper"
    np.testing.assert_array_equal(late, taper)


def test_splice_keeps_the_weeks_already_run_and_the_rules_hold():
    from envs.actions import limit_season

    rng = np.random.default_rng(3)
    done = decode(rng.random(N_GENES), 52, ARTICLE_RULES)[:20]
    new = splice(rng.random((5, N_GENES)), 52, done, LIM)
    for season in new:
        np.testing.assert_array_equal(season[:20], done)
        again = season.copy()
        limit_season(again, LIM)  # within the rules: the rules change nothing more
        np.testing.assert_array_equal(again, season)


def test_the_search_never_ends_worse_than_its_start_and_is_seeded(cohort):
    rt0 = start_race_time(cohort.athletes, cohort.states, cohort.params)
    bodies = true_bodies(cohort.athletes, cohort.keys, cohort.states, rt0, 3, 0, salt=5)
    obj = Objective(bodies, cohort.params, 11, TRAINING_REWARD, 20.0)
    start = np.repeat(center()[None], cohort.n, axis=0)
    j0 = obj(np.repeat(decode(center(), 52, ARTICLE_RULES)[None, None], cohort.n, axis=0))[:, 0]
    genes, plans = optimize_each(obj, start, 52, None, LIM, Search(3, 0.2, population=6, seed=1))
    j = obj(plans[:, None])[:, 0]
    assert (j <= j0 + 1e-12).all()
    assert (j < j0).any()  # three generations of six find something better for someone
    genes2, plans2 = optimize_each(obj, start, 52, None, LIM, Search(3, 0.2, population=6, seed=1))
    np.testing.assert_array_equal(plans, plans2)
    np.testing.assert_array_equal(genes, genes2)
    # with a check on other bodies, a plan is kept only where it also wins there, else the start is
    others = Objective(true_bodies(cohort.athletes, cohort.keys, cohort.states, rt0, 6, 0, salt=6), cohort.params,
                       11, TRAINING_REWARD, 20.0)
    genes3, plans3 = optimize_each(obj, start, 52, None, LIM, Search(3, 0.2, population=6, seed=1), None, others)
    first = decode(center(), 52, ARTICLE_RULES)
    jc = others(np.stack([np.repeat(first[None], cohort.n, axis=0), plans], axis=1))
    kept = jc[:, 1] < jc[:, 0]
    np.testing.assert_array_equal(plans3[kept], plans[kept])
    np.testing.assert_array_equal(plans3[~kept], np.repeat(first[None], (~kept).sum(), axis=0))


def test_the_per_athlete_planners_give_each_athlete_the_same_plan_in_any_batch():
    """Every random draw is keyed by the athlete, so a run split by athletes (into batches, or over two
    processes) gives the same plans as one run on everyone."""
    import dataclasses

    from experiments.headline.ladder import LadderSettings, PerAthletePlanners

    c = make_cohort("beginner", 6, 900001, "10k")
    s = LadderSettings(particles=8, draws=3, first=Search(2, 0.1, population=5), replan=Search(1, 0.1, population=5),
                       replan_every=13)
    whole = PerAthletePlanners(center(), s)
    halves = [PerAthletePlanners(center(), s), PerAthletePlanners(center(), s)]
    # contiguous copies, as the planners' own split makes them (`ladder._subset`): strided views would compile a
    # second copy of the season kernels for non-contiguous arrays (8 s of a cold-cache test run)
    parts = [dataclasses.replace(c, athletes=c.athletes[i::2].copy(), states=c.states[i::2].copy(),
                                 keys=c.keys[i::2].copy()) for i in range(2)]
    two_processes = PerAthletePlanners(center(), dataclasses.replace(s, workers=2))
    for rung in ("personalized", "oracle", "replanned"):
        full = getattr(whole, rung)(c, 52)
        for i, part in enumerate(parts):
            np.testing.assert_array_equal(getattr(halves[i], rung)(part, 52), full[i::2], err_msg=rung)
        np.testing.assert_array_equal(getattr(two_processes, rung)(c, 52), full, err_msg=rung)
    two_processes.close()


def test_a_subset_of_the_athletes_reuses_their_open_loop_plans():
    """The stress tests run on the first athletes: their personalized and oracle plans are looked up by
    athlete key, not made again."""
    import dataclasses

    from experiments.headline.ladder import LadderSettings, PerAthletePlanners

    c = make_cohort("advanced", 5, 900002, "10k")
    s = LadderSettings(particles=6, draws=2, first=Search(1, 0.1, population=4), replan=Search(1, 0.1, population=4))
    planners = PerAthletePlanners(center(), s)
    full = planners.personalized(c, 52), planners.oracle(c, 52)
    calls = []
    planners._map = lambda *a, **k: calls.append(a) or []  # any new optimization would come through here
    part = dataclasses.replace(c, athletes=c.athletes[[3, 1]], states=c.states[[3, 1]], keys=c.keys[[3, 1]])
    np.testing.assert_array_equal(planners.personalized(part, 52), full[0][[3, 1]])
    np.testing.assert_array_equal(planners.oracle(part, 52), full[1][[3, 1]])
    assert calls == []
