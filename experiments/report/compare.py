"""Learned policies against every template and mistake, on a fresh held-out population.

    >>> from experiments.policy import load_run_policy
    >>> learned = {p.name: p for p in (load_run_policy(r) for r in find_runs("stridelab"))}
    >>> cmp = compare(learned, levels=["intermediate"], athletes=1000, seed=held_out_seed(learned.values()))
    >>> print(cmp.verdict_text())

Per level, one cohort (`sim.whatif.make_cohort(level, athletes, seed)`) meets every policy
with the same random draws, so all differences are paired per athlete. Policies are run and
summarised with `agents.evaluation` (baselines as numba plan arrays, learned policies rolled
out on `StrengthRunVecEnv.from_cohort`); the reference of the paired differences is the
level's best template (lowest mean race-time change). The ranking is by mean race-time
change; a learned policy *beats* the best template when the 95% CI of its paired race-time
difference lies below zero and it does not cost injured days on average (the same test as
`experiments.train.Evaluation.headline`).

The held-out seed must not be one the runs trained on: `held_out_seed` picks one that is
neither a training seed nor a run's evaluation seed, and `check_seed` refuses a training seed.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.policy import POLICY_ZIP, LearnedPolicy, load_baseline
from sim.errors import InputError
from sim.state import A_RACE_KM, LEVELS, M_LOAD_AU, M_RUN_KM, M_STR_SESSIONS, M_STRENGTH_REL

DEFAULT_EXPERIMENT = "stridelab"
DEFAULT_SEED = 900_001
TEMPLATES = ("beginner", "intermediate", "advanced")


def find_runs(experiment: str, tracking_uri: str | None = None) -> list[str]:
    """Finished training runs of `experiment` that saved a policy (newest first)."""
    from experiments import tracking

    uri = tracking.tracking_uri(tracking_uri)
    cl = tracking.client(uri)
    exp = cl.get_experiment_by_name(experiment)
    if exp is None:
        raise InputError(
            f"experiment: {experiment!r} not found in the MLflow store {uri}; train first "
            "(stridelab train configs/quickstart.yaml) or give --runs"
        )
    runs = cl.search_runs(
        [exp.experiment_id], "attributes.status = 'FINISHED'", order_by=["attributes.start_time DESC"]
    )
    out = []
    for r in runs:
        if r.data.tags.get("stridelab.role") in ("parent", "compare"):
            continue
        names = {a.path for a in cl.list_artifacts(r.info.run_id, "policy")}
        if POLICY_ZIP in names:
            out.append(r.info.run_id)
    if not out:
        raise InputError(f"experiment: {experiment!r} has no finished training run with a policy in {uri}")
    return out


def held_out_seed(policies: Iterable[LearnedPolicy], start: int = DEFAULT_SEED) -> int:
    """The first seed from `start` that no run trained or evaluated on."""
    used = {
        s for p in policies for s in (*p.training_seeds, *([p.eval_seed] if p.eval_seed is not None else []))
    }
    seed = start
    while seed in used:
        seed += 1
    return seed


def check_seed(seed: int, policies: Iterable[LearnedPolicy]) -> None:
    """InputError if `seed` is a training seed of one of the runs (the population must be held out)."""
    for p in policies:
        if seed in p.training_seeds:
            raise InputError(
                f"seed: {seed} is a training seed of {p.name} (run {p.run_id}); the comparison needs a "
                f"held-out population: pick another --seed (default {held_out_seed([p])})"
            )


# --------------------------------------------------------------------------- comparing
@dataclass
class Comparison:
    """Everything one comparison produced: tables per level, weekly curves, the verdict."""

    levels: list[str]
    athletes: int
    seed: int
    season_weeks: int
    race_distance: str
    learned: list[str]
    per_athlete: pd.DataFrame  # agents.evaluation.PER_ATHLETE_COLUMNS, all levels
    summary: pd.DataFrame  # one row per (level, policy), best first within a level
    weekly: pd.DataFrame  # level, policy, week, run_km, load_au, strength_sessions, strength_pct
    best_template: dict[str, str]
    best_learned: dict[str, str]
    verdicts: dict[str, dict[str, Any]]

    def verdict_text(self) -> str:
        """Plain sentences: does the best learned policy beat the best template, where, by how much."""
        if not self.learned:
            return "No learned policy was compared."
        beats = [lv for lv in self.levels if self.verdicts[lv]["beats"]]
        lines = []
        if beats:
            how = "; ".join(
                f"{lv} athletes: faster by {-self.verdicts[lv]['diff']:.2f} percentage points of race time "
                f"({-self.verdicts[lv]['diff_s']:.0f} s)"
                for lv in beats
            )
            rest = [lv for lv in self.levels if lv not in beats]
            lines.append(
                f"Yes for {', '.join(beats)}: the best learned policy beats the best template ({how})."
                + (f" Not for {', '.join(rest)}." if rest else "")
            )
        else:
            lines.append(
                f"No: the best learned policy does not beat the best template for any level "
                f"({', '.join(self.levels)})."
            )
        for lv in self.levels:
            lines.append(self.verdicts[lv]["text"])
        return "\n".join(lines)


def _kind(name: str, learned: Sequence[str]) -> str:
    if name in learned:
        return "learned"
    if name in TEMPLATES:
        return "template"
    return "mistake" if name.startswith("mistake_") else "baseline"


def _weekly(level: str, name: str, res: Any) -> pd.DataFrame:
    m = res.metrics
    return pd.DataFrame(
        {
            "level": level,
            "policy": name,
            "week": np.arange(1, m.shape[1] + 1),
            "run_km": m[:, :, M_RUN_KM].mean(axis=0),
            "load_au": m[:, :, M_LOAD_AU].mean(axis=0),
            "strength_sessions": m[:, :, M_STR_SESSIONS].mean(axis=0),
            "strength_pct": 100.0
            * (m[:, :, M_STRENGTH_REL] / res.start_strength[:, None] - 1.0).mean(axis=0),
        }
    )


def _verdict(
    level: str, row: pd.Series, best: str, learned: str, race_km: float, base_min: float
) -> dict[str, Any]:
    diff, lo, hi = row["race_time_pct_diff"], row["race_time_pct_diff_lo"], row["race_time_pct_diff_hi"]
    inj = row["injured_days_diff"]
    beats = bool(hi < 0.0 and inj <= 0.0)
    diff_s = diff / 100.0 * base_min * 60.0
    if beats:
        word = "beats"
    elif lo > 0.0:
        word = "is slower than"
    elif hi < 0.0:
        word = "is faster than, but costs injured days against,"
    else:
        word = "does not clearly beat"
    text = (
        f"{level}: {learned} {word} the best template ({best}): race time {row['race_time_pct']:+.2f}% vs "
        f"{row['race_time_pct'] - diff:+.2f}%, paired difference {diff:+.3f} pp "
        f"[95% CI {lo:+.3f}, {hi:+.3f}] "
        f"({diff_s:+.0f} s over {race_km:g} km), "
        f"faster for {100 * row['race_time_pct_win']:.0f}% of athletes; "
        f"injured days {row['injured_days']:.2f} vs {row['injured_days'] - inj:.2f} ({inj:+.2f})."
    )
    return {
        "beats": beats,
        "best_template": best,
        "best_learned": learned,
        "diff": float(diff),
        "diff_lo": float(lo),
        "diff_hi": float(hi),
        "diff_s": float(diff_s),
        "injured_days_diff": float(inj),
        "win": float(row["race_time_pct_win"]),
        "text": text,
    }


def compare(
    learned: dict[str, LearnedPolicy],
    levels: Sequence[str],
    athletes: int,
    seed: int,
    season_weeks: int,
    race_distance: str = "10k",
    baselines: Sequence[str] | None = None,
    n_boot: int = 1000,
) -> Comparison:
    """Evaluate learned policies and baselines per level on held-out cohorts (see the module docstring)."""
    from agents.baselines import BASELINES
    from agents.evaluation import athlete_rows, run_policy, summarize
    from sim.whatif import make_cohort

    check_seed(seed, learned.values())
    names = list(baselines) if baselines is not None else list(BASELINES)
    for n in names:
        load_baseline(n)
    if not any(n in TEMPLATES for n in names):
        raise InputError(f"baselines: need at least one template ({', '.join(TEMPLATES)})")
    per, summ, weekly = [], [], []
    best_t, best_l, verdicts = {}, {}, {}
    for level in levels:
        if level not in LEVELS:
            raise InputError(f"level: {level!r} is not a level; allowed: {', '.join(LEVELS)}")
        cohort = make_cohort(level, athletes, seed, race_distance)
        results = {}
        for n in names:
            results[n] = run_policy(n, BASELINES[n], cohort, season_weeks)
        for n, pol in learned.items():
            # rolled out on the cohort's env, replayed by the harness, which checks the replay gives
            # the race times the env reported (the pairing contract between envs and sim.whatif)
            kw = {**pol.env_kwargs, "action_scope": pol.action_scope}
            pol.reset()
            results[n] = run_policy(n, pol, cohort, season_weeks, **kw)
        rows = pd.concat([athlete_rows(n, r) for n, r in results.items()], ignore_index=True)
        means = rows.groupby("policy", sort=False)["race_time_pct"].mean()
        best = min((n for n in names if n in TEMPLATES), key=lambda n: float(means[n]))
        s = summarize(rows, reference=best, n_boot=n_boot, seed=seed % (2**32)).reset_index()
        s.insert(0, "level", level)
        s.insert(2, "kind", [_kind(p, list(learned)) for p in s["policy"]])
        s = s.sort_values("race_time_pct", kind="stable").reset_index(drop=True)
        s.insert(1, "rank", np.arange(1, len(s) + 1))
        best_t[level] = best
        if learned:
            bl = min(learned, key=lambda n: float(means[n]))
            best_l[level] = bl
            race_min = float(rows.loc[rows["policy"] == best, "race_time_min"].mean())
            verdicts[level] = _verdict(
                level, s.set_index("policy").loc[bl], best, bl, cohort.athletes[0, A_RACE_KM], race_min
            )
        per.append(rows)
        summ.append(s)
        weekly += [_weekly(level, n, r) for n, r in results.items()]
    return Comparison(
        list(levels),
        athletes,
        seed,
        season_weeks,
        race_distance,
        list(learned),
        pd.concat(per, ignore_index=True),
        pd.concat(summ, ignore_index=True),
        pd.concat(weekly, ignore_index=True),
        best_t,
        best_l,
        verdicts,
    )


# --------------------------------------------------------------------------- tables
TABLE_COLUMNS = (
    "level",
    "rank",
    "policy",
    "kind",
    "race_time_pct",
    "race_time_pct_lo",
    "race_time_pct_hi",
    "race_time_pct_diff",
    "race_time_pct_diff_lo",
    "race_time_pct_diff_hi",
    "race_time_pct_win",
    "injured_days",
    "injured_days_lo",
    "injured_days_hi",
    "injured_days_diff",
    "injured_days_diff_lo",
    "injured_days_diff_hi",
    "injuries",
    "strength_pct",
    "economy_pct",
    "key_run_quality_pct",
    "run_km",
    "strength_sessions",
    "athletes",
)


def summary_table(cmp: Comparison) -> pd.DataFrame:
    """The CSV table: one row per (level, policy), best first within each level."""
    return cmp.summary[[c for c in TABLE_COLUMNS if c in cmp.summary]]


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


def print_tables(cmp: Comparison) -> None:
    """One table per level on the console (at least 220 columns wide so rows do not wrap)."""
    from rich.console import Console
    from rich.table import Table

    width = Console().width
    con = Console(width=max(width, 220))
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        t = Table(
            title=f"{level}: {cmp.athletes} held-out athletes (seed {cmp.seed}), {cmp.season_weeks}-week "
            f"season to a {cmp.race_distance} race; best first; paired differences vs the best "
            "template; 'faster': share of athletes faster than under it"
        )
        for i, h in enumerate(head):
            if i == 2:
                continue
            t.add_column(h, justify="left" if i == 1 else "right", no_wrap=True)
        for r in rows:
            t.add_row(*(r[:2] + r[3:]), style="bold" if r[2] == "learned" else None)
        con.print(t)
    con.print(cmp.verdict_text())


def _md_table(head: list[str], rows: list[list[str]]) -> list[str]:
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
        "and the same random draws, so differences are paired per athlete. race time %: change of the "
        "predicted race time over the season (negative = faster); 95% CIs by bootstrap over athletes; "
        "'faster than best template': share of athletes with a faster race than under the level's best "
        "template."
    )


def markdown_report(cmp: Comparison, plots: dict[str, str]) -> str:
    """The report as Markdown (plots referenced by file name next to it)."""
    lines = [
        "# StrideLab comparison: learned policies vs the article's templates and mistakes",
        "",
        f"_{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}_",
        "",
        "## Verdict",
        "",
    ]
    lines += [cmp.verdict_text().replace("\n", "\n\n"), "", _intro(cmp), ""]
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        lines += [f"## {level}", ""] + _md_table(head, rows) + [""]
    for title, fname in plots.items():
        lines += [f"### {title}", "", f"![{title}]({fname})", ""]
    return "\n".join(lines)


def html_report(cmp: Comparison, plots: dict[str, bytes]) -> str:
    """A self-contained HTML report: verdict, tables and the plots embedded as PNG data URIs."""
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>StrideLab comparison</title><style>",
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}",
        "table{border-collapse:collapse;margin:1em 0;font-size:0.9em}",
        "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
        "td:nth-child(2),td:nth-child(3){text-align:"
        "left}tr.learned{font-weight:bold;background:#eef6ff}th{background:#f4f4f4}",
        ".verdict{background:#f8f8e8;border-left:4px solid #bb0;padding:0.5em 1em}img{max-width:100%}",
        "</style></head><body>",
        "<h1>StrideLab comparison: learned policies vs the article's templates and mistakes</h1>",
        "<div class='verdict'>"
        + "".join(f"<p>{esc(p)}</p>" for p in cmp.verdict_text().split("\n"))
        + "</div>",
        f"<p>{esc(_intro(cmp))}</p>",
    ]
    for level in cmp.levels:
        head, rows = display_rows(cmp, level)
        parts.append(
            f"<h2>{esc(level)}</h2><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in head) + "</tr>"
        )
        for r in rows:
            cls = " class='learned'" if r[2] == "learned" else ""
            parts.append(f"<tr{cls}>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
        parts.append("</table>")
    for title, png in plots.items():
        b64 = base64.b64encode(png).decode("ascii")
        parts.append(f"<h3>{esc(title)}</h3><img alt='{esc(title)}' src='data:image/png;base64,{b64}'>")
    parts.append("</body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- plots
def _colors(cmp: Comparison, names: Sequence[str]) -> dict[str, str]:
    palette = {"learned": "#1f77b4", "template": "#2ca02c", "mistake": "#d62728", "baseline": "#7f7f7f"}
    return {n: palette[_kind(n, cmp.learned)] for n in names}


def plot_scatter(cmp: Comparison) -> bytes:
    """Per level: mean race-time change vs mean injured days, with 95% CIs, one point per policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(cmp.levels), figsize=(8.5 * len(cmp.levels), 4.8), squeeze=False)
    for ax, level in zip(axes[0], cmp.levels, strict=True):
        s = cmp.summary[cmp.summary["level"] == level]
        col = _colors(cmp, s["policy"])
        key = []
        for rank, r in enumerate(s.itertuples(index=False), start=1):
            ax.errorbar(
                r.injured_days,
                r.race_time_pct,
                xerr=[[r.injured_days - r.injured_days_lo], [r.injured_days_hi - r.injured_days]],
                yerr=[[r.race_time_pct - r.race_time_pct_lo], [r.race_time_pct_hi - r.race_time_pct]],
                fmt="o",
                color=col[r.policy],
                ms=8 if r.kind == "learned" else 5,
                capsize=2,
            )
            # numbers instead of names: points of similar policies overlap; the key maps them
            ax.annotate(str(rank), (r.injured_days, r.race_time_pct), fontsize=8, xytext=(4, 3),
                        textcoords="offset points")
            key.append(f"{rank}  {r.policy}")
        ax.text(1.02, 0.5, "\n".join(key), transform=ax.transAxes, fontsize=8, va="center", family="monospace")
        ax.set_title(f"{level} (best template: {cmp.best_template[level]})", fontsize=10)
        ax.set_xlabel("injured days per season (mean, 95% CI)")
        ax.set_ylabel("race time change % (lower = faster)")
        ax.grid(alpha=0.3)
    fig.suptitle("Race time vs injured days: blue learned, green templates, red mistakes (best first)", fontsize=11)
    fig.tight_layout()
    return _png(fig)


def plot_distributions(cmp: Comparison) -> bytes:
    """Per level: race-time change across athletes, one box per policy, best first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(cmp.levels), 1, figsize=(11, 3.6 * len(cmp.levels)), squeeze=False)
    for ax, level in zip(axes[:, 0], cmp.levels, strict=True):
        order = list(cmp.summary.loc[cmp.summary["level"] == level, "policy"])
        pa = cmp.per_athlete[cmp.per_athlete["level"] == level]
        data = [pa.loc[pa["policy"] == p, "race_time_pct"].to_numpy() for p in order]
        box = ax.boxplot(data, vert=True, patch_artist=True, showfliers=False)
        col = _colors(cmp, order)
        for patch, p in zip(box["boxes"], order, strict=True):
            patch.set_facecolor(col[p])
            patch.set_alpha(0.5)
        ax.set_xticks(
            range(1, len(order) + 1),
            [p.replace("mistake_", "m:") for p in order],
            rotation=25,
            fontsize=8,
            ha="right",
        )
        ax.set_ylabel("race time change %")
        ax.set_title(
            f"{level}: race-time change across athletes (boxes: quartiles, whiskers 1.5 IQR)", fontsize=10
        )
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _png(fig)


def plot_weekly(cmp: Comparison) -> bytes:
    """Per level: weekly km, training load and strength of the best learned, best template and run-only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("run_km", "run km / week"),
        ("load_au", "training load (AU / week)"),
        ("strength_sessions", "strength sessions / week"),
        ("strength_pct", "strength gain %"),
    )
    fig, axes = plt.subplots(
        len(cmp.levels), len(panels), figsize=(4.2 * len(panels), 3.2 * len(cmp.levels)), squeeze=False
    )
    for i, level in enumerate(cmp.levels):
        show = [cmp.best_learned.get(level), cmp.best_template[level], "run_only"]
        show = [p for p in dict.fromkeys(show) if p is not None and p in set(cmp.weekly["policy"])]
        for j, (col, label) in enumerate(panels):
            ax = axes[i, j]
            for p in show:
                w = cmp.weekly[(cmp.weekly["level"] == level) & (cmp.weekly["policy"] == p)]
                ax.plot(
                    w["week"], w[col], label=p, drawstyle="steps-mid" if col == "strength_sessions" else None
                )
            ax.set_title(f"{level}: {label}", fontsize=9)
            ax.set_xlabel("season week")
            ax.grid(alpha=0.3)
        axes[i, 0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def _png(fig: Any) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


PLOTS = (
    ("Race time vs injured days, per level", "scatter_race_time_vs_injured_days.png", plot_scatter),
    ("Race-time change across athletes", "distributions.png", plot_distributions),
    ("Weekly load and strength", "weekly_load_strength.png", plot_weekly),
)


# --------------------------------------------------------------------------- writing and logging
def check_out_dir(out_dir: str | Path) -> Path:
    """InputError unless `out_dir` is a writable folder or can be created in a writable one."""
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise InputError(f"out: {out} is a file, not a folder")
        if not os.access(out, os.W_OK):
            raise InputError(f"out: folder {out} is not writable")
        return out
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"out: {out}: parent folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"out: {out}: parent folder {parent} is not writable")
    return out


def write_reports(cmp: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """compare.csv, per_athlete.csv, weekly.csv, compare.md, compare.html and the PNGs, written atomically."""
    from experiments.io import atomic_write_bytes, atomic_write_text

    out = check_out_dir(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"out: {out}: cannot create the folder ({err.strerror})") from None
    pngs = {title: fn(cmp) for title, _, fn in PLOTS}
    files = {}
    for (_, fname, _), png in zip(PLOTS, pngs.values(), strict=True):
        files[fname] = atomic_write_bytes(out / fname, png)
    files["compare.csv"] = atomic_write_text(out / "compare.csv", summary_table(cmp).to_csv(index=False))
    files["per_athlete.csv"] = atomic_write_text(out / "per_athlete.csv", cmp.per_athlete.to_csv(index=False))
    files["weekly.csv"] = atomic_write_text(out / "weekly.csv", cmp.weekly.to_csv(index=False))
    files["compare.md"] = atomic_write_text(
        out / "compare.md", markdown_report(cmp, {t: f for t, f, _ in PLOTS})
    )
    files["compare.html"] = atomic_write_text(out / "compare.html", html_report(cmp, pngs))
    files["verdict.json"] = atomic_write_text(
        out / "verdict.json",
        json.dumps(
            {
                "levels": cmp.levels,
                "seed": cmp.seed,
                "athletes": cmp.athletes,
                "season_weeks": cmp.season_weeks,
                "race_distance": cmp.race_distance,
                "verdicts": cmp.verdicts,
                "text": cmp.verdict_text(),
            },
            indent=1,
        ),
    )
    return files


def log_to_mlflow(
    cmp: Comparison,
    files: dict[str, Path],
    experiment: str,
    runs: Sequence[str],
    tracking_uri: str | None = None,
    command: str = "",
) -> str:
    """The comparison as its own MLflow run (role 'compare'): params, per-policy metrics, every file."""
    from experiments import tracking

    cl = tracking.client(tracking_uri)
    exp_id = tracking.experiment_id(cl, experiment)
    run = cl.create_run(
        exp_id,
        run_name=f"compare-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}",
        tags={"stridelab.role": "compare", **tracking.run_metadata(command or "stridelab compare")},
    )
    rid = run.info.run_id
    try:
        tracking.log_params(
            cl,
            rid,
            {
                "levels": ",".join(cmp.levels),
                "athletes": cmp.athletes,
                "seed": cmp.seed,
                "season_weeks": cmp.season_weeks,
                "race_distance": cmp.race_distance,
                "runs": ",".join(runs),
                "learned": ",".join(cmp.learned),
            },
        )
        metrics: dict[str, float] = {}
        for r in cmp.summary.itertuples(index=False):
            for m in (
                "race_time_pct",
                "race_time_pct_diff",
                "race_time_pct_win",
                "injured_days",
                "injured_days_diff",
            ):
                metrics[f"{r.level}/{r.policy}/{m}"] = float(getattr(r, m))
        for lv, v in cmp.verdicts.items():
            metrics[f"{lv}/best_learned_beats_best_template"] = float(v["beats"])
            metrics[f"{lv}/best_learned_minus_best_template_pct"] = v["diff"]
        tracking.MetricLogger(cl, rid).log(metrics, 0)
        for name, path in files.items():
            cl.log_artifact(rid, str(path), "plots" if name.endswith(".png") else None)
        cl.set_terminated(rid, status="FINISHED")
    except BaseException:
        cl.set_terminated(rid, status="FAILED")
        raise
    return rid
