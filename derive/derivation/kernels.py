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

``backend="jax"`` or ``"torch"``: every result as a function of that framework,
with the same signature, validated when built (`export.py`).
"""

import sympy

import codegen
from codegen.kernel import BACKENDS, FRAMEWORKS

from . import kernel_kinds
from .linalg_kernels import loop_kernel
from .loop_form import _atoms, _free, index_form, loop_arguments
from .result import Derivation
from .sample_kernel import SampleKernel
from ..calculus.sums import has_index_sums
from ..errors import DeriveError


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
    if backend not in BACKENDS:  # never dropped: an argument derive cannot honour is an error
        raise DeriveError(f"unknown backend {backend!r}; derive's kernels are built for "
                          f"{', '.join(repr(b) for b in BACKENDS)}")
    if backend in FRAMEWORKS:  # JAX / PyTorch functions, validated (export.py)
        if fused:
            raise DeriveError(f"fused=True builds a (value, gradient) kernel for scipy.optimize; in {backend}, "
                              f"use derive.autograd_function(f, wrt, backend={backend!r}) with the framework's "
                              "value-and-grad")
        from .export import export_kernel

        return export_kernel(d, backend, value=value, hvp=hvp, directory=directory)
    if kinds:
        _numba_only(backend, f"{kinds[0]}=True kernels")
        return getattr(kernel_kinds, f"{kinds[0]}_kernel")(d, directory=directory)
    if d.notation == "components" and (has_index_sums(d.f) or _atoms(d.f, sympy.MatrixSymbol)):
        _numba_only(backend, "kernels of a derivative by scalars over data (sums, matrices)")
        return SampleKernel(d, directory)  # scalars of data: by lam in y'X inv(X'X + lam I) X'y, by mu in a sum
    if d.notation == "components":
        others = sorted((s for s in d.result.free_symbols | _free(d.f) if isinstance(s, sympy.Symbol)
                         and s not in d.wrt and not s.is_integer), key=lambda s: s.name)
        return codegen.kernel(d.result, list(d.wrt) + others, backend=backend, directory=directory)
    _numba_only(backend, f"kernels of {d.notation}-notation results")
    expr, outputs, ranges = index_form(d)
    return loop_kernel(d.f, expr, outputs, ranges, directory)


def _numba_only(backend, what):
    if backend != "numba":
        raise DeriveError(f"{what} are Numba loop kernels; backend={backend!r} is not available for them "
                          "(use backend='numba')")


__all__ = ["SampleKernel", "index_form", "kernel", "loop_arguments", "loop_kernel"]
