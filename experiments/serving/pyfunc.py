"""The trained policy as an MLflow pyfunc model: athlete profiles in, day-by-day season plans out.

    >>> import mlflow, pandas as pd
    >>> planner = mlflow.pyfunc.load_model("models:/stridelab-quickstart/1")
    >>> planner.predict(pd.DataFrame({"level": ["intermediate"], "weekly_km": [45.0],
    ...                               "race_distance": ["10k"], "race_date": ["2027-05-23"]}))

Input columns: `level` (beginner | intermediate | advanced), `weekly_km` (habitual km/week, an
integer or a decimal), `race_distance` (5k | 10k | half | marathon), `race_date` (ISO date
YYYY-MM-DD, optionally with a valid time of day), optional `start_date` (default: the season
length the policy was trained on, ending on race day, but never before today: a race closer than
that gets a shorter season), optional `athlete` (an id copied to the output, a string of at most
200 characters or a whole number; default the row number) and optional `athlete_file` (the id of
an athlete file written by `stridelab athlete fit` in the folder the server's operator names
with $STRIDELAB_ATHLETES_DIR at start-up: `ann` reads `FOLDER/ann.yaml`; that runner's fitted
profile instead of a typical athlete of the level, and paces from their own races; `level` and
`weekly_km` are then taken from the file). The served model never opens a path a request names:
an `athlete_file` with a path separator is refused before anything is read, and a bad file in
the folder is reported by id, never by its contents. At most `MAX_ROWS` rows per request.
Output: one row per athlete-day, columns `athlete` then `experiments.plans.season_plan.COLUMNS`
(`OUTPUT_COLUMNS`, with their meaning; logged as the model's output schema), never NaN. A bad
input is an MLflow INVALID_PARAMETER_VALUE error (HTTP 400 from `mlflow models serve`) whose
message names the column, the row and what is allowed.

There is no input schema on purpose: MLflow would cast or drop columns before `check_profiles`
sees them (an integer `weekly_km` refused as "int64 to float64", an unknown column silently
dropped); the model checks its input itself and refuses extra columns.

How: each profile becomes a typical athlete of its level at its weekly km (rows with the same
profile and dates are planned once: the policy is deterministic); athletes with the
same season length and race distance are rolled out together on the batched environment
(`envs.StrengthRunVecEnv.from_cohort`), the policy's actions are decoded to week plans with
`envs.actions` (what the environment simulates), and `experiments.plans.season_plan.season_plan`
turns those week plans into days with `sim.kernel.schedule_week`.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import re
import shutil
import tempfile
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.models.signature import ModelSignature
from mlflow.protos.databricks_pb2 import INVALID_PARAMETER_VALUE
from mlflow.types import ColSpec, Schema

from experiments.athlete.planning import personal_paces
from experiments.athlete.profile import load_athlete
from experiments.config import to_yaml, validate
from experiments.plans.rules import annotate
from experiments.plans.season_plan import COLUMNS, athlete_profile, format_exercises, season_dates, season_plan
from experiments.policy import Predictor, policy_meta, read_meta, rollout_env_plans
from experiments.tracking import package_versions, tracking_uri
from experiments.tracking.registry import (
    PythonModelSpec,
    describe_registered,
    log_python_model,
    logged_model_uri,
    register_once,
    use_store,
)
from sim.errors import InputError
from sim.plan import WeekPlan, load_yaml
from sim.season import PHASES, phase_of
from sim.state import LEVELS, RACE_KM
from sim.whatif import make_cohort

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


#: rows per request: a larger request is refused (HTTP 400) and should be split
MAX_ROWS = 10_000
#: distinct season plans x their weeks computed per request (~2 ms per planned week on one core: well
#: inside the scoring server's default 60 s timeout); identical profiles are planned once
MAX_PLANNED_WEEKS = 10_000
#: days in one answer: one row of ~1.1 KB of JSON each, which MLflow's scoring server encodes at ~15,000
#: days/s, so 400,000 days (10,000 runners x 5 weeks, 440 MB) answer within its default 60 s timeout
MAX_OUTPUT_DAYS = 400_000
#: the folder of athlete files the server's operator names at start-up; requests name a file in it by id
ATHLETES_DIR_ENV = "STRIDELAB_ATHLETES_DIR"
_ATHLETE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?")


def _shown(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to `limit` characters (a client's 1 MB cell is not echoed back)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...(cut)"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _date(value: Any, col: str, row: int) -> dt.date:
    """A date cell: a date, a timestamp, or an ISO string `YYYY-MM-DD` (optionally with a valid time of day,
    which is dropped); InputError naming the column, the row and the value otherwise."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATETIME.fullmatch(value.strip()):
        try:
            return dt.datetime.fromisoformat(value.strip()).date()  # T25:99:00 is refused here, not cut off
        except ValueError:
            pass
    raise InputError(f"{col}: row {row}: {_shown(value)} is not a date; allowed: YYYY-MM-DD (years 0001 to 9999, "
                     "optionally with a valid time of day THH:MM[:SS])")


def _choice(value: Any, col: str, row: int, allowed: Any, what: str) -> str:
    if not isinstance(value, str) or value not in allowed:  # a list cell is refused, not an unhashable TypeError
        raise InputError(f"{col}: row {row}: {_shown(value)} is not {what}; allowed: {', '.join(allowed)}")
    return value


def _athlete_ident(value: Any, row: int) -> str | int:
    """The `athlete` cell copied to the output: a short string or a whole number (default: the row number)."""
    if _missing(value):
        return row
    if isinstance(value, bool | np.bool_):
        pass
    elif isinstance(value, int | np.integer):
        return int(value)
    elif isinstance(value, float | np.floating) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    elif isinstance(value, str) and len(value) <= 200:
        return value
    raise InputError(f"athlete: row {row}: {_shown(value)} is not allowed; allowed: a string of at most 200 "
                     "characters or a whole number (an id copied to the output)")


def _athlete_id(value: Any, row: int) -> str | None:
    """The `athlete_file` cell: None when empty, else an id checked to name no path (nothing is opened here)."""
    if _missing(value) or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _ATHLETE_ID.fullmatch(value) or ".." in value:
        raise InputError(f"athlete_file: row {row}: {_shown(value)} is not allowed; allowed: the id of an athlete "
                         "file in the server's athlete folder (1 to 64 letters, digits, '_', '-' or '.', no path "
                         f"separators; the operator names the folder with {ATHLETES_DIR_ENV} when starting the "
                         "server); a path is never opened")
    return value


def check_profiles(df: pd.DataFrame) -> pd.DataFrame:
    """Validate the input frame; InputError naming the column, the row and what is allowed.

    Every cell is checked here, before any work: the enumerations and numbers, the dates (a valid
    calendar date, a valid time of day if one is given), the `athlete` id and the `athlete_file` id.
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"input: need a pandas DataFrame with columns {', '.join(REQUIRED)}")
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(f"input: missing column(s) {', '.join(missing)}; need {', '.join(REQUIRED)} "
                         f"(optional: {', '.join(OPTIONAL)})")
    extra = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    if extra:
        raise InputError(f"input: unknown column(s) {', '.join(_shown(c, 40) for c in extra[:10])}; allowed: "
                         f"{', '.join(REQUIRED + OPTIONAL)}")
    if len(df) == 0:
        raise InputError("input: no rows")
    if len(df) > MAX_ROWS:
        raise InputError(f"input: {len(df)} rows is too many; allowed: at most {MAX_ROWS} rows per request "
                         "(split the request)")
    for i, v in enumerate(df["level"]):
        _choice(v, "level", i, LEVELS, "a level")
    for i, v in enumerate(df["race_distance"]):
        _choice(v, "race_distance", i, RACE_KM, "a race distance")
    for i, v in enumerate(df["weekly_km"]):
        km = float("nan")
        if not isinstance(v, bool | np.bool_ | str | bytes):
            try:
                km = float(v)
            except (TypeError, ValueError):
                pass
        if not 5.0 <= km <= 200.0:
            raise InputError(f"weekly_km: row {i}: {_shown(v)} is not allowed; need a number from 5 to 200 "
                             "(km per week)")
    for i, v in enumerate(df["race_date"]):
        _date(v, "race_date", i)
    if "start_date" in df.columns:
        for i, v in enumerate(df["start_date"]):
            if not _missing(v):
                _date(v, "start_date", i)
    if "athlete" in df.columns:
        for i, v in enumerate(df["athlete"]):
            _athlete_ident(v, i)
    if "athlete_file" in df.columns:
        for i, v in enumerate(df["athlete_file"]):
            _athlete_id(v, i)
    return df.reset_index(drop=True)


def today() -> dt.date:
    """Today's date (a function so tests can fix it)."""
    return dt.date.today()


def athletes_folder(path: str | Path | None = None) -> Path | None:
    """The operator's athlete folder: `path`, else $STRIDELAB_ATHLETES_DIR, else None (no athlete files).

    Read once when the model is loaded (server start-up); InputError if it is set but not a folder.
    """
    raw = str(path) if path is not None else os.environ.get(ATHLETES_DIR_ENV, "")
    if not raw.strip():
        return None
    p = Path(raw).expanduser()
    if not p.is_dir():
        raise InputError(f"{ATHLETES_DIR_ENV}: {raw!r} is not a folder; allowed: the folder of athlete files "
                         "(stridelab athlete fit) the served model may read")
    return p.resolve()


def _athlete_file(ident: str | None, i: int, folder: Path | None):
    """The fitted athlete `ident` of the operator's folder, or None when the cell is empty.

    The file is `FOLDER/ID.yaml` (or `FOLDER/ID` when the id ends in .yaml/.yml). Only that file is
    read; a bad file gets a message that names the id and never its contents (the details go to
    the server's log).
    """
    if ident is None:
        return None

    if folder is None:
        raise InputError(f"athlete_file: row {i}: {ident!r} cannot be looked up: this server has no athlete folder "
                         f"(its operator sets {ATHLETES_DIR_ENV} when starting it); leave athlete_file empty to "
                         "plan for a typical athlete of the level")
    name = ident if ident.endswith((".yaml", ".yml")) else f"{ident}.yaml"
    path = folder / name
    if not path.is_file() or folder not in path.resolve().parents:
        raise InputError(f"athlete_file: row {i}: no athlete {ident!r} in the server's athlete folder")
    try:
        return load_athlete(path)
    except InputError as err:
        logging.getLogger(__name__).warning("athlete file %s refused: %s", path, err)
        raise InputError(f"athlete_file: row {i}: the athlete file {ident!r} on the server is not a valid athlete "
                         "file (written by `stridelab athlete fit`); the server's log has the details") from None


def _season(r: dict[str, Any], i: int, season_weeks: int, has_start: bool):
    """Start, race and `season_dates` of row `i`; InputError naming the column and the row."""
    race = _date(r["race_date"], "race_date", i)
    start_raw = r["start_date"] if has_start else None
    if _missing(start_raw):
        if race < today():
            raise InputError(f"race_date: row {i}: {race.isoformat()} is in the past (today is "
                             f"{today().isoformat()}); allowed: a race day after today, or give start_date")
        try:
            start = max(race - dt.timedelta(days=7 * season_weeks - 1), today())
        except OverflowError:
            start = today()
        col = "race_date"
    else:
        start = _date(start_raw, "start_date", i)
        col = "start_date/race_date"
    try:
        sd = season_dates(start, race)
    except InputError as err:
        raise InputError(f"{col}: row {i}: {str(err).removeprefix('race date: ')}") from None
    return start, race, sd


def plan_seasons(predictor, season_weeks: int, action_scope: str, profiles: pd.DataFrame,
                 env_kwargs: dict[str, Any] | None = None, athletes_dir: Path | None = None) -> pd.DataFrame:
    """Season plans (one row per athlete-day) for every profile, from a trained policy.

    Batched: every cell is checked first; rows with the same profile and dates (the policy is
    deterministic) are planned once; the distinct ones are rolled out together per season length
    and race distance. Bounded by `MAX_ROWS`, `MAX_PLANNED_WEEKS` and `MAX_OUTPUT_DAYS`.
    """
    df = check_profiles(profiles)
    has_start = "start_date" in df.columns
    idents, keys = [], []
    uniq: dict[tuple, dict[str, Any]] = {}  # profile key -> what planning it needs
    files: dict[str, Any] = {}
    out_days = 0
    for i, r in enumerate(df.to_dict("records")):
        start, race, sd = _season(r, i, season_weeks, has_start)
        ident = _athlete_ident(r["athlete"], i) if "athlete" in df.columns else i
        aid = _athlete_id(r.get("athlete_file"), i) if "athlete_file" in df.columns else None
        key: tuple
        if aid is None:
            key = ("typical", r["level"], float(r["weekly_km"]), r["race_distance"], sd.start, race)
        else:
            key = ("file", aid, r["race_distance"], sd.start, race)
        out_days += 7 * sd.n_weeks
        if out_days > MAX_OUTPUT_DAYS:
            raise InputError(f"input: the plans would have more than {MAX_OUTPUT_DAYS} days (row {i} reached it); "
                             "allowed: at most that many athlete-days per request (split the request)")
        if key not in uniq:
            uniq[key] = {"start": start, "race": race, "n_weeks": sd.n_weeks, "distance": r["race_distance"],
                         "row": i, "level": r["level"], "weekly_km": float(r["weekly_km"]), "file": aid}
            weeks = sum(u["n_weeks"] for u in uniq.values())
            if weeks > MAX_PLANNED_WEEKS:
                raise InputError(f"input: {len(uniq)} distinct profiles (row {i} reached it) need more than "
                                 f"{MAX_PLANNED_WEEKS} planned weeks; allowed: at most {MAX_PLANNED_WEEKS} distinct "
                                 "athlete-weeks per request (split the request)")
        idents.append(ident)
        keys.append(key)
    # athlete files last: only after every cell of the request is known to be valid
    for u in uniq.values():
        if u["file"] is not None:
            if u["file"] not in files:
                files[u["file"]] = _athlete_file(u["file"], u["row"], athletes_dir)
            u["fitted"] = files[u["file"]]
            u["athlete"] = u["fitted"].with_race(u["distance"])[0]  # row 0: the fitted point estimate
        else:
            u["fitted"] = None
            u["athlete"] = athlete_profile(u["level"], u["weekly_km"], u["distance"])

    groups: dict[tuple[int, str], list[tuple]] = {}
    for key, u in uniq.items():
        groups.setdefault((u["n_weeks"], u["distance"]), []).append(key)
    frames: dict[tuple, pd.DataFrame] = {}
    for (n_weeks, distance), members in groups.items():
        profiles_arr = np.stack([uniq[k]["athlete"] for k in members])
        cohort = make_cohort("mixed", len(members), 0, distance, profiles=profiles_arr)
        kwargs = dict(env_kwargs or {})
        kwargs["action_scope"] = action_scope
        plans = rollout_env_plans(predictor, cohort, n_weeks, kwargs)
        for j, k in enumerate(members):
            frames[k] = _days(plans[j], n_weeks, uniq[k])

    order = list(frames)
    big = _finite(pd.concat([frames[k] for k in order], ignore_index=True))  # distinct plans only: cheap
    offset, pos = 0, {}
    for k in order:
        pos[k] = (offset, len(frames[k]))
        offset += len(frames[k])
    take = np.concatenate([np.arange(pos[k][0], pos[k][0] + pos[k][1]) for k in keys])
    res = big.iloc[take].reset_index(drop=True)
    counts = [pos[k][1] for k in keys]
    ident_col = np.repeat(np.array(idents, dtype=object), counts)
    if all(isinstance(x, int) for x in idents):
        ident_col = ident_col.astype(np.int64)
    res.insert(0, "athlete", ident_col)
    cols = ["athlete"] + [c for c in COLUMNS if c in res.columns]
    return res[cols + [c for c in res.columns if c not in cols]]


def _days(plan: np.ndarray, n_weeks: int, u: dict[str, Any]) -> pd.DataFrame:
    """One distinct profile's days from its week-plan array (exercises and dates as text)."""
    weeks = [WeekPlan.from_array(plan[w], phase=PHASES[phase_of(w, n_weeks)]) for w in range(n_weeks)]
    days = season_plan(weeks, u["athlete"], u["start"], u["race"], annotate=False)
    attrs, days.attrs = days.attrs, {}  # pandas deep-copies attrs on every column access: the check is faster
    days = annotate(days, weeks)
    if u["fitted"] is not None:
        days.attrs = attrs  # the race distance of the athlete's paces
        personal_paces(days, u["fitted"])
        days.attrs = {}
    if "exercises" in days.columns:
        days["exercises"] = [format_exercises(x) if isinstance(x, list | tuple) else str(x or "")
                             for x in days["exercises"]]
    if "date" in days.columns:
        days["date"] = [d.isoformat() if hasattr(d, "isoformat") else str(d) for d in days["date"]]
    return days


def _finite(res: pd.DataFrame) -> pd.DataFrame:
    """No NaN or infinity in the answer (RFC 8259 JSON has none; MLflow's encoder would write `NaN`):
    non-finite numbers and missing values, in any column, become null (an object column)."""
    for c in res.columns:
        kind = res[c].dtype.kind
        if kind in "iub":
            continue
        if kind == "f":
            bad = ~np.isfinite(res[c].to_numpy(dtype=float))
        else:  # object or string columns: a missing string is NaN too
            bad = np.array([v is None or v is pd.NA or (isinstance(v, float | np.floating) and not math.isfinite(v))
                            for v in res[c]], dtype=bool)
        if bad.any():
            col = res[c].to_numpy(dtype=object, copy=True)
            col[bad] = None
            res[c] = pd.Series(col, index=res.index, dtype=object)
    return res


class SeasonPlanner(mlflow.pyfunc.PythonModel):
    """MLflow pyfunc: DataFrame of athlete profiles -> DataFrame of season days."""

    def load_context(self, context) -> None:
        self.athletes_dir = athletes_folder()  # named by the operator at start-up; requests only give ids

        cfg = validate(load_yaml(context.artifacts["config"]), "config.yaml")
        self.cfg = cfg
        # what the model was trained for, saved inside it (a model logged before issue 21: its config.yaml)
        meta = read_meta(context.artifacts["policy"]) or policy_meta(cfg, source="config.yaml")
        self.env_kwargs = dict(meta.env_kwargs)
        vn = context.artifacts.get("vecnormalize")
        self.predictor = Predictor.load(context.artifacts["policy"], vn, cfg.algo.name, meta.action_scope,
                                        self.env_kwargs)

    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        try:
            return plan_seasons(self.predictor, self.cfg.env.season_weeks, self.cfg.env.action_scope, model_input,
                                self.env_kwargs, getattr(self, "athletes_dir", None))
        except InputError as err:
            # MLflow's scoring server answers an MlflowException with its own message and HTTP status (400
            # here); any other exception becomes a generic message with the useful one in the stack trace.
            raise served_input_error(str(err)) from None


def served_input_error(message: str) -> Exception:
    """An error that is both this project's InputError and MLflow's INVALID_PARAMETER_VALUE (HTTP 400)."""
    class ServedInputError(MlflowException, InputError):
        pass

    return ServedInputError(message, error_code=INVALID_PARAMETER_VALUE)


def signature():
    """Output schema only (`OUTPUT_COLUMNS`); no input schema (see the module docstring)."""
    return ModelSignature(inputs=None, outputs=Schema([ColSpec(t, n) for n, (t, _) in OUTPUT_COLUMNS.items()]))


def input_example(season_weeks: int) -> pd.DataFrame:
    """One runner whose race is a whole trained season from the next Monday (a Sunday race)."""
    start = today() + dt.timedelta(days=(7 - today().weekday()) % 7 or 7)
    race = start + dt.timedelta(days=7 * season_weeks - 1)
    return pd.DataFrame({"level": ["intermediate"], "weekly_km": [45], "race_distance": ["10k"],
                         "race_date": [race.isoformat()]})


def pip_requirements() -> list[str]:
    v = package_versions()
    names = ("numpy", "numba", "pandas", "gymnasium", "stable-baselines3", "sb3-contrib", "torch", "mlflow",
             "pydantic", "PyYAML")
    return [f"{n}=={v[n]}" for n in names if v.get(n, "not installed") != "not installed"] + [
        f"stridelab=={stridelab_version()}"]


def stridelab_version() -> str:
    """The installed StrideLab's version (pyproject's, when run from a source tree that is not installed)."""
    try:
        return version("stridelab")
    except PackageNotFoundError:
        root = Path(__file__).resolve().parents[2]
        return tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]


def log_pyfunc(cfg, run_id: str, policy_zip: Path, vecnorm: Path | None) -> str:
    """Log the season planner in run `run_id` and register it as `cfg.registered_model_name`; the model URI.

    Idempotent per run: a run resumed after a kill that came after the model was logged reuses
    that model (and its registered version) instead of logging an orphan second one.
    """
    use_store(tracking_uri(cfg.mlflow.tracking_uri))
    logging.getLogger("mlflow.pyfunc").setLevel(logging.ERROR)
    existing = logged_model_uri(run_id, PYFUNC_NAME)
    if existing is not None:
        uri = register_once(cfg, run_id, existing)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="stridelab-pyfunc-"))
        try:
            uri = _log(cfg, run_id, policy_zip, vecnorm, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # the temp config is copied into the model; leave nothing
    if cfg.mlflow.register_model:
        describe_registered(cfg, run_id)
    return uri


def _log(cfg, run_id: str, policy_zip: Path, vecnorm: Path | None, tmp: Path) -> str:
    cfg_path = tmp / "config.yaml"
    cfg_path.write_text(to_yaml(cfg))
    artifacts = {"policy": str(policy_zip), "config": str(cfg_path)}
    if vecnorm is not None:
        artifacts["vecnormalize"] = str(vecnorm)
    # the model is a class of this package (pickled by reference). An output schema only: an input
    # schema would make MLflow cast (int weekly_km refused) or drop columns before check_profiles.
    return log_python_model(run_id, PythonModelSpec(
        name=PYFUNC_NAME, python_model=SeasonPlanner(), artifacts=artifacts, pip_requirements=pip_requirements(),
        signature=signature(), input_example=input_example(cfg.env.season_weeks),
        registered_model_name=cfg.registered_model_name if cfg.mlflow.register_model else None))
