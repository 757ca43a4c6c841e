"""The experiment config: every shipped config validates, bad configs fail with a message naming the
file, the key path and what is allowed, overrides go through the same validation, and the
hyperparameters are accepted by the real SB3 constructors."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import yaml

from experiments.cli import main
from experiments.config import (
    ALGORITHMS,
    LinearSchedule,
    apply_overrides,
    flatten,
    load_config,
    make_schedule,
    to_yaml,
    validate,
)
from sim.errors import InputError

CONFIGS = sorted((Path(__file__).resolve().parents[3] / "configs").glob("*.yaml"))
MINIMAL = {"name": "t", "algo": {"name": "ppo"}, "total_timesteps": 1000}


def write(tmp_path: Path, data: object, name: str = "c.yaml") -> Path:
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data))
    return p


def error_of(tmp_path: Path, data: object, overrides: list[str] | None = None) -> str:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as exc:
        load_config(path, overrides)
    msg = str(exc.value)
    assert str(path) in msg
    return msg


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_validate_and_round_trip(path: Path) -> None:
    cfg = load_config(path)
    again = validate(yaml.safe_load(to_yaml(cfg)), "round trip")
    assert again == cfg


def test_required_configs_exist() -> None:
    names = {p.stem for p in CONFIGS}
    assert {"quickstart", "beginner", "intermediate", "advanced", "recurrent_ppo", "maskable_ppo"} <= names
    algos = {load_config(p).algo.name for p in CONFIGS}
    assert {"ppo", "recurrent_ppo", "maskable_ppo"} <= algos


def test_unknown_key_is_named_with_its_path(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "n_stepz": 5}})
    assert "algo.n_stepz" in msg and "unknown key" in msg


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert "learning_rate: unknown key" in error_of(tmp_path, {**MINIMAL, "learning_rate": 0.1})


def test_wrong_type_names_value(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "n_epochs": "many"}})
    assert "algo.n_epochs" in msg and "'many'" in msg and "integer" in msg


def test_out_of_range_says_what_is_allowed(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "gamma": 1.5}})
    assert "algo.gamma" in msg and "less than or equal to 1" in msg


def test_unknown_algorithm_lists_the_allowed(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "sac"}})
    assert "algo: unknown algorithm" in msg
    for name in ALGORITHMS:
        assert name in msg


def test_hyperparameter_of_another_algorithm_is_rejected(tmp_path: Path) -> None:
    # buffer_size is DQN's; PPO must not silently accept it
    assert "algo.buffer_size: unknown key" in error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo",
                                                                                   "buffer_size": 10}})


def test_env_fields_are_validated(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "env": {"level": "elite", "action_scope": "everything"}})
    assert "env.level" in msg and "env.action_scope" in msg and "'strength'" in msg


def test_schedule_mini_language_is_not_accepted(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "learning_rate": "lin_3e-4"}})
    assert "algo.learning_rate" in msg
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "learning_rate": {"kind": "cosine"}}})
    assert "algo.learning_rate" in msg and "'linear'" in msg


def test_activation_from_allowed_set(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "policy_kwargs": {"activation": "nn.Tanh()"}}})
    assert "algo.policy_kwargs.activation" in msg and "'relu'" in msg


def test_cross_field_checks_name_the_key(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {**MINIMAL, "n_envs": 4, "algo": {"name": "ppo", "n_steps": 8, "batch_size": 64}})
    assert "algo.batch_size" in msg and "32" in msg
    msg = error_of(tmp_path, {**MINIMAL, "seeds": [3], "eval": {"seed": 3}})
    assert "eval.seed" in msg
    msg = error_of(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "policy_kwargs": {"lstm_hidden_size": 8}}})
    assert "algo.policy_kwargs.lstm_hidden_size" in msg and "recurrent_ppo" in msg


def test_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_config(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="invalid YAML"):
        load_config(bad)


def test_required_fields(tmp_path: Path) -> None:
    msg = error_of(tmp_path, {"name": "t"})
    assert "algo: required field is missing" in msg and "total_timesteps: required field is missing" in msg


def test_overrides_parse_yaml_scalars_and_validate(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL)
    cfg = load_config(path, ["algo.n_epochs=3", "algo.learning_rate=1e-3", "seeds=[1, 2]",
                             "env.level=advanced", "normalize.observations=true"])
    assert cfg.algo.n_epochs == 3 and cfg.seeds == [1, 2] and cfg.env.level == "advanced"
    assert make_schedule(cfg.algo.learning_rate) == pytest.approx(1e-3)
    assert cfg.normalize.observations is True
    with pytest.raises(InputError) as exc:
        load_config(path, ["algo.n_epochs=zero"])
    assert "algo.n_epochs" in str(exc.value) and "--set algo.n_epochs=zero" in str(exc.value)
    with pytest.raises(InputError, match="key.sub=value"):
        load_config(path, ["algo.n_epochs"])


def test_override_of_a_mapping_value_and_list_index() -> None:
    data = apply_overrides({"seeds": [0, 1], "algo": {"name": "ppo"}},
                           ["seeds.1=7", "algo.learning_rate={kind: linear, initial: 0.001, final: 0}"])
    assert data["seeds"] == [0, 7]
    assert data["algo"]["learning_rate"] == {"kind": "linear", "initial": 0.001, "final": 0}
    with pytest.raises(InputError, match="index out of range"):
        apply_overrides({"seeds": [0]}, ["seeds.3=1"])


def test_linear_schedule_end_points_and_pickle() -> None:
    f = make_schedule(LinearSchedule(kind="linear", initial=1e-3, final=1e-5))
    assert f(1.0) == pytest.approx(1e-3) and f(0.0) == pytest.approx(1e-5)
    assert f(0.5) == pytest.approx(0.5 * (1e-3 + 1e-5))
    assert pickle.loads(pickle.dumps(f))(0.0) == pytest.approx(1e-5)


def test_flatten_gives_dotted_params() -> None:
    flat = flatten(validate(MINIMAL, "x"))
    assert flat["algo.name"] == "ppo" and flat["algo.policy_kwargs.activation"] == "tanh"
    assert "env.reward.injury_day" in flat


@pytest.mark.parametrize("algo", ALGORITHMS)
def test_sb3_accepts_the_validated_hyperparameters(algo: str) -> None:
    """The kwargs built from a config go straight into the real SB3 constructor."""
    import gymnasium as gym
    from stable_baselines3.common.env_util import make_vec_env

    from experiments.policy import ALGO_CLASSES, algo_class

    algo_cfg: dict = {"name": algo, "learning_rate": {"kind": "linear", "initial": 1e-3, "final": 1e-4}}
    if algo == "recurrent_ppo":
        algo_cfg["policy_kwargs"] = {"lstm_hidden_size": 16, "net_arch": [16]}
    elif algo in ("ppo", "maskable_ppo"):
        algo_cfg["policy_kwargs"] = {"net_arch": {"pi": [16], "vf": [8]}, "activation": "relu"}
    if algo in ("ppo", "maskable_ppo", "recurrent_ppo"):
        algo_cfg.update(n_steps=8, batch_size=16)
    env_cfg = {"action_scope": "strength"}
    cfg = validate({**MINIMAL, "algo": algo_cfg, "n_envs": 2, "env": env_cfg}, "x")
    env_id = "CartPole-v1"
    venv = make_vec_env(env_id, n_envs=2) if algo != "maskable_ppo" else make_vec_env(
        lambda: gym.make(env_id), n_envs=2)
    model = algo_class(algo)(ALGO_CLASSES[algo][2], venv, device="cpu", **cfg.algo.sb3_kwargs())
    assert model.lr_schedule(1.0) == pytest.approx(1e-3)
    assert model.lr_schedule(0.0) == pytest.approx(1e-4)


def test_cli_bad_config_exits_2_without_traceback_or_run(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    path = write(tmp_path, {**MINIMAL, "algo": {"name": "ppo", "n_steps": -1}})
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "algo.n_steps" in err and str(path) in err
    assert main(["train", str(tmp_path / "nope.yaml")]) == 2
    assert main(["train", str(write(tmp_path, MINIMAL, "ok.yaml")), "--set", "algo.name=sac"]) == 2
    assert "unknown algorithm" in capsys.readouterr().err
    # validation happens before MLflow is touched: no store, no runs folder
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "runs").exists()


def test_every_field_of_the_experiment_models_is_described() -> None:
    """The schema documents itself: every field of every model reachable from ExperimentConfig
    (except the environment's own models, documented in envs.config) carries a description."""
    import typing

    from pydantic import BaseModel

    from experiments import config as C

    seen: set[type] = set()
    missing: list[str] = []

    def models_in(annotation: object) -> list[type]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return [annotation]
        return [m for arg in typing.get_args(annotation) for m in models_in(arg)]

    def walk(model: type) -> None:
        if model in seen or not model.__module__.startswith(C.__name__ + "."):
            return
        seen.add(model)
        for name, f in model.model_fields.items():
            if not f.description:
                missing.append(f"{model.__name__}.{name}")
            for sub in models_in(f.annotation):
                walk(sub)

    walk(C.ExperimentConfig)
    assert {C.PPOConfig, C.DQNConfig, C.LinearSchedule, C.PolicyKwargs, C.EvalConfig} <= seen
    assert missing == []
