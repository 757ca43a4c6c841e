"""Shared fixtures: small warmed-up cohorts (cheap in numba)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_configure(config):
    """Nothing is written into the checkout (issue 24): Hypothesis' example database goes to a temp folder
    (it defaults to ./.hypothesis), and MLflow's default artefact root (./mlruns) is never the checkout's."""
    import tempfile

    from hypothesis import configuration

    configuration.set_hypothesis_home_dir(tempfile.mkdtemp(prefix="stridelab-hypothesis-"))
    config._stridelab_checkout_before = _checkout_files()


#: The order of the test files (pytest-xdist hands each worker a file at a time, in this order):
#: 1. the simulator's, envs' and agents' own tests, in-process: they compile the kernels into numba's cache;
#: 2. the longest files (tens of seconds each: worker processes, servers, training, the README's quickstart),
#:    whose subprocesses then find the kernels compiled (started first, each compiled them again on a cold cache);
#: 3. the rest, many short files that fill the workers' last minutes evenly.
#: Within a file, and within each group, the order stays as collected.
WARM_UP_FOLDERS = ("sim/", "envs/", "agents/")
LONG_FILES = (
    "experiments/tune/test_study_postgres.py",
    "experiments/tune/test_tune_default.py",
    "experiments/serving/test_served_model.py",
    "experiments/test_readme.py",
    "experiments/cli/test_cli_headline.py",
    "experiments/training/test_train.py",
    "experiments/athlete/test_fitting.py",
    "experiments/headline/test_headline_individual.py",
    "experiments/athlete/test_fit_quality_and_inputs.py",
    "experiments/athlete/test_replan.py",
    "experiments/report/test_compare.py",
    "test_types.py",
    "experiments/tracking/test_tracking.py",
)


def pytest_collection_modifyitems(session, config, items):
    """Order the files as `WARM_UP_FOLDERS`, `LONG_FILES`, the rest (a stable sort)."""
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    rank = {name: i for i, name in enumerate(LONG_FILES)}

    def key(item) -> tuple[int, int]:
        try:
            name = Path(item.fspath).resolve().relative_to(tests).as_posix()
        except ValueError:
            return (2, 0)
        if name.startswith(WARM_UP_FOLDERS):
            return (0, 0)
        return (1, rank[name]) if name in rank else (2, 0)

    items.sort(key=key)


#: what a test run may leave in the checkout: numba's and Python's caches (ignored build products)
_CACHES = ("__pycache__", ".pytest_cache", ".egg-info")


def _checkout_files() -> set[str] | None:
    """Untracked and ignored paths in the checkout (`git status --ignored`), or None outside a git checkout."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    try:
        res = subprocess.run(["git", "status", "--porcelain", "--ignored", "--untracked-files=normal"], cwd=root,
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    paths = {line[3:] for line in res.stdout.splitlines() if line[:2] in ("??", "!!")}
    return {p for p in paths if not any(c in p for c in _CACHES)}


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if the tests wrote into the checkout (issue 24: mlruns/, .hypothesis/, .ruff_cache/)."""
    before = getattr(session.config, "_stridelab_checkout_before", None)
    after = _checkout_files()
    if before is None or after is None or session.config.option.collectonly:
        return
    new = sorted(after - before)
    if new:
        print(f"\nthe tests wrote into the checkout (write into tmp_path instead): {', '.join(new)}")
        session.exitstatus = 1


@pytest.fixture(scope="session")
def empty_mlflow_db(tmp_path_factory):
    """The `mlflow.db` of a fresh, empty SQLite MLflow store (created once per session by `open_store`, as
    `stridelab train` creates one: MLflow's table creation takes 1-2 s per store).

    Tests whose subject is not the creation of a store copy it into their folder (`copy_mlflow_db`); the
    copy is a real MLflow store. Its `Default` experiment's artefact root is this fixture's temp folder."""
    from experiments.tracking import open_store

    folder = tmp_path_factory.mktemp("mlflow-template")
    old = os.getcwd()
    os.chdir(folder)  # MLflow resolves the Default experiment's ./mlruns against the working folder
    try:
        open_store(f"sqlite:///{folder / 'mlflow.db'}", create=True)
    finally:
        os.chdir(old)
    return folder / "mlflow.db"


@pytest.fixture(scope="session")
def copy_mlflow_db(empty_mlflow_db):
    """`copy_mlflow_db(folder)`: a copy of the empty store at folder/mlflow.db; returns its sqlite:/// URI."""
    import shutil

    def copy(folder) -> str:
        shutil.copyfile(empty_mlflow_db, folder / "mlflow.db")
        return f"sqlite:///{folder / 'mlflow.db'}"

    return copy


@pytest.fixture(scope="session")
def gp():
    from sim.parameters import default_parameters

    return default_parameters()


def _assert_article_rules(plans, limits, level: str = "intermediate", sample: int = 8, day_taper: bool = True):
    """Assert that seasons of week plans ((n_weeks, PLAN_SIZE) or (m, n_weeks, PLAN_SIZE), volumes in
    x habitual km) obey the article's rules as `limits` (envs.config.HardLimits) state them, by an
    independent reading of the rules, then by the project's credibility check (which schedules
    the days and runs experiments.plans.rules). Returns the Credibility.

    day_taper=False skips the day-level taper check (scheduled km): at a few km a week the schedule
    drops remainders under sim.kernel.EASY_MIN_KM, so it can break where planned volumes do not."""
    import numpy as np

    from experiments.report.credibility import check_plans, periodization
    from sim.season import PHASE_TAPER, RACE_SEASON_WEEKS, TAPER_WEEKS, phase_of
    from sim.state import (
        EFFORTS,
        EMPHASES,
        P_EFFORT,
        P_EMPHASIS,
        P_PLACEMENT,
        P_RUN_KM,
        P_STR_SESSIONS,
        PLACEMENTS,
    )

    arr = np.asarray(plans, dtype=np.float64)
    arr = arr[None] if arr.ndim == 2 else arr
    n = arr.shape[1]
    pre_taper = n - 1 - TAPER_WEEKS
    for p in arr:
        vol = p[:, P_RUN_KM]
        load = 1.0
        pre = vol[max(0, pre_taper - 4): pre_taper]
        for w in range(n):
            wtr = n - 1 - w
            tapering = phase_of(w, n) == PHASE_TAPER
            every = limits.recovery_every
            if every and (w + 1) % every == 0 and not tapering:
                assert vol[w] <= (1 - limits.recovery_cut) * load + 1e-9, (w, vol[w], load)
            else:
                load = vol[w]
            if limits.taper and tapering:
                assert vol[w] <= 0.9 * pre.mean() + 1e-9, (w, vol[w], pre)
            sessions, emph, effort = int(p[w, P_STR_SESSIONS]), EMPHASES[int(p[w, P_EMPHASIS])], int(p[w, P_EFFORT])
            if limits.race_season_maintenance and 0 < wtr <= RACE_SEASON_WEEKS:
                assert 1 <= sessions <= 2 and emph == "maintenance", (w, sessions, emph)
                assert effort <= EFFORTS.index("moderate"), w
            if limits.no_lifting_before_key and sessions > 0:
                assert PLACEMENTS[int(p[w, P_PLACEMENT])] != "before_key", w
    cred = check_plans(arr, level=level, sample=sample)
    assert cred.tapers == 1.0
    stretch = periodization(arr, arr[:, :, P_RUN_KM])["no_recovery_weeks"]
    assert np.all(stretch < 0.5 * pre_taper), stretch
    for rule in ("maintenance_in_race_season", "no_hard_lift_before_key") + (("taper",) if day_taper else ()):
        assert cred.rule_breaks_by_rule[rule] == 0, (rule, cred.why)
    return cred


@pytest.fixture(scope="session")
def assert_article_rules():
    """`_assert_article_rules`: a season of plans obeys the article's rules as coach limits."""
    return _assert_article_rules
