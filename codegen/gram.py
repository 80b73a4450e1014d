"""Weighted Gram matrices go to BLAS: out[K, L] += sum_i w_i A(i, K) B(i, L).

Logistic and ridge Hessians, Fisher information, the last layer of a network,
softmax regression: a sum over the data of a weight times a product of two
"rows", one for the first half K of the output indices and one for the
second half L.  A loop nest over (i, K, L) does N |K| |L| scalar
multiply-adds; BLAS does the same product several times faster.  The plan:

* one pass over the rows i computes the weight w_i and the rows A(i, K) (any
  expression: X[i, k], tanh(T[i, k]), X[i, k] p(i, a)), scaled so that the
  product is one BLAS call:
  - A is B:   S[i, :] = sqrt(|w_i|) A(i, :), out = +-S^T S (SYRK) when the
    signs of w agree, else S^T (sign(w) S);
  - A is not B: SA[i, :] = w_i A(i, :), and B(i, :) (the array itself when B
    is one), out = SA^T B (GEMM);
  - w constant and A an array:  out = w A^T A, no pass at all;
* a Kronecker delta between an index a of K and b of L (softmax regression:
  X[i,k] X[i,l] p(i,a) delta(a, b)) makes it one Gram matrix per value of a,
  a batched matrix product written into the diagonal blocks out[:, a, :, a];
* the pass is serial: a Numba thread pool running next to BLAS's pool (whose
  threads spin for a while after each call) made the Hessian 2-4 times slower
  and unsteady on a 2-core machine (docs/kernels.md, "Steady timings").
"""

from dataclasses import dataclass

import sympy
from sympy import Indexed, KroneckerDelta, Mul, Symbol

from .floating import Floater, int_code


@dataclass
class Gram:
    index: Symbol  # the data index i
    lo: sympy.Expr
    hi: sympy.Expr
    weight: sympy.Expr  # w_i (free of the outputs)
    A: sympy.Expr  # A(i, K)
    B: sympy.Expr  # B(i, L)
    K: tuple
    L: tuple
    coupling: tuple | None  # (a in K, b in L) for a factor delta(a, b)

    @property
    def symmetric(self):
        return self.B == self.A.xreplace(dict(zip(self.K, self.L)))


def gram_pattern(term, outputs):
    """sum_i w_i * A(i, K) * B(i, L) [* delta(a, b)] for a reduction term over i, or None."""
    if len(outputs) < 2 or len(outputs) % 2 or term.extra_limits:
        return None
    half = len(outputs) // 2
    K, L = tuple(outputs[:half]), tuple(outputs[half:])
    a_factors, b_factors, weight, coupling = [], [], [], None
    for f in Mul.make_args(term.coeff * term.body):
        outs = f.free_symbols & set(outputs)
        if isinstance(f, KroneckerDelta) and len(outs) == 2 and coupling is None:
            x, y = f.args[:2]
            if x in K and y in L:
                coupling = (x, y)
                continue
            if y in K and x in L:
                coupling = (y, x)
                continue
        if not outs:
            weight.append(f)
        elif outs <= set(K):
            a_factors.append(f)
        elif outs <= set(L):
            b_factors.append(f)
        else:
            return None
    A, B = Mul(*a_factors), Mul(*b_factors)
    covered_k = A.free_symbols | ({coupling[0]} if coupling else set())
    covered_l = B.free_symbols | ({coupling[1]} if coupling else set())
    if not (set(K) <= covered_k and set(L) <= covered_l):
        return None  # constant along an output index: the loops do it
    return Gram(term.index, term.lo, term.hi, Mul(*weight), A, B, K, L, coupling)


def _array_rows(A, i, k):
    """'X' when A is X[i, k], 'X.T' when it is X[k, i]; None for any other expression."""
    if isinstance(A, Indexed) and len(A.indices) == 2 and set(A.indices) == {i, k}:
        return str(A.base.label) + ("" if A.indices == (i, k) else ".T")
    return None


def _rows_code(rows, lo, hi):
    """The data rows lo..hi-1 of an array (X[lo:hi]) or of a transposed one (X[:, lo:hi].T)."""
    return f"{rows[:-2]}[:, {lo}:{hi}].T" if rows.endswith(".T") else f"{rows}[{lo}:{hi}]"


def gram_code(gram, printer, sizes, p="_g"):
    """(core lines, wrapper lines) adding the Gram term to `out`.

    `sizes` maps output indices to their size names; every name made here
    starts with the prefix `p`.  The core defines ``{p}a, {p}b, {p}w`` (the
    scaled rows A, the rows B or the signs of w, a constant weight) and returns
    them; the wrapper finishes with BLAS.
    """
    i = Symbol("i0")
    weight, A, B = (e.xreplace({gram.index: i}) for e in (gram.weight, gram.A, gram.B))
    lo, hi = int_code(gram.lo), int_code(gram.hi + 1)
    single = len(gram.K) == 1 and gram.coupling is None
    rows_a = _array_rows(A, i, gram.K[0]) if single else None
    if not weight.has(i) and rows_a is not None and gram.symmetric:
        # a constant times A^T A: BLAS on the array itself, no pass over the data
        fl = Floater(printer, {}, p[1:] + "c")
        code = fl.finish(fl.float_out(weight, 0), 0)
        core = fl.blocks.get(0, []) + [f"{p}a = numpy.empty((0, 0))", f"{p}b = numpy.empty((0, 0))",
                                       f"{p}w = {code}"]
        a = _rows_code(rows_a, lo, hi)
        return core, [f"out = out + {p}w * ({a}.T @ {a})"]

    signs = gram.symmetric and gram.coupling is None  # sqrt(|w|) on both sides, signs apart
    rows_b = _array_rows(B, i, gram.L[0]) if single and not signs else None
    core = [f"{p}w = 0.0", f"{p}lo, {p}hi = {lo}, {hi}"]
    core += _rows_pass(p + "a", A, gram.K, i, weight, printer, sizes, p, "signs" if signs else "weight", p)
    if signs:
        wrapper = [f"{p}s = {p}a.reshape({p}a.shape[0], -1)",
                   f"if numpy.all({p}b > 0.0):  # S^T S with S = diag(sqrt w) A: SYRK",
                   f"    {p}g = {p}s.T @ {p}s",
                   f"elif numpy.all({p}b < 0.0):",
                   f"    {p}g = -({p}s.T @ {p}s)",
                   "else:",
                   f"    {p}g = {p}s.T @ ({p}s * {p}b)",
                   f"out = out + {p}g.reshape(out.shape)"]
        return core, wrapper
    if rows_b is not None:
        core.append(f"{p}b = numpy.empty((0, 0))")
        return core, [f"out = out + {p}a.T @ {_rows_code(rows_b, lo, hi)}"]
    group_b = gram.L
    if gram.coupling is not None and gram.coupling[1] not in B.free_symbols:
        group_b = tuple(o for o in gram.L if o != gram.coupling[1])  # the same rows for every a
    core += _rows_pass(p + "b", B, group_b, i, None, printer, sizes, p, None, p + "b")
    if gram.coupling is None:
        return core, [f"out = out + ({p}a.reshape({p}a.shape[0], -1).T @ {p}b.reshape({p}b.shape[0], -1))"
                      ".reshape(out.shape)"]
    return core, _diagonal_blocks(gram, p, shared_b=group_b != gram.L)


def _rows_pass(name, expr, group, i, weight, printer, sizes, p, scale, temps):
    """Core lines filling name[i - lo, K...] = scale_i * expr(i, K) for the rows lo..hi-1
    ({p}lo, {p}hi); temporaries are named after `temps`."""
    fl = Floater(printer, {i: 1, **{o: depth for depth, o in enumerate(group, 2)}}, temps[1:], sizes)
    w_res = fl.float_out(weight, 1) if weight is not None else None
    res = fl.float_out(expr, len(group) + 1)
    body = fl.finish(res, len(group) + 1)
    w_code = fl.finish(w_res, 1) if weight is not None else None
    shape = ", ".join(sizes[o] for o in group)
    lines = fl.blocks.pop(0, []) + fl.allocations
    lines.append(f"{name} = numpy.empty(({p}hi - {p}lo, {shape}))")
    if scale == "signs":
        lines.append(f"{p}b = numpy.empty(({p}hi - {p}lo, 1))")
    lines.append(f"for {i.name} in range({p}lo, {p}hi):")
    lines += ["    " + line for line in fl.blocks.pop(1, [])]
    factor = ""
    if scale == "signs":  # rows sqrt(|w|) A(i, :) and the signs of w
        lines += [f"    {p}w = {w_code}", f"    {p}b[i0 - {p}lo, 0] = 1.0 if {p}w >= 0.0 else -1.0",
                  f"    {p}r = math.sqrt(abs({p}w))"]
        factor = f"{p}r * "
    elif scale == "weight":
        lines.append(f"    {p}w = {w_code}")
        factor = f"{p}w * "
    indent = "    "
    for depth, o in enumerate(group, 2):
        lines.append(f"{indent}for {o.name} in range({sizes[o]}):")
        indent += "    "
        lines += [indent + line for line in fl.blocks.pop(depth, [])]
    target = ", ".join([f"i0 - {p}lo"] + [o.name for o in group])
    lines.append(f"{indent}{name}[{target}] = {factor}({body})")
    return lines


def _diagonal_blocks(gram, p, shared_b):
    """Wrapper lines for out[.., a, .., a, ..] += sum_i SA[i, .., a, ..] B[i, .., a, ..], per a
    (B without its axis b when it does not depend on b: then one B serves every a)."""
    a, b = gram.coupling
    pa, pb = gram.K.index(a), gram.L.index(b)
    rest_k = [f"{p}a.shape[{1 + n}]" for n in range(len(gram.K)) if n != pa]
    if shared_b:
        rest_l = [f"{p}b.shape[{1 + n}]" for n in range(len(gram.L) - 1)]
        sb = f"{p}sb = {p}b.reshape(1, {p}b.shape[0], -1)"
    else:
        rest_l = [f"{p}b.shape[{1 + n}]" for n in range(len(gram.L)) if n != pb]
        sb = f"{p}sb = numpy.moveaxis({p}b, {1 + pb}, 0).reshape({p}b.shape[{1 + pb}], {p}b.shape[0], -1)"
    slots = [":" if n != pa else f"{p}d" for n in range(len(gram.K))]
    slots += [":" if n != pb else f"{p}d" for n in range(len(gram.L))]
    lines = [f"{p}sa = numpy.moveaxis({p}a, {1 + pa}, 0).reshape({p}a.shape[{1 + pa}], {p}a.shape[0], -1)",
             sb,
             f"{p}g = numpy.matmul({p}sa.transpose(0, 2, 1), {p}sb)  # one Gram matrix per value of {a}",
             f"{p}g = {p}g.reshape(({p}g.shape[0], {', '.join(rest_k + rest_l)}))",
             f"{p}d = numpy.arange({p}g.shape[0])"]
    if pa == len(gram.K) - 1 and pb == 0:  # adjacent advanced indices keep their place
        lines.append(f"{p}g = numpy.moveaxis({p}g, 0, {len(rest_k)})")
    lines.append(f"out[{', '.join(slots)}] += {p}g")
    return lines


__all__ = ["Gram", "gram_code", "gram_pattern"]
