"""stridelab compare and export on a tiny PPO trained by the real pipeline into an MLflow store in tmp."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.plans.rules import check, undeclared
from experiments.policy import load_model_file, load_run_policy
from experiments.report.compare import TEMPLATES, CompareOptions, check_seed, compare, held_out_seed
from experiments.report.write import write_reports
from sim.errors import InputError

WEEKS = 8
START, RACE = dt.date(2027, 3, 1), dt.date(2027, 4, 25)  # 8 weeks


@pytest.fixture(scope="module")
def trained(tmp_path_factory, copy_mlflow_db):
    """A tiny PPO (8-week season, 128 timesteps) logged like a `stridelab train` run.

    Trained here with SB3 on `envs.StrengthRunVecEnv` and logged with the pipeline's
    artefact layout (config.yaml, policy/policy.zip, policy/vecnormalize.npz, the pyfunc
    season planner), so the test does not depend on the full training job.
    """
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecNormalize

    from envs import StrengthRunVecEnv
    from experiments import tracking
    from experiments.config import flatten, to_yaml, validate
    from experiments.policy import save_vecnormalize
    from experiments.serving.pyfunc import log_pyfunc

    folder = tmp_path_factory.mktemp("mlflow")
    uri = copy_mlflow_db(folder)  # an empty store
    cfg = validate(
        {
            "name": "tiny",
            "env": {
                "level": "intermediate",
                "season_weeks": WEEKS,
                "race_distance": "10k",
                "action_scope": "strength",
            },
            "algo": {
                "name": "ppo",
                "n_steps": 8,
                "batch_size": 32,
                "n_epochs": 1,
                "policy_kwargs": {"net_arch": [16]},
            },
            "n_envs": 8,
            "total_timesteps": 128,
            "seeds": [3],
            "normalize": {"observations": True},
            "eval": {
                "athletes": 8,
                "final_athletes": 8,
                "seed": 10007,
                "baselines": ["intermediate", "run_only"],
            },
            "checkpoint": {"folder": str(folder / "runs")},
            "mlflow": {"tracking_uri": uri, "experiment": "tiny", "register_model": False},
        },
        "test config",
    )
    cl = tracking.client(uri)
    # artefacts in tmp too (a SQLite store's default artefact root is ./mlruns in the working folder)
    exp = cl.create_experiment("tiny", artifact_location=(folder / "artifacts").as_uri())
    run_id = cl.create_run(exp, run_name="tiny-seed3", tags={"stridelab.role": "single"}).info.run_id
    tracking.log_run_metadata(cl, run_id, "pytest", to_yaml(cfg), flatten(cfg))
    venv = VecNormalize(
        StrengthRunVecEnv(
            8, level="intermediate", seed=3, season_weeks=WEEKS, race_distance="10k", action_scope="strength"
        ),
        norm_obs=True,
        norm_reward=False,
    )
    model = PPO(
        "MlpPolicy",
        venv,
        n_steps=8,
        batch_size=32,
        n_epochs=1,
        policy_kwargs={"net_arch": [16]},
        seed=3,
        device="cpu",
    )
    model.learn(128)
    final = folder / "runs" / run_id / "final"
    final.mkdir(parents=True)
    model.save(str(final / "policy.zip"))
    save_vecnormalize(venv, final / "vecnormalize.npz")
    cl.log_artifact(run_id, str(final / "policy.zip"), "policy")
    cl.log_artifact(run_id, str(final / "vecnormalize.npz"), "policy")
    log_pyfunc(cfg, run_id, final / "policy.zip", final / "vecnormalize.npz")
    cl.set_terminated(run_id, "FINISHED")
    return uri, run_id, folder


@pytest.fixture(scope="module")
def comparison(trained):
    uri, run_id, _ = trained
    pol = load_run_policy(run_id, uri)
    seed = held_out_seed([pol])
    options = CompareOptions(athletes=24, seed=seed, season_weeks=WEEKS, n_boot=300, model_draws=2, missed=(0.2,))
    return compare({pol.name: pol}, ["intermediate"], options)


def test_learned_policy_carries_its_training_setting(trained):
    uri, run_id, _ = trained
    pol = load_run_policy(run_id, uri)
    assert (pol.season_weeks, pol.race_distance, pol.levels, pol.training_seeds) == (
        WEEKS,
        "10k",
        ("intermediate",),
        (3,),
    )
    seed = held_out_seed([pol])
    assert seed not in (3, 10007)
    with pytest.raises(InputError, match="training seed"):
        check_seed(3, [pol])
    with pytest.raises(InputError, match="not a run"):
        load_run_policy("0" * 32, uri)


def test_export_of_an_unknown_run_exits_2_without_a_file(trained, tmp_path, capsys):
    uri, _, _ = trained
    out = tmp_path / "plan.ics"
    args = [
        "export",
        "--run",
        "0" * 32,
        "--level",
        "intermediate",
        "--start",
        START.isoformat(),
        "--race",
        RACE.isoformat(),
        "--tracking-uri",
        uri,
        "--out",
        str(out),
    ]
    assert main(args) == 2
    assert "not a run" in capsys.readouterr().err and not out.exists()


def test_every_policy_is_ranked_best_first_with_paired_differences(comparison):
    s = comparison.summary
    assert len(s) == 10 and list(s["rank"]) == list(range(1, 11))  # 9 baselines + the learned policy
    assert s["race_time_pct"].is_monotonic_increasing
    assert set(s["kind"]) == {"learned", "template", "mistake", "baseline"}
    best = comparison.best_template["intermediate"]
    assert best in TEMPLATES
    assert best == min(TEMPLATES, key=lambda t: float(s.loc[s["policy"] == t, "race_time_pct"].iloc[0]))
    pa = comparison.per_athlete
    ref = pa[pa["policy"] == best].sort_values("athlete")["race_time_pct"].to_numpy()
    for r in s.itertuples():
        mine = pa[pa["policy"] == r.policy].sort_values("athlete")["race_time_pct"].to_numpy()
        d = mine - ref
        assert r.race_time_pct_diff == pytest.approx(d.mean(), abs=1e-12)  # paired difference of means
        assert r.race_time_pct_diff_lo <= r.race_time_pct_diff + 1e-12 <= r.race_time_pct_diff_hi + 2e-12
        assert r.race_time_pct_win == pytest.approx((d < 0).mean())
    row = s[s["policy"] == best].iloc[0]
    assert row["race_time_pct_diff"] == 0.0 and row["race_time_pct_win"] == 0.0


def test_verdict_follows_the_confidence_interval(comparison):
    v = comparison.verdicts["intermediate"]
    assert v["beats"] == (v["diff_hi"] < 0 and v["injured_days_diff"] <= 0)
    assert v["best_template"] == comparison.best_template["intermediate"]
    text = comparison.verdict_text()
    assert ("Yes for intermediate" in text) == v["beats"] and ("No:" in text) == (not v["beats"])
    assert f"{v['diff']:+.3f} pp" in text


def test_comparison_is_deterministic(trained, comparison):
    uri, run_id, _ = trained
    pol = load_run_policy(run_id, uri)
    options = CompareOptions(athletes=24, seed=comparison.seed, season_weeks=WEEKS, n_boot=300, model_draws=2,
                             missed=(0.2,))
    again = compare({pol.name: pol}, ["intermediate"], options)
    pd.testing.assert_frame_equal(again.summary, comparison.summary)  # robustness and credibility columns too


def test_every_policy_gets_robustness_and_credibility_columns(comparison):
    from experiments.report.compare import summary_table

    table = summary_table(comparison)
    new = ["draws_race_time_pct_mean", "draws_race_time_pct_p5", "draws_race_time_pct_p95", "draws_injured_days_mean",
           "draws_vs_best_mean", "draws_won", "missed20_race_time_pct_diff", "missed20_race_time_pct_diff_lo",
           "missed20_injured_days_diff", "missed20_run_km_diff", "tapers", "taper_ratio", "periodizes",
           "rule_breaks", "rule_breaks_taper", "at_max_sessions", "at_max_volume", "all_max"]
    assert set(new) <= set(table.columns) and "missed10_race_time_pct_diff" not in table
    s = table.set_index("policy")
    assert s[[c for c in new if c != "draws_won"]].notna().all().all()
    assert s.loc[list(TEMPLATES), "draws_won"].isna().all() and s["draws_won"].drop(list(TEMPLATES)).notna().all()
    assert (s["missed20_run_km_diff"] < 0).all()  # skipped sessions are km not run, for every policy
    # the run-only plan has no strength work in race season: the maintenance rule says so
    assert s.loc["run_only", "rule_breaks_maintenance_in_race_season"] > 0
    assert s.loc["intermediate", "rule_breaks"] == 0 and s.loc["intermediate", "tapers"] == 1.0
    v = comparison.verdicts["intermediate"]
    assert "robustness of" in v["robust_text"] and "credibility of" in v["credibility_text"]
    assert v["robust_text"] in comparison.verdict_text()


def test_reports_embed_the_plots_and_tables(comparison, tmp_path):
    files = write_reports(comparison, tmp_path / "out")
    html = files["compare.html"].read_text()
    assert html.count("src='data:image/png;base64,") == 5 and html.startswith("<!doctype html>")
    assert "intermediate: robustness</h3>" in html and "intermediate: credibility of the plans</h3>" in html
    # issue 13: the question before the answer, the answer once, every column defined, CIs on one line,
    # what each plan prescribes week by week with a link to its exported season plan
    from experiments.report.compare import Comparison
    from experiments.report.render import TERMS_LIST

    assert html.index("The question") < html.index("The answer") and escape(Comparison.QUESTION) in html
    assert html.count(f"{comparison.verdicts['intermediate']['diff']:+.3f} pp") == 1
    for term, _ in TERMS_LIST:
        assert f"<th>{term.replace('BEST', 'best template')}</th>" in html
    assert "white-space:nowrap" in html
    assert "intermediate: what each plan prescribes</h3>" in html
    links = re.findall(r"href='(plan_intermediate_[^']+\.md)'", html)
    assert len(links) == 2  # the learned policy and the best template
    for link in links:
        md = (tmp_path / "out" / link).read_text()
        assert md.startswith("# Season plan: intermediate runner") and "**Warm-up.**" in md
    assert "draws<br>won" in html and "20% missed:<br>race time (pp)" in html and "at max:<br>volume" in html
    draws = pd.read_csv(files["model_draws.csv"])
    assert len(draws) == 2 * 10 and set(draws["draw"]) == {0, 1}
    assert set(pd.read_csv(files["missed_sessions.csv"])["skip_prob"]) == {0.2}
    assert set(json.loads(files["credibility.json"].read_text())["intermediate"]) == set(comparison.summary["policy"])
    for png in ("scatter_race_time_vs_injured_days.png", "distributions.png", "weekly_load_strength.png",
                "robustness.png", "fitness_fatigue_form.png"):
        assert files[png].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = list(csv.DictReader(files["compare.csv"].open()))
    assert len(rows) == 10 and rows[0]["rank"] == "1"
    md = files["compare.md"].read_text()
    assert "## intermediate" in md and comparison.verdicts["intermediate"]["text"] in md
    assert "### intermediate: robustness" in md and "### intermediate: credibility of the plans" in md
    weekly = pd.read_csv(files["weekly.csv"])
    assert set(weekly["week"]) == set(range(1, WEEKS + 1))


def test_cli_compare_prints_writes_and_logs_its_own_run(trained, tmp_path, capsys, monkeypatch):
    from mlflow.tracking import MlflowClient

    monkeypatch.setenv("COLUMNS", "1000")  # notes name the store's path: at a pipe's width they fold inside it

    uri, run_id, _ = trained
    cl = MlflowClient(tracking_uri=uri)
    exp = cl.get_experiment_by_name("tiny")
    query = "tags.`stridelab.role` = 'compare'"
    before = len(cl.search_runs([exp.experiment_id], query))
    for i, source in enumerate((["--runs", run_id], ["--experiment", "tiny"])):
        out = tmp_path / f"cmp{i}"
        assert main(["compare", *source, "--athletes", "12", "--out", str(out), "--tracking-uri", uri,
                     "--model-draws", "2", "--missed", "0.2"]) == 0
        printed = capsys.readouterr().out
        # --experiment finds the training run and skips the comparison runs logged in the same experiment
        assert "best learned policy" in printed and printed.count("learned:tiny-seed3") >= 4
        assert "intermediate: robustness" in printed and "intermediate: credibility of the plans" in printed
        assert "learned:tiny-seed3: tapers in" in printed and "beats each draw's best template in" in printed
        assert (out / "compare.html").is_file() and (out / "verdict.json").is_file()
    runs = cl.search_runs([exp.experiment_id], query, order_by=["attributes.start_time DESC"])
    assert len(runs) == before + 2
    arts = {a.path for a in cl.list_artifacts(runs[0].info.run_id)}
    assert {"compare.html", "compare.csv", "compare.md"} <= arts
    assert "intermediate/best_learned_beats_best_template" in runs[0].data.metrics
    m = runs[0].data.metrics
    assert {"intermediate/learned_tiny-seed3/draws_won", "intermediate/learned_tiny-seed3/missed20_race_time_pct_diff",
            "intermediate/learned_tiny-seed3/tapers", "intermediate/learned_tiny-seed3/at_max_volume",
            "intermediate/best_learned_draws_won"} <= set(m)
    assert runs[0].data.params["model_draws"] == "2" and runs[0].data.params["missed"] == "0.2"
    assert {"credibility.json", "model_draws.csv", "missed_sessions.csv"} <= arts
    assert runs[0].data.params["runs"] == run_id


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--runs", "f" * 32], "not a run"),
        (["--experiment", "no-such-experiment"], "not found"),
        (["--seed", "3"], "training seed"),
    ],
)
def test_cli_compare_bad_input_exits_2(trained, tmp_path, capsys, extra, message):
    uri, run_id, _ = trained
    args = ["compare", *extra, "--athletes", "4", "--out", str(tmp_path / "o"), "--tracking-uri", uri]
    if "--runs" not in extra and "--experiment" not in extra:
        args += ["--runs", run_id]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("extra,message", [(["--missed", "0.1,1.5"], "--missed: 1.5 is not allowed; need 0 < p < 1"),
                                           (["--missed", "x"], "--missed: 'x' is not a number"),
                                           (["--model-draws", "-1"], "--model-draws: -1 is not allowed")])
def test_cli_compare_bad_robustness_flags_exit_2(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--runs", "f" * 32, *extra, "--out", str(tmp_path / "o")])
    assert exc.value.code == 2 and message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_export_from_the_run_is_the_pyfunc_plan_and_passes_the_rules(trained, tmp_path):
    import mlflow

    uri, run_id, folder = trained
    out = tmp_path / "plan.json"
    args = [
        "export",
        "--run",
        run_id,
        "--level",
        "intermediate",
        "--weekly-km",
        "45",
        "--start",
        START.isoformat(),
        "--race",
        RACE.isoformat(),
        "--tracking-uri",
        uri,
        "--out",
        str(out),
    ]
    assert main(args) == 0
    from experiments.plans.formats import frame_from_json

    doc = json.loads(out.read_text())
    days = frame_from_json(doc)
    assert len(days) == 7 * WEEKS and days["run_kind"].iloc[-1] == "race"
    assert undeclared(check(days)) == []
    assert [v["declared"] for v in doc["rule_check"]] == [True] * len(doc["rule_check"])

    mlflow.set_tracking_uri(uri)
    planner = mlflow.pyfunc.load_model(f"runs:/{run_id}/season_planner")
    pf = planner.predict(
        pd.DataFrame(
            {
                "level": ["intermediate"],
                "weekly_km": [45.0],
                "race_distance": ["10k"],
                "race_date": [RACE.isoformat()],
                "start_date": [START.isoformat()],
            }
        )
    )
    assert list(pf["date"]) == [d.isoformat() for d in days["date"]]
    assert list(pf["run_kind"]) == list(days["run_kind"])
    assert np.allclose(pf["distance_km"].astype(float), days["distance_km"])
    assert list(pf["strength_emphasis"]) == list(days["strength_emphasis"])

    # the same policy from its .zip file gives the same plan
    local = next(folder.glob("runs/*/final/policy.zip"))
    model_out = tmp_path / "model.json"
    assert main([*args[:1], "--model", str(local), "--trust", *args[3:-1], str(model_out)]) == 0
    assert json.loads(model_out.read_text())["days"] == doc["days"]
    assert load_model_file(local, trust=True).action_scope == "strength"


def test_served_model_refuses_an_extra_column_and_keeps_the_athlete_id(trained):
    """Issue 15, point 6: MLflow's signature enforcement dropped an unknown column (and the optional
    `athlete` id) before the project's checks; the model is logged without a dropping signature."""
    import mlflow
    import pandas as pd

    uri, run_id, _ = trained
    mlflow.set_tracking_uri(uri)
    exp = mlflow.MlflowClient().get_run(run_id).info.experiment_id
    (logged,) = mlflow.search_logged_models(experiment_ids=[exp], filter_string=f"source_run_id = '{run_id}'",
                                            output_format="list")
    model = mlflow.pyfunc.load_model(logged.model_uri)
    good = {"level": ["intermediate"], "weekly_km": [40.0], "race_distance": ["10k"], "race_date": ["2027-04-25"]}
    with pytest.raises(InputError, match="unknown column.*colour"):
        model.predict(pd.DataFrame({**good, "colour": ["red"]}))
    days = model.predict(pd.DataFrame({**good, "athlete": ["ann"]}))
    assert set(days["athlete"]) == {"ann"} and len(days) == 7 * WEEKS



# --------------------------------------------------------------------------- --plan: optimized open-loop plans
@pytest.fixture(scope="module")
def optimized_plan(tmp_path_factory):
    """An 8-week plan from `stridelab optimize` (tiny budget), trained on seed 5."""
    out = tmp_path_factory.mktemp("plan") / "opt.yaml"
    args = ["optimize", "--level", "intermediate", "--race-distance", "10k", "--season-weeks", str(WEEKS),
            "--budget", "12", "--population", "4", "--athletes", "8", "--seed", "5", "--out", str(out), "--no-mlflow"]
    assert main(args) == 0
    return out


def test_compare_evaluates_a_plan_beside_the_learned_policy_on_the_same_athletes(trained, optimized_plan, tmp_path,
                                                                                 capsys):
    from agents.evaluation import athlete_rows, run_season
    from sim.plan import load_plan
    from sim.whatif import make_cohort

    uri, run_id, _ = trained
    out = tmp_path / "cmp"
    # no robustness runs: this test is about the pairing (robustness is tested above), and they were most of its time
    args = ["compare", "--runs", run_id, "--plan", str(optimized_plan), "--athletes", "24", "--tracking-uri", uri,
            "--out", str(out), "--no-mlflow", "--model-draws", "0", "--missed", "none"]
    assert main(args) == 0
    text, err = capsys.readouterr()
    assert "optimized:opt vs the best template" in text and "value of feedback" in text
    # progress on standard error, as whole lines when it is not a terminal (issue 24)
    assert "compare intermediate: 0/" in err and "compare intermediate: done, " in err
    rows = {r["policy"]: r for r in csv.DictReader((out / "compare.csv").open())}
    assert len(rows) == 11 and rows["optimized:opt"]["kind"] == "optimized"
    assert sorted(r["kind"] for r in rows.values()).count("learned") == 1
    # the plan met the same held-out athletes and draws as everyone: its rows are the plan simulated on that cohort
    seed = int(json.loads((out / "verdict.json").read_text())["seed"])
    mine = pd.read_csv(out / "per_athlete.csv").query("policy == 'optimized:opt'").sort_values("athlete")
    alone = athlete_rows("x", run_season(make_cohort("intermediate", 24, seed, "10k"),
                                         load_plan(optimized_plan).plan_array()))
    np.testing.assert_allclose(mine["race_time_pct"], alone["race_time_pct"], rtol=1e-9)
    np.testing.assert_allclose(mine["injured_days"], alone["injured_days"])


def test_compare_refuses_a_plans_training_seed_and_a_plan_of_another_season(trained, optimized_plan, tmp_path,
                                                                           capsys):
    uri, run_id, _ = trained
    base = ["compare", "--runs", run_id, "--athletes", "8", "--tracking-uri", uri, "--out", str(tmp_path / "c"),
            "--no-mlflow"]
    assert main([*base, "--plan", str(optimized_plan), "--seed", "5"]) == 2
    assert "seed: 5 is a training seed of optimized:opt" in capsys.readouterr().err
    other = tmp_path / "long.yaml"
    other.write_text("level: intermediate\nblocks:\n  - {weeks: 20, run_volume_rel: 1.0}\n")
    assert main([*base, "--plan", str(other)]) == 2
    assert "season_weeks [8, 20]" in capsys.readouterr().err
    assert main([*base, "--plan", str(optimized_plan), "--level", "beginner"]) == 2
    assert "a plan for intermediate runners" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


def test_plan_files_alone_not_logged_need_no_store(optimized_plan, tmp_path, monkeypatch):
    """`compare --plan FILE --no-mlflow` reads no runs and logs nothing: it runs without a store
    and leaves none behind (a missing store is still an error as soon as runs are read or logged)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    out = tmp_path / "cmp"
    assert main(["compare", "--plan", str(optimized_plan), "--athletes", "8", "--model-draws", "0", "--missed",
                 "none", "--out", str(out), "--no-mlflow"]) == 0
    assert (out / "compare.csv").is_file() and not (tmp_path / "mlflow.db").exists()
    assert main(["compare", "--plan", str(optimized_plan), "--athletes", "8", "--out", str(tmp_path / "c2")]) == 2
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "c2").exists()


@pytest.mark.parametrize("width", (60, 80, 100, 120))
def test_console_tables_show_every_column_uncropped(comparison, width, capsys):
    """Issue 24, defect 2: through a pipe the tables were cropped at the width, and the mean injured days over
    model draws and "20% missed: injured days" appeared in no part."""
    from experiments.report.render import credibility_rows, display_rows, print_tables, robustness_rows

    sys.path.insert(0, str(Path(__file__).parent))
    from test_tables import assert_uncropped

    print_tables(comparison, width=width)
    out = capsys.readouterr().out
    assert_uncropped(out, width)
    flat = " ".join(out.split())
    for rows_of in (display_rows, robustness_rows, credibility_rows):
        head, rows = rows_of(comparison, "intermediate")
        for h in head[3:]:
            assert all(word in flat for word in h.split()), h
        for r in rows:
            for j, cell in enumerate(r):
                if j != 2 and cell:  # column 2 (kind) is shown as bold rows
                    assert cell in out, (head[j], cell)
    assert "20% missed:" in out and "over draws" in flat
