"""Strava bulk-export `activities.csv` and intervals.icu activities CSV: readers and writers.

Strava has shipped several layouts of `activities.csv`, all read here:

- current (English): `Activity ID, Activity Date, Activity Name, Activity Type, ...`. Some
  names repeat ("Elapsed Time", "Distance": first in the athlete's units, km for metric
  accounts, then in metres): the metres column is used when there is one. Dates are
  `May 22, 2024, 8:19:26 AM` (US), `22 May 2024, 08:19:26` (en-GB, en-AU, en-CA).
- pre-2019: `id,date,name,type,description,elapsed_time,distance,...` (metres, ISO dates).
- localized: the header in the account's language (German `Aktivitäts-ID,Aktivitätsdatum,...`),
  dates such as `21.07.2025, 15:09:27`, decimal commas. Known translations are matched by
  name; any other language by position (Strava keeps the first seven columns in order:
  id, date, name, type, description, elapsed time, distance).

`Activity Date` is UTC (Strava's own automatic titles show it: "Evening Run" at 00-01 h); the
local day is resolved afterwards (`experiments.athlete.activities`). Races: `Workout Type` 1
(run race) or the newer `Competition` column. intervals.icu's `start_date_local` is local
already; races from its `race` flag or Strava's `workout_type` it copied.

A row that cannot be used is a `SkipRow` (file, row, field, value, what is allowed): the caller
skips and reports it, or stops under --strict. The writers exist so that the synthetic-athlete
check and the shipped sample log go through exactly the readers a user's file goes through.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata

import pandas as pd

from experiments.athlete.fields import (
    MAX_DURATION_S,
    SkipRow,
    activities_frame,
    bad,
    canonical_sport,
    number,
    optional_number,
)
from sim.errors import InputError

STRAVA_DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%d %b %Y, %H:%M:%S", "%d.%m.%Y, %H:%M:%S", "%d.%m.%Y %H:%M:%S",
                       "%d/%m/%Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ",
                       "%b %d, %Y %I:%M:%S %p", "%d %b %Y %H:%M:%S")
STRAVA_RACE = {"1", "race", "wettkampf", "course", "carrera", "gara"}
TRUE_WORDS = {"1", "true", "yes", "ja", "wahr", "oui", "vrai", "si", "sí", "vero", "waar"}
INTERVALS_RACE = {"1", "11", "race"}  # Strava run race (1) and ride race (11)
STRAVA_COLUMNS = ("Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
                  "Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute", "Moving Time",
                  "Distance", "Average Heart Rate", "Perceived Exertion", "Workout Type", "Competition", "Filename")
INTERVALS_COLUMNS = ("id", "start_date_local", "name", "type", "moving_time", "distance", "elapsed_time",
                     "average_heartrate", "icu_rpe", "workout_type", "race")
MAX_CSV_BYTES = 256 * 2**20

# canonical key -> header names across layouts and languages (compared without accents, lower case)
_ALIASES = {
    "id": ("activity id", "id", "aktivitats-id", "id de l'activite", "id de actividad", "id attivita"),
    "date": ("activity date", "date", "aktivitatsdatum", "datum der aktivitat", "date de l'activite",
             "fecha de la actividad", "data attivita"),
    "name": ("activity name", "name", "name der aktivitat", "aktivitatsname", "nom de l'activite",
             "nombre de la actividad", "nome attivita"),
    "type": ("activity type", "type", "aktivitatsart", "aktivitatstyp", "sportart", "type d'activite",
             "tipo de actividad", "tipo di attivita"),
    "elapsed": ("elapsed time", "elapsed_time", "verstrichene zeit", "gesamtzeit", "temps ecoule",
                "tiempo transcurrido", "tempo trascorso"),
    "distance": ("distance", "distanz", "distancia", "distanza", "afstand"),
    "moving": ("moving time", "moving_time", "bewegungszeit", "zeit in bewegung", "temps de deplacement",
               "tiempo en movimiento", "tempo in movimento"),
    "avg_hr": ("average heart rate", "durchschnittliche herzfrequenz", "frequence cardiaque moyenne",
               "frecuencia cardiaca promedio", "frequenza cardiaca media"),
    "rpe": ("perceived exertion", "wahrgenommene anstrengung", "effort percu", "esfuerzo percibido"),
    "workout_type": ("workout type", "trainingstyp", "art des trainings", "type d'entrainement",
                     "tipo de entrenamiento"),
    "competition": ("competition", "wettkampf", "competition", "competicion", "competizione"),
    "filename": ("filename", "dateiname", "nom du fichier", "nombre de archivo", "nome file"),
}
_POSITIONAL = ("id", "date", "name", "type", "description", "elapsed", "distance")


def _fold(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.strip().lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def decode_text(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM is dropped); SkipRow naming the byte otherwise (issue 25 item 6)."""
    if len(data) > MAX_CSV_BYTES:
        raise SkipRow(source, None, f"{len(data)} bytes; a log CSV of at most {MAX_CSV_BYTES} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise SkipRow(source, None, f"byte {err.start}: {data[err.start:err.start + 1]!r} is not UTF-8; save or "
                                    "re-export the file as UTF-8") from None


def csv_rows(text: str, source: str, skipped: list[SkipRow]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, cells)]); a cell over the csv module's limit (131072 characters)
    is a skipped row, not a traceback."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as err:
        raise SkipRow(source, 1, f"header: {err}") from None
    rows = []
    while True:
        try:
            r = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            skipped.append(SkipRow(source, reader.line_num, f"{err}; a cell of at most {csv.field_size_limit()} "
                                                            "characters"))
            if len(skipped) > 10_000:
                break
            continue
        if any(c.strip() for c in r):
            rows.append((reader.line_num, r))
    return header, rows


def header_kind(header: list[str]) -> str | None:
    """'strava', 'intervals' or None from a CSV header."""
    names = {_fold(h) for h in header}
    if {"start_date_local", "type", "moving_time"} <= names:
        return "intervals"
    cols = _columns(header)
    if {"id", "date", "type"} <= set(cols) and ("distance" in cols or "elapsed" in cols):
        return "strava"
    if len(header) >= 7 and "id" in _fold(header[0]):  # another language: Strava's fixed first columns
        return "strava"
    return None


def _columns(header: list[str]) -> dict[str, int]:
    folded = [_fold(h) for h in header]
    cols: dict[str, int] = {}
    for key, names in _ALIASES.items():
        idx = [i for i, h in enumerate(folded) if h in names]
        if idx:
            cols[key] = idx[0]
            if key == "distance" and len(idx) > 1:
                cols["distance_m"] = idx[1]  # the repeated column is in metres
    return cols


#: month names of localized Strava exports -> English abbreviations (strptime's %b is English)
_MONTHS = {"jan": "Jan", "janv": "Jan", "ene": "Jan", "gen": "Jan", "feb": "Feb", "févr": "Feb", "fevr": "Feb",
           "mär": "Mar", "märz": "Mar", "mrz": "Mar", "mars": "Mar", "mar": "Mar", "maart": "Mar", "apr": "Apr",
           "avr": "Apr", "abr": "Apr", "mai": "May", "may": "May", "mei": "May", "mayo": "May", "mag": "May",
           "juin": "Jun", "jun": "Jun", "giu": "Jun", "juil": "Jul", "jul": "Jul", "lug": "Jul", "aug": "Aug",
           "août": "Aug", "aout": "Aug", "ago": "Aug", "sep": "Sep", "sept": "Sep", "set": "Sep", "okt": "Oct",
           "oct": "Oct", "ott": "Oct", "out": "Oct", "nov": "Nov", "dez": "Dec", "déc": "Dec", "dec": "Dec",
           "dic": "Dec", "dez.": "Dec"}
_MONTH_RE = re.compile(r"\b([A-Za-zÀ-ÿ]{3,5})\.?(?=\s+\d{4}|\s+\d{1,2},)")


def _english_months(t: str) -> str:
    t = re.sub(r"\s+(à|um|a las|alle|om|às)\s+", ", ", t)  # "21 juil. 2025 à 15:09:27"
    return _MONTH_RE.sub(lambda m: _MONTHS.get(m.group(1).lower(), m.group(1)), t)


def _parse_date(source: str, row: int, field: str, text: str, formats: tuple[str, ...]) -> dt.datetime:
    t = " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())
    t = _english_months(t)
    for fmt in formats:
        try:
            return dt.datetime.strptime(t, fmt)
        except ValueError:
            continue
    try:
        v = dt.datetime.fromisoformat(t)
        return v.astimezone(dt.UTC).replace(tzinfo=None) if v.tzinfo else v
    except ValueError:
        pass
    raise bad(source, row, field, text, "need a date and time such as 'Jan 5, 2026, 7:00:00 AM', "
              "'5 Jan 2026, 07:00:00', '05.01.2026, 07:00:00' or 2026-01-05T07:00:00")


def _seconds(source, row, field, text, required, decimal_comma) -> float:
    t = (text or "").strip()
    if ":" in t:
        parts = t.split(":")
        try:
            total = 0.0
            for p in parts:
                total = 60.0 * total + float(p)
        except ValueError:
            raise bad(source, row, field, text, "need seconds or h:mm:ss") from None
        if not 0 <= total <= MAX_DURATION_S:
            raise bad(source, row, field, text, f"need a time of at most {MAX_DURATION_S} s")
        return total
    return number(source, row, field, t, required=required, lo=0, hi=MAX_DURATION_S, decimal_comma=decimal_comma)


def read_strava_text(text: str, source: str, skipped: list[SkipRow]) -> pd.DataFrame:
    header, rows = csv_rows(text, source, skipped)
    cols = _columns(header)
    english = "activity id" in {_fold(h) for h in header} or "id" in {_fold(h) for h in header}
    if not {"date", "type"} <= set(cols):  # a language we do not know: Strava's fixed first columns
        cols = {k: i for i, k in enumerate(_POSITIONAL)}
    pre2019 = "elapsed_time" in {_fold(h) for h in header}
    decimal_comma = not english
    out = []
    for rownum, r in rows:
        def cell(key, _r=r):
            i = cols.get(key)
            return _r[i].strip() if i is not None and i < len(_r) else ""

        try:
            if len(r) < len(header) and len(r) <= max(cols.get("type", 0), cols.get("distance", 0)):
                raise bad(source, rownum, "row", f"{len(r)} fields",
                          f"the header has {len(header)}; the row is cut short")
            start = _parse_date(source, rownum, header[cols["date"]], cell("date"), STRAVA_DATE_FORMATS)
            sport = canonical_sport(cell("type"))
            moving_key = "moving" if cell("moving") else "elapsed"
            secs = _seconds(source, rownum, header[cols[moving_key]] if moving_key in cols else "Elapsed Time",
                            cell(moving_key), sport in ("run", "strength"), decimal_comma)
            if "distance_m" in cols and cell("distance_m"):
                km = number(source, rownum, "Distance (m)", cell("distance_m"), required=sport == "run",
                            lo=0, hi=1e8, decimal_comma=decimal_comma) / 1000.0
            elif pre2019:
                km = number(source, rownum, "distance", cell("distance"), required=sport == "run", lo=0, hi=1e8,
                            decimal_comma=decimal_comma) / 1000.0
            else:
                km = number(source, rownum, "Distance", cell("distance"), required=sport == "run", lo=0, hi=1e5,
                            decimal_comma=decimal_comma)
        except SkipRow as err:
            skipped.append(err)
            continue
        race = (cell("workout_type").lower() in STRAVA_RACE or _fold(cell("competition")) in TRUE_WORDS) \
            and sport == "run"
        out.append({
            "start": start, "date": start.date(), "sport": sport, "name": cell("name"), "distance_km": km,
            "duration_min": secs / 60.0,
            "avg_hr_bpm": optional_number(source, rownum, "Average Heart Rate", cell("avg_hr"), 25, 250,
                                          decimal_comma),
            "rpe_0_10": optional_number(source, rownum, "Perceived Exertion", cell("rpe"), 0, 10, decimal_comma),
            "race": race, "source": source, "row": rownum,
            "start_utc": start, "local_known": False,  # Strava's Activity Date is UTC
        })
    return activities_frame(out)


def read_intervals_text(text: str, source: str, skipped: list[SkipRow]) -> pd.DataFrame:
    header, rows = csv_rows(text, source, skipped)
    idx = {_fold(h): i for i, h in reversed(list(enumerate(header)))}
    out = []
    for rownum, r in rows:
        def cell(name, _r=r):
            i = idx.get(name)
            return _r[i].strip() if i is not None and i < len(_r) else ""

        try:
            start = _parse_date(source, rownum, "start_date_local", cell("start_date_local"),
                                ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"))
            sport = canonical_sport(cell("type"))
            secs = _seconds(source, rownum, "moving_time", cell("moving_time") or cell("elapsed_time"),
                            sport in ("run", "strength"), False)
            metres = number(source, rownum, "distance", cell("distance"), required=sport == "run", lo=0, hi=1e8)
        except SkipRow as err:
            skipped.append(err)
            continue
        race_flag = cell("race").lower() in ("true", "1", "yes") or cell("workout_type").lower() in INTERVALS_RACE
        out.append({
            "start": start, "date": start.date(), "sport": sport, "name": cell("name"), "distance_km": metres / 1e3,
            "duration_min": secs / 60.0,
            "avg_hr_bpm": optional_number(source, rownum, "average_heartrate", cell("average_heartrate"), 25, 250),
            "rpe_0_10": optional_number(source, rownum, "icu_rpe", cell("icu_rpe"), 0, 10),
            "race": race_flag and sport == "run", "source": source, "row": rownum, "start_utc": None,
            "local_known": True,
        })
    return activities_frame(out)


def read_csv_bytes(data: bytes, source: str, skipped: list[SkipRow], *, required: bool) -> pd.DataFrame | None:
    """A log CSV of either kind; None for a CSV that is not a log (a folder's other files) unless
    `required` (the file the user named), which is then an InputError naming what is allowed."""
    try:
        text = decode_text(data, source)
    except SkipRow as err:
        if required:  # the one file the user named
            raise InputError(f"{source}: neither a FIT file nor a text CSV ({err.why}); allowed: a Strava "
                             "activities.csv, an intervals.icu activities CSV, .fit/.gpx/.tcx files (also .gz), a "
                             "folder or a .zip export") from None
        raise
    first = text.split("\n", 1)[0]
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:
        header = []
    kind = header_kind(header)
    if kind is None:
        if required:
            raise InputError(f"{source}: row 1: header {', '.join(header[:8]) or '(empty)'} is not a known log "
                             "format; allowed: a Strava activities.csv (Activity ID, Activity Date, Activity Type, "
                             "... in any of Strava's layouts and languages), an intervals.icu activities CSV "
                             "(start_date_local, type, moving_time, ...), .fit/.gpx/.tcx files (also .gz), a folder "
                             "or a .zip export")
        return None
    return read_strava_text(text, source, skipped) if kind == "strava" else read_intervals_text(text, source, skipped)


# --------------------------------------------------------------------------- writers (synthetic logs, samples)
_STRAVA_TYPE = {"run": "Run", "strength": "Weight Training"}
_INTERVALS_TYPE = {"run": "Run", "strength": "WeightTraining"}


def _fmt(x: float, digits: int) -> str:
    return "" if x != x else f"{x:.{digits}f}"


def _utc(r, utc_offset_h: float) -> dt.datetime:
    return r.start - dt.timedelta(hours=utc_offset_h)


def strava_csv_text(acts: pd.DataFrame, utc_offset_h: float = 0.0, layout: str = "current") -> str:
    """A Strava-style activities.csv for the activity table `acts` (starts written in UTC, as Strava
    does). `layout`: "current" (US dates), "en-GB", "pre-2019" or "de" (German header, dates and
    decimal commas)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if layout == "pre-2019":
        w.writerow(("id", "date", "name", "type", "description", "elapsed_time", "distance", "commute", "gear",
                    "filename"))
    elif layout == "de":
        w.writerow(("Aktivitäts-ID", "Aktivitätsdatum", "Name der Aktivität", "Aktivitätsart",
                    "Beschreibung der Aktivität", "Verstrichene Zeit", "Distanz", "Max. Herzfrequenz",
                    "Relative Effort", "Pendeln", "Bewegungszeit", "Durchschnittliche Herzfrequenz",
                    "Wettkampf"))
    else:
        w.writerow(STRAVA_COLUMNS)
    for i, r in enumerate(acts.itertuples(index=False)):
        secs = int(round(r.duration_min * 60.0))
        km = 0.0 if r.distance_km != r.distance_km else r.distance_km
        t = _utc(r, utc_offset_h)
        if layout == "pre-2019":
            w.writerow([1000 + i, t.strftime("%Y-%m-%d %H:%M:%S"), r.name, _STRAVA_TYPE.get(r.sport, r.sport.title()),
                        "", secs, f"{km * 1000.0:.1f}", "false", "", ""])
            continue
        if layout == "de":
            w.writerow([1000 + i, t.strftime("%d.%m.%Y, %H:%M:%S"), r.name,
                        {"run": "Lauf", "strength": "Krafttraining"}.get(r.sport, r.sport.title()), "", secs,
                        f"{km:.2f}".replace(".", ","), "", "", "false", secs, _fmt(r.avg_hr_bpm, 1).replace(".", ","),
                        "1" if r.race else "0"])
            continue
        date = (t.strftime("%b %d, %Y, %I:%M:%S %p").replace(" 0", " ") if layout == "current"
                else t.strftime("%d %b %Y, %H:%M:%S"))
        w.writerow([
            1000 + i, date, r.name, _STRAVA_TYPE.get(r.sport, r.sport.title()), "", secs, f"{km:.2f}", "", "",
            "false", secs, f"{km * 1000.0:.1f}", _fmt(r.avg_hr_bpm, 0), _fmt(r.rpe_0_10, 0), "1" if r.race else "",
            "1" if r.race else "0", "",
        ])
    return buf.getvalue()


def intervals_csv_text(acts: pd.DataFrame) -> str:
    """An intervals.icu-style activities CSV for the activity table `acts`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(INTERVALS_COLUMNS)
    for i, r in enumerate(acts.itertuples(index=False)):
        secs = int(round(r.duration_min * 60.0))
        metres = 0.0 if r.distance_km != r.distance_km else r.distance_km * 1000.0
        w.writerow([
            f"i{1000 + i}", r.start.strftime("%Y-%m-%dT%H:%M:%S"), r.name, _INTERVALS_TYPE.get(r.sport, r.sport),
            secs, f"{metres:.1f}", secs, _fmt(r.avg_hr_bpm, 0), _fmt(r.rpe_0_10, 0), "", "true" if r.race else "false",
        ])
    return buf.getvalue()
