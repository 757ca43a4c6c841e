"""The single table of physiology parameters: primary values only, each with unit and source.

Each `_param(...)` call both appends a row to `PARAMETERS` and returns the row's index, so
the index constants used by the kernels (`TAU_FITNESS_D`, ...) and the documented table can
never drift apart. Derived quantities (daily decay factors, the damage exponent) are computed
in one place, `sim.kernel.derive`, never stored here as defaults.

`docs/model.md` is generated from this table (`python scripts/make_model_table.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Param:
    """One row of the table. `low`/`high` bound the plausible range where the calibration
    does not pin the value tightly (model uncertainty, drawn by `draw_parameters`); a
    parameter without a range is held at its default in every draw."""

    name: str
    default: float
    unit: str
    source: str
    meaning: str
    low: float | None = None
    high: float | None = None
    range_source: str = ""

    @property
    def uncertain(self) -> bool:
        return self.low is not None


PARAMETERS: list[Param] = []


def _param(name: str, default: float, unit: str, source: str, meaning: str,
           plausible: tuple[float, float] | None = None, range_source: str = "") -> int:
    low, high = (None, None) if plausible is None else (float(plausible[0]), float(plausible[1]))
    if low is not None and not low <= default <= high:
        raise ValueError(f"{name}: default {default} outside its plausible range {plausible}")
    PARAMETERS.append(Param(name, float(default), unit, source, meaning, low, high, range_source))
    return len(PARAMETERS) - 1


BANISTER = "Banister et al. 1975; Clarke & Skiba 2013, Adv Physiol Educ 37:134"
FOSTER = "Foster et al. 2001, J Strength Cond Res 15:109 (session RPE x minutes)"
DANIELS = "Daniels & Gilbert 1979, Oxygen Power"
SCHECHTMAN = "Schechtman & Bader 1997, J Biomech 30:829"
EDWARDS = "Edwards 2018, Exerc Sport Sci Rev 46:224"
ASSUMED = "model assumption (see docs/model.md)"
HELLARD = "Hellard et al. 2006, J Sports Sci 24:509 (fitted constants vary widely between athletes)"
BUSSO = "Busso 2003, Med Sci Sports Exerc 35:1188 (variable dose-response)"

# ----------------------------------------------------------------------- aerobic (impulse-response)
TAU_FITNESS_D = _param("tau_fitness_d", 30.0, "d", BANISTER + "; Coyle et al. 1984 (VO2max detraining)",
                       "decay time constant of aerobic fitness", (17.0, 59.0),
                       HELLARD + ": 38 (17-59) d between athletes (structural uncertainty: the VO2-detrain and "
                       "BANISTER rows pass in part of it)")
TAU_FATIGUE_D = _param("tau_fatigue_d", 5.0, "d", BANISTER + "; " + BUSSO,
                       "decay time constant of one fatigue impulse (the load memory lengthens fatigue after "
                       "heavy loading, so a fixed-gain fit gives a longer constant)", (4.0, 8.0),
                       HELLARD + ": 19 (6-32) d; narrowed by the TAPER row and the audit's taper curve")
K_FITNESS_PER_AU = _param("k_fitness_per_au", 6.0e-5, "VO2max fraction / AU",
                          BANISTER + "; calibrated (VO2-detrain, DURABLE)",
                          "VO2max gain per unit of aerobic fitness (k1)", (5.0e-5, 7.0e-5),
                          "VO2-detrain row (-4 to -10% at 2 wk)")
FATIGUE_GAIN_RATIO = _param("fatigue_gain_ratio", 2.2, "-", BANISTER + " (k2 > k1); " + BUSSO,
                            "fatigue gain k2 at the athlete's habitual load, as a multiple of the fitness gain k1",
                            (1.8, 2.6), BANISTER + "; DOSE-U and TAPER rows")
FATIGUE_FIXED_SHARE = _param("fatigue_fixed_share", 0.2, "-", BUSSO + " (k2 = k3 x recent load; 0 = Busso's form)",
                             "share of the habitual fatigue gain that does not grow with recent load", (0.0, 0.4),
                             ASSUMED)
FITNESS_RETENTION_MAX = _param(
    "fitness_retention_max", 0.4, "-",
    "Mujika & Padilla 2000, Sports Med 30:79; 2003, Med Sci Sports Exerc 35:1182; Hickson et al. 1985, "
    "J Appl Physiol 58:492", "share of the decay of the fitness above what the recent load sustains that is held "
    "back while the usual high-intensity sessions continue (volume cut, intensity kept)", (0.2, 0.6),
    "TAPER row; Bosquet et al. 2007 (tapers longer than 3 weeks lose their benefit)")
INTENSITY_FLOOR = _param("intensity_floor", 0.5, "sessions / week", ASSUMED,
                         "smallest usual high-intensity session rate the recent rate is compared with (a runner "
                         "without hard sessions has no intensity to keep)")
TAU_INTENSITY_D = _param("tau_intensity_d", 7.0, "d", ASSUMED + " (a week's count of hard sessions)",
                         "window of the recent high-intensity session count and of the recent aerobic stimulus")
TAU_LOAD_MEMORY_D = _param("tau_load_memory_d", 3.0, "d", BUSSO + " (tau3 of a few days)",
                           "decay of the recent-load memory that sets the fatigue gain k2(t)", (2.0, 6.0), BUSSO)
VO2_GAIN_CEILING = _param("vo2_gain_ceiling", 0.8, "fraction",
                           "Bouchard et al. 1999, J Appl Physiol 87:1003 (trainability)",
                          "largest VO2max gain over the untrained value (soft tanh ceiling)")
# Durable aerobic fitness and the running base (Joyner & Coyle 2008: race speed = VO2max x the fraction of
# it sustained over the race / the O2 cost of running, each with its own stimulus and time scale).
COYLE = "Coyle et al. 1984, J Appl Physiol 57:1857 (VO2max 62.3 -> 52.2 at 84 d, sedentary 43.3)"
TAU_DURABLE_D = _param("tau_durable_d", 540.0, "d", COYLE + "; Mujika & Padilla 2000, Sports Med 30:79",
                       "time constant with which the durable aerobic pool follows fitness: recently acquired "
                       "gains go within weeks, years of training do not", (300.0, 900.0),
                       "DURABLE and BANISTER rows (a shorter constant shows in the impulse response's 30-50 d "
                       "decay); no direct measurement (structural uncertainty)")
DURABLE_SHARE = _param("durable_share", 0.4, "-", COYLE,
                       "share of the aerobic fitness effect on VO2max carried by the durable pool at steady state",
                       (0.3, 0.55), "DURABLE row (about 47% of the trained-untrained difference kept at 84 d)")
TAU_BASE_D = _param("tau_base_d", 365.0, "d",
                    "Jones 1998, Br J Sports Med 32:39 (economy improved about 15% over 5 years of one runner's "
                    "training); Midgley et al. 2007, Sports Med 37:857",
                    "window of the running base: the exponentially weighted mean weekly km over months that "
                    "economy and the sustainable fraction follow", (180.0, 540.0), "RE-VOLUME row; Jones 1998")
BASE_HALF_KM = _param("base_half_km", 40.0, "km / week",
                      "Scrimgeour et al. 1986, Eur J Appl Physiol 55:202 (runners over 100 km/week 19.9% more "
                      "economical than under 60 km/week)",
                      "running base at which the volume-built economy is half its largest value b = B / (B + B_half)")
ECON_VOLUME_MAX = _param("econ_volume_max", 0.25, "fraction",
                         "Scrimgeour et al. 1986 (cross-sectional, an upper bound); Saunders et al. 2004, Sports "
                         "Med 34:465; Jones 1998",
                         "largest economy gain from the running base: the O2 cost falls by E (b(B) - b(B_hab)) "
                         "against the athlete's habitual base", (0.12, 0.35), "RE-VOLUME row (1-15% at 1.5x vs 0.5x)")
ENDURANCE_PER_BASE = _param("endurance_per_base", 0.3, "fraction / unit b",
                            "Hickson et al. 1982, J Appl Physiol 53:225 (a third of the training for 15 weeks: "
                            "VO2max held, 2-h endurance -10%); Joyner & Coyle 2008, J Physiol 586:35",
                            "rise of the sustainable fraction of VO2max per unit of the base term b(B) - b(B_hab), "
                            "at long race distances", (0.1, 0.5),
                            "Hickson 1982: time to exhaustion -10% at 80% VO2max is about -1% of sustainable fraction")
ENDURANCE_HALF_KM = _param("endurance_half_km", 21.0, "km", "Joyner & Coyle 2008; Hickson et al. 1982",
                           "race distance at which the base term on the sustainable fraction has half its weight "
                           "d / (d + d_half): long races need volume, short ones less")
LIFT_FATIGUE_SHARE = _param("lift_fatigue_share", 0.5, "-", FOSTER + "; " + ASSUMED,
                            "share of a lifting session's sRPE load that adds to running fatigue")
# ----------------------------------------------------------------------- running sessions
RPE_EASY = _param("rpe_easy", 3.0, "CR-10", FOSTER, "session RPE of an easy run")
RPE_LONG = _param("rpe_long", 4.0, "CR-10", FOSTER, "session RPE of a long run")
RPE_TEMPO = _param("rpe_tempo", 6.0, "CR-10", FOSTER, "session RPE of a tempo run")
RPE_INTERVALS = _param("rpe_intervals", 7.5, "CR-10", FOSTER, "session RPE of an interval session")
RPE_RACE = _param("rpe_race", 9.0, "CR-10", FOSTER, "session RPE of a race")
PACE_LONG = _param("pace_long", 1.04, "x easy pace", DANIELS, "long-run pace relative to easy pace")
PACE_TEMPO = _param("pace_tempo", 0.86, "x easy pace", DANIELS, "tempo pace relative to easy pace")
PACE_INTERVALS = _param("pace_intervals", 0.90, "x easy pace", DANIELS,
                        "mean pace of an interval session incl. recoveries")
PACE_RACE = _param("pace_race", 0.80, "x easy pace", DANIELS, "race pace relative to easy pace")
# ----------------------------------------------------------------------- strength
STRENGTH_CEILING_BW = _param("strength_ceiling_bw", 2.0, "x body weight",
                             "Ronnestad & Mujika 2014, Scand J Med Sci Sports 24:603", "attainable half-squat 1RM")
NEURAL_SHARE = _param("neural_share", 0.2, "-", "Moritani & deVries 1979; Seynnes et al. 2007",
                      "share of the attainable strength gain that is neural")
RATE_NEURAL = _param("rate_neural", 0.22, "1/d", "Seynnes et al. 2007, J Appl Physiol 102:368",
                     "fraction of the remaining neural gain taken per day at full set drive (R = 1)")
RATE_STRUCT = _param("rate_struct", 0.0085, "1/d", "Vikmoen et al. 2017; Stoeren et al. 2008",
                     "fraction of the remaining structural gain taken per day at full set drive",
                     (0.0065, 0.0105), "STOREN and STR-novice rows (1RM +25-50%)")
SETS_HALF = _param("sets_half", 4.0, "effective hard sets / week",
                   "Ralston et al. 2017, Sports Med 47:2585; Krieger 2009, J Strength Cond Res 23:1890",
                   "weekly hard sets per lift at which the strength drive R = S / (S + S_half) is half its maximum",
                   (2.5, 6.0), "Krieger 2009 (3 vs 1 set: +46%); Ralston 2017 (weak weekly-set gradient)")
TAU_SETS_D = _param("tau_sets_d", 7.0, "d", "Grgic et al. 2018, Sports Med 48:1207 (weekly volume, not frequency)",
                    "window of the weekly hard-set count (decayed sum) that drives strength and power gains")
TAU_NEURAL_D = _param("tau_neural_d", 28.0, "d", "Garcia-Pallares et al. 2010; Mujika & Padilla 2000",
                      "decay of neural strength without lifting")
TAU_STRUCT_D = _param("tau_struct_d", 200.0, "d", "Bickel et al. 2011, Med Sci Sports Exerc 43:1177",
                      "decay of structural strength without lifting")
POWER_MAX = _param("power_max", 0.15, "fraction", "Paavolainen et al. 1999; Spurrs et al. 2003",
                   "largest rate-of-force-development / stiffness gain")
RATE_POWER = _param("rate_power", 0.06, "1/d", "Spurrs et al. 2003, Eur J Appl Physiol 89:1",
                    "fraction of the remaining power gain taken per day at full power-set drive")
TAU_POWER_D = _param("tau_power_d", 21.0, "d", "Mujika & Padilla 2000, Sports Med 30:79", "decay of power gain")
INTERF_STRENGTH = _param("interf_strength", 0.75, "-", "Wilson et al. 2012, J Strength Cond Res 26:2293",
                         "largest fractional cut of strength gains by concurrent endurance load")
INTERF_POWER = _param("interf_power", 0.80, "-", "Wilson et al. 2012", "largest fractional cut of power gains")
INTERF_HALF_AU = _param("interf_half_au", 900.0, "AU", "Wilson et al. 2012 (frequency/duration dependence)",
                        "running fatigue at which interference is half its maximum")
ECON_PER_STRENGTH = _param("econ_per_strength", 0.14, "economy fraction / 1RM fraction",
                           "Stoeren et al. 2008; Blagrove et al. 2018, Sports Med 48:1117",
                           "running-economy gain per unit of relative 1RM gain")
ECON_PER_POWER = _param("econ_per_power", 0.30, "economy fraction / power fraction",
                        "Denadai et al. 2017, Sports Med 47:545 (explosive -4.8%)",
                        "running-economy gain per unit of power gain")
ECON_MAX = _param("econ_max", 0.08, "fraction", "Blagrove et al. 2018; Denadai et al. 2017 (reported gains 2-8%)",
                  "soft ceiling on lifting's running-economy gain: it saturates inside the published range")
STRESS_ATTENUATION = _param("stress_attenuation", 0.10, "-", "Lauersen et al. 2014; Edwards 2018",
                            "exponent: tissue stress per step scales with (1RM_rel)^-beta")
# ----------------------------------------------------------------------- soreness and acute fatigue
SORENESS_NOVEL = _param("soreness_novel", 6.0, "0-10", "Nosaka et al. 2001; Hody et al. 2019",
                        "soreness after a novel moderate heavy session")
TAU_SORENESS_D = _param("tau_soreness_d", 1.4, "d", "Cheung et al. 2003, Sports Med 33:145", "DOMS resolution")
RBE_RATE = _param("rbe_rate", 0.5, "1/session", "McHugh 2003, Scand J Med Sci Sports 13:88",
                  "fraction of the remaining repeated-bout protection gained per session")
RBE_MAX = _param("rbe_max", 0.85, "-", "McHugh 2003", "largest repeated-bout protection")
TAU_RBE_D = _param("tau_rbe_d", 60.0, "d", "Nosaka et al. 2001, Med Sci Sports Exerc 33:1490",
                   "decay of repeated-bout protection")
NMF_PER_SESSION = _param("nmf_per_session", 0.09, "-", "Doma & Deakin 2013, Appl Physiol Nutr Metab 38:651",
                         "neuromuscular fatigue left by a moderate heavy session (at lifting time)")
TAU_NMF_D = _param("tau_nmf_d", 1.5, "d", "Doma & Deakin 2013 (recovery within 24-48 h)",
                   "decay of neuromuscular fatigue")
QUALITY_PER_NMF = _param("quality_per_nmf", 1.0, "-", "Doma & Deakin 2013",
                         "loss of key-run quality per unit of neuromuscular fatigue")
KEY_STIMULUS_EXPONENT = _param("key_stimulus_exponent", 4.0, "-",
                               "Doma & Deakin 2013, Appl Physiol Nutr Metab 38:651 (O2 cost +5-9%, time to "
                               "exhaustion -29% the day after lifting)",
                               "the training stimulus of a key run scales as quality^g: the time held at the "
                               "target intensity falls much faster than the pace", (2.5, 5.5),
                               "0.93^g = 0.71 gives g = 4.7; sessions cut short by less give lower g")
QUALITY_PER_SORENESS = _param("quality_per_soreness", 0.08, "per 10 soreness points", "Doma & Deakin 2013",
                              "loss of key-run quality at soreness 10/10")
# ----------------------------------------------------------------------- novice tissues
NOVICE_STRESS_EXCESS = _param(
    "novice_stress_excess", 0.11, "fraction",
    "Videbaek et al. 2015, Sports Med 45:1017 (novices 17.8, recreational runners 7.7 injuries / 1000 h); Nielsen "
    "et al. 2013, Orthop J Sports Med 1 (DANO-RUN: novices 1.6 injuries / 1000 km)",
    "extra per-step tissue stress of a runner with no running history: stress x (1 + N e^(-C / C_fade)), C the "
    "km run in the athlete's life", (0.08, 0.14), "INJ-base-beginner and NOVICE-FADE rows")
NOVICE_FADE_KM = _param(
    "novice_fade_km", 2500.0, "km",
    "Videbaek et al. 2015 (the novice rate falls to the recreational one within a few years of running); "
    "Nielsen et al. 2013", "cumulative running over which the novice excess stress falls by e", (1500.0, 4000.0),
    "NOVICE-FADE row (per-km rate after two years 0.36-0.75 of the first half-year)")
# ----------------------------------------------------------------------- tissue capacity and damage
SN_SLOPE_PCT = _param("sn_slope_pct", 14.8, "% UTS per decade", SCHECHTMAN,
                      "S-N curve: stress = 101.3 - 14.8 log10(cycles)")
SN_REF_STRESS_PCT = _param("sn_ref_stress_pct", 55.0, "% UTS", SCHECHTMAN + "; " + EDWARDS,
                           "stress at which the S-N slope gives the damage exponent")
DAMAGE_PER_KM = _param("damage_per_km", 2.0e-4, "Miner units / km", EDWARDS + "; calibrated (INJ-base)",
                       "damage of 1 km at stress ratio 1")
TAU_REPAIR_D = _param("tau_repair_d", 12.0, "d", "Edwards 2018; Warden et al. 2014 (bone remodelling)",
                      "time constant of damage repair")
HAZARD_SCALE = _param("hazard_scale", 4.0, "1/d", "Edwards 2018; calibrated (INJ-base)", "hazard at damage 1")
HAZARD_EXPONENT = _param("hazard_exponent", 2.0, "-", "Edwards 2018 (risk rises steeply with damage)",
                         "hazard = scale x damage^exponent")
PRIOR_INJURY_HAZARD = _param("prior_injury_hazard", 0.35, "per prior injury",
                             "Saragiotto et al. 2014, Sports Med 44:1153 (previous injury)",
                             "relative hazard increase per injury in the past two years")
LONG_RUN_FATIGUE = _param("long_run_fatigue", 0.5, "-", "Milgrom et al. 2007; Frandsen et al. 2025",
                          "rise of per-step stress per unit of distance beyond the recent longest run")
LONG_RUN_STRESS_MAX = _param("long_run_stress_max", 0.3, "-",
                             "Milgrom et al. 2007, J Biomech 40:845 (tibial strain rates +13-29% when fatigued)",
                             "largest rise of per-step stress late in a run longer than the tolerated length",
                             (0.2, 0.45), "Milgrom et al. 2007; INJ-spike row")
TAU_LONG_RUN_D = _param("tau_long_run_d", 45.0, "d", "Frandsen et al. 2025 (30-day window)",
                        "decay of the remembered longest run")
LONG_RUN_CHRONIC_SHARE = _param("long_run_chronic_share", 0.4, "x chronic weekly km",
                                "Rasmussen et al. 2013, Int J Sports Phys Ther 8:111; Nielsen et al. 2014, "
                                "J Orthop Sports Phys Ther 44:739; Daniels' Running Formula (long run <= 25-30%)",
                                "longest run the tissues tolerate without the long-run stress rise, as a share of "
                                "the chronic weekly volume", (0.3, 0.5), "LOW-CHRONIC row")
TAU_CHRONIC_D = _param("tau_chronic_d", 28.0, "d", "Hulin et al. 2016, Br J Sports Med 50:231 (28-d chronic load)",
                       "window of the chronic running volume (exponentially weighted mean)", (21.0, 42.0),
                       "Hulin et al. 2016; Gabbett 2016")
FATIGUE_STRESS = _param("fatigue_stress", 0.03, "per 1000 AU", "Milgrom et al. 2007 (fatigue raises bone strain)",
                        "rise of per-step stress with running fatigue")
SORENESS_STRESS = _param("soreness_stress", 0.03, "per 10 soreness points", ASSUMED,
                         "rise of per-step stress with muscle soreness")
STRESS_TEMPO = _param("stress_tempo", 1.05, "x easy", "Kluitenberg et al. 2015 (GRF rises with speed)",
                      "per-step stress of tempo running")
STRESS_INTERVALS = _param("stress_intervals", 1.08, "x easy", "Kluitenberg et al. 2015",
                          "per-step stress of interval running")
STRESS_RACE = _param("stress_race", 1.10, "x easy", "Kluitenberg et al. 2015", "per-step stress of racing")
LIFT_KM_EQUIV_PER_SET = _param("lift_km_equiv_per_set", 0.15, "km", ASSUMED,
                               "loading cycles of one lower-body set, in km of running")
LIFT_STRESS_HEAVY = _param("lift_stress_heavy", 0.95, "x easy run", "Bohm et al. 2015, Sports Med Open 1:7",
                           "tendon stress of heavy slow lifting")
LIFT_STRESS_POWER = _param("lift_stress_power", 1.02, "x easy run", "Bohm et al. 2015",
                           "tendon stress of plyometrics")
CAPACITY_FLOOR = _param("capacity_floor", 0.85, "x baseline", "Kubo et al. 2010 (tendon detraining)",
                        "capacity after long inactivity")
CAPACITY_MAX = _param("capacity_max", 1.35, "x baseline", "Bohm et al. 2015 (stiffness +15-30%)",
                      "largest attainable capacity")
TAU_CAPACITY_D = _param("tau_capacity_d", 150.0, "d", "Magnusson et al. 2010, Nat Rev Rheumatol 6:262",
                        "decay of capacity toward its floor")
CAPACITY_RATE_RUN = _param("capacity_rate_run", 0.0060, "1/session", "Magnusson et al. 2010",
                           "fraction of the remaining capacity gain taken by one run")
CAPACITY_RATE_HEAVY = _param("capacity_rate_heavy", 0.006, "1/session", "Bohm et al. 2015 (heavy slow loading)",
                             "fraction of the remaining capacity gain taken by one heavy session")
RUN_STIM_KM = _param("run_stim_km", 12.0, "km", "Turner 1998, Bone 23:399 (desensitisation with cycles)",
                     "distance at which a run gives half its largest soft-tissue capacity stimulus d / (d + d0)",
                     (6.0, 20.0), "VOL-RATE row (tissues adapted to the weekly volume, not only to the run count)")
# ----------------------------------------------------------------------- bone (impact-loaded compartment)
# Bone adapts to impact loading (running, jumping), slowly (months), toward the level its habitual
# loading supports; heavy slow lifting conditions tendon and muscle but barely bone, and does not
# substitute for running-specific bone conditioning. Adaptation to a rise in loading goes through
# remodelling, which resorbs bone (weeks) before it refills it (months), so bone is transiently
# weaker after loading rises: "too much, too soon" bone stress injuries.
WARDEN = ("Warden, Davis & Fredericson 2014, J Orthop Sports Phys Ther 44:749; Warden, Edwards & Willy 2021, "
          "Curr Osteoporos Rep 19:298 (bone stress injuries in runners, workload)")
HUGHES = ("Hughes et al. 2017, Exp Biol Med 242:897 (adaptive bone formation and remodelling in stress "
          "fracture); Schaffler & Burr (targeted remodelling of microdamage)")
BONE_INJURY_SHARE = _param(
    "bone_injury_share", 0.25, "-",
    "Lopes et al. 2012, Sports Med 42:891 (medial tibial stress syndrome 13.6-20% of running injuries); Mulvad et "
    "al. 2018, PLoS ONE 13:e0204742 (MTSS the most frequent diagnosis, about 16%); " + WARDEN + " (bone stress "
    "injuries)",
    "share of the injury hazard (and of the pain reading) carried by bone damage at equal damage: the bone/impact "
    "share of running injuries (MTSS, bone stress injuries)", (0.15, 0.35),
    "Lopes et al. 2012 (MTSS 13.6-20%) plus bone stress injuries")
BONE_CAPACITY_FLOOR = _param("bone_capacity_floor", 0.85, "x baseline",
                             WARDEN + "; Vico et al. 2000, Lancet 355:1607 (disuse bone loss)",
                             "bone capacity after long inactivity (no impact loading)", (0.8, 0.9), WARDEN)
BONE_CAPACITY_MAX = _param("bone_capacity_max", 1.35, "x baseline",
                           "Warden et al. 2014, PNAS 111:5337 (loaded-arm bone strength +30-40% in throwers)",
                           "largest attainable bone capacity")
TAU_BONE_CAPACITY_D = _param("tau_bone_capacity_d", 120.0, "d", WARDEN + "; " + HUGHES,
                             "time constant with which bone capacity follows its adapted target, up or down (months)",
                             (90.0, 240.0), WARDEN + " (bone adapts over months); BUILD row")
BONE_STIM_REF = _param("bone_stim_ref", 2.0, "saturating-run equivalents / week",
                       "calibrated: about the weekly impact stimulus of an intermediate runner's 40 km (5 runs)",
                       "weekly impact stimulus whose adapted bone capacity is 1 (the baseline)")
BONE_ADAPT_EXPONENT = _param(
    "bone_adapt_exponent", 0.25, "-",
    "Carter 1987, J Biomech 20:1095 and Whalen et al. 1988, J Biomech 21:825 (daily stress stimulus "
    "(sum n s^m)^(1/m), m 3-8: equilibrium bone strength grows as cycles^(1/m))",
    "mechanostat: the adapted bone capacity is (S / S_ref)^b, S the chronic weekly impact stimulus, between the "
    "floor and the maximum", (0.15, 0.3), "Carter 1987 (1/m for m 4-8, after per-run saturation); BUILD and "
    "VOL-RATE rows")
TAU_BONE_STIMULUS_D = _param("tau_bone_stimulus_d", 7.0, "d",
                             "Turner & Robling 2003 (bone reads its recent loading: days to weeks); model "
                             "assumption", "window of the recent impact stimulus (exponentially weighted mean) "
                             "that sets the bone's adapted target", (7.0, 28.0), "BUILD row")
BONE_STIM_KM = _param("bone_stim_km", 12.0, "km",
                      "Turner 1998, Bone 23:399 (saturation with cycles); " + WARDEN + " (bone adapts to the "
                      "loading it habitually sees); model assumption: bone follows weekly impact volume more "
                      "closely than soft tissue (run_stim_km)",
                      "distance at which a run gives half its largest bone stimulus d/(d + d_bone)", (6.0, 24.0),
                      "from the soft-tissue saturation (6 km) to a near-linear response over usual run lengths")
BONE_STIM_HEAVY = _param("bone_stim_heavy", 0.03, "x a saturating run",
                         "Kohrt et al. 2004, Med Sci Sports Exerc 36:1985 (ACSM: impact, not slow resistance "
                         "work, for bone); Turner & Robling 2003 (strain rate matters)",
                         "bone stimulus of a heavy slow lifting session", (0.0, 0.1), "Kohrt et al. 2004")
BONE_STIM_POWER = _param("bone_stim_power", 0.3, "x a saturating run",
                         "Turner & Robling 2003, Exerc Sport Sci Rev 31:45; Milgrom et al. 2000, Am J Sports Med "
                         "28:245 (ball sports before military training, fewer stress fractures)",
                         "bone stimulus of a plyometric / power session (jumps and landings)", (0.15, 0.5),
                         "Turner & Robling 2003")
BONE_STIM_MAINTENANCE = _param("bone_stim_maintenance", 0.1, "x a saturating run",
                               "source article (light plyometrics in season); Kohrt et al. 2004",
                               "bone stimulus of a maintenance session")
TAU_REMODEL_D = _param("tau_remodel_d", 90.0, "d",
                       "Parfitt 1994, J Cell Biochem 55:273 (resorption ~3 wk, formation ~3 months); " + WARDEN,
                       "time constant with which the remodelling space refills", (60.0, 120.0), "Parfitt 1994")
REMODEL_PER_DEFICIT = _param(
    "remodel_per_deficit", 1.0, "capacity fraction / deficit fraction",
    HUGHES + "; " + WARDEN + "; Schaffler & Burr 1988, J Biomech 21:13 (stiffness falls steeply with porosity)",
    "remodelling space opened per unit of adaptation deficit (target capacity above the present one, as a "
    "fraction of it): bone adapting to a rise in loading is resorbed (weeks) before it is refilled (months), "
    "so it is weaker for weeks; 1: the early loss matches the eventual gain", (0.5, 2.0), HUGHES)
REMODEL_MAX = _param("remodel_max", 0.25, "capacity fraction", HUGHES + "; model assumption",
                     "largest remodelling space (resorption sites activated at a bounded rate)", (0.15, 0.35),
                     HUGHES)
TAU_RESORPTION_D = _param("tau_resorption_d", 21.0, "d", "Parfitt 1994, J Cell Biochem 55:273 (resorption ~3 wk)",
                          "time constant with which remodelling space opens toward its deficit-driven level",
                          (14.0, 35.0), "Parfitt 1994")
# ----------------------------------------------------------------------- injury and pain
INJURY_MEDIAN_D = _param("injury_median_d", 14.0, "d", "Nielsen et al. 2014; Videbaek et al. 2015",
                         "median time lost per injury")
BONE_INJURY_MEDIAN_D = _param("bone_injury_median_d", 35.0, "d",
                              "Moen et al. 2009, Sports Med 39:523 (MTSS: weeks to months); " + WARDEN +
                              " (bone stress injuries: about 6-12 wk to return)",
                              "median time lost per bone injury (MTSS and bone stress injuries together)",
                              (21.0, 56.0), "Moen et al. 2009; Warden et al. 2014")
INJURY_SIGMA_LN = _param("injury_sigma_ln", 0.9, "-", "Nielsen et al. 2014 (right-skewed time loss)",
                         "log-normal spread of the time lost")
INJURY_SEVERITY_SLOPE = _param("injury_severity_slope", 1.0, "-",
                               "Nattiv et al. 2013, Am J Sports Med 41:1930 (MRI grade of a bone stress injury "
                               "predicts the time to return); Fredericson et al. 1995",
                               "time lost grows by this fraction per unit of damage beyond the level that first "
                               "hurts (pain threshold / pain per damage): training through pain makes injuries "
                               "longer", (0.5, 2.0), "Nattiv et al. 2013 (time to return 2-4x longer at high grade)")
NIGGLE_PER_DAMAGE = _param("niggle_per_damage", 120.0, "0-10 per Miner unit", ASSUMED +
                           "; a runner on a level template reads pain >= 4/10 on about 10 days a year",
                           "pain reading per unit of tissue damage", (100.0, 200.0), ASSUMED)
NIGGLE_NOISE = _param("niggle_noise", 0.8, "0-10", ASSUMED, "standard deviation of the pain reading")
PAIN_THRESHOLD = _param("pain_threshold", 4.0, "0-10", "article, mistake 4 ('ignoring pain signals')",
                        "pain reading at which a plan with the pain rule backs off")
PAIN_RUN_FACTOR = _param("pain_run_factor", 0.5, "-", "article, mistake 4 ('adjust load')",
                         "fraction of the planned run kept (as easy running) on a pain day")
# ----------------------------------------------------------------------- performance
SORENESS_ECONOMY = _param("soreness_economy", 0.03, "O2 cost per 10 soreness points",
                          "Braun & Dutto 2003, Eur J Appl Physiol 90:29", "O2-cost rise with soreness")
NMF_ECONOMY = _param("nmf_economy", 0.40, "O2 cost per unit NMF", "Doma & Deakin 2013 (+5-9% next day)",
                     "O2-cost rise per unit of neuromuscular fatigue")

# ----------------------------------------------------------------------- strength sessions by emphasis
ARTICLE = "source article (../shared/seed), sample plans and season phases"
KRAEMER = "Kraemer & Ratamess 2004, Med Sci Sports Exerc 36:674 (load-response)"
STIM_HEAVY = _param("stim_heavy", 1.0, "-", KRAEMER, "max-strength stimulus of a heavy session (4-8 RM)")
STIM_POWER = _param("stim_power", 0.55, "-", KRAEMER, "max-strength stimulus of a power/plyometric session")
STIM_MAINTENANCE = _param("stim_maintenance", 0.75, "-", "Ronnestad et al. 2010, Eur J Appl Physiol 110:1269",
                          "max-strength stimulus of a maintenance session (moderate load, low volume)")
STIM_TONING = _param("stim_toning", 0.12, "-", "Schoenfeld et al. 2017 (strength needs heavy loads); article mistake 1",
                     "max-strength stimulus of light high-rep toning")
PSTIM_HEAVY = _param("pstim_heavy", 0.35, "-", "Denadai et al. 2017", "power stimulus of a heavy session")
PSTIM_POWER = _param("pstim_power", 1.0, "-", "Spurrs et al. 2003", "power stimulus of a plyometric session")
PSTIM_MAINTENANCE = _param("pstim_maintenance", 0.30, "-", ARTICLE + " (light plyometrics in season)",
                           "power stimulus of a maintenance session")
PSTIM_TONING = _param("pstim_toning", 0.05, "-", ASSUMED, "power stimulus of toning")
SORE_HEAVY = _param("sore_heavy", 1.0, "-", "Cheung et al. 2003", "soreness factor of heavy eccentric work")
SORE_POWER = _param("sore_power", 0.8, "-", "Cheung et al. 2003", "soreness factor of plyometrics")
SORE_MAINTENANCE = _param("sore_maintenance", 0.5, "-", "Cheung et al. 2003", "soreness factor of maintenance")
SORE_TONING = _param("sore_toning", 0.6, "-", "Cheung et al. 2003", "soreness factor of high-rep toning")
CAPSTIM_HEAVY = _param("capstim_heavy", 1.0, "-", "Bohm et al. 2015 (heavy slow loading best)",
                       "tendon/bone stimulus of heavy lifting")
CAPSTIM_POWER = _param("capstim_power", 0.6, "-", "Bohm et al. 2015", "tendon/bone stimulus of plyometrics")
CAPSTIM_MAINTENANCE = _param("capstim_maintenance", 0.5, "-", "Bohm et al. 2015",
                             "tendon/bone stimulus of maintenance lifting")
CAPSTIM_TONING = _param("capstim_toning", 0.1, "-", "Bohm et al. 2015 (low strain gives little)",
                        "tendon/bone stimulus of toning")
SETS_HEAVY = _param("sets_heavy", 3.0, "sets", ARTICLE, "default sets per lift, heavy")
SETS_POWER = _param("sets_power", 3.0, "sets", ARTICLE, "default sets per lift, power")
SETS_MAINTENANCE = _param("sets_maintenance", 2.0, "sets", ARTICLE + " ('1-2 sets of key lifts')",
                          "default sets per lift, maintenance")
SETS_TONING = _param("sets_toning", 3.0, "sets", ARTICLE, "default sets per exercise, toning")
EFFORT_GAIN_EASY = _param("effort_gain_easy", 0.75, "-", "Helms et al. 2016 (RIR); " + KRAEMER,
                          "strength stimulus at 3-4 reps in reserve")
EFFORT_GAIN_HARD = _param("effort_gain_hard", 1.1, "-", "Grgic et al. 2022 (failure adds little)",
                          "strength stimulus when sets go to failure")
EFFORT_FATIGUE_EASY = _param("effort_fatigue_easy", 0.5, "-", "Pareja-Blanco et al. 2017", "acute fatigue at 3-4 RIR")
EFFORT_FATIGUE_HARD = _param("effort_fatigue_hard", 1.6, "-", "Pareja-Blanco et al. 2017",
                             "acute fatigue when sets go to failure")
EFFORT_SORE_EASY = _param("effort_sore_easy", 0.6, "-", "Cheung et al. 2003", "soreness at 3-4 RIR")
EFFORT_SORE_HARD = _param("effort_sore_hard", 1.4, "-", "Cheung et al. 2003", "soreness at failure")
LIFT_MINUTES_PER_SET = _param("lift_minutes_per_set", 12.0, "min", ARTICLE + " (25-45 min sessions)",
                              "session minutes per set of the key lifts (all exercises, rests)")
LIFT_RPE = _param("lift_rpe", 6.0, "CR-10", FOSTER, "session RPE of a moderate lifting session")

# ----------------------------------------------------------------------- plausible ranges (model uncertainty)
# For first-round parameters that the calibration does not pin tightly: (low, high, why).
_RANGES = {
    "damage_per_km": (1.6e-4, 2.4e-4, "INJ-base rows: 5-11 and 12-25 injuries / 1000 h"),
    "hazard_scale": (3.0, 5.0, "INJ-base rows"),
    "tau_repair_d": (8.0, 16.0, "Warden et al. 2014 (bone remodelling 2-4 months; damage repair faster)"),
    "econ_per_strength": (0.10, 0.18, "RE-avg and STOREN rows (RE +2-8%)"),
    "econ_per_power": (0.22, 0.38, "RE-avg row (explosive -4.8%)"),
    "interf_strength": (0.6, 0.9, "INTERF row (cut 10-35%)"),
    "tau_neural_d": (21.0, 35.0, "DT-rest row (-4 to -12% in 5 wk)"),
    "tau_struct_d": (150.0, 260.0, "DT-rest and DT-maint rows"),
    "stress_attenuation": (0.0, 0.15, "INJ-strength row: from Lauersen's overuse RR 0.53 to Toresdahl's RCT in runners "
                           "(RR 0.97, 0.57-1.63)"),
    "capacity_rate_heavy": (0.0, 0.009, "INJ-strength row: from no protection in runners (Toresdahl et al. 2020) to "
                            "Lauersen's overuse effect"),
    "long_run_fatigue": (0.35, 0.7, "INJ-spike row (HR 1.3-2.5)"),
    "vo2_gain_ceiling": (0.6, 1.0, "Bouchard et al. 1999 (trainability)"),
    "quality_per_nmf": (0.8, 1.2, "NEXT-DAY row (4-10%)"),
}
for _i, _p in enumerate(PARAMETERS):
    if _p.name in _RANGES and not _p.uncertain:
        _lo, _hi, _why = _RANGES[_p.name]
        if not _lo <= _p.default <= _hi:
            raise ValueError(f"{_p.name}: default {_p.default} outside its plausible range ({_lo}, {_hi})")
        PARAMETERS[_i] = Param(_p.name, _p.default, _p.unit, _p.source, _p.meaning, _lo, _hi, _why)

N_PARAMS = len(PARAMETERS)
PARAM_NAMES = tuple(p.name for p in PARAMETERS)


def mean_injury_days(gp: np.ndarray) -> float:
    """Mean time lost per injury, d: the kernel draws it log-normal (median, sigma), mean = median e^(sigma^2/2)."""
    return float(gp[INJURY_MEDIAN_D] * math.exp(0.5 * gp[INJURY_SIGMA_LN] ** 2))


def default_parameters() -> np.ndarray:
    """The default parameter vector, ready for the kernels."""
    return np.array([p.default for p in PARAMETERS], dtype=np.float64)


def parameters_with(**overrides: float) -> np.ndarray:
    """A copy of the defaults with some values replaced by name (raises KeyError on unknown names)."""
    vec = default_parameters()
    for name, value in overrides.items():
        if name not in PARAM_NAMES:
            raise KeyError(f"unknown parameter {name!r}; known: {', '.join(PARAM_NAMES)}")
        vec[PARAM_NAMES.index(name)] = float(value)
    return vec


UNCERTAIN = tuple(i for i, p in enumerate(PARAMETERS) if p.uncertain)


def draw_parameters(k: int, seed: int = 0, base: np.ndarray | None = None) -> np.ndarray:
    """`k` whole parameter sets drawn from the plausible ranges: a (k, N_PARAMS) array.

    Each uncertain parameter is drawn uniformly in [low, high] (independently); the others
    keep their value in `base` (the defaults). Draw j depends only on (seed, j), so the
    same draws come back in any run, and running every draw on one cohort keeps the
    athletes and their random streams common (the draws change the body, not the luck).
    Row 0 is not special: pass `base` itself to include the defaults.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    vec = default_parameters() if base is None else np.asarray(base, dtype=np.float64)
    out = np.tile(vec, (k, 1))
    for j in range(k):
        rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, j, 0x5EED])
        for i in UNCERTAIN:
            p = PARAMETERS[i]
            out[j, i] = rng.uniform(p.low, p.high)
    return out
