"""The model registry and logged models: a run's model logged once (a resumed run reuses it), registered
once, described and tagged, and the alias `champion` on the best version. The model itself (its class,
artefacts, requirements, signature) is the caller's (`experiments.serving`): this module only writes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PythonModelSpec:
    """An MLflow pyfunc model to log: `mlflow.pyfunc.log_model`'s arguments."""

    name: str
    python_model: Any
    artifacts: dict[str, str]
    pip_requirements: list[str]
    signature: Any
    input_example: Any
    registered_model_name: str | None


def use_store(uri: str) -> None:
    """Point MLflow's fluent API (model logging and registration) at the store `uri`."""
    import mlflow  # lazy: mlflow takes 1.5 s to import

    mlflow.set_tracking_uri(uri)


def log_python_model(run_id: str, spec: PythonModelSpec) -> str:
    """Log `spec` in run `run_id` (registered when `spec.registered_model_name` is set); the model URI."""
    import mlflow.pyfunc  # lazy: mlflow takes 1.5 s to import

    with mlflow.start_run(run_id=run_id), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(CloudPickle|input example|input_example|signature).*")
        info = mlflow.pyfunc.log_model(
            name=spec.name,
            python_model=spec.python_model,
            artifacts=spec.artifacts,
            pip_requirements=spec.pip_requirements,
            signature=spec.signature,
            input_example=spec.input_example,
            registered_model_name=spec.registered_model_name,
        )
    return info.model_uri


#: the registry metric that picks the `champion` alias (lower is better: race-time gap to the best template)
CHAMPION_METRIC = "final/gap_to_best_template_pct"


def describe_registered(cfg, run_id: str) -> None:
    """Description and tags on the registered model and this run's version; alias `champion` on the best version.

    The best version is the one whose run has the lowest `CHAMPION_METRIC` (held-out race-time gap to the
    best template, percentage points); versions without it are skipped.
    """
    import mlflow  # lazy: mlflow takes 1.5 s to import

    cl = mlflow.MlflowClient()
    name = cfg.registered_model_name
    env = cfg.env
    cl.update_registered_model(name, description=(
        f"StrideLab season planner '{cfg.name}': a {cfg.algo.name.upper()} policy trained on {env.season_weeks}-week "
        f"seasons to a {env.race_distance} race ({env.action_scope} decisions). Input: one row per runner with "
        "level, weekly_km, race_distance, race_date (optional start_date, athlete, athlete_file). Output: one "
        "row per runner and day with the run, the strength session (exercises with %1RM and reps in reserve) "
        "and the reasons. Alias 'champion': the version with the smallest held-out race-time gap to the best "
        "template."))
    tags = {"stridelab.config": cfg.name, "stridelab.algo": cfg.algo.name, "stridelab.season_weeks": env.season_weeks,
            "stridelab.race_distance": env.race_distance, "stridelab.action_scope": env.action_scope,
            "stridelab.levels": ",".join(env.levels or [env.level])}
    for k, v in tags.items():
        cl.set_registered_model_tag(name, k, str(v))
    versions = cl.search_model_versions(f"name = '{name}'")
    best, best_gap = None, float("inf")
    for mv in versions:
        metrics = cl.get_run(mv.run_id).data.metrics if mv.run_id else {}
        gap = metrics.get(CHAMPION_METRIC)
        if mv.run_id == run_id:
            text = (f"run {run_id}: race-time gap to the best template {gap:+.3f} pp on "
                    f"{cfg.eval.final_athletes} held-out athletes" if gap is not None else f"run {run_id}")
            cl.update_model_version(name, mv.version, description=text)
            for k in ("race_time_pct", "gap_to_best_template_pct", "injured_days"):
                if f"final/{k}" in metrics:
                    cl.set_model_version_tag(name, mv.version, k, f"{metrics[f'final/{k}']:.4f}")
        if gap is not None and gap < best_gap:
            best, best_gap = mv.version, gap
    if best is not None:
        cl.set_registered_model_alias(name, "champion", best)


def logged_model_uri(run_id: str, name: str) -> str | None:
    """The URI of the model `name` already logged (READY) in `run_id`; unfinished ones are deleted."""
    import mlflow  # lazy: mlflow takes 1.5 s to import
    from mlflow.entities import LoggedModelStatus  # lazy: mlflow

    run = mlflow.MlflowClient().get_run(run_id)
    models = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id],
                                         filter_string=f"source_run_id = '{run_id}'", output_format="list")
    uri = None
    for m in models:
        if m.name != name:
            continue
        if m.status == LoggedModelStatus.READY and uri is None:
            uri = m.model_uri
        elif m.status != LoggedModelStatus.READY:
            mlflow.MlflowClient().delete_logged_model(m.model_id)  # a write cut short by the kill
    return uri


def register_once(cfg, run_id: str, model_uri: str) -> str:
    """Register `model_uri` as `cfg.registered_model_name` unless this run has a version already."""
    import mlflow  # lazy: mlflow takes 1.5 s to import

    if cfg.mlflow.register_model:
        name = cfg.registered_model_name
        versions = mlflow.MlflowClient().search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
        if not versions:
            mlflow.register_model(model_uri, name)
    return model_uri
