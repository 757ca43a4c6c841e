"""A comparison saved: the report files (CSV, Markdown, HTML, JSON, PNG) written atomically to a
folder, and the comparison logged as its own MLflow run (tag stridelab.role = compare)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from experiments import tracking
from experiments.io import atomic_write_bytes, atomic_write_text, check_new_folder, check_target
from experiments.report.compare import Comparison, summary_table
from experiments.report.credibility import ROW_COLUMNS
from experiments.report.plots import PLOTS
from experiments.report.prescriptions import plan_exports
from experiments.report.render import html_report, markdown_report
from experiments.report.robustness import summary_columns
from sim.errors import InputError

REPORT_FILES = ("compare.csv", "per_athlete.csv", "weekly.csv", "compare.md", "compare.html", "verdict.json")


def check_out_dir(out_dir: str | Path) -> Path:
    """InputError unless `out_dir` is a writable folder or can be created in a writable one, and
    none of the report files in it is anything but a regular file (nothing is created here)."""
    out = check_new_folder(out_dir, "--out")
    if out.is_dir():
        for name in (*REPORT_FILES, *(f for _, f, _ in PLOTS)):
            check_target(out / name, "--out")
    return out


def write_reports(cmp: Comparison, out_dir: str | Path) -> dict[str, Path]:
    """compare.csv, per_athlete.csv, weekly.csv, compare.md, compare.html and the PNGs, written atomically."""
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
    for fname, attr in (("model_draws.csv", "draws"), ("missed_sessions.csv", "missed")):
        tables = [getattr(r, attr).assign(level=lv) for lv, r in cmp.robustness.items() if len(getattr(r, attr))]
        if tables:
            df = pd.concat(tables, ignore_index=True)
            files[fname] = atomic_write_text(out / fname, df[["level", *df.columns[:-1]]].to_csv(index=False))
    files["credibility.json"] = atomic_write_text(
        out / "credibility.json",
        json.dumps({lv: {n: c.to_dict() for n, c in creds.items()} for lv, creds in cmp.credibility.items()},
                   indent=1),
    )

    for fname, text in plan_exports(cmp).items():
        files[fname] = atomic_write_text(out / fname, text)
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
                "model_draws": cmp.model_draws,
                "missed": list(cmp.missed),
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
    cl = tracking.client(tracking_uri)
    exp_id = tracking.experiment_id(cl, experiment)
    rid = tracking.start_run(
        cl,
        exp_id,
        f"compare-{dt.datetime.now(dt.UTC).strftime('%Y%m%d-%H%M%S')}",
        {"stridelab.role": "compare", **tracking.run_metadata(command or "stridelab compare")},
    )
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
                "model_draws": cmp.model_draws,
                "missed": ",".join(f"{p:g}" for p in cmp.missed) or "none",
            },
        )
        metrics: dict[str, float] = {}
        checks = summary_columns(cmp.model_draws, cmp.missed) + list(ROW_COLUMNS)
        for r in cmp.summary.to_dict("records"):
            for m in (
                "race_time_pct",
                "race_time_pct_diff",
                "race_time_pct_win",
                "injured_days",
                "injured_days_diff",
            ):
                metrics[f"{r['level']}/{r['policy']}/{m}"] = float(r[m])
            for m in checks:
                if m in r and r[m] == r[m]:  # NaN: not defined for this policy (draws won of a template)
                    metrics[f"{r['level']}/{r['policy']}/{m}"] = float(r[m])
        for lv, v in cmp.verdicts.items():
            metrics[f"{lv}/best_learned_beats_best_template"] = float(v["beats"])
            metrics[f"{lv}/best_learned_minus_best_template_pct"] = v["diff"]
            if "draws_won" in v:
                metrics[f"{lv}/best_learned_draws_won"] = v["draws_won"]
        tracking.MetricLogger(cl, rid).log(metrics, 0)
        for name, path in files.items():
            tracking.log_files(cl, rid, [path], "plots" if name.endswith(".png") else None)
        tracking.end_run(cl, rid, tracking.FINISHED)
    except BaseException:
        tracking.end_run(cl, rid, tracking.FAILED)
        raise
    return rid
