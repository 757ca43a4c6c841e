"""The ladder's arithmetic: the share of the oracle gap, paired differences, the README block."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.headline.ladder import oracle_gap_share
from experiments.headline.report import BEGIN, END, paired, recorded, rewrite_block


def test_oracle_gap_share_known_answers():
    t = np.array([0.0, -1.0, -2.0, -3.0])
    o = t - 2.0
    assert oracle_gap_share(t, t - 1.0, o)[0] == pytest.approx(0.5)
    assert oracle_gap_share(t, t, o)[0] == pytest.approx(0.0)
    assert oracle_gap_share(t, o, o)[0] == pytest.approx(1.0)
    assert oracle_gap_share(t, t + 1.0, o)[0] == pytest.approx(-0.5)  # worse than the template
    share, lo, hi = oracle_gap_share(t, t - 1.0 + np.array([0.1, -0.1, 0.2, -0.2]), o)
    assert lo <= share <= hi


def test_paired_difference_is_per_athlete():
    per = pd.DataFrame({"policy": ["a"] * 3 + ["b"] * 3, "athlete": [2, 0, 1, 0, 1, 2],
                        "race_time_pct": [3.0, 1.0, 2.0, 0.5, 1.0, 2.0]})
    d, lo, hi = paired(per, "a", "b", "race_time_pct")
    assert d == pytest.approx(np.mean([0.5, 1.0, 1.0]))
    assert lo <= d <= hi


def test_the_block_is_rewritten_and_its_provenance_read_back():
    text = f"# title\n\n{BEGIN}\nold\n{END}\n\nrest\n"
    block = "Made by `stridelab headline --out h` on commit `0123456789ab` (model fingerprint `00112233aabbccdd`; ..."
    new = rewrite_block(text, block, "README.md")
    assert new.startswith("# title") and new.endswith("rest\n") and "old" not in new
    assert recorded(new) == {"commit": "0123456789ab", "dirty": False, "fingerprint": "00112233aabbccdd"}
    assert recorded(text) is None
    with pytest.raises(ValueError, match="markers"):
        rewrite_block("no markers", block, "README.md")


def test_the_plan_follower_plays_the_plan_through_the_env_actions():
    """The ablation's stand-in policy: the env decodes its actions into (nearly) the plan it follows."""
    from agents.evaluation import rollout
    from envs.config import ARTICLE_RULES
    from experiments.headline.ablation import PlanFollower
    from experiments.optimize.genes import decode
    from sim.state import P_EMPHASIS, P_RUN_KM, P_SETS, P_STR_SESSIONS
    from sim.whatif import make_cohort

    plan = decode(np.random.default_rng(4).random(45), 52, ARTICLE_RULES)
    c = make_cohort("intermediate", 3, 5, "10k")
    kw = {"action_scope": "strength_and_run", "limits": ARTICLE_RULES.model_dump()}
    played, _ = rollout(PlanFollower(plan, kw), c, 52, **kw)
    for a in range(c.n):
        np.testing.assert_array_equal(played[a, :, P_STR_SESSIONS], plan[:, P_STR_SESSIONS])
        np.testing.assert_array_equal(played[a, :, P_EMPHASIS], plan[:, P_EMPHASIS])
        lifts = plan[:, P_STR_SESSIONS] > 0
        np.testing.assert_array_equal(played[a, lifts, P_SETS], plan[lifts, P_SETS])
        rel = played[a, :-1, P_RUN_KM] / plan[:-1, P_RUN_KM]
        assert np.median(np.abs(rel - 1)) < 0.1  # the volume steps track the plan
