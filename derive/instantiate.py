"""Concrete instances of matrix- and index-notation expressions.

A symbolic size n becomes 2 or 3, every matrix symbol an explicit matrix of
real scalar symbols (``W`` -> ``W_0_1`` ...), every ``sum`` an explicit sum
over ``x[0], x[1], ...``.  On an instance, derivatives are ordinary partial
derivatives of ordinary expressions, so the instance is the ground truth that
matrix- and index-calculus results (SymPy's or a person's) are checked against.
"""


import sympy
from sympy import Identity, Indexed, MatrixBase, MatrixExpr, MatrixSymbol, OneMatrix, Sum, Symbol, ZeroMatrix

from .ranges import size_symbols
from .variables import as_basic

# Sizes tried, per instance; distinct sizes per dimension catch shape-confusions
# that happen to work when everything is square.
SIZE_SETS = ((2, 3, 4), (3, 2, 2))


def dimensions(*exprs):
    """Size symbols: in matrix shapes and in sum bounds (any symbol there that is not
    an index: N in a SymPy user's Sum(..., (i, 0, N - 1)) need not be declared positive)."""
    dims = set()
    for e in exprs:
        if not isinstance(e, sympy.Basic):
            continue
        for m in e.atoms(MatrixSymbol):
            for d in m.shape:
                dims |= {s for s in as_basic(d).free_symbols}
        dims |= size_symbols(e)
    return sorted(dims, key=str)


class Instance:
    """One choice of sizes, with explicit matrices for the matrix symbols."""

    def __init__(self, sizes):
        self.sizes = dict(sizes)
        self._matrices = {}

    @classmethod
    def all_for(cls, *exprs):
        dims = dimensions(*exprs)
        out = []
        for sizes in SIZE_SETS:
            out.append(cls({d: sizes[k % len(sizes)] for k, d in enumerate(dims)}))
        return out

    def describe(self):
        return ", ".join(f"{d} = {v}" for d, v in self.sizes.items()) or "the given sizes"

    def matrix(self, M):
        """The explicit matrix of scalar symbols standing for matrix symbol M."""
        key = M.name
        if key not in self._matrices:
            rows, cols = (int(as_basic(d).subs(self.sizes)) for d in M.shape)
            if cols == 1:
                entries = [[Symbol(f"{M.name}_{i}", real=True)] for i in range(rows)]
            elif rows == 1:
                entries = [[Symbol(f"{M.name}_{j}", real=True) for j in range(cols)]]
            else:
                entries = [[Symbol(f"{M.name}_{i}_{j}", real=True) for j in range(cols)] for i in range(rows)]
            self._matrices[key] = sympy.Matrix(entries)
        return self._matrices[key]

    def symmetric(self, M):
        """Restriction making M symmetric: maps M_j_i to M_i_j (i < j)."""
        E = self.matrix(M)
        n = E.shape[0]
        return {E[j, i]: E[i, j] for i in range(n) for j in range(n) if i < j}

    def explicit(self, expr):
        """`expr` at this instance: scalars stay scalars, matrices become Matrices."""
        if isinstance(expr, MatrixBase):
            return expr.applyfunc(self.explicit)
        expr = as_basic(expr)
        if self.sizes:
            expr = expr.subs(self.sizes)
        mapping = {m: self.matrix(m) for m in expr.atoms(MatrixSymbol)}
        # constant matrices (ones, identity, zeros) become explicit too, so products evaluate
        mapping.update({c: c.as_explicit() for c in expr.atoms(OneMatrix, Identity, ZeroMatrix)
                        if all(as_basic(d).is_Integer for d in c.shape)})
        if mapping:
            expr = expr.xreplace(mapping)
        expr = expr.doit()
        if isinstance(expr, MatrixExpr) and not isinstance(expr, MatrixBase):
            expr = expr.as_explicit()
        if isinstance(expr, MatrixBase):
            expr = sympy.Matrix(expr)
        return expr

    def index_values(self, index, lo, hi):
        lo, hi = (int(as_basic(b).subs(self.sizes)) for b in (lo, hi))
        return range(lo, hi + 1)


def scalar_symbols(expr):
    """The scalars to assign values to: Symbols and Indexed elements (not indices)."""
    if isinstance(expr, MatrixBase):
        out = set()
        for e in expr:
            out |= scalar_symbols(e)
        return out
    expr = as_basic(expr)
    out = {a for a in expr.atoms(Indexed)}
    skip = {i for a in out for i in a.indices} | {a.base.label for a in out}
    out |= {s for s in expr.free_symbols if isinstance(s, Symbol) and s not in skip and not s.is_integer}
    return out


