"""`stridelab headline` end to end at --quick size: the six rungs, the files, MLflow, the README block,
reuse of finished stages and the same numbers on a rerun; bad input is refused before any work."""

from __future__ import annotations

import dataclasses
import json
import os

import pandas as pd
import pytest

from experiments import tracking
from experiments.cli import main
from experiments.headline.ladder import RUNGS
from experiments.headline.report import BEGIN, END, recorded
from experiments.headline.run import HeadlineSettings, headline


@pytest.fixture(scope="module")
def quick(tmp_path_factory, copy_mlflow_db):
    folder = tmp_path_factory.mktemp("headline")
    uri = copy_mlflow_db(folder)  # an empty store
    cl = tracking.client(uri)
    cl.create_experiment("hl", artifact_location=(folder / "artifacts").as_uri())
    readme = folder / "README.md"
    readme.write_text(f"# x\n\n{BEGIN}\nold table\n{END}\n")
    s = dataclasses.replace(HeadlineSettings.quick_settings(("intermediate",)), athletes=8, model_draws=1)
    h = headline(s, folder / "out", "stridelab headline (test)", uri, "hl", readme=[readme])
    return folder, uri, h, readme


def test_the_ladder_has_six_rungs_on_the_same_athletes_and_the_oracle_closes_its_own_gap(quick):
    folder, _, h, _ = quick
    t = pd.read_csv(folder / "out" / "ladder.csv")
    assert list(t["rung"]) == list(RUNGS) and set(t["level"]) == {"intermediate"}
    row = t.set_index("rung")
    assert row.loc["template", "race_time_pct_vs_template"] == 0.0
    assert row.loc["oracle", "oracle_gap_share"] == pytest.approx(1.0)
    per = pd.read_csv(folder / "out" / "per_athlete.csv")
    assert per.groupby("policy")["athlete"].apply(lambda a: sorted(a)).map(tuple).nunique() == 1  # paired
    assert (folder / "out" / "ladder.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads((folder / "out" / "headline.json").read_text())
    assert doc["levels"]["intermediate"]["replan_log"]  # it did re-plan


def test_mlflow_holds_the_headline_run_and_the_readme_block_its_provenance(quick):
    _, uri, h, readme = quick
    cl = tracking.client(uri)
    run = cl.get_run(h.run_id)
    assert run.data.tags["stridelab.role"] == "headline" and run.info.status == "FINISHED"
    assert "intermediate.oracle.race_time_pct" in run.data.metrics
    arts = {a.path for a in cl.list_artifacts(h.run_id)} | {a.path for a in cl.list_artifacts(h.run_id, "plots")}
    assert {"ladder.csv", "ladder.md", "plots/ladder.png"} <= arts
    rec = recorded(readme.read_text())
    assert rec is not None and rec["fingerprint"] == h.meta["fingerprint"]
    assert "old table" not in readme.read_text()
    assert (readme.parent / "docs" / "headline_ladder.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_rerun_reuses_finished_stages_and_gives_the_same_numbers(quick, capsys):
    folder, uri, h, _ = quick
    before = (folder / "out" / "ladder.csv").read_text()
    rc = main(["headline", "--out", str(folder / "out"), "--quick", "--levels", "intermediate", "--athletes", "8",
               "--model-draws", "1", "--tracking-uri", uri, "--experiment", "hl"])
    assert rc == 0
    err = capsys.readouterr().err
    assert "optimize intermediate: reusing" in err and "train intermediate: reusing" in err
    after = pd.read_csv(folder / "out" / "ladder.csv").drop(columns="wall_s")
    pd.testing.assert_frame_equal(after, pd.read_csv(__import__("io").StringIO(before)).drop(columns="wall_s"))


@pytest.mark.parametrize("extra, needle", [
    (["--levels", "elite"], "elite"),
    (["--athletes", "0"], "--athletes"),
    (["--quick", "--readme", "README.md"], "--readme"),
    (["--readme", "NOFILE.md"], "--readme"),
])
def test_bad_input_is_refused_by_name_with_exit_2(tmp_path, capsys, extra, needle):
    with pytest.raises(SystemExit) as exc:
        rc = main(["headline", "--out", str(tmp_path / "o"), *extra, "--tracking-uri",
                   f"sqlite:///{tmp_path / 'm.db'}"])
        raise SystemExit(rc)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_an_out_that_is_not_a_folder_is_refused(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["headline", "--out", str(fifo), "--quick"]) == 2
    assert "--out" in capsys.readouterr().err
