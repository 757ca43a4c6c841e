"""The coach's view: table constants, bounds, noise keyed by (seed, athlete, day), known answers."""

from __future__ import annotations

import numpy as np
import pytest

from envs import StrengthRunEnv
from envs.observation import (
    HR_EASY_START_BPM,
    O_ACWR,
    O_EASY_HR_BPM,
    O_INJURED,
    O_LEVEL,
    O_PREV_VOLUME_REL,
    O_READINESS,
    O_SEASON_WEEKS,
    O_STRENGTH_TEST_REL,
    O_WEEK,
    O_WEEKS_TO_RACE,
    OBS_HIGH,
    OBS_LOW,
    OBS_NAMES,
    OBS_SIZE,
    noise,
)
from sim import kernel
from sim.state import FATIGUE_AU, NM_FATIGUE

QUIET = {"readiness_sd": 0.0, "strength_test_sd": 0.0, "easy_hr_sd_bpm": 0.0, "key_pace_sd": 0.0}


def test_contract_constants():
    for name, idx in (
        ("week", O_WEEK),
        ("weeks_to_race", O_WEEKS_TO_RACE),
        ("level", O_LEVEL),
        ("season_weeks", O_SEASON_WEEKS),
        ("prev_volume_rel", O_PREV_VOLUME_REL),
    ):
        assert OBS_NAMES[idx] == name
    assert len(OBS_NAMES) == OBS_SIZE == len(set(OBS_NAMES))
    assert np.all(OBS_LOW < OBS_HIGH)


@pytest.mark.parametrize("scope", ["strength", "strength_and_run"])
def test_observations_stay_in_bounds(scope):
    env = StrengthRunEnv(
        season_weeks=20, action_scope=scope, levels=["beginner", "advanced"], athlete_pool=64
    )
    for seed in range(4):
        obs, _ = env.reset(seed=seed)
        env.action_space.seed(seed)
        done = False
        while not done:
            assert env.observation_space.contains(obs), dict(zip(OBS_NAMES, obs, strict=True))
            obs, _, term, trunc, _ = env.step(env.action_space.sample())
            done = term or trunc
        assert obs[O_WEEK] == 20 and obs[O_WEEKS_TO_RACE] == -1


def test_noise_free_readings_follow_their_formulas():
    env = StrengthRunEnv(season_weeks=12, noise=QUIET, strength_test_every=3)
    obs, _ = env.reset(seed=3)  # an athlete who stays uninjured through the 9 weeks (checked below)
    assert obs[O_EASY_HR_BPM] == pytest.approx(
        HR_EASY_START_BPM, rel=1e-6
    )  # the season start is the reference
    assert obs[O_ACWR] == 1.0 and obs[O_PREV_VOLUME_REL] == 1.0
    f0 = env.body[FATIGUE_AU]
    last_test = obs[O_STRENGTH_TEST_REL]
    updates = injured_weeks = 0
    for week in range(1, 10):
        obs, *_ = env.step(np.array([2, 1, 1, 1]))  # heavy lifting: strength changes every week
        body = env.body
        expect = 10 * f0 / (f0 + body[FATIGUE_AU]) * (1 - 0.5 * body[NM_FATIGUE])
        assert obs[O_READINESS] == pytest.approx(min(expect, 10.0), rel=1e-5)
        # a 1RM test every third week, none while injured; otherwise the last result stays
        if week % 3 == 0 and obs[O_INJURED] == 0:
            assert obs[O_STRENGTH_TEST_REL] == pytest.approx(kernel.strength_rel(body), rel=1e-6)
            assert obs[O_STRENGTH_TEST_REL] != last_test
            updates += 1
        else:
            assert obs[O_STRENGTH_TEST_REL] == last_test
        last_test = obs[O_STRENGTH_TEST_REL]
        injured_weeks += int(obs[O_INJURED])
    assert updates > 0 and injured_weeks == 0
    assert obs[O_EASY_HR_BPM] < HR_EASY_START_BPM  # stronger and fitter: lower heart rate at easy pace


def test_noise_changes_readings_not_the_body():
    loud = StrengthRunEnv(season_weeks=8)
    quiet = StrengthRunEnv(season_weeks=8, noise=QUIET)
    o1, _ = loud.reset(seed=5)
    o2, _ = quiet.reset(seed=5)
    assert o1[O_READINESS] != o2[O_READINESS]
    for _ in range(8):
        r1 = loud.step(np.array([2, 2, 1, 0]))
        r2 = quiet.step(np.array([2, 2, 1, 0]))
        assert np.array_equal(r1[4]["metrics"].array, r2[4]["metrics"].array) and r1[1] == r2[1]


def test_noise_is_keyed_by_stream_seed_athlete_and_day():
    env = StrengthRunEnv(season_weeks=8)
    env.reset(seed=0)
    ath, body = env.athlete, env.body
    opts = {"athlete": ath, "state": body, "stream_seed": 99, "key": 4}
    a, _ = env.reset(seed=1, options=opts)
    b, _ = env.reset(seed=2, options=opts)
    c, _ = env.reset(seed=1, options={**opts, "key": 5})
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_noise_has_zero_mean_and_unit_spread():
    z = np.array(
        [
            noise(kernel.day_hash(kernel.draw_base(3, k), d), kernel.STREAM_OBS)
            for k in range(50)
            for d in range(200)
        ]
    )
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1.0) < 0.03


def test_volume_base_and_recovery_flag_show_what_the_coach_limits_do():
    """Without recovery weeks the step base is last week's planned volume; with recovery_every=4
    the flag is up exactly before weeks 3, 7, ... and after a recovery week the base stays at the
    loading week's volume, above the cut week's planned volume."""
    from envs.observation import O_RECOVERY_WEEK_NEXT, O_VOLUME_BASE_REL

    hold = np.array([2, 1, 1, 0, 4, 1, 2, 0])  # +10% every week
    free = StrengthRunEnv(season_weeks=20, action_scope="strength_and_run", athlete_pool=16)
    obs, _ = free.reset(seed=0)
    for _ in range(10):
        assert obs[O_VOLUME_BASE_REL] == pytest.approx(obs[O_PREV_VOLUME_REL]) and obs[O_RECOVERY_WEEK_NEXT] == 0
        obs, *_ = free.step(hold)
    ruled = StrengthRunEnv(season_weeks=20, action_scope="strength_and_run", athlete_pool=16,
                           limits={"recovery_every": 4})
    obs, _ = ruled.reset(seed=0)
    flags = []
    for w in range(12):
        flags.append(int(obs[O_RECOVERY_WEEK_NEXT]))
        obs, *_ = ruled.step(hold)
        if w in (3, 7, 11):  # just after a recovery week
            assert obs[O_VOLUME_BASE_REL] > obs[O_PREV_VOLUME_REL] * 1.2
        else:
            assert obs[O_VOLUME_BASE_REL] == pytest.approx(obs[O_PREV_VOLUME_REL])
    assert [w for w, f in enumerate(flags) if f] == [3, 7, 11]


def test_key_run_pace_reads_fitness_economy_and_quality_and_carries_over():
    """Noise-free, the key-run pace is (cost / cost0) x (VO2eff0 / VO2eff) / quality of the week's
    metrics; a week without key runs (no key, no long run) shows the last reading; it starts at 1 and
    falls as the athlete gets fitter."""
    from envs.observation import C_COST0, C_VO2EFF0, O_KEY_PACE_REL

    env = StrengthRunEnv(season_weeks=20, action_scope="strength_and_run", noise=QUIET, athlete_pool=16)
    obs, _ = env.reset(seed=1)
    ctrl = env._buf.ctrl[0]
    assert np.isfinite(obs).all()
    first = obs[O_KEY_PACE_REL]
    from envs.actions import LONG_SHARES, VOLUME_STEPS

    build = np.array([0, 0, 0, 0, VOLUME_STEPS.index(0.10), 2, LONG_SHARES.index(0.30), 0])  # +10%, 2 key, 30% long
    rest = np.array([0, 0, 0, 0, VOLUME_STEPS.index(0.0), 0, 0, 0])  # hold volume, no key run, no long run
    readings = []
    for week in range(14):
        last = obs[O_KEY_PACE_REL]
        obs, _, _, _, info = env.step(rest if week in (6, 7) else build)
        m = info["metrics"]
        assert np.isfinite(obs).all()
        if m["key_count"] > 0:
            expect = (m["cost_factor"] / ctrl[C_COST0]) * (ctrl[C_VO2EFF0] / m["vo2_eff"]) / m["key_quality"]
            assert obs[O_KEY_PACE_REL] == pytest.approx(expect, rel=1e-5)
        else:
            assert obs[O_KEY_PACE_REL] == last
        readings.append(obs[O_KEY_PACE_REL])
    assert first == pytest.approx(1.0, abs=0.05)
    assert min(readings[8:]) < first  # fitter after weeks of building: faster at the same effort


def test_key_run_pace_noise_has_the_configured_spread():
    """Readings scatter around the noise-free pace with sd key_pace_sd (relative), keyed like the others."""
    from envs.observation import O_KEY_PACE_REL

    quiet = StrengthRunEnv(season_weeks=8, noise=QUIET, athlete_pool=16)
    loud = StrengthRunEnv(season_weeks=8, noise={**QUIET, "key_pace_sd": 0.05}, athlete_pool=16)
    ratios = []
    for seed in range(60):
        q, _ = quiet.reset(seed=seed)
        o, _ = loud.reset(seed=seed)
        for _ in range(3):
            q, *_ = quiet.step(np.array([1, 3, 0, 0]))
            o, *_ = loud.step(np.array([1, 3, 0, 0]))
        ratios.append(o[O_KEY_PACE_REL] / q[O_KEY_PACE_REL] - 1.0)
    ratios = np.array(ratios)
    assert abs(ratios.mean()) < 0.02 and 0.03 < ratios.std() < 0.07
