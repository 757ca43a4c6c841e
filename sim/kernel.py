"""The physics: numba kernels over explicit state arrays (layouts in `sim.state`).

Everything that the single env, the batched env, the baselines and the what-if simulator
compute about a body lives here, once:

- `derive`          parameter table -> derived constants (daily decays, damage exponent)
- `draw_base`, `uniform_at`   counter-based random streams keyed by (seed, athlete, day)
- `schedule_week`   a week plan -> seven days of sessions
- `step_day`        one athlete, one day: decay, pain reading, run, lift, injury draw
- `simulate`        batch of athletes x weeks (`prange`), the hot loop
- `init_states`     warm-up of each athlete on their habitual running
- `race_time_min`   Daniels & Gilbert race-time prediction

The module is written in the subset of Python that numba compiles and that also runs as
plain Python: `sim.reference` executes this same file with `njit` as the identity, which
is the test oracle (numba vs interpreter) with no second copy of the equations.
Equations, units and sources: docs/model.md.

Speed notes: `error_model='numpy'` drops Python's zero-division checks (no divisor here can
be zero: capacity >= its floor, effective bone capacity >= (1 - remodel_max) x its floor, 1RM >= 0.5 BW,
distances >= 3 km), and the day step is inlined into the week loop (together about 1.5x).
"""

import math

import numpy as np

from sim._jit import njit, prange
from sim.parameters import (
    BONE_ADAPT_EXPONENT,
    BONE_CAPACITY_FLOOR,
    BONE_CAPACITY_MAX,
    BONE_INJURY_MEDIAN_D,
    BONE_INJURY_SHARE,
    BONE_STIM_HEAVY,
    BONE_STIM_KM,
    BONE_STIM_MAINTENANCE,
    BONE_STIM_POWER,
    BONE_STIM_REF,
    CAPACITY_FLOOR,
    CAPACITY_MAX,
    CAPACITY_RATE_HEAVY,
    CAPACITY_RATE_RUN,
    CAPSTIM_HEAVY,
    CAPSTIM_MAINTENANCE,
    CAPSTIM_POWER,
    CAPSTIM_TONING,
    DAMAGE_PER_KM,
    ECON_MAX,
    ECON_PER_POWER,
    ECON_PER_STRENGTH,
    EFFORT_FATIGUE_EASY,
    EFFORT_FATIGUE_HARD,
    EFFORT_GAIN_EASY,
    EFFORT_GAIN_HARD,
    EFFORT_SORE_EASY,
    EFFORT_SORE_HARD,
    FATIGUE_FIXED_SHARE,
    FATIGUE_GAIN_RATIO,
    FATIGUE_STRESS,
    FITNESS_RETENTION_MAX,
    HAZARD_EXPONENT,
    HAZARD_SCALE,
    INJURY_MEDIAN_D,
    INJURY_SEVERITY_SLOPE,
    INJURY_SIGMA_LN,
    INTENSITY_FLOOR,
    INTERF_HALF_AU,
    INTERF_POWER,
    INTERF_STRENGTH,
    K_FITNESS_PER_AU,
    KEY_STIMULUS_EXPONENT,
    LIFT_FATIGUE_SHARE,
    LIFT_KM_EQUIV_PER_SET,
    LIFT_MINUTES_PER_SET,
    LIFT_RPE,
    LIFT_STRESS_HEAVY,
    LIFT_STRESS_POWER,
    LONG_RUN_CHRONIC_SHARE,
    LONG_RUN_FATIGUE,
    LONG_RUN_STRESS_MAX,
    NEURAL_SHARE,
    NIGGLE_NOISE,
    NIGGLE_PER_DAMAGE,
    NMF_ECONOMY,
    NMF_PER_SESSION,
    PACE_INTERVALS,
    PACE_LONG,
    PACE_RACE,
    PACE_TEMPO,
    PAIN_RUN_FACTOR,
    PAIN_THRESHOLD,
    POWER_MAX,
    PRIOR_INJURY_HAZARD,
    PSTIM_HEAVY,
    PSTIM_MAINTENANCE,
    PSTIM_POWER,
    PSTIM_TONING,
    QUALITY_PER_NMF,
    QUALITY_PER_SORENESS,
    RATE_NEURAL,
    RATE_POWER,
    RATE_STRUCT,
    RBE_MAX,
    RBE_RATE,
    REMODEL_MAX,
    REMODEL_PER_DEFICIT,
    RPE_EASY,
    RPE_INTERVALS,
    RPE_LONG,
    RPE_RACE,
    RPE_TEMPO,
    RUN_STIM_KM,
    SETS_HALF,
    SETS_HEAVY,
    SETS_MAINTENANCE,
    SETS_POWER,
    SETS_TONING,
    SN_REF_STRESS_PCT,
    SN_SLOPE_PCT,
    SORE_HEAVY,
    SORE_MAINTENANCE,
    SORE_POWER,
    SORE_TONING,
    SORENESS_ECONOMY,
    SORENESS_NOVEL,
    SORENESS_STRESS,
    STIM_HEAVY,
    STIM_MAINTENANCE,
    STIM_POWER,
    STIM_TONING,
    STRENGTH_CEILING_BW,
    STRESS_ATTENUATION,
    STRESS_INTERVALS,
    STRESS_RACE,
    STRESS_TEMPO,
    TAU_BONE_CAPACITY_D,
    TAU_BONE_STIMULUS_D,
    TAU_CAPACITY_D,
    TAU_CHRONIC_D,
    TAU_FATIGUE_D,
    TAU_FITNESS_D,
    TAU_INTENSITY_D,
    TAU_LOAD_MEMORY_D,
    TAU_LONG_RUN_D,
    TAU_NEURAL_D,
    TAU_NMF_D,
    TAU_POWER_D,
    TAU_RBE_D,
    TAU_REMODEL_D,
    TAU_REPAIR_D,
    TAU_RESORPTION_D,
    TAU_SETS_D,
    TAU_SORENESS_D,
    TAU_STRUCT_D,
    VO2_GAIN_CEILING,
)
from sim.state import (
    A_AEROBIC_RESPONSE,
    A_EASY_PACE_MIN_PER_KM,
    A_HABITUAL_KM,
    A_LEVEL,
    A_PRIOR_INJURIES,
    A_RACE_KM,
    A_SKIP_PROB,
    A_STRENGTH_1RM_BW,
    A_STRENGTH_RESPONSE,
    A_TISSUE_RESPONSE,
    A_TISSUE_STRESS,
    A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED,
    AEROBIC_RECENT_AU,
    BONE_CAPACITY_REL,
    BONE_DAMAGE,
    BONE_REMODEL,
    BONE_STIMULUS_D,
    CAPACITY_REL,
    CHRONIC_KM_D,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_AFTER_RUN,
    D_STR_EFFORT,
    D_STR_EMPHASIS,
    D_STR_SETS,
    DAMAGE,
    DAY_SIZE,
    EFFORT_EASY,
    EFFORT_HARD,
    EFFORT_MODERATE,
    EMPH_HEAVY,
    EMPH_MAINTENANCE,
    EMPH_NONE,
    EMPH_POWER,
    FATIGUE_AU,
    FITNESS_AU,
    INJURY_DAYS_LEFT,
    INTENSITY_CHRONIC,
    INTENSITY_SESSIONS,
    LOAD_MEMORY_AU,
    LONG_RUN_KM,
    M_BONE_CAPACITY,
    M_BONE_DAMAGE,
    M_CAPACITY,
    M_COST_FACTOR,
    M_DAMAGE,
    M_ECONOMY_GAIN,
    M_FATIGUE_AU,
    M_FITNESS_AU,
    M_HAZARD,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_KEY_QUALITY,
    M_LOAD_AU,
    M_LONGEST_KM,
    M_NEW_INJURIES,
    M_NIGGLE,
    M_PAIN_DAYS,
    M_POWER_REL,
    M_RUN_HOURS,
    M_RUN_KM,
    M_SORENESS,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
    M_VO2_EFF,
    M_VO2MAX,
    METRIC_SIZE,
    NEURAL_REL,
    NIGGLE_0_10,
    NM_FATIGUE,
    OVERREACH_AU,
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
    PLACE_BEFORE_KEY,
    PLACE_SEPARATE_DAY,
    PLAN_SIZE,
    POWER_REL,
    PWR_SETS,
    RBE_PROTECTION,
    RUN_EASY,
    RUN_INTERVALS,
    RUN_LONG,
    RUN_RACE,
    RUN_REST,
    RUN_TEMPO,
    SORENESS_0_10,
    STATE_SIZE,
    STR_SETS,
    STRUCT_REL,
)

# --------------------------------------------------------------------------- derived constants
DV_FITNESS, DV_FATIGUE, DV_NEURAL, DV_STRUCT, DV_POWER, DV_CAPACITY = 0, 1, 2, 3, 4, 5
DV_REPAIR, DV_SORENESS, DV_RBE, DV_NMF, DV_LONG_RUN, DV_DAMAGE_EXP, DV_K_FATIGUE = 6, 7, 8, 9, 10, 11, 12
DV_MEMORY, DV_SETS, DV_CHRONIC, DV_INTENSITY, DV_BONE_CAPACITY, DV_REMODEL = 13, 14, 15, 16, 17, 18
DV_RESORPTION, DV_BONE_STIMULUS = 19, 20
DERIVED_SIZE = 21


@njit(error_model='numpy', cache=True)
def derive(gp):
    """Derived constants: daily decay factors exp(-1/tau) and the damage exponent.

    The damage exponent k is the local slope of the tendon S-N curve
    S = 101.3 - b log10(N) (Schechtman & Bader 1997): -dlnN/dlnS = ln(10) S / b, taken at
    the reference stress (% of ultimate).
    """
    dv = np.empty(DERIVED_SIZE)
    dv[DV_FITNESS] = math.exp(-1.0 / gp[TAU_FITNESS_D])
    dv[DV_FATIGUE] = math.exp(-1.0 / gp[TAU_FATIGUE_D])
    dv[DV_NEURAL] = math.exp(-1.0 / gp[TAU_NEURAL_D])
    dv[DV_STRUCT] = math.exp(-1.0 / gp[TAU_STRUCT_D])
    dv[DV_POWER] = math.exp(-1.0 / gp[TAU_POWER_D])
    dv[DV_CAPACITY] = math.exp(-1.0 / gp[TAU_CAPACITY_D])
    dv[DV_REPAIR] = math.exp(-1.0 / gp[TAU_REPAIR_D])
    dv[DV_SORENESS] = math.exp(-1.0 / gp[TAU_SORENESS_D])
    dv[DV_RBE] = math.exp(-1.0 / gp[TAU_RBE_D])
    dv[DV_NMF] = math.exp(-1.0 / gp[TAU_NMF_D])
    dv[DV_LONG_RUN] = math.exp(-1.0 / gp[TAU_LONG_RUN_D])
    dv[DV_DAMAGE_EXP] = math.log(10.0) * gp[SN_REF_STRESS_PCT] / gp[SN_SLOPE_PCT]
    dv[DV_K_FATIGUE] = gp[FATIGUE_GAIN_RATIO] * gp[K_FITNESS_PER_AU]
    dv[DV_MEMORY] = math.exp(-1.0 / gp[TAU_LOAD_MEMORY_D])
    dv[DV_SETS] = math.exp(-1.0 / gp[TAU_SETS_D])
    dv[DV_CHRONIC] = math.exp(-1.0 / gp[TAU_CHRONIC_D])
    dv[DV_INTENSITY] = math.exp(-1.0 / gp[TAU_INTENSITY_D])
    dv[DV_BONE_CAPACITY] = math.exp(-1.0 / gp[TAU_BONE_CAPACITY_D])
    dv[DV_REMODEL] = math.exp(-1.0 / gp[TAU_REMODEL_D])
    dv[DV_RESORPTION] = math.exp(-1.0 / gp[TAU_RESORPTION_D])
    dv[DV_BONE_STIMULUS] = math.exp(-1.0 / gp[TAU_BONE_STIMULUS_D])
    return dv


# --------------------------------------------------------------------------- random streams
# Counter-based: every draw is a pure function of (seed, athlete key, day, stream), so two
# plans run on the same seed meet the same athletes and the same draws (common random
# numbers), in any order, on any number of threads. 32-bit mixing with multipliers below
# 2**31 keeps every product inside int64, so numba and Python give identical integers.
_M32 = 0xFFFFFFFF
STREAM_INJURY, STREAM_NIGGLE, STREAM_DURATION_A, STREAM_DURATION_B = 1, 2, 3, 4
STREAM_SKIP_RUN, STREAM_SKIP_LIFT, STREAM_INJURY_SITE = 5, 6, 7
STREAM_OBS = 16  # first stream reserved for environment observation noise


@njit(error_model='numpy', cache=True)
def _mix32(h):
    h = h & _M32
    h ^= h >> 16
    h = (h * 0x7FEB352D) & _M32
    h ^= h >> 15
    h = (h * 0x5BD1E995) & _M32
    h ^= h >> 16
    return h


@njit(error_model='numpy', cache=True)
def draw_base(seed, key):
    """Hash of (seed, athlete key): the root of that athlete's streams."""
    h = _mix32(seed ^ 0x2545F491)
    h = _mix32(h ^ ((seed >> 32) & _M32))
    h = _mix32(h ^ (key & _M32))
    return _mix32(h ^ ((key >> 32) & _M32))


@njit(error_model='numpy', cache=True)
def day_hash(base, day):
    return _mix32(base ^ (day & _M32) ^ 0x68E31DA4)


@njit(error_model='numpy', cache=True)
def uniform_at(dhash, stream):
    """Uniform in (0, 1) for one stream of one athlete-day."""
    return (_mix32(dhash ^ (stream * 0x1B873593)) + 0.5) * (1.0 / 4294967296.0)


@njit(error_model='numpy', cache=True)
def normal_at(dhash, stream):
    """Standard normal (Box-Muller over two streams)."""
    u1 = uniform_at(dhash, stream)
    u2 = uniform_at(dhash, stream + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


# --------------------------------------------------------------------------- scheduler
# Scheduling conventions (coaching practice, not physiology): long run on day 7, key runs
# on days 2/4/6, easy runs first on days 3/5/1/6; key sessions take 16% of the week.
KEY_SHARE = 0.16
KEY_MIN_KM = 3.0
EASY_TARGET_MIN_KM = 6.0
EASY_TARGET_SHARE = 0.15
EASY_MIN_KM = 2.0
KEY_DAYS = (1, 3, 5)
EASY_ORDER = (2, 4, 0, 5, 1, 3, 6)


@njit(error_model='numpy', cache=True)
def _is_key(kind):
    return kind == RUN_LONG or kind == RUN_TEMPO or kind == RUN_INTERVALS or kind == RUN_RACE


@njit(error_model='numpy', cache=True)
def is_hard_lift(emphasis, effort):
    """Hard lifting in the article's sense: heavy work at moderate or hard effort, or any
    lifting to failure (mirrors `experiments.plans.rules.is_hard_lift`)."""
    if emphasis == EMPH_NONE:
        return False
    return effort == EFFORT_HARD or (emphasis == EMPH_HEAVY and effort == EFFORT_MODERATE)


@njit(error_model='numpy', cache=True)
def lighter_effort(emphasis):
    """The hardest effort that is not hard lifting for `emphasis` (heavy: easy; else moderate)."""
    return EFFORT_EASY if emphasis == EMPH_HEAVY else EFFORT_MODERATE


RULE_BREAK = -50.0  # score of a day where hard lifting would break one of the article's rules


@njit(error_model='numpy', cache=True)
def _place_score(days, d, placement, hard):
    """How well day `d` suits a strength session under `placement` (higher is better).

    after_easy / separate_day follow the article's timing rules: hard lifting (`hard`) never
    goes on a key-run day, the day before a key or long run, or day 7 (it would sit next to
    the following week's day 1): those days score RULE_BREAK. Lighter lifting may follow the
    day's key session (the article's FAQ exception). before_key is the article's mistake 3.
    """
    kind = int(days[d, D_RUN_KIND])
    nxt = int(days[d + 1, D_RUN_KIND]) if d < 6 else RUN_REST
    if kind == RUN_RACE or nxt == RUN_RACE:
        return -100.0
    key_today = _is_key(kind)
    before_key = _is_key(nxt)
    rest = kind == RUN_REST
    if placement == PLACE_BEFORE_KEY:
        if before_key and not key_today:
            return 10.0
        return 0.0 if key_today else 2.0
    if hard and (key_today or before_key or d == 6):
        return RULE_BREAK
    if key_today:
        # After the day's key session ("hard days hard"), at most moderate lifting.
        return 1.0 if before_key else 4.0
    if placement == PLACE_SEPARATE_DAY:
        if rest:
            return 3.0 if before_key else 10.0
        return 2.0 if before_key else 6.0
    # after_easy
    if rest:
        return 2.0 if before_key else 7.0
    return 3.0 if before_key else 10.0


@njit(error_model='numpy', cache=True)
def _best_day(days, placement, hard, chosen, hard_days):
    """(day, score) of the best free day for one more session; adjacent strength days cost 4,
    and under the rule-keeping placements hard lifting next to hard lifting is a RULE_BREAK."""
    best = -1
    best_score = -1.0e9
    for d in range(7):
        if (chosen >> d) & 1:
            continue
        score = _place_score(days, d, placement, hard)
        if d > 0 and (chosen >> (d - 1)) & 1:
            score -= 4.0
        if d < 6 and (chosen >> (d + 1)) & 1:
            score -= 4.0
        if hard and placement != PLACE_BEFORE_KEY and score > RULE_BREAK:
            if (d > 0 and (hard_days >> (d - 1)) & 1) or (d < 6 and (hard_days >> (d + 1)) & 1):
                score = RULE_BREAK
        if score > best_score:
            best_score = score
            best = d
    return best, best_score


@njit(error_model='numpy', cache=True)
def default_sets(gp, emphasis):
    if emphasis == EMPH_HEAVY:
        return gp[SETS_HEAVY]
    if emphasis == EMPH_POWER:
        return gp[SETS_POWER]
    if emphasis == EMPH_MAINTENANCE:
        return gp[SETS_MAINTENANCE]
    return gp[SETS_TONING]


@njit(error_model='numpy', cache=True)
def schedule_week(plan, ath, gp, days):
    """Turn one week plan (PLAN_SIZE) into seven days (7 x DAY_SIZE), in place.

    Volume is resolved against the athlete's habitual km when the plan is relative. The race
    (plan[P_RACE]) takes day 7 and replaces the long run. Strength sessions go to the best-
    scoring days for the placement rule, spread apart (adjacent days are penalised). Under
    after_easy/separate_day, hard lifting keeps the article's timing rules (not on or before a
    key/long run day, not on day 7, never on consecutive days); a hard session with no such day
    left is lightened to `lighter_effort` (the days' D_STR_EFFORT then differs from the plan's).
    """
    for d in range(7):
        for f in range(DAY_SIZE):
            days[d, f] = 0.0
    week_km = plan[P_RUN_KM] * ath[A_HABITUAL_KM] if plan[P_RUN_IS_REL] > 0.5 else plan[P_RUN_KM]
    week_km = max(week_km, 0.0)
    long_km = plan[P_LONG_KM] * week_km if plan[P_LONG_IS_REL] > 0.5 else plan[P_LONG_KM]
    n_key = min(max(int(plan[P_KEY_RUNS] + 0.5), 0), 3)
    remaining = week_km
    if plan[P_RACE] > 0.5:
        days[6, D_RUN_KIND] = RUN_RACE
        days[6, D_RUN_KM] = ath[A_RACE_KM]
        remaining = max(remaining - ath[A_RACE_KM], 0.0)
        n_key = min(n_key, 2)
    elif long_km > 0.0 and remaining > 0.0:
        long_km = min(long_km, remaining)
        days[6, D_RUN_KIND] = RUN_LONG
        days[6, D_RUN_KM] = long_km
        remaining -= long_km
    if n_key > 0 and remaining > KEY_MIN_KM:
        key_km = min(max(KEY_SHARE * week_km, KEY_MIN_KM), remaining / n_key)
        kind = int(plan[P_KEY_KIND])
        if kind != RUN_INTERVALS:
            kind = RUN_TEMPO
        for i in range(n_key):
            d = KEY_DAYS[i]
            days[d, D_RUN_KIND] = kind
            days[d, D_RUN_KM] = key_km
            remaining -= key_km
            kind = RUN_TEMPO if kind == RUN_INTERVALS else RUN_INTERVALS
    if remaining >= EASY_MIN_KM:
        free = 0
        for d in range(7):
            if days[d, D_RUN_KIND] == RUN_REST:
                free += 1
        target = max(EASY_TARGET_MIN_KM, EASY_TARGET_SHARE * week_km)
        n_easy = min(max(int(math.ceil(remaining / target)), 1), free)
        if n_easy > 0:
            per = remaining / n_easy
            placed = 0
            for i in range(7):
                d = EASY_ORDER[i]
                if placed < n_easy and days[d, D_RUN_KIND] == RUN_REST:
                    days[d, D_RUN_KIND] = RUN_EASY
                    days[d, D_RUN_KM] = per
                    placed += 1
    # strength
    emphasis = int(plan[P_EMPHASIS])
    n_str = min(max(int(plan[P_STR_SESSIONS] + 0.5), 0), 3)
    if emphasis == EMPH_NONE:
        n_str = 0
    sets = plan[P_SETS] if plan[P_SETS] > 0.0 else default_sets(gp, emphasis)
    placement = int(plan[P_PLACEMENT])
    effort = int(plan[P_EFFORT])
    chosen = 0
    hard_days = 0
    for _ in range(n_str):
        e = effort
        hard = is_hard_lift(emphasis, e)
        best, best_score = _best_day(days, placement, hard, chosen, hard_days)
        if hard and placement != PLACE_BEFORE_KEY and best_score <= RULE_BREAK:
            # No day keeps the rules for hard lifting: the session is lightened (the article's
            # "light to moderate strength session later in the day") and placed as such.
            e = lighter_effort(emphasis)
            hard = False
            best, best_score = _best_day(days, placement, hard, chosen, hard_days)
        chosen |= 1 << best
        if hard:
            hard_days |= 1 << best
        days[best, D_STR_EMPHASIS] = emphasis
        days[best, D_STR_EFFORT] = e
        days[best, D_STR_SETS] = sets
        days[best, D_STR_AFTER_RUN] = 0.0 if days[best, D_RUN_KIND] == RUN_REST else 1.0


# --------------------------------------------------------------------------- one day
# The day is computed on local scalars and written back once (one exit; the names read like
# docs/model.md). Profile (perf, one thread): ~40% of the kernel's time is libm: log/exp of
# the damage power law on every run and lift, tanh of VO2max and economy once a week.
@njit(error_model='numpy', cache=True, inline='always')
def economy_gain_of(neural, struct, power, gp):
    """Fractional fall of the O2 cost of running at a fixed speed (soft ceiling ECON_MAX)."""
    drive = gp[ECON_PER_STRENGTH] * (neural + struct) + gp[ECON_PER_POWER] * power
    return gp[ECON_MAX] * math.tanh(drive / gp[ECON_MAX])


@njit(error_model='numpy', cache=True, inline='always')
def vo2max_of(fitness, ath, gp):
    """VO2max (ml/kg/min): untrained value raised by fitness, soft ceiling VO2_GAIN_CEILING."""
    c = gp[VO2_GAIN_CEILING]
    gain = c * math.tanh(gp[K_FITNESS_PER_AU] * ath[A_AEROBIC_RESPONSE] * fitness / c)
    return ath[A_VO2MAX_UNTRAINED] * (1.0 + gain)


@njit(error_model='numpy', cache=True, inline='always')
def vo2_effective_of(fitness, fatigue, overreach, ath, gp, dv):
    """Race-ready VO2 (ml/kg/min): VO2max less the fatigue term.

    Variable dose-response (Busso 2003): each day's load w(i) enters fatigue with the gain
    k2(i) = k2h (phi + (1 - phi) m(i) / m_hab), m(i) the recent-load memory and m_hab its
    level on the athlete's habitual training; `fatigue` holds sum w(i) e^-(t-i)/tau2 and
    `overreach` sum w(i) m(i)/m_hab e^-(t-i)/tau2, so the term is k2h (phi fatigue + (1-phi) overreach).
    """
    phi = gp[FATIGUE_FIXED_SHARE]
    term = dv[DV_K_FATIGUE] * (phi * fatigue + (1.0 - phi) * overreach)
    return vo2max_of(fitness, ath, gp) - ath[A_VO2MAX_UNTRAINED] * ath[A_AEROBIC_RESPONSE] * term


@njit(error_model='numpy', cache=True, inline='always')
def habitual_memory(ath, gp, dv):
    """m_hab (AU): the recent-load memory that the athlete's habitual running, all at easy
    effort, keeps up (daily load habitual_km x easy pace x RPE_easy / 7, summed with decay)."""
    daily = ath[A_HABITUAL_KM] * ath[A_EASY_PACE_MIN_PER_KM] * gp[RPE_EASY] / 7.0
    return max(daily, 1.0) / (1.0 - dv[DV_MEMORY])


@njit(error_model='numpy', cache=True, inline='always')
def cost_factor_of(neural, struct, power, soreness, nmf, gp):
    """O2 cost of running relative to the baseline economy (soreness and NMF raise it)."""
    acute = 1.0 + gp[SORENESS_ECONOMY] * soreness / 10.0 + gp[NMF_ECONOMY] * nmf
    return (1.0 - economy_gain_of(neural, struct, power, gp)) * acute


@njit(error_model='numpy', cache=True)
def strength_rel(st):
    """1RM relative to the athlete's baseline."""
    return 1.0 + st[NEURAL_REL] + st[STRUCT_REL]


@njit(error_model='numpy', cache=True)
def economy_gain(st, gp):
    return economy_gain_of(st[NEURAL_REL], st[STRUCT_REL], st[POWER_REL], gp)


@njit(error_model='numpy', cache=True)
def vo2max(st, ath, gp):
    return vo2max_of(st[FITNESS_AU], ath, gp)


@njit(error_model='numpy', cache=True)
def vo2_effective(st, ath, gp, dv):
    return vo2_effective_of(st[FITNESS_AU], st[FATIGUE_AU], st[OVERREACH_AU], ath, gp, dv)


@njit(error_model='numpy', cache=True)
def cost_factor(st, gp):
    return cost_factor_of(st[NEURAL_REL], st[STRUCT_REL], st[POWER_REL], st[SORENESS_0_10], st[NM_FATIGUE], gp)


@njit(error_model='numpy', cache=True, inline='always')
def _run(kind, km, ath, gp, dv, body, capacities, base_km):
    """One run. body = (fatigue, soreness, nmf, strength gain) as the run starts; capacities =
    (soft-tissue capacity, effective bone capacity after the remodelling space); base_km: the
    longest run the tissues tolerate without the long-run stress rise.
    Returns (load_au, stimulus_au, minutes, quality, soft damage added, bone damage added,
    soft capacity after, bone impact stimulus in saturating-run equivalents)."""
    fatigue, soreness, nmf, strength_gain = body
    capacity, bone_eff = capacities
    if kind == RUN_LONG:
        pace, rpe, stress = gp[PACE_LONG], gp[RPE_LONG], 1.0
    elif kind == RUN_TEMPO:
        pace, rpe, stress = gp[PACE_TEMPO], gp[RPE_TEMPO], gp[STRESS_TEMPO]
    elif kind == RUN_INTERVALS:
        pace, rpe, stress = gp[PACE_INTERVALS], gp[RPE_INTERVALS], gp[STRESS_INTERVALS]
    elif kind == RUN_RACE:
        pace, rpe, stress = gp[PACE_RACE], gp[RPE_RACE], gp[STRESS_RACE]
    else:
        pace, rpe, stress = 1.0, gp[RPE_EASY], 1.0
    minutes = km * ath[A_EASY_PACE_MIN_PER_KM] * pace
    quality = 1.0
    if kind != RUN_EASY:
        # Lifting leaves neuromuscular fatigue and soreness: the key run is done at a lower
        # output for the same effort (Doma & Deakin 2013), so it costs the full session load
        # (fatigue) but gives only quality^g of its training stimulus (fitness): the time held
        # at the target intensity falls much faster than the pace.
        quality = max(1.0 - gp[QUALITY_PER_NMF] * nmf - gp[QUALITY_PER_SORENESS] * soreness / 10.0, 0.5)
    load = rpe * minutes
    stimulus = load * quality ** gp[KEY_STIMULUS_EXPONENT] if quality < 1.0 else load
    # Per-step tissue stress (dimensionless, fatigue as the run starts), relative to each
    # compartment's capacity, then Miner damage of the run: km x stress^k, with stress rising
    # late in runs longer than the tolerated length. The same steps load soft tissue and bone.
    load_step = (stress * ath[A_TISSUE_STRESS]
                 * (1.0 + gp[FATIGUE_STRESS] * fatigue / 1000.0)
                 * (1.0 + gp[SORENESS_STRESS] * soreness / 10.0)
                 / (1.0 + gp[STRESS_ATTENUATION] * strength_gain))
    k = dv[DV_DAMAGE_EXP]
    km_equiv = km
    if km > base_km:
        # stress rises by phi per tolerated length run beyond it, up to LONG_RUN_STRESS_MAX:
        # km_equiv = integral of (1 + rise(x))^k over the run
        phi = gp[LONG_RUN_FATIGUE]
        x = (km - base_km) / base_km
        x_cap = gp[LONG_RUN_STRESS_MAX] / phi
        xr = min(x, x_cap)
        km_equiv = base_km + base_km / (phi * (k + 1.0)) * ((1.0 + phi * xr) ** (k + 1.0) - 1.0)
        if x > x_cap:
            km_equiv += base_km * (x - x_cap) * (1.0 + gp[LONG_RUN_STRESS_MAX]) ** k
    added = gp[DAMAGE_PER_KM] * km_equiv * math.exp(k * math.log(load_step / capacity))
    added_bone = gp[DAMAGE_PER_KM] * km_equiv * math.exp(k * math.log(load_step / bone_eff))
    # Mechanotransduction saturates with loading cycles (Turner 1998): stimulus d/(d + d0),
    # bone with a longer d0 (it adapts to the impact volume it habitually sees).
    r = ath[A_TISSUE_RESPONSE]
    capacity += gp[CAPACITY_RATE_RUN] * r * km / (km + gp[RUN_STIM_KM]) * (gp[CAPACITY_MAX] - capacity)
    return load, stimulus, minutes, quality, added, added_bone, capacity, r * km / (km + gp[BONE_STIM_KM])


@njit(error_model='numpy', cache=True, inline='always')
def _lift(session, ath, gp, dv, fatigue, acute, capacity):
    """One strength session. session = (emphasis, effort, sets per lift); acute = (soreness,
    rbe, nmf) before it. Returns (strength sets, power sets, soreness, rbe, nmf, soft-tissue
    capacity, bone impact stimulus (saturating-run equivalents), fatigue load (AU), soft-tissue
    damage, session load (AU)).

    The session adds effective hard sets to the week's count (`STR_SETS`, `PWR_SETS`); the
    gains themselves follow the weekly count in `step_day`, so how the sets are spread over
    sessions matters only through soreness, neuromuscular fatigue and placement.
    """
    emphasis, effort, sets = session
    soreness, rbe, nmf = acute
    if emphasis == EMPH_HEAVY:
        stim, pstim, sore, capstim, lstress = gp[STIM_HEAVY], gp[PSTIM_HEAVY], gp[SORE_HEAVY], \
            gp[CAPSTIM_HEAVY], gp[LIFT_STRESS_HEAVY]
        bstim = gp[BONE_STIM_HEAVY]
    elif emphasis == EMPH_POWER:
        stim, pstim, sore, capstim, lstress = gp[STIM_POWER], gp[PSTIM_POWER], gp[SORE_POWER], \
            gp[CAPSTIM_POWER], gp[LIFT_STRESS_POWER]
        bstim = gp[BONE_STIM_POWER]
    elif emphasis == EMPH_MAINTENANCE:
        stim, pstim, sore, capstim, lstress = gp[STIM_MAINTENANCE], gp[PSTIM_MAINTENANCE], \
            gp[SORE_MAINTENANCE], gp[CAPSTIM_MAINTENANCE], gp[LIFT_STRESS_HEAVY]
        bstim = gp[BONE_STIM_MAINTENANCE]
    else:  # toning: light, high-rep
        stim, pstim, sore, capstim, lstress = gp[STIM_TONING], gp[PSTIM_TONING], gp[SORE_TONING], \
            gp[CAPSTIM_TONING], 0.75 * gp[LIFT_STRESS_HEAVY]
        bstim = 0.0
    if effort == EFFORT_EASY:
        e_gain, e_fat, e_sore = gp[EFFORT_GAIN_EASY], gp[EFFORT_FATIGUE_EASY], gp[EFFORT_SORE_EASY]
    elif effort == EFFORT_HARD:
        e_gain, e_fat, e_sore = gp[EFFORT_GAIN_HARD], gp[EFFORT_FATIGUE_HARD], gp[EFFORT_SORE_HARD]
    else:
        e_gain, e_fat, e_sore = 1.0, 1.0, 1.0
    volume = math.sqrt(sets / 3.0)  # acute cost of a session grows less than its sets (Ralston et al. 2017)
    # Interference: endurance load (running fatigue) blunts the anabolic signal of each set.
    interference = fatigue / (fatigue + gp[INTERF_HALF_AU])
    str_sets = sets * stim * e_gain * (1.0 - gp[INTERF_STRENGTH] * interference)
    pwr_sets = sets * pstim * e_gain * (1.0 - gp[INTERF_POWER] * interference)
    soreness = min(soreness + gp[SORENESS_NOVEL] * sore * e_sore * volume * (1.0 - rbe), 10.0)
    rbe += gp[RBE_RATE] * sore * (gp[RBE_MAX] - rbe)
    nmf = min(nmf + gp[NMF_PER_SESSION] * sore * e_fat * volume, 1.0)
    load = gp[LIFT_RPE] * (0.5 + 0.5 * e_fat) * sets * gp[LIFT_MINUTES_PER_SET]
    capacity += (gp[CAPACITY_RATE_HEAVY] * capstim * e_gain * volume * ath[A_TISSUE_RESPONSE]
                 * (gp[CAPACITY_MAX] - capacity))
    # Bone answers impact (high strain rate), not slow heavy loading: jumps some, heavy lifts
    # little (Kohrt et al. 2004; Turner & Robling 2003). Its response saturates within a few
    # dozen cycles (Turner 1998), so the session counts, not its sets or effort.
    bone_stim = bstim * ath[A_TISSUE_RESPONSE]
    # Lifting damage is soft-tissue damage: few, slow, low-strain-rate cycles for bone.
    sigma = lstress * ath[A_TISSUE_STRESS] / capacity
    added = gp[DAMAGE_PER_KM] * sets * gp[LIFT_KM_EQUIV_PER_SET] * math.exp(dv[DV_DAMAGE_EXP] * math.log(sigma))
    return str_sets, pwr_sets, soreness, rbe, nmf, capacity, bone_stim, gp[LIFT_FATIGUE_SHARE] * load, added, load


@njit(error_model='numpy', cache=True, inline='always')
def step_day(st, ath, gp, dv, day, rules, clock, met):
    """Advance one athlete by one day, in place (numba: no allocation in the hot loop).

    st: state (STATE_SIZE); ath: profile (ATHLETE_SIZE); gp: parameters; dv: derive(gp);
    day: one scheduled day (DAY_SIZE); rules = (pain_rule: back off on pain, draw_injuries:
    False during warm-up); clock = (base: draw_base(seed, key), day_index: days since the
    season start, dow: 0-6 day of week); met: this week's metrics row (accumulated).
    """
    pain_rule, draw_injuries = rules
    base, day_index, dow = clock
    # Fitness decays (Banister), except that while the athlete keeps their usual high-intensity
    # sessions, a share rho of the decay of the fitness above what the recent load sustains is
    # held back (volume cut, intensity kept: Mujika & Padilla 2000). target = the steady-state
    # fitness of the recent stimulus rate; intensity kept = recent / usual hard-session rate.
    recent = st[AEROBIC_RECENT_AU] * dv[DV_INTENSITY]
    intensity = st[INTENSITY_SESSIONS] * dv[DV_INTENSITY]
    intensity_chronic = st[INTENSITY_CHRONIC] * dv[DV_CHRONIC]
    target = recent * (1.0 - dv[DV_INTENSITY]) / (1.0 - dv[DV_FITNESS])
    usual = max(intensity_chronic * (1.0 - dv[DV_CHRONIC]), gp[INTENSITY_FLOOR] / 7.0)
    kept = intensity * (1.0 - dv[DV_INTENSITY]) / usual
    rho = gp[FITNESS_RETENTION_MAX] * min(kept, 1.0)
    fitness = st[FITNESS_AU] * dv[DV_FITNESS] + max(st[FITNESS_AU] - target, 0.0) * (1.0 - dv[DV_FITNESS]) * rho
    fatigue = st[FATIGUE_AU] * dv[DV_FATIGUE]
    overreach = st[OVERREACH_AU] * dv[DV_FATIGUE]
    memory = st[LOAD_MEMORY_AU] * dv[DV_MEMORY]
    neural = st[NEURAL_REL] * dv[DV_NEURAL]
    struct = st[STRUCT_REL] * dv[DV_STRUCT]
    power = st[POWER_REL] * dv[DV_POWER]
    str_sets = st[STR_SETS] * dv[DV_SETS]
    pwr_sets = st[PWR_SETS] * dv[DV_SETS]
    chronic = st[CHRONIC_KM_D] * dv[DV_CHRONIC]
    capacity = gp[CAPACITY_FLOOR] + (st[CAPACITY_REL] - gp[CAPACITY_FLOOR]) * dv[DV_CAPACITY]
    damage = st[DAMAGE] * dv[DV_REPAIR]
    # Bone: capacity follows, over months, the level its recent weekly impact stimulus S
    # supports, (S / S_ref)^b between floor and maximum (mechanostat: Carter 1987), as fast up
    # as down. While the target is above the present capacity (loading above what the bone is
    # adapted to), remodelling opens space in proportion to the deficit within weeks
    # (resorption), which refills over months: bone is weaker for weeks after loading rises
    # ("too much, too soon": Warden et al. 2014; Hughes et al. 2017). Damage is repaired at the
    # soft-tissue rate.
    bone_stim = st[BONE_STIMULUS_D] * dv[DV_BONE_STIMULUS]
    s_rel = 7.0 * st[BONE_STIMULUS_D] / gp[BONE_STIM_REF]
    target = gp[BONE_CAPACITY_FLOOR]
    if s_rel > 0.0:
        target = min(max(math.exp(gp[BONE_ADAPT_EXPONENT] * math.log(s_rel)), target), gp[BONE_CAPACITY_MAX])
    bone = st[BONE_CAPACITY_REL]
    opened = min(gp[REMODEL_PER_DEFICIT] * max(target - bone, 0.0) / bone, gp[REMODEL_MAX])
    remodel = st[BONE_REMODEL]
    if opened > remodel:
        remodel = opened + (remodel - opened) * dv[DV_RESORPTION]
    else:
        remodel = opened + (remodel - opened) * dv[DV_REMODEL]
    bone = target + (bone - target) * dv[DV_BONE_CAPACITY]
    bone_damage = st[BONE_DAMAGE] * dv[DV_REPAIR]
    bone_eff = bone * (1.0 - remodel)
    soreness = st[SORENESS_0_10] * dv[DV_SORENESS]
    rbe = st[RBE_PROTECTION] * dv[DV_RBE]
    nmf = st[NM_FATIGUE] * dv[DV_NMF]
    long_km = st[LONG_RUN_KM] * dv[DV_LONG_RUN]
    injury_days = st[INJURY_DAYS_LEFT]
    # Strength and power follow the week's hard-set count with diminishing returns
    # R = S / (S + S_half) (Grgic et al. 2018; Ralston et al. 2017), whatever the split.
    resp = ath[A_STRENGTH_RESPONSE]
    room = max(gp[STRENGTH_CEILING_BW] / ath[A_STRENGTH_1RM_BW] - 1.0, 0.05) * resp
    drive = str_sets / (str_sets + gp[SETS_HALF])
    neural += min(gp[RATE_NEURAL] * drive, 1.0) * (gp[NEURAL_SHARE] * room - neural)
    struct += min(gp[RATE_STRUCT] * drive, 1.0) * ((1.0 - gp[NEURAL_SHARE]) * room - struct)
    pdrive = pwr_sets / (pwr_sets + gp[SETS_HALF])
    power += min(gp[RATE_POWER] * pdrive, 1.0) * (gp[POWER_MAX] * resp - power)
    kind = int(day[D_RUN_KIND])
    km = day[D_RUN_KM]
    emphasis = int(day[D_STR_EMPHASIS])
    effort = int(day[D_STR_EFFORT])
    sets = day[D_STR_SETS]
    if dow == 6:  # race morning of the week
        met[M_VO2_EFF] = vo2_effective_of(fitness, fatigue, overreach, ath, gp, dv)
        met[M_COST_FACTOR] = cost_factor_of(neural, struct, power, soreness, nmf, gp)
    dh = day_hash(base, day_index)
    # Pain reading: damage seen through noise (triangular, from two 16-bit halves of one draw).
    h = _mix32(dh ^ (STREAM_NIGGLE * 0x1B873593))
    tri = ((h & 0xFFFF) + (h >> 16)) * (1.0 / 65536.0) - 1.0
    share = gp[BONE_INJURY_SHARE]
    felt = (1.0 - share) * damage + share * bone_damage
    niggle = min(max(gp[NIGGLE_PER_DAMAGE] * felt + 2.449489742783178 * gp[NIGGLE_NOISE] * tri, 0.0), 10.0)
    met[M_NIGGLE] = max(met[M_NIGGLE], niggle)
    m_hab = habitual_memory(ath, gp, dv)
    if injury_days > 0.0:
        injury_days -= 1.0
        met[M_INJURED_DAYS] += 1.0
    else:
        if pain_rule and niggle >= gp[PAIN_THRESHOLD] and (kind != RUN_REST or emphasis != EMPH_NONE):
            # Article, mistake 4: modify load instead of pushing through pain.
            met[M_PAIN_DAYS] += 1.0
            if kind != RUN_REST and kind != RUN_RACE:
                kind = RUN_EASY
                km *= gp[PAIN_RUN_FACTOR]
            if emphasis != EMPH_NONE:
                emphasis = EMPH_MAINTENANCE
                effort = EFFORT_EASY
                sets = min(sets, 2.0)
        if draw_injuries and ath[A_SKIP_PROB] > 0.0:
            # Missed sessions (adherence): one draw per athlete-day for the run and one for the
            # lift, whatever the plan, so every plan meets the same skips. The race is never missed.
            if kind != RUN_RACE and uniform_at(dh, STREAM_SKIP_RUN) < ath[A_SKIP_PROB]:
                kind = RUN_REST
            if uniform_at(dh, STREAM_SKIP_LIFT) < ath[A_SKIP_PROB]:
                emphasis = EMPH_NONE
        if kind != RUN_REST and km > 0.0:
            # Tolerated run length: the recent longest run, but no more than a share of the
            # chronic weekly volume (a long run on a low chronic volume is not protected).
            base_km = max(min(long_km, gp[LONG_RUN_CHRONIC_SHARE] * 7.0 * chronic), KEY_MIN_KM)
            load, stim, minutes, quality, added, added_bone, capacity, impact = _run(
                kind, km, ath, gp, dv, (fatigue, soreness, nmf, neural + struct), (capacity, bone_eff), base_km)
            damage += added
            bone_damage += added_bone
            bone_stim += impact * (1.0 - dv[DV_BONE_STIMULUS])
            fitness += stim
            recent += stim
            if kind != RUN_EASY and kind != RUN_LONG:
                intensity += stim / load
                intensity_chronic += stim / load
            fatigue += load
            memory += load
            overreach += load * memory / m_hab
            long_km = max(long_km, km)
            chronic += km * (1.0 - dv[DV_CHRONIC])
            if kind != RUN_EASY:
                met[M_KEY_QUALITY] += quality
                met[M_KEY_COUNT] += 1.0
            met[M_RUN_KM] += km
            met[M_RUN_HOURS] += minutes / 60.0
            met[M_LOAD_AU] += load
            met[M_LONGEST_KM] = max(met[M_LONGEST_KM], km)
        if emphasis != EMPH_NONE and sets > 0.0:
            s_add, p_add, soreness, rbe, nmf, capacity, impact, fat_add, added, load = _lift(
                (emphasis, effort, sets), ath, gp, dv, fatigue, (soreness, rbe, nmf), capacity)
            bone_stim += impact * (1.0 - dv[DV_BONE_STIMULUS])
            str_sets += s_add
            pwr_sets += p_add
            fatigue += fat_add
            memory += fat_add
            overreach += fat_add * memory / m_hab
            damage += added
            met[M_STR_SESSIONS] += 1.0
            met[M_LOAD_AU] += load
        if draw_injuries:
            # Soft tissue and bone fail independently; each carries its share of the hazard.
            if gp[HAZARD_EXPONENT] == 2.0:
                hz_soft, hz_bone = damage * damage, bone_damage * bone_damage
            else:
                hz_soft, hz_bone = damage ** gp[HAZARD_EXPONENT], bone_damage ** gp[HAZARD_EXPONENT]
            hz_bone *= share
            hz = gp[HAZARD_SCALE] * ((1.0 - share) * hz_soft + hz_bone)
            hz *= 1.0 + gp[PRIOR_INJURY_HAZARD] * ath[A_PRIOR_INJURIES]
            met[M_HAZARD] += hz
            if uniform_at(dh, STREAM_INJURY) < hz:
                z = normal_at(dh, STREAM_DURATION_A)
                # time lost: log-normal, longer when the damage has gone beyond the level that
                # first hurts (training through pain turns a niggle into a longer injury)
                felt = (1.0 - share) * damage + share * bone_damage
                beyond = max(felt * gp[NIGGLE_PER_DAMAGE] / gp[PAIN_THRESHOLD] - 1.0, 0.0)
                # the injured tissue: bone with its share of the day's hazard; bone heals slower
                median = gp[INJURY_MEDIAN_D]
                if uniform_at(dh, STREAM_INJURY_SITE) * ((1.0 - share) * hz_soft + hz_bone) < hz_bone:
                    median = gp[BONE_INJURY_MEDIAN_D]
                out = (math.exp(math.log(median) + gp[INJURY_SIGMA_LN] * z)
                       * (1.0 + gp[INJURY_SEVERITY_SLOPE] * beyond))
                injury_days = max(math.floor(out + 0.5), 1.0)
                met[M_NEW_INJURIES] += 1.0
    met[M_SORENESS] += soreness
    st[FITNESS_AU] = fitness
    st[AEROBIC_RECENT_AU] = recent
    st[INTENSITY_SESSIONS] = intensity
    st[INTENSITY_CHRONIC] = intensity_chronic
    st[FATIGUE_AU] = fatigue
    st[OVERREACH_AU] = overreach
    st[LOAD_MEMORY_AU] = memory
    st[NEURAL_REL] = neural
    st[STRUCT_REL] = struct
    st[POWER_REL] = power
    st[STR_SETS] = str_sets
    st[PWR_SETS] = pwr_sets
    st[CHRONIC_KM_D] = chronic
    st[CAPACITY_REL] = capacity
    st[DAMAGE] = damage
    st[BONE_CAPACITY_REL] = bone
    st[BONE_DAMAGE] = bone_damage
    st[BONE_REMODEL] = remodel
    st[BONE_STIMULUS_D] = bone_stim
    st[SORENESS_0_10] = soreness
    st[RBE_PROTECTION] = rbe
    st[NM_FATIGUE] = nmf
    st[LONG_RUN_KM] = long_km
    st[INJURY_DAYS_LEFT] = injury_days
    st[NIGGLE_0_10] = niggle


@njit(error_model='numpy', cache=True)
def week_end(st, ath, gp, met):
    """Close a week's metrics: end-of-week snapshots and means."""
    met[M_STRENGTH_REL] = strength_rel(st)
    met[M_ECONOMY_GAIN] = economy_gain(st, gp)
    met[M_VO2MAX] = vo2max(st, ath, gp)
    met[M_FATIGUE_AU] = st[FATIGUE_AU]
    met[M_FITNESS_AU] = st[FITNESS_AU]
    met[M_DAMAGE] = st[DAMAGE]
    met[M_CAPACITY] = st[CAPACITY_REL]
    met[M_POWER_REL] = st[POWER_REL]
    met[M_BONE_CAPACITY] = st[BONE_CAPACITY_REL] * (1.0 - st[BONE_REMODEL])
    met[M_BONE_DAMAGE] = st[BONE_DAMAGE]
    met[M_SORENESS] /= 7.0
    if met[M_KEY_COUNT] > 0.0:
        met[M_KEY_QUALITY] /= met[M_KEY_COUNT]
    else:
        met[M_KEY_QUALITY] = 1.0


@njit(error_model='numpy', cache=True)
def simulate_athlete(st, ath, gp, dv, plans, base, day0, out, days):
    """One athlete through len(plans) weeks; out is (n_weeks, METRIC_SIZE), overwritten."""
    for w in range(plans.shape[0]):
        plan = plans[w]
        met = out[w]
        for m in range(METRIC_SIZE):
            met[m] = 0.0
        schedule_week(plan, ath, gp, days)
        pain = plan[P_PAIN_RULE] > 0.5
        for d in range(7):
            step_day(st, ath, gp, dv, days[d], (pain, True), (base, day0 + 7 * w + d, d), met)
        week_end(st, ath, gp, met)


@njit(parallel=True, error_model='numpy', cache=True)
def simulate(states, athletes, gp, plans, seed, keys, day0, out):
    """Batch: every athlete through the weeks of its plan, in parallel over athletes.

    states (n, STATE_SIZE) advance in place; athletes (n, ATHLETE_SIZE); plans (1 or n,
    n_weeks, PLAN_SIZE), a single row being shared by all; keys (n,) int64 athlete keys for
    the random streams; day0: season day of the first day; out (n, n_weeks, METRIC_SIZE).
    """
    dv = derive(gp)
    n = states.shape[0]
    stride = 0 if plans.shape[0] == 1 else 1
    for a in prange(n):
        days = np.empty((7, DAY_SIZE))
        base = draw_base(seed, keys[a])
        simulate_athlete(states[a], athletes[a], gp, dv, plans[a * stride], base, day0, out[a], days)


@njit(error_model='numpy', cache=True)
def habitual_plan(ath, plan):
    """The athlete's usual week before the season: habitual km, level-typical key runs, no lifting."""
    for i in range(PLAN_SIZE):
        plan[i] = 0.0
    plan[P_RUN_KM] = 1.0
    plan[P_RUN_IS_REL] = 1.0
    plan[P_KEY_RUNS] = ath[A_LEVEL]
    plan[P_LONG_KM] = 0.3
    plan[P_LONG_IS_REL] = 1.0
    plan[P_KEY_KIND] = RUN_TEMPO
    plan[P_PAIN_RULE] = 1.0


WARMUP_MIN_WEEKS = 12
WARMUP_MAX_WEEKS = 104


@njit(error_model='numpy', cache=True)
def init_state(st, ath, gp, dv, days, plan, met):
    """Warm one athlete up from a detrained body through their running history.

    The history is the habitual week for min(training age, 2 years) (at least 12 weeks),
    without injury draws, so fitness, fatigue, capacity and damage start at the level the
    athlete's history gives: a novice's tissues have had less time to adapt.
    """
    for i in range(STATE_SIZE):
        st[i] = 0.0
    st[CAPACITY_REL] = gp[CAPACITY_FLOOR]
    st[BONE_CAPACITY_REL] = gp[BONE_CAPACITY_FLOOR]
    habitual_plan(ath, plan)
    weeks = int(min(max(ath[A_TRAINING_AGE_Y] * 52.0, WARMUP_MIN_WEEKS), WARMUP_MAX_WEEKS))
    for _ in range(weeks):
        schedule_week(plan, ath, gp, days)
        for d in range(7):
            step_day(st, ath, gp, dv, days[d], (True, False), (0, 0, d), met)


@njit(parallel=True, error_model='numpy', cache=True)
def init_states(athletes, gp, states):
    """Warm-up of every athlete (see `init_state`), in parallel; states (n, STATE_SIZE) overwritten."""
    dv = derive(gp)
    for a in prange(athletes.shape[0]):
        days = np.empty((7, DAY_SIZE))
        plan = np.empty(PLAN_SIZE)
        met = np.zeros(METRIC_SIZE)
        init_state(states[a], athletes[a], gp, dv, days, plan, met)


# --------------------------------------------------------------------------- race time
@njit(error_model='numpy', cache=True)
def race_time_min(vo2_eff, cost, race_km):
    """Race time (min) for `race_km` (Daniels & Gilbert 1979).

    Solves cost * VO2(v) = vo2_eff * F(d / v) for the speed v (m/min) by bisection, with
    VO2(v) = -4.60 + 0.182258 v + 0.000104 v^2 and
    F(t) = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t).
    """
    d = race_km * 1000.0
    lo = 30.0
    hi = 800.0
    for _ in range(48):
        v = 0.5 * (lo + hi)
        t = d / v
        demand = cost * (-4.60 + 0.182258 * v + 0.000104 * v * v)
        supply = vo2_eff * (0.8 + 0.1894393 * math.exp(-0.012778 * t) + 0.2989558 * math.exp(-0.1932605 * t))
        if demand > supply:
            hi = v
        else:
            lo = v
    return d / (0.5 * (lo + hi))


@njit(parallel=True, error_model='numpy', cache=True)
def race_times_min(vo2_eff, cost, race_km, out):
    """race_time_min over (n, n_weeks) arrays; race_km is (n,)."""
    for a in prange(vo2_eff.shape[0]):
        for w in range(vo2_eff.shape[1]):
            out[a, w] = race_time_min(vo2_eff[a, w], cost[a, w], race_km[a])


@njit(error_model='numpy', cache=True)
def performance_now(states, athletes, gp, vo2_eff, cost):
    """Race-morning effective VO2 and O2-cost factor of each athlete's current state."""
    dv = derive(gp)
    for a in range(states.shape[0]):
        vo2_eff[a] = vo2_effective(states[a], athletes[a], gp, dv)
        cost[a] = cost_factor(states[a], gp)


def _refresh_jit_cache() -> None:
    """Empty this module's numba cache index when the simulator sources changed (`sim._jitcache`);
    skipped when `sim.reference` runs this file as plain Python."""
    import sys
    from pathlib import Path

    from sim import _jitcache

    if hasattr(derive, "py_func"):
        stamp = Path(__file__).parent / "__pycache__" / "kernel_sources.sha256"
        module = sys.modules.get(__name__)
        if module is not None:  # None when executed from a file spec
            _jitcache.refresh((module,), stamp)


_refresh_jit_cache()
