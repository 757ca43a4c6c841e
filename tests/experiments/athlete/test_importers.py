"""Each importer on files the test writes: FIT (SDK encoder), Strava CSV, intervals.icu CSV."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from experiments.athlete.activities import activities_frame, daily_table, read_log
from experiments.athlete.csvlogs import intervals_csv_text, strava_csv_text
from experiments.athlete.fitfiles import fit_activity_bytes
from experiments.athlete.results import read_results, training_paces, vdot
from sim.errors import InputError

NAN = math.nan


def _acts():
    rows = [
        (dt.datetime(2026, 1, 5, 7, 0), "run", "Easy", 10.0, 55.0, 140.0, 3.0, False),
        (dt.datetime(2026, 1, 5, 18, 30), "strength", "Heavy legs", NAN, 36.0, NAN, NAN, False),
        (dt.datetime(2026, 1, 6, 6, 15), "run", "Recovery", 6.0, 34.0, NAN, NAN, False),
        (dt.datetime(2026, 1, 7, 12, 0), "swim", "Pool", NAN, 30.0, NAN, NAN, False),
        (dt.datetime(2026, 1, 9, 9, 0), "run", "10k race", 10.0, 44.5, 172.0, 9.0, True),
    ]
    return activities_frame([
        {"start": s, "date": s.date(), "sport": sp, "name": nm, "distance_km": km, "duration_min": mins,
         "avg_hr_bpm": hr, "rpe_0_10": rpe, "race": race, "source": "-", "row": i}
        for i, (s, sp, nm, km, mins, hr, rpe, race) in enumerate(rows)])


def _write(fmt, acts, tmp_path):
    if fmt == "fit":
        folder = tmp_path / "garmin"
        folder.mkdir()
        for i, r in enumerate(acts.itertuples(index=False)):
            (folder / f"activity_{i}.fit").write_bytes(fit_activity_bytes(r, utc_offset_h=-5.0))
        return folder
    path = tmp_path / ("activities.csv" if fmt == "strava" else "icu.csv")
    path.write_text(strava_csv_text(acts) if fmt == "strava" else intervals_csv_text(acts))
    return path


@pytest.mark.parametrize("fmt", ["fit", "strava", "intervals"])
def test_each_format_reads_back_the_activities(fmt, tmp_path):
    acts = _acts()
    got = read_log(_write(fmt, acts, tmp_path))
    assert list(got["sport"]) == ["run", "strength", "run", "swim" if fmt != "fit" else "generic", "run"]
    assert list(got["date"]) == list(acts["date"])  # local calendar days, also across the FIT UTC offset
    runs = got[got["sport"] == "run"]
    assert runs["distance_km"].tolist() == pytest.approx([10.0, 6.0, 10.0], abs=0.01)
    assert runs["duration_min"].tolist() == pytest.approx([55.0, 34.0, 44.5], abs=0.02)
    assert runs["avg_hr_bpm"].iloc[0] == 140 and math.isnan(runs["avg_hr_bpm"].iloc[1])
    assert runs["rpe_0_10"].iloc[0] == 3.0
    # both CSV formats carry a race flag; a FIT file's race is its title (or a segment_lap sport_event)
    assert list(runs["race"]) == [False, False, True]

    day = daily_table(got)
    assert len(day) == 5  # Jan 5 .. Jan 9, the rest day included
    first = day.iloc[0]
    assert first["run_km"] == pytest.approx(10.0, abs=0.01) and first["strength_sessions"] == 1
    assert day.iloc[3]["run_km"] == 0 and day.iloc[3]["runs"] == 0  # Jan 8: nothing
    assert day.iloc[2]["other_min"] == pytest.approx(30.0)  # the swim is kept, not counted as running
    if True:
        assert day.iloc[4]["race_km"] == pytest.approx(10.0) and day.iloc[4]["race_time_s"] == pytest.approx(2670)


def test_bad_rows_are_skipped_and_reported_or_fatal_under_strict(tmp_path):
    acts = _acts()
    path = _write("strava", acts, tmp_path)
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",6.00,", ",six,").replace(",6000.0,", ",six,")
    path.write_text("\n".join(lines) + "\n")
    got = read_log(path)
    assert len(got[got["sport"] == "run"]) == 2  # the other runs are kept
    report = got.attrs["import_report"]
    assert len(report.skipped) == 1
    msg = str(report.skipped[0])
    assert str(path) in msg and "row 4" in msg and "Distance" in msg and "'six'" in msg and "need a number" in msg
    with pytest.raises(InputError) as err:
        read_log(path, strict=True)
    assert "row 4" in str(err.value) and "--strict" in str(err.value)

    icu = _write("intervals", acts, tmp_path)
    lines = icu.read_text().splitlines()
    lines[1] = lines[1].replace("10000.0", "10000000.0")  # metres as if they were... mm: pace makes no sense
    icu.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"icu.csv: row 2: distance"):
        read_log(icu, strict=True)
    assert "icu.csv: row 2: distance" in str(read_log(icu).attrs["import_report"].skipped[0])


def test_truncated_fit_file_is_named_and_unknown_csv_refused(tmp_path):
    folder = _write("fit", _acts(), tmp_path)
    f = folder / "activity_2.fit"
    f.write_bytes(f.read_bytes()[:40])
    got = read_log(folder)
    assert len(got) == 4
    (skip,) = got.attrs["import_report"].skipped
    assert "activity_2.fit" in str(skip) and "cut short" in str(skip)
    other = tmp_path / "other.csv"
    other.write_text("when,what\n2026-01-01,run\n")
    with pytest.raises(InputError, match=r"other.csv: row 1: header when, what is not a known log format"):
        read_log(other)
    with pytest.raises(InputError, match="no such file"):
        read_log(tmp_path / "missing")


def test_results_file_and_daniels(tmp_path):
    p = tmp_path / "races.csv"
    p.write_text("date,event,result\n2026-03-01,10k,0:50:00\n2026-03-10,half_squat_1rm_bw,1.3\n"
                 "2026-04-01,5mi,40:00\n")
    races, tests = read_results(p)
    assert races["km"].tolist() == pytest.approx([10.0, 8.04672])
    assert races["time_s"].tolist() == [3000.0, 2400.0]
    assert tests["value"].tolist() == [1.3]
    # Daniels' tables: 10 km in 50:00 is VDOT 40; 5 km in 20:00 is VDOT 49.8; threshold 5:06/km at VDOT 40
    assert vdot(10.0, 3000.0) == pytest.approx(40.0, abs=0.15)
    assert vdot(5.0, 1200.0) == pytest.approx(49.8, abs=0.15)
    assert training_paces(40.0)["threshold"] == pytest.approx(5.1, abs=0.05)
    p.write_text("date,event,result\n2026-03-01,10k,0:05:00\n")
    with pytest.raises(InputError, match=r"races.csv: row 2: result: '0:05:00'"):
        read_results(p)
    p.write_text("date,event,result\n2026-03-01,deadlift,200\n")
    with pytest.raises(InputError, match=r"row 2: event: 'deadlift' is not allowed"):
        read_results(p)
