"""Write real-world-style exports of three runners (examples/athlete/real_world/, docs/real_logs.md).

    PYTHONPATH=. python scripts/make_real_world_exports.py [OUT_FOLDER]

- strava_toronto.zip: a Strava bulk export (current layout, US dates in UTC, .fit.gz/.gpx/.gpx.gz/
  .tcx.gz originals), two years of a runner who went from 12 to 45 km/week, 4 races;
- garmin_berlin.zip: a Garmin Connect data export (nested UploadedFiles zip, monitoring files), one year;
- strava_de_activities.csv: a German-language Strava activities.csv alone (decimal commas, UTC dates,
  no files: the local day comes from Strava's automatic titles), 30 weeks, a low-volume runner.
"""

import datetime as dt
import sys
from pathlib import Path

from experiments.athlete import exports as X

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/athlete/real_world")
    out.mkdir(parents=True, exist_ok=True)
    end = dt.date(2026, 11, 29)
    X.strava_export(X.runner_history(21, 104, end, early_km=12, recent_km=45, races=4), out / "strava_toronto.zip",
                    place="toronto")
    X.garmin_export(X.runner_history(22, 52, end, early_km=50, recent_km=60, runs_per_week=6, races=3),
                    out / "garmin_berlin.zip", place="berlin")
    csv_dir = out / "_de"
    csv_dir.mkdir(exist_ok=True)
    X.strava_export(X.runner_history(23, 30, end, early_km=15, recent_km=20, runs_per_week=3, races=2), csv_dir,
                    place="berlin", layout="de", as_zip=False, with_files=False)
    (csv_dir / "activities.csv").replace(out / "strava_de_activities.csv")
    for p in csv_dir.rglob("*"):
        if p.is_file():
            p.unlink()
    for p in sorted(csv_dir.rglob("*"), reverse=True):
        p.rmdir()
    csv_dir.rmdir()
    print("\n".join(str(p) for p in sorted(out.iterdir())))
