"""Every row of the published calibration table passes (configs/calibration/)."""

from __future__ import annotations

import pytest

from sim.calibration import CALIBRATION_DIR, run_scenario, scenarios

SCENARIOS = scenarios()


def test_every_published_row_has_a_scenario():
    ids = {s.id for s in SCENARIOS}
    published = {"RE-avg", "RE-vo2", "STOREN", "STR-novice", "STR-neural", "DT-rest", "DT-maint", "VO2-detrain",
                 "INJ-base", "INJ-strength", "INJ-spike", "INTERF", "NEXT-DAY", "BANISTER", "TENDON-SN",
                 "TAPER", "DOSE-U", "LOW-CHRONIC", "STR-FREQ", "HETERO"}
    assert published <= ids
    assert len(list(CALIBRATION_DIR.glob("*.yaml"))) == len(SCENARIOS)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_calibration_row_passes(scenario):
    for row in run_scenario(scenario):
        lo, hi = row["range"]
        assert lo <= row["simulated"] <= hi, row


def test_calibration_under_model_draws_reports_pass_share(tmp_path):
    """`calibrate --model-draws`: each row gets the share of draws inside the published range."""
    import shutil

    import numpy as np

    from sim.calibration import calibrate_draws
    from sim.parameters import draw_parameters

    shutil.copy(CALIBRATION_DIR / "str_freq.yaml", tmp_path / "str_freq.yaml")
    rows = calibrate_draws(draw_parameters(3, seed=0), athletes=200, folder=tmp_path)
    assert [r["check"] for r in rows] == ["1RM gain 2x3 / 1x6", "1RM gain 3x2 / 1x6"]
    for r in rows:
        assert r["draws"] == 3
        assert np.isclose(r["pass_share"] * 3, round(r["pass_share"] * 3), atol=0.01)
        lo, hi = r["draw_p5_p95"]
        assert lo <= hi


def test_spread_measures_known_answers():
    """spread_cv and share_below on a known cohort of gains; completers drops the long-injured."""
    import numpy as np

    from sim.calibration import Check, _measure
    from sim.state import M_INJURED_DAYS, M_VO2MAX, METRIC_SIZE

    class _Res:  # the fields of sim.whatif.Result the spread measures read
        def __init__(self, gains, injured_days):
            n = len(gains)
            self.start_vo2max = np.full(n, 40.0)
            self.metrics = np.zeros((n, 2, METRIC_SIZE))
            self.metrics[:, -1, M_VO2MAX] = 40.0 + np.asarray(gains)
            self.metrics[:, 0, M_INJURED_DAYS] = injured_days

    res = _Res([1.0, 2.0, 3.0, 0.1, 10.0], [0, 0, 0, 0, 5])
    cv = Check(label="cv", measure="spread_cv", arm="a", metric="vo2max_gain", range=(0, 1))
    low = Check(label="low", measure="share_below", arm="a", metric="vo2max_gain", fraction=0.25, range=(0, 1))
    g = np.array([1.0, 2.0, 3.0, 0.1, 10.0])
    assert _measure(cv, {"a": res}, None) == pytest.approx(g.std() / g.mean())
    assert _measure(low, {"a": res}, None) == pytest.approx(np.mean(g < 0.25 * g.mean()))
    kept = g[:4]  # 5 injured days of 14 is more than 5%
    done = cv.model_copy(update={"completers": 0.05})
    assert _measure(done, {"a": res}, None) == pytest.approx(kept.std() / kept.mean())
