"""PSD rules for Hessians in matrix notation (f of a vector w: X^T D X, 2 X^T X + 2 lam I, ...).

One function per structure, tried in the order of `RULES`:

    zero            H = 0: f is affine
    constant        I, a matrix declared spd, the inverse of a positive definite matrix
    transpose       M^T is PSD when M is
    covariance      H = c diag(u) - c^2 u u^T with c = 1/sum(u), u >= 0 (log-sum-exp: diag(p) - p p^T)
    scaled          c M with c >= 0 and M PSD
    diagonal        a diagonal expression whose entries are >= 0 (sum p log p: 1/p_k > 0)
    sum             a sum of PSD terms
    congruence      B^T C B with C PSD (X^T X, X^T diag(sigma (1 - sigma)) X, u u^T)

The entries of vectors are written with a stand-in index k (`Entries`): entry k of
exp(z) is exp(z[k]), entry k of sigmoid(X@w) is sigmoid((X@w)[k]), so that the sign
rules (`signs.py`) can read them.
"""

import sympy
from sympy import (
    DiagMatrix,
    HadamardPower,
    HadamardProduct,
    Identity,
    IndexedBase,
    Inverse,
    MatAdd,
    MatMul,
    MatrixSymbol,
    OneMatrix,
    Symbol,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ...text.printing import to_text
from .context import is_zero, scaled_argument, sign_step, strict_sign, sum_of_terms
from .result import Argument, Step
from .signs import sign

K = Symbol("k", integer=True)


class Entries:
    """Entry k of vector-valued matrix expressions, as scalar expressions in stand-ins p[k]."""

    def __init__(self, facts):
        self.facts = facts
        self.arrays = {}

    def standin(self, v):
        """v[k] for a vector v that is not built entrywise (a symbol, X@w)."""
        name = v.name if isinstance(v, MatrixSymbol) else f"({to_text(v)})"
        if name not in self.arrays:
            self.arrays[name] = IndexedBase(Symbol(name, real=True))
        return self.arrays[name][K]

    def label(self, v):
        return self.standin(v).base.label

    def entry(self, v):
        """Entry k of the vector v (n x 1 or 1 x n)."""
        if isinstance(v, ElementwiseApplyFunction):
            return v.function(self.entry(v.expr))
        if isinstance(v, HadamardProduct):
            return sympy.Mul(*[self.entry(a) for a in v.args])
        if isinstance(v, HadamardPower):
            return self.entry(v.args[0]) ** v.args[1]
        if isinstance(v, MatAdd):
            return sympy.Add(*[self.entry(a) for a in v.args])
        if isinstance(v, Transpose):
            return self.entry(v.arg)
        if isinstance(v, OneMatrix):
            return sympy.S.One
        if isinstance(v, MatMul):
            scalars, matrices = split(v)
            if len(matrices) == 1:
                return sympy.Mul(*scalars) * self.entry(matrices[0])
        return self.standin(v)

    def diagonal(self, M):
        """Entry (k, k) of a diagonal matrix expression, or None when M is not one."""
        if isinstance(M, DiagMatrix):
            return self.entry(M.args[0])
        if isinstance(M, Identity):
            return sympy.S.One
        if isinstance(M, ZeroMatrix):
            return sympy.S.Zero
        if isinstance(M, MatAdd):
            parts = [self.diagonal(a) for a in M.args]
            return None if None in parts else sympy.Add(*parts)
        if isinstance(M, MatMul):
            scalars, matrices = split(M)
            parts = [self.diagonal(a) for a in matrices]
            return None if None in parts else sympy.Mul(*scalars, *parts)
        return None

    def scalar(self, c):
        """A scalar with the sums of entries it holds (tr(1^T u), w^T w) written as sums over k."""
        if isinstance(c, MatMul):
            return self.inner(c) if self.inner(c) is not None else c
        found = {t: self.total(t) for t in c.atoms(Trace)}
        found.update({m: self.inner(m) for m in c.atoms(MatMul)})
        found = {t: s for t, s in found.items() if s is not None}
        return c.xreplace(found) if found else c

    def total(self, trace):
        """sum_k u[k] for tr(1^T u) (how derive writes sum(u)), else None."""
        return self.inner(trace.arg)

    def inner(self, product):
        """sum_k a[k] b[k] for a 1 x 1 product a^T b of two vectors (1^T u, w^T w), else None."""
        if not isinstance(product, MatMul) or tuple(product.shape) != (1, 1):
            return None
        scalars, matrices = split(product)
        if len(matrices) != 2 or not all(1 in m.shape for m in matrices):
            return None
        a, b = matrices
        return sympy.Mul(*scalars) * sympy.Sum(self.entry(a) * self.entry(b), (K, 0, b.shape[0] - 1))


def split(M):
    """(scalar factors, matrix factors) of a MatMul."""
    scalars = [a for a in M.args if not getattr(a, "is_Matrix", False)]
    return scalars, [a for a in M.args if getattr(a, "is_Matrix", False)]


def zero(H, ctx):
    if not (isinstance(H, ZeroMatrix) or H == 0):
        return None
    if not ctx.top:
        return Argument(False, [Step("the zero matrix is PSD", H)])
    return Argument(False, [Step("the Hessian is the zero matrix, so f is affine: convex (and concave)", H)])


def constant(H, ctx):
    if isinstance(H, Identity):
        return Argument(True, [Step("the identity is positive definite (v^T I v = |v|^2)", H)])
    if isinstance(H, MatrixSymbol) and "spd" in ctx.extra["properties"].get(H, ()):
        return Argument(True, [Step(f"{H.name} is declared symmetric positive definite", H)])
    if isinstance(H, Inverse):
        found = ctx.prove(H.arg)
        if found is not None and found.definite:
            return Argument(True, found.steps + [Step("the inverse of a positive definite matrix is positive definite "
                                                      "(its eigenvalues are the reciprocals)", H)])
    return None


def transpose(H, ctx):
    if not isinstance(H, Transpose):
        return None
    found = ctx.prove(H.arg)
    return None if found is None else Argument(found.definite, found.steps + [
        Step("the transpose of a PSD matrix is PSD (v^T M^T v = v^T M v)", H)])


def covariance(H, ctx):
    """log(sum(exp(z))): H = diag(p) - p p^T with p = u / sum(u) = softmax(z)."""
    if not isinstance(H, MatAdd) or len(H.args) != 2:
        return None
    entries = ctx.extra["entries"]
    for diag_term, outer_term in (H.args, H.args[::-1]):
        c1, diag = _coefficient(diag_term)
        c2, outer = _coefficient(outer_term)
        if not isinstance(diag, DiagMatrix) or not isinstance(outer, MatMul) or len(outer.args) != 2:
            continue
        u = diag.args[0]
        u_k = entries.entry(u)
        column, row = outer.args
        if row.shape[0] != 1 or entries.entry(column) != u_k or entries.entry(row) != u_k:
            continue
        c1, c2 = entries.scalar(c1), entries.scalar(c2)
        total = c1 * sympy.Sum(u_k, (K, 0, u.shape[0] - 1))
        u_sign = sign(u_k, ctx.facts)
        if u_sign is None or not is_zero(c2 + c1 ** 2) or not is_zero(total - 1):
            continue
        p = c1 * u_k
        return Argument(False, [
            Step("the Hessian is diag(p) - p p^T with p = u / sum(u), the softmax weights; p[k]", p),
            sign_step(f"each u[k] = {to_text(u_k)}", u_k, u_sign),
            Step("so p >= 0 and sum_k p[k] = 1, and v^T H v = sum_k p[k] v[k]^2 - (sum_k p[k] v[k])^2 >= 0 by "
                 "Cauchy-Schwarz: the variance of v under the weights p"),
        ])
    return None


def diagonal(H, ctx):
    entries = ctx.extra["entries"]
    entry = entries.diagonal(H)
    if entry is None or isinstance(H, Identity):
        return None
    found = strict_sign(entry, ctx.facts)
    if found is None:
        return None
    return Argument(found.strict, [
        Step(f"{ctx.this} is diagonal, and a diagonal matrix with entries >= 0 is PSD "
             "(v^T D v = sum_k D[k, k] v[k]^2)", H),
        sign_step(f"its entry [k, k] = {to_text(entry)}", entry, found),
    ])


def terms(H, ctx):
    return sum_of_terms(H, ctx, MatAdd)


def scaled(H, ctx):
    if not isinstance(H, MatMul):
        return None
    scalars, matrices = split(H)
    if not scalars or not matrices:
        return None
    c = sympy.Mul(*scalars)
    rest = matrices[0] if len(matrices) == 1 else MatMul(*matrices)
    if isinstance(rest, MatAdd):
        return ctx.prove(MatAdd(*[c * t for t in rest.args]))
    found = sign(ctx.extra["entries"].scalar(c), ctx.facts, "positive") or \
        sign(ctx.extra["entries"].scalar(c), ctx.facts)
    return None if found is None else scaled_argument(H, ctx, c, rest, found, "M")


def congruence(H, ctx):
    """B^T C B, C PSD: v^T B^T C B v = (B v)^T C (B v) >= 0."""
    if not isinstance(H, MatMul):
        return None
    scalars, matrices = split(H)
    if scalars:
        return None
    outer = []
    while len(matrices) >= 2 and _transposes(matrices[0], matrices[-1], ctx.extra["entries"]):
        outer.append(matrices[-1])
        matrices = matrices[1:-1]
    if not outer:
        return None
    B = outer[0] if len(outer) == 1 else MatMul(*outer[::-1])
    if not matrices:
        return Argument(False, [Step(f"{ctx.this} is a Gram matrix B^T B with B = {to_text(B)}: "
                                     "v^T B^T B v = |B v|^2 >= 0", H)])
    middle = matrices[0] if len(matrices) == 1 else MatMul(*matrices)
    found = ctx.prove(middle)
    if found is None:
        return None
    return Argument(False, [Step(f"{ctx.this} is B^T C B with B = {to_text(B)} and C = {to_text(middle)}: "
                                 "v^T B^T C B v = (B v)^T C (B v) >= 0 when C is PSD", H)] + found.indented("  "))


def _transposes(a, b, entries):
    """a == b^T, also for entrywise vectors written with different bound variables."""
    if a == b.T:
        return True
    vectors = 1 in a.shape and 1 in b.shape and a.shape == b.shape[::-1]
    return vectors and entries.entry(a) == entries.entry(b)


def _coefficient(term):
    if isinstance(term, MatMul):
        scalars, matrices = split(term)
        rest = matrices[0] if len(matrices) == 1 else MatMul(*matrices)
        return sympy.Mul(*scalars), rest
    return sympy.S.One, term


RULES = (
    ("zero", zero),
    ("identity or declared spd", constant),
    ("transpose", transpose),
    ("covariance", covariance),
    ("nonnegative multiple", scaled),
    ("diagonal", diagonal),
    ("sum", terms),
    ("congruence", congruence),
)


def domain_facts(f, facts, entries):
    """log(p), sqrt(p) entrywise need p > 0 (>= 0) in every entry."""
    if not isinstance(f, sympy.Basic):
        return
    for node in sympy.preorder_traversal(f):
        if isinstance(node, ElementwiseApplyFunction) and isinstance(node.expr, MatrixSymbol):
            g = node.function
            t = g.variables[0] if isinstance(g, sympy.Lambda) else Symbol("t")
            body = g.expr if isinstance(g, sympy.Lambda) else g(t)
            for atom in body.atoms(sympy.log):
                if atom.args[0] == t:
                    facts.add_positive(entries.label(node.expr), f"log({node.expr.name}) needs {node.expr.name} > 0")

