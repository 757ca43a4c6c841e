"""Deprecated (issue 21): the training pipeline is the package `experiments.training`. This module
re-exports its public names for one release; import from `experiments.training` instead."""

from experiments.training import *  # noqa: F403
from experiments.training import __all__  # noqa: F401
