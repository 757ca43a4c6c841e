"""Strava bulk-export `activities.csv` and intervals.icu activities CSV: readers and writers.

Strava's export repeats some column names ("Elapsed Time", "Distance": first in the
athlete's units, km for metric accounts, then in metres), so columns are read by position of
the first occurrence. "Workout Type" 1 marks a race run on Strava; intervals.icu copies
Strava's `workout_type` and has its own `race` flag. The writers exist so that the
synthetic-athlete check and the shipped sample log go through exactly the readers a user's
file goes through.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd

from experiments.athlete.fields import activities_frame, bad, canonical_sport, number, plausible_run

STRAVA_DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")
STRAVA_RACE = {"1", "race"}
INTERVALS_RACE = {"1", "11", "race"}  # Strava run race (1) and ride race (11)
STRAVA_COLUMNS = ("Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
                  "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Moving Time",
                  "Distance", "Average Heart Rate", "Perceived Exertion", "Workout Type")
INTERVALS_COLUMNS = ("id", "start_date_local", "name", "type", "moving_time", "distance", "elapsed_time",
                     "average_heartrate", "icu_rpe", "workout_type", "race")


def _rows(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader)]
        rows = [(reader.line_num, r) for r in reader if any(c.strip() for c in r)]
    return header, rows


def _cell(header: list[str], row: list[str], name: str, path: Path, rownum: int) -> str:
    try:
        i = header.index(name)
    except ValueError:
        return ""
    if i >= len(row):
        raise bad(path, rownum, "row", f"{len(row)} fields", f"the header has {len(header)}; the file is cut short")
    return row[i].strip()


def _parse_date(path: Path, row: int, field: str, text: str, formats: tuple[str, ...]) -> dt.datetime:
    for fmt in formats:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        t = dt.datetime.fromisoformat(text)
        return t.replace(tzinfo=None)
    except ValueError:
        pass
    raise bad(path, row, field, text, "need a date and time such as 'Jan 5, 2026, 7:00:00 AM' or 2026-01-05T07:00:00")


def read_strava_csv(path: Path) -> pd.DataFrame:
    header, rows = _rows(path)
    out = []
    for rownum, r in rows:
        def cell(name, _r=r, _n=rownum):
            return _cell(header, _r, name, path, _n)

        start = _parse_date(path, rownum, "Activity Date", cell("Activity Date"), STRAVA_DATE_FORMATS)
        sport = canonical_sport(cell("Activity Type"))
        moving = cell("Moving Time") or cell("Elapsed Time")
        secs = number(path, rownum, "Moving Time" if cell("Moving Time") else "Elapsed Time", moving,
                      required=sport in ("run", "strength"), lo=0, hi=7 * 86400)
        km = number(path, rownum, "Distance", cell("Distance"), required=sport == "run", lo=0, hi=1000)
        minutes = secs / 60.0
        if sport == "run":
            plausible_run(path, rownum, km, minutes)
        out.append({
            "start": start, "date": start.date(), "sport": sport, "name": cell("Activity Name"), "distance_km": km,
            "duration_min": minutes,
            "avg_hr_bpm": number(path, rownum, "Average Heart Rate", cell("Average Heart Rate"), required=False,
                                 lo=25, hi=250),
            "rpe_0_10": number(path, rownum, "Perceived Exertion", cell("Perceived Exertion"), required=False,
                               lo=0, hi=10),
            "race": cell("Workout Type").lower() in STRAVA_RACE and sport == "run",
            "source": str(path), "row": rownum,
        })
    return activities_frame(out)


def read_intervals_csv(path: Path) -> pd.DataFrame:
    header, rows = _rows(path)
    out = []
    for rownum, r in rows:
        def cell(name, _r=r, _n=rownum):
            return _cell(header, _r, name, path, _n)

        start = _parse_date(path, rownum, "start_date_local", cell("start_date_local"), ("%Y-%m-%dT%H:%M:%S",))
        sport = canonical_sport(cell("type"))
        secs = number(path, rownum, "moving_time", cell("moving_time"), required=sport in ("run", "strength"),
                      lo=0, hi=7 * 86400)
        metres = number(path, rownum, "distance", cell("distance"), required=sport == "run", lo=0, hi=1e6)
        km, minutes = metres / 1000.0, secs / 60.0
        if sport == "run":
            plausible_run(path, rownum, km, minutes)
        race_flag = cell("race").lower() in ("true", "1", "yes") or cell("workout_type").lower() in INTERVALS_RACE
        out.append({
            "start": start, "date": start.date(), "sport": sport, "name": cell("name"), "distance_km": km,
            "duration_min": minutes,
            "avg_hr_bpm": number(path, rownum, "average_heartrate", cell("average_heartrate"), required=False,
                                 lo=25, hi=250),
            "rpe_0_10": number(path, rownum, "icu_rpe", cell("icu_rpe"), required=False, lo=0, hi=10),
            "race": race_flag and sport == "run", "source": str(path), "row": rownum,
        })
    return activities_frame(out)


# --------------------------------------------------------------------------- writers (synthetic logs, samples)
_STRAVA_TYPE = {"run": "Run", "strength": "Weight Training"}
_INTERVALS_TYPE = {"run": "Run", "strength": "WeightTraining"}


def _fmt(x: float, digits: int) -> str:
    return "" if x != x else f"{x:.{digits}f}"


def strava_csv_text(acts: pd.DataFrame) -> str:
    """A Strava-style activities.csv (metric account) for the activity table `acts`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(STRAVA_COLUMNS)
    for i, r in enumerate(acts.itertuples(index=False)):
        secs = int(round(r.duration_min * 60.0))
        km = 0.0 if r.distance_km != r.distance_km else r.distance_km
        w.writerow([
            1000 + i, r.start.strftime("%b %d, %Y, %I:%M:%S %p").replace(" 0", " "), r.name,
            _STRAVA_TYPE.get(r.sport, r.sport.title()), "", secs, f"{km:.2f}", "", "", "false", secs,
            f"{km * 1000.0:.1f}", _fmt(r.avg_hr_bpm, 0), _fmt(r.rpe_0_10, 0), "1" if r.race else "",
        ])
    return buf.getvalue()


def intervals_csv_text(acts: pd.DataFrame) -> str:
    """An intervals.icu-style activities CSV for the activity table `acts`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INTERVALS_COLUMNS)
    for i, r in enumerate(acts.itertuples(index=False)):
        secs = int(round(r.duration_min * 60.0))
        metres = 0.0 if r.distance_km != r.distance_km else r.distance_km * 1000.0
        w.writerow([
            f"i{1000 + i}", r.start.strftime("%Y-%m-%dT%H:%M:%S"), r.name, _INTERVALS_TYPE.get(r.sport, r.sport),
            secs, f"{metres:.1f}", secs, _fmt(r.avg_hr_bpm, 0), _fmt(r.rpe_0_10, 0), "", "true" if r.race else "false",
        ])
    return buf.getvalue()
