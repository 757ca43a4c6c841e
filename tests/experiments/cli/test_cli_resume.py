"""`stridelab train --resume` edges (issue 25, item 12): one resume of a run at a time, and runs killed
between their creation and their last metadata file are resumed (and completed), not refused."""

from __future__ import annotations

import os

import pytest
import yaml

from experiments.cli import main

TINY = {
    "name": "tiny",
    "env": {"level": "intermediate", "season_weeks": 8, "athlete_pool": 64},
    "algo": {"name": "ppo", "n_steps": 8, "batch_size": 64, "n_epochs": 1, "policy_kwargs": {"net_arch": [16]}},
    "n_envs": 16,
    "total_timesteps": 128,
    "eval": {"athletes": 16, "final_athletes": 24, "every_timesteps": 128, "baselines": ["intermediate"],
             "model_draws": 0, "missed_sessions": []},  # no robustness runs: nothing here reads them
    "checkpoint": {"every_timesteps": 128, "folder": "runs"},
    "mlflow": {"experiment": "tiny", "register_model": False},
}


@pytest.fixture
def work(tmp_path, monkeypatch, copy_mlflow_db):
    monkeypatch.chdir(tmp_path)
    # absolute: MLflow caches a store per URI string, and every test's relative sqlite:///mlflow.db looks the same.
    # A copy of an empty store: these tests are about resuming runs, not about creating a store.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", copy_mlflow_db(tmp_path))
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    from experiments.config import load_config
    from experiments.tracking import open_store

    cfg = load_config("tiny.yaml", [])
    cl = open_store(None, create=True)
    exp = cl.create_experiment("tiny", artifact_location=str(tmp_path / "artifacts"))
    return tmp_path, cfg, cl, exp


def _killed_run(cl, exp, cfg, logged: tuple[str, ...]) -> str:
    """A run as `stridelab train` leaves it when killed after logging `logged` of its metadata."""
    from experiments.config import flatten, to_yaml

    run = cl.create_run(exp, tags={"stridelab.role": "single", "stridelab.seed": "0"}).info.run_id
    if "config.yaml" in logged:
        from experiments.tracking import log_params

        log_params(cl, run, flatten(cfg))
        cl.log_text(run, to_yaml(cfg), "config.yaml")
    cl.set_terminated(run, "KILLED")
    return run


def test_a_second_resume_of_a_run_is_refused_while_the_first_holds_it(work, capsys):
    from experiments.training.checkpointing import ResumeLock

    folder, cfg, cl, exp = work
    run = _killed_run(cl, exp, cfg, ("config.yaml",))
    first = ResumeLock(folder / "runs", run)
    first.acquire()
    try:
        assert main(["train", "tiny.yaml", "--resume", run, "--no-progress"]) == 2
    finally:
        first.release()
    err = capsys.readouterr().err
    assert f"--resume {run}: this run is being resumed already (by pid {os.getpid()}" in err
    assert "Traceback" not in err
    assert cl.get_run(run).info.status == "KILLED" and cl.get_run(run).data.metrics == {}
    second = ResumeLock(folder / "runs", run)  # released: the next resume may proceed
    second.acquire()
    second.release()


def test_a_lock_path_that_is_a_folder_is_named(work, capsys):
    folder, cfg, cl, exp = work
    run = _killed_run(cl, exp, cfg, ("config.yaml",))
    (folder / "runs" / run / "resume.lock").mkdir(parents=True)
    assert main(["train", "tiny.yaml", "--resume", run, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"--resume {run}: cannot lock the run" in err and "resume.lock" in err and "Traceback" not in err


def test_a_run_killed_before_its_config_was_logged_is_resumed_and_completed(work, capsys):
    folder, cfg, cl, exp = work
    run = _killed_run(cl, exp, cfg, ())
    assert main(["train", "tiny.yaml", "--resume", run, "--no-progress"]) == 0, capsys.readouterr().err
    files = {f.path for f in cl.list_artifacts(run)}
    assert {"config.yaml", "command.txt", "versions.json"} <= files
    r = cl.get_run(run)
    assert r.info.status == "FINISHED" and "final/race_time_pct" in r.data.metrics
    assert "stridelab.command" in r.data.tags


def test_a_run_killed_with_other_params_is_refused(work, capsys):
    folder, cfg, cl, exp = work
    run = _killed_run(cl, exp, cfg, ())
    cl.log_param(run, "total_timesteps", "999")
    assert main(["train", "tiny.yaml", "--resume", run, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "config differs from the run's logged params" in err and "Traceback" not in err


def test_missing_metadata_files_are_completed(work):
    from experiments.config import flatten, to_yaml
    from experiments.tracking import complete_run_metadata

    folder, cfg, cl, exp = work
    run = _killed_run(cl, exp, cfg, ("config.yaml",))
    assert complete_run_metadata(cl, run, "stridelab train tiny.yaml", to_yaml(cfg), flatten(cfg)) == [
        "command.txt", "versions.json"]
    assert complete_run_metadata(cl, run, "stridelab train tiny.yaml", to_yaml(cfg), flatten(cfg)) == []
