"""PSD rules for Hessians written out entry by entry (f in scalar variables x, y, ...).

One function per structure, tried in the order of `RULES`:

    zero            H = 0: f is affine
    one variable    f'' >= 0 on the domain
    diagonal        every H_ii >= 0 (x^4 + y^2; sum p_i log p_i: 1/p_i > 0)
    covariance      H = diag(p) - p p^T with p = grad f >= 0, sum p <= 1 (log-sum-exp)
    terms of f      f = f_1 + f_2 + ...: each term's Hessian PSD
    rank one        every 2 x 2 minor 0 and the diagonal >= 0 (g(a^T x): H = g'' a a^T)
    Schur           a pivot H_ii > 0 and its Schur complement PSD (x^2/y on y > 0)
    minors          every principal minor >= 0 (Sylvester's criterion for semidefinite matrices)
"""

import itertools

import sympy

from ...calculus.scalar import RULES as CALCULUS
from ...text.budgets import attempt
from ...text.printing import to_text
from .context import is_zero, sign_step, strict_sign, sum_argument
from .result import Argument, Step
from .signs import sign

MINORS_UP_TO = 4  # 15 principal minors of a 4 x 4; beyond, determinants of symbolic entries get slow
DET_SECONDS = 0.5


def zero(H, ctx):
    if not all(is_zero(e) for e in H):
        return None
    if not ctx.top:
        return Argument(False, [Step("the zero matrix is PSD", H)])
    return Argument(False, [Step("the Hessian is the zero matrix, so f is affine: convex (and concave)", H)])


def one_by_one(H, ctx):
    if H.shape != (1, 1):
        return None
    found = strict_sign(H[0, 0], ctx.facts)
    if found is None:
        return None
    words = "the second derivative f''" if ctx.top else "its one entry"
    return Argument(found.strict, [sign_step(words, H[0, 0], found)])


def diagonal(H, ctx):
    n = H.shape[0]
    if n < 2 or not all(is_zero(H[i, j]) for i in range(n) for j in range(n) if i != j):
        return None
    steps = [Step(f"{ctx.this} is diagonal, and a diagonal matrix with entries >= 0 is PSD "
                  "(v^T H v = sum_i H_ii v_i^2)", H)]
    strict = True
    for i, h in _distinct(H[i, i] for i in range(n)):
        found = strict_sign(h, ctx.facts)
        if found is None:
            return None
        strict &= found.strict
        steps.append(sign_step(f"H[{i}, {i}] = {to_text(h)}", h, found))
    return Argument(strict, steps)


def covariance(H, ctx):
    """log-sum-exp: H = diag(p) - p p^T, p = softmax.  v^T H v = sum p_i v_i^2 - (sum p_i v_i)^2, the
    variance of v under p when sum p = 1 (Cauchy-Schwarz when sum p <= 1)."""
    n = H.shape[0]
    if n < 2 or ctx.f is None:
        return None
    p = ctx.gradient(ctx.f)
    if any(is_zero(p_i) for p_i in p):
        return None
    signs = [sign(p_i, ctx.facts) for p_i in p]
    if None in signs:
        return None
    if not all(is_zero(H[i, j] - ((p[i] if i == j else 0) - p[i] * p[j])) for i in range(n) for j in range(i, n)):
        return None
    total = attempt(lambda: sympy.cancel(sympy.together(sum(p))), 0.5, None)
    slack = None if total is None else sign(1 - total, ctx.facts)
    if slack is None:
        return None
    because = "; ".join(dict.fromkeys(b for s in signs for b in s.because))
    return Argument(False, [
        Step("the Hessian is diag(p) - p p^T with p = grad f", sympy.Matrix(p)),
        Step(f"each p_i >= 0 ({because}) and sum_i p_i {'= 1' if is_zero(total - 1) else '<= 1'}",
             sympy.Eq(sympy.Add(*p), total, evaluate=False)),
        Step("so v^T H v = sum_i p_i v_i^2 - (sum_i p_i v_i)^2 >= 0 by Cauchy-Schwarz, "
             "(sum_i p_i v_i)^2 <= (sum_i p_i)(sum_i p_i v_i^2): the variance of v under the weights p"),
    ])


def terms_of_f(H, ctx):
    """f = f_1 + ... + f_m: H is the sum of the terms' Hessians, PSD if each one is."""
    f, variables = ctx.f, ctx.variables
    if f is None:
        return None
    terms = [t for t in split_terms(f) if t.has(*variables)]
    if len(terms) < 2:
        return None
    parts = []
    for term in terms:
        Ht = CALCULUS["hessian"](term, variables)
        if all(is_zero(e) for e in Ht):
            continue  # linear terms add nothing to the Hessian
        found = ctx.prove(Ht, f=term)
        if found is None:
            return None
        parts.append((f"the Hessian of {to_text(term)}", found))
    if len(parts) < 2:
        return None
    return sum_argument(parts, "f is a sum of terms, so its Hessian is the sum of theirs: PSD if each is")


def rank_one(H, ctx):
    """Every 2 x 2 minor 0: H = c u u^T (f = g(a^T x) has H = g'' a a^T), PSD iff its diagonal is >= 0."""
    n = H.shape[0]
    if n < 2 or all(is_zero(e) for e in H):
        return None
    for i, k in itertools.combinations(range(n), 2):
        for j, l in itertools.combinations(range(n), 2):
            if not is_zero(sympy.expand(H[i, j] * H[k, l] - H[i, l] * H[k, j])):
                return None
    steps = [Step(f"every 2 x 2 minor of {ctx.this} vanishes, so it has rank one, c u u^T, and is PSD when its "
                  "diagonal (c u_i^2) is >= 0")]
    for i, h in _distinct(H[i, i] for i in range(n)):
        found = sign(h, ctx.facts)
        if found is None:
            return None
        steps.append(sign_step(f"H[{i}, {i}] = {to_text(h)}", h, found))
    return Argument(False, steps)


def schur(H, ctx):
    """[[a, b^T], [b, C]] with a > 0 is PSD iff C - b b^T / a is; a zero pivot needs a zero row."""
    n = H.shape[0]
    if n < 2:
        return None
    for i in range(n):
        if is_zero(H[i, i]) and all(is_zero(H[i, j]) for j in range(n)):
            rest = _without(H, i)
            found = ctx.prove(rest)
            if found is None:
                return None
            return Argument(False, [Step(f"row and column {i} of the Hessian vanish; the rest must be PSD", rest)]
                            + found.indented("  "))
    for i in range(n):
        pivot = sign(H[i, i], ctx.facts, "positive")
        if pivot is None:
            continue
        a, b, C = H[i, i], _without_column(H, i)[i, :], _without(H, i)
        S = (C - b.T * b / a).applyfunc(lambda e: attempt(lambda: sympy.cancel(e), 0.5, e))
        found = ctx.prove(S)
        if found is None:
            return None
        return Argument(found.definite, [
            sign_step(f"the pivot H[{i}, {i}] = {to_text(a)}", a, pivot),
            Step("with a pivot a > 0, H = [[a, b^T], [b, C]] is PSD iff its Schur complement C - b b^T / a is "
                 "(v^T H v = a (v_1 + b^T u / a)^2 + u^T (C - b b^T / a) u)", S),
        ] + found.indented("  "))
    return None


def minors(H, ctx):
    """Sylvester's criterion for semidefinite matrices: every principal minor >= 0 (the leading ones
    alone do not suffice); positive definite when the leading ones are > 0."""
    n = H.shape[0]
    if n < 2 or n > MINORS_UP_TO:
        return None
    steps = [Step("a symmetric matrix is PSD iff every principal minor is >= 0")]
    leading_strict = True
    for size in range(1, n + 1):
        for rows in itertools.combinations(range(n), size):
            M = H.extract(list(rows), list(rows))
            det = attempt(lambda M=M: M.det(method="berkowitz"), DET_SECONDS, None)
            if det is None:
                return None
            found = strict_sign(det, ctx.facts)  # as written first: factoring can hide a sign the domain shows
            det = attempt(lambda det=det: sympy.factor(sympy.cancel(det)), DET_SECONDS, det)
            if found is None:
                return None
            if rows == tuple(range(size)):
                leading_strict &= found.strict
            steps.append(sign_step(f"the minor of rows {list(rows)}", det, found))
    return Argument(leading_strict, steps)


RULES = (
    ("zero", zero),
    ("one variable", one_by_one),
    ("diagonal", diagonal),
    ("covariance", covariance),
    ("terms of f", terms_of_f),
    ("rank one", rank_one),
    ("Schur complement", schur),
    ("principal minors", minors),
)


def split_terms(f):
    """The terms of f, with sums over data split too: -sum(y[i] log p + (1 - y[i]) log(1 - p), i) is
    sum(-y[i] log p, i) + sum(-(1 - y[i]) log(1 - p), i)."""
    out = []
    for term in sympy.Add.make_args(sympy.expand(f, deep=False)):
        coefficient, rest = term.as_independent(sympy.Sum, as_Add=False)
        if isinstance(rest, sympy.Sum) and len(rest.limits) == 1:
            body = sympy.expand(coefficient * rest.function, deep=False)
            out += [sympy.Sum(part, *rest.limits) for part in sympy.Add.make_args(body)]
        else:
            out.append(term)
    return out


def gradient(f, variables):
    return CALCULUS["grad"](f, variables)


def hessian(f, variables):
    return CALCULUS["hessian"](f, variables)


def _distinct(entries):
    seen = []
    for i, e in enumerate(entries):
        if e not in seen:
            seen.append(e)
            yield i, e


def _without(H, i):
    keep = [k for k in range(H.shape[0]) if k != i]
    return H.extract(keep, keep)


def _without_column(H, i):
    return H.extract(list(range(H.shape[0])), [k for k in range(H.shape[1]) if k != i])
