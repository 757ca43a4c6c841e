"""Reading real logs (issue 23): a one-year folder of FIT runs, read the old way and the new way,
and `stridelab athlete fit` on it end to end (cold cache, then warm).

The folder is written by `experiments.athlete.exports` with the Garmin SDK: 250 runs over 50
weeks with one `record` message per second (heart rate, cadence, speed, altitude, power,
temperature, running dynamics: about the size of a real watch's file), plus a strength session
a week. "Old" is what `athlete fit` did before (issue 23): the SDK's `check_integrity()` and
`read()` of every message of every file; "new" is `read_log` (only the messages needed) with an
empty cache.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

END = dt.date(2026, 11, 29)


def write_year(folder: Path, runs_per_week: int = 5, weeks: int = 50, seed: int = 1) -> dict:
    from experiments.athlete import exports as X

    folder.mkdir(parents=True, exist_ok=True)
    acts = X.runner_history(seed, weeks, END, early_km=35.0, recent_km=45.0, runs_per_week=runs_per_week,
                            races=3, strength_per_week=1)
    acts = acts[acts["sport"] != "ride"]
    lat, lon, tz = X.PLACES["berlin"]
    total = 0
    for i, r in enumerate(acts.itertuples(index=False)):
        records = int(r.duration_min * 60) if r.sport == "run" else 0
        data = X.fit_bytes(r, tz, lat, lon, records=records)
        (folder / f"{r.start:%Y-%m-%d-%H%M%S}-{i}.fit").write_bytes(data)
        total += len(data)
    return {"files": len(acts), "runs": int((acts["sport"] == "run").sum()), "mb": total / 2**20}


def old_read_s(folder: Path) -> float:
    """The pre-issue-23 path: SDK integrity check and full decode of every file."""
    from garmin_fit_sdk import Decoder, Stream

    t = time.perf_counter()
    for f in sorted(folder.glob("*.fit")):
        data = f.read_bytes()
        Decoder(Stream.from_byte_array(bytearray(data))).is_fit()
        Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()
        Decoder(Stream.from_byte_array(bytearray(data))).read()
    return time.perf_counter() - t


def new_read_s(folder: Path, cache: Path) -> float:
    from experiments.athlete.activities import read_log

    os.environ["STRIDELAB_CACHE_DIR"] = str(cache)
    t = time.perf_counter()
    read_log(folder)
    return time.perf_counter() - t


def cli_fit_s(folder: Path, cache: Path, out: Path) -> float:
    env = dict(os.environ, STRIDELAB_CACHE_DIR=str(cache))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "experiments.cli", "athlete", "fit", str(folder), "--out", str(out)],
                   check=True, env=env, capture_output=True)
    return time.perf_counter() - t


def run(keep: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="stridelab-bench-logs-") as tmp:
        base = keep or Path(tmp)
        folder = base / "year"
        t = time.perf_counter()
        stats = write_year(folder) if not any(folder.glob("*.fit")) else {
            "files": len(list(folder.glob("*.fit"))), "runs": None,
            "mb": sum(f.stat().st_size for f in folder.glob("*.fit")) / 2**20}
        stats["write_s"] = time.perf_counter() - t
        stats["old_read_s"] = old_read_s(folder)
        stats["new_read_s"] = new_read_s(folder, Path(tmp) / "cache-read")
        stats["read_speedup"] = stats["old_read_s"] / stats["new_read_s"]
        stats["fit_cold_s"] = cli_fit_s(folder, Path(tmp) / "cache-fit", Path(tmp) / "a.yaml")
        stats["fit_warm_s"] = cli_fit_s(folder, Path(tmp) / "cache-fit", Path(tmp) / "b.yaml")
        return stats
