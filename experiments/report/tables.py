"""Terminal tables that fit the terminal: `COLUMNS` respected, no column ever dropped or cut.

Rich shrinks a table that is wider than the console by truncating cells ("…") and, past
that, collapsing whole columns. A coach reading `stridelab baselines` in a 100-column
terminal then loses the `win` column without being told. `fitted_tables` instead:

1. keeps the table as it is when its natural width (longest word of each header, longest
   cell) fits;
2. else uses the short headers given in `abbrev` and adds a legend that spells them out;
3. else splits the columns into several tables that each fit, the first `keep` columns
   (e.g. the policy name) repeated in every part.

A single column wider than the terminal on its own is folded inside its cell, never cut.

    >>> print_table("season", ["week", "run km"], [["1", "40.0"]])
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table

#: width used when output is not a terminal and COLUMNS is unset (logs, pipes)
PIPE_WIDTH = 120
MIN_WIDTH = 40


def terminal_width(default: int = PIPE_WIDTH) -> int:
    """Columns available: `$COLUMNS` when set, else the terminal's width, else `default` for pipes."""
    env = os.environ.get("COLUMNS", "").strip()
    if env.isdigit() and int(env) > 0:
        return max(int(env), MIN_WIDTH)
    if sys.stdout.isatty():
        return max(shutil.get_terminal_size((default, 24)).columns, MIN_WIDTH)
    return default


def _header_width(h: str) -> int:
    return max((len(w) for line in h.split("\n") for w in line.split()), default=1)


def _natural(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    out = []
    for j, h in enumerate(head):
        cells = [len(line) for r in rows for line in str(r[j]).split("\n")]
        out.append(max([_header_width(h), *cells]))
    return out


def _table_width(widths: Sequence[int]) -> int:
    return sum(widths) + 3 * len(widths) + 1  # one space of padding each side and a border between columns


def _fit_widths(widths: Sequence[int], width: int) -> list[int]:
    """The columns' widths, the widest narrowed (its cells folded, never cut) until the table fits `width`."""
    out = list(widths)
    while _table_width(out) > width and max(out) > 1:
        j = out.index(max(out))
        out[j] -= min(out[j] - 1, _table_width(out) - width)
    return out


def column_groups(widths: Sequence[int], width: int, keep: int = 1) -> list[list[int]]:
    """Indices of the columns of each part: every part fits `width` and starts with the `keep` first columns."""
    fixed = list(range(min(keep, len(widths))))
    groups: list[list[int]] = []
    cur: list[int] = []
    for j in range(len(fixed), len(widths)):
        if cur and _table_width([widths[i] for i in fixed + cur + [j]]) > width:
            groups.append(fixed + cur)
            cur = []
        cur.append(j)
    groups.append(fixed + cur)
    return groups


def fitted_tables(
    title: str,
    head: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    caption: str | None = None,
    abbrev: Mapping[str, str] | None = None,
    keep: int = 1,
    justify: Sequence[str] | None = None,
    styles: Sequence[str | None] | None = None,
) -> list:
    """Rich tables (one, or one per column group) that together show every column within `width`.

    `abbrev` maps a header to its short form (used only when the full headers do not fit,
    explained in a legend under the last part); `justify` gives each column's alignment
    (default: first `keep` left, the rest right); `styles` one style per row.
    """
    head = [str(h) for h in head]
    rows = [[str(c) for c in r] for r in rows]
    justify = list(justify) if justify else ["left" if j < keep else "right" for j in range(len(head))]
    shown, legend = head, []
    widths = _natural(head, rows)
    if _table_width(widths) > width and abbrev:
        shown = [abbrev.get(h, h) for h in head]
        legend = [f"{abbrev[h]} = {h.replace(chr(10), ' ')}" for h in head if h in abbrev and abbrev[h] != h]
        widths = _natural(shown, rows)
    groups = column_groups(widths, width, keep) if _table_width(widths) > width else [list(range(len(head)))]
    tables = []
    for g, cols in enumerate(groups):
        part = f" (part {g + 1} of {len(groups)})" if len(groups) > 1 else ""
        notes = []
        if g == len(groups) - 1:
            if legend:
                notes.append("Abbreviations: " + "; ".join(legend) + ".")
            if caption:
                notes.append(caption)
        t = Table(title=title + part, caption=" ".join(notes) or None, caption_justify="left")
        # every column's width set here, so rich never has to shrink (and crop) the table: it fits `width`
        for j, w in zip(cols, _fit_widths([widths[j] for j in cols], width), strict=True):
            t.add_column(shown[j], justify=justify[j], overflow="fold", width=w)
        for i, r in enumerate(rows):
            t.add_row(*(r[j] for j in cols), style=styles[i] if styles else None)
        tables.append(t)
    return tables


def print_table(title: str, head: Sequence[str], rows: Sequence[Sequence[str]], *, width: int | None = None,
                console=None, **kw) -> None:
    """Print `fitted_tables` on `console` (default: stdout at `terminal_width()`)."""
    w = width or (console.width if console is not None else terminal_width())
    con = console or Console(width=w)
    for t in fitted_tables(title, head, rows, w, **kw):
        con.print(t, crop=False)  # never cut a line at the width (issue 24), whatever rich measured


def render_text(title: str, head: Sequence[str], rows: Sequence[Sequence[str]], width: int, **kw) -> str:
    """What `print_table` prints at `width` columns, as plain text (for tests and logs)."""
    buf = io.StringIO()
    con = Console(file=buf, width=width, color_system=None, force_terminal=False, legacy_windows=False)
    print_table(title, head, rows, width=width, console=con, **kw)
    return buf.getvalue()


def console(width: int | None = None):
    """A rich Console for plain text lines at the terminal's width (`COLUMNS` respected); lines wrap at
    spaces, and are never cropped."""
    return Console(width=width or terminal_width(), soft_wrap=False)
