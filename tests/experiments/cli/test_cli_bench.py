"""`stridelab bench TARGET`: targets come from experiments/bench/<target>.py files."""

from __future__ import annotations

import pytest

from experiments.cli import bench as cmd_bench
from experiments.cli import build_parser, main


def test_targets_are_discovered_with_their_help():
    targets = cmd_bench.targets()
    assert "env" in targets and "sim" in targets
    assert all(line for line in targets.values())  # every benchmark has a docstring
    assert targets["env"].startswith("`stridelab bench env")


def test_parser_dispatches_to_the_module():
    args = build_parser().parse_args(["bench", "env", "--json"])
    assert args.func is cmd_bench.run and args.target == "env" and args.json


def test_unknown_target_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["bench", "nope"])
    assert exc.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_bench_env_helpers_measure_real_steps():
    import gymnasium as gym
    import numpy as np

    import envs
    from experiments.bench.env import _single_steps_per_s, _vec_steps_per_s

    env = gym.make(envs.ENV_ID, season_weeks=4)
    assert _single_steps_per_s(env, [np.array([1, 1, 1, 0])], 10) > 0
    vec = envs.StrengthRunVecEnv(4, seed=0, season_weeks=4, athlete_pool=16)
    assert _vec_steps_per_s(vec, np.zeros((1, 4, 4), dtype=np.int64), 6) > 0
    assert vec._steps == 6  # the steps really went through the env


def test_bench_against_rejects_a_folder_that_is_not_a_checkout(tmp_path, capsys):
    from experiments.cli import main

    assert main(["bench", "sim", "--against", str(tmp_path)]) == 2
    assert "no sim/kernel.py" in capsys.readouterr().err
    assert main(["bench", "env", "--against", str(tmp_path)]) == 2


def test_bench_sim_times_another_checkout_in_a_child_process():
    """The --against child times the same workload with that checkout's kernel (here: this one)."""
    from pathlib import Path

    from experiments.bench.sim import _time_against

    root = Path(__file__).resolve().parents[3]
    assert _time_against(str(root), 200, 1) > 0.0


def test_bench_train_reads_the_checkouts_quickstart_in_both_scopes():
    """The config path follows the package layout (it broke once when bench moved into experiments/bench/)."""
    from experiments.bench.train import N_ENVS, QUICKSTART, configs

    assert QUICKSTART.is_file()
    shipped, full = configs()
    assert shipped.n_envs == full.n_envs == N_ENVS
    assert shipped.env.action_scope == "strength" and full.env.action_scope == "strength_and_run"


def test_against_accepts_a_checkout_whose_kernel_imports_from_itself():
    """Issue 25, item 15: the probe before timing passes for a working checkout (this one)."""
    from pathlib import Path

    from experiments.cli.bench import check_checkout

    root = Path(__file__).resolve().parents[3]
    check_checkout(str(root), str(root))


def test_bench_sim_profile_has_every_section_and_adds_up():
    """The per-section profile runs on a small fixed workload and its season shares add up to the whole."""
    import math

    from experiments.bench import _sections
    from experiments.bench.sim import _inputs

    rows = _sections.profile(_inputs(16))
    names = [r.name.strip() for r in rows]
    assert names == ["schedule", "day", "rng", "rest", "season", "derive", "race", "bisect"]
    by = {r.name.strip(): r for r in rows}
    assert all(r.ns_per_unit > 0 for r in rows if r.name.strip() != "rest")
    assert math.isclose(by["schedule"].share_of_season + by["day"].share_of_season + by["rest"].share_of_season, 1.0)
    assert "per-section profile" in _sections.table(rows, 16, 52)
