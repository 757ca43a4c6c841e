"""`simulate --athlete`: the plan runs on the fitted runner, with outcome bands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from experiments.athlete.synthetic import make_athlete, write_log
from experiments.cli import main


@pytest.fixture(scope="module")
def athlete_file(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("athlete")
    ath = make_athlete(11, n_races=4)
    log, results = write_log(ath, "intervals", tmp)
    out = tmp / "athlete.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(out)]) == 0
    return out


def test_relative_plan_uses_the_athletes_habitual_km_and_gives_bands(athlete_file, tmp_path, capsys):
    doc = yaml.safe_load(athlete_file.read_text())
    plan = tmp_path / "plan.yaml"
    plan.write_text("race_distance: 5k\nblocks:\n  - {weeks: 6, run_volume_rel: 1.0, key_runs: 1, "
                    "strength: {sessions: 2, emphasis: heavy}}\n")
    capsys.readouterr()
    assert main(["simulate", str(plan), "--athlete", str(athlete_file), "--athletes", "300", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    habitual = doc["profile"]["habitual_km"]
    # weekly volume is the athlete's own habitual km (less injured days), not the level's mean of 40
    assert data["weeks"][0]["run_km"] == pytest.approx(habitual, rel=0.05)
    bands = data["athlete"]["bands"]
    for key in ("race_time_min", "strength_pct", "vo2max_pct", "race_time_start_min"):
        lo, mid, hi = bands[key]
        assert lo <= mid <= hi
    lo, mid, hi = bands["race_time_start_min"]
    assert hi > lo  # a band, not a single number
    # the start of the plan is where the log left the runner: their last 5k race, near the model's time
    last_5k = [r for r in doc["races"] if abs(r["km"] - 5.0) < 0.01][-1]
    assert lo * 0.95 <= last_5k["model_time_s"] / 60.0 <= hi * 1.05


def test_bad_athlete_file_exits_2(tmp_path):
    bad = tmp_path / "athlete.yaml"
    bad.write_text("stridelab_athlete: 7\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text("blocks:\n  - {weeks: 2}\n")
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "simulate", str(plan), "--athlete", str(bad)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and f"{bad}: stridelab_athlete: 7 is not allowed" in r.stderr
    assert "Traceback" not in r.stderr
