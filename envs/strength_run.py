"""`stridelab/StrengthRun-v0`: one athlete's season, one week per step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium as gym
import numpy as np

from envs import core
from envs.actions import action_error, action_nvec, action_space, coerce_action
from envs.athletes import EpisodeSampler, draw_episode_seed
from envs.config import EnvConfig, env_config
from envs.observation import (
    C_RACE_T,
    C_T0,
    C_TERM,
    C_TRUNC,
    C_WEEK,
    O_NIGGLE,
    O_READINESS,
    O_SORENESS,
    observation_space,
)
from envs.reward import race_table
from sim import kernel
from sim.errors import InputError
from sim.parameters import default_parameters
from sim.season import phase_name
from sim.state import (
    A_RACE_KM,
    EFFORTS,
    EMPHASES,
    LEVELS,
    M_ECONOMY_GAIN,
    M_INJURED_DAYS,
    M_RUN_KM,
    M_STR_SESSIONS,
    M_STRENGTH_REL,
    M_VO2MAX,
    METRIC_NAMES,
    P_EFFORT,
    P_EMPHASIS,
    P_KEY_RUNS,
    P_LONG_KM,
    P_PLACEMENT,
    P_RACE,
    P_RUN_KM,
    P_SETS,
    P_STR_SESSIONS,
    PLACEMENTS,
    RACE_KM,
)

_I64 = np.dtype(np.int64)


class StrengthRunEnv(gym.Env):
    """A runner's season of strength and running, planned one week at a time.

    ## Description

    One episode is one athlete's season (`season_weeks`, default 52) that ends with the target
    race on the last day of its last week; one step is one week. The agent is the coach: each
    week it chooses the strength work (sessions, emphasis, effort, placement) and, with
    `action_scope="strength_and_run"`, the running (volume change, key runs, long-run share) and the
    sets per lift.
    The choice is decoded to a `sim.plan.WeekPlan` (the type what-if files use), scheduled
    into seven days by `sim.kernel.schedule_week` and simulated by `sim.kernel.simulate_athlete`:
    fitness and fatigue, strength and economy, tissue damage and injuries. The coach sees what a
    coach could know, not the body (Observation Space). With `action_scope="strength"` running
    follows the level's reference periodized plan (`sim.season.reference_run_week`), the one the
    templates use, so learned strength plans compare like with like.

    ## Action Space

    `MultiDiscrete([4, 5, 3, 3])`, or `MultiDiscrete([4, 5, 3, 3, 9, 4, 8, 7])` with
    `action_scope="strength_and_run"` (details in `envs.actions`), which chooses everything the plan
    optimizer (`stridelab optimize`) chooses, sets per lift included:

    | Num | Component     | Choices                                                          |
    |-----|---------------|------------------------------------------------------------------|
    | 0   | sessions      | 0-3 strength sessions                                            |
    | 1   | emphasis      | 0 none, 1 heavy, 2 power, 3 maintenance, 4 toning                |
    | 2   | effort        | 0 easy (3-4 reps in reserve), 1 moderate (1-2), 2 hard (failure) |
    | 3   | placement     | 0 after_easy, 1 separate_day, 2 before_key                       |
    | 4   | volume_change | -30, -20, -10, -5, 0, +5, +10, +15, +20% of last week's volume   |
    | 5   | key_runs      | 0-3 tempo/interval sessions                                      |
    | 6   | long_share    | long run 0, 10, 20, 25, 30, 35, 40, 45% of the week's km         |
    | 7   | sets          | sets per key lift: 0 the emphasis default (heavy 3, maintenance  |
    |     |               | 2, ...), 1-6 that many (the optimizer's range); not limited      |

    Weekly volume = clip(prev_volume_rel x (1 + step), 0.1, 2.0) x habitual km, starting from
    1.0. The last week always holds the race. `action_masks()` (sb3-contrib MaskablePPO) masks
    the choices that break the configured `limits` (`envs.config.HardLimits`); a step with
    such a choice clamps it to the nearest allowed one. The article's rules are limits too
    (all off by default): `recovery_every` (every n-th week before the taper cuts at least
    `recovery_cut` of the last loading week's volume, and steps are then taken from that
    loading week's volume, not the recovery week's), `taper` (taper weeks at most 80% of the
    4 weeks before the taper), `race_season_maintenance` (1-2 maintenance sessions, never to
    failure, in the last 7 weeks); table in the README ("Coach limits"), logic in `envs.actions`.
    An action outside the space raises `sim.errors.InputError` naming the component and its
    allowed range.

    ## Observation Space

    `Box(22,)` of float32; readings are clipped to the bounds. Noisy readings add zero-mean
    triangular noise (sd from `noise`, `envs.config.ObservationNoise`) drawn from the kernel's
    counter-based streams keyed by (seed, athlete, day).

    | Num | Observation            | Unit           | Min | Max | Meaning                                  |
    |-----|------------------------|----------------|-----|-----|------------------------------------------|
    | 0   | week                   | weeks          | 0   | 104 | season week about to be planned, 0-based |
    | 1   | weeks_to_race          | weeks          | -1  | 103 | weeks to the race week (0 = race week)   |
    | 2   | season_weeks           | weeks          | 4   | 104 | length of the season                     |
    | 3   | phase                  | code           | 0   | 4   | transition/base/pre/race season/taper    |
    | 4   | run_km_last_rel        | x habitual km  | 0   | 3   | km run last week / habitual km           |
    | 5   | run_km_4wk_rel         | x habitual km  | 0   | 3   | 4-week mean km / habitual km             |
    | 6   | strength_sessions_last | sessions       | 0   | 3   | strength sessions done last week         |
    | 7   | acwr                   | ratio          | 0   | 4   | last week's sRPE load / 4-week mean      |
    | 8   | readiness              | 0-10           | 0   | 10  | noisy wellness: 10 fresh, 5 habitual     |
    | 9   | soreness               | 0-10           | 0   | 10  | mean daily muscle soreness last week     |
    | 10  | niggle                 | 0-10           | 0   | 10  | highest (noisy) pain reading last week   |
    | 11  | injured                | flag           | 0   | 1   | injured at the end of the week           |
    | 12  | days_out               | days           | 0   | 7   | days missed through injury last week     |
    | 13  | strength_test_rel      | x baseline 1RM | 0.5 | 3   | last 1RM test (noisy), every 4 weeks     |
    | 14  | easy_hr_bpm            | beats/min      | 60  | 200 | easy-pace heart rate (noisy)             |
    | 15  | key_pace_rel           | x season-start pace | 0.5 | 2 | pace at effort in last week's key runs |
    |     |                        |                |     |     | (noisy) / season start; last reading in  |
    |     |                        |                |     |     | weeks without key runs                   |
    | 16  | level                  | code           | 0   | 2   | beginner, intermediate, advanced         |
    | 17  | habitual_km            | km/week        | 0   | 250 | the athlete's habitual weekly volume     |
    | 18  | race_km                | km             | 0   | 50  | target race distance                     |
    | 19  | prev_volume_rel        | x habitual km  | 0   | 3   | last planned volume (1.0 at the start)   |
    | 20  | volume_base_rel        | x habitual km  | 0   | 3   | volume the next step starts from (last   |
    |     |                        |                |     |     | loading week's; = 19 without recovery)   |
    | 21  | recovery_week_next     | flag           | 0   | 1   | the coach limits make the next week a    |
    |     |                        |                |     |     | recovery week (`limits.recovery_every`)  |

    Readiness = 10 F0 / (F0 + F) x (1 - NMF / 2) + noise, F the Banister fatigue, F0 its value
    at the season start, NMF the lifting neuromuscular fatigue. Easy heart rate =
    50 + 90 x (cost / cost0) x (VO2max0 / VO2max) + noise, 140 beats/min at the start. Key-run
    pace = (cost / cost0) x (VO2eff0 / VO2eff) / quality x (1 + key_pace_sd x noise), VO2eff the
    race-morning VO2 less fatigue, quality the key runs' (lifting's fatigue and soreness), 0 the last
    morning before the season; a week without key runs repeats the last reading (1.0 before any).

    ## Rewards

    With T_w the Daniels-Gilbert race time predicted from week w's race-morning VO2 and O2
    cost (`sim.kernel.race_time_min`) and T_start the prediction on the first morning:

        r_w = w_perf x 100 (T_{w-1} - T_w) / T_start  -  w_injury x injured_days_w
              + [race week] x w_race x 100 (T_start - T_race) / T_start

    Default weights `RewardWeights(performance=1.0, injury_day=0.02, race=1.0)`. The weekly
    terms telescope to the season's % improvement (formula and the race-time table in
    `envs.reward`).

    ## Starting State

    `reset(seed=..., options=...)` draws one episode seed from `self.np_random`. It picks the
    level from the mix and an athlete from a pool of `athlete_pool` athletes per level (sampled
    once from `population_seed` by `sim.population.sample_athletes`, warmed up by
    `sim.kernel.init_state` on their habitual running), and seeds the season's random streams.
    `options`: `athlete` (ATHLETE_SIZE vector or dict of ATHLETE_NAMES) with optional `state`
    (a warmed-up body; otherwise warm-up), `level` (draw from this level), `stream_seed` and
    `key` (meet the draws of `sim.whatif.run` for a cohort with that seed and athlete key).
    The first observation shows the athlete's habitual week as "last week".

    ## Episode End

    Terminated after the race week (`season_weeks` steps). Truncated only if `max_weeks` is
    set and reached first. `info` holds `week` (the week just simulated), `metrics` (dict of
    `sim.state.METRIC_NAMES`, a read-only mapping), `plan` (the decoded week plan as a PLAN_SIZE vector;
    `WeekPlan.from_array(info["plan"])` or `env.last_week_plan()` gives the WeekPlan) and
    `race_time_min` (the prediction after the week; the race result after the race week).

    ## Arguments

    `StrengthRunEnv(config=None, *, params=None, render_mode=None, **fields)`:

    | Argument     | Meaning                                                                    |
    |--------------|----------------------------------------------------------------------------|
    | config       | `envs.config.EnvConfig` (or a mapping of its fields); None: all defaults   |
    | **fields     | EnvConfig fields as keywords, applied on top of `config`: how              |
    |              | `gymnasium.make("stridelab/StrengthRun-v0", season_weeks=8)` passes them   |
    | params       | physiology parameter vector (`sim.parameters.default_parameters()`)        |
    | render_mode  | None or "ansi" (a one-line week summary)                                   |

    EnvConfig fields (defaults): level ("intermediate"), levels (None: a {level: weight} mix, or
    a list for equal weights), season_weeks (52), race_distance ("10k"), action_scope
    ("strength"), reward / limits / noise (`RewardWeights` / `HardLimits` / `ObservationNoise`
    or dicts of their fields), max_weeks (None), pain_rule (True), strength_test_every (4),
    athlete_pool (4096), population_seed (0). An unknown field or a value out of range raises
    `sim.errors.InputError` naming it.

    ## Version History

    * v0: initial version. Since issue 22: observation 15 `key_pace_rel` (Box(22,)), and the
      `sets` component of the strength_and_run action, and finer volume steps (9) and long-run shares up to
      the optimizer's 45% (8); models saved before are refused at load.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        config: EnvConfig | Mapping[str, Any] | None = None,
        *,
        params: np.ndarray | None = None,
        render_mode: str | None = None,
        **fields: Any,
    ) -> None:
        self.config = env_config(config, **fields)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InputError(f"render_mode: {render_mode!r} is not allowed; allowed: None, 'ansi'")
        self.render_mode = render_mode
        self.gp = check_params(params)
        self.dv = kernel.derive(self.gp)
        self.cfg = self.config.to_cfg()
        self.table = race_table([RACE_KM[self.config.race_distance]])
        self.sampler = EpisodeSampler(self.config, self.gp)
        self.action_space = action_space(self.config.action_scope)
        self.observation_space = observation_space()
        self._nvec = action_nvec(self.config.action_scope)
        self._ashape = (len(self._nvec),)
        self._buf = b = core.Batch.zeros(1)
        self._params = core.Params(self.gp, self.dv, self.cfg, self.table)
        self._mask = np.zeros((1, int(sum(self._nvec))), dtype=bool)
        self._next = core.Starts.zeros(1)  # the athlete of the next episode
        self._seed_buf = np.zeros(1, dtype=np.int64)
        self._row0 = np.zeros(1, dtype=np.int64)
        self._race_km = RACE_KM[self.config.race_distance]
        # the step is one call of machine code plus little else (actions reach it as C int64)
        self._step_fn = core.compiled(core.step_single, np.zeros(self._ashape, dtype=np.int64), b, self._params)
        self._ctrl0, self._obs0, self._met0, self._plan0 = b.ctrl[0], b.obs[0], b.mets[0, 0], b.plans[0, 0]
        self._started = False
        self._done = False

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        episode_seed = draw_episode_seed(self.np_random)
        nxt = self._next
        if options or self.config.athlete_pool == 0:
            ath, st, base = self.sampler.draw(episode_seed, options)
            nxt.aths[0], nxt.states[0], nxt.base[0] = ath, st, base
            if ath[A_RACE_KM] != self._race_km:
                self.table = race_table([ath[A_RACE_KM]])
                self._params = self._params._replace(table=self.table)
        else:  # the common case, kept cheap: one numba call picks the pool athlete
            self._seed_buf[0] = episode_seed
            self.sampler.fill(self._seed_buf, self._row0, nxt)
        b = self._buf
        core.begin_episode(0, nxt, b, self._params)
        self._started = True
        self._done = False
        self._last_reward = 0.0
        return b.obs[0].copy(), {"week": 0, "race_time_min": float(b.ctrl[0, C_T0])}

    def step(self, action):
        if not (
            type(action) is np.ndarray
            and action.dtype is _I64
            and action.shape == self._ashape
            and action.flags.c_contiguous
        ):
            action = coerce_action(action, self._nvec)
        if self._done or not self._started:
            raise InputError("step: the season is over or not started; call reset() first")
        r = self._step_fn(action, self._buf, self._params)
        if r != r:
            raise action_error(action, self._nvec)
        c = self._ctrl0.tolist()
        terminated = c[C_TERM] > 0.5
        truncated = c[C_TRUNC] > 0.5
        self._done = terminated or truncated
        self._last_reward = r
        info = {
            "week": int(c[C_WEEK]) - 1,
            "metrics": WeekMetrics(self._met0.copy()),
            "plan": self._plan0.copy(),
            "race_time_min": c[C_RACE_T],
        }
        return self._obs0.copy(), r, terminated, truncated, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        return week_summary(
            self._buf,
            0,
            self.config.season_weeks,
            self._started and self._buf.ctrl[0, C_WEEK] > 0,
            self._last_reward if self._started else 0.0,
        )

    # ------------------------------------------------------------------ extras
    def action_masks(self) -> np.ndarray:
        """Allowed choices, components concatenated (the format sb3-contrib's MaskablePPO reads)."""
        return core.masks_batch(self._buf.ctrl, self.cfg, self._mask)[0].copy()

    def last_week_plan(self):
        """The WeekPlan of the last step (phase-labelled)."""
        from sim.plan import WeekPlan

        week = int(self._buf.ctrl[0, C_WEEK]) - 1
        return WeekPlan.from_array(
            self._buf.plans[0, 0], phase=phase_name(max(week, 0), self.config.season_weeks)
        )

    @property
    def athlete(self) -> np.ndarray:
        """This episode's profile (sim.state ATHLETE layout)."""
        return self._buf.aths[0].copy()

    @property
    def body(self) -> np.ndarray:
        """The hidden state (for analysis and tests, not for policies)."""
        return self._buf.states[0].copy()


class WeekMetrics(Mapping):
    """The week's metrics by name (`sim.state.METRIC_NAMES`), backed by the METRIC_SIZE vector.

    A read-only mapping rather than a dict: building a 22-key dict every step would cost as much
    as the week's physics. `dict(info["metrics"])` gives a plain dict; `.array` the vector.
    """

    __slots__ = ("array",)
    _INDEX = {name: k for k, name in enumerate(METRIC_NAMES)}

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def __getitem__(self, name: str) -> float:
        return float(self.array[self._INDEX[name]])

    def __iter__(self):
        return iter(METRIC_NAMES)

    def __len__(self) -> int:
        return len(METRIC_NAMES)

    def __repr__(self) -> str:
        return f"WeekMetrics({dict(self)!r})"


def check_params(params: np.ndarray | None) -> np.ndarray:
    gp = default_parameters()
    if params is None:
        return gp
    p = np.ascontiguousarray(params, dtype=np.float64)
    if p.shape != gp.shape or not np.all(np.isfinite(p)):
        raise InputError(
            f"params: expected {gp.size} finite values (sim.parameters order), got shape {p.shape}"
        )
    return p


def week_summary(buf: core.Batch, i: int, season_weeks: int, stepped: bool, reward: float) -> str:
    """One line: the week's plan, what happened and what the coach sees."""
    c = buf.ctrl[i]
    week = int(c[C_WEEK])
    level = LEVELS[int(buf.aths[i, 0])]
    obs = buf.obs[i]
    if not stepped:
        return (
            f"season start | {level}, predicted race {c[C_T0]:.2f} min | readiness {obs[O_READINESS]:.1f}, "
            f"niggle {obs[O_NIGGLE]:.1f}"
        )
    p = buf.plans[i, 0]
    m = buf.mets[i, 0]
    s = int(p[P_STR_SESSIONS])
    lift = (
        f"{s}x {EMPHASES[int(p[P_EMPHASIS])]}/{EFFORTS[int(p[P_EFFORT])]} {PLACEMENTS[int(p[P_PLACEMENT])]}"
        + (f" {int(p[P_SETS])} sets" if p[P_SETS] > 0 else "")
        if s
        else "no lifting"
    )
    run = f"run {p[P_RUN_KM]:.2f}x habitual, {int(p[P_KEY_RUNS])} key, long {p[P_LONG_KM]:.0%}"
    race = " + RACE" if p[P_RACE] > 0.5 else ""
    pct = 100.0 * (c[C_RACE_T] / c[C_T0] - 1.0)
    return (
        f"week {week}/{season_weeks} ({phase_name(week - 1, season_weeks)}) | {lift}; {run}{race} | "
        f"ran {m[M_RUN_KM]:.1f} km, lifted {int(m[M_STR_SESSIONS])}, strength {m[M_STRENGTH_REL]:.3f}x, "
        f"economy {100 * m[M_ECONOMY_GAIN]:.1f}%, VO2max {m[M_VO2MAX]:.1f}, "
        f"injured {int(m[M_INJURED_DAYS])} d, "
        f"soreness {obs[O_SORENESS]:.1f}, niggle {obs[O_NIGGLE]:.1f} | race {c[C_RACE_T]:.2f} min "
        f"({pct:+.2f}%) | reward {reward:+.3f}"
    )


__all__ = ["StrengthRunEnv", "WeekMetrics", "check_params", "week_summary"]
