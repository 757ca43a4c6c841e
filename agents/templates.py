"""The article's strength templates and mistakes as numba week-plan writers.

Every baseline is a *strategy* code. `fill_week(strategy, level, week, n_weeks, seed,
athlete, plan)` writes one week plan vector (`sim.state.P_*`): running from
`sim.season.reference_run_week` (so all baselines share the same running and only the
strength differs), then the strategy's strength prescription for the week's phase
(`sim.season.phase_of`, by weeks to race). `fill_seasons` does a whole population in one
numba call, which is how the evaluation stays inside the batched kernels instead of one
Python call per athlete-week.

Prescriptions per template and phase (sessions, emphasis, effort, sets per key lift), from
the article's sample plans and "Putting It All Together for Your Season":

=============  ==================  ==================  ==================
phase          beginner            intermediate        advanced
=============  ==================  ==================  ==================
transition     2 heavy easy 2      2 heavy mod 3       2 heavy mod 3
base           2 heavy mod 2       2 heavy mod 3       3 heavy mod 4
pre_season     2 heavy mod 2       2 power mod 3       2 power mod 3
race_season    1 maint mod 2       2->1 maint mod 2    1 maint mod 2
taper          1 maint easy 1      1 maint easy 1      1 maint easy 1
=============  ==================  ==================  ==================

"mod" (moderate) is the article's "keep 1-2 reps in the tank"; beginners keep their first
three weeks easy ("keep intensity conservative while you learn movement patterns");
intermediates do two short race-season sessions early and one as the race approaches
("1-2 short sessions per week early in the season, then 1 session as key races approach");
the taper is light with fewer sets. Placement is after an easy run and the pain rule is on.
"""

from __future__ import annotations

import numpy as np

from sim import kernel
from sim._jit import njit
from sim.kernel import day_hash, draw_base, uniform_at
from sim.season import PHASE_PRE, PHASE_RACE, PHASE_TAPER, phase_of, reference_run_week
from sim.state import (
    EFFORT_EASY,
    EFFORT_HARD,
    EFFORT_MODERATE,
    EMPH_HEAVY,
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPH_POWER,
    EMPH_TONING,
    P_EFFORT,
    P_EMPHASIS,
    P_PAIN_RULE,
    P_PLACEMENT,
    P_SETS,
    P_STR_SESSIONS,
    PLACE_AFTER_EASY,
    PLACE_BEFORE_KEY,
    PLAN_SIZE,
)

# --------------------------------------------------------------------------- strategy codes
S_BEGINNER, S_INTERMEDIATE, S_ADVANCED = 0, 1, 2  # = the level codes of their templates
S_RUN_ONLY = 3
S_TONING_ONLY = 4
S_RANDOM = 5
S_LIFT_BEFORE_KEY = 6
S_DROP_IN_SEASON = 7
S_IGNORE_PAIN = 8
STRATEGIES = (
    "beginner", "intermediate", "advanced", "run_only", "mistake_toning_only", "mistake_random",
    "mistake_lift_before_key", "mistake_drop_in_season", "mistake_ignore_pain",
)
#: strategies whose plan differs between athletes (the others give one shared plan row)
PER_ATHLETE = (S_RANDOM,)

# --------------------------------------------------------------------------- the table above
# Indexed [template][phase]; phases in sim.season order (transition, base, pre, race, taper).
_SESSIONS = ((2, 2, 2, 1, 1), (2, 2, 2, 2, 1), (2, 3, 2, 1, 1))
_EMPHASIS = (
    (EMPH_HEAVY, EMPH_HEAVY, EMPH_HEAVY, EMPH_MAINTENANCE, EMPH_MAINTENANCE),
    (EMPH_HEAVY, EMPH_HEAVY, EMPH_POWER, EMPH_MAINTENANCE, EMPH_MAINTENANCE),
    (EMPH_HEAVY, EMPH_HEAVY, EMPH_POWER, EMPH_MAINTENANCE, EMPH_MAINTENANCE),
)
_EFFORT = (
    (EFFORT_EASY, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_EASY),
    (EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_EASY),
    (EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_MODERATE, EFFORT_EASY),
)
_SETS = ((2, 2, 2, 2, 1), (3, 3, 3, 2, 1), (3, 4, 3, 2, 1))
BEGINNER_EASY_WEEKS = 3  # "in your first 2-3 weeks, keep intensity conservative"
RACE_SEASON_LATE_WTR = 4  # intermediates drop to one session from 4 weeks to race
TONING_SETS = 3  # mistake 1: "endless sets of light, high-rep exercises"
RANDOM_SALT = 0x5EED_0F_A5  # random workouts draw from their own streams, not the simulator's
RANDOM_EMPHASES = (EMPH_HEAVY, EMPH_POWER, EMPH_MAINTENANCE, EMPH_TONING)
RANDOM_MAX_SETS = 5


@njit(cache=True)
def template_strength(template, week, n_weeks, plan):
    """Write the strength fields of `plan` for template 0/1/2 (beginner..advanced)."""
    t = min(max(int(template), 0), 2)
    phase = phase_of(week, n_weeks)
    wtr = n_weeks - 1 - week
    sessions = _SESSIONS[t][phase]
    effort = _EFFORT[t][phase]
    if t == S_BEGINNER and week < BEGINNER_EASY_WEEKS:
        effort = EFFORT_EASY
    if t == S_INTERMEDIATE and phase == PHASE_RACE and wtr <= RACE_SEASON_LATE_WTR:
        sessions = 1
    plan[P_STR_SESSIONS] = sessions
    plan[P_EMPHASIS] = _EMPHASIS[t][phase]
    plan[P_EFFORT] = effort
    plan[P_PLACEMENT] = PLACE_AFTER_EASY
    plan[P_SETS] = _SETS[t][phase]


@njit(cache=True)
def _pick(u, n):
    return min(int(u * n), n - 1)


@njit(cache=True)
def random_strength(seed, athlete, week, plan):
    """Mistake 2: sessions, emphasis, effort, placement and sets redrawn every week.

    The draws are a pure function of (seed, athlete, week), so `season_plan(athlete_index=i)`
    and row i of `plan_array` are the same plan.
    """
    h = day_hash(draw_base(seed ^ RANDOM_SALT, athlete), week)
    plan[P_STR_SESSIONS] = 1 + _pick(uniform_at(h, 1), 3)
    plan[P_EMPHASIS] = RANDOM_EMPHASES[_pick(uniform_at(h, 2), 4)]
    plan[P_EFFORT] = _pick(uniform_at(h, 3), 3)
    plan[P_PLACEMENT] = _pick(uniform_at(h, 4), 3)
    plan[P_SETS] = 1 + _pick(uniform_at(h, 5), RANDOM_MAX_SETS)


@njit(cache=True)
def random_exercise_pick(seed, athlete, week, n_exercises, k):
    """Index of the k-th exercise the random workout of this athlete-week uses (labels only)."""
    h = day_hash(draw_base(seed ^ RANDOM_SALT, athlete), week)
    return _pick(uniform_at(h, 8 + k), n_exercises)


@njit(cache=True)
def _no_strength(plan):
    plan[P_STR_SESSIONS] = 0.0
    plan[P_EMPHASIS] = EMPH_NONE
    plan[P_SETS] = 0.0


@njit(cache=True)
def fill_week(strategy, level, week, n_weeks, seed, athlete, plan):
    """Write week `week` of `strategy`'s season for an athlete of `level` (0-2) into `plan`.

    Templates use their own prescription whatever the athlete's level; the mistakes are the
    athlete's level template with the one thing the article warns against changed.
    """
    for i in range(PLAN_SIZE):
        plan[i] = 0.0
    reference_run_week(level, week, n_weeks, plan)
    s = int(strategy)
    if s == S_RUN_ONLY:
        _no_strength(plan)
        return
    template_strength(s if s <= S_ADVANCED else level, week, n_weeks, plan)
    if s == S_TONING_ONLY:
        plan[P_EMPHASIS] = EMPH_TONING
        plan[P_SETS] = max(plan[P_SETS], TONING_SETS)
    elif s == S_RANDOM:
        random_strength(seed, athlete, week, plan)
    elif s == S_LIFT_BEFORE_KEY:
        plan[P_PLACEMENT] = PLACE_BEFORE_KEY
        plan[P_EFFORT] = EFFORT_HARD
    elif s == S_DROP_IN_SEASON:
        phase = phase_of(week, n_weeks)
        if phase == PHASE_PRE or phase == PHASE_RACE or phase == PHASE_TAPER:
            _no_strength(plan)
    elif s == S_IGNORE_PAIN:
        plan[P_PAIN_RULE] = 0.0


@njit(cache=True, nogil=True)
def _fill_rows(strategy, level, n_weeks, seed, athlete0, rows, out):
    """`fill_seasons`' loop over athletes athlete0 + rows[a], in the calling thread."""
    for a in range(out.shape[0]):
        for w in range(n_weeks):
            fill_week(strategy, level, w, n_weeks, seed, athlete0 + rows[a], out[a, w])


def fill_seasons(strategy, level, n_weeks, seed, athlete0, out):
    """Every athlete's season at once: out (n, n_weeks, PLAN_SIZE), row a = athlete athlete0 + a; on threads
    for many rows (`sim.kernel.in_threads`; until issue 26's fifth round a `parallel=True` loop, whose compile
    was a cost of every first call and whose threads bought a few milliseconds)."""
    n = out.shape[0]
    kernel.in_threads(_fill_rows, n, (strategy, level, n_weeks, seed, athlete0, np.arange(n), out), (5, 6),
                      min_rows=2048)


def season_array(strategy: int, level: int, n_weeks: int, n_athletes: int = 1, seed: int = 0,
                 athlete0: int = 0) -> np.ndarray:
    """(1 or n_athletes, n_weeks, PLAN_SIZE): one shared row unless the strategy is per athlete."""
    rows = n_athletes if strategy in PER_ATHLETE else 1
    out = np.empty((rows, n_weeks, PLAN_SIZE))
    fill_seasons(strategy, level, n_weeks, seed, athlete0, out)
    return out


__all__ = [
    "STRATEGIES", "S_BEGINNER", "S_INTERMEDIATE", "S_ADVANCED", "S_RUN_ONLY", "S_TONING_ONLY", "S_RANDOM",
    "S_LIFT_BEFORE_KEY", "S_DROP_IN_SEASON", "S_IGNORE_PAIN", "fill_week", "fill_seasons", "season_array",
    "template_strength", "random_strength",
]


def _refresh_jit_cache() -> None:
    """The templates inline `sim.season` and freeze `sim.state` constants: recompile when they change."""
    import sys
    from pathlib import Path

    from sim import _jitcache

    module = sys.modules.get(__name__)
    if module is not None:  # None when executed from a file spec
        _jitcache.refresh((module,), Path(__file__).parent / "__pycache__" / "sim_sources.sha256")


_refresh_jit_cache()
