"""The optimized season as a plan file `stridelab simulate` reads unchanged (`sim.plan.PlanFile`).

Consecutive weeks with the same prescription become one block; every block carries its phase
and a note. A comment header says how the plan was made, what it scored on the training
athletes next to the templates, and one machine-readable line,

    # stridelab-optimize: {"level": ..., "seed": 0, "athletes": 512, "mlflow_run": ...}

that `stridelab compare --plan` reads to keep its held-out athletes apart from the training ones
(`read_provenance`). The plan schema forbids unknown keys, so provenance lives in a comment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from envs.config import HardLimits
from experiments.optimize.genes import N_GENES
from experiments.optimize.search import RULE_SETS, Optimized
from sim.plan import WeekPlan, parse_plan
from sim.season import PHASES

PROVENANCE = "# stridelab-optimize: "


def blocks(weeks: list[WeekPlan], n_weeks: int) -> list[dict[str, Any]]:
    """Runs of identical week plans as plan-file blocks (first week's note, with the block's span)."""
    out: list[dict[str, Any]] = []
    start = 0
    for w in range(1, n_weeks + 1):
        if w < n_weeks and _same(weeks[w], weeks[start]):
            continue
        week = weeks[start]
        d: dict[str, Any] = {"weeks": w - start, "phase": week.phase, "note": _block_note(week, start, w, n_weeks)}
        body = week.model_dump(exclude_none=True, exclude={"phase", "note", "pain_rule", "race", "run_km",
                                                            "long_run_km"})
        s = body.pop("strength")
        s.pop("exercises", None)
        if week.strength.active:
            body["strength"] = s
        else:
            body["strength"] = {"sessions": 0}
        if week.race:
            body["race"] = True
        d.update(body)
        out.append(d)
        start = w
    return out


def _same(a: WeekPlan, b: WeekPlan) -> bool:
    return a.model_dump(exclude={"note"}) == b.model_dump(exclude={"note"})


def _block_note(week: WeekPlan, start: int, end: int, n_weeks: int) -> str:
    head = week.note.split(": race", 1)[0] if week.note else ""
    first, last = n_weeks - 1 - start, n_weeks - end
    # first/last: weeks to the race at the block's first and last week (first >= last)
    if first == 0:
        when = "race on day 7 of this week"
    elif first == last:
        when = f"race in {first} week{'s' if first > 1 else ''}"
    elif last == 0:
        when = f"race in {first} weeks down to race week (race on day 7 of the last week)"
    else:
        when = f"race in {first} down to {last} week{'s' if last > 1 else ''}"
    return f"{head}: {when}"


def plan_yaml(opt: Optimized, command: str = "", mlflow_run: str | None = None) -> str:
    """The plan file's text: header comments, then level, race_distance and blocks."""
    s = opt.settings
    n = s.season_weeks
    doc = {"level": s.level, "race_distance": s.race_distance, "blocks": blocks(opt.week_plans(), n)}
    body = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120)
    parse_plan(yaml.safe_load(body), "optimized plan")  # never write a file `simulate` would refuse
    sc = opt.scores
    lines = [
        f"# Open-loop season plan for {s.level} runners, {s.race_distance} race after {n} weeks, optimized by",
        f"# CMA-ES over {N_GENES} genes ({len(PHASES)} phases: {', '.join(PHASES)}), {opt.evaluations} evaluations",
        f"# on {s.athletes} training athletes (population seed {s.seed}; common random numbers).",
        f"# Objective: {opt.formula}.",
        f"# Rules: {_rules_line(s.rules)}.",
        f"# On the training athletes: J {sc.objective[0]:+.3f}, race time {sc.race_time_pct[0]:+.2f}%, "
        f"expected injured days {sc.expected_injured_days[0]:.2f} (realised {sc.injured_days[0]:.2f}).",
    ]
    for name, r in opt.references.items():
        lines.append(f"#   {name:<13} J {r.objective[0]:+.3f}, race time {r.race_time_pct[0]:+.2f}%, "
                     f"expected injured days {r.expected_injured_days[0]:.2f}")
    lines.append("# Check it on held-out athletes: stridelab compare --plan THIS_FILE")
    if command:
        lines.append(f"# Made by: {command}")
    meta = {"level": s.level, "race_distance": s.race_distance, "season_weeks": n, "seed": s.seed,
            "athletes": s.athletes, "budget": s.budget, "evaluations": opt.evaluations, "rules": s.rules,
            "mlflow_run": mlflow_run}
    lines.append(PROVENANCE + json.dumps(meta))
    return "\n".join(lines) + "\n" + body


def _rules_line(rules: str) -> str:
    if rules == "none":
        return "none (--rules none: the plan may break the article's rules)"
    lim = RULE_SETS[rules]
    on = {k: v for k, v in lim.model_dump().items() if v != HardLimits.model_fields[k].default}
    return f"{rules} (every week within the coach limits {json.dumps(on)})"


def read_provenance(path: str | Path) -> dict[str, Any] | None:
    """The `# stridelab-optimize:` header of a plan file, or None (a hand-written plan)."""
    try:
        text = Path(path).read_text()
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if line.startswith(PROVENANCE):
            try:
                meta = json.loads(line[len(PROVENANCE):])
            except json.JSONDecodeError:
                return None
            return meta if isinstance(meta, dict) else None
    return None
