"""Every row of the published calibration table passes (configs/calibration/)."""

from __future__ import annotations

import pytest

from sim.calibration import CALIBRATION_DIR, run_scenario, scenarios

SCENARIOS = scenarios()


def test_every_published_row_has_a_scenario():
    ids = {s.id for s in SCENARIOS}
    published = {"RE-avg", "RE-vo2", "STOREN", "STR-novice", "STR-neural", "DT-rest", "DT-maint", "VO2-detrain",
                 "INJ-base", "INJ-strength", "INJ-spike", "INTERF", "NEXT-DAY", "BANISTER", "TENDON-SN",
                 "TAPER", "DOSE-U", "LOW-CHRONIC", "STR-FREQ"}
    assert published <= ids
    assert len(list(CALIBRATION_DIR.glob("*.yaml"))) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_calibration_row_passes(scenario):
    for row in run_scenario(scenario):
        lo, hi = row["range"]
        assert lo <= row["simulated"] <= hi, row
