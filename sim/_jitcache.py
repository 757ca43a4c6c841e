"""Keep numba's on-disk cache in step with the simulator sources it compiles in.

numba's cache (cache=True) is keyed on the source file of each function only. The kernels
freeze `sim.state` / `sim.parameters` index constants, and the env and template kernels inline
`sim.kernel` (package) / `sim.season` functions, so after an edit of one of those files a cached kernel
elsewhere would keep running the old code. Each package that compiles kernels calls
`refresh(its modules, its stamp)` on import: when the simulator's sources changed since the
stamp was written, the cache index of those modules' kernels is emptied before anything is
called (they then recompile once, from the current sources).
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from types import ModuleType

SIM_SOURCES = ("_jit.py", "kernel", "season.py", "state.py")  # a folder: every .py file in it


def source_files() -> list[Path]:
    """The simulator source files in the fingerprint (`SIM_SOURCES`, folders expanded, sorted)."""
    import sim

    folder = Path(sim.__file__).parent
    files: list[Path] = []
    for name in SIM_SOURCES:
        path = folder / name
        files += sorted(path.glob("*.py")) if path.is_dir() else [path]
    return files


def fingerprint() -> str:
    """Hash of what compiled env kernels depend on: the simulator sources they inline and the
    order of the parameter table (its index constants). Parameter values are not compiled in
    (they reach the kernels in the `gp` vector), so tuning them costs no recompilation."""
    import sim
    from sim.parameters import PARAMETERS

    folder = Path(sim.__file__).parent
    digest = hashlib.sha256()
    for path in source_files():
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(",".join(p.name for p in PARAMETERS).encode())
    return digest.hexdigest()


def sources_hash(sources: tuple[ModuleType, ...]) -> str:
    """Hash of the modules' own files ("" for none): a package whose kernels inline each other's
    code or layouts adds it to the simulator's fingerprint."""
    if not sources:
        return ""
    digest = hashlib.sha256()
    for mod in sources:
        digest.update(Path(mod.__file__).read_bytes())
    return digest.hexdigest()


def stamp_path(stamp: Path) -> Path:
    """Where the stamp of the cache that numba uses now is kept: `stamp` itself, or, when numba's
    cache lives in a folder of its own (NUMBA_CACHE_DIR: a fresh cache for a cold-start timing, CI),
    a file in that folder. A stamp describes one cache: one shared by every cache folder would let
    a process on a fresh folder mark the default cache as current, whose stale kernels (compiled
    from sources since edited) then load."""
    from numba.core import config

    if not config.CACHE_DIR:
        return stamp
    key = hashlib.sha256(str(stamp.resolve()).encode()).hexdigest()[:16]
    return Path(config.CACHE_DIR) / "stridelab-stamps" / f"{key}-{stamp.name}"


def refresh(modules: tuple[ModuleType, ...], stamp: Path, sources: tuple[ModuleType, ...] = ()) -> bool:
    """Flush the cache index of the modules' numba functions if the simulator (or one of `sources`)
    changed since `stamp_path(stamp)` was written; True if flushed."""
    from numba.core.registry import CPUDispatcher

    stamp = stamp_path(stamp)
    current = fingerprint() + sources_hash(sources)
    with contextlib.suppress(OSError):
        if stamp.read_text() == current:
            return False
    for mod in modules:
        for obj in vars(mod).values():
            own = isinstance(obj, CPUDispatcher) and obj.py_func.__module__ == mod.__name__
            if own and obj._cache is not None:
                with contextlib.suppress(OSError):
                    obj._cache.flush()
    with contextlib.suppress(OSError):
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(current)
    return True
