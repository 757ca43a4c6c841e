"""`stridelab headline`: train, optimize, re-plan, run the oracle and compare, in one command.

Per level (`HeadlineSettings.levels`):

1. **optimize** the population's open-loop plan (`experiments.optimize`, the article's rules,
   the training reward; budget `budget`), written to `DIR/opt-<level>.yaml` with its picture;
2. **train** the learned policy from `configs/<level>.yaml` (`experiments.train`, tracked in
   MLflow like any `stridelab train`; `--quick` shrinks the budget by `--set` overrides);
3. **the ladder** (`experiments.headline.ladder`) on `athletes` held-out athletes (population seed
   `seed`, never a training seed): the six rungs on common random numbers, paired against the best
   template, then the stress tests (`experiments.report.robustness`: model draws, missed sessions).

Every stage is recorded in `DIR/stages.json` with the model fingerprint and the settings it ran
with; a rerun into the same folder reuses a stage whose fingerprint and settings still match (so an
interrupted run resumes), and redoes it otherwise. The results (`ladder.csv`, `per_athlete.csv`,
`ladder.md`, `ladder.png`, `headline.json`) are written atomically into DIR and logged to one MLflow
run (tag stridelab.role = headline) with the training and optimization runs' ids as params.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from agents.baselines import BASELINES
from agents.evaluation import athlete_rows, run_policy, summarize
from envs.config import ARTICLE_RULES
from experiments import tracking
from experiments.config import load_config
from experiments.headline import report
from experiments.headline.ablation import PlanFollower
from experiments.headline.fingerprint import ROOT, model_fingerprint
from experiments.headline.individual import Search
from experiments.headline.ladder import RUNGS, LadderSettings, PerAthletePlanners
from experiments.io import atomic_write_bytes, atomic_write_text
from experiments.optimize.genes import N_GENES, VOLUME_MAX, VOLUME_MIN, decode
from experiments.optimize.planfile import plan_yaml
from experiments.optimize.plot import plan_png
from experiments.optimize.search import Settings, optimize
from experiments.progress import Stage, note
from experiments.report.robustness import model_draws, robustness
from experiments.tracking.optimize import OptimizeRun
from sim.errors import InputError
from sim.state import LEVELS
from sim.whatif import make_cohort

TEMPLATES = ("beginner", "intermediate", "advanced")
#: the ablation's name in per_athlete.csv (not a rung): the open-loop plan played through the env's actions
FOLLOWER = "open-loop through the env's actions"
HELD_OUT_SEED = 900001
FIGURE = "headline_ladder.png"  # docs/ copy of ladder.png, written with the README block
QUICK_TRAIN = ("total_timesteps=13312", "n_envs=64", "algo.batch_size=1664", "eval.athletes=32",
               "eval.final_athletes=32", "eval.every_timesteps=1000000", "checkpoint.every_timesteps=1000000",
               "eval.baselines=[advanced, run_only]")


@dataclass(frozen=True)
class HeadlineSettings:
    """What one `stridelab headline` run does (the full run's defaults; `quick()` for a smoke test)."""

    levels: tuple[str, ...] = LEVELS
    athletes: int = 200  # held-out athletes per level on which every rung runs
    seed: int = HELD_OUT_SEED
    race_distance: str = "10k"
    season_weeks: int = 52
    budget: int = 3000  # the population optimizer's evaluations
    model_draws: int = 4
    missed: tuple[float, ...] = (0.1,)
    stress_athletes: int = 64  # the stress tests' sample (the first of the held-out athletes)
    train_overrides: tuple[str, ...] = ()
    ladder: LadderSettings = field(default_factory=LadderSettings)
    quick: bool = False

    @classmethod
    def quick_settings(cls, levels: tuple[str, ...] = LEVELS) -> HeadlineSettings:
        return cls(levels=levels, athletes=24, budget=150, model_draws=1, missed=(0.1,), stress_athletes=8,
                   train_overrides=QUICK_TRAIN,
                   ladder=LadderSettings(particles=16, draws=4, first=Search(4, 0.12), replan=Search(2, 0.08),
                                         replan_every=8),
                   quick=True)

    def check(self) -> HeadlineSettings:
        for lv in self.levels:
            if lv not in LEVELS:
                raise InputError(f"--levels: {lv!r} is not a level; allowed: {', '.join(LEVELS)}")
        if not self.levels:
            raise InputError("--levels: need at least one level")
        if self.athletes < 8:
            raise InputError(f"--athletes: {self.athletes} is not allowed; need at least 8")
        if self.seed < HELD_OUT_SEED:
            raise InputError(f"--seed: {self.seed} is not allowed; held-out seeds start at {HELD_OUT_SEED} "
                             "(lower seeds train policies and plans)")
        return self

    def record(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["levels"] = list(self.levels)
        return d


@dataclass
class LevelResult:
    level: str
    per_athlete: pd.DataFrame
    summary: pd.DataFrame  # evaluate's summary, index = rung name, paired against the best template
    best_template: str
    robust: pd.DataFrame
    wall_s: dict[str, float]
    replan_log: list[dict]
    runs: dict[str, str]  # MLflow run ids: optimize, train


# ---------------------------------------------------------------------------- stages
class Stages:
    """`DIR/stages.json`: what ran, with which fingerprint and settings, and what it left."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.path = folder / "stages.json"
        self.fingerprint = fingerprint
        self.data: dict[str, Any] = {}
        if self.path.is_file():
            try:
                self.data = json.loads(self.path.read_text())
            except (OSError, ValueError):
                self.data = {}

    def get(self, name: str, settings: dict[str, Any]) -> dict[str, Any] | None:
        rec = self.data.get(name)
        if rec and rec.get("fingerprint") == self.fingerprint and rec.get("settings") == settings:
            return rec
        return None

    def put(self, name: str, settings: dict[str, Any], **values: Any) -> None:
        self.data[name] = {"fingerprint": self.fingerprint, "settings": settings, **values}
        atomic_write_text(self.path, json.dumps(self.data, indent=1, default=str))


def optimize_stage(level: str, s: HeadlineSettings, out: Path, stages: Stages, tracking_uri: str | None,
                   experiment: str) -> tuple[np.ndarray, str, float]:
    """The population's open-loop genes for the level (reused from `stages` when they match)."""
    settings = Settings(level=level, race_distance=s.race_distance, season_weeks=s.season_weeks, budget=s.budget,
                        seed=0).check()
    key = {"budget": s.budget, "race_distance": s.race_distance, "season_weeks": s.season_weeks, "seed": 0}
    rec = stages.get(f"optimize-{level}", key)
    if rec is not None:
        note(f"optimize {level}: reusing {rec['file']} (same model and settings)")
        return np.array(rec["genes"]), rec["run_id"], float(rec["wall_s"])
    t0 = time.monotonic()
    tracked = OptimizeRun(settings, experiment, tracking_uri, f"stridelab headline (optimize {level})",
                          {"genes": str(N_GENES), "volume_range": f"{VOLUME_MIN}-{VOLUME_MAX}"})
    try:
        with Stage(f"optimize {level} (population open-loop plan)", settings.budget, "evaluations") as bar:
            opt = optimize(settings, lambda g: bar.update(g.evaluations, f"best J {g.best:+.3f}"))
        plan_file = out / f"opt-{level}.yaml"
        png = out / f"opt-{level}.png"
        atomic_write_text(plan_file, plan_yaml(opt, f"stridelab headline --out {out}", tracked.run_id))
        atomic_write_bytes(png, plan_png(opt.week_plans(), level, f"optimized open-loop plan: {level}"))
    except BaseException:
        tracked.fail()
        raise
    tracked.finish(opt, [plan_file, png])
    wall = time.monotonic() - t0
    stages.put(f"optimize-{level}", key, genes=opt.genes.tolist(), run_id=tracked.run_id, file=plan_file.name,
               wall_s=wall)
    return opt.genes, tracked.run_id, wall


def train_stage(level: str, s: HeadlineSettings, out: Path, stages: Stages, tracking_uri: str | None,
                experiment: str, config_dir: Path) -> tuple[Any, str, float]:
    """The level's learned policy, trained from configs/<level>.yaml (reused from `stages` when it matches)."""
    from experiments.policy import load_run_policy  # lazy: SB3 and mlflow, at load
    from experiments.training.run import train  # lazy: SB3 and torch

    cfg_path = config_dir / f"{level}.yaml"
    overrides = [*s.train_overrides, f"checkpoint.folder={out / 'checkpoints'}", f"mlflow.experiment={experiment}"]
    if tracking_uri:
        overrides.append(f"mlflow.tracking_uri={tracking_uri}")
    key = {"config": cfg_path.read_text(), "overrides": [o for o in overrides if not o.startswith("checkpoint.")]}
    rec = stages.get(f"train-{level}", key)
    if rec is not None:
        note(f"train {level}: reusing MLflow run {rec['run_id']} (same model, config and overrides)")
        return load_run_policy(rec["run_id"], tracking_uri), rec["run_id"], float(rec["wall_s"])
    t0 = time.monotonic()
    cfg = load_config(cfg_path, overrides)
    note(f"train {level}: {cfg.total_timesteps:,} steps from {cfg_path} (MLflow experiment {experiment})")
    res = train(cfg, f"stridelab headline (train {level})", progress=True)
    run_id = res.runs[min(res.runs)][0]
    wall = time.monotonic() - t0
    stages.put(f"train-{level}", key, run_id=run_id, wall_s=wall)
    return load_run_policy(run_id, tracking_uri), run_id, wall


def ladder_stage(level: str, s: HeadlineSettings, genes: np.ndarray, learned: Any) -> LevelResult:
    """The six rungs on the level's held-out athletes (common random numbers), then the stress tests."""
    cohort = make_cohort(level, s.athletes, s.seed, s.race_distance)
    weeks = s.season_weeks
    open_loop = decode(genes, weeks, ARTICLE_RULES)
    kw = {**learned.env_kwargs, "action_scope": learned.action_scope}
    wall: dict[str, float] = {}
    with Stage(f"ladder {level}: {len(RUNGS) + len(TEMPLATES) - 1} planners on {s.athletes} held-out athletes",
               len(RUNGS) + len(TEMPLATES) - 1, "planners") as bar:
        planners = PerAthletePlanners(genes, s.ladder, lambda what, d, t: bar.update(bar.done, f"{what} {d}/{t}"))
        policies: dict[str, Any] = {t: BASELINES[t] for t in TEMPLATES}
        policies.update({"open-loop": lambda c, w: open_loop, "personalized": planners.personalized,
                         "re-planned": planners.replanned, "learned": learned, "oracle": planners.oracle})

        def run_of(name: str, pol: Any) -> Callable:
            def run(c):
                if name == "learned":
                    learned.reset()
                    return run_policy(name, pol, c, weeks, **kw)
                return run_policy(name, pol, c, weeks)
            return run

        runs = {name: run_of(name, pol) for name, pol in policies.items()}
        nominal = {}
        for i, name in enumerate(policies):
            t0 = time.monotonic()
            nominal[name] = runs[name](cohort)
            wall[name] = time.monotonic() - t0
            bar.update(i + 1, f"{name} done in {wall[name]:.0f} s")
    race = {t: float(nominal[t].race_time_min[:, 1].mean() / nominal[t].race_time_min[:, 0].mean()) for t in TEMPLATES}
    best = min(TEMPLATES, key=lambda t: race[t])
    rung_of = {best: "template", **{r: r for r in RUNGS if r != "template"}}
    runs6 = {rung_of[n]: runs[n] for n in rung_of}
    nominal6 = {rung_of[n]: nominal[n] for n in rung_of}
    runs6 = {r: runs6[r] for r in RUNGS}
    nominal6 = {r: nominal6[r] for r in RUNGS}
    # the ablation: the open-loop plan through the learned policy's action space and limits
    t0 = time.monotonic()
    follow = run_policy(FOLLOWER, PlanFollower(open_loop, kw), cohort, weeks, **kw)
    wall[FOLLOWER] = time.monotonic() - t0
    per = pd.concat([athlete_rows(r, nominal6[r]) for r in RUNGS] + [athlete_rows(FOLLOWER, follow)],
                    ignore_index=True)
    per["level"] = level
    summary = summarize(per[per["policy"] != FOLLOWER], reference="template")
    draws = model_draws(s.model_draws) if s.model_draws else None
    with Stage(f"ladder {level}: stress tests on {min(s.stress_athletes, cohort.n)} of the athletes ({s.model_draws} "
               f"model draws, missed sessions {list(s.missed)})",
               s.model_draws, "draws") as bar:
        t0 = time.monotonic()
        k = min(s.stress_athletes, cohort.n)
        sample = dataclasses.replace(cohort, athletes=cohort.athletes[:k].copy(), states=cohort.states[:k].copy(),
                                     keys=cohort.keys[:k].copy())
        nominal_k = {r: runs6[r](sample) for r in RUNGS}  # cheap: the per-athlete plans are looked up by athlete
        rob = robustness(runs6, sample, nominal_k, draws, s.missed, ("template",), progress=lambda d, t: bar.update(d))
        wall["stress tests"] = time.monotonic() - t0
    wall["template"] = wall.pop(best)
    return LevelResult(level, per, summary, best, rob.summary, wall, planners.replan_log, {})


# ---------------------------------------------------------------------------- the whole job
@dataclass
class Headline:
    settings: HeadlineSettings
    results: list[LevelResult]
    table: pd.DataFrame
    markdown: str
    meta: dict[str, Any]
    files: list[Path]
    run_id: str | None


def headline(s: HeadlineSettings, out: Path, command: str, tracking_uri: str | None = None,
             experiment: str = "stridelab", config_dir: Path | None = None, readme: list[Path] | None = None,
             mlflow: bool = True) -> Headline:
    """Every stage for every level (module docstring); returns what was written."""
    s = s.check()
    t_start = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    config_dir = config_dir or ROOT / "configs"
    note("headline: the model's fingerprint (templates, env and configs on a fixed workload)")
    fp = model_fingerprint()
    stages = Stages(out, fp)
    run = _HeadlineRun.start(s, command, fp, tracking_uri, experiment) if mlflow else None
    try:
        results = _all_levels(s, out, stages, (tracking_uri, experiment), config_dir)
        meta = {"command": command, "commit": tracking.git_commit(ROOT).removesuffix("-dirty")[:12]
                + ("+dirty" if _dirty(ROOT) else ""), "fingerprint": fp,
                "wall_min": (time.monotonic() - t_start) / 60.0, "cores": os.cpu_count() or 1,
                "athletes": s.athletes, "seed": s.seed, "season_weeks": s.season_weeks,
                "race_distance": s.race_distance, "model_draws": s.model_draws,
                "stress_athletes": min(s.stress_athletes, s.athletes)}
        table = report.ladder_table(results)
        text = report.markdown(table, results, meta)
        files = _write(out, s, results, table, text, meta)
        for path in readme or []:
            atomic_write_text(path, report.rewrite_block(path.read_text(), text, str(path)))
        if readme:  # the figure README shows beside the block: docs/ next to the first file (README.md)
            (readme[0].parent / "docs").mkdir(exist_ok=True)
            atomic_write_bytes(readme[0].parent / "docs" / FIGURE, files[4].read_bytes())
        if run is not None:
            run.finish(table, results, files)
    except BaseException as exc:
        if run is not None:
            run.fail("KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED")
        raise
    return Headline(s, results, table, text, meta, files, None if run is None else run.run_id)


def _all_levels(s: HeadlineSettings, out: Path, stages: Stages, store: tuple[str | None, str],
                config_dir: Path) -> list[LevelResult]:
    """The long stages of every level first (an interrupted run keeps them all), then the ladders."""
    tracking_uri, experiment = store
    prepared = {}
    for level in s.levels:
        genes, opt_run, opt_wall = optimize_stage(level, s, out, stages, tracking_uri, experiment)
        learned, train_run, train_wall = train_stage(level, s, out, stages, tracking_uri, experiment, config_dir)
        prepared[level] = (genes, learned, {"optimize": opt_run, "train": train_run},
                           {"optimize (population)": opt_wall, "train": train_wall})
    results = []
    for level in s.levels:
        genes, learned, runs, walls = prepared[level]
        res = ladder_stage(level, s, genes, learned)
        res.runs = runs
        res.wall_s.update(walls)
        results.append(res)
        note(f"headline {level}: done; " + ", ".join(f"{k} {v:.0f} s" for k, v in res.wall_s.items()))
    return results


def _write(out: Path, s: HeadlineSettings, results: list[LevelResult], table: pd.DataFrame, text: str,
           meta: dict[str, Any]) -> list[Path]:
    """The tables, the figure and headline.json into `out`, each atomically."""
    per = pd.concat([r.per_athlete for r in results], ignore_index=True)
    robust = pd.concat([r.robust.assign(level=r.level) for r in results])
    files = [out / "ladder.csv", out / "per_athlete.csv", out / "robustness.csv", out / "ladder.md",
             out / "ladder.png", out / "headline.json"]
    atomic_write_text(files[0], table.to_csv(index=False))
    atomic_write_text(files[1], per.to_csv(index=False))
    atomic_write_text(files[2], robust.to_csv())
    atomic_write_text(files[3], text + "\n")
    atomic_write_bytes(files[4], report.figure(table))
    doc = {"settings": s.record(), "meta": meta,
           "levels": {r.level: {"best_template": r.best_template, "wall_s": r.wall_s, "runs": r.runs,
                                "replan_log": r.replan_log} for r in results}}
    atomic_write_text(files[5], json.dumps(doc, indent=1, default=str))
    return files


class _HeadlineRun:
    """The headline's MLflow run (tag stridelab.role = headline): settings, per-rung metrics, the files."""

    def __init__(self, cl: Any, run_id: str) -> None:
        self.cl, self.run_id = cl, run_id

    @classmethod
    def start(cls, s: HeadlineSettings, command: str, fp: str, tracking_uri: str | None,
              experiment: str) -> _HeadlineRun:
        cl = tracking.open_store(tracking_uri, "--tracking-uri", create=True)
        exp_id = tracking.experiment_id(cl, experiment)
        run_id = cl.create_run(exp_id, run_name=f"headline{'-quick' if s.quick else ''}",
                               tags={"stridelab.role": "headline"}).info.run_id
        tracking.log_run_metadata(cl, run_id, command, json.dumps(s.record(), default=str),
                                  {"fingerprint": fp, "quick": str(s.quick), "athletes": str(s.athletes),
                                   "levels": ",".join(s.levels), "seed": str(s.seed), "budget": str(s.budget),
                                   "model_draws": str(s.model_draws)})
        return cls(cl, run_id)

    def finish(self, table: pd.DataFrame, results: list[LevelResult], files: list[Path]) -> None:
        metrics = {}
        for _, row in table.iterrows():
            key = f"{row['level']}.{row['rung']}"
            for m in ("race_time_pct", "injured_days", "race_time_pct_vs_template", "oracle_gap_share", "wall_s"):
                if np.isfinite(row[m]):
                    metrics[f"{key}.{m}"] = float(row[m])
        tracking.MetricLogger(self.cl, self.run_id).log(metrics, 0)
        tracking.log_params(self.cl, self.run_id, {f"{r.level}.{k}_run": v for r in results for k, v in r.runs.items()})
        for f in files:
            self.cl.log_artifact(self.run_id, str(f), "plots" if f.suffix == ".png" else None)
        self.cl.set_terminated(self.run_id, status="FINISHED")

    def fail(self, status: str) -> None:
        self.cl.set_terminated(self.run_id, status=status)


def _dirty(root: Path) -> bool:
    """True when the checkout's model or planner sources differ from its commit (or git cannot tell)."""
    try:
        r = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "sim", "envs", "agents", "configs",
                            "experiments"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0 and bool(r.stdout.strip())
