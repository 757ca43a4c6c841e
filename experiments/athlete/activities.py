"""A runner's training log as one table, whatever it was exported from.

`read_log(path)` recognizes the source by content, not by file name:

- a folder (or a single file) of Garmin `.fit` activity files: `experiments.athlete.fitfiles`
- a Strava bulk-export `activities.csv` (header has "Activity ID", "Activity Date", "Activity Type")
- an intervals.icu activities CSV (header has "start_date_local", "type", "moving_time")

and returns one row per activity (`ACTIVITY_COLUMNS`); `daily_table` folds that into one
row per calendar day. Unknown sports are kept (sport = the source's own name, lower case)
and ignored by the model. Bad rows raise `InputError` naming the file, the row, the field,
the value and what is allowed.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.athlete.csvlogs import read_intervals_csv, read_strava_csv
from experiments.athlete.fields import (  # noqa: F401  (re-exported: the table schema)
    ACTIVITY_COLUMNS,
    activities_frame,
    bad,
    canonical_sport,
    empty_activities,
)
from experiments.athlete.fitfiles import read_fit_path
from sim.errors import InputError


# --------------------------------------------------------------------------- recognition
def sniff(path: Path) -> str:
    """'fit', 'strava' or 'intervals' from the content of `path` (a folder means FIT files)."""
    if path.is_dir():
        return "fit"
    with path.open("rb") as f:
        head = f.read(16)
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), [])
    except UnicodeDecodeError:
        raise InputError(f"{path}: neither a FIT file nor a text CSV; allowed: a folder of .fit files, a Strava "
                         "activities.csv or an intervals.icu activities CSV") from None
    names = {h.strip() for h in header}
    if {"Activity ID", "Activity Date", "Activity Type"} <= names:
        return "strava"
    if {"start_date_local", "type", "moving_time"} <= names:
        return "intervals"
    raise InputError(f"{path}: row 1: header {', '.join(header[:8]) or '(empty)'} is not a known log format; "
                     "allowed: a Strava activities.csv (Activity ID, Activity Date, Activity Type, ...), an "
                     "intervals.icu activities CSV (start_date_local, type, moving_time, ...) "
                     "or a folder of .fit files")


def read_log(path: str | Path) -> pd.DataFrame:
    """Every activity in the log at `path` (see the module docstring), oldest first."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    if not (p.is_dir() or p.is_file()):  # a FIFO or device would block or never end (issue 15)
        raise InputError(f"{p}: not a regular file or folder; allowed: a folder of .fit files, a Strava "
                         "activities.csv or an intervals.icu activities CSV")
    kind = sniff(p)
    if kind == "fit":
        df = read_fit_path(p)
    elif kind == "strava":
        df = read_strava_csv(p)
    else:
        df = read_intervals_csv(p)
    if not (df["sport"] == "run").any():
        raise InputError(f"{p}: the log has no runs ({len(df)} activities); the model needs at least one run")
    return df


# --------------------------------------------------------------------------- one row per day
DAILY_COLUMNS = (
    "date",
    "run_km",  # sum over the day's runs
    "run_min",
    "runs",  # number of runs
    "run_hr_bpm",  # duration-weighted average HR of the day's runs (NaN if none recorded)
    "run_rpe_0_10",  # duration-weighted session RPE of the day's runs (NaN if none given)
    "race_km",  # distance of a race run that day (0 if none)
    "race_time_s",  # its time
    "strength_sessions",
    "strength_min",
    "strength_names",  # titles of the strength sessions, "; "-joined
    "other_min",  # minutes of other sports (kept, ignored by the model)
)


def daily_table(acts: pd.DataFrame, first: dt.date | None = None, last: dt.date | None = None) -> pd.DataFrame:
    """One row per calendar day from the first to the last activity (rest days are zero rows);
    `first`/`last` extend the range (a 1RM test or race result just outside the activities)."""
    if acts.empty:
        raise InputError("log: no activities")
    first = min(acts["date"].min(), first or acts["date"].min())
    last = max(acts["date"].max(), last or acts["date"].max())
    dates = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    idx = {d: i for i, d in enumerate(dates)}
    n = len(dates)
    run_km, run_min, runs = np.zeros(n), np.zeros(n), np.zeros(n, dtype=int)
    hr_w, hr_t, rpe_w, rpe_t = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    race_km, race_s = np.zeros(n), np.zeros(n)
    str_n, str_min, other = np.zeros(n, dtype=int), np.zeros(n), np.zeros(n)
    names: list[list[str]] = [[] for _ in range(n)]
    for r in acts.itertuples(index=False):
        i = idx[r.date]
        minutes = 0.0 if math.isnan(r.duration_min) else r.duration_min
        if r.sport == "run":
            km = 0.0 if math.isnan(r.distance_km) else r.distance_km
            run_km[i] += km
            run_min[i] += minutes
            runs[i] += 1
            if not math.isnan(r.avg_hr_bpm) and minutes > 0:
                hr_w[i] += r.avg_hr_bpm * minutes
                hr_t[i] += minutes
            if not math.isnan(r.rpe_0_10) and minutes > 0:
                rpe_w[i] += r.rpe_0_10 * minutes
                rpe_t[i] += minutes
            if r.race and km > race_km[i]:
                race_km[i], race_s[i] = km, 60.0 * minutes
        elif r.sport == "strength":
            str_n[i] += 1
            str_min[i] += minutes
            names[i].append(r.name)
        else:
            other[i] += minutes
    with np.errstate(invalid="ignore", divide="ignore"):
        hr = np.where(hr_t > 0, hr_w / np.where(hr_t > 0, hr_t, 1), np.nan)
        rpe = np.where(rpe_t > 0, rpe_w / np.where(rpe_t > 0, rpe_t, 1), np.nan)
    return pd.DataFrame({
        "date": dates, "run_km": run_km, "run_min": run_min, "runs": runs, "run_hr_bpm": hr, "run_rpe_0_10": rpe,
        "race_km": race_km, "race_time_s": race_s, "strength_sessions": str_n, "strength_min": str_min,
        "strength_names": ["; ".join(x) for x in names], "other_min": other,
    })


