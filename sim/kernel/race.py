"""Race-time prediction (Daniels & Gilbert 1979) and race-morning performance read-outs."""

import math

from sim._jit import njit

from .day import cost_factor, vo2_effective
from .derived import derive
from .season import in_threads

# Daniels & Gilbert's speed bracket (m/min) and the bisection's steps: its answer is d / (the midpoint of the
# bracket left after BISECTION_STEPS halvings), 770 / 2^48 = 2.7e-12 m/min wide.
V_LO, V_HI = 30.0, 800.0
BISECTION_STEPS = 48
# Half-width (m/min) of the band around the Newton root inside which the replayed bisection evaluates the
# curves (`race_time_min`). Measured at plausible inputs, Newton's root is within 2e-14 x v (6e-12 m/min)
# of the bisection's and rounding flips comparisons only within 1e-14 x v of it: the band is 30-70 times both.
SURE_BAND = 2e-10
# The least |demand - supply| / supply at the band's edges (`_root`): 1e-13 is ~100 times the rounding of the
# curves (a few ulps), and 3-8 times below the gap SURE_BAND from the crossing gives (1.5e-3 to 4e-3 x SURE_BAND:
# d ln H / dv over 800 to 300 m/min).
SURE_MARGIN = 1e-13


@njit(error_model='numpy', cache=True, inline='always')
def _curves(v, d, vo2_eff, cost):
    """Oxygen demand and supply at speed v (m/min) over d metres, as the bisection compares them, and
    the two exponentials of F(t) (Daniels & Gilbert 1979)."""
    t = d / v
    e1 = math.exp(-0.012778 * t)
    e2 = math.exp(-0.1932605 * t)
    demand = cost * (-4.60 + 0.182258 * v + 0.000104 * v * v)
    supply = vo2_eff * (0.8 + 0.1894393 * e1 + 0.2989558 * e2)
    return demand, supply, e1, e2


@njit(error_model='numpy', cache=True, inline='always')
def _root(d, vo2_eff, cost):
    """The speed where demand meets supply by Newton's method, checked: demand is not above supply at
    root - SURE_BAND and is above it at root + SURE_BAND. NaN when the inputs are not positive and finite,
    Newton does not settle, or the check fails (`race_time_min` then bisects all the way)."""
    if not (vo2_eff > 0.0 and cost > 0.0 and d > 0.0 and vo2_eff < math.inf and cost < math.inf
            and d < math.inf):
        return math.nan
    # start: the speed where demand = supply with F = 1 (a quadratic in v)
    x = vo2_eff / cost
    v = (-0.182258 + math.sqrt(0.182258 * 0.182258 + 4.0 * 0.000104 * (4.60 + x))) / (2.0 * 0.000104)
    for _ in range(30):
        demand, supply, e1, e2 = _curves(v, d, vo2_eff, cost)
        slope = (cost * (0.182258 + 0.000208 * v)
                 - vo2_eff * d / (v * v) * (0.1894393 * 0.012778 * e1 + 0.2989558 * 0.1932605 * e2))
        if not (slope > 0.0):
            return math.nan
        step = (demand - supply) / slope
        v -= step
        if not (v > 1.0 and v < 1e5):
            return math.nan
        # Newton's error after a step of s is about (G'' / 2 G') s^2 ~ s^2 / v: 1e-14 v (3e-12 m/min at most)
        # after a step below 1e-7 v, far inside SURE_BAND
        if abs(step) < 1e-7 * v:
            # demand - supply is cost F (H - vo2_eff / cost), H increasing: outside the band it is further from
            # zero than at the band's edges (times F's ratio, >= 0.62). The edges must clear zero by SURE_MARGIN x
            # supply, so every comparison outside the band clears rounding (a few 1e-16 x supply) about 40-fold.
            dem_lo, sup_lo, _, _ = _curves(v - SURE_BAND, d, vo2_eff, cost)
            dem_hi, sup_hi, _, _ = _curves(v + SURE_BAND, d, vo2_eff, cost)
            if not (dem_lo - sup_lo < -SURE_MARGIN * sup_lo and dem_hi - sup_hi > SURE_MARGIN * sup_hi):
                return math.nan
            return v
    return math.nan


@njit(error_model='numpy', cache=True)
def race_time_min(vo2_eff, cost, race_km):
    """Race time (min) for `race_km` (Daniels & Gilbert 1979).

    Solves cost * VO2(v) = vo2_eff * F(d / v) for the speed v (m/min) by bisection on [30, 800] m/min
    (48 halvings), with VO2(v) = -4.60 + 0.182258 v + 0.000104 v^2 and
    F(t) = 0.8 + 0.1894393 e^(-0.012778 t) + 0.2989558 e^(-0.1932605 t).

    The bisection's answer is computed without most of its 48 evaluations, to the same bits: demand -
    supply = cost F (H(v) - vo2_eff / cost) with H = VO2 / F strictly increasing on [30, 800] for every
    distance from 0.1 to 1,000 km (H'/H >= 0.9 VO2'/VO2, tested), so there is one crossing, and every
    comparison at a midpoint more than SURE_BAND from it comes out as the side it lies on. Newton's method
    finds the crossing (`_root`, checked on both sides); the bisection is then replayed, evaluating the
    curves only at midpoints within SURE_BAND of it (about 8; all 48 when `_root` gives NaN): 14 evaluations
    instead of 48. Tests compare it bit for bit with the plain bisection (`bisect_race_time_min`).
    """
    d = race_km * 1000.0
    r = _root(d, vo2_eff, cost)
    lo = V_LO
    hi = V_HI
    for _ in range(BISECTION_STEPS):
        v = 0.5 * (lo + hi)
        above = v > r
        if not (abs(v - r) > SURE_BAND):  # (also for a NaN root: then every midpoint is evaluated)
            demand, supply, _, _ = _curves(v, d, vo2_eff, cost)
            above = demand > supply
        # selects, not branches: the sides of the crossing come in no order a branch predictor can learn
        hi = v if above else hi
        lo = lo if above else v
    return d / (0.5 * (lo + hi))


@njit(error_model='numpy', cache=True)
def bisect_race_time_min(vo2_eff, cost, race_km):
    """`race_time_min` by the plain bisection, every midpoint evaluated: the tests' oracle for it."""
    d = race_km * 1000.0
    lo = V_LO
    hi = V_HI
    for _ in range(BISECTION_STEPS):
        v = 0.5 * (lo + hi)
        demand, supply, _, _ = _curves(v, d, vo2_eff, cost)
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
