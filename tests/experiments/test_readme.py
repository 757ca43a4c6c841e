"""The README's examples run as written right after the quickstart (issue 13).

The quickstart is trained for one rollout (`--set total_timesteps=3328`, the only change) in a fresh
folder; then the README's Python snippet for the registered model (marked `readme-check: python`)
runs unchanged there, and the export example of docs/compare_and_export.md runs with the run id.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _marked_python(text: str) -> str:
    m = re.search(r"<!-- readme-check: python -->\s*```python\n(.*?)```", text, re.S)
    assert m, "the README's served-model snippet is marked <!-- readme-check: python -->"
    return m.group(1)


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    import os

    from experiments.cli import main

    folder = tmp_path_factory.mktemp("fresh_clone")
    old = Path.cwd()
    # a fresh shell: no tracking URI left by other tests (mlflow.set_tracking_uri sets the variable)
    old_uri = os.environ.pop("MLFLOW_TRACKING_URI", None)
    os.chdir(folder)
    try:
        cfg = str(ROOT / "configs" / "quickstart.yaml")
        assert main(["train", cfg, "--set", "total_timesteps=3328", "--set",
                     f"checkpoint.folder={folder / 'runs'}", "--set",
                     f"mlflow.tracking_uri=sqlite:///{folder / 'mlflow.db'}"]) == 0
        yield folder
    finally:
        os.chdir(old)
        if old_uri is not None:
            os.environ["MLFLOW_TRACKING_URI"] = old_uri


def _isolate_tracking_uri(monkeypatch) -> None:
    """The examples call mlflow.set_tracking_uri (a process-wide setting): undo it after the test."""
    import mlflow.tracking._tracking_service.utils as tracking_utils

    monkeypatch.setattr(tracking_utils, "_tracking_uri", tracking_utils._tracking_uri)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db")


def test_readme_served_model_snippet_runs_after_the_quickstart(quickstart, monkeypatch, capsys):
    monkeypatch.chdir(quickstart)
    _isolate_tracking_uri(monkeypatch)
    code = _marked_python((ROOT / "README.md").read_text())
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - the README's own example
    days = scope["days"]
    assert isinstance(days, pd.DataFrame) and len(days) == 7 * 52
    assert dt.date.fromisoformat(days["date"].iloc[0]) > dt.date.today()  # the plan starts in the future
    assert days["run_kind"].iloc[-1] == "race"


def test_docs_export_example_runs_without_a_training_mismatch_note(quickstart, monkeypatch, capsys):
    import mlflow

    from experiments.cli import main

    monkeypatch.chdir(quickstart)
    _isolate_tracking_uri(monkeypatch)
    text = (ROOT / "docs" / "compare_and_export.md").read_text()
    m = re.search(r"(stridelab export --run RUN_ID .*?--out season\.ics)", text, re.S)
    assert m
    argv = m.group(1).replace("\\\n", " ").split()[1:]
    mlflow.set_tracking_uri("sqlite:///mlflow.db")
    run_id = mlflow.search_runs(experiment_names=["stridelab"]).iloc[0]["run_id"]
    argv = [run_id if a == "RUN_ID" else a for a in argv]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "trained on" not in err and "52 weeks" in err
    assert (quickstart / "season.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
