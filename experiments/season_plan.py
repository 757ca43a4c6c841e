"""A season of week plans -> the dated, day-by-day plan a runner follows.

The days come from `sim.kernel.schedule_week` on `WeekPlan.to_array()`, the same scheduler
the simulator trains and evaluates with, so the exported plan is exactly the plan whose
outcome was measured (there is no second scheduler). This module adds what a person needs
on top: dates, the season phase, paces, the article's exercises with sets x reps, and a
short reason per week. Rule checks and the notes about deviations come from
`experiments.rules`.

    >>> weeks = policy_week_plans(BASELINES["intermediate"], "intermediate", 20)
    >>> df = season_plan(weeks, athlete_profile("intermediate"), date(2027, 1, 4), date(2027, 5, 23))

Season dates: the race is on the last day of the last week, so the season is the whole
weeks that end on race day; when (race - start + 1) is not a multiple of 7 the plan starts
a few days after `start` (`SeasonDates.lead_in_days`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim import kernel
from sim.errors import InputError
from sim.parameters import PACE_LONG, PACE_RACE, PACE_TEMPO, default_parameters
from sim.plan import Exercise, WeekPlan
from sim.population import PROFILES, level_code, race_km
from sim.season import MIN_SEASON_WEEKS, PHASES, phase_of
from sim.state import (
    A_AEROBIC_RESPONSE, A_EASY_PACE_MIN_PER_KM, A_HABITUAL_KM, A_LEVEL, A_PRIOR_INJURIES, A_RACE_KM,
    A_STRENGTH_1RM_BW, A_STRENGTH_RESPONSE, A_TISSUE_RESPONSE, A_TISSUE_STRESS, A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED, ATHLETE_SIZE, D_RUN_KIND, D_RUN_KM, D_STR_AFTER_RUN, D_STR_EFFORT, D_STR_EMPHASIS,
    D_STR_SETS, DAY_SIZE, EFFORTS, EMPH_NONE, EMPHASES, LEVELS, RUN_KINDS,
)

#: Longest season the exporter accepts (two years): longer horizons are not what the policies saw.
MAX_SEASON_WEEKS = 104
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Columns of the day frame, in order (`exercises` holds a list of {name, sets, reps} dicts).
COLUMNS = (
    "date", "weekday", "week", "phase", "weeks_to_race", "run_kind", "distance_km", "intensity",
    "strength_emphasis", "strength_effort", "strength_sets", "strength_after_run", "exercises",
    "week_note", "day_note", "note",
)

# --------------------------------------------------------------------------- the article's sessions
# Sample plans from the article ("Sample Strength Plans for Different Levels", "Common Strength
# Mistakes", "Putting It All Together"): per emphasis and level, sessions A and B, each as
# (name, sets, reps). Sets are scaled by the scheduled sets of the day (see `session_exercises`).
_X = tuple[tuple[str, int, str], ...]

_BEGINNER_A: _X = (
    ("Goblet squat", 2, "8-12"), ("Glute bridge or hip thrust", 2, "8-12"),
    ("Reverse lunge (bodyweight)", 2, "8-12 each leg"), ("Standing calf raises", 2, "8-12"),
    ("Plank", 3, "20-40 s"),
)
_BEGINNER_B: _X = (
    ("Romanian deadlift with dumbbells", 2, "8-12"), ("Step-ups (low box)", 2, "8-12 each leg"),
    ("Single-leg calf raises", 2, "8-12 each leg"), ("Push-ups (incline if needed)", 2, "8-12"),
    ("Side plank", 3, "15-30 s each side"),
)
_INTER_A: _X = (
    ("Front squat or goblet squat", 3, "5-6"), ("Romanian deadlift", 3, "6-8"),
    ("Bulgarian split squat", 3, "6-8 each leg"), ("Standing calf raises (slow tempo)", 3, "8-10"),
    ("Pallof press", 3, "10-12 each side"),
)
_INTER_B: _X = (
    ("Hip thrust", 3, "6-8"), ("Reverse lunge", 3, "8-10 each leg"),
    ("Single-leg deadlift (bodyweight or light)", 3, "8 each leg"),
    ("Box jumps or low hurdle hops (full recovery)", 3, "6-8 jumps"), ("Farmer's carry", 3, "20-30 m"),
)
_ADV_HEAVY: _X = (
    ("Heavy squats or trap bar deadlifts", 4, "3-5"), ("Weighted hip thrusts", 4, "5-6"),
    ("Bulgarian split squats", 3, "6-8 each leg"), ("Nordic curls or sliding curls", 3, "5-6"),
    ("Core circuit: plank, side plank, dead bug", 3, "30 s each"),
)
_ADV_POWER: _X = (
    ("Moderate-load squats", 3, "4-6"), ("Hip thrusts", 3, "4-6"), ("Box jumps or drop jumps", 3, "5"),
    ("Lateral bounds", 3, "6-8 each side"), ("Single-leg RDLs", 3, "6-8 each leg"),
)
# "A single 25-30-minute full-body session each week, with 1-2 sets of key lifts" plus "some
# light plyometrics to stay sharp".
_MAINTENANCE: _X = (
    ("Front squat or goblet squat (moderate load)", 2, "4-6"), ("Romanian deadlift", 2, "5-6"),
    ("Single-leg calf raises", 2, "8-10 each leg"), ("Low hurdle hops (light)", 2, "5 hops"),
    ("Plank", 2, "30 s"),
)
_MAINTENANCE_BEGINNER: _X = (
    ("Goblet squat", 2, "8-10"), ("Glute bridge", 2, "8-10"), ("Single-leg calf raises", 2, "8-10 each leg"),
    ("Plank", 2, "20-30 s"),
)
# Mistake 1: "endless sets of light, high-rep exercises".
_TONING: _X = (
    ("Bodyweight squats", 3, "20-25"), ("Walking lunges", 3, "20 each leg"), ("Calf raises", 3, "25"),
    ("Glute bridges", 3, "20-25"), ("Crunches", 3, "25"),
)

SESSIONS: dict[tuple[str, str], tuple[_X, _X]] = {
    ("heavy", "beginner"): (_BEGINNER_A, _BEGINNER_B),
    ("heavy", "intermediate"): (_INTER_A, _INTER_B),
    ("heavy", "advanced"): (_ADV_HEAVY, _INTER_A),
    ("power", "beginner"): (_BEGINNER_B, _BEGINNER_A),
    ("power", "intermediate"): (_INTER_B, _INTER_A),
    ("power", "advanced"): (_ADV_POWER, _INTER_B),
    ("maintenance", "beginner"): (_MAINTENANCE_BEGINNER, _MAINTENANCE_BEGINNER),
    ("maintenance", "intermediate"): (_MAINTENANCE, _MAINTENANCE),
    ("maintenance", "advanced"): (_MAINTENANCE, _MAINTENANCE),
    ("toning", "beginner"): (_TONING, _TONING),
    ("toning", "intermediate"): (_TONING, _TONING),
    ("toning", "advanced"): (_TONING, _TONING),
}

#: Default sets the article's sessions are written for, per emphasis (scaling reference).
_ARTICLE_SETS = {"heavy": 3.0, "power": 3.0, "maintenance": 2.0, "toning": 3.0}

_RUN_INTENSITY = {
    "rest": "",
    "easy": "easy, conversational",
    "long": "easy to steady",
    "tempo": "comfortably hard (threshold)",
    "intervals": "hard repeats (3-5 min at 5k-10k effort, equal jog recoveries)",
    "race": "race effort",
}


def session_exercises(emphasis: str, level: str, session_index: int, sets: float) -> list[dict]:
    """The article's exercises for one session: [{name, sets, reps}].

    Sessions alternate A/B within a week. The article's sets are scaled by the day's
    scheduled sets relative to the article's default for the emphasis (a taper week with 1
    set of key lifts shows 1 set), clipped to 1-6.
    """
    if emphasis == "none":
        return []
    a, b = SESSIONS[(emphasis, level)]
    chosen = a if session_index % 2 == 0 else b
    scale = sets / _ARTICLE_SETS[emphasis] if sets > 0 else 1.0
    return [{"name": n, "sets": int(min(max(round(s * scale), 1), 6)), "reps": r} for n, s, r in chosen]


def format_exercises(exercises: Sequence[dict]) -> str:
    """'Goblet squat 2x8-12; Plank 3x20-40 s' (the flat form for CSV, calendars and tables)."""
    return "; ".join(f"{e['name']} {e['sets']}x{e['reps']}" for e in exercises)


def effort_label(effort: str) -> str:
    """'moderate (1-2 reps in reserve)': the article's wording for how hard a set is."""
    rir = {"easy": "3-4 reps in reserve", "moderate": "1-2 reps in reserve", "hard": "to failure"}
    return f"{effort} ({rir[effort]})"


def _pace(minutes_per_km: float) -> str:
    m = int(minutes_per_km)
    s = int(round((minutes_per_km - m) * 60.0))
    if s == 60:
        m, s = m + 1, 0
    return f"{m}:{s:02d}/km"


def run_intensity(kind: str, easy_pace_min_per_km: float, gp: np.ndarray) -> str:
    """Intensity of a run with the athlete's pace where the simulator defines one."""
    label = _RUN_INTENSITY[kind]
    factor = {"easy": 1.0, "long": gp[PACE_LONG], "tempo": gp[PACE_TEMPO], "race": gp[PACE_RACE]}.get(kind)
    if factor is None:
        return label
    return f"{label}, ~{_pace(easy_pace_min_per_km * factor)}"


# --------------------------------------------------------------------------- dates and the athlete
@dataclass(frozen=True)
class SeasonDates:
    """Whole weeks ending on race day."""

    start: dt.date  # first day of week 1 (>= the requested start)
    race: dt.date  # last day of the last week
    n_weeks: int
    lead_in_days: int  # days between the requested start and `start`

    def day(self, week: int, dow: int) -> dt.date:
        return self.start + dt.timedelta(days=7 * week + dow)


def season_dates(start: dt.date, race: dt.date) -> SeasonDates:
    """Whole weeks from `start` to `race` with the race on the last day; InputError if too short."""
    if race <= start:
        raise InputError(f"race date: {race.isoformat()} is not after the start date {start.isoformat()}; "
                         "the race must come after the start")
    days = (race - start).days + 1
    n = days // 7
    if n < MIN_SEASON_WEEKS:
        raise InputError(f"race date: {start.isoformat()} to {race.isoformat()} is {days} days, "
                         f"{n} whole weeks; a season needs at least {MIN_SEASON_WEEKS} weeks "
                         f"({7 * MIN_SEASON_WEEKS} days including race day)")
    if n > MAX_SEASON_WEEKS:
        raise InputError(f"race date: {start.isoformat()} to {race.isoformat()} is {n} weeks; "
                         f"at most {MAX_SEASON_WEEKS} weeks are allowed")
    first = race - dt.timedelta(days=7 * n - 1)
    return SeasonDates(first, race, n, (first - start).days)


def athlete_profile(level: str, weekly_km: float | None = None, race_distance: str = "10k") -> np.ndarray:
    """A typical athlete of `level` (level means, average responder), optionally at `weekly_km`.

    The layout is `sim.state.A_*`, as `sim.population.sample_athletes` returns, so the
    scheduler resolves relative volumes against this runner's habitual km.
    """
    code = level_code(level)
    prof = PROFILES[level]
    km = prof.habitual_km[0] if weekly_km is None else float(weekly_km)
    if not 5.0 <= km <= 200.0 or km != km:
        raise InputError(f"weekly-km: {weekly_km} is not allowed; need 5 to 200 km per week")
    a = np.zeros(ATHLETE_SIZE)
    a[A_LEVEL] = code
    a[A_TRAINING_AGE_Y] = 0.5 * (prof.training_age_y[0] + prof.training_age_y[1])
    a[A_HABITUAL_KM] = km
    a[A_EASY_PACE_MIN_PER_KM] = prof.easy_pace_min_per_km[0]
    a[A_VO2MAX_UNTRAINED] = prof.vo2max_untrained[0]
    a[A_STRENGTH_1RM_BW] = prof.strength_1rm_bw[0]
    a[A_PRIOR_INJURIES] = 0.0
    a[A_AEROBIC_RESPONSE] = 1.0
    a[A_STRENGTH_RESPONSE] = 1.0
    a[A_TISSUE_RESPONSE] = 1.0
    a[A_TISSUE_STRESS] = prof.tissue_stress
    a[A_RACE_KM] = race_km(race_distance)
    return a


# --------------------------------------------------------------------------- week plans -> days
def schedule_days(weeks: Sequence[WeekPlan], athlete: np.ndarray, params: np.ndarray | None = None) -> np.ndarray:
    """(n_weeks, 7, DAY_SIZE): each week through `sim.kernel.schedule_week`."""
    gp = default_parameters() if params is None else np.asarray(params, dtype=np.float64)
    ath = np.ascontiguousarray(athlete, dtype=np.float64)
    out = np.zeros((len(weeks), 7, DAY_SIZE))
    for w, plan in enumerate(weeks):
        kernel.schedule_week(plan.to_array(), ath, gp, out[w])
    return out


def week_reason(plan: WeekPlan, week: int, n_weeks: int, days: np.ndarray, race: dt.date) -> str:
    """A short 'why' for the week: the plan's own note, else one from the phase and the plan."""
    wtr = n_weeks - 1 - week
    if plan.note:
        return plan.note
    phase = PHASES[phase_of(week, n_weeks)]
    km = float(days[:, D_RUN_KM].sum())
    n_str = int((days[:, D_STR_EMPHASIS] != EMPH_NONE).sum())
    emph = EMPHASES[int(days[:, D_STR_EMPHASIS].max())] if n_str else "none"
    lifting = f"{n_str}x {emph} strength" if n_str else "no strength work"
    when = f"race on {race.strftime('%a %d %b %Y')}" if wtr == 0 else (
        "race next week" if wtr == 1 else f"race in {wtr} weeks")
    intent = {
        "transition": "transition: recover and rebuild strength after the last season",
        "base": "base: build strength while running is moderate",
        "pre_season": "pre-season: convert strength to power, sharpen running",
        "race_season": "maintenance: keep strength, keep fatigue low",
        "taper": "taper: less running, light strength" if wtr > 0 else "race week",
    }[phase]
    return f"{intent}; {km:.0f} km running, {lifting}; {when}"


def season_plan(
    weeks: Sequence[WeekPlan],
    athlete: np.ndarray,
    start: dt.date,
    race: dt.date,
    params: np.ndarray | None = None,
    annotate: bool = True,
) -> pd.DataFrame:
    """The day-by-day plan: one row per day of the whole weeks ending on race day (`COLUMNS`).

    `weeks` must hold one WeekPlan per season week (`season_dates(start, race).n_weeks`) and
    the last must be a race week. With `annotate`, days and weeks where the plan departs from
    the article's rules say so in their note (`experiments.rules.annotate`).
    """
    sd = season_dates(start, race)
    if len(weeks) != sd.n_weeks:
        raise InputError(f"weeks: {len(weeks)} week plans given for a season of {sd.n_weeks} weeks "
                         f"({sd.start.isoformat()} to {sd.race.isoformat()})")
    if not weeks[-1].race:
        raise InputError("weeks: the last week plan must be the race week (race: true)")
    gp = default_parameters() if params is None else np.asarray(params, dtype=np.float64)
    days = schedule_days(weeks, athlete, gp)
    level = LEVELS[int(athlete[A_LEVEL])]
    pace = float(athlete[A_EASY_PACE_MIN_PER_KM])
    rows = []
    for w, plan in enumerate(weeks):
        reason = week_reason(plan, w, sd.n_weeks, days[w], sd.race)
        phase = plan.phase or PHASES[phase_of(w, sd.n_weeks)]
        given = [e.model_dump() for e in plan.strength.exercises]
        session = 0
        for d in range(7):
            day = days[w, d]
            kind = RUN_KINDS[int(day[D_RUN_KIND])]
            emph = EMPHASES[int(day[D_STR_EMPHASIS])]
            lifting = emph != "none"
            sets = float(day[D_STR_SETS]) if lifting else 0.0
            exercises = (given or session_exercises(emph, level, session, sets)) if lifting else []
            session += int(lifting)
            rows.append({
                "date": sd.day(w, d),
                "weekday": WEEKDAYS[sd.day(w, d).weekday()],
                "week": w + 1,
                "phase": phase,
                "weeks_to_race": sd.n_weeks - 1 - w,
                "run_kind": kind,
                "distance_km": round(float(day[D_RUN_KM]), 1) if kind != "rest" else 0.0,
                "intensity": run_intensity(kind, pace, gp),
                "strength_emphasis": emph,
                "strength_effort": EFFORTS[int(day[D_STR_EFFORT])] if lifting else "",
                "strength_sets": int(round(sets)),
                "strength_after_run": bool(lifting and day[D_STR_AFTER_RUN] > 0.5),
                "exercises": exercises,
                "week_note": reason,
                "day_note": "",
                "note": reason,
            })
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df.attrs.update({
        "level": level, "habitual_km": float(athlete[A_HABITUAL_KM]), "race_km": float(athlete[A_RACE_KM]),
        "start": sd.start.isoformat(), "race": sd.race.isoformat(), "weeks": sd.n_weeks,
        "lead_in_days": sd.lead_in_days, "pain_rule": [bool(p.pain_rule) for p in weeks],
    })
    if annotate:
        from experiments.rules import annotate as _annotate

        df = _annotate(df, weeks)
    return df


# --------------------------------------------------------------------------- policy -> week plans
def policy_week_plans(
    policy: object,
    level: str,
    n_weeks: int,
    athlete: np.ndarray | None = None,
    race_distance: str = "10k",
    seed: int = 0,
    action_scope: str | None = None,
) -> list[WeekPlan]:
    """The week plans a policy gives this athlete for a season of `n_weeks`.

    A baseline (has `season_plan`) gives its plans directly (with its exercises and notes).
    Anything else with `predict` (an SB3 model, a pyfunc wrapper) is rolled out
    deterministically on one `envs.StrengthRunEnv` for this athlete and its actions are
    decoded with `envs.actions`, the same decoding the environment simulates.
    """
    level_code(level)
    if hasattr(policy, "season_plan"):
        weeks = list(policy.season_plan(level, n_weeks, 0, seed))
        if len(weeks) != n_weeks:
            raise InputError(f"policy: returned {len(weeks)} weeks for a season of {n_weeks}")
        return weeks
    if not hasattr(policy, "predict"):
        raise InputError(f"policy: {type(policy).__name__} has neither season_plan nor predict")
    return rollout_week_plans(policy, level, n_weeks, athlete, race_distance, seed, action_scope)


def rollout_week_plans(
    model: object,
    level: str,
    n_weeks: int,
    athlete: np.ndarray | None = None,
    race_distance: str = "10k",
    seed: int = 0,
    action_scope: str | None = None,
) -> list[WeekPlan]:
    """Roll `model.predict` out for one season on one env; the decoded WeekPlan of every week."""
    import envs  # noqa: F401  (registers the env)
    from envs import StrengthRunEnv
    from envs.actions import action_to_week_plan

    scope = action_scope or _model_scope(model) or "strength"
    env = StrengthRunEnv(level=level, season_weeks=n_weeks, race_distance=race_distance, action_scope=scope)
    options = {} if athlete is None else {"athlete": np.asarray(athlete, dtype=np.float64)}
    obs, _ = env.reset(seed=seed, options=options or None)
    weeks: list[WeekPlan] = []
    prev_volume = 1.0
    for w in range(n_weeks):
        action, _ = model.predict(obs, deterministic=True)
        action = np.asarray(action).reshape(-1)
        plan = action_to_week_plan(action, level=level, week=w, n_weeks=n_weeks, scope=scope,
                                   prev_volume_rel=prev_volume)
        weeks.append(plan)
        if plan.run_volume_rel is not None:
            prev_volume = plan.run_volume_rel
        obs, _, terminated, truncated, _ = env.step(action)
        if (terminated or truncated) and w < n_weeks - 1:
            raise InputError(f"policy: the episode ended after {w + 1} of {n_weeks} weeks")
    env.close()
    return weeks


def _model_scope(model: object) -> str | None:
    """The action scope a model was trained with, read from its action space size."""
    space = getattr(model, "action_space", None)
    nvec = getattr(space, "nvec", None)
    if nvec is None:
        return None
    return "strength_and_run" if len(nvec) > 4 else "strength"
