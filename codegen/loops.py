"""Loop kernels from index notation: Sum/Indexed expressions -> Numba loop nests.

    kernel(expr, [X, w, y], index=k)        out[k]    (a vector over the free index)
    kernel(expr, [X, w, y], index=(k, l))   out[k, l] (a matrix)
    kernel(expr, [X, w, y])                 a scalar (a loss)

Arrays are `IndexedBase` arguments; every size (n in i = 0..n-1) is read from
the shape of an array indexed by that index.  The plan:

* **fused passes**: every additive term that is a sum over the same data
  index (sum_i ...) is accumulated in one loop over i, split into one chunk
  per thread (`prange`) with private partial results, added at the end;
* **hoisting**: each subexpression is computed at the outermost loop where
  all its indices are known ("let-floating").  In the logistic Hessian
  sum_i X[i,k] X[i,l] s_i (1 - s_i), s_i (a sum over j, then a sigmoid) is
  computed once per i, X[i,k] s_i (1 - s_i) once per (i, k), and the
  innermost loop is one multiply-add;
* **symmetry**: an output symmetric in (k, l) is computed for l >= k only.
"""

import textwrap
from dataclasses import dataclass

import sympy
from sympy import Add, Indexed, IndexedBase, KroneckerDelta, Mul, Sum, Symbol

from .arguments import HELPERS, plan_arguments
from .cache import load_module
from .errors import CodegenError
from .names import safe_names
from .printers import ScalarPrinter
from .rewrite import IndexMax, stable


class LoopPrinter(ScalarPrinter):
    """Scalar Numba code where array elements and index arithmetic are integers."""

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base.label)}[{', '.join(_int_code(i) for i in expr.indices)}]"

    def _print_KroneckerDelta(self, expr):
        a, b = (_int_code(i) for i in expr.args)
        return f"(1.0 if {a} == {b} else 0.0)"


def _int_code(e):
    """An index expression as integer code: k, k + 1, 2."""
    e = sympy.Integer(e) if isinstance(e, int) else e
    if e.is_Integer:
        return str(int(e))
    if e.is_Symbol:
        return e.name
    if isinstance(e, Add):  # N - 1, not (-1 + N)
        terms = sorted(e.args, key=lambda a: (a.is_Number, str(a)))
        text = " + ".join(_int_code(a) for a in terms).replace("+ -", "- ")
        return f"({text})"
    if isinstance(e, Mul):
        return "(" + "*".join(_int_code(a) for a in e.args) + ")"
    raise CodegenError(f"unsupported index expression {e}")


# ---------------------------------------------------------------------------
# planning


class _Floater:
    """Let-floating: each subexpression is computed at the outermost loop level
    where all its indices are bound.

    `levels` maps a loop variable to its level (1 = outermost loop).  Temps go
    into `blocks[level]`, in creation order; level 0 is before every loop.  A
    sum becomes an accumulator loop at the level of its free indices; its own
    indices get fractional levels between that level and the next, so its body
    can float outward too.
    """

    def __init__(self, printer, levels, prefix):
        self.printer, self.levels, self.prefix = printer, dict(levels), prefix
        self.blocks = {}
        self.count = 0
        self.sum_keys = 0
        self.cache = {}

    def level(self, e):
        return max((self.levels.get(s, 0) for s in e.free_symbols), default=0)

    def _name(self):
        self.count += 1
        return f"_{self.prefix}{self.count - 1}"

    def temp(self, expr, level):
        name = self._name()
        self.blocks.setdefault(level, []).append(f"{name} = {self.printer.doprint(expr)}")
        self.levels[Symbol(name)] = level  # a temp is known where it is computed
        return Symbol(name)

    def float_out(self, e, innermost):
        """A residual for `e`; everything computable outside `innermost` is in temps."""
        key = (e, innermost)
        if key not in self.cache:
            self.cache[key] = self._float(e, innermost)
        return self.cache[key]

    def _float(self, e, innermost):
        if e.is_Atom or isinstance(e, (Indexed, KroneckerDelta)):
            return e
        if isinstance(e, (Sum, IndexMax)):
            return self._sum(e)
        args = [self.float_out(a, innermost) for a in e.args]
        if isinstance(e, (Add, Mul)) and len(args) > 2:
            node = self._grouped(e.func, args, innermost)
        else:
            node = e.func(*args)
        level = self.level(node)
        if level < innermost and not (node.is_Atom or isinstance(node, (Indexed, KroneckerDelta))):
            return self.temp(node, level)
        return node

    def finish(self, residual, level):
        """Code for `residual` at `level`, with repeated subexpressions computed once there."""
        temps, (reduced,) = sympy.cse([residual], symbols=sympy.numbered_symbols(f"_{self.prefix}c"),
                                     order="none")
        lines = self.blocks.setdefault(level, [])
        for sym, value in temps:
            lines.append(f"{sym} = {self.printer.doprint(value)}")
        return self.printer.doprint(reduced)

    def _grouped(self, op, args, innermost):
        """op(args), combining the args known at outer levels there first."""
        by_level = {}
        for a in args:
            by_level.setdefault(self.level(a), []).append(a)
        acc = None
        for level in sorted(by_level):
            part = op(*by_level[level]) if acc is None else op(acc, *by_level[level])
            if level < innermost and not (part.is_Atom or isinstance(part, (Indexed, KroneckerDelta))):
                part = self.temp(part, level)
            acc = part
        return acc

    def _sum(self, e):
        """An accumulator loop for a Sum (or an IndexMax) at the level of its free indices."""
        level = max((self.levels.get(s, 0) for s in e.free_symbols), default=0)
        keys = []
        for index, _, _ in e.limits:
            self.sum_keys += 1
            keys.append(level + self.sum_keys * 1e-4)
            self.levels[index] = keys[-1]
        residual = self.float_out(e.function, keys[-1])
        acc = self._name()
        inside = sorted(k for k in self.blocks if keys[0] <= k < level + 1 - 1e-9)
        maximum = isinstance(e, IndexMax)  # max over the range (log-sum-exp shifts), else a sum
        code = [f"{acc} = -math.inf" if maximum else f"{acc} = 0.0"]
        indent = ""
        for n, (index, lo, hi) in enumerate(e.limits):
            code.append(f"{indent}for {index.name} in range({_int_code(lo)}, {_int_code(hi + 1)}):")
            indent += "    "
            upper = keys[n + 1] if n + 1 < len(keys) else level + 1
            for k in [k for k in inside if keys[n] <= k < upper]:
                code += [indent + line for line in self.blocks.pop(k)]
        body_lines = []
        temps, (reduced,) = sympy.cse([residual], symbols=sympy.numbered_symbols(f"{acc}c"), order="none")
        body_lines += [f"{indent}{sym} = {self.printer.doprint(value)}" for sym, value in temps]
        code += body_lines
        value = self.printer.doprint(reduced)
        code.append(f"{indent}{acc} = max({acc}, {value})" if maximum else f"{indent}{acc} += {value}")
        self.blocks.setdefault(level, []).extend(code)
        self.levels[Symbol(acc)] = level
        return Symbol(acc)


def _shared_sums(expr):
    """Equal sums written with different index names, or with factors that do not
    depend on their index inside, become one object, so each is computed once:

        sum(-y[i]*X[i, j]*w[j], j) and sum(X[i, p]*w[p], p)  ->  -y[i]*s and s, s = sum(X[i, j]*w[j], j)
    """
    seen = {}

    def share(e):
        if not isinstance(e, Sum):
            return e
        indices = {lim[0] for lim in e.limits}
        factors = Mul.make_args(e.function)
        outside = [f for f in factors if not (f.free_symbols & indices)]
        inner = Sum(Mul(*(f for f in factors if f.free_symbols & indices)), *e.limits) if outside else e
        key = inner.xreplace({lim[0]: Symbol(f"_key{n}", integer=True) for n, lim in enumerate(inner.limits)})
        return Mul(*outside, seen.setdefault(key, inner))

    return _bottom_up(expr, share)


def _bottom_up(e, fn):
    if e.is_Atom or isinstance(e, Indexed) or not e.args:
        return fn(e)
    args = [_bottom_up(a, fn) if isinstance(a, sympy.Basic) else a for a in e.args]
    return fn(e.func(*args) if args != list(e.args) else e)


@dataclass
class _Term:
    coeff: sympy.Expr
    index: Symbol
    lo: sympy.Expr
    hi: sympy.Expr
    body: sympy.Expr
    extra_limits: tuple


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


def index_kernel(expr, args, index=None, *, parallel=True, directory=None):
    """Compile an index-notation expression into a loop kernel (see module doc)."""
    if not isinstance(expr, sympy.Basic):
        raise CodegenError("index kernels take SymPy expressions; parse text with derive.parse first")
    outputs = tuple(index) if isinstance(index, (tuple, list)) else ((index,) if index is not None else ())
    arrays = [a for a in args if isinstance(a, IndexedBase)]
    scalars = [a for a in args if isinstance(a, Symbol)]
    if len(arrays) + len(scalars) != len(args):
        raise CodegenError("index kernel arguments must be IndexedBase arrays or Symbols")
    source, meta = kernel_source(expr, arrays, scalars, outputs, parallel)
    module = load_module(source, directory)
    return IndexKernel(module, expr, args, outputs, source, meta)


class IndexKernel:
    """A compiled loop kernel.  Call with arrays (and scalars) in `args` order.

    Every call checks its arguments first (ranks, lengths that must agree,
    explicit bounds inside the arrays) and raises `CodegenError` naming the
    array and the axis; arrays are cast to contiguous float64 once.
    """

    def __init__(self, module, expr, args, outputs, source, meta):
        self.module, self.expr, self.args, self.outputs, self.source = module, expr, tuple(args), outputs, source
        self.arg_names = tuple(meta["names"])
        self.shape_rank = len(outputs)
        self.plan = meta
        self._fn = module.kernel

    def __call__(self, *values):
        if len(values) != len(self.args):
            raise CodegenError(f"kernel takes {len(self.args)} arguments ({', '.join(self.arg_names)}), "
                               f"got {len(values)}")
        try:
            return self._fn(*values)
        except self.module.ArgumentError as exc:
            raise CodegenError(str(exc)) from None

    def __repr__(self):
        return f"<IndexKernel ({', '.join(self.arg_names)}) -> rank {self.shape_rank}>"


def kernel_source(expr, arrays, scalars, outputs, parallel=True):
    """(module text, plan facts) for `expr` as a function of `arrays` then `scalars`."""
    expr, arrays, scalars, outputs, shapes, display = _renamed(expr, arrays, scalars, outputs)
    expr = _shared_sums(stable(expr))
    plan = plan_arguments(expr, arrays, scalars, outputs, shapes, display)
    printer = LoopPrinter()
    _check_free(expr, outputs, [Symbol(s) for s in scalars] + [Symbol(s) for s in plan.sizes])

    shape_code = [plan.output_sizes[o] for o in outputs]
    symmetric = len(outputs) == 2 and sympy.expand(
        expr.xreplace({outputs[0]: outputs[1], outputs[1]: outputs[0]}) - expr) == 0
    terms = Add.make_args(sympy.expand_mul(expr, deep=False))
    reductions, pointwise = {}, []
    for term in terms:
        red = _reduction(term, outputs)
        if red is not None and not (red.coeff.free_symbols & set(outputs)):
            reductions.setdefault((red.lo, red.hi), []).append(red)
        else:
            pointwise.append(term)

    out_shape = "(" + ", ".join(shape_code) + ("," if len(shape_code) == 1 else "") + ")"
    lines = [f"out = numpy.zeros({out_shape})" if outputs else "out = 0.0"]

    # sum_i w_i A[i,k] B[i,l] is a weighted Gram matrix: compute the weights in one
    # fused parallel pass and leave the product to BLAS (SYRK when A is B, w >= 0)
    gram = None
    if len(outputs) == 2 and len(reductions) == 1 and len(next(iter(reductions.values()))) == 1:
        gram = _gram_pattern(next(iter(reductions.values()))[0], outputs)
    if gram is not None:
        (lo, hi), (term,) = next(iter(reductions.items()))
        reductions = {}
        i = Symbol("i0")
        fl = _Floater(printer, {i: 1}, "w")
        residual = fl.float_out(gram["weight"].xreplace({term.index: i}), 1)
        lines += fl.blocks.pop(0, [])
        fused = gram["A"] == gram["B"] and not gram["A"].endswith(".T")
        lines += [f"_lo, _hi = {_int_code(lo)}, {_int_code(hi + 1)}",
                  "_w = numpy.empty(_hi - _lo)",
                  f"_s = numpy.empty((_hi - _lo, {gram['A']}.shape[1]))" if fused else "_s = numpy.empty((0, 0))",
                  f"for {i.name} in {'numba.prange' if parallel else 'range'}(_lo, _hi):"]
        weight_code = fl.finish(residual, 1)
        lines += ["    " + line for line in fl.blocks.pop(1, [])]
        lines.append(f"    _w[{i.name} - _lo] = {weight_code}")
        if fused:  # the scaled rows sqrt(w_i) A[i, :], written in the same pass
            lines += [f"    _root = math.sqrt(_w[{i.name} - _lo]) if _w[{i.name} - _lo] > 0.0 else 0.0",
                      f"    for _t in range({gram['A']}.shape[1]):",
                      f"        _s[{i.name} - _lo, _t] = _root * {gram['A']}[{i.name}, _t]"]

    # fused data passes: all terms summing over the same range share one loop,
    # split into chunks that the threads take as they become free, each thread
    # adding into its own (padded) partial result
    for g, ((lo, hi), group) in enumerate(reductions.items()):
        i = Symbol(f"i{g}")
        bodies = []
        for t in group:
            body = t.body.xreplace({t.index: i})
            if t.extra_limits:
                body = Sum(body, *[(lim[0], lim[1].xreplace({t.index: i}), lim[2].xreplace({t.index: i}))
                                   for lim in t.extra_limits])
            bodies.append(t.coeff * body)
        levels = {i: 1, **{o: depth for depth, o in enumerate(outputs, 2)}}
        fl = _Floater(printer, levels, f"r{g}_")
        residual = fl.float_out(_shared_sums(Add(*bodies)), len(outputs) + 1)
        code = fl.finish(residual, len(outputs) + 1)
        lines += fl.blocks.pop(0, [])
        lines += _reduction_loops(g, i, lo, hi, outputs, shape_code, fl.blocks, code, symmetric, parallel)

    # the other terms: loops over the outputs, inner sums as local loops
    if pointwise:
        fl = _Floater(printer, {o: depth for depth, o in enumerate(outputs, 1)}, "p")
        residual = fl.float_out(Add(*pointwise), len(outputs))
        code = fl.finish(residual, len(outputs))
        lines += fl.blocks.pop(0, [])
        indent = ""
        for depth, (o, size) in enumerate(zip(outputs, shape_code), 1):
            start = outputs[0].name if (symmetric and depth == 2) else "0"
            lines.append(f"{indent}for {o.name} in range({start}, {size}):")
            indent += "    "
            lines += [indent + line for line in fl.blocks.get(depth, [])]
        target = f"[{', '.join(o.name for o in outputs)}]" if outputs else ""
        lines.append(f"{indent}out{target} += {code}")
    if symmetric:
        a, b = (o.name for o in outputs)
        lines += [f"for {a} in range({shape_code[0]}):", f"    for {b} in range({a}):",
                  f"        out[{a}, {b}] = out[{b}, {a}]"]
    lines.append("return out, _w, _s" if gram is not None else "return out")

    source = _module(arrays, scalars, plan, lines, expr, outputs, display, parallel, gram)
    return source, {"names": [display[a] for a in arrays + scalars], "symmetric": symmetric,
                    "gram": gram is not None, "boundscheck": plan.boundscheck}


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
    indices |= {x for e in expr.atoms(Indexed) for i in e.indices for x in sympy.sympify(i).free_symbols}
    bound_syms = {x for _, lo, hi in limits for x in (lo.free_symbols | hi.free_symbols)}
    shape_syms = {x for a in arrays if getattr(a, "shape", None) is not None
                  for d in a.shape for x in sympy.sympify(d).free_symbols}
    sizes = sorted((bound_syms | shape_syms) - indices - set(scalars), key=str)
    names = safe_names([str(a.label) for a in arrays] + list(scalars) + sizes + sorted(indices, key=str))
    if len(set(names[str(a.label)] for a in arrays)) != len(arrays):
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
    shapes = {names[str(a.label)]: (tuple(sympy.sympify(d).xreplace(mapping) for d in a.shape)
                                    if getattr(a, "shape", None) is not None else None) for a in arrays}
    return (expr, [names[str(a.label)] for a in arrays], [names[s] for s in scalars],
            tuple(mapping.get(o, o) for o in outputs), shapes, display)


def _gram_pattern(term, outputs):
    """sum_i w_i * A[i, k] * B[i, l] (w free of k, l): the arrays and the weight, or None."""
    k, l = outputs
    if term.extra_limits:
        return None
    i = term.index
    factors = Mul.make_args(term.coeff * term.body)
    with_k = [f for f in factors if k in f.free_symbols]
    with_l = [f for f in factors if l in f.free_symbols]
    if len(with_k) != 1 or len(with_l) != 1 or with_k[0] is with_l[0]:
        return None
    A, B = with_k[0], with_l[0]
    for F, o in ((A, k), (B, l)):
        if not (isinstance(F, Indexed) and len(F.indices) == 2 and set(F.indices) == {i, o}):
            return None
    weight = Mul(*(f for f in factors if f is not A and f is not B))
    if weight.free_symbols & {k, l}:
        return None

    def rows_are_data(F, o):  # the matrix whose rows run over the data index
        return f"{F.base.label}" if F.indices == (i, o) else f"{F.base.label}.T"

    return {"weight": weight, "A": rows_are_data(A, k), "B": rows_are_data(B, l)}


def _reduction_loops(g, i, lo, hi, outputs, shape_code, blocks, residual_code, symmetric, parallel):
    """One pass over i = lo..hi in chunks; each thread adds into its own row of
    `_part` (padded so that two threads never write the same cache line)."""
    if len(outputs) == 0:
        pad = "(_threads, 8)"
    elif len(outputs) == 1:
        pad = f"(_threads, {shape_code[0]} + 8)"
    else:
        pad = "(_threads, " + ", ".join([f"{shape_code[0]} + 1"] + shape_code[1:]) + ")"
    target = ", ".join(["_t"] + ([o.name for o in outputs] if outputs else ["0"]))
    lines = [f"_part{g} = numpy.zeros({pad})",
             f"_lo{g}, _hi{g} = {_int_code(lo)}, {_int_code(hi + 1)}",
             f"_nc{g} = _chunk_count(_hi{g} - _lo{g}, _threads)",
             f"for _c in {'numba.prange' if parallel else 'range'}(_nc{g}):",
             f"    _t = numba.get_thread_id()" if parallel else "    _t = 0",
             f"    _start = _lo{g} + (_hi{g} - _lo{g}) * _c // _nc{g}",
             f"    _stop = _lo{g} + (_hi{g} - _lo{g}) * (_c + 1) // _nc{g}",
             f"    for {i.name} in range(_start, _stop):"]
    indent = " " * 8
    lines += [indent + line for line in blocks.get(1, [])]
    for depth, (o, size) in enumerate(zip(outputs, shape_code), 2):
        start = outputs[0].name if (symmetric and depth == 3) else "0"
        lines.append(f"{indent}for {o.name} in range({start}, {size}):")
        indent += "    "
        lines += [indent + line for line in blocks.get(depth, [])]
    lines.append(f"{indent}_part{g}[{target}] += {residual_code}")
    lines.append("for _t in range(_threads):")
    if not outputs:
        lines.append(f"    out += _part{g}[_t, 0]")
    else:
        lines.append(f"    out += _part{g}[_t, :{shape_code[0]}]")
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


def _module(arrays, scalars, plan, body_lines, expr, outputs, display, parallel, gram=None):
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
    casts = [f"    {a} = _array({a}, {display[a]!r}, {plan.ranks.get(a)!r}, {plan.layouts.get(a)!r})"
             for a in arrays]
    casts += [f"    {s} = _scalar({s}, {display[s]!r})" for s in scalars if s not in plan.sizes]
    checks = textwrap.indent("\n".join(plan.lines), "    ")
    core_args = ", ".join(arrays + scalars + plan.sizes + ["_threads"])
    body = textwrap.indent("\n".join(body_lines), "    ")
    parallel = parallel and "numba.prange" in body  # else Numba warns that nothing ran in parallel
    call = f"core({core_args.replace('_threads', 'numba.config.NUMBA_NUM_THREADS')})"
    if parallel:
        call_lines = ["    with numba.parallel_chunksize(1):", f"        result = {call}"]
    else:
        call_lines = [f"    result = {call}"]
    if gram is None:
        tail = "\n".join(call_lines) + "\n    return result\n"
    else:
        a, b = gram["A"], gram["B"]
        tail = ("\n".join(call_lines) + "\n    out, w, s = result\n"
                + ("    if s.size and numpy.all(w >= 0):  # A^T diag(w) A = S^T S, S = diag(sqrt w) A: SYRK\n"
                   "        return out + s.T @ s\n" if a == b else "")
                + f"    a = numpy.ascontiguousarray({a})\n"
                + f"    return out + a.T @ (numpy.ascontiguousarray({b}) * w[:, None])\n")
    options = f"cache=True, parallel={parallel}, fastmath={{\"reassoc\", \"contract\"}}"
    if plan.boundscheck:
        options += ", boundscheck=True"
    return (f"{doc}\nimport math\n\nimport numba\nimport numpy\n\n{HELPERS}\n{_CHUNKS}\n\n"
            f"@numba.njit({options})\n"
            f"def core({core_args}):\n{body}\n\n\n"
            f"def kernel({', '.join(arrays + scalars)}):\n" + "\n".join(casts) + ("\n" if casts else "")
            + (checks + "\n" if plan.lines else "") + tail)


__all__ = ["IndexKernel", "LoopPrinter", "index_kernel", "kernel_source"]
