"""Race-time prediction (`sim.kernel.race`): the fast solver is the plain bisection, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim import kernel
from sim.kernel import race
from sim.reference import kernel as ref
from sim.state import RACE_KM

KMS = np.array(sorted(RACE_KM.values()))


def _plausible(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.uniform(15.0, 90.0, n), rng.uniform(0.7, 1.4, n), KMS[rng.integers(0, KMS.size, n)]


def _wide(n: int, seed: int):
    """Far outside what a runner can be: crossings beyond the bracket, tiny and huge distances."""
    rng = np.random.default_rng(seed)
    log_u = lambda lo, hi: np.exp(rng.uniform(np.log(lo), np.log(hi), n))  # noqa: E731
    return log_u(0.5, 500.0), log_u(0.05, 20.0), log_u(0.1, 1000.0)


EDGES = [(0.0, 1.0, 10.0), (-5.0, 1.0, 10.0), (50.0, 0.0, 10.0), (50.0, -1.0, 10.0), (np.nan, 1.0, 10.0),
         (50.0, np.nan, 10.0), (50.0, 1.0, np.nan), (np.inf, 1.0, 10.0), (50.0, np.inf, 10.0), (1e-300, 1.0, 10.0),
         (1e300, 1.0, 10.0), (50.0, 1.0, 0.0), (50.0, 1.0, -10.0), (50.0, 1.0, 1e6), (50.0, 1.0, 1e-6),
         (2.0, 1.0, 10.0), (400.0, 1.0, 10.0)]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.tobytes() == b.tobytes()


def _both(vo2, cost, km):
    fast = np.array([kernel.race_time_min(*x) for x in zip(vo2, cost, km, strict=True)])
    plain = np.array([race.bisect_race_time_min(*x) for x in zip(vo2, cost, km, strict=True)])
    return fast, plain


@pytest.mark.parametrize("inputs", [_plausible(20_000, 0), _wide(20_000, 1), tuple(np.array(EDGES).T)],
                         ids=["plausible", "wide", "edges"])
def test_the_solver_gives_the_plain_bisections_bits(inputs):
    """Runners, far-off inputs (crossings outside 30-800 m/min, 100 m to 1,000 km) and bad ones (zero,
    negative, NaN, inf): the same float, bit for bit, as evaluating all 48 midpoints."""
    fast, plain = _both(*inputs)
    assert _same_bits(fast, plain)


def test_the_solver_gives_the_plain_bisections_bits_over_the_envs_race_table():
    """Every point of the env's reward table (`envs.reward`: x = VO2_eff / cost from 10 to 140 in steps of
    0.005, each race distance)."""
    x = 10.0 + np.arange(0, 26001, 7) * 0.005
    vo2, km = np.tile(x, KMS.size), np.repeat(KMS, x.size)
    fast, plain = _both(vo2, np.ones_like(vo2), km)
    assert _same_bits(fast, plain)


def test_the_interpreter_runs_the_same_solver():
    """numba vs the plain-Python reference (compiler flags, float contraction), fast path and fallback."""
    vo2, cost, km = _plausible(300, 2)
    for a, b, c in [*zip(vo2, cost, km, strict=True), *EDGES]:
        assert np.float64(kernel.race_time_min(a, b, c)).tobytes() == np.float64(ref.race_time_min(a, b, c)).tobytes()


def test_runners_take_the_fast_path():
    """The speed is real: at every plausible input Newton's root passes its check (NaN would mean all 48
    midpoints are evaluated), and it lies within SURE_BAND of the speed the bisection settles on."""
    vo2, cost, km = _plausible(5_000, 3)
    for a, b, c in zip(vo2, cost, km, strict=True):
        r = ref.race._root(c * 1000.0, a, b)  # the plain-Python copy (no compile of its own)
        v = c * 1000.0 / race.bisect_race_time_min(a, b, c)
        assert abs(r - v) < race.SURE_BAND / 10


def test_oxygen_cost_over_sustainable_fraction_rises_with_speed():
    """The law the solver stands on: H(v) = VO2(v) / F(d / v) strictly increasing over 30-800 m/min for
    every distance from 100 m to 1,000 km, with d ln H / dv >= 0.9 d ln VO2 / dv (so demand - supply,
    cost F (H - VO2_eff / cost), changes sign once)."""
    v = np.linspace(race.V_LO, race.V_HI, 20_001)
    for d in np.geomspace(100.0, 1e6, 200):
        t = d / v
        e1, e2 = np.exp(-0.012778 * t), np.exp(-0.1932605 * t)
        f = 0.8 + 0.1894393 * e1 + 0.2989558 * e2
        vo2 = -4.60 + 0.182258 * v + 0.000104 * v * v
        dlnf = d / v**2 * (0.1894393 * 0.012778 * e1 + 0.2989558 * 0.1932605 * e2) / f
        dlnvo2 = (0.182258 + 0.000208 * v) / vo2
        assert np.all(vo2 > 0.0)
        assert np.all(dlnvo2 - dlnf >= 0.9 * dlnvo2), d
