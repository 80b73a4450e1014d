"""Index ranges from array axes.

In index notation each summation index ranges over the array axes it
indexes: in

    sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)

i runs over X's rows and y's entries, j over X's columns and w's entries, so
X may be N x d with N != d without any declaration.  Indices and axes are
joined into classes (union-find: an index joins every axis it indexes, and
the same name is the same index everywhere in one problem); each class gets
one range, the first known of

1. a range declared for one of its indices (``"i: index N"``) or learned
   earlier in the same problem (the namespace remembers them),
2. the shape of a declared matrix it indexes (``"X: N x d"``, then X[i, j]),
3. an explicit bound written on one of its sums (``(i, 0, N - 1)``, ``(i, 1, N)``,
   a SymPy ``Sum``'s own limits),
4. a fresh size: ``n`` when the expression has one such class (as before), else
   ``n_i``, ``n_j``, ... after the class's first index.

The parser writes a placeholder bound on every sum whose range was not given
(`placeholder`) and calls `resolve` on the finished expression; the checkers
ask `index_range` for the range of a free index (x[k]) given the expressions
it occurs with.
"""

import sympy
from sympy import Dummy, Indexed, Integer, MatrixSymbol, Sum, Symbol
from sympy.matrices.expressions.matexpr import MatrixElement

from ..errors import ParseError


class _Placeholder(Dummy):
    """The not-yet-known size of a sum's range (parser only; `resolve` removes it)."""


def placeholder(index):
    """(lo, hi) for a sum over `index` whose range comes from the axes it indexes."""
    return Integer(0), _Placeholder(f"size_{index}", integer=True, positive=True) - 1


def resolve(expr, namespace):
    """`expr` with every placeholder range replaced by its class's range; the ranges
    of its indices and axes are recorded in `namespace` for later parses."""
    if not isinstance(expr, (sympy.Basic, sympy.MatrixBase)):
        return expr
    classes = _Classes([expr], namespace)
    if not classes.pending:
        classes.record(namespace)
        return expr
    ranges = classes.ranges(namespace)

    def fill(s):
        limits = []
        for index, lo, hi in s.limits:
            if any(isinstance(x, _Placeholder) for x in hi.free_symbols):
                lo, hi = ranges[classes.find(index)]
            limits.append((index, lo, hi))
        return Sum(s.function, *limits)

    out = expr.replace(lambda e: isinstance(e, Sum), fill)
    classes.record(namespace)
    return out


def learn(expr, namespace):
    """Record the ranges a user's SymPy object gives its arrays' axes (Sum(z[j], (j, 0, K - 1)): z has
    length K), so text read later in the problem (softmax(z)[k], a printed result) means the same."""
    try:
        _Classes([expr], namespace).record(namespace)
    except ParseError:  # axes of different lengths under one index: the derivation says so itself
        pass


def index_range(index, namespace, *exprs):
    """(lo, hi), both inclusive, of `index`: declared or learned in `namespace`, else
    from the axes it indexes and the sums it meets in `exprs`, else 0..n-1."""
    if index in namespace.index_ranges:
        return namespace.index_ranges[index]
    classes = _Classes([e for e in exprs if isinstance(e, (sympy.Basic, sympy.MatrixBase))], namespace)
    if index in classes.parent and classes.find(index) in classes.ranges(namespace):
        return classes.ranges(namespace)[classes.find(index)]
    return Integer(0), namespace.dimension() - 1  # an index no sum and no declared axis bounds


def axis_sizes(namespace, *exprs):
    """(array name, axis) -> size for every array axis in `exprs` whose range starts at 0.

    Loop kernels use these as the arrays' shapes, so a size is read (and checked)
    even where a derivative no longer mentions the array that fixed it."""
    classes = _Classes([e for e in exprs if isinstance(e, (sympy.Basic, sympy.MatrixBase))], namespace)
    ranges = classes.ranges(namespace)
    out = {}
    for node in classes.parent:
        if isinstance(node, tuple) and node[0] != "bound":
            lo, hi = ranges.get(classes.find(node), (None, None))
            if lo == 0:
                out[node] = hi + 1
    return out


def size_symbols(expr):
    """Symbols in sum bounds that are sizes (neither summation nor array indices)."""
    sums = expr.atoms(Sum)
    indices = {lim[0] for s in sums for lim in s.limits}
    indices |= {x for e in expr.atoms(Indexed) for i in e.indices for x in i.free_symbols}
    bounds = {x for s in sums for lim in s.limits for b in lim[1:] for x in b.free_symbols}
    return {x for x in bounds - indices if isinstance(x, Symbol) and not isinstance(x, _Placeholder)}


def _learned(namespace, name, kind):
    """The namespace's record `name` (axis ranges, size names), created on first use."""
    if not hasattr(namespace, name):
        setattr(namespace, name, kind())
    return getattr(namespace, name)


class _Classes:
    """Union-find over index symbols and axes ((array name, position) pairs)."""

    def __init__(self, exprs, namespace):
        self.parent = {}
        self.known = {}  # node -> (lo, hi) from declarations, declared shapes, explicit bounds
        self.pending = []  # (creation order, index) of sums with placeholder ranges
        self._ranges = None
        for expr in exprs:
            items = expr if isinstance(expr, sympy.MatrixBase) else [expr]
            for e in items:
                self._scan(e, namespace)

    def find(self, node):
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra

    def _scan(self, expr, namespace):
        learned = _learned(namespace, "axis_ranges", dict)
        for s in sorted(expr.atoms(Sum), key=sympy.default_sort_key):
            for index, lo, hi in s.limits:
                self.find(index)
                marks = [x for x in hi.free_symbols if isinstance(x, _Placeholder)]
                if marks:
                    self.pending.append((marks[0].dummy_index, index))
                else:
                    self.known.setdefault(("bound", index), (lo, hi))
                    self.union(index, ("bound", index))
        for e in sorted(expr.atoms(Indexed), key=sympy.default_sort_key):
            name = str(e.base.label)
            for pos, i in enumerate(e.indices):
                axis = (name, pos)
                if axis in learned:
                    self.known.setdefault(axis, learned[axis])
                self.find(axis)
                if isinstance(i, Symbol):
                    self.find(i)
                    self.union(i, axis)
        for e in sorted(expr.atoms(MatrixElement), key=sympy.default_sort_key):
            M, r, c = e.args
            if not isinstance(M, MatrixSymbol):
                continue
            positions = [(0, r, M.shape[0])] if M.shape[1] == 1 else [(0, r, M.shape[0]), (1, c, M.shape[1])]
            for pos, i, size in positions:
                axis = (M.name, pos)
                self.known[axis] = (Integer(0), size - 1)
                self.find(axis)
                if isinstance(i, Symbol):
                    self.find(i)
                    self.union(i, axis)

    def ranges(self, namespace):
        """class root -> (lo, hi): the best known range, or a fresh size for a class
        with placeholder sums; classes with neither are left out."""
        if self._ranges is not None:
            return self._ranges
        best, shapes = {}, {}
        for node in self.parent:
            found = self._known(node, namespace)
            root = self.find(node)
            if found is not None and (root not in best or found[0] < best[root][0]):
                best[root] = found
            if found is not None and found[0] == 1:  # an axis of a declared array
                shapes.setdefault(root, {})[found[1]] = node
        for root, axes in shapes.items():
            if len(axes) > 1:  # sum(z[j], j) + sum(w[j], j) with z: 3, w: 2 would drop z[2] silently
                (r1, a1), (r2, a2) = list(axes.items())[:2]
                index = next((n for n in self.parent if isinstance(n, Symbol) and self.find(n) == root), None)
                raise ParseError(f"the index {index} runs over axes of different lengths ({_axis_words(a1, r1)} and "
                                 f"{_axis_words(a2, r2)}): give the sums different index names")
        out = {root: value for root, (_, value) in best.items()}
        fresh = {}  # root -> the index whose placeholder came first
        for _, index in sorted(self.pending, key=lambda p: p[0]):
            if self.find(index) not in out:
                fresh.setdefault(self.find(index), index)
        for root, first in fresh.items():
            out[root] = (Integer(0), self._fresh_size(namespace, first, len(fresh)) - 1)
        self._ranges = out
        return out

    def _known(self, node, namespace):
        if isinstance(node, Symbol) and node in namespace.index_ranges:
            return 0, namespace.index_ranges[node]
        if node in self.known:
            return (3 if node[0] == "bound" else 1), self.known[node]
        return None

    def _fresh_size(self, namespace, first, count):
        """`n` for the only new class (if no user symbol is called n), else n_<index>."""
        used = _learned(namespace, "size_names", set)
        taken = set(namespace.names) | used | getattr(namespace, "index_names_in_text", set())
        for M in namespace.names.values():
            if isinstance(M, MatrixSymbol):
                taken |= {str(x) for d in M.shape for x in d.free_symbols}
        user_size = getattr(namespace, "user_size", lambda name: None)

        def free(name):  # one name, one variable: the user's size n (a claim's bound) is this n
            return name not in taken or (name not in used and user_size(name) is not None)

        if count == 1 and free("n"):
            name = "n"  # may be the n of a declared "A: n x n": the same symbol, as before
        else:
            base = name = f"n_{first}"
            k = 1
            while not free(name):
                name, k = f"{base}{k}", k + 1
        used.add(name)
        return user_size(name) or namespace.dimension(name)

    def record(self, namespace):
        """Remember every index's and axis's range for later parses in this problem."""
        if not self.parent:
            return
        ranges = self.ranges(namespace)
        for node in self.parent:
            value = ranges.get(self.find(node))
            if value is None:
                continue
            if isinstance(node, Symbol):
                namespace.index_ranges.setdefault(node, value)
            elif isinstance(node, tuple) and node[0] != "bound":
                _learned(namespace, "axis_ranges", dict).setdefault(node, value)


def _axis_words(axis, bounds):
    name, position = axis
    lo, hi = bounds
    return f"{name}'s {('rows', 'columns')[position] if position < 2 else f'axis {position}'}, {lo}..{hi}"
