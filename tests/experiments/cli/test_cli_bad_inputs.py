"""The kept suite of bad inputs (issue 15): every case runs the CLI (or the API) on one bad input
and must exit 2 (InputError for the API) with a message naming the option or field and the value,
with no traceback, leave the folder exactly as it was (nothing created, nothing changed, no
temp files), and leave a FIFO standing in for a device untouched.

Each case is (id, argv, extra files, env, words the message must contain). The working folder
of every case holds a valid plan `plan.yaml`, a valid tiny training config `tiny.yaml`, a FIFO
`fifo`, a regular file `keep.txt`, a symbolic link `link.csv` -> keep.txt and a regular file
`afile`. Cases marked with STORE also get a copy of a real MLflow store (`mlflow.db`) holding
one run of another experiment (`{foreign}` in argv), made once per module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
import yaml

from experiments.cli import main
from sim.errors import InputError

HEADER = b"SQLite format 3\x00"
PLAN = """level: intermediate
blocks:
  - weeks: 6
    run_km: 40
    key_runs: 2
    long_run_km: 12
    strength: {sessions: 2}
"""
TINY = {
    "name": "tiny",
    "env": {"level": "intermediate", "season_weeks": 8, "athlete_pool": 64},
    "algo": {"name": "ppo", "n_steps": 8, "batch_size": 64, "n_epochs": 1, "policy_kwargs": {"net_arch": [16]}},
    "n_envs": 16,
    "total_timesteps": 128,
    "eval": {"athletes": 16, "final_athletes": 24, "every_timesteps": 128,
             "baselines": ["intermediate", "run_only"]},
    "checkpoint": {"every_timesteps": 128, "folder": "runs"},
    "mlflow": {"experiment": "tiny", "register_model": False},
}
EXPORT = ["export", "--level", "intermediate", "--start", "2027-01-04", "--race", "2027-03-28"]
OPTIMIZE = ["optimize", "--level", "beginner", "--race-distance", "10k", "--no-mlflow", "--out", "plan.yaml"]
REPLAN = ["replan", "--athlete", "a.yaml", "--log", "nolog", "--plan", "p.json", "--today", "2026-07-22"]
STORE = "STORE"
TUNE = ["tune", "tiny.yaml", "--trials", "2"]
JOURNAL_OTHER = '{"op_code":0,"worker_id":"w","study_name":"other","directions":[1]}\n'


def _bomb(levels: int = 9) -> str:
    text = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    prev = "a"
    for i in range(levels - 1):
        name = f"n{i}"
        text += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    return text


def _plan(**block) -> str:
    return yaml.safe_dump({"level": "intermediate", "blocks": [{"weeks": 6, "run_km": 40, **block}]})


def _noise(n: int) -> bytes:
    import random

    return random.Random(n).randbytes(n)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


BOMB = _bomb()
DEEP = "[" * 20000
DUP_PLAN = PLAN + "level: advanced\n"
HUGE_PLAN = "level: intermediate\nblocks:\n" + "  - {weeks: 1, run_km: 40}\n" * 45_000  # > 1 MB
LONG_PLAN = "level: intermediate\nblocks:\n" + "  - {weeks: 260, run_km: 40}\n" * 2000
TWO_LONG = "level: intermediate\nblocks:\n" + "  - {weeks: 200, run_km: 40}\n" * 2
WIDE = "[" + ",".join(["4096"] * 60) + "]"

CASES = [
    # ---------------------------------------------------------------- simulate: the plan file
    ("plan_missing", ["simulate", "nope.yaml"], {}, {}, ["nope.yaml", "no such file"]),
    ("plan_fifo", ["simulate", "fifo"], {}, {}, ["fifo", "not a regular file"]),
    ("plan_folder", ["simulate", "."], {}, {}, [".", "not a regular file"]),
    ("plan_alias_bomb", ["simulate", "bad.yaml"], {"bad.yaml": BOMB}, {}, ["bad.yaml", "100000", "alias"]),
    ("plan_deep_nesting", ["simulate", "bad.yaml"], {"bad.yaml": DEEP}, {}, ["bad.yaml", "nesting", "32"]),
    ("plan_too_large", ["simulate", "bad.yaml"], {"bad.yaml": HUGE_PLAN}, {}, ["bad.yaml", "bytes", "too large"]),
    ("plan_duplicate_key", ["simulate", "bad.yaml"], {"bad.yaml": DUP_PLAN}, {}, ["bad.yaml", "duplicate key 'level'"]),
    ("plan_weeks_string", ["simulate", "bad.yaml"], {"bad.yaml": _plan(weeks="10")}, {}, ["blocks.0.weeks", "'10'"]),
    ("plan_weeks_bool", ["simulate", "bad.yaml"], {"bad.yaml": _plan(weeks=True)}, {}, ["blocks.0.weeks", "True"]),
    ("plan_key_runs_float", ["simulate", "bad.yaml"], {"bad.yaml": _plan(key_runs=2.5)}, {},
     ["blocks.0.key_runs", "2.5"]),
    ("plan_run_km_string", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km="40")}, {}, ["blocks.0.run_km", "'40'"]),
    ("plan_long_run_over_week", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km=20, long_run_km=40)}, {},
     ["long_run_km", "40", "run_km 20"]),
    ("plan_subnormal_rel", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km=None, run_volume_rel=5e-324)}, {},
     ["run_volume_rel", "5e-324", "0.01"]),
    ("plan_subnormal_km", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km=5e-324)}, {}, ["run_km", "5e-324"]),
    ("plan_tiny_long_rel", ["simulate", "bad.yaml"], {"bad.yaml": _plan(long_run_rel=1e-300)}, {},
     ["long_run_rel", "1e-300"]),
    ("plan_nan_km", ["simulate", "bad.yaml"], {"bad.yaml": PLAN.replace("run_km: 40", "run_km: .nan")}, {},
     ["run_km", "nan"]),
    ("plan_inf_km", ["simulate", "bad.yaml"], {"bad.yaml": PLAN.replace("run_km: 40", "run_km: .inf")}, {},
     ["run_km", "inf"]),
    ("plan_huge_km", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km=1e308)}, {}, ["run_km", "1e+308"]),
    ("plan_negative_km", ["simulate", "bad.yaml"], {"bad.yaml": _plan(run_km=-5)}, {}, ["run_km", "-5"]),
    ("plan_total_weeks", ["simulate", "bad.yaml"], {"bad.yaml": TWO_LONG}, {}, ["blocks", "400 weeks", "260"]),
    ("plan_2000_long_blocks", ["simulate", "bad.yaml"], {"bad.yaml": LONG_PLAN}, {}, ["blocks", "2000", "260"]),
    ("plan_tiny_habitual_km", ["simulate", "bad.yaml"],
     {"bad.yaml": PLAN + "population: {habitual_km: 1.0e-300}\n"}, {}, ["population.habitual_km", "1e-300"]),
    ("plan_binary", ["simulate", "bad.yaml"], {"bad.yaml": bytes(range(256)) * 4}, {}, ["bad.yaml", "UTF-8"]),
    ("plan_list", ["simulate", "bad.yaml"], {"bad.yaml": "- 1\n- 2\n"}, {}, ["bad.yaml", "list"]),
    ("plan_empty", ["simulate", "bad.yaml"], {"bad.yaml": ""}, {}, ["bad.yaml", "NoneType"]),
    ("plan_unknown_key", ["simulate", "bad.yaml"], {"bad.yaml": _plan(colour="red")}, {}, ["blocks.0.colour", "red"]),
    ("plan_sessions", ["simulate", "bad.yaml"], {"bad.yaml": _plan(strength={"sessions": 9})}, {},
     ["blocks.0.strength.sessions", "9"]),
    ("plan_level", ["simulate", "bad.yaml"], {"bad.yaml": PLAN.replace("intermediate", "elite")}, {},
     ["level", "elite"]),
    # ---------------------------------------------------------------- simulate: options
    ("sim_athletes_billion", ["simulate", "plan.yaml", "--athletes", "1000000000"], {}, {},
     ["athletes", "1000000000", "GB", "memory"]),
    ("sim_athletes_one", ["simulate", "plan.yaml", "--athletes", "1"], {}, {}, ["--athletes", "1", "at least 2"]),
    ("sim_athletes_zero", ["simulate", "plan.yaml", "--athletes", "0"], {}, {}, ["--athletes", "0"]),
    ("sim_athletes_text", ["simulate", "plan.yaml", "--athletes", "many"], {}, {}, ["--athletes", "'many'"]),
    ("sim_athletes_exp", ["simulate", "plan.yaml", "--athletes", "1e3"], {}, {}, ["--athletes", "'1e3'"]),
    ("sim_seed_negative", ["simulate", "plan.yaml", "--seed", "-1"], {}, {}, ["--seed", "-1"]),
    ("sim_seed_huge", ["simulate", "plan.yaml", "--seed", str(2**64)], {}, {}, ["--seed", str(2**64)]),
    ("sim_level", ["simulate", "plan.yaml", "--level", "elite"], {}, {}, ["--level", "'elite'"]),
    ("sim_out_fifo", ["simulate", "plan.yaml", "--out", "fifo"], {}, {}, ["--out", "'fifo'", "named pipe"]),
    ("sim_out_xlsx", ["simulate", "plan.yaml", "--out", "weeks.xlsx"], {}, {}, ["--out", "weeks.xlsx", ".csv"]),
    ("sim_out_symlink", ["simulate", "plan.yaml", "--out", "link.csv"], {}, {}, ["--out", "link.csv", "symbolic link"]),
    ("sim_out_folder", ["simulate", "plan.yaml", "--out", "."], {}, {}, ["--out", "'.'", "folder"]),
    ("sim_out_missing_folder", ["simulate", "plan.yaml", "--out", "nowhere/w.csv"], {}, {},
     ["--out", "nowhere", "does not exist"]),
    ("sim_out_under_file", ["simulate", "plan.yaml", "--out", "afile/w.csv"], {}, {}, ["--out", "afile"]),
    ("sim_plot_fifo", ["simulate", "plan.yaml", "--plot", "fifo"], {}, {}, ["--plot", "'fifo'", "named pipe"]),
    ("sim_plot_jpg", ["simulate", "plan.yaml", "--plot", "curves.jpg"], {}, {}, ["--plot", "curves.jpg", ".png"]),
    ("sim_out_empty", ["simulate", "plan.yaml", "--out", ""], {}, {}, ["--out", "empty"]),
    # ---------------------------------------------------------------- export
    ("export_untrusted_model", [*EXPORT, "--model", "evil.zip"], {"evil.zip": b"PK\x03\x04 payload"}, {},
     ["--model", "evil.zip", "--trust", "pickle"]),
    ("export_corrupt_zip", [*EXPORT, "--model", "bad.zip", "--trust"], {"bad.zip": _noise(2048)}, {},
     ["model", "bad.zip", "stable-baselines3"]),
    ("export_model_missing", [*EXPORT, "--model", "none.zip", "--trust"], {}, {}, ["--model", "none.zip"]),
    ("export_model_fifo", [*EXPORT, "--model", "fifo", "--trust"], {}, {}, ["--model", "fifo", "regular"]),
    ("export_out_fifo", [*EXPORT, "--baseline", "intermediate", "--out", "fifo"], {}, {}, ["--out", "'fifo'"]),
    ("export_out_xlsx", [*EXPORT, "--baseline", "intermediate", "--out", "plan.xlsx"], {}, {},
     ["--out", "plan.xlsx", ".csv"]),
    ("export_out_symlink", [*EXPORT, "--baseline", "intermediate", "--out", "link.csv"], {}, {},
     ["--out", "link.csv", "symbolic link"]),
    ("export_format", [*EXPORT, "--baseline", "intermediate", "--format", "pdf"], {}, {}, ["--format", "'pdf'"]),
    ("export_baseline", [*EXPORT, "--baseline", "nope"], {}, {}, ["baseline", "'nope'"]),
    ("export_baseline_empty", [*EXPORT, "--baseline", ""], {}, {}, ["baseline", "''", "allowed"]),
    ("export_weekly_km_subnormal", [*EXPORT, "--baseline", "intermediate", "--weekly-km", "5e-324"], {}, {},
     ["weekly-km", "5e-324", "5 to 200"]),
    ("export_weekly_km_nan", [*EXPORT, "--baseline", "intermediate", "--weekly-km", "nan"], {}, {},
     ["--weekly-km", "nan"]),
    ("export_weekly_km_huge", [*EXPORT, "--baseline", "intermediate", "--weekly-km", "1e308"], {}, {},
     ["weekly-km", "1e+308"]),
    ("export_bad_date", ["export", "--baseline", "beginner", "--level", "beginner", "--start", "2027-02-30",
                         "--race", "2027-05-01"], {}, {}, ["--start", "2027-02-30"]),
    ("export_distance", [*EXPORT, "--baseline", "intermediate", "--distance", "ultra"], {}, {},
     ["--distance", "'ultra'"]),
    ("export_run_no_store", [*EXPORT, "--run", "abc"], {}, {}, ["tracking URI", "sqlite:///mlflow.db", "no MLflow"]),
    ("export_store_nonexistent_folder", [*EXPORT, "--run", "abc", "--tracking-uri", "sqlite:////nonexistent/x.db"],
     {}, {}, ["--tracking-uri", "sqlite:////nonexistent/x.db", "no MLflow store"]),
    ("export_store_garbage_scheme", [*EXPORT, "--run", "abc", "--tracking-uri", "garbage://x"], {}, {},
     ["--tracking-uri", "garbage://x", "allowed"]),
    ("export_store_plain_words", [*EXPORT, "--run", "abc", "--tracking-uri", "not a uri"], {}, {},
     ["--tracking-uri", "'not a uri'"]),
    ("export_env_garbage_uri", [*EXPORT, "--run", "abc"], {}, {"MLFLOW_TRACKING_URI": "::garbage::"},
     ["MLFLOW_TRACKING_URI", "::garbage::"]),
    # issue 25, item 8: --format and the --out suffix must agree
    ("export_format_json_out_csv", [*EXPORT, "--baseline", "intermediate", "--format", "json", "--out", "x.csv"], {},
     {}, ["--format json", "--out 'x.csv'", "disagree", "ending in .json"]),
    ("export_format_csv_out_zip", [*EXPORT, "--baseline", "intermediate", "--format", "csv", "--out", "p.zip"], {},
     {}, ["--format csv", "--out 'p.zip'", ".zip is fit"]),
    ("replan_format_md_out_ics", [*REPLAN, "--format", "md", "--out", "plan.ics"], {}, {},
     ["--format md", "--out 'plan.ics'", "disagree"]),
    ("export_store_truncated", [*EXPORT, "--run", "abc"], {"mlflow.db": HEADER[:10]}, {},
     ["sqlite:///mlflow.db", "bad header"]),
    ("export_store_random_bytes", [*EXPORT, "--run", "abc"], {"mlflow.db": _noise(4096)}, {},
     ["sqlite:///mlflow.db", "not a SQLite database"]),
    ("export_store_bad_body", [*EXPORT, "--run", "abc"], {"mlflow.db": HEADER + _noise(8192)}, {},
     ["sqlite:///mlflow.db", "damaged"]),
    ("export_store_file_missing", [*EXPORT, "--run", "abc", "--tracking-uri", "file:///nonexistent/mlruns"], {}, {},
     ["--tracking-uri", "file:///nonexistent/mlruns", "scheme 'file'", "allowed: sqlite:///"]),
    ("export_store_fifo", [*EXPORT, "--run", "abc", "--tracking-uri", "sqlite:///fifo"], {}, {},
     ["--tracking-uri", "sqlite:///fifo", "not a regular file"]),
    ("export_store_closed_port", [*EXPORT, "--run", "abc", "--tracking-uri", f"http://127.0.0.1:{_closed_port()}"],
     {}, {"STRIDELAB_STORE_TIMEOUT_S": "2"}, ["--tracking-uri", "http://127.0.0.1:", "cannot reach"]),
    ("export_store_bad_port", [*EXPORT, "--run", "abc", "--tracking-uri", "http://127.0.0.1:99999"], {}, {},
     ["--tracking-uri", "99999", "port"]),
    ("export_timeout_env", [*EXPORT, "--run", "abc"], {}, {"STRIDELAB_STORE_TIMEOUT_S": "soon"},
     ["STRIDELAB_STORE_TIMEOUT_S", "'soon'"]),
    ("export_unknown_run", [*EXPORT, "--run", "0123456789abcdef"], STORE, {}, ["run", "0123456789abcdef"]),
    ("export_foreign_run", [*EXPORT, "--run", "{foreign}"], STORE, {}, ["run", "{foreign}", "no trained policy"]),
    # ---------------------------------------------------------------- compare
    ("compare_athletes_one", ["compare", "--athletes", "1"], {}, {}, ["--athletes", "1", "at least 2"]),
    ("compare_athletes_billion", ["compare", "--athletes", "1000000000"], {}, {},
     ["--athletes", "1000000000", "memory"]),
    ("compare_no_store", ["compare", "--no-mlflow"], {}, {}, ["sqlite:///mlflow.db", "no MLflow store"]),
    ("compare_out_fifo", ["compare", "--out", "fifo"], {}, {}, ["--out", "'fifo'", "named pipe"]),
    ("compare_report_fifo", ["compare", "--out", "rep"], {"rep/compare.csv": "FIFO"}, {},
     ["--out", "compare.csv", "named pipe"]),
    ("compare_seed", ["compare", "--seed", "-3"], {}, {}, ["--seed", "-3"]),
    ("compare_no_such_experiment", ["compare", "--experiment", "nope", "--no-mlflow"], STORE, {},
     ["experiment", "'nope'"]),
    ("compare_foreign_run", ["compare", "--runs", "{foreign}", "--no-mlflow"], STORE, {},
     ["run", "{foreign}", "no trained policy"]),
    ("compare_not_mlflow_db", ["compare", "--no-mlflow"], {"mlflow.db": "SQLITE_FOREIGN"}, {},
     ["sqlite:///mlflow.db", "not an MLflow store"]),
    # ---------------------------------------------------------------- baselines
    ("baselines_athletes_one", ["baselines", "--athletes", "1"], {}, {}, ["--athletes", "1"]),
    ("baselines_athletes_billion", ["baselines", "--athletes", "1000000000"], {}, {},
     ["--athletes", "1000000000", "memory"]),
    ("baselines_weeks", ["baselines", "--weeks", "9999"], {}, {}, ["--weeks", "9999"]),
    # ---------------------------------------------------------------- train
    ("train_alias_bomb", ["train", "bad.yaml"], {"bad.yaml": BOMB}, {}, ["bad.yaml", "alias"]),
    ("train_deep", ["train", "bad.yaml"], {"bad.yaml": DEEP}, {}, ["bad.yaml", "nesting"]),
    ("train_duplicate_key", ["train", "bad.yaml"], {"bad.yaml": "name: a\nname: b\n"}, {},
     ["bad.yaml", "duplicate key 'name'"]),
    ("train_config_fifo", ["train", "fifo"], {}, {}, ["fifo", "not a regular file"]),
    ("train_net_60_layers", ["train", "tiny.yaml", "--set", f"algo.policy_kwargs.net_arch={WIDE}"], {}, {},
     ["algo.policy_kwargs.net_arch", "at most 8"]),
    ("train_net_too_wide", ["train", "tiny.yaml", "--set", "algo.policy_kwargs.net_arch=[4096,4096,4096]"], {}, {},
     ["algo.policy_kwargs.net_arch", "33554432", "5000000"]),
    ("train_set_bomb", ["train", "tiny.yaml", "--set", "name=" + "[" * 100], {}, {}, ["--set", "nesting"]),
    ("train_set_no_equals", ["train", "tiny.yaml", "--set", "nokey"], {}, {}, ["--set", "'nokey'"]),
    ("train_set_algo", ["train", "tiny.yaml", "--set", "algo.name=sac"], {}, {}, ["algo", "sac"]),
    ("train_n_envs", ["train", "tiny.yaml", "--set", "n_envs=0"], {}, {}, ["n_envs", "0"]),
    ("train_eval_athletes_memory", ["train", "tiny.yaml", "--set", "eval.final_athletes=100000",
                                    "--set", "env.season_weeks=104"], {}, {},
     ["eval.final_athletes", "100000", "memory"]),
    # issue 25, item 10: checked before the run exists (it used to train, then fail)
    ("train_registered_model_slash", ["train", "tiny.yaml", "--set", "mlflow.register_model=true",
                                      "--set", "mlflow.registered_model=a/b"], {}, {},
     ["mlflow.registered_model", "'a/b'", "registered model name", "allowed"]),
    ("train_registered_model_colon", ["train", "tiny.yaml", "--set", "mlflow.register_model=true",
                                      "--set", "mlflow.registered_model=models:x"], {}, {},
     ["mlflow.registered_model", "'models:x'", "allowed"]),
    ("train_registered_model_blank", ["train", "tiny.yaml", "--set", "mlflow.register_model=true",
                                      "--set", "mlflow.registered_model=' x '"], {}, {},
     ["mlflow.registered_model", "' x '", "allowed"]),
    ("train_rollout_buffer_huge", ["train", "tiny.yaml", "--set", "n_envs=100000", "--set", "algo.n_steps=100000"],
     {}, {}, ["n_envs x algo.n_steps", "100000 x 100000", "TB", "allowed: at most 4.0 GB"]),
    ("calibrate_athletes_one", ["calibrate", "--athletes", "1"], {}, {}, ["--athletes", "1", "at least 2"]),
    ("train_uri_garbage", ["train", "tiny.yaml", "--set", "mlflow.tracking_uri=garbage"], {}, {},
     ["mlflow.tracking_uri", "'garbage'"]),
    ("train_uri_no_folder", ["train", "tiny.yaml", "--set", "mlflow.tracking_uri=sqlite:////nonexistent/x.db"], {},
     {}, ["mlflow.tracking_uri", "/nonexistent", "does not exist"]),
    ("train_checkpoint_fifo", ["train", "tiny.yaml", "--set", "checkpoint.folder=fifo"], {}, {},
     ["checkpoint.folder", "'fifo'", "named pipe"]),
    ("train_damaged_store", ["train", "tiny.yaml"], {"mlflow.db": HEADER + _noise(8192)}, {},
     ["sqlite:///mlflow.db", "damaged"]),
    # issue 25, item 15: messages that named the wrong thing, or tracebacks
    ("train_store_lock_folder", ["train", "tiny.yaml"], {"mlflow.db.lock/x": "x"}, {},
     ["sqlite:///mlflow.db", "mlflow.db.lock", "a folder", "remove it"]),
    ("bench_against_broken", ["bench", "sim", "--against", "broken"],
     {"broken/sim/kernel.py": "syntax error(\n", "broken/sim/__init__.py": ""}, {},
     ["--against", "'broken'", "not a working StrideLab checkout", "SyntaxError"]),
    ("compare_plan_folder", ["compare", "--plan", ".", "--level", "intermediate", "--no-mlflow"], {}, {},
     [".", "not a regular file"]),
    ("train_resume_no_store", ["train", "tiny.yaml", "--resume", "abc"], {}, {}, ["sqlite:///mlflow.db", "no MLflow"]),
    ("train_resume_unknown", ["train", "tiny.yaml", "--resume", "0123456789abcdef"], STORE, {},
     ["--resume", "0123456789abcdef", "not found"]),
    ("train_resume_foreign", ["train", "tiny.yaml", "--resume", "{foreign}"], STORE, {},
     ["--resume", "{foreign}", "not a `stridelab train` run"]),
    # ---------------------------------------------------------------- athlete, replan, tune (issues 11, 12)
    ("athlete_log_missing", ["athlete", "fit", "nolog", "--out", "a.yaml"], {}, {}, ["nolog", "no such file"]),
    ("athlete_log_fifo", ["athlete", "fit", "fifo", "--out", "a.yaml"], {}, {}, ["fifo", "not a regular file"]),
    ("athlete_log_unknown_header", ["athlete", "fit", "acts.csv", "--out", "a.yaml"],
     {"acts.csv": "date,distance\n2026-01-05,10\n"}, {}, ["acts.csv", "row 1", "not a known log format"]),
    ("athlete_log_binary", ["athlete", "fit", "acts.csv", "--out", "a.yaml"], {"acts.csv": bytes(range(256)) * 4},
     {}, ["acts.csv", "neither a FIT file nor a text CSV"]),
    ("athlete_fit_out_fifo", ["athlete", "fit", "nolog", "--out", "fifo"], {}, {}, ["--out", "'fifo'", "named pipe"]),
    ("athlete_fit_out_suffix", ["athlete", "fit", "nolog", "--out", "a.txt"], {}, {}, ["--out", "a.txt", ".yaml"]),
    ("athlete_check_out_fifo", ["athlete", "check", "--out", "fifo"], {}, {}, ["--out", "'fifo'", "named pipe"]),
    ("athlete_check_athletes", ["athlete", "check", "--athletes", "0"], {}, {}, ["--athletes", "0"]),
    ("athlete_check_athletes_huge", ["athlete", "check", "--athletes", "1000000000000"], {}, {},
     ["--athletes", "1000000000000", "1-2000"]),
    ("replan_untrusted_model", [*REPLAN, "--model", "evil.zip"], {"evil.zip": b"PK\x03\x04 payload"}, {},
     ["--model", "evil.zip", "--trust", "pickle"]),
    ("replan_athlete_fifo", ["replan", "--athlete", "fifo", *REPLAN[3:]], {}, {}, ["fifo", "not a regular file"]),
    ("replan_athlete_duplicate_key", REPLAN, {"a.yaml": "stridelab_athlete: 1\nstridelab_athlete: 1\n"}, {},
     ["a.yaml", "duplicate key 'stridelab_athlete'"]),
    ("replan_athlete_alias_bomb", REPLAN, {"a.yaml": BOMB}, {}, ["a.yaml", "alias"]),
    ("replan_out_suffix", [*REPLAN, "--out", "plan.xlsx"], {}, {}, ["--out", "plan.xlsx", ".ics"]),
    ("replan_today", [*REPLAN[:-1], "2026-02-30"], {}, {}, ["--today", "2026-02-30"]),
    ("tune_storage_sqlite", ["tune", "tiny.yaml", "--trials", "2", "--storage", "sqlite:///x.db"], {}, {},
     ["--storage", "sqlite:///x.db", "SQLite", "allowed"]),
    ("tune_storage_scheme", ["tune", "tiny.yaml", "--trials", "2", "--storage", "redis://x"], {}, {},
     ["--storage", "redis://x", "unknown storage scheme", "allowed"]),
    ("tune_trials", ["tune", "tiny.yaml", "--trials", "0"], {}, {}, ["--trials", "0"]),
    ("tune_space", ["tune", "tiny.yaml", "--trials", "2", "--set", "tune.ppo.learning_rate=oops"], {}, {},
     ["tune.ppo.learning_rate", "oops"]),
    ("tune_alias_bomb", ["tune", "bad.yaml", "--trials", "2"], {"bad.yaml": BOMB}, {}, ["bad.yaml", "alias"]),
    # issue 25, item 2: tune writes only its own journal; names, sizes and storage checked before anything exists
    ("tune_journal_any_file", [*TUNE, "--storage", "journal:keep.txt"], {}, {},
     ["--storage", "keep.txt", "line 1 is not an Optuna journal record", "nothing was appended"]),
    ("tune_journal_symlink", [*TUNE, "--storage", "journal:link.csv"], {}, {},
     ["--storage", "link.csv", "symbolic link", "allowed"]),
    ("tune_journal_fifo", [*TUNE, "--storage", "journal:fifo"], {}, {}, ["--storage", "fifo", "named pipe"]),
    ("tune_journal_folder", [*TUNE, "--storage", "journal:."], {}, {}, ["--storage", "a folder"]),
    ("tune_journal_other_study", [*TUNE, "--storage", "journal:j.log"], {"j.log": JOURNAL_OTHER}, {},
     ["--storage", "j.log", "no study 'tiny'", "studies: other"]),
    ("tune_journal_binary", [*TUNE, "--storage", "journal:j.log"], {"j.log": _noise(2048)}, {},
     ["--storage", "j.log", "not an Optuna journal record"]),
    ("tune_study_slash", [*TUNE, "--study", "a/b"], {}, {}, ["--study", "'a/b'", "letters, digits"]),
    ("tune_study_dotdot", [*TUNE, "--study", "../x"], {}, {}, ["--study", "'../x'", "allowed"]),
    ("tune_study_empty", [*TUNE, "--study", ""], {}, {}, ["--study", "''", "allowed"]),
    ("tune_study_from_config_name", [*TUNE, "--set", "name=.."], {}, {}, ["--study", "'..'", "config's name"]),
    ("tune_n_jobs_huge", [*TUNE, "--n-jobs", "1000000"], {}, {}, ["--n-jobs", "1000000", "CPUs of this machine"]),
    ("tune_n_jobs_zero", [*TUNE, "--n-jobs", "0"], {}, {}, ["--n-jobs", "0"]),
    ("tune_damaged_store", TUNE, {"mlflow.db": HEADER + _noise(8192)}, {}, ["sqlite:///mlflow.db", "damaged"]),
    ("tune_tracking_garbage", [*TUNE, "--storage", "journal:new.log", "--set", "mlflow.tracking_uri=garbage"], {}, {},
     ["mlflow.tracking_uri", "'garbage'"]),
    ("tune_storage_empty_journal_path", [*TUNE, "--storage", "journal:"], {}, {}, ["--storage", "needs a file path"]),
    ("tune_pg_unreachable", [*TUNE, "--storage", f"postgresql://u:pw@127.0.0.1:{_closed_port()}/db"], {}, {},
     ["--storage", "127.0.0.1", "cannot connect", "u:***@"]),
    # ---------------------------------------------------------------- optimize, audit (issues 9, 10)
    ("optimize_level", [*OPTIMIZE[:2], "elite", *OPTIMIZE[3:]], {}, {}, ["--level", "elite", "allowed"]),
    ("optimize_distance", [*OPTIMIZE[:4], "12k", *OPTIMIZE[5:]], {}, {}, ["--race-distance", "12k", "allowed"]),
    ("optimize_out_suffix", [*OPTIMIZE[:-1], "plan.xlsx"], {}, {}, ["--out", "plan.xlsx", ".yaml"]),
    ("optimize_out_png", [*OPTIMIZE[:-1], "plan.png"], {}, {}, ["--out", "plan.png", ".yaml"]),
    ("optimize_plot_suffix", [*OPTIMIZE, "--plot", "plan.jpg"], {}, {}, ["--plot", "plan.jpg", ".png"]),
    ("optimize_out_fifo", [*OPTIMIZE[:-1], "fifo"], {}, {}, ["--out", "fifo"]),
    ("optimize_budget", [*OPTIMIZE, "--budget", "0"], {}, {}, ["--budget", "0"]),
    ("optimize_athletes", [*OPTIMIZE, "--athletes", "1"], {}, {}, ["athletes", "1", "at least 2"]),
    # issue 25, item 9: optimize and calibrate use the shared store and size checks
    ("optimize_athletes_huge", [*OPTIMIZE, "--athletes", "1000000000000"], {}, {},
     ["--athletes", "1000000000000", "memory", "allowed: at most"]),
    ("optimize_athletes_sci", [*OPTIMIZE, "--athletes", "1e12"], {}, {}, ["--athletes", "'1e12'"]),
    ("optimize_population_huge", [*OPTIMIZE, "--population", "100000000", "--budget", "100000000"], {}, {},
     ["--athletes", "memory"]),
    ("optimize_tracking_garbage", [*OPTIMIZE[:-3], "--out", "plan.yaml", "--tracking-uri", "garbage"], {}, {},
     ["--tracking-uri", "'garbage'", "allowed"]),
    ("optimize_tracking_closed_port", [*OPTIMIZE[:-3], "--out", "plan.yaml", "--tracking-uri",
                                       f"http://127.0.0.1:{_closed_port()}"], {}, {"STRIDELAB_STORE_TIMEOUT_S": "2"},
     ["--tracking-uri", "http://127.0.0.1:", "cannot reach"]),
    ("optimize_tracking_fifo", [*OPTIMIZE[:-3], "--out", "plan.yaml", "--tracking-uri", "sqlite:///fifo"], {}, {},
     ["--tracking-uri", "sqlite:///fifo", "not a regular file"]),
    ("optimize_experiment_empty", [*OPTIMIZE[:-3], "--out", "plan.yaml", "--experiment", ""], {}, {},
     ["--experiment", "''", "allowed"]),
    ("optimize_experiment_blank", [*OPTIMIZE[:-3], "--out", "plan.yaml", "--experiment", "   "], {}, {},
     ["--experiment", "'   '", "allowed"]),
    ("calibrate_athletes_huge", ["calibrate", "--athletes", "1000000000000"], {}, {},
     ["--athletes", "1000000000000", "allowed: 2 to 100000"]),
    ("calibrate_athletes_sci", ["calibrate", "--athletes", "1e12"], {}, {}, ["--athletes", "'1e12'"]),
    ("audit_level", ["audit", "--level", "elite"], {}, {}, ["--level", "elite", "allowed"]),
    ("audit_athletes", ["audit", "--athletes", "0"], {}, {}, ["--athletes", "0"]),
    ("audit_plot_suffix", ["audit", "--athletes", "2", "--plot", "curves.jpg"], {}, {},
     ["--plot", "curves.jpg", ".png"]),
]


def api_cases():
    """API entry points: (id, callable, words)."""
    import pandas as pd

    from experiments.serving.pyfunc import check_profiles, plan_seasons
    from sim.plan import WeekPlan, parse_plan
    from sim.whatif import check_athletes, simulate_plan

    good = {"level": ["intermediate"], "weekly_km": [40.0], "race_distance": ["10k"], "race_date": ["2027-05-23"]}
    from experiments.io import check_format_suffix

    plan_formats = {"csv": (".csv",), "json": (".json",), "md": (".md", ".markdown"), "ics": (".ics", ".ical"),
                    "fit": (".zip",)}
    return [
        # issue 25, item 8: the shared helper export and replan call (experiments.io.check_format_suffix)
        ("api_format_json_out_csv", lambda: check_format_suffix("json", "x.csv", plan_formats),
         ["--format json", "--out 'x.csv'", "disagree", ".csv is csv", "ending in .json"]),
        ("api_format_csv_out_markdown", lambda: check_format_suffix("csv", "plan.MARKDOWN", plan_formats),
         ["--format csv", "plan.MARKDOWN", "is md"]),
        ("api_format_fit_out_ics", lambda: check_format_suffix("fit", "plan.ics", plan_formats),
         ["--format fit", "plan.ics", "ending in .zip"]),
        ("api_served_list_distance", lambda: check_profiles(pd.DataFrame({**good, "race_distance": [["10k"]]})),
         ["race_distance: row 0", "['10k']", "allowed"]),
        ("api_served_dict_athlete", lambda: check_profiles(pd.DataFrame({**good, "athlete": [{"a": 1}]})),
         ["athlete: row 0", "{'a': 1}"]),
        ("api_served_bad_time", lambda: check_profiles(pd.DataFrame({**good, "race_date": ["2027-05-23T25:99:00"]})),
         ["race_date: row 0", "T25:99:00"]),
        ("api_served_athlete_file_path",
         lambda: check_profiles(pd.DataFrame({**good, "athlete_file": ["/etc/passwd"]})),
         ["athlete_file: row 0", "'/etc/passwd'", "no path separators"]),
        ("api_served_race_0001",
         lambda: plan_seasons(None, 8, "strength", pd.DataFrame({**good, "race_date": ["0001-01-01"]})),
         ["race_date: row 0", "0001-01-01", "in the past"]),
        ("api_served_extra_column", lambda: check_profiles(pd.DataFrame({**good, "colour": ["red"]})),
         ["unknown column", "colour"]),
        ("api_served_subnormal_km", lambda: check_profiles(pd.DataFrame({**good, "weekly_km": [5e-324]})),
         ["weekly_km", "5e-324"]),
        ("api_plan_subnormal", lambda: parse_plan({"blocks": [{"weeks": 1, "run_volume_rel": 5e-324}]}),
         ["blocks.0.run_volume_rel", "5e-324"]),
        ("api_plan_weeks_str", lambda: parse_plan({"blocks": [{"weeks": "10"}]}), ["blocks.0.weeks", "'10'"]),
        ("api_simulate_billion", lambda: simulate_plan([WeekPlan(run_km=40)], athletes=10**9),
         ["athletes", "1000000000", "memory"]),
        ("api_athletes_bool", lambda: check_athletes(True, 10), ["athletes", "True"]),
    ]


def _write(folder: Path, files: dict) -> None:
    for name, content in files.items():
        p = folder / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content == "FIFO":
            os.mkfifo(p)
        elif content == "SQLITE_FOREIGN":
            import sqlite3

            con = sqlite3.connect(p)
            con.execute("CREATE TABLE notes (x TEXT)")
            con.commit()
            con.close()
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`: kind and content hash (regular), target (link), inode (FIFO)."""
    out: dict[str, tuple] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = os.lstat(p)
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("special", st.st_mode, st.st_ino)
    return out


def temp_leftovers() -> set[str]:
    """Everything in the temp folder (a private one per case: other processes share /tmp)."""
    return {p.name for p in Path(tempfile.gettempdir()).iterdir()}


@pytest.fixture(scope="module")
def store_template(tmp_path_factory, copy_mlflow_db):
    """A real MLflow store with one run of another experiment (no config.yaml): created once."""
    from experiments.tracking import open_store

    folder = tmp_path_factory.mktemp("store")
    cl = open_store(copy_mlflow_db(folder), create=True)
    exp = cl.create_experiment("other", artifact_location=str(folder / "artifacts"))
    run = cl.create_run(exp)
    cl.set_terminated(run.info.run_id, "FINISHED")
    return folder / "mlflow.db", run.info.run_id


@pytest.fixture
def workdir(tmp_path_factory, monkeypatch):
    tmp_path = tmp_path_factory.mktemp("work")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("tmp")))
    monkeypatch.chdir(tmp_path)
    for var in ("MLFLOW_TRACKING_URI", "STRIDELAB_STORE_TIMEOUT_S", "PGCONNECT_TIMEOUT"):
        monkeypatch.delenv(var, raising=False)
    # what open_store sets for a remote store must not leak into other tests
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    (tmp_path / "plan.yaml").write_text(PLAN)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    (tmp_path / "keep.txt").write_text("keep me\n")
    (tmp_path / "afile").write_text("x")
    os.mkfifo(tmp_path / "fifo")
    os.symlink("keep.txt", tmp_path / "link.csv")
    return tmp_path


@pytest.mark.parametrize(("argv", "files", "env", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_bad_input_exits_2_cleanly(argv, files, env, words, workdir, store_template, monkeypatch, capsys):
    foreign = store_template[1]
    if files == STORE:
        shutil.copy(store_template[0], workdir / "mlflow.db")
        files = {}
    _write(workdir, files)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    argv = [a.replace("{foreign}", foreign) for a in argv]
    before, tmp_before = snapshot(workdir), temp_leftovers()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse rejects a bad option value with exit 2
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, (out[-500:], err[-2000:])
    assert "Traceback" not in out + err
    for w in words:
        w = w.replace("{foreign}", foreign)
        assert w in err, f"{w!r} not in {err!r}"
    assert snapshot(workdir) == before  # nothing created, nothing changed, the FIFO still a FIFO
    assert temp_leftovers() == tmp_before  # no temp files or folders left either


@pytest.mark.parametrize("case", api_cases(), ids=lambda c: c[0])
def test_api_bad_input_raises_input_error(case):
    _, call, words = case
    with pytest.raises(InputError) as exc:
        call()
    for w in words:
        assert w in str(exc.value)


def test_the_suite_has_at_least_60_bad_inputs():
    assert len(CASES) + len(api_cases()) >= 60


def test_a_silent_postgresql_store_times_out_like_http(workdir, monkeypatch, capsys):
    """Issue 25, item 11: a server that accepts TCP but never answers (a black hole) is given up after
    STRIDELAB_STORE_TIMEOUT_S, not waited on for ever; nothing is created."""
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever answers
    port = silent.getsockname()[1]
    monkeypatch.setenv("STRIDELAB_STORE_TIMEOUT_S", "2")
    before = snapshot(workdir)
    t0 = time.time()
    try:
        code = main(["train", "tiny.yaml", "--set", f"mlflow.tracking_uri=postgresql+psycopg://u:pw@127.0.0.1:{port}/db"])
    finally:
        silent.close()
    wall = time.time() - t0
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "mlflow.tracking_uri" in err and f"127.0.0.1:{port}" in err and "2 s" in err and "pw" not in err
    assert wall < 30, wall
    assert snapshot(workdir) == before


def test_format_and_suffix_that_agree_pass():
    from experiments.io import check_format_suffix

    fm = {"csv": (".csv",), "json": (".json",), "fit": (".zip",)}
    for fmt, out in (("json", "x.json"), ("csv", "x.CSV"), ("fit", "season.zip"), ("json", None), (None, "x.csv"),
                     ("json", "x.txt"), ("xlsx", "x.csv")):
        check_format_suffix(fmt, out, fm)  # agreeing, absent, suffix of no format, or unknown format: no error
