"""What a trained model was trained for, saved with it and read back (issue 21, item 2): the action
scope, the coach limits and the env settings a rollout of it needs.

Written into the model's own zip as one extra member, `stridelab.json` (SB3 reads only `data` and
the `.pth` members, so the file stays a plain SB3 model), by every save of `stridelab train`: the
checkpoints and the final `policy.zip`. The loaders (`experiments.policy.loading`) set the policy's
`action_scope` and `env_kwargs` from it.

Models saved before issue 21 carry no metadata. Documented fallback: a training run's model takes
them from the run's `config.yaml` (what the run was trained with); a bare model file has only its
action space, so its scope is read off that (5 components: strength, 7: strength and running) and
its env settings are the env's defaults (`SavedPolicy.source` says so).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from experiments.config import ExperimentConfig
from sim.errors import InputError

META_NAME = "stridelab.json"
META_FORMAT = 1
#: env settings that describe the population or the episode length, not the decisions: a
#: cohort-built env takes its athletes, levels and race from the cohort and runs one season
POPULATION_KEYS = ("level", "levels", "race_distance", "season_weeks", "athlete_pool", "population_seed",
                   "max_weeks")


@dataclass(frozen=True)
class SavedPolicy:
    """The metadata of one saved model. `env_kwargs`: keyword arguments of
    `StrengthRunVecEnv.from_cohort` (action scope, reward, limits, noise...: the env section without
    the population keys); `source`: where it was read from."""

    algo: str
    action_scope: str
    limits: dict[str, Any]
    env_kwargs: dict[str, Any]
    season_weeks: int | None = None
    race_distance: str | None = None
    levels: dict[str, float] = field(default_factory=dict)
    source: str = META_NAME

    def to_json(self) -> str:
        d = asdict(self)
        d.pop("source")
        return json.dumps({"format": META_FORMAT, **d}, indent=1, sort_keys=True)


def env_kwargs(cfg: ExperimentConfig) -> dict[str, Any]:
    """Keyword arguments of `StrengthRunEnv` / `StrengthRunVecEnv`: the env section as validated."""
    return cfg.env.model_dump()


def harness_env_kwargs(cfg: ExperimentConfig) -> dict[str, Any]:
    """kwargs for `StrengthRunVecEnv.from_cohort`: action scope, reward, limits, noise, pain rule..."""
    return {k: v for k, v in env_kwargs(cfg).items() if k not in POPULATION_KEYS}


def policy_meta(cfg: ExperimentConfig, source: str = META_NAME) -> SavedPolicy:
    """The metadata of a model trained with `cfg` (plain JSON data)."""
    env = cfg.env.model_dump(mode="json")
    return SavedPolicy(algo=cfg.algo.name, action_scope=cfg.env.action_scope, limits=env["limits"],
                       env_kwargs={k: v for k, v in env.items() if k not in POPULATION_KEYS},
                       season_weeks=cfg.env.season_weeks, race_distance=cfg.env.race_distance,
                       levels=dict(cfg.env.level_weights()), source=source)


def write_meta(zip_path: str | Path, meta: SavedPolicy) -> None:
    """Add (or replace) `stridelab.json` in an SB3 model zip. Call it on the temporary file of an atomic
    save, before the rename, so the model never exists without its metadata."""
    with zipfile.ZipFile(zip_path) as zf:
        has = META_NAME in zf.namelist()
    if has:  # zipfile cannot replace a member: rewrite the archive without it
        tmp = Path(f"{zip_path}.meta")
        with zipfile.ZipFile(zip_path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                if item.filename != META_NAME:
                    dst.writestr(item, src.read(item.filename))
        tmp.replace(zip_path)
    with zipfile.ZipFile(zip_path, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(META_NAME, meta.to_json())


def read_meta(zip_path: str | Path) -> SavedPolicy | None:
    """The metadata saved in a model zip; None for a model saved without it (before issue 21).
    InputError for metadata that is there but unreadable."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            if META_NAME not in zf.namelist():
                return None
            raw = zf.read(META_NAME)
    except (OSError, zipfile.BadZipFile):
        return None  # not a zip: the model loader reports it
    try:
        d = json.loads(raw)
        if d.get("format") != META_FORMAT:
            raise ValueError(f"format {d.get('format')!r}")
        return SavedPolicy(algo=str(d["algo"]), action_scope=str(d["action_scope"]), limits=dict(d["limits"]),
                           env_kwargs=dict(d["env_kwargs"]), season_weeks=d.get("season_weeks"),
                           race_distance=d.get("race_distance"), levels=dict(d.get("levels") or {}))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"model: {zip_path}: its {META_NAME} is not StrideLab model metadata ({err}); allowed: "
                         f"format {META_FORMAT} with algo, action_scope, limits and env_kwargs") from None
