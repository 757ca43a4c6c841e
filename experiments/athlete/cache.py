"""Parsed activity files, cached by the hash of their bytes (issue 23: `replan` re-reads nothing
that has not changed).

One small JSON file per activity file under `$STRIDELAB_CACHE_DIR`, or else in a hidden
`.stridelab-cache/` beside the log (inside a log folder; next to a log file or zip): the log's
own place, so `replan` on the same log finds it and nothing is written into the user's home;
`read_log` never reads hidden folders as activities. Files are named by the SHA-256 of the
activity file's bytes, the reader version and the `--timezone` given (the local day of a file
without a position depends on it). A file that is not an activity (a monitoring FIT) is cached
as its reason, so it is not decoded again either. A cache that cannot be written is not an
error: files are then parsed each time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from pathlib import Path

READER_VERSION = 3  # bump when a reader's output changes


CACHE_NAME = ".stridelab-cache"


def cache_dir(log: Path) -> Path:
    env = os.environ.get("STRIDELAB_CACHE_DIR")
    if env:
        return Path(env)
    return (log if log.is_dir() else log.parent) / CACHE_NAME


def key(data: bytes, kind: str, tz: str | None) -> str:
    h = hashlib.sha256(data)
    h.update(f"|{kind}|{READER_VERSION}|{tz or ''}".encode())
    return h.hexdigest()


def _path(folder: Path, k: str) -> Path:
    return folder / k[:2] / f"{k}.json"


def _enc(v):
    return v.isoformat() if isinstance(v, dt.datetime | dt.date) else v


def get(folder: Path, k: str) -> dict | None:
    try:
        doc = json.loads(_path(folder, k).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    for r in doc.get("rows", []):
        for c in ("start", "start_utc"):
            if r.get(c):
                r[c] = dt.datetime.fromisoformat(r[c])
        r["date"] = dt.date.fromisoformat(r["date"])
        for c in ("distance_km", "duration_min", "avg_hr_bpm", "rpe_0_10"):
            r[c] = float("nan") if r[c] is None else r[c]
    return doc


def put(folder: Path, k: str, doc: dict) -> None:
    def clean(r: dict) -> dict:
        return {c: (None if isinstance(v, float) and v != v else _enc(v)) for c, v in r.items()}

    out = {"rows": [clean(r) for r in doc.get("rows", [])], "skip": doc.get("skip")}
    p = _path(folder, k)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(out, f)
        os.replace(tmp, p)
    except OSError:
        return
