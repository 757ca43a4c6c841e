"""Temp files beside an output (issue 25, item 13): removed on every exit path the process controls
(SIGTERM included), and a killed writer's leftover swept by the next write to that folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from experiments.io import TMP_TAG, atomic_write_text, sweep_temp_files

ROOT = Path(__file__).resolve().parents[3]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_a_dead_writers_leftover_is_swept_and_a_live_ones_kept(tmp_path):
    dead = tmp_path / f".plan.yaml{TMP_TAG}{_dead_pid()}.k3j2.yaml"
    live = tmp_path / f".plan.yaml{TMP_TAG}1.a8b7.yaml"  # pid 1 is alive
    other = tmp_path / ".plan.yaml.x8k2.yaml"  # not ours by name: never touched
    for f in (dead, live, other):
        f.write_text("")
    os.symlink("nowhere", tmp_path / f".x{TMP_TAG}{_dead_pid()}.link")
    atomic_write_text(tmp_path / "plan.yaml", "level: beginner\n")
    names = {p.name for p in tmp_path.iterdir()}
    assert dead.name not in names and {live.name, other.name, "plan.yaml"} <= names
    assert any(n.endswith(".link") for n in names)  # a link is never followed or removed


def test_kill_9_inside_a_write_leaves_a_temp_file_the_next_write_sweeps(tmp_path):
    script = textwrap.dedent(f"""
        import time
        from experiments.io import atomic_path
        with atomic_path({str(tmp_path / 'plan.json')!r}) as tmp:
            tmp.write_text("half")
            print("writing", flush=True)
            time.sleep(120)
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=_env(), text=True)
    assert p.stdout.readline().strip() == "writing"
    p.send_signal(signal.SIGKILL)
    p.wait()
    left = [q.name for q in tmp_path.iterdir()]
    assert len(left) == 1 and TMP_TAG in left[0] and not (tmp_path / "plan.json").exists()
    atomic_write_text(tmp_path / "plan.json", "{}")
    assert sorted(q.name for q in tmp_path.iterdir()) == ["plan.json"]


def test_sigterm_during_a_cli_write_removes_the_temp_file(tmp_path):
    """SIGTERM's default action ends a process without running `finally`; the CLI turns it into an
    exception, so the temp file goes, and the exit code is 143 with one line, no traceback."""
    script = textwrap.dedent(f"""
        import sys, time
        import experiments.cli.simulate as simulate
        from experiments.io import atomic_path

        def slow(args):
            with atomic_path({str(tmp_path / 'out.csv')!r}) as tmp:
                tmp.write_text("half")
                print("writing", flush=True)
                time.sleep(120)
            return 0

        simulate.run = slow
        from experiments.cli import main
        sys.exit(main(["simulate", "plan.yaml"]))
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
                         text=True, cwd=tmp_path)
    assert p.stdout.readline().strip() == "writing"
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and "terminated" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_sweep_ignores_a_missing_folder(tmp_path):
    assert sweep_temp_files(tmp_path / "nope") == []
