"""What a derivative in matrix or index notation is taken with respect to,
and the derivative itself from the rule tables (no checking here).

    tensor_targets((x,), ns, f)       the matrix symbol x, elements like x[k], or None (scalars)
    matrix_derivative(f, X, "grad")   [(F, dF)] pairs: the result and what it must be the derivative of
    scalar_derivative(f, (s,), ...)   d/ds of a matrix expression (sin(s) A x)

Declared properties (symmetric, spd) come from the namespace (`properties_of`)
and simplify results: grad of x^T S x is 2 S x for a symmetric S.
"""

import sympy
from sympy import Indexed, MatrixBase, MatrixSymbol
from sympy.matrices.expressions.blockmatrix import BlockMatrix

from ..errors import DeriveError, ShapeError, SymbolError
from . import matrix as matrix_calculus
from .variables import require_used



def tensor_targets(wrt, namespace, expr=None):
    """The matrix symbols / elements among the variables `wrt` (SymPy objects, read at the
    entrance; or, when f is a matrix expression, the scalar symbols), or None for ordinary
    scalar calculus."""
    if wrt is None:
        if expr is not None and _has_matrix_parts(expr):
            names = ", ".join(sorted(M.name for M in expr.atoms(MatrixSymbol)))
            raise SymbolError(f"say which variable to differentiate by (wrt=...): f uses the matrices {names}")
        return None
    found = []
    for obj in wrt:
        if isinstance(obj, sympy.IndexedBase):  # wrt the array w: its element w[k], k a fresh index
            obj = element_of(obj, expr, namespace, found)
        found.append(obj)
    if any(isinstance(o, MatrixBase) for o in found):
        raise DeriveError("differentiate with respect to a MatrixSymbol, not an explicit Matrix")
    if any(isinstance(o, sympy.matrices.expressions.matexpr.MatrixElement) for o in found):
        raise DeriveError(f"differentiating with respect to the single entry {found[0]} of a matrix symbol is not "
                          "supported: differentiate with respect to the whole matrix (the gradient holds every "
                          "entry), or use index notation (x[k])")
    tensor = [isinstance(o, (MatrixSymbol, Indexed)) for o in found]
    if not any(tensor):
        if expr is not None and _has_matrix_parts(expr):
            return [_scalar_target(o) for o in found]
        return None
    if not all(tensor):
        raise DeriveError("mixing matrix/index variables with scalar ones in one derivative is not supported")
    if expr is not None:
        for obj in found:
            require_used(obj if isinstance(obj, MatrixSymbol) else obj.base, expr)
    return found


_FREE_NAMES = ("k", "l", "m", "q", "r", "s", "k1", "k2", "k3")


def element_of(base, expr, namespace, taken=()):
    """base[k] (base[k, l] for a 2-D array) with index names f does not use."""
    used = {s.name for s in expr.free_symbols} if isinstance(expr, sympy.Basic) else set()
    used |= {str(i) for t in taken if isinstance(t, Indexed) for i in t.indices} | set(namespace.names)
    used |= {str(lim[0]) for e in expr.atoms(sympy.Sum) for lim in e.limits} if isinstance(expr, sympy.Basic) else set()
    rank = max((len(e.indices) for e in expr.atoms(Indexed) if e.base == base), default=1) \
        if isinstance(expr, sympy.Basic) else 1
    names = [n for n in _FREE_NAMES if n not in used][:rank]
    if len(names) < rank:
        raise DeriveError(f"no free index name left for an element of {base}; write it as {base}[k]")
    return base[tuple(namespace.index(n) for n in names)]


def _has_matrix_parts(expr):
    if not isinstance(expr, sympy.Basic) or isinstance(expr, MatrixBase):
        return False
    return isinstance(expr, sympy.MatrixExpr) or bool(expr.atoms(MatrixSymbol))


def _scalar_target(obj):
    if not isinstance(obj, sympy.Symbol):
        raise DeriveError(f"cannot differentiate with respect to {obj!r}")
    return obj


def properties_of(expr, namespace):
    """{matrix symbol: set of declared properties} for the matrix symbols of `expr`."""
    declared = getattr(namespace, "properties", None) or {}
    out = {}
    for M in expr.atoms(MatrixSymbol) if isinstance(expr, sympy.Basic) else ():
        words = declared.get(M.name) if hasattr(declared, "get") else None
        if words:
            out[M] = set(words)
    return out


def symmetric_matrices(properties):
    return tuple(M for M, words in properties.items() if words & {"symmetric", "spd"})


def describe_properties(properties):
    """'S symmetric positive definite (declared)' for the evidence of a check."""
    parts = []
    for M, words in sorted(properties.items(), key=lambda kv: kv[0].name):
        if not words & {"symmetric", "spd"}:
            continue  # a kind of data (binary, simplex) is not a property of the matrix
        parts.append(f"{M.name} {'symmetric positive definite' if 'spd' in words else 'symmetric'}")
    return ("using the declaration " + ", ".join(parts)) if parts else ""


def _check_uses(expr, targets):
    for t in targets:
        require_used(t, expr)


def _check_shapes(expr, targets, kind):
    """A one-line error for derivatives that are not matrices (3- or 4-dimensional arrays)."""
    f_shape = tuple(expr.shape) if isinstance(expr, (sympy.MatrixExpr, MatrixBase)) else (1, 1)
    if isinstance(targets[0], MatrixSymbol):
        x_shape = tuple(targets[0].shape)
    else:
        x_shape = (len(targets), 1)
    f_dims = sum(1 for d in f_shape if d != 1)
    x_dims = sum(1 for d in x_shape if d != 1)
    f_words = "a scalar" if not f_dims else f"{_dims_text(f_shape)}"
    if f_dims + x_dims > 2:
        raise ShapeError(f"f is {f_words}: its derivative with respect to the {_dims_text(x_shape)} "
                         f"{targets[0] if len(targets) == 1 else 'scalars'} is a {f_dims + x_dims}-dimensional "
                         "array; derive differentiates scalars of vectors and matrices, and vectors (or matrices, "
                         "by one scalar) of vectors and scalars")
    if kind in ("grad", "hessian") and f_dims:
        raise ShapeError(f"f is {f_words}, not a scalar: the {kind} needs a scalar function (use jacobian for a "
                         "vector function)")
    if kind == "hessian" and x_dims == 2:
        raise ShapeError(f"the Hessian with respect to the {_dims_text(x_shape)} matrix {targets[0]} is a "
                         "4-dimensional array; take it with respect to a vector")


def _dims_text(shape):
    return f"{shape[0]} x {shape[1]}"


def matrix_derivative(expr, X, kind, symmetric):
    """[(F, dF)]: the derivative, preceded by what it is built on (a Hessian's gradient)."""
    try:
        if kind == "grad":
            return [(expr, matrix_calculus.gradient(expr, X, symmetric))]
        if kind == "jacobian":
            return [(expr, matrix_calculus.jacobian(expr, X, symmetric))]
        g = matrix_calculus.gradient(expr, X, symmetric)
        return [(expr, g), (g, matrix_calculus.jacobian(g, X, symmetric))]
    except (TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, DeriveError):
            raise
        raise DeriveError(f"cannot take the {kind} of {expr} with respect to {X}: {exc}") from None


def scalar_derivative(expr, wrt, kind, symmetric):
    """Derivatives of a matrix expression (or a scalar built from one) by scalar symbols."""
    d = matrix_calculus.derivative
    if kind == "jacobian":
        if not matrix_calculus.is_matrix_expr(expr):
            return [(expr, sympy.Matrix([[d(expr, s, symmetric) for s in wrt]]))]
        columns = [d(expr, s, symmetric) for s in wrt]
        if len(columns) == 1:
            return [(expr, columns[0])]
        if expr.shape[1] != 1:
            raise DeriveError(f"the Jacobian of a {expr.shape[0]} x {expr.shape[1]} matrix with respect to "
                              f"{len(wrt)} scalars is a 3-dimensional array; differentiate with respect to one "
                              "scalar at a time (the result has the matrix's shape)")
        return [(expr, BlockMatrix([columns]))]
    f = matrix_calculus.as_scalar_function(expr)
    g = sympy.Matrix([d(f, s, symmetric) for s in wrt])
    if kind == "grad":
        return [(f, g)]
    H = sympy.Matrix(len(wrt), len(wrt), lambda i, j: d(g[i], wrt[j], symmetric))
    return [(f, g), (g, H)]
