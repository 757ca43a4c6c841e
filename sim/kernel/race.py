"""Race-time prediction (Daniels & Gilbert 1979) and race-morning performance read-outs."""

import math

from sim._jit import njit

from .day import cost_factor, vo2_effective
from .derived import derive
from .season import in_threads


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


@njit(error_model='numpy', cache=True, nogil=True)
def race_times_rows(vo2_eff, cost, race_km, out):
    """`race_times_min`'s loop, in the calling thread."""
    for a in range(vo2_eff.shape[0]):
        for w in range(vo2_eff.shape[1]):
            out[a, w] = race_time_min(vo2_eff[a, w], cost[a, w], race_km[a])


def race_times_min(vo2_eff, cost, race_km, out):
    """race_time_min over (n, n_weeks) arrays; race_km is (n,); on several threads for a large n
    (`season.in_threads`)."""
    in_threads(race_times_rows, vo2_eff.shape[0], (vo2_eff, cost, race_km, out), (0, 1, 2, 3))


def performance_now(states, athletes, gp, vo2_eff, cost):
    """Race-morning effective VO2 and O2-cost factor of each athlete's current state."""
    performance_rows(states, athletes, gp, derive(gp), vo2_eff, cost)


@njit(error_model='numpy', cache=True)
def performance_rows(states, athletes, gp, dv, vo2_eff, cost):
    """`performance_now`'s loop (dv = derive(gp))."""
    for a in range(states.shape[0]):
        vo2_eff[a] = vo2_effective(states[a], athletes[a], gp, dv)
        cost[a] = cost_factor(states[a], athletes[a], gp)
