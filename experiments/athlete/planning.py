"""Plans for one fitted athlete: a what-if plan on the athlete's posterior, with outcome bands.

`simulate --athlete athlete.yaml` does not sample a population of the plan's level: the
cohort is the athlete file's posterior draws (each a full athlete vector: their habitual km,
their own easy pace, a plausible VO2max and responder multipliers), each starting from the
body state their log left them in, repeated up to `--athletes` with independent random
streams. The spread of the outcomes is then the fitted uncertainty plus the luck of
injuries: bands (5th, 50th, 95th percentile) rather than a single number. Plans written as a
fraction of habitual km use the athlete's own habitual km.
"""

from __future__ import annotations

import numpy as np

from experiments.athlete.profile import AthleteFile, load_athlete
from sim.parameters import default_parameters
from sim.plan import PlanFile, load_plan, plans_to_array
from sim.whatif import Cohort, Result, run

BAND_COLUMNS = ("race_time_min", "race_time_pct", "strength_pct", "economy_pct", "vo2max_pct", "injuries",
                "injured_days", "run_km")
PERCENTILES = (5, 50, 95)


def athlete_cohort(af: AthleteFile, race_distance: str, athletes: int, seed: int) -> Cohort:
    """The athlete's draws, tiled to `athletes`, each copy with its own random-stream key."""
    n_draws = af.athletes.shape[0]
    idx = np.arange(max(athletes, 1)) % n_draws
    prof = np.ascontiguousarray(af.with_race(race_distance)[idx])
    states = np.ascontiguousarray(af.states[idx])
    return Cohort(prof, states, np.arange(len(idx), dtype=np.int64), int(seed), af.level, default_parameters())


def bands(res: Result) -> dict:
    """5/50/95th percentiles of each athlete-level outcome, plus the start race time and P(injury)."""
    at = res.athletes
    out = {col: [float(x) for x in np.percentile(at[col].to_numpy(), PERCENTILES)] for col in BAND_COLUMNS}
    out["race_time_start_min"] = [float(x) for x in np.percentile(res.race_time_min[:, 0], PERCENTILES)]
    out["injured_frac"] = float((at["injuries"] > 0).mean())
    out["percentiles"] = list(PERCENTILES)
    return out


def simulate_for_athlete(plan: str | PlanFile, athlete: str | AthleteFile, athletes: int = 2000,
                         seed: int = 0) -> tuple[Result, dict]:
    pf = load_plan(plan) if isinstance(plan, str) else plan
    af = load_athlete(athlete) if isinstance(athlete, str) else athlete
    cohort = athlete_cohort(af, pf.race_distance, athletes, seed)
    res = run(cohort, plans_to_array(pf.weeks()))
    return res, bands(res)


# Daniels' intensity of each of the kernel's run kinds (long runs at easy pace, Daniels' E).
DANIELS_OF_KIND = {"easy": "easy", "long": "easy", "tempo": "threshold", "intervals": "interval"}


def _pace(min_per_km: float) -> str:
    m, s = divmod(int(round(min_per_km * 60.0)), 60)
    return f"{m}:{s:02d}/km"


def personal_paces(df, af: AthleteFile) -> str | None:
    """Rewrite the `intensity` column of a season-plan day frame with the runner's own Daniels
    paces (from the VDOT of their best recent race); returns a one-line description, or None
    (paces unchanged) when the athlete file has no races."""
    from experiments.athlete.results import race_pace_min_per_km

    pc = af.paces
    if not pc:
        return None
    paces = pc["min_per_km"]
    race_km = float(df.attrs.get("race_km", 10.0))
    race = race_pace_min_per_km(pc["vdot"], race_km)
    out = []
    for kind, label in zip(df["run_kind"], df["intensity"], strict=True):
        if kind in DANIELS_OF_KIND:
            name = DANIELS_OF_KIND[kind]
            out.append(f"{label.split(', ~')[0]}, {_pace(paces[name])} (your {name} pace)")
        elif kind == "race":
            out.append(f"race effort, ~{_pace(race)} (VDOT {pc['vdot']:.1f})")
        else:
            out.append(label)
    df["intensity"] = out
    df.attrs["paces"] = paces_note(af)
    df.attrs["paces_min_per_km"] = {"easy": paces["easy"], "threshold": paces["threshold"],
                                    "interval": paces["interval"], "race": race}
    return df.attrs["paces"]


def paces_note(af: AthleteFile) -> str | None:
    pc = af.paces
    return f"Paces are yours: Daniels' VDOT {pc['vdot']:.1f} from your race of {pc['from_race']}." if pc else None
