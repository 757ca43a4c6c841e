"""Deprecated (issue 21): the training pipeline is the package `experiments.training`. This module
re-exports its public names for one release; import them from their `experiments.training` module."""

from experiments.training.checkpointing import ResumeLock, RunContext
from experiments.training.environments import (
    ExpectedInjuryReward,
    FlatDiscreteVecEnv,
    make_train_env,
    predictor_of,
    set_threads,
)
from experiments.training.evaluation import Evaluation, Evaluator, eval_cohort, eval_metrics, mean_ci
from experiments.training.injury import mean_injury_days
from experiments.training.preflight import MAX_BUFFER_BYTES, buffer_bytes, check_registered_name, preflight
from experiments.training.run import TrainResult, aggregate, run_description, train, train_seed

__all__ = [
    "ResumeLock", "RunContext", "ExpectedInjuryReward", "FlatDiscreteVecEnv", "make_train_env", "mean_injury_days",
    "predictor_of", "set_threads", "Evaluation", "Evaluator", "eval_cohort", "eval_metrics", "mean_ci",
    "MAX_BUFFER_BYTES", "buffer_bytes", "check_registered_name", "preflight", "TrainResult", "aggregate",
    "run_description", "train", "train_seed",
]
