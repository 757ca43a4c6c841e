"""Progress a user sees while a command works, on a terminal and in a log file alike (issue 24).

Two shapes, both on standard error (standard output stays the result: tables, `--json`):

- `note(text)`: one line, written and flushed at once. A long line is never cut: it is printed
  whole and the terminal wraps it.
- `Stage(label, total, unit)`: a counted stage (generations, model draws, curves). On a terminal
  it is the label on a whole line, then a live bar whose own row is short (bar, count, elapsed:
  about 35 columns, so it is never cropped), and the details (`update(done, detail)`) printed as
  whole lines above it. In a log file (not a terminal, where a live bar would show nothing until
  the end) it is a plain line at most every `every_s` seconds and at the end, each with the count,
  the share done, the elapsed time and the detail.

`compile_notice()` says, before the first numba compile, that the simulator is being compiled
(once; numba caches the machine code on disk for every later run).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

#: the line printed before numba compiles the simulator on a cold cache
COMPILE_LINE = ("stridelab: compiling the simulator, first run only, about 1-2 min "
                "(numba caches it on disk for the next runs)")


def _stream(stream: IO[str] | None) -> IO[str]:
    return sys.stderr if stream is None else stream


def is_terminal(stream: IO[str] | None = None) -> bool:
    s = _stream(stream)
    try:
        return bool(s.isatty())
    except (AttributeError, ValueError):
        return False


def note(text: str, stream: IO[str] | None = None) -> None:
    """One whole progress line on standard error, flushed now (never cropped to the width)."""
    s = _stream(stream)
    print(text, file=s, flush=True)


def _elapsed(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d}"


class Stage:
    """A counted stage of a long command: `with Stage("optimize", 3000, "evaluations") as st: st.update(n, "...")`."""

    def __init__(self, label: str, total: int, unit: str = "", stream: IO[str] | None = None,
                 every_s: float = 10.0, detail_every_s: float = 10.0, terminal: bool | None = None) -> None:
        self.label, self.total, self.unit = label, max(int(total), 0), unit
        self.stream = _stream(stream)
        self.every_s, self.detail_every_s = every_s, detail_every_s
        self.terminal = is_terminal(self.stream) if terminal is None else terminal
        self.done, self.detail = 0, ""
        self._t0 = self._last = 0.0
        self._bar: Any = None
        self._task: Any = None

    # ------------------------------------------------------------------ context
    def __enter__(self) -> Stage:
        self._t0 = time.monotonic()
        self._last = float("-inf")  # the first update is shown at once
        if self.terminal:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            con = Console(file=self.stream)
            # the label on its own whole line; the live row is short (bar, count, elapsed: about 35 columns),
            # so a narrow terminal never crops it
            con.print(f"{self.label}:", soft_wrap=True, highlight=False, markup=False)
            self._bar = Progress(BarColumn(bar_width=16), MofNCompleteColumn(), TextColumn(self.unit),
                                 TimeElapsedColumn(), console=con, transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total or None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None
        if exc[0] is None:
            note(self._line(final=True), self.stream)

    # ------------------------------------------------------------------ updates
    def update(self, done: int, detail: str = "", total: int | None = None) -> None:
        """`done` of `total` finished; `detail` (optional) says how it goes, printed whole."""
        if total is not None and total != self.total:
            self.total = int(total)
            if self._bar is not None:
                self._bar.update(self._task, total=self.total)
        self.done = int(done)
        if detail:
            self.detail = detail
        now = time.monotonic()
        due = now - self._last >= (self.detail_every_s if self.terminal else self.every_s)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            if detail and due:
                self._bar.console.print(self._line(), soft_wrap=True, highlight=False, markup=False)
                self._last = now
        elif due:
            note(self._line(), self.stream)
            self._last = now

    def _line(self, final: bool = False) -> str:
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        unit = f" {self.unit}" if self.unit else ""
        head = (f"{self.label}: done, {self.done}{unit}" if final
                else f"{self.label}: {self.done}/{self.total}{unit}{pct}")
        tail = f", {self.detail}" if self.detail else ""
        return f"{head}{tail}, {_elapsed(time.monotonic() - self._t0)} elapsed"


# ---------------------------------------------------------------------- the numba compile
def _cold(dispatcher: Any) -> bool:
    """True when numba has no cached machine code for `dispatcher` (it will compile on the first call)."""
    try:
        cache = dispatcher._cache
        if cache is None:
            return False
        index = cache._cache_file._load_index()
    except Exception:  # a private numba API: if it moves, say nothing rather than fail
        return False
    return not index


def simulator_cold() -> bool:
    """True when the simulator's main kernels have no cached machine code yet."""
    try:
        from sim import kernel
    except Exception:
        return False
    return any(_cold(getattr(kernel, name, None)) for name in ("simulate", "schedule_week"))


def compile_notice(stream: IO[str] | None = None) -> bool:
    """Print `COMPILE_LINE` when the simulator will compile first (cold cache); True if printed."""
    if simulator_cold():
        note(COMPILE_LINE, stream)
        return True
    return False


__all__ = ["COMPILE_LINE", "Stage", "compile_notice", "is_terminal", "note", "simulator_cold"]
