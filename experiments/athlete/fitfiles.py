"""Garmin `.fit` activity files, read and written with the Garmin FIT SDK (`garmin-fit-sdk`).

One activity per file; each `session` message is one row of the activity table (a
multisport file gives several). The FIT epoch timestamps are UTC; the `activity` message's
`local_timestamp` gives the watch's local offset, so the calendar day is the runner's.
Garmin stores the runner's perceived effort as `workout_rpe` = 10 x RPE. FIT files carry no
race flag: races come from the `--races` file.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from experiments.athlete.fields import activities_frame, canonical_sport, plausible_run
from sim.errors import InputError


def _sdk():
    from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

    return Decoder, Encoder, Profile, Stream


def fit_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".fit")
    if not files:
        raise InputError(f"{path}: folder has no .fit files; allowed: a folder of Garmin .fit activity files, a "
                         "Strava activities.csv or an intervals.icu activities CSV")
    return files


def _sport(session: dict) -> str:
    sport = str(session.get("sport", "generic"))
    sub = str(session.get("sub_sport", "generic"))
    if sport == "running":
        return "run"
    if sport == "training" and sub == "strength_training":
        return "strength"
    return canonical_sport(sport if sub in ("generic", "None") else f"{sport}:{sub}")


def _num(x) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else math.nan


def read_fit_file(path: Path) -> list[dict]:
    Decoder, _, _, Stream = _sdk()
    data = path.read_bytes()
    # is_fit / check_integrity move the stream: each check gets its own decoder
    if not Decoder(Stream.from_byte_array(bytearray(data))).is_fit():
        raise InputError(f"{path}: not a FIT file (no .FIT header); allowed: Garmin .fit activity files")
    if not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity():
        raise InputError(f"{path}: FIT file fails its CRC check (truncated or corrupted); re-export it from the watch")
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    if errors:
        raise InputError(f"{path}: the FIT SDK could not decode it: {errors[0]}")
    sessions = messages.get("session_mesgs", [])
    if not sessions:
        raise InputError(f"{path}: FIT file has no session message; allowed: activity files (file_id type activity)")
    offset = dt.timedelta(0)
    for act in messages.get("activity_mesgs", []):
        ts, local = act.get("timestamp"), act.get("local_timestamp")
        if isinstance(ts, dt.datetime) and isinstance(local, int | float):
            from garmin_fit_sdk import convert_timestamp_to_datetime

            offset = convert_timestamp_to_datetime(local).replace(tzinfo=None) - ts.replace(tzinfo=None)
    rows = []
    for i, s in enumerate(sessions, start=1):
        start = s.get("start_time")
        if not isinstance(start, dt.datetime):
            raise InputError(f"{path}: session {i}: start_time: {start!r} is not allowed; need a FIT date_time")
        start = start.replace(tzinfo=None) + offset
        sport = _sport(s)
        secs = _num(s.get("total_timer_time", s.get("total_elapsed_time")))
        metres = _num(s.get("total_distance"))
        if sport == "run" and (math.isnan(secs) or math.isnan(metres)):
            raise InputError(f"{path}: session {i}: a run needs total_timer_time and total_distance; got "
                             f"{s.get('total_timer_time')!r} and {s.get('total_distance')!r}")
        km, minutes = metres / 1000.0, secs / 60.0
        if sport == "run":
            plausible_run(path, i, km, minutes)
        rpe = _num(s.get("workout_rpe"))
        rows.append({
            "start": start, "date": start.date(), "sport": sport, "name": str(s.get("sport_profile_name", "") or ""),
            "distance_km": km, "duration_min": minutes, "avg_hr_bpm": _num(s.get("avg_heart_rate")),
            "rpe_0_10": rpe / 10.0 if rpe == rpe else math.nan, "race": False, "source": str(path), "row": i,
        })
    return rows


def read_fit_path(path: Path) -> pd.DataFrame:
    rows: list[dict] = []
    for f in fit_files(path):
        rows.extend(read_fit_file(f))
    return activities_frame(rows)


# --------------------------------------------------------------------------- writer (synthetic logs, samples)
def fit_activity_bytes(row, utc_offset_h: float = 0.0) -> bytes:
    """One activity (a row of the activity table) as a FIT activity file, encoded by the SDK."""
    _, Encoder, Profile, _ = _sdk()
    mn = Profile["mesg_num"]
    start_utc = (row.start - dt.timedelta(hours=utc_offset_h)).replace(tzinfo=dt.UTC)
    secs = float(row.duration_min) * 60.0
    end = start_utc + dt.timedelta(seconds=secs)
    if row.sport == "run":
        sport, sub = "running", "generic"
    elif row.sport == "strength":
        sport, sub = "training", "strength_training"
    else:
        sport, sub = "generic", "generic"
    enc = Encoder()
    enc.write_mesg({"mesg_num": mn["FILE_ID"], "type": "activity", "manufacturer": "development", "product": 0,
                    "serial_number": 1, "time_created": start_utc})
    session = {"mesg_num": mn["SESSION"], "start_time": start_utc, "timestamp": end, "sport": sport, "sub_sport": sub,
               "total_elapsed_time": secs, "total_timer_time": secs}
    if row.name:
        session["sport_profile_name"] = str(row.name)[:15]
    if row.distance_km == row.distance_km and row.sport == "run":
        session["total_distance"] = float(row.distance_km) * 1000.0
    if row.avg_hr_bpm == row.avg_hr_bpm:
        session["avg_heart_rate"] = int(round(row.avg_hr_bpm))
    if row.rpe_0_10 == row.rpe_0_10:
        session["workout_rpe"] = int(round(10 * row.rpe_0_10))
    enc.write_mesg(session)
    local_end = end.replace(tzinfo=None) + dt.timedelta(hours=utc_offset_h)
    local = int((local_end - dt.datetime(1989, 12, 31)).total_seconds())  # FIT epoch
    enc.write_mesg({"mesg_num": mn["ACTIVITY"], "timestamp": end, "total_timer_time": secs, "num_sessions": 1,
                    "type": "manual", "event": "activity", "event_type": "stop", "local_timestamp": local})
    return enc.close()
