"""Fit quality in the athlete file (issue 23) and bad input to athlete fit, check, export and
replan: exit 2, the field named, no traceback, nothing written (issue 25 items 3-5)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from experiments.athlete import exports as X
from experiments.cli import main

END = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """An athlete fitted to a 14-week intervals.icu log with two consistent races."""
    tmp = tmp_path_factory.mktemp("fitted")
    acts = X.runner_history(11, 14, END, early_km=30, recent_km=35, races=2)
    log = X.intervals_export(acts, tmp / "icu.csv")
    out = tmp / "athlete.yaml"
    assert main(["athlete", "fit", str(log), "--out", str(out)]) == 0
    return log, out


def test_athlete_file_holds_the_fit_quality(fitted):
    _, out = fitted
    doc = yaml.safe_load(out.read_text())
    q = doc["fit_quality"]
    assert q["status"] in ("good", "poor") and len(q["race_error_pct"]) == 2
    assert all("ci90" in v and "at_bound" in v for v in doc["fitted"].values())
    assert all("model_error_pct" in r for r in doc["races"])
    assert doc["import"]["files_read"] == 1 and doc["import"]["skipped_count"] == 0
    assert "last 12 weeks" in doc["sources"]["habitual_km"]
    assert doc["profile"]["habitual_km"] == pytest.approx(35, rel=0.15)


def test_a_poor_fit_warns(tmp_path, capsys):
    """Two 10 km races 20% apart two weeks apart: no profile explains both."""
    acts = X.runner_history(12, 12, END, early_km=30, recent_km=30, races=0)
    log = X.intervals_export(acts, tmp_path / "icu.csv")
    races = tmp_path / "races.csv"
    races.write_text("date,event,result\n2026-11-01,10k,0:40:00\n2026-11-15,10k,0:52:00\n")
    out = tmp_path / "a.yaml"
    assert main(["athlete", "fit", str(log), "--races", str(races), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "warning: the model misses your races by" in captured.err
    q = yaml.safe_load(out.read_text())["fit_quality"]
    assert q["status"] == "poor" and q["race_error_pct_mean_abs"] > 4.0
    assert "WARNING" in captured.out


def _mutated(src, tmp_path, edit):
    doc = yaml.safe_load(src.read_text())
    edit(doc)
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def _pace0(d):
    d["draws"]["athlete"][0][3] = 0.0


def _paces_str(d):
    d["paces"] = "fast"


def _paces_missing(d):
    d["paces"] = {"vdot": 40, "from_race": "2026-10-01", "min_per_km": {"easy": 6.0}}


@pytest.mark.parametrize("edit,field", [(_pace0, "easy_pace_min_per_km"), (_paces_str, "paces"),
                                        (_paces_missing, "paces.min_per_km.marathon")])
def test_bad_athlete_file_values_exit_2_naming_the_field(fitted, tmp_path, capsys, edit, field):
    _, src = fitted
    bad = _mutated(src, tmp_path, edit)
    out = tmp_path / "plan.json"
    assert main(["export", "--baseline", "intermediate", "--athlete", str(bad), "--start", "2027-01-04",
                 "--race", "2027-03-28", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert field in err and "is not allowed" in err and "Traceback" not in err
    assert not out.exists()


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    p = tmp_path_factory.mktemp("plan") / "plan.json"
    assert main(["export", "--baseline", "intermediate", "--level", "intermediate", "--start", "2027-01-04",
                 "--race", "2027-03-28", "--out", str(p)]) == 0
    return p


def _drop_start(d):
    del d["start"]


def _race_km(v):
    def f(d):
        d["race_km"] = v
    return f


def _day_km(d):
    d["days"][3]["run"]["distance_km"] = -5


def _day_kind(d):
    d["days"][0]["run"] = {"kind": "swim", "distance_km": 1, "intensity": ""}


@pytest.mark.parametrize("edit,field", [(_drop_start, "start: missing"), (_race_km(0), "race_km: 0"),
                                        (_race_km(float("nan")), "race_km: nan"),
                                        (_day_km, "days[3].run.distance_km"), (_day_kind, "days[0].run.kind")])
def test_replan_plan_json_is_validated_before_any_work(fitted, plan, tmp_path, capsys, edit, field):
    log, athlete = fitted
    doc = json.loads(plan.read_text())
    edit(doc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    out = tmp_path / "new.json"
    assert main(["replan", "--athlete", str(athlete), "--log", str(log), "--plan", str(bad), "--today",
                 "2027-01-18", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert field in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("start,race,fmt", [("2150-01-05", "2150-06-21", "fit"), ("1970-01-05", "1970-06-21", "fit"),
                                            ("9999-06-01", "9999-12-31", "ics"), ("0001-01-01", "0001-03-01", "csv")])
def test_export_dates_at_the_calendars_edges_exit_2(tmp_path, capsys, start, race, fmt):
    out = tmp_path / f"plan.{'zip' if fmt == 'fit' else fmt}"
    assert main(["export", "--baseline", "intermediate", "--level", "intermediate", "--start", start, "--race", race,
                 "--format", fmt, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--start" in err and "1990-01-01 to 2100-12-31" in err and "Traceback" not in err
    assert not out.exists()


def test_athlete_check_weeks_is_bounded(capsys):
    with pytest.raises(SystemExit) as e:
        main(["athlete", "check", "--weeks", "1000000"])
    assert e.value.code == 2
    assert "need 5-40 weeks" in capsys.readouterr().err
