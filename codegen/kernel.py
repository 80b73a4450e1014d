"""Compiled kernels from SymPy expressions.

`kernel(exprs, args)` eliminates common subexpressions, prints straight-line
code with one of the printers, writes it as a module file in the cache
directory (see `cache.py`) and imports it.  The result broadcasts over its
arguments like a NumPy ufunc: the Numba backend *is* a ufunc (`vectorize`) or
gufunc (`guvectorize`) underneath, available as `Kernel.ufunc`.
"""

import textwrap
import time

import numpy as np
import sympy
from sympy import Basic, MatrixBase, Symbol, numbered_symbols
from sympy import cse as _sympy_cse

from .cache import load_module
from .errors import CodegenError
from .loops.calling import signature
from .printing.names import safe_names
from .printing.printers import ARRAY_HELPERS, printer_for, scalar_helpers
from .printing.rewrite import stable

BACKENDS = ("numba", "numpy", "jax", "torch")
FRAMEWORKS = ("jax", "torch")  # whole-array code for training frameworks (export.py)
LISTED_OUTPUTS = 12  # outputs named in a module's docstring


def kernel(exprs, args, backend="numba", *, index=None, cse=True, parallel=False, directory=None, ranges=None):
    """Compile `exprs` (an expression, a list, or a Matrix) as a function of `args`.

    Returns a `Kernel`: ``k(*values)`` evaluates at points and broadcasts over
    array arguments; the output has shape ``broadcast(values) + k.shape``,
    where ``k.shape`` is ``()`` for one expression, ``(m,)`` for a list and
    ``(r, c)`` for a Matrix.  ``parallel=True`` (Numba) spreads the points
    over all cores (ufunc target "parallel").

    ``backend="jax"`` or ``"torch"``: the same expressions as a function of that
    framework (`export.FrameworkKernel`; index sums as einsum, ``index`` names
    the output axes), for jit, vmap, autodiff and GPUs.

    Index notation: with arrays (``IndexedBase``) among the arguments, or an
    ``index``, the result is a loop kernel (`loops.index_kernel`): ``index=k``
    gives out[k], ``index=(k, l)`` out[k, l], no index a scalar; sizes come
    from the arrays' shapes; sums over data run in parallel chunks.

    >>> import sympy, codegen
    >>> x, y = sympy.symbols("x y")
    >>> k = codegen.kernel(sympy.Matrix([x * y, sympy.exp(x)]), [x, y], backend="numpy")
    >>> k(0.0, 2.0).tolist()
    [[0.0], [1.0]]
    """
    if backend not in BACKENDS:
        raise CodegenError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
    if backend in FRAMEWORKS:
        from .export import framework_kernel

        outputs = tuple(index) if isinstance(index, (tuple, list)) else ((index,) if index is not None else ())
        return framework_kernel(exprs, args, backend, outputs=outputs, ranges=ranges, directory=directory, cse=cse)
    if index is not None or _is_index_problem(exprs, args):
        if backend != "numba":
            raise CodegenError("loop kernels in index notation are generated for the numba backend")
        from .loops.plan import index_kernel

        _require_numba()
        return index_kernel(exprs, list(args) if isinstance(args, (list, tuple)) else [args], index,
                            parallel=True, directory=directory, ranges=ranges)
    flat, shape = _flatten(exprs)
    args = _check_args(args, flat)
    source = module_source(flat, shape, args, backend, use_cse=cse, parallel=parallel)
    if backend == "numba":
        _require_numba()
    start = time.perf_counter()
    module = load_module(source, directory)  # Numba compiles (or loads) a ufunc with signatures at import
    k = Kernel(module, tuple(flat), args, shape, backend, source)
    k.compile_seconds = time.perf_counter() - start
    return k


class Kernel:
    """A generated, compiled function of scalar arguments that broadcasts like a ufunc.

    Attributes: ``source`` (the module text), ``args`` (SymPy symbols, in call
    order), ``arg_names``, ``exprs`` (flattened outputs), ``shape`` (per-point
    output shape), ``backend``, ``path`` (module file) and, for Numba,
    ``ufunc`` (the raw NumPy ufunc/gufunc, usable with Dask).
    """

    def __init__(self, module, exprs, args, shape, backend, source):
        self.module = module
        self.exprs = exprs
        self.args = args
        self.arg_names = tuple(module.ARGS)
        self.shape = shape
        self.backend = backend
        self.source = source
        self.path = module.__file__
        self.ufunc = getattr(module, "ufunc", None)
        self._fn = module.kernel
        self.__signature__ = signature(self.arg_names)
        self.compile_seconds = None
        self.compiled_from = "compiled at import" if backend == "numba" else "nothing to compile (NumPy)"

    def __call__(self, *values, **named):
        if named:
            values = self._bind(values, named)
        if len(values) != len(self.args):
            raise CodegenError(
                f"kernel takes {len(self.args)} arguments ({', '.join(self.arg_names)}), got {len(values)}"
            )
        return self._fn(*self._checked(values))

    def _checked(self, values):
        """Each argument numeric (real for Numba) and all of them broadcastable, or an
        error naming the argument."""
        arrays = []
        for name, value in zip(self.arg_names, values):
            try:
                a = np.asarray(value)
            except (TypeError, ValueError):  # ragged nested lists and the like
                raise CodegenError(f"argument {name}: cannot read {type(value).__name__} as numbers") from None
            if a.dtype.kind not in "biufc" or (a.dtype.kind == "c" and self.backend == "numba"):
                what = "complex" if a.dtype.kind == "c" else f"not numeric (dtype {a.dtype})"
                raise CodegenError(f"argument {name} is {what}; this kernel takes real numbers")
            arrays.append(a)
        try:
            np.broadcast_shapes(*(a.shape for a in arrays))
        except ValueError:
            shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(self.arg_names, arrays))
            raise CodegenError(f"the arguments do not broadcast together: {shapes}") from None
        return arrays

    def _bind(self, values, named):
        bound = list(values) + [None] * (len(self.args) - len(values))
        for key, value in named.items():
            if key not in self.arg_names:
                raise CodegenError(f"unknown argument {key!r}; kernel takes {', '.join(self.arg_names)}")
            bound[self.arg_names.index(key)] = value
        missing = [n for n, v in zip(self.arg_names, bound) if v is None]
        if missing:
            raise CodegenError(f"missing argument(s): {', '.join(missing)}")
        return bound

    def __repr__(self):
        return f"<Kernel {self.backend} ({', '.join(self.arg_names)}) -> shape {self.shape}>"


def kernel_source(exprs, args, backend="numba", *, cse=True, parallel=False):
    """The standalone module text `kernel` would compile, without compiling it."""
    if backend not in BACKENDS:
        raise CodegenError(f"unknown backend {backend!r}; choose one of {list(BACKENDS)}")
    if backend in FRAMEWORKS:
        from .export import framework_source

        return framework_source(exprs, args, backend, cse=cse)[0]
    flat, shape = _flatten(exprs)
    return module_source(flat, shape, _check_args(args, flat), backend, use_cse=cse, parallel=parallel)


def _require_numba():
    try:
        import numba  # noqa: F401
    except ImportError as exc:  # pragma: no cover - numba is a dependency
        raise CodegenError("the numba backend needs numba installed (pip install numba)") from exc


def _is_index_problem(exprs, args):
    arg_list = args if isinstance(args, (list, tuple)) else [args]
    if any(isinstance(a, sympy.IndexedBase) for a in arg_list):
        return True
    return isinstance(exprs, Basic) and exprs.has(sympy.Sum, sympy.Indexed)


def _flatten(exprs):
    if isinstance(exprs, str):
        raise CodegenError("codegen takes SymPy objects, not text; parse text with derive.parse first")
    if isinstance(exprs, MatrixBase):
        return [_as_basic(e) for e in exprs], tuple(exprs.shape)
    if isinstance(exprs, (list, tuple)):
        if exprs and isinstance(exprs[0], (list, tuple)):
            matrix = sympy.Matrix(exprs)
            return list(matrix), tuple(matrix.shape)
        return [_as_basic(e) for e in exprs], (len(exprs),)
    return [_as_basic(exprs)], ()


def _as_basic(e):
    if isinstance(e, Basic):
        return e
    if isinstance(e, (int, float)):
        return sympy.Float(e) if isinstance(e, float) else sympy.Integer(e)
    raise CodegenError(f"cannot generate code for {type(e).__name__} {e!r}")


def _check_args(args, flat):
    if isinstance(args, Symbol):
        args = (args,)
    args = tuple(args)
    if not args:
        raise CodegenError("a kernel needs at least one argument")
    for a in args:
        if not isinstance(a, Symbol):
            raise CodegenError(f"kernel arguments must be SymPy Symbols, got {a!r}")
    if len(set(args)) != len(args):
        raise CodegenError("kernel arguments repeat a symbol")
    used = set().union(*(e.free_symbols for e in flat))
    missing = used - set(args)
    if missing:
        names = ", ".join(sorted(str(s) for s in missing))
        raise CodegenError(f"the expression uses symbols that are not kernel arguments: {names}")
    return args


def module_source(flat, shape, args, backend, use_cse=True, parallel=False):
    """The text of a standalone module (imports only math, numpy and numba)."""
    names = safe_names(args)
    renamed = {a: Symbol(names[a]) for a in args}
    flat = [e.xreplace(renamed) for e in flat]
    computed = [stable(e) for e in flat]  # log(1 + exp(u)) -> softplus(u), ... (rewrite.py)
    if use_cse:
        temps, reduced = _sympy_cse(computed, symbols=numbered_symbols("_t"), order="none")
    else:
        temps, reduced = [], computed
    printer = printer_for(backend)
    body = [f"{printer.doprint(t)} = {printer.doprint(v)}" for t, v in temps]
    outs = [printer.doprint(e) for e in reduced]
    arg_names = [names[a] for a in args]
    header = _docstring(flat, shape, arg_names, backend)
    if backend == "numba":
        return _numba_module(header, arg_names, shape, body, outs, parallel)
    return _numpy_module(header, arg_names, shape, body, outs)


def _docstring(flat, shape, arg_names, backend):
    lines = [
        f"Generated by derive ({backend} backend). Depends only on math, numpy"
        + (" and numba." if backend == "numba" else "."),
        "",
        f"kernel({', '.join(arg_names)}) evaluates at points; arguments broadcast like a",
        f"NumPy ufunc and the result has shape broadcast(arguments) + {shape}.",
        "",
        "Outputs (row-major):",
    ]
    for i, e in enumerate(flat[:LISTED_OUTPUTS]):
        text = str(e)
        if len(text) > 96:
            text = text[:93] + "..."
        lines.append(f"  [{i}] {text}")
    if len(flat) > LISTED_OUTPUTS:
        # printing every entry of a large Hessian costs more than compiling it from cache
        lines.append(f"  ... and {len(flat) - LISTED_OUTPUTS} more")
    return '"""' + "\n".join(lines).replace('"""', "'''").replace("\\", "\\\\") + '\n"""'


_ASSEMBLE = '''
def _float(a):
    """Arguments as float (or complex) arrays: overflow gives inf, not an exception."""
    return numpy.asarray(a, dtype=numpy.result_type(a, float))


def _assemble(outs, args):
    """Broadcast every output to the arguments' shape and stack them."""
    shape = numpy.broadcast_shapes(*(numpy.shape(a) for a in args))
    dtype = numpy.result_type(*outs, float)
    res = numpy.empty(shape + (len(outs),), dtype=dtype)
    for i, o in enumerate(outs):
        res[..., i] = o
    return res.reshape(shape + SHAPE)
'''


def _numpy_module(header, arg_names, shape, body, outs):
    arg_list = ", ".join(arg_names)
    body_text = textwrap.indent("\n".join(body + [f"outs = ({', '.join(outs)},)"]), " " * 8)
    return (
        f"{header}\n"
        "import math\n\nimport numpy\n\n"
        f"ARGS = {tuple(arg_names)!r}\nSHAPE = {shape!r}\n"
        f"{ARRAY_HELPERS}{_ASSEMBLE}\n\n"
        f"def kernel({arg_list}):\n"
        f"    {arg_list}, = ({', '.join(f'_float({a})' for a in arg_names)},)\n"
        '    with numpy.errstate(all="ignore"):\n'
        f"{body_text}\n"
        f"    return _assemble(outs, ({arg_list},))\n"
    )


def _numba_module(header, arg_names, shape, body, outs, parallel):
    arg_list = ", ".join(arg_names)
    nargs = len(arg_names)
    scalar_types = ", ".join(["float64"] * nargs)
    options = 'cache=True, target="parallel"' if parallel else "cache=True"
    head = f"{header}\nimport math\n\nimport numba\nimport numpy\n\nARGS = {tuple(arg_names)!r}\nSHAPE = {shape!r}\n\n"
    helpers = scalar_helpers("\n".join(body + outs))
    if helpers:
        head += "\n" + helpers + "\n\n"
    if shape == ():
        code = "\n".join(body + [f"return {outs[0]}"])
        return (
            head
            + f'@numba.vectorize(["float64({scalar_types})"], {options})\n'
            + f"def ufunc({arg_list}):\n"
            + textwrap.indent(code, "    ")
            + "\n\n\nkernel = ufunc\n"
        )
    n = len(outs)
    core = ",".join(["()"] * nargs)
    code = "\n".join(body + [f"out[{i}] = {o}" for i, o in enumerate(outs)])
    return (
        head
        + f"_LIKE = numpy.empty({n})  # fixes the output length of the gufunc\n\n\n"
        + f'@numba.guvectorize(["void({scalar_types}, float64[:], float64[:])"], "{core},(n)->(n)", {options})\n'
        + f"def ufunc({arg_list}, like, out):\n"
        + textwrap.indent(code, "    ")
        + "\n\n\n"
        + f"def kernel({arg_list}):\n"
        + f"    res = ufunc({arg_list}, _LIKE)\n"
        + "    return res.reshape(res.shape[:-1] + SHAPE)\n"
    )
