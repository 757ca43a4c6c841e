"""A season of week plans -> the dated, day-by-day plan a runner follows.

The days come from `sim.kernel.schedule_week` on `WeekPlan.to_array()`, the same scheduler
the simulator trains and evaluates with, so the exported plan is exactly the plan whose
outcome was measured (there is no second scheduler). This module adds what a person needs
on top: dates, the season phase, paces, the article's exercises with sets x reps, and a
short reason per week. Rule checks and the notes about deviations come from
`experiments.plans.rules`.

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
from sim.parameters import PACE_INTERVALS, PACE_LONG, PACE_RACE, PACE_TEMPO, default_parameters
from sim.plan import Exercise, WeekPlan
from sim.population import PROFILES, level_code, race_km
from sim.season import MIN_SEASON_WEEKS, PHASES, TAPER_WEEKS, phase_of
from sim.state import (
    A_AEROBIC_RESPONSE,
    A_EASY_PACE_MIN_PER_KM,
    A_HABITUAL_KM,
    A_LEVEL,
    A_PRIOR_INJURIES,
    A_RACE_KM,
    A_STRENGTH_1RM_BW,
    A_STRENGTH_RESPONSE,
    A_TISSUE_RESPONSE,
    A_TISSUE_STRESS,
    A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED,
    ATHLETE_SIZE,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_AFTER_RUN,
    D_STR_EFFORT,
    D_STR_EMPHASIS,
    D_STR_SETS,
    DAY_SIZE,
    EFFORTS,
    EMPH_NONE,
    EMPHASES,
    LEVELS,
    RUN_KINDS,
)

#: Longest season the exporter accepts (two years): longer horizons are not what the policies saw.
MAX_SEASON_WEEKS = 104
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: Columns of the day frame, in order (`exercises` holds a list of {name, sets, reps} dicts).
COLUMNS = (
    "date",
    "weekday",
    "week",
    "phase",
    "weeks_to_race",
    "run_kind",
    "distance_km",
    "intensity",
    "strength_emphasis",
    "strength_effort",
    "strength_sets",
    "strength_after_run",
    "exercises",
    "week_note",
    "day_note",
    "note",
)


# --------------------------------------------------------------------------- the article's sessions
def _catalog(emphasis: str, level: str) -> tuple[tuple[Exercise, ...], ...]:
    """The article's sessions (agents.exercises) for an emphasis and level, alternated within a week."""
    from agents import exercises as X

    if emphasis == "heavy":
        return {
            "beginner": (X.BEGINNER_A, X.BEGINNER_B),
            "intermediate": (X.INTERMEDIATE_A, X.INTERMEDIATE_B),
            "advanced": (X.ADVANCED_OFF_SEASON,),
        }[level]
    if emphasis == "power":
        return (X.ADVANCED_PRE_SEASON,) if level == "advanced" else (X.INTERMEDIATE_B,)
    if emphasis == "maintenance":
        return (X.MAINTENANCE,)
    return (X.TONING,)


# --------------------------------------------------------------------------- what each exercise is
#: Words that mark exercises whose effort is never "to failure": plyometrics (quality of every contact
#: is the point), loaded carries (posture) and anti-rotation/core holds (position). Checked on lower-case names.
PLYOMETRIC_WORDS = ("jump", "hop", "bound", "plyometric", "skip")
CARRY_WORDS = ("carry", "carries")
CORE_WORDS = ("pallof", "plank", "dead bug", "core circuit", "anti-rotation", "bird dog")
BODYWEIGHT_WORDS = ("bodyweight", "push-up", "nordic", "sliding curl", "step-up")
RIR = {"easy": (3, 4), "moderate": (1, 2), "hard": (0, 0)}


def exercise_kind(name: str) -> str:
    """plyometric | carry | core | bodyweight | lift (a loaded lift, the only kind taken to failure)."""
    n = name.lower()
    for kind, words in (("plyometric", PLYOMETRIC_WORDS), ("carry", CARRY_WORDS), ("core", CORE_WORDS),
                        ("bodyweight", BODYWEIGHT_WORDS)):
        if any(w in n for w in words):
            return kind
    return "lift"


def _rep_range(reps: str) -> tuple[int, int] | None:
    import re

    m = re.match(r"\s*(\d+)(?:\s*-\s*(\d+))?", str(reps))
    if not m or re.match(r"\s*\d+(?:\s*-\s*\d+)?\s*(s|m|round)", str(reps)):
        return None
    lo = int(m.group(1))
    return lo, int(m.group(2) or lo)


def percent_1rm(reps: int) -> float:
    """Load (% of the one-repetition maximum) that allows `reps` repetitions to failure (Epley)."""
    return 100.0 / (1.0 + reps / 30.0)


def exercise_load(name: str, reps: str, effort: str) -> str:
    """How heavy and how hard, per exercise: '~80-85% 1RM, 1-2 reps in reserve' for a loaded lift.

    Loads come from the reps and the reps left in reserve (Epley: %1RM = 100 / (1 + (reps + RIR) / 30)).
    Plyometrics, carries and core holds are never to failure whatever the session's effort.
    """
    kind = exercise_kind(name)
    if kind == "plyometric":
        return "bodyweight, explosive, full recovery, stop when height or rhythm drops: never to failure"
    if kind == "carry":
        return "the heaviest load you carry with a tall, steady posture: never to failure"
    if kind == "core":
        return "controlled, stop before the position breaks: never to failure"
    lo_rir, hi_rir = RIR.get(effort, (1, 2))
    if kind == "bodyweight":
        # balance and eccentric work (single-leg deadlift, Nordic curl) stops while the form holds: hard effort
        # here is 1-2 reps in reserve, never to failure (issue 24)
        lo_b, hi_b = (lo_rir, hi_rir) if hi_rir > 0 else RIR["moderate"]
        return f"bodyweight or light, {lo_b}-{hi_b} reps in reserve: never to failure"
    rir = "0 reps in reserve: to failure" if hi_rir == 0 else f"{lo_rir}-{hi_rir} reps in reserve"
    rng = _rep_range(reps)
    if rng is None:
        return rir
    heavy = 5 * round(percent_1rm(rng[0] + lo_rir) / 5)
    light = 5 * round(percent_1rm(rng[1] + hi_rir) / 5)
    load = f"~{light}% 1RM" if light == heavy else f"~{light}-{heavy}% 1RM"
    return f"{load}, {rir}"


def session_exercises(
    emphasis: str,
    level: str,
    session_index: int,
    sets: float,
    given: Sequence[Exercise] = (),
    effort: str = "moderate",
) -> list[dict]:
    """The exercises of one strength session: [{name, sets, reps, load}].

    `given` (the week plan's own exercises, e.g. a template's) wins; its sessions are told
    apart by their "A: " / "B: " labels and alternate within the week. Otherwise the article's
    session for the emphasis and level is used, with sets scaled by the day's scheduled sets
    relative to the session's key lift (a taper week with 1 set of key lifts shows 1 set).
    `load` is the load and reps in reserve of each exercise at the session's effort (`exercise_load`).
    """
    if emphasis == "none":
        return []
    if given:
        from agents.exercises import split_sessions

        sessions = list(split_sessions(tuple(given)).values())
        chosen = sessions[session_index % len(sessions)]
        return [{"name": e.name, "sets": e.sets, "reps": e.reps, "load": exercise_load(e.name, e.reps, effort)}
                for e in chosen]
    sessions = _catalog(emphasis, level)
    chosen = sessions[session_index % len(sessions)]
    scale = sets / chosen[0].sets if sets > 0 else 1.0
    return [
        {"name": e.name, "sets": int(min(max(round(e.sets * scale), 1), 6)), "reps": e.reps,
         "load": exercise_load(e.name, e.reps, effort)}
        for e in chosen
    ]


_RUN_INTENSITY = {
    "rest": "",
    "easy": "easy, conversational",
    "long": "easy to steady",
    "tempo": "comfortably hard (threshold)",
    "intervals": "hard repeats at 5k-10k effort, jog recoveries",
    "race": "race effort",
}
WARMUP = ("Warm-up before every session: 10 min easy jogging (or the day's run) and dynamic drills; before "
          "a tempo or interval run add 4-6 relaxed strides; before lifting, 2 ramp-up sets of the first lift "
          "(about 50% and 75% of the working load).")


def format_exercises(exercises: Sequence[dict]) -> str:
    """'Goblet squat 2x8-12 @ ~70% 1RM, 1-2 reps in reserve; Plank 3x20-40 s @ ...' (CSV, calendars, tables)."""
    return "; ".join(f"{e['name']} {e['sets']}x{e['reps']}" + (f" @ {e['load']}" if e.get("load") else "")
                     for e in exercises)


def effort_label(effort: str) -> str:
    """'moderate (1-2 reps in reserve)': the article's wording for how hard a set of a main lift is."""
    rir = {"easy": "3-4 reps in reserve", "moderate": "1-2 reps in reserve",
           "hard": "main lifts to failure"}
    return f"{effort} ({rir[effort]})"


def _pace(minutes_per_km: float) -> str:
    m = int(minutes_per_km)
    s = int(round((minutes_per_km - m) * 60.0))
    if s == 60:
        m, s = m + 1, 0
    return f"{m}:{s:02d}/km"


def run_intensity(kind: str, easy_pace_min_per_km: float, gp: np.ndarray, km: float | None = None) -> str:
    """Intensity of a run with the athlete's pace where the simulator defines one.

    With the day's `km`, a tempo or interval run is described step by step exactly as its FIT workout
    (`experiments.plans.fitworkouts.workout_steps`): warm-up, the threshold block or the number of 1 km
    repeats with their recovery jogs, cool-down; the pace at the end is that of the work.
    """
    label = _RUN_INTENSITY[kind]
    factor = {"easy": 1.0, "long": gp[PACE_LONG], "tempo": gp[PACE_TEMPO], "race": gp[PACE_RACE]}.get(kind)
    if km is not None and kind in ("tempo", "intervals") and km > 0:
        from experiments.plans.fitworkouts import RECOVERY_KM, workout_steps

        easy = easy_pace_min_per_km
        paces = {"easy": easy, "threshold": easy * gp[PACE_TEMPO], "interval": easy * (2 * gp[PACE_INTERVALS] - 1.0),
                 "race": easy * gp[PACE_RACE]}
        steps = workout_steps(kind, km, paces)
        work = paces["threshold" if kind == "tempo" else "interval"]
        if len(steps) == 1:
            what = ("comfortably hard (threshold)" if kind == "tempo"
                    else "hard at 5k-10k effort, in 3-4 min repeats with equal jogs")
            return f"{km:.1f} km {what} (too short for a separate warm-up), ~{_pace(work)}"
        wu, cd = steps[0][1], steps[-1][1]
        if kind == "tempo":
            main = f"{steps[1][1]:.1f} km comfortably hard (threshold)"
        else:
            reps = steps[3][2]
            main = f"{reps} x {steps[1][1]:g} km hard at 5k-10k effort with {1000 * RECOVERY_KM:.0f} m jogs"
        return f"{wu:g} km warm-up, {main}, {cd:g} km cool-down, ~{_pace(work)}"
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
        raise InputError(
            f"race date: {race.isoformat()} is not after the start date {start.isoformat()}; "
            "the race must come after the start"
        )
    days = (race - start).days + 1
    n = days // 7
    if n < MIN_SEASON_WEEKS:
        raise InputError(
            f"race date: {start.isoformat()} to {race.isoformat()} is {days} days, "
            f"{n} whole weeks; a season needs at least {MIN_SEASON_WEEKS} weeks "
            f"({7 * MIN_SEASON_WEEKS} days including race day)"
        )
    if n > MAX_SEASON_WEEKS:
        raise InputError(
            f"race date: {start.isoformat()} to {race.isoformat()} is {n} weeks; "
            f"at most {MAX_SEASON_WEEKS} weeks are allowed"
        )
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
def schedule_days(
    weeks: Sequence[WeekPlan], athlete: np.ndarray, params: np.ndarray | None = None
) -> np.ndarray:
    """(n_weeks, 7, DAY_SIZE): each week through `sim.kernel.schedule_week`."""
    gp = default_parameters() if params is None else np.asarray(params, dtype=np.float64)
    ath = np.ascontiguousarray(athlete, dtype=np.float64)
    out = np.zeros((len(weeks), 7, DAY_SIZE))
    for w, plan in enumerate(weeks):
        kernel.schedule_week(plan.to_array(), ath, gp, out[w])
    return out


def planned_km(plan: WeekPlan, athlete: np.ndarray) -> float:
    """The week's running volume the plan asks for (relative volumes resolved against habitual km)."""
    if plan.run_km is not None:
        return float(plan.run_km)
    return float(plan.run_volume_rel or 0.0) * float(athlete[A_HABITUAL_KM])


def _is_light(emph: str, effort: str, n: int) -> bool:
    return n <= 2 and emph in ("maintenance", "toning", "none") and effort != "hard"


def _lifting_text(plan: WeekPlan, days: np.ndarray, n_str: int, emph: str) -> str:
    """The week's lifting as scheduled: '3x heavy strength at hard effort', or, where the scheduler lightened
    sessions (next to key runs or hard days), '3x heavy strength: 1 at hard effort, 2 at easy (lightened by the
    scheduler)', never the planned effort for sessions that are not done at it (issue 24)."""
    if not n_str:
        return "no strength work"
    on = days[:, D_STR_EMPHASIS] != EMPH_NONE
    counts = {e: int(n) for e, n in zip(*np.unique(days[on, D_STR_EFFORT].astype(int), return_counts=True),
                                         strict=True)}
    if len(counts) == 1:
        return f"{n_str}x {emph} strength at {EFFORTS[next(iter(counts))]} effort"
    parts = [f"{n} at {EFFORTS[e]} effort" if i == 0 else f"{n} at {EFFORTS[e]}"
             for i, (e, n) in enumerate(sorted(counts.items(), reverse=True))]
    planned = EFFORTS.index(plan.strength.effort) if plan.strength.active else max(counts)
    lighter = sum(n for e, n in counts.items() if e < planned)
    why = f" ({lighter} lightened by the scheduler)" if lighter else ""
    return f"{n_str}x {emph} strength: {', '.join(parts)}{why}"


def week_reason(plan: WeekPlan, week: int, n_weeks: int, days: np.ndarray, race: dt.date,
                before_km: float | None = None) -> str:
    """A short 'why' for the week: the plan's own note, else one from the phase and what the week prescribes.

    The phase's usual intent is said only where the week does it (a taper week with 3 heavy sessions is not
    called "light strength"); otherwise the note says what the week does instead. `before_km`: mean weekly km
    before the taper, to tell whether a taper week runs less.
    """
    wtr = n_weeks - 1 - week
    if plan.note:
        return plan.note
    phase = PHASES[phase_of(week, n_weeks)]
    km = float(days[:, D_RUN_KM].sum())
    on = days[:, D_STR_EMPHASIS] != EMPH_NONE
    n_str = int(on.sum())
    emph = EMPHASES[int(days[:, D_STR_EMPHASIS].max())] if n_str else "none"
    effort = EFFORTS[int(days[on, D_STR_EFFORT].max())] if n_str else ""
    lifting = _lifting_text(plan, days, n_str, emph)
    when = (
        f"race on {race.strftime('%a %d %b %Y')}"
        if wtr == 0
        else ("race next week" if wtr == 1 else f"race in {wtr} weeks")
    )
    light = _is_light(emph, effort, n_str)
    if phase == "transition":
        intent = "transition: recover and rebuild after the last season"
    elif phase == "base":
        intent = "base: build strength while running is moderate" if n_str else "base: build running"
    elif phase == "pre_season":
        intent = ("pre-season: convert strength to power, sharpen running" if emph == "power"
                  else f"pre-season: sharpen running; {emph} strength kept instead of the usual switch to power"
                  if n_str else "pre-season: sharpen running")
    elif phase == "race_season":
        intent = ("race season: keep strength with maintenance work, keep fatigue low" if light and n_str
                  else "race season: strength dropped (the article keeps 1-2 maintenance sessions)" if not n_str
                  else "race season: more strength than the usual 1-2 maintenance sessions")
    elif wtr == 0:
        intent = "race week: stay fresh"
    else:
        less = before_km is not None and km <= 0.9 * before_km
        run = "less running" if less else "running not reduced"
        lift = ("no strength" if not n_str else "light strength" if light
                else "strength not reduced to light work")
        intent = f"taper: {run}, {lift}"
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
    the article's rules say so in their note (`experiments.plans.rules.annotate`).
    """
    sd = season_dates(start, race)
    if len(weeks) != sd.n_weeks:
        raise InputError(
            f"weeks: {len(weeks)} week plans given for a season of {sd.n_weeks} weeks "
            f"({sd.start.isoformat()} to {sd.race.isoformat()})"
        )
    if not weeks[-1].race:
        raise InputError("weeks: the last week plan must be the race week (race: true)")
    gp = default_parameters() if params is None else np.asarray(params, dtype=np.float64)
    days = schedule_days(weeks, athlete, gp)
    level = LEVELS[int(athlete[A_LEVEL])]
    pace = float(athlete[A_EASY_PACE_MIN_PER_KM])
    rows = []
    n_pre = max(sd.n_weeks - 1 - TAPER_WEEKS, 0)
    before = days[max(n_pre - 4, 0):n_pre, :, D_RUN_KM].sum(axis=1)
    before_km = float(before.mean()) if len(before) else None
    for w, plan in enumerate(weeks):
        reason = week_reason(plan, w, sd.n_weeks, days[w], sd.race, before_km)
        asked = planned_km(plan, athlete)
        done = float(days[w, :, D_RUN_KM].sum())
        if abs(asked - done) >= 0.5:
            reason += (f". The plan asked for {asked:.1f} km; the scheduler gives {done:.1f} km (a key run is at "
                       "least 3 km, an easy run at least 2 km, and the race distance counts in race week)")
        phase = plan.phase or PHASES[phase_of(w, sd.n_weeks)]
        given = plan.strength.exercises
        session = 0
        for d in range(7):
            day = days[w, d]
            kind = RUN_KINDS[int(day[D_RUN_KIND])]
            emph = EMPHASES[int(day[D_STR_EMPHASIS])]
            lifting = emph != "none"
            sets = float(day[D_STR_SETS]) if lifting else 0.0
            effort = EFFORTS[int(day[D_STR_EFFORT])] if lifting else ""
            exercises = session_exercises(emph, level, session, sets, given, effort) if lifting else []
            session += int(lifting)
            rows.append(
                {
                    "date": sd.day(w, d),
                    "weekday": WEEKDAYS[sd.day(w, d).weekday()],
                    "week": w + 1,
                    "phase": phase,
                    "weeks_to_race": sd.n_weeks - 1 - w,
                    "run_kind": kind,
                    "distance_km": round(float(day[D_RUN_KM]), 1) if kind != "rest" else 0.0,
                    "intensity": run_intensity(kind, pace, gp, float(day[D_RUN_KM])),
                    "strength_emphasis": emph,
                    "strength_effort": effort,
                    "strength_sets": int(round(sets)),
                    "strength_after_run": bool(lifting and day[D_STR_AFTER_RUN] > 0.5),
                    "exercises": exercises,
                    "week_note": reason,
                    "day_note": "",
                    "note": reason,
                }
            )
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    df.attrs.update(
        {
            "level": level,
            "habitual_km": float(athlete[A_HABITUAL_KM]),
            "easy_pace_min_per_km": pace,
            "race_km": float(athlete[A_RACE_KM]),
            "start": sd.start.isoformat(),
            "race": sd.race.isoformat(),
            "weeks": sd.n_weeks,
            "lead_in_days": sd.lead_in_days,
            "pain_rule": [bool(p.pain_rule) for p in weeks],
        }
    )
    if annotate:
        from experiments.plans.rules import annotate as _annotate

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
    env_kwargs: dict | None = None,
) -> list[WeekPlan]:
    """The week plans a policy gives this athlete for a season of `n_weeks`.

    A baseline (has `season_plan`) gives its plans directly, with its exercises and notes.
    Anything else with `predict` (an SB3 model, `experiments.policy.Predictor`) is rolled out
    deterministically for this one athlete (`rollout_week_plans`).
    """
    level_code(level)
    if hasattr(policy, "season_plan"):
        weeks = list(policy.season_plan(level, n_weeks, 0, seed))
        if len(weeks) != n_weeks:
            raise InputError(f"policy: returned {len(weeks)} weeks for a season of {n_weeks}")
        return weeks
    if not hasattr(policy, "predict"):
        raise InputError(f"policy: {type(policy).__name__} has neither season_plan nor predict")
    if athlete is None:
        athlete = athlete_profile(level, None, race_distance)
    kwargs = dict(getattr(policy, "env_kwargs", None) or {})
    kwargs.update(env_kwargs or {})
    return rollout_week_plans(policy, athlete, n_weeks, race_distance, seed, kwargs)


def rollout_week_plans(
    model: object,
    athlete: np.ndarray,
    n_weeks: int,
    race_distance: str = "10k",
    seed: int = 0,
    env_kwargs: dict | None = None,
) -> list[WeekPlan]:
    """Roll `model.predict` out for one season of one athlete; the WeekPlan of every week.

    The athlete is a one-member cohort (population seed `seed`) run on the batched
    environment (`agents.evaluation.rollout_plans` over `StrengthRunVecEnv.from_cohort`),
    whose actions are decoded by `envs.actions` into the plans it simulates. This is the
    path the registered pyfunc model and the evaluation take, so all three give the same
    weeks for the same athlete.
    """
    from agents.evaluation import rollout_plans
    from sim.whatif import make_cohort

    kwargs = {k: v for k, v in (env_kwargs or {}).items() if k != "season_weeks"}
    kwargs["race_distance"] = race_distance
    if "action_scope" not in kwargs:
        kwargs["action_scope"] = _model_scope(model) or "strength"
    prof = np.ascontiguousarray(np.asarray(athlete, dtype=np.float64)[None])
    cohort = make_cohort("mixed", 1, seed, race_distance, profiles=prof)
    if hasattr(model, "reset"):
        model.reset()
    plans = rollout_plans(model, cohort, n_weeks, **kwargs)
    return [WeekPlan.from_array(plans[0, w], phase=PHASES[phase_of(w, n_weeks)]) for w in range(n_weeks)]


def _model_scope(model: object) -> str | None:
    """The action scope a model acts in, from its attribute or its action space size."""
    scope = getattr(model, "action_scope", None)
    if scope:
        return str(scope)
    nvec = getattr(getattr(model, "action_space", None), "nvec", None)
    if nvec is None:
        return None
    return "strength_and_run" if len(nvec) > 4 else "strength"
