"""Matrix products inside loop bodies become one BLAS call before the loops.

    tanh(sum(W[k, j]*X[i, j], j))   ->   tanh(_P0[i, k]),   _P0 = X @ W.T   (computed once, by BLAS)

A sum over j of two array entries whose other indices are two different
loop indices is an entry of a matrix product.  Computed in the loop nest it
costs one scalar multiply-add per (i, k, j), repeated wherever the loop
structure revisits it; BLAS computes the whole product several times faster.
A sum with one free index (X[i, j] w[j], a matrix-vector product) stays in
the fused pass, which reads X once for everything else it needs.  The
product's rows run over the index of the outer loop (the data index before
an index summed inside it, output indices in between), so the loops read it
row by row.
"""

import re

from sympy import Basic, Function, Indexed, IndexedBase, Mul, Sum, Symbol

from .floating import bottom_up, int_code


def hoist_products(expr, arrays, ranks):
    """(expr with products replaced by new arrays, [(name, NumPy code)], new ranks, and
    {name: (left rows code, right rows code, lo, hi)}: name[r, c] = sum_j left[r, j] right[c, j]
    over j = lo..hi, for a pass that computes a product block by block).

    Rounds until nothing is left: once tanh(X @ W1) is mapped by NumPy it is an array, and
    its product with W2 (a two-layer network's output) is a product too."""
    code, specs, arrays = [], {}, list(arrays)
    while True:
        expr, found = _hoisted(expr, arrays, len(code))
        if not found:
            break
        new = [(name, (f"numpy.ascontiguousarray({a}[:, {int_code(lo)}:{int_code(hi + 1)}] @ "
                       f"{b}[:, {int_code(lo)}:{int_code(hi + 1)}].T)")) for (a, b, lo, hi), name in found.items()]
        expr, new, mapped = _mapped(expr, new)
        # a product mapped by f in the wrapper is no longer a plain product a pass could make by blocks
        specs.update({name: key for key, name in found.items() if name not in mapped})
        code += new
        arrays += [name for name, _ in new]
    new_ranks = dict(ranks)
    new_ranks.update({name: 2 for name, _ in code})
    return expr, code, new_ranks, specs


def _hoisted(expr, arrays, first):
    """One round: expr with each product of two arrays replaced by _P<n> (n from `first`)."""
    found = {}
    depth = _depths(expr)

    def replace(e):
        if not isinstance(e, Sum) or len(e.limits) != 1:
            return e
        j, lo, hi = e.limits[0]
        factors = Mul.make_args(e.function)
        if len(factors) != 2 or not all(isinstance(f, Indexed) and len(f.indices) == 2 for f in factors):
            return e
        sides = [_other_index(f, j) for f in factors]
        if None in sides or sides[0][0] == sides[1][0] or any(str(f.base.label) not in arrays for f in factors):
            return e
        (i, a), (k, b) = sides
        if depth.get(k, 0.5) < depth.get(i, 0.5):  # rows: the index of the outer loop, so rows are contiguous
            (i, a), (k, b) = (k, b), (i, a)
        name = found.setdefault((a, b, lo, hi), f"_P{first + len(found)}")
        return IndexedBase(name)[i, k]

    return bottom_up(expr, replace), found


def _mapped(expr, code):
    """A product that only ever appears as f(P[i, k]) for one function f (tanh(X @ W.T), a
    hidden layer) is mapped once, by NumPy's vectorized f, in the wrapper.  Returns the
    expression, the code, and the names of the products so mapped."""
    from ..printing.printers import ArrayPrinter

    names = set()
    for n, (name, product) in enumerate(code):
        uses = [e for e in expr.atoms(Indexed) if str(e.base.label) == name]
        parents = {p for p in expr.atoms(Function) if any(a in uses for a in p.args)}
        if len(parents) != len(uses) or len({(p.func, len(p.args)) for p in parents}) != 1:
            continue
        (fn,) = {p.func for p in parents}
        if any(len(p.args) != 1 for p in parents):
            continue
        arg = Symbol(name)
        mapped = ArrayPrinter().doprint(fn(arg))
        if re.fullmatch(rf"numpy\.\w+\({name}\)", mapped):  # a NumPy ufunc: in place, one fresh array, not two
            mapped = f"{mapped[:-1]}, out={name})".replace(f"({name},", f"(({name} := {product}),", 1)
        else:
            mapped = mapped.replace(name, product, 1)
        expr = expr.xreplace({p: p.args[0] for p in parents})
        code[n] = (name, f"{mapped}  # the elementwise {fn.__name__} once, vectorized")
        names.add(name)
    return expr, code, names


def _depths(expr):
    """index -> how many sums enclose the sum that binds it (0: a top-level sum over the data)."""
    out = {}

    def visit(e, level):
        if isinstance(e, Sum):
            for lim in e.limits:
                out.setdefault(lim[0], level)
            level += 1
        for a in e.args:
            if isinstance(a, Basic):
                visit(a, level)

    visit(expr, 0)
    return out


def _other_index(f, j):
    """(the other index, NumPy code with it as rows and j as columns) for f[., j], or None."""
    (p, q), name = f.indices, str(f.base.label)
    if q == j and isinstance(p, Symbol) and p != j:
        return p, name
    if p == j and isinstance(q, Symbol) and q != j:
        return q, f"{name}.T"
    return None


__all__ = ["hoist_products"]
