"""Baseline policies: labelled week plans, the numba form and SB3-style predict agree."""

from __future__ import annotations

import numpy as np
import pytest

from agents.baselines import BASELINES, MISTAKE_OUTCOME, MISTAKES, TEMPLATES
from sim.errors import InputError
from sim.plan import WeekPlan, plans_to_array
from sim.season import phase_name
from sim.state import LEVELS, P_SETS

CONTRACT_NAMES = ("beginner", "intermediate", "advanced", "run_only", "mistake_toning_only", "mistake_random",
                  "mistake_lift_before_key", "mistake_drop_in_season", "mistake_ignore_pain")


def test_names_follow_the_contract():
    assert tuple(BASELINES) == CONTRACT_NAMES
    assert set(MISTAKES) == set(MISTAKE_OUTCOME) and len(MISTAKES) == 5
    assert TEMPLATES == ("beginner", "intermediate", "advanced")


@pytest.mark.parametrize("name", CONTRACT_NAMES)
@pytest.mark.parametrize("level", LEVELS)
def test_season_plan_is_the_plan_array_with_labels(name, level):
    b = BASELINES[name]
    weeks = b.season_plan(level, 30, athlete_index=4, seed=3)
    assert len(weeks) == 30 and all(isinstance(w, WeekPlan) for w in weeks)
    arr = b.plan_array(level, 30, 10, seed=3)
    np.testing.assert_array_equal(plans_to_array(weeks), arr[4 if b.per_athlete else 0])
    assert [w.phase for w in weeks] == [phase_name(i, 30) for i in range(30)]
    assert all(w.note for w in weeks)
    assert weeks[-1].race and not any(w.race for w in weeks[:-1])
    assert "race on day 7" in weeks[-1].note and "race in 1 week" in weeks[-2].note
    for w in weeks:
        assert bool(w.strength.exercises) == w.strength.active


def test_week_plans_name_the_articles_exercises():
    beg = BASELINES["beginner"].season_plan("beginner", 52)
    names = {e.name for e in beg[10].strength.exercises}
    assert "A: Goblet squat" in names and "B: Romanian deadlift with dumbbells" in names
    assert "first weeks" in beg[0].note
    adv = BASELINES["advanced"].season_plan("advanced", 52)
    assert adv[10].strength.exercises[0].name == "Heavy squats or trap bar deadlifts"
    assert any("jumps" in e.name for e in adv[40].strength.exercises)  # pre-season power
    race = adv[47]
    assert race.phase == "race_season" and race.note.startswith("maintenance: race in 4 weeks")
    assert all(e.sets == 2 for e in race.strength.exercises)
    assert all(e.sets == 1 for e in adv[50].strength.exercises)  # taper: fewer sets
    assert BASELINES["run_only"].season_plan("advanced", 52)[10].strength.exercises == ()
    ton = BASELINES["mistake_toning_only"].season_plan("intermediate", 52)[10]
    assert ton.strength.emphasis == "toning" and ton.note.startswith("mistake (toning only")


def test_bad_input_names_the_field():
    b = BASELINES["intermediate"]
    with pytest.raises(InputError, match="level: 'elite'"):
        b.season_plan("elite", 52)
    with pytest.raises(InputError, match="season_weeks"):
        b.plan_array("beginner", 2)
    with pytest.raises(InputError, match="athletes"):
        b.plan_array("beginner", 52, 0)
    with pytest.raises(InputError, match="action_scope"):
        b.with_scope("everything")


def _obs(level: int, week: int, n_weeks: int, prev: float = 1.0) -> np.ndarray:
    from envs.observation import O_LEVEL, O_PREV_VOLUME_REL, O_SEASON_WEEKS, O_WEEK, O_WEEKS_TO_RACE, OBS_SIZE

    o = np.zeros(OBS_SIZE, dtype=np.float32)
    o[O_WEEK], o[O_WEEKS_TO_RACE], o[O_SEASON_WEEKS] = week, n_weeks - 1 - week, n_weeks
    o[O_LEVEL], o[O_PREV_VOLUME_REL] = level, prev
    return o


@pytest.mark.parametrize("name", ["beginner", "advanced", "mistake_lift_before_key",
                                  "mistake_drop_in_season"])
def test_predict_decodes_to_the_templates_week(name):
    from envs.actions import action_to_week_plan

    b = BASELINES[name]
    n_weeks, level = 40, 2
    weeks = b.season_plan(level, n_weeks)
    obs = np.stack([_obs(level, w, n_weeks) for w in range(n_weeks)])
    actions, state = b.predict(obs)
    assert state is None and actions.shape == (n_weeks, 4)
    single, _ = b.predict(obs[5])
    np.testing.assert_array_equal(single, actions[5])
    for w in range(n_weeks):
        got = action_to_week_plan(actions[w], "strength", level, w, n_weeks).to_array()
        want = weeks[w].to_array()
        got[P_SETS] = want[P_SETS] = 0  # the action space has no sets: the env uses the emphasis default
        np.testing.assert_array_equal(got, want)


def test_predict_random_workouts_row_i_is_athlete_i():
    from envs.actions import action_to_week_plan

    b = BASELINES["mistake_random"].with_scope("strength", seed=11)
    arr = b.plan_array("intermediate", 20, 6, seed=11)
    obs = np.stack([_obs(1, 7, 20)] * 6)
    actions, _ = b.predict(obs)
    for i in range(6):
        got = action_to_week_plan(actions[i], "strength", 1, 7, 20).strength
        want = WeekPlan.from_array(arr[i, 7]).strength
        assert (got.sessions, got.emphasis, got.effort, got.placement) == \
            (want.sessions, want.emphasis, want.effort, want.placement)


def test_predict_strength_and_run_scope_keeps_the_reference_volume():
    from envs.actions import action_to_week_plan

    b = BASELINES["intermediate"].with_scope("strength_and_run")
    ref = BASELINES["run_only"].season_plan("intermediate", 52)
    prev = 1.0
    for w in (0, 1, 10, 30, 50):
        prev = ref[w - 1].run_volume_rel if w else 1.0
        a, _ = b.predict(_obs(1, w, 52, prev))
        assert a.shape == (8,)
        got = action_to_week_plan(a, "strength_and_run", 1, w, 52, prev)
        mine = b.season_plan("intermediate", 52)[w].strength
        assert got.strength.sets == (mine.sets if got.strength.active else None)  # the template's sets
        # nearest volume step: within half a step (10% of last week) of the reference volume
        assert abs(got.run_volume_rel - ref[w].run_volume_rel) <= 0.05 * prev + 1e-9
        assert got.key_runs == ref[w].key_runs
