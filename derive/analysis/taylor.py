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
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import sympy
from sympy.core.mul import _keep_coeff

from ..calculus.reals import RealView, real_diff
from ..calculus.variables import Problem
from ..derivation.api import derive_problem
from ..errors import DeriveError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.printing import latex, to_text
from ..text.symbol_table import map_symbols
from .point_problem import derivative_name, parameters_of, point_text, read_problem, value_at
from .remainder import SLACK, _measure, fractional_text
from .taylor_plot import _plot

MAX_ORDER = 10

MAX_ORDER = 10


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
        g = derive_problem(Problem.within(ns, expr, wrt), "grad", seed=seed).result
        out[1] = {(i,): view.real(g[i]) for i in range(n)}
    if order >= 2:
        H = derive_problem(Problem.within(ns, expr, wrt), "hessian", seed=seed).result
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


__all__ = ["Taylor", "taylor"]
