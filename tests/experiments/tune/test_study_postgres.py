"""Many workers, one study, on a real PostgreSQL and a real MLflow server (README "Scaling out").

Workers are separate `python -m experiments.cli tune` processes, as on separate machines:
they share nothing but the Optuna storage URL and MLFLOW_TRACKING_URI.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import optuna
from mlflow.tracking import MlflowClient
from tune_helpers import ROOT, tiny_config, worker_env


def start_worker(config, storage: str, study: str, trials: int, uri: str, log) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "experiments.cli", "tune", str(config), "--trials", str(trials),
                             "--storage", storage, "--study", study], cwd=ROOT, env=worker_env(uri),
                            stdout=log, stderr=subprocess.STDOUT)


def finish(procs, logs, timeout: float = 240) -> None:
    for p, log in zip(procs, logs, strict=True):
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            raise
        finally:
            log.close()


def trial_runs(cl: MlflowClient, experiment: str):
    exp = cl.get_experiment_by_name(experiment)
    runs = cl.search_runs([exp.experiment_id])
    parents = [r for r in runs if r.data.tags.get("stridelab.role") == "tune"]
    return parents, [r for r in runs if r.data.tags.get("stridelab.role") == "trial"]


def test_two_workers_share_one_study(postgres, mlflow_server, tmp_path) -> None:
    """Two `stridelab tune` processes started together on one PostgreSQL study: the study ends with
    exactly the requested number of finished trials, each run once, under one parent run."""
    storage = postgres.create_database("two_workers")
    config = tiny_config(tmp_path, "two_workers")
    logs = [open(tmp_path / f"worker{i}.log", "w") for i in range(2)]  # noqa: SIM115
    procs = [start_worker(config, storage, "shared", 4, mlflow_server, log) for log in logs]
    finish(procs, logs)
    out = [(tmp_path / f"worker{i}.log").read_text() for i in range(2)]
    assert [p.returncode for p in procs] == [0, 0], out

    study = optuna.load_study(study_name="shared", storage=storage.replace("postgresql://", "postgresql+psycopg://"))
    states = [t.state.name for t in study.trials]
    assert len(states) == 4 and set(states) <= {"COMPLETE", "PRUNED"}, states  # none lost, none extra
    workers = {t.user_attrs["stridelab.worker"] for t in study.trials}
    assert len(workers) == 2  # both did work
    # each worker printed one line per trial it finished; together one line per trial
    lines = [x for o in out for x in o.splitlines() if x.startswith("[tune shared] trial ")]
    assert sorted(int(x.split()[3]) for x in lines) == [0, 1, 2, 3]

    parents, trials = trial_runs(MlflowClient(mlflow_server), "two_workers")
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"  # the second worker joined it
    assert sorted(int(r.data.tags["stridelab.trial"]) for r in trials) == [0, 1, 2, 3]
    assert all(r.info.status == "FINISHED" and r.data.tags["mlflow.parentRunId"] == parents[0].info.run_id
               for r in trials)
    assert {t.user_attrs["stridelab.mlflow_run_id"] for t in study.trials} == {r.info.run_id for r in trials}


def test_a_killed_workers_trial_is_retried_by_the_other(postgres, mlflow_server, tmp_path) -> None:
    """SIGKILL one worker in the middle of a trial: its heartbeat stops, the other worker fails the
    trial after the grace period and runs it again with the same parameters; nothing is lost."""
    storage = postgres.create_database("killed")
    sa_url = storage.replace("postgresql://", "postgresql+psycopg://")
    # longer trials (512 timesteps) so the kill lands mid-training
    config = tiny_config(tmp_path, "killed", total_timesteps=512)
    logs = [open(tmp_path / f"worker{i}.log", "w") for i in range(2)]  # noqa: SIM115
    victim = start_worker(config, storage, "killed", 3, mlflow_server, logs[0])
    survivor = start_worker(config, storage, "killed", 3, mlflow_server, logs[1])
    deadline = time.time() + 120
    killed = None
    while time.time() < deadline and killed is None and victim.poll() is None:
        try:
            study = optuna.load_study(study_name="killed", storage=sa_url)
        except KeyError:
            time.sleep(0.2)
            continue
        for t in study.get_trials(deepcopy=False):
            if (t.state.name == "RUNNING" and t.user_attrs.get("stridelab.worker", "").endswith(f":{victim.pid}")
                    and "stridelab.mlflow_run_id" in t.user_attrs):
                killed = t
        time.sleep(0.1)
    assert killed is not None, (tmp_path / "worker0.log").read_text()
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    logs[0].close()
    finish([survivor], logs[1:])
    assert survivor.returncode == 0, (tmp_path / "worker1.log").read_text()

    study = optuna.load_study(study_name="killed", storage=sa_url)
    by_state: dict[str, list] = {}
    for t in study.trials:
        by_state.setdefault(t.state.name, []).append(t)
    assert [t.number for t in by_state["FAIL"]] == [killed.number]  # failed by the heartbeat
    finished = by_state.get("COMPLETE", []) + by_state.get("PRUNED", [])
    assert len(finished) == 3 and not by_state.get("RUNNING") and not by_state.get("WAITING")
    retries = [t for t in finished if t.system_attrs.get("failed_trial") == killed.number]
    assert len(retries) == 1 and retries[0].params == killed.params  # the same trial, run again

    cl = MlflowClient(mlflow_server)
    _, runs = trial_runs(cl, "killed")
    status = {r.info.run_id: r.info.status for r in runs}
    assert status[killed.user_attrs["stridelab.mlflow_run_id"]] == "KILLED"
    retry_run = retries[0].user_attrs["stridelab.mlflow_run_id"]
    assert status[retry_run] == "FINISHED"
    assert cl.get_run(retry_run).data.tags["stridelab.retry_of_run"] == killed.user_attrs["stridelab.mlflow_run_id"]
    assert sum(s == "FINISHED" for s in status.values()) == 3


def test_two_trainings_log_into_one_mlflow_server(mlflow_server, tmp_path) -> None:
    """`stridelab train` twice at once into the MLflow server on PostgreSQL: both runs complete and
    every metric step is present once."""
    paths = [tiny_config(tmp_path, "server", seeds=[s]) for s in (0,)]
    paths.append(tiny_config(tmp_path, "server1", seeds=[1], mlflow={"experiment": "server",
                                                                     "register_model": False}))
    logs = [open(tmp_path / f"train{i}.log", "w") for i in range(2)]  # noqa: SIM115
    procs = [subprocess.Popen([sys.executable, "-m", "experiments.cli", "train", str(p), "--no-progress"], cwd=ROOT,
                              env=worker_env(mlflow_server), stdout=log, stderr=subprocess.STDOUT)
             for p, log in zip(paths, logs, strict=True)]
    finish(procs, logs)
    assert [p.returncode for p in procs] == [0, 0], [(tmp_path / f"train{i}.log").read_text() for i in range(2)]
    cl = MlflowClient(mlflow_server)
    runs = cl.search_runs([cl.get_experiment_by_name("server").experiment_id])
    assert sorted(r.data.tags["stridelab.seed"] for r in runs) == ["0", "1"]
    rollout = 16 * 8
    for r in runs:
        assert r.info.status == "FINISHED"
        for key in ("time/total_timesteps", "train/loss", "eval/gap_to_best_template_pct"):
            steps = [m.step for m in cl.get_metric_history(r.info.run_id, key)]
            assert len(steps) == len(set(steps)), key
        assert [m.step for m in cl.get_metric_history(r.info.run_id, "time/total_timesteps")] == [rollout, 2 * rollout]
        assert {"policy/policy.zip"} <= {a.path for a in cl.list_artifacts(r.info.run_id, "policy")}
