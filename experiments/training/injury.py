"""The expected cost of an injury, shared by the training reward (`environments.ExpectedInjuryReward`)
and the optimizer's objective (`experiments.optimize.objective`). Imports only `sim`."""

from __future__ import annotations

import math

import numpy as np

from sim.parameters import INJURY_MEDIAN_D, INJURY_SIGMA_LN


def mean_injury_days(gp: np.ndarray) -> float:
    """Mean time lost per injury: the kernel draws it log-normal (median, sigma), mean = median e^(sigma^2/2)."""
    return float(gp[INJURY_MEDIAN_D] * math.exp(0.5 * gp[INJURY_SIGMA_LN] ** 2))
