"""GPX (gpxpy) and TCX (the standard library's XML parser) activity files.

Both carry UTC times and positions: the local day comes from the first position's time
zone (`experiments.athlete.localtime`), or `--timezone`. GPX has no moving time: the
duration is gpxpy's moving time (pauses above its speed threshold removed). Strava writes
the sport as `<type>running</type>` (or its code 9) in each track; TCX has it in
`Activity Sport="Running"` and totals per lap.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import xml.etree.ElementTree as ET

from experiments.athlete.fields import SkipRow, canonical_sport
from experiments.athlete.localtime import local_from_position, to_local


def _local(start_utc: dt.datetime, lat, lon, tz) -> tuple[dt.datetime, bool]:
    local = local_from_position(start_utc, lat, lon)
    if local is not None:
        return local, True
    return (to_local(start_utc, tz), True) if tz is not None else (start_utc, False)


def _utc(t: dt.datetime) -> dt.datetime:
    return t.astimezone(dt.UTC).replace(tzinfo=None) if t.tzinfo else t


def gpx_rows(data: bytes, source: str, tz=None) -> list[dict]:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(io.BytesIO(data).read().decode("utf-8", "replace"))
    except (gpxpy.gpx.GPXException, ValueError) as err:
        raise SkipRow(source, None, f"not a readable GPX file ({err})") from None
    rows = []
    for i, track in enumerate(gpx.tracks, start=1):
        bounds = track.get_time_bounds()
        if bounds.start_time is None:
            raise SkipRow(source, i, "track has no times; a GPX route without times is not an activity")
        moving = track.get_moving_data()
        secs = moving.moving_time if moving and moving.moving_time else (bounds.end_time - bounds.start_time).seconds
        first = next((p for seg in track.segments for p in seg.points), None)
        start_utc = _utc(bounds.start_time)
        local, known = _local(start_utc, first.latitude if first else None, first.longitude if first else None, tz)
        sport = canonical_sport(track.type or "run")  # Strava and Garmin write the type; a bare track is a run
        name = track.name or gpx.name or ""
        rows.append({
            "start": local, "date": local.date(), "sport": sport, "name": name,
            "distance_km": track.length_2d() / 1000.0, "duration_min": secs / 60.0, "avg_hr_bpm": math.nan,
            "rpe_0_10": math.nan, "race": "race" in name.lower(), "source": source, "row": i,
            "start_utc": start_utc, "local_known": known})
    if not rows:
        raise SkipRow(source, None, "GPX file without tracks (a route or waypoints only)")
    return rows


def _tag(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _child(el, name):
    for c in el:
        if _tag(c) == name:
            return c
    return None


def _text(el, name) -> str | None:
    c = _child(el, name)
    return c.text.strip() if c is not None and c.text else None


def tcx_rows(data: bytes, source: str, tz=None) -> list[dict]:
    try:
        root = ET.fromstring(data.lstrip())  # Strava's TCX files start with blank space before <?xml
    except ET.ParseError as err:
        raise SkipRow(source, None, f"not a readable TCX file ({err})") from None
    rows = []
    acts = [el for el in root.iter() if _tag(el) == "Activity"]
    for i, act in enumerate(acts, start=1):
        try:
            start_utc = _utc(dt.datetime.fromisoformat((_text(act, "Id") or "").replace("Z", "+00:00")))
        except ValueError:
            raise SkipRow(source, i, f"Id: {_text(act, 'Id')!r} is not allowed; need an ISO start time") from None
        secs = metres = hr_w = 0.0
        lat = lon = None
        for lap in (c for c in act if _tag(c) == "Lap"):
            try:
                t = float(_text(lap, "TotalTimeSeconds") or 0)
                secs += t
                metres += float(_text(lap, "DistanceMeters") or 0)
                hr = _child(lap, "AverageHeartRateBpm")
                if hr is not None and _text(hr, "Value"):
                    hr_w += t * float(_text(hr, "Value"))
            except ValueError as err:
                raise SkipRow(source, i, f"lap totals: {err}; need numbers") from None
            if lat is None:
                pos = next((p for p in lap.iter() if _tag(p) == "Position"), None)
                if pos is not None:
                    lat, lon = float(_text(pos, "LatitudeDegrees") or "nan"), float(_text(pos, "LongitudeDegrees")
                                                                                      or "nan")
        local, known = _local(start_utc, lat, lon, tz)
        sport = act.get("Sport", "")
        rows.append({
            "start": local, "date": local.date(), "sport": canonical_sport("run" if sport == "Running" else sport),
            "name": _text(act, "Notes") or "", "distance_km": metres / 1000.0, "duration_min": secs / 60.0,
            "avg_hr_bpm": hr_w / secs if secs > 0 and hr_w > 0 else math.nan, "rpe_0_10": math.nan, "race": False,
            "source": source, "row": i, "start_utc": start_utc, "local_known": known})
    if not rows:
        raise SkipRow(source, None, "TCX file without an Activity (a course or workout file)")
    return rows
