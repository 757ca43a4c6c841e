"""Array layouts shared by the kernels, the environments and the tables.

Every array that crosses the numba boundary is a float64 vector whose slots are named
here once. Units live in the names (`_au` arbitrary training-load units, `_rel` fraction of
the athlete's own baseline, `_km`, `_d` days, `_0_10` a 0-10 scale).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- athlete state
FITNESS_AU = 0  # Banister fitness (aerobic), sum of decayed sRPE loads
FATIGUE_AU = 1  # Banister fatigue (running + lifting), sum of decayed sRPE loads
NEURAL_REL = 2  # neural strength gain, fraction of baseline 1RM (fast up, fast down)
STRUCT_REL = 3  # structural strength gain, fraction of baseline 1RM (slow up, slow down)
POWER_REL = 4  # rate-of-force-development / leg-stiffness gain, fraction
CAPACITY_REL = 5  # soft-tissue (tendon, muscle, fascia) capacity, 1 = the athlete's baseline capacity
DAMAGE = 6  # Palmgren-Miner soft-tissue damage, dimensionless (failure near 1)
SORENESS_0_10 = 7  # delayed-onset muscle soreness, 0-10
RBE_PROTECTION = 8  # repeated-bout protection against soreness, 0-1
NM_FATIGUE = 9  # acute neuromuscular fatigue from lifting, 0-1
LONG_RUN_KM = 10  # longest run of the recent past (max with 30-d decay), km
INJURY_DAYS_LEFT = 11  # days out remaining, 0 = healthy
NIGGLE_0_10 = 12  # last observed pain signal, 0-10 (noisy reading of damage)
LOAD_MEMORY_AU = 13  # recent load (running + lifting), decayed sum with tau_load_memory (Busso 2003 k2 driver)
OVERREACH_AU = 14  # fatigue impulses weighted by the recent load at the time (Busso 2003 variable part)
STR_SETS = 15  # hard sets of strength work in the recent week (decayed sum, effective sets)
PWR_SETS = 16  # sets of power stimulus in the recent week (decayed sum, effective sets)
CHRONIC_KM_D = 17  # chronic running volume, exponentially weighted mean km per day
AEROBIC_RECENT_AU = 18  # recent aerobic stimulus (decayed sum, tau_load_memory): sets the fitness it sustains
INTENSITY_SESSIONS = 19  # recent high-intensity sessions (tempo, intervals, races; decayed count x quality)
INTENSITY_CHRONIC = 20  # the same count over the chronic window (tau_chronic): the athlete's usual intensity
BONE_CAPACITY_REL = 21  # bone fatigue capacity built by impact loading, 1 = the athlete's baseline
BONE_DAMAGE = 22  # Palmgren-Miner bone microdamage, dimensionless (failure near 1)
BONE_REMODEL = 23  # remodelling space: fraction of bone capacity resorbed and not yet refilled
BONE_STIMULUS_D = 24  # recent impact stimulus, mean per day (tau_bone_stimulus), in saturating-run equivalents
DURABLE_AU = 25  # durable aerobic fitness: follows FITNESS_AU over months (tau_durable), what years of training keep
BASE_KM_D = 26  # running base: exponentially weighted mean km per day over months (tau_base)
CUMULATIVE_KM = 27  # running done in the athlete's life so far, km (novice tissue stress fades with it)
STATE_SIZE = 28

STATE_NAMES = (
    "fitness_au",
    "fatigue_au",
    "neural_rel",
    "struct_rel",
    "power_rel",
    "capacity_rel",
    "damage",
    "soreness_0_10",
    "rbe_protection",
    "nm_fatigue",
    "long_run_km",
    "injury_days_left",
    "niggle_0_10",
    "load_memory_au",
    "overreach_au",
    "str_sets",
    "pwr_sets",
    "chronic_km_d",
    "aerobic_recent_au",
    "intensity_sessions",
    "intensity_chronic",
    "bone_capacity_rel",
    "bone_damage",
    "bone_remodel",
    "bone_stimulus_d",
    "durable_au",
    "base_km_d",
    "cumulative_km",
)

# --------------------------------------------------------------------------- athlete profile
A_LEVEL = 0  # 0 beginner, 1 intermediate, 2 advanced
A_TRAINING_AGE_Y = 1  # years of running
A_HABITUAL_KM = 2  # habitual weekly running volume, km/week
A_EASY_PACE_MIN_PER_KM = 3  # easy running pace, min/km
A_VO2MAX_UNTRAINED = 4  # VO2max with no aerobic training, ml/kg/min
A_STRENGTH_1RM_BW = 5  # baseline half-squat 1RM, multiples of body weight
A_PRIOR_INJURIES = 6  # running injuries in the previous two years, count
A_AEROBIC_RESPONSE = 7  # multiplier on the fitness gain (responders > 1)
A_STRENGTH_RESPONSE = 8  # multiplier on strength gains
A_TISSUE_RESPONSE = 9  # multiplier on tendon/bone adaptation
A_TISSUE_STRESS = 10  # per-step tissue stress relative to capacity at baseline
A_RACE_KM = 11  # target race distance, km
A_SKIP_PROB = 12  # adherence: probability that any planned run or lift of the season is missed (0 = none)
ATHLETE_SIZE = 13

ATHLETE_NAMES = (
    "level",
    "training_age_y",
    "habitual_km",
    "easy_pace_min_per_km",
    "vo2max_untrained",
    "strength_1rm_bw",
    "prior_injuries",
    "aerobic_response",
    "strength_response",
    "tissue_response",
    "tissue_stress",
    "race_km",
    "skip_prob",
)

# --------------------------------------------------------------------------- week plan (array form)
P_RUN_KM = 0  # weekly running volume, km (or fraction of habitual if P_RUN_IS_REL)
P_RUN_IS_REL = 1  # 1: P_RUN_KM is a fraction of the athlete's habitual km
P_KEY_RUNS = 2  # tempo/interval sessions, 0-3
P_LONG_KM = 3  # long run, km (or fraction of the week's volume if P_LONG_IS_REL); 0 = none
P_LONG_IS_REL = 4
P_STR_SESSIONS = 5  # strength sessions, 0-3
P_EMPHASIS = 6  # EMPH_* code
P_EFFORT = 7  # EFFORT_* code
P_PLACEMENT = 8  # PLACE_* code
P_SETS = 9  # sets per key lift; 0 = the emphasis default
P_PAIN_RULE = 10  # 1: back off on a day the athlete reports pain >= the threshold
P_RACE = 11  # 1: the week ends with the target race on its last day
P_KEY_KIND = 12  # RUN_TEMPO or RUN_INTERVALS for the first key run (others alternate)
PLAN_SIZE = 13

# --------------------------------------------------------------------------- codes
RUN_REST, RUN_EASY, RUN_LONG, RUN_TEMPO, RUN_INTERVALS, RUN_RACE = 0, 1, 2, 3, 4, 5
RUN_KINDS = ("rest", "easy", "long", "tempo", "intervals", "race")

EMPH_NONE, EMPH_HEAVY, EMPH_POWER, EMPH_MAINTENANCE, EMPH_TONING = 0, 1, 2, 3, 4
EMPHASES = ("none", "heavy", "power", "maintenance", "toning")

EFFORT_EASY, EFFORT_MODERATE, EFFORT_HARD = 0, 1, 2
EFFORTS = ("easy", "moderate", "hard")
#: reps in reserve that each effort stands for (article: "keep 1-2 reps in the tank")
EFFORT_RIR = (3.5, 1.5, 0.0)

PLACE_AFTER_EASY, PLACE_SEPARATE_DAY, PLACE_BEFORE_KEY = 0, 1, 2
PLACEMENTS = ("after_easy", "separate_day", "before_key")

# --------------------------------------------------------------------------- one scheduled day
D_RUN_KIND = 0  # RUN_* code
D_RUN_KM = 1  # planned distance, km
D_STR_EMPHASIS = 2  # EMPH_* code (EMPH_NONE = no lifting)
D_STR_EFFORT = 3  # EFFORT_* code
D_STR_SETS = 4  # sets per key lift
D_STR_AFTER_RUN = 5  # 1: lifting comes after that day's run
DAY_SIZE = 6

# --------------------------------------------------------------------------- weekly metrics (per athlete)
M_RUN_KM = 0  # km run this week
M_RUN_HOURS = 1  # hours run this week
M_STR_SESSIONS = 2  # strength sessions done
M_STRENGTH_REL = 3  # 1RM / baseline 1RM at week end
M_ECONOMY_GAIN = 4  # fractional reduction of O2 cost at a fixed speed, week end
M_VO2MAX = 5  # VO2max at week end, ml/kg/min
M_FATIGUE_AU = 6  # Banister fatigue at week end
M_FITNESS_AU = 7  # Banister fitness at week end
M_NEW_INJURIES = 8  # injuries that started this week
M_INJURED_DAYS = 9  # days spent injured this week
M_SORENESS = 10  # mean daily soreness, 0-10
M_KEY_QUALITY = 11  # mean quality of the week's key runs, 1 = fresh (1 if none)
M_KEY_COUNT = 12  # key runs (incl. long runs) done
M_DAMAGE = 13  # soft-tissue damage at week end
M_CAPACITY = 14  # soft-tissue capacity at week end
M_NIGGLE = 15  # highest pain reading this week, 0-10
M_LOAD_AU = 16  # total sRPE load this week
M_PAIN_DAYS = 17  # days the pain rule modified the plan
M_LONGEST_KM = 18  # longest single run this week
M_HAZARD = 19  # summed daily injury hazard this week (expected injuries)
M_VO2_EFF = 20  # race-morning effective VO2 (VO2max less fatigue), ml/kg/min, taken on day 7
M_COST_FACTOR = 21  # race-morning O2-cost factor (1 - economy gain, raised by soreness/NMF), day 7
M_POWER_REL = 22  # rate-of-force-development / stiffness gain at week end, fraction
M_BONE_CAPACITY = 23  # effective bone capacity at week end: bone capacity x (1 - remodelling space)
M_BONE_DAMAGE = 24  # bone damage at week end
METRIC_SIZE = 25

METRIC_NAMES = (
    "run_km",
    "run_hours",
    "strength_sessions",
    "strength_rel",
    "economy_gain",
    "vo2max",
    "fatigue_au",
    "fitness_au",
    "new_injuries",
    "injured_days",
    "soreness",
    "key_quality",
    "key_count",
    "damage",
    "capacity_rel",
    "niggle",
    "load_au",
    "pain_days",
    "longest_run_km",
    "hazard",
    "vo2_eff",
    "cost_factor",
    "power_rel",
    "bone_capacity_rel",
    "bone_damage",
)

RACE_KM = {"5k": 5.0, "10k": 10.0, "half": 21.0975, "marathon": 42.195}
LEVELS = ("beginner", "intermediate", "advanced")
