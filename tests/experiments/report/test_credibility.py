"""Credibility checks on hand-made season plans: with and without a taper, flat, and one that maxes
every component of the action space (the model exploit of issue 10)."""

from __future__ import annotations

import numpy as np
import pytest

from envs.actions import LONG_SHARES, VOLUME_MAX_REL
from experiments.report.credibility import COMPONENTS, check_plans
from sim.errors import InputError
from sim.plan import StrengthPlan, WeekPlan
from sim.season import PHASES, phase_of
from sim.state import A_HABITUAL_KM, A_RACE_KM

WEEKS = 20
PHASE_VOLUME = {"transition": 0.8, "base": 1.0, "pre_season": 1.1, "race_season": 1.0}
PHASE_KEYS = {"transition": 0, "base": 1, "pre_season": 2, "race_season": 2}
PHASE_STRENGTH = {
    "transition": StrengthPlan(sessions=2, emphasis="heavy", effort="moderate"),
    "base": StrengthPlan(sessions=2, emphasis="heavy", effort="moderate"),
    "pre_season": StrengthPlan(sessions=2, emphasis="power", effort="moderate"),
    "race_season": StrengthPlan(sessions=1, emphasis="maintenance", effort="moderate"),
    "taper": StrengthPlan(sessions=1, emphasis="maintenance", effort="easy"),
}


def season(taper: bool) -> list[WeekPlan]:
    """A coach's season by phase with a 4-week recovery cycle; with or without a taper."""
    weeks = []
    for w in range(WEEKS):
        phase = PHASES[phase_of(w, WEEKS)]
        wtr = WEEKS - 1 - w
        if phase == "taper":
            vol = (0.45, 0.6, 0.75)[wtr] if taper else 1.0
            keys = 1 if taper else 2
        else:
            vol = PHASE_VOLUME[phase] * (0.8 if w % 4 == 3 and phase in ("base", "pre_season") else 1.0)
            keys = PHASE_KEYS[phase]
        weeks.append(WeekPlan(run_volume_rel=vol, key_runs=keys, long_run_rel=0.25, strength=PHASE_STRENGTH[phase],
                              race=wtr == 0))
    return weeks


def test_a_coachs_season_tapers_and_periodizes():
    c = check_plans(season(taper=True))
    assert c.plans == 1 and c.rule_plans == 1
    assert c.tapers == 1.0 and c.taper_weeks == 3.0
    # (0.75 + 0.6 + race week's 0.45 without the race itself) / 3 over race season's 1.0
    assert c.taper_ratio == pytest.approx((0.75 + 0.6 + 0.45 - _race_rel()) / 3, rel=1e-9)
    assert c.periodizes == 1.0 and c.phase_key_runs_range == 2.0 and c.no_recovery_weeks < 8
    assert c.rule_breaks_by_rule["taper"] == 0.0
    assert c.all_max == 0.0 and c.at_max["sessions"] == 0.0 and c.at_max["key_runs"] == 0.0
    assert c.under_half_volume == 0.0


def test_a_low_base_then_a_late_build_is_flagged_as_under_the_runners_habit():
    """The optimizer's pattern: months at a fifth of the habitual km, then a build to twice it."""
    top = StrengthPlan(sessions=2, emphasis="heavy", effort="moderate")
    pre = WEEKS - 3
    low = pre // 2
    weeks = [WeekPlan(run_volume_rel=0.2 if w < low else 2.0 if w < pre else 1.0 - 0.3 * (w - pre), key_runs=1,
                      long_run_rel=0.25, strength=top, race=w == WEEKS - 1) for w in range(WEEKS)]
    c = check_plans(weeks)
    assert c.under_half_volume == pytest.approx(low / pre, rel=1e-9)
    assert f"under half the habitual volume in {low / pre:.0%} of the weeks before the taper" in c.text()


def _race_rel() -> float:
    """The race's km in multiples of habitual km for the typical intermediate athlete check_plans uses."""
    from experiments.plans.season_plan import athlete_profile

    ath = athlete_profile("intermediate")
    return ath[A_RACE_KM] / ath[A_HABITUAL_KM]


def test_without_a_taper_the_check_and_the_rule_both_say_so():
    c = check_plans(season(taper=False))
    # both read race week without the race itself (envs.rules): race week is under the limit, the two
    # weeks before it are not, so one taper week of three and two rule breaks
    assert 1.0 - _race_rel() <= 0.9
    assert c.tapers == 0.0 and c.taper_weeks == 1.0
    assert c.taper_ratio == pytest.approx((3.0 - _race_rel()) / 3)
    assert c.rule_breaks_by_rule["taper"] == 2.0
    assert any(w.startswith("taper:") for w in c.why)
    assert c.periodizes == 1.0  # the build before it still changes by phase


def test_a_flat_season_does_not_periodize():
    flat = [WeekPlan(run_volume_rel=1.0, key_runs=2, long_run_rel=0.25,
                     strength=StrengthPlan(sessions=2, emphasis="maintenance", effort="moderate"), race=w == WEEKS - 1)
            for w in range(WEEKS)]
    c = check_plans(flat)
    assert c.periodizes == 0.0 and c.phase_volume_range == 0.0 and c.phase_key_runs_range == 0.0
    assert c.no_recovery_weeks == WEEKS - 3  # no pre-taper week cuts volume
    assert c.tapers == 0.0


def test_a_plan_that_maxes_everything_is_flagged_in_every_component():
    top = StrengthPlan(sessions=3, emphasis="heavy", effort="hard")
    weeks, vol = [], 1.0
    for w in range(WEEKS):
        vol = min(vol * 1.2, VOLUME_MAX_REL)  # +20% a week (the largest step), then held at the ceiling
        weeks.append(WeekPlan(run_volume_rel=vol, key_runs=3, long_run_rel=LONG_SHARES[-1], strength=top,
                              race=w == WEEKS - 1))
    c = check_plans(weeks)
    assert all(c.at_max[k] == 1.0 for k in COMPONENTS) and c.all_max == 1.0
    assert c.tapers == 0.0 and c.periodizes == 0.0
    assert c.rule_breaks_by_rule["maintenance_in_race_season"] > 0 and c.rule_breaks_by_rule["taper"] == 2.0
    assert "every component at once in 100% of weeks" in c.text()


def test_per_athlete_plans_give_shares_and_absolute_km_resolve_per_athlete():
    from sim.whatif import make_cohort

    cohort = make_cohort("intermediate", 6, seed=5)
    hab = cohort.athletes[:, A_HABITUAL_KM]
    good = np.stack([w.to_array() for w in season(taper=True)])
    bad = np.stack([w.to_array() for w in season(taper=False)])
    plans = np.stack([good, good, good, bad, bad, bad])
    # the same seasons in absolute km for each athlete give the same checks
    km = plans.copy()
    km[:, :, 0] *= hab[:, None]
    km[:, :, 1] = 0.0
    a = check_plans(plans, cohort.athletes, sample=6)
    b = check_plans(km, cohort.athletes, sample=6)
    assert a.plans == 6 and a.tapers == 0.5 and a.rule_breaks_by_rule["taper"] == 1.0
    assert (b.tapers, b.taper_weeks, b.periodizes) == (a.tapers, a.taper_weeks, a.periodizes)
    assert b.taper_ratio == pytest.approx(a.taper_ratio)


def test_bad_plans_are_refused_by_name():
    with pytest.raises(InputError, match="plans: shape"):
        check_plans(np.zeros((4, 3)))
    no_race = [WeekPlan(run_volume_rel=1.0) for _ in range(6)]
    with pytest.raises(InputError, match="race week"):
        check_plans(no_race)
