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
