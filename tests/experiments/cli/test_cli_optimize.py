"""`stridelab optimize` end to end on a tiny budget: the plan file, the picture, the MLflow run, exit codes."""

from __future__ import annotations

import pytest
import yaml

from agents.baselines import BASELINES
from experiments import tracking
from experiments.cli import main
from experiments.optimize.objective import Objective
from experiments.optimize.planfile import read_provenance
from sim.plan import load_plan

TINY = ["--level", "beginner", "--race-distance", "5k", "--season-weeks", "20", "--budget", "30", "--population",
        "5", "--athletes", "24", "--seed", "3"]


@pytest.fixture(scope="module")
def optimized(tmp_path_factory, copy_mlflow_db):
    folder = tmp_path_factory.mktemp("opt")
    uri = copy_mlflow_db(folder)  # an empty store
    cl = tracking.client(uri)
    cl.create_experiment("opt", artifact_location=(folder / "artifacts").as_uri())
    out = folder / "plan.yaml"
    assert main(["optimize", *TINY, "--out", str(out), "--tracking-uri", uri, "--experiment", "opt"]) == 0
    return folder, out, uri


def test_the_plan_file_is_one_simulate_accepts_and_beats_run_only_on_the_training_athletes(optimized, capsys):
    folder, out, _ = optimized
    plan = load_plan(out)
    assert (plan.level, plan.race_distance, len(plan.weeks())) == ("beginner", "5k", 20)
    assert all(b.phase and b.note for b in plan.blocks) and plan.weeks()[-1].race
    assert main(["simulate", str(out), "--athletes", "50", "--json"]) == 0
    obj = Objective.on_training_athletes("beginner", "5k", 24, seed=3)  # the athletes it was optimized on
    mine = obj(plan.plan_array())
    run_only = obj(BASELINES["run_only"].plan_array(0, 20, 1, 3)[0])
    assert mine.objective[0] < run_only.objective[0]
    assert (folder / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    meta = read_provenance(out)
    assert meta is not None and meta["seed"] == 3 and meta["rules"] == "article"
    assert "# Rules: article" in out.read_text()
    assert meta["evaluations"] == 26  # the start + 5 generations of 5 within 30


def test_the_run_is_in_mlflow_with_the_curve_and_the_files(optimized):
    _, out, uri = optimized
    cl = tracking.client(uri)
    exp = cl.get_experiment_by_name("opt")
    (run,) = cl.search_runs([exp.experiment_id])
    assert run.info.status == "FINISHED" and run.data.tags["stridelab.role"] == "optimize"
    assert run.data.params["budget"] == "30" and run.data.params["reward.injury_day"] == "2.0"
    assert run.data.params["rules"] == "article"
    curve = cl.get_metric_history(run.info.run_id, "optimize/best_objective")
    assert [m.step for m in curve] == list(range(1, 6))  # budget 30: the start + 5 generations of 5
    values = [m.value for m in curve]
    assert values == sorted(values, reverse=True)
    names = {a.path for a in cl.list_artifacts(run.info.run_id)} | {
        a.path for a in cl.list_artifacts(run.info.run_id, "plots")}
    assert {"plan.yaml", "plots/plan.png", "config.yaml", "command.txt"} <= names
    assert read_provenance(out)["mlflow_run"] == run.info.run_id


def test_the_plan_file_obeys_the_articles_rules(optimized, assert_article_rules):
    from envs.config import ARTICLE_RULES

    _, out, _ = optimized
    assert_article_rules(load_plan(out).plan_array(), ARTICLE_RULES, "beginner", sample=1)


def test_same_seed_same_plan(optimized, tmp_path):
    _, out, _ = optimized
    again = tmp_path / "again.yaml"
    assert main(["optimize", *TINY, "--out", str(again), "--no-mlflow"]) == 0
    strip = [line for line in again.read_text().splitlines() if not line.startswith("#")]
    assert strip == [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert yaml.safe_load(again.read_text()) == yaml.safe_load(out.read_text())


@pytest.mark.parametrize(("args", "message"), [
    (["--level", "elite"], "'elite' is not a level"),
    (["--race-distance", "3k"], "'3k' is not a race distance"),
    (["--budget", "0"], "need a whole number >= 1"),
    (["--seed", "-1"], "out of range"),
    (["--rules", "strict"], "invalid choice: 'strict'"),
])
def test_bad_arguments_exit_2(args, message, tmp_path, capsys):
    base = ["--level", "beginner", "--race-distance", "5k", "--out", str(tmp_path / "p.yaml"), "--no-mlflow"]
    with pytest.raises(SystemExit) as err:
        main(["optimize", *base, *args])
    assert err.value.code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--budget", "4"], "budget: 4 is less than one generation"),
    (["--out", "missing/p.yaml"], "does not exist"),
])
def test_bad_values_exit_2_before_any_work_or_mlflow_run(args, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = ["--level", "beginner", "--race-distance", "5k", "--out", "p.yaml", "--tracking-uri",
            f"sqlite:///{tmp_path / 'mlflow.db'}"]
    assert main(["optimize", *base, *args]) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no plan, no picture, no MLflow store
