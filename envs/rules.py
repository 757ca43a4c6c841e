"""The article's rules, written once: their numbers (`ArticleRules`) and one week-level evaluator.

Three readers are thin adapters over this module:

- `envs.actions` (numba): the coach limits (`envs.config.HardLimits`, `ARTICLE_RULES`) mask and
  clamp a week as it is decided, with the window tests, limits and lifting grades below;
- `experiments.plans.rules` (pandas): the rule report of a day-by-day plan sums its days into
  weeks and reads `evaluate_weeks`;
- `experiments.report.credibility` (numpy): the taper and recovery-week checks of a season of
  week plans read `evaluate_weeks` too.

A property test (tests/envs/test_article_rules.py) shows the three agree on random seasons.

The week-level rules (the day-level timing rules are in `experiments.plans.rules`; the scheduler
`sim.kernel.schedule_week` keeps them with `is_hard_lift`, re-exported here: sim cannot import envs):

- **recovery weeks**: every `recovery_every`-th week before the taper (0-based weeks
  `recovery_every - 1`, `2 recovery_every - 1`, ...) cuts its running volume by at least
  `recovery_cut` from the week before (`sim.season.reference_run_week`: 3 loading weeks, then
  one at 80%). The article gives no number; it is the reference plan's, which the per-level
  configs keep. `IS_RECOVERY` marks any week that cuts that much (credibility counts the
  stretches without one), `RECOVERY_MISSED` a due week that does not.
- **taper** (Bosquet et al. 2007: 8-14 days of reduced volume): each of the last
  `TAPER_WEEKS + 1` weeks runs at most `taper_max_share` of the mean volume of the
  `taper_window` weeks before them (`TAPER_OVER`). Weekly volume is running without the race
  itself. A planner plans to `taper_plan_share`, under the check by a margin for the day
  schedule's rounding (`envs.actions.taper_cap`).
- **race season** (article, "Race Season and Taper"; mistake 5): in the last
  `RACE_SEASON_WEEKS + 1` weeks strength continues as maintenance: at least one session every
  week but race week (`RACE_SEASON_DROPPED`), at most `max_race_season_sessions`
  (`RACE_SEASON_TOO_MANY`), each maintenance emphasis, not to failure (`is_maintenance_lift`;
  else `RACE_SEASON_NOT_MAINTENANCE`).

No rule reads the week's key runs: the key-run rules are about timing (the day-level rules).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim._jit import njit
from sim.kernel import is_hard_lift
from sim.season import RACE_SEASON_WEEKS, TAPER_WEEKS
from sim.state import EFFORT_HARD, EFFORTS, EMPH_MAINTENANCE, EMPH_NONE, EMPHASES


@dataclass(frozen=True)
class ArticleRules:
    """The numbers of the article's week-level rules (module docstring: where each comes from).

    The phase windows are `sim.season`'s: the taper is the last `TAPER_WEEKS + 1` weeks, race
    season the last `RACE_SEASON_WEEKS + 1` (taper included).
    """

    recovery_every: int = 4
    recovery_cut: float = 0.2
    taper_window: int = 4
    taper_max_share: float = 0.9
    taper_plan_share: float = 0.8
    min_race_season_sessions: int = 1
    max_race_season_sessions: int = 2


#: the article's rules; the per-level configs' coach limits are `envs.config.ARTICLE_RULES`, built from it
ARTICLE = ArticleRules()

# Module constants: what numba freezes into the kernels (the same values).
RECOVERY_EVERY = ARTICLE.recovery_every
RECOVERY_CUT = ARTICLE.recovery_cut
TAPER_WINDOW = ARTICLE.taper_window
TAPER_MAX_SHARE = ARTICLE.taper_max_share
TAPER_PLAN_SHARE = ARTICLE.taper_plan_share
MIN_RACE_SEASON_SESSIONS = ARTICLE.min_race_season_sessions
MAX_RACE_SEASON_SESSIONS = ARTICLE.max_race_season_sessions

#: bits of a week's verdict (`evaluate_weeks`); IS_RECOVERY is a fact, the others are breaks
IS_RECOVERY, RECOVERY_MISSED, TAPER_OVER = 1, 2, 4
RACE_SEASON_DROPPED, RACE_SEASON_TOO_MANY, RACE_SEASON_NOT_MAINTENANCE = 8, 16, 32
RACE_SEASON = RACE_SEASON_DROPPED | RACE_SEASON_TOO_MANY | RACE_SEASON_NOT_MAINTENANCE
BREAKS = RECOVERY_MISSED | TAPER_OVER | RACE_SEASON
#: the columns of the weeks `evaluate_weeks` reads
W_VOLUME, W_SESSIONS, W_NOT_MAINTENANCE = 0, 1, 2
WEEK_SIZE = 3
EPS = 1e-9  # tolerance of every volume comparison (planned volumes are sums and products of floats)


# --------------------------------------------------------------------------- windows (wtr: weeks to race)
@njit(cache=True)
def in_taper(wtr):
    """Race week and the TAPER_WEEKS before it (`sim.season.phase_of`'s taper phase)."""
    return wtr <= TAPER_WEEKS


@njit(cache=True)
def in_taper_window(wtr):
    """The TAPER_WINDOW weeks before the taper: their mean volume is the taper's reference."""
    return TAPER_WEEKS < wtr <= TAPER_WEEKS + TAPER_WINDOW


@njit(cache=True)
def in_race_season(wtr):
    """The last RACE_SEASON_WEEKS + 1 weeks (race week and the taper included)."""
    return 0 <= wtr <= RACE_SEASON_WEEKS


@njit(cache=True)
def is_recovery_slot(week, n_weeks, every):
    """Is 0-based week `week` due to be a recovery week (every `every`-th before the taper; 0 = off)?"""
    return every > 0 and (week + 1) % every == 0 and not in_taper(n_weeks - 1 - week)


# --------------------------------------------------------------------------- limits
@njit(cache=True)
def recovery_limit(reference, cut):
    """The most a recovery week may run: `cut` off the `reference` week's volume."""
    return (1.0 - cut) * reference


@njit(cache=True)
def is_recovery(volume, reference, cut):
    return volume <= recovery_limit(reference, cut) + EPS


@njit(cache=True)
def taper_limit(window_sum, window_weeks, share):
    """The most a taper week may run: `share` of the window's mean volume (inf without window weeks)."""
    if window_weeks > 0.5:
        return share * window_sum / window_weeks
    return np.inf


@njit(cache=True)
def is_maintenance_lift(emphasis, effort):
    """Race-season strength: maintenance emphasis, not to failure (EMPH_*, EFFORT_* codes)."""
    return emphasis == EMPH_MAINTENANCE and effort != EFFORT_HARD


@njit(cache=True)
def race_season_breaks(wtr, sessions, not_maintenance):
    """RACE_SEASON_* bits of a week with `sessions` strength sessions, `not_maintenance` of them
    not maintenance-grade (0 outside race season)."""
    if not in_race_season(wtr):
        return 0
    out = 0
    if sessions < MIN_RACE_SEASON_SESSIONS and wtr > 0:  # race week may drop lifting
        out |= RACE_SEASON_DROPPED
    if sessions > MAX_RACE_SEASON_SESSIONS:
        out |= RACE_SEASON_TOO_MANY
    if not_maintenance > 0:
        out |= RACE_SEASON_NOT_MAINTENANCE
    return out


# --------------------------------------------------------------------------- the evaluator
@njit(cache=True)
def taper_reference(volume):
    """Mean volume of the taper window of a season's weekly `volume` (race week last); NaN if none."""
    n = volume.shape[0]
    total = 0.0
    weeks = 0
    for w in range(n):
        if in_taper_window(n - 1 - w):
            total += volume[w]
            weeks += 1
    return total / weeks if weeks > 0 else np.nan


@njit(cache=True)
def evaluate_weeks(weeks, recovery_every, recovery_cut, out):
    """The verdict bits of every week of a season, race week last, into `out` (n,) int64.

    weeks: (n, WEEK_SIZE): W_VOLUME running volume without the race (any unit: km or x habitual);
    W_SESSIONS strength sessions; W_NOT_MAINTENANCE those not maintenance-grade. recovery_every /
    recovery_cut: the article's (RECOVERY_EVERY, RECOVERY_CUT) or a coach's (`HardLimits`).
    """
    n = weeks.shape[0]
    volume = weeks[:, W_VOLUME]
    ref = taper_reference(volume)
    cap = TAPER_MAX_SHARE * ref if ref == ref else np.inf
    for w in range(n):
        wtr = n - 1 - w
        bits = 0
        if w > 0 and is_recovery(volume[w], volume[w - 1], recovery_cut):
            bits |= IS_RECOVERY
        elif is_recovery_slot(w, n, recovery_every):
            bits |= RECOVERY_MISSED
        if in_taper(wtr) and volume[w] > cap + EPS:
            bits |= TAPER_OVER
        bits |= race_season_breaks(wtr, int(weeks[w, W_SESSIONS] + 0.5), int(weeks[w, W_NOT_MAINTENANCE] + 0.5))
        out[w] = bits
    return out


def evaluate(
    volume: np.ndarray,
    sessions: np.ndarray | None = None,
    not_maintenance: np.ndarray | None = None,
    recovery_every: int = RECOVERY_EVERY,
    recovery_cut: float = RECOVERY_CUT,
) -> np.ndarray:
    """`evaluate_weeks` from per-week arrays (None: no lifting); (n,) int64 verdict bits."""
    vol = np.asarray(volume, dtype=np.float64)
    weeks = np.zeros((vol.shape[0], WEEK_SIZE))
    weeks[:, W_VOLUME] = vol
    if sessions is not None:
        weeks[:, W_SESSIONS] = sessions
    if not_maintenance is not None:
        weeks[:, W_NOT_MAINTENANCE] = not_maintenance
    return evaluate_weeks(weeks, int(recovery_every), float(recovery_cut), np.zeros(vol.shape[0], dtype=np.int64))


def taper_weeks(bits: np.ndarray) -> int:
    """Weeks, back from race week, that keep the taper (0 to TAPER_WEEKS + 1)."""
    n = 0
    for b in bits[::-1][: TAPER_WEEKS + 1]:
        if b & TAPER_OVER:
            break
        n += 1
    return n


# --------------------------------------------------------------------------- names (the pandas side)
def is_hard_lift_named(emphasis: object, effort: object) -> bool:
    """`is_hard_lift` on names ('heavy', 'hard'); anything that is not a lifting emphasis is not."""
    if not isinstance(emphasis, str) or emphasis not in EMPHASES or emphasis == EMPHASES[EMPH_NONE]:
        return False
    code = EFFORTS.index(effort) if effort in EFFORTS else -1
    return bool(is_hard_lift(EMPHASES.index(emphasis), code))


def is_maintenance_lift_named(emphasis: object, effort: object) -> bool:
    """`is_maintenance_lift` on names."""
    if emphasis not in EMPHASES:
        return False
    code = EFFORTS.index(effort) if effort in EFFORTS else -1
    return bool(is_maintenance_lift(EMPHASES.index(emphasis), code))


__all__ = [
    "ARTICLE",
    "ArticleRules",
    "BREAKS",
    "IS_RECOVERY",
    "RACE_SEASON",
    "RACE_SEASON_DROPPED",
    "RACE_SEASON_NOT_MAINTENANCE",
    "RACE_SEASON_TOO_MANY",
    "RECOVERY_MISSED",
    "TAPER_OVER",
    "evaluate",
    "evaluate_weeks",
    "is_hard_lift",
    "is_hard_lift_named",
    "is_maintenance_lift",
    "is_maintenance_lift_named",
    "taper_weeks",
]
