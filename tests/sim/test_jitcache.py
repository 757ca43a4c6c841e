"""The envs' numba cache follows the simulator's sources."""

from __future__ import annotations

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
    assert {"kernel.py", "state.py", "season.py"} <= set(_jitcache.SIM_SOURCES)
