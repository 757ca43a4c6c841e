"""A run's local start time when a source only knows UTC.

In order of trust: the watch's own offset (FIT `activity.local_timestamp`), the time zone at
the start position (`timezonefinder`, offline polygons of the IANA zones, then `zoneinfo` for
the offset on that date, daylight saving included), the zone the user names (`--timezone`),
and last, for a Strava CSV with nothing else, the offset that best explains Strava's own
automatic titles ("Morning Run" ... "Night Run" are named by the local hour at the start).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.errors import InputError

MAX_OFFSET = dt.timedelta(hours=14)  # UTC-12 .. UTC+14; beyond is a device clock, not a zone


@functools.lru_cache(maxsize=1)
def _finder():
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


@functools.lru_cache(maxsize=4096)
def zone_at(lat: float, lon: float) -> str | None:
    """IANA zone name at a position (rounded to ~1 km: one lookup per place); None at sea/unknown."""
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return _finder().timezone_at(lng=lon, lat=lat)


def zone(name: str) -> ZoneInfo:
    """A `--timezone` value as a zone; InputError naming the value otherwise."""
    try:
        if "/" not in name and name.upper() != "UTC":
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"--timezone: {name!r} is not allowed; need an IANA zone such as Europe/Berlin, "
                         "America/Toronto or UTC") from None


def to_local(start_utc: dt.datetime, tz: ZoneInfo | str) -> dt.datetime:
    z = ZoneInfo(tz) if isinstance(tz, str) else tz
    return start_utc.replace(tzinfo=dt.UTC).astimezone(z).replace(tzinfo=None)


def local_from_position(start_utc: dt.datetime, lat: float | None, lon: float | None) -> dt.datetime | None:
    if lat is None or lon is None:
        return None
    name = zone_at(round(lat, 2), round(lon, 2))
    return to_local(start_utc, name) if name else None


# Strava's automatic titles by local start hour (Strava support: "Morning" 4-11, "Lunch" 11-13,
# "Afternoon" 13-17, "Evening" 17-21, "Night" otherwise). Boundaries are fuzzy: one hour of slack.
_DAYPART = {"morning": range(4, 12), "lunch": range(11, 14), "afternoon": range(12, 18), "evening": range(17, 22),
            "night": list(range(20, 24)) + list(range(0, 5))}


def offset_from_titles(starts_utc: Iterable[dt.datetime], names: Iterable[str]) -> tuple[int, float] | None:
    """(offset in hours, share of titled runs it explains) that best fits Strava's automatic titles
    to the UTC starts; None when fewer than 5 runs carry such a title."""
    pairs = []
    for t, n in zip(starts_utc, names, strict=True):
        first = str(n).strip().split(" ")[0].lower() if n else ""
        if first in _DAYPART and t is not None:
            pairs.append((t.hour, _DAYPART[first]))
    if len(pairs) < 5:
        return None
    best = max(range(-12, 15), key=lambda off: (sum((h + off) % 24 in hours for h, hours in pairs), -abs(off)))
    share = sum((h + best) % 24 in hours for h, hours in pairs) / len(pairs)
    return best, share
