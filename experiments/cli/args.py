"""argparse types that reject bad values with a message naming the value and what is allowed
(argparse then exits 2 without a traceback)."""

from __future__ import annotations

import argparse
import datetime as dt
import os

from sim.state import LEVELS, RACE_KM


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; need a whole number >= 1") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; need a whole number >= 1")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer seed; need 0 <= seed < 2**63") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"{value} is out of range; need 0 <= seed < 2**63")
    return value


def level(text: str) -> str:
    if text not in LEVELS:
        raise argparse.ArgumentTypeError(f"{text!r} is not a level; allowed: {', '.join(LEVELS)}")
    return text


def race_distance(text: str) -> str:
    if text not in RACE_KM:
        raise argparse.ArgumentTypeError(f"{text!r} is not a race distance; allowed: {', '.join(RACE_KM)}")
    return text


def date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; use YYYY-MM-DD") from None


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; need a number > 0") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} is not allowed; need a finite number > 0")
    return value


def int_in(lo: int, hi: int, unit: str):
    """An argparse type: a whole number in [lo, hi] `unit`, the message naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; need {lo}-{hi} {unit}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{text} is not allowed; need {lo}-{hi} {unit}")
        return value

    return parse


MAX_MODEL_DRAWS = 500


def model_draws(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer; need 0 <= K <= {MAX_MODEL_DRAWS}") from None
    if not 0 <= value <= MAX_MODEL_DRAWS:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; need 0 <= K <= {MAX_MODEL_DRAWS}")
    return value


def athletes(text: str) -> int:
    """A population size: a whole number >= 2 (a 95% CI needs two athletes). The memory it needs is
    checked against the plan once the season length is known (`sim.whatif.check_athletes`)."""
    from sim.whatif import MIN_ATHLETES  # lazy: CLI start

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; need {MIN_ATHLETES} or more") from None
    if value < MIN_ATHLETES:
        raise argparse.ArgumentTypeError(
            f"{value} is too few; need at least {MIN_ATHLETES} athletes (a 95% CI needs two)")
    return value


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def worker_processes(text: str) -> int:
    """A number of worker processes: 1 to the CPU count (each worker trains on a core of its own; more
    only adds processes that wait, and `--n-jobs 1000000` would spawn until memory runs out)."""
    limit = cpu_count()
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; allowed: 1 to {limit} (the CPUs of this "
                                         "machine)") from None
    if not 1 <= value <= limit:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 1 to {limit} (the CPUs of this machine)")
    return value


def experiment_name(text: str) -> str:
    """An MLflow experiment name: 1 to 500 printable characters, not only spaces (MLflow refuses an empty
    name with a traceback, after the run's work is done)."""
    if not text.strip() or len(text) > 500 or not text.isprintable():
        shown = repr(text) if len(text) <= 60 else repr(text[:60]) + "...(cut)"
        raise argparse.ArgumentTypeError(f"{shown} is not allowed; allowed: an MLflow experiment name of 1 to 500 "
                                         "printable characters")
    return text
