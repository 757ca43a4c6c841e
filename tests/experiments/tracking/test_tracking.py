"""Opening the MLflow store (issue 15, points 4 and 9): a fresh SQLite store created by two
processes started together, remote stores that refuse or never answer, damaged local stores.
Real stores and real sockets, no mocks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments.tracking import open_store
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[3]

# What `stridelab train` does first on a store: open (create) it, create the experiment, a run.
WORKER = """
import sys, time
from pathlib import Path
from experiments.tracking import experiment_id, open_store
folder = Path(sys.argv[1]); me = sys.argv[2]
(folder / f"ready-{me}").touch()
while not (folder / "go").exists():  # start together: both are imported and waiting
    time.sleep(0.001)
cl = open_store(f"sqlite:///{folder / 'mlflow.db'}", create=True)
exp = experiment_id(cl, "together")
run = cl.create_run(exp, run_name=me)
cl.set_terminated(run.info.run_id, "FINISHED")
print(run.info.run_id)
"""


def test_two_processes_create_a_fresh_store_together(tmp_path):
    """Issue 15, point 9: without the lock, one of two processes crashed in MLflow's table
    creation ("table experiments already exists") in 3 of 3 tries."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), name], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    deadline = time.time() + 300
    while not all((tmp_path / f"ready-{n}").exists() for n in ("a", "b")):
        assert time.time() < deadline and all(p.poll() is None for p in procs), [p.stderr.read() for p in procs]
        time.sleep(0.01)
    (tmp_path / "go").touch()
    results = [p.communicate(timeout=300) for p in procs]
    for p, (_out, err) in zip(procs, results, strict=True):
        assert p.returncode == 0, err[-3000:]
    cl = open_store(f"sqlite:///{tmp_path / 'mlflow.db'}", create=False)
    exp = cl.get_experiment_by_name("together")
    runs = cl.search_runs([exp.experiment_id])
    assert sorted(r.info.run_name for r in runs) == ["a", "b"]
    assert all(r.info.status == "FINISHED" for r in runs)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_unreachable_remote_store_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("STRIDELAB_STORE_TIMEOUT_S", "1")
    uri = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(InputError, match=r"--tracking-uri: cannot reach the MLflow server http://127\.0\.0\.1:\d+"):
        open_store(uri)


def test_remote_store_that_never_answers_times_out(monkeypatch):
    """Issue 15, point 4: `--tracking-uri http://127.0.0.1:9` hung for more than 200 s with no message.
    Here a socket accepts connections into its backlog and never answers."""
    monkeypatch.setenv("STRIDELAB_STORE_TIMEOUT_S", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "1")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        uri = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(InputError) as exc:
            open_store(uri, "--tracking-uri")
    msg = str(exc.value)
    assert msg.startswith(f"--tracking-uri: the MLflow store {uri} cannot be used") and "timeout" in msg.lower()


def test_read_only_commands_never_create_a_store(tmp_path, monkeypatch):
    """Issue 15, point 7: `compare --no-mlflow` left a 954 KB mlflow.db; `export --tracking-uri
    sqlite:////nonexistent/x.db` created the folder and a database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with pytest.raises(InputError, match="tracking URI: no MLflow store at sqlite:///mlflow.db"):
        open_store()
    missing = tmp_path / "no" / "such" / "x.db"
    with pytest.raises(InputError, match="no MLflow store"):
        open_store(f"sqlite:///{missing}")
    with pytest.raises(InputError, match="does not exist"):
        open_store(f"sqlite:///{missing}", create=True)  # a new store, but its folder is not created
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("content", "words"), [
    (b"SQLite format", "bad header"),
    (b"\x00" * 512, "bad header"),
    (b"SQLite format 3\x00" + bytes(range(256)) * 16, "damaged"),
])
def test_damaged_store_is_refused_and_left_as_it_was(tmp_path, content, words):
    db = tmp_path / "mlflow.db"
    db.write_bytes(content)
    for create in (False, True):
        with pytest.raises(InputError, match=words):
            open_store(f"sqlite:///{db}", create=create)
        assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlflow.db"]


def test_garbage_tracking_uri_names_its_source(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "garbage")
    with pytest.raises(InputError, match=r"^MLFLOW_TRACKING_URI: 'garbage' is not an MLflow tracking URI"):
        open_store()


def test_a_store_left_mid_write_by_a_killed_process_is_opened(tmp_path):
    """A process SIGKILLed inside an SQLite write transaction leaves a hot journal; the read-only table
    check could not roll it back and called the store damaged (seen when a killed tune worker's store was
    reused). The check rolls it back (as SQLite does on any read-write open) and never creates a file."""
    import signal
    import sqlite3

    from experiments.tracking.store import _check_mlflow_tables

    db = tmp_path / "mlflow.db"
    code = ("import os, signal, sqlite3, sys\n"
            "con = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "for t in ('experiments', 'runs', 'alembic_version'):\n"
            "    con.execute(f'CREATE TABLE {t} (x BLOB)')\n"
            "con.execute('PRAGMA cache_size=1')\n"
            "con.execute('BEGIN')\n"
            "for _ in range(200):\n"
            "    con.execute('INSERT INTO runs VALUES (?)', (os.urandom(4000),))\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True)
    assert proc.returncode == -signal.SIGKILL and (tmp_path / "mlflow.db-journal").exists()
    _check_mlflow_tables(db, f"sqlite:///{db}", "src", allow_empty=False)  # no InputError
    assert not (tmp_path / "mlflow.db-journal").exists()
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)  # the killed transaction rolled back
    con.close()
    with pytest.raises(InputError, match="not an MLflow store"):
        other = tmp_path / "other.db"
        sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
        _check_mlflow_tables(other, f"sqlite:///{other}", "src", allow_empty=False)


def test_a_tag_lost_to_another_processes_insert_is_set_on_retry(tmp_path) -> None:
    """Two tune workers finishing one study set the parent run's new tag at once; the server's store looks the
    tag up, then inserts it, so one insert violates the tag's unique key (seen on PostgreSQL). `set_tags` then
    sets it again (the row exists: an update); any other store error is raised."""
    from mlflow.exceptions import MlflowException

    from experiments import tracking

    cl = open_store(f"sqlite:///{tmp_path / 'mlflow.db'}", create=True)
    run_id = tracking.start_run(cl, tracking.experiment_id(cl, "race"), "parent", {})

    class LosesOneRace:
        def __init__(self, error: str) -> None:
            self.error, self.calls = error, 0

        def set_tag(self, rid, key, value):
            self.calls += 1
            cl.set_tag(rid, key, value)  # the other worker's insert lands first...
            if self.calls == 1:  # ...and ours fails on the unique key, as the server reports it
                raise MlflowException(self.error)

    dup = LosesOneRace('BAD_REQUEST: (psycopg.errors.UniqueViolation) duplicate key value violates unique '
                       'constraint "tag_pk"')
    tracking.set_tags(dup, run_id, {"stridelab.best_trial": "2"})
    assert dup.calls == 2 and cl.get_run(run_id).data.tags["stridelab.best_trial"] == "2"
    other = LosesOneRace("RESOURCE_DOES_NOT_EXIST: run not found")
    with pytest.raises(MlflowException, match="not found"):
        tracking.set_tags(other, run_id, {"k": "v"})
    assert other.calls == 1
