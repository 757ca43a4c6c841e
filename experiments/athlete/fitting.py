"""Fit one runner's profile and response parameters to their log, with uncertainty.

Method (docs/model.md, "Fitting an athlete to a log"): the log is replayed day by day through
the simulator (`sim.athlete.replay`); four parameters are fitted by bounded nonlinear least
squares (`scipy.optimize.least_squares`, trust-region reflective) on whitened residuals:

- each race: (ln T_sim - ln T_obs) / RACE_SD_LN (race-to-race variability, Hopkins & Hewson 2001)
- each half-squat 1RM test: (ln 1RM_sim - ln 1RM_obs) / TEST_SD_LN
- one row per parameter for the population prior (sim.population: the level's mean and spread)

so the optimum is the posterior mode, and (J^T J)^-1 at the optimum is the Laplace
approximation of the posterior covariance (on the fitting scale: log for the multipliers).
The model is curved (VO2max and the aerobic multiplier trade off), so the Laplace posterior is
corrected by importance sampling on the simulator (`importance_samples`); 90% intervals are the
weighted 5th-95th percentiles. A parameter whose posterior sd is still more than
`NOT_INFORMED_RATIO` of its prior sd is reported as not informed by the log: the interval is
then essentially the population's (Hellard et al. 2006 show how wide such fits are).

Profile fields that are measured rather than fitted: habitual km (mean weekly km of the last
12 weeks of the log, breaks left out: `habitual_weekly_km`), easy pace (median pace of the
recent non-race runs), level (from habitual km). Training age and prior injuries come from
the user or the level's typical value.
Tissue response and stress are not identifiable from one runner's log (injuries are rare
events): population values, flagged as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from experiments.athlete.results import vdot
from sim.athlete import replay
from sim.errors import InputError
from sim.parameters import LIFT_MINUTES_PER_SET, PARAMETERS
from sim.population import (
    AEROBIC_RESPONSE_LOG_MEAN,
    AEROBIC_RESPONSE_SD_LN,
    PROFILES,
    STRENGTH_RESPONSE_SD_LN,
    TISSUE_RESPONSE_SD_LN,
    TISSUE_STRESS_SD_LN,
)
from sim.state import (
    A_AEROBIC_RESPONSE,
    A_EASY_PACE_MIN_PER_KM,
    A_HABITUAL_KM,
    A_LEVEL,
    A_PRIOR_INJURIES,
    A_RACE_KM,
    A_STRENGTH_1RM_BW,
    A_STRENGTH_RESPONSE,
    A_TISSUE_RESPONSE,
    A_TISSUE_STRESS,
    A_TRAINING_AGE_Y,
    A_VO2MAX_UNTRAINED,
    ATHLETE_SIZE,
    D_RUN_KIND,
    D_RUN_KM,
    D_STR_AFTER_RUN,
    D_STR_EFFORT,
    D_STR_EMPHASIS,
    D_STR_SETS,
    DAY_SIZE,
    EFFORT_MODERATE,
    EMPH_HEAVY,
    EMPH_MAINTENANCE,
    EMPH_POWER,
    EMPH_TONING,
    LEVELS,
    RUN_EASY,
    RUN_INTERVALS,
    RUN_LONG,
    RUN_RACE,
    RUN_TEMPO,
)

RACE_SD_LN = 0.02  # race-to-race CV of a runner's performance, 1-3% (Hopkins & Hewson 2001, MSSE 33:1588)
TEST_SD_LN = 0.04  # 1RM test-retest CV, 3-5% (Grgic et al. 2020, Sports Med Open 6:31)
Z90 = 1.6448536269514722
POOR_RACE_ERROR_PCT = 4.0  # mean |race error| above this is poor: race-to-race CV is 1-3% (Hopkins & Hewson 2001)
AT_BOUND_FRAC = 0.02
NOT_INFORMED_RATIO = 0.8  # posterior sd / prior sd above this: the log does not inform the parameter
WEAKLY_INFORMED_RATIO = 0.5

FITTED = ("vo2max_untrained", "aerobic_response", "strength_1rm_bw", "strength_response")
LOG_SCALE = (False, True, False, True)
SLOTS = (A_VO2MAX_UNTRAINED, A_AEROBIC_RESPONSE, A_STRENGTH_1RM_BW, A_STRENGTH_RESPONSE)
LOWER = np.array([25.0, math.log(0.3), 0.5, math.log(0.2)])
UPPER = np.array([75.0, math.log(3.0), 1.9, math.log(4.0)])
UNITS = {"vo2max_untrained": "ml/kg/min", "aerobic_response": "x population", "strength_1rm_bw": "x body weight",
         "strength_response": "x population"}

# Classifying a logged run by its pace relative to the runner's easy pace (the kernel's pace
# factors: tempo 0.86, intervals 0.90, long 1.04 x easy).
TEMPO_BELOW = 0.88
INTERVALS_BELOW = 0.95
LONG_ABOVE = 1.02
LONG_KM_FACTOR = 1.5  # a run this many times the median run is a long run, whatever its pace
EMPHASIS_WORDS = ((EMPH_POWER, ("plyo", "jump", "power", "explosive", "sprint")),
                  (EMPH_TONING, ("core", "toning", "circuit", "bodyweight", "pilates", "band")),
                  (EMPH_MAINTENANCE, ("maintenance", "maint", "light")),
                  (EMPH_HEAVY, ("heavy", "max", "squat", "deadlift", "strength")))


def level_for_km(habitual_km: float) -> str:
    """The level whose habitual-km range the runner's volume falls in (sim.population means 20/40/65)."""
    return "beginner" if habitual_km < 30.0 else "intermediate" if habitual_km < 52.5 else "advanced"


def emphasis_for(names: str) -> int:
    low = names.lower()
    for code, words in EMPHASIS_WORDS:
        if any(w in low for w in words):
            return code
    return EMPH_HEAVY


@dataclass
class LogDays:
    """The log as simulator days, plus what the fit measures directly."""

    start: object  # date of day 0
    days: np.ndarray  # (n_days, DAY_SIZE)
    race_day: np.ndarray  # (k,) day index
    race_km: np.ndarray
    race_time_s: np.ndarray
    race_dates: list
    test_day: np.ndarray  # (m,) day index of 1RM tests
    test_value: np.ndarray  # x body weight
    habitual_km: float
    easy_pace: float
    weekly_km: np.ndarray = field(default_factory=lambda: np.zeros(0))
    median_run_km: float = 0.0
    habitual_weeks: int = 0  # weeks averaged for habitual_km
    start_km: float = 0.0  # weekly km of the replay's first four weeks: what the warm-up before the log runs on
    break_weeks: int = 0  # break weeks left out of that window


HABITUAL_WEEKS = 12  # habitual volume: the mean of the last 12 weeks of running before the plan (issue 23)
MAX_LOOKBACK_WEEKS = 26  # breaks are skipped, looking back at most this far
MIN_LOG_DAYS = 14  # runs spanning less than two weeks cannot measure a weekly volume (one race is not a week)
START_WEEKS_DAYS = 28  # the replay's warm-up runs on the weekly km of the log's first four weeks
BREAK_SHARE = 0.1  # a week under 10% of the typical week, in a run of 2+ such weeks, is a break (injury, holiday)
FIT_WINDOW_DAYS = 730  # the fit replays at most the last two years (fitness drifts over longer spans)


def habitual_weekly_km(run_km: np.ndarray) -> tuple[float, np.ndarray, int, int]:
    """Habitual km per week from daily run km (last day = the day before the plan starts).

    Weeks end on the last day. The last `HABITUAL_WEEKS` weeks are averaged; weeks inside a
    break (2+ consecutive weeks under `BREAK_SHARE` of the median week) are left out and the
    window reaches further back instead, up to `MAX_LOOKBACK_WEEKS`, so a two-week injury does
    not halve the volume. A break that lasts to the end of the log is kept: that is what the
    runner does now. Returns (habitual km, all weekly km oldest first, weeks used, break weeks
    skipped)."""
    n_weeks = len(run_km) // 7
    weekly = run_km[len(run_km) - 7 * n_weeks:].reshape(n_weeks, 7).sum(axis=1)
    recent = weekly[-MAX_LOOKBACK_WEEKS:]
    typical = float(np.median(recent[recent > 0])) if (recent > 0).any() else 0.0
    low = recent < BREAK_SHARE * typical
    brk = np.zeros(len(recent), dtype=bool)
    i = 0
    while i < len(recent):
        j = i
        while j < len(recent) and low[j]:
            j += 1
        if j - i >= 2 and j < len(recent):  # a break that ended: skip it
            brk[i:j] = True
        i = max(j, i + 1)
    use = [w for w, b in zip(recent[::-1], brk[::-1], strict=True) if not b][:HABITUAL_WEEKS]
    return float(np.mean(use)), weekly, len(use), int(brk.sum())


def log_days(daily: pd.DataFrame, races: pd.DataFrame, tests: pd.DataFrame) -> LogDays:
    """Turn the daily table (and races, tests) into the simulator's days.

    The log is cut to its last `FIT_WINDOW_DAYS` (older races then do not count); it must hold
    `MIN_LOG_DAYS` from its first to its last run."""
    runs_at = daily.index[daily["run_km"] > 0]
    if len(runs_at) == 0:
        raise InputError("log: no runs; the model needs at least one run")
    span = int(runs_at[-1] - runs_at[0]) + 1
    if span < MIN_LOG_DAYS:
        raise InputError(f"log: runs span {span} days ({daily['date'].iloc[runs_at[0]]} to "
                         f"{daily['date'].iloc[runs_at[-1]]}); habitual volume needs runs over at least "
                         f"{MIN_LOG_DAYS} days (two weeks)")
    if len(daily) > FIT_WINDOW_DAYS:
        daily = daily.iloc[len(daily) - FIT_WINDOW_DAYS:].reset_index(drop=True)
    start = daily["date"].iloc[0]
    end = daily["date"].iloc[-1]
    races = races[(races["date"] >= start) & (races["date"] <= end)]
    tests = tests[(tests["date"] >= start) & (tests["date"] <= end)]
    race_by_day = {(r.date - start).days: r for r in races.itertuples(index=False)}
    runs = daily[(daily["run_km"] > 0) & (daily["run_min"] > 0)]
    plain = runs[~runs.index.isin([i for i in race_by_day])]
    if plain.empty:
        raise InputError("log: no runs besides races; the easy pace needs at least one training run")
    # the runner's current easy pace: the runs of the habitual window (all runs if fewer than 10)
    recent_plain = plain[plain.index >= len(daily) - 7 * HABITUAL_WEEKS]
    ref = recent_plain if len(recent_plain) >= 10 else plain
    easy_pace = float(np.median(ref["run_min"] / ref["run_km"]))
    median_km = float(np.median(ref["run_km"]))
    days = sim_days(daily, easy_pace, median_km, {d: r.km for d, r in race_by_day.items()})
    last_run = int(daily.index[daily["run_km"] > 0][-1])
    habitual, weekly, used, breaks = habitual_weekly_km(daily["run_km"].to_numpy()[: last_run + 1])
    if habitual <= 0:
        raise InputError("log: the recent weeks have no running; habitual km cannot be measured")
    first = daily["run_km"].to_numpy()[: min(START_WEEKS_DAYS, len(daily))]
    start_km = float(first.sum() * 7.0 / len(first)) if first.sum() > 0 else habitual
    rdays = np.array(sorted(race_by_day), dtype=np.int64)
    rows = [race_by_day[d] for d in rdays]
    return LogDays(
        start=start, days=days, race_day=rdays, race_km=np.array([r.km for r in rows], dtype=float),
        race_time_s=np.array([r.time_s for r in rows], dtype=float), race_dates=[r.date for r in rows],
        test_day=np.array([(d - start).days for d in tests["date"]], dtype=np.int64),
        test_value=tests["value"].to_numpy(dtype=float), habitual_km=habitual, easy_pace=easy_pace,
        weekly_km=weekly, median_run_km=median_km, habitual_weeks=used, break_weeks=breaks, start_km=start_km)


def sim_days(daily: pd.DataFrame, easy_pace: float, median_km: float, race_km_by_day: dict[int, float]) -> np.ndarray:
    """The daily table as simulator days (n, DAY_SIZE): runs classified by pace relative to
    `easy_pace` (and distance relative to `median_km`), races on their days, strength sessions
    as sets of moderate effort with the emphasis their titles name."""
    n = len(daily)
    days = np.zeros((n, DAY_SIZE))
    run_km = daily["run_km"].to_numpy()
    run_min = daily["run_min"].to_numpy()
    for i in range(n):
        if i in race_km_by_day:
            days[i, D_RUN_KIND] = RUN_RACE
            days[i, D_RUN_KM] = race_km_by_day[i]
        elif run_km[i] > 0:
            ratio = (run_min[i] / run_km[i]) / easy_pace if run_min[i] > 0 else 1.0
            if ratio < TEMPO_BELOW:
                kind = RUN_TEMPO
            elif ratio < INTERVALS_BELOW:
                kind = RUN_INTERVALS
            elif ratio > LONG_ABOVE or run_km[i] >= LONG_KM_FACTOR * median_km:
                kind = RUN_LONG
            else:
                kind = RUN_EASY
            days[i, D_RUN_KIND] = kind
            days[i, D_RUN_KM] = run_km[i]
        n_str = int(daily["strength_sessions"].iloc[i])
        if n_str > 0:
            minutes = float(daily["strength_min"].iloc[i])
            sets = minutes / PARAMETERS[LIFT_MINUTES_PER_SET].default if minutes > 0 else 3.0 * n_str
            days[i, D_STR_EMPHASIS] = emphasis_for(str(daily["strength_names"].iloc[i]))
            days[i, D_STR_EFFORT] = EFFORT_MODERATE
            days[i, D_STR_SETS] = float(np.clip(sets, 1.0, 8.0))
            days[i, D_STR_AFTER_RUN] = 1.0 if days[i, D_RUN_KIND] != 0 else 0.0
    return days


@dataclass
class Prior:
    mean: np.ndarray  # on the fitting scale
    sd: np.ndarray


def prior_for(level: str) -> Prior:
    prof = PROFILES[level]
    return Prior(np.array([prof.vo2max_untrained[0], AEROBIC_RESPONSE_LOG_MEAN, prof.strength_1rm_bw[0], 0.0]),
                 np.array([prof.vo2max_untrained[1], AEROBIC_RESPONSE_SD_LN, prof.strength_1rm_bw[1],
                           STRENGTH_RESPONSE_SD_LN]))


def base_profile(level: str, habitual_km: float, easy_pace: float, training_age_y: float | None,
                 prior_injuries: float | None, race_km: float) -> np.ndarray:
    """The athlete vector with the measured and assumed fields set; fitted slots at the prior means."""
    prof = PROFILES[level]
    a = np.zeros(ATHLETE_SIZE)
    a[A_LEVEL] = LEVELS.index(level)
    a[A_TRAINING_AGE_Y] = float(np.mean(prof.training_age_y)) if training_age_y is None else training_age_y
    a[A_HABITUAL_KM] = habitual_km
    a[A_EASY_PACE_MIN_PER_KM] = easy_pace
    a[A_PRIOR_INJURIES] = round(prof.prior_injuries_mean) if prior_injuries is None else prior_injuries
    a[A_TISSUE_RESPONSE] = 1.0
    a[A_TISSUE_STRESS] = prof.tissue_stress
    a[A_RACE_KM] = race_km
    pr = prior_for(level)
    return with_theta(a[None], pr.mean[None])[0]


def with_theta(base: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Profiles (n, ATHLETE_SIZE) with the fitted slots set from theta (n, 4) on the fitting scale."""
    out = np.repeat(np.atleast_2d(base), theta.shape[0], axis=0) if base.ndim == 1 or base.shape[0] == 1 else \
        base.copy()
    for j, (slot, log) in enumerate(zip(SLOTS, LOG_SCALE, strict=True)):
        out[:, slot] = np.exp(theta[:, j]) if log else theta[:, j]
    return out


@dataclass
class FitResult:
    theta: np.ndarray  # posterior mode, fitting scale
    cov: np.ndarray  # Laplace covariance, fitting scale
    prior: Prior
    profile: np.ndarray  # the athlete vector at the mode
    log: LogDays
    predicted_race_s: np.ndarray
    predicted_test: np.ndarray
    cost: float
    evaluations: int
    samples: np.ndarray  # (n, 4) importance samples, fitting scale
    tissue: np.ndarray  # (n, 2) their tissue response and stress (population draws, not fitted)
    weights: np.ndarray  # (n,) normalized posterior / proposal weights
    ess: float  # effective sample size of the weights

    @property
    def sd(self) -> np.ndarray:
        """Posterior sd on the fitting scale (importance-weighted)."""
        m = self.weights @ self.samples
        return np.sqrt(self.weights @ (self.samples - m) ** 2)

    def ratio(self) -> np.ndarray:
        return self.sd / self.prior.sd

    def informed(self) -> list[str]:
        return ["not informed" if r > NOT_INFORMED_RATIO else "weakly informed" if r > WEAKLY_INFORMED_RATIO
                else "informed" for r in self.ratio()]

    def interval90(self, j: int) -> tuple[float, float]:
        """Equal-tailed 90% posterior interval, natural scale."""
        order = np.argsort(self.samples[:, j])
        cdf = np.cumsum(self.weights[order])
        x = self.samples[order, j]
        lo, hi = x[np.searchsorted(cdf, 0.05)], x[min(np.searchsorted(cdf, 0.95), len(x) - 1)]
        return (math.exp(lo), math.exp(hi)) if LOG_SCALE[j] else (float(lo), float(hi))

    def at_bound(self, j: int) -> str | None:
        """'lower'/'upper' when the estimate sits within 2% of the search range of a bound: the
        data pull past what the model allows, so the interval is cut by the bound, not the data."""
        tol = AT_BOUND_FRAC * (UPPER[j] - LOWER[j])
        return "lower" if self.theta[j] - LOWER[j] < tol else "upper" if UPPER[j] - self.theta[j] < tol else None

    def race_errors_pct(self) -> np.ndarray:
        """The model's error on each of the runner's races, % of the observed time (+ = too slow)."""
        return 100.0 * (self.predicted_race_s - self.log.race_time_s) / self.log.race_time_s

    def quality(self) -> dict:
        """Fit quality: the race error, the parameters at a bound, and warnings when the fit is poor."""
        err = self.race_errors_pct()
        mae = float(np.mean(np.abs(err))) if len(err) else None
        warnings = []
        bounds = {FITTED[j]: b for j in range(len(FITTED)) if (b := self.at_bound(j))}
        for name, b in bounds.items():
            warnings.append(f"{name} sits at its {b} bound: the log asks for a value the model does not allow, "
                            "so its interval is the bound's, not the data's")
        if mae is not None and mae > POOR_RACE_ERROR_PCT:
            warnings.append(f"the model misses your races by {mae:.1f}% on average (race-to-race variability is "
                            f"1-3%): the fitted profile does not explain your races; check the race results "
                            "(distance, time, a race that was a training run) before trusting plans built on it")
        if not len(err):
            warnings.append("no races in the log or --races: VO2max and the aerobic response are the population's, "
                            "not yours")
        if self.ess < 50:
            warnings.append(f"the posterior rests on few effective samples ({self.ess:.0f}): intervals are rough")
        status = "poor" if (bounds or (mae is not None and mae > POOR_RACE_ERROR_PCT)) else \
            "uninformed" if not len(err) else "good"
        return {"status": status, "race_error_pct": [float(round(e, 2)) for e in err],
                "race_error_pct_mean_abs": None if mae is None else float(round(mae, 2)),
                "at_bound": bounds, "effective_samples": float(round(self.ess, 1)), "warnings": warnings}

    def estimate(self, j: int) -> float:
        return math.exp(self.theta[j]) if LOG_SCALE[j] else float(self.theta[j])

    def draws(self, n: int, seed: int = 0) -> np.ndarray:
        """(n, ATHLETE_SIZE) profiles resampled from the weighted posterior samples."""
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(self.weights), size=n, p=self.weights)
        out = with_theta(self.profile[None], self.samples[pick])
        out[:, A_TISSUE_RESPONSE], out[:, A_TISSUE_STRESS] = self.tissue[pick, 0], self.tissue[pick, 1]
        return out


N_IMPORTANCE = 2000
PROPOSAL_INFLATION = 1.5  # proposal sd / Laplace sd: heavier than the target where it is curved


def importance_samples(theta: np.ndarray, cov: np.ndarray, residuals_many, level: str, seed: int = 0):
    """Correct the Laplace approximation by importance sampling on the simulator.

    Proposal N(mode, (1.5^2) cov) truncated to the bounds; weight = posterior / proposal, the
    posterior being exp(-|r|^2 / 2) of the whitened residuals (likelihood x prior). Each draw
    also gets tissue parameters drawn from the level's population: they are not fitted, but
    they shape the warm-up (pain-rule back-offs), so the weighted draws marginalize over them.
    Returns (samples, tissue (n, 2): response and stress, normalized weights, effective sample size).
    """
    rng = np.random.default_rng(seed)
    c = PROPOSAL_INFLATION**2 * cov + 1e-12 * np.eye(len(theta))
    x = rng.multivariate_normal(theta, c, size=N_IMPORTANCE, method="svd")
    x = x[np.all((x >= LOWER) & (x <= UPPER), axis=1)]
    x = np.vstack([theta, x])
    tissue = np.column_stack([rng.lognormal(0.0, TISSUE_RESPONSE_SD_LN, size=len(x)),
                              PROFILES[level].tissue_stress * rng.lognormal(0.0, TISSUE_STRESS_SD_LN, size=len(x))])
    r = residuals_many(x, tissue)
    log_post = -0.5 * np.sum(r * r, axis=1)
    d = x - theta
    log_q = -0.5 * np.einsum("ij,jk,ik->i", d, np.linalg.pinv(c), d)
    lw = log_post - log_q
    w = np.exp(lw - lw.max())
    w /= w.sum()
    return x, tissue, w, float(1.0 / np.sum(w * w))


def fit_log(log: LogDays, level: str, training_age_y: float | None = None, prior_injuries: float | None = None,
            race_km: float = 10.0, gp: np.ndarray | None = None) -> FitResult:
    """Posterior mode and Laplace covariance of the four fitted parameters (module docstring)."""
    from scipy.optimize import least_squares

    from sim.parameters import default_parameters

    gp = default_parameters() if gp is None else gp
    prior = prior_for(level)
    # the replay warms up on what the runner ran when the log starts (log.start_km); the athlete
    # file then carries the recent habitual km (profile.athlete_document), what plans build on
    base = base_profile(level, log.start_km or log.habitual_km, log.easy_pace, training_age_y, prior_injuries,
                        race_km)
    obs_race = np.log(log.race_time_s / 60.0)
    obs_test = np.log(log.test_value)
    step = np.array([0.05, 0.01, 0.005, 0.01])
    evaluations = 0

    def residuals_many(thetas: np.ndarray, tissue: np.ndarray | None = None) -> np.ndarray:
        nonlocal evaluations
        evaluations += thetas.shape[0]
        profiles = with_theta(base[None], thetas)
        if tissue is not None:
            profiles[:, A_TISSUE_RESPONSE], profiles[:, A_TISSUE_STRESS] = tissue[:, 0], tissue[:, 1]
        race_min, strength, _ = replay(profiles, gp, log.days, log.race_day, log.race_km)
        r_race = (np.log(race_min) - obs_race) / RACE_SD_LN
        s_bw = strength[:, log.test_day] * thetas[:, 2:3]
        r_test = (np.log(s_bw) - obs_test) / TEST_SD_LN
        r_prior = (thetas - prior.mean) / prior.sd
        return np.concatenate([r_race, r_test, r_prior], axis=1)

    cache: dict[bytes, np.ndarray] = {}

    def both(theta: np.ndarray):
        key = theta.tobytes()
        if key not in cache:
            pts = np.vstack([theta, theta + np.diag(step)])
            # stay inside the bounds: step backwards at an upper bound
            over = pts[1:] > UPPER
            pts[1:][over] = (theta - np.diag(step))[over]
            res = residuals_many(pts)
            h = np.diag(pts[1:] - theta)
            jac = ((res[1:] - res[0]) / h[:, None]).T
            cache.clear()
            cache[key] = (res[0], jac)
        return cache[key]

    x0 = np.clip(prior.mean, LOWER + 1e-6, UPPER - 1e-6)
    if len(log.race_day):
        # start the VO2max at what the first race implies, discounted by the fitness the log built
        x0[0] = np.clip(vdot(log.race_km[0], log.race_time_s[0]) / 1.1, LOWER[0] + 1, UPPER[0] - 1)
    sol = least_squares(lambda t: both(t)[0], x0, jac=lambda t: both(t)[1], bounds=(LOWER, UPPER), method="trf",
                        x_scale=prior.sd, max_nfev=200)
    res, jac = both(sol.x)
    cov = np.linalg.pinv(jac.T @ jac)
    samples, tissue, weights, ess = importance_samples(sol.x, cov, residuals_many, level)
    race_min, strength, _ = replay(with_theta(base[None], sol.x[None]), gp, log.days, log.race_day, log.race_km)
    profile = with_theta(base[None], sol.x[None])[0]
    return FitResult(sol.x, cov, prior, profile, log, 60.0 * race_min[0],
                     strength[0, log.test_day] * profile[A_STRENGTH_1RM_BW], float(0.5 * res @ res), evaluations,
                     samples, tissue, weights, ess)
