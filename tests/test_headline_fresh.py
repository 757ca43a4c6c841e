"""A stale headline is a failing check (issue 22): README's headline block names the commit and the model
fingerprint `stridelab headline` ran on; the fingerprint must be the current model's (what sim/, envs/,
agents/ and configs/ compute on a fixed workload, `experiments.headline.fingerprint`), and the commit must
be in this checkout's history."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from experiments.headline.fingerprint import model_fingerprint
from experiments.headline.report import recorded

ROOT = Path(__file__).resolve().parents[1]
FILES = (ROOT / "README.md", ROOT / "docs" / "benchmarks.md")


@pytest.fixture(scope="module")
def fingerprint() -> str:
    return model_fingerprint()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_headline_was_made_on_the_current_model(path, fingerprint):
    rec = recorded(path.read_text())
    assert rec is not None, f"{path.name}: the headline block names no commit and fingerprint; run stridelab headline"
    assert rec["fingerprint"] == fingerprint, (
        f"{path.name}: the headline was made on a model with fingerprint {rec['fingerprint']} (commit "
        f"{rec['commit']}); sim/, envs/, agents/ or configs/ now give {fingerprint}. Rerun `stridelab headline "
        "--out headline` and commit README.md and docs/benchmarks.md")
    assert not rec["dirty"], f"{path.name}: the headline ran on uncommitted sources; rerun it on a commit"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_headline_commit_is_in_this_history(path):
    rec = recorded(path.read_text())
    assert rec is not None
    try:
        r = subprocess.run(["git", "-C", str(ROOT), "merge-base", "--is-ancestor", rec["commit"], "HEAD"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is not available")
    if r.returncode not in (0, 1):
        pytest.skip(f"not a git checkout with history: {r.stderr.strip()}")
    assert r.returncode == 0, f"{path.name}: commit {rec['commit']} is not an ancestor of HEAD"
