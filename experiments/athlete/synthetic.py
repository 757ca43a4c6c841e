"""Synthetic athletes: known parameters -> a log in each import format -> fit -> coverage.

An athlete is drawn from the population (`sim.population.sample_athletes`), trains a
season of week plans (habitual running for four weeks, then a build with heavy lifting
twice a week), races at evenly spaced weeks and takes half-squat 1RM tests. The season is
scheduled by the kernel (`kernel.schedule_week`), replayed by `sim.athlete.replay` with
the true parameters, and observed with noise of the size the fit assumes (race CV
`RACE_SD_LN`, 1RM CV `TEST_SD_LN`). The activities are then written as FIT files (the SDK's
encoder), a Strava activities.csv or an intervals.icu CSV, read back by the importers and
fitted. The check is of calibration when the model is right (the truth is drawn from the
prior the fit uses); it cannot say how wrong the model is for a real runner.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.athlete.fields import activities_frame
from experiments.athlete.fitting import FITTED, LOG_SCALE, RACE_SD_LN, SLOTS, TEST_SD_LN
from sim import kernel
from sim.athlete import replay
from sim.parameters import (
    LIFT_MINUTES_PER_SET,
    PACE_INTERVALS,
    PACE_LONG,
    PACE_RACE,
    PACE_TEMPO,
    RPE_EASY,
    RPE_INTERVALS,
    RPE_LONG,
    RPE_RACE,
    RPE_TEMPO,
    default_parameters,
)
from sim.population import sample_athletes
from sim.state import (
    A_EASY_PACE_MIN_PER_KM,
    A_LEVEL,
    A_RACE_KM,
    A_STRENGTH_1RM_BW,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_EMPHASIS,
    D_STR_SETS,
    DAY_SIZE,
    EMPH_HEAVY,
    EMPH_NONE,
    LEVELS,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_KIND,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_STR_SESSIONS,
    PLAN_SIZE,
    RACE_KM,
    RUN_INTERVALS,
    RUN_LONG,
    RUN_RACE,
    RUN_REST,
    RUN_TEMPO,
)

START = dt.date(2026, 1, 5)  # a Monday
FORMATS = ("fit", "strava", "intervals")
_KIND_NAME = {1: "Easy run", RUN_LONG: "Long run", RUN_TEMPO: "Tempo", RUN_INTERVALS: "Intervals", RUN_RACE: "Race"}


@dataclass
class SyntheticAthlete:
    profile: np.ndarray  # true athlete vector
    days: np.ndarray  # (n_days, DAY_SIZE) what they did
    acts: pd.DataFrame  # the activity table a watch would record
    races: pd.DataFrame  # date, km, time_s (observed)
    tests: pd.DataFrame  # date, event, value (observed)


def season_plans(weeks: int, level_code: int, race_weeks: list[int], race_km_of: list[float]) -> list[np.ndarray]:
    """Four habitual weeks, then a build (volume 1.0 -> 1.3 x habitual) with heavy lifting twice a week."""
    plans = []
    for w in range(weeks):
        p = np.zeros(PLAN_SIZE)
        p[P_RUN_KM] = 1.0 if w < 4 else 1.0 + 0.3 * (w - 4) / max(weeks - 5, 1)
        p[P_RUN_IS_REL] = 1.0
        p[P_KEY_RUNS] = max(level_code, 1)
        p[P_KEY_KIND] = RUN_TEMPO
        p[P_LONG_KM] = 0.3
        p[P_LONG_IS_REL] = 1.0
        if w >= 4:
            p[P_STR_SESSIONS] = 2
            p[P_EMPHASIS] = EMPH_HEAVY
            p[P_EFFORT] = 1
        if w in race_weeks:
            p[P_RACE] = 1.0
        plans.append(p)
    return plans


def make_athlete(seed: int, level: str = "intermediate", weeks: int = 24, n_races: int = 3, n_tests: int = 3,
                 gp: np.ndarray | None = None) -> SyntheticAthlete:
    gp = default_parameters() if gp is None else gp
    rng = np.random.default_rng([seed, 4242])
    race_names = ("5k", "10k")
    race_weeks = [int(round(x)) for x in np.linspace(3, weeks - 1, n_races)] if n_races else []
    km_of = [RACE_KM[race_names[i % 2]] for i in range(n_races)]
    ath = sample_athletes(level, 1, seed)[0]
    plans = season_plans(weeks, int(ath[A_LEVEL]), race_weeks, km_of)
    days = np.zeros((7 * weeks, DAY_SIZE))
    week = np.empty((7, DAY_SIZE))
    for w, p in enumerate(plans):
        a = ath.copy()
        if w in race_weeks:
            a[A_RACE_KM] = km_of[race_weeks.index(w)]  # this race's distance
        kernel.schedule_week(p, a, gp, week)
        days[7 * w: 7 * w + 7] = week
    race_day = np.array([7 * w + 6 for w in race_weeks], dtype=np.int64)
    race_km = np.array(km_of, dtype=float)
    race_min, strength, _ = replay(ath[None], gp, days, race_day, race_km)
    obs_race_s = 60.0 * race_min[0] * np.exp(rng.normal(0.0, RACE_SD_LN, size=len(race_day)))
    test_days = [int(round(x)) for x in np.linspace(0, 7 * weeks - 2, n_tests)] if n_tests else []
    obs_test = [strength[0, d] * ath[A_STRENGTH_1RM_BW] * math.exp(rng.normal(0.0, TEST_SD_LN)) for d in test_days]
    pace = {1: 1.0, RUN_LONG: gp[PACE_LONG], RUN_TEMPO: gp[PACE_TEMPO], RUN_INTERVALS: gp[PACE_INTERVALS],
            RUN_RACE: gp[PACE_RACE]}
    rpe = {1: gp[RPE_EASY], RUN_LONG: gp[RPE_LONG], RUN_TEMPO: gp[RPE_TEMPO], RUN_INTERVALS: gp[RPE_INTERVALS],
           RUN_RACE: gp[RPE_RACE]}
    rows = []
    race_time = dict(zip(race_day.tolist(), obs_race_s.tolist(), strict=True))
    for d in range(days.shape[0]):
        date = START + dt.timedelta(days=d)
        kind = int(days[d, D_RUN_KIND])
        if kind != RUN_REST and days[d, D_RUN_KM] > 0:
            km = float(days[d, D_RUN_KM])
            minutes = race_time[d] / 60.0 if kind == RUN_RACE else km * ath[A_EASY_PACE_MIN_PER_KM] * pace[kind]
            rows.append({"start": dt.datetime.combine(date, dt.time(7, 0)), "date": date, "sport": "run",
                         "name": _KIND_NAME[kind], "distance_km": km, "duration_min": minutes,
                         "avg_hr_bpm": round(120 + 6 * rpe[kind]), "rpe_0_10": rpe[kind],
                         "race": kind == RUN_RACE, "source": "synthetic", "row": len(rows) + 1})
        if int(days[d, D_STR_EMPHASIS]) != EMPH_NONE:
            rows.append({"start": dt.datetime.combine(date, dt.time(18, 0)), "date": date, "sport": "strength",
                         "name": "Heavy legs", "distance_km": math.nan,
                         "duration_min": float(days[d, D_STR_SETS]) * gp[LIFT_MINUTES_PER_SET],
                         "avg_hr_bpm": math.nan, "rpe_0_10": math.nan, "race": False, "source": "synthetic",
                         "row": len(rows) + 1})
    acts = activities_frame(rows)
    races = pd.DataFrame({"date": [START + dt.timedelta(days=int(d)) for d in race_day], "km": race_km,
                          "time_s": obs_race_s})
    tests = pd.DataFrame({"date": [START + dt.timedelta(days=d) for d in test_days],
                          "event": "half_squat_1rm_bw", "value": obs_test})
    return SyntheticAthlete(ath, days, acts, races, tests)


def write_log(ath: SyntheticAthlete, fmt: str, folder: Path) -> tuple[Path, Path]:
    """Write the athlete's log in `fmt` and a results file; returns (log path, results path).

    FIT files carry no race flag, so their races go in the results file; the CSV formats
    mark races themselves and the results file holds only the 1RM tests.
    """
    from experiments.athlete.csvlogs import intervals_csv_text, strava_csv_text
    from experiments.athlete.fitfiles import fit_activity_bytes

    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "fit":
        log = folder / "garmin"
        log.mkdir(exist_ok=True)
        for i, r in enumerate(ath.acts.itertuples(index=False)):
            (log / f"{r.start:%Y-%m-%d-%H%M}-{i}.fit").write_bytes(fit_activity_bytes(r))
    elif fmt == "strava":
        log = folder / "activities.csv"
        log.write_text(strava_csv_text(ath.acts))
    elif fmt == "intervals":
        log = folder / "intervals_activities.csv"
        log.write_text(intervals_csv_text(ath.acts))
    else:
        raise ValueError(fmt)
    lines = []
    if fmt == "fit":
        for r in ath.races.itertuples(index=False):
            s = r.time_s
            lines.append(f"{r.date},{r.km:g}km,{int(s // 3600)}:{int(s % 3600 // 60):02d}:{s % 60:05.2f}")
    for r in ath.tests.itertuples(index=False):
        lines.append(f"{r.date},{r.event},{r.value:.3f}")
    results = folder / "results.csv"
    results.write_text("\n".join(["date,event,result", *sorted(lines)]) + "\n")
    return log, results


def truth(ath: SyntheticAthlete) -> np.ndarray:
    """The true values of the fitted parameters, on the natural scale."""
    return np.array([ath.profile[s] for s in SLOTS])


@dataclass
class CoverageRow:
    seed: int
    n_races: int
    fmt: str
    truth: np.ndarray
    estimate: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    informed: list[str]


def check_one(seed: int, n_races: int, fmt: str, folder: Path, weeks: int = 24, n_tests: int = 3,
              level: str = "intermediate") -> CoverageRow:
    """Simulate, write, import, fit one synthetic athlete."""
    from experiments.athlete.profile import fit_files

    ath = make_athlete(seed, level, weeks, n_races, n_tests)
    log, results = write_log(ath, fmt, folder)
    fit = fit_files(log, results, level=LEVELS[int(ath.profile[A_LEVEL])],
                    training_age_y=float(ath.profile[1]), prior_injuries=float(ath.profile[6])).fit
    lo, hi = zip(*(fit.interval90(j) for j in range(len(FITTED))), strict=True)
    est = np.array([fit.estimate(j) for j in range(len(FITTED))])
    return CoverageRow(seed, n_races, fmt, truth(ath), est, np.array(lo), np.array(hi), fit.informed())


def coverage_table(rows: list[CoverageRow]) -> pd.DataFrame:
    """Per (races, parameter): coverage of the 90% intervals and their mean width."""
    out = []
    for n_races in sorted({r.n_races for r in rows}):
        sel = [r for r in rows if r.n_races == n_races]
        for j, name in enumerate(FITTED):
            inside = [r.lo[j] <= r.truth[j] <= r.hi[j] for r in sel]
            width = [(r.hi[j] / r.lo[j]) if LOG_SCALE[j] else r.hi[j] - r.lo[j] for r in sel]
            out.append({"races": n_races, "parameter": name, "athletes": len(sel),
                        "coverage90": float(np.mean(inside)),
                        "mean_width": float(np.mean(width)),
                        "width_kind": "hi/lo ratio" if LOG_SCALE[j] else "hi - lo",
                        "not_informed_frac": float(np.mean([r.informed[j] == "not informed" for r in sel]))})
    return pd.DataFrame(out)


def write_samples(folder: Path, seed: int = 7, weeks: int = 16, n_races: int = 3, n_tests: int = 2) -> dict:
    """One synthetic athlete's log in every import format (folder/<format>/...) and their true
    parameters (folder/truth.yaml), for the README example."""
    import yaml

    from sim.state import ATHLETE_NAMES

    ath = make_athlete(seed, "intermediate", weeks, n_races, n_tests)
    written = {fmt: write_log(ath, fmt, folder / fmt) for fmt in FORMATS}
    truth_doc = {"note": f"the simulated athlete behind these logs (experiments.athlete.synthetic, seed {seed})",
                 "profile": {n: round(float(v), 4) for n, v in zip(ATHLETE_NAMES, ath.profile, strict=True)}}
    truth_doc["profile"]["level"] = LEVELS[int(ath.profile[A_LEVEL])]
    (folder / "truth.yaml").write_text(yaml.safe_dump(truth_doc, sort_keys=False))
    return written
