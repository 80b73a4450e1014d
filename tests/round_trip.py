"""Every result derive prints reads back: parse(to_text(r)) and parse(latex(r)) equal r.

Equality is numeric, at concrete sizes and random values (the printed form may group terms
differently: 1/(exp(X@w) + ones(N, 1)) reads back as an entrywise power, not the map SymPy built).
`RESULTS` collects every Derivation the test session produces (conftest.py wraps the one place
results leave derive); test_zz_round_trip.py reads them back at the end of the run.
"""

import copy
import random

import numpy as np

import sympy
from sympy import Indexed, IndexedBase, MatrixBase, MatrixExpr, MatrixSymbol

import derive
from derive.text.printing import latex as result_latex
from derive.text.printing import to_text
from derive.validation.instances import Instance, dimensions
from derive.validation.matrix_eval import NotEvaluable, evaluate

RESULTS = {}  # srepr -> (label, expression); one entry per distinct result
LIMIT = 4000


def record(label, expr, namespace=None):
    """Keep `expr` (with the Namespace it was derived in, whose declarations the printed text needs)."""
    if len(RESULTS) >= LIMIT or expr is None:
        return
    try:
        key = sympy.srepr(expr)
    except Exception:  # noqa: BLE001 - an object SymPy cannot print is not a result to read back
        return
    RESULTS.setdefault(key, (label, expr, namespace))


def declarations(expr):
    """name -> object for every name in `expr`, so the printed text reads back into the same objects."""
    names = {}
    indices = {i for ix in expr.atoms(Indexed) for i in ix.indices if isinstance(i, sympy.Symbol)} | \
        {lim[0] for s in expr.atoms(sympy.Sum) for lim in s.limits} | \
        {a for d in expr.atoms(sympy.KroneckerDelta) for a in d.args if isinstance(a, sympy.Symbol)}
    atoms = expr.atoms(sympy.Symbol, MatrixSymbol, IndexedBase, sympy.core.function.AppliedUndef)
    for a in atoms:
        if isinstance(a, sympy.core.function.AppliedUndef):
            names[a.func.__name__] = a.func
        elif isinstance(a, (MatrixSymbol, IndexedBase)):
            names[str(a.name)] = a
        elif isinstance(a, sympy.Symbol) and a not in indices:  # an index is an index, not a declared scalar
            names.setdefault(a.name, a)
    for ix in expr.atoms(Indexed):
        names[str(ix.base.label)] = ix.base
    return names


def read_back(expr, how="text", namespace=None):
    """The expression the printed form of `expr` parses to (in the problem's namespace, when given:
    the sizes of declared vectors, the ranges of indices)."""
    printed = to_text(expr) if how == "text" else result_latex(expr)
    kwargs = {"syntax": "latex"} if how == "latex" else {}
    if namespace is not None:
        try:
            return printed, derive.parse(printed, _with_names(namespace, expr), **kwargs)
        except (derive.ParseError, derive.SymbolError):
            # the problem's namespace may hold a name in another role than the result gives it (a SymPy
            # user's plain m used as an index, k as a size and an exponent): the result's own names then
            pass
    return printed, derive.parse(printed, declarations(expr), **kwargs)


def _with_names(namespace, expr):
    """The namespace, with the names of `expr` it lacks (a call given SymPy's g(...) declares no g)."""
    missing = {name: g for name, g in declarations(expr).items()
               if isinstance(g, (sympy.core.function.UndefinedFunction, MatrixSymbol)) and name not in namespace.names}
    if not missing:
        return namespace
    namespace = copy.copy(namespace)
    namespace.names = dict(namespace.names, **missing)
    return namespace


def numerically_equal(a, b, seed=0):
    """a == b at two concrete sizes and random values of every free symbol (indices: in range)."""
    rng = random.Random(seed)
    names = _canonical_names(a, b)
    a, b = _comparable(a, names), _comparable(b, names)
    if isinstance(a, MatrixBase) and isinstance(b, MatrixBase) and a.shape == b.shape and \
            any(isinstance(e, sympy.Basic) and e.has(MatrixSymbol) for e in a):  # [tr(x.T@x)]: entry by entry
        for x, y in zip(a, b):
            same, why = numerically_equal(x, y, seed)
            if not same:
                return same, why
        return True, ""
    # sizes only a constant matrix names (ones(n, 1) alone) need values too
    sizes = {d for e in (a, b) if isinstance(e, sympy.Basic)
             for m in e.atoms(sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix) for x in m.shape
             for d in sympy.sympify(x).free_symbols}
    fast = _in_floats(a, b, sizes, seed)
    if fast is not None:
        return fast
    for inst in Instance.all_for(a, b, extra=sorted(sizes, key=str))[:1]:
        ea, eb = inst.explicit(a), inst.explicit(b)
        if isinstance(ea, MatrixBase) != isinstance(eb, MatrixBase):
            if isinstance(ea, MatrixBase) and ea.shape == (1, 1):
                ea = ea[0, 0]
            elif isinstance(eb, MatrixBase) and eb.shape == (1, 1):
                eb = eb[0, 0]
            else:
                return False, f"{_shape(ea)} against {_shape(eb)}"
        if isinstance(ea, MatrixBase) and ea.shape != eb.shape:
            return False, f"shapes {ea.shape} and {eb.shape}"
        free = sorted(_free(ea) | _free(eb), key=str)
        point = {s: (rng.randint(2, 4) if s.is_integer and s.is_positive else rng.randint(0, 1) if s.is_integer
                     else sympy.Rational(rng.randint(20, 90), 37)) for s in free}
        left, right = (_numbers(e, point) for e in (ea, eb))
        for x, y in zip(left, right):
            if abs(x - y) > 1e-9 * (1 + abs(x)):
                return False, f"{x} against {y} at {inst.describe()}"
    return True, ""


_INDEXED = (sympy.Sum, sympy.Indexed, sympy.KroneckerDelta, sympy.Piecewise,
            sympy.matrices.expressions.matexpr.MatrixElement)


def _in_floats(a, b, sizes, seed):
    """(equal, why) from NumPy values of matrix-notation expressions at two size sets (fast), or None
    when an expression needs exact evaluation (sums over indices, deltas, piecewise)."""
    if not all(isinstance(e, sympy.Basic) and not e.has(*_INDEXED) for e in (a, b)):
        return None
    rng = np.random.default_rng(seed)
    dims = sorted(set(dimensions(a, b)) | sizes, key=str)
    for size_set in ((2, 3, 4), (3, 2, 2)):
        sizes_now = {d: size_set[k % len(size_set)] for k, d in enumerate(dims)}
        values = {d: float(v) for d, v in sizes_now.items()}  # a size is also a number in the formula (N/2)
        for e in (a, b):
            for m in e.atoms(MatrixSymbol):
                if m not in values:
                    shape = tuple(int(sympy.sympify(x).xreplace(sizes_now)) for x in m.shape)
                    values[m] = rng.normal(size=shape) + (2 * np.eye(shape[0]) if shape[0] == shape[1] else 0)
            for x in e.free_symbols:
                if isinstance(x, sympy.Symbol) and x not in sizes_now and x not in values:
                    values[x] = float(rng.uniform(0.5, 2.0))
        try:
            left, right = (np.asarray(evaluate(e, values, sizes_now), dtype=complex) for e in (a, b))
        except (NotEvaluable, TypeError, ValueError):
            return None
        if left.size == 1 and right.size == 1:
            left, right = left.reshape(1), right.reshape(1)
        if left.shape != right.shape:
            return False, f"shapes {left.shape} and {right.shape} at {sizes_now}"
        both_nan = np.isnan(left) & np.isnan(right)
        if not np.all(both_nan | np.isclose(left, right, rtol=1e-9, atol=1e-9)):
            return False, f"{left.ravel()[:4]} against {right.ravel()[:4]} at {sizes_now}"
    return True, ""


def _numbers(expr, point):
    value = expr.xreplace(point)
    value = value.doit() if hasattr(value, "doit") else value
    return [complex(sympy.N(e, 15)) for e in (value if isinstance(value, MatrixBase) else [value])]


def _shape(v):
    return v.shape if isinstance(v, (MatrixBase, MatrixExpr)) else "a scalar"


def _free(e):
    return set(e.free_symbols)


def _canonical_names(*exprs):
    """name -> one symbol for every spelling of that name in `exprs` (a size N declared positive in
    one and plain in the other is one size)."""
    kinds = {}
    for e in exprs:
        if not isinstance(e, (sympy.Basic, MatrixBase)):
            continue
        for s in e.free_symbols | (e.atoms(sympy.Symbol) if isinstance(e, sympy.Basic) else set()):
            if isinstance(s, sympy.Symbol) and not isinstance(s, sympy.Dummy):
                kind = 2 if s.is_integer and s.is_positive else 1 if s.is_integer else 0
                kinds[s.name] = max(kinds.get(s.name, 0), kind)
    return {name: sympy.Symbol(name, integer=True, positive=True) if k == 2 else
            sympy.Symbol(name, integer=True) if k == 1 else sympy.Symbol(name) for name, k in kinds.items()}


def _comparable(e, names):
    """Symbols by name (the text's real x and the result's plain x are one name), unspecified
    functions made concrete (g -> sin, so g'(u) has a value)."""
    symbols = e.atoms(sympy.Symbol) if isinstance(e, sympy.Basic) else e.free_symbols
    e = e.xreplace({s: names[s.name] for s in symbols
                    if isinstance(s, sympy.Symbol) and not isinstance(s, sympy.Dummy) and s.name in names})
    # z[k] of a declared vector is a MatrixElement in one spelling and an Indexed in the other
    e = e.replace(lambda x: isinstance(x, sympy.matrices.expressions.matexpr.MatrixElement),
                  lambda x: IndexedBase(str(x.parent.name))[(x.i,) if x.parent.shape[1] == 1 else (x.i, x.j)]
                  if isinstance(x.parent, MatrixSymbol) else x)
    t = sympy.Dummy("t")
    for g in {f.func for f in e.atoms(sympy.core.function.AppliedUndef)}:
        e = e.subs(g, sympy.Lambda(t, sympy.sin(t)))  # subs applies the chain rule inside Derivative(g(g(x)), g(x))
    return e.doit() if e.has(sympy.Subs, sympy.Derivative) else e
