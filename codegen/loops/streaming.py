"""How a data pass walks its rows: the loop header and software prefetch.

A fused pass (plan.py) reads a row of X, computes with it, and moves on.  On
this kind of loop the hardware prefetcher runs only a little ahead of the
core, so memory and arithmetic take turns instead of overlapping: the
logistic gradient (N = 10^6, d = 20) took 12.4 ms where reading X alone takes
5.6 ms.  Two things close most of that gap (measured in BENCHMARKS.md):

* **prefetch**: every row of an array the pass reads whole is requested about
  4 KB ahead (`_prefetch`, an LLVM `llvm.prefetch` call; a prefetch never
  faults, so reading past the last row is harmless).  Rows longer than 4 KB
  are left to the hardware prefetcher, which follows long rows well;
* **no negative-index wraparound**: Numba wraps negative indices (x[-1] is the
  last entry), so `X[i, j]` with i from `range(start, stop)` carries a
  sign test that LLVM cannot remove.  When the range is known to start at
  0 or above, the row loop is a `while` from `max(start, 0)`, which LLVM can
  see never goes negative.
"""

from sympy import Indexed, Symbol

PREFETCH_BYTES = 4096  # how far ahead rows are requested; 2-10 KB measured equally good

# Pasted into a module whose rows are prefetched, so the module stays
# standalone (it imports only math, numpy, numba and numba's llvmlite).
PREFETCH_HELPER = '''
from llvmlite import ir as _ir
from numba.core import cgutils as _cgutils, types as _types
from numba.core.extending import intrinsic as _intrinsic


@_intrinsic
def _prefetch(typingctx, array, flat):
    """Ask the cache for the line holding array.flat[flat] (C-contiguous);
    never faults, so any index is safe."""
    def lower(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte = _ir.IntType(8).as_pointer()
        i32 = _ir.IntType(32)
        fn = _cgutils.get_or_insert_function(
            builder.module, _ir.FunctionType(_ir.VoidType(), [byte, i32, i32, i32]), "llvm.prefetch.p0")
        # read, keep in all cache levels, data cache
        builder.call(fn, [builder.bitcast(builder.gep(data, [args[1]]), byte), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return _types.void(array, flat), lower
'''


def streamed_rows(body, i, ranks):
    """Names of the arrays whose rows the pass over `i` reads whole: A[i, j, ...]
    (i, or i plus a constant, first; loop indices after), rank 2 or more."""
    names, partial = set(), set()
    for e in body.atoms(Indexed):
        name = str(e.base.label)
        if (ranks.get(name) or 0) < 2 or not (e.indices[0] - i).is_Integer:
            continue
        whole = all(isinstance(x, Symbol) and x != i for x in e.indices[1:])
        (names if whole else partial).add(name)
    return sorted(names - partial)


def row_loop(g, i, lo, arrays, ranks):
    """(lines before the chunk loop, the row loop's header, lines at the top of each
    row, lines at the bottom of each row) for the pass `g` over `i` from `lo`."""
    before, top = [], []
    for n, a in enumerate(arrays):
        row = " * ".join(f"{a}.shape[{axis}]" for axis in range(1, ranks[a]))
        length = f"_pf{g}_{n}"  # 0 when rows are long: nothing to prefetch
        before += [f"{length} = {row} if {row} * 8 <= {PREFETCH_BYTES} else 0",
                   f"{length}_ahead = 1 + {PREFETCH_BYTES // 8} // max({length}, 1)"]
        top += [f"for _q in range(0, {length}, 8):",
                f"    _prefetch({a}, ({i.name} + {length}_ahead) * {length} + _q)"]
    if lo.is_nonnegative:
        return before, [f"{i.name} = max(_start, 0)", f"while {i.name} < _stop:"], top, [f"{i.name} += 1"]
    return before, [f"for {i.name} in range(_start, _stop):"], top, []


__all__ = ["PREFETCH_HELPER", "row_loop", "streamed_rows"]
