"""What runners actually export (issue 23), written with the formats' own libraries
(experiments.athlete.exports): every format imports, bad files are skipped and named,
duplicates count once, UTC days become local days, header CRC 0 and FR70 files read,
habitual km is the recent weeks', implausible rows are refused (issue 25 items 6-7)."""

from __future__ import annotations

import datetime as dt
import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from experiments.athlete import exports as X
from experiments.athlete.activities import daily_table, read_log
from experiments.athlete.fields import activities_frame
from experiments.athlete.fitfiles import fit_activity_bytes, fit_rows
from experiments.athlete.fitting import HABITUAL_WEEKS, habitual_weekly_km
from sim.errors import InputError

END = dt.date(2026, 11, 29)


@pytest.fixture(scope="module")
def history():
    return X.runner_history(3, 20, END, runs_per_week=4, races=2)


def _runs(df):
    return df[df["sport"] == "run"].reset_index(drop=True)


def _check_same_runs(got, acts):
    want, have = _runs(acts), _runs(got)
    assert len(have) == len(want)
    assert have["distance_km"].to_numpy() == pytest.approx(want["distance_km"].to_numpy(), rel=0.02)
    assert list(have["date"]) == list(want["date"])  # local days, whatever the source knew


@pytest.mark.parametrize("layout", ["current", "en-GB", "pre-2019", "de"])
@pytest.mark.parametrize("as_zip", [True, False])
def test_strava_bulk_export_in_every_layout(history, tmp_path, layout, as_zip):
    out = tmp_path / ("export.zip" if as_zip else "export")
    if not as_zip:
        out.mkdir()
    X.strava_export(history, out, place="toronto", layout=layout, as_zip=as_zip)
    got = read_log(out)
    _check_same_runs(got, history)
    rep = got.attrs["import_report"]
    n_files = int((history["sport"] != "strength").sum())
    assert rep.duplicates == n_files  # each CSV row and its own file: one activity
    assert not rep.skipped
    if layout in ("current", "de"):
        assert _runs(got)["race"].sum() == 2  # Workout Type / Competition / Wettkampf
    suffixes = {"." + s.rsplit("/", 1)[1].split(".", 1)[1] for s in got["source"] if "activities/" in s}
    assert {".fit.gz", ".gpx", ".gpx.gz", ".tcx.gz"} <= suffixes


@pytest.mark.parametrize("layout", ["current", "en-GB", "pre-2019", "de"])
def test_strava_csv_alone_gets_local_days_from_timezone_or_titles(history, tmp_path, layout):
    """Strava's Activity Date is UTC: 20:30 in Toronto is the next day in UTC."""
    out = tmp_path / "csv-only"
    out.mkdir()
    X.strava_export(history, out, place="toronto", layout=layout, as_zip=False, with_files=False)
    csv = out / "activities.csv"
    evening = _runs(history)[[s.hour >= 20 for s in _runs(history)["start"]]]
    assert len(evening) > 5
    by_tz = read_log(csv, timezone="America/Toronto")
    _check_same_runs(by_tz, history)
    by_titles = read_log(csv)  # no --timezone: the offset Strava's automatic titles imply
    _check_same_runs(by_titles, history)
    assert any("titles" in n for n in by_titles.attrs["import_report"].notes)


def test_garmin_connect_export_with_nested_zips_and_monitoring_files(history, tmp_path):
    out = X.garmin_export(history, tmp_path / "garmin.zip", place="berlin", monitoring_days=3)
    got = read_log(out)
    _check_same_runs(got, history)
    rep = got.attrs["import_report"]
    monitoring = [s for s in rep.skipped if "monitoring_b" in s.why]
    assert len(monitoring) == 3 and all("UploadedFiles_0-_Part1.zip!" in s.source for s in monitoring)


@pytest.mark.parametrize("kind", ["gpx", "gpx.gz", "tcx", "tcx.gz", "fit", "fit.gz"])
def test_single_activity_files_of_each_kind(tmp_path, kind):
    r = next(_runs(X.runner_history(5, 2, END)).itertuples(index=False))
    lat, lon, tz = X.PLACES["sydney"]
    data = {"gpx": X.gpx_bytes, "tcx": X.tcx_bytes, "fit": lambda *a: X.fit_bytes(*a, watch_offset=False)}[
        kind.split(".")[0]](r, tz, lat, lon)
    path = tmp_path / f"run.{kind}"
    if kind.startswith("tcx"):
        data = b"          " + data  # as Strava writes its TCX files: blank space before <?xml
    path.write_bytes(gzip.compress(data) if kind.endswith(".gz") else data)
    (got,) = _runs(read_log(path)).itertuples(index=False)
    assert got.start == r.start  # local time from the start position's zone (Australia/Sydney)
    assert got.distance_km == pytest.approx(r.distance_km, rel=0.02)
    assert got.duration_min == pytest.approx(r.duration_min, rel=0.02)


def test_intervals_icu_csv(history, tmp_path):
    got = read_log(X.intervals_export(history, tmp_path / "i.csv"))
    _check_same_runs(got, history)
    assert _runs(got)["race"].sum() == 2


def test_fit_header_crc_zero_is_accepted(history, tmp_path):
    """FIT protocol: a header CRC of 0x0000 means 'not computed' (FR110, Edge 200/800/810)."""
    from garmin_fit_sdk import Decoder, Stream

    r = next(_runs(history).itertuples(index=False))
    data = X.zero_header_crc(X.fit_bytes(r, "America/Toronto", *X.PLACES["toronto"][:2], records=50))
    assert not Decoder(Stream.from_byte_array(bytearray(data))).check_integrity()  # what the old importer used
    (row,) = fit_rows(data, "crc0.fit")
    assert row["distance_km"] == pytest.approx(r.distance_km) and row["start"] == r.start


def test_fr70_compressed_timestamps_read_like_fitdecode(tmp_path):
    import io

    import fitdecode

    start = dt.datetime(2011, 5, 3, 17, 0)
    data = X.fr70_fit_bytes(start, km=8.0, minutes=44.0, utc_offset_h=2.0)
    (row,) = fit_rows(data, "fr70.fit")
    assert row["start"] == start + dt.timedelta(hours=2) and row["distance_km"] == pytest.approx(8.0)
    with fitdecode.FitReader(io.BytesIO(data)) as fr:  # a second decoder agrees on the session
        s = next(f for f in fr if isinstance(f, fitdecode.FitDataMessage) and f.name == "session")
    assert s.get_value("total_distance") == pytest.approx(8000.0)


def test_zwift_style_tiny_local_timestamp_is_ignored(tmp_path):
    """A `local_timestamp` of a few seconds (not an offset) must not date the run 1989-12-31."""
    r = next(_runs(X.runner_history(5, 2, END)).itertuples(index=False))
    data = bytearray(fit_activity_bytes(r, utc_offset_h=0.0, position=X.PLACES["berlin"][:2]))
    import struct

    from experiments.athlete.fitfiles import scan_fit

    msgs, _ = scan_fit(bytes(data))
    i = bytes(data).rfind(struct.pack("<I", msgs["activity"][0]["local_timestamp"]))
    data[i:i + 4] = struct.pack("<I", 600)
    (row,) = fit_rows(bytes(data), "zwift.fit")
    assert row["date"] >= dt.date(2026, 1, 1) and row["local_known"]


def test_a_folder_with_bad_files_imports_the_rest_and_names_them(history, tmp_path):
    folder = tmp_path / "activities"
    folder.mkdir()
    lat, lon, tz = X.PLACES["toronto"]
    runs = list(_runs(history).itertuples(index=False))
    for i, r in enumerate(runs):
        (folder / f"{i}.fit").write_bytes(X.fit_bytes(r, tz, lat, lon))
    (folder / "broken.fit").write_bytes(b"\x0e\x10garbage-not-a-fit-file")
    (folder / "settings.fit").write_bytes(X.monitoring_fit_bytes(END))
    (folder / "bad.gpx").write_text("<gpx><trk><trkseg><trkpt lat='x'")
    (folder / "notes.txt").write_text("hello")
    got = read_log(folder)
    assert len(_runs(got)) == len(runs)
    named = {Path(s.source).name: s.why for s in got.attrs["import_report"].skipped}
    assert set(named) == {"broken.fit", "settings.fit", "bad.gpx"}
    assert "not an activity" in named["settings.fit"]
    with pytest.raises(InputError, match="bad.gpx: not a readable GPX file.*--strict"):
        read_log(folder, strict=True)  # the first bad file in the folder's order stops the import


def test_duplicates_from_watch_and_phone_count_once(tmp_path):
    r = next(_runs(X.runner_history(5, 2, END)).itertuples(index=False))
    lat, lon, tz = X.PLACES["toronto"]
    (tmp_path / "watch.fit").write_bytes(X.fit_bytes(r, tz, lat, lon))
    phone = r._replace(start=r.start + dt.timedelta(seconds=40), distance_km=r.distance_km * 1.03)
    (tmp_path / "phone.gpx").write_bytes(X.gpx_bytes(phone, tz, lat, lon))
    got = read_log(tmp_path)
    assert len(_runs(got)) == 1 and got.attrs["import_report"].duplicates == 1
    assert daily_table(got)["run_km"].sum() == pytest.approx(r.distance_km, rel=0.01)


def test_habitual_km_of_a_two_year_log_is_its_last_12_weeks():
    acts = X.runner_history(7, 104, END, early_km=10.0, recent_km=48.0)
    day = daily_table(acts)
    km = day["run_km"].to_numpy()
    last_run = int(np.flatnonzero(km > 0)[-1])
    km = km[: last_run + 1]
    habitual, weekly, used, _ = habitual_weekly_km(km)
    last12 = km[-7 * HABITUAL_WEEKS:].sum() / HABITUAL_WEEKS
    assert used == HABITUAL_WEEKS
    assert habitual == pytest.approx(last12, rel=0.10)
    assert weekly[:4].mean() < 0.5 * habitual  # the log's first weeks (the old method) say much less


def test_a_two_week_break_is_left_out_of_habitual_km():
    km = np.tile([6.0, 0, 8, 0, 6, 0, 12], 16)  # 32 km a week
    km[7 * 10:7 * 12] = 0.0  # two weeks injured, four weeks before the end
    habitual, _, used, breaks = habitual_weekly_km(km)
    assert breaks == 2 and used == 12 and habitual == pytest.approx(32.0)


def test_a_log_shorter_than_two_weeks_is_refused_with_the_minimum(tmp_path, capsys):
    """Issue 23: one 10 km race came out "advanced, 70 km/week" (a short log multiplied by 7)."""
    from experiments.cli import main

    acts = X.runner_history(5, 1, END)
    out = X.intervals_export(acts, tmp_path / "short.csv")
    assert main(["athlete", "fit", str(out), "--out", str(tmp_path / "a.yaml")]) == 2
    err = capsys.readouterr().err
    assert "at least 14 days" in err and "Traceback" not in err
    assert not (tmp_path / "a.yaml").exists()


def test_cache_by_file_hash_rereads_only_changed_files(history, tmp_path):
    out = X.garmin_export(history, tmp_path / "g.zip")
    first = read_log(out).attrs["import_report"]
    again = read_log(out).attrs["import_report"]
    assert first.files_read > 0 and again.files_read == 0 and again.files_cached == first.files_read
    folder = tmp_path / "f"
    folder.mkdir()
    lat, lon, tz = X.PLACES["berlin"]
    runs = list(_runs(history).itertuples(index=False))[:5]
    for i, r in enumerate(runs):
        (folder / f"{i}.fit").write_bytes(X.fit_bytes(r, tz, lat, lon))
    read_log(folder)
    (folder / "0.fit").write_bytes(X.fit_bytes(runs[0]._replace(distance_km=runs[0].distance_km + 1), tz, lat,
                                               lon))
    rep = read_log(folder).attrs["import_report"]
    assert (rep.files_read, rep.files_cached) == (1, 4)


def test_without_a_cache_folder_set_the_cache_sits_hidden_beside_the_log(history, tmp_path, monkeypatch):
    monkeypatch.delenv("STRIDELAB_CACHE_DIR", raising=False)
    folder = tmp_path / "log"
    folder.mkdir()
    lat, lon, tz = X.PLACES["berlin"]
    for i, r in enumerate(list(_runs(history).itertuples(index=False))[:3]):
        (folder / f"{i}.fit").write_bytes(X.fit_bytes(r, tz, lat, lon))
    read_log(folder)
    assert len(list((folder / ".stridelab-cache").rglob("*.json"))) == 3
    rep = read_log(folder).attrs["import_report"]
    assert (rep.files_read, rep.files_cached) == (0, 3)  # and the hidden folder is not read as a log


# --------------------------------------------------------------------------- hostile and implausible input
def _row(start, km, minutes, sport="run"):
    return {"start": start, "date": start.date(), "sport": sport, "name": "", "distance_km": km,
            "duration_min": minutes, "avg_hr_bpm": math.nan, "rpe_0_10": math.nan, "race": False, "source": "-",
            "row": 0}


def test_implausible_rows_are_skipped_and_reported(tmp_path):
    base = dt.datetime(2026, 3, 2, 7, 0)
    rows = [_row(base + dt.timedelta(days=d), 10.0, 55.0) for d in range(0, 56, 2)]
    rows += [_row(base + dt.timedelta(days=3), 999.0, 0.0),  # 999 km in 0 s
             _row(base + dt.timedelta(days=5), 40_000.0, 600.0),  # 40,000 km
             _row(dt.datetime(2999, 1, 1, 7), 10.0, 55.0),  # the future
             _row(dt.datetime(1, 1, 1, 7), 10.0, 55.0)]  # year 1
    rows += [_row(base + dt.timedelta(days=9, minutes=10 * k), 5.0, 25.0) for k in range(30)]  # 30 runs in a day
    from experiments.athlete.csvlogs import strava_csv_text

    path = tmp_path / "activities.csv"
    path.write_text(strava_csv_text(activities_frame(rows[:-31] + rows[-30:]), layout="pre-2019"))
    # year 1 cannot be written by strftime on every platform: add it by hand in ISO form
    path.write_text(path.read_text() + "77,0001-01-01 07:00:00,Old,Run,,3300,10000.0,false,,\n")
    got = read_log(path, timezone="UTC")
    runs = _runs(got)
    assert runs["distance_km"].max() == 10.0 and len(runs) == 28
    why = " | ".join(str(s) for s in got.attrs["import_report"].skipped)
    for needle in ("999 km", "40000 km", "2999-01-01", "0001-01-01", "30 runs"):
        assert needle in why, needle
    weekly = daily_table(runs)["run_km"].sum() / 8
    assert weekly < 50


def test_non_utf8_and_huge_cells_are_clean_errors(tmp_path, capsys):
    from experiments.cli import main

    bad = tmp_path / "activities.csv"
    bad.write_bytes("Activity ID,Activity Date,Activity Type\n1,Jan 5 2026,Lauf \xfc\n".encode("latin-1"))
    assert main(["athlete", "fit", str(bad), "--out", str(tmp_path / "a.yaml")]) == 2
    err = capsys.readouterr().err
    assert "not UTF-8" in err and "neither a FIT file nor a text CSV" in err and "Traceback" not in err
    races = tmp_path / "races.csv"
    races.write_bytes(b"date,event,result\n2026-01-05,10k,\xff\n")
    from experiments.athlete.results import read_results

    with pytest.raises(InputError, match="not UTF-8"):
        read_results(races)
    races.write_text("date,event,result\n2026-01-05,10k,\"" + "x" * 140_000 + "\"\n")
    with pytest.raises(InputError, match="row 2: .*131072"):
        read_results(races)
    huge = tmp_path / "huge.csv"
    huge.write_text("id,start_date_local,type,moving_time,distance\n1,2026-01-05T07:00:00,Run,3000,10000\n"
                    "2,2026-01-06T07:00:00,Run,\"" + "9" * 140_000 + "\",10000\n")
    got = read_log(huge, timezone="UTC")
    assert len(got) == 1 and "131072" in str(got.attrs["import_report"].skipped[0])


REAL = Path(__file__).parent / "files" / "fitparse"


def test_real_device_files_read_like_fitdecode(tmp_path):
    """Real files from python-fitparse's tests (files/fitparse/README.md): every activity's session
    agrees with fitdecode's full decode; monitoring and settings files are skipped by name."""
    import io

    import fitdecode

    got = read_log(REAL)
    skipped = {Path(s.source).name for s in got.attrs["import_report"].skipped}
    assert {"MonitoringFile.fit", "Settings.fit"} <= skipped
    for f in ("activity-small-fenix2-run.fit", "garmin-fenix-5-run.fit", "2013-02-06-12-11-14.fit"):
        rows = got[got["source"] == str(REAL / f)]
        assert len(rows) == 1 and rows["sport"].iloc[0] == "run"
        with fitdecode.FitReader(io.BytesIO((REAL / f).read_bytes())) as fr:
            s = next(m for m in fr if isinstance(m, fitdecode.FitDataMessage) and m.name == "session")
        assert rows["distance_km"].iloc[0] == pytest.approx(s.get_value("total_distance") / 1000.0)
        assert rows["start_utc"].iloc[0] == s.get_value("start_time").replace(tzinfo=None)
    strava = got[got["source"] == str(REAL / "strava-android-app-201.10-b1218918.fit")]
    assert strava["distance_km"].iloc[0] == pytest.approx(11.274, abs=0.01)
    assert strava["start"].iloc[0] == dt.datetime(2021, 9, 27, 7, 13, 10)  # its first position: UTC-7


@pytest.mark.parametrize("text,want", [
    ("May 22, 2024, 8:19:26\u202fAM", dt.datetime(2024, 5, 22, 8, 19, 26)),  # US, narrow no-break space
    ("22 May 2024, 08:19:26", dt.datetime(2024, 5, 22, 8, 19, 26)),  # en-GB / AU / CA
    ("22 Sept 2024, 08:19:26", dt.datetime(2024, 9, 22, 8, 19, 26)),
    ("21.07.2025, 15:09:27", dt.datetime(2025, 7, 21, 15, 9, 27)),  # German
    ("21 juil. 2025 à 15:09:27", dt.datetime(2025, 7, 21, 15, 9, 27)),  # French
    ("12 ene. 2025, 07:01:02", dt.datetime(2025, 1, 12, 7, 1, 2)),  # Spanish
    ("2017-05-03 12:34:56", dt.datetime(2017, 5, 3, 12, 34, 56)),  # pre-2019
])
def test_strava_date_forms(text, want):
    from experiments.athlete.csvlogs import STRAVA_DATE_FORMATS, _parse_date

    assert _parse_date("a.csv", 2, "Activity Date", text, STRAVA_DATE_FORMATS) == want
