"""MLflow tracking: every write to the tracking store goes through this package.

- `store`: where runs go (the tracking URI; a store checked to work before anything is written);
- `metadata`: what every run records (command, git commit, package versions, the resolved config);
- `metrics`: metric curves that a resumed run continues without a duplicate point;
- `runs`: run-level writes (create, tag, files, datasets, end) for every job;
- `sb3`: SB3's logger writing into a run (training only: it imports stable-baselines3);
- `registry`: a model logged once in its run, registered once, described, the `champion` alias;
- `optimize`: the run of `stridelab optimize`.

It sits below every job package (training, tune, optimize, report, serving) and imports none of
them; importing it is cheap (mlflow is imported where it is called).
"""

from experiments.tracking.metadata import (
    PACKAGES,
    complete_run_metadata,
    git_commit,
    log_params,
    log_run_metadata,
    package_versions,
    run_metadata,
)
from experiments.tracking.metrics import MetricLogger, last_steps, sanitize
from experiments.tracking.runs import (
    FAILED,
    FINISHED,
    KILLED,
    delete_run,
    end_run,
    log_dataset,
    log_files,
    log_text,
    reopen_run,
    set_tags,
    start_run,
)
from experiments.tracking.store import (
    DEFAULT_TRACKING_URI,
    check_uri,
    client,
    experiment_id,
    open_store,
    sqlite_path,
    store_timeout,
    tracking_uri,
)

__all__ = [
    "PACKAGES", "complete_run_metadata", "git_commit", "log_params", "log_run_metadata", "package_versions",
    "run_metadata", "MetricLogger", "last_steps", "sanitize", "end_run", "log_dataset", "log_files", "log_text",
    "reopen_run", "set_tags", "start_run", "delete_run", "FAILED", "FINISHED", "KILLED",
    "DEFAULT_TRACKING_URI", "check_uri", "client", "experiment_id",
    "open_store", "sqlite_path", "store_timeout", "tracking_uri",
]
