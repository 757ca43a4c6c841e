"""A runner's training log as one table, whatever it was exported from.

`read_log(path)` takes a file, a folder (searched recursively) or a zip (nested zips too),
and reads every activity it finds (`experiments.athlete.sources`):

- FIT (`.fit`, `.fit.gz`): `experiments.athlete.fitfiles`
- GPX and TCX (also gzipped): `experiments.athlete.gpxtcx`
- a Strava `activities.csv` in any of its layouts and languages, an intervals.icu activities
  CSV: `experiments.athlete.csvlogs`

and returns one row per activity (`ACTIVITY_COLUMNS`), oldest first. Then, in order:

1. a bad file or row is skipped and reported (file, row, why; `ImportReport`), never fatal
   unless no run is left; `strict=True` (`--strict`) stops at the first instead;
2. implausible rows are skipped the same way (dates outside 1990..tomorrow, runs over 350 km,
   paces outside 2.4-20 min/km, more than 6 runs or 350 km in a day: issue 25 item 7);
3. duplicates (same sport, starts within 5 minutes, distance within 10%: a run recorded by
   the watch and a phone app, or a Strava CSV row and its own file) are merged and counted;
   the merged row keeps the local time a file knows and the race flag and title of either;
4. rows known only in UTC (Strava's CSV) get their local day from `timezone` (`--timezone`),
   or else from the offset that best explains Strava's automatic titles ("Morning Run").

Unknown sports are kept (sport = the source's own name, lower case) and ignored by the model.
The report is in `df.attrs["import_report"]`. `daily_table` folds the table into one row per day.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.athlete import cache
from experiments.athlete.csvlogs import read_csv_bytes
from experiments.athlete.fields import (  # noqa: F401  (re-exported: the table schema)
    ACTIVITY_COLUMNS,
    MAX_RUN_KM_PER_DAY,
    MAX_RUNS_PER_DAY,
    ImportReport,
    SkipRow,
    activities_frame,
    bad,
    canonical_sport,
    check_date,
    empty_activities,
    plausible_run,
)
from experiments.athlete.localtime import offset_from_titles, to_local, zone
from experiments.athlete.sources import entries
from sim.errors import InputError

DUPLICATE_WINDOW = dt.timedelta(minutes=5)
DUPLICATE_KM_REL = 0.10
ALLOWED = ("a Strava or Garmin Connect export (.zip or its folder), a folder of .fit/.gpx/.tcx files (also .gz), "
           "a Strava activities.csv or an intervals.icu activities CSV")


def _file_rows(entry, tz_name: str | None, tz, report: ImportReport, folder) -> list[dict]:
    from experiments.athlete.fitfiles import fit_rows
    from experiments.athlete.gpxtcx import gpx_rows, tcx_rows

    data = entry.load()
    k = cache.key(data, entry.kind, tz_name)
    hit = cache.get(folder, k)
    if hit is not None:
        report.files_cached += 1
        if hit.get("skip"):
            raise SkipRow(entry.label, None, hit["skip"])
        return [{**r, "source": entry.label} for r in hit["rows"]]
    report.files_read += 1
    reader = {"fit": fit_rows, "gpx": gpx_rows, "tcx": tcx_rows}[entry.kind]
    try:
        rows = reader(data, entry.label, tz)
    except SkipRow as err:
        if err.row is None:
            cache.put(folder, k, {"rows": [], "skip": err.why})
        raise
    cache.put(folder, k, {"rows": rows})
    return rows


def _row_problem(r) -> SkipRow | None:
    try:
        check_date(r.source, r.row, "start", r.start)
        if r.sport == "run":
            plausible_run(r.source, r.row, r.distance_km, r.duration_min)
    except SkipRow as err:
        return err
    return None


def _same(a, b) -> bool:
    if a.sport != b.sport:
        return False
    if a.start_utc is not None and b.start_utc is not None:
        dt_ = abs(a.start_utc - b.start_utc)
    elif a.local_known and b.local_known:
        dt_ = abs(a.start - b.start)
    else:
        return False
    if dt_ > DUPLICATE_WINDOW:
        return False
    ka, kb = a.distance_km, b.distance_km
    if math.isnan(ka) or math.isnan(kb) or max(ka, kb) == 0:
        return math.isnan(ka) == math.isnan(kb) or a.sport != "run"
    return abs(ka - kb) <= DUPLICATE_KM_REL * max(ka, kb)


def _merge(a: dict, b: dict) -> dict:
    """One row of two records of the same activity: a row that knows the local time is the base;
    a CSV's title (the user's) and either's race flag and measurements fill in."""
    base, other = (a, b) if a["local_known"] or not b["local_known"] else (b, a)
    out = dict(base)
    for c in ("avg_hr_bpm", "rpe_0_10", "distance_km", "duration_min"):
        if isinstance(out[c], float) and math.isnan(out[c]):
            out[c] = other[c]
    if other["source"].lower().endswith(".csv") and other["name"]:
        out["name"] = other["name"]
    out["name"] = out["name"] or other["name"]
    out["race"] = bool(a["race"] or b["race"])
    out["start_utc"] = base["start_utc"] or other["start_utc"]
    return out


def dedupe(df: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    if len(df) < 2:
        return df
    key = [r.start_utc if r.start_utc is not None else r.start for r in df.itertuples(index=False)]
    order = np.argsort(np.array(key, dtype="datetime64[s]"), kind="stable")
    rows = df.to_dict("records")
    tuples = list(df.itertuples(index=False))
    kept: list[dict] = []
    kept_t: list = []
    for i in order:
        r, t = rows[i], tuples[i]
        hit = None
        for j in range(len(kept) - 1, -1, -1):
            kt = kept_t[j]
            if abs(key[i] - (kt.start_utc if kt.start_utc is not None else kt.start)) > dt.timedelta(hours=15):
                break
            if _same(kt, t):
                hit = j
                break
        if hit is None:
            kept.append(r)
            kept_t.append(t)
        else:
            report.duplicates += 1
            kept[hit] = _merge(kept[hit], r)
            kept_t[hit] = pd.Series(kept[hit])
    return activities_frame(kept)


def _resolve_local(df: pd.DataFrame, tz, report: ImportReport) -> pd.DataFrame:
    todo = ~df["local_known"]
    if not todo.any():
        return df
    known = df[df["local_known"] & df["start_utc"].notna()]
    if tz is not None:
        starts = [to_local(t, tz) for t in df.loc[todo, "start_utc"]]
        how = f"--timezone {tz}"
    elif len(known):
        # the offset of the nearest activity whose file knows it (a Strava export's own files):
        # follows the runner across time zones and daylight saving
        ku = np.array(list(known["start_utc"]), dtype="datetime64[s]")
        offs = [s - u for s, u in zip(known["start"], known["start_utc"], strict=True)]
        order = np.argsort(ku)
        ku = ku[order]
        offs = [offs[i] for i in order]
        starts = []
        for t in df.loc[todo, "start_utc"]:
            j = int(np.searchsorted(ku, np.datetime64(t, "s")))
            cands = [c for c in (j - 1, j) if 0 <= c < len(ku)]
            best = min(cands, key=lambda c: abs(ku[c] - np.datetime64(t, "s")))
            starts.append(t + offs[best])
        how = "the UTC offset of the nearest activity whose file or watch knows it"
    else:
        runs = df[todo & (df["sport"] == "run")]
        fit = offset_from_titles(runs["start_utc"], runs["name"])
        if fit is None or fit[1] < 0.6:
            report.notes.append(f"{int(todo.sum())} activities are dated in UTC (Strava's Activity Date) and the log "
                                "does not say the runner's time zone: their days are UTC days; give --timezone "
                                "(e.g. Europe/Berlin) for local days")
            return df
        off = dt.timedelta(hours=fit[0])
        starts = [t + off for t in df.loc[todo, "start_utc"]]
        how = (f"UTC{fit[0]:+d} h, the offset that explains {100 * fit[1]:.0f}% of Strava's automatic titles "
               "(Morning/Lunch/Afternoon/Evening/Night Run); give --timezone to set it")
    df = df.copy()
    df.loc[todo, "start"] = pd.Series(starts, index=df.index[todo], dtype=object)
    df.loc[todo, "date"] = pd.Series([s.date() for s in starts], index=df.index[todo], dtype=object)
    report.notes.append(f"{int(todo.sum())} activities dated in UTC moved to the local day by {how}")
    return activities_frame(df.to_dict("records"))


def _day_caps(df: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    runs = df[df["sport"] == "run"]
    per_day = runs.groupby("date").agg(n=("sport", "size"), km=("distance_km", "sum"))
    badd = per_day[(per_day["n"] > MAX_RUNS_PER_DAY) | (per_day["km"] > MAX_RUN_KM_PER_DAY)]
    if badd.empty:
        return df
    drop = df["date"].isin(set(badd.index)) & (df["sport"] == "run")
    for d, r in badd.iterrows():
        report.skip(SkipRow(str(df.loc[drop & (df["date"] == d), "source"].iloc[0]), None,
                            f"{d}: {int(r.n)} runs, {r.km:.1f} km in one day is not allowed; at most "
                            f"{MAX_RUNS_PER_DAY} runs and {MAX_RUN_KM_PER_DAY:g} km a day (all of that day's runs "
                            "skipped)"))
    return df[~drop].reset_index(drop=True)


def read_log(path: str | Path, *, strict: bool = False, timezone: str | None = None,
             use_cache: bool = True) -> pd.DataFrame:
    """Every activity in the log at `path` (see the module docstring), oldest first."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder; allowed: {ALLOWED}")
    if not (p.is_dir() or p.is_file()):  # a FIFO or device would block or never end (issue 15)
        raise InputError(f"{p}: not a regular file or folder; allowed: {ALLOWED}")
    tz = zone(timezone) if timezone else None
    report = ImportReport(strict=strict)
    pending: list[SkipRow] = []
    ignored: dict[str, int] = {}
    frames, rows = [], []
    found = 0
    for entry in entries(p, pending, ignored):
        found += 1
        try:
            if entry.kind == "csv":
                data = entry.load()
                skipped: list[SkipRow] = []
                df = read_csv_bytes(data, entry.label, skipped, required=entry.named)
                for s in skipped:
                    report.skip(s)
                if df is not None:
                    report.files_read += 1
                    frames.append(df)
            else:
                rows.extend(_file_rows(entry, timezone, tz, report, cache.cache_dir(p)) if use_cache else
                            _parse_now(entry, tz, report))
        except SkipRow as err:
            report.skip(err)
        while pending:
            report.skip(pending.pop(0))
    for s in pending:
        report.skip(s)
    if ignored:
        report.notes.append("ignored files that hold no activities: " +
                            ", ".join(f"{n} {s}" for s, n in sorted(ignored.items())))
    if rows:
        frames.append(activities_frame(rows))
    frames = [f for f in frames if len(f)]
    if found == 0:
        raise InputError(f"{p}: no activity files or log CSV found; allowed: {ALLOWED}")
    df = pd.concat(frames, ignore_index=True) if frames else empty_activities()
    if len(df):
        keep = []
        for r in df.itertuples(index=False):
            err = _row_problem(r)
            if err is not None:
                report.skip(err)
            keep.append(err is None)
        df = activities_frame(df[np.array(keep, dtype=bool)].to_dict("records"))
    df = dedupe(df, report)
    df = _resolve_local(df, tz, report)
    df = _day_caps(df, report)
    if not (df["sport"] == "run").any():
        lines = report.lines(limit=10)
        raise InputError(f"{p}: no usable runs ({len(df)} other activities)" +
                         ("; " + " | ".join(lines) if lines else "") + "; the model needs at least one run")
    df.attrs["import_report"] = report
    return df


def _parse_now(entry, tz, report: ImportReport) -> list[dict]:
    from experiments.athlete.fitfiles import fit_rows
    from experiments.athlete.gpxtcx import gpx_rows, tcx_rows

    report.files_read += 1
    return {"fit": fit_rows, "gpx": gpx_rows, "tcx": tcx_rows}[entry.kind](entry.load(), entry.label, tz)


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
