"""The week plan: the one type that ties StrideLab together.

Templates produce week plans, environment actions decode to week plans, what-if files are
lists of week plans (in blocks), `sim.kernel.schedule_week` turns a week plan into seven
days, and the exported season plan is those days. `WeekPlan.to_array()` is the numba form
(layout `sim.state.P_*`); `WeekPlan.from_array()` reads it back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator

from sim.errors import InputError
from sim.state import (
    EFFORTS,
    EMPHASES,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_KIND,
    P_KEY_RUNS,
    P_LONG_IS_REL,
    P_LONG_KM,
    P_PAIN_RULE,
    P_PLACEMENT,
    P_RACE,
    P_RUN_IS_REL,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACEMENTS,
    PLAN_SIZE,
    RUN_INTERVALS,
    RUN_TEMPO,
)

Emphasis = Literal["none", "heavy", "power", "maintenance", "toning"]
Effort = Literal["easy", "moderate", "hard"]
Placement = Literal["after_easy", "separate_day", "before_key"]
Level = Literal["beginner", "intermediate", "advanced"]
RaceDistance = Literal["5k", "10k", "half", "marathon"]

_STRICT = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

# Plan files are typed strictly (issue 15, point 6): `weeks: "10"` or `weeks: true` is an error,
# not 10 or 1. A float field takes an integer (`run_km: 40`), never a bool or a string.
Int = Annotated[int, Strict()]
Float = Annotated[float, Strict()]
Bool = Annotated[bool, Strict()]

#: the longest season a plan file may describe (5 years): bounds memory (athletes x weeks)
MAX_TOTAL_WEEKS = 260
#: smallest non-zero distances: below these a "run" is not a run, and subnormal values
#: (5e-324) would reach divisions in the scheduler (issue 15, point 8)
MIN_KM = 0.5
MIN_REL = 0.01


class Exercise(BaseModel):
    """One exercise of a strength session, as the article writes it."""

    model_config = _STRICT
    name: str
    sets: Int = Field(ge=1, le=6)
    reps: str = Field(description="reps per set, e.g. '5-6', '20-40 s', '20-30 m'")


class StrengthPlan(BaseModel):
    """The week's strength work."""

    model_config = _STRICT
    sessions: Int = Field(0, ge=0, le=3, description="strength sessions this week, 0-3")
    emphasis: Emphasis = Field("heavy", description="heavy (4-8 RM) | power (plyometric) | maintenance | toning")
    effort: Effort = Field("moderate", description="easy (3-4 reps in reserve) | moderate (1-2) | hard (failure)")
    placement: Placement = Field("after_easy", description="after_easy | separate_day | before_key")
    sets: Int | None = Field(None, ge=1, le=6, description="sets per key lift; default by emphasis")
    exercises: tuple[Exercise, ...] = Field((), description="exercises, for exported plans")

    @property
    def active(self) -> bool:
        return self.sessions > 0 and self.emphasis != "none"


class WeekPlan(BaseModel):
    """One week of training: running volume, key runs, long run and strength work."""

    model_config = _STRICT
    run_km: Float | None = Field(None, ge=0.0, le=250.0, description="weekly running volume, km")
    run_volume_rel: Float | None = Field(None, ge=0.0, le=3.0,
                                         description="weekly volume as a fraction of each athlete's habitual km")
    key_runs: Int = Field(0, ge=0, le=3, description="tempo / interval sessions")
    key_kind: Literal["tempo", "intervals"] = Field("tempo", description="kind of the first key run (then alternate)")
    long_run_km: Float | None = Field(None, ge=0.0, le=60.0, description="long run, km (0 = none)")
    long_run_rel: Float | None = Field(None, ge=0.0, le=1.0, description="long run as a fraction of the week's km")
    strength: StrengthPlan = Field(default_factory=StrengthPlan)
    pain_rule: Bool = Field(True, description="back off (easy, half distance; light lifting) on days of pain >= 4/10")
    race: Bool = Field(False, description="the week ends with the target race on its last day")
    phase: str | None = Field(None, description="season phase label, for exported plans")
    note: str | None = Field(None, description="why this week looks like this, for exported plans")

    @model_validator(mode="after")
    def _one_volume(self) -> WeekPlan:
        if self.run_km is not None and self.run_volume_rel is not None:
            raise ValueError("give run_km or run_volume_rel, not both")
        if self.long_run_km is not None and self.long_run_rel is not None:
            raise ValueError("give long_run_km or long_run_rel, not both")
        for name, low, unit in (("run_km", MIN_KM, " km"), ("long_run_km", MIN_KM, " km"),
                                ("run_volume_rel", MIN_REL, ""), ("long_run_rel", MIN_REL, "")):
            v = getattr(self, name)
            if v is not None and 0.0 < v < low:
                raise ValueError(f"{name}: {v!r} is too small; allowed: 0 (none) or at least {low}{unit}")
        if self.run_km is not None and self.long_run_km is not None and self.long_run_km > self.run_km:
            raise ValueError(f"long_run_km: {self.long_run_km:g} is longer than the week's run_km {self.run_km:g}; "
                             "allowed: long_run_km <= run_km")
        return self

    def to_array(self) -> np.ndarray:
        """The numba form (PLAN_SIZE float64)."""
        v = np.zeros(PLAN_SIZE)
        if self.run_km is not None:
            v[P_RUN_KM] = self.run_km
        else:
            v[P_RUN_KM] = 1.0 if self.run_volume_rel is None else self.run_volume_rel
            v[P_RUN_IS_REL] = 1.0
        v[P_KEY_RUNS] = self.key_runs
        v[P_KEY_KIND] = RUN_INTERVALS if self.key_kind == "intervals" else RUN_TEMPO
        if self.long_run_km is not None:
            v[P_LONG_KM] = self.long_run_km
        else:
            v[P_LONG_KM] = 0.3 if self.long_run_rel is None else self.long_run_rel
            v[P_LONG_IS_REL] = 1.0
        s = self.strength
        v[P_STR_SESSIONS] = s.sessions if s.active else 0
        v[P_EMPHASIS] = EMPHASES.index(s.emphasis) if s.active else 0
        v[P_EFFORT] = EFFORTS.index(s.effort)
        v[P_PLACEMENT] = PLACEMENTS.index(s.placement)
        v[P_SETS] = 0.0 if s.sets is None else s.sets
        v[P_PAIN_RULE] = 1.0 if self.pain_rule else 0.0
        v[P_RACE] = 1.0 if self.race else 0.0
        return v

    @classmethod
    def from_array(cls, v: np.ndarray, **labels) -> WeekPlan:
        """Read a numba plan vector back (labels: phase, note, exercises via strength)."""
        rel = v[P_RUN_IS_REL] > 0.5
        long_rel = v[P_LONG_IS_REL] > 0.5
        sessions = int(round(v[P_STR_SESSIONS]))
        emphasis = EMPHASES[int(round(v[P_EMPHASIS]))]
        exercises = labels.pop("exercises", ())
        return cls(
            run_km=None if rel else float(v[P_RUN_KM]),
            run_volume_rel=float(v[P_RUN_KM]) if rel else None,
            key_runs=int(round(v[P_KEY_RUNS])),
            key_kind="intervals" if int(round(v[P_KEY_KIND])) == RUN_INTERVALS else "tempo",
            long_run_km=None if long_rel else float(v[P_LONG_KM]),
            long_run_rel=float(v[P_LONG_KM]) if long_rel else None,
            strength=StrengthPlan(
                sessions=sessions if emphasis != "none" else 0,
                emphasis=emphasis,
                effort=EFFORTS[int(round(v[P_EFFORT]))],
                placement=PLACEMENTS[int(round(v[P_PLACEMENT]))],
                sets=int(round(v[P_SETS])) if v[P_SETS] > 0 else None,
                exercises=tuple(exercises),
            ),
            pain_rule=bool(v[P_PAIN_RULE] > 0.5),
            race=bool(v[P_RACE] > 0.5),
            **labels,
        )


class Block(WeekPlan):
    """A week plan repeated for `weeks` weeks."""

    weeks: Int = Field(ge=1, le=MAX_TOTAL_WEEKS, description="how many weeks this block lasts")


class Population(BaseModel):
    """Optional cohort description overriding level means (for study scenarios)."""

    model_config = _STRICT
    habitual_km: Float | None = Field(None, ge=5.0, le=200.0, description="mean habitual km/week")
    strength_1rm_bw: Float | None = Field(None, ge=0.5, le=1.9, description="mean half-squat 1RM, x body weight")


class PlanFile(BaseModel):
    """A what-if plan file: a list of blocks of week plans."""

    model_config = _STRICT
    level: Level = Field("intermediate", description="beginner | intermediate | advanced")
    race_distance: RaceDistance = Field("10k", description="5k | 10k | half | marathon")
    population: Population = Field(default_factory=Population)
    blocks: tuple[Block, ...] = Field(min_length=1, max_length=MAX_TOTAL_WEEKS,
                                      description="the season, block by block")

    @model_validator(mode="after")
    def _bounded(self) -> PlanFile:
        total = sum(b.weeks for b in self.blocks)
        if total > MAX_TOTAL_WEEKS:
            raise ValueError(f"blocks: {total} weeks in total is too long; allowed: at most {MAX_TOTAL_WEEKS} weeks "
                             "(sum of every block's weeks)")
        return self

    def weeks(self) -> list[WeekPlan]:
        out: list[WeekPlan] = []
        for b in self.blocks:
            week = WeekPlan(**b.model_dump(exclude={"weeks"}))
            out.extend([week] * b.weeks)
        return out

    def plan_array(self) -> np.ndarray:
        """(n_weeks, PLAN_SIZE) numba form."""
        return plans_to_array(self.weeks())


def plans_to_array(weeks: list[WeekPlan]) -> np.ndarray:
    return np.stack([w.to_array() for w in weeks]) if weeks else np.zeros((0, PLAN_SIZE))


def format_validation_error(source: str, err: ValidationError) -> str:
    """One line per problem: source, dotted field path, the value given and what is allowed."""
    lines = []
    errors = err.errors()
    locs = [tuple(e["loc"]) for e in errors]
    for e in errors:
        here = tuple(e["loc"])
        if any(len(other) > len(here) and other[: len(here)] == here for other in locs):
            continue  # a container's error caused by its child's (reported below it)
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        value = e.get("input")
        msg = e["msg"]
        if e["type"] == "value_error":
            # a cross-field check says "field: problem"; join the field onto the location
            msg = msg.removeprefix("Value error, ")
            head, sep, rest = msg.partition(": ")
            if sep and head.isidentifier():
                loc = head if loc == "(top level)" else f"{loc}.{head}"
                msg = rest
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not allowed here)"
        elif e["type"] == "missing":
            msg = "required field is missing"
        shown = "" if e["type"] in ("missing", "value_error") else f" (got {value!r})"
        lines.append(f"{source}: {loc}: {msg}{shown}")
    return "\n".join(lines)


def parse_plan(data: object, source: str = "plan") -> PlanFile:
    """Validate an already-loaded plan mapping; InputError on any problem."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: the plan must be a mapping with a 'blocks' list (got {type(data).__name__})")
    try:
        return PlanFile.model_validate(data)
    except ValidationError as err:
        raise InputError(format_validation_error(source, err)) from None


def load_yaml(path: str | Path) -> object:
    """Read a YAML file strictly (`sim.strict_yaml`: bounded size, depth and alias expansion, no
    duplicate keys); InputError naming the file on a missing, special, oversized or invalid file."""
    from sim.strict_yaml import load_file

    return load_file(path)


def load_plan(path: str | Path) -> PlanFile:
    """Read and validate a what-if plan file."""
    return parse_plan(load_yaml(path), str(path))


def week_km_of(plan: WeekPlan, habitual_km: float) -> float:
    """Planned km for an athlete with `habitual_km` (mirrors schedule_week's resolution)."""
    if plan.run_km is not None:
        return plan.run_km
    return (1.0 if plan.run_volume_rel is None else plan.run_volume_rel) * habitual_km


