"""Figures for the examples and the demo: headless, saved as PNG files."""

from pathlib import Path


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
