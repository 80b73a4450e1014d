"""derive works over the reals: the one place that says how.

* `RealView`: a user's Symbol without assumptions (``sympy.Symbol("x")``,
  complex to SymPy) stands, while derive differentiates, solves and
  validates, for its real counterpart ``Symbol("x", real=True)``; the view
  maps the call's inputs there and its results back, so the user gets their
  own objects (``grad(Abs(x), x)`` is ``sign(x)`` in the user's ``x``, not an
  unevaluated derivative of ``re(x)``).  Arrays (IndexedBase) likewise.
  Integer-valued positions (sizes of matrix symbols, indices, summation
  bounds) are left alone: they are not real variables.
* `real_diff`: derivatives over the reals of the functions with kinks and
  steps.  Each has its rule in `KINK_RULES`; the derivative is the one that
  holds wherever f is differentiable (at a kink the value is undefined, which
  `derive.values` reports).  So d|u| = sign(u) du, and sign, Heaviside,
  floor and ceiling are locally constant (SymPy would give DiracDelta,
  which no kernel can evaluate).

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> view = RealView(sympy.Abs(x))
    >>> d = real_diff(view.real(sympy.Abs(x)), view.real(x))
    >>> view.user(d), view.user(d).has(x)
    (sign(x), True)
"""


import sympy
from sympy import Abs, Dummy, Function, Heaviside, IndexedBase, KroneckerDelta, MatrixBase, Symbol, ceiling, floor, sign

from ..text.inputs import as_basic
from ..text.symbol_table import map_symbols, named_objects

# Each function with a kink or a step, and its derivative where it has one.
KINK_RULES = {
    Abs: lambda u, *rest: sign(u),
    sign: lambda u, *rest: sympy.S.Zero,
    Heaviside: lambda u, *rest: sympy.S.Zero,
    floor: lambda u, *rest: sympy.S.Zero,
    ceiling: lambda u, *rest: sympy.S.Zero,
}


def _stand_in(head, rule):
    """A function that differentiates by `rule` and is otherwise inert."""

    def fdiff(self, argindex=1):
        if argindex != 1:
            return sympy.S.Zero  # Heaviside's second argument is its value at 0, a constant
        return rule(*self.args)

    return type(f"Real{head.__name__}", (Function,), {"fdiff": fdiff, "_kink_head": head})


_STAND_INS = {head: _stand_in(head, rule) for head, rule in KINK_RULES.items()}


def real_diff(expr, *variables):
    """d expr / d variables over the reals (see module doc)."""
    if not any(expr.has(head) for head in KINK_RULES):
        return sympy.diff(expr, *variables)
    inert = expr
    for head, stand_in in _STAND_INS.items():
        inert = inert.replace(head, stand_in)
    result = sympy.diff(inert, *variables)
    for head, stand_in in _STAND_INS.items():
        result = result.replace(stand_in, head)
    return result


class RealView:
    """The real counterparts of the assumption-free symbols in some SymPy objects."""

    def __init__(self, *objects):
        self.to_real = {}
        integer_like = set()
        for obj in objects:
            integer_like |= _integer_positions(obj)
        for obj in _sympy_objects(objects):
            for named in named_objects(obj):
                if named in integer_like or named in self.to_real:
                    continue
                counterpart = _real_counterpart(named)
                if counterpart is not None:
                    self.to_real[named] = counterpart
        self.to_user = {v: k for k, v in self.to_real.items()}

    def real(self, obj):
        """`obj` (SymPy, or lists/tuples/dicts of it) in real counterparts."""
        return map_symbols(obj, self.to_real)

    def user(self, obj):
        """`obj` with the user's own symbols back (also inside derive's result objects)."""
        return map_symbols(obj, self.to_user)


def _real_counterpart(named):
    if isinstance(named, Symbol) and not isinstance(named, Dummy) and named.is_real is None:
        given = {k: v for k, v in getattr(named, "_assumptions_orig", {}).items()}
        return Symbol(named.name, **{**given, "real": True})
    if isinstance(named, IndexedBase) and named.label.is_real is None:
        return IndexedBase(Symbol(named.label.name, real=True), shape=named.shape)
    return None


def _integer_positions(obj):
    """Symbols used as sizes, indices or summation bounds: integers, not real variables."""
    found = set()
    for basic in _sympy_objects([obj]):
        for m in basic.atoms(sympy.MatrixSymbol):
            found |= {s for d in m.shape for s in as_basic(d).free_symbols}
        for e in basic.atoms(sympy.Indexed):
            found |= {s for i in e.indices for s in i.free_symbols}
        for e in basic.atoms(KroneckerDelta):
            found |= e.free_symbols
        for e in basic.atoms(sympy.Sum, sympy.Product):
            found |= {s for lim in e.limits for b in lim[1:] for s in b.free_symbols}
    return found


def _sympy_objects(objects):
    for obj in objects:
        if isinstance(obj, dict):
            yield from _sympy_objects(list(obj.keys()) + list(obj.values()))
        elif isinstance(obj, (list, tuple)):
            yield from _sympy_objects(obj)
        elif isinstance(obj, (sympy.Basic, MatrixBase)):
            yield obj
