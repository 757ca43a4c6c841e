"""scripts/make_headline_table.py: the headline table from a compare folder (known answers on a
hand-made folder), and the marker replacement of --write."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("make_headline_table", ROOT / "scripts" / "make_headline_table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _row(policy, kind, race, inj):
    r = {"level": "intermediate", "policy": policy, "kind": kind, "race_time_pct": race, "injured_days": inj,
         "draws_won": 0.5, "tapers": 1.0, "periodizes": 0.0, "rule_breaks": 2.0, "all_max": 0.0,
         "under_half_volume": 0.25, "missed10_race_time_pct_diff": 0.3}
    for k in ("race_time_pct", "race_time_pct_diff", "injured_days_diff"):
        r.setdefault(k, 0.0)
        r[f"{k}_lo"], r[f"{k}_hi"] = r[k] - 0.1, r[k] + 0.1
    return r


@pytest.fixture()
def folder(tmp_path):
    rows = [_row("learned:intermediate-seed0", "learned", -8.0, 5.0),
            _row("learned:beginner-seed0", "learned", -9.0, 6.0),  # faster here, but trained for another level
            _row("optimized:opt", "optimized", -10.0, 3.0), _row("advanced", "template", -6.0, 8.0),
            _row("beginner", "template", -5.0, 9.0), _row("run_only", "baseline", -1.0, 25.0)]
    pd.DataFrame(rows).to_csv(tmp_path / "compare.csv", index=False)
    n = 50
    per = []
    for name, race, inj in (("learned:intermediate-seed0", -8.0, 5.0), ("optimized:opt", -10.0, 3.0)):
        per.append(pd.DataFrame({"level": "intermediate", "policy": name, "athlete": np.arange(n),
                                 "race_time_pct": race + np.linspace(-1, 1, n), "injured_days": inj}))
    pd.concat(per).to_csv(tmp_path / "per_athlete.csv", index=False)
    (tmp_path / "verdict.json").write_text(json.dumps({"levels": ["intermediate"], "athletes": n, "seed": 900001,
                                                       "season_weeks": 52, "race_distance": "10k", "model_draws": 8,
                                                       "missed": [0.1]}))
    return tmp_path


def test_rows_are_the_levels_own_policy_the_optimizer_the_best_template_and_run_only(script, folder):
    text = script.table(folder)
    lines = [ln for ln in text.splitlines() if ln.startswith("| intermediate")]
    assert [ln.split(" | ")[1] for ln in lines] == ["learned (intermediate-seed0)", "optimized open-loop",
                                                     "best template: advanced", "run-only"]
    assert "| reference |" in lines[2] and "| 25% |" in lines[0] and "+0.30" in lines[0]
    # the same athletes shifted by the same amount: the paired difference is exact, with a zero-width interval
    assert "race time +2.00 pp [95% CI +2.00, +2.00], injured days +2.00" in text
    assert "the open-loop plan wins" in text


def test_rows_without_the_rules_sit_next_to_their_ruled_twins(script, folder):
    summary = pd.read_csv(folder / "compare.csv")
    extra = [_row("learned:norules-intermediate-seed0", "learned", -11.0, 4.0),
             _row("optimized:norules-opt-intermediate", "optimized", -12.0, 2.0),
             _row("optimized:opt-intermediate", "optimized", -9.5, 3.5)]
    pd.concat([summary, pd.DataFrame(extra)]).to_csv(folder / "compare.csv", index=False)
    lines = [ln for ln in script.table(folder).splitlines() if ln.startswith("| intermediate")]
    assert [ln.split(" | ")[1] for ln in lines] == [
        "learned (intermediate-seed0)", "learned without the rules (norules-intermediate-seed0)",
        "optimized open-loop", "optimized without the rules", "best template: advanced", "run-only"]
    # the level's own optimized plan, not the faster one of another name
    assert "-9.50" in lines[2]


def test_write_replaces_between_the_markers_and_refuses_a_file_without_them(script, folder, tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(f"before\n{script.BEGIN}\nold\n{script.END}\nafter\n")
    assert script.main([str(folder), "--write", str(doc)]) == 0
    out = doc.read_text()
    assert out.startswith("before\n") and out.endswith("after\n") and "old" not in out and "| run-only |" in out
    bare = tmp_path / "bare.md"
    bare.write_text("no markers\n")
    with pytest.raises(SystemExit, match="markers"):
        script.main([str(folder), "--write", str(bare)])
    assert bare.read_text() == "no markers\n"
    assert script.main([str(tmp_path / "nope")]) == 2
