"""Benchmark: reading a one-year folder of 250 FIT runs, old vs new, and `athlete fit` on it.

    PYTHONPATH=. python scripts/bench_read_logs.py [--keep FOLDER]

Prints the figures docs/benchmarks.md ("Reading real logs") quotes. See experiments/bench/logs.py.
"""

import argparse
import json
from pathlib import Path

from experiments.bench.logs import run

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", type=Path, default=None, help="write (or reuse) the year folder here")
    a = p.parse_args()
    print(json.dumps(run(a.keep), indent=1))
