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

from .cache import load_module
from .errors import CodegenError
from .names import safe_names
from .printers import ScalarPrinter


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
    if isinstance(e, Add):
        return "(" + " + ".join(_int_code(a) for a in e.args) + ")"
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
        if isinstance(e, Sum):
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
        level = max((self.levels.get(s, 0) for s in e.free_symbols), default=0)
        keys = []
        for index, _, _ in e.limits:
            self.sum_keys += 1
            keys.append(level + self.sum_keys * 1e-4)
            self.levels[index] = keys[-1]
        residual = self.float_out(e.function, keys[-1])
        acc = self._name()
        inside = sorted(k for k in self.blocks if keys[0] <= k < level + 1 - 1e-9)
        code = [f"{acc} = 0.0"]
        indent = ""
        for n, (index, lo, hi) in enumerate(e.limits):
            code.append(f"{indent}for {index.name} in range({_int_code(lo)}, {_int_code(hi)} + 1):")
            indent += "    "
            upper = keys[n + 1] if n + 1 < len(keys) else level + 1
            for k in [k for k in inside if keys[n] <= k < upper]:
                code += [indent + line for line in self.blocks.pop(k)]
        body_lines = []
        temps, (reduced,) = sympy.cse([residual], symbols=sympy.numbered_symbols(f"{acc}c"), order="none")
        body_lines += [f"{indent}{sym} = {self.printer.doprint(value)}" for sym, value in temps]
        code += body_lines
        code.append(f"{indent}{acc} += {self.printer.doprint(reduced)}")
        self.blocks.setdefault(level, []).extend(code)
        self.levels[Symbol(acc)] = level
        return Symbol(acc)


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
    """A compiled loop kernel.  Call with arrays (and scalars) in `args` order."""

    def __init__(self, module, expr, args, outputs, source, meta):
        self.module, self.expr, self.args, self.outputs, self.source = module, expr, tuple(args), outputs, source
        self.arg_names = tuple(meta["names"])
        self.shape_rank = len(outputs)
        self._fn = module.kernel

    def __call__(self, *values):
        if len(values) != len(self.args):
            raise CodegenError(f"kernel takes {len(self.args)} arguments ({', '.join(self.arg_names)}), "
                               f"got {len(values)}")
        return self._fn(*values)

    def __repr__(self):
        return f"<IndexKernel ({', '.join(self.arg_names)}) -> rank {self.shape_rank}>"


def kernel_source(expr, arrays, scalars, outputs, parallel=True):
    names = safe_names(list(arrays) + list(scalars))
    expr = expr.xreplace({**{a.label: Symbol(names[a]) for a in arrays}, **{s: Symbol(names[s]) for s in scalars}})
    expr = expr.replace(lambda e: isinstance(e, Indexed), lambda e: IndexedBase(e.base.label)[e.indices])
    sizes = _sizes(expr, outputs)
    printer = LoopPrinter()
    _check_free(expr, outputs, [Symbol(names[s]) for s in scalars])

    shape_code = [sizes[o] for o in outputs]
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
        lines += [f"_lo, _hi = {_int_code(lo)}, {_int_code(hi)} + 1",
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
    # split into one chunk per thread with private partial results
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
        residual = fl.float_out(Add(*bodies), len(outputs) + 1)
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

    arg_names = [names[a] for a in arrays] + [names[s] for s in scalars]
    size_lines = [f"{sym} = {code}" for sym, code in _size_bindings(expr, sizes)]
    source = _module(arg_names, [names[a] for a in arrays], size_lines, lines, expr, outputs, parallel, gram)
    return source, {"names": arg_names, "symmetric": symmetric, "gram": gram is not None}


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
    part_shape = "(_chunks" + "".join(f", {s}" for s in shape_code) + ")"
    target = ", ".join(["_c"] + [o.name for o in outputs])
    lines = [f"_part{g} = numpy.zeros({part_shape})",
             f"_lo{g}, _hi{g} = {_int_code(lo)}, {_int_code(hi)} + 1",
             f"for _c in {'numba.prange' if parallel else 'range'}(_chunks):",
             f"    _start = _lo{g} + (_hi{g} - _lo{g}) * _c // _chunks",
             f"    _stop = _lo{g} + (_hi{g} - _lo{g}) * (_c + 1) // _chunks",
             f"    for {i.name} in range(_start, _stop):"]
    indent = " " * 8
    lines += [indent + line for line in blocks.get(1, [])]
    for depth, (o, size) in enumerate(zip(outputs, shape_code), 2):
        start = outputs[0].name if (symmetric and depth == 3) else "0"
        lines.append(f"{indent}for {o.name} in range({start}, {size}):")
        indent += "    "
        lines += [indent + line for line in blocks.get(depth, [])]
    lines.append(f"{indent}_part{g}[{target}] += {residual_code}")
    lines.append("for _c in range(_chunks):")
    lines.append(f"    out += _part{g}[_c]")
    return lines


def _sizes(expr, outputs):
    """index symbol -> code for its range size, read from an array's shape."""
    found = {}
    for element in sorted(expr.atoms(Indexed), key=str):
        for pos, idx in enumerate(element.indices):
            if idx.is_Symbol and idx not in found:
                found[idx] = f"{element.base.label}.shape[{pos}]"
    for o in outputs:
        if o not in found:
            raise CodegenError(f"the output index {o} indexes no array, so its range is unknown")
    return found


def _size_bindings(expr, sizes):
    """Size symbols in sum bounds (n in i = 0..n-1), bound from array shapes."""
    bindings = {}
    for s in expr.atoms(Sum):
        for index, lo, hi in s.limits:
            for sym in (hi.free_symbols | lo.free_symbols):
                if sym in bindings or sym == index:
                    continue
                if index in sizes and sympy.simplify(hi - (sym - 1)) == 0 and lo == 0:
                    bindings[sym] = sizes[index]
    return [(sym.name, code) for sym, code in bindings.items()]


def _check_free(expr, outputs, scalar_syms):
    allowed = set(outputs) | set(scalar_syms)
    bound = {lim[0] for s in expr.atoms(Sum) for lim in s.limits}
    size_syms = {x for s in expr.atoms(Sum) for lim in s.limits for x in (lim[1].free_symbols | lim[2].free_symbols)}
    labels = {e.base.label for e in expr.atoms(Indexed)}
    free = {s for s in expr.free_symbols if isinstance(s, Symbol)} - allowed - bound - size_syms - labels
    free -= {i for e in expr.atoms(Indexed) for i in e.free_symbols if i in bound}
    if free:
        raise CodegenError(f"the expression uses {', '.join(sorted(map(str, free)))}, which are neither kernel "
                           "arguments nor output indices")


def _module(arg_names, array_names, size_lines, body_lines, expr, outputs, parallel, gram=None):
    doc = (f'"""Generated by derive: a loop kernel in index notation.\n\n'
           f'kernel({", ".join(arg_names)}) -> '
           f'{"out[" + ", ".join(o.name for o in outputs) + "]" if outputs else "a scalar"} of\n'
           f'    {str(expr)[:300]}\n"""')
    conv = [f"    {a} = numpy.ascontiguousarray({a}, dtype=numpy.float64)" for a in array_names]
    core_args = ", ".join(arg_names)
    body = textwrap.indent("\n".join(size_lines + body_lines), "    ")
    call = f"core({core_args}, max(1, numba.get_num_threads()))"
    if gram is None:
        tail = f"    return {call}\n"
    else:
        a, b = gram["A"], gram["B"]
        tail = (f"    out, w, s = {call}\n"
                + ("    if s.size and numpy.all(w >= 0):  # A^T diag(w) A = S^T S, S = diag(sqrt w) A: SYRK\n"
                   "        return out + s.T @ s\n" if a == b else "")
                + f"    a = numpy.ascontiguousarray({a})\n"
                + f"    return out + a.T @ (numpy.ascontiguousarray({b}) * w[:, None])\n")
    return (f"{doc}\nimport math\n\nimport numba\nimport numpy\n\n\n"
            f"@numba.njit(cache=True, parallel={parallel}, fastmath={{\"reassoc\", \"contract\"}})\n"
            f"def core({core_args}, _chunks):\n{body}\n\n\n"
            f"def kernel({core_args}):\n" + "\n".join(conv) + ("\n" if conv else "") + tail)


__all__ = ["IndexKernel", "LoopPrinter", "index_kernel", "kernel_source"]
