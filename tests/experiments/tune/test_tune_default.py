"""`stridelab tune` on the default storage (the embedded journal file) end to end, and bad input.

Real Optuna, real SB3 training, a real MLflow store (SQLite in a temp folder); tiny budgets.
"""

from __future__ import annotations

import contextlib
import os

import pytest
import yaml
from mlflow.tracking import MlflowClient
from tune_helpers import free_port, tiny_config

from experiments.cli import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory, copy_mlflow_db):
    """A temp working folder (the default journal file and mlflow.db land in the cwd; the store: a copy of
    an empty one, creating one costs seconds)."""
    f = tmp_path_factory.mktemp("tune")
    old = os.getcwd()
    prev = os.environ.get("MLFLOW_TRACKING_URI")
    os.chdir(f)
    os.environ["MLFLOW_TRACKING_URI"] = copy_mlflow_db(f)
    yield f
    os.chdir(old)
    if prev is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = prev


def client() -> MlflowClient:
    # explicit: an earlier test's mlflow.set_tracking_uri() would win over the environment variable
    return MlflowClient(tracking_uri=os.environ["MLFLOW_TRACKING_URI"])


def runs_of(cl: MlflowClient, experiment: str):
    exp = cl.get_experiment_by_name(experiment)
    return [] if exp is None else cl.search_runs([exp.experiment_id])


@pytest.fixture(scope="module")
def tuned(folder):
    """One tiny study of 3 trials on the default storage, through the CLI (stdout, stderr captured): two
    random start-up trials (never pruned), then one the sampler proposes and the pruner may stop."""
    import contextlib
    import io

    path = tiny_config(folder, "study")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["tune", str(path), "--trials", "3"])
    return path, code, (out.getvalue(), err.getvalue())


def test_tune_default_storage_end_to_end(folder, tuned) -> None:
    import optuna

    path, code, (out, err) = tuned
    assert code == 0, err
    assert (folder / "optuna-journal.log").is_file()  # the embedded default: nothing was started
    study = optuna.load_study(study_name="study", storage=optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(folder / "optuna-journal.log"))))
    states = [t.state.name for t in study.trials]
    assert len(states) == 3 and set(states) <= {"COMPLETE", "PRUNED"} and "COMPLETE" in states
    # one progress line per finished trial, naming value / pruning and the best so far
    lines = [x for x in err.splitlines() if x.startswith("[tune study] trial ")]
    assert len(lines) == 3
    assert all("| best " in x and "finished" in x for x in lines)
    assert sum("pruned" in x.split("|")[0] for x in lines) == states.count("PRUNED")
    assert lines[-1].split("|")[2].strip().startswith("3/3 finished")

    cl = client()
    runs = runs_of(cl, "study")
    parents = [r for r in runs if r.data.tags.get("stridelab.role") == "tune"]
    trials = [r for r in runs if r.data.tags.get("stridelab.role") == "trial"]
    assert len(parents) == 1 and len(trials) == 3
    parent = parents[0]
    assert parent.info.status == "FINISHED"
    assert all(r.data.tags["mlflow.parentRunId"] == parent.info.run_id for r in trials)
    assert sorted(int(r.data.tags["stridelab.trial"]) for r in trials) == [0, 1, 2]
    for r in trials:  # each trial: its config as params, its curves, a final evaluation unless pruned
        assert r.info.status == "FINISHED"
        assert "algo.learning_rate.value" in r.data.params
        assert [m.step for m in cl.get_metric_history(r.info.run_id, "eval/gap_to_best_template_pct")][0] == 0
        if r.data.tags["stridelab.trial_state"] == "COMPLETE":
            assert "final/gap_to_best_template_pct" in r.data.metrics
    # the first trial ran the config's own hyperparameters (all inside this space)
    first = study.trials[0]
    assert first.user_attrs["stridelab.from_config"] is True
    assert first.params["n_epochs"] == 1 and first.params["net_arch"] == "16" and first.params["batch_size"] == 64
    assert first.params["learning_rate"] == pytest.approx(3e-4) and first.params["gamma"] == pytest.approx(0.99)
    best = study.best_trial
    assert parent.data.tags["stridelab.best_trial"] == str(best.number)
    assert parent.data.metrics["best/value"] == pytest.approx(best.value)
    arts = {a.path for a in cl.list_artifacts(parent.info.run_id)}
    assert {"best_config.yaml", "trials.csv", "plots"} <= arts
    plots = {a.path for a in cl.list_artifacts(parent.info.run_id, "plots")}
    assert "plots/optimization_history.png" in plots
    assert ("plots/param_importances.png" in plots) == (states.count("COMPLETE") >= 2)

    # the best config: the base config with the best trial's values, which `stridelab train` takes
    best_yaml = folder / "runs" / "tune-study" / "best_config.yaml"
    cfg = yaml.safe_load(best_yaml.read_text())
    assert cfg["algo"]["learning_rate"] == {"kind": "constant", "value": best.params["learning_rate"]}
    assert cfg["algo"]["n_epochs"] == best.params["n_epochs"]
    assert cfg["algo"]["policy_kwargs"]["net_arch"] == [int(w) for w in best.params["net_arch"].split("x")]
    assert cfg["total_timesteps"] == 256 and "tune" not in cfg
    assert main(["train", str(best_yaml), "--no-progress"]) == 0
    trained = [r for r in runs_of(cl, "study") if r.data.tags.get("stridelab.role") == "single"]
    assert len(trained) == 1 and trained[0].info.status == "FINISHED"
    # same hyperparameters, same seed, same held-out athletes: the trial's result is reproduced
    assert trained[0].data.metrics["final/gap_to_best_template_pct"] == pytest.approx(best.value, abs=1e-9)


def _state(folder):
    journal = folder / "optuna-journal.log"
    return journal.read_bytes() if journal.is_file() else b"", len(runs_of(client(), "study"))


def test_a_study_created_with_another_config_is_refused(folder, tuned, capsys) -> None:
    before = _state(folder)
    other = tiny_config(folder, "other", total_timesteps=128)
    assert main(["tune", str(other), "--trials", "5", "--study", "study"]) == 2
    err = capsys.readouterr().err
    assert "--study study" in err and "created with another config" in err and "Traceback" not in err
    assert _state(folder) == before  # nothing written to the study or to MLflow


@pytest.mark.parametrize("storage, expected", [
    ("redis://localhost:6379", "unknown storage scheme 'redis'"),
    ("sqlite:///optuna.db", "SQLite is not safe for concurrent workers"),
    ("journal:/no/such/folder/x.log", "folder /no/such/folder does not exist"),
    ("postgresql://127.0.0.1/", "needs a host and a database"),
])
def test_bad_storage_exits_2_naming_what_is_allowed(folder, tuned, capsys, storage, expected) -> None:
    before = _state(folder)
    assert main(["tune", str(folder / "study.yaml"), "--trials", "2", "--storage", storage]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    if "allowed" not in expected:
        assert "allowed:" in err or "exist" in err
    assert _state(folder) == before


def test_unreachable_database_exits_2_and_leaves_nothing(folder, tuned, capsys) -> None:
    before = _state(folder)
    url = f"postgresql://stridelab:secret@127.0.0.1:{free_port()}/optuna"
    assert main(["tune", str(folder / "study.yaml"), "--trials", "2", "--storage", url]) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and "secret" not in err and "Traceback" not in err
    assert _state(folder) == before


def test_bad_search_space_names_the_field(folder, capsys) -> None:
    path = tiny_config(folder, "badspace", tune={"ppo": {"learning_rate": {"low": 0.0, "high": 0.1, "log": True},
                                                          "n_epoch": [1]}})
    assert main(["tune", str(path), "--trials", "2"]) == 2
    err = capsys.readouterr().err
    assert "tune.ppo.learning_rate.low: 0.0 must be > 0 on a log scale" in err
    assert "tune.ppo.n_epoch: unknown key" in err
    assert runs_of(client(), "badspace") == []


def test_a_killed_workers_trial_on_the_journal_is_retried_by_the_next_run(tmp_path, capsys, copy_mlflow_db) -> None:
    """The journal has no heartbeat. A worker SIGKILLed mid-trial left its trial RUNNING for ever and
    every later run stopped one trial short; now the next run on this machine sees the worker's
    process is gone, fails the trial and runs it again with the same parameters."""
    import signal
    import subprocess
    import sys
    import time

    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    from tune_helpers import worker_env

    # long enough to kill mid-training: a trial of 2048 timesteps runs for seconds, the poll below looks every 0.2 s
    path = tiny_config(tmp_path, "jkill", total_timesteps=2048)
    journal, uri = tmp_path / "journal.log", copy_mlflow_db(tmp_path)  # an empty store
    # one trial asked: the next run must fail the killed trial and run it again (the retry is the one trial it
    # finishes); counting the killed trial as running would leave it with none finished
    argv = ["tune", str(path), "--trials", "1", "--storage", f"journal:{journal}"]
    with open(tmp_path / "victim.log", "w") as log:
        victim = subprocess.Popen([sys.executable, "-m", "experiments.cli", *argv], cwd=tmp_path, env=worker_env(uri),
                                  stdout=log, stderr=subprocess.STDOUT)
        deadline, killed = time.time() + 120, None
        while killed is None and time.time() < deadline and victim.poll() is None:
            time.sleep(0.2)
            with contextlib.suppress(KeyError, FileNotFoundError):
                study = optuna.load_study(study_name="jkill", storage=JournalStorage(JournalFileBackend(str(journal))))
                killed = next((t for t in study.trials if t.state.name == "RUNNING"
                               and "stridelab.mlflow_run_id" in t.user_attrs), None)
        assert killed is not None, (tmp_path / "victim.log").read_text()
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)

    prev = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    try:
        assert main(argv) == 0, capsys.readouterr().err
    finally:
        if prev is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = prev
    study = optuna.load_study(study_name="jkill", storage=JournalStorage(JournalFileBackend(str(journal))))
    states = {t.number: t.state.name for t in study.trials}
    assert states[killed.number] == "FAIL" and "RUNNING" not in states.values()
    finished = [t for t in study.trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(finished) == 1  # the requested count, the killed trial not counted
    retries = [t for t in finished if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retries) == 1 and retries[0].params == killed.params
    status = {r.info.run_id: r.info.status for r in runs_of(MlflowClient(uri), "jkill")}
    assert status[killed.user_attrs["stridelab.mlflow_run_id"]] == "KILLED"
