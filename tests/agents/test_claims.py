"""The article's claims, tested on the simulator (issue 4).

For each level, on 1000 athletes of that level over a 52-week season ending in a 10k, with
common random numbers (every policy meets the same athletes and the same draws):

- the level's template beats run-only on race time AND on injured days;
- each mistake is worse than the level's template (its corrected version) on the outcome
  the article names: toning only and random workouts on performance (race time), lifting
  hard the day before key runs on key-run quality, dropping strength in season on race-day
  performance, ignoring pain on injuries (injured days);
- and each mistake is worse than that template on an outcome a runner cares about: race time
  or injured days (issue 9: a mistake that only costs session quality would be no mistake).

"Beats" / "worse" means the 95% bootstrap CI of the paired difference excludes zero in that
direction. Nothing in the simulator knows about these policies: the differences come from the
mechanisms (strength, tissue capacity, damage, pain readings, key-run quality).
"""

from __future__ import annotations

import pytest

from agents.baselines import BASELINES, MISTAKE_OUTCOME
from agents.evaluation import HIGHER_IS_BETTER, evaluate, summarize
from sim.state import LEVELS
from sim.whatif import make_cohort

ATHLETES = 1000
WEEKS = 52
SEED = 2026
N_BOOT = 400

@pytest.fixture(scope="module")
def results():
    out = {}
    for level in LEVELS:
        cohort = make_cohort(level, ATHLETES, SEED, "10k")
        out[level] = evaluate(BASELINES, cohort, WEEKS, reference="run_only", n_boot=N_BOOT)
    return out


def _paired(res, policy: str, reference: str, metric: str) -> tuple[float, float, float]:
    pa = res.per_athlete[res.per_athlete.policy.isin([policy, reference])]
    s = summarize(pa, reference=reference, n_boot=N_BOOT, metrics=(metric,))
    return (float(s.loc[policy, f"{metric}_diff"]), float(s.loc[policy, f"{metric}_diff_lo"]),
            float(s.loc[policy, f"{metric}_diff_hi"]))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("metric", ["race_time_pct", "injured_days"])
def test_template_beats_run_only(results, level, metric):
    s = results[level].summary
    d, lo, hi = (s.loc[level, f"{metric}_{k}"] for k in ("diff", "diff_lo", "diff_hi"))
    assert hi < 0.0, (f"{level}: template - run_only {metric} = {d:+.3f} [{lo:+.3f}, {hi:+.3f}]; "
                      f"template {s.loc[level, metric]:.3f}, run_only {s.loc['run_only', metric]:.3f}")


_CASES = [(level, mistake) for level in LEVELS for mistake in MISTAKE_OUTCOME]


@pytest.mark.parametrize("level, mistake", _CASES)
def test_mistake_is_worse_than_its_corrected_template(results, level, mistake):
    metric = MISTAKE_OUTCOME[mistake]
    d, lo, hi = _paired(results[level], mistake, level, metric)
    msg = f"{level}: {mistake} - {level} template on {metric} = {d:+.3f} [{lo:+.3f}, {hi:+.3f}]"
    if metric in HIGHER_IS_BETTER:
        assert hi < 0.0, msg
    else:
        assert lo > 0.0, msg


@pytest.mark.parametrize("level, mistake", _CASES)
def test_mistake_costs_race_time_or_injured_days(results, level, mistake):
    found = []
    for metric in ("race_time_pct", "injured_days"):
        d, lo, hi = _paired(results[level], mistake, level, metric)
        found.append(f"{metric} {d:+.3f} [{lo:+.3f}, {hi:+.3f}]")
        if lo > 0.0:  # both: higher is worse
            return
    pytest.fail(f"{level}: {mistake} - {level} template: " + "; ".join(found) + " (neither CI above 0)")
