"""Where a study lives, and the study-wide lock that keeps its trial count exact.

`--storage` takes one of:

- nothing: Optuna's journal file storage in `./optuna-journal.log` (embedded, nothing to start;
  several workers on one machine may share it, Optuna locks the file);
- `journal:PATH`: the same in another file;
- `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB` (or `postgresql+psycopg://...`): Optuna's RDB
  storage on PostgreSQL, for workers on many machines, with a heartbeat per running trial: a
  trial whose worker died is failed after `tune.grace_period_s` and retried with the same
  parameters (`RetryHeartbeatStaleTrialCallback`, Optuna 4.9+'s `RetryFailedTrialCallback`), so none is lost.

SQLite is refused: Optuna's FAQ warns against sharing it between concurrent processes.

A journal path must be a new file (created only once every other check has passed) or a regular
file that already is an Optuna journal holding this study: `tune` never appends to anything
else (issue 25, item 2). Symbolic links, FIFOs and other special files are refused before they
are opened. Study names are 1-100 letters, digits, '_', '-', '.' (they become lock-file names).
A PostgreSQL server is asked once, with a connect timeout, before anything else is created.

The lock: `stridelab tune --trials N` means N finished (complete or pruned) trials in the
study, however many workers share it. A worker decides to start a trial and Optuna creates it
under one lock per study (PostgreSQL: an advisory lock on its own connection, released by the
server if the worker dies; journal: Optuna's own `JournalFileOpenLock` on a sibling file), so
two workers cannot both start trial N+1. The lock is held only for that moment, never during
training.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from experiments.io import describe_mode
from sim.errors import InputError

DEFAULT_JOURNAL = "optuna-journal.log"
#: seconds to wait for a PostgreSQL server to accept a connection
CONNECT_TIMEOUT_S = 10
_STUDY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
#: a journal line is a JSON object; longer ones (a huge config in a user attribute) are skipped unparsed
_MAX_LINE = 1 << 20
_ALLOWED = ("postgresql://USER[:PASSWORD]@HOST[:PORT]/DB (many machines), "
            f"journal:PATH (one machine; the default is journal:{DEFAULT_JOURNAL})")


@dataclass(frozen=True)
class StorageSpec:
    """A parsed `--storage`: kind 'journal' (path) or 'postgresql' (url)."""

    kind: str
    target: str  # journal file path, or the SQLAlchemy URL (postgresql+psycopg://...)

    @property
    def shown(self) -> str:
        """For messages and MLflow tags: the password masked."""
        if self.kind == "journal":
            return f"journal:{self.target}"
        return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", self.target)

    @property
    def libpq_url(self) -> str:
        return self.target.replace("postgresql+psycopg://", "postgresql://", 1)


def parse_storage(text: str | None) -> StorageSpec:
    """InputError for an unknown scheme or a malformed URL, naming what is allowed."""
    if text is None:
        return StorageSpec("journal", str(Path(DEFAULT_JOURNAL).resolve()))
    if text.startswith("journal:"):
        path = text[len("journal:"):]
        if not path.strip():
            raise InputError(f"--storage {text!r}: journal: needs a file path, e.g. journal:optuna-journal.log")
        p = Path(path).expanduser()
        folder = p.parent if str(p.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"--storage {text!r}: folder {folder} does not exist (it is not created)")
        return StorageSpec("journal", str(folder.resolve() / p.name))
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        try:
            url = make_url(text)
        except ArgumentError:
            raise InputError(f"--storage {text!r}: not a valid URL; allowed: {_ALLOWED}") from None
        if not url.host or not url.database:
            raise InputError(f"--storage {StorageSpec('postgresql', text).shown!r}: needs a host and a database "
                             f"name; allowed: {_ALLOWED}")
        url = url.set(drivername="postgresql+psycopg")
        return StorageSpec("postgresql", url.render_as_string(hide_password=False))
    if scheme.startswith("sqlite"):
        raise InputError(f"--storage {text!r}: SQLite is not safe for concurrent workers (Optuna FAQ); "
                         f"allowed: {_ALLOWED}")
    raise InputError(f"--storage {text!r}: unknown storage scheme {scheme or '(none)'!r}; allowed: {_ALLOWED}")


def check_study_name(name: str, option: str = "--study") -> str:
    """InputError unless `name` can name a study (and its lock files): no path separators, no spaces."""
    if not isinstance(name, str) or not _STUDY.fullmatch(name):
        shown = repr(name) if len(repr(name)) <= 60 else repr(name)[:60] + "...(cut)"
        raise InputError(f"{option}: {shown} is not allowed; allowed: 1 to 100 letters, digits, '_', '-' or '.', "
                         "starting with a letter or digit")
    return name


def _journal_studies(path: Path, shown: str) -> set[str]:
    """The study names created in an Optuna journal file; InputError if the file is not one."""
    names: set[str] = set()
    try:
        with open(path, "rb") as fh:
            for n, line in enumerate(fh):
                if len(line) > _MAX_LINE or not line.strip():
                    continue
                try:
                    op = json.loads(line)
                except (ValueError, UnicodeDecodeError):
                    op = None
                if not isinstance(op, dict) or "op_code" not in op:
                    raise InputError(f"--storage {shown}: line {n + 1} is not an Optuna journal record; allowed: a new "
                                     "file or an Optuna journal written by `stridelab tune` (nothing was appended)")
                if op.get("op_code") == 0 and isinstance(op.get("study_name"), str):
                    names.add(op["study_name"])
    except OSError as err:
        raise InputError(f"--storage {shown}: cannot be read ({err.strerror})") from None
    return names


def check_journal(spec: StorageSpec, study: str) -> bool:
    """InputError unless the journal is a new file or a regular Optuna journal holding `study`;
    True if it exists. Never opens a symbolic link or a special file; creates nothing."""
    p = Path(spec.target)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return False
    except OSError as err:
        raise InputError(f"--storage {spec.shown}: cannot be inspected ({err.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"--storage {spec.shown}: {str(p)!r} is {describe_mode(st.st_mode)}; allowed: a new file or "
                         "an existing Optuna journal (a regular file)")
    if st.st_size == 0:
        return True  # nothing to damage (a journal another worker has just created)
    names = _journal_studies(p, spec.shown)
    if study not in names:
        held = ", ".join(sorted(names)[:5]) or "none"
        raise InputError(f"--storage {spec.shown}: this journal holds no study {study!r} (studies: {held}); allowed: "
                         "the journal of this study, or a new journal file for a new study")
    return True


def check_reachable(spec: StorageSpec) -> None:
    """PostgreSQL: InputError unless the server accepts a connection within `CONNECT_TIMEOUT_S` (asked before
    anything else is created, so an unreachable server leaves nothing behind)."""
    if spec.kind != "postgresql":
        return
    import psycopg  # lazy: optional dependency (PostgreSQL storage only)

    try:
        with psycopg.connect(spec.libpq_url, connect_timeout=CONNECT_TIMEOUT_S):
            pass
    except psycopg.Error as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"--storage {spec.shown}: cannot connect within {CONNECT_TIMEOUT_S} s ({first})") from None


def open_storage(spec: StorageSpec, heartbeat_s: int, grace_s: int, max_retry: int) -> Any:
    """The Optuna storage. InputError when the database cannot be reached (nothing is created)."""
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    if spec.kind == "journal":
        try:
            return JournalStorage(JournalFileBackend(spec.target))
        except OSError as err:
            raise InputError(f"--storage {spec.shown}: cannot open ({err.strerror})") from None

    try:
        return optuna.storages.RDBStorage(
            spec.target,
            engine_kwargs={"pool_pre_ping": True, "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}},
            heartbeat_interval=heartbeat_s,
            grace_period=grace_s,
            # RetryFailedTrialCallback's successor (Optuna 4.9): the stale trial is re-queued with its params
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry),
        )
    except SQLAlchemyError as err:
        first = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        raise InputError(f"--storage {spec.shown}: cannot use the database ({first})") from None


class StudyLock:
    """Inter-process (and inter-thread) mutual exclusion for one study; see the module docstring."""

    def __init__(self, spec: StorageSpec, study: str) -> None:
        self.spec = spec
        self.key = int.from_bytes(hashlib.sha256(f"stridelab-tune:{study}".encode()).digest()[:8], "big",
                                  signed=True)
        self._thread = threading.Lock()
        self._conn = None
        self._file = None
        if spec.kind == "journal":
            self._file = JournalFileOpenLock(f"{spec.target}.{study}.lock")

    def _connection(self):
        import psycopg  # lazy: optional dependency (PostgreSQL storage only)

        if self._conn is None or self._conn.closed:
            try:
                self._conn = psycopg.connect(self.spec.libpq_url, autocommit=True,
                                             connect_timeout=CONNECT_TIMEOUT_S)
            except psycopg.Error as err:
                first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
                raise InputError(f"--storage {self.spec.shown}: cannot connect ({first})") from None
        return self._conn

    def acquire(self) -> None:
        self._thread.acquire()
        try:
            if self._file is not None:
                while not self._file.acquire():
                    time.sleep(0.05)
            else:
                self._connection().execute("SELECT pg_advisory_lock(%s)", (self.key,))
        except BaseException:
            self._thread.release()
            raise

    def release(self) -> None:
        try:
            if self._file is not None:
                self._file.release()
            else:
                self._connection().execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        finally:
            self._thread.release()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
