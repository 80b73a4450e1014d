"""Stationarity of J in index notation: the gradient, its closed-form solution,
and the simplex constraint through a Lagrange multiplier.

    dJ/dlam[a, b] = (1/lam[a, b]) sum_i r[i,a] x[i,b] - sum_i r[i,a] = 0
        =>  lam[a, b] = sum_i r[i,a] x[i,b] / sum_i r[i,a]

The gradient comes from SymPy with every Kronecker delta contracted (derive's
index calculus); `pull_out` leaves sums of data, which become symbols while
SymPy solves the scalar equation.  Weights (and categorical probabilities)
sum to one: L = J + lambda (1 - sum_k w[k]), solve dL/dw[a] = 0 for w[a] in
terms of lambda, then the constraint for lambda; the sums over k of r[i, k]
are 1 (each row's responsibilities sum to one), so lambda = N (+ the prior's
pseudo-counts).
"""

from dataclasses import dataclass

import sympy
from sympy import Dummy, Indexed, IndexedBase, KroneckerDelta, Mul, Sum, Symbol

from ...calculus.index import contract
from ...errors import DeriveError
from ...text.budgets import attempt
from ..symbols import RANGES, TARGET_INDEX, K, i, r
from .separate import has_target, pull_out, sums_as_symbols

SOLVE_SECONDS = 6.0

_PROXY_ASSUMPTIONS = {"real": {"real": True}, "positive": {"positive": True}, "unit": {"positive": True},
                      "simplex": {"positive": True}}


def gradient(J, target):
    """dJ/d target with every Kronecker delta contracted."""
    raw = sympy.diff(J, target)
    return contract(pull_out(raw, set()))


@dataclass
class Solved:
    """A closed form for one parameter element (free indices of the target)."""

    value: sympy.Expr
    gradient: sympy.Expr
    multiplier: sympy.Expr = None  # the Lagrange multiplier's value, for a simplex
    lagrangian_gradient: sympy.Expr = None


def solve_stationary(J, param):
    """(Solved or None, gradient, reason): the closed form of dJ/dparam = 0, if SymPy finds a unique one."""
    target = param.target
    G = gradient(J, target)
    labels = {target.base.label}
    separated = pull_out(G, labels)
    equation, sums, separable = sums_as_symbols(separated, labels)
    if not separable:
        inside = next((t for t in separated.atoms(Sum) if has_target(t, labels)), separated)
        raise DeriveError(f"{param.name}: no finite sufficient statistics: after multiplying out, the sum "
                          f"{inside} still mixes the parameter with the data; the EM kernels need a density that "
                          "splits into (parameter part) x (data part) terms (exponential families, gamma, ...)")
    value = _solve_for(equation, target, param.constraint)
    if value is None:
        return None, separated, "SymPy finds no unique closed-form root of the stationarity equation"
    return Solved(tidy(value.xreplace(sums)), separated), separated, ""


def _solve_for(equation, target, constraint):
    proxy = Dummy("u", **_PROXY_ASSUMPTIONS.get(constraint, {"real": True}))
    eq = equation.xreplace({target: proxy})
    if not eq.has(proxy):
        return None
    roots = bounded(lambda: sympy.solve(eq, proxy))
    if not roots:
        return None
    roots = [rt for rt in roots if not rt.has(proxy)]
    if len(roots) != 1:
        return None
    return roots[0]


def bounded(fn):
    """fn() within SOLVE_SECONDS (where a clock is available), or None if SymPy gives up or runs out of time."""
    import threading

    try:
        if threading.current_thread() is threading.main_thread():
            return attempt(fn, SOLVE_SECONDS, None)
        return fn()
    except (NotImplementedError, ValueError, TypeError, ZeroDivisionError):
        return None


def tidy(expr):
    """A readable closed form: one fraction, constant factors gathered."""
    return sympy.factor_terms(sympy.together(expr))


# ---------------------------------------------------------------------------
# the simplex: a Lagrange multiplier


def solve_simplex(J, param):
    """Weights (or categorical probabilities) that maximize J on the simplex.

    Returns (Solved with .multiplier, the multiplier symbol), or (None, reason).
    """
    target = param.target
    simplex_free = TARGET_INDEX[param.axis]
    per_component = len(param.axes) > 1
    lam = IndexedBase("lambda", real=True)[TARGET_INDEX[param.axes[0]]] if per_component else Symbol("lambda", real=True)
    G = gradient(J, target)
    labels = {target.base.label}
    separated = pull_out(G, labels)
    equation, sums, separable = sums_as_symbols(separated - lam, labels)
    value = _solve_for(equation, target, "simplex") if separable else None
    if value is None:
        return None, "no closed form for dL/dw = 0"
    value = value.xreplace(sums)
    # the constraint: sum over the simplex axis of value = 1
    q = Symbol("q", integer=True)
    total = pull_out(Sum(value.xreplace({simplex_free: q}), (q, 0, RANGES[param.axis] - 1)), set())
    total = pull_out(simplify_simplex_sums(total), set())
    lam_proxy = Dummy("lam", real=True)
    roots = bounded(lambda: sympy.solve(total.xreplace({lam: lam_proxy}) - 1, lam_proxy))
    if not roots or len(roots) != 1:
        return None, "cannot solve the constraint for the multiplier"
    multiplier = tidy(roots[0])
    closed = tidy(value.xreplace({lam: multiplier}))
    return Solved(closed, separated, multiplier=multiplier, lagrangian_gradient=separated - lam), lam


def simplify_simplex_sums(expr):
    """sum_q sum_i r[i, q] f(i) = sum_i f(i) (each row's responsibilities sum to one);
    sum_q sum_i [x[i] = q] f(i) = sum_i f(i) (each code is one of the categories)."""
    def rule(e):
        # SymPy keeps sum_q sum_i body as one Sum with limits ((i, ...), (q, ...))
        if not isinstance(e, Sum) or len(e.limits) != 2 or e.limits[0][0] != i:
            return e
        row, (q, _, hi) = e.limits
        factors = Mul.make_args(e.function)
        for f in factors:
            ones = (isinstance(f, Indexed) and f.base == r and f.indices == (i, q) and hi == K - 1) or (
                isinstance(f, KroneckerDelta) and q in f.args and any(isinstance(a, Indexed) for a in f.args))
            rest = Mul(*(g for g in factors if g is not f))
            if ones and q not in rest.free_symbols:
                return Sum(rest, row)
        return e

    return expr.replace(lambda e: isinstance(e, Sum), rule)


# ---------------------------------------------------------------------------
# generalized EM: the part of J a parameter element affects


def restrict(J, param):
    """J's terms for one element of `param` (free target indices), up to terms free of it."""
    target = param.target
    mapping = dict(zip(param.axes, target.indices))

    def walk(e):
        if isinstance(e, Sum):
            body = walk(e.function)
            kept = []
            for limit in e.limits:
                index = limit[0]
                if index in mapping and has_target(body, {param.base.label}):
                    body = body.xreplace({index: mapping[index]})
                else:
                    kept.append(limit)
            return Sum(body, *kept) if kept else body
        if e.args and not e.is_Atom and not isinstance(e, Indexed):
            return e.func(*(walk(a) for a in e.args))
        return e

    restricted = walk(J)
    terms = sympy.Add.make_args(sympy.expand(restricted, deep=False))
    return sympy.Add(*(t for t in terms if t.has(target)))


__all__ = ["Solved", "gradient", "restrict", "simplify_simplex_sums", "solve_simplex", "solve_stationary",
           "tidy"]
