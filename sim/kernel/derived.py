"""Derived constants: the parameter table -> daily decay factors and the damage exponent.

`derive(gp)` is the one place derived quantities are computed (never stored as defaults in
`sim.parameters`); the `DV_` constants index its output vector. It runs once per batch, in Python,
before the kernels (which take its vector `dv`): compiling it would only lengthen a first call.
"""

import math

import numpy as np

from sim import parameters as P

DV_FITNESS, DV_FATIGUE, DV_NEURAL, DV_STRUCT, DV_POWER, DV_CAPACITY = 0, 1, 2, 3, 4, 5
DV_REPAIR, DV_SORENESS, DV_RBE, DV_NMF, DV_LONG_RUN, DV_DAMAGE_EXP, DV_K_FATIGUE = 6, 7, 8, 9, 10, 11, 12
DV_MEMORY, DV_SETS, DV_CHRONIC, DV_INTENSITY, DV_BONE_CAPACITY, DV_REMODEL = 13, 14, 15, 16, 17, 18
DV_RESORPTION, DV_BONE_STIMULUS, DV_DURABLE, DV_BASE = 19, 20, 21, 22
DERIVED_SIZE = 23


def derive(gp):
    """Derived constants: daily decay factors exp(-1/tau) and the damage exponent.

    The damage exponent k is the local slope of the tendon S-N curve
    S = 101.3 - b log10(N) (Schechtman & Bader 1997): -dlnN/dlnS = ln(10) S / b, taken at
    the reference stress (% of ultimate).
    """
    dv = np.empty(DERIVED_SIZE)
    dv[DV_FITNESS] = math.exp(-1.0 / gp[P.TAU_FITNESS_D])
    dv[DV_FATIGUE] = math.exp(-1.0 / gp[P.TAU_FATIGUE_D])
    dv[DV_NEURAL] = math.exp(-1.0 / gp[P.TAU_NEURAL_D])
    dv[DV_STRUCT] = math.exp(-1.0 / gp[P.TAU_STRUCT_D])
    dv[DV_POWER] = math.exp(-1.0 / gp[P.TAU_POWER_D])
    dv[DV_CAPACITY] = math.exp(-1.0 / gp[P.TAU_CAPACITY_D])
    dv[DV_REPAIR] = math.exp(-1.0 / gp[P.TAU_REPAIR_D])
    dv[DV_SORENESS] = math.exp(-1.0 / gp[P.TAU_SORENESS_D])
    dv[DV_RBE] = math.exp(-1.0 / gp[P.TAU_RBE_D])
    dv[DV_NMF] = math.exp(-1.0 / gp[P.TAU_NMF_D])
    dv[DV_LONG_RUN] = math.exp(-1.0 / gp[P.TAU_LONG_RUN_D])
    dv[DV_DAMAGE_EXP] = math.log(10.0) * gp[P.SN_REF_STRESS_PCT] / gp[P.SN_SLOPE_PCT]
    # k2 is a multiple of the within-season (fast) fitness gain: Banister fits see the fast pool, the durable
    # one barely moves over a season.
    dv[DV_K_FATIGUE] = gp[P.FATIGUE_GAIN_RATIO] * (1.0 - gp[P.DURABLE_SHARE]) * gp[P.K_FITNESS_PER_AU]
    dv[DV_MEMORY] = math.exp(-1.0 / gp[P.TAU_LOAD_MEMORY_D])
    dv[DV_SETS] = math.exp(-1.0 / gp[P.TAU_SETS_D])
    dv[DV_CHRONIC] = math.exp(-1.0 / gp[P.TAU_CHRONIC_D])
    dv[DV_INTENSITY] = math.exp(-1.0 / gp[P.TAU_INTENSITY_D])
    dv[DV_BONE_CAPACITY] = math.exp(-1.0 / gp[P.TAU_BONE_CAPACITY_D])
    dv[DV_REMODEL] = math.exp(-1.0 / gp[P.TAU_REMODEL_D])
    dv[DV_RESORPTION] = math.exp(-1.0 / gp[P.TAU_RESORPTION_D])
    dv[DV_BONE_STIMULUS] = math.exp(-1.0 / gp[P.TAU_BONE_STIMULUS_D])
    dv[DV_DURABLE] = math.exp(-1.0 / gp[P.TAU_DURABLE_D])
    dv[DV_BASE] = math.exp(-1.0 / gp[P.TAU_BASE_D])
    return dv

