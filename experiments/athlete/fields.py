"""The activity table's schema and the field parsing shared by the importers."""

from __future__ import annotations

import math
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
    "row",  # row (CSV, 1 = header) or message number (FIT) in that file
)

RUN_SPORTS = {"run", "running", "trail run", "trailrun", "trail_run", "virtual run", "virtualrun", "treadmill",
              "track running", "track_running", "treadmill_running"}
STRENGTH_SPORTS = {"weight training", "weighttraining", "weight_training", "strength", "strength_training",
                   "strength training", "crossfit", "training:strength_training"}


def canonical_sport(raw: str) -> str:
    """'run', 'strength' or the raw sport in lower case (kept, ignored by the model)."""
    s = raw.strip().lower()
    if s in RUN_SPORTS:
        return "run"
    if s in STRENGTH_SPORTS:
        return "strength"
    return s or "unknown"


def empty_activities() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ACTIVITY_COLUMNS})


def activities_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_activities()
    df = pd.DataFrame(rows, columns=list(ACTIVITY_COLUMNS))
    for c in ("distance_km", "duration_min", "avg_hr_bpm", "rpe_0_10"):
        df[c] = df[c].astype(float)
    df["race"] = df["race"].astype(bool)
    return df.sort_values(["start", "source", "row"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- shared field parsing
def bad(path: Path, row: int, field: str, value: object, allowed: str) -> InputError:
    return InputError(f"{path}: row {row}: {field}: {value!r} is not allowed; {allowed}")


def number(path: Path, row: int, field: str, text: str | None, *, required: bool, lo: float = 0.0,
           hi: float = math.inf) -> float:
    """A finite number in [lo, hi] from a CSV cell; NaN for an empty optional cell."""
    t = (text or "").strip().replace(",", "") if text is not None else ""
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


def plausible_run(path: Path, row: int, km: float, minutes: float) -> None:
    """Reject runs whose pace no human runs (a unit mix-up: metres as km, seconds as minutes)."""
    if km > 0 and minutes > 0:
        pace = minutes / km
        if not 2.4 <= pace <= 20.0:
            raise bad(path, row, "pace", f"{pace:.2f} min/km ({km:g} km in {minutes:g} min)",
                      "a run needs a pace between 2.4 and 20 min/km; check the distance and time units")
