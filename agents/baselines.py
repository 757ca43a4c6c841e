"""The article's templates, run-only and the five mistakes as policies.

    >>> from agents.baselines import BASELINES
    >>> weeks = BASELINES["intermediate"].season_plan("intermediate", 52)   # list[WeekPlan]
    >>> plans = BASELINES["mistake_random"].plan_array("beginner", 52, 2000, seed=0)
    >>> actions, _ = BASELINES["advanced"].predict(obs)                      # like an SB3 model

Three faces of one policy, all computed by `agents.templates.fill_week` so they cannot
disagree: `plan_array` (numba, a whole population at once: what the evaluation runs),
`season_plan` (labelled `WeekPlan`s with phase, note and the article's exercises: what
export shows) and `predict` (an SB3-style action from an environment observation).

`predict` goes through the environment's action space, which has no field for sets per lift
or the pain rule: the action is the nearest encodable one (`envs.actions.week_plan_to_action`),
so the env sees the default sets of the emphasis and its own pain rule. Evaluate baselines
with `plan_array` (as `agents.evaluation` does) for the exact prescription.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np

from agents import exercises as X
from agents.templates import (
    BEGINNER_EASY_WEEKS,
    PER_ATHLETE,
    S_ADVANCED,
    S_BEGINNER,
    S_DROP_IN_SEASON,
    S_IGNORE_PAIN,
    S_LIFT_BEFORE_KEY,
    S_RANDOM,
    S_RUN_ONLY,
    S_TONING_ONLY,
    STRATEGIES,
    fill_week,
    random_exercise_pick,
    season_array,
)
from sim.errors import InputError
from sim.plan import Exercise, WeekPlan
from sim.season import MIN_SEASON_WEEKS, PHASES, phase_of
from sim.state import (
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPH_TONING,
    LEVELS,
    P_EMPHASIS,
    P_SETS,
    P_STR_SESSIONS,
    PLAN_SIZE,
)

ACTION_SCOPES = ("strength", "strength_and_run")
RANDOM_EXERCISES_PER_SESSION = 5

_PHASE_NOTE = {
    "transition": "transition after last season's race: rebuild strength",
    "base": "off-season/base: build strength with heavy lifts",
    "pre_season": "pre-season: convert strength to power",
    "race_season": "maintenance",
    "taper": "taper: light maintenance, fewer sets",
}


def level_index(level: str | int) -> int:
    """Level code 0-2 from a name (or a code); InputError naming the value otherwise."""
    if isinstance(level, str):
        if level not in LEVELS:
            raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
        return LEVELS.index(level)
    if isinstance(level, (int, np.integer)) and 0 <= int(level) < len(LEVELS):
        return int(level)
    raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)} (or 0-2)")


def _check_weeks(n_weeks: int) -> int:
    if not isinstance(n_weeks, (int, np.integer)) or n_weeks < MIN_SEASON_WEEKS:
        raise InputError(f"season_weeks: {n_weeks!r} is not allowed; "
                         f"need a whole number >= {MIN_SEASON_WEEKS}")
    return int(n_weeks)


@dataclasses.dataclass(frozen=True)
class Baseline:
    """A hand-written season strategy (see `agents.templates` for the prescriptions).

    `action_scope` and `seed` only matter to `predict`: the scope is "strength" (4 action
    components) or "strength_and_run" (8: running and sets too), matching the environment the policy acts in; the
    seed is that of the random workouts (`plan_array` and `season_plan` take it as argument).
    """

    name: str
    strategy: int
    description: str
    action_scope: str = "strength"
    seed: int = 0

    @property
    def per_athlete(self) -> bool:
        """True when athletes get different plans (random workouts)."""
        return self.strategy in PER_ATHLETE

    def with_scope(self, action_scope: str, seed: int | None = None) -> Baseline:
        """A copy acting in an environment of `action_scope` (and drawing random workouts from `seed`)."""
        if action_scope not in ACTION_SCOPES:
            raise InputError(f"action_scope: {action_scope!r} is not allowed; "
                             f"allowed: {', '.join(ACTION_SCOPES)}")
        seed = self.seed if seed is None else int(seed)
        return dataclasses.replace(self, action_scope=action_scope, seed=seed)

    # ------------------------------------------------------------------ numba form
    def plan_array(self, level: str | int, n_weeks: int, n_athletes: int = 1, seed: int = 0) -> np.ndarray:
        """(1 or n_athletes, n_weeks, PLAN_SIZE): the season for athletes of `level`, in one numba call."""
        if n_athletes < 1:
            raise InputError(f"athletes: {n_athletes} is not allowed; need at least 1")
        lv, n = level_index(level), _check_weeks(n_weeks)
        return season_array(self.strategy, lv, n, int(n_athletes), int(seed))

    # ------------------------------------------------------------------ labelled week plans
    def season_plan(self, level: str | int, n_weeks: int, athlete_index: int = 0,
                    seed: int = 0) -> list[WeekPlan]:
        """The season as labelled week plans (phase, note, exercises) for one athlete of `level`."""
        lv = level_index(level)
        n = _check_weeks(n_weeks)
        arr = season_array(self.strategy, lv, n, 1, int(seed), int(athlete_index))[0]
        return [
            WeekPlan.from_array(arr[w], phase=PHASES[phase_of(w, n)], note=self._note(lv, w, n, arr[w]),
                                exercises=self._exercises(lv, w, n, arr[w], int(seed), int(athlete_index)))
            for w in range(n)
        ]

    def _note(self, level: int, week: int, n_weeks: int, v: np.ndarray) -> str:
        phase = PHASES[phase_of(week, n_weeks)]
        wtr = n_weeks - 1 - week
        when = "race on day 7 of this week" if wtr == 0 else f"race in {wtr} week{'s' if wtr > 1 else ''}"
        s = self.strategy
        if s == S_RUN_ONLY:
            return f"run only, no strength work: {when}"
        if s == S_RANDOM:
            return f"mistake (random workouts): this week's session drawn at random, no plan: {when}"
        if s == S_DROP_IN_SEASON and v[P_STR_SESSIONS] == 0:
            return f"mistake (dropping strength as racing approaches): no strength work: {when}"
        template = s if s <= S_ADVANCED else level
        if template == S_BEGINNER and week < BEGINNER_EASY_WEEKS:
            what = "first weeks: learn the movements at easy effort"
        elif template == S_BEGINNER and phase == "pre_season":  # the beginner plan has no plyometrics
            what = "pre-season: keep building strength"
        else:
            what = _PHASE_NOTE[phase]
        note = f"{what}: {when}"
        if s == S_TONING_ONLY:
            return f"mistake (toning only, light high-rep sets): {phase}: {when}"
        if s == S_LIFT_BEFORE_KEY:
            return f"mistake (hard lifting the day before key runs): {note}"
        if s == S_IGNORE_PAIN:
            return f"mistake (training through pain): {note}"
        return note

    def _exercises(self, level: int, week: int, n_weeks: int, v: np.ndarray, seed: int,
                   athlete: int) -> tuple[Exercise, ...]:
        sessions = int(round(v[P_STR_SESSIONS]))
        emphasis = int(round(v[P_EMPHASIS]))
        sets = int(round(v[P_SETS])) if v[P_SETS] > 0 else 2
        if sessions == 0 or emphasis == EMPH_NONE:
            return ()
        if self.strategy == S_RANDOM:
            pool = X.ALL_EXERCISES
            picks = [pool[random_exercise_pick(seed, athlete, week, len(pool), k)]
                     for k in range(RANDOM_EXERCISES_PER_SESSION)]
            unique = {e.name: e for e in picks}.values()
            return X.with_sets(tuple(unique), sets)
        if emphasis == EMPH_TONING:
            return X.with_sets(X.TONING, sets)
        if emphasis == EMPH_MAINTENANCE:
            return X.maintenance(sets)
        template = self.strategy if self.strategy <= S_ADVANCED else level
        phase = PHASES[phase_of(week, n_weeks)]
        if template == S_BEGINNER:
            if sessions >= 2:
                return X.labelled(A=X.BEGINNER_A, B=X.BEGINNER_B)
            return X.BEGINNER_A if week % 2 == 0 else X.BEGINNER_B
        if template == 1:
            return X.labelled(A=X.INTERMEDIATE_A, B=X.INTERMEDIATE_B)
        return X.ADVANCED_PRE_SEASON if phase == "pre_season" else X.ADVANCED_OFF_SEASON

    # ------------------------------------------------------------------ SB3-style policy
    def predict(self, observation: np.ndarray, state: object = None, episode_start: np.ndarray | None = None,
                deterministic: bool = True) -> tuple[np.ndarray, None]:
        """Actions for a batch of observations (or one), like `stable_baselines3` models.

        Reads the season week, season length, level and last planned volume from the
        observation (`envs.observation.O_*`); row i of a batch is athlete i for the random
        workouts. `state`, `episode_start` and `deterministic` are accepted for SB3
        compatibility and ignored: the templates are deterministic and memoryless.
        """
        from envs.observation import O_LEVEL, O_PREV_VOLUME_REL, O_SEASON_WEEKS, O_WEEK

        obs = np.asarray(observation, dtype=np.float64)
        single = obs.ndim == 1
        obs2 = np.atleast_2d(obs)
        actions = []
        for i, row in enumerate(obs2):
            n_weeks = max(int(round(row[O_SEASON_WEEKS])), 1)
            week = min(max(int(round(row[O_WEEK])), 0), n_weeks - 1)
            level = min(max(int(round(row[O_LEVEL])), 0), len(LEVELS) - 1)
            athlete, seed = (i, self.seed) if self.per_athlete else (0, 0)
            actions.append(_action(self.strategy, level, week, n_weeks, seed, athlete,
                                   float(row[O_PREV_VOLUME_REL]), self.action_scope))
        out = np.stack(actions)
        return (out[0] if single else out), None


@lru_cache(maxsize=65536)
def _action(strategy: int, level: int, week: int, n_weeks: int, seed: int, athlete: int,
            prev_volume_rel: float, scope: str) -> np.ndarray:
    from envs.actions import week_plan_to_action

    v = np.empty(PLAN_SIZE)
    fill_week(strategy, level, week, n_weeks, seed, athlete, v)
    a = np.asarray(week_plan_to_action(WeekPlan.from_array(v), prev_volume_rel, scope))
    a.setflags(write=False)
    return a


_DESCRIPTIONS = {
    "beginner": "article's beginner plan: 1-2x/week sessions A/B, 2 sets x 8-12, 1-2 reps in reserve",
    "intermediate": "article's intermediate plan: 2x/week, A strength-biased, B strength + plyometrics",
    "advanced": "article's advanced plan: off-season heavy 3x, pre-season power 2x, race season 1x",
    "run_only": "the level's reference running, no strength work",
    "mistake_toning_only": "mistake 1: the level's template as light high-rep toning instead of heavy lifts",
    "mistake_random": "mistake 2: random sessions, emphasis, effort, placement and sets every week",
    "mistake_lift_before_key": "mistake 3: the level's template lifted hard the day before key runs",
    "mistake_drop_in_season": "mistake 5: the level template, no strength in pre-season, race season, taper",
    "mistake_ignore_pain": "mistake 4: the level's template, training through pain (no pain rule)",
}

BASELINES: dict[str, Baseline] = {
    name: Baseline(name, code, _DESCRIPTIONS[name]) for code, name in enumerate(STRATEGIES)
}
TEMPLATES = ("beginner", "intermediate", "advanced")
MISTAKES = tuple(n for n in STRATEGIES if n.startswith("mistake_"))
#: the outcome on which the article says each mistake hurts (agents.evaluation column names)
MISTAKE_OUTCOME = {
    "mistake_toning_only": "race_time_pct",
    "mistake_random": "race_time_pct",
    "mistake_lift_before_key": "key_run_quality_pct",
    "mistake_drop_in_season": "race_time_pct",
    "mistake_ignore_pain": "injured_days",
}

__all__ = ["Baseline", "BASELINES", "TEMPLATES", "MISTAKES", "MISTAKE_OUTCOME", "level_index"]
