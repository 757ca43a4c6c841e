"""`stridelab athlete fit` and `simulate --athlete` from the command line: files, statuses, bands, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

from experiments.athlete.synthetic import make_athlete, write_log
from experiments.cli import main
from sim.state import STATE_SIZE


def test_cli_fit_on_a_fit_folder(tmp_path, capsys):
    ath = make_athlete(7, n_races=4)
    log, results = write_log(ath, "fit", tmp_path)
    out = tmp_path / "athlete.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "vo2max_untrained" in text and "wrote" in text
    doc = yaml.safe_load(out.read_text())
    assert doc["log"]["races"] == 4 and doc["log"]["strength_tests"] == 3 and doc["log"]["days"] == 168
    # issue 23: habitual km is the mean of the last 12 weeks
    assert doc["profile"]["habitual_km"] == pytest.approx(np.mean(doc["log"]["weekly_km"][-12:]), rel=0.02)
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
    plan.write_text("race_distance: 5k\nblocks:\n  - {weeks: 6, run_volume_rel: 1.0, key_runs: 1, pain_rule: false, "
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


def test_export_for_the_athlete_uses_their_race_paces(athlete_file, tmp_path):
    from experiments.athlete.results import training_paces

    doc = yaml.safe_load(athlete_file.read_text())
    out = tmp_path / "plan.json"
    assert main(["export", "--baseline", "intermediate", "--athlete", str(athlete_file), "--start", "2026-07-06",
                 "--race", "2026-09-27", "--distance", "5k", "--out", str(out)]) == 0
    plan = json.loads(out.read_text())
    days = plan["days"]
    tempo = [d["run"] for d in days if d["run"]["kind"] == "tempo"]
    threshold = doc["paces"]["min_per_km"]["threshold"]
    assert threshold == pytest.approx(training_paces(doc["paces"]["vdot"])["threshold"], abs=0.01)  # Daniels
    m, s = divmod(int(round(threshold * 60)), 60)
    assert tempo and all(f"{m}:{s:02d}/km (your threshold pace)" in d["intensity"] for d in tempo)
    assert plan["habitual_km"] == pytest.approx(doc["profile"]["habitual_km"], abs=0.01)


def test_export_needs_a_level_or_an_athlete(tmp_path):
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "export", "--baseline", "intermediate", "--start",
                        "2026-07-06", "--race", "2026-09-27"], capture_output=True, text=True)
    assert r.returncode == 2 and "--level" in r.stderr and "--athlete" in r.stderr


def test_replan_keeps_the_past_changes_the_future_and_keeps_calendar_uids(athlete_file, tmp_path):
    """A missed month after the fitted log: weeks begun stay, the rest is re-planned from the detrained state."""
    from icalendar import Calendar

    doc = yaml.safe_load(athlete_file.read_text())
    log = doc["log"]["path"]  # nothing logged after the fit: the runner missed everything since
    plan_json, plan_ics = tmp_path / "plan.json", tmp_path / "plan.ics"
    common = ["--baseline", "intermediate", "--athlete", str(athlete_file), "--start", "2026-06-22",
              "--race", "2026-10-04"]
    assert main(["export", *common, "--out", str(plan_json)]) == 0
    assert main(["export", *common, "--out", str(plan_ics)]) == 0
    new_json, new_ics = tmp_path / "new.json", tmp_path / "new.ics"
    args = ["replan", "--athlete", str(athlete_file), "--log", log, "--plan", str(plan_json), "--today", "2026-07-22"]
    assert main([*args, "--out", str(new_json)]) == 0
    assert main([*args, "--out", str(new_ics)]) == 0
    old, new = json.loads(plan_json.read_text())["days"], json.loads(new_json.read_text())["days"]
    assert [d["date"] for d in old] == [d["date"] for d in new]
    begun = [i for i, d in enumerate(old) if d["date"] < "2026-07-27"]  # weeks 1-5 began before today
    assert len(begun) == 35 and all(old[i] == new[i] for i in begun)
    future = new[35:]
    assert all(d["note"].startswith("re-planned on 2026-07-22") for d in future)
    assert any(o != n for o, n in zip(old[35:], future, strict=True))

    def uids(path):
        cal = Calendar.from_ical(path.read_bytes())
        return {str(e["dtstart"].dt): str(e["uid"]) for e in cal.walk("VEVENT")}

    before, after = uids(plan_ics), uids(new_ics)
    shared = set(before) & set(after)
    assert len(shared) > 50 and all(before[d] == after[d] for d in shared)  # same day, same event


def test_replan_loads_a_model_file_only_with_trust(athlete_file, tmp_path, capsys):
    """Issue 15, point 2, on replan --model: an SB3 zip is a pickle, so it is refused (exit 2, naming
    --trust, nothing run or written) unless --trust is given; with --trust the file is loaded."""
    import base64
    import os
    import pickle
    import zipfile

    class Payload:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    marker, evil = tmp_path / "ran", tmp_path / "evil.zip"
    blob = base64.b64encode(pickle.dumps(Payload())).decode()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("data", json.dumps({"policy_class": {":type:": "<class 'abc.ABCMeta'>", ":serialized:": blob}}))
    doc = yaml.safe_load(athlete_file.read_text())
    plan_json, new_json = tmp_path / "plan.json", tmp_path / "new.json"
    assert main(["export", "--baseline", "intermediate", "--athlete", str(athlete_file), "--start", "2026-06-22",
                 "--race", "2026-10-04", "--out", str(plan_json)]) == 0
    args = ["replan", "--athlete", str(athlete_file), "--log", doc["log"]["path"], "--plan", str(plan_json),
            "--today", "2026-07-22", "--model", str(evil), "--out", str(new_json)]
    capsys.readouterr()
    assert main(args) == 2
    assert "--model" in (err := capsys.readouterr().err) and "--trust" in err
    assert not marker.exists() and not new_json.exists()
    assert main([*args, "--trust"]) == 2  # trusted: unpickled (the payload ran), then refused as not a model
    assert marker.is_dir() and not new_json.exists()


def test_replan_rejects_a_day_the_athlete_file_covers(athlete_file, tmp_path):
    doc = yaml.safe_load(athlete_file.read_text())
    plan_json = tmp_path / "plan.json"
    assert main(["export", "--baseline", "intermediate", "--athlete", str(athlete_file), "--start", "2026-06-01",
                 "--race", "2026-08-30", "--out", str(plan_json)]) == 0
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "replan", "--athlete", str(athlete_file), "--log",
                        doc["log"]["path"], "--plan", str(plan_json), "--today", "2026-06-10"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "--today: 2026-06-10 is not allowed" in r.stderr, r.stderr


def test_athlete_check_writes_its_coverage_table(tmp_path, capsys):
    out = tmp_path / "coverage.csv"
    assert main(["athlete", "check", "--athletes", "2", "--races", "1,3", "--format", "strava", "--weeks", "8",
                 "--out", str(out)]) == 0
    table = out.read_text().splitlines()
    assert table[0] == "races,parameter,athletes,coverage90,mean_width,width_kind,not_informed_frac"
    assert len(table) == 1 + 2 * 4  # race counts x fitted parameters
    assert "vo2max_untrained" in capsys.readouterr().out
