"""Compiled kernels for what derive derives: `derive.kernel(d)`.

    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", "hessian",
                             symbols="X: N x d, w: d, y: N")
    k = derive.kernel(d)        # k(X, w, y) -> the d x d Hessian

Matrix- and index-notation results become loop kernels (`codegen.loops`):
the matrix form is written entrywise (`to_index`, every data-index Kronecker
delta contracted, so the cost is linear in N) and planned into fused passes
and BLAS calls.  Their signature depends on f alone, so the value, gradient
and Hessian kernels of one f take the same arguments: every array f
mentions, sorted by name (as Python sorts: upper case first), then f's
scalar parameters, sorted by name.  Each array carries the shape its axes
have in f (N x d, from the declaration or from the sums over it), so every
call checks it, even when a derivative no longer reads the array.

Results in components (gradients of scalar symbols) become `codegen.kernel`
ufunc kernels of the wrt variables, then the other symbols alphabetically.
"""

import numpy as np
import sympy

import codegen
from codegen.loops.calling import bind, signature

from .notation import to_index
from .result import Derivation
from ..calculus.sums import has_index_sums
from ..errors import DeriveError
from ..text.namespace import Namespace
from ..text.printing import to_text
from ..text.ranges import axis_sizes

_K, _L = sympy.Symbol("k", integer=True), sympy.Symbol("l", integer=True)


def kernel(d, *, value=False, fused=False, hvp=False, backend="numba", directory=None):
    """A compiled kernel for the result of the Derivation `d` (see the module doc).

    ``value=True``: the kernel of f itself; ``fused=True``: one kernel returning
    ``(f, gradient)`` (for ``scipy.optimize.minimize(..., jac=True)``); ``hvp=True``:
    ``k(..., v)`` returns the Hessian times ``v`` without forming the Hessian (``hessp=``)."""
    if not isinstance(d, Derivation):
        raise DeriveError(f"derive.kernel takes the Derivation that derive.differentiate(f, wrt, kind) returns, "
                          f"got {type(d).__name__}")
    kinds = [name for name, wanted in (("value", value), ("fused", fused), ("hvp", hvp)) if wanted]
    if len(kinds) > 1:
        raise DeriveError(f"choose one of value=True, fused=True, hvp=True (got {' and '.join(kinds)})")
    if kinds:
        from . import kernel_kinds

        return getattr(kernel_kinds, f"{kinds[0]}_kernel")(d, directory=directory)
    if d.notation == "components" and (has_index_sums(d.f) or _atoms(d.f, sympy.MatrixSymbol)):
        return SampleKernel(d, directory)  # scalars of data: by lam in y'X inv(X'X + lam I) X'y, by mu in a sum
    if d.notation == "components":
        others = sorted((s for s in d.result.free_symbols | _free(d.f) if isinstance(s, sympy.Symbol)
                         and s not in d.wrt and not s.is_integer), key=lambda s: s.name)
        return codegen.kernel(d.result, list(d.wrt) + others, backend=backend, directory=directory)
    if backend != "numba":
        raise DeriveError(f"kernels of {d.notation}-notation results are Numba loop kernels; "
                          f"backend={backend!r} is not available for them")
    expr, outputs, ranges = index_form(d)
    return loop_kernel(d.f, expr, outputs, ranges, directory)


def loop_kernel(f, expr, outputs=(), ranges=None, directory=None):
    """The loop kernel of `expr`, a value or derivative of `f` in index notation (or a
    matrix expression, written entrywise here: entry [outputs] of a vector or matrix), with
    f's signature (module doc).  Inverses, determinants and solves are factored once per
    call in a prelude (linalg_kernels.py), the rest written entrywise."""
    from .linalg_kernels import LinalgKernel, has_linear_algebra

    if has_linear_algebra(expr):
        return LinalgKernel(f, expr, outputs, ranges, directory)
    if isinstance(expr, sympy.MatrixExpr) and outputs and expr.shape != (1, 1):
        expr = to_index(_rolled(expr), list(outputs))
    expr, arrays, scalars = loop_arguments(f, expr)
    return codegen.kernel(expr, arrays + scalars, index=outputs, directory=directory, ranges=ranges)


class SampleKernel:
    """The derivative of a sum over data by scalar parameters (d/dmu sum((x[i] - mu)**2, i)):
    one loop kernel per distinct entry, each one pass over the data, called with the
    arrays (sorted by name), then the scalars, like every loop kernel of f.

    ``k(x, mu)`` returns an array of the derivative's shape (m x 1 for a gradient)."""

    def __init__(self, d, directory=None):
        self.shape = tuple(d.result.shape)
        self.entries = list(d.result)
        distinct = list(dict.fromkeys(self.entries))
        self.kernels = {}
        for e in distinct:
            self.kernels[e] = loop_kernel(d.f, e, directory=directory)
        # every entry's kernel takes f's arguments (loop_arguments reads them from f), so any one's is the signature
        self.args = next(iter(self.kernels.values())).args
        self.arg_names = tuple(str(getattr(a, "label", a)) for a in self.args)
        self.__signature__ = signature(self.arg_names)
        self.source = "\n\n".join(k.source for k in self.kernels.values())
        times = [k.compile_seconds for k in self.kernels.values()]
        self.compile_seconds = None if None in times else sum(times)
        self.compiled_from = ", ".join(sorted({k.compiled_from for k in self.kernels.values()}))

    def __call__(self, *values, **named):
        bound = dict(zip(self.args, bind(self.arg_names, values, named)))
        cache = {e: k(*(bound[a] for a in k.args)) for e, k in self.kernels.items()}
        return np.array([cache[e] for e in self.entries], dtype=float).reshape(self.shape)

    def __repr__(self):
        return f"<SampleKernel ({', '.join(self.arg_names)}) -> {self.shape[0]} x {self.shape[1]}>"


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
    from .linalg_kernels import has_linear_algebra

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
    from .linalg_kernels import has_linear_algebra

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


__all__ = ["index_form", "kernel", "loop_arguments", "loop_kernel"]
