"""What a finished study leaves on its parent MLflow run (and in `<checkpoint.folder>/tune-<study>/`):

- `best_config.yaml`: the config with the best feasible trial's hyperparameters, which
  `stridelab train` takes unchanged;
- `plots/optimization_history.png` and `plots/param_importances.png` (Optuna's matplotlib
  plots; importances by fANOVA, once two trials are complete);
- `trials.csv`: every trial (state, value, parameters, injured-days difference);
- metrics `best/value`, `best/trial`, `trials/complete|pruned|failed`, tags with the best
  trial's parameters and its run id.

Every worker that finishes writes them from the whole study (the same result whoever is last).
"""

from __future__ import annotations

import contextlib
import json
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna

from experiments import tracking
from experiments.config import to_yaml
from experiments.io import atomic_write_text
from experiments.report.figures import pyplot, save_png
from experiments.tune.study import (
    CONSTRAINT,
    TRIAL_RUN,
    TuneJob,
    _quiet_optuna,
    _storage_for,
    best_config,
    best_trial,
    counts,
    settings,
)


@dataclass
class TuneResult:
    job: TuneJob
    counts: dict[str, int]
    best_number: int | None
    best_value: float | None
    feasible: bool
    best_params: dict[str, Any]
    best_yaml: Path | None
    plots: list[Path]

    def report(self) -> str:
        j = self.job
        c = self.counts
        lines = [f"study {j.study} in {j.spec.shown}: {c['finished']} finished ({c['COMPLETE']} complete, "
                 f"{c['PRUNED']} pruned), {c['FAIL']} failed",
                 f"tracking URI: {j.tracking_uri}  parent run: {j.parent_run_id}"]
        if self.best_number is None:
            lines.append("no complete trial: no best config")
        else:
            lines.append(f"best trial {self.best_number}: gap to best template {self.best_value:+.3f} pp"
                         + ("" if self.feasible else " (no trial met the injured-days constraint; best of all)"))
            lines.append("  " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.best_params.items()))
            lines.append(f"best config: {self.best_yaml}  (train it: stridelab train {self.best_yaml})")
        for p in self.plots:
            lines.append(f"plot: {p}")
        return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def finalize(job: TuneJob) -> TuneResult:
    """Write the study's artefacts to its parent run; mark runs of trials whose worker died KILLED."""
    _quiet_optuna()
    study = optuna.load_study(study_name=job.study, storage=_storage_for(job))
    cl = tracking.client(job.tracking_uri)
    trials = study.get_trials(deepcopy=False)
    for t in trials:  # killed workers never closed their trial's run
        run_id = t.user_attrs.get(TRIAL_RUN)
        if t.state.name == "FAIL" and run_id and not t.user_attrs.get("stridelab.closed"):
            with contextlib.suppress(Exception):
                if cl.get_run(run_id).info.status == "RUNNING":
                    tracking.set_tags(cl, run_id, {"stridelab.trial_state": "FAIL (worker died; retried)"})
                    tracking.end_run(cl, run_id, "KILLED")
    c = counts(study)
    out = job.out_folder
    out.mkdir(parents=True, exist_ok=True)
    best, feasible = best_trial(study)
    best_yaml = None
    metrics: dict[str, float] = {"trials/complete": c["COMPLETE"], "trials/pruned": c["PRUNED"],
                                 "trials/failed": c["FAIL"], "trials/finished": c["finished"]}
    if best is not None:
        cfg = best_config(job.cfg, best.params)

        header = (f"# stridelab tune: best trial {best.number} of study {job.study} (gap to best template "
                  f"{best.value:+.3f} pp, injured days {best.user_attrs.get(CONSTRAINT, math.nan):+.2f} vs it)\n"
                  f"# train it: stridelab train {out / 'best_config.yaml'}\n")
        best_yaml = atomic_write_text(out / "best_config.yaml", header + to_yaml(cfg))
        tracking.log_files(cl, job.parent_run_id, [str(best_yaml)])
        metrics.update({"best/value": float(best.value), "best/trial": best.number,
                        "best/injured_days_diff": float(best.user_attrs.get(CONSTRAINT, math.nan)),
                        "best/feasible": float(feasible)})
        tracking.set_tags(cl, job.parent_run_id, {"stridelab.best_trial": str(best.number)})
        tracking.set_tags(cl, job.parent_run_id, {"stridelab.best_params": json.dumps(best.params)})
        if best.user_attrs.get(TRIAL_RUN):
            tracking.set_tags(cl, job.parent_run_id, {"stridelab.best_run_id": best.user_attrs[TRIAL_RUN]})
    plots = make_plots(study, out, job)
    for p in plots:
        tracking.log_files(cl, job.parent_run_id, [str(p)], "plots")
    df = study.trials_dataframe(attrs=("number", "state", "value", "params", "user_attrs", "duration"))
    atomic_write_text(out / "trials.csv", df.to_csv(index=False))
    tracking.log_files(cl, job.parent_run_id, [str(out / "trials.csv")])
    tracking.MetricLogger(cl, job.parent_run_id, tracking.last_steps(cl, job.parent_run_id)).log(metrics, c["finished"])
    tracking.end_run(cl, job.parent_run_id, "FINISHED")
    return TuneResult(job, c, None if best is None else best.number, None if best is None else float(best.value),
                      feasible, dict(best.params) if best is not None else {}, best_yaml, plots)


def _feasible(trial) -> bool:
    """Optuna's rule: every constraint value (`Trial.set_constraint`, key "constraints:<name>") <= 0."""
    cons = [v for k, v in trial.system_attrs.items() if k.startswith("constraints")]
    return all(x <= 0 for v in cons for x in (v if isinstance(v, list | tuple) else [v]))


def make_plots(study, out: Path, job: TuneJob) -> list[Path]:
    """Optimisation history (every complete trial, best-so-far line) and fANOVA parameter importances."""
    pyplot()  # Agg before Optuna's matplotlib module imports pyplot
    from optuna.visualization import matplotlib as ovm  # lazy: optuna's plotting imports matplotlib (0.5 s)

    made: list[Path] = []
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if not complete:
        return made
    limit = settings(job.cfg).max_injured_days_diff
    target_name = "gap to best template (pp, lower is better)"
    jobs = [("optimization_history.png", lambda: ovm.plot_optimization_history(study, target_name=target_name),
             f"{job.study}: held-out gap to the best template, complete trials\n(grey: more than {limit:+.2f} "
             "injured days per athlete over the best template, infeasible)")]
    varied = {k for t in complete for k in t.params if len({str(x.params.get(k)) for x in complete}) > 1}
    if len(complete) >= 2 and varied:
        jobs.append(("param_importances.png",
                     lambda: ovm.plot_param_importances(study, target=lambda t: t.value, target_name=target_name),
                     f"{job.study}: hyperparameter importance (fANOVA) for the gap, {len(complete)} complete trials"))
    for name, plot, title in jobs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ax = plot()
        fig = ax.figure
        for loc in ("left", "center", "right"):  # Optuna's own title, replaced by ours
            ax.set_title("", loc=loc)
        ax.set_title(title, fontsize=10)
        if ax.get_legend() is not None:  # Optuna puts it outside the axes, squeezing the plot
            ax.legend(loc="best", fontsize=8)
        if name.startswith("optimization"):
            from matplotlib.ticker import MaxNLocator  # lazy: matplotlib (0.5 s), after the backend is set

            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if not any(_feasible(t) for t in complete):  # Optuna draws no best line then: draw ours
                pts = sorted((t.number, t.value) for t in complete)
                best = [min(v for _, v in pts[: i + 1]) for i in range(len(pts))]
                ax.step([n for n, _ in pts], best, where="post", color="tab:red", alpha=0.6,
                        label="best so far (no trial feasible)")
                kept = [(h, lab) for h, lab in zip(*ax.get_legend_handles_labels(), strict=True)
                        if lab != "Best Value"]  # Optuna's, empty here
                ax.legend(*zip(*kept, strict=True), loc="best", fontsize=8)
        fig.set_size_inches(8, 5)
        fig.tight_layout()
        made.append(save_png(fig, out / name, dpi=110))
    return made
