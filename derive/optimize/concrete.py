"""Problems in matrix and index notation at concrete sizes and random data: the ground
truth every point found in those notations is checked against.

A symbolic answer (w = inv(X^T X + lam I) X^T y, p[k] = 1/n) is checked by
choosing sizes (n = 4, d = 3), drawing exact rational data (multiples of 1/8,
spd matrices drawn spd), writing f out as an ordinary function of the entries
of the variables (``explicit``: sums over concrete ranges, products of explicit
matrices), differentiating that by plain partial derivatives and substituting
the answer evaluated at the same data: the gradient must be exactly zero.
Nothing of the symbolic derivation is reused, so a wrong rule cannot confirm
itself.
"""

import random

import numpy as np
import sympy
from sympy import ImmutableMatrix, MatrixSymbol, Symbol

from ..errors import ValidationError
from ..text.inputs import as_basic
from ..validation.instances import Point, dimensions, entrywise_powers
from .parametric import samples


class Draw:
    """One concrete instance: ``sizes`` (size symbol -> int), ``numeric`` (matrix symbol or
    scalar -> NumPy value, for rank and definiteness tests), ``exact`` (the same values as
    exact SymPy numbers and matrices) and ``params`` (scalar parameter -> exact value)."""

    def __init__(self, sizes, point, params):
        self.sizes, self.point, self.params = sizes, point, params
        self.exact = {**point.exact(), **params}
        self.numeric = {**point.values, **{p: float(v) for p, v in params.items()}}

    def value(self, expr):
        """`expr` (matrix or scalar expression in the data) at this instance, exactly."""
        return self.point.exact_value(as_basic(expr).xreplace(self.params)) if self.params else \
            self.point.exact_value(expr)

    def describe(self):
        return ", ".join([f"{d} = {v}" for d, v in self.sizes.items()]
                         + [f"{p} = {v}" for p, v in self.params.items()])


def draws(exprs, variables, properties, params=(), case=None, requires=(), count=2, seed=0, tries=40,
          min_size=2, max_size=4):
    """Up to `count` instances where the parameters meet `case`'s conditions and the data meet
    `requires` (rank conditions).  Sizes are drawn per dimension, distinct where possible."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    dims = dimensions(*exprs)
    data = sorted({m for e in exprs for m in as_basic(e).atoms(MatrixSymbol)} - set(variables), key=str)
    scalars = [p for p in params if case is None or p not in case.fixed]
    param_draws = samples(case, list(params), count=max(count, 3), seed=seed) if case is not None else [{}]
    if not param_draws:
        return []
    found = []
    for attempt in range(tries):
        sizes = {d: rng.randint(min_size, max_size) for d in dims}
        symbols = [m.xreplace(sizes) if sizes else m for m in data]
        point = Point.draw(sizes, symbols, np_rng, attempt,
                           {m.xreplace(sizes) if sizes else m: properties.get(m, ()) for m in data})
        point.values = {_original(k, data): v for k, v in point.values.items()}
        values = dict(param_draws[attempt % len(param_draws)])
        values.update({p: v for p, v in (case.fixed.items() if case is not None else ())})
        draw = Draw(sizes, point, {p: v for p, v in values.items() if p in params or p in scalars})
        if all(r.holds(draw.numeric, sizes) for r in requires):
            found.append(draw)
            if len(found) == count:
                break
    return found


def _original(key, data):
    """The user's matrix symbol for a value drawn at concrete sizes."""
    for m in data:
        if m.name == getattr(key, "name", None):
            return m
    return key


def explicit(expr, draw, variables):
    """(f written out at `draw`, {variable: Matrix of the symbols standing for its entries}).

    Data matrices are replaced by their exact values before anything is multiplied out, so
    the written-out f is a plain function of the variables' entries with rational coefficients."""
    sizes = draw.sizes
    symbols = {v: _entry_symbols(v, sizes) for v in variables}
    e = as_basic(expr).xreplace(draw.params)
    if sizes:
        e = e.xreplace(sizes)
    mapping = {}
    for obj, value in draw.exact.items():
        if isinstance(obj, MatrixSymbol) and obj not in variables:
            mapping[obj.xreplace(sizes) if sizes else obj] = value
        elif isinstance(obj, Symbol) and obj not in draw.params:
            mapping[obj] = value
    for v, entries in symbols.items():
        mapping[v.xreplace(sizes) if sizes and isinstance(v, MatrixSymbol) else v] = \
            entries if isinstance(v, MatrixSymbol) else entries[0]
    e = e.xreplace(mapping)
    constants = {c: c.as_explicit() for c in e.atoms(sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)
                 if all(as_basic(d).is_Integer for d in c.shape)}
    e = e.xreplace(constants) if constants else e
    for _ in range(3):
        e = entrywise_powers(e).doit()
        if isinstance(e, sympy.MatrixExpr) and not isinstance(e, sympy.MatrixBase):
            e = e.as_explicit()
    return e, symbols


def _entry_symbols(v, sizes):
    if not isinstance(v, MatrixSymbol):
        return ImmutableMatrix([[Symbol(f"_{v}", real=True)]])
    rows, cols = (int(as_basic(d).xreplace(sizes)) if sizes else int(d) for d in v.shape)
    return ImmutableMatrix(rows, cols, [Symbol(f"_{v.name}_{i}_{j}", real=True) for i in range(rows)
                                        for j in range(cols)])


def gradient_at(expr, draw, variable, value, variables=None):
    """The exact gradient of `expr` wrt the matrix symbol `variable` at `value` (an explicit matrix),
    on the instance `draw`; other `variables` (multipliers: {symbol: value}) are substituted too."""
    variables = variables or {variable: value}
    written, symbols = explicit(expr, draw, list(variables))
    subs = {}
    for v, val in variables.items():
        subs.update(dict(zip(list(symbols[v]), list(val) if isinstance(val, sympy.MatrixBase) else [val])))
    written = _scalar(written)
    entries = symbols[variable]
    unknowns = [s for v in variables for s in symbols[v]]
    if written.is_polynomial(*unknowns):  # a quadratic's gradient: differentiate a Poly, much faster than an Expr
        poly = sympy.Poly(written, *unknowns)
        point = [subs[s] for s in unknowns]
        values = [poly.diff(e).eval(dict(zip(unknowns, point))) if poly.diff(e).total_degree() > 0 else
                  poly.diff(e).as_expr() for e in entries]
        return ImmutableMatrix(entries.shape[0], entries.shape[1], [sympy.S(v) for v in values])
    return ImmutableMatrix(entries.shape[0], entries.shape[1],
                           [sympy.diff(written, e).xreplace(subs) for e in entries])


def _scalar(e):
    if isinstance(e, sympy.MatrixBase):
        return e[0, 0]
    return e


def require_zero(residual, what, draw):
    """A `ValidationError` unless every entry of `residual` is exactly zero (or below 1e-25 at 40
    digits, for radicals)."""
    items = list(residual) if isinstance(residual, sympy.MatrixBase) else [residual]
    for r in items:
        r = sympy.nsimplify(r) if getattr(r, "is_Float", False) else r
        if r == 0:
            continue
        value = sympy.N(r, 40)
        if not value.is_number or abs(complex(value)) > 1e-25:
            raise ValidationError(f"internal check failed: {what} is not zero at {draw.describe()} "
                                  f"(residual {sympy.N(r, 8)}); please report this")


