"""`stridelab athlete fit LOG [--races FILE] --out athlete.yaml` and `stridelab athlete check`.

`fit` imports a training log (a Strava or Garmin export, a folder of .fit/.gpx/.tcx files,
a Strava activities.csv or an intervals.icu CSV; bad rows and files are skipped and
reported, `--strict` stops at the first), fits the athlete's profile and response parameters with their
uncertainty (experiments.athlete.fitting) and writes the athlete file. `check` runs the
synthetic-athlete calibration check: athletes with known parameters, their logs written in
an import format, fitted back; prints the coverage of the 90% intervals per number of races.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from experiments.athlete.localtime import zone
from experiments.cli import args as A
from experiments.io import atomic_write_text, check_writable
from sim.errors import InputError


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; need a number >= 0") from None
    if not 0.0 <= value <= 80.0:
        raise argparse.ArgumentTypeError(f"{text} is not allowed; need a number in [0, 80]")
    return value


def _race_counts(text: str) -> list[int]:
    try:
        counts = [int(x) for x in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of race counts; e.g. 1,2,4,8") from None
    if not counts or any(not 0 <= c <= 20 for c in counts):
        raise argparse.ArgumentTypeError(f"{text!r}: each race count must be in [0, 20]")
    return counts


MIN_CHECK_WEEKS, MAX_CHECK_WEEKS = 5, 40  # synthetic logs start 2026-01-05 and may not run into the future
MAX_CHECK_ATHLETES = 2000  # each one is a log written and fitted (seconds each): more is hours, not a check


def _timezone(text: str) -> str:
    try:
        zone(text)
    except InputError as err:
        raise argparse.ArgumentTypeError(str(err).removeprefix("--timezone: ")) from None
    return text


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("athlete", help="fit a runner's profile to their training log",
                       description="Import a runner's training log and fit their athlete profile, with uncertainty.")
    asub = p.add_subparsers(dest="athlete_command", metavar="ACTION", required=True)
    f = asub.add_parser("fit", help="fit an athlete file to a log",
                        description="Fit the athlete profile and response multipliers to a training log.")
    f.add_argument("log", help="a Strava or Garmin Connect export (.zip or folder, searched recursively), a folder of "
                               ".fit/.gpx/.tcx files (also .gz), a Strava activities.csv or an intervals.icu CSV")
    f.add_argument("--strict", action="store_true",
                   help="stop at the first bad row or file (default: skip it and report file, row and why)")
    f.add_argument("--timezone", type=_timezone, default=None,
                   help="IANA zone (e.g. Europe/Berlin) for activities dated only in UTC without a start position "
                        "(Strava's activities.csv); default: the watch's offset, the start position's zone, or the "
                        "offset that explains Strava's automatic titles")
    f.add_argument("--races", default=None,
                   help="CSV date,event,result: race results (10k,0:44:30) and half-squat 1RM tests "
                        "(half_squat_1rm_bw,1.35)")
    f.add_argument("--out", required=True, help="athlete file to write (YAML)")
    f.add_argument("--level", type=A.level, default=None, help="level (default: from the habitual km)")
    f.add_argument("--training-age", type=_non_negative, default=None, help="years of running (default: typical)")
    f.add_argument("--injuries", type=_non_negative, default=None,
                   help="running injuries in the two years before the log (default: typical for the level)")
    f.add_argument("--race-distance", type=A.race_distance, default="10k", help="target race (default 10k)")
    f.add_argument("--seed", type=A.seed_int, default=0, help="seed of the posterior draws (default 0)")
    f.set_defaults(func=run_fit)
    c = asub.add_parser("check", help="coverage of the fit's 90%% intervals on synthetic athletes",
                        description="Simulate athletes with known parameters, write their logs, fit them back and "
                                    "report the coverage of the 90% intervals and their widths.")
    c.add_argument("--athletes", type=A.int_in(1, MAX_CHECK_ATHLETES, "athletes per race count"), default=50,
                   help=f"athletes per race count, 1-{MAX_CHECK_ATHLETES} (default 50)")
    c.add_argument("--races", type=_race_counts, default=[1, 2, 4, 8], help="race counts (default 1,2,4,8)")
    c.add_argument("--format", choices=("fit", "strava", "intervals", "all"), default="all",
                   help="log format the athletes are written in (default all: rotate)")
    c.add_argument("--weeks", type=A.int_in(MIN_CHECK_WEEKS, MAX_CHECK_WEEKS, "weeks"), default=24,
                   help=f"log length in weeks, {MIN_CHECK_WEEKS}-{MAX_CHECK_WEEKS} (default 24)")
    c.add_argument("--out", default=None, help="write the coverage table to this CSV file")
    c.set_defaults(func=run_check)


def run_fit(args: argparse.Namespace) -> int:
    from experiments.athlete.profile import athlete_document, dump_document, fit_files, summary_lines  # lazy: CLI start

    check_writable(args.out, "--out", (".yaml", ".yml"))
    af = fit_files(args.log, args.races, level=args.level, training_age_y=args.training_age,
                   prior_injuries=args.injuries, race_distance=args.race_distance, strict=args.strict,
                   timezone=args.timezone)
    report = af.acts.attrs.get("import_report")
    if report is not None:
        for line in report.lines():
            print(line, file=sys.stderr)
    doc = athlete_document(af, seed=args.seed)
    atomic_write_text(args.out, dump_document(doc), option="--out")
    for line in summary_lines(doc):
        print(line)
    for w in doc["fit_quality"]["warnings"]:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {args.out}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from experiments.athlete.synthetic import FORMATS, check_one, coverage_table  # lazy: CLI start

    if args.out:
        check_writable(args.out, "--out", (".csv",))
    formats = FORMATS if args.format == "all" else (args.format,)
    rows = []
    total = len(args.races) * args.athletes
    with tempfile.TemporaryDirectory(prefix="stridelab-check-") as tmp:
        for n_races in args.races:
            for i in range(args.athletes):
                fmt = formats[i % len(formats)]
                rows.append(check_one(10_000 + i, n_races, fmt, Path(tmp) / f"{n_races}-{i}", weeks=args.weeks))
                print(f"\rathlete check: {len(rows)}/{total} fitted", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    table = coverage_table(rows)
    if args.out:
        atomic_write_text(args.out, table.to_csv(index=False), option="--out")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    return 0
