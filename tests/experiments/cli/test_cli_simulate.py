"""`stridelab simulate` / `calibrate` from the command line: output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "configs" / "plans" / "example.yaml"


def test_simulate_json_csv_and_plot(tmp_path, capsys):
    out = tmp_path / "weeks.csv"
    png = tmp_path / "weeks.png"
    assert main(["simulate", str(EXAMPLE), "--athletes", "300", "--json", "--out", str(out), "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_mode & 0o044  # readable by others under the usual umask, like any file the user writes
    data = json.loads(capsys.readouterr().out)
    assert len(data["weeks"]) == 15
    for key in ("run_km", "strength_sessions", "strength_pct", "economy_pct", "vo2max_pct", "race_time_pct",
                "injuries", "injured_days", "soreness", "key_run_quality_pct"):
        assert key in data["weeks"][0]
    s = data["summary"]
    for key in ("injury_rate_per_1000h", "injured_athletes_frac", "ci95", "race_time_pct"):
        assert key in s
    lo, hi = s["ci95"]["race_time_pct"]
    assert lo <= s["race_time_pct"] <= hi
    assert out.read_text().startswith("week,run_km")
    # 10 weeks of lifting then 5 without: strength rises, then falls
    w = data["weeks"]
    assert w[9]["strength_pct"] > 10 and w[14]["strength_pct"] < w[9]["strength_pct"]


BAD = {
    "unknown_key": ("blocks:\n  - {weeks: 2, run_km: 40, tempo: 3}\n", "blocks.0.tempo"),
    "unknown_level": ("level: elite\nblocks:\n  - {weeks: 2}\n", "level"),
    "no_blocks": ("level: beginner\nblocks: []\n", "blocks"),
    "negative_km": ("blocks:\n  - {weeks: 2, run_km: -5}\n", "blocks.0.run_km"),
    "sessions": ("blocks:\n  - {weeks: 2, strength: {sessions: 4}}\n", "blocks.0.strength.sessions"),
    "emphasis": ("blocks:\n  - {weeks: 2, strength: {sessions: 2, emphasis: pump}}\n", "blocks.0.strength.emphasis"),
    "nan": ("blocks:\n  - {weeks: 2, run_km: .nan}\n", "blocks.0.run_km"),
    "invalid_yaml": ("blocks: [\n", "invalid YAML"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_plan_exits_2_with_a_clear_message(tmp_path, name):
    text, fragment = BAD[name]
    plan = tmp_path / f"{name}.yaml"
    plan.write_text(text)
    out = tmp_path / "out.csv"
    r = subprocess.run([sys.executable, "-m", "experiments.cli", "simulate", str(plan), "--out", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and str(plan) in r.stderr
    assert "Traceback" not in r.stderr
    assert not out.exists()


@pytest.mark.parametrize("argv, fragment", [
    (["simulate", "missing.yaml"], "no such file"),
    (["simulate", str(EXAMPLE), "--athletes", "0"], "--athletes"),
    (["simulate", str(EXAMPLE), "--level", "pro"], "--level"),
    (["simulate", str(EXAMPLE), "--out", "/nonexistent/dir/x.csv"], "does not exist"),
])
def test_bad_arguments_exit_2(argv, fragment):
    r = subprocess.run([sys.executable, "-m", "experiments.cli", *argv], capture_output=True, text=True)
    assert r.returncode == 2 and fragment in r.stderr and "Traceback" not in r.stderr


def test_calibrate_json_rows(capsys, monkeypatch):
    """The command's JSON rows, on three scenarios: that every scenario passes is tests/sim/test_calibration.py's
    job, and running all of them twice was 19 s of the suite (issue 24)."""
    import sim.calibration as cal

    some = cal.scenarios()[:3]
    monkeypatch.setattr(cal, "scenarios", lambda folder=cal.CALIBRATION_DIR: some)
    assert main(["calibrate", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == {sc.id for sc in some} and len(rows) == sum(len(sc.checks) for sc in some)
    assert rows and all({"id", "published", "simulated", "pass"} <= set(r) for r in rows)
    assert all(r["pass"] for r in rows)


def test_json_is_strict_json_at_the_smallest_allowed_distances(tmp_path, capsys):
    """Issue 15, point 8: `run_volume_rel: 5e-324` printed Infinity and NaN and exited 0; the smallest
    distances a plan may now hold print finite, strictly valid JSON."""
    plan = tmp_path / "tiny.yaml"
    plan.write_text("blocks:\n  - {weeks: 3, run_volume_rel: 0.01, long_run_rel: 0.01, key_runs: 2}\n"
                    "  - {weeks: 2, run_km: 0.5, long_run_km: 0.5}\n")
    assert main(["simulate", str(plan), "--athletes", "50", "--json"]) == 0

    def no_constants(name: str):
        raise AssertionError(f"{name} in --json output")

    doc = json.loads(capsys.readouterr().out, parse_constant=no_constants)
    assert len(doc["weeks"]) == 5 and doc["summary"]["injury_rate_per_1000h"] is not None


def test_simulate_for_one_runner_says_so_in_the_table(tmp_path, capsys, monkeypatch):
    """Issue 24, defect 5: `simulate --athlete` titled its table "population means per week (2000 intermediate
    athletes)" for one runner simulated 2000 times."""
    monkeypatch.setenv("COLUMNS", "1000")  # the title names two paths: at a pipe's width it folds inside them
    from experiments.athlete.synthetic import make_athlete, write_log

    ath = make_athlete(5, weeks=6, n_races=1, n_tests=1)
    log, results = write_log(ath, "intervals", tmp_path)
    athlete = tmp_path / "athlete.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(results), "--out", str(athlete)]) == 0
    capsys.readouterr()
    assert main(["simulate", str(EXAMPLE), "--athlete", str(athlete), "--athletes", "50"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "population means" not in out and "intermediate athletes" not in out
    assert f"means per week over 50 simulations of the runner in {athlete}" in out
