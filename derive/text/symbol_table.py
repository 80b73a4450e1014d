"""One name, one variable: which SymPy object a name means in one call.

Everything a call receives (f, wrt, the claim, constraints, `symbols=`
declarations, `let` definitions, points) is read into one `Namespace`
(namespace.py), which uses the two rules here:

* `named_objects(obj)`: the user-visible named things in a SymPy object:
  scalar Symbols (not Dummies, not the labels of IndexedBases), MatrixSymbols
  and IndexedBases.
* `merge(a, b)`: the one object a name means when it was given twice.  The
  same object, or the more specific of two compatible ones
  (``Symbol('x', positive=True)`` over ``Symbol('x')``); anything else
  (a Symbol and a MatrixSymbol, positive and negative, 3 x 3 and n x n) is a
  `SymbolError` naming it.

    >>> from sympy import Symbol
    >>> merge(Symbol("x"), Symbol("x", positive=True))
    x
    >>> merge(Symbol("x", positive=True), Symbol("x", negative=True))
    Traceback (most recent call last):
    ...
    derive.errors.SymbolError: 'x' is declared two ways: positive and negative; a name means one variable
"""

import copy
import dataclasses

import sympy
from sympy import Dummy, Indexed, IndexedBase, MatrixBase, MatrixSymbol, Symbol

from ..errors import SymbolError


def name_of(obj):
    """The name a user types for `obj` (Symbol, MatrixSymbol or IndexedBase)."""
    if isinstance(obj, IndexedBase):
        return str(obj.label)
    return str(obj.name)


def named_objects(obj):
    """Symbols, MatrixSymbols and IndexedBases that `obj` names (free or as arrays).

    Sizes of MatrixSymbols come first, so a caller can settle them before the
    matrices that use them.
    """
    if isinstance(obj, MatrixBase):
        found = [o for entry in obj for o in named_objects(entry)]
        return list(dict.fromkeys(found))
    if not isinstance(obj, sympy.Basic):
        return []
    if isinstance(obj, (Symbol, MatrixSymbol, IndexedBase)) and not isinstance(obj, Dummy):
        free = {obj} | (obj.free_symbols if isinstance(obj, MatrixSymbol) else set())
    else:
        free = obj.free_symbols
    bases = {b for b in obj.atoms(IndexedBase)} | {e.base for e in obj.atoms(Indexed)}
    labels = {b.label for b in bases}
    matrices = {m for m in free | obj.atoms(MatrixSymbol) if isinstance(m, MatrixSymbol)}
    sizes = {s for m in matrices for d in m.shape for s in d.free_symbols}
    scalars = {s for s in free | sizes if isinstance(s, Symbol) and not isinstance(s, Dummy) and s not in labels}
    order = lambda o: name_of(o)  # noqa: E731 - deterministic
    return sorted(scalars, key=order) + sorted(matrices, key=order) + sorted(bases, key=order)


def kind_words(obj):
    if isinstance(obj, MatrixSymbol):
        return f"a {_dim(obj.shape[0])} x {_dim(obj.shape[1])} matrix symbol"
    if isinstance(obj, IndexedBase):
        return "an indexed array"
    return "a scalar symbol"


def _dim(d):
    return str(d).replace(" ", "")


def assumption_words(sym):
    """What the user said about a symbol: 'positive', 'real, integer', 'no assumptions'."""
    given = {k: v for k, v in getattr(sym, "_assumptions_orig", {}).items() if k != "commutative" or not v}
    if not given:
        return "no assumptions"
    return ", ".join(k if v else f"not {k}" for k, v in sorted(given.items()))


def _facts(sym):
    return dict(sym.assumptions0)


def _refines(a, b):
    """Every fact known about b also holds for a (a says at least as much)."""
    fa = _facts(a)
    return all(fa.get(k) == v for k, v in _facts(b).items())


def _merge_matrix_symbols(name, a, b):
    """w: d x 1 declared in text (d a positive integer) and a SymPy MatrixSymbol("w", d, 1) with
    a plain d are one variable: the sizes merge like symbols, and the one that says more wins."""
    sizes = []
    for x, y in zip(a.shape, b.shape):
        if isinstance(x, Symbol) and isinstance(y, Symbol) and x.name == y.name:
            try:
                sizes.append(merge(x, y))
            except SymbolError:
                break
        elif x == y:
            sizes.append(x)
        else:
            break
    for candidate in (a, b):
        if tuple(sizes) == tuple(candidate.shape):
            return candidate
    shapes = [", ".join(f"{d}: {assumption_words(d)}" for d in m.shape if isinstance(d, Symbol)) for m in (a, b)]
    detail = f" (sizes {shapes[0]}; and {shapes[1]})" if kind_words(a) == kind_words(b) else ""
    raise SymbolError(f"'{name}' is given as {kind_words(a)} and as {kind_words(b)}{detail}; a name means one "
                      "variable")


def merge(a, b):
    """The object a name means when it came as `a` and as `b` (see module doc)."""
    if a == b:
        return a
    name = name_of(a)
    if type(a) is not type(b) and not (isinstance(a, Symbol) and isinstance(b, Symbol)):
        raise SymbolError(f"'{name}' is used as {kind_words(a)} and as {kind_words(b)}; a name means one variable")
    if isinstance(a, MatrixSymbol):
        return _merge_matrix_symbols(name, a, b)
    if isinstance(a, IndexedBase):
        if a.shape != b.shape:
            raise SymbolError(f"'{name}' is given as an array of shape {a.shape} and of shape {b.shape}")
        return a if merge(a.label, b.label) == a.label else b
    if _refines(a, b):
        return a
    if _refines(b, a):
        return b
    raise SymbolError(f"'{name}' is declared two ways: {assumption_words(a)} and {assumption_words(b)}; "
                      "a name means one variable")


def map_symbols(obj, mapping):
    """`obj` with `mapping` (SymPy object -> SymPy object) applied everywhere: in SymPy objects,
    lists, tuples, dicts and derive's result dataclasses (a Derivation, a CriticalPoint, ...)."""
    if not mapping:
        return obj
    if isinstance(obj, (sympy.Basic, MatrixBase)):
        return obj.xreplace(mapping)
    if isinstance(obj, dict):
        return {map_symbols(k, mapping): map_symbols(v, mapping) for k, v in obj.items()}
    if type(obj) in (list, tuple):
        return type(obj)(map_symbols(v, mapping) for v in obj)
    if isinstance(obj, list) and type(obj).__module__.startswith("derive"):  # a result list with attributes
        out = copy.copy(obj)
        out[:] = [map_symbols(v, mapping) for v in obj]
        for key, value in vars(obj).items():
            setattr(out, key, map_symbols(value, mapping))
        return out
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type) and type(obj).__module__.startswith("derive"):
        changes = {f.name: map_symbols(getattr(obj, f.name), mapping) for f in dataclasses.fields(obj) if f.init}
        return dataclasses.replace(obj, **changes)
    return obj
