"""What the planner knows: readings, resampling, and a posterior that learns who the runner is."""

from __future__ import annotations

import numpy as np

from envs.config import ARTICLE_RULES
from experiments.headline.watch import (
    DRAW_KEY0,
    KNOWN,
    Posterior,
    noise,
    start_race_time,
    start_reading,
    systematic,
    week_readings,
)
from experiments.optimize.genes import center, decode
from sim import kernel
from sim.parameters import default_parameters
from sim.state import A_RACE_KM, A_STRENGTH_1RM_BW, A_TISSUE_RESPONSE, A_VO2MAX_UNTRAINED, METRIC_SIZE
from sim.whatif import make_cohort


def test_systematic_resampling_keeps_the_weights_in_expectation():
    w = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    idx = systematic(w, 8, 0.3)
    counts = np.bincount(idx, minlength=5)
    np.testing.assert_array_equal(counts, [4, 2, 1, 1, 0])  # exact for weights that are multiples of 1/8


def test_readings_are_missing_without_key_runs_and_deterministic():
    c = make_cohort("beginner", 5, 3, "10k")
    plan = decode(center(), 12, ARTICLE_RULES)
    plan[:, 3] = 0  # P_KEY_RUNS: no key runs at all
    met = np.empty((c.n, 12, METRIC_SIZE))
    st = c.states.copy()
    kernel.simulate(st, c.athletes, c.params, np.ascontiguousarray(np.repeat(plan[None], c.n, axis=0)), c.seed,
                    c.keys, 0, met)
    z = noise(1, c.keys, 12, 2)
    seen = week_readings(met, c.athletes[:, A_RACE_KM], 0, z, noise(1, c.keys, 12, 3))
    pace, test = seen.pace_race_min, seen.strength_rel
    from sim.state import M_KEY_COUNT

    assert np.isnan(pace[met[:, :, M_KEY_COUNT] == 0]).all()
    assert np.isfinite(test[:, 5]).all() and np.isnan(test[:, :5]).all()  # a 1RM test every 6th week
    np.testing.assert_array_equal(noise(1, c.keys, 12, 2), z)
    np.testing.assert_array_equal(noise(1, c.keys[2:], 12, 2), z[2:])  # by athlete, not by row


def test_the_posterior_learns_who_the_runner_is_from_the_watch():
    """Prior: the population with the known fields set; the recent race pins the untrained VO2max at the
    start. After 24 weeks of watch readings (key-run paces, 1RM tests, pain readings, injuries) the posterior
    mean of the tissue-adaptation multiplier and of the baseline 1RM follow each runner's true ones (they
    did not at the start). The aerobic multiplier is read off the recent race, not the season: years of
    habitual running already show it in the starting level (a finding, in docs/headline.md)."""
    gp = default_parameters()
    c = make_cohort("intermediate", 60, 77, "10k")
    post = Posterior(c.athletes, c.keys, start_reading(start_race_time(c.athletes, c.states, gp), c.keys, 5), gp, 48,
                     5)
    assert np.array_equal(post.athletes[:, list(KNOWN)], np.repeat(c.athletes[:, list(KNOWN)], 48, axis=0))
    assert (post.keys < DRAW_KEY0).all() and not np.isin(post.keys, c.keys).any()

    def corr(slot: int) -> float:
        est = (post.athletes[:, slot].reshape(c.n, -1) * post.weights()).sum(axis=1)
        return float(np.corrcoef(est, c.athletes[:, slot])[0, 1])

    assert corr(A_VO2MAX_UNTRAINED) > 0.7
    before = {s: corr(s) for s in (A_TISSUE_RESPONSE, A_STRENGTH_1RM_BW)}
    plan = np.ascontiguousarray(np.repeat(decode(center(), 52, ARTICLE_RULES)[None], c.n, axis=0))
    st = c.states.copy()
    zp, zt = noise(5, c.keys, 52, 2), noise(5, c.keys, 52, 3)
    for k in range(0, 24, 4):
        met = np.empty((c.n, 4, METRIC_SIZE))
        kernel.simulate(st, c.athletes, gp, np.ascontiguousarray(plan[:, k:k + 4]), c.seed, c.keys, 7 * k, met)
        post.advance(np.ascontiguousarray(plan[:, k:k + 4]), week_readings(met, c.athletes[:, A_RACE_KM], k, zp, zt))
    for slot, r0 in before.items():
        assert corr(slot) > max(0.3, r0 + 0.15)
    assert corr(A_VO2MAX_UNTRAINED) > 0.7
    assert post.ess().min() >= 1.0
