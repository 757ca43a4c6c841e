"""`stridelab baselines`: the table, the JSON rows and the exit code on bad arguments."""

from __future__ import annotations

import json

import pytest

from agents.baselines import BASELINES
from experiments.cli import main


def test_json_rows_for_every_baseline(capsys):
    assert main(["baselines", "--level", "beginner", "--athletes", "40", "--weeks", "20", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["policy"] for r in rows] == list(BASELINES)
    for r in rows:
        assert r["level"] == "beginner" and r["athletes"] == 40
        for m in ("race_time_pct", "injured_days", "injuries", "strength_pct"):
            lo, hi = r[f"{m}_ci95"]
            assert lo <= r[m] <= hi
    run_only = next(r for r in rows if r["policy"] == "run_only")
    assert run_only["strength_pct"] == 0.0 and run_only["race_time_pct_diff"] == 0.0


def test_table_for_all_levels(capsys):
    assert main(["baselines", "--athletes", "20", "--weeks", "12", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    for level in ("beginner", "intermediate", "advanced"):
        assert f"{level}: 20 athletes, 12-week season, 10k race, seed 3" in out
    for name in BASELINES:
        assert name in out


@pytest.mark.parametrize("argv", [
    ["--level", "elite"], ["--athletes", "0"], ["--weeks", "2"], ["--seed", "-1"],
    ["--race-distance", "ultra"],
])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as err:
        main(["baselines", *argv])
    assert err.value.code == 2
    assert "usage" in capsys.readouterr().err
