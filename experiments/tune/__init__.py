"""Hyperparameter search (`stridelab tune`): Optuna over the training pipeline, tracked in MLflow.

- `space`: the search space, declared in the typed config (`tune:` section, per algorithm).
- `storage`: where the study lives (an embedded journal file, or PostgreSQL for many machines)
  and the study-wide lock that keeps the trial count exact across workers.
- `study`: the objective (one training per trial, pruned on the periodic held-out evaluation),
  the worker loop and the study's parent MLflow run.
- `report`: optimisation-history and parameter-importance plots, the best config as YAML.

The search space itself is data in the config (`experiments.config.search`); importing this package
imports Optuna and the training pipeline (only `stridelab tune` does).
"""
