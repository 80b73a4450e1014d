"""`derive.directional`: the directional derivative, the steepest-ascent direction, and why.

    >>> import derive
    >>> d = derive.directional("x**2*y", "x y", [1, 2], [3, 4])
    >>> d.value, d.rate
    (16/5, sqrt(17))

Along a unit vector v, the first-order Taylor expansion in vector form
f(a + t v) = f(a) + t grad f(a)^T v + O(t^2) makes grad f(a) . v the rate of change of f
along v.  By Cauchy-Schwarz grad f(a) . v <= |grad f(a)| |v| = |grad f(a)|, with equality
exactly when v points along grad f(a): the gradient's direction is the steepest ascent, at
rate |grad f(a)|, and its opposite the steepest descent (the lecture's "沿梯度方向的方向导数
最大": along the gradient the directional derivative is largest).

Checked before it is returned: the gradient is derive's (validated by finite differences),
and at the point itself central differences of f along each axis and along u/|u| (h = 1e-20,
in 60 digits, more where |f(a)| or |a| is large) must equal the exact rates, and the one-sided
quotients along u/|u|, the gradient and three random directions d must equal grad f(a) . d.
A kink (the two sides differ) or partial derivatives without a linear approximation
(where(x*y > 0, x + y, 0) at 0) is named as "not differentiable", not given a made-up rate.
"""

import random
from dataclasses import dataclass, field

import mpmath
import sympy
from sympy import Rational

from ..calculus.reals import RealView
from ..calculus.variables import Problem
from ..derivation.api import derive_problem
from ..errors import DeriveError, ValidationError
from ..text.budgets import DEFAULT_LIMITS, attempt, time_budget
from ..text.symbol_table import map_symbols
from ..text.printing import latex, to_text
from .point_problem import parameters_of, point_text, read_point, read_problem, require_numbers, value_at
from .remainder import DIGITS, PARAMETER_TRIES, Values, digits_for, sample_parameters

STEP = Rational(1, 10**20)  # central difference: truncation h^2 f''' ~ 1e-40, rounding 1e-60/h ~ 1e-40
CENTRAL_TOLERANCE = mpmath.mpf(10) ** -25  # relative
ONE_SIDED_TOLERANCE = mpmath.mpf(10) ** -12  # relative: a one-sided quotient is off by h f'' ~ 1e-20
RANDOM_DIRECTIONS = 3  # besides u and the gradient: a kink or a missing linear approximation elsewhere


@dataclass
class Directional:
    """The result of `derive.directional`.

    ``f``, ``wrt``, ``at`` ({variable: exact value}); ``u`` the direction as given (an n x 1
    Matrix) and ``unit_u`` = u/|u| (``normalized`` is True when u was not a unit vector, with
    ``norm_u`` = |u|); ``gradient`` grad f(a) (n x 1); ``value`` the directional derivative
    grad f(a) . u/|u| (exact); ``steepest`` grad f(a)/|grad f(a)| the steepest-ascent direction
    (None where grad f(a) = 0: no direction is steepest), ``descent`` its opposite, ``rate``
    |grad f(a)| (the largest directional derivative at a); ``explanation`` why, in words
    (Cauchy-Schwarz); ``validation`` how it was checked; ``parameters`` f's symbols that are
    not variables (and ``parameter_values``, where the check drew them).
    """

    f: object
    wrt: tuple
    at: dict
    u: object
    unit_u: object
    norm_u: object
    gradient: object
    value: object
    steepest: object
    descent: object
    rate: object
    explanation: str
    validation: str
    parameters: tuple = ()
    parameter_values: dict = field(default_factory=dict)

    @property
    def normalized(self):
        return self.norm_u != 1

    @property
    def critical(self):
        """grad f(a) = 0: every directional derivative vanishes."""
        return self.steepest is None

    def _head(self):
        return (f"directional derivative of {to_text(self.f)} at {point_text(self.at)} along u = "
                f"{to_text(list(self.u))}")

    def __str__(self):
        lines = [f"{self._head()}:"]
        unit = f"  u/|u| = {to_text(list(self.unit_u))}"
        if self.normalized:
            unit += f"   (u is not a unit vector: |u| = {to_text(self.norm_u)}, so u was divided by it)"
        lines += [unit, f"  grad f(a) = {to_text(list(self.gradient))}",
                  f"  D_u f(a) = grad f(a) . u/|u| = {to_text(self.value)}{_approx(self.value)}"]
        if self.critical:
            lines.append("  grad f(a) = 0: every directional derivative at a is 0; no direction is steepest")
        else:
            lines.append(f"  steepest ascent: grad f(a)/|grad f(a)| = {to_text(list(self.steepest))}, "
                         f"rate |grad f(a)| = {to_text(self.rate)}{_approx(self.rate)}")
            lines.append(f"  steepest descent: -grad f(a)/|grad f(a)| = {to_text(list(self.descent))}, "
                         f"rate -|grad f(a)| = {to_text(-self.rate)}")
        lines.append(f"  why: {self.explanation}")
        lines.append(f"validated: {self.validation}")
        return "\n".join(lines)

    def __repr__(self):
        return f"Directional({self._head()}: {to_text(self.value)})"

    def latex(self):
        """D_u f(a) = grad f(a) . u/|u| = value, and the steepest ascent, as LaTeX (no $)."""
        pieces = [(rf"D_{{\mathbf{{u}}}} f(\mathbf{{a}}) = \nabla f(\mathbf{{a}})^{{T}} \frac{{\mathbf{{u}}}}"
                   rf"{{\lVert \mathbf{{u}} \rVert}} = {latex(self.gradient.T)} {latex(self.unit_u)} = "
                   rf"{latex(self.value)}")]
        if self.critical:
            pieces.append(r"\nabla f(\mathbf{a}) = \mathbf{0}\ \text{(no steepest direction)}")
        else:
            pieces.append(rf"\text{{steepest ascent }} \frac{{\nabla f(\mathbf{{a}})}}{{\lVert \nabla "
                          rf"f(\mathbf{{a}}) \rVert}} = {latex(self.steepest)},\ \text{{rate }} "
                          rf"\lVert \nabla f(\mathbf{{a}}) \rVert = {latex(self.rate)}")
        return r",\quad ".join(pieces)

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def to_dict(self):
        column = lambda m: None if m is None else [to_text(e) for e in m]  # noqa: E731
        return {
            "kind": "directional",
            "f": to_text(self.f),
            "wrt": [x.name for x in self.wrt],
            "at": {x.name: to_text(v) for x, v in self.at.items()},
            "u": column(self.u),
            "unit_u": column(self.unit_u),
            "norm_u": to_text(self.norm_u),
            "normalized": self.normalized,
            "gradient": column(self.gradient),
            "value": to_text(self.value),
            "numeric": _float(self.value),
            "steepest": column(self.steepest),
            "descent": column(self.descent),
            "rate": to_text(self.rate),
            "rate_numeric": _float(self.rate),
            "critical": self.critical,
            "explanation": self.explanation,
            "parameters": [p.name for p in self.parameters],
            "parameter_values": {p.name: to_text(v) for p, v in self.parameter_values.items()},
            "validation": self.validation,
            "latex": self.latex(),
        }

    def explain(self):
        """The steps: the gradient at a, u normalized, the dot product, the steepest direction and why."""
        lines = [self._head(),
                 (f"  1. the gradient (derive's, validated by finite differences) at a: grad f(a) = "
                  f"{to_text(list(self.gradient))}")]
        if self.normalized:
            lines.append(f"  2. u is not a unit vector: |u| = {to_text(self.norm_u)}, so the direction is "
                         f"u/|u| = {to_text(list(self.unit_u))}")
        else:
            lines.append(f"  2. u is a unit vector: u/|u| = u = {to_text(list(self.unit_u))}")
        products = " + ".join(f"({to_text(g)})*({to_text(v)})" for g, v in zip(self.gradient, self.unit_u))
        lines.append(f"  3. D_u f(a) = grad f(a) . u/|u| = {products} = {to_text(self.value)}")
        if self.critical:
            lines.append("  4. grad f(a) = 0, so no direction is steepest")
        else:
            lines.append(f"  4. steepest ascent along grad f(a)/|grad f(a)| = {to_text(list(self.steepest))}, "
                         f"at rate |grad f(a)| = {to_text(self.rate)}")
        lines.append(f"  why: {self.explanation}")
        lines.append(f"  checked: {self.validation}")
        return "\n".join(lines)

    def plot(self, path=None, *, radius=None):
        """Contours of f around a (two variables), the gradient arrow (steepest ascent) and the
        u/|u| arrow at a, labelled.  Written to `path` (PNG, SVG, PDF) when given, else returned."""
        return _plot(self, path, radius)


def directional(f, wrt, at, u, *, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """The directional derivative of `f` at `at` along `u` (normalized to u/|u|), with the
    steepest-ascent direction and rate, checked numerically; returns a `Directional`.

    `f` is text (or LaTeX) or SymPy; `wrt` as for `derive.grad` (None: every variable of f, or
    a dict point's keys); `at` and `u` are lists of numbers (text like "pi/2" allowed), dicts
    name -> number, or text "x = 1, y = 2"; one number for one variable.
    """
    with time_budget(limits.seconds, "the directional derivative"):
        expr, wrt, point, ns = read_problem(f, wrt, at, symbols)
        plain = ns.plain_mapping()  # before derive.differentiate adopts f's symbols as the user's
        u_values, _ = read_point(u, wrt, expr, "u", parameters=False)
        u_vec = sympy.Matrix(list(u_values.values()))
        norm = _tidy(sympy.sqrt(sum(c**2 for c in u_vec)))
        if norm == 0:
            raise DeriveError("u = 0 has no direction: the directional derivative needs a nonzero u")
        unit = (u_vec / norm).applyfunc(_tidy)
        view = RealView(expr, wrt, point)
        fr, xr, ar = view.real(expr), view.real(wrt), view.real(point)
        g = derive_problem(Problem.within(ns, expr, wrt), "grad", seed=seed).result
        gr = sympy.Matrix([value_at(view.real(g[i]), ar, expr, wrt, point, (i,), "no gradient")
                           for i in range(len(wrt))])
        value = _tidy(sum(gi * vi for gi, vi in zip(gr, view.real(unit))))
        rate = _tidy(sympy.sqrt(sum(gi**2 for gi in gr)))
        params = parameters_of(fr, xr)
        drawn, how = _check(fr, xr, ar, gr, view.real(unit), value, params, seed)
        zero = all(gi == 0 for gi in gr)
        steepest = None if zero else (gr / rate).applyfunc(_tidy)
        user = view.user
        return map_symbols(Directional(expr, wrt, point, u_vec, unit, norm, user(gr), user(value),
                                    None if zero else user(steepest), None if zero else user(-steepest), user(rate),
                                    _why(user(gr), user(value), user(rate), zero), how,
                                    tuple(user(p) for p in params), {user(p): v for p, v in drawn.items()}), plain)


def _tidy(value):
    if value.is_Rational:
        return value
    simpler = attempt(lambda: sympy.radsimp(sympy.simplify(value)), 1.0, value)
    return simpler if sympy.count_ops(simpler) <= sympy.count_ops(value) else value


def _why(gradient, value, rate, zero):
    """The steepest-ascent argument in words, with this problem's numbers."""
    taylor = ("Along a unit vector v, the first-order Taylor expansion f(a + t v) = f(a) + t grad f(a) . v "
              "+ O(t^2) makes D_v f(a) = grad f(a) . v the rate of change of f along v.")
    if zero:
        return (f"{taylor} Here grad f(a) = 0, so every directional derivative at a is 0 and no direction is "
                "steepest: a is a critical point, where the first-order term vanishes and the second-order "
                "term (the Hessian) decides how f changes.")
    cosine = _tidy(value / rate)
    return (f"{taylor} By the Cauchy-Schwarz inequality, grad f(a) . v <= |grad f(a)| |v| = |grad f(a)| = "
            f"{to_text(rate)}, with equality exactly when v points along grad f(a) (the angle theta between "
            "them has cos(theta) = 1). So f increases fastest along grad f(a)/|grad f(a)|, at rate |grad f(a)|, "
            "and decreases fastest along -grad f(a)/|grad f(a)|, at rate -|grad f(a)|; along directions "
            "perpendicular to the gradient (tangent to the level set) the rate is 0. "
            f"For u: D_u f(a) = |grad f(a)| cos(theta) = {to_text(value)}, so cos(theta) = {to_text(cosine)}.")


# ---------------------------------------------------------------------------
# the check

def _check(f, x, a, gradient, unit, value, params, seed):
    """(parameter values, text): difference quotients of f at a agree with the exact gradient:
    along each axis (central, to 25 digits), and along u/|u|, the gradient and random directions
    d (one-sided, each equal to grad f(a) . d: else f has partial derivatives but is not
    differentiable at a, and grad f(a) . u would be a made-up rate)."""
    rng = random.Random(seed)
    n = len(x)
    axes = [(f"the {xi} axis", [1 if j == i else 0 for j in range(n)], gradient[i]) for i, xi in enumerate(x)]
    probes = [("u/|u|", list(unit), value)]
    if n > 1:
        if any(g != 0 for g in gradient):
            rate = sympy.sqrt(sum(g**2 for g in gradient))  # a unit step: g itself may be exp(10**8) long
            probes.append(("grad f(a)/|grad f(a)|", [g / rate for g in gradient], rate))
        for k in range(RANDOM_DIRECTIONS):
            d = _probe_direction(n, k, rng)
            probes.append((f"d = {to_text(list(d))}", list(d), sum(g * di for g, di in zip(gradient, d))))
    directions = axes + probes
    values = Values([f])
    for _ in range(PARAMETER_TRIES if params else 1):
        drawn = sample_parameters(params, rng)
        at_a = values({**a, **drawn})
        if at_a is None or at_a[0] is None:
            continue
        with mpmath.workdps(DIGITS):
            size = max(abs(v) for v in Values(list(a.values()))({}))
            digits = digits_for(max(1, abs(at_a[0])) * max(1, size))
        quotients = _quotients(Values([f], digits), x, a, directions, drawn)
        if quotients is not None:
            break
    else:
        where = "around the point" if not params else \
            f"around the point for any of {PARAMETER_TRIES} values drawn for {', '.join(p.name for p in params)}"
        raise DeriveError(f"the directional derivative of {to_text(f)} needs f defined on both sides of the point "
                          f"along u and each axis; f is not real and finite {where}")
    drawn_text = f", with {', '.join(f'{p} = {to_text(v)}' for p, v in drawn.items())}" if drawn else ""
    where = f"{to_text(f)} is not differentiable at {point_text(a)}{drawn_text}"
    with mpmath.workdps(digits):
        checked = [(label, _mp(exact.xreplace(drawn)), *q) for (label, _, exact), q in zip(directions, quotients)]
        for label, _, _, forward, backward in checked:
            if abs(forward - backward) > ONE_SIDED_TOLERANCE * max(1, abs(forward), abs(backward)):
                raise DeriveError(f"{where}: along {label} its one-sided rates of change are "
                                  f"{mpmath.nstr(forward, 10)} and {mpmath.nstr(backward, 10)} (a kink), so no "
                                  "gradient exists there")
        for label, expected, central, forward, backward in checked[:n]:
            if expected is None or abs(central - expected) > CENTRAL_TOLERANCE * max(1, abs(forward), abs(backward)):
                raise _failed(f, a, drawn_text, label, expected, central)
        for label, expected, _central, forward, backward in checked[n:]:
            scale = max(1, abs(forward), abs(backward), abs(expected or 0))
            if expected is None or max(abs(forward - expected), abs(backward - expected)) > ONE_SIDED_TOLERANCE * scale:
                shown = "not a number" if expected is None else mpmath.nstr(expected, 10)
                raise DeriveError(f"{where}: its partial derivatives exist, but along {label} f changes at rate "
                                  f"{mpmath.nstr(forward, 10)} where grad f(a) predicts {shown}, so f has no "
                                  "linear approximation there and grad f(a) . u is no directional derivative")
        label, expected, central, forward, backward = checked[n]
        if abs(central - expected) > CENTRAL_TOLERANCE * max(1, abs(forward), abs(backward)):
            raise _failed(f, a, drawn_text, label, expected, central)
    others = "" if n == 1 else f", the gradient and {RANDOM_DIRECTIONS} random directions d"
    return drawn, (f"a central difference of f along u/|u| (h = 1e-20, in {digits}-digit arithmetic) equals "
                   f"D_u f(a) to 25 digits, and the one-sided quotients along each axis, u/|u|{others} agree with "
                   f"grad f(a) . d{drawn_text}")


def _failed(f, a, drawn_text, label, expected, central):
    shown = "not a number" if expected is None else mpmath.nstr(expected, 15)
    return ValidationError(f"the directional derivative of {to_text(f)} at {point_text(a)} failed its "
                           f"check{drawn_text}: along {label} the exact rate is {shown}, a central "
                           f"difference gives {mpmath.nstr(central, 15)}")


def _probe_direction(n, k, rng):
    """A direction with every component nonzero; the first has one sign throughout and the second
    alternates, so that in the plane the pair (and their opposites) visit all four quadrants
    (where(x*y > 0, x + y, 0) is smooth along the axes and along x = -y)."""
    signs = [1] * n if k == 0 else [(-1) ** j for j in range(n)] if k == 1 else [rng.choice((-1, 1)) for _ in range(n)]
    return tuple(Rational(sign * rng.randint(3, 9), 9) for sign in signs)


def _quotients(values, x, a, directions, drawn):
    """(central, forward, backward) difference quotients along each direction in values.digits
    digits, or None where f is not finite and real at a point used."""
    at_a = values({**a, **drawn})
    if at_a is None or at_a[0] is None:
        return None
    out = []
    with mpmath.workdps(values.digits):
        h = mpmath.mpf(STEP.p) / STEP.q
        for _, d, _ in directions:
            sides = []
            for sign in (1, -1):
                v = values({**drawn, **{xi: a[xi] + sign * STEP * sympy.sympify(di).xreplace(drawn)
                                        for xi, di in zip(x, d)}})
                if v is None or v[0] is None:
                    return None
                sides.append(v[0])
            plus, minus = sides
            out.append(((plus - minus) / (2 * h), (plus - at_a[0]) / h, (at_a[0] - minus) / h))
    return out


def _mp(value):
    """An exact number as an mpmath number in DIGITS digits (None if not finite and real)."""
    return Values([value])({})[0]


def _approx(value):
    if value.is_Rational or not value.is_number:
        return ""
    return f"  (~ {float(value):.10g})"


def _float(value):
    return float(value) if value.is_number else None


# ---------------------------------------------------------------------------
# the picture

def _plot(d, path, radius):
    import numpy as np

    from ..present.figures import _kernel
    from ..present.plots import figure, finish

    require_numbers(d.parameters, "plot()")
    if len(d.wrt) != 2:
        raise DeriveError(f"plot() draws directional derivatives of two variables (contours of f); f has "
                          f"{len(d.wrt)}")
    a = np.array([float(v) for v in d.at.values()])
    r = float(radius) if radius is not None else 1.5
    X, Y = np.meshgrid(np.linspace(a[0] - r, a[0] + r, 200), np.linspace(a[1] - r, a[1] + r, 200))
    Z = _kernel(d.f, d.wrt)(X, Y) * np.ones_like(X)
    fig = figure((6.8, 5.6))
    ax = fig.subplots()
    filled = ax.contourf(X, Y, Z, levels=24, cmap="viridis", alpha=0.85)
    ax.contour(X, Y, Z, levels=24, colors="white", linewidths=0.4, alpha=0.5)
    fig.colorbar(filled, ax=ax, shrink=0.85, label="f")
    level = float(_kernel(d.f, d.wrt)(*a))
    if np.isfinite(level):
        ax.contour(X, Y, Z, levels=[level], colors="black", linewidths=1.2, linestyles="dotted")
    length = 0.6 * r
    unit = np.array([float(c) for c in d.unit_u])
    arrows = [(unit, "#ff8f00", f"u/|u|: D_u f = {to_text(d.value)}")]
    if not d.critical:
        steepest = np.array([float(c) for c in d.steepest])
        arrows.insert(0, (steepest, "#d32f2f", f"grad f(a)/|grad f(a)|: steepest ascent, rate {to_text(d.rate)}"))
    for v, color, label in arrows:
        ax.annotate("", xy=a + length * v, xytext=a,
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=2.2, mutation_scale=18))
        ax.plot([], [], color=color, lw=2.2, label=label)
    ax.plot(*a, "o", color="white", mec="black", ms=7, label=f"a = ({', '.join(to_text(v) for v in d.at.values())})")
    ax.plot([], [], color="black", ls="dotted", label="level set through a")
    if d.critical:
        ax.plot([], [], " ", label="grad f(a) = 0: no steepest direction")
    ax.set_xlabel(d.wrt[0].name)
    ax.set_ylabel(d.wrt[1].name)
    ax.set_aspect("equal")
    ax.set_title(f"directional derivative of {to_text(d.f)}", fontsize=10)
    ax.legend(fontsize=8, loc="lower left", framealpha=0.85)
    fig.tight_layout()
    return finish(fig, path)


__all__ = ["Directional", "directional"]
