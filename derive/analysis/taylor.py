"""`derive.taylor`: the Taylor polynomial in vector form, its remainder order measured.

    >>> import derive
    >>> t = derive.taylor("exp(x)", "x", 0, 3)
    >>> t.polynomial
    x**3/6 + x**2/2 + x + 1
    >>> t.measured_order > 3.8      # the error shrinks like |h|^4 = |h|^(order+1)
    True

f(x) = f(a) + grad f(a)^T (x - a) + 1/2 (x - a)^T H(a) (x - a) + ..., the k-th term
(1/k!) sum over i1..ik of d^k f(a)/dx_i1..dx_ik (x_i1 - a_i1)..(x_ik - a_ik), written with
multi-indices (each distinct mixed derivative once, times its multinomial count).  The
gradient and the Hessian are derive's validated ones; higher derivatives come from
differentiating the Hessian over the reals.

Nothing is shown unchecked: the polynomial P is accepted only when |f(a + h d) - P(a + h d)|,
evaluated in 60-digit arithmetic (more where |f(a)| or |a| is large, so that the cancellation
of f - P cannot fake a slope) for h from 1/10 halving down to 1/10240 (and on, to about 1e-14,
until the slope settles: a singularity near a) along several directions d, shrinks like
|h|^(order+1): the slope of log error against log h is fitted.  A wrong term of order
j <= order leaves an error of order h^j, which the fit sees at once, and is refused.  A steeper
slope is fine (the next term vanishes: sin at 0 to order 2 has error h^3 in x, but cos at 0 has
h^4).  A settled slope between order and order + 1 (x**(14/5) at 0 to order 2: 2.80) is
reported as it is: f is not order + 1 times differentiable at a, and the remainder is only
o(|h|^order).  "f equals its polynomial" is said only when f - P expands to 0.
"""

import math
import random
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import mpmath
import numpy as np
import sympy
from sympy import Rational
from sympy.core.mul import _keep_coeff

from ..calculus.reals import RealView, real_diff
from ..derivation.api import differentiate
from ..errors import DeriveError, ParseError, ShapeError, SymbolError, ValidationError
from ..text.budgets import DEFAULT_LIMITS, attempt, time_budget
from ..text.expressions import parse
from ..text.inputs import as_basic, as_expression, as_scalar, free_scalars, new_namespace, resolve_wrt
from ..text.namespace import Namespace
from ..text.symbol_table import map_symbols
from ..text.printing import latex, to_text
from ..validation import fast
from ..validation.equivalence import numeric_value

MAX_ORDER = 10
DIGITS = fast.DIGITS  # 60 at least: f - P cancels to about 10^-45 of |f|, far below h^(order+1) at the steps used
FIRST_STEP = Rational(1, 10)
MIN_STEPS = 11  # 1/10 ... 1/10240 always, halving
STEP_SHOWN = Rational(1, 10240)  # smaller steps are shown as decimals
MAX_STEPS = 45  # ... and on to about 6e-15 while the slope has not settled (a singularity close to a)
FIT_POINTS = 6  # the smallest steps whose error is above the noise floor: the asymptotic regime
SETTLED = 0.05  # the local slopes of the last FIT_POINTS steps agree this well: the asymptotic regime reached
DIRECTIONS = 3  # random directions for two or more variables (one variable: both sides)
SLACK = 0.15  # how far a fitted slope may sit from a whole number (what is left of the log-log curvature)
MAX_DIGITS = 1000
FAST_SCALE = 10**5  # up to this |f(a)| |a|, 60 digits leave an absolute floor of 1e-40; beyond, more digits
PARAMETER_TRIES = 8


@dataclass
class Taylor:
    """The result of `derive.taylor`.

    ``f`` (SymPy), ``wrt`` (tuple of Symbols), ``at`` ({variable: exact value}), ``order``;
    ``polynomial`` P in the variables (a SymPy expression, written in powers of x - a),
    ``terms`` its terms by order (``terms[k]`` is the k-th order term, 0 to ``order``);
    ``value`` f(a), ``gradient`` grad f(a) (n x 1 Matrix; None for order 0), ``hessian``
    H(a) (n x n; None below order 2), ``derivatives`` {k: {multi-index: value}} for every
    order (a multi-index is a sorted tuple of variable positions, (0, 0, 1) is
    d^3 f/dx^2 dy); ``remainder_order`` = order + 1, what Taylor's theorem promises;
    ``measured_order`` the fitted slope of log |f - P| against log h (the smallest over
    the directions tried; math.inf only when f - P expands to 0: f is a polynomial of
    degree <= order; between order and order + 1 where f is not order + 1 times
    differentiable at a); ``samples`` the measurements behind it; ``parameters`` the symbols
    of f that are not variables (and ``parameter_values``, where the check drew them);
    ``validation`` says how the polynomial was checked.
    """

    f: object
    wrt: tuple
    at: dict
    order: int
    polynomial: object
    terms: list
    value: object
    gradient: object
    hessian: object
    derivatives: dict
    measured_order: float
    remainder_order: int
    validation: str
    samples: list = field(default_factory=list)
    parameters: tuple = ()
    parameter_values: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- text

    def _where(self):
        return point_text(self.at)

    def _head(self):
        return f"Taylor expansion of order {self.order} of {to_text(self.f)} at {self._where()}"

    def formula(self):
        """Taylor's formula up to this order, in words and symbols (vector form)."""
        one = len(self.wrt) == 1
        parts = ["f(a)"]
        if self.order >= 1:
            parts.append("f'(a) (x - a)" if one else "grad f(a)^T (x - a)")
        if self.order >= 2:
            parts.append("1/2 f''(a) (x - a)^2" if one else "1/2 (x - a)^T H(a) (x - a)")
        for k in range(3, self.order + 1):
            if one:
                parts.append(f"1/{k}! f^({k})(a) (x - a)^{k}")
            else:
                names = "ijklmnpqrs"[:k]
                parts.append(f"1/{k}! sum(d^{k}f(a)/{' '.join('dx_' + i for i in names)} * "
                             f"{''.join(f'(x_{i} - a_{i})' for i in names)}, {', '.join(names)})")
        return " + ".join(parts) + f" + O(|x - a|^{self.remainder_order})"

    def order_text(self):
        """The measured order in words, against the one Taylor's theorem promises."""
        if self.measured_order == math.inf:
            return f"f - P expands to 0: f equals its polynomial (a polynomial of degree <= {self.order})"
        text = f"the error |f - P| shrinks like |h|^{self.measured_order:.2f}"
        if self.measured_order > self.remainder_order + 0.5:
            return text + (f": at least |h|^{self.remainder_order}, as order + 1 promises (the next term "
                           "vanishes here)")
        if self.measured_order < self.remainder_order - SLACK:
            return text + ": " + fractional_text(self.order, self.measured_order)
        return text + f" (order + 1 = {self.remainder_order})"

    def _coefficient_lines(self):
        if len(self.wrt) == 1:
            x = self.wrt[0]
            names = ["f(a)", "f'(a)", "f''(a)"] + [f"f^({k})(a)" for k in range(3, self.order + 1)]
            values = [self.derivatives[k][(0,) * k] for k in range(self.order + 1)]
            width = max(len(n) for n in names[:self.order + 1])
            return [f"  {n.ljust(width)} = {to_text(v)}" for n, v in zip(names, values)], x
        lines = [("f(a)", self.value)]
        if self.gradient is not None:
            lines.append(("grad f(a)", self.gradient))
        if self.hessian is not None:
            lines.append(("H(a)", self.hessian))
        for k in range(3, self.order + 1):
            for index, v in self.derivatives[k].items():
                lines.append((derivative_name(index, self.wrt, "f(a)"), v))
        width = max(len(n) for n, _ in lines)
        return [f"  {n.ljust(width)} = {to_text(v)}" for n, v in lines], None

    def __str__(self):
        lines, _ = self._coefficient_lines()
        params = f" (parameters {', '.join(p.name for p in self.parameters)})" if self.parameters else ""
        return "\n".join([f"{self._head()}{params}:", *lines,
                          f"  f(x) = {self.formula()}",
                          f"  P = {to_text(self.polynomial)}",
                          f"validated: {self.validation}"])

    def __repr__(self):
        return f"Taylor({self._head()}: {to_text(self.polynomial)})"

    def latex(self):
        """f = P + O(|x - a|^(order+1)) and the point's f(a), grad f(a), H(a), as LaTeX (no $)."""
        shift = ", ".join(latex(x) for x in self.wrt)
        point = ", ".join(latex(v) for v in self.at.values())
        if len(self.wrt) == 1:
            where = rf"{shift} = {point}"
            norm = rf"\left|{latex(self.wrt[0] - self.at[self.wrt[0]])}\right|"
        else:
            where = rf"\left({shift}\right) = \left({point}\right)"
            norm = r"\left\lVert \mathbf{x} - \mathbf{a} \right\rVert"
        pieces = [rf"{latex(self.f)} = {latex(self.polynomial)} + O\left({norm}^{{{self.remainder_order}}}\right)",
                  rf"\text{{at }} {where}"]
        if len(self.wrt) > 1:
            pieces.append(rf"f(\mathbf{{a}}) = {latex(self.value)}")
            if self.gradient is not None:
                pieces.append(rf"\nabla f(\mathbf{{a}}) = {latex(self.gradient)}")
            if self.hessian is not None:
                pieces.append(rf"H(\mathbf{{a}}) = {latex(self.hessian)}")
        return r",\quad ".join(pieces)

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def to_dict(self):
        exact = self.measured_order == math.inf
        return {
            "kind": "taylor",
            "f": to_text(self.f),
            "wrt": [x.name for x in self.wrt],
            "at": {x.name: to_text(v) for x, v in self.at.items()},
            "order": self.order,
            "polynomial": to_text(self.polynomial),
            "terms": [to_text(t) for t in self.terms],
            "value": to_text(self.value),
            "gradient": None if self.gradient is None else [to_text(g) for g in self.gradient],
            "hessian": None if self.hessian is None else [[to_text(e) for e in row] for row in self.hessian.tolist()],
            "derivatives": {str(k): {derivative_name(i, self.wrt): to_text(v) for i, v in values.items()}
                            for k, values in self.derivatives.items() if k >= 3},
            "formula": self.formula(),
            "remainder_order": self.remainder_order,
            "measured_order": None if exact else round(self.measured_order, 4),
            "remainder_vanishes": exact,
            "parameters": [p.name for p in self.parameters],
            "parameter_values": {p.name: to_text(v) for p, v in self.parameter_values.items()},
            "samples": self.samples,
            "validation": self.validation,
            "latex": self.latex(),
        }

    def explain(self):
        """The expansion step by step: the value, the gradient and Hessian at a, the higher
        derivatives, Taylor's formula, the polynomial, and how its order was measured."""
        lines = [self._head(), f"  1. f(a) = {to_text(self.value)}"]
        step = 2
        if self.gradient is not None:
            lines.append(f"  {step}. the gradient (derive's, validated by finite differences) at a: "
                         f"grad f(a) = {to_text(self.gradient)}")
            step += 1
        if self.hessian is not None:
            lines.append(f"  {step}. the Hessian at a: H(a) = {to_text(self.hessian)}")
            step += 1
        for k in range(3, self.order + 1):
            shown = ", ".join(f"{derivative_name(i, self.wrt, 'f(a)')} = {to_text(v)}"
                              for i, v in self.derivatives[k].items())
            lines.append(f"  {step}. the derivatives of order {k} at a: {shown}")
            step += 1
        lines.append(f"  {step}. Taylor's formula: f(x) = {self.formula()}")
        lines += [f"       order {k}: {to_text(t)}" for k, t in enumerate(self.terms)]
        lines.append(f"  {step + 1}. the polynomial: P = {to_text(self.polynomial)}")
        lines.append(f"  {step + 2}. checked: {self.validation}")
        return "\n".join(lines)

    def plot(self, path=None, *, direction=None, radius=None):
        """f and P near a, and |f - P| against h on log-log axes with the fitted slope.  For two or
        more variables both are drawn along the line a + t v (v = `direction`, default the
        gradient's direction, else (1, ..., 1)): a 1-D slice.  Written to `path`, else returned."""
        return _plot(self, path, direction, radius)


def taylor(f, wrt, at, order=2, *, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """The Taylor polynomial of `f` of `order` (0 to 10) in the variables `wrt` at the point
    `at`, checked numerically; returns a `Taylor`.

    `f` is text (or LaTeX) or SymPy; `wrt` a Symbol, a list, text "x y", or None (every
    variable of f; with a dict point, its keys); `at` one number for one variable, a list of
    numbers (text like "pi/2" allowed, parsed by derive), or a dict name -> number, where a
    name that is not a variable fixes a parameter of f.  Other symbols of f are parameters:
    the polynomial keeps them, and the check draws values for them.
    """
    order = _order(order)
    with time_budget(limits.seconds, "the Taylor expansion"):
        expr, wrt, point, ns = read_problem(f, wrt, at, symbols)
        plain = ns.plain_mapping()  # before the derivatives adopt f's symbols as the user's
        view = RealView(expr, wrt, point)
        fr, xr, ar = view.real(expr), view.real(wrt), view.real(point)
        derivatives = _derivatives(expr, wrt, order, ns, view, seed)
        lacks = f"no Taylor expansion of order {order}"
        values = {k: {i: value_at(d, ar, expr, wrt, point, i, lacks) for i, d in ds.items()}
                  for k, ds in derivatives.items()}
        terms = [_term(values[k], xr, ar) for k in range(order + 1)]
        polynomial = sympy.Add(*terms)
        params = parameters_of(fr, xr)
        measured, samples, drawn, how = _measure(fr, polynomial, xr, ar, params, order, seed)
        n = len(wrt)

        def user(obj):  # the user's symbols; text's x as Symbol("x")
            return map_symbols(view.user(obj), plain)

        gradient = sympy.Matrix([user(values[1][(i,)]) for i in range(n)]) if order >= 1 else None
        hessian = sympy.Matrix(n, n, lambda i, j: user(values[2][tuple(sorted((i, j)))])) if order >= 2 else None
        shown = {k: {i: user(v) for i, v in vs.items()} for k, vs in values.items()}
        # built again in the user's symbols: replacing x in 3*(x - 1) would multiply it out (3*x - 3)
        xs, point_shown = [user(x) for x in xr], {user(x): user(v) for x, v in ar.items()}
        terms_shown = [_term(shown[k], xs, point_shown) for k in range(order + 1)]
        return Taylor(user(expr), tuple(xs), point_shown, order, sympy.Add(*terms_shown), terms_shown,
                      shown[0][()], gradient, hessian, shown, measured, order + 1, how, samples,
                      tuple(user(p) for p in params), {user(p): v for p, v in drawn.items()})


# ---------------------------------------------------------------------------
# inputs (shared with directional.py)

def read_problem(f, wrt, at, symbols):
    """(f, wrt, point, namespace): f a scalar of scalar variables, point {variable: number} in
    wrt's order; parameters fixed by a dict point are substituted into f."""
    at = assignments(at)
    received = [v for v in ([*at.keys(), *at.values()] if isinstance(at, dict) else [at]) if isinstance(v, sympy.Basic)]
    ns = new_namespace(symbols, f, wrt, *received)
    expr = as_scalar(as_expression(f, ns))
    if expr.atoms(sympy.MatrixSymbol, sympy.Indexed):
        raise DeriveError("this needs f as a function of scalar variables; f is in matrix or index notation")
    if wrt is None and isinstance(at, dict):  # the point's keys name the variables (unknown ones: read_point)
        names = {s.name for s in free_scalars(expr)}
        wrt = [k for k in at if (k.strip() if isinstance(k, str) else getattr(k, "name", None)) in names] or None
    wrt = resolve_wrt(wrt, expr, ns)
    point, fixed = read_point(at, wrt, expr, "at")
    if fixed:
        expr = expr.xreplace(fixed)
    return expr, wrt, point, ns


def assignments(values):
    """Text "x = 1, y = pi/2" as the dict {"x": "1", "y": "pi/2"}; anything else as it is."""
    if not isinstance(values, str) or "=" not in values:
        return values
    parts, current, depth = [], [], 0
    for ch in values:
        depth += (ch in "([{") - (ch in ")]}")
        if depth == 0 and ch in ",;":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    out = {}
    for part in filter(str.strip, parts):
        name, eq, value = part.partition("=")
        if not eq or not name.strip() or "=" in value:
            raise DeriveError(f"cannot read the point {values!r}: write name = value, separated by commas")
        out[name.strip()] = value.strip()
    return out


def read_point(at, wrt, expr, what="at", parameters=True):
    """({variable: exact number} in wrt's order, {parameter: exact number}) from one number,
    a list (or text "[1, pi/2]") of numbers, or a dict name -> number (text "x = 1, y = 2");
    `parameters=False`: every key must be a variable."""
    at = assignments(at)
    if isinstance(at, dict):
        known = {s.name: s for s in free_scalars(expr)}
        point, fixed = {}, {}
        for key, value in at.items():
            name = key.strip() if isinstance(key, str) else getattr(key, "name", None)
            sym = known.get(name)
            if sym is None:
                raise SymbolError(f"unknown symbol '{key}' in {what}: the expression uses "
                                  f"{', '.join(sorted(known)) or 'no variables'}")
            if sym not in wrt and not parameters:
                raise SymbolError(f"{what} has a component for '{name}', which is not a variable "
                                  f"({', '.join(x.name for x in wrt)})")
            (point if sym in wrt else fixed)[sym] = read_number(value, f"{what}: {name}")
        missing = [x.name for x in wrt if x not in point]
        if missing:
            raise DeriveError(f"{what} gives no value for {', '.join(missing)}")
        return {x: point[x] for x in wrt}, fixed
    return dict(zip(wrt, read_vector(at, len(wrt), what, wrt))), {}


def read_vector(values, n, what, wrt):
    """n exact numbers from one number, a list, a Matrix, or text ("[1, 2]", "1, 2", "pi/2")."""
    if isinstance(values, str):
        text = values.strip()
        if "," in text and not text.startswith(("[", "(", "\\")):
            text = f"[{text}]"
        values = _parse_number(text, what)
    if isinstance(values, sympy.MatrixBase):
        values = list(values)
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) != n:
        names = ", ".join(x.name for x in wrt)
        raise ShapeError(f"{what} gives {len(values)} value{'s' if len(values) != 1 else ''} for "
                         f"{n} variable{'s' if n != 1 else ''} ({names}): give one per variable")
    return [read_number(v, f"{what}: {x.name}") for v, x in zip(values, wrt)]


def read_number(value, what):
    """An exact real number (text through derive's parser, never sympify; floats made exact)."""
    if isinstance(value, str):
        value = _parse_number(value, what)
    if isinstance(value, (list, tuple, dict)):
        raise DeriveError(f"{what} must be a number, got a {type(value).__name__}")
    if isinstance(value, float):
        value = sympy.nsimplify(value, rational=True) if math.isfinite(value) else sympy.nan
    elif not isinstance(value, sympy.MatrixBase):
        value = as_basic(value)
    if isinstance(value, sympy.MatrixBase) or not value.is_number or value.has(sympy.nan, sympy.zoo) \
            or numeric_value(value, {}) is None:
        raise DeriveError(f"{what} must be a finite real number, got {to_text(value)}")
    return value


def _parse_number(text, what):
    """Text of numbers through derive's parser (never sympify): names are not numbers."""
    try:
        return parse(text, Namespace(strict=True))
    except ParseError as e:
        if "unknown symbol" in e.reason:
            raise SymbolError(f"{what} must be numbers, and {text!r} names a symbol (a parameter takes its "
                              "value in a dict point, {'x': 0, 'a': 2})") from None
        raise ParseError(f"in {what} ({text!r}): {e.reason}", e.text, e.column) from None


def parameters_of(f, wrt):
    """f's symbols that are not variables, by name."""
    return tuple(s for s in free_scalars(f) if s not in wrt)


def point_text(point):
    if len(point) == 1:
        (x, v), = point.items()
        return f"{x} = {to_text(v)}"
    return f"({', '.join(map(str, point))}) = ({', '.join(to_text(v) for v in point.values())})"


def derivative_name(index, wrt, of="f"):
    """d^3 f/dx^2 dy for the multi-index (0, 0, 1)."""
    counts = [(wrt[i], index.count(i)) for i in sorted(set(index))]
    below = " ".join(f"d{x}" + (f"^{c}" if c > 1 else "") for x, c in counts)
    k = len(index)
    return f"d{'^' + str(k) if k > 1 else ''}{of}/{below}" if k else of


def sample_parameters(params, rng):
    """Exact values for parameters, positive unless declared otherwise (log a, sqrt a defined)."""
    drawn = {}
    for p in params:
        if p.is_integer:
            value = sympy.Integer(rng.randint(1, 4))
        else:
            value = Rational(rng.randint(5, 20), rng.choice((3, 4, 7)))
        drawn[p] = -value if p.is_negative or p.is_nonpositive else value
    return drawn


class Values:
    """Some expressions at many points in `digits` digits (DIGITS at least): mpmath numbers, None
    where one is not finite and real.  derive's fast evaluator works in DIGITS digits; beyond
    that, and where it lacks a function, SymPy's evalf (exact where the values are rational).
    Callers do their arithmetic on the values under mpmath.workdps(values.digits)."""

    def __init__(self, exprs, digits=DIGITS):
        self.exprs, self.digits, self.program = list(exprs), max(digits, DIGITS), None
        if self.digits == DIGITS:
            try:
                self.program = fast.Program(self.exprs)
            except (fast.Unsupported, TypeError, ValueError, AttributeError):
                pass

    def __call__(self, point):
        if self.program is not None:
            try:
                return fast.evaluate(self.program, point)
            except fast.Unsupported:
                pass
        out = []
        with mpmath.workdps(self.digits):
            for e in self.exprs:
                v = numeric_value(e, point, self.digits)
                out.append(None if v is None else mpmath.mpf(v.p) / v.q if v.is_Rational else mpmath.mpf(v._mpf_))
        return out


def digits_for(scale):
    """Working digits that leave an absolute rounding floor of about 1e-40 where values are of size
    `scale` (an mpmath number): DIGITS up to FAST_SCALE, one more digit per factor of 10 beyond, at
    most MAX_DIGITS (exp(x*y) at 1e8 is 10^43429448: its rates are as large, and relative digits do)."""
    if scale <= FAST_SCALE:
        return DIGITS
    return min(MAX_DIGITS, DIGITS + int(mpmath.ceil(mpmath.log10(scale / FAST_SCALE))))


def value_at(expr, point, f, wrt, user_point, index=(), lacks="no Taylor expansion"):
    """An exact derivative's value at the point, or a one-line DeriveError where it is not a
    finite real number (a singularity: f has `lacks` there)."""
    value = expr.xreplace(point)
    bad = value.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) or (value.is_number and numeric_value(value, {}) is None)
    if bad:
        what = "f itself" if not index else f"its derivative {derivative_name(index, wrt)}"
        raise DeriveError(f"{to_text(f)} has {lacks} at {point_text(user_point)}: "
                          f"{what} is not a finite real number there (a singularity or the edge of its domain)")
    return _tidy(value)


def _tidy(value):
    """A value in its shortest form (simplification is optional work: on a timeout, as it is)."""
    if value.is_Rational or value.is_Symbol:
        return value
    simpler = attempt(lambda: sympy.simplify(value), 1.0, value)
    return simpler if sympy.count_ops(simpler) < sympy.count_ops(value) else value


# ---------------------------------------------------------------------------
# the polynomial

def _order(order):
    if isinstance(order, bool) or not isinstance(order, int) and not (isinstance(order, sympy.Integer)):
        raise DeriveError(f"order must be a whole number from 0 to {MAX_ORDER}, got {order!r}")
    order = int(order)
    if not 0 <= order <= MAX_ORDER:
        raise DeriveError(f"order must be a whole number from 0 to {MAX_ORDER}, got {order}")
    return order


def _derivatives(expr, wrt, order, ns, view, seed):
    """{k: {multi-index: d^k f (real symbols)}} for k = 0..order: derive's validated gradient and
    Hessian, then each higher derivative from one of order k - 1 (over the reals)."""
    xr = view.real(wrt)
    n = len(wrt)
    out = {0: {(): view.real(expr)}}
    if order >= 1:
        g = differentiate(expr, wrt, "grad", symbols=ns, seed=seed).result
        out[1] = {(i,): view.real(g[i]) for i in range(n)}
    if order >= 2:
        H = differentiate(expr, wrt, "hessian", symbols=ns, seed=seed).result
        out[2] = {(i, j): view.real(H[i, j]) for i, j in combinations_with_replacement(range(n), 2)}
    for k in range(3, order + 1):
        out[k] = {index: real_diff(out[k - 1][index[:-1]], xr[index[-1]])
                  for index in combinations_with_replacement(range(n), k)}
    return out


def _term(values, x, a):
    """sum over multi-indices alpha with |alpha| = k of D^alpha f(a) / alpha! (x - a)^alpha."""
    total = []
    for index, value in values.items():
        counts = {i: index.count(i) for i in sorted(set(index))}
        shifts = sympy.Mul(*[(x[i] - a[x[i]]) ** c for i, c in counts.items()])
        coefficient = value / sympy.Mul(*[sympy.factorial(c) for c in counts.values()])
        # a number times (x - 1) would be multiplied out (3*x - 3): the Taylor form keeps x - a whole
        total.append(_keep_coeff(coefficient, shifts) if coefficient.is_Number else coefficient * shifts)
    return sympy.Add(*total)


# ---------------------------------------------------------------------------
# the check: the remainder's order, measured

def _measure(f, P, x, a, params, order, seed):
    """(measured order, samples, parameter values, text): |f - P| along random lines through a."""
    rng = random.Random(seed)
    values, drawn, at_a = Values([f, P]), {}, None
    for _ in range(PARAMETER_TRIES if params else 1):
        drawn = sample_parameters(params, rng)
        at_a = values({**a, **drawn})
        if at_a is not None and None not in at_a:
            break
    else:
        where = "at the point" if not params else f"at the point for any of {PARAMETER_TRIES} values drawn for " \
                                                  f"{', '.join(p.name for p in params)}"
        raise ValidationError(f"the Taylor polynomial of {to_text(f)} could not be checked: f is not a finite real "
                              f"number {where}")
    n = len(x)
    directions = [(1,), (-1,)] if n == 1 else [_direction(n, rng) for _ in range(DIRECTIONS)]
    # the steps are absolute and f - P cancels against f(a) and against a's own digits: a floor
    # relative to |f(a)| alone would hide the whole remainder when f(a) is large (x**3 at 1e20)
    with mpmath.workdps(DIGITS):
        size = max(abs(v) for v in Values(list(a.values()))({}))
        scale = max(1, abs(at_a[0])) * max(1, size)
    digits = digits_for(scale)
    for _ in range(2):
        with mpmath.workdps(digits):
            floor = scale * mpmath.mpf(10) ** -(digits - 15)
            walks = [_walk(Values([f, P], digits), x, a, d, drawn, floor, order) for d in directions]
        slopes = [w for w in walks if w["slope"] is not None]
        exact = [w for w in walks if w["slope"] is None and w["above"] == 0 and any(e is not None for e in w["errors"])]
        if slopes or not exact or _vanishes(f, P, x):
            break
        digits += DIGITS  # below the floor everywhere, yet f - P is not 0: look closer once
    samples = [{"direction": [float(di) for di in w["direction"]], "steps": [float(h) for h in w["steps"]],
                "errors": [None if e is None else float(e) for e in w["errors"]],
                "slope": None if w["slope"] is None else round(w["slope"], 4)} for w in walks]
    if not slopes and not exact:
        raise ValidationError(f"the Taylor polynomial of {to_text(f)} could not be checked: f is not real and "
                              "finite near the point along any direction tried")
    drawn_text = f", with {', '.join(f'{p} = {to_text(v)}' for p, v in drawn.items())}" if drawn else ""
    sides = "both sides" if len(slopes) + len(exact) == 2 else "one side"
    where = f"{len(directions)} directions" if n > 1 else sides
    if not slopes:
        if not _vanishes(f, P, x):
            raise ValidationError(f"the Taylor polynomial of order {order} of {to_text(f)} could not be checked: "
                                  f"|f - P| is below the rounding floor of {digits}-digit arithmetic at every step"
                                  f"{drawn_text}, yet f - P is not 0")
        return math.inf, samples, drawn, (f"f - P expands to 0 (and is 0 to {digits - 15} digits at a + h d for "
                                          f"h = 1/10 ... 1/10240 along {where}{drawn_text}): f equals its Taylor "
                                          "polynomial")
    worst = min(slopes, key=lambda w: w["slope"])
    measured = worst["slope"]
    smallest = min(w["steps"][-1] for w in walks)
    smallest = to_text(smallest) if smallest >= STEP_SHOWN else f"{float(smallest):.2g}"
    how = (f"|f(a + h d) - P(a + h d)| for h = 1/10 ... {smallest} along {where}, in {digits}-digit arithmetic"
           f"{drawn_text}, shrinks like |h|^{measured:.2f} (the fitted log-log slope)")
    if measured >= order + 1 - SLACK:
        if measured > order + 1.5:
            return measured, samples, drawn, how + (f": at least |h|^(order + 1) = |h|^{order + 1}, as Taylor's "
                                                    "theorem says: the next term vanishes here")
        return measured, samples, drawn, how + f": |h|^(order + 1) = |h|^{order + 1}, as Taylor's theorem says"
    # Between order and order + 1 the polynomial is right (a wrong term of order j <= order leaves
    # |h|^j) and f is not order + 1 times differentiable: Peano's remainder o(|h|^order), said as it is.
    if measured > order + SLACK and worst["settled"]:
        return measured, samples, drawn, how + ": " + fractional_text(order, measured)
    settled = "" if worst["settled"] else " (and the slope did not settle)"
    cause = "f is not continuous there" if order == 0 else \
        f"f is not {order} times differentiable there (a kink, a cusp, the edge of its domain)"
    raise ValidationError(
        f"the Taylor polynomial of order {order} of {to_text(f)} failed its check: the error |f - P| shrinks "
        f"like |h|^{measured:.2f}, not |h|^{order + 1}{settled}{drawn_text}; either {cause} or the polynomial is "
        "wrong")


def fractional_text(order, measured):
    return (f"between |h|^{order} and |h|^{order + 1}, so f is not {order + 1} times differentiable at a and the "
            f"remainder is o(|h|^{order}) only (Peano's form), not O(|h|^{order + 1})")


def _walk(values, x, a, d, drawn, floor, order):
    """|f - P| at a + h d for h = 1/10, 1/20, ...: at least MIN_STEPS steps, then on (up to
    MAX_STEPS) until the slope settles at order + 1 or more or the error sinks below the floor.
    Absolute steps would never reach the asymptotic regime near a singularity (1/(x - 0.001) at 0)."""
    steps, errors, h = [], [], FIRST_STEP
    for k in range(MAX_STEPS):
        v = values({**drawn, **{xi: a[xi] + h * di for xi, di in zip(x, d)}})
        steps.append(h)
        errors.append(None if v is None or None in v else abs(v[0] - v[1]))
        if k + 1 >= MIN_STEPS:
            if errors[-1] is not None and errors[-1] <= floor:
                break
            # halving on to MAX_STEPS uncovers a slightly wrong term (1e-6 h^2 hides under h^3 down to
            # h = 1e-6); SymPy's evalf beyond 60 digits is too slow for that: there, stop once settled
            local = _local_slopes(steps, errors, floor) if values.program is None else []
            if len(local) == FIT_POINTS - 1 and max(local) - min(local) <= SETTLED and min(local) >= order + 1 - SLACK:
                break
        h /= 2
    slope, above = _slope(steps, errors, floor)
    local = _local_slopes(steps, errors, floor)
    return {"direction": d, "steps": steps, "errors": errors, "slope": slope, "above": above,
            "settled": len(local) == FIT_POINTS - 1 and max(local) - min(local) <= SETTLED}


def _vanishes(f, P, x):
    """Is f - P symbolically 0 (f a polynomial of degree <= order)?  Only then is f its own expansion."""
    return attempt(lambda: f.is_polynomial(*x) and sympy.expand(f - P) == 0, 1.0, False)


def _direction(n, rng):
    """A random direction with every component nonzero (so that mixed terms are seen)."""
    return tuple(Rational(rng.choice((-1, 1)) * rng.randint(3, 9), 9) for _ in range(n))


def _fit_points(steps, errors, floor):
    """(log h, log error) at the smallest steps whose error is above the rounding floor."""
    return [(math.log(float(h)), float(mpmath.log(e))) for h, e in zip(steps, errors)
            if e is not None and e > floor][-FIT_POINTS:]


def _local_slopes(steps, errors, floor):
    points = _fit_points(steps, errors, floor)
    return [(q[1] - p[1]) / (q[0] - p[0]) for p, q in zip(points, points[1:])]


def _slope(steps, errors, floor):
    """(least-squares slope of log error against log h over the smallest steps whose error is
    above the rounding floor, or None; how many errors are above it)."""
    above = sum(1 for e in errors if e is not None and e > floor)
    points = _fit_points(steps, errors, floor)
    if len(points) < 3:
        return None, above
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    slope = sum((px - mx) * (py - my) for px, py in points) / sum((px - mx) ** 2 for px, _ in points)
    return slope, above


# ---------------------------------------------------------------------------
# the picture

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
    for k, sample in enumerate(t.samples):
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


def require_numbers(params, what):
    """A DeriveError for pictures of a function that still has parameters."""
    if params:
        names = ", ".join(p.name for p in params)
        raise DeriveError(f"{what} needs numbers, and f has the parameter{'s' if len(params) > 1 else ''} {names}: "
                          f"give {'their values' if len(params) > 1 else 'its value'} in the point (at={{..., "
                          f"'{params[0].name}': 2}})")


__all__ = ["Taylor", "taylor"]
