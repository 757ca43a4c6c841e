"""`stridelab audit` and `simulate --model-draws` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from experiments.cli import main
from sim.audit import CURVES
from sim.whatif import DRAW_FIGURES

EXAMPLE = Path(__file__).resolve().parents[3] / "configs" / "plans" / "example.yaml"


def test_audit_json_and_plot(tmp_path, capsys):
    png = tmp_path / "audit.png"
    assert main(["audit", "--athletes", "120", "--level", "advanced", "--json", "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(capsys.readouterr().out)
    assert data["level"] == "advanced"
    assert [c["name"] for c in data["curves"]] == list(CURVES)
    for c in data["curves"]:
        values = [r[c["setting"]] for r in c["rows"]]
        assert c["best"] in values
        pick = min if c["outcome"] in ("race_time_pct", "race_time_diff_pp") else max
        assert c["best"] == pick(c["rows"], key=lambda r, c=c: r[c["outcome"]])[c["setting"]]


def test_audit_table_marks_the_best_setting(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["audit", "--athletes", "60"]) == 0
    out = capsys.readouterr().out
    assert "volume_16w" in out and "taper" in out and "* best setting" in out
    # fitted to the terminal: it printed at 100 columns on an 80-column terminal before issue 24
    assert max(len(line) for line in out.splitlines()) <= 80
    assert out.count(" * ") + out.count(" *│") >= len(CURVES)


@pytest.mark.parametrize("argv", [["audit", "--level", "elite"], ["audit", "--athletes", "0"],
                                  ["simulate", str(EXAMPLE), "--model-draws", "-1"],
                                  ["simulate", str(EXAMPLE), "--model-draws", "100000"],
                                  ["calibrate", "--model-draws", "x"]])
def test_bad_arguments_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err


def test_simulate_model_draws_reports_the_spread(capsys):
    assert main(["simulate", str(EXAMPLE), "--athletes", "100", "--model-draws", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    spread = data["model_draws"]
    assert set(spread) == set(DRAW_FIGURES)
    for figure, v in spread.items():
        assert len(v["draws"]) == 3
        assert v["p5"] <= v["mean"] <= v["p95"], figure
    assert len(set(spread["race_time_pct"]["draws"])) == 3  # the draws differ
