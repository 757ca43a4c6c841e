"""The population sampler: reproducible, level-typical, individually variable."""

from __future__ import annotations

import numpy as np
import pytest

from sim import kernel
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.population import (
    AEROBIC_RESPONSE_CV,
    AEROBIC_RESPONSE_LOG_MEAN,
    AEROBIC_RESPONSE_MEAN,
    AEROBIC_RESPONSE_SD_LN,
    PROFILES,
    STRENGTH_RESPONSE_SD_LN,
    gamma_like,
    sample_athletes,
    sample_mixed,
)
from sim.state import (
    A_AEROBIC_RESPONSE,
    A_HABITUAL_KM,
    A_LEVEL,
    A_RACE_KM,
    A_STRENGTH_1RM_BW,
    A_STRENGTH_RESPONSE,
    A_TISSUE_STRESS,
    CUMULATIVE_KM,
    STATE_SIZE,
)


def test_same_seed_same_athletes_other_seed_others():
    a = sample_athletes("intermediate", 500, 3)
    assert np.array_equal(a, sample_athletes("intermediate", 500, 3))
    assert not np.array_equal(a, sample_athletes("intermediate", 500, 4))


def test_levels_differ_as_their_profiles_say():
    means = {lv: sample_athletes(lv, 4000, 0).mean(axis=0) for lv in PROFILES}
    assert means["beginner"][A_HABITUAL_KM] < means["intermediate"][A_HABITUAL_KM] < means["advanced"][A_HABITUAL_KM]
    # the individual per-step stress is one population value; novices differ by the km behind them
    stress = {lv: m[A_TISSUE_STRESS] for lv, m in means.items()}
    assert stress["beginner"] == pytest.approx(stress["advanced"], rel=0.01)
    gp = default_parameters()
    novice = {}
    for lv in PROFILES:
        ath = sample_athletes(lv, 300, 0)
        st = np.empty((300, STATE_SIZE))
        kernel.init_states(ath, gp, st)
        novice[lv] = np.mean([kernel.novice_stress(k, gp) for k in st[:, CUMULATIVE_KM]])
    assert novice["beginner"] > novice["intermediate"] > novice["advanced"] >= 1.0
    for lv, prof in PROFILES.items():
        assert means[lv][A_HABITUAL_KM] == pytest.approx(prof.habitual_km[0], rel=0.05)
        assert means[lv][A_LEVEL] == list(PROFILES).index(lv)


def test_responders_vary_around_their_population_means():
    a = sample_athletes("intermediate", 20000, 1)
    logs = np.log(a[:, A_STRENGTH_RESPONSE])
    assert abs(logs.mean()) < 0.01 and logs.std() == pytest.approx(STRENGTH_RESPONSE_SD_LN, rel=0.05)
    aero = a[:, A_AEROBIC_RESPONSE]
    assert aero.mean() == pytest.approx(AEROBIC_RESPONSE_MEAN, rel=0.02)
    assert aero.std() / aero.mean() == pytest.approx(AEROBIC_RESPONSE_CV, rel=0.05)
    assert (aero >= 0).all() and (aero > 1.5).any() and (aero < 0.6).any()  # high and low responders
    # the fitter's prior on log(aerobic response) describes the population
    assert np.log(aero).mean() == pytest.approx(AEROBIC_RESPONSE_LOG_MEAN, abs=0.02)
    assert np.log(aero).std() == pytest.approx(AEROBIC_RESPONSE_SD_LN, rel=0.05)


def test_gamma_like_multipliers_have_mean_one_and_the_asked_spread():
    """Wilson-Hilferty: the cube of a normal has the gamma's mean 1 and CV, keeps the draw's rank and
    has a gamma's left tail (more low responders than a log-normal of the same spread)."""
    z = np.random.default_rng(0).standard_normal(200000)
    for cv in (0.2, 0.53, 0.7):
        m = gamma_like(z, cv)
        assert m.mean() == pytest.approx(1.0, abs=0.01) and m.std() == pytest.approx(cv, rel=0.03)
        assert np.all(np.diff(m[np.argsort(z)]) >= 0)
    k = 1.0 / 0.53**2
    gamma = np.random.default_rng(1).gamma(k, 1.0 / k, size=200000)
    assert np.mean(gamma_like(z, 0.53) < 0.25) == pytest.approx(np.mean(gamma < 0.25), abs=0.004)
    sd_ln = np.sqrt(np.log(1 + 0.53**2))
    lognormal = np.exp(-0.5 * sd_ln**2 + sd_ln * z)
    assert np.mean(gamma_like(z, 0.53) < 0.25) > 3 * np.mean(lognormal < 0.25)


def test_overrides_and_race_distance():
    a = sample_athletes("beginner", 3000, 0, "half", habitual_km=30.0, strength_1rm_bw=1.2)
    assert a[:, A_HABITUAL_KM].mean() == pytest.approx(30.0, rel=0.05)
    assert a[:, A_STRENGTH_1RM_BW].mean() == pytest.approx(1.2, rel=0.05)
    assert (a[:, A_RACE_KM] == 21.0975).all()


def test_mixed_population_and_bad_input():
    m = sample_mixed({"beginner": 1, "advanced": 3}, 400, 0)
    assert m.shape[0] == 400 and (m[:, A_LEVEL] == 2).sum() == 300
    with pytest.raises(InputError, match="level"):
        sample_athletes("elite", 10, 0)
    with pytest.raises(InputError, match="race_distance"):
        sample_athletes("beginner", 10, 0, "ultra")
    with pytest.raises(InputError, match="athletes"):
        sample_athletes("beginner", 0, 0)
