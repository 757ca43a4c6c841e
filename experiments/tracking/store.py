"""Where runs go: the tracking URI, and a store that was checked to work before anything is written.

The default store is the embedded local SQLite file `sqlite:///mlflow.db` in the current
folder (no server; it supports the model registry), overridden by `MLFLOW_TRACKING_URI` or
by the config's `mlflow.tracking_uri`. Browse it with
`mlflow ui --backend-store-uri sqlite:///mlflow.db`.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sqlite3
import stat
from pathlib import Path
from urllib.parse import urlparse

from filelock import FileLock, Timeout

from experiments.io import describe_mode
from sim.errors import InputError

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
# artefact downloads (checkpoints, config on resume) would otherwise draw progress bars over ours
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


def tracking_uri(configured: str | None = None) -> str:
    """The tracking URI: the config's, else $MLFLOW_TRACKING_URI, else the local SQLite store."""
    return configured or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def client(uri: str | None = None):
    from mlflow.tracking import MlflowClient  # lazy: mlflow takes 1.5 s to import

    return MlflowClient(tracking_uri=tracking_uri(uri))

# --------------------------------------------------------------------------- opening a store
#: schemes MLflow can track into with a model registry (MLflow 3 keeps file stores read-only: no registry)
SCHEMES = ("sqlite", "http", "https", "postgresql", "mysql", "mssql", "databricks")
SQLITE_HEADER = b"SQLite format 3\x00"
#: seconds to wait for a remote store (connect and each request); $STRIDELAB_STORE_TIMEOUT_S overrides
STORE_TIMEOUT_S = 20.0
#: seconds to wait for another process creating the same fresh SQLite store
LOCK_TIMEOUT_S = 300.0


def _source(configured: str | None, option: str) -> str:
    if configured:
        return option
    return "MLFLOW_TRACKING_URI" if os.environ.get("MLFLOW_TRACKING_URI") else "tracking URI"


def store_timeout() -> float:
    """Seconds to wait for a remote store: $STRIDELAB_STORE_TIMEOUT_S, else STORE_TIMEOUT_S."""
    raw = os.environ.get("STRIDELAB_STORE_TIMEOUT_S")
    if raw is None:
        return STORE_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0.0 < value <= 3600.0:
        raise InputError(f"STRIDELAB_STORE_TIMEOUT_S: {raw!r} is not allowed; need seconds in (0, 3600]")
    return value


def sqlite_path(uri: str) -> Path | None:
    """The database file of a `sqlite:///PATH` URI (None for other schemes or an in-memory database)."""
    if not uri.startswith("sqlite:///"):
        return None
    path = uri[len("sqlite:///"):].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def check_uri(uri: str, source: str) -> str:
    """InputError unless `uri` names a store MLflow can use (the scheme is checked, nothing is opened)."""
    allowed = "sqlite:///PATH.db, http(s)://HOST:PORT, postgresql://..., mysql://..., databricks"
    if any(c in uri for c in "\n\r\x00") or len(uri) > 2000:
        raise InputError(f"{source}: {uri[:80]!r} is not an MLflow tracking URI; allowed: {allowed}")
    scheme = urlparse(uri).scheme.split("+", 1)[0].lower()
    if scheme not in SCHEMES:
        raise InputError(f"{source}: {uri!r} is not an MLflow tracking URI (scheme {scheme or '(none)'!r}); "
                         f"allowed: {allowed}")
    if scheme == "sqlite" and not uri.startswith("sqlite:///"):
        raise InputError(f"{source}: {uri!r}: a SQLite store is written sqlite:///RELATIVE.db or "
                         "sqlite:////ABSOLUTE.db")
    if scheme in ("http", "https") and not urlparse(uri).hostname:
        raise InputError(f"{source}: {uri!r} names no host; allowed: {scheme}://HOST[:PORT]")
    return uri


def _check_sqlite_file(path: Path, uri: str, source: str, create: bool) -> bool:
    """InputError unless `path` is a SQLite database (or, with `create`, can become one); True if it exists."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is None:
        if not create:
            raise InputError(f"{source}: no MLflow store at {uri} (file {str(path)!r} does not exist); train first "
                             "(stridelab train CONFIG) or give the URI of an existing store")
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"{source}: {uri}: folder {str(folder)!r} does not exist (it is not created)")
        if not os.access(folder, os.W_OK):
            raise InputError(f"{source}: {uri}: folder {str(folder)!r} is not writable")
        return False
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{source}: {uri}: {str(path)!r} is not a regular file; allowed: a SQLite database file")
    if st.st_size == 0:
        if not create:
            raise InputError(f"{source}: {uri}: {str(path)!r} is empty, not an MLflow store")
        return True  # an empty file is a database nobody has written yet (it is not ours to delete)
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as err:
        raise InputError(f"{source}: {uri}: cannot be read ({err.strerror})") from None
    if head != SQLITE_HEADER:
        raise InputError(f"{source}: {uri}: {str(path)!r} is not a SQLite database (bad header); allowed: an "
                         "MLflow SQLite store, or a path where a new one can be created")
    return True


def _check_mlflow_tables(path: Path, uri: str, source: str, allow_empty: bool) -> None:
    """InputError unless the SQLite file holds MLflow's tables (or none at all, with `allow_empty`):
    MLflow would otherwise add its tables to somebody else's database. Read-only; never writes, except
    to roll back the hot journal a process killed mid-write leaves beside the file (SQLite does that on
    the next read-write open, which a read-only one cannot: MLflow's own connection would do it next)."""
    try:
        tables = _table_names(path, "ro")
    except sqlite3.OperationalError as err:
        if "readonly" not in str(err) or not Path(f"{path}-journal").exists():
            raise InputError(f"{source}: the MLflow store {uri} cannot be read ({err}); "
                             "is it a damaged database?") from None
        try:
            tables = _table_names(path, "rw")  # rolls the killed writer's transaction back, creates nothing
        except sqlite3.Error as err2:
            raise InputError(f"{source}: the MLflow store {uri} cannot be read ({err2}); "
                             "is it a damaged database?") from None
    except sqlite3.Error as err:
        raise InputError(f"{source}: the MLflow store {uri} cannot be read ({err}); "
                         "is it a damaged database?") from None
    if not tables:
        if allow_empty:
            return
        raise InputError(f"{source}: {uri}: {str(path)!r} has no tables, it is not an MLflow store yet; train first")
    if not {"experiments", "runs", "alembic_version"} <= tables:
        shown = ", ".join(sorted(tables)[:5])
        raise InputError(f"{source}: {uri}: {str(path)!r} is a SQLite database but not an MLflow store (tables: "
                         f"{shown}); allowed: an MLflow store or a new file")


def _table_names(path: Path, mode: str) -> set[str]:
    con = sqlite3.connect(f"file:{path.absolute()}?mode={mode}", uri=True, timeout=LOCK_TIMEOUT_S)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        con.close()


#: default ports of the database servers MLflow can track into (a URI without a port)
DB_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433}


def _check_reachable(uri: str, source: str, timeout: float) -> None:
    """InputError unless a TCP connection to the server of a remote URI (http(s), or a database server) opens
    within `timeout` s. A URI without a host (a database on a local socket) is left to the driver."""
    u = urlparse(uri)
    scheme = u.scheme.split("+", 1)[0].lower()
    what = "MLflow server" if scheme in ("http", "https") else f"{scheme} server"
    try:
        port = u.port or (443 if scheme == "https" else DB_PORTS.get(scheme, 80))
    except ValueError:
        raise InputError(f"{source}: {_masked(uri)!r} has an invalid port; allowed: 1-65535") from None
    if not u.hostname:
        return
    try:
        with socket.create_connection((u.hostname, port), timeout=timeout):
            pass
    except TimeoutError:
        raise InputError(f"{source}: cannot reach the {what} {_masked(uri)}: no answer within {timeout:g} s "
                         "(set STRIDELAB_STORE_TIMEOUT_S to wait longer)") from None
    except OSError as err:
        raise InputError(f"{source}: cannot reach the {what} {_masked(uri)}: {err.strerror or err}") from None


def _check_postgresql(uri: str, source: str, timeout: float) -> None:
    """InputError unless the PostgreSQL server answers within `timeout` s. Asked once here: MLflow's store
    retries a failed connection 10 times with back-off (about 100 s plus 10 timeouts)."""
    try:
        import psycopg  # lazy: optional (the PostgreSQL extra); MLflow's driver reports its absence
    except ImportError:
        return  # MLflow's driver then reports itself
    libpq = re.sub(r"^postgresql\+\w+://", "postgresql://", uri)
    try:
        with psycopg.connect(libpq, connect_timeout=max(2, round(timeout))):
            pass
    except psycopg.Error as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"{source}: cannot use the PostgreSQL store {_masked(uri)} within {timeout:g} s "
                         f"({_masked(first)}); set STRIDELAB_STORE_TIMEOUT_S to wait longer") from None


def _masked(uri: str) -> str:
    """`uri` with its password replaced by ***."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", uri)


def _connect(uri: str, source: str):
    """A client after one cheap read of the tracking and registry stores (which creates the tables of a
    fresh SQLite store); InputError for any failure of the store."""
    try:
        cl = client(uri)  # MlflowClient opens the store (and checks its tables) right away
        cl.search_experiments(max_results=1)
        cl.search_registered_models(max_results=1)
    except InputError:
        raise
    except Exception as err:  # noqa: BLE001 (sqlalchemy, requests, MlflowException: all mean "unusable")
        text = " ".join(str(err).split())
        if len(text) > 300:
            text = text[:300] + "..."
        if uri.startswith(("http://", "https://")):
            hint = ("no answer within the timeout (STRIDELAB_STORE_TIMEOUT_S)" if "timeout" in text.lower()
                    else "is an MLflow tracking server running there?")
        else:
            hint = "is it a damaged database, or the wrong URI?"
        raise InputError(f"{source}: the MLflow store {_masked(uri)} cannot be used ({type(err).__name__}: "
                         f"{_masked(text)}); "
                         f"{hint}") from None
    return cl


def open_store(configured: str | None = None, option: str = "--tracking-uri", create: bool = False):
    """An MlflowClient for a store that was checked to work, or InputError naming the option and URI.

    `create=False` (export, compare): the store must exist; nothing is created. `create=True`
    (train, compare's own run): a missing SQLite store is created, once, under a file lock
    (`<db>.lock` beside it), so two processes started together on a fresh store do not both
    run MLflow's table creation (issue 15, point 9). Remote stores get a connection timeout.
    """
    uri = tracking_uri(configured)
    source = _source(configured, option)
    check_uri(uri, source)
    timeout = store_timeout()
    path = sqlite_path(uri)
    scheme = uri.split(":", 1)[0].split("+", 1)[0].lower()
    if uri.startswith(("http://", "https://")):
        # MLflow's REST client otherwise waits 120 s per request and retries 7 times with back-off
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", str(max(1, round(timeout))))
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
        _check_reachable(uri, source, timeout)
    elif scheme in DB_PORTS:
        # libpq (psycopg) otherwise waits for ever on a server that accepts TCP but never answers (issue 25,
        # item 11); PGCONNECT_TIMEOUT bounds every connection MLflow's SQLAlchemy store opens
        if scheme == "postgresql":
            os.environ.setdefault("PGCONNECT_TIMEOUT", str(max(2, round(timeout))))
        _check_reachable(uri, source, timeout)
        if scheme == "postgresql":
            _check_postgresql(uri, source, timeout)
    if path is None:
        return _connect(uri, source)
    _check_sqlite_file(path, uri, source, create)
    if not create:
        _check_mlflow_tables(path, uri, source, allow_empty=False)
        return _connect(uri, source)
    lock_path = Path(f"{path}.lock")
    try:
        lock_mode = os.lstat(lock_path).st_mode
    except FileNotFoundError:
        lock_mode = None
    if lock_mode is not None and not stat.S_ISREG(lock_mode):
        raise InputError(f"{source}: {uri}: the store's creation lock {str(lock_path)!r} is "
                         f"{describe_mode(lock_mode)}; allowed: a regular file or nothing at that path (remove it)")
    lock_existed = lock_mode is not None
    try:
        with FileLock(str(lock_path), timeout=LOCK_TIMEOUT_S):
            created = not path.exists()
            if not created:
                _check_mlflow_tables(path, uri, source, allow_empty=True)
            try:
                cl = _connect(uri, source)
            except InputError:
                if created:
                    with contextlib.suppress(OSError):
                        path.unlink()  # our half-created store: leave nothing behind
                raise
    except Timeout:
        raise InputError(f"{source}: {uri}: another process has held the store's creation lock for "
                         f"{LOCK_TIMEOUT_S:g} s ({lock_path})") from None
    except InputError:
        if not lock_existed:
            with contextlib.suppress(OSError):
                lock_path.unlink()  # a store that could not be opened gets no lock file either
        raise
    return cl


def experiment_id(cl, name: str) -> str:
    """Id of experiment `name`, created if missing (another process may create it at the same time)."""
    from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import

    exp = cl.get_experiment_by_name(name)
    if exp is not None:
        return exp.experiment_id
    try:
        return cl.create_experiment(name)
    except MlflowException:
        exp = cl.get_experiment_by_name(name)
        if exp is None:
            raise
        return exp.experiment_id
