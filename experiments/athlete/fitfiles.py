"""Garmin `.fit` activity files: a fast reader of the few messages the model needs, fitdecode
as its fallback, and the Garmin SDK (`garmin-fit-sdk`) as the writer of test fixtures.

Why not decode every message: a run's FIT file is mostly `record` messages (one per second),
and the model needs one `session` message (and `activity`, `file_id`, `sport`). Both decoders
decode every field of every record (about 4 s per MB with the SDK, issue 23). `scan_fit` walks
the records by their headers and definitions, skips data messages it does not need by their
size, and decodes only the wanted fields; field numbers, scales and enum names come from the
SDK's profile, not from constants here. It follows the protocol's record layer (FIT Protocol
rev 2.x, "File Header", "Record Header", "Compressed Timestamp Header"):

- a header CRC of 0x0000 means "not computed" and is allowed (FR110, Edge 200/800/810 write it);
  the SDK's `check_integrity()` rejects such files while `read()` decodes them;
- compressed-timestamp headers (FR70 era) are data messages of a local type: skipped like others;
- chained FIT files (several headers in one file) are walked one after the other.

Anything the fast path cannot walk (a definition that does not fit) goes to fitdecode, which
decodes the whole file leniently; a file damaged after its session message (the Strava Android
app writes the session early; python-fitparse's test file strava-android-app-201.10) keeps what
was read up to the damage. One row per `session` (a multisport file gives several); an
old file with laps and no session is summed from its laps.

Local day: the `activity` message's `local_timestamp` minus its `timestamp` is the watch's UTC
offset; an offset beyond +-14 h (a Zwift-style tiny `local_timestamp`) is ignored and the start
position's time zone is used instead (`experiments.athlete.localtime`).
Races: a `segment_lap` whose `sport_event` is `race`, or a title that says race.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import struct

from experiments.athlete.fields import SkipRow, canonical_sport
from experiments.athlete.localtime import MAX_OFFSET, local_from_position, to_local

FIT_EPOCH = dt.datetime(1989, 12, 31)
SEMICIRCLE_DEG = 180.0 / 2**31
MIN_ABS_TIME = 0x10000000  # below: seconds since device power-on, not a date (FIT profile, date_time)

# base type number (low 5 bits) -> (struct code, size, invalid value)
_BASE = {0: ("B", 1, 0xFF), 1: ("b", 1, 0x7F), 2: ("B", 1, 0xFF), 3: ("h", 2, 0x7FFF), 4: ("H", 2, 0xFFFF),
         5: ("i", 4, 0x7FFFFFFF), 6: ("I", 4, 0xFFFFFFFF), 8: ("f", 4, None), 9: ("d", 8, None),
         10: ("B", 1, 0), 11: ("H", 2, 0), 12: ("I", 4, 0), 14: ("q", 8, 0x7FFFFFFFFFFFFFFF),
         15: ("Q", 8, 0xFFFFFFFFFFFFFFFF), 16: ("Q", 8, 0)}

WANTED = {
    "file_id": ("type",),
    "session": ("timestamp", "start_time", "start_position_lat", "start_position_long", "sport", "sub_sport",
                "total_elapsed_time", "total_timer_time", "total_distance", "avg_heart_rate", "sport_profile_name",
                "workout_rpe"),
    "lap": ("timestamp", "start_time", "start_position_lat", "start_position_long", "sport", "sub_sport",
            "total_elapsed_time", "total_timer_time", "total_distance", "avg_heart_rate"),
    "activity": ("timestamp", "local_timestamp"),
    "sport": ("sport", "sub_sport", "name"),
    "segment_lap": ("sport_event",),
    "record": ("position_lat", "position_long"),  # only the first record with a position is decoded
}


class FitError(Exception):
    """The fast reader cannot walk this file (the fallback decoder gets a try)."""


@functools.lru_cache(maxsize=1)
def _profile() -> dict[int, tuple[str, dict[int, tuple[str, float, float, str]]]]:
    """global message number -> (name, field number -> (field name, scale, offset, type))."""
    from garmin_fit_sdk import Profile

    out = {}
    for num, msg in Profile["messages"].items():
        if msg["name"] in WANTED:
            fields = {}
            for fnum, f in msg["fields"].items():
                if f["name"] in WANTED[msg["name"]]:
                    scale = f["scale"][0] if f["scale"] else 1
                    off = f["offset"][0] if f["offset"] else 0
                    fields[int(fnum)] = (f["name"], float(scale), float(off), f["type"])
            out[int(num)] = (msg["name"], fields)
    return out


@functools.lru_cache(maxsize=1)
def _types() -> dict:
    from garmin_fit_sdk import Profile

    return Profile["types"]


def _value(raw: bytes, base: int, little: bool, scale: float, offset: float, ftype: str):
    if base == 7:  # string
        return raw.split(b"\0", 1)[0].decode("utf-8", "replace")
    spec = _BASE.get(base)
    if spec is None or len(raw) < spec[1]:
        return None
    code, size, invalid = spec
    v = struct.unpack(("<" if little else ">") + code, raw[:size])[0]
    if invalid is not None and v == invalid:
        return None
    if code in "fd" and not math.isfinite(v):
        return None
    if ftype in _types() and ftype not in ("date_time", "local_date_time"):
        return _types()[ftype].get(v, v)
    return v / scale - offset if (scale != 1 or offset) else v


def scan_fit(data: bytes) -> tuple[dict[str, list[dict]], bool]:
    """The wanted messages of a FIT file ({message name: [fields]}) and whether it was cut short."""
    prof = _profile()
    out: dict[str, list[dict]] = {name: [] for name in WANTED}
    pos, n = 0, len(data)
    truncated = False
    while pos + 12 <= n:
        hsize = data[pos]
        if hsize not in (12, 14) or data[pos + 8:pos + 12] != b".FIT":
            if pos == 0:
                raise FitError("no .FIT header")
            break  # trailing bytes after the last chained file
        size = struct.unpack_from("<I", data, pos + 4)[0]
        p, end = pos + hsize, pos + hsize + size
        if end > n:
            truncated, end = True, n
        defs: dict[int, tuple] = {}
        while p < end:
            h = data[p]
            p += 1
            if h & 0x80:  # compressed timestamp header: a data message of local type bits 5-6
                local, is_def = (h >> 5) & 0x3, False
            else:
                local, is_def = h & 0x0F, bool(h & 0x40)
            if is_def:
                if p + 5 > end:
                    truncated = True
                    break
                little = data[p + 1] == 0
                gnum = struct.unpack_from("<H" if little else ">H", data, p + 2)[0]
                nf = data[p + 4]
                p += 5
                fields = []
                length = 0
                want = prof.get(gnum)
                for _ in range(nf):
                    fnum, fsize, fbase = data[p], data[p + 1], data[p + 2]
                    if want and fnum in want[1]:
                        fields.append((length, fsize, fbase & 0x1F, want[1][fnum]))
                    length += fsize
                    p += 3
                if h & 0x20:  # developer fields: only their sizes matter
                    nd = data[p]
                    p += 1
                    length += sum(data[p + 3 * i + 1] for i in range(nd))
                    p += 3 * nd
                if p > end:
                    raise FitError("a definition runs past the end of the data")
                defs[local] = (want[0] if want else None, length, little, fields)
            else:
                d = defs.get(local)
                if d is None:
                    if any(out[k] for k in ("session", "lap")):  # damaged after the summary: keep it
                        return out, True
                    raise FitError(f"data message of undefined local type {local} at byte {p - 1}")
                name, length, little, fields = d
                if p + length > end:
                    truncated = True
                    break
                if name == "record" and out["record"]:
                    name = None  # one position is enough (the start, for the time zone)
                if name is not None:
                    msg = {}
                    for off, fsize, base, (fname, scale, foff, ftype) in fields:
                        v = _value(data[p + off:p + off + fsize], base, little, scale, foff, ftype)
                        if v is not None:
                            msg[fname] = v
                    if name != "record" or "position_lat" in msg:
                        out[name].append(msg)
                p += length
        pos = end + 2  # file CRC
    return out, truncated


def _decode_fitdecode(data: bytes) -> dict[str, list[dict]]:
    """The fallback: fitdecode decodes everything, leniently (no CRC checks)."""
    import io

    import fitdecode

    out: dict[str, list[dict]] = {name: [] for name in WANTED}
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED,
                             error_handling=fitdecode.ErrorHandling.IGNORE) as fr:
        for frame in fr:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name in WANTED:
                msg = {}
                for f in frame.fields:
                    if f.name in WANTED[frame.name] and f.value is not None:
                        v = f.value
                        if isinstance(v, dt.datetime):  # back to FIT seconds, as the fast path gives
                            v = int((v.replace(tzinfo=None) - FIT_EPOCH).total_seconds())
                        if f.name in ("start_position_lat", "start_position_long") and isinstance(v, float):
                            v = int(v / SEMICIRCLE_DEG)
                        msg[f.name] = v
                out[frame.name].append(msg)
    return out


def _time(v) -> dt.datetime | None:
    if isinstance(v, int | float) and v >= MIN_ABS_TIME:
        return FIT_EPOCH + dt.timedelta(seconds=float(v))
    return None


def _num(x) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else math.nan


def _sport(s: dict) -> str:
    sport, sub = str(s.get("sport", "generic")), str(s.get("sub_sport", "generic"))
    if sport == "running":
        return "run"
    if sport == "training" and sub == "strength_training":
        return "strength"
    return canonical_sport(sport if sub in ("generic", "None") else f"{sport}:{sub}")


def _laps_as_session(laps: list[dict]) -> list[dict]:
    if not laps:
        return []
    s = dict(laps[0])
    for key in ("total_elapsed_time", "total_timer_time", "total_distance"):
        vals = [lap[key] for lap in laps if isinstance(lap.get(key), int | float)]
        if vals:
            s[key] = float(sum(vals))
    return [s]


def fit_rows(data: bytes, source: str, tz=None) -> list[dict]:
    """Activity-table rows of one FIT file; SkipRow naming the file when it holds no activity."""
    try:
        msgs, truncated = scan_fit(data)
    except (FitError, IndexError, struct.error) as err:
        try:
            msgs, truncated = _decode_fitdecode(data), False
        except Exception as err2:  # noqa: BLE001 - any decoder failure is this file's problem, reported
            raise SkipRow(source, None, f"not a readable FIT file ({err}; fitdecode: {err2})") from None
    ftype = next((m.get("type") for m in msgs["file_id"] if "type" in m), None)
    if ftype is not None and ftype != "activity":
        raise SkipRow(source, None, f"a FIT {ftype} file, not an activity; only activity files are read")
    sessions = msgs["session"] or _laps_as_session(msgs["lap"])
    if not sessions:
        why = "cut short before its session message" if truncated else "no session or lap message"
        raise SkipRow(source, None, f"FIT file with {why}; re-export it from the watch or Garmin Connect")
    offset = None
    for act in msgs["activity"]:
        ts, local = _time(act.get("timestamp")), act.get("local_timestamp")
        if ts is not None and isinstance(local, int | float):
            off = (FIT_EPOCH + dt.timedelta(seconds=float(local))) - ts
            if abs(off) <= MAX_OFFSET:
                offset = dt.timedelta(minutes=15 * round(off.total_seconds() / 900))
    names = [str(m["name"]) for m in msgs["sport"] if m.get("name")]
    race = any(str(m.get("sport_event")) == "race" for m in msgs["segment_lap"])
    rows = []
    for i, s in enumerate(sessions, start=1):
        start = _time(s.get("start_time")) or _time(s.get("timestamp"))
        if start is None:
            raise SkipRow(source, i, f"start_time: {s.get('start_time')!r} is not allowed; need a FIT date_time "
                                     "(a watch whose clock was not set)")
        lat, lon = s.get("start_position_lat"), s.get("start_position_long")
        if not isinstance(lat, int) and msgs["record"]:
            lat, lon = msgs["record"][0].get("position_lat"), msgs["record"][0].get("position_long")
        lat = lat * SEMICIRCLE_DEG if isinstance(lat, int) else None
        lon = lon * SEMICIRCLE_DEG if isinstance(lon, int) else None
        local = start + offset if offset is not None else local_from_position(start, lat, lon)
        local_known = local is not None
        if local is None:
            local = to_local(start, tz) if tz is not None else start
            local_known = tz is not None
        secs = _num(s.get("total_timer_time", s.get("total_elapsed_time")))
        rpe = _num(s.get("workout_rpe"))
        title = str(s.get("sport_profile_name") or (names[0] if names else ""))
        rows.append({
            "start": local, "date": local.date(), "sport": _sport(s), "name": title,
            "distance_km": _num(s.get("total_distance")) / 1000.0, "duration_min": secs / 60.0,
            "avg_hr_bpm": _num(s.get("avg_heart_rate")), "rpe_0_10": rpe / 10.0 if 0 <= rpe <= 100 else math.nan,
            "race": race or "race" in title.lower(), "source": source, "row": i,
            "start_utc": start, "local_known": local_known,
        })
    return rows


# --------------------------------------------------------------------------- writer (synthetic logs, fixtures)
def _sdk():
    from garmin_fit_sdk import Decoder, Encoder, Profile, Stream

    return Decoder, Encoder, Profile, Stream


def fit_activity_bytes(row, utc_offset_h: float = 0.0, position: tuple[float, float] | None = None,
                       records: int = 0, race: bool = False, local_timestamp: bool = True) -> bytes:
    """One activity (a row of the activity table, local times `utc_offset_h` from UTC) as a FIT
    activity file, encoded by the SDK.

    `local_timestamp` False writes no watch offset (the day then comes from `position`);
    `records` adds that many per-second `record` messages (a file of realistic size)."""
    _, Encoder, Profile, _ = _sdk()
    mn = Profile["mesg_num"]
    off = dt.timedelta(hours=utc_offset_h)
    start_utc = (row.start - off).replace(tzinfo=dt.UTC)
    secs = float(row.duration_min) * 60.0
    end = start_utc + dt.timedelta(seconds=secs)
    if row.sport == "run":
        sport, sub = "running", "generic"
    elif row.sport == "strength":
        sport, sub = "training", "strength_training"
    elif row.sport == "ride":
        sport, sub = "cycling", "generic"
    else:
        sport, sub = "generic", "generic"
    enc = Encoder()
    enc.write_mesg({"mesg_num": mn["FILE_ID"], "type": "activity", "manufacturer": "development", "product": 0,
                    "serial_number": 1, "time_created": start_utc})
    km = float(row.distance_km) if row.distance_km == row.distance_km and row.sport == "run" else 0.0
    for k in range(records):
        rec = {"mesg_num": mn["RECORD"], "timestamp": start_utc + dt.timedelta(seconds=k * secs / max(records, 1)),
               "distance": 1000.0 * km * k / records, "heart_rate": 140 + k % 7, "cadence": 85,
               "enhanced_speed": 3.0, "enhanced_altitude": 40.0 + k % 11, "temperature": 21, "power": 250 + k % 13,
               "vertical_oscillation": 85.0, "stance_time": 240.0}
        if position:
            rec["position_lat"] = int(position[0] / SEMICIRCLE_DEG)
            rec["position_long"] = int(position[1] / SEMICIRCLE_DEG)
        enc.write_mesg(rec)
    if race:
        enc.write_mesg({"mesg_num": mn["SEGMENT_LAP"], "timestamp": end, "sport_event": "race"})
    session = {"mesg_num": mn["SESSION"], "start_time": start_utc, "timestamp": end, "sport": sport, "sub_sport": sub,
               "total_elapsed_time": secs, "total_timer_time": secs}
    if position:
        session["start_position_lat"] = int(position[0] / SEMICIRCLE_DEG)
        session["start_position_long"] = int(position[1] / SEMICIRCLE_DEG)
    if row.name:
        session["sport_profile_name"] = str(row.name)[:15]
    if row.sport in ("run", "ride") and row.distance_km == row.distance_km:
        session["total_distance"] = float(row.distance_km) * 1000.0
    if row.avg_hr_bpm == row.avg_hr_bpm:
        session["avg_heart_rate"] = int(round(row.avg_hr_bpm))
    if row.rpe_0_10 == row.rpe_0_10:
        session["workout_rpe"] = int(round(10 * row.rpe_0_10))
    enc.write_mesg(session)
    activity = {"mesg_num": mn["ACTIVITY"], "timestamp": end, "total_timer_time": secs, "num_sessions": 1,
                "type": "manual", "event": "activity", "event_type": "stop"}
    if local_timestamp:
        local_end = end.replace(tzinfo=None) + off
        activity["local_timestamp"] = int((local_end - FIT_EPOCH).total_seconds())
    enc.write_mesg(activity)
    return enc.close()
