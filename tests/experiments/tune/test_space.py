"""The search space (typed, in the config), sampling it, and the pruning/divergence rules."""

from __future__ import annotations

import math

import optuna
import pytest
from tune_helpers import TINY

from experiments.config import validate
from experiments.config.search import FloatRange, PPOSpace, TuneConfig
from experiments.tune.space import apply, config_params, from_params, suggest
from experiments.tune.storage import parse_storage
from experiments.tune.study import Diverged, _diverged_error, report_eval, trial_config
from sim.errors import InputError


def test_defaults_cover_every_algorithm_with_log_scales_where_they_belong() -> None:
    t = TuneConfig()
    for algo in ("ppo", "maskable_ppo", "recurrent_ppo", "a2c", "dqn"):
        space = t.space(algo).ranges()
        assert space["learning_rate"].log and "gamma" in space and "net_arch" in space
    assert t.ppo.ent_coef.log and not t.ppo.clip_range.log
    assert {"buffer_size", "exploration_fraction", "target_update_interval"} <= set(t.dqn.ranges())


def test_every_space_field_is_a_config_field_of_its_algorithm() -> None:
    """A searched name the algorithm does not have would only fail inside a trial: catch it here."""
    from experiments.config import A2CConfig, DQNConfig, PPOConfig

    for space, algo in ((TuneConfig().ppo, PPOConfig), (TuneConfig().a2c, A2CConfig), (TuneConfig().dqn, DQNConfig)):
        for name in type(space).model_fields:
            assert name in algo.model_fields or name in ("net_arch", "activation"), name


@pytest.mark.parametrize("bad, message", [
    ({"ppo": {"gamma": {"low": 0.99, "high": 0.9}}}, "tune.ppo.gamma.high: 0.9 must be larger than low"),
    ({"a2c": {"n_steps": []}}, "tune.a2c.n_steps"),
    ({"ppo": {"activation": ["tanh", "sigmoid"]}}, "tune.ppo.activation.1"),
    ({"heartbeat_interval_s": 10, "grace_period_s": 5}, "tune.grace_period_s: 5 must exceed heartbeat_interval_s"),
    ({"sac": {}}, "tune.sac: unknown key"),
])
def test_bad_space_is_rejected_naming_the_field(bad, message) -> None:
    with pytest.raises(InputError, match=message.replace(".", r"\.")):
        validate({**TINY, "tune": bad}, "cfg.yaml")


def test_sampled_values_land_in_their_ranges_and_the_config_validates() -> None:
    cfg = validate(TINY, "tiny")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    space = cfg.tune.space("ppo")
    for _ in range(20):
        trial = study.ask()
        values = suggest(trial, space)
        assert 1e-5 <= values["learning_rate"] <= 3e-3
        assert values["net_arch"] in ([16], [32]) and values["batch_size"] in (32, 64, 128)
        data = apply(cfg.model_dump(mode="json"), values)
        assert data["algo"]["policy_kwargs"]["net_arch"] == values["net_arch"]
        assert data["algo"]["n_epochs"] == values["n_epochs"]
        validate(data, "sampled")
        study.tell(trial, 0.0)
    # Optuna stores a network as its label; from_params turns it back into widths
    assert from_params({"net_arch": "32", "gamma": 0.97}, space) == {"net_arch": [32], "gamma": 0.97}


def test_ppo_minibatch_is_clamped_to_one_rollout() -> None:
    cfg = validate(TINY, "tiny")  # n_steps 8 x n_envs 16 = 128
    data = apply(cfg.model_dump(mode="json"), {"batch_size": 4096, "n_steps": 8})
    assert data["algo"]["batch_size"] == 128
    validate(data, "clamped")


def test_unsearched_field_keeps_the_configs_value() -> None:
    cfg = validate({**TINY, "tune": {"ppo": {**TINY["tune"]["ppo"], "learning_rate": None,
                                             "gamma": {"low": 0.9, "high": 0.91}}}}, "tiny")
    trial = optuna.create_study().ask()
    values = suggest(trial, cfg.tune.space("ppo"))
    assert "learning_rate" not in values and 0.9 <= values["gamma"] <= 0.91
    from experiments.tune.study import TuneJob

    job = TuneJob(cfg, parse_storage(None), "s", 1, "", "", "")
    tcfg = trial_config(job, values, 7)
    assert tcfg.algo.learning_rate.value == cfg.algo.learning_rate.value
    assert tcfg.name == "tiny-trial7" and tcfg.seeds == [0] and not tcfg.mlflow.register_model


def test_non_finite_evaluation_is_divergence_and_median_rule_prunes() -> None:
    study = optuna.create_study(pruner=optuna.pruners.MedianPruner(n_startup_trials=1))
    good = {"eval/gap_to_best_template_pct": -1.0, "eval/injured_days": 2.0}
    first = study.ask()
    report_eval(first, 128, good)
    study.tell(first, -1.0)
    trial = study.ask()
    with pytest.raises(Diverged, match="eval/injured_days"):
        report_eval(trial, 128, {**good, "eval/injured_days": math.nan})
    report_eval(trial, 0, {**good, "eval/gap_to_best_template_pct": 5.0})  # step 0 is never judged
    with pytest.raises(optuna.TrialPruned, match="median rule at 128 timesteps"):
        report_eval(trial, 128, {**good, "eval/gap_to_best_template_pct": 5.0})


def test_torch_refusing_nan_parameters_counts_as_divergence() -> None:
    import torch

    with pytest.raises(ValueError) as caught:  # what SB3's policy raises once its weights are NaN
        torch.distributions.Categorical(logits=torch.tensor([[math.nan, 0.0]]))
    assert _diverged_error(caught.value)
    assert not _diverged_error(ValueError("batch_size must be positive"))
    assert not _diverged_error(KeyError("nan"))


def test_float_range_rejects_a_log_scale_through_zero() -> None:
    with pytest.raises(ValueError, match="must be > 0 on a log scale"):
        FloatRange(low=0.0, high=1.0, log=True)
    assert PPOSpace().ranges()["learning_rate"] == FloatRange(low=1e-5, high=3e-3, log=True)


@pytest.mark.parametrize("text, kind", [
    (None, "journal"), ("journal:x.log", "journal"), ("postgresql://u:pw@db:5432/optuna", "postgresql"),
    ("postgresql+psycopg://u@db/optuna", "postgresql"),
])
def test_storage_urls(text, kind, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    spec = parse_storage(text)
    assert spec.kind == kind
    if kind == "postgresql":
        assert spec.target.startswith("postgresql+psycopg://") and "pw" not in spec.shown


def test_config_params_start_the_study_from_the_hand_set_config_where_it_is_inside_the_space() -> None:
    cfg = validate({**TINY, "algo": {**TINY["algo"], "batch_size": 96, "gamma": 0.9,
                                     "learning_rate": {"kind": "linear", "initial": 3e-4, "final": 1e-5}}}, "t")
    start = config_params(cfg, cfg.tune.space("ppo"))
    # batch 96 is not a choice, gamma 0.9 is below the range, a linear schedule is not a point: sampled
    assert not {"batch_size", "gamma", "learning_rate"} & set(start)
    assert start["n_epochs"] == 1 and start["net_arch"] == "16" and start["clip_range"] == 0.2
    assert start["activation"] == "tanh" and "ent_coef" not in start  # 0.0 is outside the log range
