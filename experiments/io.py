"""File output: atomic writes (a temp file in the target folder, then os.replace), so a
crash or a bad path never leaves a half-written file behind, and output-target checks, so a
write never replaces anything but a regular file.

Temp files are named `.TARGET.stridelab-tmp-PID.XXXX.SUFFIX`: removed on every exit path the
process controls (an exception, Ctrl-C, SIGTERM through the CLI), and a leftover of a process that
was killed outright (SIGKILL, power loss) is swept by the next write to that folder, once its
PID is no longer alive on this machine (issue 25, item 13).

`os.replace` swaps the directory entry whatever it points at: as root, `--out /dev/null`
would turn the device into a regular file (issue 15, point 1). `check_writable` refuses any
existing target that is not a regular file (devices, FIFOs, sockets, folders, symbolic
links) before any work, and `atomic_path` checks again just before the rename.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from sim.errors import InputError

_KINDS = (
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
)


def describe_mode(mode: int) -> str:
    """What a non-regular `st_mode` is, for messages: "a symbolic link", "a named pipe (FIFO)", ..."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


_kind = describe_mode


def check_target(path: str | Path, option: str = "out") -> Path:
    """InputError if `path` exists and is not a regular file (never followed through a symbolic link)."""
    p = Path(path)
    try:
        st = os.lstat(p)
    except (FileNotFoundError, NotADirectoryError):
        return p  # absent (the folder check reports a missing folder)
    except OSError as err:
        raise InputError(f"{option}: {str(p)!r}: cannot be inspected ({err.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{option}: {str(p)!r} is {_kind(st.st_mode)}; allowed: a path to a regular file "
                         "(new or existing), which is replaced only when the output is complete")
    return p


def check_suffix(path: str | Path, allowed: Iterable[str], option: str = "out") -> Path:
    """InputError unless `path` ends in one of `allowed` (".csv", ...): no silent format change."""
    p = Path(path)
    allowed = tuple(allowed)
    if p.suffix.lower() not in allowed:
        raise InputError(f"{option}: {str(p)!r} has suffix {p.suffix or '(none)'!r}; allowed: {', '.join(allowed)}")
    return p


def check_format_suffix(fmt: str | None, out: str | Path | None, suffixes: dict[str, Iterable[str]],
                        format_option: str = "--format", out_option: str = "--out") -> None:
    """InputError when an explicit format and the output file's suffix disagree (`--format json --out x.csv`
    would write JSON into a file every program opens as CSV; issue 25, item 8).

    `suffixes` maps each format to the suffixes that mean it ({"md": (".md", ".markdown"), ...}). Nothing is
    checked without both a format and an output path, or for a format not in `suffixes` (the caller names
    unknown formats) or a suffix that means no format (the caller decides whether that is allowed).
    """
    if not fmt or out is None or not str(out).strip() or fmt not in suffixes:
        return
    suffix = Path(out).suffix.lower()
    means = [f for f, sx in suffixes.items() if suffix in tuple(x.lower() for x in sx)]
    if means and fmt not in means:
        own = ", ".join(suffixes[fmt])
        raise InputError(f"{format_option} {fmt} and {out_option} {str(out)!r} disagree: {suffix} is {means[0]}; "
                         f"allowed: an {out_option} ending in {own} for {format_option} {fmt}, or no {format_option} "
                         f"(the format then follows the suffix)")


def check_writable(path: str | Path, option: str = "out", suffixes: Iterable[str] | None = None) -> Path:
    """InputError unless `path` can become a regular file: its folder exists and is writable, and
    it is not an existing non-regular file (checked before any work)."""
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"{option}: the path is empty; allowed: a path to a regular file")
    check_target(p, option)
    if suffixes is not None:
        check_suffix(p, suffixes, option)
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{option}: {str(p)!r}: folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{option}: {str(p)!r}: folder {str(folder)!r} is not writable")
    return p


#: marks our temp files: `.TARGET.stridelab-tmp-PID.RANDOM.SUFFIX`
TMP_TAG = ".stridelab-tmp-"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep_temp_files(folder: str | Path) -> list[str]:
    """Remove the temp files of writers that died in `folder` (ours by name, regular files whose PID is gone);
    returns the names removed. Never follows a link; a name it cannot attribute is left alone."""
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for e in entries:
        name = e.name
        if not name.startswith(".") or TMP_TAG not in name:
            continue
        pid_text = name.rsplit(TMP_TAG, 1)[1].split(".", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid() or _pid_alive(int(pid_text)):
            continue
        try:
            if e.is_file(follow_symlinks=False):
                os.unlink(e.path)
                removed.append(name)
        except OSError:
            pass
    return removed


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str | None = None, option: str = "out") -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it replaces `path` atomically (only if
    `path` is still absent or a regular file)."""
    p = check_writable(path, option)
    folder = p.parent if str(p.parent) else Path(".")
    sweep_temp_files(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}{TMP_TAG}{os.getpid()}.", suffix=suffix or p.suffix or ".tmp",
                               dir=folder)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a user's output file gets the usual mode
        check_target(p, option)  # the target may have changed while the output was computed
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | Path, text: str, option: str = "out") -> Path:
    with atomic_path(path, option=option) as tmp:
        tmp.write_text(text)
    return Path(path)


def atomic_write_bytes(path: str | Path, data: bytes, option: str = "out") -> Path:
    with atomic_path(path, option=option) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def check_new_folder(path: str | Path, option: str = "out") -> Path:
    """InputError unless `path` is an existing writable folder or could be created (its nearest
    existing ancestor is a writable folder); nothing is created here."""
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"{option}: the path is empty; allowed: a folder path")
    if p.is_symlink() or (p.exists() and not p.is_dir()):
        kind = _kind(os.lstat(p).st_mode)
        raise InputError(f"{option}: {str(p)!r} is {kind}, not a folder; allowed: a folder (new or existing)")
    if p.is_dir():
        if not os.access(p, os.W_OK):
            raise InputError(f"{option}: folder {str(p)!r} is not writable")
        return p
    anc = p.absolute().parent
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise InputError(f"{option}: {str(p)!r}: {str(anc)!r} is not a folder")
    if not os.access(anc, os.W_OK):
        raise InputError(f"{option}: {str(p)!r}: folder {str(anc)!r} is not writable")
    return p


def finite_json(obj: object) -> object:
    """`obj` with every NaN or infinity replaced by None (JSON null), numpy scalars made Python."""
    import math

    import numpy as np

    if isinstance(obj, dict):
        return {str(k): finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_json(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [finite_json(v) for v in obj.tolist()]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def dumps_json(obj: object, **kwargs) -> str:
    """Always valid JSON (RFC 8259 has no NaN or Infinity): non-finite numbers become null."""
    import json

    return json.dumps(finite_json(obj), allow_nan=False, **kwargs)
