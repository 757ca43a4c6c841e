"""Write the sample training log shipped in examples/athlete/ (one simulated athlete, every import format).

    python scripts/make_sample_log.py [FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from experiments.athlete.synthetic import write_samples

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "examples" / "athlete"
    for fmt, (log, results) in write_samples(folder).items():
        print(f"{fmt}: {log} (+ {results})")


if __name__ == "__main__":
    main()
