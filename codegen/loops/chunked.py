"""Loop kernels on Dask arrays, chunk by chunk: a map over blocks of rows, then a tree sum.

A kernel whose result is sums over the rows of its data plus terms that read
only its parameters,

    out[k] = sum_i g(X[i, :], y[i]; w, lam)[k]  +  h(w, lam)[k]       (ridge: h = 2 lam w[k])

runs on Dask arrays without loading them.  Two kernels are compiled once per
kernel (and kept on it): the *row kernel* (the sums over rows, serial, since
Dask runs the blocks in parallel) maps every block of rows to its partial
result, given a new leading axis; `.sum(axis=0, split_every=8)` adds the
partials in a tree; the *parameter kernel* (h) is added once.  The result is a
lazy Dask array equal to the kernel's result on NumPy arrays (up to the order
of the floating-point additions); nothing is computed until `.compute()`.

The *data arrays* are those a term's outermost sum reads at axis 0 with its
own index (the rows), plus any array declared with that many rows.  They are
rechunked to the row chunks of the largest Dask array among them, their other
axes whole; every other argument goes whole to every block (a NumPy array as
it is, a Dask parameter array as one piece).  The number of rows used anywhere
but as the range of the row sums (1/N in a mean) becomes the total number of
rows, an extra argument of both kernels, so no block mistakes its own rows for
all of them.

Anything else refuses a Dask array with a one-line `CodegenError` that says
why (a nonlinear function of a sum over rows, a sum over some of the rows,
data whose rows are not its first axis, a result with one entry per row): a
kernel never loads a Dask array into memory on its own.

Tasks carry the generated modules' source text (a few kB), never a kernel
object: a worker process writes it into the kernel directory (once) and
imports it, so the compiled code comes from Numba's disk cache on threads,
processes or a cluster (as EM on Dask does, derive/em/fitting/dask_data.py).
"""

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sympy
from sympy import Add, Dummy, Indexed, IndexedBase, Mul, Sum, Symbol

from ..cache import load_module
from ..errors import CodegenError
from .arguments import basic
from .calling import is_dask

SPLIT_EVERY = 8  # partial results added 8 at a time: a tree of depth log8(blocks)


def dask_call(kernel, values):
    """`kernel(*values)` where some values are Dask arrays: a lazy Dask array (module doc)."""
    try:
        import dask.array as da
    except ImportError:  # pragma: no cover - only reached with a Dask argument
        raise CodegenError('calling a kernel with Dask arrays needs dask (pip install -e ".[dask]")') from None
    named = dict(zip(kernel.arg_names, values))
    _check_collections(da, named)
    split = _split(kernel, named)
    rows_kernel, params_kernel = _compiled(kernel, split)
    total = _total_rows(named, split)
    meta = _meta(named, split)
    checked = _checked(kernel, split, named, meta, rows_kernel, params_kernel)
    shape, dtype = np.shape(checked[0]), np.asarray(checked[0]).dtype
    parts = []
    if rows_kernel is not None:
        parts.append(_row_sums(da, rows_kernel, split, named, total, shape, dtype))
    if params_kernel is not None:
        parts.append(_params_part(da, params_kernel, split, named, meta, checked[-1], dtype))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


@dataclass(frozen=True)
class Split:
    """A kernel's expression as sums over the rows of `data` plus terms that read no data."""

    rows: Symbol | None  # the number of rows, as the expression names it (None: no data array)
    total: Symbol | None  # that number where the expression uses it outside the row sums
    index: str  # the row index's name, for messages
    data: tuple  # the data arrays' names, in argument order
    reductions: sympy.Expr  # sum of coeff * Sum(body, (i, 0, rows - 1), ...)
    rest: sympy.Expr  # the terms that read no data array
    args: tuple  # the kernel's arguments (declared shapes' rows replaced by `total` off axis 0), then total


def _refusal(reason):
    return CodegenError(f"this kernel cannot run chunk by chunk on Dask arrays: {reason}; call .compute() on "
                        "data that fits in memory and pass NumPy arrays")


def _check_collections(da, named):
    for name, value in named.items():
        if not is_dask(value):
            continue
        if not isinstance(value, da.Array):
            raise CodegenError(f"{name} is a {type(value).__name__}, not a Dask array; loop kernels take Dask "
                               "arrays (a Dask DataFrame's .to_dask_array(lengths=True))")
        if any(math.isnan(n) for n in itertools.chain(value.shape, *value.chunks)):
            raise CodegenError(f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() first")


# --- which arrays are data, and which terms are sums over their rows -------------------------------------


def _name(arg):
    return str(arg.label) if isinstance(arg, IndexedBase) else arg.name


def _split(kernel, named):
    """The kernel's expression as row sums plus parameter terms, or a refusal saying why not."""
    arrays = {_name(a): a for a in kernel.args if isinstance(a, IndexedBase)}
    scalars = {_name(a) for a in kernel.args if not isinstance(a, IndexedBase)}
    terms = Add.make_args(sympy.expand_mul(kernel.expr, deep=False))
    groups = _row_groups(terms, arrays)
    big = sorted((n for n in arrays if is_dask(named[n]) and named[n].ndim >= 1), key=lambda n: -named[n].size)
    if not big:  # only Dask scalars: no rows to split, the whole kernel is one task
        return Split(None, None, "", (), sympy.S.Zero, kernel.expr, tuple(kernel.args))
    rows = next((r for n in big for r, names in groups.items() if n in names), None)
    if rows is None:
        raise _refusal(_not_rows(big[0], kernel.expr, terms, kernel.outputs))
    leader = next(n for n in big if n in groups[rows])
    declared = arrays[leader].shape
    if not isinstance(rows, Symbol):
        raise _refusal(f"{leader} is declared with {rows} rows, a fixed number, not a size read from the data"
                       if declared is not None and rows == basic(declared[0]) else
                       f"the sum over the rows of {leader} ends at {rows - 1}, not at a size read from the data")
    if rows.name in scalars:
        raise _refusal(f"the sum over the rows of {leader} runs to {rows} - 1, a number passed as an argument, "
                       "not to the end of the data")
    data = tuple(n for n in kernel.arg_names if n in groups[rows])
    total = Symbol(f"_{rows.name}_all", integer=True, positive=True)  # underscored: never a user's name
    reductions, rest, index = [], [], None
    for term in terms:
        row_sum = _row_sum(term, set(data), rows, total, kernel.outputs)
        if row_sum is None:
            rest.append(term.xreplace({rows: total}))
        else:
            reductions.append(row_sum[0])
            index = index or row_sum[1]
    return Split(rows, total, index or "", data, Add(*reductions), Add(*rest),
                 tuple(_args(kernel.args, set(data), rows, total)) + (total,))


def _row_groups(terms, arrays):
    """{number of rows: array names}: the arrays a term's outermost sum reads at axis 0 with its
    own index, by the length of that axis (declared, else the sum's range), plus the arrays
    declared with that many rows (the logistic Hessian does not read y, but y has N rows)."""
    groups = {}
    for term in terms:
        for factor in Mul.make_args(term):
            if not isinstance(factor, Sum):
                continue
            factor = _lifted(factor)
            for index, _, hi in factor.limits:
                for e in factor.function.atoms(Indexed):
                    name = str(e.base.label)
                    if index in e.indices[0].free_symbols and name in arrays:
                        shape = arrays[name].shape
                        groups.setdefault(basic(shape[0]) if shape is not None else hi + 1, {})[name] = True
    for rows, names in groups.items():
        names.update({n: True for n, a in arrays.items() if a.shape is not None and basic(a.shape[0]) == rows})
    return groups


def _data_atoms(expr, data):
    return sorted((e for e in expr.atoms(Indexed) if str(e.base.label) in data), key=sympy.default_sort_key)


def _short(expr, width=60):
    text = str(expr)
    return text if len(text) <= width else text[:width - 3] + "..."


def _row_sum(term, data, rows, total, outputs):
    """(term with `total` for `rows` outside the row sum, the row index's name) when the term is
    coeff * Sum(body, (i, 0, rows - 1), ...) with every data array read as X[i, ...] in the body
    and nowhere else; None when the term reads no data array; else a refusal."""
    reading = [f for f in Mul.make_args(term) if _data_atoms(f, data)]
    if not reading:
        return None
    names = ", ".join(dict.fromkeys(str(e.base.label) for e in _data_atoms(term, data)))
    if len(reading) > 1 or not isinstance(reading[0], Sum):
        raise _refusal(f"the term {_short(term)} reads {names} outside one sum over the rows "
                       "(a nonlinear function of a sum over rows)")
    total_sum = reading[0]
    atoms = _data_atoms(total_sum.function, data)
    row_limits = [lim for lim in total_sum.limits if any(lim[0] in e.indices[0].free_symbols for e in atoms)]
    if not row_limits:  # sum over c of (sum over i of ...): one sum over (i, c)
        total_sum = _lifted(total_sum)
        atoms = _data_atoms(total_sum.function, data)
        row_limits = [lim for lim in total_sum.limits if any(lim[0] in e.indices[0].free_symbols for e in atoms)]
    if len(row_limits) != 1:
        raise _refusal(f"the term {_short(term)} sums over the rows of {names} "
                       + ("twice (pairs of rows)" if row_limits else "nowhere"))
    row = row_limits[0]
    index, lo, hi = row
    if lo != 0 or sympy.expand(hi + 1 - rows) != 0:
        raise _refusal(f"the sum over {index} runs {lo}..{hi}, not over every row of {names} (0..{rows - 1})")
    for e in atoms:
        _check_row_read(e, index, outputs)
    others = [lim for lim in total_sum.limits if lim is not row]
    body = total_sum.function.xreplace({e: Dummy() for e in atoms})
    if index in body.free_symbols or any(index in lo_.free_symbols | hi_.free_symbols for _, lo_, hi_ in others):
        stray = next((e for e in body.atoms(Indexed) if any(index in i.free_symbols for i in e.indices)), None)
        raise _refusal(f"the rows of {stray.base.label} are not its first axis (it is read as {stray})"
                       if stray is not None else
                       f"each row's term uses the row number {index} itself, not only that row's data")
    swap = {rows: total}
    limits = [lim if lim is row else (lim[0], lim[1].xreplace(swap), lim[2].xreplace(swap))
              for lim in total_sum.limits]
    coeff = Mul(*(f for f in Mul.make_args(term) if f is not reading[0]))
    return coeff.xreplace(swap) * Sum(total_sum.function.xreplace(swap), *limits), str(index)


def _lifted(outer):
    """Sum(g * Sum(body, inner), outer) as Sum(g * body, inner, outer) while that is the same sum
    (g does not use the inner indices, the inner bounds do not use the outer ones)."""
    while True:
        factors = Mul.make_args(outer.function)
        sums = [f for f in factors if isinstance(f, Sum)]
        if len(sums) != 1:
            return outer
        inner, g = sums[0], Mul(*(f for f in factors if f is not sums[0]))
        inside, outside = {lim[0] for lim in inner.limits}, {lim[0] for lim in outer.limits}
        if g.free_symbols & inside or any((lo.free_symbols | hi.free_symbols) & outside for _, lo, hi in inner.limits):
            return outer
        outer = Sum(g * inner.function, *inner.limits, *outer.limits)


def _check_row_read(e, index, outputs):
    """A data array inside a row sum is read at that row, X[i, ...], the row index nowhere else."""
    first = basic(e.indices[0])
    if first != index:
        if first.free_symbols & set(outputs):
            raise _refusal(f"the result has one entry per row ({e})")
        if index in first.free_symbols:
            raise _refusal(f"{e} reads another row than the row {index} of the sum")
        raise _refusal(f"{e} reads other rows inside the sum over the rows {index}, so each row's term depends "
                       "on every row (a nonlinear function of a sum over rows)")
    for axis, i in enumerate(e.indices[1:], 1):
        if index in basic(i).free_symbols:
            raise _refusal(f"{e} is read with the row index {index} on axis {axis} as well")


def _not_rows(name, expr, terms, outputs):
    """Why the Dask array `name` is not the data of a sum over rows."""
    reads = sorted((e for e in expr.atoms(Indexed) if str(e.base.label) == name), key=sympy.default_sort_key)
    if not reads:
        return f"it does not read {name}"
    per_row = next((e for e in reads if basic(e.indices[0]).free_symbols & set(outputs)), None)
    if per_row is not None and len(per_row.indices) > 1:
        return f"the result has one entry per row of {name} ({per_row})"
    if per_row is not None:  # a parameter vector w[k], or a result y[k] per row: either way not summed over rows
        return f"{name} is read as {per_row}, at the result's own index, not summed over rows"
    outer = {lim[0] for t in terms for f in Mul.make_args(t) if isinstance(f, Sum) for lim in f.limits}
    later = next((e for e in reads if any(basic(i).free_symbols & outer for i in e.indices[1:])), None)
    if later is not None:
        return f"the rows of {name} are not its first axis (it is read as {later})"
    return (f"{name} is not read row by row inside one sum over its rows (a nonlinear function of a sum over "
            "rows, like log(sum(exp(...))))")


def _args(args, data, rows, total):
    """The kernel's arguments with `rows` read as the total number of rows in declared shapes,
    except on the data arrays' first axis (which is a block's rows)."""
    out = []
    for a in args:
        if isinstance(a, IndexedBase) and a.shape is not None:
            shape = [basic(n).xreplace({rows: total}) for n in a.shape]
            if str(a.label) in data:
                shape[0] = basic(a.shape[0])
            a = IndexedBase(a.label, shape=tuple(shape))
        out.append(a)
    return out


# --- the two kernels, the checks, the graph ------------------------------------------------------------


def _compiled(kernel, split):
    """(row kernel or None, parameter kernel or None), compiled once per kernel and set of data arrays."""
    cache = kernel.__dict__.setdefault("_dask_kernels", {})
    if split.data not in cache:
        def compiled(expr):  # no threads of their own: Dask runs the blocks in parallel
            return kernel.sibling(expr, split.args, parallel=False)

        # a kernel of 0 when both are 0: it still knows the result's shape
        cache[split.data] = (compiled(split.reductions) if split.reductions != 0 else None,
                             compiled(split.rest) if split.rest != 0 or split.reductions == 0 else None)
    return cache[split.data]


def _total_rows(named, split):
    return int(named[split.data[0]].shape[0]) if split.data else None


def _meta(named, split):
    """The arguments with every data array as a block of zero rows and every Dask parameter as
    zeros of its shape: what the shape checks read, never the data."""
    meta = {}
    for name, value in named.items():
        if name in split.data and np.ndim(value) >= 1:
            meta[name] = np.zeros((0,) + tuple(value.shape[1:]), dtype=_dtype(value))
        elif is_dask(value):
            meta[name] = np.zeros(value.shape, dtype=value.dtype)
        else:
            meta[name] = value
    return meta


def _dtype(value):
    return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype


def _checked(kernel, split, named, meta, rows_kernel, params_kernel):
    """The kernels' results on `meta` (which tell the result's shape and dtype), after their own
    argument checks and the check that every data array has the same number of rows (the NumPy
    kernel's messages)."""
    values = [meta[n] for n in kernel.arg_names] + ([_total_rows(named, split)] if split.total is not None else [])
    try:
        results = [k(*values) for k in (rows_kernel, params_kernel) if k is not None]
    except CodegenError as exc:  # a rank error names the shape it got: the Dask array's, not the zero-row block's
        message = str(exc)
        for name in split.data:
            message = message.replace(f"shape {np.shape(meta[name])}", f"shape {np.shape(named[name])}")
        raise CodegenError(message) from None
    lengths = [(n, named[n]) for n in split.data if np.ndim(named[n]) >= 1]
    for (first, a), (name, b) in zip(lengths, lengths[1:]):
        if a.shape[0] != b.shape[0]:
            axis = kernel.module._axis
            raise CodegenError(f"{axis(name, np.ndim(b), 0, b.shape[0])} but "
                               f"{axis(first, np.ndim(a), 0, a.shape[0])} (index {split.index})")
    return results


def _row_sums(da, rows_kernel, split, named, total, shape, dtype):
    """The row kernel mapped over the blocks of rows (each partial with a leading axis of 1), added in a tree."""
    leader = max((n for n in split.data if is_dask(named[n])), key=lambda n: named[n].size)
    chunks = named[leader].chunks[0]
    fresh = (f"a{n}" for n in itertools.count())
    pairs = []
    for name in rows_kernel.arg_names[:-1]:
        value = named[name]
        if name in split.data:
            value = _rechunked(da, value, chunks)
            pairs += [value, ("r",) + tuple(next(fresh) for _ in range(value.ndim - 1))]
        elif is_dask(value):  # a parameter: whole, in one piece, to every block
            pairs += [value, tuple(next(fresh) for _ in range(value.ndim))]
        else:
            pairs += [value, None]
    outputs = tuple(f"o{n}" for n in range(len(shape)))
    partials = da.blockwise(_block, ("r",) + outputs, rows_kernel.source, None,
                            str(Path(rows_kernel.module.__file__).parent), None, *pairs, total, None,
                            new_axes=dict(zip(outputs, shape)), adjust_chunks={"r": 1}, concatenate=True,
                            token="kernel-rows", dtype=dtype, meta=np.empty((0,) * (1 + len(shape)), dtype=dtype))
    return partials.sum(axis=0, split_every=SPLIT_EVERY, dtype=dtype)


def _rechunked(da, value, chunks):
    """A data array in the row chunks `chunks`, its other axes whole."""
    whole = tuple((n,) for n in np.shape(value)[1:])
    if is_dask(value):
        return value.rechunk((chunks,) + whole)
    return da.from_array(np.asarray(value), chunks=(chunks,) + whole)


def _params_part(da, params_kernel, split, named, meta, checked, dtype):
    """The terms that read no data, once: `checked` (the shape check computed them from the NumPy
    parameters), or one lazy task when a parameter is a Dask array."""
    values = [meta[n] if n in split.data else named[n] for n in params_kernel.arg_names[:len(named)]]
    values += [_total_rows(named, split)] if split.total is not None else []
    if not any(is_dask(v) for v in values):
        return da.from_array(np.asarray(checked, dtype=dtype))
    import dask

    task = dask.delayed(_whole, pure=True)(params_kernel.source, str(Path(params_kernel.module.__file__).parent),
                                           *values)
    return da.from_delayed(task, shape=np.shape(checked), dtype=dtype)


# --- what the tasks run (in the worker processes too: plain functions of source text) --------------------


def _run(source, directory, args):
    module = load_module(source, directory)
    try:
        return np.asarray(module.kernel(*args))
    except module.ArgumentError as exc:
        raise CodegenError(str(exc)) from None


def _block(source, directory, *args):
    """One block of rows -> its partial result, with a leading axis of length 1."""
    return _run(source, directory, args)[np.newaxis]


def _whole(source, directory, *args):
    """The parameter terms, once."""
    return _run(source, directory, args)


__all__ = ["SPLIT_EVERY", "Split", "dask_call"]
