"""Figures as PNG, one way for every command: matplotlib on the Agg backend (files only, never a window),
and a figure turned into PNG bytes or written atomically to a file (the figure is closed after)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from experiments.io import atomic_write_bytes


def pyplot() -> Any:
    """`matplotlib.pyplot`, on the Agg backend."""
    import matplotlib  # lazy: matplotlib takes 0.5 s to import; only the commands that draw need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # lazy: after the backend is chosen

    return plt


def png_bytes(fig: Any, dpi: int = 110) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    pyplot().close(fig)
    return buf.getvalue()


def save_png(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """The figure as a PNG file at `path` (written atomically); the figure is closed."""
    return atomic_write_bytes(path, png_bytes(fig, dpi))
