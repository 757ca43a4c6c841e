"""The activity table's schema, the report of what an import skipped, and the field parsing
and plausibility rules shared by the importers."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.errors import InputError

#: one row per activity
ACTIVITY_COLUMNS = (
    "start",  # local start time (naive datetime)
    "date",  # local calendar date
    "sport",  # "run", "strength", or the source's own sport name in lower case
    "name",  # the activity's title ("" if none)
    "distance_km",  # NaN if not given
    "duration_min",  # moving (timer) time, NaN if not given
    "avg_hr_bpm",  # NaN if not recorded
    "rpe_0_10",  # session RPE on the CR-10 scale, NaN if not given
    "race",  # the source marks it a race
    "source",  # file the row came from
    "row",  # row (CSV, 1 = header) or session number (FIT, GPX, TCX) in that file
    "start_utc",  # UTC start (naive) when the source knows it, else None
    "local_known",  # the local time is known (watch offset, start position, a local-time column, --timezone)
)

RUN_SPORTS = {"run", "running", "trail run", "trailrun", "trail_run", "virtual run", "virtualrun", "treadmill",
              "track running", "track_running", "treadmill_running", "running:treadmill", "running:trail",
              "running:track", "running:street", "running:indoor_running", "running:virtual_activity",
              # localized Strava exports (de, fr, es, it, nl, pt)
              "lauf", "laufen", "traillauf", "virtueller lauf", "course à pied", "course a pied", "course",
              "carrera", "correr", "corsa", "hardlopen", "hardloopsessie", "corrida", "9"}  # 9: GPX type (Strava)
STRENGTH_SPORTS = {"weight training", "weighttraining", "weight_training", "strength", "strength_training",
                   "strength training", "crossfit", "training:strength_training", "krafttraining",
                   "musculation", "entrenamiento con pesas", "pesi", "krachttraining"}

#: plausibility limits (issue 25 item 7): anything outside is skipped and reported, never fitted
FIRST_DATE = dt.date(1990, 1, 1)  # before consumer GPS watches; FIT's epoch is 1989-12-31
MAX_RUN_KM = 350.0  # longer than the longest single-stage ultras
MAX_DURATION_S = 7 * 86400
PACE_MIN_PER_KM = (2.4, 20.0)  # faster than the 100 m world record pace / slower than walking
MAX_RUNS_PER_DAY = 6
MAX_RUN_KM_PER_DAY = 350.0


RIDE_SPORTS = {"ride", "biking", "cycling", "virtual ride", "virtualride", "e-bike ride", "radfahrt", "1"}


def canonical_sport(raw: str) -> str:
    """'run', 'strength', 'ride' or the raw sport in lower case (kept, ignored by the model)."""
    s = raw.strip().lower()
    if s in RUN_SPORTS:
        return "run"
    if s in STRENGTH_SPORTS:
        return "strength"
    if s in RIDE_SPORTS or s.startswith("cycling"):
        return "ride"
    return s or "unknown"


def empty_activities() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ACTIVITY_COLUMNS})


def activities_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_activities()
    rows = [{"start_utc": None, "local_known": True, **r} for r in rows]
    df = pd.DataFrame(rows, columns=list(ACTIVITY_COLUMNS))
    for c in ("distance_km", "duration_min", "avg_hr_bpm", "rpe_0_10"):
        df[c] = df[c].astype(float)
    df["race"] = df["race"].astype(bool)
    df["local_known"] = df["local_known"].astype(bool)
    df["start_utc"] = df["start_utc"].astype(object).where(df["start_utc"].notna(), None)
    return df.sort_values(["start", "source", "row"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- what an import skipped
class SkipRow(Exception):
    """One row or file cannot be used: skipped and reported (or fatal under --strict)."""

    def __init__(self, source: str, row: int | None, why: str):
        super().__init__(f"{source}: {'row ' + str(row) + ': ' if row is not None else ''}{why}")
        self.source, self.row, self.why = source, row, why

    def __reduce__(self):  # pandas deep-copies frame attrs (the report travels in df.attrs)
        return (SkipRow, (self.source, self.row, self.why))


@dataclass
class ImportReport:
    """Rows and files left out of an import, duplicates merged and notes (issue 23: skipped and reported)."""

    strict: bool = False
    skipped: list[SkipRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files_read: int = 0
    files_cached: int = 0
    duplicates: int = 0

    def skip(self, err: SkipRow) -> None:
        if self.strict:
            raise InputError(str(err) + " (--strict: the first bad row or file stops the import)")
        self.skipped.append(err)

    def lines(self, limit: int = 20) -> list[str]:
        out = [f"read {self.files_read + self.files_cached} files ({self.files_cached} unchanged, from the cache)"]
        if self.skipped:
            files = {s.source for s in self.skipped if s.row is None}
            out.append(f"skipped {len(self.skipped)} rows/files ({len(files)} whole files):")
            out += [f"  {s}" for s in self.skipped[:limit]]
            if len(self.skipped) > limit:
                out.append(f"  ... and {len(self.skipped) - limit} more")
        if self.duplicates:
            out.append(f"merged {self.duplicates} duplicate activities (same sport, starts within "
                       "5 minutes, distance within 10%)")
        out += self.notes
        return out

    def as_dict(self) -> dict:
        return {"files_read": self.files_read, "files_from_cache": self.files_cached,
                "duplicates_merged": self.duplicates, "skipped_count": len(self.skipped),
                "skipped": [{"source": s.source, "row": s.row, "why": s.why} for s in self.skipped[:200]],
                "notes": list(self.notes)}


# --------------------------------------------------------------------------- shared field parsing
def bad(path: Path | str, row: int, field: str, value: object, allowed: str) -> SkipRow:
    return SkipRow(str(path), row, f"{field}: {value!r} is not allowed; {allowed}")


def number(path: Path | str, row: int, field: str, text: str | None, *, required: bool, lo: float = 0.0,
           hi: float = math.inf, decimal_comma: bool = False) -> float:
    """A finite number in [lo, hi] from a CSV cell; NaN for an empty optional cell.

    `decimal_comma`: localized exports write 10,5 for 10.5 (and may group thousands with '.'
    or a space); otherwise ',' groups thousands (1,234.5)."""
    t = (text or "").strip()
    if decimal_comma:
        t = t.replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if "," in t:
            t = t.replace(".", "").replace(",", ".")
    else:
        t = t.replace(",", "")
    if t == "":
        if required:
            raise bad(path, row, field, text or "", f"need a number in [{lo:g}, {hi:g}]")
        return math.nan
    try:
        v = float(t)
    except ValueError:
        raise bad(path, row, field, text, f"need a number in [{lo:g}, {hi:g}]") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise bad(path, row, field, text, f"need a number in [{lo:g}, {hi:g}]")
    return v


def optional_number(path, row, field, text, lo, hi, decimal_comma=False) -> float:
    """An optional measurement (HR, RPE): out of range -> NaN (the row stays; a swim's 3 bpm HR
    is a sensor glitch, not a reason to drop the swim)."""
    try:
        return number(path, row, field, text, required=False, lo=lo, hi=hi, decimal_comma=decimal_comma)
    except SkipRow:
        return math.nan


def check_date(path: Path | str, row: int, field: str, start: dt.datetime, today: dt.date | None = None) -> None:
    last = (today or dt.date.today()) + dt.timedelta(days=1)
    if not FIRST_DATE <= start.date() <= last:
        raise bad(path, row, field, start.isoformat(sep=" "),
                  f"need a date from {FIRST_DATE} to {last} (a watch without its clock set, or a typo)")


def plausible_run(path: Path | str, row: int, km: float, minutes: float) -> None:
    """Reject runs no human runs (a unit mix-up: metres as km, seconds as minutes; a GPS jump)."""
    if not km > 0:
        raise bad(path, row, "distance", f"{km:g} km", "a run needs a distance above 0 km")
    if km > MAX_RUN_KM:
        raise bad(path, row, "distance", f"{km:g} km", f"a run of at most {MAX_RUN_KM:g} km")
    if not minutes > 0:
        raise bad(path, row, "time", f"{km:g} km in {minutes:g} min", "a run needs a moving time above 0")
    pace = minutes / km
    lo, hi = PACE_MIN_PER_KM
    if not lo <= pace <= hi:
        raise bad(path, row, "pace", f"{pace:.2f} min/km ({km:g} km in {minutes:g} min)",
                  f"a run needs a pace between {lo:g} and {hi:g} min/km; check the distance and time units")
