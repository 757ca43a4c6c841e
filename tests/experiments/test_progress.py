"""Progress on a terminal and in a log file alike, never cut at the width (issue 24, point 2)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from experiments.progress import COMPILE_LINE, Stage

ROOT = Path(__file__).resolve().parents[2]
DETAIL = "generation 12: best J -7.123 (race time -8.59%, 5.8 expected injured days) " + "x" * 60


def test_a_log_file_gets_whole_progress_lines_while_the_stage_runs():
    log = io.StringIO()  # not a terminal: no live bar, plain lines
    with Stage("optimize intermediate 10k", 3000, "evaluations", stream=log, every_s=0.0) as st:
        st.update(0, "simulating the templates")
        assert "0/3000 evaluations (0%), simulating the templates" in log.getvalue()  # before the end
        st.update(1500, DETAIL)
        assert "1500/3000 evaluations (50%)" in log.getvalue()
    lines = log.getvalue().splitlines()
    assert any(DETAIL in line for line in lines)  # 160+ characters, whole: never cropped at 80
    assert "optimize intermediate 10k: done, 1500 evaluations" in lines[-1] and "elapsed" in lines[-1]


def test_a_log_file_is_not_flooded():
    log = io.StringIO()
    with Stage("compare", 1000, "steps", stream=log, every_s=3600.0) as st:
        for i in range(1000):
            st.update(i, f"step {i}")
    assert len(log.getvalue().splitlines()) == 2  # the first update and the end


def test_on_a_terminal_the_details_are_printed_whole_above_the_bar(monkeypatch):
    import re

    monkeypatch.setenv("COLUMNS", "40")  # a narrow terminal: the live row is never cropped ("0:00:…")
    term = io.StringIO()
    label = "compare beginner, intermediate, advanced"
    with Stage(label, 10, "evaluations", stream=term, terminal=True, detail_every_s=0.0) as st:
        st.update(5, DETAIL)
    plain = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", term.getvalue())
    text = " ".join(plain.split())
    assert " ".join(DETAIL.split()) in text and f"{label}:" in text
    assert "…" not in plain


def test_a_cold_numba_cache_is_announced_before_the_compile(tmp_path):
    """The first `stridelab simulate` printed nothing for ~95 s while numba compiled (issue 24, defect 1)."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cold"), "PYTHONPATH": str(ROOT)}
    code = ("import sys; from experiments.progress import compile_notice, simulator_cold;"
            "print(simulator_cold()); compile_notice(sys.stdout)")
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300,
                          cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    assert cold.stdout.splitlines() == ["True", COMPILE_LINE]
    assert "first run only" in COMPILE_LINE and "1-2 min" in COMPILE_LINE


def test_a_warm_cache_says_nothing(tmp_path):
    from sim.whatif import simulate_file

    simulate_file(str(ROOT / "configs" / "plans" / "example.yaml"), athletes=2, seed=0)  # compiled and cached
    from experiments.progress import simulator_cold

    assert not simulator_cold()
