"""Fitting an athlete to a log: the replay oracle, the CLI, honesty about short logs, coverage."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import yaml

from experiments.athlete.synthetic import check_one, coverage_table, make_athlete, season_plans, write_log
from experiments.cli import main
from sim import kernel
from sim.athlete import replay
from sim.parameters import parameters_with
from sim.population import sample_athletes
from sim.state import DAY_SIZE, M_COST_FACTOR, M_NEW_INJURIES, M_VO2_EFF, METRIC_SIZE, P_PAIN_RULE, STATE_SIZE


def test_replay_of_scheduled_days_matches_the_week_simulator():
    """Replaying the days `schedule_week` makes gives the batch simulator's race-morning race times."""
    gp = parameters_with(hazard_scale=0.0)  # no injury draws in either simulator
    ath = sample_athletes("beginner", 3, seed=5)
    plans = np.array(season_plans(8, 0, race_weeks=[3, 7], race_km_of=[10.0, 10.0]))
    plans[:, P_PAIN_RULE] = 0.0
    st = np.empty((3, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    out = np.empty((3, 8, METRIC_SIZE))
    kernel.simulate(st, ath, gp, plans[None], 0, np.arange(3), 0, out)
    assert out[:, :, M_NEW_INJURIES].sum() == 0
    want = np.array([[kernel.race_time_min(out[a, w, M_VO2_EFF], out[a, w, M_COST_FACTOR], 10.0) for w in (3, 7)]
                     for a in range(3)])
    for a in range(3):
        days = np.empty((56, DAY_SIZE))
        week = np.empty((7, DAY_SIZE))
        for w in range(8):
            kernel.schedule_week(plans[w], ath[a], gp, week)
            days[7 * w: 7 * w + 7] = week
        got, _, _ = replay(ath[a], gp, days, np.array([27, 55]), np.array([10.0, 10.0]))
        np.testing.assert_allclose(got[0], want[a], rtol=1e-12)


def test_cli_fit_on_a_fit_folder(tmp_path, capsys):
    ath = make_athlete(7, n_races=4)
    log, results = write_log(ath, "fit", tmp_path)
    out = tmp_path / "athlete.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "vo2max_untrained" in text and "wrote" in text
    doc = yaml.safe_load(out.read_text())
    assert doc["log"]["races"] == 4 and doc["log"]["strength_tests"] == 3 and doc["log"]["days"] == 168
    assert doc["profile"]["habitual_km"] == pytest.approx(ath.profile[2], rel=0.01)
    assert doc["profile"]["easy_pace_min_per_km"] == pytest.approx(ath.profile[3], rel=0.01)
    fitted = doc["fitted"]
    assert fitted["vo2max_untrained"]["status"] == "informed"
    # a 24-week log with a 30% volume build cannot separate the aerobic responder from baseline VO2max
    assert fitted["aerobic_response"]["status"] == "not informed"
    assert "population's range" in fitted["aerobic_response"]["note"]
    for v in fitted.values():
        lo, hi = v["ci90"]
        assert lo <= v["estimate"] <= hi
    model = [r["model_time_s"] for r in doc["races"]]
    seen = [r["time_s"] for r in doc["races"]]
    assert np.allclose(model, seen, rtol=0.06)  # the fit explains the races within a few race-noise sds
    assert len(doc["draws"]["athlete"]) == 100 and len(doc["draws"]["state"][0]) == STATE_SIZE


def test_short_log_without_results_informs_nothing(tmp_path):
    ath = make_athlete(3, weeks=3, n_races=0, n_tests=0)
    log, _ = write_log(ath, "intervals", tmp_path)
    out = tmp_path / "a.yaml"
    assert main(["athlete", "fit", str(log), "--out", str(out), "--level", "intermediate"]) == 0
    doc = yaml.safe_load(out.read_text())
    assert {v["status"] for v in doc["fitted"].values()} == {"not informed"}
    assert doc["paces"] is None


def test_bad_results_file_exits_2_and_writes_nothing(tmp_path):
    ath = make_athlete(3, weeks=3, n_races=0, n_tests=0)
    log, results = write_log(ath, "strava", tmp_path)
    results.write_text("date,event,result\n2026-01-10,10k,fast\n")
    out = tmp_path / "a.yaml"
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "athlete", "fit", str(log), "--races", str(results),
                        "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 2
    assert f"{results}: row 2: result: 'fast'" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_intervals_cover_the_truth_and_narrow_with_races(tmp_path):
    """Synthetic athletes drawn from the population: ~90% of the 90% intervals hold the truth."""
    rows = [check_one(500 + i, n, ("strava", "intervals")[i % 2], tmp_path / f"{n}-{i}")
            for n in (1, 8) for i in range(24)]
    table = coverage_table(rows)
    pooled = table["coverage90"].mean()
    # 192 intervals: a binomial 90% has sd 0.022; allow ~3 sd
    assert 0.82 <= pooled <= 0.97, table
    width = table[table["parameter"] == "vo2max_untrained"].set_index("races")["mean_width"]
    assert width[8] < 0.85 * width[1]
