"""Everything checkable before a run exists: the packages, the folders, the buffer sizes, the
registered-model name, the store, the run to resume."""

from __future__ import annotations

from typing import Any

from agents.baselines import BASELINES
from envs.observation import OBS_SIZE
from experiments import tracking
from experiments.config import ExperimentConfig, flatten, to_yaml
from experiments.io import check_new_folder
from experiments.training.checkpointing import logged_config
from sim.errors import InputError
from sim.whatif import human_bytes

TRAIN_ROLES = ("single", "child", "parent")
#: the most memory the training buffers may need (SB3 allocates the whole rollout or replay buffer up front)
MAX_BUFFER_BYTES = 4_000_000_000


def buffer_bytes(cfg: ExperimentConfig) -> tuple[int, str]:
    """Bytes SB3's rollout (on-policy) or replay (DQN) buffer allocates for `cfg`, and what sets it.

    float32 per transition: the observation (twice for a replay buffer: SB3 keeps the next one), the
    actions, and rewards, returns, values, log-probabilities, advantages, episode starts; an
    action-mask for maskable PPO, the LSTM states (4 x hidden) for recurrent PPO.
    """
    a = cfg.algo
    if hasattr(a, "buffer_size"):
        return int(a.buffer_size) * 4 * (2 * OBS_SIZE + 16), f"algo.buffer_size {a.buffer_size}"
    per = 4 * (OBS_SIZE + 16 + 8)
    if cfg.algo.name == "maskable_ppo":
        per += 64
    if cfg.algo.name == "recurrent_ppo":
        per += 4 * 4 * (a.policy_kwargs.lstm_hidden_size or 256)
    n = int(cfg.n_envs) * int(a.n_steps)
    return n * per, f"n_envs x algo.n_steps = {cfg.n_envs} x {a.n_steps} = {n} transitions"


def check_registered_name(cfg: ExperimentConfig) -> None:
    """InputError unless MLflow's model registry accepts `cfg.registered_model_name` (checked before the run:
    MLflow would refuse it only after training, leaving the run KILLED)."""
    if not cfg.mlflow.register_model:
        return
    name = cfg.registered_model_name
    field = ("mlflow.registered_model" if cfg.mlflow.registered_model
             else "name (the registered model is stridelab-NAME)")
    bad = (not name.strip() or len(name) > 256 or not name.isprintable() or any(c in name for c in "/:%\\")
           or name != name.strip() or name in (".", "..") or "//" in name)
    if not bad:
        from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import
        from mlflow.utils.validation import _validate_model_name  # lazy: mlflow takes 1.5 s to import

        try:
            _validate_model_name(name)
        except MlflowException:
            bad = True
    if bad:
        shown = repr(name) if len(name) <= 80 else repr(name[:80]) + "...(cut)"
        raise InputError(f"{field}: {shown} is not allowed as a registered model name; allowed: 1 to 256 printable "
                         "characters without '/', ':', '%' or '\\' and without leading or trailing spaces")


def check_buffers(cfg: ExperimentConfig) -> None:
    need, what = buffer_bytes(cfg)
    if need > MAX_BUFFER_BYTES:
        raise InputError(f"{what} would need about {human_bytes(need)} for SB3's buffer; allowed: at most "
                         f"{human_bytes(MAX_BUFFER_BYTES)} (fewer n_envs or a smaller algo.n_steps / algo.buffer_size)")


def preflight(cfg: ExperimentConfig, resume: str | None) -> tuple[Any, str | None]:
    """Everything checkable before a run exists: the packages, the folders, the sizes, the registered-model
    name, the store, the resume run."""
    check_registered_name(cfg)
    check_buffers(cfg)

    missing = [b for b in cfg.eval.baselines if b not in BASELINES]
    if missing:
        raise InputError(f"eval.baselines: {missing} not available; allowed: {', '.join(BASELINES)}")

    # checked, not created: a failed start leaves no empty folder behind (issue 15, point 7)
    check_new_folder(cfg.checkpoint.folder, "checkpoint.folder")
    # a resumed run's store must exist; a new run creates a missing SQLite store, under a lock
    cl = tracking.open_store(cfg.mlflow.tracking_uri, "mlflow.tracking_uri", create=resume is None)
    uri = tracking.tracking_uri(cfg.mlflow.tracking_uri)
    if resume is None:
        return cl, None
    from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import

    try:
        run = cl.get_run(resume)
    except MlflowException:
        raise InputError(f"--resume: run {resume!r} not found in {uri}") from None
    role = run.data.tags.get("stridelab.role")
    if role not in TRAIN_ROLES:
        raise InputError(f"--resume: run {resume!r} is not a `stridelab train` run (role {role!r}); allowed: the id "
                         "of a training run printed by `stridelab train`")
    exp = cl.get_experiment(run.info.experiment_id)
    if exp.name != cfg.mlflow.experiment:
        raise InputError(f"--resume: run {resume!r} belongs to experiment {exp.name!r}, not to this config's "
                         f"mlflow.experiment {cfg.mlflow.experiment!r}; resume with the config it was started with")
    logged = logged_config(cl, resume)
    if logged is None:
        # killed between create_run and config.yaml (issue 25, item 12): no checkpoint can exist yet, so the run
        # restarts from step 0 with this config, provided the params it did log (if any) are this config's
        params = {k: str(v)[:6000] for k, v in flatten(cfg).items()}
        logged_params = run.data.params
        if logged_params and any(logged_params.get(k) != v for k, v in params.items() if k in logged_params):
            raise InputError(f"--resume {resume}: the config differs from the run's logged params (the run was "
                             "stopped before its config.yaml was logged); resume with the same config and --set "
                             "overrides")
    elif logged != to_yaml(cfg):
        raise InputError(f"--resume {resume}: the config differs from the run's logged config.yaml; "
                         "resume with the same config and --set overrides")
    return cl, role
