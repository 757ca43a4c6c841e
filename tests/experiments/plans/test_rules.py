"""The article's rules on exported plans: known answers on hand-made weeks, the templates, the mistakes."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from agents.baselines import BASELINES
from experiments.plans.formats import frame_from_json, to_json
from experiments.plans.rules import RULES, annotate, check, is_hard_lift, undeclared
from experiments.plans.season_plan import athlete_profile, policy_week_plans, season_dates, season_plan

START = dt.date(2027, 1, 4)
RACE = dt.date(2027, 5, 23)  # 20 weeks: transition, base, pre-season, race season and taper
N_WEEKS = season_dates(START, RACE).n_weeks


def _week(kinds: list[str], km: list[float], lifts: dict[int, tuple[str, str]] | None = None) -> list[dict]:
    lifts = lifts or {}
    return [
        {
            "run_kind": k,
            "distance_km": d,
            "strength_emphasis": lifts.get(i, ("none", ""))[0],
            "strength_effort": lifts.get(i, ("none", ""))[1],
        }
        for i, (k, d) in enumerate(zip(kinds, km, strict=True))
    ]


EASY_WEEK = ["easy", "tempo", "easy", "rest", "easy", "easy", "long"]
EASY_KM = [8.0, 8.0, 8.0, 0.0, 8.0, 8.0, 12.0]
RACE_WEEK = ["easy", "tempo", "easy", "rest", "easy", "rest", "race"]


def _plan(weeks: list[list[dict]]) -> pd.DataFrame:
    rows = []
    n = len(weeks)
    for w, days in enumerate(weeks):
        for d, day in enumerate(days):
            rows.append(
                {
                    "date": START + dt.timedelta(days=7 * w + d),
                    "week": w + 1,
                    "weeks_to_race": n - 1 - w,
                    "phase": "x",
                    **day,
                }
            )
    return pd.DataFrame(rows)


def _season(
    lifts_by_week: dict[int, dict[int, tuple[str, str]]], n: int = 8, taper_km: float = 0.5
) -> pd.DataFrame:
    """n weeks, the last three a taper at `taper_km` of the volume; maintenance once a week unless given."""
    weeks = []
    for w in range(n):
        wtr = n - 1 - w
        scale = taper_km if wtr <= 2 else 1.0
        kinds = RACE_WEEK if wtr == 0 else EASY_WEEK
        km = [k * scale for k in EASY_KM]
        if wtr == 0:
            km[-1] = 10.0
        lifts = lifts_by_week.get(w, {2: ("maintenance", "moderate")})
        weeks.append(_week(kinds, km, lifts))
    return _plan(weeks)


def _rules(df: pd.DataFrame) -> list[str]:
    return [v.rule for v in check(df)]


def test_a_plan_following_the_article_has_no_violation():
    assert check(_season({})) == []


def test_hard_lifting_the_day_before_a_key_run_is_flagged_once():
    # Monday heavy at moderate effort, Tuesday tempo
    df = _season({0: {0: ("heavy", "moderate")}})
    v = check(df)
    assert [x.rule for x in v] == ["no_hard_lift_before_key"]
    assert v[0].date == START.isoformat() and v[0].week == 1 and not v[0].declared


@pytest.mark.parametrize(
    "emphasis,effort,hard",
    [
        ("heavy", "moderate", True),
        ("heavy", "hard", True),
        ("heavy", "easy", False),
        ("power", "moderate", False),
        ("power", "hard", True),
        ("maintenance", "moderate", False),
        ("toning", "hard", True),
        ("none", "", False),
    ],
)
def test_what_counts_as_hard_lifting(emphasis, effort, hard):
    assert is_hard_lift(emphasis, effort) is hard
    df = _season({0: {0: (emphasis, effort)}})
    assert ("no_hard_lift_before_key" in _rules(df)) is hard


def test_heavy_the_day_before_the_long_run_is_flagged():
    df = _season({0: {5: ("heavy", "moderate")}})  # Saturday easy + heavy, Sunday long run
    assert _rules(df) == ["no_hard_lift_before_key"]


def test_hard_lifting_on_a_key_run_day_breaks_the_placement_rule():
    df = _season({0: {6: ("heavy", "moderate")}})  # heavy after the long run
    assert _rules(df) == ["strength_after_easy_or_separate"]
    df = _season({0: {3: ("heavy", "moderate")}})  # on the rest day (Thursday, before an easy Friday): fine
    assert _rules(df) == []
    # light to moderate work after the key session is the article's exception ("hard days hard")
    assert _rules(_season({0: {1: ("power", "moderate")}})) == []
    assert _rules(_season({0: {1: ("maintenance", "hard")}})) == ["strength_after_easy_or_separate"]
    # ... but only after the run
    df = _season({0: {1: ("power", "moderate")}}).assign(strength_after_run=False)
    assert _rules(df) == ["strength_after_easy_or_separate"]


def test_race_season_needs_maintenance_not_heavy_and_not_nothing():
    n = 8
    race_season_week = n - 1 - 4  # 4 weeks before the race
    assert _rules(_season({race_season_week: {2: ("heavy", "moderate")}}, n)) == [
        "maintenance_in_race_season"
    ]
    assert _rules(_season({race_season_week: {}}, n)) == ["maintenance_in_race_season"]  # dropped
    three = {2: ("maintenance", "easy"), 4: ("maintenance", "easy"), 0: ("maintenance", "easy")}
    assert _rules(_season({race_season_week: three}, n)) == ["maintenance_in_race_season"]
    assert _rules(_season({race_season_week: {2: ("maintenance", "hard")}}, n)) == [
        "maintenance_in_race_season"
    ]
    # race week without lifting is fine; far from the race anything goes
    assert _rules(_season({n - 1: {}}, n)) == []
    assert _rules(_season({0: {2: ("toning", "moderate")}}, n)) == []


def test_taper_needs_less_running_and_the_race_last():
    assert _rules(_season({}, taper_km=0.85)) == []
    v = check(_season({}, taper_km=1.0))
    # the two weeks before race week are not reduced (race week has fewer runs, so it is)
    assert {x.rule for x in v} == {"taper"} and [x.week for x in v] == [6, 7]
    df = _season({})
    df.loc[df.index[-1], "run_kind"] = "easy"
    assert _rules(df) == ["taper"]


def test_annotate_declares_every_violation_and_the_declaration_survives_json():
    df = _season({0: {0: ("heavy", "moderate")}, 4: {}}, taper_km=1.0)
    assert undeclared(check(df))
    out = annotate(df)
    v = check(out)
    assert len(v) == len(check(df)) and undeclared(v) == []
    assert "policy's choice (no_hard_lift_before_key)" in out.loc[0, "note"]
    assert all("policy's choice (taper)" in n for n in out.loc[out["week"] == 7, "note"])
    # without the notes the same plan is not explained any more
    assert undeclared(check(out.assign(note="", day_note="", week_note="")))


def _export(name: str, level: str) -> pd.DataFrame:
    weeks = policy_week_plans(BASELINES[name], level, N_WEEKS)
    return season_plan(weeks, athlete_profile(level), START, RACE)


@pytest.mark.parametrize("level", ["beginner", "intermediate"])
def test_template_plans_follow_every_rule(level):
    df = _export(level, level)
    assert check(df) == []
    assert "policy's choice" not in " ".join(df["note"])


def test_every_template_export_passes_and_explains_any_departure():
    for level in ("beginner", "intermediate", "advanced"):
        df = _export(level, level)
        back = frame_from_json(json.loads(to_json(df)))
        assert undeclared(check(back)) == [], level
        # template plans never break the season-level rules (maintenance, taper)
        assert {v.rule for v in check(df)} <= {
            "no_hard_lift_before_key",
            "strength_after_easy_or_separate",
        }, level


@pytest.mark.parametrize(
    "mistake,rule",
    [
        ("mistake_lift_before_key", "no_hard_lift_before_key"),
        ("mistake_drop_in_season", "maintenance_in_race_season"),
        ("mistake_toning_only", "maintenance_in_race_season"),
        ("run_only", "maintenance_in_race_season"),
    ],
)
def test_mistakes_break_their_rule_and_the_export_says_so(mistake, rule):
    df = _export(mistake, "intermediate")
    v = check(df)
    assert rule in {x.rule for x in v}
    assert undeclared(v) == []
    assert any(f"policy's choice ({rule})" in n for n in df["note"])


def test_ignoring_pain_is_said_in_the_notes():
    df = _export("mistake_ignore_pain", "intermediate")
    assert all("policy's choice (pain_rule)" in n for n in df["note"])


def test_rules_are_named_in_the_module():
    assert set(RULES) == {
        "no_hard_lift_before_key",
        "strength_after_easy_or_separate",
        "maintenance_in_race_season",
        "no_hard_lift_back_to_back",
        "taper",
    }


# --------------------------------------------------------------------------- the scheduler keeps the rules
SCHEDULER_RULES = ("no_hard_lift_before_key", "strength_after_easy_or_separate", "no_hard_lift_back_to_back")


def _random_season(rng, n_weeks: int):
    """Random week plans (any volume, key runs, long run, strength dose) with a rule-keeping placement."""
    import numpy as np

    from sim.state import (
        EFFORTS,
        EMPHASES,
        P_EFFORT,
        P_EMPHASIS,
        P_KEY_RUNS,
        P_LONG_IS_REL,
        P_LONG_KM,
        P_PLACEMENT,
        P_RACE,
        P_RUN_IS_REL,
        P_RUN_KM,
        P_STR_SESSIONS,
        PLACE_BEFORE_KEY,
        PLAN_SIZE,
    )

    plans = np.zeros((n_weeks, PLAN_SIZE))
    plans[:, P_RUN_KM] = rng.uniform(0.3, 2.0, n_weeks)
    plans[:, P_RUN_IS_REL] = 1.0
    plans[:, P_KEY_RUNS] = rng.integers(0, 4, n_weeks)
    plans[:, P_LONG_KM] = rng.choice([0.0, 0.2, 0.25, 0.3], n_weeks)
    plans[:, P_LONG_IS_REL] = 1.0
    plans[:, P_STR_SESSIONS] = rng.integers(0, 4, n_weeks)
    plans[:, P_EMPHASIS] = rng.integers(0, len(EMPHASES), n_weeks)
    plans[:, P_EFFORT] = rng.integers(0, len(EFFORTS), n_weeks)
    plans[:, P_PLACEMENT] = rng.integers(0, PLACE_BEFORE_KEY, n_weeks)  # after_easy or separate_day
    plans[-1, P_RACE] = 1.0
    return plans


@pytest.mark.parametrize("level", ["beginner", "advanced"])
def test_scheduler_keeps_the_timing_rules_for_any_week_plan(level):
    """Whatever a plan asks for (3 key runs, a long run and 3 heavy sessions to failure included),
    the scheduler's days break none of the timing rules under after_easy/separate_day: hard lifting
    that has no legal day is lightened, not moved onto a key day or next to other hard lifting."""
    import numpy as np

    from experiments.report.credibility import rule_violations
    from sim.plan import WeekPlan

    rng = np.random.default_rng(17)
    ath = athlete_profile(level)
    for _ in range(3):
        plans = _random_season(rng, 30)
        broken = [v for v in rule_violations(plans, ath) if v.rule in SCHEDULER_RULES]
        assert broken == [], broken[:3]
        # the lightening is not a way of dropping work: every planned session is still there
        days = season_plan([WeekPlan.from_array(p) for p in plans], ath, START, START + dt.timedelta(days=7 * 30 - 1),
                           annotate=False)
        per_week = days[days["strength_emphasis"] != "none"].groupby("week").size()
        want = {w + 1: int(p[5]) for w, p in enumerate(plans) if p[5] > 0 and p[6] > 0}
        assert {int(k): int(v) for k, v in per_week.items()} == want


def test_the_mistake_still_lifts_hard_before_key_runs():
    """before_key is the article's mistake 3 on purpose: its hard sessions are not lightened."""
    import numpy as np

    from experiments.report.credibility import rule_violations
    from sim.state import P_PLACEMENT, PLACE_BEFORE_KEY

    plans = _random_season(np.random.default_rng(3), 20)
    plans[:, P_PLACEMENT] = PLACE_BEFORE_KEY
    plans[:, 5:8] = (2, 1, 2)  # 2 heavy sessions to failure
    plans[:, 2] = 2
    rules_broken = {v.rule for v in rule_violations(plans, athlete_profile("intermediate"))}
    assert "no_hard_lift_before_key" in rules_broken
