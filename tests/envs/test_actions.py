"""Action decoding: the shared contract, hard limits, masks and the WeekPlan bridges."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from envs.actions import (
    ACTION_NAMES,
    LONG_SHARES,
    SCOPE_STRENGTH,
    SCOPE_STRENGTH_AND_RUN,
    SETS,
    SETS_CHOICES,
    VOLUME_MAX_REL,
    VOLUME_MIN_REL,
    VOLUME_STEPS,
    action_mask,
    action_nvec,
    action_space,
    action_to_week_plan,
    coerce_action,
    decode_action,
    decode_season,
    season_plan_array,
    week_plan_to_action,
)
from envs.config import ARTICLE_RULES, HardLimits, env_config, limits_array
from envs.rules import ARTICLE, TAPER_MAX_SHARE
from sim.errors import InputError
from sim.plan import StrengthPlan, WeekPlan
from sim.season import PHASE_TAPER, RACE_SEASON_WEEKS, phase_of, reference_run_week
from sim.state import (
    EFFORTS,
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPHASES,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_KM,
    P_PLACEMENT,
    P_RACE,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACE_BEFORE_KEY,
    PLACE_SEPARATE_DAY,
    PLAN_SIZE,
)

FREE = limits_array(HardLimits())


def vstate(prev=1.0, pre=()):
    """The volume state: steps from `prev`; `pre` the planned volumes of the weeks before the taper."""
    return np.array([prev, float(sum(pre)), float(len(pre))])


def decode(action, scope=SCOPE_STRENGTH, level=1, week=10, n_weeks=52, prev=1.0, limits=FREE, pre=()):
    return decode_action(
        np.asarray(action, dtype=np.int64), scope, level, week, n_weeks, vstate(prev, pre), limits,
        np.empty(PLAN_SIZE),
    )


def test_space_follows_the_contract():
    assert tuple(action_space("strength").nvec) == (4, 5, 3, 3)
    assert tuple(action_space("strength_and_run").nvec) == (4, 5, 3, 3, 9, 4, 8, 7)
    assert ACTION_NAMES[:4] == ("sessions", "emphasis", "effort", "placement")
    assert ACTION_NAMES[SETS] == "sets" and SETS_CHOICES == (0, 1, 2, 3, 4, 5, 6)
    assert VOLUME_STEPS == (-0.30, -0.20, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15, 0.20)
    from experiments.optimize.genes import LONG_SHARE_MAX

    assert LONG_SHARES[0] == 0.0 and LONG_SHARES[-1] == LONG_SHARE_MAX  # the optimizer's range


def test_strength_scope_runs_the_reference_plan():
    for week in (0, 10, 40, 51):
        plan = decode([2, 1, 1, 0], week=week)
        ref = np.zeros(PLAN_SIZE)
        reference_run_week(1, week, 52, ref)
        for f in (P_RUN_KM, P_KEY_RUNS, P_LONG_KM, P_RACE):
            assert plan[f] == ref[f]
        assert (plan[P_STR_SESSIONS], plan[P_EMPHASIS], plan[P_EFFORT], plan[P_PLACEMENT]) == (2, 1, 1, 0)
    assert decode([0, 0, 0, 0], week=51)[P_RACE] == 1.0
    assert decode([0, 0, 0, 0], week=50)[P_RACE] == 0.0


def test_volume_steps_are_multiplicative_and_clipped():
    for j, step in enumerate(VOLUME_STEPS):
        plan = decode([0, 0, 0, 0, j, 2, 3, 0], scope=SCOPE_STRENGTH_AND_RUN, prev=1.5)
        assert plan[P_RUN_KM] == pytest.approx(min(max(1.5 * (1 + step), 0.1), 2.0))
        assert plan[P_KEY_RUNS] == 2 and plan[P_LONG_KM] == LONG_SHARES[3]
    assert decode([0, 0, 0, 0, 0, 0, 0, 0], scope=SCOPE_STRENGTH_AND_RUN, prev=0.12)[P_RUN_KM] == 0.1


def test_no_lifting_is_one_encoding():
    # sessions 0 or emphasis none both mean no lifting, as WeekPlan.to_array writes it
    for a in ([0, 2, 1, 0], [3, 0, 1, 0]):
        plan = decode(a)
        assert plan[P_STR_SESSIONS] == 0 and plan[P_EMPHASIS] == EMPH_NONE


def test_limits_clamp_exactly_what_the_mask_forbids():
    limits = HardLimits(
        max_strength_sessions=2,
        max_strength_sessions_taper=1,
        max_effort="moderate",
        forbid_emphases=("toning",),
        no_lifting_before_key=True,
        max_volume_increase=0.1,
        max_volume_rel=1.3,
        max_key_runs=2,
    )
    lim = limits_array(limits)
    nvec = action_nvec("strength_and_run")
    for week, prev in ((10, 1.0), (50, 1.25)):
        mask = action_mask(SCOPE_STRENGTH_AND_RUN, week, 52, vstate(prev), lim, np.zeros(sum(nvec), dtype=bool))
        parts = np.split(mask, np.cumsum(nvec)[:-1])
        assert all(p.any() for p in parts)
        for head in itertools.product(*[range(n) for n in nvec[:-1]]):
            a = (*head, sum(head) % nvec[-1])  # sets: no limit masks them; every value still comes round
            if a[1] == 0 or a[0] == 0:
                continue
            plan = decode(a, scope=SCOPE_STRENGTH_AND_RUN, week=week, prev=prev, limits=lim)
            free = decode(a, scope=SCOPE_STRENGTH_AND_RUN, week=week, prev=prev)
            allowed = all(parts[k][a[k]] for k in range(len(nvec)))
            assert np.array_equal(plan, free) == allowed, a
    taper = action_mask(SCOPE_STRENGTH, 50, 52, vstate(), lim, np.zeros(15, dtype=bool))
    assert taper[:4].tolist() == [True, True, False, False]
    assert decode([3, 4, 2, 2], week=10, limits=lim)[P_EMPHASIS] == EMPH_NONE
    plan = decode([3, 1, 2, 2], week=10, limits=lim)
    assert (plan[P_STR_SESSIONS], plan[P_EFFORT], plan[P_PLACEMENT]) == (2, 1, PLACE_SEPARATE_DAY)


def test_sets_choose_what_the_optimizer_chooses():
    """The sets component reaches every sets value the optimizer's genes can decode to (and the
    emphasis default); a week without lifting carries no sets; the strength scope keeps the default."""
    from experiments.optimize import genes

    for k in SETS_CHOICES:
        plan = decode([2, 1, 1, 0, 3, 1, 3, k], scope=SCOPE_STRENGTH_AND_RUN)
        assert plan[P_SETS] == k
        assert decode([0, 1, 1, 0, 3, 1, 3, k], scope=SCOPE_STRENGTH_AND_RUN)[P_SETS] == 0
    assert decode([2, 1, 1, 0])[P_SETS] == 0
    rng = np.random.default_rng(0)
    reached = set()
    for _ in range(40):
        season = genes.decode(rng.uniform(size=genes.N_GENES), 20, ARTICLE_RULES)
        for w in range(20):
            week = WeekPlan.from_array(season[w])
            a = week_plan_to_action(week, 1.0, "strength_and_run")
            back = action_to_week_plan(a, "strength_and_run", 1, week=w, n_weeks=20, limits=ARTICLE_RULES)
            assert back.strength.sets == week.strength.sets and back.strength.sessions == week.strength.sessions
            reached.add(week.strength.sets)
    assert reached - {None} == set(SETS_CHOICES[1:])


def test_week_plan_round_trip_for_every_strength_action():
    for a in itertools.product(*[range(n) for n in action_nvec("strength")]):
        plan = action_to_week_plan(a, "strength", "advanced", week=20, n_weeks=52)
        assert isinstance(plan, WeekPlan) and plan.phase == "base"
        back = week_plan_to_action(plan, 1.0, "strength")
        expect = np.array(a) if a[0] and a[1] else np.array([0, 0, a[2], a[3]])
        assert np.array_equal(back, expect), a


def test_week_plan_round_trip_with_running():
    rng = np.random.default_rng(0)
    nvec = action_nvec("strength_and_run")
    for _ in range(200):
        a = np.array([rng.integers(1, 4), rng.integers(1, 5)] + [rng.integers(n) for n in nvec[2:]])
        prev = float(rng.uniform(0.5, 1.5))
        plan = action_to_week_plan(a, "strength_and_run", 1, week=5, n_weeks=52, prev_volume_rel=prev)
        assert np.array_equal(week_plan_to_action(plan, prev, "strength_and_run"), a)


def test_week_plan_to_action_takes_the_nearest_choice():
    plan = WeekPlan(
        run_km=44.0,
        long_run_km=11.0,
        key_runs=1,
        strength=StrengthPlan(sessions=2, emphasis="power", effort="easy", placement="separate_day"),
    )
    a = week_plan_to_action(plan, 1.0, "strength_and_run", habitual_km=40.0)
    assert a.tolist() == [2, 2, 0, 1, 6, 1, 3, 0]  # 1.1 x habitual = +10%; 11/44 = 25% long run; default sets
    five = plan.model_copy(update={"strength": plan.strength.model_copy(update={"sets": 5})})
    assert week_plan_to_action(five, 1.0, "strength_and_run", habitual_km=40.0)[SETS] == 5
    with pytest.raises(InputError, match="habitual_km"):
        week_plan_to_action(plan, 1.0, "strength_and_run")


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0, 5, 0, 0], r"'emphasis' = 5 is out of range; allowed 0-4"),
        ([-1, 0, 0, 0], r"'sessions' = -1 is out of range; allowed 0-3"),
        ([0, 0, 0, 1.5], r"'placement' = 1.5 is not a whole number"),
        ([0, 0, 0], r"expected 4 components"),
    ],
)
def test_bad_actions_name_the_component_and_range(bad, match):
    with pytest.raises(InputError, match=match):
        coerce_action(bad, action_nvec("strength"))
    with pytest.raises(ValueError):
        action_to_week_plan(bad)


# --------------------------------------------------------------------------- the article's rules as limits
RULE_VARIANTS = (
    ARTICLE_RULES,
    ARTICLE_RULES.model_copy(update={"recovery_every": 2, "recovery_cut": 0.3}),
    ARTICLE_RULES.model_copy(update={"recovery_every": 8, "recovery_cut": 0.1, "max_strength_sessions": 1,
                                     "max_strength_sessions_taper": 1, "max_effort": "easy",
                                     "forbid_emphases": ("heavy", "power", "toning"), "max_volume_increase": 0.0,
                                     "max_volume_rel": 0.5, "max_key_runs": 0}),
    HardLimits(taper=True),
    HardLimits(recovery_every=3),
    HardLimits(race_season_maintenance=True, max_strength_sessions_taper=1),
)
STATES = [vstate(load, pre) for load in (0.1, 0.139, 0.5, 1.0, 1.9, 2.0)
          for pre in ((), (0.1,), (0.111, 0.111, 0.111, 0.111), (1.0, 1.2, 0.9, 1.5))]


def test_the_coach_limits_and_the_configs_are_the_articles_rules():
    assert (ARTICLE_RULES.recovery_every, ARTICLE_RULES.recovery_cut) == (ARTICLE.recovery_every, ARTICLE.recovery_cut)
    assert ARTICLE_RULES.taper and ARTICLE_RULES.race_season_maintenance and ARTICLE_RULES.no_lifting_before_key
    for level in ("beginner", "intermediate", "advanced"):
        from pathlib import Path

        from experiments.config import load_config

        cfg = load_config(Path(__file__).resolve().parents[2] / "configs" / f"{level}.yaml")
        assert cfg.env.limits == ARTICLE_RULES


@pytest.mark.parametrize("limits", RULE_VARIANTS)
def test_masks_are_never_empty_under_the_rules(limits):
    lim = limits_array(limits)
    for scope, name in ((SCOPE_STRENGTH, "strength"), (SCOPE_STRENGTH_AND_RUN, "strength_and_run")):
        nvec = action_nvec(name)
        for n_weeks in (4, 5, 8, 20, 52):
            for week in range(n_weeks):
                for vs in STATES:
                    mask = action_mask(scope, week, n_weeks, vs, lim, np.zeros(sum(nvec), dtype=bool))
                    parts = np.split(mask, np.cumsum(nvec)[:-1])
                    assert all(p.any() for p in parts), (name, n_weeks, week, vs)


@pytest.mark.parametrize("limits", RULE_VARIANTS[:3])
def test_rules_clamp_exactly_what_the_mask_forbids(limits):
    lim = limits_array(limits)
    nvec = action_nvec("strength_and_run")
    rng = np.random.default_rng(1)
    for week in (3, 7, 10, 44, 45, 46, 48, 49, 50, 51):
        for vs in STATES[::3]:
            mask = action_mask(SCOPE_STRENGTH_AND_RUN, week, 52, vs, lim, np.zeros(sum(nvec), dtype=bool))
            parts = np.split(mask, np.cumsum(nvec)[:-1])
            for _ in range(60):
                a = np.array([rng.integers(n) for n in nvec])
                plan = decode_action(a, SCOPE_STRENGTH_AND_RUN, 1, week, 52, vs, lim, np.empty(PLAN_SIZE))
                got = (plan[P_STR_SESSIONS], plan[P_EMPHASIS], plan[P_EFFORT], plan[P_PLACEMENT])
                if a[0] > 0 and a[1] != EMPH_NONE:  # (no lifting has several encodings: one test above)
                    allowed = all(parts[k][a[k]] for k in range(4))
                    assert (got == tuple(a[:4])) == allowed, (week, a, got)
                # the volume step is the mask's: the chosen one if allowed, else the largest allowed below it
                j = a[4] if parts[4][a[4]] else max(k for k in range(a[4] + 1) if parts[4][k])
                same = a.copy()
                same[4] = j
                again = decode_action(same, SCOPE_STRENGTH_AND_RUN, 1, week, 52, vs, lim, np.empty(PLAN_SIZE))
                assert again[P_RUN_KM] == plan[P_RUN_KM]


def test_recovery_weeks_cut_from_the_last_loading_week_and_do_not_ratchet():
    limits = HardLimits(recovery_every=4, recovery_cut=0.2)
    up = np.tile([0, 0, 0, 0, VOLUME_STEPS.index(0.10), 1, 1, 0], (12, 1))  # +10% every week
    vol = season_plan_array(up, "strength_and_run", 1, 12, limits)[:, P_RUN_KM]
    assert vol[3] == pytest.approx(0.8 * vol[2])  # the largest allowed cut
    assert vol[4] == pytest.approx(1.1 * vol[2])  # the next week steps from the loading week
    assert vol[7] == pytest.approx(0.8 * vol[6]) and vol[6] == pytest.approx(1.1**3 * vol[2])
    free = season_plan_array(up, "strength_and_run", 1, 12)[:, P_RUN_KM]
    assert np.all(np.diff(free[:6]) > 0)  # off: the same actions just ramp (to the 2.0 ceiling)


def test_taper_weeks_stay_under_the_cap_even_when_every_step_is_too_much():
    limits = HardLimits(taper=True, max_volume_rel=2.0)
    # +20% every week up to the 2.0 ceiling ...
    acts = np.tile([0, 0, 0, 0, VOLUME_STEPS.index(0.20), 1, 1, 0], (20, 1))
    acts[:14, 4] = 0  # ... after 14 weeks of -30% (down to the floor), so the pre-taper weeks are low
    vol = season_plan_array(acts, "strength_and_run", 1, 20, limits)[:, P_RUN_KM]
    ref = vol[13:17].mean()
    assert np.all(vol[17:] <= TAPER_MAX_SHARE * ref + 1e-12)
    assert vol.min() >= VOLUME_MIN_REL - 1e-12 and vol.max() <= VOLUME_MAX_REL


def test_race_season_maintenance_and_race_week():
    lim = limits_array(HardLimits(race_season_maintenance=True))
    for week in range(52):
        for a in ([0, 0, 2, 2], [3, 1, 2, 0], [1, 4, 0, 1]):
            plan = decode(a, week=week, limits=lim)
            wtr = 51 - week
            if 0 < wtr <= RACE_SEASON_WEEKS:
                assert 1 <= plan[P_STR_SESSIONS] <= 2 and plan[P_EMPHASIS] == EMPH_MAINTENANCE
                assert plan[P_EFFORT] <= 1
            elif wtr == 0:  # race week: lifting optional, and if so maintenance, not to failure
                assert plan[P_STR_SESSIONS] <= 2 and plan[P_EFFORT] <= 1
                assert plan[P_EMPHASIS] in (EMPH_NONE, EMPH_MAINTENANCE)
                assert (plan[P_STR_SESSIONS] == 0) == (a[0] == 0 or a[1] == 0)
            else:
                assert np.array_equal(plan, decode(a, week=week))


def _old_decode_season(actions, limits, n_weeks, level=1):
    """The decoding before the rules existed (prev-week volume steps, clip 0.1-2.0), in Python."""
    out = np.zeros((n_weeks, PLAN_SIZE))
    prev = 1.0
    for w, a in enumerate(actions):
        reference_run_week(level, w, n_weeks, out[w])
        cap = limits.max_strength_sessions
        if phase_of(w, n_weeks) == PHASE_TAPER:
            cap = min(cap, limits.max_strength_sessions_taper)
        sessions, emph = min(int(a[0]), cap), int(a[1])
        if EMPHASES[emph] in limits.forbid_emphases:
            emph = EMPH_NONE
        if sessions == 0 or emph == EMPH_NONE:
            sessions, emph = 0, EMPH_NONE
        place = PLACE_SEPARATE_DAY if a[3] == PLACE_BEFORE_KEY and limits.no_lifting_before_key else int(a[3])
        out[w, [P_STR_SESSIONS, P_EMPHASIS, P_PLACEMENT]] = sessions, emph, place
        out[w, P_EFFORT] = min(int(a[2]), EFFORTS.index(limits.max_effort))
        j = int(a[4])
        while j > 0 and VOLUME_STEPS[j] > 0 and not (
            VOLUME_STEPS[j] <= limits.max_volume_increase + 1e-9
            and prev * (1 + VOLUME_STEPS[j]) <= limits.max_volume_rel + 1e-9
        ):
            j -= 1
        out[w, P_RUN_KM] = min(max(prev * (1 + VOLUME_STEPS[j]), 0.1), 2.0)
        out[w, P_KEY_RUNS] = min(int(a[5]), limits.max_key_runs)
        out[w, P_LONG_KM] = LONG_SHARES[int(a[6])]
        prev = out[w, P_RUN_KM]
    return out


@pytest.mark.parametrize("limits", [HardLimits(), HardLimits(  # configs/maskable_ppo.yaml
    no_lifting_before_key=True, forbid_emphases=("toning",), max_strength_sessions_taper=1, max_volume_increase=0.1),
                                    HardLimits(max_strength_sessions_taper=1, max_effort="moderate",
                                               forbid_emphases=("toning",), no_lifting_before_key=True,
                                               max_volume_increase=0.1, max_volume_rel=1.3, max_key_runs=2)])
def test_rules_off_decode_as_before(limits):
    nvec = action_nvec("strength_and_run")
    for seed in range(5):
        rng = np.random.default_rng(seed)
        acts = rng.integers(0, nvec, size=(52, len(nvec)))
        new = decode_season(acts, SCOPE_STRENGTH_AND_RUN, 1, 52, limits_array(limits), np.empty((52, PLAN_SIZE)))
        old = _old_decode_season(acts, limits, 52)
        fields = [P_RUN_KM, P_KEY_RUNS, P_LONG_KM, P_STR_SESSIONS, P_EMPHASIS, P_EFFORT, P_PLACEMENT, P_RACE]
        np.testing.assert_array_equal(new[:, fields], old[:, fields])


@pytest.mark.parametrize("level", ["beginner", "advanced"])
def test_random_seasons_decoded_under_the_article_rules_pass_the_credibility_checks(level, assert_article_rules):
    nvec = action_nvec("strength_and_run")
    plans, low = [], []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        acts = rng.integers(0, nvec, size=(52, len(nvec)))
        low.append(season_plan_array(acts, "strength_and_run", level, 52, ARTICLE_RULES))
        acts[:, 4] = rng.integers(3, 6, size=52)  # hold or build: the rules must make the cuts
        plans.append(season_plan_array(acts, "strength_and_run", level, 52, ARTICLE_RULES))
    assert_article_rules(np.stack(plans), ARTICLE_RULES, level)
    # uniformly random steps sink to the volume floor (a few km a week): planned volumes still obey
    assert_article_rules(np.stack(low), ARTICLE_RULES, level, day_taper=False)


@pytest.mark.parametrize(("field", "value", "allowed"), [
    ("recovery_every", 1, "0 \\(off\\) or 2-8"), ("recovery_every", 9, "2-8"), ("recovery_cut", 0.5, "0.3"),
    ("recovery_cut", 0.05, "0.1"), ("taper", "maybe", "boolean"), ("race_season_maintenance", "often", "boolean"),
])
def test_bad_rule_values_name_the_field(field, value, allowed):
    with pytest.raises(InputError, match=f"limits: {field}: .*{allowed}"):
        env_config(limits={field: value})
    with pytest.raises(InputError, match="max_strength_sessions"):
        env_config(limits={"race_season_maintenance": True, "max_strength_sessions_taper": 0})
