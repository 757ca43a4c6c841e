"""Run-level writes: create a run, tag it, attach files and datasets, end it. Every job (training, tune,
optimize, compare) writes through these, with an explicit run id (never MLflow's "active run")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: MLflow's end states of a run
FINISHED, FAILED, KILLED = "FINISHED", "FAILED", "KILLED"


def start_run(cl: Any, experiment_id: str, name: str, tags: Mapping[str, str]) -> str:
    """A new run in `experiment_id`; returns its id."""
    return str(cl.create_run(experiment_id, run_name=name, tags=dict(tags)).info.run_id)


def reopen_run(cl: Any, run_id: str) -> None:
    """Mark a stopped run running again (a resume continues in the same run)."""
    cl.update_run(run_id, status="RUNNING")


def end_run(cl: Any, run_id: str, status: str = FINISHED) -> None:
    cl.set_terminated(run_id, status=status)


def set_tags(cl: Any, run_id: str, tags: Mapping[str, str]) -> None:
    """Set each tag (a new value replaces the old one)."""
    for k, v in tags.items():
        try:
            cl.set_tag(run_id, k, v)
        except Exception as err:
            # MLflow's SQL store looks the tag up, then inserts or updates it: two processes setting one new
            # tag at once (tune workers finishing one study on one server) can both miss it, and the second
            # insert violates the unique key. The row exists now, so a second call updates it.
            if not _duplicate_key(err):
                raise
            cl.set_tag(run_id, k, v)


def _duplicate_key(err: Exception) -> bool:
    """`err` is a tracking store's unique-key violation (a lost insert race), not another failure."""
    from mlflow.exceptions import MlflowException  # lazy: mlflow takes 1.5 s to import

    text = str(err).lower()
    return isinstance(err, MlflowException) and ("unique" in text or "duplicate" in text)


def log_text(cl: Any, run_id: str, text: str, artifact_file: str) -> None:
    cl.log_text(run_id, text, artifact_file)


def log_files(cl: Any, run_id: str, paths: Iterable[str | Path], folder: str | None = None) -> None:
    """Each file as an artefact of the run, under `folder` (None: the artefact root)."""
    for p in paths:
        cl.log_artifact(run_id, str(p), folder)


def log_dataset(cl: Any, run_id: str, df: pd.DataFrame, name: str, tags: Mapping[str, str]) -> None:
    """`df` as an MLflow dataset input of the run (`tags`: its context, size, seed...)."""
    import mlflow.data  # lazy: mlflow takes 1.5 s to import
    from mlflow.entities import DatasetInput, InputTag  # lazy: mlflow
    from mlflow.exceptions import MlflowException  # lazy: mlflow

    ds = mlflow.data.from_pandas(df, name=name)
    inputs = [DatasetInput(ds._to_mlflow_entity(), tags=[InputTag(k, v) for k, v in tags.items()])]
    try:
        cl.log_inputs(run_id, datasets=inputs)
    except MlflowException as err:
        # MLflow's store looks the dataset up, then inserts it: two processes logging the same
        # dataset into one experiment at once (tune workers on one server) can both miss it,
        # and the second insert violates the unique key. The dataset exists now; link it again.
        if not _duplicate_key(err):
            raise
        cl.log_inputs(run_id, datasets=inputs)


def delete_run(cl: Any, run_id: str) -> None:
    """Remove a run this process created and could not finish setting up (nothing half-made is left)."""
    cl.delete_run(run_id)
