"""The batched env: same trajectories as single envs, SB3 auto-reset, cohorts as in sim.whatif."""

from __future__ import annotations

import numpy as np
import pytest

from envs import StrengthRunEnv
from envs.actions import action_nvec, action_to_week_plan
from envs.vec_env import StrengthRunVecEnv
from sim.errors import InputError
from sim.plan import plans_to_array
from sim.state import M_RUN_KM
from sim.whatif import make_cohort, run

KW = dict(season_weeks=5, action_scope="strength_and_run", athlete_pool=256, max_weeks=None)


def random_actions(n_steps, n_envs, scope="strength_and_run", seed=0):
    rng = np.random.default_rng(seed)
    nvec = np.array(action_nvec(scope))
    return rng.integers(0, nvec, size=(n_steps, n_envs, len(nvec))).astype(np.int64)


def test_rows_follow_single_envs_across_auto_resets():
    n, steps = 3, 12  # over two auto-resets of 5-week seasons
    acts = random_actions(steps, n)
    vec = StrengthRunVecEnv(n, seed=40, **KW)
    singles = [StrengthRunEnv(**KW) for _ in range(n)]
    obs_v = vec.reset()
    obs_s = [e.reset(seed=40 + i)[0] for i, e in enumerate(singles)]
    assert np.array_equal(obs_v, np.stack(obs_s))
    finished = 0
    for t in range(steps):
        obs_v, rew_v, done_v, infos = vec.step(acts[t])
        for i, env in enumerate(singles):
            obs, r, term, trunc, info = env.step(acts[t, i])
            assert np.float32(r) == rew_v[i] and (term or trunc) == done_v[i]
            assert np.array_equal(vec.last_metrics[i], info["metrics"].array)
            if term or trunc:
                assert np.array_equal(infos[i]["terminal_observation"], obs)
                assert infos[i]["TimeLimit.truncated"] is trunc
                assert infos[i]["race_time_min"] == info["race_time_min"]
                obs, _ = env.reset()
            else:
                assert infos[i] == {}
                with pytest.raises(TypeError, match="read-only"):
                    infos[i]["x"] = 1
            assert np.array_equal(obs_v[i], obs), (t, i)
        finished += int(done_v.sum())
    assert finished == 2 * n  # every row went through two auto-resets


def test_truncation_is_flagged_for_bootstrapping():
    vec = StrengthRunVecEnv(2, seed=0, season_weeks=8, max_weeks=2, athlete_pool=64)
    vec.reset()
    vec.step(np.zeros((2, 4), dtype=np.int64))
    _, _, dones, infos = vec.step(np.zeros((2, 4), dtype=np.int64))
    assert dones.all() and all(i["TimeLimit.truncated"] is True for i in infos)
    assert all(i["terminal_observation"][0] == 2 for i in infos)


def test_from_cohort_meets_the_whatif_athletes_and_draws():
    cohort = make_cohort("intermediate", 6, seed=11)
    weeks = 6
    acts = random_actions(weeks, cohort.n, "strength", seed=3)
    vec = StrengthRunVecEnv.from_cohort(cohort, season_weeks=weeks, action_scope="strength")
    vec.reset()
    metrics = []
    plans = np.empty((cohort.n, weeks, plans_to_array([action_to_week_plan([0, 0, 0, 0])]).shape[1]))
    for w in range(weeks):
        _, _, dones, infos = vec.step(acts[w])
        metrics.append(vec.last_metrics)
        plans[:, w] = vec.last_plans
    assert dones.all()
    res = run(cohort, plans)
    assert np.array_equal(np.stack(metrics, axis=1), res.metrics)
    assert [i["race_time_min"] for i in infos] == pytest.approx(res.race_time_min[:, -1].tolist(), rel=1e-12)
    # the cohort replays: the next season starts from the same bodies
    first = vec.reset()
    vec.step(acts[0])
    again = vec.reset()
    assert np.array_equal(first, again)
    assert np.all(vec.last_metrics[:, M_RUN_KM] >= 0)


def test_bad_action_names_row_and_component():
    vec = StrengthRunVecEnv(3, seed=0, season_weeks=5, athlete_pool=64)
    vec.reset()
    acts = np.zeros((3, 4), dtype=np.int64)
    acts[2, 1] = 9
    with pytest.raises(
        InputError, match=r"actions\[2\]: component 'emphasis' = 9 is out of range; allowed 0-4"
    ):
        vec.step(acts)
    with pytest.raises(InputError, match="expected shape"):
        vec.step(np.zeros((3, 5), dtype=np.int64))


def test_masks_for_maskable_algorithms():
    vec = StrengthRunVecEnv(
        4,
        seed=0,
        season_weeks=5,
        athlete_pool=64,
        limits={"max_strength_sessions": 1, "no_lifting_before_key": True},
    )
    vec.reset()
    masks = np.stack(vec.env_method("action_masks"))
    assert masks.shape == (4, 15)
    assert masks[:, :4].tolist() == [[True, True, False, False]] * 4 and not masks[:, 14].any()
    assert vec.has_attr("action_masks")


def test_threads_do_not_change_results():
    acts = random_actions(12, 8)
    runs = []
    for parallel in (True, False, None):
        vec = StrengthRunVecEnv(8, seed=5, parallel=parallel, **KW)
        out = [vec.reset()]
        for t in range(12):
            obs, rew, done, _ = vec.step(acts[t])
            out += [obs, rew, done]
        runs.append(out)
    for other in runs[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(runs[0], other, strict=True))


def test_fresh_athletes_match_single_envs():
    kw = dict(season_weeks=4, athlete_pool=0)
    vec = StrengthRunVecEnv(2, seed=9, **kw)
    singles = [StrengthRunEnv(**kw) for _ in range(2)]
    obs_v = vec.reset()
    obs_s = [e.reset(seed=9 + i)[0] for i, e in enumerate(singles)]
    assert np.array_equal(obs_v, np.stack(obs_s))
    for _ in range(5):  # through one auto-reset into brand-new athletes
        obs_v, *_ = vec.step(np.zeros((2, 4), dtype=np.int64))
        for i, env in enumerate(singles):
            obs, _, term, trunc, _ = env.step(np.zeros(4, dtype=np.int64))
            if term or trunc:
                obs, _ = env.reset()
            assert np.array_equal(obs_v[i], obs)


def test_typed_config_builds_the_same_env_as_keyword_fields():
    from envs import EnvConfig

    acts = random_actions(7, 3)
    runs = []
    for vec in (
        StrengthRunVecEnv(3, seed=2, **KW),
        StrengthRunVecEnv(3, EnvConfig(**KW), seed=2),
        StrengthRunVecEnv(3, KW, seed=2),
    ):
        assert vec.config == EnvConfig(**KW)
        out = [vec.reset()]
        for t in range(7):
            out += list(vec.step(acts[t])[:3])
        runs.append(out)
    for other in runs[1:]:
        assert all(np.array_equal(x, y) for x, y in zip(runs[0], other, strict=True))
    with pytest.raises(InputError, match="num_envs"):
        StrengthRunVecEnv(config=EnvConfig(**KW))


def test_fixed_athletes_without_states_are_warmed_up_like_a_cohort():
    from envs.athletes import FixedAthletes

    cohort = make_cohort("beginner", 4, seed=5)
    by_cohort = StrengthRunVecEnv.from_cohort(cohort, season_weeks=5)
    fixed = FixedAthletes(cohort.athletes, keys=cohort.keys, stream_seed=cohort.seed)
    by_profiles = StrengthRunVecEnv(config={"level": "beginner", "season_weeks": 5}, seed=5, fixed=fixed)
    assert by_profiles.num_envs == 4
    assert np.array_equal(by_cohort.reset(), by_profiles.reset())
    acts = random_actions(5, 4, "strength", seed=1)
    for t in range(5):
        a, b = by_cohort.step(acts[t]), by_profiles.step(acts[t])
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(InputError, match="keys"):
        StrengthRunVecEnv(fixed=FixedAthletes(cohort.athletes, keys=np.arange(3)))


def test_random_seasons_under_the_article_rules_are_credible_in_the_batch(assert_article_rules):
    from envs.config import ARTICLE_RULES

    n, weeks = 4, 52
    vec = StrengthRunVecEnv(n, seed=5, season_weeks=weeks, action_scope="strength_and_run", limits=ARTICLE_RULES,
                            athlete_pool=64)
    vec.reset()
    acts = random_actions(weeks, n, seed=5)
    acts[:, :, 4] = 3 + acts[:, :, 4] % 3  # hold or build: the rules must make the cuts
    plans = np.empty((n, weeks, plans_to_array([action_to_week_plan([0, 0, 0, 0])]).shape[1]))
    for w in range(weeks):
        masks = vec.action_masks()
        assert all(p.any() for m in masks for p in np.split(m, np.cumsum(action_nvec("strength_and_run"))[:-1]))
        _, _, dones, _ = vec.step(acts[w])
        plans[:, w] = vec.last_plans
    assert dones.all()
    assert_article_rules(plans, ARTICLE_RULES)
    single = StrengthRunEnv(season_weeks=weeks, action_scope="strength_and_run", limits=ARTICLE_RULES,
                            athlete_pool=64)
    single.reset(seed=5)
    for w in range(weeks):  # row 0 decodes as the single env does, rules and all
        _, _, _, _, info = single.step(acts[w, 0])
        assert np.array_equal(info["plan"], plans[0, w])
