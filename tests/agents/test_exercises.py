"""The article's exercise lists, as data."""

from __future__ import annotations

from agents import exercises as X


def test_beginner_sessions_are_two_sets_of_8_to_12_with_timed_planks():
    for session in (X.BEGINNER_A, X.BEGINNER_B):
        assert len(session) == 5
        lifts = [e for e in session if "plank" not in e.name.lower()]
        planks = [e for e in session if "plank" in e.name.lower()]
        assert len(lifts) == 4 and len(planks) == 1
        assert all(e.sets == 2 and e.reps.startswith("8-12") for e in lifts)
        assert planks[0].sets == 3 and planks[0].reps.endswith(("s", "side"))


def test_intermediate_b_and_advanced_pre_season_carry_the_plyometrics():
    def jumps(session):
        return [e for e in session if any(w in e.name.lower() for w in ("jump", "hop", "bound"))]

    assert not jumps(X.INTERMEDIATE_A)
    assert len(jumps(X.INTERMEDIATE_B)) == 1
    assert len(jumps(X.ADVANCED_PRE_SEASON)) == 2
    assert not jumps(X.ADVANCED_OFF_SEASON)
    # heavy off-season: 3-5 reps on the main lift, 4 sets (article: 3-5 sets)
    assert X.ADVANCED_OFF_SEASON[0].reps == "3-5" and X.ADVANCED_OFF_SEASON[0].sets == 4


def test_maintenance_is_one_or_two_sets_of_key_lifts():
    assert all(e.sets == 2 for e in X.MAINTENANCE)
    assert all(e.sets == 1 for e in X.maintenance(1))
    assert [e.name for e in X.maintenance(1)] == [e.name for e in X.MAINTENANCE]


def test_toning_is_high_rep():
    for e in X.TONING:
        first = int(e.reps.split()[0].split("-")[0])
        assert first >= 20, e


def test_labelled_sessions_split_back():
    week = X.labelled(A=X.INTERMEDIATE_A, B=X.INTERMEDIATE_B)
    assert week[0].name == "A: Front squat or goblet squat"
    parts = X.split_sessions(week)
    assert parts == {"A": X.INTERMEDIATE_A, "B": X.INTERMEDIATE_B}
    assert X.split_sessions(X.MAINTENANCE) == {"": X.MAINTENANCE}


def test_pool_has_every_listed_exercise_once():
    names = [e.name for e in X.ALL_EXERCISES]
    for session in X.SESSIONS.values():
        assert all(e in X.ALL_EXERCISES for e in session)
    assert len(names) == len(X.ALL_EXERCISES)
    assert all(e.sets == 3 for e in X.with_sets(X.BEGINNER_A, 3))
