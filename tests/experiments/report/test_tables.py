"""Terminal tables fit the terminal (COLUMNS respected) and never drop or cut a column."""

from types import SimpleNamespace

import pandas as pd
import pytest

from experiments.report.tables import render_text, terminal_width

POLICIES = ["beginner", "intermediate", "advanced", "run_only", "mistake_toning_only", "mistake_random",
            "mistake_lift_before_key", "mistake_drop_in_season", "mistake_ignore_pain"]
WIDTHS = (60, 80, 100, 150)


def _lines(text: str) -> list[str]:
    return text.splitlines()


def _baseline_result():
    cols = {}
    for k in ("race_time_pct", "race_time_pct_diff", "injured_days", "injured_days_diff", "injuries", "strength_pct"):
        cols[k] = [-3.123] * len(POLICIES)
        cols[k + "_lo"] = [-3.456] * len(POLICIES)
        cols[k + "_hi"] = [-2.789] * len(POLICIES)
    cols["race_time_pct_win"] = [0.97] * len(POLICIES)
    cols["key_run_quality_pct"] = [98.5] * len(POLICIES)
    return SimpleNamespace(reference="run_only", summary=pd.DataFrame(cols, index=POLICIES))


@pytest.mark.parametrize("width", WIDTHS)
def test_baselines_table_fits_and_keeps_every_column(width, monkeypatch, capsys):
    from experiments.cli.baselines import print_summary

    monkeypatch.setenv("COLUMNS", str(width))
    print_summary(_baseline_result(), "intermediate: 2000 athletes")
    out = capsys.readouterr().out
    assert max(len(line) for line in _lines(out)) <= width
    for name in POLICIES:  # policy names whole, never cut with an ellipsis
        assert name in out
    assert "…" not in out
    assert "win" in out  # the column rich used to drop at 100 columns
    assert out.count("[-3.46, -2.79]") >= len(POLICIES)  # CIs whole


def test_columns_env_is_respected(monkeypatch):
    monkeypatch.setenv("COLUMNS", "87")
    assert terminal_width() == 87
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(default=123) == 123  # pytest's stdout is not a terminal


@pytest.mark.parametrize("width", WIDTHS)
def test_simulate_table_fits(width):
    from experiments.report.whatif import ABBREV, DEFINITIONS, LABELS

    head = list(LABELS.values())
    rows = [[str(w)] + ["123.45"] * (len(head) - 1) for w in range(1, 16)]
    text = render_text("plan.yaml: population means per week", head, rows, width, abbrev=ABBREV,
                       caption=DEFINITIONS)
    assert max(len(line) for line in _lines(text)) <= width
    assert text.count("123.45") == 15 * (len(head) - 1)  # every cell shown
    assert "…" not in text
    if width < 150:
        assert "Abbreviations:" in text  # short headers are explained


def test_wide_table_is_split_not_dropped():
    head = ["policy"] + [f"column number {i}" for i in range(12)]
    rows = [["learned"] + [f"{i:+.2f} [{i - 1:+.2f}, {i + 1:+.2f}]" for i in range(12)]]
    text = render_text("t", head, rows, 80)
    assert "part 1 of" in text
    assert text.count("learned") >= 2  # the key column repeats in every part
    for i in range(12):
        assert f"{i:+.2f} [{i - 1:+.2f}, {i + 1:+.2f}]" in text


def columns_shown(text: str, keep: int) -> int:
    """Columns over all parts of a printed table (each part repeats the `keep` first columns)."""
    parts = [line for line in text.splitlines() if line.startswith("┏")]
    return keep + sum(p.count("┳") + 1 - keep for p in parts)


def assert_uncropped(text: str, width: int) -> None:
    """Every line within `width`, every table row closed by its right border, nothing cut with an ellipsis."""
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    for line in lines:
        if line[:1] in "┃│┏┡└":
            assert line.rstrip()[-1] in "┃│┓┩┘", line  # the last column's right border is there
    assert "…" not in text


@pytest.mark.parametrize("width", (60, 80, 100, 120))
def test_baselines_table_is_never_cropped(width, monkeypatch, capsys):
    """Issue 24, defect 2: `COLUMNS=100 stridelab baselines ... | cat` cut the last column and the caption."""
    from experiments.cli.baselines import print_summary

    monkeypatch.setenv("COLUMNS", str(width))
    print_summary(_baseline_result(), "beginner: 300 athletes, 52-week season, 10k race, seed 0")
    out = capsys.readouterr().out
    assert_uncropped(out, width)
    flat = " ".join(out.split())
    assert "key-run quality %" in flat and "on the same athletes" in flat  # the caption, whole
    assert flat.rstrip().endswith("(100 = as planned).")
    assert columns_shown(out, 1) == 9  # policy + 8 figures, none dropped


def test_baselines_through_a_real_pipe_never_crops(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(root)}
    res = subprocess.run([sys.executable, "-m", "experiments.cli", "baselines", "--level", "beginner",
                          "--athletes", "40"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert_uncropped(res.stdout, 100)
    assert columns_shown(res.stdout, 1) == 9
    assert " ".join(res.stdout.split()).endswith("(100 = as planned).")


@pytest.mark.parametrize("width", (60, 80, 100, 120))
def test_a_table_wider_than_rich_would_measure_is_not_cropped(width):
    head = ["policy", "inj. diff", "injuries", "str. %", "key-run %"]
    rows = [["mistake_lift_before_key", "-20.9 [-25.2, -16.7]", "0.75 [0.63, 0.86]", "52.7 [49.4, 56.3]", "94.3"]]
    text = render_text("t", head, rows, width, caption="words " * 40 + "the end.")
    assert_uncropped(text, width)
    assert columns_shown(text, 1) == len(head)
    assert "94.3" in text and " ".join(text.split()).endswith("the end.")
