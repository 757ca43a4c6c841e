"""The served season planner as a client meets it (issue 13): integer km accepted, a 400 that names the
field, an output schema and an input example, a pinned requirement, and a described registered model
with a `champion` alias."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from experiments.serving import pyfunc
from experiments.serving.pyfunc import OUTPUT_COLUMNS, SeasonPlanner, input_example, pip_requirements, signature

WEEKS = 8


class TwoSessions:
    def predict(self, obs, state=None, episode_start=None, deterministic=True):
        n = np.atleast_2d(obs).shape[0]
        return np.tile(np.array([2, 1, 1, 0], dtype=np.int64), (n, 1)), None


class StubPlanner(SeasonPlanner):
    """The real SeasonPlanner.predict with a hand-made policy instead of a trained one."""

    def load_context(self, context) -> None:
        self.cfg = SimpleNamespace(env=SimpleNamespace(season_weeks=WEEKS, action_scope="strength"))
        self.env_kwargs = {}
        self.predictor = TwoSessions()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import mlflow.pyfunc

    path = tmp_path_factory.mktemp("model") / "planner"
    # the requirements `log_pyfunc` gives the real model (else MLflow infers them in a subprocess: 4 s)
    mlflow.pyfunc.save_model(str(path), python_model=StubPlanner(), signature=signature(),
                             input_example=input_example(WEEKS), pip_requirements=pip_requirements())
    return path, mlflow.pyfunc.load_model(str(path))


def _invoke(model, records: list[dict]):
    from mlflow.pyfunc import scoring_server

    body = json.dumps({"dataframe_records": records})
    return scoring_server.invocations(body, "application/json", model, model.metadata.get_input_schema())


def _race(weeks: int = WEEKS) -> str:
    return (dt.date.today() + dt.timedelta(days=7 * weeks + 14)).isoformat()


def test_integer_weekly_km_is_served(served):
    _, model = served
    res = _invoke(model, [{"level": "intermediate", "weekly_km": 45, "race_distance": "10k",
                           "race_date": _race()}])
    assert res.status == 200
    days = json.loads(res.response)["predictions"]
    assert days and days[-1]["run_kind"] == "race"
    assert set(days[0]) == set(OUTPUT_COLUMNS)


def test_bad_level_is_a_400_whose_message_names_the_field(served):
    from mlflow.exceptions import MlflowException

    _, model = served
    with pytest.raises(MlflowException) as err:
        _invoke(model, [{"level": "elite", "weekly_km": 45, "race_distance": "10k", "race_date": _race()}])
    assert err.value.get_http_status_code() == 400
    assert "level: row 0: 'elite' is not a level; allowed: beginner, intermediate, advanced" in err.value.message
    assert "unexpected error" not in err.value.message


def test_extra_columns_are_still_refused(served):
    from mlflow.exceptions import MlflowException

    _, model = served
    with pytest.raises(MlflowException, match="unknown column"):
        _invoke(model, [{"level": "beginner", "weekly_km": 30, "race_distance": "5k", "race_date": _race(),
                         "colour": "red"}])


def test_model_has_an_output_schema_and_an_input_example(served):
    path, model = served
    sig = model.metadata.signature
    assert sig.inputs is None  # the model checks its input itself
    assert [c.name for c in sig.outputs.inputs] == list(OUTPUT_COLUMNS)
    example = json.loads((path / "serving_input_example.json").read_text())
    row = example["dataframe_split"]
    assert row["columns"] == ["level", "weekly_km", "race_distance", "race_date"]
    race = dt.date.fromisoformat(row["data"][0][3])
    assert race.weekday() == 6 and race - dt.timedelta(days=7 * WEEKS - 1) > dt.date.today()


def test_default_start_is_never_in_the_past():
    race = dt.date.today() + dt.timedelta(days=7 * 20)
    df = pd.DataFrame({"level": ["beginner"], "weekly_km": [30], "race_distance": ["5k"],
                       "race_date": [race.isoformat()]})
    days = pyfunc.plan_seasons(TwoSessions(), 52, "strength", df)
    assert dt.date.fromisoformat(days["date"].iloc[0]) >= dt.date.today()
    assert days["date"].iloc[-1] == race.isoformat()


def test_stridelab_requirement_is_pinned():
    reqs = pip_requirements()
    assert any(r.startswith("stridelab==") and len(r) > len("stridelab==") for r in reqs)
    assert "stridelab" not in reqs


def test_registered_model_is_described_tagged_and_has_a_champion(tmp_path, monkeypatch, copy_mlflow_db):
    import mlflow

    mlflow.set_tracking_uri(copy_mlflow_db(tmp_path))  # an empty store
    cl = mlflow.MlflowClient()
    exp = cl.create_experiment("t")
    name = "stridelab-test"
    cl.create_registered_model(name)
    runs = []
    for gap in (-0.5, -0.9, -0.2):
        run = cl.create_run(exp)
        cl.log_metric(run.info.run_id, "final/gap_to_best_template_pct", gap)
        cl.create_model_version(name, str(tmp_path), run_id=run.info.run_id)
        runs.append(run.info.run_id)
    cfg = SimpleNamespace(registered_model_name=name, name="test", algo=SimpleNamespace(name="ppo"),
                          env=SimpleNamespace(season_weeks=52, race_distance="10k", action_scope="strength",
                                              levels=None, level="intermediate"),
                          eval=SimpleNamespace(final_athletes=1000))
    pyfunc.describe_registered(cfg, runs[2])
    rm = cl.get_registered_model(name)
    assert "season planner" in rm.description and "champion" in rm.description
    assert rm.tags["stridelab.season_weeks"] == "52" and rm.tags["stridelab.levels"] == "intermediate"
    assert cl.get_model_version_by_alias(name, "champion").run_id == runs[1]  # the smallest gap
    mv = [v for v in cl.search_model_versions(f"name = '{name}'") if v.run_id == runs[2]][0]
    assert "-0.200 pp" in mv.description and "1000 held-out athletes" in mv.description


# --------------------------------------------------------------------------- issue 25: hostile requests
def _strict_json(text: str):
    """json.loads that refuses NaN and Infinity (not JSON, though Python's json writes them)."""
    def bad(token):
        raise AssertionError(f"{token} in the response body: not valid JSON")

    return json.loads(text, parse_constant=bad)


def _refused(model, records: list[dict]) -> str:
    from mlflow.exceptions import MlflowException

    with pytest.raises(MlflowException) as err:
        _invoke(model, records)
    assert err.value.get_http_status_code() == 400
    assert "unexpected error" not in err.value.message and "Traceback" not in err.value.message
    return err.value.message


ROW = {"level": "intermediate", "weekly_km": 45, "race_distance": "10k"}


@pytest.mark.parametrize(("change", "words"), [
    ({"race_distance": ["10k"]}, ["race_distance: row 0", "['10k']", "marathon"]),
    ({"level": {"x": 1}}, ["level: row 0", "beginner"]),
    ({"athlete": {"a": 1}}, ["athlete: row 0", "{'a': 1}", "whole number"]),
    ({"athlete": [1, 2]}, ["athlete: row 0", "[1, 2]"]),
    ({"weekly_km": True}, ["weekly_km: row 0", "True", "5 to 200"]),
    ({"weekly_km": "45"}, ["weekly_km: row 0", "'45'"]),
    ({"race_date": "2027-05-23T25:99:00"}, ["race_date: row 0", "T25:99:00", "YYYY-MM-DD"]),
    ({"race_date": "2027-02-30"}, ["race_date: row 0", "2027-02-30"]),
    ({"race_date": 20270523}, ["race_date: row 0", "20270523"]),
    ({"race_date": "0001-01-01"}, ["race_date: row 0", "0001-01-01", "in the past"]),
    ({"race_date": "0001-01-07", "start_date": "0001-01-01"}, ["start_date/race_date: row 0", "at least"]),
    ({"race_date": "9999-12-31", "start_date": "2027-01-04"}, ["start_date/race_date: row 0", "at most 104"]),
    ({"start_date": "2027-13-01"}, ["start_date: row 0", "2027-13-01"]),
    ({"athlete_file": "../etc/passwd"}, ["athlete_file: row 0", "'../etc/passwd'", "no path separators"]),
    ({"athlete_file": 7}, ["athlete_file: row 0", "7"]),
])
def test_hostile_cells_are_400_naming_column_row_and_value(served, change, words):
    _, model = served
    message = _refused(model, [{**ROW, "race_date": _race(), **change}])
    for w in words:
        assert w in message, (w, message)


def test_a_date_error_names_the_row_it_is_in(served):
    _, model = served
    rows = [{**ROW, "race_date": _race()} for _ in range(3)] + [{**ROW, "race_date": "2027-5-23"}]
    assert "race_date: row 3: '2027-5-23'" in _refused(model, rows)


def test_a_valid_time_of_day_is_accepted(served):
    _, model = served
    res = _invoke(model, [{**ROW, "race_date": _race() + "T09:30:00"}])
    assert res.status == 200 and _strict_json(res.response)["predictions"][-1]["date"] == _race()


def test_a_path_in_athlete_file_is_refused_without_touching_the_file(served, tmp_path, monkeypatch):
    """Nothing is opened or even looked at: no open (audit event) and no stat of the path a request names."""
    import os
    import sys

    _, model = served
    secret = tmp_path / "secret.yaml"
    secret.write_text("SECRET-LINE-ONE SECRET-LINE-TWO\n")
    monkeypatch.setenv("STRIDELAB_ATHLETES_DIR", str(tmp_path))  # even with a folder, a path is no id
    touched: list[str] = []
    watching = [True]

    def hook(event, args):
        if watching[0] and event in ("open", "os.listdir", "os.scandir") and args and "secret" in str(args[0]):
            touched.append(f"{event} {args[0]}")

    sys.addaudithook(hook)
    real_stat, real_lstat = os.stat, os.lstat

    def stat(p, *a, **k):
        if "secret" in str(p):
            touched.append(f"stat {p}")
        return real_stat(p, *a, **k)

    def lstat(p, *a, **k):
        if "secret" in str(p):
            touched.append(f"lstat {p}")
        return real_lstat(p, *a, **k)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(os, "lstat", lstat)
    try:
        for path in (str(secret), "../" + secret.name, secret.name.replace(".yaml", "/../secret.yaml"),
                     "..\\secret.yaml"):
            message = _refused(model, [{**ROW, "race_date": _race(), "athlete_file": path}])
            assert "athlete_file: row 0" in message and "SECRET" not in message
    finally:
        watching[0] = False
    assert touched == []


def test_a_bad_file_in_the_operators_folder_is_named_by_id_never_echoed(tmp_path):
    folder = tmp_path / "athletes"
    folder.mkdir()
    (folder / "eve.yaml").write_text("SECRET-LINE-ONE SECRET-LINE-TWO\n")
    df = pd.DataFrame([{**ROW, "race_date": _race(), "athlete_file": "eve"}])
    with pytest.raises(pyfunc.InputError) as err:
        pyfunc.plan_seasons(TwoSessions(), WEEKS, "strength", df, athletes_dir=folder)
    assert "athlete_file: row 0" in str(err.value) and "'eve'" in str(err.value)
    assert "SECRET" not in str(err.value)


def test_the_athlete_folder_is_named_at_start_up(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIDELAB_ATHLETES_DIR", str(tmp_path / "nope"))
    with pytest.raises(pyfunc.InputError, match="STRIDELAB_ATHLETES_DIR: .*nope.* is not a folder"):
        pyfunc.athletes_folder()
    monkeypatch.setenv("STRIDELAB_ATHLETES_DIR", str(tmp_path))
    assert pyfunc.athletes_folder() == tmp_path.resolve()


def test_too_many_rows_are_a_400(served):
    _, model = served
    rows = [{**ROW, "race_date": _race()}] * (pyfunc.MAX_ROWS + 1)
    assert f"at most {pyfunc.MAX_ROWS} rows" in _refused(model, rows)


def test_ten_thousand_rows_are_scored_within_the_timeout_as_valid_json(served):
    """The scoring server's default timeout is 60 s; rows sharing a profile are planned once."""
    import time

    _, model = served
    race = (dt.date.today() + dt.timedelta(days=7 * 5 + 3)).isoformat()
    rows = [{**ROW, "weekly_km": 30 + i % 4, "race_date": race, "athlete": f"a{i}"} for i in range(10_000)]
    t0 = time.time()
    res = _invoke(model, rows)
    wall = time.time() - t0
    assert res.status == 200
    days = _strict_json(res.response)["predictions"]
    assert wall < 60, wall
    assert {d["athlete"] for d in days} == {f"a{i}" for i in range(10_000)}
    assert all(d["date"] <= race for d in days[:50])


def test_non_finite_numbers_never_reach_the_body():
    df = pd.DataFrame({"distance_km": [1.0, float("nan"), float("inf")], "note": ["a", float("nan"), "c"],
                       "week": [1, 2, 3]})
    out = pyfunc._finite(df)
    assert out["distance_km"].tolist() == [1.0, None, None] and out["note"].tolist() == ["a", None, "c"]
    import io

    from mlflow.pyfunc.scoring_server import predictions_to_json

    buf = io.StringIO()
    predictions_to_json(out, buf)
    assert _strict_json(buf.getvalue())["predictions"][1] == {"distance_km": None, "note": None, "week": 2}
