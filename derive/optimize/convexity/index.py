"""PSD rules for Hessians in index notation: H[k, l] as one expression in the free indices k, l.

One function per structure, tried in the order of `RULES`:

    zero            H = 0: f is affine
    covariance      H = p[k] delta(k, l) - p[k] p[l] with p = grad f >= 0, sum_k p[k] = 1 (log-sum-exp)
    sum             a sum of PSD terms
    data sum        sum_i T_i with every T_i PSD (a sum over the data index)
    scaled          c T with c >= 0 and T a PSD sum
    identity        c delta(k, l) with c >= 0 (lam I)
    diagonal        g[k] delta(k, l) with g[k] >= 0 (sum p log p: delta(k, l) / p[k])
    outer product   c u[k] u[l] with c >= 0 (inside a data sum: X^T D X, the logistic Hessian)
"""

import sympy
from sympy import KroneckerDelta, Sum

from ...text.printing import to_text
from .context import is_zero, scaled_argument, sign_step, strict_sign, sum_of_terms
from .result import Argument, Step
from .signs import sign


def zero(H, ctx):
    if not is_zero(H):
        return None
    if not ctx.top:
        return Argument(False, [Step("the zero matrix is PSD", H)])
    return Argument(False, [Step("the Hessian is 0, so f is affine: convex (and concave)", H)])


def covariance(H, ctx):
    """H[k, l] = p[k] delta(k, l) - p[k] p[l]: v^T H v = sum p v^2 - (sum p v)^2, a variance."""
    if ctx.f is None:
        return None
    k, l = _free(ctx)
    p = ctx.gradient(ctx.f)
    if p == 0 or not p.has(k):
        return None
    candidate = p * KroneckerDelta(k, l) - p * p.xreplace({k: l})
    if not is_zero(sympy.expand(H - candidate)):
        return None
    p_sign = sign(p, ctx.facts)
    lo, hi = ctx.extra["range"](k)
    coefficient, dependent = p.as_independent(k, as_Add=False)
    total = coefficient * Sum(dependent, (k, lo, hi))
    if p_sign is None or not is_zero(_canonical_sums(total) - 1):
        return None
    return Argument(False, [
        Step("the Hessian is p[k] delta(k, l) - p[k] p[l], that is diag(p) - p p^T, with p = grad f", p),
        sign_step("each weight p[k]", p, p_sign),
        Step("and sum_k p[k] = 1", sympy.Eq(total, 1, evaluate=False)),
        Step("so v^T H v = sum_k p[k] v[k]^2 - (sum_k p[k] v[k])^2 >= 0 by Cauchy-Schwarz: "
             "the variance of v under the weights p"),
    ])


def terms(H, ctx):
    return sum_of_terms(H, ctx, sympy.Add)


def data_sum(H, ctx):
    """sum_i T_i over an index other than k, l: a sum of PSD matrices."""
    if not isinstance(H, Sum) or len(H.limits) != 1 or H.limits[0][0] in _free(ctx):
        return None
    i = H.limits[0][0]
    body = H.function
    found = ctx.prove(body)
    if found is None:
        return None
    return Argument(False, [Step(f"{ctx.this} is a sum over {i} of matrices T_{i}; a sum of PSD matrices is PSD",
                                 H)] + found.indented("  "))


def scaled(H, ctx):
    """c T with c >= 0 free of k, l and T a sum (of terms, or over the data): PSD when T is."""
    k, l = _free(ctx)
    if not isinstance(H, sympy.Mul):
        return None
    c = sympy.Mul(*[a for a in H.args if not a.has(k) and not a.has(l)])
    rest = sympy.Mul(*[a for a in H.args if a.has(k) or a.has(l)])
    if c == 1 or not isinstance(rest, (sympy.Add, Sum)):
        return None
    found = sign(c, ctx.facts, "positive") or sign(c, ctx.facts)
    return None if found is None else scaled_argument(H, ctx, c, rest, found, "T")


def identity(H, ctx):
    k, l = _free(ctx)
    rest = _delta_factor(H, k, l)
    if rest is None or rest.has(k) or rest.has(l):
        return None
    found = strict_sign(rest, ctx.facts)
    if found is None:
        return None
    return Argument(found.strict, [sign_step(f"the term {to_text(H)} is c I with c = {to_text(rest)}, PSD as c",
                                             rest, found)])


def diagonal(H, ctx):
    k, l = _free(ctx)
    rest = _delta_factor(H, k, l)
    if rest is None:
        return None
    entry = rest.xreplace({l: k})
    found = strict_sign(entry, ctx.facts)
    if found is None:
        return None
    return Argument(found.strict, [
        Step(f"the term {to_text(H)} is a diagonal matrix; a diagonal matrix with entries >= 0 is PSD "
             "(v^T D v = sum_k D[k, k] v[k]^2)"),
        sign_step(f"its entry D[k, k] = {to_text(entry)}", entry, found)])


def outer_product(H, ctx):
    """c u[k] u[l], c >= 0: v^T H v = c (u^T v)^2 >= 0."""
    k, l = _free(ctx)
    factors = sympy.Mul.make_args(H)
    in_k = [a for a in factors if a.has(k) and not a.has(l)]
    in_l = [a for a in factors if a.has(l) and not a.has(k)]
    both = [a for a in factors if a.has(k) and a.has(l)]
    if both or not in_k or not in_l:
        return None
    u = sympy.Mul(*in_k)
    if not is_zero(u.xreplace({k: l}) - sympy.Mul(*in_l)):
        return None
    c = sympy.Mul(*[a for a in factors if not a.has(k) and not a.has(l)])
    found = sign(c, ctx.facts)
    if found is None:
        return None
    return Argument(False, [
        Step(f"the term is c u u^T with u[k] = {to_text(u)} and c = {to_text(c)}: v^T (c u u^T) v = c (u^T v)^2",
             H),
        sign_step("the weight c", c, found)])


RULES = (
    ("zero", zero),
    ("covariance", covariance),
    ("sum", terms),
    ("data sum", data_sum),
    ("nonnegative multiple", scaled),
    ("identity", identity),
    ("diagonal", diagonal),
    ("outer product", outer_product),
)


def _free(ctx):
    return tuple(v.indices[0] for v in ctx.variables)


def _delta_factor(H, k, l):
    """H / delta(k, l) when H is delta(k, l) times something, else None."""
    factors = sympy.Mul.make_args(H)
    deltas = [a for a in factors if isinstance(a, KroneckerDelta) and set(a.args) == {k, l}]
    if len(deltas) != 1:
        return None
    return sympy.Mul(*[a for a in factors if a is not deltas[0]])


def _canonical_sums(expr):
    """Each one-index Sum over a shared dummy, so sum_i exp(z[i]) and sum_k exp(z[k]) are equal."""
    dummy = sympy.Dummy("s", integer=True)

    def rename(s):
        if len(s.limits) != 1:
            return s
        (index, lo, hi), = s.limits
        return Sum(s.function.xreplace({index: dummy}), (dummy, lo, hi))

    return expr.replace(lambda e: isinstance(e, Sum), rename)
