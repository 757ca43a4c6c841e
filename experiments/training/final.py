"""A seed's final artefacts: the policy (with its metadata), the held-out comparison on the final
population, robustness and credibility, the plots, the final metrics and the pyfunc model."""

from __future__ import annotations

import json
import time

import pandas as pd
from stable_baselines3.common.vec_env import VecNormalize

from experiments import tracking
from experiments.config import ExperimentConfig
from experiments.io import atomic_path, atomic_write_text
from experiments.policy import VECNORM_NAME, policy_meta, save_vecnormalize, write_meta
from experiments.report import training_plots as plots
from experiments.report.training_summary import checks_markdown, comparison_markdown
from experiments.serving.pyfunc import log_pyfunc
from experiments.training.checkpointing import RunContext
from experiments.training.environments import predictor_of
from experiments.training.evaluation import Evaluator, log_population

POLICY_ARTIFACT = "policy"


def finish_seed(cfg: ExperimentConfig, ctx: RunContext, model, venv, wall_s: float,
                log_model: bool = True) -> dict[str, float]:
    """Final artefacts: policy zip (+ VecNormalize), comparison table, plots, registered pyfunc model."""
    out = ctx.folder / "final"
    out.mkdir(parents=True, exist_ok=True)
    policy_zip = out / "policy.zip"
    with atomic_path(policy_zip, suffix=".zip") as tmp:
        model.save(str(tmp))
        write_meta(tmp, policy_meta(cfg))  # action scope, limits, env settings: read back by the loaders
    vecnorm = None
    if isinstance(venv, VecNormalize):
        vecnorm = save_vecnormalize(venv, out / VECNORM_NAME)
    tracking.log_files(ctx.client, ctx.run_id, [policy_zip] + ([vecnorm] if vecnorm is not None else []),
                       POLICY_ARTIFACT)

    t_eval = time.time()
    final = Evaluator(cfg, cfg.eval.final_athletes)
    log_population(ctx.client, ctx.run_id, final.cohort, "final")
    predictor = predictor_of(model, venv, cfg)
    ev = final.evaluate(predictor)
    table = ev.table()
    head = ev.headline()
    best = ev.best_template
    rob = final.robustness(predictor, ev)
    cred = final.credibility(ev)
    md = comparison_markdown(table, head, best, cfg, wall_s) + checks_markdown(rob, cred)
    atomic_write_text(out / "comparison.csv", table.to_csv())
    atomic_write_text(out / "comparison.md", md)
    atomic_write_text(out / "headline.json", json.dumps({**head, "best_template": best, "wall_s": wall_s,
                                                         "timesteps": int(model.num_timesteps)}, indent=1))
    atomic_write_text(out / "robustness.csv", rob.summary.to_csv())
    atomic_write_text(out / "credibility.json", json.dumps(cred.to_dict(), indent=1))
    names = ["comparison.csv", "comparison.md", "headline.json", "robustness.csv", "credibility.json"]
    for f, table_ in (("model_draws.csv", rob.draws), ("missed_sessions.csv", rob.missed)):
        if len(table_):
            atomic_write_text(out / f, table_.to_csv(index=False))
            names.append(f)
    tracking.log_files(ctx.client, ctx.run_id, [out / f for f in names], "comparison")

    history = eval_history(ctx)
    # baselines on the periodic evaluation's athletes (logged at step 0), the curve's own cohort
    logged = ctx.client.get_run(ctx.run_id).data.metrics
    base_race = {k: logged[f"eval/baseline/{k}/race_time_pct"] for k in cfg.eval.baselines
                 if f"eval/baseline/{k}/race_time_pct" in logged}
    base_inj = {k: logged[f"eval/baseline/{k}/injured_days"] for k in cfg.eval.baselines
                if f"eval/baseline/{k}/injured_days" in logged}
    plots.plot_learning_curve(history, base_race, out / "learning_curve.png",
                              title=f"{cfg.name} (seed {ctx.seed}): {cfg.eval.athletes} held-out athletes",
                              baselines_injured=base_inj)
    tmpl = f"best template ({best})"
    plots.plot_season({"learned policy": plots.season_frame(ev.metrics["learned"]),
                       tmpl: plots.season_frame(ev.metrics[best])},
                      out / "season.png",
                      title=f"{cfg.name}: the learned season vs the best template ({best}), "
                            f"{cfg.eval.final_athletes} held-out runners",
                      plans={"learned": ev.seasons["learned"].plans, tmpl: ev.seasons[best].plans})
    tracking.log_files(ctx.client, ctx.run_id, [out / f for f in ("learning_curve.png", "season.png")], "plots")

    final_metrics = {f"final/{k}": v for k, v in head.items()}
    final_metrics["final/wall_s"] = wall_s
    final_metrics["final/eval_wall_s"] = time.time() - t_eval
    final_metrics["final/population_athletes"] = float(final.cohort.n)
    for name in table.index:
        if name == "learned":  # final/race_time_pct and final/injured_days already are the learned policy's
            continue
        final_metrics[f"final/{name}/race_time_pct"] = float(table.loc[name, "race_time_pct"])
        final_metrics[f"final/{name}/injured_days"] = float(table.loc[name, "injured_days"])
    for name, r in rob.summary.iterrows():
        for col, v in r.items():
            if v == v:  # NaN: not defined for this policy (draws won of a template)
                final_metrics[f"final/robust/{name}/{col}"] = float(v)
    final_metrics.update({f"final/credibility/{k}": v for k, v in cred.row().items() if v == v})
    ctx.metrics.log(final_metrics, int(model.num_timesteps))

    if log_model:
        log_pyfunc(cfg, ctx.run_id, policy_zip, vecnorm)
    return final_metrics


def eval_history(ctx: RunContext) -> pd.DataFrame:
    """The eval/* curves of a run read back from MLflow (so resumed runs plot their whole history)."""
    cols = {"race_time_pct": "eval/race_time_pct", "injured_days": "eval/injured_days",
            "race_time_pct_lo": "eval/gap_ci_lo", "race_time_pct_hi": "eval/gap_ci_hi"}
    series = {}
    for col, key in cols.items():
        hist = ctx.client.get_metric_history(ctx.run_id, key)
        series[col] = pd.Series({m.step: m.value for m in hist}, dtype=float)
    df = pd.DataFrame(series).sort_index()
    # the CI columns were logged as a gap CI: shift them onto the policy's mean for the band
    if len(df):
        gap = pd.Series({m.step: m.value for m in ctx.client.get_metric_history(
            ctx.run_id, "eval/gap_to_best_template_pct")}, dtype=float).reindex(df.index)
        df["race_time_pct_lo"] = df["race_time_pct"] + (df["race_time_pct_lo"] - gap)
        df["race_time_pct_hi"] = df["race_time_pct"] + (df["race_time_pct_hi"] - gap)
    df.index.name = "timesteps"
    return df.reset_index()
