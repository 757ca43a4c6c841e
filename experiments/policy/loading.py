"""Loading a trained policy: from an MLflow training run, a model file (trusted), or a baseline name;
what it was trained for (action scope, limits, env settings) read from the metadata saved with it
(`experiments.policy.saved`), never inferred."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.baselines import BASELINES
from agents.evaluation import rollout_plans
from envs.actions import action_nvec
from experiments import tracking
from experiments.config import validate
from experiments.policy.saved import SavedPolicy, policy_meta, read_meta
from experiments.policy.sb3 import VECNORM_NAME, Predictor, detect_algo, load_sb3
from sim.errors import InputError
from sim.plan import load_yaml

#: artefacts of a `stridelab train` run
POLICY_ZIP = "policy/policy.zip"
VECNORM = "policy/vecnormalize.npz"
LEGACY_VECNORM = "policy/vecnormalize.pkl"  # pickled statistics of older runs: never loaded
TRUST_NOTE = (
    "an SB3 model file is a zip of pickles, and loading one runs any code it carries; StrideLab loads models "
    "from its own MLflow store (--run RUN_ID), or a file only with --trust"
)
CONFIG = "config.yaml"


def rollout_env_plans(policy, cohort, season_weeks: int, env_kw: dict[str, Any]) -> np.ndarray:
    """(n, season_weeks, PLAN_SIZE): the week plans `policy` chooses for every athlete of `cohort`
    (one batched season on `StrengthRunVecEnv.from_cohort`, via the evaluation harness)."""
    if hasattr(policy, "reset"):
        policy.reset()
    return rollout_plans(policy, cohort, int(season_weeks), **env_kw)


# --------------------------------------------------------------------------- loading policies
@dataclass
class LearnedPolicy:
    """A trained policy with what it was trained for (from its MLflow run or model file)."""

    name: str
    predictor: Any  # a Predictor (SB3 predict signature)
    action_scope: str
    season_weeks: int | None = None
    race_distance: str | None = None
    levels: tuple[str, ...] = ()
    training_seeds: tuple[int, ...] = ()
    eval_seed: int | None = None
    run_id: str | None = None
    #: `StrengthRunVecEnv.from_cohort` kwargs it was trained with (action scope, reward, limits...), from the
    #: metadata saved with the model (`experiments.policy.saved`)
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    source: str = "stridelab.json"  # where action_scope and env_kwargs were read from

    @property
    def limits(self) -> dict[str, Any]:
        """The coach limits it was trained under (empty: the env's defaults)."""
        return dict(self.env_kwargs.get("limits") or {})

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        return self.predictor.predict(
            observation, state=state, episode_start=episode_start, deterministic=deterministic
        )

    def reset(self) -> None:
        if hasattr(self.predictor, "reset"):
            self.predictor.reset()


def load_baseline(name: str) -> Any:
    """A baseline policy by name; InputError listing the names otherwise."""
    if name not in BASELINES:
        raise InputError(f"baseline: {name!r} is not a baseline; allowed: {', '.join(BASELINES)}")
    return BASELINES[name]


def _scope_of(model) -> str:
    """The fallback for a model file saved before issue 21 (no metadata): its action space's size."""
    space = model.action_space
    nvec = getattr(space, "nvec", None)
    if nvec is not None:
        return "strength_and_run" if len(nvec) > len(action_nvec("strength")) else "strength"
    n = int(getattr(space, "n", 0))
    return "strength" if n == int(np.prod(action_nvec("strength"))) else "strength_and_run"


def load_model_file(path: str | Path, vecnormalize: str | Path | None = None, trust: bool = False) -> LearnedPolicy:
    """An SB3 model file (+ its normalisation statistics, `vecnormalize.npz` next to it) as a policy.

    Only with `trust=True` (the CLI's --trust): the file is unpickled (see TRUST_NOTE).
    """
    p = Path(path)
    if not trust:
        raise InputError(f"--model: {str(p)!r} is not loaded without --trust: {TRUST_NOTE}")
    if not p.exists():
        raise InputError(f"--model: {p}: no such file")
    if not p.is_file():
        raise InputError(f"--model: {p}: not a regular file; allowed: an SB3 .zip")
    meta = read_meta(p)
    if meta is None:  # saved before issue 21: the documented fallback (experiments.policy.saved)
        algo = detect_algo(p)
        scope = _scope_of(load_sb3(algo, p))
        meta = SavedPolicy(algo=algo, action_scope=scope, limits={}, env_kwargs={},
                           source="the model's action space (saved without metadata)")
    vn = Path(vecnormalize) if vecnormalize else p.with_name(VECNORM_NAME)
    legacy = p.with_name("vecnormalize.pkl")
    if not vn.is_file() and legacy.exists():
        raise InputError(f"--model: {str(legacy)!r} beside the model holds pickled statistics, which StrideLab does "
                         f"not load; allowed: {VECNORM_NAME} (arrays, written by stridelab train)")
    pred = Predictor.load(p, vn if vn.is_file() else None, meta.algo, meta.action_scope, meta.env_kwargs)
    return LearnedPolicy(name=f"learned:{p.stem}", predictor=pred, action_scope=meta.action_scope,
                         env_kwargs=dict(meta.env_kwargs), source=meta.source)


def load_run_policy(run_id: str, tracking_uri: str | None = None) -> LearnedPolicy:
    """The final policy of a `stridelab train` run (artefacts policy/policy.zip, config.yaml)."""
    from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    uri = tracking.tracking_uri(tracking_uri)
    cl = tracking.open_store(tracking_uri, create=False)  # the project's store: never created here
    try:
        run = cl.get_run(run_id)
    except MlflowException:
        raise InputError(f"run: {run_id!r} is not a run in the MLflow store {uri}") from None
    tmp = Path(tempfile.mkdtemp(prefix="stridelab-run-"))
    try:
        try:
            cfg_path = cl.download_artifacts(run_id, CONFIG, str(tmp))
            zip_path = cl.download_artifacts(run_id, POLICY_ZIP, str(tmp))
        except (MlflowException, OSError):
            raise InputError(
                f"run: {run_id} has no trained policy ({POLICY_ZIP} and {CONFIG}); is it a finished "
                "`stridelab train` run?"
            ) from None
        try:
            vn_path: str | None = cl.download_artifacts(run_id, VECNORM, str(tmp))
        except (MlflowException, OSError):
            vn_path = None
        if vn_path is None and LEGACY_VECNORM in {a.path for a in cl.list_artifacts(run_id, "policy")}:
            raise InputError(f"run: {run_id} stores its normalisation statistics as a pickle ({LEGACY_VECNORM}), "
                             "which StrideLab no longer loads; retrain it (stridelab train) to get "
                             f"{VECNORM} (arrays only)")
        cfg = validate(load_yaml(cfg_path), f"run {run_id} config.yaml")
        # saved with the model since issue 21; a run from before has its config.yaml (documented fallback)
        meta = read_meta(zip_path) or policy_meta(cfg, source=f"run {run_id} config.yaml (model saved without "
                                                              "metadata)")
        pred = Predictor.load(zip_path, vn_path, cfg.algo.name, meta.action_scope, meta.env_kwargs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    label = run.info.run_name or run_id[:8]
    return LearnedPolicy(
        name=f"learned:{label}",
        predictor=pred,
        action_scope=meta.action_scope,
        season_weeks=cfg.env.season_weeks,
        race_distance=cfg.env.race_distance,
        levels=tuple(cfg.env.level_weights()),
        training_seeds=tuple(int(s) for s in cfg.seeds),
        eval_seed=int(cfg.eval.seed),
        run_id=run_id,
        env_kwargs=dict(meta.env_kwargs),
        source=meta.source,
    )
