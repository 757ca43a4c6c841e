"""The physics: numba kernels over explicit state arrays (layouts in `sim.state`).

Everything that the single env, the batched env, the baselines and the what-if simulator
compute about a body lives here, once, one module per section:

- `derived`    `derive`: parameter table -> derived constants (daily decays, damage exponent)
- `rng`        `draw_base`, `uniform_at`: counter-based random streams keyed by (seed, athlete, day)
- `schedule`   `schedule_week`: a week plan -> seven days of sessions
- `day`        `step_day`: one athlete, one day (decay, pain reading, run, lift, injury draw),
               `week_end` and the performance read-outs (VO2, economy, cost)
- `season`     `simulate`: batch of athletes x weeks (rows over threads), the hot loop; `init_states`:
               warm-up of each athlete on their habitual running
- `race`       `race_time_min`: Daniels & Gilbert race-time prediction

The parameter and state tables are read module-qualified (`gp[P.TAU_FITNESS_D]`,
`st[S.FITNESS_AU]`): numba freezes a module's global ints as compile-time constants.

The package is written in the subset of Python that numba compiles and that also runs as
plain Python: `sim.reference` executes these same files with `njit` as the identity, which
is the test oracle (numba vs interpreter) with no second copy of the equations.
Equations, units and sources: docs/model.md.

Speed notes: `error_model='numpy'` drops Python's zero-division checks (no divisor here can
be zero: capacity >= its floor, effective bone capacity >= (1 - remodel_max) x its floor, 1RM >= 0.5 BW,
distances >= 3 km), and the day step is the body of the day loop (together about 1.5x). Issue 26:
one compiled day loop (`day.step_days`) serves the season, the warm-up, the envs and the log replay;
what no day changes is computed once (`day.Constants`); a week whose plan repeats the last one keeps its days; the loops
allocate nothing (compiled with numba's reference counting); the bone
set point's power 0.25 and the key-run quality^4 skip libm at their default exponents (results
within 5e-13 relative, discrete outcomes identical); batches below `PARALLEL_MIN_ATHLETES` run in
one thread, larger ones on Python threads, each running the one-thread loop on slices of the rows
(`season.in_threads`; numba releases the GIL). `stridelab bench sim` prints the per-section profile.
"""

from pathlib import Path

from sim import _jitcache

from . import day, derived, race, rng, schedule, season
from .day import (
    Acute,
    Aerobic,
    Body,
    Capacities,
    Clock,
    Constants,
    Days,
    LiftOut,
    Rules,
    RunOut,
    Session,
    Strength,
    athlete_constants,
    base_term,
    cost_factor,
    cost_factor_of,
    economy_gain,
    economy_gain_of,
    habitual_memory,
    novice_stress,
    step_day,
    step_days,
    strength_rel,
    vo2_effective,
    vo2_effective_of,
    vo2max,
    vo2max_of,
    week_end,
)
from .derived import DERIVED_SIZE, derive
from .race import performance_now, race_time_min, race_times_min
from .rng import (
    STREAM_DURATION_A,
    STREAM_DURATION_B,
    STREAM_INJURY,
    STREAM_INJURY_SITE,
    STREAM_NIGGLE,
    STREAM_OBS,
    STREAM_SKIP_LIFT,
    STREAM_SKIP_RUN,
    day_hash,
    draw_base,
    normal_at,
    uniform_at,
)
from .schedule import (
    EASY_MIN_KM,
    EASY_ORDER,
    EASY_TARGET_MIN_KM,
    EASY_TARGET_SHARE,
    KEY_DAYS,
    KEY_MIN_KM,
    KEY_SHARE,
    RULE_BREAK,
    default_sets,
    is_hard_lift,
    lighter_effort,
    schedule_week,
)
from .season import (
    PARALLEL_MIN_ATHLETES,
    WARMUP_MAX_WEEKS,
    WARMUP_MIN_WEEKS,
    habitual_plan,
    in_threads,
    init_state,
    init_states,
    row_slices,
    run_in_threads,
    season_rows,
    simulate,
    simulate_athlete,
)

SECTIONS = (derived, rng, schedule, day, season, race)

__all__ = [
    "Acute",
    "Aerobic",
    "Body",
    "Capacities",
    "Clock",
    "Constants",
    "Days",
    "DERIVED_SIZE",
    "EASY_MIN_KM",
    "EASY_ORDER",
    "EASY_TARGET_MIN_KM",
    "EASY_TARGET_SHARE",
    "KEY_DAYS",
    "KEY_MIN_KM",
    "KEY_SHARE",
    "LiftOut",
    "PARALLEL_MIN_ATHLETES",
    "RULE_BREAK",
    "Rules",
    "RunOut",
    "STREAM_DURATION_A",
    "STREAM_DURATION_B",
    "STREAM_INJURY",
    "STREAM_INJURY_SITE",
    "STREAM_NIGGLE",
    "STREAM_OBS",
    "STREAM_SKIP_LIFT",
    "STREAM_SKIP_RUN",
    "Session",
    "Strength",
    "WARMUP_MAX_WEEKS",
    "WARMUP_MIN_WEEKS",
    "athlete_constants",
    "base_term",
    "cost_factor",
    "cost_factor_of",
    "day_hash",
    "default_sets",
    "derive",
    "draw_base",
    "economy_gain",
    "economy_gain_of",
    "habitual_memory",
    "habitual_plan",
    "init_state",
    "in_threads",
    "row_slices",
    "run_in_threads",
    "init_states",
    "is_hard_lift",
    "lighter_effort",
    "normal_at",
    "novice_stress",
    "performance_now",
    "race_time_min",
    "race_times_min",
    "schedule_week",
    "simulate",
    "simulate_athlete",
    "season_rows",
    "step_day",
    "step_days",
    "strength_rel",
    "uniform_at",
    "vo2_effective",
    "vo2_effective_of",
    "vo2max",
    "vo2max_of",
    "week_end",
]


def _refresh_jit_cache() -> None:
    """Empty the numba cache index of every section when the simulator sources changed
    (`sim._jitcache`: any file of this package is in the fingerprint, so an edit of `rng` also
    recompiles `day`, which inlines it); skipped when `sim.reference` runs the package as plain Python."""
    if hasattr(day.step_days, "py_func"):
        _jitcache.refresh(SECTIONS, Path(__file__).parent / "__pycache__" / "kernel_sources.sha256")


_refresh_jit_cache()
