"""Season periodization (the article's "Putting It All Together for Your Season").

One season ends with the target race at the end of its last week. Phases by weeks to race
(`wtr`, 0 = race week): post-race transition (first 3 weeks, coming off the last season),
off-season/base, pre-season (race-specific build, wtr 7-16), race season (wtr 3-6) and
taper (wtr 0-2). The level's reference run plan, used by the templates and by the
environment when agents only choose strength work, lives here once (numba and Python).
"""

from __future__ import annotations

import numpy as np

from sim._jit import njit
from sim.state import (
    P_KEY_KIND,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_PAIN_RULE,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    PLAN_SIZE,
    RUN_INTERVALS,
    RUN_TEMPO,
)

PHASE_TRANSITION, PHASE_BASE, PHASE_PRE, PHASE_RACE, PHASE_TAPER = 0, 1, 2, 3, 4
PHASES = ("transition", "base", "pre_season", "race_season", "taper")
PRE_SEASON_WEEKS = 16  # wtr at which the race-specific build starts
RACE_SEASON_WEEKS = 6
TAPER_WEEKS = 2
TRANSITION_WEEKS = 3
MIN_SEASON_WEEKS = 4

# Reference running by phase: volume (x habitual km), key runs by level, long-run share.
_VOLUME = (0.8, 1.0, 1.1, 1.0, 0.7)
_KEY = ((0, 1, 1), (0, 1, 2), (1, 2, 2), (1, 2, 2), (1, 1, 1))
_LONG = (0.25, 0.3, 0.3, 0.28, 0.25)
_TAPER_VOLUME = (0.45, 0.6, 0.75)  # race week, 1 week out, 2 weeks out


@njit(cache=True)
def phase_of(week, n_weeks):
    """Phase code of season week `week` (0-based) in a season of `n_weeks`."""
    wtr = n_weeks - 1 - week
    if wtr <= TAPER_WEEKS:
        return PHASE_TAPER
    if wtr <= RACE_SEASON_WEEKS:
        return PHASE_RACE
    if wtr <= PRE_SEASON_WEEKS:
        return PHASE_PRE
    if week < TRANSITION_WEEKS and n_weeks >= 20:
        return PHASE_TRANSITION
    return PHASE_BASE


@njit(cache=True)
def reference_run_week(level, week, n_weeks, plan):
    """Fill the running fields of `plan` (PLAN_SIZE) with the level's reference week.

    Base and pre-season build in 4-week cycles (3 loading weeks, 1 recovery week at 80%);
    the taper cuts volume to 75%, 60% and 45% (race week) while keeping one key session
    (Bosquet et al. 2007, Med Sci Sports Exerc 39:1358).
    """
    phase = phase_of(week, n_weeks)
    wtr = n_weeks - 1 - week
    lv = min(max(int(level), 0), 2)
    vol = _VOLUME[phase]
    if phase == PHASE_BASE or phase == PHASE_PRE:
        if week % 4 == 3:
            vol *= 0.8
    if phase == PHASE_TAPER:
        vol = _TAPER_VOLUME[min(wtr, 2)]
    plan[P_RUN_KM] = vol
    plan[P_RUN_IS_REL] = 1.0
    plan[P_KEY_RUNS] = _KEY[phase][lv]
    plan[P_KEY_KIND] = RUN_INTERVALS if phase == PHASE_PRE or phase == PHASE_RACE else RUN_TEMPO
    plan[P_LONG_KM] = _LONG[phase]
    plan[P_LONG_IS_REL] = 1.0
    plan[P_RACE] = 1.0 if wtr == 0 else 0.0
    plan[P_PAIN_RULE] = 1.0


def reference_run_plan(level: int, n_weeks: int) -> np.ndarray:
    """(n_weeks, PLAN_SIZE) reference running for a season, no strength work."""
    out = np.zeros((n_weeks, PLAN_SIZE))
    for w in range(n_weeks):
        reference_run_week(level, w, n_weeks, out[w])
    return out


def phase_name(week: int, n_weeks: int) -> str:
    return PHASES[phase_of(week, n_weeks)]


def _refresh_jit_cache() -> None:
    import sys
    from pathlib import Path

    from sim import _jitcache

    module = sys.modules.get(__name__)
    if module is not None:  # None when executed from a file spec
        _jitcache.refresh((module,), Path(__file__).parent / "__pycache__" / "season_sources.sha256")


_refresh_jit_cache()
