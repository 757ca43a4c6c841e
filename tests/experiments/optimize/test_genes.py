"""Decoding genes to week plans: any real vector gives a valid season; the phase structure holds."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.optimize.genes import (
    G_VOL_END,
    G_VOL_START,
    N_GENES,
    N_PHASE_GENES,
    VOLUME_MAX,
    VOLUME_MIN,
    center,
    decode,
    week_plans,
)
from sim.plan import WeekPlan, plans_to_array
from sim.season import PHASE_TAPER, PHASES, phase_of
from sim.state import P_RACE, P_RUN_KM, P_STR_SESSIONS

genes = st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=N_GENES, max_size=N_GENES)


@settings(max_examples=60, deadline=None)
@given(g=genes, n_weeks=st.integers(4, 104))
def test_any_gene_vector_decodes_to_valid_week_plans_that_round_trip(g, n_weeks):
    arr = decode(np.array(g), n_weeks)
    assert arr.shape[0] == n_weeks and np.isfinite(arr).all()
    weeks = [WeekPlan.from_array(row) for row in arr]  # validates every field's range
    np.testing.assert_array_equal(plans_to_array(weeks), arr)
    assert VOLUME_MIN - 1e-9 <= arr[:, P_RUN_KM].min() and arr[:, P_RUN_KM].max() <= VOLUME_MAX + 1e-9
    assert arr[:, P_RACE].tolist() == [0.0] * (n_weeks - 1) + [1.0]
    assert set(arr[:, P_STR_SESSIONS]) <= {0.0, 1.0, 2.0, 3.0}


def test_labelled_weeks_are_the_decoded_season_with_phases_and_notes():
    g = np.random.default_rng(1).random(N_GENES)
    weeks = week_plans(g, 52)
    np.testing.assert_array_equal(plans_to_array(weeks), decode(g, 52))
    assert [w.phase for w in weeks] == [PHASES[phase_of(w, 52)] for w in range(52)]
    assert weeks[-1].note.endswith("race on day 7 of this week") and "race in 51 weeks" in weeks[0].note


def test_volume_runs_linearly_from_start_to_end_gene_within_a_phase():
    g = center()
    taper = PHASE_TAPER * N_PHASE_GENES
    g[taper + G_VOL_START], g[taper + G_VOL_END] = 1.0, 0.0
    vol = decode(g, 52)[-3:, P_RUN_KM]  # the taper is the last three weeks
    np.testing.assert_allclose(vol, [VOLUME_MAX, (VOLUME_MAX + VOLUME_MIN) / 2, VOLUME_MIN])


def test_out_of_box_genes_clamp_to_the_box_edge():
    g = np.random.default_rng(2).normal(0.5, 2.0, N_GENES)
    np.testing.assert_array_equal(decode(g, 30), decode(np.clip(g, 0, 1), 30))


def test_genes_decoded_under_the_article_rules_obey_them(assert_article_rules):
    from envs.config import ARTICLE_RULES

    rng = np.random.default_rng(11)
    for n_weeks, level in ((52, "intermediate"), (20, "beginner")):
        g = rng.random((6, N_GENES))
        free = np.stack([decode(x, n_weeks) for x in g])
        ruled = np.stack([decode(x, n_weeks, ARTICLE_RULES) for x in g])
        assert not np.array_equal(free, ruled)  # random genes break the rules; the limits fix them
        # random genes plan down to 0.2x habitual km (a few km a week), where the day schedule drops km:
        # the day-level taper check is for plans at a runner's volume (the CLI test's optimized plan)
        assert_article_rules(ruled, ARTICLE_RULES, level, sample=6, day_taper=False)
        plans = week_plans(g[0], n_weeks, ARTICLE_RULES)
        np.testing.assert_allclose(plans_to_array(plans), ruled[0], atol=1e-12)
        np.testing.assert_array_equal(decode(g[0], n_weeks, None), free[0])  # rules none: as before


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), n_weeks=st.integers(4, 104), ruled=st.booleans())
def test_decode_batch_is_decode_row_by_row(seed, n_weeks, ruled):
    from envs.config import ARTICLE_RULES
    from experiments.optimize.genes import decode_batch

    g = np.random.default_rng(seed).uniform(-0.3, 1.3, size=(7, N_GENES))
    lim = ARTICLE_RULES if ruled else None
    np.testing.assert_array_equal(decode_batch(g, n_weeks, lim), np.stack([decode(x, n_weeks, lim) for x in g]))
