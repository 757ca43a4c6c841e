"""Per-section profile of the simulator kernel (`stridelab bench sim`), on a fixed workload.

Each section of `sim.kernel` is timed on its own, in one thread, on the bench's workload (the level's
reference running plus 2x/week heavy lifting, 52 weeks) for SECTION_ATHLETES athletes: the scheduler on the
weeks the season schedules (a week whose plan repeats the last one reuses its days), the week of days
(`step_days`, the day's physics and its random draws, then `week_end`) on the same scheduled days, the random
draws alone, and the whole one-thread season (`season_rows`) they add up to; what the season spends outside
them (metric rows, the loop, the per-athlete constants) is `rest`. `derive` runs once per `simulate` call and
the race prediction is not in `simulate` at all (the what-if tables and the env reward call it), so both are
given per call; `bisect` is the same predictions by the plain bisection (`race_time_min`'s test oracle, issue
26's fifth round: the ratio of the two is the replayed solver's gain). The harness loops are compiled here (no
on-disk cache: they inline the kernel, and a stale copy would time old code).
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

SECTION_ATHLETES = 2048
ROUNDS = 3


class Section(NamedTuple):
    """One row of the profile: time per unit of work, and per athlete-day of the workload."""

    name: str
    unit: str
    ns_per_unit: float
    ns_per_athlete_day: float  # NaN: not part of the season loop (per call)
    share_of_season: float  # NaN: as above, or a part of another row


def _kernels():
    """The harness loops, compiled on first use (numba is imported only when the profile runs)."""
    from sim import kernel
    from sim import state as S
    from sim._jit import borrowed, njit
    from sim.kernel import season

    def derive_many(gp, reps):  # `derive` is plain Python (once per batch, before the kernels)
        total = 0.0
        for _ in range(reps):
            total += kernel.derive(gp)[0]
        return total

    # The loops take `borrowed` arrays, as the kernel's loops (sim.kernel.season.season_rows).
    @njit(error_model="numpy")
    def draws(bases, n_days):
        bases = borrowed(bases)
        total = 0.0
        for a in range(bases.shape[0]):
            for day in range(n_days):
                dh = kernel.day_hash(bases[a], day)
                h = kernel.rng._mix32(dh ^ (kernel.STREAM_NIGGLE * 0x1B873593))
                total += (h & 0xFFFF) + kernel.uniform_at(dh, kernel.STREAM_SKIP_RUN)
                total += kernel.uniform_at(dh, kernel.STREAM_SKIP_LIFT) + kernel.uniform_at(dh, kernel.STREAM_INJURY)
        return total

    @njit(error_model="numpy")
    def schedule_all(athletes, gp, plans, days_all):
        athletes, gp, plans, days_all = borrowed(athletes), borrowed(gp), borrowed(plans), borrowed(days_all)
        for a in range(athletes.shape[0]):
            for w in range(plans.shape[0]):
                kernel.schedule_week(plans[w], athletes[a], gp, days_all[a, w])

    @njit(error_model="numpy")
    def schedule_season(athletes, gp, plans, days):
        athletes, gp, plans, days = borrowed(athletes), borrowed(gp), borrowed(plans), borrowed(days)
        n = 0
        for a in range(athletes.shape[0]):
            for w in range(plans.shape[0]):
                if not season._same_plan(plans, w):
                    kernel.schedule_week(plans[w], athletes[a], gp, days)
                    n += 1
        return n

    @njit(error_model="numpy")
    def weeks_of_days(states, athletes, gp, dv, plans, days_all, bases, out):
        states, athletes, gp, dv = borrowed(states), borrowed(athletes), borrowed(gp), borrowed(dv)
        plans, days_all, bases, out = borrowed(plans), borrowed(days_all), borrowed(bases), borrowed(out)
        for a in range(states.shape[0]):
            st, ath = states[a], athletes[a]
            k = kernel.day.athlete_constants(ath, gp, dv)
            for w in range(plans.shape[0]):
                met = out[a, w]
                for m in range(S.METRIC_SIZE):
                    met[m] = 0.0
                rules = kernel.Rules(plans[w, S.P_PAIN_RULE] > 0.5, True)
                kernel.step_days(st, ath, gp, dv, k, days_all[a, w], rules, kernel.Days(bases[a], 7 * w, 1, 0), met)
                kernel.week_end(st, ath, gp, met)

    @njit(error_model="numpy")
    def predict_many(solver, vo2, cost, race_km, out):
        vo2, cost, race_km, out = borrowed(vo2), borrowed(cost), borrowed(race_km), borrowed(out)
        for i in range(vo2.shape[0]):
            out[i] = solver(vo2[i], cost[i], race_km[i])

    return derive_many, draws, schedule_all, schedule_season, weeks_of_days, predict_many


def _best(fn, rounds: int = ROUNDS) -> float:
    """Best wall time of `fn()` over `rounds` calls (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def profile(inputs) -> list[Section]:
    """The per-section rows for `inputs` = (gp, athletes, states, plans (1, weeks, PLAN_SIZE), keys, out)
    of the bench (the first SECTION_ATHLETES athletes are used)."""
    from sim import kernel
    from sim.kernel import season
    from sim.state import A_RACE_KM, DAY_SIZE, M_COST_FACTOR, M_VO2_EFF

    gp, athletes, states, plans, keys, out = inputs
    n = min(SECTION_ATHLETES, athletes.shape[0])
    athletes, states, keys, out = athletes[:n], states[:n], keys[:n], out[:n]
    week_plans = plans[0]
    n_weeks = week_plans.shape[0]
    athlete_days = n * n_weeks * 7
    derive_many, draws, schedule_all, schedule_season, weeks_of_days, predict_many = _kernels()
    solver, bisect = kernel.race_time_min, kernel.race.bisect_race_time_min
    dv = kernel.derive(gp)
    bases = np.array([kernel.draw_base(0, int(k)) for k in keys], dtype=np.int64)
    days_all = np.empty((n, n_weeks, 7, DAY_SIZE))
    days = np.empty((7, DAY_SIZE))
    scratch = season.scratch_rows(n)
    schedule_all(athletes, gp, week_plans, days_all)  # compile, and the days the week section steps
    scheduled = schedule_season(athletes, gp, week_plans, days)
    weeks_of_days(states.copy(), athletes, gp, dv, week_plans, days_all, bases, out)
    season.season_rows(states.copy(), athletes, (gp, dv), plans, 0, keys, 0, out, scratch, False)
    reps = 20_000
    derive_many(gp, 1)
    draws(bases, 7)
    vo2, cost = out[:, :, M_VO2_EFF].ravel().copy(), out[:, :, M_COST_FACTOR].ravel().copy()
    race_km = np.repeat(athletes[:, A_RACE_KM], n_weeks)
    race_out = np.empty_like(vo2)
    predict_many(solver, vo2, cost, race_km, race_out)
    predict_many(bisect, vo2, cost, race_km, race_out)

    t_derive = _best(lambda: derive_many(gp, reps // 10)) / (reps // 10)
    t_rng = _best(lambda: draws(bases, n_weeks * 7))
    t_schedule = _best(lambda: schedule_season(athletes, gp, week_plans, days))
    t_days = _best(lambda: weeks_of_days(states.copy(), athletes, gp, dv, week_plans, days_all, bases, out))
    def season_serial():
        season.season_rows(states.copy(), athletes, (gp, dv), plans, 0, keys, 0, out, scratch, False)

    t_season = _best(season_serial)
    t_race = _best(lambda: predict_many(solver, vo2, cost, race_km, race_out)) / vo2.size
    t_bisect = _best(lambda: predict_many(bisect, vo2, cost, race_km, race_out)) / vo2.size
    ns = 1e9
    nan = float("nan")
    rest = t_season - t_schedule - t_days
    return [
        Section("schedule", "scheduled athlete-week", ns * t_schedule / scheduled, ns * t_schedule / athlete_days,
                t_schedule / t_season),
        Section("day", "athlete-day", ns * t_days / athlete_days, ns * t_days / athlete_days, t_days / t_season),
        Section("  rng", "athlete-day", ns * t_rng / athlete_days, ns * t_rng / athlete_days, nan),
        Section("rest", "athlete-day", ns * rest / athlete_days, ns * rest / athlete_days, rest / t_season),
        Section("season", "athlete-day", ns * t_season / athlete_days, ns * t_season / athlete_days, 1.0),
        Section("derive", "simulate call", ns * t_derive, nan, nan),
        Section("race", "prediction", ns * t_race, nan, nan),
        Section("  bisect", "prediction", ns * t_bisect, nan, nan),
    ]


def table(rows: list[Section], n_athletes: int, n_weeks: int) -> str:
    """The profile as printed by `stridelab bench sim`."""
    lines = [f"per-section profile (one thread, {n_athletes} athletes x {n_weeks} weeks of the workload above):",
             f"  {'section':10s} {'ns/unit':>10s}  {'unit':24s} {'ns/athlete-day':>15s} {'share':>7s}"]
    for r in rows:
        per_day = "" if np.isnan(r.ns_per_athlete_day) else f"{r.ns_per_athlete_day:15.1f}"
        share = "" if np.isnan(r.share_of_season) else f"{r.share_of_season:7.0%}"
        lines.append(f"  {r.name:10s} {r.ns_per_unit:10.1f}  {r.unit:24s} {per_day:>15s} {share:>7s}")
    lines.append("  (day = step_days + week_end, its random draws included (rng); rest = season - schedule - day;"
                 " derive: once per simulate call; race: not in simulate; bisect: the same predictions by"
                 " the plain bisection, race's test oracle)")
    return "\n".join(lines)
