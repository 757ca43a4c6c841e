"""The compact parameterization of an open-loop season: nine genes per season phase.

A season of `n_weeks` splits into the phases of `sim.season` by weeks to race (transition,
base, pre-season, race season, taper). Each phase gets the same nine genes, every gene a real
number read on [0, 1] (values outside are clamped, so any real vector decodes to a valid
season):

    volume_start, volume_end   running km x the athlete's habitual km, VOLUME_MIN..VOLUME_MAX,
                               linear from the phase's first week to its last (a build or a taper)
    key_runs                   tempo / interval sessions a week, 0-3
    long_run_share             long run, fraction of the week's km, 0..LONG_SHARE_MAX
    strength_sessions          strength sessions a week, 0-3
    emphasis                   heavy | power | maintenance | toning
    effort                     easy | moderate | hard
    placement                  after_easy | separate_day | before_key
    sets                       sets per key lift, 1-6

Choices are read by cutting [0, 1] into equal bins (`_pick`), so CMA-ES moves through them
continuously. Fields the genes do not set follow the reference plan (`sim.season`): the kind of
the first key run (intervals in pre-season and race season, else tempo), the race on the last
day, and the pain rule (always on). `decode` gives the numba plan array the simulator runs;
`week_plans` gives the same season as labelled `WeekPlan`s for the plan file. With `limits`
(`envs.config.HardLimits`, e.g. the article's rules) the decoded season then passes, week by week
in season order, through the env's own limit logic (`envs.actions.limit_season`): recovery
weeks, the taper cap, race-season maintenance, no before_key placement, the volume-increase
limits; so an optimized plan obeys exactly what a learned one does.
"""

from __future__ import annotations

import numpy as np

from envs.actions import MAX_SETS, limit_season
from envs.config import HardLimits, limits_array
from sim.plan import StrengthPlan, WeekPlan
from sim.season import PHASES, phase_of
from sim.state import (
    EFFORTS,
    EMPHASES,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_KIND,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_PAIN_RULE,
    P_PLACEMENT,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACEMENTS,
    PLAN_SIZE,
    RUN_INTERVALS,
    RUN_TEMPO,
)

GENES = ("volume_start", "volume_end", "key_runs", "long_run_share", "strength_sessions", "emphasis", "effort",
         "placement", "sets")
N_PHASE_GENES = len(GENES)
N_GENES = N_PHASE_GENES * len(PHASES)
G_VOL_START, G_VOL_END, G_KEY, G_LONG, G_SESSIONS, G_EMPHASIS, G_EFFORT, G_PLACEMENT, G_SETS = range(N_PHASE_GENES)

#: 0.2-2.0 x habitual km: 2.0 is the env's largest volume (envs.config.HardLimits.max_volume_rel)
VOLUME_MIN, VOLUME_MAX = 0.2, 2.0
LONG_SHARE_MAX = 0.45
LIFT_EMPHASES = ("heavy", "power", "maintenance", "toning")  # "none" is strength_sessions = 0


def gene_names() -> list[str]:
    """`phase.gene` for every position of the gene vector."""
    return [f"{ph}.{g}" for ph in PHASES for g in GENES]


def _pick(g: float, k: int) -> int:
    """Bin of g in [0, 1] cut into k equal parts (1.0 falls in the last)."""
    return min(int(g * k), k - 1)


def decode(genes: np.ndarray, n_weeks: int, limits: HardLimits | None = None) -> np.ndarray:
    """(n_weeks, PLAN_SIZE) plan array of a gene vector (any real values; clamped to [0, 1]), within
    `limits` when given."""
    g = np.clip(np.nan_to_num(np.asarray(genes, dtype=np.float64), nan=0.5), 0.0, 1.0)
    if g.shape != (N_GENES,):
        raise ValueError(f"genes: need shape ({N_GENES},), got {g.shape}")
    g = g.reshape(len(PHASES), N_PHASE_GENES)
    phases = np.array([phase_of(w, n_weeks) for w in range(n_weeks)])
    out = np.zeros((n_weeks, PLAN_SIZE))
    for ph in range(len(PHASES)):
        weeks = np.flatnonzero(phases == ph)
        if len(weeks) == 0:
            continue
        p = g[ph]
        v0 = VOLUME_MIN + p[G_VOL_START] * (VOLUME_MAX - VOLUME_MIN)
        v1 = VOLUME_MIN + p[G_VOL_END] * (VOLUME_MAX - VOLUME_MIN)
        frac = np.arange(len(weeks)) / max(len(weeks) - 1, 1)
        out[weeks, P_RUN_KM] = np.round(v0 + (v1 - v0) * frac, 2)
        out[weeks, P_RUN_IS_REL] = 1.0
        out[weeks, P_KEY_RUNS] = _pick(p[G_KEY], 4)
        out[weeks, P_KEY_KIND] = RUN_INTERVALS if PHASES[ph] in ("pre_season", "race_season") else RUN_TEMPO
        out[weeks, P_LONG_KM] = round(float(p[G_LONG]) * LONG_SHARE_MAX, 2)
        out[weeks, P_LONG_IS_REL] = 1.0
        sessions = _pick(p[G_SESSIONS], 4)
        out[weeks, P_STR_SESSIONS] = sessions
        if sessions > 0:
            out[weeks, P_EMPHASIS] = EMPHASES.index(LIFT_EMPHASES[_pick(p[G_EMPHASIS], len(LIFT_EMPHASES))])
            out[weeks, P_EFFORT] = _pick(p[G_EFFORT], len(EFFORTS))
            out[weeks, P_PLACEMENT] = _pick(p[G_PLACEMENT], len(PLACEMENTS))
            out[weeks, P_SETS] = 1 + _pick(p[G_SETS], MAX_SETS)
        else:  # no lifting: the fields of an inactive StrengthPlan, so the array round-trips
            out[weeks, P_EFFORT] = EFFORTS.index("moderate")
        out[weeks, P_PAIN_RULE] = 1.0
    out[-1, P_RACE] = 1.0
    if limits is not None:
        limit_season(out, limits_array(limits))
    return out


def decode_batch(genes: np.ndarray, n_weeks: int, limits: HardLimits | np.ndarray | None = None) -> np.ndarray:
    """(k, n_weeks, PLAN_SIZE) for a (k, N_GENES) batch of gene vectors: `decode` of every row, the
    phases' fields set for all rows at once (the per-athlete optimizers decode thousands a generation).
    `limits` is a `HardLimits` or its array (`envs.config.limits_array`)."""
    g = np.clip(np.nan_to_num(np.atleast_2d(np.asarray(genes, dtype=np.float64)), nan=0.5), 0.0, 1.0)
    if g.ndim != 2 or g.shape[1] != N_GENES:
        raise ValueError(f"genes: need shape (k, {N_GENES}), got {g.shape}")
    k = g.shape[0]
    g = g.reshape(k, len(PHASES), N_PHASE_GENES)
    phases = np.array([phase_of(w, n_weeks) for w in range(n_weeks)])
    out = np.zeros((k, n_weeks, PLAN_SIZE))
    lift = np.array([EMPHASES.index(e) for e in LIFT_EMPHASES], dtype=np.float64)

    def pick(x: np.ndarray, m: int) -> np.ndarray:
        return np.minimum((x * m).astype(np.int64), m - 1).astype(np.float64)

    for ph in range(len(PHASES)):
        weeks = np.flatnonzero(phases == ph)
        if len(weeks) == 0:
            continue
        p = g[:, ph]
        v0 = VOLUME_MIN + p[:, G_VOL_START] * (VOLUME_MAX - VOLUME_MIN)
        v1 = VOLUME_MIN + p[:, G_VOL_END] * (VOLUME_MAX - VOLUME_MIN)
        frac = np.arange(len(weeks)) / max(len(weeks) - 1, 1)
        o = out[:, weeks]  # a copy: written back below
        o[:, :, P_RUN_KM] = np.round(v0[:, None] + (v1 - v0)[:, None] * frac[None, :], 2)
        o[:, :, P_RUN_IS_REL] = 1.0
        o[:, :, P_KEY_RUNS] = pick(p[:, G_KEY], 4)[:, None]
        o[:, :, P_KEY_KIND] = RUN_INTERVALS if PHASES[ph] in ("pre_season", "race_season") else RUN_TEMPO
        o[:, :, P_LONG_KM] = np.round(p[:, G_LONG] * LONG_SHARE_MAX, 2)[:, None]
        o[:, :, P_LONG_IS_REL] = 1.0
        sessions = pick(p[:, G_SESSIONS], 4)
        lifts = sessions > 0
        o[:, :, P_STR_SESSIONS] = sessions[:, None]
        o[:, :, P_EMPHASIS] = np.where(lifts, lift[pick(p[:, G_EMPHASIS], len(LIFT_EMPHASES)).astype(np.int64)],
                                       0.0)[:, None]
        o[:, :, P_EFFORT] = np.where(lifts, pick(p[:, G_EFFORT], len(EFFORTS)),
                                     float(EFFORTS.index("moderate")))[:, None]
        o[:, :, P_PLACEMENT] = np.where(lifts, pick(p[:, G_PLACEMENT], len(PLACEMENTS)), 0.0)[:, None]
        o[:, :, P_SETS] = np.where(lifts, 1 + pick(p[:, G_SETS], MAX_SETS), 0.0)[:, None]
        o[:, :, P_PAIN_RULE] = 1.0
        out[:, weeks] = o
    out[:, -1, P_RACE] = 1.0
    if limits is not None:
        lim = limits if isinstance(limits, np.ndarray) else limits_array(limits)
        for i in range(k):
            limit_season(out[i], lim)
    return out


def week_plans(genes: np.ndarray, n_weeks: int, limits: HardLimits | None = None) -> list[WeekPlan]:
    """The decoded season as labelled week plans (phase and a note on each week)."""
    arr = decode(genes, n_weeks, limits)
    out = []
    for w in range(n_weeks):
        phase = PHASES[phase_of(w, n_weeks)]
        week = WeekPlan.from_array(arr[w], phase=phase)
        out.append(week.model_copy(update={"note": note(week, w, n_weeks)}))
    return out


def note(week: WeekPlan, w: int, n_weeks: int) -> str:
    """One line a runner reads: where the week sits in the season and what it asks for."""
    wtr = n_weeks - 1 - w
    when = "race on day 7 of this week" if wtr == 0 else f"race in {wtr} week{'s' if wtr > 1 else ''}"
    s: StrengthPlan = week.strength
    sets, default = sets_of(s)
    lift = (f"{s.sessions}x {s.emphasis} strength, {s.effort}, {sets} sets{' (default)' if default else ''}, "
            f"{s.placement.replace('_', ' ')}" if s.active else "no strength work")
    return (f"optimized (CMA-ES) {week.phase.replace('_', ' ')}: {week.run_volume_rel:.2f}x habitual km, "
            f"{week.key_runs} key run{'s' if week.key_runs != 1 else ''}, long run {week.long_run_rel:.0%} of the "
            f"week; {lift}: {when}")


def sets_of(s: StrengthPlan) -> tuple[int, bool]:
    """Sets per key lift of a strength plan, and whether it is the emphasis' default: a week the rules set to
    maintenance carries no sets of its own (`sets: None`), and the simulator gives it the default
    (`sim.kernel.default_sets`), so a label says that number, never "None" (issue 24)."""
    if s.sets is not None:
        return int(s.sets), False
    from sim.parameters import SETS_HEAVY, SETS_MAINTENANCE, SETS_POWER, SETS_TONING, default_parameters

    index = {"heavy": SETS_HEAVY, "power": SETS_POWER, "maintenance": SETS_MAINTENANCE, "toning": SETS_TONING}
    return int(round(default_parameters()[index.get(s.emphasis, SETS_TONING)])), True


def center() -> np.ndarray:
    """The middle of the gene box: the search's start, no prior toward any plan (1.1x habitual km
    flat through the race, 2 key runs, 2 maintenance sessions)."""
    return np.full(N_GENES, 0.5)


__all__ = ["GENES", "N_GENES", "VOLUME_MIN", "VOLUME_MAX", "LONG_SHARE_MAX", "decode", "decode_batch",
           "week_plans", "gene_names", "center", "note", "sets_of"]
