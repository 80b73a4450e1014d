"""How a value or derivative of f becomes the input of a loop kernel: its index form, its
outputs and their lengths, and its arguments (f's arrays sorted by name, then f's scalars;
kernels.py's module doc).  The kernels built on these (plain loop kernels here, kernels
with a prelude of solves in linalg_kernels.py, per-entry and value / fused / hvp kernels)
stand above this module."""

import sympy
from sympy import Determinant, MatPow

import codegen

from .notation import to_index
from ..errors import DeriveError
from ..text.namespace import Namespace
from ..text.printing import to_text
from ..text.ranges import axis_sizes

_K, _L = sympy.Symbol("k", integer=True), sympy.Symbol("l", integer=True)


def has_linear_algebra(expr):
    """True when `expr` holds an inverse (or a negative matrix power) or a determinant."""
    if not isinstance(expr, sympy.Basic):
        return False
    return expr.has(Determinant) or any(p.exp.is_negative for p in expr.atoms(MatPow))


def plain_loop_kernel(f, expr, outputs=(), ranges=None, directory=None):
    """The loop kernel of `expr` (no inverse or determinant in it), a value or derivative of
    `f` in index notation or a matrix expression written entrywise here (entry [outputs] of a
    vector or matrix), with f's signature (kernels.py's module doc)."""
    if isinstance(expr, sympy.MatrixExpr) and outputs and expr.shape != (1, 1):
        expr = to_index(_rolled(expr), list(outputs))
    expr, arrays, scalars = loop_arguments(f, expr)
    return codegen.kernel(expr, arrays + scalars, index=outputs, directory=directory, ranges=ranges)


def index_form(d):
    """(index expression, output indices, their lengths or None) for a matrix- or
    index-notation derivation.  The lengths of a matrix result (n for an n x 1 gradient)
    serve outputs no array is indexed by: the gradient of sum(w)**2 is 2*sum(w)*ones(n, 1).
    A result with an inverse or a determinant stays a matrix expression (`loop_kernel`
    factors those first)."""
    if d.notation == "index":
        outputs = tuple(dict.fromkeys(i for w in d.wrt for i in w.indices))
        return d.result, outputs, None
    rows, cols = d.result.shape
    if has_linear_algebra(d.result):  # inverses and determinants: factored first, then written entrywise
        return (d.result, (_K,), (rows,)) if cols == 1 else (d.result, (_K, _L), (rows, cols))
    result = _rolled(d.result)
    if cols == 1:
        return to_index(result, [_K]), (_K,), (rows,)
    return to_index(result, [_K, _L]), (_K, _L), (rows, cols)


def _rolled(expr):
    """`expr` with every concrete matrix size above 1 replaced by a size symbol, so that
    X: 3000 x 4 becomes loops over 3000 rows, not 12,000 unrolled entries (which took 24 s
    to compile at 200 x 4 and overflowed Python's parser at 3000 x 4).  The arrays keep
    their declared sizes in the signature (`loop_arguments` reads them from f), and the
    kernel checks them exactly."""
    matrices = expr.atoms(sympy.MatrixSymbol)
    values = {int(n) for m in matrices for n in m.shape if n.is_Integer and n > 1}
    size = {v: sympy.Symbol(f"_size{v}", integer=True, positive=True) for v in values}
    swap = {m: sympy.MatrixSymbol(m.name, *(size.get(int(n), n) if n.is_Integer else n for n in m.shape))
            for m in matrices if any(n.is_Integer and n > 1 for n in m.shape)}
    return expr.xreplace(swap) if swap else expr


def loop_arguments(f, expr, namespace=None):
    """(index expression, arrays, scalars) of the loop kernel computing `expr`, a value
    or derivative of `f`, with the signature described in the module doc."""
    if has_linear_algebra(expr):
        raise DeriveError(f"{to_text(expr)} holds an inverse or a determinant, which derive.kernel(d) factors "
                          "once per call before the loops (Python only: a standalone loop module has no such step)")
    if expr.atoms(sympy.MatrixSymbol):
        expr = to_index(_rolled(expr))
    indexed = _atoms(f, sympy.Indexed) | expr.atoms(sympy.Indexed)
    matrices = {m.name: m for m in _atoms(f, sympy.MatrixSymbol)}
    bases = {str(e.base.label): e.base for e in indexed}
    sizes = axis_sizes(namespace or Namespace(), f, expr)
    arrays = []
    for name in sorted(set(matrices) | set(bases)):
        if name in matrices:
            rows, cols = matrices[name].shape
            shape = (rows,) if cols == 1 else (cols,) if rows == 1 else (rows, cols)
        else:
            rank = max(len(e.indices) for e in indexed if str(e.base.label) == name)
            shape = tuple(sizes.get((name, axis)) for axis in range(rank))
            shape = None if None in shape else shape
        arrays.append(sympy.IndexedBase(name, shape=shape))
    indices = {i for e in indexed for i in e.indices}
    bounds = {x for e in (f, expr) if isinstance(e, sympy.Basic) for s in e.atoms(sympy.Sum)
              for lim in s.limits for x in (lim[1].free_symbols | lim[2].free_symbols)}
    dims = bounds | {x for m in matrices.values() for d in m.shape for x in d.free_symbols}
    labels = {a.label for a in arrays} | {b.label for b in bases.values()}
    scalars = sorted((s for s in _free(f) | expr.free_symbols if isinstance(s, sympy.Symbol) and s not in indices
                      and s not in dims and s not in labels and not s.is_integer), key=lambda s: s.name)
    return expr, arrays, scalars


def _free(expr):
    return expr.free_symbols if isinstance(expr, (sympy.Basic, sympy.MatrixBase)) else set()


def _atoms(expr, kind):
    return expr.atoms(kind) if isinstance(expr, sympy.Basic) else set()


__all__ = ["has_linear_algebra", "index_form", "loop_arguments", "plain_loop_kernel"]
