"""Season-plan export: dates, the scheduler's days, the four formats, the CLI and its bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import numpy as np
import pytest
from icalendar import Calendar

from agents.baselines import BASELINES
from experiments.cli import main
from experiments.plans.formats import (
    FORMATS,
    JSON_SCHEMA,
    format_of,
    frame_from_json,
    render,
    to_csv,
    to_ics,
    to_json,
    to_markdown,
)
from experiments.plans.season_plan import (
    COLUMNS,
    athlete_profile,
    policy_week_plans,
    schedule_days,
    season_dates,
    season_plan,
)
from sim import kernel
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.season import MIN_SEASON_WEEKS
from sim.state import A_HABITUAL_KM, D_RUN_KM, D_STR_EMPHASIS, EMPH_NONE, RUN_KINDS

START = dt.date(2027, 1, 4)  # a Monday
RACE = dt.date(2027, 5, 23)  # a Sunday, 20 weeks later
N_WEEKS = 20


@pytest.fixture(scope="module")
def plan():
    weeks = policy_week_plans(BASELINES["intermediate"], "intermediate", N_WEEKS)
    df = season_plan(weeks, athlete_profile("intermediate"), START, RACE)
    df.attrs["source"] = "baseline intermediate"
    return weeks, df


# --------------------------------------------------------------------------- dates
def test_whole_weeks_end_on_race_day():
    sd = season_dates(START, RACE)
    assert (sd.n_weeks, sd.start, sd.lead_in_days) == (20, START, 0)
    # three days later start: one week fewer, the plan begins on the next whole week, race day unchanged
    sd = season_dates(START + dt.timedelta(days=3), RACE)
    assert sd.n_weeks == 19 and sd.race == RACE and sd.lead_in_days == 4
    assert sd.start + dt.timedelta(days=7 * sd.n_weeks - 1) == RACE


def test_race_before_start_and_too_short_seasons_are_input_errors():
    with pytest.raises(InputError, match="not after the start"):
        season_dates(RACE, START)
    short = START + dt.timedelta(days=7 * MIN_SEASON_WEEKS - 2)
    with pytest.raises(InputError, match=f"at least {MIN_SEASON_WEEKS} weeks"):
        season_dates(START, short)
    assert season_dates(START, short + dt.timedelta(days=1)).n_weeks == MIN_SEASON_WEEKS


def test_plan_has_every_day_and_the_race_on_race_day(plan):
    _, df = plan
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 7 * N_WEEKS
    assert list(df["date"]) == [START + dt.timedelta(days=i) for i in range(7 * N_WEEKS)]
    assert df["run_kind"].iloc[-1] == "race" and df["date"].iloc[-1] == RACE
    assert (df["run_kind"] == "race").sum() == 1
    assert set(df["run_kind"]) <= set(RUN_KINDS)


def test_days_are_the_schedulers_days(plan):
    weeks, df = plan
    ath = athlete_profile("intermediate")
    gp = default_parameters()
    days = np.zeros((7, 6))
    for w in (0, 7, N_WEEKS - 1):
        kernel.schedule_week(weeks[w].to_array(), ath, gp, days)
        rows = df[df["week"] == w + 1]
        assert np.allclose(rows["distance_km"], np.round(days[:, D_RUN_KM], 1))
        assert list(rows["strength_emphasis"] != "none") == list(days[:, D_STR_EMPHASIS] != EMPH_NONE)
    # relative volume resolves against this runner's km: week km = volume x habitual km
    km = df.groupby("week")["distance_km"].sum().to_numpy()
    want = np.array([w.run_volume_rel * ath[A_HABITUAL_KM] for w in weeks])
    assert np.allclose(km, want, atol=0.35)


def test_weekly_km_scales_with_the_runners_volume():
    weeks = policy_week_plans(BASELINES["beginner"], "beginner", N_WEEKS)
    a = season_plan(weeks, athlete_profile("beginner", 20.0), START, RACE)
    b = season_plan(weeks, athlete_profile("beginner", 40.0), START, RACE)
    ratio = b.groupby("week")["distance_km"].sum() / a.groupby("week")["distance_km"].sum()
    assert ratio.iloc[:-1].between(1.9, 2.1).all()  # the race week carries the fixed race distance


def test_strength_days_have_the_articles_exercises(plan):
    weeks, df = plan
    lifting = df[df["strength_emphasis"] != "none"]
    assert len(lifting) == sum(w.strength.sessions for w in weeks)
    for r in lifting.itertuples():
        assert r.exercises and all({"name", "sets", "reps", "load"} == set(e) for e in r.exercises)
        assert r.strength_effort in ("easy", "moderate", "hard")
    rest = df[df["strength_emphasis"] == "none"]
    assert all(len(x) == 0 for x in rest["exercises"])
    # the week's reason is on every day of the week
    assert df.groupby("week")["week_note"].nunique().eq(1).all() and df["week_note"].str.len().gt(0).all()


def test_exercise_sets_follow_the_scheduled_sets_for_decoded_plans():
    # a plan without its own exercises (what a learned policy gives) gets the article's session
    weeks = [
        w.model_copy(update={"strength": w.strength.model_copy(update={"exercises": ()})})
        for w in policy_week_plans(BASELINES["intermediate"], "intermediate", N_WEEKS)
    ]
    df = season_plan(weeks, athlete_profile("intermediate"), START, RACE)
    taper = df[(df["weeks_to_race"] <= 2) & (df["strength_emphasis"] != "none")]
    assert len(taper) and all(e["sets"] == 1 for x in taper["exercises"] for e in x)  # taper: 1 set per lift


# --------------------------------------------------------------------------- formats
def test_json_follows_the_documented_schema_and_round_trips(plan):
    _, df = plan
    doc = json.loads(to_json(df))
    assert doc["schema"] == JSON_SCHEMA["properties"]["schema"]["const"]
    assert len(doc["days"]) == len(df)
    day_keys = set(JSON_SCHEMA["properties"]["days"]["items"]["properties"])
    required = set(JSON_SCHEMA["properties"]["days"]["items"]["required"])
    assert required == {"date", "week", "phase", "run", "strength", "note"}
    for d in doc["days"]:
        assert required <= set(d) <= day_keys
        dt.date.fromisoformat(d["date"])
        assert set(d["run"]) == {"kind", "distance_km", "intensity"} and d["run"]["kind"] in RUN_KINDS
        assert {"emphasis", "effort", "exercises"} <= set(d["strength"])
        assert (d["strength"]["effort"] is None) == (d["strength"]["emphasis"] == "none")
        for e in d["strength"]["exercises"]:
            assert set(e) == {"name", "sets", "reps", "load"} and isinstance(e["sets"], int) and e["sets"] >= 1
        assert isinstance(d["note"], str) and d["note"]
    back = frame_from_json(doc)
    assert list(back["run_kind"]) == list(df["run_kind"])
    assert np.allclose(back["distance_km"], df["distance_km"])


def test_json_validates_against_its_schema_when_jsonschema_is_installed(plan):
    jsonschema = pytest.importorskip("jsonschema")
    _, df = plan
    jsonschema.validate(json.loads(to_json(df)), JSON_SCHEMA)


def test_ics_parses_with_one_all_day_event_per_training_day(plan):
    _, df = plan
    cal = Calendar.from_ical(to_ics(df))
    events = list(cal.walk("VEVENT"))
    training = df[(df["run_kind"] != "rest") | (df["strength_emphasis"] != "none")]
    assert len(events) == len(training)
    assert len({str(e["uid"]) for e in events}) == len(events)
    starts = []
    for e in events:
        start, end = e.decoded("dtstart"), e.decoded("dtend")
        assert isinstance(start, dt.date) and not isinstance(start, dt.datetime)  # all-day
        assert end - start == dt.timedelta(days=1)
        starts.append(start)
    assert starts == list(training["date"])
    race = [e for e in events if e.decoded("dtstart") == RACE]
    assert len(race) == 1 and "RACE" in str(race[0]["summary"])
    lift = next(e for e in events if "strength" in str(e["summary"]))
    assert " x " in str(lift["description"])  # sets x reps of the exercises


def test_markdown_has_a_table_per_week_under_its_reason(plan):
    _, df = plan
    md = to_markdown(df)
    assert md.count("\n## Week ") == N_WEEKS
    assert md.count("| Day | Run | km | Intensity | Strength |") == N_WEEKS
    for note in df.groupby("week")["week_note"].first():
        assert note in md
    assert "Rule check" in md


def test_csv_has_one_row_per_day(plan):
    _, df = plan
    rows = list(csv.DictReader(io.StringIO(to_csv(df))))
    assert len(rows) == len(df) and rows[-1]["run_kind"] == "race" and rows[-1]["date"] == RACE.isoformat()
    assert any(
        " 3x" in r["exercises"] or "x" in r["exercises"] for r in rows if r["strength_emphasis"] != "none"
    )


def test_format_choice_and_unknown_formats():
    assert format_of(None, "plan.ics") == "ics" and format_of(None, "plan.markdown") == "md"
    assert format_of(None, None) == "csv" and format_of("json", "x.csv") == "json"
    assert format_of(None, "plan.zip") == "fit"  # FIT workouts, one per run, in a .zip
    with pytest.raises(InputError, match="allowed: csv, json, md, ics, fit"):
        format_of("pdf", None)
    assert set(FORMATS) == {"csv", "json", "md", "ics", "fit"}


# --------------------------------------------------------------------------- the CLI
ARGS = [
    "export",
    "--baseline",
    "intermediate",
    "--level",
    "intermediate",
    "--start",
    START.isoformat(),
    "--race",
    RACE.isoformat(),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_cli_writes_every_format(tmp_path, fmt, plan):
    out = tmp_path / f"plan.{'zip' if fmt == 'fit' else fmt}"
    assert main([*ARGS, "--format", fmt, "--out", str(out)]) == 0
    _, df = plan
    assert out.read_bytes() == render(df, fmt) or fmt == "ics"  # ics carries a creation stamp
    if fmt == "ics":
        assert len(list(Calendar.from_ical(out.read_bytes()).walk("VEVENT"))) > 0
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temp file left behind


def test_cli_weekly_km_changes_the_distances(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert main([*ARGS, "--weekly-km", "30", "--out", str(a)]) == 0
    assert main([*ARGS, "--weekly-km", "60", "--out", str(b)]) == 0
    km = [sum(d["run"]["distance_km"] for d in json.loads(p.read_text())["days"]) for p in (a, b)]
    assert km[1] > 1.8 * km[0]


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--race", "2026-12-01"], "not after the start"),
        (["--race", "2027-01-20"], "at least"),
        (["--format", "pdf"], "not an export format"),
        (["--out", "/nonexistent-folder/plan.csv"], "does not exist"),
    ],
)
def test_cli_bad_input_exits_2_without_a_file(tmp_path, capsys, extra, message):
    out = tmp_path / "plan.csv"
    args = [*ARGS, *extra] if "--out" in extra else [*ARGS, *extra, "--out", str(out)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_baseline_exits_2(tmp_path, capsys):
    out = tmp_path / "plan.csv"
    bad = [a if a != "intermediate" or i != 2 else "nope" for i, a in enumerate(ARGS)]
    assert main([*bad, "--out", str(out)]) == 2
    assert "not a baseline" in capsys.readouterr().err
    assert not out.exists()  # (an unknown --run id: tests/experiments/report/test_compare.py, which has a store)


def test_cli_out_path_that_is_a_folder_or_under_a_file_exits_2(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    assert main([*ARGS, "--out", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main([*ARGS, "--out", str(tmp_path / "afile" / "plan.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_schedule_days_is_the_kernel_for_every_week(plan):
    weeks, _ = plan
    ath = athlete_profile("intermediate")
    days = schedule_days(weeks, ath)
    ref = np.zeros((7, 6))
    kernel.schedule_week(weeks[3].to_array(), ath, default_parameters(), ref)
    assert days.shape == (N_WEEKS, 7, 6) and np.array_equal(days[3], ref)


def test_ics_events_carry_a_growing_sequence_and_last_modified(plan):
    """Issue 23: a re-exported or re-planned calendar updates subscribed events only when SEQUENCE grows."""
    _, df = plan
    first = dt.datetime(2027, 1, 1, 8, 0, tzinfo=dt.UTC)
    later = first + dt.timedelta(days=14)
    a = list(Calendar.from_ical(to_ics(df, now=first)).walk("VEVENT"))
    b = list(Calendar.from_ical(to_ics(df, now=later)).walk("VEVENT"))
    assert [str(e["uid"]) for e in a] == [str(e["uid"]) for e in b]
    assert all(int(y["sequence"]) > int(x["sequence"]) for x, y in zip(a, b, strict=True))
    assert all(e.decoded("last-modified") == later for e in b)
