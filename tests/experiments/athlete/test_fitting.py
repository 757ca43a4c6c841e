"""Fitting an athlete to a log: synthetic athletes with known parameters, fitted back."""

from __future__ import annotations

from experiments.athlete.synthetic import check_one, coverage_table


def test_intervals_cover_the_truth_and_narrow_with_races(tmp_path):
    """Synthetic athletes drawn from the population: ~90% of the 90% intervals hold the truth."""
    rows = [check_one(500 + i, n, ("strava", "intervals")[i % 2], tmp_path / f"{n}-{i}")
            for n in (1, 8) for i in range(24)]
    table = coverage_table(rows)
    pooled = table["coverage90"].mean()
    # 192 intervals: a binomial 90% has sd 0.022; allow ~3 sd
    assert 0.82 <= pooled <= 0.97, table
    width = table[table["parameter"] == "vo2max_untrained"].set_index("races")["mean_width"]
    assert width[8] < 0.85 * width[1]

