"""`athlete fit`: a log (and results) -> a fitted athlete file (YAML), and reading it back.

The athlete file holds what a person reads (the profile, each fitted parameter with its 90%
interval and whether the log informed it, race-derived paces) and what the simulator needs
(posterior draws of the athlete vector, each with its body state at the end of the log, so
a plan for this athlete starts from where the log left them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from experiments.athlete.activities import daily_table, read_log
from experiments.athlete.fitting import (
    FITTED,
    NOT_INFORMED_RATIO,
    RACE_SD_LN,
    TEST_SD_LN,
    UNITS,
    FitResult,
    fit_log,
    level_for_km,
    log_days,
)
from experiments.athlete.results import log_races, merge_races, read_results, training_paces, vdot
from sim.athlete import replay
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.state import A_HABITUAL_KM, A_RACE_KM, ATHLETE_NAMES, ATHLETE_SIZE, LEVELS, RACE_KM, STATE_NAMES, STATE_SIZE
from sim.strict_yaml import load_file

FORMAT_VERSION = 1
N_DRAWS = 100
RECENT_RACE_DAYS = 120  # races this recent set the training paces
MIN_LOG_RACE_KM, MAX_LOG_RACE_KM = 1.5, 43.0  # log-marked races fitted: 1500 m to the marathon (Daniels' range)
RESULT_MARGIN_D = 28  # results this close outside the logged activities still count (as rest days in between)


@dataclass
class AthleteFit:
    fit: FitResult
    acts: pd.DataFrame
    races: pd.DataFrame
    level: str
    sources: dict[str, str]
    log_path: str
    results_path: str | None


def fit_files(log_path: str | Path, results_path: str | Path | None = None, level: str | None = None,
              training_age_y: float | None = None, prior_injuries: float | None = None,
              race_distance: str = "10k", strict: bool = False, timezone: str | None = None) -> AthleteFit:
    """Import, measure, fit (see `experiments.athlete.fitting`)."""
    acts = read_log(log_path, strict=strict, timezone=timezone)
    races, tests = (read_results(results_path) if results_path else
                    (pd.DataFrame(columns=["date", "km", "time_s", "source", "row"]),
                     pd.DataFrame(columns=["date", "event", "value", "source", "row"])))
    marked = log_races(acts)
    ultra = marked[(marked["km"] > MAX_LOG_RACE_KM) | (marked["km"] < MIN_LOG_RACE_KM)]
    races = merge_races(marked.drop(ultra.index), races)
    # results up to RESULT_MARGIN_D outside the activities extend the log with rest days
    first, last = acts["date"].min(), acts["date"].max()
    margin = dt.timedelta(days=RESULT_MARGIN_D)
    dates = [d for d in list(races["date"]) + list(tests["date"]) if first - margin <= d <= last + margin]
    daily = daily_table(acts, min(dates, default=first), max(dates, default=last))
    ld = log_days(daily, races, tests)
    sources = {"habitual_km": f"log: mean weekly km of the last {ld.habitual_weeks} weeks of running"
                              + (f" ({ld.break_weeks} break weeks left out)" if ld.break_weeks else ""),
               "easy_pace_min_per_km": "log: median pace of the recent training runs"}
    if level is None:
        level = level_for_km(ld.habitual_km)
        sources["level"] = "from habitual km (<30 beginner, <52.5 intermediate, else advanced)"
    else:
        sources["level"] = "given"
    sources["training_age_y"] = "given" if training_age_y is not None else f"assumed: typical {level}"
    sources["prior_injuries"] = "given" if prior_injuries is not None else f"assumed: typical {level}"
    if len(ultra):
        sources["races"] = (f"{len(ultra)} race(s) the log marks outside {MIN_LOG_RACE_KM:g}-{MAX_LOG_RACE_KM:g} km "
                            f"({', '.join(f'{k:.1f} km' for k in ultra['km'])}) are training days, not race results: "
                            "the race model covers track to marathon (give --races to override)")
    sources["tissue_response"] = "population value: one runner's log cannot inform it (injuries are rare events)"
    sources["tissue_stress"] = "population value: one runner's log cannot inform it (injuries are rare events)"
    fit = fit_log(ld, level, training_age_y, prior_injuries, RACE_KM[race_distance])
    return AthleteFit(fit, acts, races, level, sources, str(log_path), str(results_path) if results_path else None)


def _r(x: float, digits: int = 4) -> float:
    return float(round(float(x), digits))


def athlete_document(af: AthleteFit, seed: int = 0) -> dict:
    """The YAML document of a fit (see the module docstring)."""
    fit = af.fit
    ld = fit.log
    report = af.acts.attrs.get("import_report")
    draws = fit.draws(N_DRAWS, seed)
    draws[0] = fit.profile  # the first draw is the point estimate
    _, _, states = replay(draws, default_parameters(), ld.days, ld.race_day, ld.race_km)
    # the replay warmed up on the log's first weeks; from its last day on, the runner is habituated
    # to the recent weeks' volume (the variable dose-response's m_hab, and what relative plans scale)
    draws[:, A_HABITUAL_KM] = ld.habitual_km
    end = ld.start + dt.timedelta(days=ld.days.shape[0] - 1)
    params = {}
    for j, name in enumerate(FITTED):
        lo, hi = fit.interval90(j)
        status = fit.informed()[j]
        note = {"not informed": f"the log is too short or lacks the data to inform it (posterior sd "
                                f"{fit.ratio()[j]:.2f} x the population's, > {NOT_INFORMED_RATIO}): this is the "
                                "population's range, not a measurement",
                "weakly informed": f"posterior sd {fit.ratio()[j]:.2f} x the population's",
                "informed": f"posterior sd {fit.ratio()[j]:.2f} x the population's"}[status]
        params[name] = {"estimate": _r(fit.estimate(j)), "ci90": [_r(lo), _r(hi)], "unit": UNITS[name],
                        "status": status, "at_bound": fit.at_bound(j), "note": note}
    race_rows = []
    for i in range(len(ld.race_day)):
        race_rows.append({"date": ld.race_dates[i].isoformat(), "km": _r(ld.race_km[i], 3),
                          "time_s": _r(ld.race_time_s[i], 1), "vdot": _r(vdot(ld.race_km[i], ld.race_time_s[i]), 2),
                          "model_time_s": _r(fit.predicted_race_s[i], 1),
                          "model_error_pct": _r(fit.race_errors_pct()[i], 2)})
    recent = [r for r in race_rows if (end - dt.date.fromisoformat(r["date"])).days <= RECENT_RACE_DAYS]
    paces = None
    if race_rows:
        best = max(recent or race_rows, key=lambda r: r["vdot"])
        paces = {"from_race": best["date"], "vdot": best["vdot"],
                 "min_per_km": {k: _r(v, 3) for k, v in training_paces(best["vdot"]).items()}}
    profile = {name: _r(draws[0, i]) for i, name in enumerate(ATHLETE_NAMES)}
    profile["level"] = af.level
    return {
        "stridelab_athlete": FORMAT_VERSION,
        "log": {"path": af.log_path, "results": af.results_path, "first_day": ld.start.isoformat(),
                "last_day": end.isoformat(), "days": int(ld.days.shape[0]),
                "runs": int((af.acts["sport"] == "run").sum()),
                "strength_sessions": int((af.acts["sport"] == "strength").sum()),
                "other_activities": int((~af.acts["sport"].isin(["run", "strength"])).sum()),
                "races": len(race_rows), "strength_tests": int(len(ld.test_day)),
                "median_run_km": _r(ld.median_run_km, 3),
                "weekly_km": [_r(x, 1) for x in ld.weekly_km]},
        "import": report.as_dict() if report is not None else None,
        "profile": profile,
        "sources": af.sources,
        "fitted": params,
        "fit_quality": fit.quality(),
        "method": {"fit": "bounded least squares (scipy trf) on the simulator replaying the log; Laplace "
                          "covariance; see docs/model.md, 'Fitting an athlete to a log'",
                   "race_sd_ln": RACE_SD_LN, "test_sd_ln": TEST_SD_LN,
                   "fitting_scale": {"vo2max_untrained": "linear", "aerobic_response": "log",
                                     "strength_1rm_bw": "linear", "strength_response": "log"},
                   "mode": [_r(x, 6) for x in fit.theta], "cov": [[_r(x, 8) for x in row] for row in fit.cov]},
        "races": race_rows,
        "paces": paces,
        "draws": {"note": "posterior draws of the athlete vector and the body state at the end of the log; "
                          "row 0 is the point estimate",
                  "athlete_columns": list(ATHLETE_NAMES), "state_columns": list(STATE_NAMES),
                  "athlete": [[_r(x, 6) for x in row] for row in draws],
                  "state": [[_r(x, 6) for x in row] for row in states]},
    }


def dump_document(doc: dict) -> str:
    class Dumper(yaml.SafeDumper):
        pass

    def represent_list(dumper, data):
        flow = all(not isinstance(x, dict | list) for x in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    Dumper.add_representer(list, represent_list)
    return yaml.dump(doc, Dumper=Dumper, sort_keys=False, width=120)


@dataclass
class AthleteFile:
    """What the simulator takes from an athlete file."""

    path: str
    level: str
    athletes: np.ndarray  # (n, ATHLETE_SIZE) posterior draws (row 0 = point estimate)
    states: np.ndarray  # (n, STATE_SIZE) their state at the end of the log
    last_day: dt.date
    paces: dict | None
    doc: dict

    def with_race(self, race_distance: str) -> np.ndarray:
        return self.with_race_km(RACE_KM[race_distance])

    def with_race_km(self, km: float) -> np.ndarray:
        a = self.athletes.copy()
        a[:, A_RACE_KM] = km
        return a


def load_athlete(path: str | Path) -> AthleteFile:
    p = Path(path)
    doc = load_file(p)  # strict and bounded like every YAML input (issue 15): size, nesting, aliases, duplicate keys
    if not isinstance(doc, dict) or doc.get("stridelab_athlete") != FORMAT_VERSION:
        raise InputError(f"{p}: stridelab_athlete: {doc.get('stridelab_athlete') if isinstance(doc, dict) else doc!r}"
                         f" is not allowed; need {FORMAT_VERSION} (a file written by `stridelab athlete fit`)")
    try:
        draws = doc["draws"]
        ath = np.asarray(draws["athlete"], dtype=float)
        st = np.asarray(draws["state"], dtype=float)
        level = doc["profile"]["level"]
        last = dt.date.fromisoformat(doc["log"]["last_day"])
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{p}: draws/profile/log: missing or malformed ({err}); re-run `stridelab athlete fit`") \
            from None
    if (draws.get("athlete_columns"), draws.get("state_columns")) != (list(ATHLETE_NAMES), list(STATE_NAMES)):
        raise InputError(f"{p}: draws: written for another simulator layout (athlete columns "
                         f"{draws.get('athlete_columns')}); re-run `stridelab athlete fit` on the log")
    if ath.ndim != 2 or ath.shape[1] != ATHLETE_SIZE or st.shape != (ath.shape[0], STATE_SIZE) or not (
            np.isfinite(ath).all() and np.isfinite(st).all()):
        raise InputError(f"{p}: draws: need rows of {ATHLETE_SIZE} athlete and {STATE_SIZE} state numbers, all "
                         f"finite; got {ath.shape} and {st.shape}")
    if level not in LEVELS:
        raise InputError(f"{p}: profile.level: {level!r} is not allowed; allowed: {', '.join(LEVELS)}")
    for col, (lo, hi) in ATHLETE_RANGES.items():
        j = ATHLETE_NAMES.index(col)
        badrow = np.flatnonzero((ath[:, j] < lo) | (ath[:, j] > hi))
        if len(badrow):
            raise InputError(f"{p}: draws.athlete row {badrow[0]}: {col}: {ath[badrow[0], j]!r} is not allowed; "
                             f"need a number in [{lo:g}, {hi:g}] (re-run `stridelab athlete fit`)")
    if not FIRST_LAST_DAY[0] <= last <= FIRST_LAST_DAY[1]:
        raise InputError(f"{p}: log.last_day: {last} is not allowed; need a date from {FIRST_LAST_DAY[0]} to "
                         f"{FIRST_LAST_DAY[1]}")
    return AthleteFile(str(p), level, ath, st, last, _check_paces(p, doc.get("paces")), doc)


#: what a readable athlete file may hold (issue 25 item 4: an easy pace of 0 gave a race time of -78%)
ATHLETE_RANGES = {"level": (0, len(LEVELS) - 1), "training_age_y": (0, 80), "habitual_km": (0, 350),
                  "easy_pace_min_per_km": (2.4, 20.0), "vo2max_untrained": (15, 95), "strength_1rm_bw": (0.1, 5),
                  "prior_injuries": (0, 80), "aerobic_response": (0.05, 20), "strength_response": (0.05, 20),
                  "tissue_response": (0.05, 20), "tissue_stress": (0.001, 20), "race_km": (0.8, 100.0),
                  "skip_prob": (0, 1)}
FIRST_LAST_DAY = (dt.date(1990, 1, 1), dt.date(2200, 12, 31))
PACE_NAMES = ("easy", "marathon", "threshold", "interval", "repetition")


def _check_paces(p: Path, pc: object) -> dict | None:
    """`paces` is null, or {from_race: date, vdot: 15-95, min_per_km: {easy..repetition: 2-20}}."""
    if pc is None:
        return None
    allowed = ("need null or {from_race: YYYY-MM-DD, vdot: 15-95, min_per_km: {" + ", ".join(PACE_NAMES)
               + ": 2-20}} (re-run `stridelab athlete fit`)")
    if not isinstance(pc, dict) or not isinstance(pc.get("min_per_km"), dict):
        raise InputError(f"{p}: paces: {str(pc)[:80]!r} is not allowed; {allowed}")
    v = pc.get("vdot")
    if isinstance(v, bool) or not isinstance(v, int | float) or not 15 <= v <= 95:
        raise InputError(f"{p}: paces.vdot: {v!r} is not allowed; {allowed}")
    try:
        dt.date.fromisoformat(str(pc.get("from_race")))
    except ValueError:
        raise InputError(f"{p}: paces.from_race: {pc.get('from_race')!r} is not allowed; {allowed}") from None
    for name in PACE_NAMES:
        x = pc["min_per_km"].get(name)
        if isinstance(x, bool) or not isinstance(x, int | float) or not 2.0 <= x <= 20.0:
            raise InputError(f"{p}: paces.min_per_km.{name}: {x!r} is not allowed; {allowed}")
    return pc


def _fmt_interval(v: dict) -> str:
    lo, hi = v["ci90"]
    return f"{v['estimate']:.3g} [{lo:.3g}, {hi:.3g}]"


def summary_lines(doc: dict) -> list[str]:
    """A short human summary of an athlete document (stdout of `athlete fit`)."""
    lg, pr = doc["log"], doc["profile"]
    out = [f"log {lg['path']}: {lg['first_day']} .. {lg['last_day']} ({lg['days']} days), {lg['runs']} runs, "
           f"{lg['strength_sessions']} strength sessions, {lg['races']} races, {lg['strength_tests']} 1RM tests",
           f"profile: {pr['level']}, habitual {pr['habitual_km']:.1f} km/week, easy pace "
           f"{pr['easy_pace_min_per_km']:.2f} min/km"]
    for name, v in doc["fitted"].items():
        out.append(f"  {name:18s} {_fmt_interval(v):28s} {v['unit']:14s} {v['status']}")
    if doc.get("paces"):
        pc = doc["paces"]
        paces = ", ".join(f"{k} {mmss(v)}" for k, v in pc["min_per_km"].items())
        out.append(f"paces (VDOT {pc['vdot']:.1f}, race of {pc['from_race']}): {paces} min/km")
    q = doc.get("fit_quality")
    if q:
        err = q.get("race_error_pct_mean_abs")
        out.append(f"fit quality: {q['status']}" + (f", model error on your races {err:.1f}% (mean |error|)"
                                                     if err is not None else ""))
        out += [f"WARNING: {w}" for w in q["warnings"]]
    return out


def mmss(minutes: float) -> str:
    """m:ss of a pace in minutes; rounds the whole value to seconds first (never 6:60)."""
    total = int(round(minutes * 60.0))
    return f"{total // 60}:{total % 60:02d}"
