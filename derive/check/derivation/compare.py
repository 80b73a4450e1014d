"""Are two lines of a derivation equal?  Entry by entry at concrete sizes and exact points.

Plain scalars (no arrays) are compared as `derive.check` compares them
(`equivalence.compare`: a numeric screen, simplification of the difference within a budget,
then agreement to 25 digits at many points).  Anything with arrays is written out at two
instances with different sizes per dimension (2, 3, 4 and 3, 2, 2: a shape confusion that
square sizes hide shows) and compared at random exact rational points inside f's domain,
with declared data drawn as declared (binary labels, a simplex).  A difference is a proof;
agreement at every point of both instances is the evidence for equality.
"""

import itertools
from dataclasses import dataclass

import sympy
from sympy import Indexed, MatrixSymbol

from ...errors import DeriveError
from ...text.inputs import as_basic
from ...text.printing import to_text
from ...validation.equivalence import compare, numeric_search
from ...validation.instances import data_kinds, instance_kinds
from .entries import Mismatch, entries, explicit, free_indices, instances, symbols_of

POINTS = 4  # random points per instance and entry
SYMBOLIC_SECONDS = 0.3  # simplification of a plain scalar difference


@dataclass
class Difference:
    """Where two lines differ: the sizes, the point, the entry, and both values there."""

    sizes: dict
    point: dict
    entry: int
    label: str
    values: tuple
    shown: dict  # name -> value as text (matrices whole), for people

    def to_dict(self, names=("the line before", "this line")):
        return {"sizes": {str(k): int(v) for k, v in self.sizes.items()}, "values": dict(self.shown),
                "entry": self.label, names[0]: _show(self.values[0]), names[1]: _show(self.values[1])}

    def words(self, names=("the line before", "this line")):
        where = ", ".join([f"{k} = {v}" for k, v in self.sizes.items()] + [f"{k} = {v}" for k, v in self.shown.items()])
        entry = f"{self.label} " if self.label else ""
        return f"at {where}: {entry}{names[0]} gives {_show(self.values[0])}, {names[1]} gives {_show(self.values[1])}"


class Comparer:
    """The equality oracle of one derivation: its instances, and every line's entries there (once)."""

    def __init__(self, target, exprs, ns):
        self.target, self.ns = target, ns
        self.plain = not target.dimensions() and not any(_has_arrays(e) for e in [target.f, *exprs])
        found = instances(target, exprs)
        self.instances = found[:1] if self.plain or not found[0].sizes else found
        self.kinds = data_kinds(ns, *[e for e in [target.f, *exprs] if isinstance(e, sympy.Basic)])
        self.f_free = sorted(_free(target.f), key=str)
        self._cache = {}
        self.evidence = ""

    def labels(self, k):
        """Assignments of the indices f leaves free (a label c in z[c]): each takes every value."""
        key = ("labels", k)
        if key not in self._cache:
            ranges = [self.target.index_values(c, self.instances[k]) for c in self.f_free]
            self._cache[key] = [dict(zip(self.f_free, map(sympy.Integer, combo)))
                                for combo in itertools.product(*ranges)] if ranges else [{}]
        return self._cache[key]

    def entries(self, expr, k, label=None):
        held = sympy.ImmutableMatrix(expr) if isinstance(expr, sympy.MatrixBase) else expr  # a key: hashable
        key = (held, k, tuple(sorted((label or {}).items(), key=str)))
        if key not in self._cache:
            try:
                line = declared_elements(expr, self.ns)
                if label:
                    line = line.xreplace(label)
                self._cache[key] = entries(line, self.target, self.instances[k], self.f_free)
            except Mismatch as exc:
                self._cache[key] = exc
        found = self._cache[key]
        if isinstance(found, Mismatch):
            raise found
        return found

    def domain(self, k, label=None):
        key = ("f", k, tuple(sorted((label or {}).items(), key=str)))
        if key not in self._cache:
            f = declared_elements(self.target.f, self.ns)
            if isinstance(f, sympy.Basic) and label:
                f = f.xreplace(label)
            value = explicit(self.instances[k], f) if isinstance(f, sympy.Basic) else None
            self._cache[key] = [value] if isinstance(value, sympy.Expr) and not free_indices(value) else []
        return self._cache[key]

    def difference(self, a, b, points=POINTS, seed=0):
        """None when `a` and `b` agree everywhere tried (``self.evidence`` says how), else a
        `Difference`.  A `Mismatch` when `b`'s shape is not the derivative's; a DeriveError when
        no point inside f's domain was found."""
        checked, symbolic = 0, True
        for k, inst in enumerate(self.instances):
            kinds = instance_kinds(self.kinds, inst)
            for label in self.labels(k):
                ea, eb = self.entries(a, k, label), self.entries(b, k, label)
                domain = self.domain(k, label)
                symbols = symbols_of(ea, eb, domain)
                for n, (x, y) in enumerate(zip(ea, eb)):
                    if self.plain:
                        result = compare(x, y, symbols, seconds=SYMBOLIC_SECONDS, seed=seed, domain=domain,
                                         kinds=kinds)
                        if result.evidence.startswith("undecided"):
                            raise DeriveError(f"cannot decide whether the lines are equal: {result.evidence}")
                        if not result.equal:
                            return self._difference(inst, result.point, n, result.values, ea, label)
                        symbolic &= result.evidence.startswith("symbolic")
                        checked += 1
                        continue
                    point, info = numeric_search(x, y, symbols, points, seed, domain=domain, kinds=kinds)
                    if point is not None:
                        return self._difference(inst, point, n, info, ea, label)
                    checked += info
        if checked == 0:
            raise DeriveError("cannot decide whether the lines are equal: no point inside f's domain was found")
        if self.plain:
            self.evidence = ("symbolic: the difference simplifies to 0" if symbolic else
                             "numeric: equal to 25 digits at 30 random points (simplification was inconclusive)")
        else:
            labels = f" and every value of {', '.join(map(str, self.f_free))}" if self.f_free else ""
            self.evidence = (f"numeric: equal at {' and '.join(i.describe() for i in self.instances)}{labels}, "
                             f"{points} random exact points each, every entry")
        return None

    def equal(self, a, b, points=POINTS, seed=0):
        """True or False; a line of another shape, or one that cannot be evaluated, is not equal."""
        try:
            return self.difference(a, b, points, seed) is None
        except (DeriveError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError):
            return False

    def _difference(self, inst, point, n, values, ea, fixed=None):
        shape = self.target.shape(inst)
        label = "" if len(ea) == 1 else _label(self.target, shape, n)
        sizes = {**inst.sizes, **(fixed or {})}  # a label c fixed at this value
        return Difference(sizes, dict(point), n, label, tuple(values), _shown(inst, point, self))


def declared_elements(expr, ns):
    """x[i] of an array derive wrote in index form (its own derivative of a declared vector x) as
    the declared matrix symbol's element x[i, 0]: one x, one set of values at an instance."""
    if not isinstance(expr, sympy.Basic) or not expr.has(Indexed):
        return expr
    names = getattr(ns, "names", {})

    def element(a):
        M = names.get(str(a.base.label))
        if not isinstance(M, MatrixSymbol) or len(a.indices) > 2:
            return a
        if len(a.indices) == 2:
            return M[a.indices]
        return M[a.indices[0], 0] if M.shape[1] == 1 else M[0, a.indices[0]] if M.shape[0] == 1 else a

    return expr.replace(lambda e: isinstance(e, Indexed), element)


def _label(target, shape, n):
    if not target.matrix and not target.element:
        return f"d/d{to_text(target.wrt[n])}"
    row, col = divmod(n, shape[1])
    return f"entry [{row}]" if shape[1] == 1 else f"entry [{row}, {col}]"


def _shown(inst, point, comparer):
    """The point as people write it: each matrix whole, each array's elements, each scalar."""
    out = {}
    arrays = {}
    for s, v in point.items():
        if isinstance(s, Indexed):
            arrays.setdefault(s.base, {})[s.indices] = v
    seen = set()
    for M_name, E in sorted(inst._matrices.items()):
        if any(e in point for e in E):
            out[M_name] = to_text(E.xreplace(point)) if E.shape != (1, 1) else to_text(E[0, 0].xreplace(point))
            seen |= set(E)
    for base, values in sorted(arrays.items(), key=lambda kv: str(kv[0])):
        for idx, v in sorted(values.items(), key=str):
            out[to_text(base[idx])] = to_text(v)
    for s, v in sorted(point.items(), key=lambda kv: str(kv[0])):
        if isinstance(s, sympy.Symbol) and s not in seen:
            out[s.name] = to_text(v)
    return out


def _has_arrays(e):
    return isinstance(e, sympy.MatrixBase) and any(_has_arrays(x) for x in e) or isinstance(e, sympy.Basic) and (
        bool(e.atoms(MatrixSymbol, Indexed, sympy.Sum)) or isinstance(e, sympy.MatrixExpr)
        and not isinstance(e, sympy.MatrixBase))


def _free(f):
    from .entries import free_indices

    return free_indices(f) if isinstance(f, sympy.Basic) else set()


def _show(value):
    if value is None:
        return "undefined"
    value = as_basic(value)
    if value.is_Float:
        return f"{float(value):.12g}"
    return to_text(value)


__all__ = ["Comparer", "Difference"]
