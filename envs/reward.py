"""The reward: change in predicted race performance, injured days, and the race itself.

For season week w (0-based) with race-morning effective VO2 and O2-cost factor from the
week's metrics (M_VO2_EFF, M_COST_FACTOR, taken on day 7, the race morning of the race week):

    T_w = race_time_min(vo2_eff_w, cost_w, race_km)               (Daniels & Gilbert)
    r_w = w_perf * 100 * (T_{w-1} - T_w) / T_start                 weekly % improvement
          - w_injury * injured_days_w                              days out this week
          + [w is the race week] * w_race * 100 * (T_start - T_race) / T_start

T_start is the prediction on the season's first morning, T_{-1} = T_start. The weekly terms
telescope to the season's % improvement, so w_race only shifts weight onto the race result.

Speed: the Daniels-Gilbert solution for a distance depends on vo2_eff and cost only through
x = vo2_eff / cost (cost * VO2(v) = vo2_eff * F(t)  <=>  VO2(v) = x F(t)). `race_time_week`
reads T(x) from a table of `sim.kernel.race_time_min` values (one row per race distance,
linear interpolation, relative error < 1e-7, tested), which costs 10 ns instead of the
bisection's 1.7 us; T_start and the race result call the kernel directly.
"""

from __future__ import annotations

import numpy as np

from envs.config import CF_W_INJURY, CF_W_PERF, CF_W_RACE
from envs.observation import C_RACE_T, C_T0, C_TPREV
from sim import kernel
from sim._jit import njit
from sim.state import A_RACE_KM, M_COST_FACTOR, M_INJURED_DAYS, M_VO2_EFF, RACE_KM

TABLE_KM = tuple(RACE_KM.values())
X_MIN = 10.0  # ml/kg/min of effective VO2 per unit O2-cost factor
X_STEP = 0.005
X_N = 26001  # up to x = 140
_TABLE = np.full((len(TABLE_KM), X_N), np.nan)


def _fill_row(row, race_km):
    """Row `row` of the table: `sim.kernel.race_times_min` (the what-if simulator's compiled loop, on threads)
    at every x. Before issue 26's fifth round a `parallel=True` loop of its own, whose compile was 0.23 s of
    the env's first call; the fill itself is 26,001 predictions, about 20 ms."""
    x = X_MIN + np.arange(row.shape[0]) * X_STEP
    kernel.race_times_min(x[:, None], np.ones((row.shape[0], 1)), np.full(row.shape[0], race_km), row[:, None])


def race_table(race_kms: object = ()) -> np.ndarray:
    """The (len(TABLE_KM), X_N) table of race times, rows filled on first need (NaN = not built).

    Shared by every env of the process; rows are filled in place, so arrays handed to numba
    earlier see new rows too.
    """
    for km in np.unique(np.asarray(race_kms, dtype=float)):
        if km in TABLE_KM:
            r = TABLE_KM.index(km)
            if np.isnan(_TABLE[r, 0]):
                _fill_row(_TABLE[r], km)
    return _TABLE


@njit(cache=True)
def race_time_week(vo2_eff, cost, race_km, table):
    """race_time_min(vo2_eff, cost, race_km) from the table (kernel call outside it)."""
    r = -1
    for k in range(len(TABLE_KM)):
        if race_km == TABLE_KM[k]:
            r = k
    f = (vo2_eff / cost - X_MIN) / X_STEP
    if r < 0 or not (f >= 0.0) or f >= X_N - 1 or table[r, 0] != table[r, 0]:
        return kernel.race_time_min(vo2_eff, cost, race_km)
    j = int(f)
    t = f - j
    return table[r, j] + t * (table[r, j + 1] - table[r, j])


@njit(cache=True, inline='always')
def week_reward(met, ath, ctrl, cfg, table, final):
    """Reward of the week just simulated (formula above); updates T_{w-1} and the shown race time."""
    race_km = ath[A_RACE_KM]
    t = race_time_week(met[M_VO2_EFF], met[M_COST_FACTOR], race_km, table)
    t0 = ctrl[C_T0]
    r = cfg[CF_W_PERF] * 100.0 * (ctrl[C_TPREV] - t) / t0 - cfg[CF_W_INJURY] * met[M_INJURED_DAYS]
    ctrl[C_TPREV] = t
    ctrl[C_RACE_T] = t
    if final:
        race = kernel.race_time_min(met[M_VO2_EFF], met[M_COST_FACTOR], race_km)
        ctrl[C_RACE_T] = race
        r += cfg[CF_W_RACE] * 100.0 * (t0 - race) / t0
    return r
