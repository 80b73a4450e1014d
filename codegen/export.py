"""Kernels as JAX or PyTorch functions: `codegen.kernel(..., backend="jax" | "torch")`.

The same expressions the Numba backend compiles, printed as whole-array code
of the framework (`printing/frameworks.py`): index sums as einsum, inverses
and determinants through the framework's linear algebra.  The module is
written to the cache directory and imported like every generated module; its
`kernel` function is plain framework code, so `jax.jit`, `jax.vmap`,
`jax.grad`, `torch.jit.script` and `torch.func` all apply to it, on whatever
device its arguments are.

Three shapes of input, as for the Numba backend:

- index notation (`IndexedBase` arguments, free indices `outputs`): the
  result has one axis per output index (lengths read from the arrays);
- a matrix expression with inverses or determinants: the result is the
  matrix (an n x 1 result is returned as (n,), as the vectors come in);
- scalar expressions of scalar arguments (a list or Matrix of them): the
  arguments broadcast and the result has shape broadcast(args) + shape.
"""

import textwrap

import sympy
from sympy import Basic, Indexed, IndexedBase, MatrixBase, Sum, Symbol, numbered_symbols
from sympy import cse as _sympy_cse
from sympy.printing.codeprinter import PrintMethodNotImplementedError

from .cache import load_module
from .errors import CodegenError
from .loops.calling import signature
from .printing.frameworks import FRAMEWORKS, printer_class
from .printing.names import safe_names
from .printing.canonical import canonical_sums
from .printing.rewrite import IndexMax, stable
from .printing.tensor import as_size, index_lengths, index_symbols

_RESERVED = {"jax", "torch", "functional"}


def framework_kernel(exprs, args, backend, *, outputs=(), ranges=None, directory=None, cse=True):
    """A `FrameworkKernel` computing `exprs` (module doc) as a function of `args`."""
    source, names = framework_source(exprs, args, backend, outputs=outputs, ranges=ranges, cse=cse)
    _require(backend)
    module = load_module(source, directory)
    return FrameworkKernel(module, backend, source, names, exprs, outputs)


def framework_source(exprs, args, backend, *, outputs=(), ranges=None, cse=True):
    """(module text, argument names) of `framework_kernel`, without importing it."""
    if backend not in FRAMEWORKS:
        raise CodegenError(f"unknown backend {backend!r}; choose one of {list(FRAMEWORKS)}")
    args = list(args) if isinstance(args, (list, tuple)) else [args]
    for a in args:
        if not isinstance(a, (Symbol, IndexedBase)):
            raise CodegenError(f"kernel arguments are SymPy Symbols or IndexedBase arrays, got {a!r}")
    arrays = [a for a in args if isinstance(a, IndexedBase)]
    several = isinstance(exprs, (list, tuple, MatrixBase))
    components = several or not arrays
    if several and arrays and outputs:
        raise CodegenError("a list of outputs over arrays is a list of numbers: it takes no output indices")
    if components:
        flat, shape = _flatten(exprs)
    else:
        flat, shape = [_basic(exprs)], None
    try:
        return _source(flat, shape, components, args, arrays, backend, outputs, ranges, cse)
    except PrintMethodNotImplementedError as exc:  # SymPy's printer met a node nobody prints
        raise CodegenError(str(exc).splitlines()[0]) from None


def infer_shapes(arrays, exprs):
    """`arrays` with the shapes their sums say where they have none: X[i, j] inside sums over
    i in 0..N-1 and j in 0..d-1 is N x d (index notation declares no sizes).  An axis read as
    x[i + c] in a sum over i up to hi has length hi + c + 1, the last entry read (as the Numba
    kernels read it: the sum reaches the end of x); read several ways, the longest."""
    reads = {}  # (array name, axis) -> lengths its reads need
    for e in exprs:
        if isinstance(e, Basic):
            _reads(e, {}, reads)
    out = []
    for a in arrays:
        if getattr(a, "shape", None) is None:
            rank = {len(x.indices) for e in exprs if isinstance(e, Basic) for x in e.atoms(Indexed)
                    if str(x.base.label) == str(a.label)}  # by name: the label's assumptions may differ
            if len(rank) == 1:
                shape = [_longest(reads.get((str(a.label), axis), ())) for axis in range(rank.pop())]
                if None not in shape:
                    a = IndexedBase(a.label, shape=tuple(shape))
        out.append(a)
    return out


def _reads(e, ranges, reads):
    """Walk `e` with the ranges of the sums around each node, noting what each array read needs."""
    if isinstance(e, (Sum, IndexMax)):
        inner = dict(ranges)
        for index, lo, hi in e.limits:
            inner[index] = (lo, hi)
        _reads(e.function, inner, reads)
        return
    if isinstance(e, Indexed):
        for axis, i in enumerate(e.indices):
            for index in i.free_symbols & set(ranges):
                offset = sympy.expand(i - index)
                if offset.is_Integer and ranges[index][0] + offset >= 0:
                    reads.setdefault((str(e.base.label), axis), []).append(ranges[index][1] + offset + 1)
        return
    for a in e.args:
        if isinstance(a, Basic):
            _reads(a, ranges, reads)


def _longest(lengths):
    """The longest of `lengths` that differ by whole numbers (N and N + 1: N + 1); None if none."""
    best = None
    for n in lengths:
        if best is None or (sympy.expand(n - best).is_Integer and sympy.expand(n - best) > 0):
            best = n
    return best


def _source(flat, shape, components, args, arrays, backend, outputs, ranges, cse):
    printer = printer_class(backend)()
    names = _names(args)
    shaped = infer_shapes(arrays, flat)
    names.update({new: names[old] for old, new in zip(arrays, shaped)})
    arrays = shaped
    sizes = _size_symbols(arrays)
    size_names = {s: f"_{names.get(s, s.name)}" for s in sizes}
    computed = [stable(canonical_sums(e)) for e in flat]  # equal sums one expression (canonical.py)
    indices = index_symbols(computed, outputs)
    lengths = index_lengths(computed, arrays, outputs, ranges)
    temps, reduced = _common(computed, sizes, cse)
    # by name: an array's label in the expressions may carry assumptions (real=True) its argument lacks
    printer._names = {**{str(a if isinstance(a, Symbol) else a.label): n for a, n in names.items()},
                      **{s.name: size_names[s] for s in sizes}}
    printer.prepare(indices, lengths, sizes, vectors={names[a] for a in arrays if len(a.shape or ()) == 1},
                    shapes={str(a.label): a.shape for a in arrays if a.shape is not None})
    body = []
    for t, value in temps:  # a temporary is an array over its value's free indices
        printer._temps[t] = printer.labels(value)
        printer._names[t.name] = t.name
        body.append(f"{t.name} = {printer.print_alone(value)}")
    for x in (x for e in computed if isinstance(e, Basic) for x in e.atoms(Indexed)):
        for axis, i in enumerate(x.indices):  # an undeclared array's axis: its length when the kernel runs
            if i in indices and getattr(x.base, "shape", None) is None and str(x.base.label) not in printer._shapes:
                printer._sizes.setdefault(i, f"{printer._symbol_name(x.base.label)}.shape[{axis}]")
    for o in outputs:
        if o not in printer._sizes:
            raise CodegenError(f"the length of the output index {o} is not known from the arrays")
    if components:
        scalars = [] if arrays else [names[a] for a in args]
        lines, result = _stack(printer, backend, [printer.print_alone(e) for e in reduced], shape, scalars)
        body += lines
    else:
        result = _result(printer, backend, reduced[0], flat[0], tuple(outputs))
    arg_names = [names[a] for a in args]
    prelude = _prelude(printer, backend, arrays, names, sizes, size_names, arg_names,
                       [names[a] for a in args if isinstance(a, Symbol)])
    for condition, message in dict.fromkeys(printer.checks):  # reads only the sizes can tell are inside
        prelude += [f"if {condition}:", f"    raise ValueError({message!r})"]
    code = "\n".join(prelude + body + [f"return {result}"])
    header = _docstring(flat, outputs, arg_names, backend)
    text = (f"{header}\n{printer.imports}\nARGS = {tuple(arg_names)!r}\n{printer.helpers}\n\n"
            f"def kernel({', '.join(arg_names)}):\n{textwrap.indent(code, '    ')}\n")
    # the caller's names (as the Numba kernels' and derive's validation use them); the module's
    # parameters and ARGS are renamed only where a name would clash with the code (core, lambda)
    return text, [str(a if isinstance(a, Symbol) else a.label) for a in args]


class FrameworkKernel:
    """A generated JAX or PyTorch function.  ``k.fn`` is the plain framework function (jit it,
    vmap it, script it, differentiate it); calling ``k(...)`` calls it, by position or keyword,
    turning NumPy arrays and numbers into the framework's arrays first (torch needs tensors).

    Attributes: ``backend``, ``source``, ``arg_names``, ``path``, ``exprs``, ``outputs``."""

    def __init__(self, module, backend, source, arg_names, exprs, outputs=()):
        self.module, self.backend, self.source = module, backend, source
        self.arg_names = tuple(arg_names)
        self.exprs, self.outputs = exprs, tuple(outputs)
        self.path = module.__file__
        self.fn = module.kernel
        self.__signature__ = signature(self.arg_names)
        self.compile_seconds, self.compiled_from = None, f"traced by {backend} at the first call"

    def __call__(self, *values, **named):
        from .loops.calling import bind

        values = bind(self.arg_names, values, named)
        return self.fn(*as_framework(self.backend, values))

    def __repr__(self):
        return f"<FrameworkKernel {self.backend} ({', '.join(self.arg_names)})>"


def as_framework(backend, values):
    """Arguments for a generated function: lists and NumPy arrays as the framework's arrays.  For
    torch, one floating dtype for all (the first floating tensor's, else float32 when every NumPy
    float is float32, else float64) on that tensor's device: torch does not promote float32 with
    float64 inside einsum, and integer labels must become numbers."""
    import numpy as np

    if backend == "jax":
        return [np.asarray(v) if isinstance(v, (list, tuple)) else v for v in values]
    import torch

    like = next((v for v in values if isinstance(v, torch.Tensor) and v.is_floating_point()), None)
    given = [v if isinstance(v, torch.Tensor) else np.asarray(v) for v in values]
    for v, original in zip(given, values):
        kind = "f" if isinstance(v, torch.Tensor) and v.is_floating_point() else \
            ("i" if isinstance(v, torch.Tensor) else v.dtype.kind)
        if kind not in "biuf":
            raise CodegenError(f"cannot read {type(original).__name__} as real numbers")
    if like is not None:
        dtype, device = like.dtype, like.device
    else:
        floats = [v.dtype for v in given if not isinstance(v, torch.Tensor) and v.dtype.kind == "f"]
        dtype = torch.float32 if floats and all(f == np.float32 for f in floats) else torch.float64
        device = None
    return [v.to(dtype) if isinstance(v, torch.Tensor) and v.dtype != dtype else
            v if isinstance(v, torch.Tensor) else torch.as_tensor(v, dtype=dtype, device=device) for v in given]


def _require(backend):
    try:
        __import__(backend)
    except ImportError:
        raise CodegenError(f"the {backend} backend needs {backend} installed: "
                           f"pip install -e \".[{backend}]\"") from None


def _names(args):
    names = safe_names(args)
    taken = set(names.values())
    for a, n in list(names.items()):
        if n in _RESERVED:
            new = n + "_"
            while new in taken:
                new += "_"
            names[a] = new
            taken.add(new)
    return names


def _size_symbols(arrays):
    out = []
    for a in arrays:
        for d in a.shape or ():
            for s in as_size(d).free_symbols:
                if s not in out:
                    out.append(s)
    return out


def _common(computed, sizes, use_cse):
    """CSE, with temporaries put back that are sizes alone (N - 1 of a sum's bound: a bound
    must stay a size the prelude defines) or that read a shifted entry (x[i - 1] is an array
    only inside the sum over i, which slices x to its range)."""
    if not use_cse:
        return [], computed
    temps, reduced = _sympy_cse(computed, symbols=numbered_symbols("_t"), order="none")
    keep, back = [], {}
    for t, value in temps:
        value = value.xreplace(back)
        shifted = any(not (i.is_Symbol or i.is_Integer) for x in value.atoms(Indexed) for i in x.indices)
        if value.free_symbols <= set(sizes) or value.is_Number or shifted:
            back[t] = value
        else:
            keep.append((t, value))
    return keep, [e.xreplace(back) for e in reduced]


def _prelude(printer, backend, arrays, names, sizes, size_names, arg_names, scalar_names=()):
    """The dtype (and device) to create arrays like, the sizes read from the arrays' shapes,
    and a check of every shape: a clash is a ValueError naming the array and the size.  A size
    is read from an axis of length N, else of length N + c (a sum over i = 1..N reads a[0..N])."""
    lines = [f"_dtype = jax.numpy.result_type({', '.join(arg_names)})" if backend == "jax"
             else f"_like = {arg_names[0]}"]
    axes, shapes = [], {}
    for a in arrays:
        if a.shape is None:
            continue
        name = names[a]
        shapes[name] = " x ".join(str(d) for d in a.shape)
        lines.append(f"if len({name}.shape) != {len(a.shape)}:")
        lines.append(f"    raise ValueError(\"{name} must have {len(a.shape)} "
                     f"ax{'i' if len(a.shape) == 1 else 'e'}s ({' x '.join(str(d) for d in a.shape)})\")")
        axes += [(name, axis, as_size(d)) for axis, d in enumerate(a.shape)]
    defined, done = set(), set()
    for shifted in (False, True):
        for name, axis, d in axes:
            free = [s for s in d.free_symbols if s not in defined]
            offset = sympy.expand(d - free[0]) if len(free) == 1 else None
            if len(free) == 1 and (offset == 0 or (shifted and offset.is_Integer)):
                lines.append(f"{size_names[free[0]]} = {name}.shape[{axis}]"
                             + (f" - {int(offset)}" if offset > 0 else f" + {-int(offset)}" if offset < 0 else ""))
                defined.add(free[0])
                done.add((name, axis))
    for name, axis, d in axes:
        if (name, axis) not in done and d.free_symbols <= defined:
            want = printer.print_alone(d)
            why = "as the other arrays say" if d.free_symbols else f"{name} is {shapes[name]}"
            lines.append(f"if {name}.shape[{axis}] != {want}:")
            lines.append(f"    raise ValueError(\"axis {axis} of {name} must have length {d} ({why})\")")
    if arrays:  # a scalar argument of an array kernel is one number (an array would broadcast silently)
        for a in scalar_names:
            ndim = f"jax.numpy.ndim({a})" if backend == "jax" else f"torch.as_tensor({a}).dim()"
            lines += [f"if {ndim} != 0:", f"    raise ValueError(\"{a} must be a number, not an array\")"]
    missing = [s for s in sizes if s not in defined]
    if missing:
        raise CodegenError(f"the sizes {', '.join(map(str, missing))} are not the length of any array axis")
    return lines


def _result(printer, backend, reduced, original, outputs):
    code = printer.print_alone(reduced)
    if isinstance(original, sympy.MatrixExpr):
        rows, cols = original.shape
        if rows == 1 and cols == 1:
            return f"({code})[0, 0]"
        if cols == 1 and len(outputs) == 1:
            return f"({code})[:, 0]"
        return code
    own = printer.labels(reduced)
    extra = set(own) - set(outputs)
    if extra:
        raise CodegenError(f"the result has the free indices {', '.join(map(str, extra))}, which are not "
                           f"outputs ({', '.join(map(str, outputs)) or 'none'})")
    ordered = tuple(sorted(outputs, key=printer._order.__getitem__))
    if own != ordered:  # some output is missing from the expression: broadcast it to its length
        shape = ", ".join(printer._sizes[o] for o in ordered) + ("," if len(ordered) == 1 else "")
        code = f"{printer.align(code, own, ordered)} + {printer.ops['zeros'].format(shape=f'({shape})')}"
    elif not outputs:
        code = f"{printer.ops['zeros'].format(shape='()')} + {code}"
    if ordered != outputs:
        code = printer._einsum(f"{printer.letters(ordered)}->{printer.letters(outputs)}", [code])
    return code


def _stack(printer, backend, outs, shape, scalars):
    """(lines, result): scalar outputs broadcast over the scalar arguments (a constant output too:
    the gradient of x + 2*y is (1, 2) at every point) and stacked along new last axes."""
    zeros = "jax.numpy.zeros_like" if backend == "jax" else "torch.zeros_like"
    base = " + ".join(f"{zeros}({a})" for a in scalars) or printer.ops["zeros"].format(shape="()")
    lines = [f"_base = {base}"]
    if backend == "jax":
        lines.append(f"_outs = jax.numpy.broadcast_arrays({', '.join(f'_base + {o}' for o in outs)})")
        stack = "jax.numpy.stack(_outs, axis=-1)"
    else:
        lines.append(f"_outs = torch.broadcast_tensors({', '.join(f'_base + {o}' for o in outs)})")
        stack = "torch.stack(_outs, dim=-1)"
    if shape == ():
        return lines, "_outs[0]"
    shape_code = f"_outs[0].shape + {shape!r}" if backend == "jax" else f"list(_outs[0].shape) + {list(shape)!r}"
    return lines, f"{stack}.reshape({shape_code})"


def _flatten(exprs):
    if isinstance(exprs, MatrixBase):
        return [_basic(e) for e in exprs], tuple(exprs.shape)
    if isinstance(exprs, (list, tuple)):
        return [_basic(e) for e in exprs], (len(exprs),)
    return [_basic(exprs)], ()


def _basic(e):
    if isinstance(e, str):
        raise CodegenError("codegen takes SymPy objects, not text; parse text with derive.parse first")
    if isinstance(e, (Basic,)):
        return e
    if isinstance(e, (int, float)):
        return sympy.Float(e) if isinstance(e, float) else sympy.Integer(e)
    raise CodegenError(f"cannot generate code for {type(e).__name__} {e!r}")


def _docstring(flat, outputs, arg_names, backend):
    lines = [f"Generated by derive ({backend} backend). Depends only on {backend}.", "",
             f"kernel({', '.join(arg_names)})" + (f" -> the array over {', '.join(map(str, outputs))}" if outputs
                                                 else ""), ""]
    for i, e in enumerate(flat[:12]):
        text = str(e)
        lines.append(f"  [{i}] {text[:93] + '...' if len(text) > 96 else text}")
    return '"""' + "\n".join(lines).replace('"""', "'''").replace("\\", "\\\\") + '\n"""'


__all__ = ["as_framework", "FRAMEWORKS", "FrameworkKernel", "framework_kernel", "framework_source", "infer_shapes"]
