"""The expected cost of an injury, shared by the training reward (`environments.ExpectedInjuryReward`)
and the optimizer's objective: `sim.parameters.mean_injury_days` (derived from the physiology's
parameters, so it lives with them); re-exported here for the training package's callers."""

from __future__ import annotations

from sim.parameters import mean_injury_days

__all__ = ["mean_injury_days"]
