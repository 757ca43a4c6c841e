"""Figures for a coach (issue 13): fitness/fatigue/form, plain names, zero-based amounts, the plan strip."""

import numpy as np
import pytest

from experiments.report.coach_plots import FATIGUE_DAYS, FITNESS_DAYS, load_averages, policy_label


def test_steady_load_has_equal_fitness_and_fatigue_and_zero_form():
    day, fit, fat, form = load_averages([700.0] * 10)
    assert len(day) == 70 and fit == pytest.approx(np.full(70, 100.0)) and form == pytest.approx(np.zeros(70))


def test_a_load_jump_raises_fatigue_faster_than_fitness_and_a_taper_brings_form():
    _, fit, fat, form = load_averages([700.0] * 4 + [1400.0] * 4 + [350.0] * 2)
    jump = 4 * 7 + 6
    assert fat[jump] > fit[jump] and form[jump] < 0
    assert form[-1] > 0  # the taper: fatigue falls faster than fitness
    # the averages' time constants
    assert FITNESS_DAYS == 42 and FATIGUE_DAYS == 7


@pytest.mark.parametrize("name", ["mistake_lift_before_key", "run_only", "mistake_drop_in_season", "advanced"])
def test_policy_names_are_plain(name):
    label = policy_label(name)
    assert "_" not in label and not label.startswith("m:")


def test_simulate_plot_shows_planned_km_and_zero_based_amounts(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from experiments.report.whatif import plot_weekly
    from sim.plan import StrengthPlan, WeekPlan, plans_to_array

    n = 12
    weekly = pd.DataFrame({"week": np.arange(1, n + 1), "run_km": np.linspace(39, 42, n),
                           "strength_sessions": [2.0] * n, "strength_pct": np.linspace(0, 20, n),
                           "economy_pct": np.linspace(0, 3, n), "vo2max_pct": np.linspace(0, 1, n),
                           "race_time_pct": np.linspace(0, -3, n), "injured_days": [0.3] * n,
                           "soreness": [0.8] * n})
    plan = plans_to_array([WeekPlan(run_km=45.0, strength=StrengthPlan(sessions=2)) for _ in range(n)])
    figs = []
    orig = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: figs.append(fig))
    png = plot_weekly(weekly, "What the plan 'example' does", [45.0] * n, ["base"] * n, [1400.0] * n, plan)
    monkeypatch.setattr(plt, "close", orig)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    fig = figs[0]
    km = fig.axes[0]
    assert km.get_ylim()[0] == 0.0  # a km axis from 0, not 39-42
    assert {t.get_text() for t in km.get_legend().get_texts()} >= {"planned"}
    assert any(line.get_ydata()[0] == 45.0 for line in km.get_lines())
    titles = [a.get_title() for a in fig.axes]
    assert any("fitness, fatigue and form" in t for t in titles)
    assert any("what the plan prescribes" in t for t in titles)
    assert fig._suptitle.get_text() == "What the plan 'example' does"
    for a in fig.axes:
        leg = a.get_legend()
        for t in leg.get_texts() if leg else []:
            assert "_pct" not in t.get_text() and "strength_" not in t.get_text()
    plt.close(fig)


def test_the_plan_strip_says_its_effort_is_the_planned_one(monkeypatch):
    """Issue 24, defect 4: season.png's strip said "hard" where the scheduler had lightened the sessions; the
    strip shows the week plan's effort, so it is labelled as planned."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from experiments.report.coach_plots import plan_strip
    from sim.plan import StrengthPlan, WeekPlan, plans_to_array

    plan = plans_to_array([WeekPlan(run_km=40, key_runs=2, strength=StrengthPlan(sessions=3, effort="hard"))] * 4)
    fig, ax = plt.subplots()
    plan_strip(ax, {"plan": np.asarray(plan)})
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "planned effort" in labels and "effort" not in labels
    assert "lighten" in ax.get_title()
    assert {t.get_text() for t in ax.get_legend().get_texts()} >= {"hard effort (planned)"}
    plt.close(fig)
