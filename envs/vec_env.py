"""`StrengthRunVecEnv`: N athletes stepped by one numba call, as a Stable-Baselines3 `VecEnv`.

Same kernels as `StrengthRunEnv` (`envs.core.step_slot` / `begin_episode`), so row i of a
batched env seeded `seed` follows exactly the trajectory of a single env reset with
`seed + i` (SB3's `DummyVecEnv` seeding) under the same actions, episode after episode.
Finished seasons restart inside the same numba call from athletes prepared after the previous
reset (SB3 auto-reset: the returned observation is the new season's first one; the last one
is in `infos[i]["terminal_observation"]`, with `infos[i]["TimeLimit.truncated"]`).
Infos are empty for rows that did not finish (one shared read-only dict: building N dicts of
metrics per step would cost more than the physics); the week's metrics and plans are in
`last_metrics` / `last_plans`, or in every info with `info_metrics=True`.
The env's arrays are the bundles of `envs.core` (`Batch`, `Params`, `Starts`, `StepOut`), built
once; a step passes them to `core.step_batch_serial` (one thread) or a `core.ThreadedStep` (its slices
of the rows on several threads).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import numba
import numpy as np
from gymnasium.utils import seeding
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices, VecEnvStepReturn

from envs import core
from envs.actions import action_error, action_nvec, action_space
from envs.athletes import EpisodeSampler, FixedAthletes, draw_episode_seed
from envs.config import EnvConfig, env_config
from envs.observation import C_RACE_T, C_T0, C_WEEK, observation_space
from envs.reward import race_table
from envs.strength_run import WeekMetrics, check_params, week_summary
from sim import kernel
from sim.errors import InputError
from sim.state import A_LEVEL, A_RACE_KM, LEVELS, RACE_KM
from sim.whatif import Cohort

_I64 = np.dtype(np.int64)


class _ReadOnlyInfo(dict):
    """The info of a row that did not finish: empty, shared by all such rows, and read-only.

    Allocating 1,024 fresh dicts per step costs ~10% of a batched step; sharing one is safe
    only if nobody writes into it, so writing raises (SB3 only writes into finished rows'
    infos, which are fresh dicts; `copy()` gives a plain dict).
    """

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("the info of a row that did not finish is shared and read-only; copy() it first")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _refuse  # type: ignore[assignment]


_NO_INFO = _ReadOnlyInfo()
PROBE = 4  # steps timed (one thread, threads, one thread, threads) ...
PROBE_EVERY = 256  # ... every this many steps


class StrengthRunVecEnv(VecEnv):
    """`num_envs` athletes' seasons in lock-step, one numba call per step (see the module docstring).

    Arguments:
      num_envs: the number of athlete rows (default: one per fixed athlete).
      config: the `envs.config.EnvConfig` (or a mapping of its fields), as `StrengthRunEnv`'s;
        its fields may also be given as keywords (`**fields`, applied on top).
      seed: seeds row i with seed + i (None: random); `seed()` / `set_options()` as in SB3.
      params: the physiology parameter vector (`sim.parameters.default_parameters()`).
      fixed: `envs.athletes.FixedAthletes`, one per row (profiles, optional warmed-up states,
        random-stream keys and seed); such rows replay the same athlete, body and draws each
        season unless `fixed.new_athletes`. `from_cohort` builds one from a `sim.whatif.Cohort`.
      info_metrics: put `metrics` / `plan` dicts in every step's infos (slow; for debugging).
      parallel: True = threads over athletes (numba's thread count), False = one thread, None = whichever is
        faster, re-timed every PROBE_EVERY steps (results are identical either way).
    """

    def __init__(
        self,
        num_envs: int | None = None,
        config: EnvConfig | Mapping[str, Any] | None = None,
        *,
        seed: int | None = 0,
        params: np.ndarray | None = None,
        fixed: FixedAthletes | None = None,
        info_metrics: bool = False,
        parallel: bool | None = None,
        **fields: Any,
    ) -> None:
        self.config = env_config(config, **fields)
        if num_envs is None:
            if fixed is None:
                raise InputError("num_envs: give the number of athletes (or fixed=FixedAthletes(...))")
            num_envs = int(np.asarray(fixed.athletes).shape[0])
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise InputError(f"num_envs: {num_envs!r} is not allowed; need an integer >= 1")
        n = int(num_envs)
        self.render_mode = None
        self.gp = check_params(params)
        self.dv = kernel.derive(self.gp)
        self.cfg = self.config.to_cfg()
        self.sampler = EpisodeSampler(self.config, self.gp)
        self.info_metrics = bool(info_metrics)
        self._nvec = action_nvec(self.config.action_scope)
        self._buf = core.Batch.zeros(n)
        self._out = core.StepOut.zeros(n)
        self._next = core.Starts.zeros(n)
        self._mask = np.zeros((n, int(sum(self._nvec))), dtype=bool)
        self._rngs: list[np.random.Generator | None] = [None] * n
        self._actions: np.ndarray | None = None
        self.parallel = parallel
        self._steps = 0
        self._k = 0
        self._step_fns: list[Any] = [None, None]  # one thread, threads
        self._probe = [np.inf, np.inf]
        self._all = np.arange(n, dtype=np.int64)
        self._fixed = None if fixed is None else fixed.starts(n, self.gp, seed)
        self._new_athletes = fixed is None or bool(fixed.new_athletes)
        race_kms = [RACE_KM[self.config.race_distance]]
        if self._fixed is not None:
            race_kms += list(self._fixed.aths[:, A_RACE_KM])
        self.table = race_table(race_kms)
        self._params = core.Params(self.gp, self.dv, self.cfg, self.table)
        super().__init__(n, observation_space(), action_space(self.config.action_scope))
        if seed is not None:
            self.seed(seed)

    @classmethod
    def from_cohort(
        cls,
        cohort: Cohort,
        season_weeks: int = 52,
        action_scope: str = "strength",
        new_athletes: bool = False,
        **fields: Any,
    ) -> StrengthRunVecEnv:
        """One row per cohort athlete: same profiles, warmed-up bodies, keys and seed as
        `sim.whatif.run(cohort, plans)`, so a policy meets exactly the athletes and draws the
        what-if simulator gives a plan. Each row replays its athlete's season unless `new_athletes`.
        `fields`: EnvConfig fields (level, levels and race distance default to the cohort's), or
        `StrengthRunVecEnv` arguments (seed defaults to the cohort's)."""
        race_km = float(cohort.athletes[0, A_RACE_KM])
        names = [d for d, km in RACE_KM.items() if km == race_km]
        if cohort.level in LEVELS:
            fields.setdefault("level", cohort.level)
        else:
            codes = cohort.athletes[:, A_LEVEL].astype(int)
            fields.setdefault("levels", {LEVELS[c]: float(np.mean(codes == c)) for c in np.unique(codes)})
        fields.setdefault("race_distance", names[0] if names else "10k")
        fields.setdefault("seed", cohort.seed)
        return cls(
            num_envs=cohort.n,
            season_weeks=season_weeks,
            action_scope=action_scope,
            params=cohort.params,
            fixed=FixedAthletes.from_cohort(cohort, new_athletes),
            **fields,
        )

    # ------------------------------------------------------------------ VecEnv API
    def _rng(self, i: int) -> np.random.Generator:
        if self._seeds[i] is not None:
            self._rngs[i] = seeding.np_random(int(self._seeds[i]))[0]
        elif self._rngs[i] is None:
            self._rngs[i] = seeding.np_random()[0]
        return self._rngs[i]

    def reset(self) -> np.ndarray:
        n = self.num_envs
        first = self._next
        fixed = self._fixed
        draw = []
        if fixed is not None:
            first.aths[:], first.states[:], first.base[:] = fixed.aths, fixed.states, fixed.base
        for i in range(n):
            opts = self._options[i]
            if fixed is not None and not opts:
                if self._new_athletes:
                    self._rng(i)  # (re)seeded now: it draws the athletes after this season
                continue
            rng = self._rng(i)
            if opts:
                first.aths[i], first.states[i], first.base[i] = self.sampler.draw(draw_episode_seed(rng), opts)
            else:
                draw.append(i)
        if draw:
            idx = np.asarray(draw, dtype=np.int64)
            seeds = np.array([draw_episode_seed(self._rngs[i]) for i in draw], dtype=np.int64)
            self.sampler.fill(seeds, idx, first)
        b = self._buf
        self.table = race_table(first.aths[:, A_RACE_KM])
        self._params = self._params._replace(table=self.table)
        core.reset_batch(self._all, first, b, self._params)
        self._prepare_next(self._all)
        self._reset_seeds()
        self._reset_options()
        self.reset_infos = [{"week": 0, "race_time_min": float(b.ctrl[i, C_T0])} for i in range(n)]
        return b.obs.copy()

    def _prepare_next(self, rows: np.ndarray) -> None:
        """Athletes for the next season of `rows` (drawn now, so auto-reset stays in numba)."""
        nxt = self._next
        if not self._new_athletes:
            fixed = self._fixed
            nxt.aths[rows] = fixed.aths[rows]
            nxt.states[rows] = fixed.states[rows]
            nxt.base[rows] = fixed.base[rows]
            return
        rngs = self._rngs
        seeds = np.fromiter(
            (draw_episode_seed(rngs[i]) for i in rows.tolist()), dtype=np.int64, count=rows.size
        )
        self.sampler.fill(seeds, rows, nxt)

    def step_async(self, actions: np.ndarray) -> None:
        a = actions
        if not (
            type(a) is np.ndarray
            and a.dtype is _I64
            and a.shape == (self.num_envs, len(self._nvec))
            and a.flags.c_contiguous
        ):
            a = self._coerce(actions)
        self._actions = a

    def _kernel(self):
        """The threaded or the one-thread step, whichever is faster here and now.

        Both give bit-identical results (rows are independent), so this is only about speed: on
        an idle machine threads win; when the cores are busy (other processes, torch's own
        OpenMP pool while training) a threaded step waits on descheduled workers and one thread
        can be several times faster. With `parallel=None` the env times both on PROBE steps
        every PROBE_EVERY steps and uses the faster one.
        """
        if self.parallel is False or numba.get_num_threads() == 1:
            self._k = 0
        elif self.parallel is True:
            self._k = 1
        else:
            phase = self._steps % PROBE_EVERY
            if phase == 0:
                self._probe = [np.inf, np.inf]
            self._k = phase % 2 if phase < PROBE else int(self._probe[1] < self._probe[0])
        threads = numba.get_num_threads()
        fn = self._step_fns[self._k]
        if fn is None or (self._k == 1 and fn.threads != threads):
            # bound on first use (numba's dispatch types the bundles in Python on every call)
            args = (self._actions, self._buf, self._params, self._out, self._next)
            fn = self._step_fns[0] or core.compiled(core.step_batch_serial, *args)
            self._step_fns[0] = fn
            if self._k == 1:
                fn = self._step_fns[1] = core.ThreadedStep(fn, *args, threads)
        return fn

    def _timed(self, seconds: float) -> None:
        if self._steps % PROBE_EVERY < PROBE:
            self._probe[self._k] = min(self._probe[self._k], seconds)
        self._steps += 1

    def _coerce(self, actions: object) -> np.ndarray:
        a = np.asarray(actions)
        shape = (self.num_envs, len(self._nvec))
        if a.shape != shape:
            raise InputError(f"actions: expected shape {shape} (envs x components), got {a.shape}")
        if a.dtype.kind == "f" and (not np.all(np.isfinite(a)) or np.any(a != np.round(a))):
            bad = int(np.flatnonzero(~np.isfinite(a).all(axis=1) | (a != np.round(a)).any(axis=1))[0])
            raise action_error(a[bad], self._nvec, f"actions[{bad}]")
        if a.dtype.kind not in "iuf":
            raise InputError(f"actions: components must be integers, got dtype {a.dtype}")
        return np.ascontiguousarray(a, dtype=np.int64)

    def step_wait(self) -> VecEnvStepReturn:
        if self._actions is None:
            raise InputError("step_wait: call step_async(actions) first")
        b = self._buf
        kernel_fn = self._kernel()
        t0 = time.perf_counter()
        err = kernel_fn(self._actions, b, self._params, self._out, self._next)
        self._timed(time.perf_counter() - t0)
        actions, self._actions = self._actions, None
        if err != -1:
            k_n = len(self._nvec)
            i = max(err, 0) // k_n
            raise action_error(actions[i], self._nvec, f"actions[{i}]")
        out = self._out
        dones = out.term | out.trunc
        infos: list[dict[str, Any]] = [_NO_INFO] * self.num_envs
        if self.info_metrics:
            for i in range(self.num_envs):
                infos[i] = {
                    "week": int(b.ctrl[i, C_WEEK]) - 1 if not dones[i] else self.config.season_weeks - 1,
                    "metrics": WeekMetrics(b.mets[i, 0].copy()),
                    "plan": b.plans[i, 0].copy(),
                }
        if dones.any():
            rows = np.flatnonzero(dones)
            last = out.term_obs[rows]  # a fresh array: rows of it are safe to hand out
            for j, (i, trunc, race) in enumerate(
                zip(rows.tolist(), out.trunc[rows].tolist(), out.final_race[rows].tolist(), strict=True)
            ):
                info = infos[i] = {} if infos[i] is _NO_INFO else infos[i]
                info["terminal_observation"] = last[j]
                info["TimeLimit.truncated"] = trunc
                info["race_time_min"] = race
            self._prepare_next(rows.astype(np.int64))
        return b.obs.copy(), out.rewards.copy(), dones, infos

    def close(self) -> None:
        return None

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        value = getattr(self, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self, attr_name, value)

    def env_method(
        self, method_name: str, *method_args, indices: VecEnvIndices = None, **method_kwargs
    ) -> list[Any]:
        rows = list(self._get_indices(indices))
        if method_name == "action_masks":
            masks = self.action_masks()
            return [masks[i] for i in rows]
        method = getattr(self, method_name)
        return [method(*method_args, **method_kwargs) for _ in rows]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    # ------------------------------------------------------------------ extras
    def action_masks(self) -> np.ndarray:
        """(num_envs, sum of choices) allowed choices of every row (MaskablePPO format)."""
        return core.masks_batch(self._buf.ctrl, self.cfg, self._mask).copy()

    @property
    def last_metrics(self) -> np.ndarray:
        """(num_envs, METRIC_SIZE): the week just simulated (for finished rows: their race week)."""
        return self._buf.mets[:, 0].copy()

    @property
    def last_plans(self) -> np.ndarray:
        """(num_envs, PLAN_SIZE): the decoded week plans of the last step."""
        return self._buf.plans[:, 0].copy()

    @property
    def athletes(self) -> np.ndarray:
        """(num_envs, ATHLETE_SIZE): the current season's profiles."""
        return self._buf.aths.copy()

    @property
    def race_time_min(self) -> np.ndarray:
        """(num_envs,): the current prediction of each row (the race result is in infos at the end)."""
        return self._buf.ctrl[:, C_RACE_T].copy()

    def summary(self, i: int = 0) -> str:
        """The ansi week summary of row i."""
        return week_summary(
            self._buf, i, self.config.season_weeks, self._buf.ctrl[i, C_WEEK] > 0, float(self._out.rewards[i])
        )
