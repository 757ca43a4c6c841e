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
