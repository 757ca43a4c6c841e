"""Race results and strength tests (`--races FILE`), and Daniels' VDOT.

The file is a CSV with the header `date,event,result`:

    date,event,result
    2026-03-01,10k,0:44:30          # a race: 5k, 10k, half, marathon, or a distance such as 8km / 5mi
    2026-03-15,half_squat_1rm_bw,1.35   # a half-squat 1RM test, in multiples of body weight

Race results from the log itself (Strava "Workout Type" = race, the intervals.icu race flag)
are merged in; a result in this file wins over the log's on the same day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from pathlib import Path

import pandas as pd

from experiments.athlete.fields import FIRST_DATE
from sim.errors import InputError
from sim.state import RACE_KM

TEST_EVENTS = {"half_squat_1rm_bw": (0.3, 3.5)}
MILE_KM = 1.609344
_DIST = re.compile(r"^(\d+(?:\.\d+)?)\s*(km|k|mi|m)$")


def bad(path: Path, row: int, field: str, value: object, allowed: str) -> InputError:
    """The results file is the user's own short list: a bad row stops (the message says which)."""
    return InputError(f"{path}: row {row}: {field}: {value!r} is not allowed; {allowed}")


def race_distance_km(text: str) -> float | None:
    """km of a race event name ('10k', 'half', '8km', '5mi', '1500m'); None if it is not a distance."""
    t = text.strip().lower()
    if t in RACE_KM:
        return RACE_KM[t]
    m = _DIST.match(t)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    return value * MILE_KM if unit == "mi" else value / 1000.0 if unit == "m" else value


def parse_time_s(text: str) -> float:
    """Seconds from 'h:mm:ss', 'mm:ss' or a number of seconds; ValueError otherwise."""
    parts = text.strip().split(":")
    if len(parts) > 3 or any(p.strip() == "" for p in parts):
        raise ValueError(text)
    total = 0.0
    for p in parts:
        total = 60.0 * total + float(p)
    if not math.isfinite(total) or total <= 0:
        raise ValueError(text)
    return total


def read_results(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(races: date, km, time_s, source, row; tests: date, event, value, source, row)."""
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: a folder; --races needs a CSV file (date,event,result)")
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    races, tests = [], []
    raw = p.read_bytes()
    if len(raw) > 16 * 2**20:
        raise InputError(f"{p}: {len(raw)} bytes; a results file of at most {16 * 2**20} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{p}: byte {err.start}: {raw[err.start:err.start + 1]!r} is not UTF-8; save the file as "
                         "UTF-8") from None
    last_date = dt.date.today() + dt.timedelta(days=1)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if header[:3] != ["date", "event", "result"]:
            raise InputError(f"{p}: row 1: header {','.join(header) or '(empty)'} is not allowed; "
                             "need date,event,result")
        for r in reader:
            row = reader.line_num
            if not any(c.strip() for c in r) or r[0].lstrip().startswith("#"):
                continue
            if len(r) < 3:
                raise bad(p, row, "row", ",".join(r), "need three fields: date,event,result")
            date_s, event, result = (c.strip() for c in r[:3])
            try:
                date = dt.date.fromisoformat(date_s)
            except ValueError:
                raise bad(p, row, "date", date_s, "need YYYY-MM-DD") from None
            if not FIRST_DATE <= date <= last_date:
                raise bad(p, row, "date", date_s, f"need a date from {FIRST_DATE} to {last_date}")
            km = race_distance_km(event)
            if km is not None:
                if not 0.8 <= km <= 100.0:
                    raise bad(p, row, "event", event, "race distances from 800 m to 100 km")
                try:
                    secs = parse_time_s(result)
                except ValueError:
                    raise bad(p, row, "result", result, "a race time as h:mm:ss, mm:ss or seconds") from None
                pace = secs / 60.0 / km
                if not 2.4 <= pace <= 20.0:
                    raise bad(p, row, "result", result,
                              f"a time for {km:g} km at 2.4-20 min/km (got {pace:.2f} min/km)")
                races.append({"date": date, "km": km, "time_s": secs, "source": str(p), "row": row})
            elif event.lower() in TEST_EVENTS:
                lo, hi = TEST_EVENTS[event.lower()]
                try:
                    value = float(result)
                except ValueError:
                    value = math.nan
                if not lo <= value <= hi:
                    raise bad(p, row, "result", result, f"{event} needs a number in [{lo}, {hi}] (x body weight)")
                tests.append({"date": date, "event": event.lower(), "value": value, "source": str(p), "row": row})
            else:
                raise bad(p, row, "event", event, f"a race distance ({', '.join(RACE_KM)}, 8km, 5mi, 1500m) or "
                          f"{', '.join(TEST_EVENTS)}")
    except csv.Error as err:
        raise InputError(f"{p}: row {reader.line_num}: {err}; a cell of at most {csv.field_size_limit()} "
                         "characters") from None
    return (pd.DataFrame(races, columns=["date", "km", "time_s", "source", "row"]),
            pd.DataFrame(tests, columns=["date", "event", "value", "source", "row"]))


def log_races(acts: pd.DataFrame) -> pd.DataFrame:
    """Races the log itself marks."""
    r = acts[acts["race"] & (acts["sport"] == "run")]
    return pd.DataFrame({"date": r["date"], "km": r["distance_km"], "time_s": 60.0 * r["duration_min"],
                         "source": r["source"], "row": r["row"]}).reset_index(drop=True)


def merge_races(from_log: pd.DataFrame, from_file: pd.DataFrame) -> pd.DataFrame:
    """One race per day at most; the results file wins over the log."""
    keep = from_log[~from_log["date"].isin(set(from_file["date"]))]
    both = pd.concat([x for x in (keep, from_file) if not x.empty], ignore_index=True) if len(keep) + len(
        from_file) else from_file.copy()
    both = both.sort_values(["date", "km"]).drop_duplicates("date", keep="last")
    return both.reset_index(drop=True)


# --------------------------------------------------------------------------- Daniels & Gilbert (1979)
def vo2_demand(v_m_per_min: float) -> float:
    """O2 cost of running at v (ml/kg/min), Daniels & Gilbert 1979."""
    return -4.60 + 0.182258 * v_m_per_min + 0.000104 * v_m_per_min**2


def sustainable_fraction(t_min: float) -> float:
    """Fraction of VO2max sustainable for t minutes, Daniels & Gilbert 1979."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def vdot(km: float, time_s: float) -> float:
    """Daniels' VDOT (ml/kg/min) of a race result: the VO2max that the race implies."""
    t = time_s / 60.0
    return vo2_demand(km * 1000.0 / t) / sustainable_fraction(t)


#: Daniels' training intensities as fractions of VDOT (Daniels' Running Formula, 3rd ed.)
TRAINING_FRACTIONS = {"easy": 0.70, "marathon": 0.80, "threshold": 0.88, "interval": 0.98, "repetition": 1.05}


def training_paces(vdot_value: float) -> dict[str, float]:
    """min/km at each Daniels intensity: the speed whose O2 cost is that fraction of VDOT."""
    out = {}
    for name, frac in TRAINING_FRACTIONS.items():
        target = frac * vdot_value
        # invert the quadratic O2 cost for v (m/min)
        a, b, c = 0.000104, 0.182258, -4.60 - target
        v = (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)
        out[name] = 1000.0 / v
    return out


def race_pace_min_per_km(vdot_value: float, km: float) -> float:
    """Pace (min/km) of the race over `km` that a VDOT predicts (Daniels & Gilbert, by bisection)."""
    lo, hi = 2.0, 30.0  # min/km
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if vdot(km, mid * km * 60.0) > vdot_value:  # too fast for this VDOT
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
