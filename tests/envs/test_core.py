"""The numba step's bundles and its two batch drivers (threaded, one thread) of one body."""

from __future__ import annotations

import numpy as np

from envs import core
from envs.config import EnvConfig
from envs.observation import C_WEEK
from envs.reward import race_table
from sim import kernel
from sim.parameters import default_parameters
from sim.state import RACE_KM
from sim.whatif import make_cohort


def setup(n, weeks=4):
    cohort = make_cohort("intermediate", n, seed=3)
    gp = default_parameters()
    params = core.Params(gp, kernel.derive(gp), EnvConfig(season_weeks=weeks).to_cfg(), race_table([RACE_KM["10k"]]))
    starts = core.Starts(
        cohort.athletes.copy(), cohort.states.copy(), np.array([kernel.draw_base(3, i) for i in range(n)])
    )
    batch = core.Batch.zeros(n)
    core.reset_batch(np.arange(n, dtype=np.int64), starts, batch, params)
    return batch, params, starts


def test_threaded_and_one_thread_steps_agree():
    # the threaded step runs the one-thread step's machine code on slices of the rows (3 here)
    rng = np.random.default_rng(0)
    results = []
    for threads in (1, 2):
        batch, params, starts = setup(6)
        out = core.StepOut.zeros(6)
        actions = np.zeros((6, 4), dtype=np.int64)
        serial = core.compiled(core.step_batch_serial, actions, batch, params, out, starts)
        step = serial if threads == 1 else core.ThreadedStep(serial, actions, batch, params, out, starts, threads)
        if threads > 1:
            assert len(step.parts) == 2 * core.ThreadedStep.SLICES_PER_THREAD
        trace = []
        for _ in range(6):  # through the season's end and the auto-reset into `starts`
            assert step(rng.integers(0, 3, size=(6, 4)), batch, params, out, starts) == -1
            trace += [a.copy() for a in (*batch, *out)]
        results.append(trace)
        rng = np.random.default_rng(0)
    assert all(np.array_equal(x, y) for x, y in zip(*results, strict=True))
    width = len(core.Batch._fields) + len(core.StepOut._fields)
    term_at = len(core.Batch._fields) + core.StepOut._fields.index("term")
    finished = results[0][term_at::width]  # out.term after every step
    assert [bool(t.all()) for t in finished] == [False, False, False, True, False, False]


def test_a_bad_action_in_any_slice_steps_no_row():
    batch, params, starts = setup(8)
    before = [a.copy() for a in batch]
    actions = np.zeros((8, 4), dtype=np.int64)
    actions[6, 1] = 9  # in the last of 4 slices
    out = core.StepOut.zeros(8)
    serial = core.compiled(core.step_batch_serial, actions, batch, params, out, starts)
    step = core.ThreadedStep(serial, actions, batch, params, out, starts, 2)
    assert step(actions, batch, params, out, starts) == 6 * 4 + 1
    assert all(np.array_equal(x, y) for x, y in zip(before, batch, strict=True))


def test_a_bad_action_steps_nothing():
    batch, params, starts = setup(3)
    before = [a.copy() for a in batch]
    actions = np.zeros((3, 4), dtype=np.int64)
    actions[1, 2] = 7
    assert core.step_batch_serial(actions, batch, params, core.StepOut.zeros(3), starts) == 1 * 4 + 2
    assert all(np.array_equal(x, y) for x, y in zip(before, batch, strict=True))


def test_compiled_step_is_the_dispatched_step():
    a, params, _ = setup(1)
    b = core.Batch(*(x.copy() for x in a))
    action = np.array([1, 1, 0, 1], dtype=np.int64)
    fast = core.compiled(core.step_single, action, a, params)
    for _ in range(3):
        assert fast(action, a, params) == core.step_single(action, b, params)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True)) and a.ctrl[0, C_WEEK] == 3


def test_the_env_config_splits_into_who_the_athletes_are_and_what_the_planner_decides():
    from envs.config import EnvConfig

    cfg = EnvConfig(level="advanced", action_scope="strength_and_run", season_weeks=30)
    who, planner = cfg.population(), cfg.planner()
    assert set(who) | set(planner) == set(cfg.model_dump())  # every field is one or the other
    assert not set(who) & set(planner)
    assert who["level"] == "advanced" and who["season_weeks"] == 30 and planner["action_scope"] == "strength_and_run"
