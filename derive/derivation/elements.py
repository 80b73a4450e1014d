"""Problems that mix matrix notation with the elements of declared arrays.

Declared arrays (`z: K`, `X: p x q`) can be used through their elements
(`z[c]`, `P[j, k]`), and a variable can be an element (`wrt="X[m, n]"`).
Each problem is put in the one notation its derivative is taken in:

    -log(softmax(z)[c]), wrt z            index notation: wrt z[k]
    (X @ A)[i, j], wrt X[m, n]            index notation
    x.T @ A @ x, wrt x[k]                 index notation (to_index of f)
    logdet(P) - sum(P[j,k]*S[j,k], j, k), wrt P
                                          matrix notation: the sum is tr(P S^T)

`index_problem` and `matrix_problem` return the converted (f, targets), or
None when the problem is already in one notation.
"""

import sympy
from sympy import Indexed, MatrixSymbol, Sum
from sympy.matrices.expressions.matexpr import MatrixElement

from ..calculus.sums import as_index_form, matrix_uses
from ..calculus.targets import element_of
from ..errors import DeriveError
from .notation import to_index, to_matrix


def index_problem(expr, wrt, namespace):
    """(f, [x[k], ...]) in index notation when the variables `wrt` (SymPy objects, read at the
    entrance) are elements of declared arrays (X[m, n]), or arrays that f uses only through their
    elements (z in -log(softmax(z)[c])); else None."""
    if wrt is None or not isinstance(expr, sympy.Basic) or isinstance(expr, sympy.MatrixBase):
        return None
    items = list(wrt)
    elements = [o for o in items if isinstance(o, MatrixElement) and isinstance(o.args[0], MatrixSymbol)
                and any(not i.is_number for i in o.args[1:])]  # x[k]; a single entry x[0] stays refused
    indexed = as_index_form(expr)
    by_elements = indexed is not expr and not indexed.atoms(MatrixSymbol)
    if not elements and not by_elements:
        return None
    if not by_elements:  # f in matrix notation, wrt an element: f entrywise
        if isinstance(expr, sympy.MatrixExpr) and expr.shape != (1, 1):
            raise DeriveError(f"f is a matrix: differentiate one entry of it (f[i, j]) with respect to the single "
                              f"entry {elements[0]}")
        indexed = to_index(expr, (), namespace)
    bases = {str(a.base.label): a.base for a in indexed.atoms(Indexed)}
    targets = []
    for obj in items:
        if isinstance(obj, MatrixSymbol) and obj.name in bases:
            obj = element_of(bases[obj.name], indexed, namespace, targets)
        elif isinstance(obj, MatrixElement) and obj.args[0].name in bases:
            M, r, c = obj.args
            base = bases[M.name]
            obj = base[r] if M.shape[1] == 1 else base[c] if M.shape[0] == 1 else base[r, c]
        elif isinstance(obj, (MatrixSymbol, MatrixElement)):
            M = obj if isinstance(obj, MatrixSymbol) else obj.args[0]
            if expr.has(M):  # log det X: no index form; the matrix derivative holds every entry
                raise DeriveError(f"f has no index form derive can write (it uses {M} through a determinant, an "
                                  f"inverse or a trace of a power): differentiate with respect to {M} and read "
                                  f"off the entry")
            raise DeriveError(f"f does not use {obj}")
        else:
            return None  # a scalar among the variables: not an element problem
        targets.append(obj)
    return _rename_bound(indexed, {i for t in targets for i in t.indices}, namespace), targets


def _rename_bound(expr, taken, namespace):
    """Summation indices that clash with the variable's free ones (sum(A[i,j]*x[i]*x[j], i, j) wrt
    A[i, j]) renamed: a bound index is a dummy, the free one is the user's."""
    from ..text.grammar.vector_functions import fresh_index

    used = {str(x) for x in expr.free_symbols | taken} | {str(lim[0]) for e in expr.atoms(Sum) for lim in e.limits}
    for s in sorted(expr.atoms(Sum), key=str):
        clashes = [lim[0] for lim in s.limits if lim[0] in taken]
        if not clashes:
            continue
        renamed = s
        for index in clashes:
            name = fresh_index(" ".join(used))
            used.add(name)
            new = namespace.index(name)
            if index in namespace.index_ranges:
                namespace.index_ranges[new] = namespace.index_ranges[index]
            renamed = renamed.xreplace({index: new})
        expr = expr.xreplace({s: renamed})
    return expr


def matrix_problem(expr, namespace):
    """f with every sum over elements of declared matrices written in matrix notation
    (sum(P[j,k]*S[j,k], j, k) -> tr(P S^T)), so that matrix calculus takes the whole of f;
    None when f has no such sum beside matrix parts."""
    if not isinstance(expr, sympy.Basic) or not matrix_uses(expr):
        return None  # no matrix notation beside the sums: index notation alone
    sums = [s for s in expr.atoms(Sum) if s.atoms(MatrixElement) and not _inside_another(s, expr)]
    if not sums:
        return None
    swap = {}
    for s in sums:
        index_form = as_index_form(s)
        try:
            matrix = to_matrix(index_form)
        except DeriveError as exc:
            raise DeriveError(f"{s} beside matrix notation: it has no matrix form ({exc}); write it in matrix "
                              "notation (sum(P[j,k]*S[j,k], j, k) is trace(P @ S.T))") from None
        declared = {M.name: M for M in expr.atoms(MatrixSymbol)}
        matrix = matrix.xreplace({M: declared.get(M.name, M) for M in matrix.atoms(MatrixSymbol)})
        swap[s] = matrix
    return expr.xreplace(swap)


def _inside_another(s, expr):
    return any(s != other and other.has(s) for other in expr.atoms(Sum))
