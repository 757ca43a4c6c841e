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
    from experiments.cli.simulate import ABBREV, DEFINITIONS, LABELS

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
