"""Output targets (issue 15, point 1) and valid JSON (point 8): a write never replaces anything but a
regular file, an output's suffix matches what is written, and JSON output never holds NaN."""

from __future__ import annotations

import json
import os
import stat

import pytest

from experiments.io import atomic_path, atomic_write_text, check_writable, dumps_json
from sim.errors import InputError


def test_non_regular_targets_are_refused_and_untouched(tmp_path):
    """As root, `--out /dev/null` turned the device into a regular file; a FIFO stands in for it."""
    fifo, real, link = tmp_path / "fifo", tmp_path / "real.csv", tmp_path / "link.csv"
    os.mkfifo(fifo)
    real.write_text("mine\n")
    os.symlink(real.name, link)
    for target, kind in ((fifo, "named pipe"), (link, "symbolic link"), (tmp_path, "folder")):
        with pytest.raises(InputError, match=f"--out: .* is a {kind}"):
            atomic_write_text(target, "new\n", option="--out")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.readlink(link) == real.name and real.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "link.csv", "real.csv"]


def test_a_target_that_became_special_meanwhile_is_not_replaced(tmp_path):
    out = tmp_path / "weeks.csv"
    with pytest.raises(InputError, match="named pipe"):
        with atomic_path(out) as tmp:
            tmp.write_text("done\n")
            os.mkfifo(out)  # while the output was being computed
    assert stat.S_ISFIFO(os.lstat(out).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["weeks.csv"]  # the temp file is gone too


def test_regular_files_are_replaced_atomically(tmp_path):
    out = tmp_path / "weeks.csv"
    out.write_text("old\n")
    atomic_write_text(out, "new\n")
    assert out.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["weeks.csv"]


def test_suffix_must_match_what_is_written(tmp_path):
    """`--out plan.xlsx` silently wrote CSV."""
    with pytest.raises(InputError, match=r"--out: .*plan\.xlsx' has suffix '\.xlsx'; allowed: \.csv"):
        check_writable(tmp_path / "plan.xlsx", "--out", (".csv",))
    assert check_writable(tmp_path / "plan.CSV", "--out", (".csv",)).name == "plan.CSV"


def test_export_format_from_an_unknown_suffix_is_an_error():
    from experiments.plans.formats import format_of

    with pytest.raises(InputError, match=r"--out: 'plan\.xlsx' has suffix '\.xlsx'.*allowed: \.csv, \.json"):
        format_of(None, "plan.xlsx")
    assert format_of("csv", "plan.xlsx") == "csv"  # an explicit --format is the user's choice


def test_json_output_is_always_valid_json():
    """`simulate --json` printed Infinity and NaN (not JSON) for a plan with run_volume_rel 5e-324."""
    doc = {"a": float("nan"), "b": [float("inf"), -float("inf"), 1.5], "c": {"d": 2}}
    text = dumps_json(doc)

    def no_constants(name: str):
        raise AssertionError(f"{name} in JSON output")

    assert json.loads(text, parse_constant=no_constants) == {"a": None, "b": [None, None, 1.5], "c": {"d": 2}}
