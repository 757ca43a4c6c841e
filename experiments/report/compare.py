"""Learned policies against every template and mistake, on a fresh held-out population.

    >>> from experiments.policy import load_run_policy
    >>> learned = {p.name: p for p in (load_run_policy(r) for r in find_runs("stridelab"))}
    >>> options = CompareOptions(athletes=1000, seed=held_out_seed(learned.values()), season_weeks=52)
    >>> cmp = compare(learned, ["intermediate"], options)
    >>> print(cmp.verdict_text())
    >>> write_reports(cmp, "compare")        # experiments.report.write

Per level, one cohort (`sim.whatif.make_cohort(level, athletes, seed)`) meets every policy
with the same random draws, so all differences are paired per athlete. Policies are run and
summarised with `agents.evaluation` (baselines as numba plan arrays, learned policies rolled
out on `StrengthRunVecEnv.from_cohort`); the reference of the paired differences is the
level's best template (lowest mean race-time change). The ranking is by mean race-time
change; a learned policy *beats* the best template when the 95% CI of its paired race-time
difference lies below zero and it does not cost injured days on average (the same test as
`experiments.train.Evaluation.headline`).

Rendering lives next door: `render` (console, Markdown, HTML), `plots` (figures), `write`
(files and the MLflow run).

The held-out seed must not be one the runs trained on: `held_out_seed` picks one that is
neither a training seed nor a run's evaluation seed, and `check_seed` refuses a training seed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from experiments.policy import POLICY_ZIP, LearnedPolicy, load_baseline
from experiments.report.credibility import RULE_SAMPLE
from experiments.report.robustness import DEFAULT_MISSED, DEFAULT_MODEL_DRAWS
from sim.errors import InputError
from sim.state import A_HABITUAL_KM, A_RACE_KM, LEVELS, M_LOAD_AU, M_RUN_KM, M_STR_SESSIONS, M_STRENGTH_REL

DEFAULT_EXPERIMENT = "stridelab"
DEFAULT_SEED = 900_001
TEMPLATES = ("beginner", "intermediate", "advanced")


def find_runs(experiment: str, tracking_uri: str | None = None) -> list[str]:
    """Finished training runs of `experiment` that saved a policy (newest first)."""
    from experiments import tracking

    uri = tracking.tracking_uri(tracking_uri)
    cl = tracking.open_store(tracking_uri, create=False)
    exp = cl.get_experiment_by_name(experiment)
    if exp is None:
        raise InputError(
            f"experiment: {experiment!r} not found in the MLflow store {uri}; train first "
            "(stridelab train configs/quickstart.yaml) or give --runs"
        )
    runs = cl.search_runs(
        [exp.experiment_id], "attributes.status = 'FINISHED'", order_by=["attributes.start_time DESC"]
    )
    out = []
    for r in runs:
        # stridelab tune's trials are search steps (compare them with --runs); its result is best_config.yaml
        if r.data.tags.get("stridelab.role") in ("parent", "compare", "trial"):
            continue
        names = {a.path for a in cl.list_artifacts(r.info.run_id, "policy")}
        if POLICY_ZIP in names:
            out.append(r.info.run_id)
    if not out:
        raise InputError(f"experiment: {experiment!r} has no finished training run with a policy in {uri}")
    return out


def held_out_seed(policies: Iterable[LearnedPolicy], start: int = DEFAULT_SEED) -> int:
    """The first seed from `start` that no run trained or evaluated on."""
    used = {
        s for p in policies for s in (*p.training_seeds, *([p.eval_seed] if p.eval_seed is not None else []))
    }
    seed = start
    while seed in used:
        seed += 1
    return seed


def check_seed(seed: int, policies: Iterable[LearnedPolicy]) -> None:
    """InputError if `seed` is a training seed of one of the runs (the population must be held out)."""
    for p in policies:
        if seed in p.training_seeds:
            raise InputError(
                f"seed: {seed} is a training seed of {p.name} (run {p.run_id}); the comparison needs a "
                f"held-out population: pick another --seed (default {held_out_seed([p])})"
            )


# --------------------------------------------------------------------------- comparing
@dataclass
class Comparison:
    """Everything one comparison produced: tables per level, weekly curves, the verdict."""

    levels: list[str]
    athletes: int
    seed: int
    season_weeks: int
    race_distance: str
    learned: list[str]
    per_athlete: pd.DataFrame  # agents.evaluation.PER_ATHLETE_COLUMNS, all levels
    summary: pd.DataFrame  # one row per (level, policy), best first within a level
    weekly: pd.DataFrame  # level, policy, week, run_km, load_au, strength_sessions, strength_pct
    best_template: dict[str, str]
    best_learned: dict[str, str]
    verdicts: dict[str, dict[str, Any]]
    robustness: dict[str, Any] = field(default_factory=dict)  # level -> report.robustness.Robustness
    credibility: dict[str, dict[str, Any]] = field(default_factory=dict)  # level -> policy -> Credibility
    model_draws: int = 0
    missed: tuple[float, ...] = ()
    plans: dict[str, str] = field(default_factory=dict)  # fixed-plan policies (--plan): name -> kind
    #: level -> policy -> (athlete profile, (weeks, PLAN_SIZE) plan) of a typical held-out athlete (median
    #: habitual km), for the learned and fixed plans and the best template: what each plan prescribes
    prescriptions: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = field(default_factory=dict)

    QUESTION = ("Does the best learned policy give held-out runners a faster race than the best of the article's "
                "templates (the 95% CI of the paired race-time difference below zero) without costing injured "
                "days on average?")

    def verdict_text(self) -> str:
        """Plain sentences: does the best learned policy beat the best template, where, by how much.

        The first sentence answers `QUESTION` per level; the numbers follow once per level.
        """
        if not self.learned:
            return "No learned policy was compared."
        beats = [lv for lv in self.levels if self.verdicts[lv]["beats"]]
        lines = []
        if beats:
            rest = [lv for lv in self.levels if lv not in beats]
            lines.append(
                f"Yes for {', '.join(beats)}: the best learned policy beats the best template."
                + (f" Not for {', '.join(rest)}." if rest else "")
            )
        else:
            lines.append(
                f"No: the best learned policy does not beat the best template for any level "
                f"({', '.join(self.levels)})."
            )
        for lv in self.levels:
            lines.append(self.verdicts[lv]["text"])
            if self.verdicts[lv].get("robust_text"):
                lines.append(self.verdicts[lv]["robust_text"])
        return "\n".join(lines)


def policy_kind(name: str, learned: Sequence[str], plans: Mapping[str, str] | None = None) -> str:
    if plans and name in plans:
        return plans[name]
    if name in learned:
        return "learned"
    if name in TEMPLATES:
        return "template"
    return "mistake" if name.startswith("mistake_") else "baseline"


def _weekly(level: str, name: str, res: Any) -> pd.DataFrame:
    m = res.metrics
    return pd.DataFrame(
        {
            "level": level,
            "policy": name,
            "week": np.arange(1, m.shape[1] + 1),
            "run_km": m[:, :, M_RUN_KM].mean(axis=0),
            "load_au": m[:, :, M_LOAD_AU].mean(axis=0),
            "strength_sessions": m[:, :, M_STR_SESSIONS].mean(axis=0),
            "strength_pct": 100.0
            * (m[:, :, M_STRENGTH_REL] / res.start_strength[:, None] - 1.0).mean(axis=0),
        }
    )


def _verdict(
    level: str, row: pd.Series, best: str, learned: str, race_km: float, base_min: float
) -> dict[str, Any]:
    diff, lo, hi = row["race_time_pct_diff"], row["race_time_pct_diff_lo"], row["race_time_pct_diff_hi"]
    inj = row["injured_days_diff"]
    beats = bool(hi < 0.0 and inj <= 0.0)
    diff_s = diff / 100.0 * base_min * 60.0
    if beats:
        word = "beats"
    elif lo > 0.0:
        word = "is slower than"
    elif hi < 0.0:
        word = "is faster than, but costs injured days against,"
    else:
        word = "does not clearly beat"
    text = (
        f"{level}: {learned} {word} the best template ({best}): race time {row['race_time_pct']:+.2f}% vs "
        f"{row['race_time_pct'] - diff:+.2f}%, paired difference {diff:+.3f} pp "
        f"[95% CI {lo:+.3f}, {hi:+.3f}] "
        f"({diff_s:+.0f} s over {race_km:g} km), "
        f"faster for {100 * row['race_time_pct_win']:.0f}% of athletes; "
        f"injured days {row['injured_days']:.2f} vs {row['injured_days'] - inj:.2f} ({inj:+.2f})."
    )
    return {
        "beats": beats,
        "best_template": best,
        "best_learned": learned,
        "diff": float(diff),
        "diff_lo": float(lo),
        "diff_hi": float(hi),
        "diff_s": float(diff_s),
        "injured_days_diff": float(inj),
        "win": float(row["race_time_pct_win"]),
        "text": text,
    }


@dataclass(frozen=True)
class CompareOptions:
    """Who the policies meet and which tests they face in `compare` (one value, not ten arguments)."""

    athletes: int  # per level: the held-out cohort (`sim.whatif.make_cohort`)
    seed: int  # the cohort's seed: held out from training (`held_out_seed`, `check_seed`)
    season_weeks: int
    race_distance: str = "10k"
    baselines: Sequence[str] | None = None  # None: every baseline (agents.baselines.BASELINES)
    n_boot: int = 1000  # bootstrap resamples of the paired differences
    model_draws: int = DEFAULT_MODEL_DRAWS  # robustness: parameter sets drawn from the plausible ranges
    missed: Sequence[float] = DEFAULT_MISSED  # robustness: missed-session rates
    rule_sample: int = RULE_SAMPLE  # credibility: athletes' plans checked against the rules per policy


def compare(
    learned: dict[str, LearnedPolicy],
    levels: Sequence[str],
    options: CompareOptions,
    plans: Mapping[str, Any] | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Comparison:
    """Evaluate learned policies and baselines per level on held-out cohorts (see the module docstring).

    Each level also gets the robustness tests (`report.robustness`: `options.model_draws` parameter
    draws, the `options.missed` session rates) and the credibility checks of every policy's plans
    (`report.credibility`, the rules on up to `options.rule_sample` athletes' plans per policy).
    `plans` are fixed season plans (`experiments.optimize.policy.PlanPolicy`, from `--plan`), each
    evaluated on its own level's cohort beside the others, under the same tests.
    `progress(done, total, what)` hears of every step (policies run, robustness, credibility) per level.
    """
    plans = dict(plans or {})
    job = _Job(learned, list(levels), options, plans, _checked_baselines(learned, levels, options, plans),
               {n: p.kind for n, p in plans.items()}, progress)
    outcomes = [_compare_level(level, i, job) for i, level in enumerate(levels)]
    return Comparison(
        list(levels), options.athletes, options.seed, options.season_weeks, options.race_distance, list(learned),
        pd.concat([o.rows for o in outcomes], ignore_index=True),
        pd.concat([o.summary for o in outcomes], ignore_index=True),
        pd.concat([w for o in outcomes for w in o.weekly], ignore_index=True),
        {o.level: o.best for o in outcomes},
        {o.level: o.best_learned for o in outcomes if o.best_learned is not None},
        {o.level: o.verdict for o in outcomes if o.verdict is not None},
        {o.level: o.robust for o in outcomes},
        {o.level: o.credibility for o in outcomes},
        options.model_draws, tuple(options.missed), job.kinds,
        {o.level: o.prescriptions for o in outcomes},
    )


@dataclass(frozen=True)
class _Job:
    """What every level of one comparison shares."""

    learned: dict[str, LearnedPolicy]
    levels: list[str]
    options: CompareOptions
    plans: dict[str, Any]
    names: list[str]  # the baselines
    kinds: dict[str, str]
    progress: Callable[[int, int, str], None] | None


@dataclass
class _LevelOutcome:
    level: str
    rows: pd.DataFrame
    summary: pd.DataFrame
    weekly: list[pd.DataFrame]
    best: str
    best_learned: str | None
    verdict: dict[str, Any] | None
    robust: Any
    credibility: dict[str, Any]
    prescriptions: dict[str, tuple[np.ndarray, np.ndarray]]


def _checked_baselines(learned: Mapping[str, LearnedPolicy], levels: Sequence[str], options: CompareOptions,
                       plans: Mapping[str, Any]) -> list[str]:
    """The baselines to run, after every check of the options, levels and plans (InputError otherwise)."""
    from agents.baselines import BASELINES

    if options.model_draws < 0:
        raise InputError(f"model_draws: {options.model_draws} is not allowed; need 0 <= K")
    for p in options.missed:
        if not 0.0 < p < 1.0:
            raise InputError(f"missed: {p} is not allowed; need 0 < p < 1")
    for level in levels:
        if level not in LEVELS:
            raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
    check_seed(options.seed, [*learned.values(), *plans.values()])
    for p in plans.values():
        if not set(p.levels) & set(levels):
            raise InputError(f"--plan {p.path}: a plan for {', '.join(p.levels)} runners; this comparison's levels are "
                             f"{', '.join(levels)} (add --level {p.levels[0]})")
        if (p.season_weeks, p.race_distance) != (options.season_weeks, options.race_distance):
            raise InputError(f"--plan {p.path}: a {p.season_weeks}-week {p.race_distance} plan; this comparison is "
                             f"{options.season_weeks} weeks, {options.race_distance}")
    names = list(options.baselines) if options.baselines is not None else list(BASELINES)
    for n in names:
        load_baseline(n)
    if not any(n in TEMPLATES for n in names):
        raise InputError(f"baselines: need at least one template ({', '.join(TEMPLATES)})")
    return names


def _compare_level(level: str, index: int, job: _Job) -> _LevelOutcome:
    """One level: every policy on the level's held-out cohort, the paired summary, robustness, credibility."""
    from agents.baselines import BASELINES
    from agents.evaluation import athlete_rows, summarize
    from experiments.report.credibility import check_plans
    from experiments.report.robustness import model_draws as draw_models
    from experiments.report.robustness import robustness
    from sim.whatif import make_cohort

    o = job.options
    weeks, seed = o.season_weeks, o.seed % (2**32)
    cohort = make_cohort(level, o.athletes, o.seed, o.race_distance)
    runs = {n: _baseline_run(n, BASELINES[n], weeks) for n in job.names}
    # rolled out on the cohort's env, replayed by the harness, which checks the replay gives
    # the race times the env reported (the pairing contract between envs and sim.whatif)
    runs.update({n: _learned_run(n, pol, weeks) for n, pol in job.learned.items()})
    runs.update({n: _baseline_run(n, pol, weeks) for n, pol in job.plans.items() if level in pol.levels})
    steps = len(runs) + 2

    def step(i: int, what: str) -> None:
        if job.progress is not None:
            job.progress(index * steps + i, steps * len(job.levels), f"{level}: {what}")

    results = {}
    for i, (n, run) in enumerate(runs.items()):
        step(i, f"simulating {n} on {o.athletes} held-out athletes")
        results[n] = run(cohort)
    rows = pd.concat([athlete_rows(n, r) for n, r in results.items()], ignore_index=True)
    means = rows.groupby("policy", sort=False)["race_time_pct"].mean()
    templates = [n for n in job.names if n in TEMPLATES]
    best = min(templates, key=lambda n: float(means[n]))
    s = summarize(rows, reference=best, n_boot=o.n_boot, seed=seed).reset_index()
    s.insert(0, "level", level)
    s.insert(2, "kind", [policy_kind(p, list(job.learned), job.kinds) for p in s["policy"]])
    s = s.sort_values("race_time_pct", kind="stable").reset_index(drop=True)
    s.insert(1, "rank", np.arange(1, len(s) + 1))
    best_l = min(job.learned, key=lambda n: float(means[n])) if job.learned else None
    verdict = None
    if best_l is not None:
        race_min = float(rows.loc[rows["policy"] == best, "race_time_min"].mean())
        verdict = _verdict(level, s.set_index("policy").loc[best_l], best, best_l, cohort.athletes[0, A_RACE_KM],
                           race_min)
    n_runs = len(runs)
    step(n_runs, f"robustness: {o.model_draws} model draws, missed sessions "
                 f"{', '.join(map(str, o.missed)) or 'none'}")
    rob = robustness(runs, cohort, results, draw_models(o.model_draws), tuple(o.missed), templates, o.n_boot, seed,
                     progress=lambda j, k: step(n_runs, f"robustness: model draw {j} of {k} done"))
    step(n_runs + 1, "credibility checks of every policy's plans")
    cred = {n: check_plans(r.plans, cohort.athletes, params=cohort.params, sample=o.rule_sample)
            for n, r in results.items()}
    s = _with_checks(s, rob.summary, cred)
    if verdict is not None and best_l is not None:
        verdict.update(_robust_verdict(level, s.set_index("policy").loc[best_l], rob, cred[best_l]))
    hab = cohort.athletes[:, A_HABITUAL_KM]
    typical = int(np.argmin(np.abs(hab - np.median(hab))))
    shown = ([best_l] if best_l is not None else []) + [n for n in job.plans if n in results] + [best]
    prescriptions = {n: (cohort.athletes[typical].copy(), _plan_of(results[n].plans, typical))
                     for n in dict.fromkeys(shown)}
    return _LevelOutcome(level, rows, s, [_weekly(level, n, r) for n, r in results.items()], best, best_l, verdict,
                         rob, cred, prescriptions)


def _plan_of(plans: np.ndarray, athlete: int) -> np.ndarray:
    """One athlete's (weeks, PLAN_SIZE) plan from a policy's plans (shared (1, weeks, ...) or per athlete)."""
    a = np.asarray(plans)
    if a.ndim == 2:
        return a.copy()
    return a[min(athlete, a.shape[0] - 1)].copy()


def _baseline_run(name: str, policy: Any, season_weeks: int):
    from agents.evaluation import run_policy

    return lambda cohort: run_policy(name, policy, cohort, season_weeks)


def _learned_run(name: str, pol: LearnedPolicy, season_weeks: int):
    from agents.evaluation import run_policy

    kw = {**pol.env_kwargs, "action_scope": pol.action_scope}

    def run(cohort):
        pol.reset()
        return run_policy(name, pol, cohort, season_weeks, **kw)

    return run


def _with_checks(summary: pd.DataFrame, robust: pd.DataFrame, cred: dict[str, Any]) -> pd.DataFrame:
    """The level's summary with the robustness and credibility columns of each policy."""
    checks = pd.DataFrame({n: {k: v for k, v in c.row().items() if k not in ("plans", "rule_plans")}
                           for n, c in cred.items()}).T
    extra = robust.join(checks, how="outer")
    return summary.join(extra, on="policy")


def _robust_verdict(level: str, row: pd.Series, rob: Any, cred: Any) -> dict[str, Any]:
    """Sentences on the best learned policy under model draws and missed sessions, and its credibility."""
    from experiments.report.robustness import missed_label

    name = row.name
    parts = []
    out: dict[str, Any] = {}
    if rob.model_draws:
        won = float(row["draws_won"])
        out["draws_won"] = won
        parts.append(
            f"under {rob.model_draws} model draws it beats each draw's best template in "
            f"{round(won * rob.model_draws)} of {rob.model_draws} (paired race-time difference "
            f"{row['draws_vs_best_mean']:+.2f} pp, 5-95% of draws [{row['draws_vs_best_p5']:+.2f}, "
            f"{row['draws_vs_best_p95']:+.2f}]; injured days {row['draws_injured_days_mean']:.1f} "
            f"[{row['draws_injured_days_p5']:.1f}, {row['draws_injured_days_p95']:.1f}])"
        )
    for p in rob.rates:
        lab = missed_label(p)
        d, lo, hi = (row[f"{lab}_race_time_pct_diff{x}"] for x in ("", "_lo", "_hi"))
        out[f"{lab}_race_time_pct_diff"] = float(d)
        parts.append(
            f"with {p:.0%} of sessions missed it loses {d:+.2f} pp of race time [95% CI {lo:+.2f}, {hi:+.2f}] "
            f"and {row[f'{lab}_injured_days_diff']:+.2f} injured days"
        )
    if parts:
        out["robust_text"] = f"{level}: robustness of {name}: " + "; ".join(parts) + "."
    out["credibility_text"] = f"{level}: credibility of {name}: {cred.text()}"
    return out


# --------------------------------------------------------------------------- the table
TABLE_COLUMNS = (
    "level",
    "rank",
    "policy",
    "kind",
    "race_time_pct",
    "race_time_pct_lo",
    "race_time_pct_hi",
    "race_time_pct_diff",
    "race_time_pct_diff_lo",
    "race_time_pct_diff_hi",
    "race_time_pct_win",
    "injured_days",
    "injured_days_lo",
    "injured_days_hi",
    "injured_days_diff",
    "injured_days_diff_lo",
    "injured_days_diff_hi",
    "injuries",
    "strength_pct",
    "economy_pct",
    "key_run_quality_pct",
    "run_km",
    "strength_sessions",
    "athletes",
)


def summary_table(cmp: Comparison) -> pd.DataFrame:
    """The CSV table: one row per (level, policy), best first within each level; then the
    robustness columns (`report.robustness.summary_columns`) and the credibility checks
    (`report.credibility.ROW_COLUMNS`)."""
    from experiments.report.credibility import ROW_COLUMNS
    from experiments.report.robustness import summary_columns

    cols = list(TABLE_COLUMNS) + summary_columns(cmp.model_draws, cmp.missed) + list(ROW_COLUMNS)
    return cmp.summary[[c for c in cols if c in cmp.summary]]
