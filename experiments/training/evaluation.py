"""Held-out evaluation of the live policy against the baselines: the held-out cohort, every policy's
season on it (paired), the headline numbers, robustness and credibility."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from agents.baselines import BASELINES
from agents.evaluation import athlete_rows, run_policy, summarize
from experiments import tracking
from experiments.config import TEMPLATE_NAMES, ExperimentConfig
from experiments.policy import harness_env_kwargs
from experiments.report.credibility import check_plans
from experiments.report.robustness import model_draws, robustness
from sim import state
from sim.population import sample_mixed
from sim.whatif import make_cohort


def eval_cohort(cfg: ExperimentConfig, athletes: int):
    """The held-out athletes (population seed eval.seed), warmed up."""
    if cfg.env.levels is None:
        return make_cohort(cfg.env.level, athletes, cfg.eval.seed, cfg.env.race_distance)
    profiles = sample_mixed(cfg.env.level_weights(), athletes, cfg.eval.seed, cfg.env.race_distance)
    return make_cohort("mixed", athletes, cfg.eval.seed, cfg.env.race_distance, profiles=profiles)


@dataclass
class Evaluation:
    """Every policy's season on one held-out cohort (paired: same athletes, same draws)."""

    seasons: dict[str, Any]  # name -> agents.evaluation.Season
    n_boot: int = 1000
    _rows: dict[str, pd.DataFrame] = field(default_factory=dict)

    def rows(self, name: str) -> pd.DataFrame:
        """Per-athlete outcomes of one policy (`agents.evaluation.athlete_rows`)."""
        if name not in self._rows:
            self._rows[name] = athlete_rows(name, self.seasons[name])
        return self._rows[name]

    def mean(self, name: str, col: str) -> float:
        return float(self.rows(name)[col].mean())

    @property
    def per_athlete(self) -> pd.DataFrame:
        return pd.concat([self.rows(k) for k in self.seasons], ignore_index=True)

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        return {k: r.metrics for k, r in self.seasons.items()}

    @property
    def best_template(self) -> str:
        """The template (beginner/intermediate/advanced plan) with the fastest mean race time."""
        templates = [k for k in self.seasons if k in TEMPLATE_NAMES]
        return min(templates, key=lambda k: self.mean(k, "race_time_pct"))

    def table(self) -> pd.DataFrame:
        """The harness's summary: per policy, means with 95% bootstrap CIs and the paired
        difference to the best template (CI, share of athletes better off)."""
        return summarize(self.per_athlete, reference=self.best_template, n_boot=self.n_boot)

    def headline(self, learned: str = "learned") -> dict[str, float]:
        """Learned vs the best template: paired race-time difference with its 95% CI, injured days."""
        best = self.best_template
        t = self.table()
        a, b = t.loc[learned], t.loc[best]
        return {
            "race_time_pct": float(a["race_time_pct"]),
            "injured_days": float(a["injured_days"]),
            "best_template_race_time_pct": float(b["race_time_pct"]),
            "best_template_injured_days": float(b["injured_days"]),
            "gap_to_best_template_pct": float(a["race_time_pct_diff"]),
            "gap_ci_lo": float(a["race_time_pct_diff_lo"]),
            "gap_ci_hi": float(a["race_time_pct_diff_hi"]),
            "gap_win_share": float(a["race_time_pct_win"]),
            "injured_days_diff": float(a["injured_days_diff"]),
            "injured_days_diff_ci_lo": float(a["injured_days_diff_lo"]),
            "injured_days_diff_ci_hi": float(a["injured_days_diff_hi"]),
            "beats_best_template": float(a["race_time_pct_diff_hi"] < 0.0 and a["injured_days_diff"] <= 0.0),
        }


def mean_ci(x: np.ndarray) -> tuple[float, float]:
    """t-based 95% CI of the mean (for a handful of seeds)."""
    x = np.asarray(x, dtype=float)
    n = len(x)
    if n < 2:
        return float(x.mean()), float(x.mean())
    from scipy import stats  # lazy: scipy.stats takes 1 s to import, and only several seeds need it

    half = float(stats.t.ppf(0.975, n - 1)) * x.std(ddof=1) / math.sqrt(n)
    return float(x.mean() - half), float(x.mean() + half)


class Evaluator:
    """Held-out evaluation of the live policy against the baselines (baselines simulated once)."""

    def __init__(self, cfg: ExperimentConfig, athletes: int, n_boot: int = 1000) -> None:
        self.cfg = cfg
        self.n_boot = n_boot
        self.weeks = cfg.env.season_weeks
        self.env_kw = harness_env_kwargs(cfg)
        self.cohort = eval_cohort(cfg, athletes)
        self.baselines = Evaluation({b: run_policy(b, BASELINES[b], self.cohort, self.weeks)
                                     for b in cfg.eval.baselines}, n_boot)

    def evaluate(self, policy) -> Evaluation:
        if hasattr(policy, "reset"):
            policy.reset()
        learned = run_policy("learned", policy, self.cohort, self.weeks, **self.env_kw)
        ev = Evaluation({"learned": learned, **self.baselines.seasons}, self.n_boot)
        ev._rows.update(self.baselines._rows)
        return ev

    def robustness(self, policy, ev: Evaluation):
        """`experiments.report.robustness` of the learned policy and the baselines on this cohort:
        eval.model_draws parameter draws and eval.missed_sessions rates (`ev`: the nominal seasons)."""
        def learned(cohort):
            if hasattr(policy, "reset"):
                policy.reset()
            return run_policy("learned", policy, cohort, self.weeks, **self.env_kw)

        runs = {"learned": learned}
        runs.update({b: (lambda c, b=b: run_policy(b, BASELINES[b], c, self.weeks)) for b in self.cfg.eval.baselines})
        templates = [b for b in self.cfg.eval.baselines if b in TEMPLATE_NAMES]
        return robustness(runs, self.cohort, ev.seasons, model_draws(self.cfg.eval.model_draws),
                          tuple(self.cfg.eval.missed_sessions), templates, self.n_boot, self.cfg.eval.seed % (2**32))

    def credibility(self, ev: Evaluation):
        """`experiments.report.credibility` of the learned policy's plans on this cohort."""
        return check_plans(ev.seasons["learned"].plans, self.cohort.athletes, params=self.cohort.params)


def eval_metrics(ev: Evaluation) -> dict[str, float]:
    h = ev.headline()
    return {
        "eval/race_time_pct": h["race_time_pct"],
        "eval/injured_days": h["injured_days"],
        "eval/gap_to_best_template_pct": h["gap_to_best_template_pct"],
        "eval/gap_ci_lo": h["gap_ci_lo"],
        "eval/gap_ci_hi": h["gap_ci_hi"],
        "eval/injured_days_vs_best_template": h["injured_days_diff"],
    }


def log_population(client: Any, run_id: str, cohort, context: str) -> None:
    """The evaluation population as an MLflow dataset input (one row per athlete, `sim.state` profile fields)."""
    names = sorted((k for k in dir(state) if k.startswith("A_") and isinstance(getattr(state, k), int)),
                   key=lambda k: getattr(state, k))
    names = [k for k in names if getattr(state, k) < cohort.athletes.shape[1]]
    df = pd.DataFrame({k[2:].lower(): cohort.athletes[:, getattr(state, k)] for k in names})
    tracking.log_dataset(client, run_id, df, f"{context}-population",
                         {"mlflow.data.context": context, "athletes": str(cohort.n),
                          "population_seed": str(cohort.seed), "level": str(cohort.level)})
