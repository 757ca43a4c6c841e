"""The optimized plan's notes and picture say what a runner does (issue 24, defect 3)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from envs.config import ARTICLE_RULES
from experiments.optimize.genes import N_GENES, sets_of, week_plans
from experiments.optimize.planfile import blocks


def _season_with_default_sets():
    """A season whose race-season weeks the rules turn into maintenance without sets of their own (the weeks
    that read "None sets" before issue 24): searched from a seeded stream of gene vectors."""
    rng = np.random.default_rng(0)
    for _ in range(500):
        weeks = week_plans(rng.random(N_GENES), 52, ARTICLE_RULES)
        if any(w.strength.active and w.strength.sets is None for w in weeks):
            return weeks
    pytest.fail("no season with default sets found")


def test_notes_never_say_none_and_count_down_to_the_race():
    weeks = _season_with_default_sets()
    notes = [b["note"] for b in blocks(weeks, 52)] + [w.note for w in weeks]
    assert not [n for n in notes if "None" in n]
    for n in notes:
        for first, last in re.findall(r"race in (\d+)-(\d+) weeks", n):
            assert int(first) < int(last), n  # never "race in 2-1 weeks"
    assert any("sets (default)" in n for n in notes)


def test_default_sets_are_the_simulators():
    from sim.kernel import default_sets
    from sim.parameters import default_parameters
    from sim.state import EMPHASES

    weeks = _season_with_default_sets()
    s = next(w.strength for w in weeks if w.strength.active and w.strength.sets is None)
    sets, default = sets_of(s)
    assert default and sets == default_sets(default_parameters(), EMPHASES.index(s.emphasis))


def test_the_plan_picture_labels_every_strength_week_with_a_number(monkeypatch):
    import matplotlib.axes

    from experiments.optimize.plot import plan_png

    texts: list[str] = []
    real = matplotlib.axes.Axes.text

    def spy(self, x, y, s, *a, **k):
        texts.append(str(s))
        return real(self, x, y, s, *a, **k)

    monkeypatch.setattr(matplotlib.axes.Axes, "text", spy)
    weeks = _season_with_default_sets()
    png = plan_png(weeks, "intermediate", "test")
    assert png.startswith(b"\x89PNG")
    labels = texts[-sum(w.strength.active for w in weeks):]
    assert labels and all(re.fullmatch(r"\d\*?", t) for t in labels), labels
    assert "None" not in texts
