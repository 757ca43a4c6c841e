"""What a coach can know about an athlete at the end of a week: the observation vector.

Not the hidden state. Training logs (km, strength sessions, sRPE loads), questionnaires
(readiness, soreness, pain), the physio's verdict (injured, days missed), a 1RM test every
few weeks, and what a runner's watch shows: the heart rate on easy runs and the pace at effort
in the week's key runs; each noisy reading is drawn from the kernel's
counter-based streams >= `sim.kernel.STREAM_OBS`, keyed by (seed, athlete key, season day), so
observations are deterministic and the same in the single and the batched env.

`OBS_SPEC` (name, unit, low, high, meaning) is the table; the env docstring repeats it and a
test checks the two agree. Readings are clipped to the bounds.
"""

from __future__ import annotations

import numpy as np

from envs.actions import VS_LOAD_VOL, is_recovery_week
from envs.config import (
    CF_HR_SD,
    CF_LIMITS,
    CF_PACE_SD,
    CF_READINESS_SD,
    CF_SEASON_WEEKS,
    CF_TEST_EVERY,
    CF_TEST_SD,
    LIMITS_SIZE,
    MAX_SEASON_WEEKS,
)
from sim import kernel
from sim._jit import njit
from sim.season import MIN_SEASON_WEEKS, phase_of
from sim.state import (
    A_HABITUAL_KM,
    A_LEVEL,
    A_RACE_KM,
    FATIGUE_AU,
    INJURY_DAYS_LEFT,
    M_COST_FACTOR,
    M_INJURED_DAYS,
    M_KEY_COUNT,
    M_KEY_QUALITY,
    M_NIGGLE,
    M_RUN_KM,
    M_SORENESS,
    M_STR_SESSIONS,
    M_VO2_EFF,
    M_VO2MAX,
    NM_FATIGUE,
)

OBS_SPEC: tuple[tuple[str, str, float, float, str], ...] = (
    ("week", "weeks", 0.0, MAX_SEASON_WEEKS, "season week about to be planned, 0-based"),
    ("weeks_to_race", "weeks", -1.0, MAX_SEASON_WEEKS - 1, "weeks left before the race week (0 = race week)"),
    ("season_weeks", "weeks", MIN_SEASON_WEEKS, MAX_SEASON_WEEKS, "length of the season"),
    ("phase", "code", 0.0, 4.0, "0 transition, 1 base, 2 pre_season, 3 race_season, 4 taper"),
    ("run_km_last_rel", "x habitual km", 0.0, 3.0, "km run last week / habitual km"),
    ("run_km_4wk_rel", "x habitual km", 0.0, 3.0, "mean km of the last 4 weeks / habitual km"),
    ("strength_sessions_last", "sessions", 0.0, 3.0, "strength sessions done last week"),
    ("acwr", "ratio", 0.0, 4.0, "acute:chronic load, last week's sRPE load / 4-week mean"),
    ("readiness", "0-10", 0.0, 10.0, "noisy wellness score, 10 fresh, 5 habitual fatigue"),
    ("soreness", "0-10", 0.0, 10.0, "mean daily muscle soreness last week"),
    ("niggle", "0-10", 0.0, 10.0, "highest pain reading last week (noisy, driven by tissue damage)"),
    ("injured", "flag", 0.0, 1.0, "1 if injured at the end of the week"),
    ("days_out", "days", 0.0, 7.0, "days missed through injury last week"),
    (
        "strength_test_rel",
        "x baseline 1RM",
        0.5,
        3.0,
        "last 1RM test (noisy), every strength_test_every weeks",
    ),
    (
        "easy_hr_bpm",
        "beats/min",
        60.0,
        200.0,
        "heart rate at easy pace (noisy); falls with fitness and economy",
    ),
    (
        "key_pace_rel",
        "x season-start pace",
        0.5,
        2.0,
        "pace (min/km) at effort in last week's key runs (noisy) / the athlete's at the season start; "
        "falls with fitness and economy, rises with fatigue; the last reading in weeks without key runs",
    ),
    ("level", "code", 0.0, 2.0, "0 beginner, 1 intermediate, 2 advanced"),
    ("habitual_km", "km/week", 0.0, 250.0, "the athlete's habitual weekly volume"),
    ("race_km", "km", 0.0, 50.0, "target race distance"),
    ("prev_volume_rel", "x habitual km", 0.0, 3.0, "last planned weekly volume (1.0 before the first week)"),
    (
        "volume_base_rel",
        "x habitual km",
        0.0,
        3.0,
        "volume the next volume step starts from: the last loading week's (= prev_volume_rel without recovery weeks)",
    ),
    ("recovery_week_next", "flag", 0.0, 1.0, "1 if the coach limits make the week about to be planned a recovery week"),
)
OBS_NAMES = tuple(s[0] for s in OBS_SPEC)
OBS_UNITS = tuple(s[1] for s in OBS_SPEC)
OBS_SIZE = len(OBS_SPEC)
OBS_LOW = np.array([s[2] for s in OBS_SPEC], dtype=np.float32)
OBS_HIGH = np.array([s[3] for s in OBS_SPEC], dtype=np.float32)

(
    O_WEEK,
    O_WEEKS_TO_RACE,
    O_SEASON_WEEKS,
    O_PHASE,
    O_RUN_KM_LAST_REL,
    O_RUN_KM_4WK_REL,
    O_STR_SESSIONS_LAST,
    O_ACWR,
    O_READINESS,
    O_SORENESS,
    O_NIGGLE,
    O_INJURED,
    O_DAYS_OUT,
    O_STRENGTH_TEST_REL,
    O_EASY_HR_BPM,
    O_KEY_PACE_REL,
    O_LEVEL,
    O_HABITUAL_KM,
    O_RACE_KM,
    O_PREV_VOLUME_REL,
    O_VOLUME_BASE_REL,
    O_RECOVERY_WEEK_NEXT,
) = range(OBS_SIZE)

# Observation model constants (coaching conventions, not physiology).
HR_REST_BPM = 50.0  # resting heart rate of the reference athlete
HR_EASY_START_BPM = 140.0  # easy-run heart rate at the season start
STREAM_READINESS = kernel.STREAM_OBS  # `noise` uses this stream and the next
STREAM_STRENGTH_TEST = kernel.STREAM_OBS + 2
STREAM_EASY_HR = kernel.STREAM_OBS + 4
STREAM_KEY_PACE = kernel.STREAM_OBS + 6

# --------------------------------------------------------------------------- per-athlete control row
# What the env remembers between weeks besides the body (float64, one row per athlete).
C_WEEK, C_PREV_VOL, C_BASE, C_T0, C_TPREV, C_FATIGUE_REF, C_VO2MAX0, C_COST0 = 0, 1, 2, 3, 4, 5, 6, 7
C_STR_TEST, C_KM_HIST, C_LOAD_HIST = 8, 9, 13  # histories: 4 weeks each, newest first
C_RACE_T, C_REWARD, C_TERM, C_TRUNC, C_ERR = 17, 18, 19, 20, 21
C_VOL_STATE = 22  # the rules' volume state, envs.actions VS_* (VOL_STATE_SIZE = 3 slots)
C_VO2EFF0 = 25  # the pace reference: race-morning effective VO2 of the last morning before the season
C_KEY_PACE = 26  # the last key-run pace reading (carried through weeks without key runs)
CTRL_SIZE = 27
HIST = 4


def observation_space():
    from gymnasium import spaces

    return spaces.Box(OBS_LOW.copy(), OBS_HIGH.copy(), dtype=np.float32)


@njit(cache=True)
def _clip(x, lo, hi):
    return min(max(x, lo), hi)


@njit(cache=True)
def noise(dh, stream):
    """Zero-mean, unit-variance triangular noise from two uniforms of one athlete-day.

    Box-Muller's log, sqrt and cos would cost more than a day of physiology; a reading's
    noise only needs the right spread (the kernel's pain reading uses the same shape).
    """
    return 2.449489742783178 * (kernel.uniform_at(dh, stream) + kernel.uniform_at(dh, stream + 1) - 1.0)


@njit(cache=True, inline='always')
def push_history(ctrl, km_rel, load):
    """Shift the 4-week histories by one week and store the newest at the front."""
    for k in range(HIST - 1, 0, -1):
        ctrl[C_KM_HIST + k] = ctrl[C_KM_HIST + k - 1]
        ctrl[C_LOAD_HIST + k] = ctrl[C_LOAD_HIST + k - 1]
    ctrl[C_KM_HIST] = km_rel
    ctrl[C_LOAD_HIST] = load


@njit(cache=True, inline='always')
def observe(st, ath, gp, ctrl, met, cfg, obs):
    """Write the observation (OBS_SIZE float32) at the end of week ctrl[C_WEEK] - 1.

    met: that week's metrics; ctrl: histories already pushed, C_WEEK already advanced.
    Noise is keyed on the week's last day (season day 7 * C_WEEK - 1).
    """
    week = ctrl[C_WEEK]
    n_weeks = cfg[CF_SEASON_WEEKS]
    dh = kernel.day_hash(int(ctrl[C_BASE]), int(7.0 * week) - 1)
    hab = ath[A_HABITUAL_KM]
    obs[O_WEEK] = week
    obs[O_WEEKS_TO_RACE] = n_weeks - 1.0 - week
    obs[O_SEASON_WEEKS] = n_weeks
    obs[O_PHASE] = phase_of(int(week), int(n_weeks))
    obs[O_RUN_KM_LAST_REL] = _clip(met[M_RUN_KM] / hab, 0.0, 3.0)
    km = 0.0
    load = 0.0
    for k in range(HIST):
        km += ctrl[C_KM_HIST + k]
        load += ctrl[C_LOAD_HIST + k]
    obs[O_RUN_KM_4WK_REL] = _clip(km / HIST, 0.0, 3.0)
    obs[O_STR_SESSIONS_LAST] = met[M_STR_SESSIONS]
    obs[O_ACWR] = _clip(ctrl[C_LOAD_HIST] / (load / HIST), 0.0, 4.0) if load > 0.0 else 0.0
    fresh = 10.0 * ctrl[C_FATIGUE_REF] / (ctrl[C_FATIGUE_REF] + st[FATIGUE_AU]) * (1.0 - 0.5 * st[NM_FATIGUE])
    obs[O_READINESS] = _clip(fresh + cfg[CF_READINESS_SD] * noise(dh, STREAM_READINESS), 0.0, 10.0)
    obs[O_SORENESS] = _clip(met[M_SORENESS], 0.0, 10.0)
    obs[O_NIGGLE] = _clip(met[M_NIGGLE], 0.0, 10.0)
    injured = st[INJURY_DAYS_LEFT] > 0.0
    obs[O_INJURED] = 1.0 if injured else 0.0
    obs[O_DAYS_OUT] = met[M_INJURED_DAYS]
    # A 1RM test every few weeks, not while injured: the coach sees the last result.
    if int(week) % int(cfg[CF_TEST_EVERY]) == 0 and not injured:
        z = noise(dh, STREAM_STRENGTH_TEST)
        ctrl[C_STR_TEST] = kernel.strength_rel(st) * (1.0 + cfg[CF_TEST_SD] * z)
    obs[O_STRENGTH_TEST_REL] = _clip(ctrl[C_STR_TEST], 0.5, 3.0)
    # Heart rate above rest scales with the fraction of VO2max an easy pace costs: O2 cost at
    # that pace (the race-morning cost factor of the week's last day) over the week-end VO2max,
    # relative to the last morning before the season.
    frac = (met[M_COST_FACTOR] / ctrl[C_COST0]) * (ctrl[C_VO2MAX0] / met[M_VO2MAX])
    hr = HR_REST_BPM + (HR_EASY_START_BPM - HR_REST_BPM) * frac
    obs[O_EASY_HR_BPM] = _clip(hr + cfg[CF_HR_SD] * noise(dh, STREAM_EASY_HR), 60.0, 200.0)
    # Pace at a fixed effort (a fixed share of the race-ready VO2) scales with the O2 cost per metre
    # over that VO2 (cost linear in speed, Daniels & Gilbert 1979), slowed further by the key runs'
    # quality (lifting's neuromuscular fatigue and soreness, Doma & Deakin 2013); relative to the
    # last morning before the season. A week without key runs (or injured) shows the last reading.
    if met[M_KEY_COUNT] > 0.0:
        pace = (met[M_COST_FACTOR] / ctrl[C_COST0]) * (ctrl[C_VO2EFF0] / met[M_VO2_EFF]) / met[M_KEY_QUALITY]
        ctrl[C_KEY_PACE] = pace * (1.0 + cfg[CF_PACE_SD] * noise(dh, STREAM_KEY_PACE))
    obs[O_KEY_PACE_REL] = _clip(ctrl[C_KEY_PACE], 0.5, 2.0)
    obs[O_LEVEL] = ath[A_LEVEL]
    obs[O_HABITUAL_KM] = _clip(hab, 0.0, 250.0)
    obs[O_RACE_KM] = _clip(ath[A_RACE_KM], 0.0, 50.0)
    obs[O_PREV_VOLUME_REL] = _clip(ctrl[C_PREV_VOL], 0.0, 3.0)
    limits = cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE]
    obs[O_VOLUME_BASE_REL] = _clip(ctrl[C_VOL_STATE + VS_LOAD_VOL], 0.0, 3.0)
    nxt = int(week)
    obs[O_RECOVERY_WEEK_NEXT] = 1.0 if nxt < n_weeks and is_recovery_week(nxt, int(n_weeks), limits) else 0.0


def observation_frame(obs: np.ndarray):
    """Observations (n, OBS_SIZE) as a pandas DataFrame with OBS_NAMES columns."""
    import pandas as pd

    return pd.DataFrame(np.atleast_2d(obs), columns=list(OBS_NAMES))


__all__ = [
    "OBS_SPEC",
    "OBS_NAMES",
    "OBS_SIZE",
    "OBS_LOW",
    "OBS_HIGH",
    "observe",
    "observation_space",
    "observation_frame",
]
