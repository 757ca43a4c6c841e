"""The article's exercise lists as data, so exported plans can name every lift.

Source: ../shared/seed/000_eec8bc675617798f.txt, "Sample Plans for Different Levels" and
"Common Strength Mistakes". Where the article gives a range of sets ("2-3 x 6-8") the upper
value is used, matching the sets per key lift the simulator is given (`sim.state.P_SETS`);
the range stays visible in `reps` only where the article puts it there.

A week with two different sessions (Beginner A/B, Intermediate A/B) lists both, each name
prefixed with its session label ("A: Goblet squat"); `split_sessions` undoes that.
"""

from __future__ import annotations

from sim.plan import Exercise


def _ex(name: str, sets: int, reps: str) -> Exercise:
    return Exercise(name=name, sets=sets, reps=reps)


# Beginner: "2 sets per exercise, 8-12 reps, and stop 1-2 reps shy of failure".
BEGINNER_A: tuple[Exercise, ...] = (
    _ex("Goblet squat", 2, "8-12"),
    _ex("Glute bridge or hip thrust", 2, "8-12"),
    _ex("Reverse lunge (bodyweight)", 2, "8-12 each leg"),
    _ex("Standing calf raises", 2, "8-12"),
    _ex("Plank", 3, "20-40 s"),
)
BEGINNER_B: tuple[Exercise, ...] = (
    _ex("Romanian deadlift with dumbbells", 2, "8-12"),
    _ex("Step-ups (low box)", 2, "8-12 each leg"),
    _ex("Single-leg calf raises", 2, "8-12 each leg"),
    _ex("Push-ups (incline if needed)", 2, "8-12"),
    _ex("Side plank", 3, "15-30 s each side"),
)

# Intermediate: A strength-biased, B strength + plyometrics.
INTERMEDIATE_A: tuple[Exercise, ...] = (
    _ex("Front squat or goblet squat", 3, "5-6 (heavier)"),
    _ex("Romanian deadlift", 3, "6-8"),
    _ex("Bulgarian split squat", 3, "6-8 each leg"),
    _ex("Standing calf raises", 3, "8-10 (slow tempo)"),
    _ex("Pallof press", 3, "10-12 each side"),
)
INTERMEDIATE_B: tuple[Exercise, ...] = (
    _ex("Hip thrust", 3, "6-8"),
    _ex("Reverse lunge", 3, "8-10 each leg"),
    _ex("Single-leg deadlift (bodyweight or light weight)", 3, "8"),
    _ex("Box jumps or low hurdle hops", 3, "6-8 jumps (full recovery)"),
    _ex("Farmer's carry", 3, "20-30 m"),
)

# Advanced: off-season builds strength, pre-season converts it to power.
ADVANCED_OFF_SEASON: tuple[Exercise, ...] = (
    _ex("Heavy squats or trap bar deadlifts", 4, "3-5"),
    _ex("Weighted hip thrusts", 4, "5-6"),
    _ex("Bulgarian split squats", 3, "6-8 each leg"),
    _ex("Nordic curls or sliding curls", 3, "5-6"),
    _ex("Core circuit (plank, side plank, dead bug)", 3, "1 round"),
)
ADVANCED_PRE_SEASON: tuple[Exercise, ...] = (
    _ex("Moderate-load squats", 3, "4-6"),
    _ex("Hip thrusts", 3, "4-6"),
    _ex("Box jumps or drop jumps", 4, "5"),
    _ex("Lateral bounds", 3, "6-8 each side"),
    _ex("Single-leg RDLs", 3, "6-8 each leg"),
)

# Race season: "a single 25-30-minute full-body session each week, with 1-2 sets of key
# lifts" (mistake 5) "and some light plyometrics to stay sharp" (advanced plan). The sets
# here are the race-season value; the taper uses fewer (`maintenance(sets)`).
_MAINTENANCE_LIFTS: tuple[tuple[str, str], ...] = (
    ("Squat (moderate load)", "4-6"),
    ("Romanian deadlift", "5-6"),
    ("Hip thrust", "6"),
    ("Standing calf raises", "8-10"),
    ("Low hurdle hops (light plyometrics)", "5-6"),
    ("Plank", "30 s"),
)


def maintenance(sets: int = 2) -> tuple[Exercise, ...]:
    """The maintenance session with `sets` sets of each key lift (1-2 in the article)."""
    return tuple(_ex(name, sets, reps) for name, reps in _MAINTENANCE_LIFTS)


MAINTENANCE: tuple[Exercise, ...] = maintenance(2)

# Mistake 1: "endless sets of light, high-rep exercises".
TONING: tuple[Exercise, ...] = (
    _ex("Bodyweight squats", 3, "25-30"),
    _ex("Glute bridges", 3, "20-25"),
    _ex("Walking lunges", 3, "20 each leg"),
    _ex("Calf raises", 3, "30"),
    _ex("Side-lying clamshells and banded lateral walks", 3, "20 each side"),
    _ex("Crunches", 3, "25"),
)

#: Every lift the article names, for the "random workouts" mistake to pick from.
ALL_EXERCISES: tuple[Exercise, ...] = tuple(dict.fromkeys(
    BEGINNER_A + BEGINNER_B + INTERMEDIATE_A + INTERMEDIATE_B + ADVANCED_OFF_SEASON + ADVANCED_PRE_SEASON
    + MAINTENANCE + TONING
))

SESSIONS: dict[str, tuple[Exercise, ...]] = {
    "beginner_a": BEGINNER_A,
    "beginner_b": BEGINNER_B,
    "intermediate_a": INTERMEDIATE_A,
    "intermediate_b": INTERMEDIATE_B,
    "advanced_off_season": ADVANCED_OFF_SEASON,
    "advanced_pre_season": ADVANCED_PRE_SEASON,
    "maintenance": MAINTENANCE,
    "toning": TONING,
}


def labelled(**sessions: tuple[Exercise, ...]) -> tuple[Exercise, ...]:
    """Concatenate sessions, prefixing each exercise name with its session label."""
    return tuple(
        Exercise(name=f"{label}: {e.name}", sets=e.sets, reps=e.reps)
        for label, exs in sessions.items() for e in exs
    )


def with_sets(exercises: tuple[Exercise, ...], sets: int) -> tuple[Exercise, ...]:
    """The same lifts with every exercise's sets set to `sets` (random workouts, toning)."""
    return tuple(Exercise(name=e.name, sets=sets, reps=e.reps) for e in exercises)


def split_sessions(exercises: tuple[Exercise, ...]) -> dict[str, tuple[Exercise, ...]]:
    """Group a week's exercises by session label ("" when the week has one session type)."""
    out: dict[str, list[Exercise]] = {}
    for e in exercises:
        label, sep, name = e.name.partition(": ")
        if not sep or len(label) > 2:
            label, name = "", e.name
        out.setdefault(label, []).append(Exercise(name=name, sets=e.sets, reps=e.reps))
    return {k: tuple(v) for k, v in out.items()}
