"""Right only under an assumption: data on the simplex (binary, signs, one-hot), a scalar equal
to a size (K the number of classes), both (label smoothing), or a free index equal to the variable's."""

import sympy
from sympy import Indexed, IndexedBase, MatrixSymbol, Symbol

from ...text.printing import to_text
from ..diagnosis import Finding
from .reading import _sizes, late

_DATA_WORDS = {
    "simplex": "on the simplex",
    "binary": "binary (every entry 0 or 1)",
    "sign": "a vector of signs (every entry -1 or 1)",
    "onehot": "one-hot (one entry 1, the others 0)",
}


def data_assumption(problem, claim):
    """Right when an array of f (not the variable, not declared) is on the simplex, binary or signs."""
    for array in _data_arrays(problem):
        for kind in ("simplex", "binary", "sign", "onehot"):
            if late(problem):
                return None
            if problem.equal(claim, assume={array: kind}):
                return Finding("needs_assumption", f"holds only if {_condition(array, kind, problem.f)}")
    return None


def data_and_size_assumption(problem, claim):
    """Right when both hold: y on the simplex and K the number of classes (label smoothing)."""
    sizes = _sizes(problem)
    for array in _data_arrays(problem):
        for K in _size_like(problem, sizes):
            for d in sizes:
                if late(problem):
                    return None
                if problem.equal(claim, assume={array: "simplex", K: ("size", d)}):
                    return Finding("needs_assumption", f"holds only if {_condition(array, 'simplex', problem.f)} "
                                                       f"and {K} equals {d}{_length_of(d, problem)}")
    return None


def _data_arrays(problem):
    """Arrays of f whose kind of data is not known: not the variable, not declared as data, and not
    declared any other way either (x: positive is no label to be binary)."""
    declared = set(getattr(problem, "kinds", {}) or {}) | {k for k, w in getattr(problem, "declared", {}).items()
                                                           if set(w) & (set(_DATA_WORDS) | {"probability"})}
    declared |= {a for a in _arrays_with_assumptions(problem.f)}
    targets = set(problem.targets) | {t.base for t in problem.targets if isinstance(t, Indexed)}
    f = problem.f
    arrays = {a.base for a in f.atoms(Indexed)} | {M for M in f.atoms(MatrixSymbol) if 1 in M.shape}
    return sorted((a for a in arrays if a not in targets and a not in declared), key=str)


def _arrays_with_assumptions(f):
    found = set()
    for a in f.atoms(Indexed):
        label = a.base.label
        if any(getattr(label, f"is_{word}") for word in ("positive", "negative", "nonnegative", "integer")):
            found.add(a.base)
    return found


def _condition(array, kind, f):
    name = to_text(array.label if isinstance(array, IndexedBase) else array)
    if kind != "simplex":
        return f"{name} is {_DATA_WORDS[kind]}"
    if isinstance(array, MatrixSymbol):
        if 1 in array.shape:
            return f"sum({name}) = 1 ({name} on the simplex)"
        return f"each row of {name} sums to 1 (rows on the simplex)"
    element = next((a for a in sorted(f.atoms(Indexed), key=str) if a.base == array), None)
    if element is None or len(element.indices) == 1:
        j = element.indices[0] if element is not None else "j"
        return f"sum_{j} {name}[{j}] = 1 ({name} on the simplex)"
    *rest, last = element.indices
    others = ", ".join(str(i) for i in rest)
    return f"sum_{last} {to_text(element)} = 1 for every {others} (each row of {name} on the simplex)"


def free_index_assumption(problem, claim):
    """Right only where an index f leaves free equals the variable's (d sum(X[i,k]*A[k,j], k)/dX[m,n]
    claimed as A[n,j]): "holds only if i = m"."""
    free = getattr(problem, "free", None)
    if not free or not problem.index_form:
        return None
    for a in free:
        for b in (i for t in problem.targets for i in t.indices):
            if late(problem):
                return None
            if problem.equal(claim, assume={("same index", a, b): True}):
                return Finding("needs_assumption", f"holds only if {a} = {b}: where {a} != {b} the derivative is 0 "
                                                   f"(the factor delta({a}, {b}) is missing)")
    return None


def size_assumption(problem, claim):
    """Right when a scalar of f (K in eps/K) equals the length of an axis: "K equals the number of classes"."""
    sizes = _sizes(problem)
    if not sizes:
        return None
    for K in _size_like(problem, sizes):
        for d in sizes:
            if late(problem):
                return None
            if problem.equal(claim, assume={K: ("size", d)}):
                return Finding("needs_assumption", f"holds only if {K} equals {d}{_length_of(d, problem)}")
    return None


def _size_like(problem, sizes):
    """Scalars of f that could stand for a size (K in eps/K): not variables, not sizes already."""
    return sorted((s for s in problem.f.free_symbols if isinstance(s, Symbol) and not s.is_integer
                   and s not in set(problem.targets) and s not in sizes), key=str)


def _length_of(d, problem):
    """", the length of z (the number of values of j)" for the axis whose size d is."""
    ns = problem.ns
    for (array, axis), (lo, hi) in sorted(getattr(ns, "axis_ranges", {}).items(), key=str):
        if sympy.simplify(hi - lo + 1 - d) == 0:
            return f", the length of {array}" if axis == 0 else f", the number of columns of {array}"
    for M in sorted(problem.f.atoms(MatrixSymbol), key=str):
        if M.shape[0] == d:
            return f", the length of {M.name}" if M.shape[1] == 1 else f", the number of rows of {M.name}"
        if M.shape[1] == d:
            return f", the number of columns of {M.name}"
    return ""
