"""The season's runs as structured Garmin FIT workouts (`export --format fit`), one file per run.

Each run day becomes a FIT workout file (encoded by the Garmin FIT SDK, `garmin-fit-sdk`) that a
watch or Garmin Connect imports: warm-up, the work (a steady block, or repetitions with a
recovery), cool-down, each step a distance with a target speed band around the runner's pace.
A season is many workouts, so the export is a .zip of `YYYY-MM-DD_<kind>.fit` files. Garmin
Connect's web import takes activities, not workouts: the files reach a watch by USB, copied
into the watch's `GARMIN/NewFiles` folder (docs/real_logs.md). Strength
days have no FIT workout here; they are in the other formats as notes with the exercises.

Paces: the runner's own Daniels paces when the plan was made for a fitted athlete
(`df.attrs["paces_min_per_km"]`, `experiments.athlete.planning`), else the simulator's pace
factors applied to the plan's easy pace.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd

from sim.parameters import PACE_INTERVALS, PACE_RACE, PACE_TEMPO, default_parameters

WARMUP_KM = 2.0
COOLDOWN_KM = 1.5
REP_KM = 1.0  # interval repetition
RECOVERY_KM = 0.4  # jog between repetitions
MIN_STRUCTURED_KM = 2.0  # below: one step at the work pace
FIT_LAST_DATE = dt.date(2100, 12, 31)  # FIT date_time is uint32 seconds from 1989-12-31: it ends in 2126
BAND = {"easy": 0.06, "long": 0.06, "tempo": 0.03, "intervals": 0.03, "race": 0.02}  # +- share of the pace


def paces_of(df: pd.DataFrame) -> dict[str, float]:
    """min/km for easy, threshold, interval and race running."""
    given = df.attrs.get("paces_min_per_km")
    if given:
        return dict(given)
    gp = default_parameters()
    easy = float(df.attrs.get("easy_pace_min_per_km", 6.0))
    # the interval pace is the repetition pace, faster than the session mean the simulator uses
    return {"easy": easy, "threshold": easy * gp[PACE_TEMPO], "interval": easy * (2 * gp[PACE_INTERVALS] - 1.0),
            "race": easy * gp[PACE_RACE]}


def _step(mn, i: int, name: str, km: float, pace: float, band: float, intensity: str) -> dict:
    fast, slow = pace * (1.0 - band), pace * (1.0 + band)
    return {"mesg_num": mn["WORKOUT_STEP"], "message_index": i, "wkt_step_name": name,
            "duration_type": "distance", "duration_value": int(round(km * 100000.0)),  # cm
            "target_type": "speed", "target_value": 0,
            "custom_target_value_low": int(round(1000.0 * 1000.0 / (slow * 60.0))),  # mm/s
            "custom_target_value_high": int(round(1000.0 * 1000.0 / (fast * 60.0))), "intensity": intensity}


def workout_steps(kind: str, km: float, paces: dict[str, float]) -> list[tuple]:
    """(name, km, pace min/km, band, intensity) steps, or ('repeat', back_to_step, times) markers."""
    easy = paces["easy"]
    if kind in ("easy", "long"):
        return [(kind, km, easy, BAND[kind], "active")]
    if kind == "race":
        return [("race", km, paces["race"], BAND["race"], "active")]
    if km < MIN_STRUCTURED_KM:  # too short for a warm-up and cool-down: all of it at the work pace
        pace = paces["threshold" if kind == "tempo" else "interval"]
        return [(kind, km, pace, BAND[kind], "active")]
    # a short session keeps its structure (issue 23: a 3 km interval day was one 3 km step while
    # its text said repeats): warm-up and cool-down shrink to a quarter of the run each
    wu, cd = min(WARMUP_KM, 0.25 * km), min(COOLDOWN_KM, 0.25 * km)
    work_km = km - wu - cd
    steps = [("warm-up", round(wu, 1), easy, BAND["easy"], "warmup")]
    if kind == "tempo":
        steps.append(("tempo", work_km, paces["threshold"], BAND["tempo"], "active"))
    else:
        reps = max(int(round(work_km / (REP_KM + RECOVERY_KM))), 1)
        steps += [("repeat", REP_KM, paces["interval"], BAND["intervals"], "interval"),
                  ("recovery jog", RECOVERY_KM, easy * 1.1, BAND["easy"], "recovery"),
                  ("repeat_marker", 1, reps)]
    steps.append(("cool-down", round(cd, 1), easy, BAND["easy"], "cooldown"))
    return steps


def workout_name(date: dt.date, kind: str, km: float) -> str:
    """The name a watch lists: whole (issue 23: names were cut to 15 characters, "03-31 interval")."""
    return f"{date:%a %d %b} {kind} {km:.1f} km"


def workout_bytes(date: dt.date, kind: str, km: float, paces: dict[str, float], note: str = "") -> bytes:
    """One run as a FIT workout file."""
    from garmin_fit_sdk import Encoder, Profile

    mn = Profile["mesg_num"]
    steps = workout_steps(kind, km, paces)
    enc = Encoder()
    created = dt.datetime.combine(min(max(date, dt.date(1990, 1, 1)), FIT_LAST_DATE), dt.time(6, 0), tzinfo=dt.UTC)
    enc.write_mesg({"mesg_num": mn["FILE_ID"], "type": "workout", "manufacturer": "development", "product": 0,
                    "serial_number": 1, "time_created": created})
    enc.write_mesg({"mesg_num": mn["WORKOUT"], "sport": "running", "sub_sport": "generic",
                    "wkt_name": workout_name(date, kind, km), "num_valid_steps": len(steps),
                    "wkt_description": note[:120]})
    first_of_block = None
    for i, s in enumerate(steps):
        if s[0] == "repeat_marker":
            enc.write_mesg({"mesg_num": mn["WORKOUT_STEP"], "message_index": i, "wkt_step_name": "repeat",
                            "duration_type": "repeat_until_steps_cmplt", "duration_value": first_of_block,
                            "target_value": s[2], "intensity": "interval"})
            continue
        if s[0] == "repeat":
            first_of_block = i
        enc.write_mesg(_step(mn, i, *s))
    return enc.close()


def to_fit_zip(df: pd.DataFrame) -> bytes:
    """Every run day of the plan as a FIT workout, in one .zip."""
    paces = paces_of(df)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for r in df.itertuples(index=False):
            if r.run_kind == "rest" or r.distance_km <= 0:
                continue
            data = workout_bytes(r.date, r.run_kind, float(r.distance_km), paces, str(r.note))
            # zip stores dates from 1980 to 2107 (DOS time); outside, the member carries the nearest
            stamp = min(max(r.date, dt.date(1980, 1, 1)), dt.date(2107, 12, 31))
            info = zipfile.ZipInfo(f"{r.date.isoformat()}_{r.run_kind}.fit",
                                   date_time=(stamp.year, stamp.month, stamp.day, 6, 0, 0))
            z.writestr(info, data)
    return buf.getvalue()
