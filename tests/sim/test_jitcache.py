"""The envs' numba cache follows the simulator's sources."""

from __future__ import annotations

from pathlib import Path

from sim import _jitcache


def test_refresh_flushes_once_per_simulator_change(tmp_path, monkeypatch):
    stamp = tmp_path / "stamp"
    assert _jitcache.refresh((), stamp) is True  # no stamp yet: treat as changed
    assert stamp.read_text() == _jitcache.fingerprint()
    assert _jitcache.refresh((), stamp) is False
    monkeypatch.setattr(_jitcache, "fingerprint", lambda: "edited")
    assert _jitcache.refresh((), stamp) is True and stamp.read_text() == "edited"
    assert _jitcache.refresh((), stamp) is False


def test_fingerprint_covers_the_simulator_sources():
    assert len(_jitcache.fingerprint()) == 64
    assert {"kernel", "state.py", "season.py"} <= set(_jitcache.SIM_SOURCES)


def test_fingerprint_covers_every_file_of_the_kernel_package():
    """numba keys a cached kernel on its own file: `day.step_day` inlines `rng` and `schedule`, so an
    edit of any section must change the fingerprint (and flush every section's cache)."""
    import sim.kernel

    folder = Path(sim.kernel.__file__).parent
    sections = set(folder.glob("*.py"))
    assert {"day.py", "rng.py", "__init__.py"} <= {p.name for p in sections}
    assert sections <= set(_jitcache.source_files())
    assert {m.__file__ for m in sim.kernel.SECTIONS} == {str(p) for p in sections if p.name != "__init__.py"}


def test_an_edit_of_one_section_changes_the_fingerprint(tmp_path, monkeypatch):
    import shutil

    import sim

    root = tmp_path / "sim"
    shutil.copytree(Path(sim.__file__).parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(sim, "__file__", str(root / "__init__.py"))
    before = _jitcache.fingerprint()
    with (root / "kernel" / "rng.py").open("a") as f:
        f.write("\n# edited\n")
    assert _jitcache.fingerprint() != before


def test_a_cache_folder_of_its_own_keeps_its_own_stamp(tmp_path, monkeypatch):
    """With NUMBA_CACHE_DIR, the stamp lives in that folder: a process on a fresh cache folder must not
    mark the default cache as current (its kernels would be compiled from old sources)."""
    from numba.core import config

    stamp = tmp_path / "pycache" / "stamp"
    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "cache"))
    assert _jitcache.refresh((), stamp) is True
    assert not stamp.exists()
    assert _jitcache.stamp_path(stamp).read_text() == _jitcache.fingerprint()
    assert (tmp_path / "cache") in _jitcache.stamp_path(stamp).parents
    monkeypatch.setattr(config, "CACHE_DIR", "")
    assert _jitcache.stamp_path(stamp) == stamp
    assert _jitcache.refresh((), stamp) is True  # the default cache was never stamped
