"""The training pipeline against a real MLflow store (SQLite in a temp folder) and real SB3.

Tiny budgets (8-week seasons, a few hundred timesteps): the tests check what a run records,
that several seeds aggregate into a parent run, that the SB3 logger output format writes
metrics without duplicates, and that a run killed with SIGKILL after its first checkpoint
resumes into the same run with continuous, non-duplicated metrics.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from experiments.config import load_config, validate
from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[3]

TINY = {
    "name": "tiny",
    "env": {"level": "intermediate", "season_weeks": 8, "athlete_pool": 64},
    "algo": {"name": "ppo", "n_steps": 8, "batch_size": 64, "n_epochs": 1,
             "policy_kwargs": {"net_arch": [16]}},
    "n_envs": 16,
    "total_timesteps": 256,
    "seeds": [0],
    "normalize": {"observations": True},
    "eval": {"athletes": 16, "final_athletes": 24, "every_timesteps": 128,
             "baselines": ["intermediate", "advanced", "run_only"], "model_draws": 2, "missed_sessions": [0.2]},
    "checkpoint": {"every_timesteps": 128},
}


@pytest.fixture(scope="module")
def store(tmp_path_factory, copy_mlflow_db):
    """One MLflow store for the module (creating a SQLite store costs seconds: a copy of an empty one)."""
    folder = tmp_path_factory.mktemp("mlflow")
    old = os.getcwd()
    os.chdir(folder)
    uri = copy_mlflow_db(folder)
    prev = os.environ.get("MLFLOW_TRACKING_URI")
    os.environ["MLFLOW_TRACKING_URI"] = uri
    yield folder, uri
    os.chdir(old)
    if prev is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = prev


def config(folder: Path, name: str, **changes) -> Path:
    data = yaml.safe_load(yaml.safe_dump(TINY))
    data["name"] = name
    data["mlflow"] = {"experiment": name}
    data["checkpoint"]["folder"] = str(folder / "runs")
    for k, v in changes.items():
        data[k] = v
    p = folder / f"{name}.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri)


def steps_of(cl, run_id: str, key: str) -> list[int]:
    return [m.step for m in cl.get_metric_history(run_id, key)]


def test_metric_writer_skips_strings_excluded_and_repeated_steps(store) -> None:
    from experiments.tracking import MetricLogger
    from experiments.tracking.sb3 import MLflowOutputFormat

    _, uri = store
    cl = client(uri)
    exp = cl.create_experiment("writer")
    run_id = cl.create_run(exp).info.run_id
    fmt = MLflowOutputFormat(MetricLogger(cl, run_id))
    fmt.write({"train/loss": 1.5, "note": "text", "secret": 2.0, "nan": float("nan"), "np": np.float32(3.0)},
              {"secret": ("mlflow",)}, step=10)
    fmt.write({"train/loss": 9.9}, {}, step=10)  # same step again: dropped
    fmt.write({"train/loss": 0.5}, {}, step=20)
    metrics = cl.get_run(run_id).data.metrics
    assert set(metrics) == {"train/loss", "np"}
    hist = cl.get_metric_history(run_id, "train/loss")
    assert [(m.step, m.value) for m in hist] == [(10, 1.5), (20, 0.5)]
    # a writer resumed with the run's last steps does not re-log what is there
    from experiments.tracking import last_steps

    again = MetricLogger(cl, run_id, last_steps(cl, run_id))
    assert again.log({"train/loss": 7.0}, 20) == 0 and again.log({"train/loss": 7.0}, 30) == 1


def test_two_seeds_log_everything_and_aggregate(store) -> None:
    import mlflow

    from experiments.training.run import train

    folder, uri = store
    cfg = load_config(config(folder, "two_seeds", seeds=[0, 1]))
    res = train(cfg, command="stridelab train two_seeds.yaml", progress=False)
    cl = client(uri)
    assert res.parent_run_id is not None and set(res.runs) == {0, 1}
    parent = cl.get_run(res.parent_run_id)
    assert parent.info.status == "FINISHED"
    for name in ("race_time_pct", "gap_to_best_template_pct"):
        mean = parent.data.metrics[f"seeds/{name}/mean"]
        lo, hi = parent.data.metrics[f"seeds/{name}/ci_lo"], parent.data.metrics[f"seeds/{name}/ci_hi"]
        vals = [m[f"final/{name}"] for _, m in res.runs.values()]
        assert mean == pytest.approx(np.mean(vals)) and lo <= mean <= hi
    for seed, (run_id, final) in res.runs.items():
        run = cl.get_run(run_id)
        assert run.info.status == "FINISHED"
        assert run.data.tags["mlflow.parentRunId"] == res.parent_run_id
        assert run.data.tags["stridelab.seed"] == str(seed)
        assert run.data.tags["stridelab.git_commit"] and run.data.tags["stridelab.command"].startswith("stridelab")
        assert run.data.params["algo.n_steps"] == "8" and run.data.params["env.season_weeks"] == "8"
        # issue 13: a description, the evaluation populations as datasets, names that say the population
        note = run.data.tags["mlflow.note.content"]
        assert f"seed {seed}" in note and f"({TINY['eval']['athletes']} athletes" in note
        inputs = {d.dataset.name: {t.key: t.value for t in d.tags} for d in run.inputs.dataset_inputs}
        assert inputs["eval-population"]["athletes"] == str(TINY["eval"]["athletes"])
        assert inputs["final-population"]["athletes"] == str(TINY["eval"]["final_athletes"])
        assert inputs["final-population"]["mlflow.data.context"] == "final"
        assert "eval/baseline/run_only/injured_days" in run.data.metrics
        assert run.data.metrics["eval/population_athletes"] == TINY["eval"]["athletes"]
        assert run.data.metrics["final/population_athletes"] == TINY["eval"]["final_athletes"]
        assert not [k for k in run.data.metrics if k.startswith(("baseline/", "final/learned/"))]
        arts = {a.path for a in cl.list_artifacts(run_id)}
        assert {"config.yaml", "command.txt", "versions.json", "policy", "comparison", "plots",
                "checkpoints"} <= arts
        assert {a.path for a in cl.list_artifacts(run_id, "policy")} == {"policy/policy.zip",
                                                                         "policy/vecnormalize.npz"}
        assert {"comparison/comparison.csv", "comparison/comparison.md"} <= {
            a.path for a in cl.list_artifacts(run_id, "comparison")}
        assert {a.path for a in cl.list_artifacts(run_id, "plots")} == {"plots/learning_curve.png",
                                                                        "plots/season.png"}
        # issue 21: the final policy and the checkpoint carry what they were trained for, read back by the loader
        from experiments.policy import load_run_policy, policy_meta, read_meta

        for saved in ("final/policy.zip", "checkpoints/checkpoint.zip"):
            assert read_meta(Path(cfg.checkpoint.folder) / run_id / saved) == policy_meta(cfg)
        pol = load_run_policy(run_id, uri)
        assert pol.action_scope == cfg.env.action_scope and pol.source == "stridelab.json"
        assert pol.env_kwargs == policy_meta(cfg).env_kwargs
        # the logged config reloads to the same config
        text = Path(cl.download_artifacts(run_id, "config.yaml", str(folder / f"cfg{seed}"))).read_text()
        assert validate(yaml.safe_load(text), "logged") == cfg
        # SB3 metrics at SB3's step (timesteps) and periodic evaluation against the templates
        assert steps_of(cl, run_id, "time/total_timesteps") == [128, 256]
        assert steps_of(cl, run_id, "eval/race_time_pct") == [0, 128, 256]
        assert steps_of(cl, run_id, "eval/gap_to_best_template_pct") == [0, 128, 256]
        assert final["final/best_template_race_time_pct"] <= min(
            final[f"final/{t}/race_time_pct"] for t in ("intermediate", "advanced"))
        assert final["final/gap_to_best_template_pct"] == pytest.approx(
            final["final/race_time_pct"] - final["final/best_template_race_time_pct"])
        # robustness (2 model draws, 20% missed) and the credibility of the learned plans, in MLflow too
        logged = run.data.metrics
        for key in ("final/robust/learned/draws_won", "final/robust/learned/draws_vs_best_mean",
                    "final/robust/learned/missed20_race_time_pct_diff", "final/robust/run_only/missed20_run_km_diff",
                    "final/credibility/tapers", "final/credibility/rule_breaks", "final/credibility/at_max_volume"):
            assert logged[key] == pytest.approx(final[key])
        assert "final/robust/learned/missed10_race_time_pct_diff" not in final
        assert final["final/robust/run_only/missed20_run_km_diff"] < 0
        assert {"comparison/robustness.csv", "comparison/credibility.json", "comparison/model_draws.csv",
                "comparison/missed_sessions.csv"} <= {a.path for a in cl.list_artifacts(run_id, "comparison")}
    # the comparison table: learned, every baseline, paired differences to the best template
    table = pd.read_csv(cl.download_artifacts(res.runs[0][0], "comparison/comparison.csv", str(folder / "t")))
    assert list(table["policy"]) == ["learned", "intermediate", "advanced", "run_only"]
    assert {"race_time_pct_diff_lo", "race_time_pct_diff_hi", "injured_days_diff"} <= set(table.columns)
    # the registered pyfunc model plans seasons, one row per athlete-day
    versions = cl.search_model_versions("name='stridelab-two_seeds'")
    assert len(versions) == 2
    rm = cl.get_registered_model("stridelab-two_seeds")
    assert "season planner" in rm.description and rm.tags["stridelab.season_weeks"] == "8"
    champion = cl.get_model_version_by_alias("stridelab-two_seeds", "champion")
    gaps = {v.run_id: cl.get_run(v.run_id).data.metrics["final/gap_to_best_template_pct"] for v in versions}
    assert gaps[champion.run_id] == min(gaps.values())
    assert all(v.description for v in cl.search_model_versions("name='stridelab-two_seeds'"))
    model = mlflow.pyfunc.load_model(f"models:/stridelab-two_seeds/{versions[0].version}")
    days = model.predict(pd.DataFrame({
        "level": ["beginner", "advanced"], "weekly_km": [25.0, 70.0], "race_distance": ["5k", "half"],
        "race_date": ["2027-05-23", "2027-06-06"], "start_date": [None, "2027-03-01"],
    }))
    per = days.groupby("athlete").size()
    assert per[0] == 7 * 8  # default season: the trained length, ending on race day
    assert per[1] == 7 * 14  # 2027-03-01 .. 2027-06-06 is 14 whole weeks
    last = days[days["athlete"] == 1].iloc[-1]
    assert last["date"] == "2027-06-06" and last["run_kind"] == "race"
    assert set(days["strength_emphasis"]) <= {"none", "heavy", "power", "maintenance", "toning"}


def test_resume_after_sigkill_continues_same_run(store) -> None:
    """Kill a training process after its first checkpoint; resume; one finished run, metrics
    continuous (every rollout step present) and never duplicated."""
    from experiments.training.run import train

    folder, uri = store
    total = 16 * 8 * 16  # 16 rollouts: killed right after its first checkpoint, the resume runs the rest
    path = config(folder, "killed", total_timesteps=total,
                  eval={**TINY["eval"], "every_timesteps": 1024, "model_draws": 0, "missed_sessions": []},
                  checkpoint={"every_timesteps": 256, "folder": str(folder / "runs_killed")})
    # the child runs the code under test (not an installed copy elsewhere on the path)
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "train", str(path), "--no-progress"],
                            cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runs = folder / "runs_killed"
    deadline = time.time() + 120
    ckpt = None
    while time.time() < deadline and proc.poll() is None:
        found = list(runs.glob("*/checkpoints/checkpoint.json")) if runs.is_dir() else []
        if found:
            ckpt = found[0]
            break
        time.sleep(0.02)
    assert ckpt is not None, proc.stderr.read().decode() if proc.poll() is not None else "no checkpoint in time"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    run_id = ckpt.parent.parent.name
    cl = client(uri)
    assert cl.get_run(run_id).info.status == "RUNNING"  # killed: nobody closed it
    before = steps_of(cl, run_id, "time/total_timesteps")
    assert before and before[-1] < total

    cfg = load_config(path)
    res = train(cfg, command=f"stridelab train {path} --resume {run_id}", resume=run_id, progress=False)
    assert res.runs[0][0] == run_id
    run = cl.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert len(cl.search_runs([run.info.experiment_id])) == 1  # no second run
    rollout = 16 * 8
    for key in ("time/total_timesteps", "train/loss", "rollout/ep_rew_mean"):
        steps = steps_of(cl, run_id, key)
        assert len(steps) == len(set(steps)), f"{key} duplicated"
        assert sorted(steps) == list(range(rollout, total + 1, rollout)), key
    ev = steps_of(cl, run_id, "eval/race_time_pct")
    assert len(ev) == len(set(ev)) and ev[0] == 0 and ev[-1] == total
    assert run.data.metrics["time/total_timesteps"] == total
    assert {"policy/policy.zip"} <= {a.path for a in cl.list_artifacts(run_id, "policy")}


def test_resume_rejects_unknown_run_and_changed_config(store) -> None:
    from experiments.training.run import train

    folder, uri = store
    # a finished run of its own (this test needs no other test's run or store)
    tiny_eval = {**TINY["eval"], "model_draws": 0}
    done = train(load_config(config(folder, "resume_changed", total_timesteps=128, eval=tiny_eval)), progress=False)
    cfg = load_config(config(folder, "bad_resume"))
    with pytest.raises(InputError, match="not found"):
        train(cfg, resume="0123456789abcdef", progress=False)
    cl = client(uri)
    exp = cl.get_experiment_by_name("bad_resume")
    assert exp is None or not cl.search_runs([exp.experiment_id])
    # resuming it with a changed config is refused
    with pytest.raises(InputError, match="differs"):
        train(load_config(config(folder, "resume_changed", total_timesteps=512, eval=tiny_eval)),
              resume=done.runs[0][0], progress=False)


def test_resume_refuses_a_run_that_is_not_a_training_run(store) -> None:
    """Issue 15, point 3: `--resume` with a run of another experiment (no config.yaml) trained into it,
    ended FINISHED with 0 params and registered a model version. Point 7: and left an empty runs/."""
    from experiments.training.run import train

    folder, uri = store
    cl = client(uri)
    foreign = cl.create_run(cl.create_experiment("someone_else")).info.run_id
    runs = folder / "runs_foreign"
    cfg = load_config(config(folder, "resume_foreign", checkpoint={"every_timesteps": 128, "folder": str(runs)}))
    with pytest.raises(InputError, match=r"--resume: run '\w+' is not a `stridelab train` run"):
        train(cfg, resume=foreign, progress=False)
    run = cl.get_run(foreign)
    assert run.info.status == "RUNNING" and not run.data.params and not run.data.metrics
    assert not cl.search_model_versions("name='stridelab-resume_foreign'")
    assert not runs.exists()


def test_resume_after_the_model_was_logged_adds_no_second_model(store, tmp_path, monkeypatch) -> None:
    """Issue 15, point 7: a kill after the logged model was written left a second, orphan logged model
    (and a second registered version) on resume; every train left /tmp/stridelab-pyfunc-*."""
    import tempfile

    import mlflow

    from experiments.training.run import train

    folder, uri = store
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cfg = load_config(config(folder, "logged_once", total_timesteps=128,
                             eval={**TINY["eval"], "every_timesteps": 128}))
    run_id = train(cfg, progress=False).runs[0][0]
    assert not list(tmp_path.glob("stridelab-*"))
    cl = client(uri)
    cl.update_run(run_id, status="RUNNING")  # killed after log_model, before the run was closed
    assert train(cfg, resume=run_id, progress=False).runs[0][0] == run_id
    exp = cl.get_run(run_id).info.experiment_id
    mlflow.set_tracking_uri(uri)
    models = mlflow.search_logged_models(experiment_ids=[exp], filter_string=f"source_run_id = '{run_id}'",
                                         output_format="list")
    assert [m.name for m in models] == ["season_planner"]
    assert len(cl.search_model_versions("name='stridelab-logged_once'")) == 1
    assert cl.get_run(run_id).info.status == "FINISHED"
    assert not list(tmp_path.glob("stridelab-*"))


def test_resume_restores_the_checkpoint_exactly(store) -> None:
    """Issue 15, point 10, what resume preserves (README, "What --resume preserves"): the policy and
    value weights, the optimiser state, the timestep count and the normalisation statistics come back
    bit for bit. Not preserved: the env's in-progress seasons and random streams, the partial rollout
    and torch's RNG, so a resumed run does not end on the same numbers as an uninterrupted one."""
    import torch

    from experiments import tracking
    from experiments.training.checkpointing import RunContext, fetch_checkpoint
    from experiments.training.run import _build_model

    folder, uri = store
    cfg = load_config(config(folder, "exact", checkpoint={"every_timesteps": 128, "folder": str(folder / "rx")}))
    cl = client(uri)
    run_id = cl.create_run(tracking.experiment_id(cl, "exact")).info.run_id
    ctx = RunContext(cfg, 0, run_id, cl, tracking.MetricLogger(cl, run_id), folder / "rx" / run_id)
    model, venv = _build_model(cfg, 0, None, ctx)
    model.learn(256)
    ctx.save_checkpoint(model)
    weights = {k: v.clone() for k, v in model.policy.state_dict().items()}
    optim = model.policy.optimizer.state_dict()

    again, venv2 = _build_model(cfg, 0, fetch_checkpoint(ctx), ctx)
    assert again.num_timesteps == model.num_timesteps == 256
    for k, v in again.policy.state_dict().items():
        assert torch.equal(v, weights[k]), k
    state2 = again.policy.optimizer.state_dict()["state"]
    assert state2.keys() == optim["state"].keys()
    for i, st in optim["state"].items():
        for name, value in st.items():
            assert torch.equal(state2[i][name], value), (i, name)
    for a, b in ((venv2.obs_rms, venv.obs_rms), (venv2.ret_rms, venv.ret_rms)):
        assert np.array_equal(a.mean, b.mean) and np.array_equal(a.var, b.var) and a.count == b.count


def test_cli_runs_through_main(store, capsys) -> None:
    """`stridelab train` through the CLI entry point: exit 0, the report names the run."""
    from experiments.cli import main

    folder, _ = store
    path = config(folder, "cli", total_timesteps=128, eval={**TINY["eval"], "every_timesteps": 128})
    assert main(["train", str(path), "--no-progress", "--set", "mlflow.register_model=false"]) == 0
    out = capsys.readouterr().out
    assert "seed 0: run" in out and "mlflow ui --backend-store-uri" in out


def test_expected_injury_reward_swaps_the_injury_term() -> None:
    """The wrapper's reward = env reward + w x (realised injured days - mean days per injury x hazard),
    and the mean days per injury is the log-normal mean of the kernel's draw."""
    from envs import StrengthRunVecEnv
    from experiments.training.environments import ExpectedInjuryReward
    from experiments.training.injury import mean_injury_days
    from sim.parameters import INJURY_MEDIAN_D, INJURY_SIGMA_LN, default_parameters
    from sim.state import M_HAZARD, M_INJURED_DAYS

    gp = default_parameters()
    draws = gp[INJURY_MEDIAN_D] * np.exp(gp[INJURY_SIGMA_LN] * np.random.default_rng(0).standard_normal(400_000))
    assert mean_injury_days(gp) == pytest.approx(draws.mean(), rel=0.01)
    kw = {"season_weeks": 8, "athlete_pool": 32, "level": "beginner"}
    plain, wrapped = StrengthRunVecEnv(32, seed=3, **kw), ExpectedInjuryReward(StrengthRunVecEnv(32, seed=3, **kw), 0.5)
    plain.reset(), wrapped.reset()
    actions = np.tile(np.array([1, 4, 2, 2], dtype=np.int64), (32, 1))
    hazard = 0.0
    for _ in range(16):
        _, r0, _, _ = plain.step(actions)
        _, r1, _, _ = wrapped.step(actions)
        m = wrapped.venv.last_metrics
        hazard += m[:, M_HAZARD].sum()
        expected = r0 + 0.5 * (m[:, M_INJURED_DAYS] - mean_injury_days(gp) * m[:, M_HAZARD])
        np.testing.assert_allclose(r1, expected, rtol=1e-5, atol=1e-5)
    assert hazard > 0.0


def test_log_population_links_the_dataset_again_after_a_concurrent_insert() -> None:
    """Two tune workers on one server can both insert the same population dataset; the loser gets
    a unique-key error from the store, and links the (now existing) dataset again. Other store
    errors are not swallowed."""
    from mlflow.exceptions import MlflowException

    from experiments.training.evaluation import log_population
    from sim.whatif import make_cohort

    class Client:
        def __init__(self, first_error):
            self.first_error, self.calls = first_error, []

        def log_inputs(self, run_id, datasets):
            self.calls.append((run_id, datasets))
            if len(self.calls) == 1 and self.first_error:
                raise MlflowException(self.first_error)

    cohort = make_cohort("intermediate", 4, 3)
    race = Client("(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint \"dataset_pk\"")
    log_population(race, "r1", cohort, "eval")
    assert len(race.calls) == 2 and race.calls[0] == race.calls[1]
    (ds,) = race.calls[1][1]
    assert ds.dataset.name == "eval-population" and {t.key: t.value for t in ds.tags}["athletes"] == "4"
    other = Client("connection refused")
    with pytest.raises(MlflowException, match="connection refused"):
        log_population(other, "r1", cohort, "eval")
    assert len(other.calls) == 1


def test_the_same_config_and_seed_train_the_same_policy(store) -> None:
    """What `stridelab headline` promises for a rerun on the same commit and seeds: training is
    deterministic (same weights, same final metrics), so the learned rung's numbers repeat."""
    import hashlib
    import zipfile

    from experiments.training.run import train

    folder, uri = store
    digests, finals = [], []
    for k in range(2):
        res = train(load_config(config(folder, f"det{k}", eval={**TINY["eval"], "model_draws": 0,
                                                                  "missed_sessions": []})), progress=False)
        run_id, metrics = res.runs[0]
        finals.append({m: v for m, v in metrics.items() if m.startswith("final/") and "wall" not in m})
        path = client(uri).download_artifacts(run_id, "policy/policy.zip", str(folder / f"dl{k}"))
        with zipfile.ZipFile(path) as z:
            digests.append(hashlib.sha256(z.read("policy.pth")).hexdigest())
    assert digests[0] == digests[1]
    assert finals[0] == finals[1] and finals[0]
