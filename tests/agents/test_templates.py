"""The numba week-plan writers: every baseline shares the reference running, only strength differs."""

from __future__ import annotations

import numpy as np
import pytest

from agents import templates as T
from sim.season import (
    PHASE_BASE,
    PHASE_PRE,
    PHASE_RACE,
    PHASE_TAPER,
    PHASE_TRANSITION,
    phase_of,
    reference_run_plan,
)
from sim.state import (
    EFFORT_EASY,
    EFFORT_HARD,
    EFFORT_MODERATE,
    EMPH_HEAVY,
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPH_POWER,
    EMPH_TONING,
    P_EFFORT,
    P_EMPHASIS,
    P_PAIN_RULE,
    P_PLACEMENT,
    P_SETS,
    P_STR_SESSIONS,
    PLACE_AFTER_EASY,
    PLACE_BEFORE_KEY,
)

WEEKS = 52
STRENGTH = [P_STR_SESSIONS, P_EMPHASIS, P_EFFORT, P_PLACEMENT, P_SETS]
RUNNING = [i for i in range(13) if i not in STRENGTH and i != P_PAIN_RULE]
PHASES = np.array([phase_of(w, WEEKS) for w in range(WEEKS)])


def season(strategy: int, level: int, n: int = 1, seed: int = 0) -> np.ndarray:
    return T.season_array(strategy, level, WEEKS, n, seed)


@pytest.mark.parametrize("level", [0, 1, 2])
@pytest.mark.parametrize("strategy", range(len(T.STRATEGIES)))
def test_all_baselines_share_the_reference_running(strategy, level):
    plans = season(strategy, level, n=3)
    ref = reference_run_plan(level, WEEKS)
    for row in plans:
        np.testing.assert_array_equal(row[:, RUNNING], ref[:, RUNNING])
        assert row[-1, 11] == 1.0  # race at the end of the last week


@pytest.mark.parametrize("template, sessions", [
    (T.S_BEGINNER, {1, 2}), (T.S_INTERMEDIATE, {1, 2}), (T.S_ADVANCED, {1, 2, 3}),
])
def test_template_frequencies_follow_the_article(template, sessions):
    p = season(template, 1)[0]
    assert set(p[:, P_STR_SESSIONS].astype(int)) <= sessions
    base = p[PHASES == PHASE_BASE]
    assert np.all(base[:, P_EMPHASIS] == EMPH_HEAVY)
    assert np.all(base[:, P_EFFORT] == EFFORT_MODERATE)  # 1-2 reps in reserve
    race = p[PHASES == PHASE_RACE]
    assert np.all(race[:, P_EMPHASIS] == EMPH_MAINTENANCE) and np.all(race[:, P_SETS] == 2)
    assert race[-1, P_STR_SESSIONS] == 1  # one session as the race approaches
    taper = p[PHASES == PHASE_TAPER]
    assert np.all(taper[:, P_STR_SESSIONS] == 1) and np.all(taper[:, P_SETS] == 1)
    assert np.all(taper[:, P_EFFORT] == EFFORT_EASY)
    assert np.all(p[:, P_PLACEMENT] == PLACE_AFTER_EASY) and np.all(p[:, P_PAIN_RULE] == 1.0)


def test_template_specifics():
    beg, inter, adv = (season(t, 1)[0] for t in (T.S_BEGINNER, T.S_INTERMEDIATE, T.S_ADVANCED))
    assert np.all(beg[:3, P_EFFORT] == EFFORT_EASY) and beg[3, P_EFFORT] == EFFORT_MODERATE
    assert np.all(beg[beg[:, P_EMPHASIS] == EMPH_HEAVY, P_SETS] == 2)
    assert np.all(beg[:, P_EMPHASIS] != EMPH_POWER)  # the beginner plan has no plyometrics
    assert np.all(inter[PHASES == PHASE_PRE, P_EMPHASIS] == EMPH_POWER)
    assert np.all(adv[PHASES == PHASE_PRE, P_EMPHASIS] == EMPH_POWER)
    off = adv[PHASES == PHASE_BASE]
    assert np.all(off[:, P_STR_SESSIONS] == 3) and np.all(off[:, P_SETS] == 4)
    assert np.all(adv[PHASES == PHASE_TRANSITION, P_STR_SESSIONS] == 2)
    race_sessions = inter[PHASES == PHASE_RACE, P_STR_SESSIONS]
    assert race_sessions[0] == 2 and race_sessions[-1] == 1  # 1-2 early, then 1
    assert np.all(adv[PHASES == PHASE_RACE, P_STR_SESSIONS] == 1)


@pytest.mark.parametrize("level", [0, 1, 2])
def test_templates_do_not_depend_on_the_athletes_level_mistakes_do(level):
    for t in (T.S_BEGINNER, T.S_INTERMEDIATE, T.S_ADVANCED):
        np.testing.assert_array_equal(season(t, level)[0][:, STRENGTH], season(t, 0)[0][:, STRENGTH])
    np.testing.assert_array_equal(season(T.S_IGNORE_PAIN, level)[0][:, STRENGTH],
                                  season(level, level)[0][:, STRENGTH])


@pytest.mark.parametrize("level", [0, 1, 2])
def test_mistakes_change_only_what_the_article_warns_about(level):
    tpl = season(level, level)[0]
    lifts = tpl[:, P_STR_SESSIONS] > 0

    run_only = season(T.S_RUN_ONLY, level)[0]
    assert np.all(run_only[:, P_STR_SESSIONS] == 0) and np.all(run_only[:, P_EMPHASIS] == EMPH_NONE)

    ton = season(T.S_TONING_ONLY, level)[0]
    assert np.all(ton[lifts, P_EMPHASIS] == EMPH_TONING)
    assert np.all(ton[:, P_SETS] >= T.TONING_SETS)
    np.testing.assert_array_equal(ton[:, [P_STR_SESSIONS, P_PLACEMENT, P_EFFORT]],
                                  tpl[:, [P_STR_SESSIONS, P_PLACEMENT, P_EFFORT]])

    bk = season(T.S_LIFT_BEFORE_KEY, level)[0]
    assert np.all(bk[:, P_PLACEMENT] == PLACE_BEFORE_KEY) and np.all(bk[:, P_EFFORT] == EFFORT_HARD)
    np.testing.assert_array_equal(bk[:, [P_STR_SESSIONS, P_EMPHASIS, P_SETS]],
                                  tpl[:, [P_STR_SESSIONS, P_EMPHASIS, P_SETS]])

    drop = season(T.S_DROP_IN_SEASON, level)[0]
    late = np.isin(PHASES, [PHASE_PRE, PHASE_RACE, PHASE_TAPER])
    assert np.all(drop[late, P_STR_SESSIONS] == 0) and np.all(drop[late, P_EMPHASIS] == EMPH_NONE)
    np.testing.assert_array_equal(drop[~late], tpl[~late])

    pain = season(T.S_IGNORE_PAIN, level)[0]
    assert np.all(pain[:, P_PAIN_RULE] == 0.0)
    np.testing.assert_array_equal(np.delete(pain, P_PAIN_RULE, axis=1), np.delete(tpl, P_PAIN_RULE, axis=1))


def test_random_workouts_change_every_week_per_athlete_and_are_seeded():
    a = season(T.S_RANDOM, 1, n=200, seed=7)
    assert a.shape == (200, WEEKS, 13)
    np.testing.assert_array_equal(a, season(T.S_RANDOM, 1, n=200, seed=7))
    assert not np.array_equal(a, season(T.S_RANDOM, 1, n=200, seed=8))
    assert not np.array_equal(a[0], a[1])
    s = a[:, :, STRENGTH].reshape(-1, len(STRENGTH))
    assert set(s[:, 0].astype(int)) == {1, 2, 3}
    assert set(s[:, 1].astype(int)) == {EMPH_HEAVY, EMPH_POWER, EMPH_MAINTENANCE, EMPH_TONING}
    assert set(s[:, 2].astype(int)) == {0, 1, 2} and set(s[:, 3].astype(int)) == {0, 1, 2}
    assert set(s[:, 4].astype(int)) == set(range(1, T.RANDOM_MAX_SETS + 1))
    # roughly uniform: each emphasis in a quarter of 10,400 athlete-weeks, within 10%
    counts = np.bincount(s[:, 1].astype(int), minlength=5)[1:]
    assert np.all(np.abs(counts / counts.sum() - 0.25) < 0.025)
    # athlete i's season is the same whether drawn alone or in a batch
    alone = T.season_array(T.S_RANDOM, 1, WEEKS, 1, 7, athlete0=13)
    np.testing.assert_array_equal(alone[0], a[13])


def test_deterministic_strategies_give_one_shared_row():
    for s in range(len(T.STRATEGIES)):
        assert season(s, 1, n=50).shape[0] == (50 if s in T.PER_ATHLETE else 1)
