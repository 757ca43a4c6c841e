"""The article's rules written once (`envs.rules`): the numba masks, the pandas rule report and the
credibility checks agree with its week-level evaluator on random seasons, and so with each other."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envs import rules
from envs.actions import (
    SCOPE_STRENGTH_AND_RUN,
    action_mask,
    action_nvec,
    clamp_strength,
    decode_season,
    volume_state_start,
)
from envs.config import ARTICLE_RULES, limits_array
from envs.rules import (
    BREAKS,
    IS_RECOVERY,
    RACE_SEASON,
    RACE_SEASON_DROPPED,
    RACE_SEASON_TOO_MANY,
    RECOVERY_MISSED,
    TAPER_OVER,
    evaluate,
    is_hard_lift_named,
    is_maintenance_lift,
    taper_weeks,
)
from experiments.plans import rules as report
from experiments.report import credibility
from sim import kernel
from sim.season import RACE_SEASON_WEEKS, TAPER_WEEKS
from sim.state import (
    A_HABITUAL_KM,
    A_RACE_KM,
    ATHLETE_SIZE,
    EFFORTS,
    EMPH_NONE,
    EMPHASES,
    P_EFFORT,
    P_EMPHASIS,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_STR_SESSIONS,
    PLAN_SIZE,
)

LIMITS = limits_array(ARTICLE_RULES)
SETTINGS = settings(max_examples=60, deadline=None, database=None)  # no example database in the checkout


def _weeks_of_plans(plans: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """The evaluator's weekly columns from week plans (what the env decodes)."""
    lifting = (plans[:, P_STR_SESSIONS] > 0.5) & (np.rint(plans[:, P_EMPHASIS]) != EMPH_NONE)
    sessions = np.where(lifting, np.rint(plans[:, P_STR_SESSIONS]), 0.0)
    grade = np.array([not is_maintenance_lift(int(e), int(f)) for e, f in plans[:, [P_EMPHASIS, P_EFFORT]]])
    return evaluate(volume, sessions, np.where(grade, sessions, 0.0))


# --------------------------------------------------------------------------- the definition itself
def test_one_definition_of_hard_lifting_for_the_scheduler_and_the_report():
    for (e, emph), (f, effort) in itertools.product(enumerate(EMPHASES), enumerate(EFFORTS)):
        hard = bool(kernel.is_hard_lift(e, f))
        assert is_hard_lift_named(emph, effort) is hard is report.is_hard_lift(emph, effort), (emph, effort)
    assert report.is_hard_lift("none", "") is False and report.is_hard_lift(float("nan"), "hard") is False


def test_the_evaluator_on_known_weeks():
    # 3:1 cycle (week 11 cuts 20% from 1.2), then the taper under 0.9 of the window's 1.04 mean
    vol = np.array([1.0, 1.0, 1.0, 0.8, 1.0, 1.0, 1.0, 0.8, 1.0, 1.0, 1.2, 0.96, 0.75, 0.6, 0.45])
    bits = evaluate(vol)
    assert [w for w in range(len(vol)) if bits[w] & IS_RECOVERY] == [3, 7, 11, 12, 13, 14]
    assert not np.any(bits & (RECOVERY_MISSED | TAPER_OVER))
    assert taper_weeks(bits) == TAPER_WEEKS + 1
    flat = evaluate(np.ones(15))
    assert [w for w in range(15) if flat[w] & RECOVERY_MISSED] == [3, 7, 11]  # week 15 is in the taper
    assert [w for w in range(15) if flat[w] & TAPER_OVER] == [12, 13, 14] and taper_weeks(flat) == 0
    # race season: dropped (not race week), too many, not maintenance-grade; none outside it
    n = 10
    sessions = np.array([0, 0, 0, 3, 0, 2, 1, 1, 1, 0])
    heavy = np.array([0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
    bits = evaluate(np.ones(n), sessions, heavy)
    assert [int(b) & RACE_SEASON for b in bits] == [0, 0, 0, RACE_SEASON_TOO_MANY, RACE_SEASON_DROPPED, 0,
                                                    rules.RACE_SEASON_NOT_MAINTENANCE, 0, 0, 0]
    assert n - 1 - RACE_SEASON_WEEKS == 3


# --------------------------------------------------------------------------- numba masks
@st.composite
def decoded_seasons(draw):
    n = draw(st.integers(8, 30))
    nvec = action_nvec("strength_and_run")
    acts = np.array([[draw(st.integers(0, k - 1)) for k in nvec] for _ in range(n)], dtype=np.int64)
    level = draw(st.integers(0, 2))
    return decode_season(acts, SCOPE_STRENGTH_AND_RUN, level, n, LIMITS, np.empty((n, PLAN_SIZE)))


@SETTINGS
@given(decoded_seasons())
def test_every_season_the_masks_allow_keeps_the_rules(plans):
    """Decoded under ARTICLE_RULES, any season passes the evaluator (planned volume with the race,
    which the taper cap keeps under 0.8 of the window: under 0.9 without the race too)."""
    bits = _weeks_of_plans(plans, plans[:, P_RUN_KM])
    assert not np.any(bits & BREAKS), [(w, int(b)) for w, b in enumerate(bits) if b & BREAKS]


@SETTINGS
@given(st.integers(10, 40), st.data())
def test_the_clamp_changes_a_race_season_week_exactly_when_the_evaluator_flags_it(n, data):
    week = n - 1 - data.draw(st.integers(0, RACE_SEASON_WEEKS))
    vstate = volume_state_start(np.empty(3))
    mask = action_mask(SCOPE_STRENGTH_AND_RUN, week, n, vstate, LIMITS, np.zeros(sum(action_nvec("strength_and_run")),
                                                                                  dtype=np.bool_))
    for s, e, f in itertools.product(range(4), range(len(EMPHASES)), range(len(EFFORTS))):
        plan = np.zeros(PLAN_SIZE)
        plan[[P_STR_SESSIONS, P_EMPHASIS, P_EFFORT]] = s, e, f
        lifts = s > 0 and e != EMPH_NONE
        sessions = s if lifts else 0
        graded = sessions if lifts and not is_maintenance_lift(e, f) else 0
        flagged = rules.race_season_breaks(n - 1 - week, sessions, graded) != 0
        after = clamp_strength(plan.copy(), week, n, LIMITS)
        lifts_after = after[P_STR_SESSIONS] > 0 and after[P_EMPHASIS] != EMPH_NONE
        before_week = (sessions, e if lifts else 0, f if lifts else 0)
        after_week = (int(after[P_STR_SESSIONS]), int(after[P_EMPHASIS]) if lifts_after else 0,
                      int(after[P_EFFORT]) if lifts_after else 0)
        assert (before_week != after_week) is flagged, (week, n, s, e, f)
        if lifts:  # a lifting choice is open in the mask exactly when the week keeps the rules
            allowed = mask[s] and mask[4 + e] and mask[4 + len(EMPHASES) + f]
            assert bool(allowed) is not flagged, (week, n, s, e, f)


# --------------------------------------------------------------------------- pandas report, numpy checks
@st.composite
def week_seasons(draw):
    """A season of weeks: running volume (multiples of 1/64 of habitual km: exact in floats, so the
    three readings compare the same numbers), strength sessions, emphasis and effort."""
    n = draw(st.integers(TAPER_WEEKS + 2, 20))
    vol = np.array([draw(st.integers(0, 128)) / 64 for _ in range(n)])
    sessions = np.array([draw(st.integers(0, 3)) for _ in range(n)])
    emph = [draw(st.sampled_from(EMPHASES[1:])) for _ in range(n)]
    effort = [draw(st.sampled_from(EFFORTS)) for _ in range(n)]
    return vol, sessions, emph, effort


RACE_KM, HABITUAL_KM = 0.25, 1.0  # race and habit in the same units as the volumes (exact arithmetic)
START = dt.date(2027, 1, 4)


def _days(vol, sessions, emph, effort) -> pd.DataFrame:
    """A day frame of the season: the week's running as one easy run on day 1, the race on race
    week's last day, the strength sessions on days 2, 4 and 6 (rest days)."""
    n = len(vol)
    rows = []
    for w in range(n):
        for d in range(7):
            kind, km = ("easy", vol[w]) if d == 0 else ("rest", 0.0)
            if w == n - 1 and d == 6:
                kind, km = "race", RACE_KM
            lift = d in (1, 3, 5)[: sessions[w]]
            rows.append({"date": START + dt.timedelta(days=7 * w + d), "week": w + 1, "weeks_to_race": n - 1 - w,
                         "run_kind": kind, "distance_km": km, "strength_emphasis": emph[w] if lift else "none",
                         "strength_effort": effort[w] if lift else "", "strength_after_run": False})
    return pd.DataFrame(rows)


def _plans(vol, sessions, emph, effort) -> np.ndarray:
    n = len(vol)
    plans = np.zeros((1, n, PLAN_SIZE))
    plans[0, :, P_RUN_KM] = vol
    plans[0, -1, P_RUN_KM] += RACE_KM / HABITUAL_KM  # a week plan's volume includes its race
    plans[0, :, P_RUN_IS_REL] = 1.0
    plans[0, :, P_STR_SESSIONS] = sessions
    plans[0, :, P_EMPHASIS] = [EMPHASES.index(e) for e in emph]
    plans[0, :, P_EFFORT] = [EFFORTS.index(f) for f in effort]
    plans[0, -1, P_RACE] = 1.0
    return plans


@SETTINGS
@given(week_seasons())
def test_the_rule_report_and_the_credibility_checks_agree_with_the_evaluator(season):
    vol, sessions, emph, effort = season
    n = len(vol)
    graded = np.array([s if not rules.is_maintenance_lift_named(e, f) else 0
                       for s, e, f in zip(sessions, emph, effort, strict=True)])
    bits = evaluate(vol, sessions, graded)

    # pandas: the week-level violations are the evaluator's bits, week by week
    found = [(v.rule, v.week) for v in report.check(_days(vol, sessions, emph, effort))]
    taper = sorted(w for r, w in found if r == "taper")
    assert taper == [w + 1 for w in range(n) if bits[w] & TAPER_OVER]
    race_season = sorted(w for r, w in found if r == "maintenance_in_race_season")
    assert race_season == sorted(w + 1 for w in range(n) for bit in (8, 16, 32) if bits[w] & bit)

    # numpy: the credibility checks read the same taper and the same recovery weeks
    plans = _plans(vol, sessions, emph, effort)
    athlete = np.zeros((1, ATHLETE_SIZE))
    athlete[0, A_HABITUAL_KM], athlete[0, A_RACE_KM] = HABITUAL_KM, RACE_KM
    volume = credibility.weekly_volume_rel(plans, np.array([HABITUAL_KM]))
    run = credibility.run_volume_rel(plans, volume, athlete, 1)
    np.testing.assert_array_equal(run[0], vol)
    t_weeks, _ = credibility.taper(run)
    has_window = n - 1 > TAPER_WEEKS
    assert t_weeks[0] == (taper_weeks(bits) if has_window else 0)
    pre = n - 1 - TAPER_WEEKS
    longest, stretch = 1, 1
    for w in range(1, pre):
        stretch = 1 if bits[w] & IS_RECOVERY else stretch + 1
        longest = max(longest, stretch)
    assert credibility.periodization(plans, volume)["no_recovery_weeks"][0] == (longest if pre > 0 else 0)


@pytest.mark.parametrize("cut", [0.1, 0.2, 0.3])
def test_a_coachs_recovery_cut_is_the_same_test(cut):
    """The env's recovery_cut (HardLimits, 0.1-0.3) and the article's 0.2 go through one comparison."""
    vol = np.array([1.0, 1.0, 1.0, 1.0 - cut, 1.0, 1.0, 1.0, 1.0 - cut + 0.01, 1.0, 1.0, 1.0, 1.0])
    bits = evaluate(vol, recovery_cut=cut)
    assert bits[3] & IS_RECOVERY and bits[7] & RECOVERY_MISSED
