"""One athlete, one day: decay, pain reading, run, lift, injury draw; and the performance read-outs.

The values that travel together between kernels are small named tuples (numba passes and
builds `typing.NamedTuple`s like tuples; the kernels unpack them, so a plain tuple of the same
shape works too): `Rules`, `Clock` into `step_day`; `Body`, `Capacities` into `_run` and
`RunOut` back; `Session`, `Acute` into `_lift` and `LiftOut` back.
"""

import math
from typing import NamedTuple

from sim import parameters as P
from sim import state as S
from sim._jit import njit

from .derived import (
    DV_BASE,
    DV_BONE_CAPACITY,
    DV_BONE_STIMULUS,
    DV_CAPACITY,
    DV_CHRONIC,
    DV_DAMAGE_EXP,
    DV_DURABLE,
    DV_FATIGUE,
    DV_FITNESS,
    DV_INTENSITY,
    DV_K_FATIGUE,
    DV_LONG_RUN,
    DV_MEMORY,
    DV_NEURAL,
    DV_NMF,
    DV_POWER,
    DV_RBE,
    DV_REMODEL,
    DV_REPAIR,
    DV_RESORPTION,
    DV_SETS,
    DV_SORENESS,
    DV_STRUCT,
)
from .rng import (
    STREAM_DURATION_A,
    STREAM_INJURY,
    STREAM_INJURY_SITE,
    STREAM_NIGGLE,
    STREAM_SKIP_LIFT,
    STREAM_SKIP_RUN,
    _mix32,
    day_hash,
    normal_at,
    uniform_at,
)
from .schedule import KEY_MIN_KM


class Rules(NamedTuple):
    """What a day applies: back off on pain (the article's mistake 4); draw missed sessions and
    injuries (False during the warm-up)."""

    pain_rule: bool
    draw_injuries: bool


class Clock(NamedTuple):
    """Where a day sits: its random-stream root `draw_base(seed, key)`, days since the season
    start (the stream counter) and the day of the week (0-6; 6 is race morning)."""

    base: int
    day_index: int
    dow: int


class Body(NamedTuple):
    """The acute state a run starts from."""

    fatigue: float
    soreness: float
    nmf: float
    strength_gain: float
    tissue_stress: float  # per-step stress: the athlete's, raised by the novice excess (`novice_stress`)


class Aerobic(NamedTuple):
    """The aerobic determinants' state: fitness (fast), the durable pool that follows it over months, and the
    running base (mean km/day over months)."""

    fitness: float
    durable: float
    base_km_d: float


class Strength(NamedTuple):
    """Neural and structural strength and power/stiffness gains (fractions of baseline)."""

    neural: float
    struct: float
    power: float


class Capacities(NamedTuple):
    """Soft-tissue capacity and the effective bone capacity (after the remodelling space)."""

    soft: float
    bone_eff: float


class RunOut(NamedTuple):
    """What one run returns (see `_run`)."""

    load_au: float
    stimulus_au: float
    minutes: float
    quality: float
    damage_added: float
    bone_damage_added: float
    capacity: float
    bone_impact: float


class Session(NamedTuple):
    """One strength session as scheduled."""

    emphasis: int
    effort: int
    sets: float


class Acute(NamedTuple):
    """Soreness, repeated-bout protection and neuromuscular fatigue before a lift."""

    soreness: float
    rbe: float
    nmf: float


class LiftOut(NamedTuple):
    """What one strength session returns (see `_lift`)."""

    str_sets: float
    pwr_sets: float
    soreness: float
    rbe: float
    nmf: float
    capacity: float
    bone_impact: float
    fatigue_au: float
    damage_added: float
    load_au: float

# The day is computed on local scalars and written back once (one exit; the names read like
# docs/model.md). Profile (perf, one thread): ~40% of the kernel's time is libm: log/exp of
# the damage power law on every run and lift, tanh of VO2max and economy once a week.
@njit(error_model='numpy', cache=True, inline='always')
def base_term(base_km_d, ath, gp):
    """b(B) - b(B_hab), b(x) = x / (x + B_half) over weekly km: the running base against the one the athlete's
    habitual running keeps (0 on habitual running; negative after months of less)."""
    b = 7.0 * base_km_d
    h = ath[S.A_HABITUAL_KM]
    return b / (b + gp[P.BASE_HALF_KM]) - h / (h + gp[P.BASE_HALF_KM])


@njit(error_model='numpy', cache=True, inline='always')
def economy_gain_of(strength, base_km_d, ath, gp):
    """Fractional fall of the O2 cost of running at a fixed speed against the athlete's habitual state:
    lifting's part (`Strength`, soft ceiling ECON_MAX) and the running base's part (months of volume),
    multiplied."""
    neural, struct, power = strength
    drive = gp[P.ECON_PER_STRENGTH] * (neural + struct) + gp[P.ECON_PER_POWER] * power
    lift = gp[P.ECON_MAX] * math.tanh(drive / gp[P.ECON_MAX])
    volume = gp[P.ECON_VOLUME_MAX] * base_term(base_km_d, ath, gp)
    return 1.0 - (1.0 - lift) * (1.0 - volume)


@njit(error_model='numpy', cache=True, inline='always')
def vo2max_of(fitness, durable, ath, gp):
    """VO2max (ml/kg/min): untrained value raised by aerobic fitness, soft ceiling VO2_GAIN_CEILING. A share
    of the fitness effect is carried by the durable pool, which follows fitness over months (Coyle 1984)."""
    c = gp[P.VO2_GAIN_CEILING]
    share = gp[P.DURABLE_SHARE]
    aerobic = (1.0 - share) * fitness + share * durable
    gain = c * math.tanh(gp[P.K_FITNESS_PER_AU] * ath[S.A_AEROBIC_RESPONSE] * aerobic / c)
    return ath[S.A_VO2MAX_UNTRAINED] * (1.0 + gain)


@njit(error_model='numpy', cache=True, inline='always')
def vo2_effective_of(aerobic, fatigue, overreach, ath, gp, dv):
    """Race-ready VO2 (ml/kg/min): VO2max less the fatigue term, times the sustainable-fraction factor.

    aerobic: `Aerobic`. Variable dose-response (Busso 2003): each day's load w(i) enters fatigue with the
    gain k2(i) = k2h (phi + (1 - phi) m(i) / m_hab), m(i) the recent-load memory and m_hab its
    level on the athlete's habitual training; `fatigue` holds sum w(i) e^-(t-i)/tau2 and
    `overreach` sum w(i) m(i)/m_hab e^-(t-i)/tau2, so the term is k2h (phi fatigue + (1-phi) overreach).
    The fraction of VO2max sustained over the race rises with the running base by
    ENDURANCE_PER_BASE x (b(B) - b(B_hab)), weighted by the race distance d / (d + d_half): long races
    need volume, VO2max does not (Hickson et al. 1982; Joyner & Coyle 2008).
    """
    fitness, durable, base_km_d = aerobic
    phi = gp[P.FATIGUE_FIXED_SHARE]
    term = dv[DV_K_FATIGUE] * (phi * fatigue + (1.0 - phi) * overreach)
    vo2 = vo2max_of(fitness, durable, ath, gp) - ath[S.A_VO2MAX_UNTRAINED] * ath[S.A_AEROBIC_RESPONSE] * term
    d = ath[S.A_RACE_KM]
    return vo2 * (1.0 + gp[P.ENDURANCE_PER_BASE] * base_term(base_km_d, ath, gp) * d / (d + gp[P.ENDURANCE_HALF_KM]))


@njit(error_model='numpy', cache=True, inline='always')
def habitual_memory(ath, gp, dv):
    """m_hab (AU): the recent-load memory that the athlete's habitual running, all at easy
    effort, keeps up (daily load habitual_km x easy pace x RPE_easy / 7, summed with decay)."""
    daily = ath[S.A_HABITUAL_KM] * ath[S.A_EASY_PACE_MIN_PER_KM] * gp[P.RPE_EASY] / 7.0
    return max(daily, 1.0) / (1.0 - dv[DV_MEMORY])


@njit(error_model='numpy', cache=True, inline='always')
def cost_factor_of(strength, soreness, nmf, base_km_d, ath, gp):
    """O2 cost of running relative to the athlete's habitual economy (`economy_gain_of`); soreness and NMF
    raise it."""
    acute = 1.0 + gp[P.SORENESS_ECONOMY] * soreness / 10.0 + gp[P.NMF_ECONOMY] * nmf
    return (1.0 - economy_gain_of(strength, base_km_d, ath, gp)) * acute


@njit(error_model='numpy', cache=True, inline='always')
def strength_rel(st):
    """1RM relative to the athlete's baseline."""
    return 1.0 + st[S.NEURAL_REL] + st[S.STRUCT_REL]


@njit(error_model='numpy', cache=True, inline='always')
def economy_gain(st, ath, gp):
    return economy_gain_of(Strength(st[S.NEURAL_REL], st[S.STRUCT_REL], st[S.POWER_REL]), st[S.BASE_KM_D], ath, gp)


@njit(error_model='numpy', cache=True, inline='always')
def vo2max(st, ath, gp):
    return vo2max_of(st[S.FITNESS_AU], st[S.DURABLE_AU], ath, gp)


@njit(error_model='numpy', cache=True, inline='always')
def vo2_effective(st, ath, gp, dv):
    return vo2_effective_of(Aerobic(st[S.FITNESS_AU], st[S.DURABLE_AU], st[S.BASE_KM_D]), st[S.FATIGUE_AU],
                            st[S.OVERREACH_AU], ath, gp, dv)


@njit(error_model='numpy', cache=True, inline='always')
def cost_factor(st, ath, gp):
    return cost_factor_of(Strength(st[S.NEURAL_REL], st[S.STRUCT_REL], st[S.POWER_REL]), st[S.SORENESS_0_10],
                          st[S.NM_FATIGUE], st[S.BASE_KM_D], ath, gp)


@njit(error_model='numpy', cache=True, inline='always')
def novice_stress(cumulative_km, gp):
    """Per-step tissue stress of a runner with `cumulative_km` behind them, relative to an experienced
    runner's: 1 + N e^(-C / C_fade) (novice tissues lag; the excess fades with running done)."""
    return 1.0 + gp[P.NOVICE_STRESS_EXCESS] * math.exp(-cumulative_km / gp[P.NOVICE_FADE_KM])


@njit(error_model='numpy', cache=True, inline='always')
def _run(kind, km, ath, gp, dv, body, capacities, base_km):
    """One run. body: `Body` as the run starts; capacities: `Capacities` (soft tissue, effective
    bone after the remodelling space); base_km: the longest run the tissues tolerate without the
    long-run stress rise. Returns a `RunOut`: (load_au, stimulus_au, minutes, quality, soft damage
    added, bone damage added, soft capacity after, bone impact stimulus in saturating-run equivalents)."""
    fatigue, soreness, nmf, strength_gain, tissue_stress = body
    capacity, bone_eff = capacities
    if kind == S.RUN_LONG:
        pace, rpe, stress = gp[P.PACE_LONG], gp[P.RPE_LONG], 1.0
    elif kind == S.RUN_TEMPO:
        pace, rpe, stress = gp[P.PACE_TEMPO], gp[P.RPE_TEMPO], gp[P.STRESS_TEMPO]
    elif kind == S.RUN_INTERVALS:
        pace, rpe, stress = gp[P.PACE_INTERVALS], gp[P.RPE_INTERVALS], gp[P.STRESS_INTERVALS]
    elif kind == S.RUN_RACE:
        pace, rpe, stress = gp[P.PACE_RACE], gp[P.RPE_RACE], gp[P.STRESS_RACE]
    else:
        pace, rpe, stress = 1.0, gp[P.RPE_EASY], 1.0
    minutes = km * ath[S.A_EASY_PACE_MIN_PER_KM] * pace
    quality = 1.0
    if kind != S.RUN_EASY:
        # Lifting leaves neuromuscular fatigue and soreness: the key run is done at a lower
        # output for the same effort (Doma & Deakin 2013), so it costs the full session load
        # (fatigue) but gives only quality^g of its training stimulus (fitness): the time held
        # at the target intensity falls much faster than the pace.
        quality = max(1.0 - gp[P.QUALITY_PER_NMF] * nmf - gp[P.QUALITY_PER_SORENESS] * soreness / 10.0, 0.5)
    load = rpe * minutes
    stimulus = load
    if quality < 1.0:
        g = gp[P.KEY_STIMULUS_EXPONENT]
        q2 = quality * quality  # quality^4 by two products at the default exponent (pow is a libm call)
        stimulus = load * (q2 * q2 if g == 4.0 else quality ** g)
    # Per-step tissue stress (dimensionless, fatigue as the run starts), relative to each
    # compartment's capacity, then Miner damage of the run: km x stress^k, with stress rising
    # late in runs longer than the tolerated length. The same steps load soft tissue and bone.
    load_step = (stress * tissue_stress
                 * (1.0 + gp[P.FATIGUE_STRESS] * fatigue / 1000.0)
                 * (1.0 + gp[P.SORENESS_STRESS] * soreness / 10.0)
                 / (1.0 + gp[P.STRESS_ATTENUATION] * strength_gain))
    k = dv[DV_DAMAGE_EXP]
    km_equiv = km
    if km > base_km:
        # stress rises by phi per tolerated length run beyond it, up to LONG_RUN_STRESS_MAX:
        # km_equiv = integral of (1 + rise(x))^k over the run
        phi = gp[P.LONG_RUN_FATIGUE]
        x = (km - base_km) / base_km
        x_cap = gp[P.LONG_RUN_STRESS_MAX] / phi
        xr = min(x, x_cap)
        km_equiv = base_km + base_km / (phi * (k + 1.0)) * ((1.0 + phi * xr) ** (k + 1.0) - 1.0)
        if x > x_cap:
            km_equiv += base_km * (x - x_cap) * (1.0 + gp[P.LONG_RUN_STRESS_MAX]) ** k
    added = gp[P.DAMAGE_PER_KM] * km_equiv * math.exp(k * math.log(load_step / capacity))
    added_bone = gp[P.DAMAGE_PER_KM] * km_equiv * math.exp(k * math.log(load_step / bone_eff))
    # Mechanotransduction saturates with loading cycles (Turner 1998): stimulus d/(d + d0),
    # bone with a longer d0 (it adapts to the impact volume it habitually sees).
    r = ath[S.A_TISSUE_RESPONSE]
    capacity += gp[P.CAPACITY_RATE_RUN] * r * km / (km + gp[P.RUN_STIM_KM]) * (gp[P.CAPACITY_MAX] - capacity)
    return RunOut(load, stimulus, minutes, quality, added, added_bone, capacity, r * km / (km + gp[P.BONE_STIM_KM]))


@njit(error_model='numpy', cache=True, inline='always')
def _lift(session, ath, gp, dv, fatigue, acute, capacity, tissue_stress):
    """One strength session. session: `Session` (emphasis, effort, sets per lift); acute: `Acute`
    (soreness, rbe, nmf) before it. Returns a `LiftOut`: (strength sets, power sets, soreness, rbe, nmf, soft-tissue
    capacity, bone impact stimulus (saturating-run equivalents), fatigue load (AU), soft-tissue
    damage, session load (AU)).

    The session adds effective hard sets to the week's count (`STR_SETS`, `PWR_SETS`); the
    gains themselves follow the weekly count in `step_day`, so how the sets are spread over
    sessions matters only through soreness, neuromuscular fatigue and placement.
    """
    emphasis, effort, sets = session
    soreness, rbe, nmf = acute
    if emphasis == S.EMPH_HEAVY:
        stim, pstim, sore, capstim, lstress = gp[P.STIM_HEAVY], gp[P.PSTIM_HEAVY], gp[P.SORE_HEAVY], \
            gp[P.CAPSTIM_HEAVY], gp[P.LIFT_STRESS_HEAVY]
        bstim = gp[P.BONE_STIM_HEAVY]
    elif emphasis == S.EMPH_POWER:
        stim, pstim, sore, capstim, lstress = gp[P.STIM_POWER], gp[P.PSTIM_POWER], gp[P.SORE_POWER], \
            gp[P.CAPSTIM_POWER], gp[P.LIFT_STRESS_POWER]
        bstim = gp[P.BONE_STIM_POWER]
    elif emphasis == S.EMPH_MAINTENANCE:
        stim, pstim, sore, capstim, lstress = gp[P.STIM_MAINTENANCE], gp[P.PSTIM_MAINTENANCE], \
            gp[P.SORE_MAINTENANCE], gp[P.CAPSTIM_MAINTENANCE], gp[P.LIFT_STRESS_HEAVY]
        bstim = gp[P.BONE_STIM_MAINTENANCE]
    else:  # toning: light, high-rep
        stim, pstim, sore, capstim, lstress = gp[P.STIM_TONING], gp[P.PSTIM_TONING], gp[P.SORE_TONING], \
            gp[P.CAPSTIM_TONING], 0.75 * gp[P.LIFT_STRESS_HEAVY]
        bstim = 0.0
    if effort == S.EFFORT_EASY:
        e_gain, e_fat, e_sore = gp[P.EFFORT_GAIN_EASY], gp[P.EFFORT_FATIGUE_EASY], gp[P.EFFORT_SORE_EASY]
    elif effort == S.EFFORT_HARD:
        e_gain, e_fat, e_sore = gp[P.EFFORT_GAIN_HARD], gp[P.EFFORT_FATIGUE_HARD], gp[P.EFFORT_SORE_HARD]
    else:
        e_gain, e_fat, e_sore = 1.0, 1.0, 1.0
    volume = math.sqrt(sets / 3.0)  # acute cost of a session grows less than its sets (Ralston et al. 2017)
    # Interference: endurance load (running fatigue) blunts the anabolic signal of each set.
    interference = fatigue / (fatigue + gp[P.INTERF_HALF_AU])
    str_sets = sets * stim * e_gain * (1.0 - gp[P.INTERF_STRENGTH] * interference)
    pwr_sets = sets * pstim * e_gain * (1.0 - gp[P.INTERF_POWER] * interference)
    soreness = min(soreness + gp[P.SORENESS_NOVEL] * sore * e_sore * volume * (1.0 - rbe), 10.0)
    rbe += gp[P.RBE_RATE] * sore * (gp[P.RBE_MAX] - rbe)
    nmf = min(nmf + gp[P.NMF_PER_SESSION] * sore * e_fat * volume, 1.0)
    load = gp[P.LIFT_RPE] * (0.5 + 0.5 * e_fat) * sets * gp[P.LIFT_MINUTES_PER_SET]
    capacity += (gp[P.CAPACITY_RATE_HEAVY] * capstim * e_gain * volume * ath[S.A_TISSUE_RESPONSE]
                 * (gp[P.CAPACITY_MAX] - capacity))
    # Bone answers impact (high strain rate), not slow heavy loading: jumps some, heavy lifts
    # little (Kohrt et al. 2004; Turner & Robling 2003). Its response saturates within a few
    # dozen cycles (Turner 1998), so the session counts, not its sets or effort.
    bone_stim = bstim * ath[S.A_TISSUE_RESPONSE]
    # Lifting damage is soft-tissue damage: few, slow, low-strain-rate cycles for bone.
    sigma = lstress * tissue_stress / capacity
    added = gp[P.DAMAGE_PER_KM] * sets * gp[P.LIFT_KM_EQUIV_PER_SET] * math.exp(dv[DV_DAMAGE_EXP] * math.log(sigma))
    return LiftOut(str_sets, pwr_sets, soreness, rbe, nmf, capacity, bone_stim, gp[P.LIFT_FATIGUE_SHARE] * load, added,
                   load)


class Constants(NamedTuple):
    """What a day needs of the athlete and the parameters that no day changes: computed once per week
    (`athlete_constants`) instead of every day, each with the same operations in the same order as the
    equation it comes from, so the day's arithmetic is bit for bit what it was."""

    m_hab: float  # `habitual_memory`
    neural_target: float  # NEURAL_SHARE x strength room
    struct_target: float  # (1 - NEURAL_SHARE) x strength room
    power_target: float  # POWER_MAX x strength response
    intensity_floor_d: float  # INTENSITY_FLOOR / 7
    niggle_noise: float  # sqrt(6) x NIGGLE_NOISE: the triangular reading's half-width
    prior_hazard: float  # 1 + PRIOR_INJURY_HAZARD x prior injuries


@njit(error_model='numpy', cache=True, inline='always')
def athlete_constants(ath, gp, dv):
    """The `Constants` of athlete `ath` under parameters `gp` (dv = derive(gp))."""
    resp = ath[S.A_STRENGTH_RESPONSE]
    room = max(gp[P.STRENGTH_CEILING_BW] / ath[S.A_STRENGTH_1RM_BW] - 1.0, 0.05) * resp
    return Constants(habitual_memory(ath, gp, dv), gp[P.NEURAL_SHARE] * room, (1.0 - gp[P.NEURAL_SHARE]) * room,
                     gp[P.POWER_MAX] * resp, gp[P.INTENSITY_FLOOR] / 7.0, 2.449489742783178 * gp[P.NIGGLE_NOISE],
                     1.0 + gp[P.PRIOR_INJURY_HAZARD] * ath[S.A_PRIOR_INJURIES])


class Days(NamedTuple):
    """Where a run of days sits in the random streams: the stream root `draw_base(seed, key)`, the
    stream counter of its first day, the counter's step from one day to the next (1; 0 in the
    warm-up, whose days all read counter 0) and the first day's day of the week (0-6; day d of the
    run is day of the week dow0 + d, race morning at 6)."""

    base: int
    day0: int
    day_step: int
    dow0: int


@njit(error_model='numpy', cache=True, inline='always')
def step_day(st, ath, gp, dv, day, rules, clock, met):
    """Advance one athlete by one day, in place (numba: no allocation in the hot loop).

    st: state (STATE_SIZE); ath: profile (ATHLETE_SIZE); gp: parameters; dv: derive(gp);
    day: one scheduled day (DAY_SIZE, C-contiguous); rules: `Rules` (pain_rule: back off on pain,
    draw_injuries: False during warm-up); clock: `Clock` (base: draw_base(seed, key), day_index: days
    since the season start, dow: 0-6 day of week); met: this week's metrics row (accumulated). Plain
    tuples of the same shape work too (they are unpacked). It is `step_days` of one day: a loop over
    days calls `step_days` and `athlete_constants` once instead.
    """
    base, day_index, dow = clock
    step_days(st, ath, gp, dv, athlete_constants(ath, gp, dv), day.reshape((1, day.shape[0])), rules,
              Days(base, day_index, 1, dow), met)


@njit(error_model='numpy', cache=True)
def step_days(st, ath, gp, dv, k, days, rules, at, met):
    """Advance one athlete (its `Constants` k) through the scheduled days `days` (n, DAY_SIZE), in place:
    the one compiled copy of the day's physics that the season, the warm-up, both envs, the log replay and
    `step_day` share. at: `Days` (where the days sit in the random streams and the week). The day is the
    loop's body, not a function inlined into it: numba copies an inlined function's whole IR once per
    block, which was a fifth of a first call's compiling."""
    pain_rule, draw_injuries = rules
    base, day0, day_step, dow0 = at
    for d in range(days.shape[0]):
        day = days[d]
        day_index = day0 + day_step * d
        dow = dow0 + d
        # Fitness decays (Banister), except that while the athlete keeps their usual high-intensity
        # sessions, a share rho of the decay of the fitness above what the recent load sustains is
        # held back (volume cut, intensity kept: Mujika & Padilla 2000). target = the steady-state
        # fitness of the recent stimulus rate; intensity kept = recent / usual hard-session rate.
        recent = st[S.AEROBIC_RECENT_AU] * dv[DV_INTENSITY]
        intensity = st[S.INTENSITY_SESSIONS] * dv[DV_INTENSITY]
        intensity_chronic = st[S.INTENSITY_CHRONIC] * dv[DV_CHRONIC]
        target = recent * (1.0 - dv[DV_INTENSITY]) / (1.0 - dv[DV_FITNESS])
        usual = max(intensity_chronic * (1.0 - dv[DV_CHRONIC]), k.intensity_floor_d)
        kept = intensity * (1.0 - dv[DV_INTENSITY]) / usual
        rho = gp[P.FITNESS_RETENTION_MAX] * min(kept, 1.0)
        fitness = st[S.FITNESS_AU] * dv[DV_FITNESS] + max(st[S.FITNESS_AU] - target, 0.0) * (1.0 - dv[DV_FITNESS]) * rho
        # The durable pool follows fitness over months (years of training are not lost in weeks: Coyle 1984),
        # the running base is the mean daily km over months.
        durable = fitness + (st[S.DURABLE_AU] - fitness) * dv[DV_DURABLE]
        base_km = st[S.BASE_KM_D] * dv[DV_BASE]
        cumulative_km = st[S.CUMULATIVE_KM]
        fatigue = st[S.FATIGUE_AU] * dv[DV_FATIGUE]
        overreach = st[S.OVERREACH_AU] * dv[DV_FATIGUE]
        memory = st[S.LOAD_MEMORY_AU] * dv[DV_MEMORY]
        neural = st[S.NEURAL_REL] * dv[DV_NEURAL]
        struct = st[S.STRUCT_REL] * dv[DV_STRUCT]
        power = st[S.POWER_REL] * dv[DV_POWER]
        str_sets = st[S.STR_SETS] * dv[DV_SETS]
        pwr_sets = st[S.PWR_SETS] * dv[DV_SETS]
        chronic = st[S.CHRONIC_KM_D] * dv[DV_CHRONIC]
        capacity = gp[P.CAPACITY_FLOOR] + (st[S.CAPACITY_REL] - gp[P.CAPACITY_FLOOR]) * dv[DV_CAPACITY]
        damage = st[S.DAMAGE] * dv[DV_REPAIR]
        # Bone: capacity follows, over months, the level its recent weekly impact stimulus S
        # supports, (S / S_ref)^b between floor and maximum (mechanostat: Carter 1987), as fast up
        # as down. While the target is above the present capacity (loading above what the bone is
        # adapted to), remodelling opens space in proportion to the deficit within weeks
        # (resorption), which refills over months: bone is weaker for weeks after loading rises
        # ("too much, too soon": Warden et al. 2014; Hughes et al. 2017). Damage is repaired at the
        # soft-tissue rate.
        bone_stim = st[S.BONE_STIMULUS_D] * dv[DV_BONE_STIMULUS]
        s_rel = 7.0 * st[S.BONE_STIMULUS_D] / gp[P.BONE_STIM_REF]
        target = gp[P.BONE_CAPACITY_FLOOR]
        if s_rel > 0.0:
            b = gp[P.BONE_ADAPT_EXPONENT]
            pw = math.sqrt(math.sqrt(s_rel)) if b == 0.25 else math.exp(b * math.log(s_rel))
            target = min(max(pw, target), gp[P.BONE_CAPACITY_MAX])
        bone = st[S.BONE_CAPACITY_REL]
        opened = min(gp[P.REMODEL_PER_DEFICIT] * max(target - bone, 0.0) / bone, gp[P.REMODEL_MAX])
        remodel = st[S.BONE_REMODEL]
        if opened > remodel:
            remodel = opened + (remodel - opened) * dv[DV_RESORPTION]
        else:
            remodel = opened + (remodel - opened) * dv[DV_REMODEL]
        bone = target + (bone - target) * dv[DV_BONE_CAPACITY]
        bone_damage = st[S.BONE_DAMAGE] * dv[DV_REPAIR]
        bone_eff = bone * (1.0 - remodel)
        soreness = st[S.SORENESS_0_10] * dv[DV_SORENESS]
        rbe = st[S.RBE_PROTECTION] * dv[DV_RBE]
        nmf = st[S.NM_FATIGUE] * dv[DV_NMF]
        long_km = st[S.LONG_RUN_KM] * dv[DV_LONG_RUN]
        injury_days = st[S.INJURY_DAYS_LEFT]
        # Strength and power follow the week's hard-set count with diminishing returns
        # R = S / (S + S_half) (Grgic et al. 2018; Ralston et al. 2017), whatever the split.
        drive = str_sets / (str_sets + gp[P.SETS_HALF])
        neural += min(gp[P.RATE_NEURAL] * drive, 1.0) * (k.neural_target - neural)
        struct += min(gp[P.RATE_STRUCT] * drive, 1.0) * (k.struct_target - struct)
        pdrive = pwr_sets / (pwr_sets + gp[P.SETS_HALF])
        power += min(gp[P.RATE_POWER] * pdrive, 1.0) * (k.power_target - power)
        kind = int(day[S.D_RUN_KIND])
        km = day[S.D_RUN_KM]
        emphasis = int(day[S.D_STR_EMPHASIS])
        effort = int(day[S.D_STR_EFFORT])
        sets = day[S.D_STR_SETS]
        if dow == 6:  # race morning of the week
            met[S.M_VO2_EFF] = vo2_effective_of(Aerobic(fitness, durable, base_km), fatigue, overreach, ath, gp, dv)
            met[S.M_COST_FACTOR] = cost_factor_of(Strength(neural, struct, power), soreness, nmf, base_km, ath, gp)
        dh = day_hash(base, day_index)
        # Pain reading: damage seen through noise (triangular, from two 16-bit halves of one draw).
        h = _mix32(dh ^ (STREAM_NIGGLE * 0x1B873593))
        tri = ((h & 0xFFFF) + (h >> 16)) * (1.0 / 65536.0) - 1.0
        share = gp[P.BONE_INJURY_SHARE]
        felt = (1.0 - share) * damage + share * bone_damage
        niggle = min(max(gp[P.NIGGLE_PER_DAMAGE] * felt + k.niggle_noise * tri, 0.0), 10.0)
        met[S.M_NIGGLE] = max(met[S.M_NIGGLE], niggle)
        m_hab = k.m_hab
        if injury_days > 0.0:
            injury_days -= 1.0
            met[S.M_INJURED_DAYS] += 1.0
        else:
            if pain_rule and niggle >= gp[P.PAIN_THRESHOLD] and (kind != S.RUN_REST or emphasis != S.EMPH_NONE):
                # Article, mistake 4: modify load instead of pushing through pain.
                met[S.M_PAIN_DAYS] += 1.0
                if kind != S.RUN_REST and kind != S.RUN_RACE:
                    kind = S.RUN_EASY
                    km *= gp[P.PAIN_RUN_FACTOR]
                if emphasis != S.EMPH_NONE:
                    emphasis = S.EMPH_MAINTENANCE
                    effort = S.EFFORT_EASY
                    sets = min(sets, 2.0)
            if draw_injuries and ath[S.A_SKIP_PROB] > 0.0:
                # Missed sessions (adherence): one draw per athlete-day for the run and one for the
                # lift, whatever the plan, so every plan meets the same skips. The race is never missed.
                if kind != S.RUN_RACE and uniform_at(dh, STREAM_SKIP_RUN) < ath[S.A_SKIP_PROB]:
                    kind = S.RUN_REST
                if uniform_at(dh, STREAM_SKIP_LIFT) < ath[S.A_SKIP_PROB]:
                    emphasis = S.EMPH_NONE
            runs = kind != S.RUN_REST and km > 0.0
            lifts = emphasis != S.EMPH_NONE and sets > 0.0
            tissue_stress = 1.0
            if runs or lifts:  # (exp: only on a day that loads the tissues; km before today's run)
                tissue_stress = ath[S.A_TISSUE_STRESS] * novice_stress(cumulative_km, gp)
            if runs:
                # Tolerated run length: the recent longest run, but no more than a share of the
                # chronic weekly volume (a long run on a low chronic volume is not protected).
                tolerated_km = max(min(long_km, gp[P.LONG_RUN_CHRONIC_SHARE] * 7.0 * chronic), KEY_MIN_KM)
                load, stim, minutes, quality, added, added_bone, capacity, impact = _run(
                    kind, km, ath, gp, dv, Body(fatigue, soreness, nmf, neural + struct, tissue_stress),
                    Capacities(capacity, bone_eff), tolerated_km)
                damage += added
                bone_damage += added_bone
                bone_stim += impact * (1.0 - dv[DV_BONE_STIMULUS])
                fitness += stim
                recent += stim
                if kind != S.RUN_EASY and kind != S.RUN_LONG:
                    intensity += stim / load
                    intensity_chronic += stim / load
                fatigue += load
                memory += load
                overreach += load * memory / m_hab
                long_km = max(long_km, km)
                chronic += km * (1.0 - dv[DV_CHRONIC])
                base_km += km * (1.0 - dv[DV_BASE])
                cumulative_km += km
                if kind != S.RUN_EASY:
                    met[S.M_KEY_QUALITY] += quality
                    met[S.M_KEY_COUNT] += 1.0
                met[S.M_RUN_KM] += km
                met[S.M_RUN_HOURS] += minutes / 60.0
                met[S.M_LOAD_AU] += load
                met[S.M_LONGEST_KM] = max(met[S.M_LONGEST_KM], km)
            if lifts:
                s_add, p_add, soreness, rbe, nmf, capacity, impact, fat_add, added, load = _lift(
                    Session(emphasis, effort, sets), ath, gp, dv, fatigue, Acute(soreness, rbe, nmf), capacity,
                    tissue_stress)
                bone_stim += impact * (1.0 - dv[DV_BONE_STIMULUS])
                str_sets += s_add
                pwr_sets += p_add
                fatigue += fat_add
                memory += fat_add
                overreach += fat_add * memory / m_hab
                damage += added
                met[S.M_STR_SESSIONS] += 1.0
                met[S.M_LOAD_AU] += load
            if draw_injuries:
                # Soft tissue and bone fail independently; each carries its share of the hazard.
                if gp[P.HAZARD_EXPONENT] == 2.0:
                    hz_soft, hz_bone = damage * damage, bone_damage * bone_damage
                else:
                    hz_soft, hz_bone = damage ** gp[P.HAZARD_EXPONENT], bone_damage ** gp[P.HAZARD_EXPONENT]
                hz_bone *= share
                hz = gp[P.HAZARD_SCALE] * ((1.0 - share) * hz_soft + hz_bone)
                hz *= k.prior_hazard
                met[S.M_HAZARD] += hz
                if uniform_at(dh, STREAM_INJURY) < hz:
                    z = normal_at(dh, STREAM_DURATION_A)
                    # time lost: log-normal, longer when the damage has gone beyond the level that
                    # first hurts (training through pain turns a niggle into a longer injury)
                    felt = (1.0 - share) * damage + share * bone_damage
                    beyond = max(felt * gp[P.NIGGLE_PER_DAMAGE] / gp[P.PAIN_THRESHOLD] - 1.0, 0.0)
                    # the injured tissue: bone with its share of the day's hazard; bone heals slower
                    median = gp[P.INJURY_MEDIAN_D]
                    if uniform_at(dh, STREAM_INJURY_SITE) * ((1.0 - share) * hz_soft + hz_bone) < hz_bone:
                        median = gp[P.BONE_INJURY_MEDIAN_D]
                    out = (math.exp(math.log(median) + gp[P.INJURY_SIGMA_LN] * z)
                           * (1.0 + gp[P.INJURY_SEVERITY_SLOPE] * beyond))
                    injury_days = max(math.floor(out + 0.5), 1.0)
                    met[S.M_NEW_INJURIES] += 1.0
        met[S.M_SORENESS] += soreness
        st[S.FITNESS_AU] = fitness
        st[S.AEROBIC_RECENT_AU] = recent
        st[S.INTENSITY_SESSIONS] = intensity
        st[S.INTENSITY_CHRONIC] = intensity_chronic
        st[S.FATIGUE_AU] = fatigue
        st[S.OVERREACH_AU] = overreach
        st[S.LOAD_MEMORY_AU] = memory
        st[S.NEURAL_REL] = neural
        st[S.STRUCT_REL] = struct
        st[S.POWER_REL] = power
        st[S.STR_SETS] = str_sets
        st[S.PWR_SETS] = pwr_sets
        st[S.CHRONIC_KM_D] = chronic
        st[S.CAPACITY_REL] = capacity
        st[S.DAMAGE] = damage
        st[S.BONE_CAPACITY_REL] = bone
        st[S.BONE_DAMAGE] = bone_damage
        st[S.BONE_REMODEL] = remodel
        st[S.BONE_STIMULUS_D] = bone_stim
        st[S.SORENESS_0_10] = soreness
        st[S.RBE_PROTECTION] = rbe
        st[S.NM_FATIGUE] = nmf
        st[S.LONG_RUN_KM] = long_km
        st[S.INJURY_DAYS_LEFT] = injury_days
        st[S.NIGGLE_0_10] = niggle
        st[S.DURABLE_AU] = durable
        st[S.BASE_KM_D] = base_km
        st[S.CUMULATIVE_KM] = cumulative_km


@njit(error_model='numpy', cache=True, inline='always')
def week_end(st, ath, gp, met):
    """Close a week's metrics: end-of-week snapshots and means."""
    met[S.M_STRENGTH_REL] = strength_rel(st)
    met[S.M_ECONOMY_GAIN] = economy_gain_of(Strength(st[S.NEURAL_REL], st[S.STRUCT_REL], st[S.POWER_REL]),
                                            st[S.BASE_KM_D], ath, gp)
    met[S.M_VO2MAX] = vo2max_of(st[S.FITNESS_AU], st[S.DURABLE_AU], ath, gp)
    met[S.M_FATIGUE_AU] = st[S.FATIGUE_AU]
    met[S.M_FITNESS_AU] = st[S.FITNESS_AU]
    met[S.M_DAMAGE] = st[S.DAMAGE]
    met[S.M_CAPACITY] = st[S.CAPACITY_REL]
    met[S.M_POWER_REL] = st[S.POWER_REL]
    met[S.M_BONE_CAPACITY] = st[S.BONE_CAPACITY_REL] * (1.0 - st[S.BONE_REMODEL])
    met[S.M_BONE_DAMAGE] = st[S.BONE_DAMAGE]
    met[S.M_SORENESS] /= 7.0
    if met[S.M_KEY_COUNT] > 0.0:
        met[S.M_KEY_QUALITY] /= met[S.M_KEY_COUNT]
    else:
        met[S.M_KEY_QUALITY] = 1.0
