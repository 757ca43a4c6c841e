"""A comparison saved: the report files (CSV, Markdown, HTML, JSON, PNG) written atomically to a
folder, and the comparison logged as its own MLflow run (tag stridelab.role = compare)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from experiments.report.compare import Comparison, summary_table
from experiments.report.plots import PLOTS
from experiments.report.render import html_report, markdown_report
from sim.errors import InputError

REPORT_FILES = ("compare.csv", "per_athlete.csv", "weekly.csv", "compare.md", "compare.html", "verdict.json")


def check_out_dir(out_dir: str | Path) -> Path:
    """InputError unless `out_dir` is a writable folder or can be created in a writable one, and
    none of the report files in it is anything but a regular file (nothing is created here)."""
    from experiments.io import check_new_folder, check_target

    out = check_new_folder(out_dir, "--out")
    if out.is_dir():
        for name in (*REPORT_FILES, *(f for _, f, _ in PLOTS)):
            check_target(out / name, "--out")
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
