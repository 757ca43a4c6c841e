"""Rows over threads (`sim.kernel.season.in_threads`) and borrowed arrays (`sim._jit.borrowed`): speed devices
that must not change a bit."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from sim import kernel
from sim._jit import borrowed, njit
from sim.kernel import season
from sim.parameters import default_parameters
from sim.population import sample_athletes
from sim.season import reference_run_plan
from sim.state import EMPH_HEAVY, METRIC_SIZE, P_EMPHASIS, P_STR_SESSIONS, STATE_SIZE


def _season(n, monkeypatch, threads, min_rows):
    monkeypatch.setattr(season, "_threads", lambda: threads)
    monkeypatch.setattr(season, "PARALLEL_MIN_ATHLETES", min_rows)
    gp = default_parameters()
    ath = sample_athletes("beginner", n, 5)
    st = np.empty((n, STATE_SIZE))
    kernel.init_states(ath, gp, st)
    warm = st.copy()
    plans = reference_run_plan(0, 10)
    plans[:, P_STR_SESSIONS] = 2
    plans[:, P_EMPHASIS] = EMPH_HEAVY
    per_athlete = np.repeat(plans[None], n, axis=0)
    per_athlete[::3, 4:, P_STR_SESSIONS] = 0  # rows differ, so a slice taken from the wrong row shows
    out = np.empty((n, 10, METRIC_SIZE))
    kernel.simulate(st, ath, gp, per_athlete, 9, np.arange(n, dtype=np.int64) * 7, 0, out)
    shared = np.empty((n, 10, METRIC_SIZE))
    st2 = warm.copy()
    kernel.simulate(st2, ath, gp, plans[None], 9, np.arange(n, dtype=np.int64) * 7, 0, shared)
    return warm, st, out, shared


@pytest.mark.parametrize("threads", [2, 3, 5])
def test_any_split_of_the_rows_over_threads_gives_the_same_bits(monkeypatch, threads):
    n = 23  # not a multiple of any slice count
    one = _season(n, monkeypatch, 1, 10**9)
    split = _season(n, monkeypatch, threads, 1)
    for a, b in zip(one, split, strict=True):
        assert np.array_equal(a, b)
    assert not np.array_equal(one[2], one[3])  # the per-athlete plans did differ from the shared one


def test_rows_run_on_several_threads_and_a_slice_error_is_raised(monkeypatch):
    monkeypatch.setattr(season, "_threads", lambda: 2)
    monkeypatch.setattr(season, "PARALLEL_MIN_ATHLETES", 1)
    seen = set()
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=10)  # returns only if two slices run at the same time

    def rows(x, tag):
        barrier.wait()
        with lock:
            seen.add(threading.get_ident())
        x[:] = tag

    x = np.zeros(8)
    season.in_threads(rows, 8, (x, 1.5), (0,))
    assert len(seen) == 2 and (x == 1.5).all()

    def failing(x):
        if x[0] > 3:
            raise ValueError("slice failed")

    with pytest.raises(ValueError, match="slice failed"):
        season.in_threads(failing, 8, (np.arange(8.0),), (0,))


@njit(cache=False)
def _write_through(a, pair):
    a = borrowed(a)
    x, y = borrowed(pair)
    for i in range(a.shape[0]):
        a[i] = 2.0 * a[i] + x[i] + y
    return a.sum()


def test_a_borrowed_array_is_the_same_data():
    a = np.arange(5.0)
    total = _write_through(a, (np.ones(5), 0.5))
    assert np.array_equal(a, 2.0 * np.arange(5.0) + 1.5) and total == a.sum()


def _log_replay(n, monkeypatch, threads):
    """`sim.athlete.replay` then `advance` (with injury draws) of n profiles through 40 logged days."""
    from sim import athlete
    from sim.state import D_RUN_KIND, D_RUN_KM, DAY_SIZE, RUN_EASY, RUN_RACE

    monkeypatch.setattr(season, "_threads", lambda: threads)
    gp = default_parameters()
    ath = sample_athletes("intermediate", n, 3)
    days = np.zeros((40, DAY_SIZE))
    days[::2, D_RUN_KIND], days[::2, D_RUN_KM] = RUN_EASY, 9.0
    days[[20, 39], D_RUN_KIND], days[[20, 39], D_RUN_KM] = RUN_RACE, 10.0
    race_min, strength, states = athlete.replay(ath, gp, days, [20, 39], [10.0, 10.0])
    race2, injured = athlete.advance(states, ath, gp, days, draw_injuries=True, pain_rule=True, seed=4,
                                     race_day=[20, 39], race_km=[10.0, 10.0])
    return race_min, strength, states, race2, injured


def test_the_log_replay_gives_the_same_bits_on_any_number_of_threads(monkeypatch):
    """`replay` and `advance` hand tuples of row arrays to `in_threads`: each slice must get its own rows."""
    n = 2 * 4 * 2 + 3  # over REPLAY_MIN_ROWS, not a multiple of the slice count
    one = _log_replay(n, monkeypatch, 1)
    split = _log_replay(n, monkeypatch, 2)
    for a, b in zip(one, split, strict=True):
        assert np.array_equal(a, b)
    assert len(np.unique(one[0][:, 1])) == n  # the rows differ, so a row taken from another slice shows


def _two_threads_in_child(queue):
    seen = set()
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=10)

    def rows(x):
        barrier.wait()
        with lock:
            seen.add(threading.get_ident())

    season.in_threads(rows, 4, (np.zeros(4),), (0,), min_rows=1)
    queue.put(len(seen))


def test_a_forked_child_gets_its_own_helper_threads(monkeypatch):
    # the helper threads are kept between calls; a process forked after they started has none of them
    import multiprocessing

    monkeypatch.setattr(season, "_threads", lambda: 2)
    season.in_threads(lambda x: None, 4, (np.zeros(4),), (0,), min_rows=1)  # the parent's pool exists now
    assert season._POOL[0] is not None
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_two_threads_in_child, args=(queue,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 2
