"""Argument checks for loop kernels: ranks, sizes read from array axes, bounds that fit.

A loop kernel never returns numbers computed from arrays of the wrong shape.
From the expression alone this module works out

* the rank of every array (X[i, j]: 2 axes; an `IndexedBase` with a `shape`
  also fixes the rank of an array the expression does not use),
* every size symbol in a sum bound (N in ``(i, 0, N - 1)``, N in ``(i, 1, N)``),
  read from the axes its index runs over (or taken from a scalar argument),
* the length of every output axis (out[k]: the axes k indexes),

and writes the Python lines the generated `kernel()` runs before the compiled
core: each array cast to contiguous float64 once, its rank checked; each
size read from the first axis that determines it; every other axis that
must agree compared with it; explicit bounds checked to fit inside the
arrays.  A failure raises the module's `ArgumentError` naming the array and
the axis ("w has length 19 but X has 20 columns (index j)"), which `codegen`
re-raises as `CodegenError`.

Ranges that depend on other indices (a triangular ``sum(x[j], (j, 0, k))``)
cannot be checked once up front; such kernels are compiled with Numba's
bounds checking instead, so a bad index is an error, never a stray read.
"""

from dataclasses import dataclass, field

import sympy
from sympy import Indexed, Sum, Symbol

from ..errors import CodegenError

# Helpers pasted into every loop-kernel module (it imports only math, numpy, numba).
HELPERS = '''
class ArgumentError(ValueError):
    """An argument of the wrong rank, length or type (codegen re-raises it as CodegenError)."""


def _dtype(*values):
    """float32 when every array argument is float32 (computed and returned in float32),
    else float64."""
    kinds = {getattr(v, "dtype", None) for v in values}
    return numpy.float32 if kinds == {numpy.dtype(numpy.float32)} else numpy.float64


def _array(value, name, rank, layout, dtype=numpy.float64):
    """`value` as a C-contiguous array of `dtype` with `rank` axes (a copy only if needed);
    an (n, 1) column is read as a vector of length n."""
    try:
        a = numpy.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise ArgumentError(f"{name}: cannot read it as an array ({exc})") from None
    if a.dtype.kind == "c":
        raise ArgumentError(f"{name} is complex; loop kernels compute in real numbers")
    if a.dtype.kind not in "biuf":
        raise ArgumentError(f"{name} is not numeric (dtype {a.dtype})")
    if rank == 1 and a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if rank is not None and a.ndim != rank:
        raise ArgumentError(f"{name} must have {rank} ax{'i' if rank == 1 else 'e'}s ({layout}), "
                            f"got an array of shape {a.shape}")
    return numpy.ascontiguousarray(a, dtype=dtype)


def _work(*arrays):
    """Entries the call reads: below SERIAL_WORK one thread does it all (no pool to wake)."""
    return sum(a.size for a in arrays)


def _scalar(value, name):
    try:
        a = numpy.asarray(value)
    except (TypeError, ValueError):
        a = None
    if a is None or a.ndim != 0 or a.dtype.kind not in "biuf":
        raise ArgumentError(f"{name} must be a real number, got {type(value).__name__} "
                            f"{'of shape ' + str(a.shape) if a is not None and a.ndim else repr(value)[:40]}")
    return float(a)


def _size(value, name):
    v = _scalar(value, name)
    if v != int(v) or v < 0:
        raise ArgumentError(f"{name} is a size and must be a whole number >= 0, got {v}")
    return int(v)


def _axis(name, rank, axis, length):
    if rank == 1:
        return f"{name} has length {length}"
    if rank == 2:
        return f"{name} has {length} {'row' if axis == 0 else 'column'}{'s' if length != 1 else ''}"
    return f"{name} has {length} entries along axis {axis}"


def _agree(a, a_name, a_axis, a_shift, b, b_name, b_axis, b_shift, what):
    """Two axes one index runs over (or one size describes) must have the same length."""
    if a.shape[a_axis] + a_shift != b.shape[b_axis] + b_shift:
        if a_shift == b_shift:
            raise ArgumentError(f"{_axis(b_name, b.ndim, b_axis, b.shape[b_axis])} but "
                                f"{_axis(a_name, a.ndim, a_axis, a.shape[a_axis])} ({what})")
        need = a.shape[a_axis] + a_shift - b_shift  # the sums read them with different offsets
        raise ArgumentError(f"{_axis(b_name, b.ndim, b_axis, b.shape[b_axis])} and "
                            f"{_axis(a_name, a.ndim, a_axis, a.shape[a_axis])}, so "
                            f"{_axis(b_name, b.ndim, b_axis, need).replace(' has ', ' needs ', 1)} ({what}; the "
                            "sums read them with different offsets or ranges)")


def _declared(a, name, axis, length, layout):
    """An axis declared with a number must have exactly that length."""
    if a.shape[axis] != length:
        raise ArgumentError(f"{_axis(name, a.ndim, axis, a.shape[axis])} but is declared {layout}")


def _reaches(a, name, axis, at):
    """An entry read at a fixed position (x[3]) must exist."""
    if not -a.shape[axis] <= at < a.shape[axis]:
        raise ArgumentError(f"{name} is read at position {at} along axis {axis} but "
                            f"{_axis(name, a.ndim, axis, a.shape[axis])}")


def _fits(lo, hi, a, name, axis, index, offset):
    """An explicit range lo..hi of `index` must lie inside the axis (shifted by `offset`)."""
    if lo <= hi and (lo + offset < 0 or hi + offset >= a.shape[axis]):
        where = f"{index} + {offset}" if offset > 0 else f"{index} - {-offset}" if offset else index
        raise ArgumentError(f"the sum over {index} runs {lo}..{hi}, so {name} is read at {where} = "
                            f"{lo + offset}..{hi + offset}, but {_axis(name, a.ndim, axis, a.shape[axis])}")
'''


@dataclass
class Occurrence:
    """An index at one axis of one array: X[i, j + 1] has (X, 0, i, 0), (X, 1, j, 1)."""

    array: str
    axis: int
    index: Symbol
    offset: int


@dataclass
class ArgumentPlan:
    """What the wrapper checks and which sizes it passes to the compiled core."""

    ranks: dict  # array name -> rank (None: any)
    layouts: dict = field(default_factory=dict)  # array name -> "X[i, j]" or "N x d", for messages
    lines: list = field(default_factory=list)  # wrapper code after the casts
    sizes: list = field(default_factory=list)  # size names passed to the core, in order
    output_sizes: dict = field(default_factory=dict)  # output index -> size name
    same_length: dict = field(default_factory=dict)  # output index -> a size symbol read from the same axis
    boundscheck: bool = False


@dataclass(frozen=True)
class Candidate:
    """size = array.shape[axis] + shift, from a declared shape or from a sum's range."""

    size: Symbol
    array: str
    axis: int
    shift: int
    index: Symbol | None  # the index running over the axis (None: a declared shape)

    def code(self):
        return f"{self.array}.shape[{self.axis}]" + (f" + {self.shift}" if self.shift > 0 else
                                                      f" - {-self.shift}" if self.shift else "")


def plan_arguments(expr, arrays, scalars, outputs, shapes, display, ranges=None):
    """The checks for a renamed expression.

    `arrays` and `scalars` are the (safe) argument names, `outputs` the output
    index symbols, `shapes` array name -> declared shape (size symbols or
    integers) or None, `display` a safe name -> the user's name for messages.
    """
    occurrences, ranks, layouts = _occurrences(expr, arrays, shapes, display)
    limits = _limits(expr)
    plan = ArgumentPlan(ranks, layouts)
    indices = {lim[0] for lim in limits} | set(outputs)
    size_syms = sorted(_size_symbols(limits, shapes, indices), key=lambda s: s.name)
    def name(x):
        return display.get(str(x), str(x))


    known = {}  # size symbol -> the Candidate that defines it, or the scalar argument's name
    for s in size_syms:
        if s.name in scalars:
            plan.lines.append(f"{s.name} = _size({s.name}, {name(s)!r})")
            known[s] = s.name
    # sizes from the axes a bounded index runs over first (messages then name the index), then from
    # declared shapes (which also cover arrays the expression no longer reads)
    declared = _shape_candidates(shapes, size_syms)
    # a declared shape is the truth: a sum that stops short of its axis (x: (N,) summed as x[i - 1]
    # over i = 1..N-1) does not redefine N; the fit check below keeps its reads inside the axis
    shifts = {(c.size, c.array, c.axis): c.shift for c in declared}
    inside = _occurrences_inside(expr)
    guessed = [c for c in _limit_candidates(limits, inside, size_syms)
               if shifts.get((c.size, c.array, c.axis), c.shift) == c.shift]
    candidates = guessed + declared
    checked = set()  # (size, array, axis, index) whose fit follows from the binding or an agreement check
    compared = set()  # pairs of axes already compared
    for cand in candidates:
        if cand.size not in known:
            plan.lines.append(f"{cand.size.name} = {cand.code()}")
            known[cand.size] = cand
        first = known[cand.size]
        if not isinstance(first, Candidate):
            continue
        pair = frozenset({(first.array, first.axis, first.shift), (cand.array, cand.axis, cand.shift)})
        if (first.array, first.axis) != (cand.array, cand.axis):
            if pair not in compared:
                compared.add(pair)
                index = cand.index if cand.index is not None else first.index
                what = f"index {name(index)}" if index is not None else f"size {name(cand.size)}"
                plan.lines.append(f"_agree({first.array}, {name(first.array)!r}, {first.axis}, {first.shift}, "
                                  f"{cand.array}, {name(cand.array)!r}, {cand.axis}, {cand.shift}, {what!r})")
        elif first.shift != cand.shift:
            continue  # e.g. x: (N,) summed over (i, 1, N): left to the fit check, which fails
        checked.add((cand.size, cand.array, cand.axis, cand.index))
    missing = [s for s in size_syms if s not in known]
    if missing:
        raise CodegenError(f"the size {name(missing[0])} of a sum's range is not the length of any array axis "
                           "its index runs over; pass it as a scalar argument, or give an array its shape "
                           f"(IndexedBase('X', shape=({name(missing[0])}, ...)))")
    plan.sizes = [s.name for s in size_syms if s.name not in scalars]
    for o in outputs:
        plan.output_sizes[o] = _output_size(o, occurrences, plan, name, (ranges or {}).get(o), known)
        axis = next(((occ.array, occ.axis) for occ in occurrences if occ.index == o and occ.offset == 0), None)
        read = [s for s, c in known.items() if isinstance(c, Candidate) and c.shift == 0 and (c.array, c.axis) == axis]
        if read:
            plan.same_length[o] = read[-1]  # any size read from that axis is its length: the last, as always
    plan.lines += _fit_checks(limits, inside, checked, name, plan, set(outputs))
    declared, reached = _fixed_checks(expr, shapes, layouts, name)
    plan.lines = declared + plan.lines + reached  # a declared length first: the plainest message
    return plan


def _fixed_checks(expr, shapes, layouts, name):
    """(lines, lines): axes declared with a number have that length (X: 5 x 2 called with 7 rows is an error,
    not the first 5 rows), and entries read at fixed positions (x[3]) exist."""
    declared, lines = [], []
    for array, shape in shapes.items():
        for axis, n in enumerate(shape or ()):
            if isinstance(n, (int, sympy.Integer)):
                declared.append(f"_declared({array}, {name(array)!r}, {axis}, {int(n)}, {layouts[array]!r})")
    reach = {}
    for e in expr.atoms(Indexed):
        for axis, idx in enumerate(e.indices):
            if idx.is_Integer:
                key = (str(e.base.label), axis)
                reach[key] = max(reach.get(key, int(idx)), int(idx), key=abs)
    for (array, axis), at in sorted(reach.items()):
        lines.append(f"_reaches({array}, {name(array)!r}, {axis}, {at})")
    return declared, lines


def basic(value):
    """A SymPy object from a SymPy object or a Python int (shapes and bounds); never parses
    text, which sympify would evaluate."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return sympy.Integer(value)
    raise CodegenError(f"expected a SymPy size or index, got {type(value).__name__} {value!r}")


def _occurrences(expr, arrays, shapes, display):
    ranks = {a: (len(shapes[a]) if shapes.get(a) is not None else None) for a in arrays}
    layouts = {a: _shape_words(shapes[a], display) for a in arrays if shapes.get(a) is not None}
    found = []
    for e in sorted(expr.atoms(Indexed), key=sympy.default_sort_key):
        array = str(e.base.label)
        rank = len(e.indices)
        if ranks.get(array) is not None and ranks[array] != rank:
            raise CodegenError(f"{display.get(array, array)} is used with {rank} "
                               f"ind{'ex' if rank == 1 else 'ices'} but has {ranks[array]} axes")
        ranks[array] = rank
        layouts.setdefault(array, f"{display.get(array, array)}[" + ", ".join(
            str(i.xreplace({x: Symbol(display.get(str(x), str(x))) for x in basic(i).free_symbols}))
            for i in e.indices) + "]")
        found += [occ for occ in _indexed_occurrences(e) if occ.index is not None]
    return found, ranks, layouts


def _indexed_occurrences(e):
    """The occurrences in one array element: X[i, j + 1] -> (X, 0, i, 0), (X, 1, j, 1)."""
    return [Occurrence(str(e.base.label), axis, *_split_offset(idx)) for axis, idx in enumerate(e.indices)]


def _shape_words(shape, display):
    dims = [str(basic(d).xreplace({x: Symbol(display.get(str(x), str(x)))
                                          for x in basic(d).free_symbols})) for d in shape]
    return f"length {dims[0]}" if len(dims) == 1 else " x ".join(dims)


def _split_offset(idx):
    """i + 2 -> (i, 2); i -> (i, 0); anything else (a constant, k + l) -> (None, None)."""
    idx = basic(idx)
    if idx.is_Symbol:
        return idx, 0
    if idx.is_Add:
        syms = [a for a in idx.args if a.is_Symbol]
        consts = [a for a in idx.args if a.is_Integer]
        if len(syms) == 1 and len(consts) == len(idx.args) - 1:
            return syms[0], int(sum(consts))
    return None, None


def _limits(expr):
    out = []
    for s in sorted(expr.atoms(Sum), key=sympy.default_sort_key):
        for lim in s.limits:
            if lim not in out:
                out.append(lim)
    return out


def _size_symbols(limits, shapes, indices):
    syms = {x for _, lo, hi in limits for x in (lo.free_symbols | hi.free_symbols)}
    for shape in shapes.values():
        for d in shape or ():
            syms |= basic(d).free_symbols
    return {s for s in syms - indices if isinstance(s, Symbol)}


def _linear(expr, s):
    """c when expr == s + c (c an integer), else None."""
    c = sympy.expand(expr - s)
    return int(c) if c.is_Integer else None


def _shape_candidates(shapes, size_syms):
    out = []
    for array, shape in shapes.items():
        for axis, d in enumerate(shape or ()):
            d = basic(d)
            for s in sorted(d.free_symbols & set(size_syms), key=str):
                c = _linear(d, s)
                if c is not None:
                    out.append(Candidate(s, array, axis, -c, None))
    return out


def _occurrences_inside(expr):
    """limit -> the occurrences of its index inside the sums it bounds.  Two sums may use
    one index name over different ranges (sum(y[i], (i, 0, N-1)) + sum(y[i+1], (i, 0, N-2)));
    each range constrains only what its own sum reads."""
    out = {}
    for s in sorted(expr.atoms(Sum), key=sympy.default_sort_key):
        for lim in s.limits:
            found = out.setdefault(lim, [])
            for e in sorted(s.function.atoms(Indexed), key=sympy.default_sort_key):
                found += [occ for occ in _indexed_occurrences(e) if occ.index == lim[0] and occ not in found]
    return out


def _limit_candidates(limits, inside, size_syms):
    """hi = s + c: the sum reaches the end of every axis its index runs over, so
    s = length - 1 - c - offset (the largest offset of the index on that axis)."""
    out = []
    for index, lo, hi in limits:
        for s in sorted(hi.free_symbols & set(size_syms), key=str):
            c = _linear(hi, s)
            if c is None:
                continue
            offsets = {}
            for occ in inside.get((index, lo, hi), []):
                key = (occ.array, occ.axis)
                offsets[key] = max(offsets.get(key, occ.offset), occ.offset)
            for (array, axis), offset in offsets.items():
                out.append(Candidate(s, array, axis, -1 - c - offset, index))
    return out


def _output_size(o, occurrences, plan, name, length=None, known=()):
    """An output index's length: the first axis it indexes; every other must agree.
    Without one, the length given for it (`ranges`), if its sizes are known."""
    axes = list(dict.fromkeys((occ.array, occ.axis) for occ in occurrences if occ.index == o and occ.offset == 0))
    if not axes and length is not None and {x.name for x in length.free_symbols} <= {k.name for k in known}:
        size = f"_n_{o.name}"
        plan.lines.append(f"{size} = {_code(length)}")
        plan.sizes.append(size)
        return size
    if not axes:
        raise CodegenError(f"the output index {name(o)} indexes no array, so its range is unknown")
    (array, axis), rest = axes[0], axes[1:]
    size = f"_n_{o.name}"
    plan.lines.append(f"{size} = {array}.shape[{axis}]")
    for other, other_axis in rest:
        plan.lines.append(f"_agree({array}, {name(array)!r}, {axis}, 0, {other}, {name(other)!r}, {other_axis}, 0, "
                          f"{'index ' + name(o)!r})")
    plan.sizes.append(size)
    return size


def _fit_checks(limits, inside, checked, name, plan, outputs):
    """Explicit bounds must lie inside every axis their index runs over (in their own sums)."""
    lines = []
    indices = {lim[0] for lim in limits} | outputs
    for index, lo, hi in limits:
        if (lo.free_symbols | hi.free_symbols) & indices:
            plan.boundscheck = True  # a range that depends on another index: checked at each access
            continue
        for occ in inside.get((index, lo, hi), []):
            if _implied(lo, hi, occ, checked):
                continue
            lines.append(f"_fits({_code(lo)}, {_code(hi)}, {occ.array}, {name(occ.array)!r}, {occ.axis}, "
                         f"{name(index)!r}, {occ.offset})")
    return list(dict.fromkeys(lines))


def _implied(lo, hi, occ, checked):
    """The range surely fits: lo + offset >= 0, and hi's size was read from (or checked
    against) this axis for this index."""
    if not (lo.is_Integer and int(lo) + occ.offset >= 0):
        return False
    return any((s, occ.array, occ.axis, occ.index) in checked for s in hi.free_symbols)


def _code(e):
    """An integer bound as Python code (sizes are ints in the wrapper)."""
    e = basic(e)
    return str(int(e)) if e.is_Integer else sympy.pycode(e)


__all__ = ["HELPERS", "ArgumentPlan", "basic", "plan_arguments"]
