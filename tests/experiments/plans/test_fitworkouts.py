"""FIT workouts: every run of a season plan decodes back (Garmin FIT SDK) to the planned run."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile

import pytest
from garmin_fit_sdk import Decoder, Stream

from agents.baselines import BASELINES
from experiments.plans.fitworkouts import paces_of, to_fit_zip
from experiments.plans.season_plan import athlete_profile, policy_week_plans, season_plan

START, RACE = dt.date(2027, 1, 4), dt.date(2027, 5, 23)


def _decode(data: bytes) -> dict:
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    return messages


def _total_km(steps: list[dict]) -> float:
    """Distance of a workout with its repeat blocks expanded."""
    total = 0.0
    for i, s in enumerate(steps):
        if s["duration_type"] == "distance":
            total += s["duration_distance"] / 1000.0
        elif s["duration_type"] == "repeat_until_steps_cmplt":
            block = steps[s["duration_step"]:i]
            total += (s["repeat_steps"] - 1) * sum(b["duration_distance"] for b in block) / 1000.0
    return total


def test_every_run_is_a_workout_that_decodes_back_to_the_plan():
    weeks = policy_week_plans(BASELINES["intermediate"], "intermediate", 20)
    df = season_plan(weeks, athlete_profile("intermediate"), START, RACE)
    paces = paces_of(df)
    z = zipfile.ZipFile(io.BytesIO(to_fit_zip(df)))
    runs = df[df["run_kind"] != "rest"]
    assert sorted(z.namelist()) == sorted(f"{r.date.isoformat()}_{r.run_kind}.fit" for r in runs.itertuples())
    kinds = set()
    for r in runs.itertuples():
        m = _decode(z.read(f"{r.date.isoformat()}_{r.run_kind}.fit"))
        assert m["file_id_mesgs"][0]["type"] == "workout"
        wkt, steps = m["workout_mesgs"][0], m["workout_step_mesgs"]
        assert wkt["sport"] == "running" and wkt["num_valid_steps"] == len(steps)
        assert _total_km(steps) == pytest.approx(r.distance_km, abs=0.8)
        kinds.add(r.run_kind)
        if r.run_kind == "tempo" and r.distance_km > 4.5:
            assert [s["intensity"] for s in steps] == ["warmup", "active", "cooldown"]
            speed = 1000.0 / (60.0 * paces["threshold"])  # m/s
            assert steps[1]["custom_target_speed_low"] < speed < steps[1]["custom_target_speed_high"]
        if r.run_kind == "intervals" and r.distance_km > 4.5:
            assert steps[-2]["duration_type"] == "repeat_until_steps_cmplt" and steps[-2]["repeat_steps"] >= 1
            assert steps[steps[-2]["duration_step"]]["intensity"] == "interval"
    assert {"easy", "long", "tempo", "intervals", "race"} <= kinds


def test_fit_export_needs_a_zip_file(tmp_path):
    out = tmp_path / "plan.fit"
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "export", "--baseline", "intermediate", "--level",
                        "intermediate", "--start", "2027-01-04", "--race", "2027-05-23", "--format", "fit", "--out",
                        str(out)], capture_output=True, text=True)
    assert r.returncode == 2 and ".zip" in r.stderr and not out.exists()


def test_workout_names_are_whole_and_short_interval_days_keep_their_repeats():
    """Issue 23: names were cut to 15 characters; a 3 km interval day was one 3 km step while its
    text said repeats."""
    from experiments.plans.fitworkouts import workout_bytes, workout_steps

    paces = {"easy": 6.0, "threshold": 5.2, "interval": 4.8, "race": 5.0}
    m = _decode(workout_bytes(dt.date(2027, 3, 9), "intervals", 3.0, paces))
    assert m["workout_mesgs"][0]["wkt_name"] == "Tue 09 Mar intervals 3.0 km"
    steps = m["workout_step_mesgs"]
    assert [s["intensity"] for s in steps] == ["warmup", "interval", "recovery", "interval", "cooldown"]
    assert steps[3]["duration_type"] == "repeat_until_steps_cmplt" and steps[3]["repeat_steps"] >= 1
    assert _total_km(steps) == pytest.approx(3.0, abs=0.8)
    assert len(workout_steps("intervals", 1.5, paces)) == 1  # below 2 km: one step at the work pace


def test_a_low_volume_marathon_plan_builds_its_long_runs(tmp_path):
    """Issue 23: a 17 km/week runner's marathon plan topped out at 5.5 km long runs."""
    import pandas as pd

    out = tmp_path / "m.csv"
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "export", "--baseline", "intermediate", "--level",
                        "beginner", "--weekly-km", "17", "--distance", "marathon", "--start", "2027-01-04", "--race",
                        "2027-05-30", "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    df = pd.read_csv(out)
    weekly = df.groupby("week")["distance_km"].sum()
    long_run = df[df["run_kind"] != "race"].groupby("week")["distance_km"].max()
    assert long_run.max() >= 28.0  # about three quarters of the race at the peak
    build = weekly.iloc[1:-3].to_numpy()
    assert (build[1:] <= 1.10 * build[:-1] + 0.5).all()  # weekly km grow at most 10% a week
    assert "long runs built toward" in r.stderr
