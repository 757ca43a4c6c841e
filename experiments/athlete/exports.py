"""Real-world-style exports, written with the formats' own libraries: fixtures for the tests, the
benchmark (`scripts/bench_read_logs.py`) and the examples (docs/real_logs.md).

A runner's history (`runner_history`) is written as what a runner actually downloads:

- `strava_export`: Strava's bulk export (`activities.csv` in any of Strava's layouts, each
  activity's original file in `activities/` as .fit.gz, .gpx, .gpx.gz, .tcx.gz; other files
  such as `profile.csv` and media), as a folder or a .zip;
- `garmin_export`: Garmin Connect's data export (`DI_CONNECT/DI-Connect-Uploaded-Files/
  UploadedFiles_0-_Part1.zip` nested in the outer zip, with monitoring and settings FIT files
  and JSON beside the activities);
- `gpx_bytes` (gpxpy), `tcx_bytes` (TCX 2 XML), FIT via the SDK (`fitfiles.fit_activity_bytes`),
  and two FIT variants the SDK does not write: a header CRC of 0x0000 (`zero_header_crc`) and
  FR70-style compressed-timestamp records (`fr70_fit_bytes`).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import math
import struct
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.athlete.csvlogs import intervals_csv_text, strava_csv_text
from experiments.athlete.fields import activities_frame
from experiments.athlete.fitfiles import FIT_EPOCH, fit_activity_bytes

PLACES = {"toronto": (43.6532, -79.3832, "America/Toronto"), "berlin": (52.5200, 13.4050, "Europe/Berlin"),
          "sydney": (-33.8688, 151.2093, "Australia/Sydney")}


def runner_history(seed: int, weeks: int, end: dt.date, place: str = "toronto", early_km: float = 12.0,
                   recent_km: float = 45.0, runs_per_week: int = 4, races: int = 3,
                   strength_per_week: int = 1) -> pd.DataFrame:
    """A runner's activities over `weeks` ending on `end` (local times at `place`): weekly volume
    grows from `early_km` to `recent_km` over the first half and then holds (so the log's start and
    its recent weeks differ, as in a real multi-year export), some evening runs (after 20:00 local,
    the next day in UTC), races at the end of blocks, strength sessions and a few rides."""
    rng = np.random.default_rng(seed)
    start = end - dt.timedelta(days=7 * weeks - 1)
    rows = []
    race_weeks = set(np.linspace(weeks // 3, weeks - 2, races).astype(int).tolist()) if races else set()
    for w in range(weeks):
        target = early_km + (recent_km - early_km) * min(1.0, w / max(weeks / 2, 1))
        km_week = target * rng.uniform(0.9, 1.1)
        days = sorted(rng.choice(7, size=runs_per_week, replace=False).tolist())
        shares = np.array([1.0] * (runs_per_week - 1) + [1.8])
        shares = shares / shares.sum()
        for j, d in enumerate(days):
            date = start + dt.timedelta(days=7 * w + d)
            hour = 20.5 if rng.random() < 0.25 else 7.0 if rng.random() < 0.6 else 12.25
            t = dt.datetime.combine(date, dt.time(0, 0)) + dt.timedelta(hours=hour)
            km = round(float(km_week * shares[j]), 2)
            pace = 5.6 * rng.uniform(0.95, 1.08)
            race = w in race_weeks and j == len(days) - 1
            if race:
                km, pace = 10.0, 4.7 * rng.uniform(0.98, 1.02)
            rows.append({"start": t, "date": date, "sport": "run", "name": "10k race" if race else "",
                         "distance_km": km, "duration_min": round(km * pace, 2),
                         "avg_hr_bpm": float(rng.integers(135, 165)), "rpe_0_10": math.nan, "race": race,
                         "source": "history", "row": len(rows) + 1})
        for _ in range(strength_per_week):
            date = start + dt.timedelta(days=7 * w + int(rng.integers(0, 7)))
            rows.append({"start": dt.datetime.combine(date, dt.time(18, 0)), "date": date, "sport": "strength",
                         "name": "Heavy legs", "distance_km": math.nan, "duration_min": 40.0,
                         "avg_hr_bpm": math.nan, "rpe_0_10": math.nan, "race": False, "source": "history",
                         "row": len(rows) + 1})
        if w % 5 == 0:
            date = start + dt.timedelta(days=7 * w + 5)
            rows.append({"start": dt.datetime.combine(date, dt.time(10, 0)), "date": date, "sport": "ride",
                         "name": "Ride", "distance_km": 40.0, "duration_min": 90.0, "avg_hr_bpm": 130.0,
                         "rpe_0_10": math.nan, "race": False, "source": "history", "row": len(rows) + 1})
    return activities_frame(rows)


def auto_titles(acts: pd.DataFrame) -> pd.DataFrame:
    """Strava's automatic titles ("Morning Run") by local start hour, where a run has no title."""
    def title(r):
        if r.name or r.sport != "run":
            return r.name or ("Weight Training" if r.sport == "strength" else "Ride")
        h = r.start.hour
        part = ("Morning" if 4 <= h < 11 else "Lunch" if h < 13 else "Afternoon" if h < 17 else "Evening"
                if h < 21 else "Night")
        return f"{part} Run"

    out = acts.copy()
    out["name"] = [title(r) for r in acts.itertuples(index=False)]
    return out


# --------------------------------------------------------------------------- file formats
def _utc(local: dt.datetime, tz: str) -> dt.datetime:
    """UTC of a local wall time in zone `tz` (fold 0 on ambiguous times)."""
    from zoneinfo import ZoneInfo

    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC).replace(tzinfo=None)


def _track(r, lat: float, lon: float, points: int):
    """(time, lat, lon) points along an out-and-back east-west line of the run's distance."""
    km = float(r.distance_km) if r.distance_km == r.distance_km else 5.0
    secs = float(r.duration_min) * 60.0
    deg_per_km = 1.0 / (111.32 * math.cos(math.radians(lat)))
    for k in range(points + 1):
        f = k / points
        along = km * (2 * f if f <= 0.5 else 2 - 2 * f) / 2.0  # out and back
        yield f * secs, lat, lon + along * deg_per_km


def gpx_bytes(r, tz: str, lat: float, lon: float, points: int = 200) -> bytes:
    import gpxpy.gpx

    start = _utc(r.start, tz).replace(tzinfo=dt.UTC)
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "StravaGPX"
    track = gpxpy.gpx.GPXTrack(name=r.name or "Run")
    track.type = "running" if r.sport == "run" else r.sport
    seg = gpxpy.gpx.GPXTrackSegment()
    for t, la, lo in _track(r, lat, lon, points):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(la, lo, time=start + dt.timedelta(seconds=t)))
    track.segments.append(seg)
    gpx.tracks.append(track)
    return gpx.to_xml().encode()


def tcx_bytes(r, tz: str, lat: float, lon: float, points: int = 100) -> bytes:
    start = _utc(r.start, tz)
    iso = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    km = float(r.distance_km) if r.distance_km == r.distance_km else 0.0
    tps = "".join(
        f"<Trackpoint><Time>{(start + dt.timedelta(seconds=t)).strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        f"<Position><LatitudeDegrees>{la:.6f}</LatitudeDegrees><LongitudeDegrees>{lo:.6f}</LongitudeDegrees>"
        "</Position></Trackpoint>" for t, la, lo in _track(r, lat, lon, points))
    hr = f"<AverageHeartRateBpm><Value>{int(r.avg_hr_bpm)}</Value></AverageHeartRateBpm>" \
        if r.avg_hr_bpm == r.avg_hr_bpm else ""
    sport = "Running" if r.sport == "run" else "Biking" if r.sport == "ride" else "Other"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
            f'<Activities><Activity Sport="{sport}"><Id>{iso}</Id><Lap StartTime="{iso}">'
            f"<TotalTimeSeconds>{float(r.duration_min) * 60:.1f}</TotalTimeSeconds>"
            f"<DistanceMeters>{km * 1000:.1f}</DistanceMeters>{hr}<Intensity>Active</Intensity>"
            f"<TriggerMethod>Manual</TriggerMethod><Track>{tps}</Track></Lap></Activity></Activities>"
            "</TrainingCenterDatabase>").encode()


def fit_bytes(r, tz: str, lat: float, lon: float, records: int = 0, watch_offset: bool = True) -> bytes:
    """A FIT activity as a watch writes it: UTC times, the watch's offset in `local_timestamp`
    (or none: then only the start position says where), the start position."""
    off = (r.start - _utc(r.start, tz)).total_seconds() / 3600.0
    return fit_activity_bytes(r, utc_offset_h=off, position=(lat, lon), records=records, race=bool(r.race),
                              local_timestamp=watch_offset)


def zero_header_crc(data: bytes) -> bytes:
    """The same FIT file with its header CRC set to 0x0000, as FR110 and Edge 200/800/810 write it."""
    assert data[0] == 14
    return data[:12] + b"\0\0" + data[14:]


_CRC_TABLE = (0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401, 0xA001, 0x6C00, 0x7800, 0xB401,
              0x5000, 0x9C01, 0x8801, 0x4400)


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT protocol's CRC-16 (FIT Protocol, "CRC")."""
    for byte in data:
        tmp = _CRC_TABLE[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[byte & 0xF]
        tmp = _CRC_TABLE[crc & 0xF]
        crc = ((crc >> 4) & 0x0FFF) ^ tmp ^ _CRC_TABLE[(byte >> 4) & 0xF]
    return crc


def fr70_fit_bytes(start_utc: dt.datetime, km: float, minutes: float, utc_offset_h: float = 0.0) -> bytes:
    """A FIT activity whose records use compressed-timestamp headers (FR70 era), written by hand
    from the protocol: file_id, a timestamp record, then one record every 4 s with a compressed
    header (local type 1, time offset in the header), session and activity."""
    def ts(t: dt.datetime) -> int:
        return int((t - FIT_EPOCH).total_seconds())

    def define(local: int, gnum: int, fields: list[tuple[int, int, int]]) -> bytes:
        out = bytes([0x40 | local, 0, 0]) + struct.pack("<H", gnum) + bytes([len(fields)])
        return out + b"".join(bytes(f) for f in fields)

    body = bytearray()
    body += define(0, 0, [(0, 1, 0x00), (1, 2, 0x84), (4, 4, 0x86)])  # file_id: type, manufacturer, time_created
    body += bytes([0]) + struct.pack("<BHI", 4, 1, ts(start_utc))  # activity, garmin
    body += define(2, 20, [(253, 4, 0x86), (3, 1, 0x02)])  # record with a full timestamp
    body += bytes([2]) + struct.pack("<IB", ts(start_utc), 120)
    body += define(1, 20, [(3, 1, 0x02), (5, 4, 0x86)])  # record without timestamp: heart_rate, distance
    secs = int(minutes * 60)
    for k, t in enumerate(range(4, secs, 4)):
        body += bytes([0x80 | (1 << 5) | ((ts(start_utc) + t) & 0x1F)]) + struct.pack(
            "<BI", 140, int(100 * 1000 * km * t / secs))
        if k > 5000:
            break
    end = start_utc + dt.timedelta(seconds=secs)
    body += define(3, 18, [(253, 4, 0x86), (2, 4, 0x86), (5, 1, 0x00), (6, 1, 0x00), (7, 4, 0x86), (8, 4, 0x86),
                           (9, 4, 0x86), (16, 1, 0x02)])
    body += bytes([3]) + struct.pack("<IIBBIIIB", ts(end), ts(start_utc), 1, 0, secs * 1000, secs * 1000,
                                     int(km * 100000), 145)
    body += define(4, 34, [(253, 4, 0x86), (5, 4, 0x86), (1, 2, 0x84)])
    body += bytes([4]) + struct.pack("<IIH", ts(end), ts(end) + int(3600 * utc_offset_h), 1)
    header = struct.pack("<BBHI4s", 14, 0x10, 2093, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    data = header + bytes(body)
    return data + struct.pack("<H", fit_crc(data))


def monitoring_fit_bytes(day: dt.date) -> bytes:
    """A daily monitoring FIT file (not an activity): what fills a Garmin export besides runs."""
    from garmin_fit_sdk import Encoder, Profile

    mn = Profile["mesg_num"]
    t = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)
    enc = Encoder()
    enc.write_mesg({"mesg_num": mn["FILE_ID"], "type": "monitoring_b", "manufacturer": "garmin", "product": 1,
                    "serial_number": 7, "time_created": t})
    enc.write_mesg({"mesg_num": mn["MONITORING"], "timestamp": t, "steps": 8000})
    return enc.close()


# --------------------------------------------------------------------------- exports
def strava_export(acts: pd.DataFrame, out: Path, place: str = "toronto", layout: str = "current",
                  as_zip: bool = True, file_kinds: tuple[str, ...] = ("fit.gz", "gpx", "gpx.gz", "tcx.gz"),
                  with_files: bool = True, records: int = 0) -> Path:
    """Strava's bulk export of `acts` (local times at `place`): activities.csv (UTC dates, automatic
    titles) and each activity's original file in activities/, kinds rotating through `file_kinds`."""
    lat, lon, tz = PLACES[place]
    acts = auto_titles(acts)
    utc = acts.copy()
    utc["start"] = [_utc(s, tz) for s in acts["start"]]
    files: dict[str, bytes] = {"profile.csv": b"Athlete ID,Email Address\n1,runner@example.com\n",
                               "comments.csv": b"Comment ID,Activity ID,Comment Date,Comment,Reactions,Author,Hidden\n"
                                               b"1,1000,2026-01-01 10:00:00,Nice run,0,Alex,false\n",
                               "media/1.jpg": b"\xff\xd8\xff"}
    csv_text = strava_csv_text(utc, layout=layout)
    files["activities.csv"] = csv_text.encode("utf-8")
    if with_files:
        for i, r in enumerate(acts.itertuples(index=False)):
            if r.sport == "strength":
                continue
            kind = file_kinds[i % len(file_kinds)]
            base = kind.removesuffix(".gz")
            data = {"fit": lambda r=r: fit_bytes(r, tz, lat, lon, records=records),
                    "gpx": lambda r=r: gpx_bytes(r, tz, lat, lon), "tcx": lambda r=r: tcx_bytes(r, tz, lat, lon)}[
                base]()
            files[f"activities/{1000 + i}.{kind}"] = gzip.compress(data, mtime=0) if kind.endswith(".gz") else data
    return _write_tree(files, out, as_zip)


def garmin_export(acts: pd.DataFrame, out: Path, place: str = "berlin", records: int = 0,
                  monitoring_days: int = 3) -> Path:
    """Garmin Connect's data export: the activities' FIT files inside
    DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip inside the export zip, with
    monitoring FIT files and JSON beside them."""
    lat, lon, tz = PLACES[place]
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for i, r in enumerate(acts.itertuples(index=False)):
            z.writestr(f"runner@example.com_{9000 + i}.fit", fit_bytes(r, tz, lat, lon, records=records))
        last = max(acts["date"])
        for d in range(monitoring_days):
            z.writestr(f"runner@example.com_{80000 + d}.fit", monitoring_fit_bytes(last - dt.timedelta(days=d)))
    files = {"DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip": inner.getvalue(),
             "DI_CONNECT/DI-Connect-Fitness/runner@example.com_0_summarizedActivities.json":
                 json.dumps([{"summarizedActivitiesExport": []}]).encode(),
             "DI_CONNECT/DI-Connect-User/user_profile.json": b"{}"}
    return _write_tree(files, out, as_zip=True)


def intervals_export(acts: pd.DataFrame, out: Path) -> Path:
    out.write_text(intervals_csv_text(acts))
    return out


def _write_tree(files: dict[str, bytes], out: Path, as_zip: bool) -> Path:
    if as_zip:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(name, data)
        return out
    for name, data in files.items():
        p = out / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return out

