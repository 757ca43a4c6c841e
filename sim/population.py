"""Athlete profiles and the seeded population sampler.

Level means follow the source article's audiences (beginner 1-2 lifts/week, 20-40 km/week;
intermediate; advanced) and the epidemiology cohorts used for calibration (Nielsen et al.
2014; Videbaek et al. 2015). Individual variability (calibration row HETERO):

- aerobic trainability (`A_AEROBIC_RESPONSE`, the multiplier on the fitness effect on VO2max):
  mean 1, coefficient of variation `AEROBIC_RESPONSE_CV` = 0.53, the SD/mean of the VO2max gain
  of 481 sedentary adults after one standardised 20-week programme (HERITAGE: 384 +- 202 ml/min,
  range -114 to +1097; Bouchard et al. 1999, J Appl Physiol 87:1003; heritability about 47%,
  Bouchard & Rankinen 2001, Med Sci Sports Exerc 33:S446). Its shape is gamma-like (the
  Wilson-Hilferty cube of a normal draw, `gamma_like`), not log-normal: HERITAGE's responses
  reach from about none to three times the mean (-1.9 to +3.5 SD), a left tail of low responders
  that a log-normal of the same spread lacks (it puts 0.6% below a quarter of the mean, gamma
  2.6%, a normal 8%). Mean 1, so the spread does not move the population's mean response.
- strength response: log-normal, sd of log `STRENGTH_RESPONSE_SD_LN` (Hubal et al. 2005, Med Sci
  Sports Exerc 37:964: 1RM gain CV ~ 40%);
- tissue adaptation (`TISSUE_RESPONSE_SD_LN`) and per-step tissue stress (`TISSUE_STRESS_SD_LN`),
  which the steep damage law turns into large differences in injury susceptibility (calibrated
  on INJ-base and INJ-spike: the hazard ratio is heavy-tailed across athletes);
- recovery is not an individual trait: the fatigue time constant is one population parameter
  (`sim.parameters`, `tau_fatigue_d`, spanned by `--model-draws`); an individual recovery rate
  would need a new athlete field read by the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.errors import InputError
from sim.state import (
    A_AEROBIC_RESPONSE,
    A_EASY_PACE_MIN_PER_KM,
    A_HABITUAL_KM,
    A_LEVEL,
    A_PRIOR_INJURIES,
    A_RACE_KM,
    A_SKIP_PROB,
    A_STRENGTH_1RM_BW,
    A_STRENGTH_RESPONSE,
    A_TISSUE_RESPONSE,
    A_TISSUE_STRESS,
    A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED,
    ATHLETE_SIZE,
    LEVELS,
    RACE_KM,
)


@dataclass(frozen=True)
class LevelProfile:
    """Population means and spreads for one level."""

    training_age_y: tuple[float, float]  # uniform range, years
    habitual_km: tuple[float, float, float, float]  # mean, sd, min, max (km/week)
    easy_pace_min_per_km: tuple[float, float]  # mean, sd
    vo2max_untrained: tuple[float, float]  # mean, sd (ml/kg/min)
    strength_1rm_bw: tuple[float, float]  # mean, sd (x body weight, half squat)
    prior_injuries_mean: float  # Poisson mean, injuries in the past 2 years
    tissue_stress: float  # per-step stress relative to capacity of a runner past the novice years (the novice
    # excess is the kernel's, fading with cumulative km: `novice_stress_excess`, `novice_fade_km`)


PROFILES: dict[str, LevelProfile] = {
    "beginner": LevelProfile((0.2, 1.0), (20.0, 5.0, 8.0, 35.0), (6.6, 0.5), (36.0, 4.0), (0.9, 0.15), 0.3, 0.97),
    "intermediate": LevelProfile((1.5, 5.0), (40.0, 8.0, 20.0, 65.0), (5.6, 0.4), (41.0, 4.0), (1.1, 0.2), 0.5, 0.97),
    "advanced": LevelProfile((4.0, 12.0), (65.0, 12.0, 40.0, 110.0), (4.8, 0.3), (46.0, 4.0), (1.25, 0.2), 0.6, 0.97),
}

AEROBIC_RESPONSE_CV = 0.53
#: the population mean of the aerobic response: that of the log-normal (sd of log 0.25, median 1) it replaced,
#: against which `k_fitness_per_au` was calibrated (VO2-detrain, DURABLE), so widening the spread moves no mean
AEROBIC_RESPONSE_MEAN = math.exp(0.5 * 0.25**2)
STRENGTH_RESPONSE_SD_LN = 0.35
TISSUE_RESPONSE_SD_LN = 0.30
TISSUE_STRESS_SD_LN = 0.025

_LEVEL_SALT = {"beginner": 11, "intermediate": 23, "advanced": 37}


def _wilson_hilferty(cv: float) -> tuple[float, float]:
    """(a, b) with (a + b z)^3 ~ Gamma(shape 1/cv^2) / shape for z ~ N(0, 1) (Wilson & Hilferty 1931)."""
    ninth = cv * cv / 9.0
    return 1.0 - ninth, math.sqrt(ninth)


def gamma_like(z: np.ndarray, cv: float) -> np.ndarray:
    """Multipliers of mean 1 and coefficient of variation `cv`, gamma-shaped, from standard normal
    draws `z` (the Wilson-Hilferty cube; monotone in z, so an athlete's rank is the draw's)."""
    a, b = _wilson_hilferty(cv)
    return np.maximum(a + b * z, 0.0) ** 3


def _log_moments(cv: float) -> tuple[float, float]:
    """Mean and sd of log(gamma_like(z, cv)), z ~ N(0, 1), by Gauss-Hermite quadrature."""
    z, w = np.polynomial.hermite_e.hermegauss(60)
    w = w / w.sum()
    logs = np.log(np.maximum(gamma_like(z, cv), 1e-12))
    mean = float(w @ logs)
    return mean, math.sqrt(float(w @ (logs - mean) ** 2))


#: mean and sd of log(aerobic response): the athlete fitter's prior on its log scale
_LOG_MEAN_ONE, AEROBIC_RESPONSE_SD_LN = _log_moments(AEROBIC_RESPONSE_CV)
AEROBIC_RESPONSE_LOG_MEAN = _LOG_MEAN_ONE + math.log(AEROBIC_RESPONSE_MEAN)


def level_code(level: str) -> int:
    if level not in LEVELS:
        raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
    return LEVELS.index(level)


def race_km(distance: str) -> float:
    if distance not in RACE_KM:
        raise InputError(f"race_distance: {distance!r} is not a race distance; allowed: {', '.join(RACE_KM)}")
    return RACE_KM[distance]


def sample_athletes(
    level: str,
    n: int,
    seed: int,
    race_distance: str = "10k",
    habitual_km: float | None = None,
    strength_1rm_bw: float | None = None,
) -> np.ndarray:
    """Draw `n` athletes of one level: an (n, ATHLETE_SIZE) array.

    The same (level, n, seed) always gives the same athletes, so policies evaluated with the
    same arguments meet the same people. `habitual_km` and `strength_1rm_bw` override the
    level means (the spreads stay), for scenarios that describe a study's cohort.
    """
    code = level_code(level)
    if n < 1:
        raise InputError(f"athletes: {n} is not allowed; need at least 1")
    prof = PROFILES[level]
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, _LEVEL_SALT[level]])
    out = np.empty((n, ATHLETE_SIZE))
    out[:, A_LEVEL] = code
    out[:, A_TRAINING_AGE_Y] = rng.uniform(*prof.training_age_y, size=n)
    km_mean, km_sd, km_lo, km_hi = prof.habitual_km
    if habitual_km is not None:
        km_lo, km_hi, km_mean = km_lo * habitual_km / km_mean, km_hi * habitual_km / km_mean, habitual_km
    out[:, A_HABITUAL_KM] = np.clip(rng.normal(km_mean, km_sd, size=n), km_lo, km_hi)
    out[:, A_EASY_PACE_MIN_PER_KM] = np.clip(rng.normal(*prof.easy_pace_min_per_km, size=n), 3.8, 8.5)
    out[:, A_VO2MAX_UNTRAINED] = np.clip(rng.normal(*prof.vo2max_untrained, size=n), 28.0, 62.0)
    s_mean, s_sd = prof.strength_1rm_bw
    if strength_1rm_bw is not None:
        s_mean = strength_1rm_bw
    out[:, A_STRENGTH_1RM_BW] = np.clip(rng.normal(s_mean, s_sd, size=n), 0.5, 1.9)
    out[:, A_PRIOR_INJURIES] = rng.poisson(prof.prior_injuries_mean, size=n)
    out[:, A_AEROBIC_RESPONSE] = AEROBIC_RESPONSE_MEAN * gamma_like(rng.standard_normal(size=n), AEROBIC_RESPONSE_CV)
    out[:, A_STRENGTH_RESPONSE] = rng.lognormal(0.0, STRENGTH_RESPONSE_SD_LN, size=n)
    out[:, A_TISSUE_RESPONSE] = rng.lognormal(0.0, TISSUE_RESPONSE_SD_LN, size=n)
    out[:, A_TISSUE_STRESS] = prof.tissue_stress * rng.lognormal(0.0, TISSUE_STRESS_SD_LN, size=n)
    out[:, A_RACE_KM] = race_km(race_distance)
    out[:, A_SKIP_PROB] = 0.0
    return out


def sample_mixed(levels: dict[str, float] | list[str], n: int, seed: int, race_distance: str = "10k") -> np.ndarray:
    """A population mixing levels in given proportions (list = equal shares), shuffled by `seed`."""
    if isinstance(levels, list):
        levels = {lv: 1.0 for lv in levels}
    total = sum(levels.values())
    counts = {lv: int(round(n * w / total)) for lv, w in levels.items()}
    diff = n - sum(counts.values())
    first = next(iter(counts))
    counts[first] += diff
    parts = [sample_athletes(lv, c, seed, race_distance) for lv, c in counts.items() if c > 0]
    out = np.concatenate(parts)
    np.random.default_rng([int(seed) & 0xFFFFFFFF, 99]).shuffle(out)
    return out
