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
    mlflow.pyfunc.save_model(str(path), python_model=StubPlanner(), signature=signature(),
                             input_example=input_example(WEEKS))
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


def test_registered_model_is_described_tagged_and_has_a_champion(tmp_path, monkeypatch):
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
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
