"""The pyfunc season planner's input checks and its plans from a hand-made policy (no training).

The trained, registered model is exercised end to end in tests/experiments/test_train.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.serving.pyfunc import check_profiles, plan_seasons
from sim.errors import InputError

GOOD = {"level": ["intermediate"], "weekly_km": [40.0], "race_distance": ["10k"], "race_date": ["2027-05-23"]}


@pytest.mark.parametrize(("change", "words"), [
    ({"level": ["elite"]}, ["level", "row 0", "'elite'", "beginner"]),
    ({"weekly_km": [500.0]}, ["weekly_km", "5 to 200"]),
    ({"race_distance": ["ultra"]}, ["race_distance", "marathon"]),
    ({"colour": ["red"]}, ["unknown column", "colour"]),
])
def test_bad_profiles_are_named(change: dict, words: list[str]) -> None:
    with pytest.raises(InputError) as exc:
        check_profiles(pd.DataFrame({**GOOD, **change}))
    for w in words:
        assert w in str(exc.value)


def test_missing_column_lists_what_is_needed() -> None:
    with pytest.raises(InputError, match="missing column.*race_date"):
        check_profiles(pd.DataFrame({k: v for k, v in GOOD.items() if k != "race_date"}))


class TwoSessions:
    """A fixed policy: 2 heavy moderate sessions after easy runs every week (strength scope)."""

    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        n = np.atleast_2d(obs).shape[0]
        return np.tile(np.array([2, 1, 1, 0], dtype=np.int64), (n, 1)), None


def test_plans_follow_the_policy_and_end_on_race_day() -> None:
    df = pd.DataFrame({"level": ["beginner", "advanced"], "weekly_km": [25.0, 70.0],
                       "race_distance": ["5k", "10k"], "race_date": ["2027-05-23", "2027-05-23"],
                       "start_date": ["2027-03-29", None], "athlete": ["ann", "bob"]})
    days = plan_seasons(TwoSessions(), 6, "strength", df)
    assert list(days["athlete"].unique()) == ["ann", "bob"]
    ann = days[days["athlete"] == "ann"]
    assert len(ann) == 7 * 8  # 2027-03-29 (Mon) .. 2027-05-23 (Sun): 8 whole weeks
    assert len(days[days["athlete"] == "bob"]) == 7 * 6  # default: the trained season length
    for _, d in days.groupby("athlete"):
        assert d["date"].iloc[-1] == "2027-05-23" and d["run_kind"].iloc[-1] == "race"
        lifting = d[d["strength_emphasis"] != "none"]
        # two heavy sessions a week, as the policy chose (the race week included)
        assert (lifting.groupby("week").size() == 2).all() and set(lifting["strength_emphasis"]) == {"heavy"}


def test_an_athlete_file_plans_for_that_runner(tmp_path) -> None:
    """A fitted athlete's row, by id in the operator's folder: their habitual km and their own race paces."""
    import yaml

    from experiments.athlete.synthetic import make_athlete, write_log
    from experiments.cli import main

    log, results = write_log(make_athlete(5, weeks=12, n_races=2), "strava", tmp_path)
    folder = tmp_path / "athletes"
    folder.mkdir()
    athlete = folder / "ann.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(athlete)]) == 0
    doc = yaml.safe_load(athlete.read_text())
    df = pd.DataFrame({**GOOD, "athlete_file": ["ann"]})
    days = plan_seasons(TwoSessions(), 6, "strength", df, athletes_dir=folder)
    km = days.groupby("week")["distance_km"].sum()
    typical = plan_seasons(TwoSessions(), 6, "strength", pd.DataFrame(GOOD)).groupby("week")["distance_km"].sum()
    # the policy's volume is relative: this runner's weeks scale with their habitual km, not the level's 40
    assert km.iloc[0] / typical.iloc[0] == pytest.approx(doc["profile"]["habitual_km"] / 40.0, rel=0.1)
    tempo = days[days["run_kind"] == "tempo"]["intensity"]
    assert len(tempo) and all("(your threshold pace)" in t for t in tempo)
    bad = pd.DataFrame({**GOOD, "athlete_file": ["bob"]})
    with pytest.raises(InputError, match="athlete_file: row 0: no athlete 'bob' in the server's athlete folder"):
        plan_seasons(TwoSessions(), 6, "strength", bad, athletes_dir=folder)
    with pytest.raises(InputError, match="athlete_file: row 0: .*no athlete folder.*STRIDELAB_ATHLETES_DIR"):
        plan_seasons(TwoSessions(), 6, "strength", pd.DataFrame({**GOOD, "athlete_file": ["ann"]}))


def test_identical_profiles_are_planned_once_and_keep_their_ids() -> None:
    rows = 5
    df = pd.DataFrame({k: v * rows for k, v in GOOD.items()} | {"athlete": [f"r{i}" for i in range(rows)],
                                                              "start_date": ["2027-03-29"] * rows})
    days = plan_seasons(TwoSessions(), 6, "strength", df)
    assert list(days["athlete"].unique()) == [f"r{i}" for i in range(rows)]
    one = days[days["athlete"] == "r0"].drop(columns="athlete").reset_index(drop=True)
    last = days[days["athlete"] == "r4"].drop(columns="athlete").reset_index(drop=True)
    pd.testing.assert_frame_equal(one, last)
    assert len(days) == rows * 7 * 8
