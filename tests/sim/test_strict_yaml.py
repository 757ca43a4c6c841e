"""Strict, bounded YAML (issue 15, points 5 and 6): alias bombs, deep nesting and oversized files are
refused before anything expands them; a key given twice is an error, not last-wins."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.strict_yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_file, loads


def bomb(levels: int) -> str:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n"
    return text


def test_alias_bomb_is_refused_by_its_expanded_size():
    """A 9-level bomb (10^9 values) took 161 s and 5 GB before a MemoryError."""
    with pytest.raises(InputError, match=rf"plan\.yaml: line \d+: .* more than {MAX_NODES} values"):
        loads(bomb(9), "plan.yaml")


def test_aliases_within_the_limit_still_work():
    data = loads(bomb(3) + "b: {<<: {k: 1}, k: 2}\n", "ok.yaml")  # 1000 values; a merge key may be overridden
    assert len(data["a2"]) == 10 and data["a2"][0][0] == ["x"] * 10 and data["b"] == {"k": 2}


def test_nesting_is_bounded_before_the_recursive_composer_runs():
    """`[` x 20000 was a RecursionError traceback."""
    with pytest.raises(InputError, match=f"nesting deeper than {MAX_DEPTH}"):
        loads("[" * 20000, "deep.yaml")
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH, "ok.yaml") is not None


def test_duplicate_keys_are_errors_with_both_lines():
    with pytest.raises(InputError, match=r"c\.yaml: line 3: duplicate key 'weeks' \(first given on line 1\)"):
        loads("weeks: 10\nrun_km: 40\nweeks: 12\n", "c.yaml")
    with pytest.raises(InputError, match="duplicate key 'sessions'"):
        loads("blocks:\n  - strength: {sessions: 1, sessions: 2}\n", "c.yaml")


def test_file_size_is_checked_before_reading(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(InputError, match=f"too large; allowed: at most {MAX_BYTES} bytes"):
        load_file(big)
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
        load_file(tmp_path / "bin.yaml")
