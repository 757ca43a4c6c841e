"""Where activity files hide in what runners export: folders (searched recursively), zips
(Strava's bulk export, Garmin Connect's data export with its nested
`DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_*.zip`, "export original" zips) and gzip
(`.fit.gz`, `.gpx.gz`, `.tcx.gz` in Strava's `activities/` folder).

`entries(path)` yields every file that may hold activities, with its kind (by name, else by
content) and a loader of its bytes; nothing is extracted to disk. Entries of an archive must be loaded while the
generator stands on them (the archive is open only then). Sizes are bounded so a
hostile archive cannot fill memory (a zip or gzip bomb is a skipped file, not an outage).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from experiments.athlete.fields import SkipRow

KINDS = ("fit", "gpx", "tcx", "csv")
MAX_FILE_BYTES = 256 * 2**20  # one activity file or CSV, uncompressed
MAX_ZIP_DEPTH = 3  # Garmin nests zips two deep
MAX_ENTRIES = 200_000


@dataclass
class Entry:
    label: str  # what the report names: path, or archive!member
    kind: str  # fit, gpx, tcx, csv
    load: Callable[[], bytes]
    named: bool = False  # the file the user named (a CSV must then be a log)


def kind_of(name: str) -> tuple[str | None, bool]:
    """(kind, gzipped) from a file name; kind None for files that are not activities (.json, .jpg)."""
    low = name.lower()
    gz = low.endswith(".gz")
    if gz:
        low = low[:-3]
    for k in KINDS:
        if low.endswith("." + k):
            return k, gz
    return ("zip" if low.endswith(".zip") else None), gz


def log_csv_name(name: str) -> bool:
    """A CSV inside a folder or zip is read only if its name says activities (Strava's
    `activities.csv`, intervals.icu's `i123_activities.csv`): a Strava export also holds
    comments.csv, segments.csv, routes.csv ... whose first columns could pass for a log."""
    return "activit" in name.rsplit("/", 1)[-1].lower()


def sniff_bytes(head: bytes) -> str | None:
    if len(head) >= 12 and head[8:12] == b".FIT":
        return "fit"
    if head[:2] == b"\x1f\x8b":
        return "gz"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "tcx" if b"trainingcenterdatabase" in head.lower() else "gpx"
    return "csv"


def gunzip(data: bytes, label: str) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, MAX_FILE_BYTES + 1)
    except zlib.error as err:
        raise SkipRow(label, None, f"not a readable gzip file ({err})") from None
    if len(out) > MAX_FILE_BYTES:
        raise SkipRow(label, None, f"unpacks to more than {MAX_FILE_BYTES} bytes; not an activity file")
    return out


def _zip_entries(data_or_path, label: str, depth: int, skipped: list[SkipRow]) -> Iterator[Entry]:
    if depth > MAX_ZIP_DEPTH:
        skipped.append(SkipRow(label, None, f"zip nested more than {MAX_ZIP_DEPTH} deep; not searched"))
        return
    try:
        zf = zipfile.ZipFile(data_or_path if isinstance(data_or_path, str | Path) else io.BytesIO(data_or_path))
    except (zipfile.BadZipFile, OSError) as err:
        skipped.append(SkipRow(label, None, f"not a readable zip file ({err})"))
        return
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir() or "/." in "/" + info.filename or "__MACOSX" in info.filename:
                continue
            kind, gz = kind_of(info.filename)
            if kind is None or (kind == "csv" and not log_csv_name(info.filename)):
                continue
            sub = f"{label}!{info.filename}"
            if info.file_size > MAX_FILE_BYTES:
                skipped.append(SkipRow(sub, None, f"{info.file_size} bytes unpacked; at most {MAX_FILE_BYTES}"))
                continue

            def load(_z=zf, _name=info.filename, _gz=gz, _sub=sub) -> bytes:
                # the archive stays open while its entries are consumed (one central-directory read)
                try:
                    with _z.open(_name) as f:
                        raw = f.read(MAX_FILE_BYTES + 1)
                except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as err:
                    raise SkipRow(_sub, None, f"cannot be unpacked ({err})") from None
                return gunzip(raw, _sub) if _gz else raw

            if kind == "zip":
                try:
                    inner = load()
                except SkipRow as err:
                    skipped.append(err)
                    continue
                yield from _zip_entries(inner, sub, depth + 1, skipped)
            else:
                yield Entry(sub, kind, load)


def _file_entries(p: Path, skipped: list[SkipRow], named: bool) -> Iterator[Entry]:
    kind, gz = kind_of(p.name)
    if kind is None and named:  # a file the user named: trust its content, not its name
        with p.open("rb") as f:
            head = f.read(4096)
        kind = sniff_bytes(head)
        if kind == "gz":
            kind, gz = sniff_bytes(gunzip(p.read_bytes(), str(p))[:4096]), True
    if kind is None:
        return
    if kind == "zip":
        yield from _zip_entries(p, str(p), 1, skipped)
        return

    def load(_p=p, _gz=gz) -> bytes:
        size = _p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SkipRow(str(_p), None, f"{size} bytes; an activity file or log CSV of at most {MAX_FILE_BYTES}")
        raw = _p.read_bytes()
        return gunzip(raw, str(_p)) if _gz else raw

    yield Entry(str(p), kind, load, named=named)


def entries(path: Path, skipped: list[SkipRow], ignored: dict[str, int]) -> Iterator[Entry]:
    """Every activity file under `path` (see the module docstring); `ignored` counts other files by suffix."""
    if path.is_file():
        yield from _file_entries(path, skipped, named=True)
        return
    count = 0
    for p in sorted(path.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(path).parts) or not p.is_file():
            continue
        count += 1
        if count > MAX_ENTRIES:
            skipped.append(SkipRow(str(path), None, f"more than {MAX_ENTRIES} files; the rest is not searched"))
            return
        kind = kind_of(p.name)[0]
        if kind is None or (kind == "csv" and not log_csv_name(p.name)):
            ignored[p.suffix.lower() or "(none)"] = ignored.get(p.suffix.lower() or "(none)", 0) + 1
            continue
        yield from _file_entries(p, skipped, named=False)

