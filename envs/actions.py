"""The action space: one week's choices, decoded to a week plan (the type what-if files use).

`MultiDiscrete` components, in this order (shared contract):

====  ==============  =======  ================================================================
idx   component       choices  meaning
====  ==============  =======  ================================================================
0     sessions        4        strength sessions this week, 0-3
1     emphasis        5        index in EMPHASES: none, heavy, power, maintenance, toning
2     effort          3        index in EFFORTS: easy, moderate, hard
3     placement       3        index in PLACEMENTS: after_easy, separate_day, before_key
4     volume_change   9        index in VOLUME_STEPS (only action_scope="strength_and_run")
5     key_runs        4        tempo/interval sessions 0-3 (only "strength_and_run")
6     long_share      8        index in LONG_SHARES, long run / week km (only "strength_and_run")
7     sets            7        sets per key lift: 0 the emphasis default (`sim.kernel.default_sets`),
                               1-6 that many (only "strength_and_run"); the optimizer's range
====  ==============  =======  ================================================================

Volume: week_volume_rel = clip(prev_volume_rel * (1 + VOLUME_STEPS[i]), 0.1, 2.0), in multiples
of the athlete's habitual km; the first week starts from prev_volume_rel = 1.0. With
action_scope="strength" running (volume, key runs, long run, key-run kind) follows
`sim.season.reference_run_week`, the level's reference plan the templates use, so a learned
strength plan compares like with like. The final week of a season always has race=1.

Sets: SETS_CHOICES = (0, 1, ..., MAX_SETS): 0 keeps the emphasis default (heavy/power/toning 3,
maintenance 2, the article's; what the templates and the strength scope use), 1-6 are the optimizer's
`sets` gene (`experiments.optimize.genes`, 1-MAX_SETS) and `sim.plan.StrengthPlan.sets`, so the policy
can choose every plan the optimizer can. No coach limit restricts sets: the article's rules grade a
race-season session by emphasis and effort (`envs.rules.is_maintenance_lift`), not by its sets, and the
optimizer's plans go through the same `clamp_strength`; a week without lifting carries no sets.

Hard limits (`envs.config.HardLimits`) are masked by `action_mask` and clamped by
`decode_action`; both read one rule logic (`clamp_strength`, `volume_step_allowed`,
`clamp_volume`), which `apply_limits` / `limit_season` also apply to any week plan (the
optimizer's). The article's rules as limits (their numbers, windows and grades are `envs.rules`'s, the
one definition the rule report and the credibility checks read too; a season decoded under them
passes `envs.rules.evaluate_weeks`):

- recovery_every n: weeks n-1, 2n-1, ... before the taper are recovery weeks; only steps that cut
  at least recovery_cut are allowed. Every step is taken from the last *loading* (non-recovery)
  week's volume (`VS_LOAD_VOL`), so a 3:1 cycle reads 1.0, 1.1, 1.2, 0.96, 1.2 ... and the
  increase limits apply to that volume too. (Without recovery weeks it is last week's volume.)
- taper: in the taper phase a week plans at most TAPER_PLAN_SHARE (0.8) of the mean of the
  TAPER_WINDOW weeks before the taper (the steps that stay under; else the largest cut, clamped):
  under the 0.9 the checks ask for by a margin for the day schedule's rounding.
- race_season_maintenance: in race season (the last RACE_SEASON_WEEKS + 1 weeks) 1-2
  maintenance sessions at easy or moderate effort; race week may drop lifting (at most 2
  maintenance sessions, not to failure, if it lifts).
- With recovery weeks or the taper on, weeks before the taper plan at least `volume_floor`
  (VOLUME_MIN_REL / TAPER_PLAN_SHARE / (1 - recovery_cut)), so the 0.1 floor can never stop a
  recovery week from cutting or push a taper week over its cap.

`decode_action` (numba) is what the envs call; `action_to_week_plan` / `week_plan_to_action`
are the Python bridges to `sim.plan.WeekPlan`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from gymnasium import spaces

from envs.config import (
    L_FORBID_EMPH,
    L_MAX_EFFORT,
    L_MAX_KEY_RUNS,
    L_MAX_SESSIONS,
    L_MAX_SESSIONS_TAPER,
    L_MAX_VOL_INCREASE,
    L_MAX_VOL_REL,
    L_NO_BEFORE_KEY,
    L_RACE_MAINTENANCE,
    L_RECOVERY_CUT,
    L_RECOVERY_EVERY,
    L_TAPER,
    HardLimits,
    limits_array,
)
from envs.rules import (
    EPS,
    MAX_RACE_SEASON_SESSIONS,
    MIN_RACE_SEASON_SESSIONS,
    TAPER_PLAN_SHARE,
    TAPER_WINDOW,
    in_race_season,
    in_taper,
    in_taper_window,
    is_recovery_slot,
    recovery_limit,
    taper_limit,
)
from sim._jit import njit
from sim.errors import InputError
from sim.plan import WeekPlan, week_km_of
from sim.season import phase_name, reference_run_week
from sim.state import (
    EFFORT_MODERATE,
    EFFORTS,
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPHASES,
    LEVELS,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_PLACEMENT,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACE_BEFORE_KEY,
    PLACE_SEPARATE_DAY,
    PLACEMENTS,
    PLAN_SIZE,
)

SESSIONS, EMPHASIS, EFFORT, PLACEMENT, VOLUME_CHANGE, KEY_RUNS, LONG_SHARE, SETS = 0, 1, 2, 3, 4, 5, 6, 7
ACTION_NAMES = ("sessions", "emphasis", "effort", "placement", "volume_change", "key_runs", "long_share", "sets")
#: the week's volume step from the last loading week: 5% resolution where plans move (the optimizer's volume is
#: continuous; 10% steps cost its advanced plan 0.55 pp when played through them, docs/headline.md ablation)
VOLUME_STEPS = (-0.30, -0.20, -0.10, -0.05, 0.0, 0.05, 0.10, 0.15, 0.20)
#: long run / week km: the optimizer's range, 0 to `experiments.optimize.genes.LONG_SHARE_MAX` (0.45); a
#: ceiling of 0.30 cost its intermediate plan 0.35 pp when played through it (docs/headline.md ablation)
LONG_SHARES = (0.0, 0.10, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45)
VOLUME_MIN_REL, VOLUME_MAX_REL = 0.1, 2.0
#: sets per key lift: 0 = the emphasis default, else 1-MAX_SETS (the optimizer's `sets` gene, StrengthPlan.sets)
MAX_SETS = 6
SETS_CHOICES = tuple(range(MAX_SETS + 1))
STRENGTH_NVEC = (4, len(EMPHASES), len(EFFORTS), len(PLACEMENTS))
#: the components action_scope="strength_and_run" adds: the running, and the sets the optimizer also chooses
RUN_NVEC = (len(VOLUME_STEPS), 4, len(LONG_SHARES), len(SETS_CHOICES))
SCOPES = ("strength", "strength_and_run")
SCOPE_STRENGTH, SCOPE_STRENGTH_AND_RUN = 0, 1
#: the volume state the rules need between weeks (a float64 vector; the env keeps it in its ctrl row)
VS_LOAD_VOL, VS_PRE_TAPER_SUM, VS_PRE_TAPER_WEEKS = 0, 1, 2
VOL_STATE_SIZE = 3
_EPS = EPS

_CHOICES = (
    "0-3 sessions",
    ", ".join(f"{i}={e}" for i, e in enumerate(EMPHASES)),
    ", ".join(f"{i}={e}" for i, e in enumerate(EFFORTS)),
    ", ".join(f"{i}={p}" for i, p in enumerate(PLACEMENTS)),
    ", ".join(f"{i}={s:+.0%}" for i, s in enumerate(VOLUME_STEPS)),
    "0-3 key runs",
    ", ".join(f"{i}={s:.0%}" for i, s in enumerate(LONG_SHARES)),
    "0=the emphasis default, 1-6 sets per key lift",
)


def scope_code(scope: str) -> int:
    if scope not in SCOPES:
        raise InputError(f"action_scope: {scope!r} is not allowed; allowed: {', '.join(SCOPES)}")
    return SCOPES.index(scope)


def action_nvec(scope: str) -> tuple[int, ...]:
    """Choices per component for an action scope."""
    return STRENGTH_NVEC + (RUN_NVEC if scope_code(scope) == SCOPE_STRENGTH_AND_RUN else ())


def action_space(scope: str) -> spaces.MultiDiscrete:
    return spaces.MultiDiscrete(np.array(action_nvec(scope), dtype=np.int64))


def action_error(action: object, nvec: tuple[int, ...], where: str = "action") -> InputError:
    """The InputError for an action outside the space: names the component and the allowed range."""
    try:
        a = np.asarray(action)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        return InputError(f"{where}: {action!r} is not an array of {len(nvec)} integers")
    names = ", ".join(ACTION_NAMES[: len(nvec)])
    if a.shape != (len(nvec),):
        return InputError(f"{where}: expected {len(nvec)} components ({names}), got shape {a.shape}")
    if a.dtype.kind not in "iub" and a.dtype.kind != "f":
        return InputError(f"{where}: components must be integers ({names}), got dtype {a.dtype}")
    for k, n in enumerate(nvec):
        v = a[k]
        if a.dtype.kind == "f" and (not np.isfinite(v) or v != np.round(v)):
            return InputError(
                f"{where}: component {ACTION_NAMES[k]!r} = {float(v)!r} is not a whole number; "
                f"allowed 0-{n - 1} ({_CHOICES[k]})"
            )
        if not 0 <= v < n:
            return InputError(
                f"{where}: component {ACTION_NAMES[k]!r} = {int(v)} is out of range; "
                f"allowed 0-{n - 1} ({_CHOICES[k]})"
            )
    return InputError(f"{where}: {action!r} is not in the action space")


def coerce_action(action: object, nvec: tuple[int, ...], where: str = "action") -> np.ndarray:
    """An int64 (K,) array of valid choices, or the InputError naming the bad component."""
    a = np.asarray(action)
    if a.shape != (len(nvec),) or a.dtype.kind not in "iuf":
        raise action_error(action, nvec, where)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            raise action_error(action, nvec, where)
    out = a.astype(np.int64)
    if np.any(out < 0) or np.any(out >= np.asarray(nvec)):
        raise action_error(action, nvec, where)
    return out


# --------------------------------------------------------------------------- numba
@njit(cache=True)
def session_cap(week, n_weeks, limits):
    """Largest allowed strength sessions this week (the taper cap applies in the taper phase)."""
    cap = int(limits[L_MAX_SESSIONS])
    if in_taper(n_weeks - 1 - week):
        cap = min(cap, int(limits[L_MAX_SESSIONS_TAPER]))
    return cap


@njit(cache=True)
def volume_state_start(vstate):
    """The volume state (VOL_STATE_SIZE) before week 0: the athlete's habitual week, no pre-taper weeks."""
    vstate[VS_LOAD_VOL] = 1.0
    vstate[VS_PRE_TAPER_SUM] = 0.0
    vstate[VS_PRE_TAPER_WEEKS] = 0.0
    return vstate


@njit(cache=True)
def is_recovery_week(week, n_weeks, limits):
    """Weeks recovery_every-1, 2 recovery_every-1, ... (0-based) before the taper, when the rule is on."""
    return is_recovery_slot(week, n_weeks, int(limits[L_RECOVERY_EVERY]))


@njit(cache=True)
def race_season_weeks_to_race(week, n_weeks, limits):
    """Weeks to race when race_season_maintenance governs the week, else -1: the window of
    `experiments.plans.rules` rule 3, the last RACE_SEASON_WEEKS + 1 weeks (race week included:
    there lifting stays optional, but at most 2 maintenance sessions, never to failure)."""
    wtr = n_weeks - 1 - week
    if limits[L_RACE_MAINTENANCE] > 0.5 and in_race_season(wtr):
        return wtr
    return -1


@njit(cache=True, inline='always')
def advance_volume_state(vstate, week, n_weeks, limits, volume_rel):
    """Record week `week`'s planned volume: a loading (non-recovery) week is what the next steps
    start from (so recovery weeks do not ratchet the volume down); the TAPER_WINDOW weeks before
    the taper phase set the taper cap."""
    if not is_recovery_week(week, n_weeks, limits):
        vstate[VS_LOAD_VOL] = volume_rel
    if in_taper_window(n_weeks - 1 - week):
        vstate[VS_PRE_TAPER_SUM] += volume_rel
        vstate[VS_PRE_TAPER_WEEKS] += 1.0
    return vstate


@njit(cache=True)
def taper_cap(week, n_weeks, limits, vstate):
    """Largest volume of a taper week under the taper rule (inf when the rule does not apply)."""
    if limits[L_TAPER] > 0.5 and in_taper(n_weeks - 1 - week):
        return taper_limit(vstate[VS_PRE_TAPER_SUM], vstate[VS_PRE_TAPER_WEEKS], TAPER_PLAN_SHARE)
    return np.inf


@njit(cache=True)
def volume_floor(week, n_weeks, limits):
    """Lowest volume of the week: VOLUME_MIN_REL, raised before the taper when the rules are on, so
    that a recovery week can still cut recovery_cut and the taper cap stays >= VOLUME_MIN_REL."""
    if in_taper(n_weeks - 1 - week):
        return VOLUME_MIN_REL
    lo = VOLUME_MIN_REL
    if limits[L_TAPER] > 0.5:
        lo /= TAPER_PLAN_SHARE
    if int(limits[L_RECOVERY_EVERY]) > 0 and not is_recovery_week(week, n_weeks, limits):
        lo /= 1.0 - limits[L_RECOVERY_CUT]
    return lo


@njit(cache=True)
def clamp_volume(volume_rel, week, n_weeks, limits, vstate):
    """A planned volume (x habitual km) within every volume limit: the floor, the increase limits
    from the last loading week, the recovery cut and the taper cap (the caps win over the floor)."""
    base = vstate[VS_LOAD_VOL]
    hi = min(max(base, min(base * (1.0 + limits[L_MAX_VOL_INCREASE]), limits[L_MAX_VOL_REL])), VOLUME_MAX_REL)
    if is_recovery_week(week, n_weeks, limits):
        hi = min(hi, recovery_limit(base, limits[L_RECOVERY_CUT]))
    hi = min(hi, taper_cap(week, n_weeks, limits, vstate))
    return min(max(volume_rel, volume_floor(week, n_weeks, limits)), hi)


@njit(cache=True)
def volume_step_allowed(j, week, n_weeks, limits, vstate):
    """May the agent take VOLUME_STEPS[j] from the last loading week? Cuts and holds always, unless a
    rule asks for a cut; an increase must respect both volume limits. The allowed steps are always
    a prefix of VOLUME_STEPS (every test is monotone in the step)."""
    step = VOLUME_STEPS[j]
    base = vstate[VS_LOAD_VOL]
    if step > 0.0 and not (
        step <= limits[L_MAX_VOL_INCREASE] + _EPS and base * (1.0 + step) <= limits[L_MAX_VOL_REL] + _EPS
    ):
        return False
    if is_recovery_week(week, n_weeks, limits) and step > -limits[L_RECOVERY_CUT] + _EPS:
        return False
    cap = taper_cap(week, n_weeks, limits, vstate)
    if cap < np.inf:
        vol = min(max(base * (1.0 + step), volume_floor(week, n_weeks, limits)), VOLUME_MAX_REL)
        if vol > cap + _EPS:
            return False
    return True


@njit(cache=True)
def volume_choice(j, week, n_weeks, limits, vstate):
    """The allowed step nearest below choice j; the largest cut if none is (`clamp_volume` then caps it)."""
    while j > 0 and not volume_step_allowed(j, week, n_weeks, limits, vstate):
        j -= 1
    return j


@njit(cache=True)
def clamp_strength(plan, week, n_weeks, limits):
    """The strength fields of `plan` within the limits: race-season maintenance (1-2 maintenance
    sessions, never to failure), the session caps, forbidden emphases, no before_key placement and
    the effort cap. No lifting is one encoding (0 sessions, emphasis none)."""
    sessions = int(plan[P_STR_SESSIONS])
    emphasis = int(plan[P_EMPHASIS])
    effort = int(plan[P_EFFORT])
    placement = int(plan[P_PLACEMENT])
    wtr = race_season_weeks_to_race(week, n_weeks, limits)
    if wtr > 0:  # race season: never drop strength (article, mistake 5)
        sessions = max(sessions, MIN_RACE_SEASON_SESSIONS)
        emphasis = EMPH_MAINTENANCE
    if wtr >= 0:
        sessions = min(sessions, MAX_RACE_SEASON_SESSIONS)
        if emphasis != EMPH_NONE:
            emphasis = EMPH_MAINTENANCE
        effort = min(effort, EFFORT_MODERATE)
    sessions = min(sessions, session_cap(week, n_weeks, limits))
    if (int(limits[L_FORBID_EMPH]) >> emphasis) & 1:
        emphasis = EMPH_NONE
    if sessions == 0 or emphasis == EMPH_NONE:
        sessions = 0
        emphasis = EMPH_NONE
    if placement == PLACE_BEFORE_KEY and limits[L_NO_BEFORE_KEY] > 0.5:
        placement = PLACE_SEPARATE_DAY
    plan[P_STR_SESSIONS] = sessions
    plan[P_EMPHASIS] = emphasis
    plan[P_EFFORT] = min(effort, int(limits[L_MAX_EFFORT]))
    plan[P_PLACEMENT] = placement
    return plan


@njit(cache=True)
def apply_limits(plan, week, n_weeks, limits, vstate):
    """Any week plan (PLAN_SIZE, e.g. the optimizer's) within the limits; a volume in absolute km is
    left alone. Call `advance_volume_state` with the result before the next week."""
    clamp_strength(plan, week, n_weeks, limits)
    if plan[P_RUN_IS_REL] > 0.5:
        plan[P_RUN_KM] = clamp_volume(plan[P_RUN_KM], week, n_weeks, limits, vstate)
    return plan


@njit(cache=True, inline='always')
def decode_action(action, scope, level, week, n_weeks, vstate, limits, plan):
    """Fill `plan` (PLAN_SIZE) with the week plan of `action` and return it.

    action: int array of choices (already checked against the space); scope: SCOPE_* code;
    level: 0-2; week: 0-based season week; vstate: the volume state (VOL_STATE_SIZE, VS_*:
    the last loading week's planned volume x habitual km, the weeks before the taper),
    `volume_state_start` before week 0 and `advance_volume_state` after every week; limits:
    `envs.config.limits_array`. Choices that break a hard limit are clamped to the nearest
    allowed one (masking agents never pick them).
    """
    for i in range(PLAN_SIZE):
        plan[i] = 0.0
    reference_run_week(level, week, n_weeks, plan)  # running, key kind, race week, pain rule
    plan[P_STR_SESSIONS] = int(action[SESSIONS])
    plan[P_EMPHASIS] = int(action[EMPHASIS])
    plan[P_EFFORT] = int(action[EFFORT])
    plan[P_PLACEMENT] = int(action[PLACEMENT])
    plan[P_SETS] = 0.0
    clamp_strength(plan, week, n_weeks, limits)
    if scope == SCOPE_STRENGTH_AND_RUN:
        j = volume_choice(int(action[VOLUME_CHANGE]), week, n_weeks, limits, vstate)
        vol = vstate[VS_LOAD_VOL] * (1.0 + VOLUME_STEPS[j])
        plan[P_RUN_KM] = clamp_volume(vol, week, n_weeks, limits, vstate)
        plan[P_KEY_RUNS] = min(int(action[KEY_RUNS]), int(limits[L_MAX_KEY_RUNS]))
        plan[P_LONG_KM] = LONG_SHARES[int(action[LONG_SHARE])]
        plan[P_LONG_IS_REL] = 1.0
        if plan[P_STR_SESSIONS] > 0:  # a week without lifting carries no sets (one encoding)
            plan[P_SETS] = SETS_CHOICES[int(action[SETS])]
    return plan


@njit(cache=True)
def decode_season(actions, scope, level, n_weeks, limits, out):
    """(n_weeks, PLAN_SIZE) `out` from (n_weeks, K) actions, week by week as the env decodes them."""
    vstate = volume_state_start(np.empty(VOL_STATE_SIZE))
    for w in range(n_weeks):
        decode_action(actions[w], scope, level, w, n_weeks, vstate, limits, out[w])
        advance_volume_state(vstate, w, n_weeks, limits, out[w, P_RUN_KM])
    return out


@njit(cache=True)
def limit_season(plans, limits):
    """A season of week plans ((n_weeks, PLAN_SIZE), in place) within the limits, in season order."""
    n_weeks = plans.shape[0]
    vstate = volume_state_start(np.empty(VOL_STATE_SIZE))
    for w in range(n_weeks):
        apply_limits(plans[w], w, n_weeks, limits, vstate)
        advance_volume_state(vstate, w, n_weeks, limits, plans[w, P_RUN_KM])
    return plans


@njit(cache=True)
def action_mask(scope, week, n_weeks, vstate, limits, out):
    """Fill `out` (bool, sum of the choices) with the allowed choices, components concatenated.
    Never empty per component: 'none', 'easy', 'after_easy', a cut, 0 key runs stay open (in race
    season with race_season_maintenance: 1 session, maintenance; `HardLimits` keeps them open).
    Masked choices are exactly those `decode_action` changes."""
    o = 0
    cap = session_cap(week, n_weeks, limits)
    wtr = race_season_weeks_to_race(week, n_weeks, limits)
    lo = MIN_RACE_SEASON_SESSIONS if wtr > 0 else 0
    hi = MAX_RACE_SEASON_SESSIONS if wtr >= 0 else 3
    for s in range(4):
        out[o + s] = s <= cap and lo <= s <= hi
    o += 4
    forbid = int(limits[L_FORBID_EMPH])
    for e in range(len(EMPHASES)):
        free = e == EMPH_MAINTENANCE or (wtr == 0 and e == EMPH_NONE) or wtr < 0
        out[o + e] = ((forbid >> e) & 1) == 0 and free
    o += len(EMPHASES)
    max_effort = int(limits[L_MAX_EFFORT])
    if wtr >= 0:
        max_effort = min(max_effort, EFFORT_MODERATE)
    for e in range(len(EFFORTS)):
        out[o + e] = e <= max_effort
    o += len(EFFORTS)
    for p in range(len(PLACEMENTS)):
        out[o + p] = not (p == PLACE_BEFORE_KEY and limits[L_NO_BEFORE_KEY] > 0.5)
    o += len(PLACEMENTS)
    if scope == SCOPE_STRENGTH_AND_RUN:
        for j in range(len(VOLUME_STEPS)):
            out[o + j] = volume_step_allowed(j, week, n_weeks, limits, vstate)
        out[o] = True  # allowed steps are a prefix; the largest cut is also the fallback when none is
        o += len(VOLUME_STEPS)
        for k in range(4):
            out[o + k] = k <= int(limits[L_MAX_KEY_RUNS])
        o += 4
        for j in range(len(LONG_SHARES)):
            out[o + j] = True
        o += len(LONG_SHARES)
        for j in range(len(SETS_CHOICES)):
            out[o + j] = True  # no limit on sets (module docstring)
    return out


# --------------------------------------------------------------------------- Python bridges
def _level(level: int | str) -> int:
    if isinstance(level, str):
        if level not in LEVELS:
            raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
        return LEVELS.index(level)
    return int(level)


def action_to_week_plan(
    action: object,
    scope: str = "strength",
    level: int | str = "intermediate",
    week: int = 0,
    n_weeks: int = 52,
    prev_volume_rel: float = 1.0,
    limits: HardLimits | None = None,
    pre_taper_volumes: Sequence[float] = (),
) -> WeekPlan:
    """The WeekPlan an action stands for in season week `week` (labelled with its phase).

    prev_volume_rel: the volume the step is taken from (last week's; with recovery weeks, the last
    loading week's). pre_taper_volumes: the planned volumes of the weeks before the taper phase
    (up to TAPER_WINDOW; the taper rule's reference, none = no cap).
    """
    nvec = action_nvec(scope)
    a = coerce_action(action, nvec)
    lim = limits_array(limits or HardLimits())
    pre = [float(v) for v in pre_taper_volumes][-TAPER_WINDOW:]
    vstate = np.array([float(prev_volume_rel), sum(pre), len(pre)])
    plan = decode_action(
        a,
        scope_code(scope),
        _level(level),
        int(week),
        int(n_weeks),
        vstate,
        lim,
        np.empty(PLAN_SIZE),
    )
    return WeekPlan.from_array(plan, phase=phase_name(int(week), int(n_weeks)))


def season_plan_array(
    actions: object, scope: str, level: int | str, n_weeks: int, limits: HardLimits | None = None
) -> np.ndarray:
    """(n_weeks, PLAN_SIZE) plans of a season of actions ((n_weeks, K)), decoded as the env does."""
    nvec = action_nvec(scope)
    arr = np.asarray(actions)
    if arr.ndim != 2 or arr.shape[0] != n_weeks:
        raise InputError(f"actions: need shape ({n_weeks}, {len(nvec)}), got {arr.shape}")
    acts = np.stack([coerce_action(a, nvec, f"actions[{w}]") for w, a in enumerate(arr)])
    lim = limits_array(limits or HardLimits())
    return decode_season(acts, scope_code(scope), _level(level), int(n_weeks), lim, np.empty((n_weeks, PLAN_SIZE)))


def week_plan_to_action(
    plan: WeekPlan, prev_volume_rel: float = 1.0, scope: str = "strength", habitual_km: float | None = None
) -> np.ndarray:
    """The nearest encodable action (int64) for a WeekPlan.

    Running and sets are matched only for scope "strength_and_run": the volume step whose clipped
    result is nearest the plan's volume, the key runs, the nearest long-run share, the sets (0 when
    the plan keeps the emphasis default). A plan in absolute km needs the athlete's `habitual_km`.
    """
    nvec = action_nvec(scope)
    s = plan.strength
    active = s.sessions > 0 and s.emphasis != "none"
    out = [
        s.sessions if active else 0,
        EMPHASES.index(s.emphasis) if active else 0,
        EFFORTS.index(s.effort),
        PLACEMENTS.index(s.placement),
    ]
    if len(nvec) > len(STRENGTH_NVEC):
        hab = 1.0  # read only when the plan gives km, and then the caller's
        if plan.run_km is not None or plan.long_run_km is not None:
            if habitual_km is None or habitual_km <= 0:
                raise InputError(
                    "week_plan_to_action: the plan gives km, not fractions of habitual volume; "
                    "pass habitual_km (> 0)"
                )
            hab = habitual_km
        target = (
            week_km_of(plan, hab) / hab
            if plan.run_km is not None
            else (1.0 if plan.run_volume_rel is None else plan.run_volume_rel)
        )
        vols = np.clip(prev_volume_rel * (1.0 + np.asarray(VOLUME_STEPS)), VOLUME_MIN_REL, VOLUME_MAX_REL)
        if plan.long_run_km is not None:
            km = week_km_of(plan, hab)
            share = plan.long_run_km / km if km > 0 else 0.0
        else:
            share = 0.3 if plan.long_run_rel is None else plan.long_run_rel
        out += [
            int(np.argmin(np.abs(vols - target))),
            plan.key_runs,
            int(np.argmin(np.abs(np.asarray(LONG_SHARES) - share))),
            s.sets if active and s.sets is not None else 0,
        ]
    return np.asarray(out, dtype=np.int64)
