"""What the compared plans prescribe: a week-by-week strip for the HTML report and each plan's export.

For every level, the learned policy, the fixed plans (`--plan`) and the best template are shown for a
typical held-out athlete (the one with the median habitual km, `Comparison.prescriptions`): one
column per week, the strength emphasis as the colour (the number is the sessions), the effort
below it, and a tooltip with the whole week. Each plan is also exported as a Markdown season plan
(`experiments.plans.formats.to_markdown`, the same file `stridelab export --format md` writes)
next to the report, and the report links it.
"""

from __future__ import annotations

import datetime as dt
import html

import numpy as np

from experiments.plans.formats import to_markdown
from experiments.plans.season_plan import season_plan
from experiments.report.coach_plots import EFFORT_COLORS, EMPHASIS_COLORS, policy_label
from sim.plan import WeekPlan, week_km_of
from sim.season import PHASES, phase_of
from sim.state import A_HABITUAL_KM, EFFORTS, EMPHASES, P_EFFORT, P_EMPHASIS, P_STR_SESSIONS


def export_name(level: str, policy: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in policy)
    return f"plan_{level}_{safe}.md"


def season_days(athlete: np.ndarray, plan: np.ndarray, start: dt.date | None = None):
    """The day frame of one athlete's plan, on a season starting next Monday (or `start`)."""
    n = plan.shape[0]
    if start is None:
        today = dt.date.today()
        start = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    race = start + dt.timedelta(days=7 * n - 1)
    weeks = [WeekPlan.from_array(plan[w], phase=PHASES[phase_of(w, n)]) for w in range(n)]
    return season_plan(weeks, athlete, start, race)


def plan_exports(cmp) -> dict[str, str]:
    """File name -> Markdown season plan for every prescribed plan of every level."""
    out = {}
    for level, plans in cmp.prescriptions.items():
        for policy, (athlete, plan) in plans.items():
            df = season_days(athlete, plan)
            label = policy_label(policy)
            name = label if label == policy else f"{label} ({policy})"
            df.attrs["source"] = f"{name}, compared on held-out athletes (seed {cmp.seed})"
            out[export_name(level, policy)] = to_markdown(df)
    return out


def _week_text(plan_row: np.ndarray, habitual_km: float) -> str:
    w = WeekPlan.from_array(plan_row)
    km = week_km_of(w, habitual_km)
    s = w.strength
    lift = f"{s.sessions}x {s.emphasis}, {s.effort} effort" if s.active else "no strength"
    return f"{km:.0f} km, {w.key_runs} key run(s); {lift}"


def strip_html(cmp, level: str) -> str:
    """The HTML week strip of one level's prescribed plans, with links to their exports."""
    plans = cmp.prescriptions.get(level, {})
    if not plans:
        return ""
    esc = html.escape
    n = max(p.shape[0] for _, p in plans.values())
    athlete = next(iter(plans.values()))[0]
    parts = [
        f"<h3>{esc(level)}: what each plan prescribes</h3>",
        f"<p class='note'>For a typical held-out {esc(level)} runner ({athlete[A_HABITUAL_KM]:.0f} km/week, the "
        "median): one column per week (race at the end of the last). Colour: strength emphasis, the number: "
        "sessions that week; the row below: effort. Hover a week for its running and strength.</p>",
        "<div class='strip'><table class='strip'><tr><th></th>"
        + "".join(f"<th>{w + 1 if (w + 1) % 4 == 0 or w == 0 else ''}</th>" for w in range(n))
        + "<th>export</th></tr>",
    ]
    for policy, (ath, plan) in plans.items():
        cells_e, cells_f = [], []
        for w in range(plan.shape[0]):
            k = int(round(plan[w, P_STR_SESSIONS]))
            emph = EMPHASES[int(plan[w, P_EMPHASIS])] if k > 0 else "none"
            eff = EFFORTS[int(plan[w, P_EFFORT])] if k > 0 else ""
            tip = esc(f"week {w + 1}: {_week_text(plan[w], float(ath[A_HABITUAL_KM]))}")
            fg = "#fff" if emph in ("heavy", "power", "maintenance") else "#000"
            cells_e.append(f"<td title='{tip}' style='background:{EMPHASIS_COLORS[emph]};color:{fg}'>"
                           f"{k if k else ''}</td>")
            cells_f.append(f"<td title='{tip}' style='background:{EFFORT_COLORS[eff]}'></td>")
        link = f"<a href='{esc(export_name(level, policy))}'>season plan (Markdown)</a>"
        parts.append(f"<tr><th>{esc(policy_label(policy))}: emphasis</th>{''.join(cells_e)}"
                     f"<td rowspan='2'>{link}</td></tr>")
        parts.append(f"<tr><th>effort</th>{''.join(cells_f)}</tr>")
    parts.append("</table></div>")
    dark = ("heavy", "power", "maintenance")
    legend = "".join(f"<span class='key' style='background:{c};color:{'#fff' if e in dark else '#000'}'>"
                     f"{esc(e)}</span>" for e, c in EMPHASIS_COLORS.items() if e != "none")
    legend += "".join(f"<span class='key' style='background:{c}'>{esc(e)} effort</span>"
                      for e, c in EFFORT_COLORS.items() if e)
    parts.append(f"<p class='note'>{legend}</p>")
    return "\n".join(parts)
