"""Does a result hold when the model is wrong or the runner misses sessions? (issue 10, item 3)

Two stress tests of every policy of a comparison, both on common random numbers:

- **model uncertainty**: the same athletes (same profiles, same random-stream keys) warmed up
  and simulated under K parameter sets drawn from the plausible ranges
  (`sim.parameters.draw_parameters`): only the body differs between draws. Per policy: the
  mean and 5-95% range over draws of its mean race-time change and injured days, its paired
  race-time difference to each draw's best template, and the share of draws in which that
  difference's 95% CI lies below zero (`draws_won`; templates have none).
- **missed sessions**: the same cohort with every planned run and lift missed with probability
  p (`sim.whatif.with_missed_sessions`; the skips come from each athlete's own stream, so every
  policy meets the same skips; Jovanovic & Jukic 2019 find optimal plans fragile). Per policy
  and p: the paired change against no missed sessions of the race-time change (positive =
  slower), injured days and km run, with 95% CIs.

A learned policy is closed-loop: it is rolled out on the env built from the drawn or skipping
cohort (`envs.StrengthRunVecEnv.from_cohort` passes the cohort's parameter vector and the
athletes' skip probability to the kernel), and `agents.evaluation.run_policy` checks that the
env's race times equal the replay of its plans, so it meets exactly the draws and skips the
open-loop plans meet. CIs bootstrap athletes jointly for every policy (`bootstrap_means`).

    >>> rob = robustness(runs, cohort, nominal, draws=draw_parameters(8), rates=(0.1, 0.2),
    ...                  templates=("beginner", "intermediate", "advanced"))
    >>> rob.summary[["draws_won", "missed10_race_time_pct_diff"]]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import InputError
from sim.parameters import draw_parameters

if TYPE_CHECKING:  # pandas is imported where tables are built: the CLI reads the defaults below at start-up
    import pandas as pd

DEFAULT_MODEL_DRAWS = 8
DEFAULT_MISSED = (0.1, 0.2)
DRAW_SEED = 0  # the draws of `stridelab simulate/calibrate --model-draws` with their default seed
N_BOOT = 1000
MISSED_METRICS = ("race_time_pct", "injured_days", "run_km")

#: one policy's season on a cohort (`agents.evaluation.run_policy` with the policy's env kwargs)
Run = Callable[[object], object]


@dataclass
class Robustness:
    """Per-draw and per-rate tables and the per-policy summary (columns in `summary_columns`)."""

    draws: pd.DataFrame  # policy, draw, race_time_pct, injured_days, best_template, vs_best, vs_best_lo/hi, won
    missed: pd.DataFrame  # policy, skip_prob, each MISSED_METRICS mean and its paired diff vs 0% with CI
    summary: pd.DataFrame  # index policy
    model_draws: int
    rates: tuple[float, ...]


def missed_label(p: float) -> str:
    """Column prefix of a missed-session rate: 0.1 -> 'missed10'."""
    return f"missed{100 * p:g}"


def summary_columns(model_draws: int, rates: Sequence[float]) -> list[str]:
    """The summary columns, in display order."""
    cols: list[str] = []
    if model_draws:
        for m in ("race_time_pct", "injured_days", "vs_best"):
            cols += [f"draws_{m}_mean", f"draws_{m}_p5", f"draws_{m}_p95"]
        cols += ["draws_won"]
    for p in rates:
        lab = missed_label(p)
        for m in MISSED_METRICS:
            cols += [f"{lab}_{m}_diff", f"{lab}_{m}_diff_lo", f"{lab}_{m}_diff_hi"]
    return cols


def parse_rates(text: str) -> tuple[float, ...]:
    """'0.1,0.2' -> (0.1, 0.2); 'none' or '' -> (); InputError naming the bad value otherwise."""
    text = text.strip()
    if text.lower() in ("", "none"):
        return ()
    out = []
    for part in text.split(","):
        try:
            p = float(part)
        except ValueError:
            raise InputError(f"missed: {part.strip()!r} is not a number; need comma-separated "
                             "probabilities 0 < p < 1, e.g. 0.1,0.2 (or none)") from None
        if not 0.0 < p < 1.0:
            raise InputError(f"missed: {part.strip()} is not allowed; need 0 < p < 1, e.g. 0.1,0.2 (or none)")
        out.append(p)
    return tuple(dict.fromkeys(out))


def cohort_under(cohort, params: np.ndarray):
    """The same athletes warmed up under another parameter vector (keys and seed kept)."""
    from sim.whatif import make_cohort  # lazy: CLI start (cli/compare reads the defaults)

    c = make_cohort(cohort.level, cohort.n, cohort.seed, params=params, profiles=cohort.athletes)
    return dataclasses.replace(c, keys=cohort.keys)


def _table(name: str, season) -> pd.DataFrame:
    from agents.evaluation import athlete_rows  # lazy: CLI start (cli/compare reads the defaults)

    return athlete_rows(name, season)


def _ci(columns: list[np.ndarray], n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from agents.evaluation import bootstrap_means  # lazy: CLI start (cli/compare reads the defaults)

    boot = bootstrap_means(np.stack(columns, axis=1), n_boot, seed)
    lo, hi = np.percentile(boot, [2.5, 97.5], axis=0)
    return lo, hi


def over_model_draws(runs: Mapping[str, Run], cohort, draws: np.ndarray, templates: Sequence[str],
                     n_boot: int = N_BOOT, seed: int = 0, progress: Callable[[int, int], None] | None = None
                     ) -> pd.DataFrame:
    """One row per (policy, draw): means, the paired difference to the draw's best template and its CI."""
    import pandas as pd  # lazy: CLI start (cli/compare reads the defaults)

    present = [t for t in templates if t in runs]
    if not present:
        raise InputError(f"templates: none of {', '.join(templates)} is among the policies")
    rows = []
    for j, gp in enumerate(draws):
        c = cohort_under(cohort, gp)
        tables = {name: _table(name, run(c)) for name, run in runs.items()}
        race = {n: t["race_time_pct"].to_numpy() for n, t in tables.items()}
        best = min(present, key=lambda n: float(race[n].mean()))
        names = list(runs)
        lo, hi = _ci([race[n] - race[best] for n in names], n_boot, seed + j)
        for i, n in enumerate(names):
            d = float((race[n] - race[best]).mean())
            rows.append({
                "policy": n, "draw": j, "race_time_pct": float(race[n].mean()),
                "injured_days": float(tables[n]["injured_days"].mean()), "best_template": best,
                "vs_best": d, "vs_best_lo": float(lo[i]), "vs_best_hi": float(hi[i]),
                "won": float("nan") if n in present else float(hi[i] < 0.0),
            })
        if progress is not None:
            progress(j + 1, len(draws))
    return pd.DataFrame(rows)


def under_missed_sessions(runs: Mapping[str, Run], cohort, nominal: Mapping[str, object],
                          rates: Sequence[float], n_boot: int = N_BOOT, seed: int = 0) -> pd.DataFrame:
    """One row per (policy, rate): means under the skips and the paired change against `nominal` (0%)."""
    import pandas as pd  # lazy: CLI start (cli/compare reads the defaults)

    from sim.whatif import with_missed_sessions  # lazy: CLI start (cli/compare reads the defaults)

    base = {n: _table(n, nominal[n]) for n in runs}
    rows = []
    for k, p in enumerate(rates):
        c = with_missed_sessions(cohort, p)
        tables = {name: _table(name, run(c)) for name, run in runs.items()}
        diffs = [tables[n][m].to_numpy() - base[n][m].to_numpy() for n in runs for m in MISSED_METRICS]
        lo, hi = _ci(diffs, n_boot, seed + 7919 * (k + 1))
        for i, n in enumerate(runs):
            row: dict = {"policy": n, "skip_prob": float(p)}
            for j, m in enumerate(MISSED_METRICS):
                col = i * len(MISSED_METRICS) + j
                row[m] = float(tables[n][m].mean())
                row[f"{m}_diff"] = float(diffs[col].mean())
                row[f"{m}_diff_lo"], row[f"{m}_diff_hi"] = float(lo[col]), float(hi[col])
            rows.append(row)
    return pd.DataFrame(rows)


def summarize(draws: pd.DataFrame, missed: pd.DataFrame, names: Sequence[str], model_draws: int,
              rates: Sequence[float]) -> pd.DataFrame:
    """One row per policy (index) with `summary_columns`."""
    import pandas as pd  # lazy: CLI start (cli/compare reads the defaults)

    out = pd.DataFrame(index=pd.Index(list(names), name="policy"))
    if model_draws:
        g = draws.groupby("policy", sort=False)
        for m in ("race_time_pct", "injured_days", "vs_best"):
            out[f"draws_{m}_mean"] = g[m].mean()
            out[f"draws_{m}_p5"] = g[m].quantile(0.05)
            out[f"draws_{m}_p95"] = g[m].quantile(0.95)
        out["draws_won"] = g["won"].mean()
    for p in rates:
        lab = missed_label(p)
        sub = missed[missed["skip_prob"] == p].set_index("policy")
        for m in MISSED_METRICS:
            for suffix in ("_diff", "_diff_lo", "_diff_hi"):
                out[f"{lab}_{m}{suffix}"] = sub[f"{m}{suffix}"]
    return out[summary_columns(model_draws, rates)]


def robustness(runs: Mapping[str, Run], cohort, nominal: Mapping[str, object], draws: np.ndarray | None,
               rates: Sequence[float], templates: Sequence[str], n_boot: int = N_BOOT, seed: int = 0,
               progress: Callable[[int, int], None] | None = None) -> Robustness:
    """Both stress tests for every policy of `runs` (name -> season on a cohort); `nominal` holds the
    seasons already run on `cohort` itself (the 0% missed-sessions reference)."""
    import pandas as pd  # lazy: CLI start (cli/compare reads the defaults)

    k = 0 if draws is None else len(draws)
    d = over_model_draws(runs, cohort, draws, templates, n_boot, seed, progress) if k else pd.DataFrame()
    m = under_missed_sessions(runs, cohort, nominal, rates, n_boot, seed) if rates else pd.DataFrame()
    return Robustness(d, m, summarize(d, m, list(runs), k, rates), k, tuple(rates))


def model_draws(k: int, seed: int = DRAW_SEED) -> np.ndarray | None:
    """`k` parameter draws (None for k = 0)."""
    return draw_parameters(k, seed) if k else None


__all__ = ["Robustness", "robustness", "over_model_draws", "under_missed_sessions", "summarize", "summary_columns",
           "parse_rates", "missed_label", "cohort_under", "model_draws", "DEFAULT_MODEL_DRAWS", "DEFAULT_MISSED"]
