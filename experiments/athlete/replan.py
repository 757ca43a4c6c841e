"""Re-plan the rest of a season after what the runner actually did (`stridelab replan`).

Inputs: the athlete file (posterior draws and their body state at the end of the fitted log),
the log (anything after the athlete file's last day counts; missing days are rest), the
exported plan (JSON, `stridelab export --format json`) and today's date.

1. The draws' bodies are stepped from the athlete file's last day to yesterday through the
   logged days (`sim.athlete.advance`: no injury draws, no pain rule, as in the fit), then
   through the days of the current week that the plan still holds, to the first plan week
   that starts today or later.
2. The weeks before it stay exactly as they were (rows copied from the plan).
3. Candidates for the remaining weeks: the old plan's remaining days as they are ("keep"), and
   the baseline template's plan for the weeks left at volume scales 0.6-1.1 (after a layoff of
   `LAYOFF_DAYS` or more without running, only scales up to 0.8 and no "keep") (its days via the
   kernel's scheduler, `experiments.plans.season_plan`). Each is simulated on every draw from
   its current state, with injury draws and the pain rule, and scored with the training reward
   (`envs.config.RewardWeights`: (performance + race) x race-time improvement in % minus
   injury_day x days injured), averaged over the draws. The best candidate is the new future.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.athlete.activities import daily_table, read_log
from experiments.athlete.fitting import sim_days
from experiments.athlete.profile import AthleteFile
from sim.athlete import advance
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.state import (
    A_EASY_PACE_MIN_PER_KM,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_AFTER_RUN,
    D_STR_EFFORT,
    D_STR_EMPHASIS,
    D_STR_SETS,
    DAY_SIZE,
    EFFORTS,
    EMPHASES,
    RUN_KINDS,
)

SCALES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1)
MAX_PLAN_WEEKS = 104
PLAN_DATES = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))
#: after this many days in a row without running, volume above the plan's is not a candidate: a
#: runner coming back from a break restarts lower (issue 23: 14 days off picked "x1.1 volume")
LAYOFF_DAYS = 10
LAYOFF_MAX_SCALE = 0.8
N_EVAL = 200  # simulated runners per candidate (the draws, tiled, each with its own luck)


def _plan_error(p: Path, where: str, value: object, allowed: str) -> InputError:
    text = repr(value)
    return InputError(f"{p}: {where}: {text[:80] + ('...' if len(text) > 80 else '')} is not allowed; {allowed}")


def _num(p: Path, where: str, v: object, lo: float, hi: float) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not (math.isfinite(v) and lo <= v <= hi):
        raise _plan_error(p, where, v, f"need a number in [{lo:g}, {hi:g}]")
    return float(v)


def _date(p: Path, where: str, v: object) -> dt.date:
    try:
        d = dt.date.fromisoformat(v) if isinstance(v, str) else None
    except ValueError:
        d = None
    if d is None or not PLAN_DATES[0] <= d <= PLAN_DATES[1]:
        raise _plan_error(p, where, v, f"need a date YYYY-MM-DD from {PLAN_DATES[0]} to {PLAN_DATES[1]}")
    return d


def validate_plan_doc(p: Path, doc: object) -> None:
    """Every field replan reads, checked before any work (issue 25 item 3: a missing `start` was a
    KeyError; race_km 0 or NaN scored every candidate NaN). Messages name the field and what is allowed."""
    from sim.state import LEVELS

    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("stridelab.season_plan/"):
        raise _plan_error(p, "schema", doc.get("schema") if isinstance(doc, dict) else doc,
                          "need a plan written by `stridelab export --format json` (stridelab.season_plan/1)")
    for key in ("start", "race", "weeks", "race_km", "level", "days"):
        if key not in doc:
            raise InputError(f"{p}: {key}: missing; a plan written by `stridelab export --format json` has it")
    start, race = _date(p, "start", doc["start"]), _date(p, "race", doc["race"])
    if race < start:
        raise _plan_error(p, "race", doc["race"], f"need a race day on or after start ({start})")
    weeks = doc["weeks"]
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= MAX_PLAN_WEEKS:
        raise _plan_error(p, "weeks", weeks, f"need a whole number in [1, {MAX_PLAN_WEEKS}]")
    _num(p, "race_km", doc["race_km"], 0.8, 100.0)
    if doc["level"] not in LEVELS:
        raise _plan_error(p, "level", doc["level"], f"allowed: {', '.join(LEVELS)}")
    days = doc["days"]
    if not isinstance(days, list) or not 1 <= len(days) <= 7 * MAX_PLAN_WEEKS:
        raise _plan_error(p, "days", type(days).__name__ if not isinstance(days, list) else f"{len(days)} days",
                          f"need a list of 1 to {7 * MAX_PLAN_WEEKS} days")
    for i, d in enumerate(days):
        w = f"days[{i}]"
        if not isinstance(d, dict):
            raise _plan_error(p, w, d, "need an object with date, week, phase, run, strength, note")
        for key in ("date", "week", "phase", "run", "strength", "note"):
            if key not in d:
                raise InputError(f"{p}: {w}.{key}: missing; re-export the plan")
        day = _date(p, f"{w}.date", d["date"])
        if not start - dt.timedelta(days=6) <= day <= race:
            raise _plan_error(p, f"{w}.date", d["date"], f"need a day from {start} to {race}")
        if isinstance(d["week"], bool) or not isinstance(d["week"], int) or not 0 <= d["week"] <= weeks:
            raise _plan_error(p, f"{w}.week", d["week"], f"need a whole number in [0, {weeks}]")
        run, st = d["run"], d["strength"]
        if not isinstance(run, dict) or run.get("kind") not in RUN_KINDS:
            raise _plan_error(p, f"{w}.run.kind", run.get("kind") if isinstance(run, dict) else run,
                              f"allowed: {', '.join(RUN_KINDS)}")
        _num(p, f"{w}.run.distance_km", run.get("distance_km"), 0.0, 350.0)
        if not isinstance(run.get("intensity", ""), str):
            raise _plan_error(p, f"{w}.run.intensity", run.get("intensity"), "need text")
        if not isinstance(st, dict) or st.get("emphasis") not in EMPHASES:
            raise _plan_error(p, f"{w}.strength.emphasis", st.get("emphasis") if isinstance(st, dict) else st,
                              f"allowed: {', '.join(EMPHASES)}")
        if st.get("effort") not in (*EFFORTS, None, ""):
            raise _plan_error(p, f"{w}.strength.effort", st.get("effort"), f"allowed: {', '.join(EFFORTS)} or null")
        _num(p, f"{w}.strength.sets", st.get("sets", 0), 0, 20)
        if not isinstance(st.get("after_run", False), bool):
            raise _plan_error(p, f"{w}.strength.after_run", st.get("after_run"), "need true or false")
        if not isinstance(st.get("exercises", []), list):
            raise _plan_error(p, f"{w}.strength.exercises", st.get("exercises"), "need a list")
        if not isinstance(d["note"], str) or not isinstance(d["phase"], str):
            raise _plan_error(p, f"{w}.note/phase", d["note"], "need text")


def load_plan_json(path: str | Path) -> tuple[pd.DataFrame, dict]:
    from experiments.plans.formats import frame_from_json

    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: a folder; --plan needs a JSON plan file (stridelab export --format json)")
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    if p.stat().st_size > 32 * 2**20:
        raise InputError(f"{p}: {p.stat().st_size} bytes; a plan file of at most {32 * 2**20} bytes")
    try:
        doc = json.loads(p.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise InputError(f"{p}: byte {err.start} is not UTF-8; need the JSON written by `stridelab export`") \
            from None
    except (json.JSONDecodeError, RecursionError) as err:
        raise InputError(f"{p}: invalid JSON: {err}") from None
    validate_plan_doc(p, doc)
    try:
        df = frame_from_json(doc)
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{p}: days: malformed ({err}); re-export the plan") from None
    return df, doc


def frame_days(df: pd.DataFrame) -> np.ndarray:
    """Plan rows (a season-plan day frame) as simulator days (n, DAY_SIZE)."""
    days = np.zeros((len(df), DAY_SIZE))
    for i, r in enumerate(df.itertuples(index=False)):
        days[i, D_RUN_KIND] = RUN_KINDS.index(r.run_kind)
        days[i, D_RUN_KM] = r.distance_km if r.run_kind != "rest" else 0.0
        if r.strength_emphasis != "none":
            days[i, D_STR_EMPHASIS] = EMPHASES.index(r.strength_emphasis)
            days[i, D_STR_EFFORT] = EFFORTS.index(r.strength_effort) if r.strength_effort else 1
            days[i, D_STR_SETS] = max(float(r.strength_sets), 1.0)
            days[i, D_STR_AFTER_RUN] = 1.0 if r.strength_after_run else 0.0
    return days


@dataclass
class Replan:
    frame: pd.DataFrame  # the whole season, kept weeks + new weeks
    kept_weeks: int
    chosen: str
    scores: dict[str, float]  # candidate -> mean reward over the draws
    done_km: float  # km the log shows since the athlete file's last day
    missed_days: int  # days since then without running
    layoff_days: int = 0  # of which in a row up to yesterday
    import_lines: list = field(default_factory=list)  # what reading the log skipped, merged, took from the cache


def replan(af: AthleteFile, log_path: str | Path, plan_path: str | Path, today: dt.date, baseline: str = "intermediate",
           seed: int = 0, policy: object | None = None, policy_name: str = "policy", strict: bool = False,
           timezone: str | None = None) -> Replan:
    """See the module docstring. `policy` (anything with SB3's `predict`, e.g. a trained
    model) adds a candidate: its weeks rolled out in closed loop from the runner's current
    state (the point-estimate draw), on the batched environment."""
    from envs.config import RewardWeights
    from experiments.athlete.planning import paces_note, personal_paces
    from experiments.plans.season_plan import COLUMNS, policy_week_plans, season_dates, season_plan
    from experiments.policy import load_baseline

    old, doc = load_plan_json(plan_path)
    if "week_note" not in old:  # JSON keeps one note per day; the week's note is its first day's
        old["week_note"] = old.groupby("week")["note"].transform("first")
    if "day_note" not in old:
        old["day_note"] = ""
    if "weeks_to_race" not in old:
        old["weeks_to_race"] = int(doc["weeks"]) - old["week"]
    start, race = dt.date.fromisoformat(doc["start"]), dt.date.fromisoformat(doc["race"])
    if not start <= today <= race:
        raise InputError(f"--today: {today} is not allowed; the plan runs {start} to {race}")
    if today <= af.last_day:
        raise InputError(f"--today: {today} is not allowed; the athlete file already covers up to {af.last_day} "
                         "(refit it, or re-plan from a later day)")
    k = -(-(today - start).days // 7)  # first week that starts today or later
    n_weeks = int(doc["weeks"])
    if k >= n_weeks:
        raise InputError(f"--today: {today}: the race week has started; nothing is left to re-plan")
    week_k = start + dt.timedelta(days=7 * k)

    # 1. the log since the athlete file, then the plan's days up to week k
    acts = read_log(log_path, strict=strict, timezone=timezone)
    report = acts.attrs.get("import_report")
    acts = acts[(acts["date"] > af.last_day) & (acts["date"] < today)]
    first, last = af.last_day + dt.timedelta(days=1), today - dt.timedelta(days=1)
    n_log = (last - first).days + 1
    if len(acts):
        daily = daily_table(acts, first, last)
        pace = float(af.athletes[0, A_EASY_PACE_MIN_PER_KM])
        median_km = float(af.doc["log"].get("median_run_km") or daily.loc[daily["run_km"] > 0, "run_km"].median())
        log_days = sim_days(daily, pace, median_km, {})
        done_km = float(daily["run_km"].sum())
        missed = int((daily["run_km"] == 0).sum())
        ran = np.flatnonzero(daily["run_km"].to_numpy() > 0)
        layoff = n_log - 1 - int(ran[-1]) if len(ran) else n_log
    else:
        log_days, done_km, missed = np.zeros((n_log, DAY_SIZE)), 0.0, n_log
        layoff = n_log
    planned = old[(old["date"] >= today) & (old["date"] < week_k)]
    idx = np.arange(N_EVAL) % af.athletes.shape[0]
    athletes = np.ascontiguousarray(af.with_race_km(float(doc["race_km"]))[idx])
    states = np.ascontiguousarray(af.states[idx])
    gp = default_parameters()
    advance(states, athletes, gp, np.vstack([log_days, frame_days(planned)]))

    # 2-3. candidates for weeks k.. from that state
    level = str(doc["level"])
    profile = athletes[0].copy()
    n_left = n_weeks - k
    template = policy_week_plans(load_baseline(baseline), level, n_left, athlete=profile, seed=seed)
    candidates = {}
    scales = SCALES
    if layoff >= LAYOFF_DAYS:  # back from a break: only lower volumes than planned are candidates
        scales = tuple(x for x in SCALES if x <= LAYOFF_MAX_SCALE)
    else:
        candidates["keep the plan"] = old[old["date"] >= week_k].reset_index(drop=True)
    for s in scales:
        weeks = [w.model_copy(update=_scaled(w, s)) for w in template]
        df = season_plan(weeks, profile, week_k, race)
        candidates[f"{baseline} template x{s:g} volume"] = df
    if policy is not None:
        weeks = closed_loop_weeks(policy, athletes[:1], states[:1], n_left, level, float(doc["race_km"]), seed)
        candidates[f"{policy_name} (closed loop from your current state)"] = season_plan(weeks, profile, week_k, race)
    weights = RewardWeights()
    race_day = (race - week_k).days
    scores = {}
    for name, df in candidates.items():
        st = states.copy()
        rt0, _ = advance(st.copy(), athletes, gp, np.zeros((1, DAY_SIZE)), race_day=[0],
                         race_km=[float(doc["race_km"])])
        rt, injured = advance(st, athletes, gp, frame_days(df), pain_rule=True, draw_injuries=True, seed=seed,
                              race_day=[race_day], race_km=[float(doc["race_km"])])
        pct = 100.0 * (rt0[:, 0] - rt[:, 0]) / rt0[:, 0]
        scores[name] = float(np.mean((weights.performance + weights.race) * pct - weights.injury_day * injured))
    chosen = max(scores, key=scores.get)

    # 4. the season: kept weeks as they were, then the chosen future
    new = candidates[chosen].copy()
    if chosen != "keep the plan":
        sd = season_dates(start, race)
        new["week"] = new["week"] + k
        new["weeks_to_race"] = sd.n_weeks - new["week"]
        personal_paces(new, af)
        back = (f" (the last {layoff} in a row: volume restarts at most x{LAYOFF_MAX_SCALE:g})"
                if layoff >= LAYOFF_DAYS else "")
        why = (f"re-planned on {today}: {done_km:.0f} km run since {af.last_day}, {missed} days without running{back}; "
               f"{chosen} scored best of {len(scores)} candidates on your fitted draws")
        new["note"] = [f"{why}. {n}" for n in new["note"]]
        new["week_note"] = new["note"]
    kept = old[old["date"] < week_k]
    cols = [c for c in COLUMNS if c in old.columns and c in new.columns]
    frame = pd.concat([kept[cols], new[cols]], ignore_index=True)
    frame.attrs.update({k2: doc[k2] for k2 in ("level", "habitual_km", "race_km", "start", "race", "weeks")
                        if k2 in doc})
    frame.attrs["source"] = f"{doc.get('source', 'plan')}, re-planned on {today} ({chosen})"
    frame.attrs["lead_in_days"] = 0
    frame.attrs["paces"] = paces_note(af)
    frame.attrs["easy_pace_min_per_km"] = float(af.athletes[0, A_EASY_PACE_MIN_PER_KM])
    if "paces_min_per_km" in new.attrs:
        frame.attrs["paces_min_per_km"] = new.attrs["paces_min_per_km"]
    return Replan(frame, k, chosen, scores, done_km, missed, layoff, report.lines() if report else [])


def _scaled(w, s: float) -> dict:
    """Update dict scaling a week plan's running volume by s (the race week keeps its race)."""
    if w.run_km is not None:
        return {"run_km": min(w.run_km * s, 250.0)}
    return {"run_volume_rel": min((1.0 if w.run_volume_rel is None else w.run_volume_rel) * s, 3.0)}


def closed_loop_weeks(policy, athletes: np.ndarray, states: np.ndarray, n_weeks: int, level: str, race_km: float,
                      seed: int) -> list:
    """The week plans `policy` chooses for this runner over `n_weeks`, starting from `states`
    (not from a fresh warm-up): the batched environment built on a cohort of this one body."""
    from agents.evaluation import rollout_plans
    from sim.plan import WeekPlan
    from sim.season import PHASES, phase_of
    from sim.state import RACE_KM
    from sim.whatif import Cohort

    names = [d for d, km in RACE_KM.items() if abs(km - race_km) < 1e-9]
    kwargs = {k: v for k, v in (getattr(policy, "env_kwargs", None) or {}).items() if k != "season_weeks"}
    kwargs["race_distance"] = names[0] if names else "10k"
    kwargs.setdefault("action_scope", getattr(policy, "action_scope", None) or "strength")
    cohort = Cohort(np.ascontiguousarray(athletes), np.ascontiguousarray(states).copy(),
                    np.zeros(len(athletes), dtype=np.int64), int(seed), level, default_parameters())
    if hasattr(policy, "reset"):
        policy.reset()
    plans = rollout_plans(policy, cohort, int(n_weeks), **kwargs)
    return [WeekPlan.from_array(plans[0, w], phase=PHASES[phase_of(w, n_weeks)]) for w in range(n_weeks)]
