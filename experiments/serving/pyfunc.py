"""The trained policy as an MLflow pyfunc model: athlete profiles in, day-by-day season plans out.

    >>> import mlflow, pandas as pd
    >>> planner = mlflow.pyfunc.load_model("models:/stridelab-quickstart/1")
    >>> planner.predict(pd.DataFrame({"level": ["intermediate"], "weekly_km": [45.0],
    ...                               "race_distance": ["10k"], "race_date": ["2027-05-23"]}))

Input columns: `level` (beginner | intermediate | advanced), `weekly_km` (habitual km/week, an
integer or a decimal), `race_distance` (5k | 10k | half | marathon), `race_date` (ISO date),
optional `start_date` (default: the season length the policy was trained on, ending on race day,
but never before today: a race closer than that gets a shorter season), optional
`athlete` (an id copied to the output; default the row number) and optional `athlete_file` (an
athlete file written by `stridelab athlete fit`: that runner's fitted profile instead of a
typical athlete of the level, and paces from their own races; `level` and `weekly_km` are then
taken from the file). Output: one row per
athlete-day, columns `athlete` then `experiments.plans.season_plan.COLUMNS` (`OUTPUT_COLUMNS`, with
their meaning; logged as the model's output schema). A bad input is an MLflow
INVALID_PARAMETER_VALUE error (HTTP 400 from `mlflow models serve`) whose message names the column,
the row and what is allowed.

There is no input schema on purpose: MLflow would cast or drop columns before `check_profiles`
sees them (an integer `weekly_km` refused as "int64 to float64", an unknown column silently
dropped); the model checks its input itself and refuses extra columns.

How: each profile becomes a typical athlete of its level at its weekly km; athletes with the
same season length and race distance are rolled out together on the batched environment
(`envs.StrengthRunVecEnv.from_cohort`), the policy's actions are decoded to week plans with
`envs.actions` (what the environment simulates), and `experiments.plans.season_plan.season_plan`
turns those week plans into days with `sim.kernel.schedule_week`.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import InputError

REQUIRED = ("level", "weekly_km", "race_distance", "race_date")
#: the output columns and what they hold (the model's output schema and README)
OUTPUT_COLUMNS: dict[str, tuple[str, str]] = {
    "athlete": ("string", "the input row's `athlete`, or its row number"),
    "date": ("string", "ISO date of the day"),
    "weekday": ("string", "Mon..Sun"),
    "week": ("long", "season week, 1 = first"),
    "phase": ("string", "transition | base | pre_season | race_season | taper"),
    "weeks_to_race": ("long", "whole weeks before race week (0 = race week)"),
    "run_kind": ("string", "rest | easy | long | tempo | intervals | race"),
    "distance_km": ("double", "the day's planned run, km"),
    "intensity": ("string", "how to run it, with pace, warm-up and repeats"),
    "strength_emphasis": ("string", "none | heavy | power | maintenance | toning"),
    "strength_effort": ("string", "easy | moderate | hard, empty without lifting"),
    "strength_sets": ("long", "sets per key lift"),
    "strength_after_run": ("boolean", "the session follows the day's run"),
    "exercises": ("string", "'name SETSxREPS @ load; ...' (load as %1RM and reps in reserve)"),
    "week_note": ("string", "why the week looks like this"),
    "day_note": ("string", "departures from the article's rules on that day"),
    "note": ("string", "week note | day note"),
}
PYFUNC_NAME = "season_planner"
OPTIONAL = ("start_date", "athlete", "athlete_file")


def _date(value: Any, col: str, row: int) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InputError(f"{col}: row {row}: {value!r} is not a date; use YYYY-MM-DD") from None


def check_profiles(df: pd.DataFrame) -> pd.DataFrame:
    """Validate the input frame; InputError naming the column, the row and what is allowed."""
    from sim.state import LEVELS, RACE_KM

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"input: need a pandas DataFrame with columns {', '.join(REQUIRED)}")
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"input: missing column(s) {', '.join(missing)}; need {', '.join(REQUIRED)} "
                         f"(optional: {', '.join(OPTIONAL)})")
    extra = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    if extra:
        raise InputError(f"input: unknown column(s) {', '.join(map(str, extra))}; allowed: "
                         f"{', '.join(REQUIRED + OPTIONAL)}")
    if len(df) == 0:
        raise InputError("input: no rows")
    for i, v in enumerate(df["level"]):
        if v not in LEVELS:
            raise InputError(f"level: row {i}: {v!r} is not a level; allowed: {', '.join(LEVELS)}")
    for i, v in enumerate(df["race_distance"]):
        if v not in RACE_KM:
            raise InputError(f"race_distance: row {i}: {v!r} is not allowed; allowed: {', '.join(RACE_KM)}")
    for i, v in enumerate(df["weekly_km"]):
        try:
            km = float(v)
        except (TypeError, ValueError):
            km = float("nan")
        if not 5.0 <= km <= 200.0:
            raise InputError(f"weekly_km: row {i}: {v!r} is not allowed; need 5 to 200 km per week")
    return df.reset_index(drop=True)


def today() -> dt.date:
    """Today's date (a function so tests can fix it)."""
    return dt.date.today()


def _athlete_file(row: pd.Series, i: int):
    """The fitted athlete of a row's `athlete_file`, or None when the cell is empty."""
    from experiments.athlete.profile import load_athlete

    path = row["athlete_file"]
    if path is None or (isinstance(path, float) and np.isnan(path)) or str(path).strip() == "":
        return None
    try:
        return load_athlete(str(path))
    except InputError as err:
        raise InputError(f"athlete_file: row {i}: {err}") from None


def plan_seasons(predictor, season_weeks: int, action_scope: str, profiles: pd.DataFrame,
                 env_kwargs: dict[str, Any] | None = None) -> pd.DataFrame:
    """Season plans (one row per athlete-day) for every profile, from a trained policy."""
    from experiments.plans.season_plan import COLUMNS, athlete_profile, season_dates, season_plan
    from experiments.policy import rollout_env_plans
    from sim.plan import WeekPlan
    from sim.season import PHASES, phase_of
    from sim.whatif import make_cohort

    df = check_profiles(profiles)
    rows = []
    for i, r in df.iterrows():
        race = _date(r["race_date"], "race_date", int(i))
        start_raw = r.get("start_date") if "start_date" in df.columns else None
        if start_raw is None or (isinstance(start_raw, float) and np.isnan(start_raw)) or pd.isna(start_raw):
            start = max(race - dt.timedelta(days=7 * season_weeks - 1), today())
        else:
            start = _date(start_raw, "start_date", int(i))
        sd = season_dates(start, race)
        fitted = _athlete_file(r, int(i)) if "athlete_file" in df.columns else None
        if fitted is not None:
            ath = fitted.with_race(r["race_distance"])[0]  # row 0: the fitted point estimate
        else:
            ath = athlete_profile(r["level"], float(r["weekly_km"]), r["race_distance"])
        ident = r["athlete"] if "athlete" in df.columns else int(i)
        rows.append((int(i), ident, start, race, sd.n_weeks, r["race_distance"], ath, fitted))

    out: list[pd.DataFrame] = [pd.DataFrame()] * len(rows)
    groups: dict[tuple[int, str], list[int]] = {}
    for k, row in enumerate(rows):
        groups.setdefault((row[4], row[5]), []).append(k)
    for (n_weeks, distance), members in groups.items():
        profiles_arr = np.stack([rows[k][6] for k in members])
        cohort = make_cohort("mixed", len(members), 0, distance, profiles=profiles_arr)
        kwargs = dict(env_kwargs or {})
        kwargs["action_scope"] = action_scope
        plans = rollout_env_plans(predictor, cohort, n_weeks, kwargs)
        for j, k in enumerate(members):
            _, ident, start, race, _, _, ath, fitted = rows[k]
            weeks = [WeekPlan.from_array(plans[j, w], phase=PHASES[phase_of(w, n_weeks)]) for w in range(n_weeks)]
            days = season_plan(weeks, ath, start, race)
            if fitted is not None:
                from experiments.athlete.planning import personal_paces

                personal_paces(days, fitted)
            days.insert(0, "athlete", ident)
            out[k] = days
    res = pd.concat(out, ignore_index=True)
    cols = ["athlete"] + [c for c in COLUMNS if c in res.columns]
    res = res[cols + [c for c in res.columns if c not in cols]]
    if "exercises" in res.columns:
        from experiments.plans.season_plan import format_exercises

        res["exercises"] = [format_exercises(x) if isinstance(x, list | tuple) else str(x or "")
                            for x in res["exercises"]]
    if "date" in res.columns:
        res["date"] = [d.isoformat() if hasattr(d, "isoformat") else str(d) for d in res["date"]]
    return res


def _python_model_base():
    import mlflow.pyfunc

    return mlflow.pyfunc.PythonModel


class SeasonPlanner(_python_model_base()):  # type: ignore[misc]
    """MLflow pyfunc: DataFrame of athlete profiles -> DataFrame of season days."""

    def load_context(self, context) -> None:
        from experiments.config import validate
        from experiments.policy import Predictor, harness_env_kwargs
        from sim.plan import load_yaml

        cfg = validate(load_yaml(context.artifacts["config"]), "config.yaml")
        self.cfg = cfg
        self.env_kwargs = harness_env_kwargs(cfg)
        vn = context.artifacts.get("vecnormalize")
        self.predictor = Predictor.load(context.artifacts["policy"], vn, cfg.algo.name, cfg.env.action_scope)

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        try:
            return plan_seasons(self.predictor, self.cfg.env.season_weeks, self.cfg.env.action_scope, model_input,
                                self.env_kwargs)
        except InputError as err:
            # MLflow's scoring server answers an MlflowException with its own message and HTTP status (400
            # here); any other exception becomes a generic message with the useful one in the stack trace.
            raise served_input_error(str(err)) from None


def served_input_error(message: str) -> Exception:
    """An error that is both this project's InputError and MLflow's INVALID_PARAMETER_VALUE (HTTP 400)."""
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE

    class ServedInputError(MlflowException, InputError):
        pass

    return ServedInputError(message, error_code=INVALID_PARAMETER_VALUE)


def signature():
    """Output schema only (`OUTPUT_COLUMNS`); no input schema (see the module docstring)."""
    from mlflow.models.signature import ModelSignature
    from mlflow.types import ColSpec, Schema

    return ModelSignature(inputs=None, outputs=Schema([ColSpec(t, n) for n, (t, _) in OUTPUT_COLUMNS.items()]))


def input_example(season_weeks: int) -> pd.DataFrame:
    """One runner whose race is a whole trained season from the next Monday (a Sunday race)."""
    start = today() + dt.timedelta(days=(7 - today().weekday()) % 7 or 7)
    race = start + dt.timedelta(days=7 * season_weeks - 1)
    return pd.DataFrame({"level": ["intermediate"], "weekly_km": [45], "race_distance": ["10k"],
                         "race_date": [race.isoformat()]})


def pip_requirements() -> list[str]:
    from experiments.tracking import package_versions

    v = package_versions()
    names = ("numpy", "numba", "pandas", "gymnasium", "stable-baselines3", "sb3-contrib", "torch", "mlflow",
             "pydantic", "PyYAML")
    return [f"{n}=={v[n]}" for n in names if v.get(n, "not installed") != "not installed"] + [
        f"stridelab=={stridelab_version()}"]


def stridelab_version() -> str:
    """The installed StrideLab's version (pyproject's, when run from a source tree that is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("stridelab")
    except PackageNotFoundError:
        import tomllib

        root = Path(__file__).resolve().parents[2]
        return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def log_pyfunc(cfg, run_id: str, policy_zip: Path, vecnorm: Path | None) -> str:
    """Log the season planner in run `run_id` and register it as `cfg.registered_model_name`; the model URI.

    Idempotent per run: a run resumed after a kill that came after the model was logged reuses
    that model (and its registered version) instead of logging an orphan second one.
    """
    import logging
    import tempfile

    import mlflow

    from experiments.tracking import tracking_uri

    mlflow.set_tracking_uri(tracking_uri(cfg.mlflow.tracking_uri))
    logging.getLogger("mlflow.pyfunc").setLevel(logging.ERROR)
    existing = _logged_planner(run_id)
    if existing is not None:
        uri = _register_once(cfg, run_id, existing)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="stridelab-pyfunc-"))
        try:
            uri = _log(cfg, run_id, policy_zip, vecnorm, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # the temp config is copied into the model; leave nothing
    if cfg.mlflow.register_model:
        describe_registered(cfg, run_id)
    return uri


#: the registry metric that picks the `champion` alias (lower is better: race-time gap to the best template)
CHAMPION_METRIC = "final/gap_to_best_template_pct"


def describe_registered(cfg, run_id: str) -> None:
    """Description and tags on the registered model and this run's version; alias `champion` on the best version.

    The best version is the one whose run has the lowest `CHAMPION_METRIC` (held-out race-time gap to the
    best template, percentage points); versions without it are skipped.
    """
    import mlflow

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


def _logged_planner(run_id: str) -> str | None:
    """The URI of the season planner already logged (READY) in `run_id`; unfinished ones are deleted."""
    import mlflow
    from mlflow.entities import LoggedModelStatus

    run = mlflow.MlflowClient().get_run(run_id)
    models = mlflow.search_logged_models(experiment_ids=[run.info.experiment_id],
                                         filter_string=f"source_run_id = '{run_id}'", output_format="list")
    uri = None
    for m in models:
        if m.name != PYFUNC_NAME:
            continue
        if m.status == LoggedModelStatus.READY and uri is None:
            uri = m.model_uri
        elif m.status != LoggedModelStatus.READY:
            mlflow.MlflowClient().delete_logged_model(m.model_id)  # a write cut short by the kill
    return uri


def _register_once(cfg, run_id: str, model_uri: str) -> str:
    import mlflow

    if cfg.mlflow.register_model:
        name = cfg.registered_model_name
        versions = mlflow.MlflowClient().search_model_versions(f"name = '{name}' and run_id = '{run_id}'")
        if not versions:
            mlflow.register_model(model_uri, name)
    return model_uri


def _log(cfg, run_id: str, policy_zip: Path, vecnorm: Path | None, tmp: Path) -> str:
    import warnings

    import mlflow

    from experiments.config import to_yaml

    cfg_path = tmp / "config.yaml"
    cfg_path.write_text(to_yaml(cfg))
    artifacts = {"policy": str(policy_zip), "config": str(cfg_path)}
    if vecnorm is not None:
        artifacts["vecnormalize"] = str(vecnorm)
    with mlflow.start_run(run_id=run_id), warnings.catch_warnings():
        # the model is a class of this package (pickled by reference). An output schema only: an input
        # schema would make MLflow cast (int weekly_km refused) or drop columns before check_profiles.
        warnings.filterwarnings("ignore", message=".*(CloudPickle|input example|input_example|signature).*")
        info = mlflow.pyfunc.log_model(
            name=PYFUNC_NAME,
            python_model=SeasonPlanner(),
            artifacts=artifacts,
            pip_requirements=pip_requirements(),
            signature=signature(),
            input_example=input_example(cfg.env.season_weeks),
            registered_model_name=cfg.registered_model_name if cfg.mlflow.register_model else None,
        )
    return info.model_uri
