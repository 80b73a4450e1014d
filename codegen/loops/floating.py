"""Let-floating: each subexpression of a loop body is computed at the outermost
loop where all its indices are known.

In the logistic Hessian sum_i X[i,k] X[i,l] s_i (1 - s_i), s_i (a sum over j,
then a sigmoid) is computed once per i, X[i,k] s_i (1 - s_i) once per (i, k),
and the innermost loop is one multiply-add.  `LoopPrinter` prints the scalar
code (array elements, integer index arithmetic); `Floater` decides where each
piece goes.
"""

import sympy
from sympy import Add, Indexed, KroneckerDelta, Mul, Sum, Symbol

from ..errors import CodegenError
from ..printing.printers import ScalarPrinter
from ..printing.rewrite import IndexMax


class LoopPrinter(ScalarPrinter):
    """Scalar Numba code where array elements and index arithmetic are integers."""

    def _print_Indexed(self, expr):
        return f"{self._print(expr.base.label)}[{', '.join(int_code(i) for i in expr.indices)}]"

    def _print_KroneckerDelta(self, expr):
        a, b = (int_code(i) for i in expr.args[:2])  # a third argument is SymPy's range of the indices
        return f"(1.0 if {a} == {b} else 0.0)"


def int_code(e):
    """An index expression as integer code: k, k + 1, 2."""
    e = sympy.Integer(e) if isinstance(e, int) else e
    if e.is_Integer:
        return str(int(e))
    if e.is_Symbol:
        return e.name
    if isinstance(e, Add):  # N - 1, not (-1 + N)
        terms = sorted(e.args, key=lambda a: (a.is_Number, str(a)))
        text = " + ".join(int_code(a) for a in terms).replace("+ -", "- ")
        return f"({text})"
    if isinstance(e, Mul):
        return "(" + "*".join(int_code(a) for a in e.args) + ")"
    raise CodegenError(f"unsupported index expression {e}")


class Floater:
    """Let-floating: each subexpression is computed at the outermost loop level
    where all its indices are bound.

    `levels` maps a loop variable to its level (1 = outermost loop).  Temps go
    into `blocks[level]`, in creation order; level 0 is before every loop.  A
    sum becomes an accumulator loop at the level of its free indices; its own
    indices get fractional levels between that level and the next, so its body
    can float outward too.
    """

    def __init__(self, printer, levels, prefix, sizes=None):
        self.printer, self.levels, self.prefix = printer, dict(levels), prefix
        self.sizes = dict(sizes or {})  # loop index -> its size code (row vectors, below)
        self.blocks = {}
        self.allocations = []  # arrays for row vectors: allocated before the rows (once per chunk)
        self.origin = {}  # temp -> the expression it holds
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
        self.origin[Symbol(name)] = expr
        return Symbol(name)

    def _inlined(self, node, level):
        """node with the temps computed deeper than `level` written out again."""
        while True:
            deep = {s: self.origin[s] for s in node.free_symbols if s in self.origin and self.levels[s] > level}
            if not deep:
                return node
            node = node.xreplace(deep)

    def float_out(self, e, innermost):
        """A residual for `e`; everything computable outside `innermost` is in temps."""
        key = (e, None if isinstance(e, (Sum, IndexMax)) else innermost)  # a sum is one accumulator
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
        if node.is_Atom or isinstance(node, (Indexed, KroneckerDelta)):
            return node
        vector = self._row_vector(node)
        if vector is not None:
            return vector
        level = self.level(node)
        return self.temp(node, level) if level < innermost else node

    def _row_vector(self, node):
        """A costly node of the row (or nothing) and one deeper loop index o, with a loop
        in between, is computed for every o once per row into a small array: in
        sum_i X[i,k] X[i,l] p(i,a) p(i,b), p(i,b) is computed per (i, b), not per (i, k, a, l, b)."""
        if not node.atoms(sympy.Function):
            return None
        full = self._inlined(node, 1)
        deps = {s: self.levels[s] for s in full.free_symbols if s in self.levels}
        deeper = [s for s, lv in deps.items() if lv > 1]
        if len(deeper) != 1 or deeper[0] not in self.sizes:
            return None
        o = deeper[0]
        fill = max((lv for s, lv in deps.items() if s != o), default=0)
        # a loop between the row and o (an output loop, or one around a sum over o) repeats the node
        between = any(fill < self.levels[x] < deps[o] and int(self.levels[x]) == self.levels[x]
                      for x in self.sizes if x in self.levels)
        if not between or fill not in (0, 1):
            return None
        node = full
        name = self._name() + "v"
        alloc = f"{name} = numpy.empty({self.sizes[o]})"
        (self.allocations if fill == 1 else self.blocks.setdefault(0, [])).append(alloc)
        self.blocks.setdefault(fill, []).extend([f"for {o.name} in range({self.sizes[o]}):",
                                                 f"    {name}[{o.name}] = {self.printer.doprint(node)}"])
        return sympy.IndexedBase(name)[o]

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
        for index, lo, hi in e.limits:
            self.sum_keys += 1
            keys.append(level + self.sum_keys * 1e-4)
            self.levels[index] = keys[-1]
            if lo == 0 and not (hi.free_symbols & set(self.levels)) and index not in self.sizes:
                self.sizes[index] = int_code(hi + 1)  # a row vector over the sum's index (_row_vector)
        residual = self.float_out(e.function, keys[-1])
        acc = self._name()
        inside = sorted(k for k in self.blocks if keys[0] <= k < level + 1 - 1e-9)
        maximum = isinstance(e, IndexMax)  # max over the range (log-sum-exp shifts), else a sum
        code = [f"{acc} = -math.inf" if maximum else f"{acc} = 0.0"]
        indent = ""
        for n, (index, lo, hi) in enumerate(e.limits):
            code.append(f"{indent}for {index.name} in range({int_code(lo)}, {int_code(hi + 1)}):")
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


def bottom_up(e, fn):
    """fn applied to every node of e, children first (arrays and their indices are leaves)."""
    if e.is_Atom or isinstance(e, Indexed) or not e.args:
        return fn(e)
    args = [bottom_up(a, fn) if isinstance(a, sympy.Basic) else a for a in e.args]
    return fn(e.func(*args) if args != list(e.args) else e)


__all__ = ["Floater", "LoopPrinter", "bottom_up", "int_code"]
