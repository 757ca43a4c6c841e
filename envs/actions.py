"""The action space: one week's choices, decoded to a week plan (the type what-if files use).

`MultiDiscrete` components, in this order (shared contract):

====  ==============  =======  ================================================================
idx   component       choices  meaning
====  ==============  =======  ================================================================
0     sessions        4        strength sessions this week, 0-3
1     emphasis        5        index in EMPHASES: none, heavy, power, maintenance, toning
2     effort          3        index in EFFORTS: easy, moderate, hard
3     placement       3        index in PLACEMENTS: after_easy, separate_day, before_key
4     volume_change   6        index in VOLUME_STEPS (only action_scope="strength_and_run")
5     key_runs        4        tempo/interval sessions 0-3 (only "strength_and_run")
6     long_share      4        index in LONG_SHARES, long run / week km (only "strength_and_run")
====  ==============  =======  ================================================================

Volume: week_volume_rel = clip(prev_volume_rel * (1 + VOLUME_STEPS[i]), 0.1, 2.0), in multiples
of the athlete's habitual km; the first week starts from prev_volume_rel = 1.0. With
action_scope="strength" running (volume, key runs, long run, key-run kind) follows
`sim.season.reference_run_week`, the level's reference plan the templates use, so a learned
strength plan compares like with like. The final week of a season always has race=1.

`decode_action` (numba) is what the envs call; `action_to_week_plan` / `week_plan_to_action`
are the Python bridges to `sim.plan.WeekPlan`.
"""

from __future__ import annotations

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
    HardLimits,
    limits_array,
)
from sim._jit import njit
from sim.errors import InputError
from sim.plan import WeekPlan, week_km_of
from sim.season import PHASE_TAPER, phase_name, phase_of, reference_run_week
from sim.state import (
    EFFORTS,
    EMPH_NONE,
    EMPHASES,
    LEVELS,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_PLACEMENT,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACE_BEFORE_KEY,
    PLACE_SEPARATE_DAY,
    PLACEMENTS,
    PLAN_SIZE,
)

SESSIONS, EMPHASIS, EFFORT, PLACEMENT, VOLUME_CHANGE, KEY_RUNS, LONG_SHARE = 0, 1, 2, 3, 4, 5, 6
ACTION_NAMES = ("sessions", "emphasis", "effort", "placement", "volume_change", "key_runs", "long_share")
VOLUME_STEPS = (-0.30, -0.20, -0.10, 0.0, 0.10, 0.20)
LONG_SHARES = (0.0, 0.20, 0.25, 0.30)
VOLUME_MIN_REL, VOLUME_MAX_REL = 0.1, 2.0
STRENGTH_NVEC = (4, len(EMPHASES), len(EFFORTS), len(PLACEMENTS))
RUN_NVEC = (len(VOLUME_STEPS), 4, len(LONG_SHARES))
SCOPES = ("strength", "strength_and_run")
SCOPE_STRENGTH, SCOPE_STRENGTH_AND_RUN = 0, 1
_EPS = 1e-9

_CHOICES = (
    "0-3 sessions",
    ", ".join(f"{i}={e}" for i, e in enumerate(EMPHASES)),
    ", ".join(f"{i}={e}" for i, e in enumerate(EFFORTS)),
    ", ".join(f"{i}={p}" for i, p in enumerate(PLACEMENTS)),
    ", ".join(f"{i}={s:+.0%}" for i, s in enumerate(VOLUME_STEPS)),
    "0-3 key runs",
    ", ".join(f"{i}={s:.0%}" for i, s in enumerate(LONG_SHARES)),
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
    if phase_of(week, n_weeks) == PHASE_TAPER:
        cap = min(cap, int(limits[L_MAX_SESSIONS_TAPER]))
    return cap


@njit(cache=True)
def volume_step_allowed(j, prev_volume_rel, limits):
    """Cuts and holds are always allowed; an increase must respect both volume limits."""
    step = VOLUME_STEPS[j]
    if step <= 0.0:
        return True
    return (
        step <= limits[L_MAX_VOL_INCREASE] + _EPS
        and prev_volume_rel * (1.0 + step) <= limits[L_MAX_VOL_REL] + _EPS
    )


@njit(cache=True)
def decode_action(action, scope, level, week, n_weeks, prev_volume_rel, limits, plan):
    """Fill `plan` (PLAN_SIZE) with the week plan of `action` and return it.

    action: int array of choices (already checked against the space); scope: SCOPE_* code;
    level: 0-2; week: 0-based season week; prev_volume_rel: last week's planned volume
    (x habitual km); limits: `envs.config.limits_array`. Choices that break a hard limit are
    clamped to the nearest allowed one (masking agents never pick them).
    """
    for i in range(PLAN_SIZE):
        plan[i] = 0.0
    reference_run_week(level, week, n_weeks, plan)  # running, key kind, race week, pain rule
    sessions = min(int(action[SESSIONS]), session_cap(week, n_weeks, limits))
    emphasis = int(action[EMPHASIS])
    if (int(limits[L_FORBID_EMPH]) >> emphasis) & 1:
        emphasis = EMPH_NONE
    if sessions == 0 or emphasis == EMPH_NONE:
        sessions = 0
        emphasis = EMPH_NONE
    placement = int(action[PLACEMENT])
    if placement == PLACE_BEFORE_KEY and limits[L_NO_BEFORE_KEY] > 0.5:
        placement = PLACE_SEPARATE_DAY
    plan[P_STR_SESSIONS] = sessions
    plan[P_EMPHASIS] = emphasis
    plan[P_EFFORT] = min(int(action[EFFORT]), int(limits[L_MAX_EFFORT]))
    plan[P_PLACEMENT] = placement
    plan[P_SETS] = 0.0
    if scope == SCOPE_STRENGTH_AND_RUN:
        j = int(action[VOLUME_CHANGE])
        while j > 0 and not volume_step_allowed(j, prev_volume_rel, limits):
            j -= 1
        vol = prev_volume_rel * (1.0 + VOLUME_STEPS[j])
        plan[P_RUN_KM] = min(max(vol, VOLUME_MIN_REL), VOLUME_MAX_REL)
        plan[P_KEY_RUNS] = min(int(action[KEY_RUNS]), int(limits[L_MAX_KEY_RUNS]))
        plan[P_LONG_KM] = LONG_SHARES[int(action[LONG_SHARE])]
        plan[P_LONG_IS_REL] = 1.0
    return plan


@njit(cache=True)
def action_mask(scope, week, n_weeks, prev_volume_rel, limits, out):
    """Fill `out` (bool, sum of the choices) with the allowed choices, components concatenated."""
    o = 0
    cap = session_cap(week, n_weeks, limits)
    for s in range(4):
        out[o + s] = s <= cap
    o += 4
    forbid = int(limits[L_FORBID_EMPH])
    for e in range(len(EMPHASES)):
        out[o + e] = ((forbid >> e) & 1) == 0
    o += len(EMPHASES)
    for e in range(len(EFFORTS)):
        out[o + e] = e <= int(limits[L_MAX_EFFORT])
    o += len(EFFORTS)
    for p in range(len(PLACEMENTS)):
        out[o + p] = not (p == PLACE_BEFORE_KEY and limits[L_NO_BEFORE_KEY] > 0.5)
    o += len(PLACEMENTS)
    if scope == SCOPE_STRENGTH_AND_RUN:
        for j in range(len(VOLUME_STEPS)):
            out[o + j] = volume_step_allowed(j, prev_volume_rel, limits)
        o += len(VOLUME_STEPS)
        for k in range(4):
            out[o + k] = k <= int(limits[L_MAX_KEY_RUNS])
        o += 4
        for j in range(len(LONG_SHARES)):
            out[o + j] = True
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
) -> WeekPlan:
    """The WeekPlan an action stands for in season week `week` (labelled with its phase)."""
    nvec = action_nvec(scope)
    a = coerce_action(action, nvec)
    lim = limits_array(limits or HardLimits())
    plan = decode_action(
        a,
        scope_code(scope),
        _level(level),
        int(week),
        int(n_weeks),
        float(prev_volume_rel),
        lim,
        np.empty(PLAN_SIZE),
    )
    return WeekPlan.from_array(plan, phase=phase_name(int(week), int(n_weeks)))


def week_plan_to_action(
    plan: WeekPlan, prev_volume_rel: float = 1.0, scope: str = "strength", habitual_km: float | None = None
) -> np.ndarray:
    """The nearest encodable action (int64) for a WeekPlan.

    Running is matched only for scope "strength_and_run": the volume step whose clipped result
    is nearest the plan's volume, the key runs, the nearest long-run share. A plan in absolute
    km needs the athlete's `habitual_km`.
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
        if plan.run_km is not None or plan.long_run_km is not None:
            if habitual_km is None or habitual_km <= 0:
                raise InputError(
                    "week_plan_to_action: the plan gives km, not fractions of habitual volume; "
                    "pass habitual_km (> 0)"
                )
        target = (
            week_km_of(plan, habitual_km) / habitual_km
            if plan.run_km is not None
            else (1.0 if plan.run_volume_rel is None else plan.run_volume_rel)
        )
        vols = np.clip(prev_volume_rel * (1.0 + np.asarray(VOLUME_STEPS)), VOLUME_MIN_REL, VOLUME_MAX_REL)
        if plan.long_run_km is not None:
            km = week_km_of(plan, habitual_km)
            share = plan.long_run_km / km if km > 0 else 0.0
        else:
            share = 0.3 if plan.long_run_rel is None else plan.long_run_rel
        out += [
            int(np.argmin(np.abs(vols - target))),
            plan.key_runs,
            int(np.argmin(np.abs(np.asarray(LONG_SHARES) - share))),
        ]
    return np.asarray(out, dtype=np.int64)
