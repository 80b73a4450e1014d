"""Figures for the examples and the demo: headless, saved as PNG files."""

import functools
from pathlib import Path

from ..errors import DeriveError


def pyplot():
    """matplotlib's pyplot on the Agg backend (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, outdir, filename, dpi=100):
    """Write `fig` to outdir/filename (creating outdir), close it, and return the path."""
    path = Path(outdir) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    pyplot().close(fig)
    print(f"plot written to {path}")
    return path


def figure(figsize=(10, 4.2)):
    """A headless matplotlib Figure on its own Agg canvas, without pyplot.

    Nothing global changes (a notebook's or a GUI's backend stays as it was),
    the figure needs no closing, and it shows itself in Jupyter (``_repr_png_``).
    """
    return _headless_figure()(figsize=figsize)


@functools.cache
def _headless_figure():
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    class HeadlessFigure(Figure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            FigureCanvasAgg(self)

        def _repr_png_(self):
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            return buffer.getvalue()

    return HeadlessFigure


def finish(fig, path=None, dpi=110):
    """Write `fig` to `path` (the format from its suffix) and return the path; without a path, return `fig`."""
    if path is None:
        return fig
    path = Path(path)
    formats = fig.canvas.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in formats:
        raise DeriveError(f"cannot write a plot to '{path.name}': give a file ending in .png, .svg or .pdf")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path
