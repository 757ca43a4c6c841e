"""Typed configuration of the StrengthRun environments (pydantic v2, unknown keys rejected).

`EnvConfig` is what both `StrengthRunEnv` and `StrengthRunVecEnv` are built from, so the single
and the batched env cannot disagree about a setting: `StrengthRunEnv(EnvConfig(season_weeks=8))`,
or its fields as keywords (`gymnasium.make("stridelab/StrengthRun-v0", season_weeks=8)`),
validated by the same model (`env_config`). `to_cfg()` packs it into the float64 vector the
numba step reads (layout `CF_*` below).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from envs.rules import ARTICLE
from sim.errors import InputError
from sim.plan import Effort, Emphasis, Level, RaceDistance, format_validation_error
from sim.season import MIN_SEASON_WEEKS
from sim.state import EFFORTS, EMPHASES

MAX_SEASON_WEEKS = 104  # observation bounds are fixed so one policy fits every season length
ActionScope = Literal["strength", "strength_and_run"]

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RewardWeights(BaseModel):
    """Weights of the reward terms (formula in `envs.reward`)."""

    model_config = _STRICT
    performance: float = Field(1.0, ge=0.0, description="per %-point of weekly race-time improvement")
    injury_day: float = Field(0.02, ge=0.0, description="penalty per day spent injured")
    race: float = Field(1.0, ge=0.0, description="per %-point of race-day improvement over the season start")


class HardLimits(BaseModel):
    """Hard limits a coach sets; masked in `action_masks()` and clamped when an action breaks them.

    Every limit keeps at least one choice per component open (0 sessions, 'none', 'easy',
    'after_easy', a volume cut), so a mask is never empty.
    """

    model_config = _STRICT
    max_strength_sessions: int = Field(3, ge=0, le=3, description="strength sessions per week")
    max_strength_sessions_taper: int = Field(
        3, ge=0, le=3, description="strength sessions per week in the taper phase"
    )
    max_effort: Effort = Field("hard", description="hardest allowed lifting effort")
    forbid_emphases: tuple[Emphasis, ...] = Field((), description="emphases never allowed (e.g. toning)")
    no_lifting_before_key: bool = Field(
        False, description="forbid the before_key placement (article, mistake 3)"
    )
    max_volume_increase: float = Field(
        0.20, ge=0.0, le=0.20, description="largest weekly volume increase, fraction of last week"
    )
    max_volume_rel: float = Field(
        2.0, gt=0.1, le=2.0, description="no increase may take weekly volume above this x habitual km"
    )
    max_key_runs: int = Field(3, ge=0, le=3, description="tempo/interval sessions per week")
    # The article's rules as coach limits (all off by default; `ARTICLE_RULES` turns them on).
    # Volume rules apply where the agent chooses the volume (action_scope "strength_and_run", the
    # optimizer); with action_scope "strength" running is the reference plan, which has both.
    recovery_every: int = Field(
        0,
        description="every n-th week before the taper is a recovery week (0 = off, else 2-8); "
        "weeks n-1, 2n-1, ... (0-based) whose phase is not the taper",
    )
    recovery_cut: float = Field(
        ARTICLE.recovery_cut,
        ge=0.1,
        le=0.3,
        description="a recovery week cuts at least this fraction of the last loading week's volume",
    )
    taper: bool = Field(
        False,
        description="taper weeks (the last TAPER_WEEKS + 1) plan at most TAPER_PLAN_SHARE (0.8, under "
        "the checked 0.9) of the mean volume of the 4 weeks before the taper (Bosquet et al. 2007; envs.rules)",
    )
    race_season_maintenance: bool = Field(
        False,
        description="race season (last RACE_SEASON_WEEKS + 1 weeks): 1-2 maintenance sessions, never to "
        "failure; race week may drop lifting (article, 'Race Season and Taper')",
    )

    @model_validator(mode="after")
    def _keep_none(self) -> HardLimits:
        if "none" in self.forbid_emphases:
            raise ValueError(
                "forbid_emphases: 'none' cannot be forbidden (a week without lifting is always allowed)"
            )
        if self.recovery_every != 0 and not 2 <= self.recovery_every <= 8:
            raise ValueError(
                f"recovery_every: {self.recovery_every} is not allowed; allowed: 0 (off) or 2-8 weeks"
            )
        if self.race_season_maintenance:
            # the rule needs a maintenance session every race-season week: keep one open
            if "maintenance" in self.forbid_emphases:
                raise ValueError("forbid_emphases: 'maintenance' cannot be forbidden with race_season_maintenance")
            if self.max_strength_sessions < 1 or self.max_strength_sessions_taper < 1:
                raise ValueError(
                    "max_strength_sessions: need at least 1, and max_strength_sessions_taper too, with "
                    "race_season_maintenance (one maintenance session a week)"
                )
        return self


#: the article's rules (`envs.rules.ARTICLE`) as coach limits: what the per-level configs set. The
#: taper plans to TAPER_PLAN_SHARE, under the checked TAPER_MAX_SHARE by a margin for the day schedule
#: (`sim.kernel.schedule_week` rounds daily km and drops remainders under EASY_MIN_KM).
ARTICLE_RULES = HardLimits(
    no_lifting_before_key=True,
    recovery_every=ARTICLE.recovery_every,
    recovery_cut=ARTICLE.recovery_cut,
    taper=True,
    race_season_maintenance=True,
)


class ObservationNoise(BaseModel):
    """Measurement noise of the coach's observations (standard deviations)."""

    model_config = _STRICT
    readiness_sd: float = Field(
        0.75, ge=0.0, le=5.0, description="readiness questionnaire noise, 0-10 points"
    )
    strength_test_sd: float = Field(
        0.03, ge=0.0, le=0.5, description="1RM test noise, fraction of the true 1RM"
    )
    easy_hr_sd_bpm: float = Field(2.0, ge=0.0, le=20.0, description="easy-run heart-rate noise, beats/min")
    key_pace_sd: float = Field(
        0.025,
        ge=0.0,
        le=0.5,
        description="key-run pace-at-effort noise, fraction of the pace: run-to-run variation of endurance "
        "performance at the same effort 1-3% (Hopkins, Schabort & Hawley 2001, Sports Med 31:211), plus the "
        "GPS watch's distance error of a few % (Gilgen-Ammann et al. 2020, JMIR Mhealth Uhealth 8:e17118)",
    )


class EnvConfig(BaseModel):
    """Everything that defines a StrengthRun environment (see `StrengthRunEnv` for the meaning)."""

    model_config = _STRICT
    level: Level = Field("intermediate", description="population level the athletes come from")
    levels: dict[Level, float] | None = Field(
        None, description="mix of levels with weights (overrides level)"
    )
    season_weeks: int = Field(
        52, ge=MIN_SEASON_WEEKS, le=MAX_SEASON_WEEKS, description="weeks up to the race"
    )
    race_distance: RaceDistance = Field("10k", description="target race")
    action_scope: ActionScope = Field("strength", description="strength | strength_and_run")
    reward: RewardWeights = Field(default_factory=RewardWeights)
    limits: HardLimits = Field(default_factory=HardLimits)
    noise: ObservationNoise = Field(default_factory=ObservationNoise)
    max_weeks: int | None = Field(None, ge=1, description="truncate episodes after this many weeks")
    pain_rule: bool = Field(True, description="every decoded week backs off on days of pain >= threshold")
    strength_test_every: int = Field(4, ge=1, le=MAX_SEASON_WEEKS, description="weeks between 1RM tests")
    athlete_pool: int = Field(
        4096,
        ge=0,
        le=1_000_000,
        description="pre-warmed athletes per level to draw from; 0 = a new one per episode",
    )
    population_seed: int = Field(0, ge=0, lt=2**63, description="seed of the athlete pool")

    @model_validator(mode="after")
    def _levels(self) -> EnvConfig:
        if self.levels is not None:
            if not self.levels or any(w < 0 for w in self.levels.values()) or sum(self.levels.values()) <= 0:
                raise ValueError("levels: weights must be >= 0 with a positive sum")
        return self

    #: who the athletes are and how long an episode runs (a cohort-built env takes these from the cohort)
    POPULATION_FIELDS: ClassVar[tuple[str, ...]] = ("level", "levels", "race_distance", "season_weeks", "max_weeks",
                                                     "athlete_pool", "population_seed")
    #: what the planner may decide, what it is rewarded for and what it observes
    PLANNER_FIELDS: ClassVar[tuple[str, ...]] = ("action_scope", "limits", "reward", "noise", "pain_rule",
                                                  "strength_test_every")

    def population(self) -> dict[str, Any]:
        """Who the athletes are: the `POPULATION_FIELDS`, as validated."""
        return {k: v for k, v in self.model_dump().items() if k in self.POPULATION_FIELDS}

    def planner(self) -> dict[str, Any]:
        """What the planner may decide and sees: the `PLANNER_FIELDS`, as validated (the kwargs a
        cohort-built env, `StrengthRunVecEnv.from_cohort`, takes; saved with a trained model)."""
        return {k: v for k, v in self.model_dump().items() if k in self.PLANNER_FIELDS}

    def level_weights(self) -> dict[str, float]:
        """Normalised level mix (one level when `levels` is not given)."""
        if self.levels is None:
            return {self.level: 1.0}
        total = sum(self.levels.values())
        return {lv: w / total for lv, w in self.levels.items() if w > 0}

    def to_cfg(self) -> np.ndarray:
        """The float64 vector the numba step reads."""
        cfg = np.zeros(CFG_SIZE)
        cfg[CF_SCOPE] = 1.0 if self.action_scope == "strength_and_run" else 0.0
        cfg[CF_SEASON_WEEKS] = self.season_weeks
        cfg[CF_MAX_WEEKS] = 0.0 if self.max_weeks is None else self.max_weeks
        cfg[CF_W_PERF] = self.reward.performance
        cfg[CF_W_INJURY] = self.reward.injury_day
        cfg[CF_W_RACE] = self.reward.race
        cfg[CF_PAIN_RULE] = 1.0 if self.pain_rule else 0.0
        cfg[CF_TEST_EVERY] = self.strength_test_every
        cfg[CF_READINESS_SD] = self.noise.readiness_sd
        cfg[CF_TEST_SD] = self.noise.strength_test_sd
        cfg[CF_HR_SD] = self.noise.easy_hr_sd_bpm
        cfg[CF_PACE_SD] = self.noise.key_pace_sd
        cfg[CF_LIMITS : CF_LIMITS + LIMITS_SIZE] = limits_array(self.limits)
        return cfg


# --------------------------------------------------------------------------- numba layouts
L_MAX_SESSIONS, L_MAX_SESSIONS_TAPER, L_MAX_EFFORT, L_FORBID_EMPH, L_NO_BEFORE_KEY = 0, 1, 2, 3, 4
L_MAX_VOL_INCREASE, L_MAX_VOL_REL, L_MAX_KEY_RUNS = 5, 6, 7
L_RECOVERY_EVERY, L_RECOVERY_CUT, L_TAPER, L_RACE_MAINTENANCE = 8, 9, 10, 11
LIMITS_SIZE = 12

CF_SCOPE, CF_SEASON_WEEKS, CF_MAX_WEEKS, CF_W_PERF, CF_W_INJURY, CF_W_RACE = 0, 1, 2, 3, 4, 5
CF_PAIN_RULE, CF_TEST_EVERY, CF_READINESS_SD, CF_TEST_SD, CF_HR_SD = 6, 7, 8, 9, 10
CF_PACE_SD = 11
CF_LIMITS = 12
CFG_SIZE = CF_LIMITS + LIMITS_SIZE


def limits_array(limits: HardLimits) -> np.ndarray:
    """HardLimits -> float64 (LIMITS_SIZE); forbidden emphases as a bit mask."""
    v = np.zeros(LIMITS_SIZE)
    v[L_MAX_SESSIONS] = limits.max_strength_sessions
    v[L_MAX_SESSIONS_TAPER] = limits.max_strength_sessions_taper
    v[L_MAX_EFFORT] = EFFORTS.index(limits.max_effort)
    v[L_FORBID_EMPH] = sum(1 << EMPHASES.index(e) for e in set(limits.forbid_emphases))
    v[L_NO_BEFORE_KEY] = 1.0 if limits.no_lifting_before_key else 0.0
    v[L_MAX_VOL_INCREASE] = limits.max_volume_increase
    v[L_MAX_VOL_REL] = limits.max_volume_rel
    v[L_MAX_KEY_RUNS] = limits.max_key_runs
    v[L_RECOVERY_EVERY] = limits.recovery_every
    v[L_RECOVERY_CUT] = limits.recovery_cut
    v[L_TAPER] = 1.0 if limits.taper else 0.0
    v[L_RACE_MAINTENANCE] = 1.0 if limits.race_season_maintenance else 0.0
    return v


def validate(model: type[BaseModel], data: object, source: str):
    """Validate `data` into `model`; InputError naming the field, the value and what is allowed."""
    if isinstance(data, model):
        return data
    if data is None:
        return model()
    if not isinstance(data, dict):
        raise InputError(
            f"{source}: expected a mapping of {model.__name__} fields (got {type(data).__name__})"
        )
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise InputError(format_validation_error(source, err)) from None


def env_config(config: EnvConfig | Mapping[str, Any] | None = None, **fields: Any) -> EnvConfig:
    """The EnvConfig of an env: `config` (a model or a mapping of its fields; None: defaults) with
    `fields` on top. `levels` may be a list (equal weights). InputError naming a bad field."""
    if isinstance(config, EnvConfig) and not fields:
        return config
    if isinstance(config, EnvConfig):
        kw = {name: getattr(config, name) for name in EnvConfig.model_fields}
    elif config is None or isinstance(config, Mapping):
        kw = dict(config or {})
    else:
        raise InputError(f"config: expected an EnvConfig or a mapping of its fields (got {type(config).__name__})")
    kw.update(fields)
    levels = kw.get("levels")
    if isinstance(levels, (list, tuple)):
        kw["levels"] = {lv: 1.0 for lv in levels}
    for name, model in (("reward", RewardWeights), ("limits", HardLimits), ("noise", ObservationNoise)):
        kw[name] = validate(model, kw.get(name), name)
    return validate(EnvConfig, kw, "env")
