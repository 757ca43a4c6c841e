"""A comparison as text: one table per level on the console, and the Markdown and HTML reports.

`display_rows` formats a level's table once; the console, Markdown and HTML share it.
"""

from __future__ import annotations

import base64
import datetime as dt
import html

from experiments.report.compare import Comparison
from experiments.report.credibility import COMPONENTS
from experiments.report.prescriptions import export_name, strip_html
from experiments.report.robustness import missed_label
from experiments.report.tables import console, print_table, terminal_width


def display_rows(cmp: Comparison, level: str) -> tuple[list[str], list[list[str]]]:
    """Header and formatted rows of one level's table (shared by the console, Markdown and HTML)."""
    s = cmp.summary[cmp.summary["level"] == level]
    best = cmp.best_template[level]
    head = [
        "#",
        "policy",
        "kind",
        "race time %",
        "95% CI",
        f"vs {best} (pp)",
        "95% CI",
        "faster",
        "injured days",
        "95% CI",
        f"inj. days vs {best}",
        "strength %",
        "key-run quality %",
    ]
    rows = []
    for r in s.itertuples(index=False):
        ref = r.policy == best
        rows.append(
            [
                str(r.rank),
                r.policy,
                r.kind,
                f"{r.race_time_pct:+.2f}",
                f"[{r.race_time_pct_lo:+.2f}, {r.race_time_pct_hi:+.2f}]",
                "reference" if ref else f"{r.race_time_pct_diff:+.3f}",
                "" if ref else f"[{r.race_time_pct_diff_lo:+.3f}, {r.race_time_pct_diff_hi:+.3f}]",
                "" if ref else f"{100 * r.race_time_pct_win:.0f}%",
                f"{r.injured_days:.2f}",
                f"[{r.injured_days_lo:.2f}, {r.injured_days_hi:.2f}]",
                "" if ref else f"{r.injured_days_diff:+.2f}",
                f"{r.strength_pct:+.1f}",
                f"{r.key_run_quality_pct:.1f}",
            ]
        )
    return head, rows


def _span(mean: float, lo: float, hi: float, fmt: str) -> str:
    return f"{mean:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def _pct(x: float) -> str:
    return "" if x != x else f"{100 * x:.0f}%"


def robustness_rows(cmp: Comparison, level: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a level's robustness table (model draws, missed sessions); empty if neither ran."""
    if not cmp.model_draws and not cmp.missed:
        return [], []
    s = cmp.summary[cmp.summary["level"] == level]
    head = ["#", "policy", "kind"]
    if cmp.model_draws:
        head += [
            f"race time %\nover {cmp.model_draws} draws\n[5-95%]",
            "injured days\nover draws\n[5-95%]",
            "vs each draw's\nbest template (pp)\n[5-95%]",
            "draws\nwon",
        ]
    for p in cmp.missed:
        head += [f"{p:.0%} missed:\nrace time (pp)\n[95% CI]", f"{p:.0%} missed:\ninjured\ndays",
                 f"{p:.0%} missed:\nkm run"]
    rows = []
    for r in s.to_dict("records"):
        row = [str(r["rank"]), r["policy"], r["kind"]]
        if cmp.model_draws:
            row += [
                _span(r["draws_race_time_pct_mean"], r["draws_race_time_pct_p5"], r["draws_race_time_pct_p95"], "+.2f"),
                _span(r["draws_injured_days_mean"], r["draws_injured_days_p5"], r["draws_injured_days_p95"], ".1f"),
                _span(r["draws_vs_best_mean"], r["draws_vs_best_p5"], r["draws_vs_best_p95"], "+.2f"),
                _pct(r["draws_won"]),
            ]
        for p in cmp.missed:
            lab = missed_label(p)
            row += [
                _span(r[f"{lab}_race_time_pct_diff"], r[f"{lab}_race_time_pct_diff_lo"],
                      r[f"{lab}_race_time_pct_diff_hi"], "+.2f"),
                f"{r[f'{lab}_injured_days_diff']:+.2f}",
                f"{r[f'{lab}_run_km_diff']:+.0f}",
            ]
        rows.append(row)
    return head, rows


def credibility_rows(cmp: Comparison, level: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a level's credibility table (`report.credibility`)."""
    s = cmp.summary[cmp.summary["level"] == level]
    head = ["#", "policy", "kind", "tapers", "taper\nweeks", "taper\nvolume", "periodizes",
            "weeks without\nrecovery", "rule breaks\n/ season"]
    head += [f"at max:\n{c.replace('_', ' ')}" for c in COMPONENTS] + ["all\nat max"]
    rows = []
    for r in s.to_dict("records"):
        if "tapers" not in r:
            continue
        rows.append(
            [str(r["rank"]), r["policy"], r["kind"], _pct(r["tapers"]), f"{r['taper_weeks']:.1f}",
             _pct(r["taper_ratio"]), _pct(r["periodizes"]), f"{r['no_recovery_weeks']:.0f}", f"{r['rule_breaks']:.1f}"]
            + [_pct(r[f"at_max_{c}"]) for c in COMPONENTS]
            + [_pct(r["all_max"])]
        )
    return head, rows


def credibility_notes(cmp: Comparison, level: str) -> list[str]:
    """Why the learned and optimized plans break rules, in words (`Credibility.text`)."""
    creds = cmp.credibility.get(level, {})
    s = cmp.summary[cmp.summary["level"] == level]
    kinds = dict(zip(s["policy"], s["kind"], strict=True))
    return [f"{n}: {c.text()}" for n, c in creds.items() if kinds.get(n) in ("learned", "optimized")]


ROBUSTNESS_NOTE = (
    "Robustness: the same athletes and random streams under parameter sets drawn from the model's plausible "
    "ranges (mean and 5-95% of draws; 'draws won': share of draws in which the paired race-time difference to "
    "that draw's best template has its 95% CI below 0), and with sessions missed at random (the same skips for "
    "every policy; paired change against no missed sessions, positive = slower; km: season km run)."
)
CREDIBILITY_NOTE = (
    "Credibility: share of athlete-plans that taper (race week and the week before at most 90% of the four "
    "weeks before) and periodize (volume or key runs differ by phase, and no stretch of half the season without "
    "a recovery week, a cut of at least 15%); taper "
    "volume: taper weeks over the four weeks before; rule breaks: the article's rules on the day-by-day plan; "
    "at max: share of weeks at the action space's largest choice (3 sessions, hard effort, +20% volume or "
    "2.0x habitual, 3 key runs, 30% long run); all at max: every one at once (a model exploit)."
)


#: every column of the level tables, defined once (console caption, Markdown and HTML)
TERMS_LIST = (
    ("race time %", "change of the predicted race time from the start to the end of the season, in percent "
     "(negative = faster); 95% CI by bootstrap over the athletes"),
    ("vs BEST (pp)", "paired difference of race time % to the level's best template on the same athletes, in "
     "percentage points (negative = faster than the template)"),
    ("faster", "share of athletes whose race is faster than under the best template"),
    ("injured days", "days per athlete over the season on which an injury stopped training"),
    ("inj. days vs BEST", "paired difference of injured days to the best template"),
    ("strength %", "change of the one-repetition maximum (1RM, the heaviest load lifted once) over the season"),
    ("key-run quality %", "how much of a tempo or interval session's training effect fatigue and soreness "
     "left, averaged over key runs (100 = run fresh)"),
)
TERMS = "Columns: " + "; ".join(f"{k}: {v}" for k, v in TERMS_LIST) + "."

COLUMN_ABBREV = {"race time %": "race %", "injured days": "inj. days", "strength %": "str. %",
                 "key-run quality %": "key-run %", "faster": "faster"}


def print_tables(cmp: Comparison, width: int | None = None) -> None:
    """One table per level on the console, fitted to the terminal (`COLUMNS`): nothing dropped or cut."""
    width = width or terminal_width()
    con = console(width)
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        keep = [i for i in range(len(head)) if i != 2]
        styles = ["bold" if r[2] == "learned" else None for r in rows]
        abbrev = dict(COLUMN_ABBREV)
        abbrev.update({h: h.replace("inj. days vs ", "inj. vs ") for h in head if h.startswith("inj. days vs")})
        print_table(
            f"{level}: {cmp.athletes} held-out athletes (seed {cmp.seed}), {cmp.season_weeks}-week "
            f"season to a {cmp.race_distance} race; best first",
            [head[i] for i in keep], [[r[i] for i in keep] for r in rows], console=con, keep=2, styles=styles,
            abbrev=abbrev, caption=TERMS,
        )
        for title, (head, rows) in (
            (f"{level}: robustness. {ROBUSTNESS_NOTE}", robustness_rows(cmp, level)),
            (f"{level}: credibility of the plans. {CREDIBILITY_NOTE}", credibility_rows(cmp, level)),
        ):
            if not rows:
                continue
            keep = [i for i in range(len(head)) if i != 2]
            print_table(title, [head[i] for i in keep], [[r[i] for i in keep] for r in rows], console=con, keep=2,
                        styles=["bold" if r[2] == "learned" else None for r in rows])
        for note in credibility_notes(cmp, level):
            con.print(note)
    con.print(cmp.verdict_text())


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
    head = [h.replace("\n", " ") for h in head]
    out = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---:" if i not in (1, 2) else "---" for i in range(len(head))) + "|",
    ]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return out


def _intro(cmp: Comparison) -> str:
    return (
        f"{cmp.athletes} held-out athletes per level (population seed {cmp.seed}, not used in training), "
        f"{cmp.season_weeks}-week season to a {cmp.race_distance} race. Every policy meets the same athletes "
        "and the same random draws, so differences are paired per athlete."
    )


def markdown_report(cmp: Comparison, plots: dict[str, str]) -> str:
    """The report as Markdown (plots referenced by file name next to it)."""
    lines = [
        "# StrideLab comparison: learned policies vs the article's templates and mistakes",
        "",
        f"_{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}_",
        "",
        "## The question",
        "",
        Comparison.QUESTION,
        "",
        "## The answer",
        "",
    ]
    lines += [cmp.verdict_text().replace("\n", "\n\n"), "", _intro(cmp), "", TERMS, ""]
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        lines += [f"## {level}", ""] + _md_table(head, rows) + [""]

        links = [f"[{p}]({export_name(level, p)})" for p in cmp.prescriptions.get(level, {})]
        if links:
            lines += [f"What each plan prescribes, as a season plan for a typical {level} runner: "
                      + ", ".join(links) + ".", ""]
        head, rows = robustness_rows(cmp, level)
        if rows:
            lines += [f"### {level}: robustness", "", ROBUSTNESS_NOTE, ""] + _md_table(head, rows) + [""]
        head, rows = credibility_rows(cmp, level)
        if rows:
            lines += [f"### {level}: credibility of the plans", "", CREDIBILITY_NOTE, ""] + _md_table(head, rows)
            lines += [""] + [f"- {n}" for n in credibility_notes(cmp, level)] + [""]
    for title, fname in plots.items():
        lines += [f"### {title}", "", f"![{title}]({fname})", ""]
    return "\n".join(lines)


def html_report(cmp: Comparison, plots: dict[str, bytes]) -> str:
    """A self-contained HTML report: verdict, tables and the plots embedded as PNG data URIs."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>StrideLab comparison</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}",
        "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}",
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right;white-space:nowrap}"
        "td:nth-child(2),td:nth-child(3){text-align:"
        "left}tr.learned{font-weight:bold;background:#eef6ff}th{background:#f4f4f4}",
        ".verdict{background:#f8f8e8;border-left:4px solid #bb0;padding:0.5em 1em}img{max-width:100%}",
        ".note{font-size:0.85em;color:#555}.wide{overflow-x:auto}",
        "table.terms th{text-align:left;vertical-align:top}table.terms td{text-align:left;white-space:normal}",
        "th:nth-child(2),th:nth-child(3){text-align:left}",
        "table.strip{border-collapse:collapse;font-size:0.7em;margin:0.3em 0}",
        "table.strip td{border:1px solid #fff;padding:0;width:1.3em;height:1.3em;text-align:center}",
        "table.strip th{background:none;border:none;text-align:right;padding:0 4px;font-weight:normal}",
        "table.strip td[rowspan]{width:auto;padding:0 6px;text-align:left;border:none}",
        ".strip{overflow-x:auto}.key{display:inline-block;padding:1px 6px;margin:2px;border:1px solid #999}",
        "</style></head><body>",
        "<h1>StrideLab comparison: learned policies vs the article's templates and mistakes</h1>",
        f"<h2>The question</h2><p>{esc(Comparison.QUESTION)}</p>",
        "<h2>The answer</h2><div class='verdict'>"
        + "".join(f"<p>{esc(p)}</p>" for p in cmp.verdict_text().split("\n"))
        + "</div>",
        f"<p>{esc(_intro(cmp))}</p>",
        "<h2>What the columns mean</h2><table class='terms'>"
        + "".join(f"<tr><th>{esc(k.replace('BEST', 'best template'))}</th><td>{esc(v)}</td></tr>"
                  for k, v in TERMS_LIST)
        + "</table>",
    ]
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        parts.append(
            f"<h2>{esc(level)}</h2><div class='wide'><table><tr>"
            + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"
        )
        for r in rows:
            cls = " class='learned'" if r[2] == "learned" else ""
            parts.append(f"<tr{cls}>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
        parts.append("</table></div>")

        parts.append(strip_html(cmp, level))
        for title, note, (head, rows) in (
            ("robustness", ROBUSTNESS_NOTE, robustness_rows(cmp, level)),
            ("credibility of the plans", CREDIBILITY_NOTE, credibility_rows(cmp, level)),
        ):
            if not rows:
                continue
            parts.append(f"<h3>{esc(level)}: {esc(title)}</h3><p class='note'>{esc(note)}</p><div class='wide'>"
                         "<table><tr>"
                         + "".join(f"<th>{esc(h).replace(chr(10), '<br>')}</th>" for h in head) + "</tr>")
            for r in rows:
                cls = " class='learned'" if r[2] == "learned" else ""
                parts.append(f"<tr{cls}>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
            parts.append("</table></div>")
        notes = credibility_notes(cmp, level)
        if notes:
            parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul>")
    for title, png in plots.items():
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h3>{esc(title)}</h3><img alt='{esc(title)}' src='data:image/png;base64,{b64}'>")
    parts.append("</body></html>")
    return "\n".join(parts)
