"""The picture of a Taylor expansion: f and P near a (a 1-D slice for two or more variables),
and |f - P| against h on log-log axes with the fitted slope.
"""

import math

import numpy as np
import sympy

from ..errors import DeriveError
from ..text.printing import to_text
from .point_problem import read_vector, require_numbers


def _plot(t, path, direction, radius):
    from ..present.figures import _kernel
    from ..present.plots import figure, finish

    require_numbers(t.parameters, "plot()")
    n = len(t.wrt)
    unit = _slice_direction(t, direction)
    s = sympy.Dummy("t", real=True)
    line = {x: v + s * u for (x, v), u in zip(t.at.items(), unit)}
    radius = 2.0 if radius is None else float(radius)
    grid = np.linspace(-radius, radius, 401)
    a0 = float(next(iter(t.at.values())))
    xs = grid + a0 if n == 1 else grid
    fv = _kernel(t.f.xreplace(line), [s])(grid) * np.ones_like(grid)
    pv = _kernel(t.polynomial.xreplace(line), [s])(grid) * np.ones_like(grid)
    fig = figure((11, 4.4))
    left, right = fig.subplots(1, 2)
    left.plot(xs, fv, color="black", lw=1.8, label="f")
    left.plot(xs, pv, color="#1565c0", lw=1.5, ls="--", label=f"P (order {t.order})")
    left.plot([xs[len(grid) // 2]], [float(t.value)], "o", color="#c62828", ms=7, label="a")
    finite = fv[np.isfinite(fv)]
    if finite.size:
        lo, hi = finite.min(), finite.max()
        pad = 0.3 * (hi - lo) + 0.1
        left.set_ylim(lo - pad, hi + pad)
    if n == 1:
        left.set_xlabel(t.wrt[0].name)
    else:
        shown = ", ".join(f"{u:.3g}" for u in unit)
        left.set_xlabel(f"t  (a 1-D slice: x = a + t v, v = ({shown}))")
    left.set_title(f"{_short(to_text(t.f))} and P at {_short(t._where(), 30)}", fontsize=10)
    left.legend(fontsize=9)
    _error_panel(right, t)
    fig.tight_layout()
    return finish(fig, path)


def _slice_direction(t, direction):
    """The unit vector (floats) of the line the plot follows."""
    n = len(t.wrt)
    if n == 1:
        return [1.0]
    if direction is not None:
        v = [float(d) for d in read_vector(direction, n, "direction", t.wrt)]
    elif t.gradient is not None and any(g != 0 for g in t.gradient):
        v = [float(g) for g in t.gradient]
    else:
        v = [1.0] * n
    norm = math.sqrt(sum(c * c for c in v))
    if norm == 0:
        raise DeriveError("the plot's direction is 0: give a nonzero vector")
    return [c / norm for c in v]


def _error_panel(ax, t):
    """|f - P| against h on log-log axes, each direction tried, and the fitted slope."""
    for sample in t.samples:
        pairs = [(h, e) for h, e in zip(sample["steps"], sample["errors"]) if e is not None and e > 0]
        if not pairs:
            continue
        h, e = zip(*pairs)
        if len(t.wrt) == 1:
            label = "h > 0 (right)" if sample["direction"][0] > 0 else "h < 0 (left), |h|"
        else:
            label = "d = (" + ", ".join(f"{c:.2g}" for c in sample["direction"]) + ")"
        ax.loglog(h, e, "o-", ms=4, lw=1, label=label)
        if sample["slope"] is not None and sample["slope"] == min(
                s["slope"] for s in t.samples if s["slope"] is not None):
            hh = np.array([h[0], h[-1]])
            ax.loglog(hh, e[-1] * (hh / h[-1]) ** sample["slope"], "k--", lw=1.2,
                      label=f"fitted slope {sample['slope']:.2f} (order + 1 = {t.remainder_order})")
    if t.measured_order == math.inf:
        ax.text(0.5, 0.5, "f - P expands to 0:\nf is its own Taylor polynomial",
                transform=ax.transAxes, ha="center", va="center")
    ax.set_xlabel("step h")
    ax.set_ylabel("|f(a + h d) - P(a + h d)|")
    ax.set_title("the remainder shrinks like h^(order + 1)", fontsize=10)
    ax.legend(fontsize=8)


def _short(text, width=40):
    return text if len(text) <= width else text[: width - 3] + "..."
