"""One seed's run and its checkpoints: saved locally (atomically, with the model's metadata) and as MLflow
artefacts, fetched back on resume; the lock that keeps one resume of a run at a time."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import stat as _stat
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stable_baselines3.common.vec_env import VecNormalize

from experiments import tracking
from experiments.config import ExperimentConfig
from experiments.io import atomic_path, atomic_write_text
from experiments.policy import VECNORM_NAME, policy_meta, save_vecnormalize, write_meta
from sim.errors import InputError

CHECKPOINT_NAME = "checkpoint.zip"
REPLAY_NAME = "replay_buffer.pkl"
STATE_NAME = "checkpoint.json"


@dataclass
class RunContext:
    """One seed's MLflow run and its local folder."""

    cfg: ExperimentConfig
    seed: int
    run_id: str
    client: Any
    metrics: tracking.MetricLogger
    folder: Path
    wall_s: float = 0.0

    @property
    def ckpt_dir(self) -> Path:
        return self.folder / "checkpoints"

    def save_checkpoint(self, model) -> None:
        """Model (+ VecNormalize stats, DQN replay buffer) to the local folder atomically, then as artefacts."""
        d = self.ckpt_dir
        d.mkdir(parents=True, exist_ok=True)
        with atomic_path(d / CHECKPOINT_NAME, suffix=".zip") as tmp:
            model.save(str(tmp))
            write_meta(tmp, policy_meta(self.cfg))  # the model never exists without what it was trained for
        files = [d / CHECKPOINT_NAME]
        env = model.get_env()
        if isinstance(env, VecNormalize):
            save_vecnormalize(env, d / VECNORM_NAME)
            files.append(d / VECNORM_NAME)
        if self.cfg.algo.name == "dqn":
            with atomic_path(d / REPLAY_NAME, suffix=".pkl") as tmp:
                model.save_replay_buffer(str(tmp))
            files.append(d / REPLAY_NAME)
        state = {"num_timesteps": int(model.num_timesteps), "run_id": self.run_id, "seed": self.seed,
                 "files": [f.name for f in files], "wall_s": self.wall_s + time.time() - self._t0}
        atomic_write_text(d / STATE_NAME, json.dumps(state))
        files.append(d / STATE_NAME)
        tracking.log_files(self.client, self.run_id, files, "checkpoints")
        tracking.set_tags(self.client, self.run_id, {"stridelab.checkpoint_step": str(model.num_timesteps)})

    _t0: float = field(default_factory=time.time)


def fetch_checkpoint(ctx: RunContext) -> dict | None:
    """The last checkpoint of a run: local folder first, else downloaded from its MLflow artefacts."""
    d = ctx.ckpt_dir
    if not (d / STATE_NAME).is_file():
        tmp = Path(tempfile.mkdtemp(prefix="stridelab-ckpt-"))
        try:
            ctx.client.download_artifacts(ctx.run_id, "checkpoints", str(tmp))
            d.mkdir(parents=True, exist_ok=True)
            for f in (tmp / "checkpoints").iterdir():
                shutil.copy2(f, d / f.name)
        except Exception:  # noqa: BLE001 (no artefacts = no checkpoint)
            return None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)  # on every exit path (issue 25, item 13)
    if not (d / STATE_NAME).is_file():
        return None
    return json.loads((d / STATE_NAME).read_text())


class ResumeLock:
    """An exclusive lock on one run while it is resumed, so two `--resume RUN` cannot both proceed (both would
    train and log every point twice). An OS file lock (`flock`) on `CHECKPOINT_FOLDER/RUN/resume.lock`: the
    kernel drops it when the process dies, however it dies, so a killed resume never blocks the next one.
    The file stays in the run's checkpoint folder (removing it would let a third process lock a new file
    while a second still holds the old one)."""

    def __init__(self, folder: Path, run_id: str) -> None:
        self.path = Path(folder) / run_id / "resume.lock"
        self.run_id = run_id
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as err:
            raise InputError(f"--resume {self.run_id}: cannot lock the run ({self.path}: {err.strerror}); "
                             "allowed: a checkpoint.folder where a lock file can be written") from None
        try:
            if not _stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"--resume {self.run_id}: {self.path} is not a regular file; remove it")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                raise InputError(f"--resume {self.run_id}: this run is being resumed already (by {holder}); "
                                 "allowed: one resume of a run at a time, wait for it to finish") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None


def logged_config(cl, run_id: str) -> str | None:
    tmp = Path(tempfile.mkdtemp(prefix="stridelab-cfg-"))
    try:
        path = cl.download_artifacts(run_id, "config.yaml", str(tmp))
        return Path(path).read_text()
    except Exception:  # noqa: BLE001
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
