"""Shared fixtures: small warmed-up cohorts (cheap in numba)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def gp():
    from sim.parameters import default_parameters

    return default_parameters()
