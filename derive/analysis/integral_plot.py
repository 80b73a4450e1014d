"""The picture of an integral: f with the area under it, and the running integral.

Left: f on a window with the area from a to b shaded (above the axis in one colour, below in
another: a definite integral counts the part below negatively).  Right: x -> F(x) - F(a), the
running integral, whose value at b is the answer (marked).  For an antiderivative the window is
centred on 0 and a = the window's left end.  Values come from the evaluator the validation uses
(60-digit mpmath), so the picture shows the same F that was checked.
"""

import math

import mpmath
import numpy as np
import sympy

from ..errors import DeriveError
from ..present.plots import figure, finish
from ..text.printing import to_text
from ..validation import fast
from ..validation.equivalence import numeric_value

SAMPLES = 241
FAR = 6.0  # how far past a finite bound an infinite one is drawn


def _evaluator(expr, x):
    try:
        program = fast.Program([expr])
    except (fast.Unsupported, TypeError, ValueError, AttributeError):
        program = None

    def value(t):
        if program is not None:
            out = fast.evaluate(program, {x: mpmath.mpf(t)})
            v = None if out is None else out[0]
        else:
            v = numeric_value(expr, {x: sympy.Float(t, 20)}, 20)
        return math.nan if v is None else float(v)

    return value


def _window(result, bounds):
    if bounds is not None:
        return float(bounds[0]), float(bounds[1])
    if not result.definite:
        return -3.0, 3.0
    lo, hi = result.a, result.b
    if lo.is_finite and hi.is_finite:
        lo, hi = float(lo), float(hi)
        pad = 0.15 * (hi - lo or 1.0)
        return lo - pad, hi + pad
    if lo.is_finite:
        return float(lo) - 0.5, float(lo) + FAR
    if hi.is_finite:
        return float(hi) - FAR, float(hi) + 0.5
    return -FAR, FAR


def plot_integral(result, path=None, *, bounds=None):
    """The figure of an `Integral` (see the module doc); written to `path` when given, else returned."""
    f, x = result.f, result.x
    if f.free_symbols - {x}:
        raise DeriveError(f"plot() draws f of {x} alone; {to_text(f)} also depends on "
                          f"{', '.join(sorted(s.name for s in f.free_symbols - {x}))}: substitute values first")
    lo, hi = _window(result, bounds)
    xs = np.linspace(lo, hi, SAMPLES)
    fx = _evaluator(f, x)
    ys = np.array([fx(t) for t in xs])
    a = float(result.a) if result.definite and result.a.is_finite else lo
    b = float(result.b) if result.definite and result.b.is_finite else hi
    fig = figure((11.5, 4.4))
    left, right = fig.subplots(1, 2)
    left.plot(xs, ys, color="C0", lw=2, label=f"f = {_short(f)}")
    inside = (xs >= min(a, b)) & (xs <= max(a, b)) & np.isfinite(ys)
    left.fill_between(xs, ys, 0, where=inside & (ys >= 0), color="C0", alpha=0.25, label="area counted +")
    left.fill_between(xs, ys, 0, where=inside & (ys < 0), color="C3", alpha=0.25, label="area counted -")
    left.axhline(0, color="0.6", lw=0.8)
    left.set_xlabel(x.name)
    left.legend(fontsize=8, loc="best")
    left.set_title("f and the area", fontsize=10)
    _running(right, result, xs, ys, a, b)
    fig.suptitle(_title(result), fontsize=11)
    fig.tight_layout()
    return finish(fig, path)


def _running(ax, result, xs, ys, a, b):
    """F(x) - F(a) from the antiderivative where there is one, else by the trapezoid rule on the samples."""
    if result.antiderivative is not None and not result.antiderivative.has(sympy.I):
        Fx = _evaluator(result.antiderivative, result.x)
        start = Fx(a)
        running = np.array([Fx(t) - start for t in xs])
        how = "F(x) - F(a)"
    else:
        finite = np.where(np.isfinite(ys), ys, 0.0)
        steps = np.concatenate([[0.0], np.cumsum((finite[1:] + finite[:-1]) / 2 * np.diff(xs))])
        running = steps - np.interp(a, xs, steps)
        how = "running integral (trapezoid rule)"
    ax.plot(xs, running, color="C2", lw=2, label=how)
    ax.axhline(0, color="0.6", lw=0.8)
    ax.axvline(a, color="0.5", ls=":", lw=1)
    if result.definite and result.numeric is not None and math.isfinite(result.numeric) and result.b.is_finite:
        ax.plot([b], [result.numeric], "o", color="k", label=f"value = {result.numeric:.6g}")
    ax.set_xlabel(result.x.name)
    ax.legend(fontsize=8, loc="best")
    ax.set_title("the running integral from a", fontsize=10)


def _title(result):
    if result.definite:
        value = to_text(result.value) if result.value is not None else f"{result.numeric:.6g} (numerical)"
        return f"integral of {_short(result.f)} from {to_text(result.a)} to {to_text(result.b)} = {value}"
    return f"integral of {_short(result.f)} d{result.x.name} = {_short(result.antiderivative, 60)} + C"


def _short(expr, width=40):
    text = to_text(expr)
    return text if len(text) <= width else text[: width - 3] + "..."


__all__ = ["plot_integral"]
