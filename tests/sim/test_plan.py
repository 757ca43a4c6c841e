"""The week plan: validation names field, value and what is allowed; array round trip."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.plan import StrengthPlan, WeekPlan, load_plan, parse_plan

GOOD = {"level": "beginner", "blocks": [{"weeks": 3, "run_km": 20, "strength": {"sessions": 1}}]}


def test_valid_plan_expands_blocks():
    p = parse_plan({"blocks": [{"weeks": 2, "run_km": 45}, {"weeks": 3, "run_volume_rel": 0.8}]})
    arr = p.plan_array()
    assert arr.shape[0] == 5
    assert arr[0, 0] == 45 and arr[4, 0] == pytest.approx(0.8) and arr[4, 1] == 1.0


@pytest.mark.parametrize(
    "block, field, fragment",
    [
        ({"weeks": 2, "run_km": -4}, "blocks.0.run_km", "greater than or equal to 0"),
        ({"weeks": 2, "strength": {"sessions": 5}}, "blocks.0.strength.sessions", "less than or equal to 3"),
        ({"weeks": 2, "strength": {"emphasis": "zumba"}}, "blocks.0.strength.emphasis", "'heavy'"),
        ({"weeks": 2, "colour": "red"}, "blocks.0.colour", "unknown key"),
        ({"weeks": 2, "run_km": float("nan")}, "blocks.0.run_km", "finite"),
        ({"weeks": 0}, "blocks.0.weeks", "greater than or equal to 1"),
    ],
)
def test_bad_block_names_field_value_and_allowed(block, field, fragment):
    with pytest.raises(InputError) as err:
        parse_plan({"blocks": [block]}, "plan.yaml")
    msg = str(err.value)
    assert f"plan.yaml: {field}" in msg and fragment in msg


def test_bad_top_level():
    with pytest.raises(InputError, match="level.*'beginner'"):
        parse_plan({"level": "elite", "blocks": [{"weeks": 1}]})
    with pytest.raises(InputError, match="blocks"):
        parse_plan({"blocks": []})
    with pytest.raises(InputError, match="mapping"):
        parse_plan([1, 2])


def test_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_plan(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("blocks: [weeks: 3\n  - nope")
    with pytest.raises(InputError, match="invalid YAML"):
        load_plan(bad)


def test_array_round_trip():
    w = WeekPlan(run_volume_rel=1.1, key_runs=2, key_kind="intervals", long_run_km=18, race=True, pain_rule=False,
                 strength=StrengthPlan(sessions=2, emphasis="power", effort="hard", placement="separate_day", sets=4))
    back = WeekPlan.from_array(w.to_array())
    assert back == w
    assert np.array_equal(back.to_array(), w.to_array())


@pytest.mark.parametrize(
    "block, field, value",
    [
        ({"weeks": "10"}, "blocks.0.weeks", "'10'"),  # was coerced to 10
        ({"weeks": True}, "blocks.0.weeks", "True"),  # was coerced to 1
        ({"weeks": 2, "key_runs": 1.5}, "blocks.0.key_runs", "1.5"),
        ({"weeks": 2, "run_km": "40"}, "blocks.0.run_km", "'40'"),
        ({"weeks": 2, "pain_rule": "yes"}, "blocks.0.pain_rule", "'yes'"),
    ],
)
def test_plan_types_are_strict(block, field, value):
    """Issue 15, point 6: strings and booleans are not numbers in a plan file."""
    with pytest.raises(InputError) as exc:
        parse_plan({"blocks": [block]}, "p.yaml")
    assert f"p.yaml: {field}:" in str(exc.value) and value in str(exc.value)


def test_long_run_cannot_exceed_the_week():
    """Issue 15, point 6: long_run_km 40 in a 20 km week was accepted and simulated 19.9 km."""
    with pytest.raises(InputError, match=r"blocks\.0\.long_run_km: 40 is longer than the week's run_km 20"):
        parse_plan({"blocks": [{"weeks": 2, "run_km": 20, "long_run_km": 40}]}, "p.yaml")
    parse_plan({"blocks": [{"weeks": 2, "run_km": 20, "long_run_km": 20}]})


@pytest.mark.parametrize("field", ["run_km", "long_run_km", "run_volume_rel", "long_run_rel"])
@pytest.mark.parametrize("value", [5e-324, 1e-300, 1e-9])
def test_subnormal_and_tiny_distances_are_refused(field, value):
    """Issue 15, point 8: run_volume_rel 5e-324 printed Infinity and NaN."""
    block = {"weeks": 2, field: value}
    if field == "long_run_km":
        block["run_km"] = 20
    with pytest.raises(InputError, match=f"blocks.0.{field}: {value!r} is too small; allowed: 0"):
        parse_plan({"blocks": [block]})


def test_smallest_allowed_distances_simulate_finite(tmp_path):
    from sim.plan import MIN_KM, MIN_REL
    from sim.whatif import injury_rate_per_1000h, simulate_plan

    plan = parse_plan({"blocks": [{"weeks": 3, "run_volume_rel": MIN_REL, "long_run_rel": MIN_REL, "key_runs": 2},
                                  {"weeks": 3, "run_km": MIN_KM, "long_run_km": MIN_KM, "key_runs": 3}]})
    res = simulate_plan(plan, athletes=40, seed=0)
    assert np.isfinite(res.metrics).all() and np.isfinite(res.race_time_min).all()
    assert np.isfinite(res.weekly.to_numpy(dtype=float)).all()
    rate, ci = injury_rate_per_1000h(np.array([1.0, 0.0]), np.array([5e-324, 0.0]))
    assert np.isfinite([rate, *ci]).all()


def test_total_weeks_are_bounded():
    """Issue 15, point 5: 2000 blocks of 260 weeks asked for 178 GiB."""
    from sim.plan import MAX_TOTAL_WEEKS

    with pytest.raises(InputError, match=f"blocks: 400 weeks in total is too long; allowed: at most {MAX_TOTAL_WEEKS}"):
        parse_plan({"blocks": [{"weeks": 200}, {"weeks": 200}]})
    assert len(parse_plan({"blocks": [{"weeks": 130}, {"weeks": 130}]}).weeks()) == MAX_TOTAL_WEEKS


def test_athletes_are_bounded_by_the_memory_they_need():
    """Issue 15, point 5: --athletes 1000000000 was an array memory-error traceback."""
    from sim.whatif import check_athletes

    with pytest.raises(InputError, match=r"athletes: 1000000000 athletes x 15 weeks x 1 plan\(s\) would need about "
                                         r"[\d.]+ TB of memory; allowed: at most \d+ athletes"):
        check_athletes(10**9, 15)
    with pytest.raises(InputError, match="at least 2"):
        check_athletes(1, 15)
    assert check_athletes(2000, 260) == 2000
