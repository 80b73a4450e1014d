"""Loop kernels from index notation: Sum/Indexed expressions -> Numba loop nests.

    kernel(expr, [X, w, y], index=k)        out[k]    (a vector over the free index)
    kernel(expr, [X, w, y], index=(k, l))   out[k, l] (a matrix)
    kernel(expr, [X, w, y])                 a scalar (a loss)

Arrays are `IndexedBase` arguments; every size (n in i = 0..n-1) is read from
the shape of an array indexed by that index.  The plan:

* **fused passes**: every additive term that is a sum over the same data
  index (sum_i ...) is accumulated in one loop over i, split into chunks
  the threads take as they become free (`prange`), each chunk adding into a
  local accumulator, then once into its thread's partial result; the rows
  the pass reads whole are prefetched (streaming.py);
* **hoisting**: each subexpression is computed at the outermost loop where
  all its indices are known ("let-floating").  In the logistic Hessian
  sum_i X[i,k] X[i,l] s_i (1 - s_i), s_i (a sum over j, then a sigmoid) is
  computed once per i, X[i,k] s_i (1 - s_i) once per (i, k), and the
  innermost loop is one multiply-add;
* **symmetry**: an output symmetric in (k, l) is computed for l >= k only.
"""

import os
import textwrap
import time
from dataclasses import dataclass

import sympy
from sympy import Add, Indexed, IndexedBase, Mul, Sum, Symbol

from .arguments import HELPERS, basic, plan_arguments
from .calling import bind, is_dask, signature
from ..cache import load_module, load_plan, save_plan
from ..errors import CodegenError
from .floating import Floater, LoopPrinter, bottom_up, int_code
from .gram import gram_code, gram_pattern, merge_row_products, nest_sums, shares_rows
from ..printing.names import safe_names
from ..printing.printers import scalar_helpers
from .products import hoist_products
from .streaming import PREFETCH_HELPER, row_loop, streamed_rows
from ..printing.rewrite import stable


def _shared_sums(expr):
    """Equal sums written with different index names, or with factors that do not
    depend on their index inside, become one object, so each is computed once
    (and a sum of something its index does not change is a product):

        sum(-y[i]*X[i, j]*w[j], j) and sum(X[i, p]*w[p], p)  ->  -y[i]*s and s, s = sum(X[i, j]*w[j], j)
    """
    seen = {}

    def share(e):
        if not isinstance(e, Sum):
            return e
        indices = {lim[0] for lim in e.limits}
        if not (e.function.free_symbols & indices):  # sum(c, (i, lo, hi)) = c * (hi - lo + 1)
            return e.function * Mul(*(hi - lo + 1 for _, lo, hi in e.limits))
        factors = Mul.make_args(e.function)
        outside = [f for f in factors if not (f.free_symbols & indices)]
        inner = Sum(Mul(*(f for f in factors if f.free_symbols & indices)), *e.limits) if outside else e
        key = inner.xreplace({lim[0]: Symbol(f"_key{n}", integer=True) for n, lim in enumerate(inner.limits)})
        return Mul(*outside, seen.setdefault(key, inner))

    return bottom_up(expr, share)


@dataclass
class _Term:
    coeff: sympy.Expr
    index: Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: sympy.Expr
    extra_limits: tuple


def _gram_split(term, outputs):
    """A reduction term as the additive parts of its body when that makes some of them
    Gram matrices (softmax: X_k X_l p_a (delta_ab - p_b) is two of them), else itself."""
    if len(outputs) < 2 or term.extra_limits or gram_pattern(term, outputs) is not None:
        return [term]
    parts = Add.make_args(sympy.expand_mul(term.coeff * term.body, deep=False))
    split = [_Term(sympy.S.One, term.index, term.lo, term.hi, part, ()) for part in parts]
    if len(parts) > 8 or not any(gram_pattern(t, outputs) is not None for t in split):
        return [term]
    return split


def _reduction(term, outputs):
    """coeff * sum(body, (i, lo, hi), ...) with coeff free of i: a data reduction."""
    factors = Mul.make_args(term)
    sums = [f for f in factors if isinstance(f, Sum)]
    if len(sums) != 1:
        return None
    s = sums[0]
    coeff = Mul(*(f for f in factors if f is not s))
    index, lo, hi = s.limits[0]
    if index in coeff.free_symbols:
        return None
    return _Term(coeff, index, lo, hi, s.function, tuple(s.limits[1:]))


# ---------------------------------------------------------------------------


def index_kernel(expr, args, index=None, *, parallel=True, directory=None, ranges=None):
    """Compile an index-notation expression into a loop kernel (see module doc).

    `ranges` gives, per output index, its length (a size symbol or a number) for
    outputs no array is indexed by (the gradient of sum(w)**2 is 2*sum(w) at every k)."""
    if not isinstance(expr, sympy.Basic):
        raise CodegenError("index kernels take SymPy expressions; parse text with derive.parse first")
    outputs = tuple(index) if isinstance(index, (tuple, list)) else ((index,) if index is not None else ())
    arrays = [a for a in args if isinstance(a, IndexedBase)]
    scalars = [a for a in args if isinstance(a, Symbol)]
    if len(arrays) + len(scalars) != len(args):
        raise CodegenError("index kernel arguments must be IndexedBase arrays or Symbols")
    key = (expr, tuple((a, getattr(a, "shape", None)) for a in args), outputs, tuple(ranges or ()), parallel)
    planned = load_plan(key, directory)
    if planned is None:
        source, meta = kernel_source(expr, arrays, scalars, outputs, parallel, ranges)
        save_plan(key, source, meta, directory)
    else:
        source, meta = planned
    module = load_module(source, directory)
    return IndexKernel(module, expr, args, outputs, source, meta, ranges)


class IndexKernel:
    """A compiled loop kernel.  Call with arrays (and scalars) in `args` order, or by
    keyword (`inspect.signature(k)` is true).

    Every call checks its arguments first (ranks, lengths that must agree,
    explicit bounds inside the arrays) and raises `CodegenError` naming the
    array and the axis; arrays are cast to contiguous float64 once.  A Dask
    array is never loaded: the kernel runs chunk by chunk on it when it reduces
    over rows (`chunked.py`), or refuses it.
    """

    def __init__(self, module, expr, args, outputs, source, meta, ranges=None):
        self.module, self.expr, self.args, self.outputs, self.source = module, expr, tuple(args), outputs, source
        self.ranges = ranges
        self.arg_names = tuple(meta["names"])
        self.__signature__ = signature(self.arg_names)
        self.shape_rank = len(outputs)
        self.plan = meta
        self._fn = module.kernel
        self.compile_seconds, self.compiled_from = self._compile(meta.get("core_types"))

    def _compile(self, types):
        """Compile the cores for float64 arrays now, not at the first call: (seconds, where from:
        "compiled", "disk cache", or "at the first call" when an array's rank is open)."""
        if types is None:
            return None, "at the first call"
        if os.environ.get("DERIVE_COMPILE") == "lazy":  # the test suite: each core compiles when first called
            return None, "at the first call (DERIVE_COMPILE=lazy)"
        core = self.module.core
        if core.signatures:  # this process compiled or loaded it already (the same kernel made twice)
            return 0.0, "memory"
        hits = sum(core.stats.cache_hits.values())
        start = time.perf_counter()
        core.compile(f"({', '.join(types)})")
        seconds = time.perf_counter() - start
        return seconds, "disk cache" if sum(core.stats.cache_hits.values()) > hits else "compiled"

    def __call__(self, *values, **named):
        values = bind(self.arg_names, values, named)
        if any(is_dask(v) for v in values):
            from .chunked import dask_call

            return dask_call(self, values)
        try:
            return self._fn(*values)
        except self.module.ArgumentError as exc:
            raise CodegenError(str(exc)) from None

    def sibling(self, expr, args, parallel=True):
        """A loop kernel of `expr` with this kernel's outputs, output lengths and cache directory
        (the parts chunked.py runs on Dask blocks)."""
        return index_kernel(expr, list(args), index=self.outputs, ranges=self.ranges, parallel=parallel,
                            directory=os.path.dirname(self.module.__file__))

    def __repr__(self):
        return f"<IndexKernel ({', '.join(self.arg_names)}) -> rank {self.shape_rank}>"


def kernel_source(expr, arrays, scalars, outputs, parallel=True, ranges=None):
    """(module text, plan facts) for `expr` as a function of `arrays` then `scalars`."""
    expr, arrays, scalars, outputs, shapes, display = _renamed(expr, arrays, scalars, outputs)
    ranges = _renamed_ranges(ranges, outputs, display)
    expr = stable(expr)
    plan = plan_arguments(expr, arrays, scalars, outputs, shapes, display, ranges)
    expr = merge_row_products(_shared_sums(nest_sums(expr)), outputs)
    _check_free(expr, outputs, [Symbol(s) for s in scalars] + [Symbol(s) for s in plan.sizes])
    expr, products, _, product_factors = hoist_products(expr, arrays, plan.ranks)
    printer = LoopPrinter()

    shape_code = [plan.output_sizes[o] for o in outputs]
    sizes = dict(zip(outputs, shape_code))
    symmetric = len(outputs) == 2 and sympy.expand(
        expr.xreplace({outputs[0]: outputs[1], outputs[1]: outputs[0]}) - expr) == 0
    reductions, pointwise, grams = {}, [], []
    for term in Add.make_args(sympy.expand_mul(expr, deep=False)):
        red = _reduction(term, outputs)
        if red is None or red.coeff.free_symbols & set(outputs):
            pointwise.append(term)
            continue
        for part in _gram_split(red, outputs):
            gram = gram_pattern(part, outputs)
            if gram is not None:
                grams.append(gram)  # sum_i w_i A(i, K) B(i, L): BLAS (gram.py)
            else:
                reductions.setdefault((part.lo, part.hi), []).append(part)

    out_shape = "(" + ", ".join(shape_code) + ("," if len(shape_code) == 1 else "") + ")"
    lines = [f"out = numpy.zeros({out_shape})" if outputs else "out = 0.0"]
    finish, buffers, late = [], [], []  # wrapper lines after the core (BLAS); arrays the wrapper allocates
    for n, gram in enumerate(grams):
        donor = next((m for m, other in enumerate(grams) if shares_rows(gram, other)), None)
        code = gram_code(gram, printer, sizes, f"_g{n}", rows_of=None if donor is None else f"_g{donor}",
                         products=_read_only_by(gram.B, expr, product_factors), same_length=plan.same_length)
        products = [(name, (code.fused or {}).get(name, text)) for name, text in products] + list(code.extra)
        if code.into_out:
            late += code.core  # the whole term, not one triangle: added after the mirror below
        else:
            lines += code.core
        finish += code.wrapper
        buffers += code.buffers

    # fused data passes: all terms summing over the same range share one loop,
    # split into chunks that the threads take as they become free, each chunk
    # adding into a local accumulator, then into its thread's partial result
    for g, ((lo, hi), group) in enumerate(reductions.items()):
        i = Symbol(f"_i{g}")  # underscored: never a user's name (safe_names)
        bodies = []
        for t in group:
            body = t.body.xreplace({t.index: i})
            if t.extra_limits:
                body = Sum(body, *[(lim[0], lim[1].xreplace({t.index: i}), lim[2].xreplace({t.index: i}))
                                   for lim in t.extra_limits])
            bodies.append(t.coeff * body)
        levels = {i: 1, **{o: depth for depth, o in enumerate(outputs, 2)}}
        fl = Floater(printer, levels, f"r{g}_", sizes)
        residual = fl.float_out(_shared_sums(Add(*bodies)), len(outputs) + 1)
        code = fl.finish(residual, len(outputs) + 1)
        lines += fl.blocks.pop(0, [])
        streamed = streamed_rows(Add(*bodies), i, plan.ranks)
        lines += _reduction_loops(g, i, lo, hi, outputs, shape_code, fl, code, symmetric, parallel, streamed,
                                  plan.ranks)

    # the other terms: loops over the outputs, inner sums as local loops
    if pointwise:
        fl = Floater(printer, {o: depth for depth, o in enumerate(outputs, 1)}, "p", sizes)
        residual = fl.float_out(Add(*pointwise), len(outputs))
        code = fl.finish(residual, len(outputs))
        lines += fl.allocations + fl.blocks.pop(0, [])
        indent = ""
        for depth, (o, size) in enumerate(zip(outputs, shape_code), 1):
            start = outputs[0].name if (symmetric and depth == 2) else "0"
            lines.append(f"{indent}for {o.name} in range({start}, {size}):")
            indent += "    "
            lines += [indent + line for line in fl.blocks.get(depth, [])]
        target = f"[{', '.join(o.name for o in outputs)}]" if outputs else ""
        lines.append(f"{indent}out{target} += {code}")
    if symmetric and (pointwise or reductions):
        a, b = (o.name for o in outputs)
        lines += [f"for {a} in range({shape_code[0]}):", f"    for {b} in range({a}):",
                  f"        out[{a}, {b}] = out[{b}, {a}]"]
    lines += late
    lines.append("return out")

    source = _module(arrays, scalars, plan, lines, expr, outputs, display, parallel, products, buffers, finish)
    return source, {"names": [display[a] for a in arrays + scalars], "symmetric": symmetric,
                    "core_types": _core_types(arrays, scalars, plan, products, buffers),
                    "grams": len(grams), "products": [name for name, _ in products],
                    "boundscheck": plan.boundscheck}


def _core_types(arrays, scalars, plan, products, buffers):
    """The Numba types of the core's arguments for float64 calls (so it can be compiled before
    the first call), or None when an array's rank is open (any shape: known at the call)."""
    def array(rank, dtype="float64"):
        return f"{dtype}[{', '.join([':'] * (rank - 1) + ['::1'])}]"

    if any(plan.ranks.get(a) is None for a in arrays):
        return None
    sizes = {line.split(" = _size(")[0] for line in plan.lines if " = _size(" in line}  # scalars that are sizes
    types = [array(plan.ranks[a]) for a in arrays] + ["int64" if s in sizes else "float64" for s in scalars]
    types += [array(2) for _ in products]
    types += [array(shape.count(",") + 1 if not shape.rstrip(")").endswith(",") else 1) for _, shape in buffers]
    return types + ["int64"] * (len(plan.sizes) + 1)


def _read_only_by(part, expr, factors):
    """The hoisted products (name -> factors) that `part` reads and nothing else in `expr` does."""
    mine = {str(e.base.label) for e in part.atoms(Indexed)}
    return {name: f for name, f in factors.items() if name in mine and _count(expr, name) == _count(part, name)}


def _count(expr, name):
    """How many places in `expr` read the array `name`."""
    if isinstance(expr, Indexed):
        return int(str(expr.base.label) == name)
    return sum(_count(a, name) for a in expr.args if isinstance(a, sympy.Basic))


def _renamed_ranges(ranges, outputs, display):
    """{renamed output index: its length with size symbols under their safe names}."""
    safe = {user: Symbol(name) for name, user in display.items()}
    return {o: basic(length).xreplace({x: safe.get(str(x), x) for x in basic(length).free_symbols})
            for o, length in zip(outputs, ranges or ()) if length is not None}


def _renamed(expr, arrays, scalars, outputs):
    """Safe names for every array, scalar, size and index; arrays and scalars are
    matched by name, so an IndexedBase(x) argument is the x[i] of the expression."""
    if not all(isinstance(o, Symbol) for o in outputs):
        raise CodegenError("output indices must be SymPy Symbols, like k or (k, l)")
    by_name = {}
    for a in arrays:
        by_name.setdefault(str(a.label), a)
    labels = {str(e.base.label) for e in expr.atoms(Indexed)}
    unknown = sorted(labels - set(by_name))
    if unknown:
        raise CodegenError(f"the expression uses the array {unknown[0]}, which is not a kernel argument")
    limits = [lim for s in expr.atoms(Sum) for lim in s.limits]
    indices = {lim[0] for lim in limits} | set(outputs)
    indices |= {x for e in expr.atoms(Indexed) for i in e.indices for x in i.free_symbols}
    bound_syms = {x for _, lo, hi in limits for x in (lo.free_symbols | hi.free_symbols)}
    shape_syms = {x for a in arrays if getattr(a, "shape", None) is not None
                  for d in a.shape for x in d.free_symbols}
    sizes = sorted((bound_syms | shape_syms) - indices - set(scalars), key=str)
    names = safe_names([str(a.label) for a in arrays] + list(scalars) + sizes + sorted(indices, key=str))
    if len({names[str(a.label)] for a in arrays}) != len(arrays):
        raise CodegenError("two array arguments have the same name")
    display = {names[str(a.label)]: str(a.label) for a in arrays}
    display.update({names[x]: str(x) for x in list(scalars) + sizes + sorted(indices, key=str)})
    scalar_names = {s.name: s for s in scalars}
    mapping = {}
    for x in expr.free_symbols | set(outputs) | {lim[0] for lim in limits}:
        if isinstance(x, Symbol) and x in names:
            mapping[x] = Symbol(names[x], integer=True) if x in indices else Symbol(names[x])
        elif isinstance(x, Symbol) and x.name in scalar_names and x not in indices:
            mapping[x] = Symbol(names[scalar_names[x.name]])
    expr = expr.replace(lambda e: isinstance(e, Indexed),
                        lambda e: IndexedBase(names[str(e.base.label)])[tuple(i.xreplace(mapping) for i in e.indices)])
    expr = expr.xreplace(mapping)
    shapes = {names[str(a.label)]: (tuple(basic(d).xreplace(mapping) for d in a.shape)
                                    if getattr(a, "shape", None) is not None else None) for a in arrays}
    return (expr, [names[str(a.label)] for a in arrays], [names[s] for s in scalars],
            tuple(mapping.get(o, o) for o in outputs), shapes, display)


def _reduction_loops(g, i, lo, hi, outputs, shape_code, floater, residual_code, symmetric, parallel, streamed,
                     ranks):
    """One pass over i = lo..hi in chunks.  Each chunk adds into its own local
    accumulator `_acc`, then once into its thread's row of `_part` (the loop
    body never stores to memory another thread or another row could share)."""
    at = "[" + ", ".join(o.name for o in outputs) + "]" if outputs else ""  # [k, l]: an output entry
    target = f"_acc{g}{at}"
    if len(outputs) == 0:
        part, acc = "(_threads,)", "0.0"
    else:
        part = "(_threads, " + ", ".join(shape_code) + ")"
        acc = "numpy.zeros((" + ", ".join(shape_code) + ",))"
    before, header, top, bottom = row_loop(g, i, lo, streamed, ranks)
    lines = [f"_part{g} = numpy.zeros({part})",
             f"_lo{g}, _hi{g} = {int_code(lo)}, {int_code(hi + 1)}",
             f"_nc{g} = _chunk_count(_hi{g} - _lo{g}, _threads)",
             *before,
             f"for _c in {'numba.prange' if parallel else 'range'}(_nc{g}):",
             "    _t = numba.get_thread_id()" if parallel else "    _t = 0",
             f"    _start = _lo{g} + (_hi{g} - _lo{g}) * _c // _nc{g}",
             f"    _stop = _lo{g} + (_hi{g} - _lo{g}) * (_c + 1) // _nc{g}",
             f"    _acc{g} = {acc}",
             *("    " + line for line in floater.allocations),
             *("    " + line for line in header)]
    blocks = floater.blocks
    indent = " " * 8
    lines += [indent + line for line in top + blocks.get(1, [])]
    for depth, (o, size) in enumerate(zip(outputs, shape_code), 2):
        start = outputs[0].name if (symmetric and depth == 3) else "0"
        lines.append(f"{indent}for {o.name} in range({start}, {size}):")
        indent += "    "
        lines += [indent + line for line in blocks.get(depth, [])]
    lines.append(f"{indent}{target} += {residual_code}")
    lines += [" " * 8 + line for line in bottom]
    # element loops, not `_part[_t] += _acc`: Numba turns array expressions into nested
    # parallel loops, which doubled the compile time (4.9 s against 2.6 s for the logistic gradient)
    part = f"_part{g}[" + ", ".join(["_t"] + [o.name for o in outputs]) + "]"
    merge, total = [f"{part} += {target}"], [f"out{at} += {part}"]
    for o, size in reversed(list(zip(outputs, shape_code))):
        merge = [f"for {o.name} in range({size}):"] + ["    " + line for line in merge]
        total = [f"for {o.name} in range({size}):"] + ["    " + line for line in total]
    lines += ["    " + line for line in merge]
    lines += ["for _t in range(_threads):"] + ["    " + line for line in total]
    return lines


def _check_free(expr, outputs, known):
    allowed = set(outputs) | set(known)
    bound = {lim[0] for s in expr.atoms(Sum) for lim in s.limits}
    free = {s for s in expr.free_symbols if isinstance(s, Symbol)} - allowed - bound
    free -= {e.base.label for e in expr.atoms(Indexed)}
    if free:
        raise CodegenError(f"the expression uses {', '.join(sorted(map(str, free)))}, which are neither kernel "
                           "arguments nor output indices")


_CHUNKS = """
@numba.njit(cache=True)
def _chunk_count(rows, threads):
    \"\"\"Chunks of about 2048 rows, at least one per thread and at most 32 per thread:
    threads take chunks as they become free (dynamic scheduling), so a thread
    slowed by another process or a spinning BLAS pool does not hold up the rest.\"\"\"
    return max(1, min(rows // 2048, 32 * threads), min(rows, threads))
"""


SERIAL_WORK = 1 << 20
BLOCK_ROWS = 1024


_ONE_THREAD = """

class _one_thread:
    \"\"\"Numba at one thread for a small call: the parallel region then runs in the caller's
    thread, so no sleeping pool is woken (20-50 ms when the caller worked between calls).\"\"\"

    def __enter__(self):
        self.threads = numba.get_num_threads()
        numba.set_num_threads(1)

    def __exit__(self, *exc):
        numba.set_num_threads(self.threads)
"""


def _serial(body):
    """The core's body for a core compiled without parallel=True: its chunks in order, each
    into partial result 0."""
    return body.replace("numba.prange(", "range(").replace("numba.get_thread_id()", "0")


_ONE_BLAS_THREAD = """

_BLAS = []


def _one_blas_thread():
    \"\"\"BLAS limited to one thread while Numba's threads each multiply small blocks: a BLAS
    pool inside every thread oversubscribed the cores (247 ms against 88 ms at N = 10^6).\"\"\"
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")
"""


def _module(arrays, scalars, plan, body_lines, expr, outputs, display, parallel, products, buffers, finish):
    user = [display[a] for a in arrays + scalars]
    result = "out[" + ", ".join(display[o.name] for o in outputs) + "]" if outputs else "a scalar"
    order = [f"{display[a]} ({plan.layouts.get(a, 'not used: any shape')})" for a in arrays]
    order += [f"{display[s]} (a number)" for s in scalars]
    lines = ["Generated by derive: a loop kernel in index notation.", "",
             f"kernel({', '.join(user)}) -> {result} of",
             *textwrap.wrap(str(expr)[:600], 96, initial_indent="    ", subsequent_indent="    "), "",
             *textwrap.wrap("Arguments, in this order: " + ", ".join(order) + ".", 96), "",
             "Every call checks ranks and lengths first (the axes one index runs over must",
             "agree; explicit bounds must fit inside the arrays) and raises ArgumentError",
             "naming the array and the axis; arrays are cast to contiguous float64 once."]
    doc = '"""' + "\n".join(lines).replace("\\", "\\\\").replace('"""', "'''") + '\n"""'
    wrapper = [f"_dt = _dtype({', '.join(arrays)})"] if arrays else ["_dt = numpy.float64"]
    wrapper += [f"{a} = _array({a}, {display[a]!r}, {plan.ranks.get(a)!r}, {plan.layouts.get(a)!r}, _dt)"
                for a in arrays]
    wrapper += [f"{s} = _scalar({s}, {display[s]!r})" for s in scalars if s not in plan.sizes]
    wrapper += plan.lines
    wrapper += [f"{name} = {code}" + ("" if "#" in code else "  # a matrix product inside the loops, by BLAS")
                for name, code in products]
    wrapper += [f"{name} = numpy.empty({shape})  # NumPy's allocator: huge pages, few page faults"
                for name, shape in buffers]
    core_args = (arrays + scalars + [name for name, _ in products] + [name for name, _ in buffers] + plan.sizes
                 + ["_threads"])
    body = textwrap.indent("\n".join(body_lines), "    ")
    parallel = parallel and "numba.prange" in body  # else Numba warns that nothing ran in parallel
    call = f"core({', '.join(core_args[:-1] + ['numba.config.NUMBA_NUM_THREADS'])})"
    serial_call = f"core({', '.join(core_args[:-1] + ['1'])})"
    work = f"_work({', '.join(arrays + [name for name, _ in products])})" if arrays else "0"
    if parallel:  # small calls on one thread: waking a sleeping pool cost 20-50 ms between training steps
        wrapper.append(f"if {work} < SERIAL_WORK:")
        one = "_one_thread(), _one_blas_thread()" if "numpy.dot(" in body else "_one_thread()"
        wrapper += [f"    with {one}:", f"        out = {serial_call}"]
        wrapper.append("else:")
        if "numpy.dot(" in body:  # BLAS inside the threads: one BLAS thread each (gram.py)
            wrapper += ["    with _one_blas_thread(), numba.parallel_chunksize(1):", f"        out = {call}"]
        else:  # dynamic scheduling of the chunks (see _chunk_count)
            wrapper += ["    with numba.parallel_chunksize(1):", f"        out = {call}"]
    else:
        wrapper.append(f"out = {call}")
    wrapper += finish + [("return out if _dt is numpy.float64 else _dt(out) if numpy.ndim(out) == 0 else "
                          "out.astype(_dt)")]
    options = f"cache=True, parallel={parallel}, fastmath={{\"reassoc\", \"contract\"}}"
    if plan.boundscheck:
        options += ", boundscheck=True"
    if not parallel:  # get_thread_id in a cached function compiled without parallel=True crashed on cache load
        body = _serial(body)
    helpers = scalar_helpers(body + "\n".join(wrapper)) + (PREFETCH_HELPER if "_prefetch(" in body else "")
    helpers += _ONE_BLAS_THREAD if "_one_blas_thread()" in "\n".join(wrapper) else ""
    helpers += _ONE_THREAD if "_one_thread()" in "\n".join(wrapper) else ""
    return (f"{doc}\nimport math\n\nimport numba\nimport numpy\n\n{HELPERS}\n{_CHUNKS}\n{helpers}\n\n"
            + f"@numba.njit({options})\n"
            f"def core({', '.join(core_args)}):\n{body}\n\n\n"
            + f"SERIAL_WORK = {SERIAL_WORK}  # entries read; below this one thread does the call\n"
            + f"BLOCK_ROWS = {BLOCK_ROWS}  # rows per block of a blocked GEMM (gram.py): its buffers stay in cache\n\n\n"
            f"def kernel({', '.join(arrays + scalars)}):\n" + textwrap.indent("\n".join(wrapper), "    ") + "\n")


__all__ = ["IndexKernel", "LoopPrinter", "index_kernel", "kernel_source"]
