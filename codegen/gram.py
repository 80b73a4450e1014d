"""Weighted Gram matrices go to BLAS: out[k, l] += sum_i w_i A(i, k) B(i, l).

Logistic and ridge Hessians, Fisher information, the last layer of a network:
a sum over the data of a weight times a product of two "rows".  A loop nest
over (i, k, l) does N d^2 scalar multiply-adds; BLAS does the same product
several times faster.  The plan:

* one pass over the rows i computes the weight w_i and the row A(i, :)
  (any expression: X[i, k] or tanh(T[i, k])), scaled so that the product is
  one BLAS call:
  - A is B:   S[i, :] = sqrt(|w_i|) A(i, :), out = S^T S (SYRK) when every
    w_i >= 0, else S^T (sign(w) S);
  - A is not B: SA[i, :] = w_i A(i, :), and B(i, :) (the array itself when B
    is one), out = SA^T B (GEMM);
  - w constant and A an array:  out = w A^T A, no pass at all;
* the pass is serial: a Numba thread pool running next to BLAS's pool (whose
  threads spin for a while after each call) made the Hessian 2-4 times slower
  and unsteady on a 2-core machine (docs/kernels.md, "Steady timings").
"""

from dataclasses import dataclass

import sympy
from sympy import Indexed, Mul, Symbol

from .floating import Floater, int_code


@dataclass
class Gram:
    index: Symbol  # the data index i
    lo: sympy.Expr
    hi: sympy.Expr
    weight: sympy.Expr  # w_i (free of k and l)
    A: sympy.Expr  # A(i, k)
    B: sympy.Expr  # B(i, l)
    k: Symbol
    l: Symbol

    @property
    def symmetric(self):
        return self.B == self.A.xreplace({self.k: self.l})


def gram_pattern(term, outputs):
    """sum_i w_i * A(i, k) * B(i, l) for a reduction term over i, or None."""
    if len(outputs) != 2 or term.extra_limits:
        return None
    k, l = outputs
    factors = Mul.make_args(term.coeff * term.body)
    with_k = [f for f in factors if k in f.free_symbols]
    with_l = [f for f in factors if l in f.free_symbols]
    if set(with_k) & set(with_l) or not with_k or not with_l:
        return None
    weight = Mul(*(f for f in factors if f not in with_k and f not in with_l))
    return Gram(term.index, term.lo, term.hi, weight, Mul(*with_k), Mul(*with_l), k, l)


def _array_rows(A, i, k):
    """'X' when A is X[i, k], 'X.T' when it is X[k, i]; None for any other expression."""
    if isinstance(A, Indexed) and len(A.indices) == 2 and set(A.indices) == {i, k}:
        return str(A.base.label) + ("" if A.indices == (i, k) else ".T")
    return None


def gram_code(gram, printer, sizes, p="_g"):
    """(core lines, wrapper lines) adding the Gram term to `out`.

    `sizes` maps k and l to their size names; every name made here starts with
    the prefix `p`.  The core defines ``{p}a, {p}b, {p}w`` (rows, second rows or
    signs, constant weight) and returns them; the wrapper finishes with BLAS.
    """
    i = Symbol("i0")
    weight = gram.weight.xreplace({gram.index: i})
    A = gram.A.xreplace({gram.index: i})
    B = gram.B.xreplace({gram.index: i})
    rows_a = _array_rows(A, i, gram.k)
    lo, hi = int_code(gram.lo), int_code(gram.hi + 1)
    empty = [f"{p}a = numpy.empty((0, 0))", f"{p}b = numpy.empty((0, 0))", f"{p}w = 0.0"]
    if not weight.has(i) and rows_a is not None and gram.symmetric:
        # a constant times A^T A: BLAS on the array itself, no pass over the data
        fl = Floater(printer, {}, p[1:] + "c")
        code = fl.finish(fl.float_out(weight, 0), 0)
        core = fl.blocks.get(0, []) + empty[:2] + [f"{p}w = {code}"]
        a = _rows_code(rows_a, lo, hi)
        return core, [f"out = out + {p}w * ({a}.T @ {a})"]

    fl = Floater(printer, {i: 1, gram.k: 2}, p[1:])
    w_res = fl.float_out(weight, 1)
    a_res = fl.float_out(A, 2)
    symmetric = gram.symmetric
    core = fl.blocks.pop(0, []) + [f"{p}w = 0.0"]
    core += [f"{p}lo, {p}hi = {lo}, {hi}",
             f"{p}a = numpy.empty(({p}hi - {p}lo, {sizes[gram.k]}))",
             f"{p}b = numpy.empty(({p}hi - {p}lo, {1 if symmetric else sizes[gram.l]}))",
             f"for {i.name} in range({p}lo, {p}hi):"]
    body_k = fl.finish(a_res, 2)
    w_code = fl.finish(w_res, 1)
    core += ["    " + line for line in fl.blocks.pop(1, [])]
    core.append(f"    {p}w = {w_code}")
    if symmetric:  # rows sqrt(|w|) A(i, :) and the signs of w
        core += [f"    {p}b[i0 - {p}lo, 0] = 1.0 if {p}w >= 0.0 else -1.0", f"    {p}r = math.sqrt(abs({p}w))"]
        scale = f"{p}r"
    else:
        scale = f"{p}w"
    core.append(f"    for {gram.k.name} in range({sizes[gram.k]}):")
    core += ["        " + line for line in fl.blocks.pop(2, [])]
    core.append(f"        {p}a[i0 - {p}lo, {gram.k.name}] = {scale} * ({body_k})")
    if symmetric:
        wrapper = [f"if numpy.all({p}b > 0.0):  # S^T S with S = diag(sqrt w) A: SYRK",
                   f"    out = out + {p}a.T @ {p}a",
                   "else:",
                   f"    out = out + {p}a.T @ ({p}a * {p}b)"]
        return core, wrapper
    rows_b = _array_rows(B, i, gram.l)
    if rows_b is not None:
        return core, [f"out = out + {p}a.T @ {_rows_code(rows_b, lo, hi)}"]
    fl_b = Floater(printer, {i: 1, gram.l: 2}, p[1:] + "b")
    b_res = fl_b.float_out(B, 2)
    core += fl_b.blocks.pop(0, [])
    core.append(f"for {i.name} in range({p}lo, {p}hi):")
    body_l = fl_b.finish(b_res, 2)
    core += ["    " + line for line in fl_b.blocks.pop(1, [])]
    core.append(f"    for {gram.l.name} in range({sizes[gram.l]}):")
    core += ["        " + line for line in fl_b.blocks.pop(2, [])]
    core.append(f"        {p}b[i0 - {p}lo, {gram.l.name}] = {body_l}")
    return core, [f"out = out + {p}a.T @ {p}b"]


def _rows_code(rows, lo, hi):
    """The data rows lo..hi-1 of an array (X[lo:hi]) or of a transposed one (X[:, lo:hi].T)."""
    return f"{rows[:-2]}[:, {lo}:{hi}].T" if rows.endswith(".T") else f"{rows}[{lo}:{hi}]"


__all__ = ["Gram", "gram_code", "gram_pattern"]
