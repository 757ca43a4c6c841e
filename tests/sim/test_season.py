"""Season periodization: phases by weeks to race and the reference running."""

from __future__ import annotations

import pytest

from sim.season import (
    PHASE_BASE,
    PHASE_PRE,
    PHASE_RACE,
    PHASE_TAPER,
    PHASE_TRANSITION,
    phase_of,
    reference_run_plan,
)
from sim.state import P_KEY_RUNS, P_RACE, P_RUN_IS_REL, P_RUN_KM


def test_phases_by_weeks_to_race():
    n = 52
    assert [phase_of(w, n) for w in (0, 2, 3)] == [PHASE_TRANSITION, PHASE_TRANSITION, PHASE_BASE]
    assert phase_of(n - 1 - 16, n) == PHASE_PRE and phase_of(n - 1 - 17, n) == PHASE_BASE
    assert phase_of(n - 1 - 6, n) == PHASE_RACE and phase_of(n - 1 - 7, n) == PHASE_PRE
    assert [phase_of(w, n) for w in (n - 3, n - 2, n - 1)] == [PHASE_TAPER] * 3
    assert phase_of(0, 12) == PHASE_PRE  # short seasons have no transition block


@pytest.mark.parametrize("level", [0, 1, 2])
def test_reference_running_builds_then_tapers_to_the_race(level):
    p = reference_run_plan(level, 52)
    assert (p[:, P_RUN_IS_REL] == 1).all()
    assert p[-1, P_RACE] == 1 and (p[:-1, P_RACE] == 0).all()
    vol = p[:, P_RUN_KM]
    assert vol[-3] > vol[-2] > vol[-1] and vol[-1] < 0.5  # taper 75/60/45%
    assert vol[-10:-3].mean() > vol[-3:].mean()
    assert p[-1, P_KEY_RUNS] >= 1  # one key session kept in the taper
    assert max(vol) <= 1.1 + 1e-12 and (vol[7:44:4] < vol[8:45:4]).all()  # recovery every 4th week
