"""Season plan files: CSV, JSON, Markdown and iCalendar, from the day frame of
`experiments.plans.season_plan`.

JSON schema (`JSON_SCHEMA`, version `stridelab.season_plan/1`)::

    {
      "schema": "stridelab.season_plan/1",
      "level": "intermediate", "habitual_km": 40.0, "race_km": 10.0,
      "start": "2027-01-04", "race": "2027-06-20", "weeks": 24, "source": "baseline intermediate",
      "rule_check": [{"rule", "week", "date", "message", "declared"}],
      "days": [
        {"date": "2027-01-06", "weekday": "Wed", "week": 1, "phase": "base", "weeks_to_race": 23,
         "run": {"kind": "easy", "distance_km": 7.7, "intensity": "easy, conversational, ~5:36/km"},
         "strength": {"emphasis": "heavy", "effort": "moderate", "sets": 3, "after_run": true,
                      "exercises": [{"name": "Front squat or goblet squat", "sets": 3, "reps": "5-6"}]},
         "note": "base: build strength ..."}
      ]
    }

`run.kind` is one of rest | easy | long | tempo | intervals | race (`sim.state.RUN_KINDS`);
`strength.emphasis` one of none | heavy | power | maintenance | toning, `strength.effort`
easy | moderate | hard, or null on a day without lifting. Every calendar day of the season
is listed, rest days included. The `.ics` file holds one all-day event per training day
(a run or a strength session); rest days are left free.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path
from typing import Any

import pandas as pd

from experiments.io import atomic_write_bytes, check_writable
from experiments.plans.season_plan import effort_label, format_exercises
from sim.errors import InputError
from sim.state import EFFORTS, EMPHASES, RUN_KINDS

FORMATS = ("csv", "json", "md", "ics", "fit")  # fit: a .zip of FIT workouts (experiments.plans.fitworkouts)
SCHEMA_ID = "stridelab.season_plan/1"

_EXERCISE = {
    "type": "object",
    "required": ["name", "sets", "reps"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string"},
        "sets": {"type": "integer", "minimum": 1},
        "reps": {"type": "string"},
        "load": {"type": "string"},
    },
}
_DAY = {
    "type": "object",
    "required": ["date", "week", "phase", "run", "strength", "note"],
    "additionalProperties": False,
    "properties": {
        "date": {"type": "string", "format": "date"},
        "weekday": {"type": "string"},
        "week": {"type": "integer", "minimum": 1},
        "phase": {"type": "string"},
        "weeks_to_race": {"type": "integer", "minimum": 0},
        "run": {
            "type": "object",
            "required": ["kind", "distance_km", "intensity"],
            "additionalProperties": False,
            "properties": {
                "kind": {"enum": list(RUN_KINDS)},
                "distance_km": {"type": "number", "minimum": 0},
                "intensity": {"type": "string"},
            },
        },
        "strength": {
            "type": "object",
            "required": ["emphasis", "effort", "exercises"],
            "additionalProperties": False,
            "properties": {
                "emphasis": {"enum": list(EMPHASES)},
                "effort": {"enum": [*EFFORTS, None]},
                "sets": {"type": "integer", "minimum": 0},
                "after_run": {"type": "boolean"},
                "exercises": {"type": "array", "items": _EXERCISE},
            },
        },
        "note": {"type": "string"},
    },
}
#: JSON Schema (draft 2020-12) of the exported JSON plan.
JSON_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "type": "object",
    "required": ["schema", "days"],
    "properties": {
        "schema": {"const": SCHEMA_ID},
        "level": {"type": "string"},
        "habitual_km": {"type": "number"},
        "race_km": {"type": "number"},
        "start": {"type": "string", "format": "date"},
        "race": {"type": "string", "format": "date"},
        "weeks": {"type": "integer"},
        "source": {"type": "string"},
        "rule_check": {"type": "array"},
        "days": {"type": "array", "items": _DAY},
    },
}


def format_of(fmt: str | None, out: str | None) -> str:
    """The output format: `--format`, else the --out suffix, else csv; InputError if unknown.

    An --out suffix that is not an export format is an error, never a silent CSV (`plan.xlsx`).
    """
    if fmt is None and out:
        suffix = Path(out).suffix.lower().lstrip(".")
        aliases = {"markdown": "md", "ical": "ics", "zip": "fit"}
        if suffix not in (*FORMATS, *aliases):
            raise InputError(
                f"--out: {out!r} has suffix {('.' + suffix) if suffix else '(none)'!r}, which is not an export "
                f"format; allowed: {', '.join('.' + f for f in FORMATS if f != 'fit')}, .zip (fit) "
                "(or give --format)"
            )
        fmt = aliases.get(suffix, suffix)
    fmt = fmt or "csv"
    if fmt not in FORMATS:
        raise InputError(f"--format: {fmt!r} is not an export format; allowed: {', '.join(FORMATS)}")
    if fmt == "fit" and out and Path(out).suffix.lower() != ".zip":
        raise InputError(f"--out: {out!r} is not allowed for format fit; a season is many FIT workouts, written "
                         "as one .zip archive: give a file name ending in .zip")
    return fmt


def _meta(df: pd.DataFrame) -> dict[str, Any]:
    a = df.attrs
    return {
        k: a[k] for k in ("level", "habitual_km", "race_km", "start", "race", "weeks", "source") if k in a
    }


def _iso(d: Any) -> str:
    return d.isoformat() if hasattr(d, "isoformat") else str(d)


# --------------------------------------------------------------------------- CSV / JSON
def to_csv(df: pd.DataFrame) -> str:
    """One row per day; exercises flattened to 'name SETSxREPS; ...'."""
    flat = df.drop(columns=[c for c in ("week_note", "day_note") if c in df]).copy()
    flat["date"] = flat["date"].map(_iso)
    flat["exercises"] = flat["exercises"].map(format_exercises)
    buf = io.StringIO()
    flat.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def day_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The JSON `days` list (see the module docstring)."""
    out = []
    for r in df.itertuples(index=False):
        lifting = r.strength_emphasis != "none"
        out.append(
            {
                "date": _iso(r.date),
                "weekday": r.weekday,
                "week": int(r.week),
                "phase": r.phase,
                "weeks_to_race": int(r.weeks_to_race),
                "run": {"kind": r.run_kind, "distance_km": float(r.distance_km), "intensity": r.intensity},
                "strength": {
                    "emphasis": r.strength_emphasis,
                    "effort": r.strength_effort if lifting else None,
                    "sets": int(r.strength_sets),
                    "after_run": bool(r.strength_after_run),
                    "exercises": [
                        {"name": e["name"], "sets": int(e["sets"]), "reps": str(e["reps"]),
                         **({"load": str(e["load"])} if e.get("load") else {})}
                        for e in r.exercises
                    ],
                },
                "note": r.note,
            }
        )
    return out


def to_json(df: pd.DataFrame) -> str:
    from experiments.plans.rules import check

    doc = {
        "schema": SCHEMA_ID,
        **_meta(df),
        "rule_check": [vars(v) for v in check(df)],
        "days": day_records(df),
    }
    from experiments.io import dumps_json

    return dumps_json(doc, indent=1, ensure_ascii=False) + "\n"


def frame_from_json(doc: dict[str, Any]) -> pd.DataFrame:
    """Read an exported JSON plan back into a day frame (for rule checks and tests)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("days"), list):
        raise InputError('plan: expected a JSON object {"days": [...]}')
    rows = []
    for d in doc["days"]:
        rows.append(
            {
                "date": dt.date.fromisoformat(d["date"]),
                "weekday": d.get("weekday", ""),
                "week": d["week"],
                "phase": d["phase"],
                "weeks_to_race": d.get("weeks_to_race"),
                "run_kind": d["run"]["kind"],
                "distance_km": d["run"]["distance_km"],
                "intensity": d["run"]["intensity"],
                "strength_emphasis": d["strength"]["emphasis"],
                "strength_effort": d["strength"]["effort"] or "",
                "strength_sets": d["strength"].get("sets", 0),
                "strength_after_run": d["strength"].get("after_run", False),
                "exercises": d["strength"]["exercises"],
                "note": d["note"],
            }
        )
    df = pd.DataFrame(rows)
    if df["weeks_to_race"].isna().any():
        df = df.drop(columns=["weeks_to_race"])
    return df


# --------------------------------------------------------------------------- Markdown
def _day_label(d: dt.date) -> str:
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')}"


def _long_date(d: dt.date) -> str:
    return f"{d.strftime('%A')} {d.day} {d.strftime('%B %Y')}"


def _strength_cell(r: Any, label: str = "") -> str:
    if r.strength_emphasis == "none":
        return "—"
    when = "after the run" if r.strength_after_run else "own session"
    what = f"**{r.strength_emphasis}**, {effort_label(r.strength_effort)}, {when}"
    return f"{what}: session {label}" if label else f"{what}: {format_exercises(r.exercises)}"


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _without_declarations(note: str) -> str:
    """The week's reason without the rule-departure marks (those are summarised once at the top)."""
    from experiments.plans.rules import DECLARED

    cut = note.find(DECLARED)
    return (note[:cut] if cut >= 0 else note).strip().rstrip(".").strip()


HOW_TO = (
    "**How to read it.** Effort of the main lifts: easy = 3-4 reps in reserve (RIR), moderate = 1-2 in reserve, "
    "hard = to failure. Jumps, hops and bounds, loaded carries and core holds (plank, Pallof press) are never "
    "taken to failure: they stop when speed, posture or position fades. Each lift's load is given as a share "
    "of your one-repetition maximum (%1RM, the heaviest load you can lift once) for its reps and reps in "
    "reserve. On a day with pain of 4/10 or more, run easy and half as far and keep lifting light."
)
PLANNED_VS_DONE = (
    "**Planned and done.** The km here are the plan. What a runner actually runs is less on pain days (easy "
    "and half as far) and on injured days (no running), so `stridelab simulate` reports a population mean a "
    "little below the plan (for example 39-42 km in weeks planned at 45 km)."
)


def _departure_lines(df: pd.DataFrame) -> list[str]:
    from experiments.plans.rules import RULES, departures, week_span

    deps = departures(df)
    pain = [w + 1 for w, on in enumerate(df.attrs.get("pain_rule", [])) if not on]
    if not deps and not pain:
        return ["**Rule check:** the plan follows all of the article's rules: " + "; ".join(RULES.values()) + ".",
                ""]
    total = sum(d["count"] for d in deps) + len(pain)
    lines = [
        "## Rule departures",
        "",
        f"{total} departure(s) from the article's rules, each explained once here (the weeks below only "
        "name the rule):",
        "",
        "| Rule (the article's advice) | Weeks | Times | For example | Why |",
        "|---|---|--:|---|---|",
    ]
    for d in deps:
        lines.append(f"| {d['rule']} ({_md_escape(d['advice'])}) | {week_span(d['weeks'])} | {d['count']} "
                     f"| {_md_escape(d['example'])} | {_md_escape(d['reason'])} |")
    if pain:
        lines.append(f"| pain_rule (modify load instead of pushing through pain) | {week_span(pain)} | {len(pain)} "
                     "| no backing off on pain days | the plan turned the pain rule off |")
    return lines + [""]


def to_markdown(df: pd.DataFrame) -> str:
    """A printable plan: a header, how to read it, the rule departures once, then one table per week."""
    from experiments.plans.rules import check
    from experiments.plans.season_plan import WARMUP

    a = df.attrs
    race = dt.date.fromisoformat(a["race"]) if "race" in a else df["date"].iloc[-1]
    start = df["date"].iloc[0]
    lines = [
        f"# Season plan: {a.get('level', '')} runner, {a.get('race_km', 0):g} km race on {_long_date(race)}",
        "",
    ]
    info = [f"{a.get('weeks', df['week'].max())} weeks from {_long_date(start)}"]
    if "habitual_km" in a:
        info.append(f"usual volume {a['habitual_km']:.0f} km/week")
    if a.get("source"):
        info.append(f"plan from {a['source']}")
    lines += [" · ".join(info) + ".", ""]
    if a.get("lead_in_days"):
        lines += [
            f"The plan starts {a['lead_in_days']} day(s) after the requested start so that whole weeks "
            "end on race day; run as usual until then.",
            "",
        ]
    lines += [
        a.get("paces") or "Paces are those of a typical runner of this level; adjust them to your own easy pace.",
        "",
        HOW_TO,
        "",
        f"**Warm-up.** {WARMUP}",
        "",
        PLANNED_VS_DONE,
        "",
    ]
    lines += _departure_lines(df)
    by_week: dict[int, set[str]] = {}
    for v in check(df):
        by_week.setdefault(v.week, set()).add(v.rule)
    for w, on in enumerate(a.get("pain_rule", [])):
        if not on:
            by_week.setdefault(w + 1, set()).add("pain_rule")
    for week, wk in df.groupby("week", sort=True):
        first, last = wk["date"].iloc[0], wk["date"].iloc[-1]
        km = wk["distance_km"].sum()
        note = _md_escape(_without_declarations(wk["week_note"].iloc[0]))
        lines += [
            f"## Week {week} · {wk['phase'].iloc[0]} · {_day_label(first)} – {_day_label(last)} "
            f"· {km:.0f} km",
            "",
            f"*{note}.*",
            "",
        ]
        if week in by_week:
            lines += [f"Rule departures this week: {', '.join(sorted(by_week[week]))} (see 'Rule departures').", ""]
        lines += ["| Day | Run | km | Intensity | Strength |", "|---|---|--:|---|---|"]
        sessions: dict[str, str] = {}
        for r in wk.itertuples(index=False):
            km_cell = f"{r.distance_km:.1f}" if r.run_kind != "rest" else ""
            label = ""
            if r.strength_emphasis != "none":
                text = format_exercises(r.exercises)
                if text not in sessions:
                    sessions[text] = "ABCDEFG"[len(sessions)]
                label = sessions[text]
            lines.append(
                f"| {_day_label(r.date)} | {r.run_kind} | {km_cell} | {_md_escape(r.intensity)} "
                f"| {_md_escape(_strength_cell(r, label))} |"
            )
        lines.append("")
        for text, label in sessions.items():
            lines.append(f"- Session {label}: {_md_escape(text)}")
        lines += [""] if sessions else []
    return "\n".join(lines)


# --------------------------------------------------------------------------- iCalendar
def _summary(r: Any) -> str:
    parts = []
    if r.run_kind == "race":
        parts.append(f"RACE {r.distance_km:g} km")
    elif r.run_kind != "rest":
        parts.append(f"{r.run_kind.capitalize()} run {r.distance_km:.1f} km")
    if r.strength_emphasis != "none":
        parts.append(f"{r.strength_emphasis} strength ({r.strength_effort})")
    return " + ".join(parts)


ICS_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def to_ics(df: pd.DataFrame, now: dt.datetime | None = None) -> bytes:
    """An iCalendar file: one all-day event per day with a run or a strength session."""
    from icalendar import Calendar, Event

    a = df.attrs
    cal = Calendar()
    cal.add("prodid", "-//StrideLab//season plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add(
        "x-wr-calname", f"StrideLab {a.get('level', '')} {a.get('race_km', 0):g} km season".replace("  ", " ")
    )
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    for r in df.itertuples(index=False):
        if r.run_kind == "rest" and r.strength_emphasis == "none":
            continue
        summary = _summary(r)
        desc = [f"Week {r.week} ({r.phase}, {r.weeks_to_race} weeks to race)"]
        if r.run_kind != "rest":
            desc.append(f"Run: {r.run_kind}, {r.distance_km:.1f} km, {r.intensity}")
        if r.strength_emphasis != "none":
            when = "after the run" if r.strength_after_run else "own session"
            desc.append(f"Strength: {r.strength_emphasis}, {effort_label(r.strength_effort)}, {when}")
            desc += [f"  - {e['name']}: {e['sets']} x {e['reps']}" + (f" ({e['load']})" if e.get("load") else "")
                     for e in r.exercises]
            from experiments.plans.season_plan import WARMUP

            desc.append(WARMUP)
        desc.append(f"Why: {r.note}")
        ev = Event()
        # One event per date and season: the UID leaves the content out, so a re-planned day keeps
        # its UID and a calendar subscribed to the plan updates the event in place (issue 12).
        uid = hashlib.sha1(f"{_iso(r.date)}|{a.get('race', '')}".encode()).hexdigest()[:16]
        ev.add("uid", f"{_iso(r.date)}-{uid}@stridelab")
        ev.add("dtstamp", stamp)
        # a re-export or re-plan must win over what a subscribed calendar holds (RFC 5545 3.8.7.4):
        # SEQUENCE grows with the export time, in minutes since 2020
        ev.add("sequence", max(int((stamp - ICS_EPOCH).total_seconds() // 60), 0))
        ev.add("last-modified", stamp)
        ev.add("dtstart", r.date)
        if r.date < dt.date.max:  # DTEND is exclusive; an all-day event on 9999-12-31 ends with the calendar
            ev.add("dtend", r.date + dt.timedelta(days=1))
        ev.add("summary", summary)
        ev.add("description", "\n".join(desc))
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()


# --------------------------------------------------------------------------- dispatch
def render(df: pd.DataFrame, fmt: str) -> bytes:
    """The plan in `fmt` as bytes (UTF-8 text for csv/json/md)."""
    fmt = format_of(fmt, None)
    if fmt == "ics":
        return to_ics(df)
    if fmt == "fit":
        from experiments.plans.fitworkouts import to_fit_zip

        return to_fit_zip(df)
    text = {"csv": to_csv, "json": to_json, "md": to_markdown}[fmt](df)
    return text.encode("utf-8")


def write_plan(df: pd.DataFrame, fmt: str, path: str | Path) -> Path:
    """Render, then write atomically (no partial file on any failure)."""
    check_writable(path)
    data = render(df, fmt)
    return atomic_write_bytes(path, data)
