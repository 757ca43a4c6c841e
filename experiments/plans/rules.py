"""The article's scheduling rules, checked on an exported day-by-day plan.

1. `no_hard_lift_before_key`: no hard lifting the day before a key run (tempo, intervals,
   race) or a long run ("Mistake 3: Lifting Hard the Day Before Key Runs"). Hard lifting:
   heavy work at moderate or hard effort, or any lifting to failure (`is_hard_lift`).
2. `strength_after_easy_or_separate`: strength after easy runs or on separate (non-running)
   days ("Principle 4: Respect Fatigue and Timing"). The one exception the article makes
   (FAQ: "if you run hard in the morning, a light to moderate strength session later in the
   day can work") is allowed: lifting after the day's tempo, interval or long run when it is
   not hard lifting (`sim.kernel.schedule_week` lightens a hard session to that when a week has
   no other legal day for it). Hard lifting on a key-run day, lifting before the run on a key-run
   day, and any lifting on race day break the rule.
3. `maintenance_in_race_season`: from race season on (the last `RACE_SEASON_WEEKS` + 1
   weeks) strength continues as maintenance: at least one session in every week except race
   week ("Mistake 5: Dropping Strength Completely"), at most two, maintenance emphasis, never
   to failure ("Race Season and Taper").
4. `no_hard_lift_back_to_back`: no hard lifting on two days in a row, across the week boundary
   too (heavy work needs 48-72 h between sessions; "Principle 4: Respect Fatigue and Timing").
5. `taper`: running volume of each taper week (race week without the race itself) is at
   most `TAPER_MAX_SHARE` of the mean of the `TAPER_WINDOW` weeks before the taper, and the race
   is on the last day ("Race Season and Taper"; Bosquet et al. 2007).

Rules 3 and 5 are week-level: their numbers and verdicts are `envs.rules` (the one definition the
coach limits and the credibility checks read too); this module sums the days into weeks (km without
the race, strength sessions, those not maintenance-grade) and words the verdicts. What counts as
hard lifting is `sim.kernel.is_hard_lift`, the scheduler's own.

`check(days)` works on the day frame of `experiments.plans.season_plan` or a frame read back from
an exported CSV/JSON, and returns the violations. A plan may depart from a rule when the
policy chose so; `annotate` then says so in the note of the day or week ("policy's choice:
..."), and `check` marks such violations `declared`. An exported plan passes when every
violation is declared; template plans are expected to have none at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from envs.rules import (
    MAX_RACE_SEASON_SESSIONS,
    RACE_SEASON_DROPPED,
    RACE_SEASON_NOT_MAINTENANCE,
    RACE_SEASON_TOO_MANY,
    TAPER_MAX_SHARE,
    TAPER_OVER,
    evaluate,
    is_hard_lift_named,
    is_maintenance_lift_named,
    taper_reference,
)
from sim.plan import WeekPlan

RULES: dict[str, str] = {
    "no_hard_lift_before_key": "no hard lifting the day before a key run or long run",
    "strength_after_easy_or_separate": "strength after easy runs or on separate days (at most light to "
    "moderate lifting after a key session)",
    "maintenance_in_race_season": "maintenance strength in race season (not heavy, not dropped)",
    "no_hard_lift_back_to_back": "no hard lifting on two days in a row",
    "taper": "a taper before the race",
}
KEY_KINDS = frozenset({"tempo", "intervals", "long", "race"})
DECLARED = "policy's choice"


@dataclass(frozen=True)
class Violation:
    """One departure from a rule: which rule, where, what happened, and whether the plan says so."""

    rule: str
    week: int
    date: str | None  # ISO date for day-level violations, None for week-level ones
    message: str
    declared: bool = False

    def __str__(self) -> str:
        where = self.date or f"week {self.week}"
        flag = " (declared: policy's choice)" if self.declared else ""
        return f"{self.rule} @ {where}: {self.message}{flag}"


def is_hard_lift(emphasis: str, effort: str) -> bool:
    """Heavy work at moderate or hard effort, or any lifting to failure.

    The article's mistake 3 is "heavy squats or lunges before a tempo run, interval session,
    or long run"; its pre-season power work is "explosive but low-volume", so power at
    moderate effort does not count as hard (to failure it does). `sim.kernel.is_hard_lift` on names.
    """
    return is_hard_lift_named(emphasis, effort)


def _frame(days: pd.DataFrame) -> pd.DataFrame:
    df = days.reset_index(drop=True).copy()
    df["date"] = pd.to_datetime(df["date"]).dt.date
    for col in ("strength_emphasis", "strength_effort", "week_note", "day_note", "note"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    if "weeks_to_race" not in df:
        n = int(df["week"].max())
        df["weeks_to_race"] = n - df["week"]
    return df


def _notes(df: pd.DataFrame, rows: Sequence[int]) -> str:
    return " ".join(f"{df.at[i, 'week_note']} {df.at[i, 'day_note']} {df.at[i, 'note']}" for i in rows)


def check(days: pd.DataFrame) -> list[Violation]:
    """All violations of `RULES` in a day-by-day plan (see the module docstring)."""
    df = _frame(days)
    out: list[Violation] = []

    def add(rule: str, rows: Sequence[int], message: str, day_level: bool) -> None:
        i = rows[0]
        notes = _notes(df, rows)
        declared = DECLARED in notes and rule in notes
        date = df.at[i, "date"].isoformat() if day_level else None
        out.append(Violation(rule, int(df.at[i, "week"]), date, message, declared))

    lifting = df["strength_emphasis"].isin(["heavy", "power", "maintenance", "toning"])
    for i in range(len(df)):
        if not lifting[i]:
            continue
        emph, effort, kind = df.at[i, "strength_emphasis"], df.at[i, "strength_effort"], df.at[i, "run_kind"]
        if i + 1 < len(df) and is_hard_lift(emph, effort) and df.at[i + 1, "run_kind"] in KEY_KINDS:
            nxt = df.at[i + 1, "run_kind"]
            add(
                "no_hard_lift_before_key",
                [i],
                f"{emph} lifting at {effort} effort the day before the {nxt} run of {df.at[i + 1, 'date']}",
                True,
            )
        if i > 0 and is_hard_lift(emph, effort) and is_hard_lift(df.at[i - 1, "strength_emphasis"],
                                                                 df.at[i - 1, "strength_effort"]):
            add(
                "no_hard_lift_back_to_back",
                [i],
                f"{emph} lifting at {effort} effort the day after hard lifting on {df.at[i - 1, 'date']}",
                True,
            )
        if kind in KEY_KINDS:
            after = (
                str(df.at[i, "strength_after_run"]).lower() in ("true", "1", "1.0")
                if "strength_after_run" in df
                else True
            )
            if kind == "race" or is_hard_lift(emph, effort) or not after:
                when = "after" if after else "before"
                add(
                    "strength_after_easy_or_separate",
                    [i],
                    f"{emph} lifting at {effort} effort {when} the {kind} run (strength belongs after easy "
                    "runs, on separate days, or light to moderate after a key session)",
                    True,
                )

    weekly = _weekly(df, lifting)
    bits = evaluate(weekly["km"].to_numpy(), weekly["sessions"].to_numpy(), weekly["not_maintenance"].to_numpy())
    for (week, row), b in zip(weekly.iterrows(), bits, strict=True):
        rows = list(df.index[df["week"] == week])
        wtr = int(row["weeks_to_race"])
        if b & RACE_SEASON_DROPPED:
            add(
                "maintenance_in_race_season",
                rows,
                f"no strength work {_weeks_out(wtr)} (shift to maintenance instead of dropping it)",
                False,
            )
        if b & RACE_SEASON_TOO_MANY:
            add(
                "maintenance_in_race_season",
                rows,
                f"{int(row['sessions'])} strength sessions in race season (at most {MAX_RACE_SEASON_SESSIONS})",
                False,
            )
        if b & RACE_SEASON_NOT_MAINTENANCE:
            sessions = df.loc[rows][lifting[rows]]
            heavy = sessions[[not is_maintenance_lift_named(e, f) for e, f in
                              zip(sessions["strength_emphasis"], sessions["strength_effort"], strict=True)]]
            kinds = ", ".join(sorted(set(heavy["strength_emphasis"] + " lifting at " + heavy["strength_effort"])))
            add(
                "maintenance_in_race_season",
                rows,
                f"{kinds} effort {_weeks_out(wtr)} (race season calls for maintenance)",
                False,
            )

    last = len(df) - 1
    if df.at[last, "run_kind"] != "race":
        add("taper", [last], "the plan does not end with the race on its last day", True)
    ref = taper_reference(weekly["km"].to_numpy())
    for (week, row), b in zip(weekly.iterrows(), bits, strict=True):
        if b & TAPER_OVER:
            add(
                "taper",
                list(df.index[df["week"] == week]),
                f"{row['km']:.1f} km in a taper week ({_weeks_out(int(row['weeks_to_race']))}), more "
                f"than {TAPER_MAX_SHARE:.0%} of the {ref:.1f} km/week before the taper",
                False,
            )
    return out


def _weekly(df: pd.DataFrame, lifting: pd.Series) -> pd.DataFrame:
    """The weeks `envs.rules.evaluate` reads, in season order (race week last): running km without
    the race, strength sessions and those not maintenance-grade; and weeks_to_race."""
    grade = pd.Series([not is_maintenance_lift_named(e, f) for e, f in
                       zip(df["strength_emphasis"], df["strength_effort"], strict=True)], index=df.index)
    per_day = pd.DataFrame({
        "week": df["week"],
        "km": df["distance_km"].where(df["run_kind"] != "race", 0.0),
        "sessions": lifting.astype(int),
        "not_maintenance": (lifting & grade).astype(int),
        "weeks_to_race": df["weeks_to_race"],
    })
    return per_day.groupby("week", sort=True).agg(
        km=("km", "sum"), sessions=("sessions", "sum"), not_maintenance=("not_maintenance", "sum"),
        weeks_to_race=("weeks_to_race", "first"))


def _weeks_out(wtr: int) -> str:
    return (
        "race week"
        if wtr == 0
        else ("1 week before the race" if wtr == 1 else f"{wtr} weeks before the race")
    )


def undeclared(violations: Sequence[Violation]) -> list[Violation]:
    """Violations the plan does not explain (an exported plan must have none)."""
    return [v for v in violations if not v.declared]


def _join(note: str, text: str) -> str:
    return f"{note.rstrip('. ')}. {text}" if note else text


def _declaration(v: Violation) -> str:
    """The short mark a day or week note carries; the reason is given once (`departures`)."""
    return f"{DECLARED} ({v.rule}): departs from the article's rule ({RULES[v.rule]}), see 'Rule departures'."


def _week_counts(df: pd.DataFrame, week: int) -> tuple[int, int, int, str, str]:
    wk = df[df["week"] == week]
    lifting = wk[wk["strength_emphasis"].isin(["heavy", "power", "maintenance", "toning"])]
    keys = int(wk["run_kind"].isin(["tempo", "intervals"]).sum())
    longs = int(wk["run_kind"].isin(["long", "race"]).sum())
    emph = lifting["strength_emphasis"].iloc[0] if len(lifting) else "none"
    effort = lifting["strength_effort"].iloc[0] if len(lifting) else ""
    return len(lifting), keys, longs, emph, effort


def reason(v: Violation, days: pd.DataFrame) -> str:
    """Why the plan departs from the rule here, in terms of what the week plan asked for.

    Day placement is `sim.kernel.schedule_week`'s: under the after_easy and separate_day placements it
    keeps the timing rules (a hard session with no legal day is lightened), so a timing departure means the
    plan chose the before_key placement (the article's mistake 3) or the days were laid out by hand. The
    dose (sessions, emphasis, effort, volume) is the policy's or the plan's choice.
    """
    df = _frame(days)
    n, keys, longs, emph, effort = _week_counts(df, v.week)
    dose = (f"the plan asks for {n} {emph} session(s) at {effort} effort" if n
            else "the plan drops strength work this week")
    runs = f"{keys} key run(s) and {longs} long run or race"
    if v.rule in ("strength_after_easy_or_separate", "no_hard_lift_before_key", "no_hard_lift_back_to_back"):
        return (f"{dose} in a week with {runs}; the scheduler keeps this rule under the after_easy and "
                "separate_day placements (it lightens a hard session that has no legal day), so the plan chose "
                "the before_key placement (the article's mistake 3) or its days were laid out by hand")
    if v.rule == "maintenance_in_race_season":
        source = str(days.attrs.get("source", ""))
        if source.startswith(("MLflow run", "model", "learned", "optimized")):
            return (f"{dose}: the policy was trained on the simulator's race time and injured days only, and in "
                    "the simulator this dose costs less than it gains; the article keeps 1-2 maintenance sessions")
        return f"{dose}: the plan's own choice ({source or 'hand-written plan'})"
    if v.rule == "taper":
        return ("the week's running volume is the plan's (for a strength-only policy, the reference running "
                "plan's), which does not cut volume enough in the last weeks")
    if v.rule == "pain_rule":
        return "the plan turned the pain rule off: pain days are not eased"
    return "the policy's choice"


def departures(days: pd.DataFrame) -> list[dict]:
    """Rule departures grouped once: rule, what happens (weeks and count), and the reason.

    One entry per (rule, reason); `weeks` lists the weeks it happens in. This is what an exported plan
    shows once instead of repeating a note under every week.
    """
    out: dict[tuple[str, str], dict] = {}
    for v in check(days):
        why = reason(v, days)
        key = (v.rule, why)
        e = out.setdefault(key, {"rule": v.rule, "advice": RULES[v.rule], "reason": why, "weeks": [],
                                 "count": 0, "example": v.message})
        e["count"] += 1
        if v.week not in e["weeks"]:
            e["weeks"].append(v.week)
    return list(out.values())


def week_span(weeks: Sequence[int]) -> str:
    """'1-20, 24, 30-33' from a list of week numbers."""
    ws = sorted(set(int(w) for w in weeks))
    parts, start = [], None
    for i, w in enumerate(ws):
        if start is None:
            start = w
        if i + 1 == len(ws) or ws[i + 1] != w + 1:
            parts.append(str(start) if start == w else f"{start}-{w}")
            start = None
    return ", ".join(parts)


def annotate(days: pd.DataFrame, weeks: Sequence[WeekPlan] | None = None) -> pd.DataFrame:
    """Say in the notes where the plan departs from the rules (and the pain rule), in `day_note`/`week_note`.

    Day-level violations go to that day's `day_note`; week-level ones to every day's
    `week_note` of the week. `note` is then the week note plus the day note.
    """
    df = days.copy()
    for col in ("week_note", "day_note"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    for v in check(df):
        if v.declared:
            continue
        text = _declaration(v)
        if v.date is not None:
            mask = pd.to_datetime(df["date"]).dt.date.astype(str) == v.date
            df.loc[mask, "day_note"] = df.loc[mask, "day_note"].map(
                lambda s, t=text: s if t in s else f"{s} {t}".strip())
        else:
            mask = df["week"] == v.week
            df.loc[mask, "week_note"] = df.loc[mask, "week_note"].map(
                lambda s, t=text: s if t in s else _join(s, t))
    if weeks is not None:
        for w, plan in enumerate(weeks):
            if not plan.pain_rule:
                mask = df["week"] == w + 1
                df.loc[mask, "week_note"] = df.loc[mask, "week_note"].map(
                    lambda s: _join(
                        s,
                        f"{DECLARED} (pain_rule): no backing off on pain days, see 'Rule departures'.",
                    )
                )
    df["note"] = [f"{w} | {d}" if d else w for w, d in zip(df["week_note"], df["day_note"], strict=True)]
    return df
