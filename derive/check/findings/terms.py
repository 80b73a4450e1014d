"""A term missing, one too many, off by a constant, or in place of another; and what is left
when no rule names the mistake: the difference, when it is short.

    terms             claim + t is right, t a term of f'          "a term is missing: 2*lam*w[k]"
                      claim - t is right, t a term of the claim   "an extra term: ..."
                      claim + d(term of f) is right (index and    "a term is missing: ..., the derivative of
                      sample notation, f's sums split)            -sum((1 - y[i])*log(...), i) (a term of f)"
    scaled_term       one term t of the claim (or of a sum in it) "the sign of the term ... is flipped",
                      times a constant c is right (c = -1: sign)  "the term 2*lam*w lost its factor 2: ..."
    wrong_term        claim - t + t' is right (last)              "the term n/lam is wrong: the claim has 1/lam"
    short_difference  derivative - claim is short                 "it differs from the derivative by ..."
"""

import itertools

import sympy
from sympy import Add, MatAdd, Mul, Sum

from ...errors import DeriveError
from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation.exact import ExactProblem
from ..diagnosis import Finding
from .reading import MAX_TERMS, _is_matrix_claim, _is_matrix_expr, _symbolic_expected, _times_text, late

# ---------------------------------------------------------------------------
# a term missing (or one too many)


def terms(problem, claim):
    expected_terms = _expected_terms(problem)
    claim_terms = _terms(claim)
    if 1 < len(expected_terms) <= MAX_TERMS:
        for t in expected_terms:
            if late(problem):
                return None
            if problem.equal(claim + t):
                return Finding("missing_term", f"a term is missing: {to_text(t)}")
    if 1 < len(claim_terms) <= MAX_TERMS:
        for t in claim_terms:
            if problem.equal(claim - t):
                return Finding("extra_term", f"an extra term: {to_text(t)} (not part of the derivative)")
    return scaled_term(problem, claim) or missing_term_of_f(problem, claim)


def missing_term_of_f(problem, claim):
    """Index and sample notation: the claim lacks the derivative of one term of f (the (1 - y[i])
    half of the logistic loss, its sum split): claim + d(that term) is right."""
    if not isinstance(problem, ExactProblem) or not (problem.index_form or problem.scalar_form) \
            or len(problem.targets) != 1 or not isinstance(problem.f, sympy.Expr):
        return None
    from ...calculus.index import diff_indexed, tidy_index

    parts = _f_terms(problem.f)
    if not 1 < len(parts) <= MAX_TERMS:
        return None
    target = problem.target
    for part in parts:
        if late(problem):
            return None
        try:
            d = attempt(lambda part=part: diff_indexed(part, target, ranges=problem.ns.index_ranges)
                        if problem.index_form else sympy.diff(part, target), 0.5, None)
        except (DeriveError, TypeError, ValueError):
            continue
        if d is None or d == 0 or not problem.equal(claim + d):
            continue
        shown = attempt(lambda d=d: tidy_index(d), 0.5, d)
        return Finding("missing_term", f"a term is missing: {to_text(shown)}, the derivative of {to_text(part)} "
                                       f"(a term of f)")
    return None


def _f_terms(f):
    """f's terms, a sum over a sum split into sums: -sum(a[i] + b[i], i) -> -sum(a[i], i), -sum(b[i], i)."""
    out = []
    for t in Add.make_args(f):
        coeff, rest = t.as_coeff_Mul()
        if isinstance(rest, Sum) and isinstance(rest.function, Add):
            out += [coeff * Sum(b, *rest.limits) for b in rest.function.args]
        else:
            out.append(t)
    return out


# ---------------------------------------------------------------------------
# one term off by a constant factor (its sign, a lost 2)


SCALES = tuple(sympy.Rational(c) for c in ("-1", "2", "1/2", "-2", "3", "1/3"))
MAX_SLOTS = 8  # terms tried (each costs up to len(SCALES) comparisons, most of them one screen)


def scaled_term(problem, claim):
    """One term of the claim times a constant c is right: the claim's own terms first, then the
    terms of the sums inside it (y[i] in sum((sigmoid(z[i]) + y[i])*X[i, k], i)).  c = -1 is a
    flipped sign, any other c a factor: "the term 2*lam*w lost its factor 2: the claim has lam*w"."""
    if _is_matrix_claim(claim) and not _is_matrix_expr(claim) or not isinstance(claim, sympy.Basic):
        return None
    for node, k in itertools.islice(_term_slots(claim), MAX_SLOTS):
        for c in SCALES:
            if late(problem):
                return None
            args = list(node.args)
            args[k] = c * args[k]
            try:
                fixed = node.func(*args)
                variant = fixed if node is claim else claim.xreplace({node: fixed})
            except (TypeError, ValueError, sympy.ShapeError):
                break
            if problem.equal(variant):
                return _scaled_words(node, k, c, fixed, top=node is claim)
    return None


def _term_slots(expr):
    """(sum, position) for each term of each sum (Add, MatAdd) in `expr`, outer sums first, inside
    products, powers and sums over indices but not inside function calls, limits or indices."""
    level = [expr]
    while level:
        below = []
        for node in level:
            if isinstance(node, (Add, MatAdd)) and 1 < len(node.args) <= MAX_TERMS:
                yield from ((node, k) for k, t in enumerate(node.args) if not t.is_number)  # 1 in 1 - p: no slip
            if isinstance(node, Sum):
                below.append(node.function)
            elif isinstance(node, (Add, MatAdd, Mul, sympy.MatMul, sympy.Transpose)):
                below.extend(node.args)
            elif isinstance(node, sympy.Pow) and node.exp.is_number:
                below.append(node.base)
        level = below


def _scaled_words(node, k, c, fixed, top):
    term = node.args[k]
    where = "" if top or len(to_text(node)) > 80 else f" (in {to_text(node)})"
    if c == -1:
        if top:
            return Finding("sign", f"the sign of the term {_times_text(1, term)} is flipped")
        return Finding("sign", f"the sign of {to_text(term)} is flipped: the derivative has {to_text(fixed)} "
                               f"where the claim has {to_text(node)}")
    size, sign = abs(c), (" and its sign" if c < 0 else "")
    if size.is_Integer:
        return Finding("factor", f"the term {_times_text(c, term)} lost its factor {size}{sign}: the claim has "
                                 f"{_times_text(1, term)}{where}")
    wrong_sign = " and the wrong sign" if c < 0 else ""
    return Finding("factor", f"the term {_times_text(1, term)} has an extra factor {1 / size}{wrong_sign}: the "
                             f"derivative has {_times_text(c, term)}{where}")


def _expected_terms(problem):
    expected = _symbolic_expected(problem)
    if expected is None:
        return []
    found = _terms(expected)
    if len(found) < 2 and not _is_matrix_claim(expected):  # sums split: sum(1/lam, i) is n/lam
        split = attempt(lambda: sympy.expand(sympy.expand(expected).doit()), 0.5, None)
        found = _terms(split) if split is not None else found
    return found


def wrong_term(problem, claim):
    """One term of the claim in place of one of the derivative's: "the term n/lam is wrong: the claim
    has 1/lam", or, where the claim's term is the derivative's sum without one factor of its body,
    "the factor x[i] is missing in sum(x[i], i)".  Not in matrix notation, which says what the claim
    differs by."""
    expected_terms, claim_terms = _expected_terms(problem), _terms(claim)
    if _is_matrix_claim(claim) or not (1 < len(expected_terms) <= MAX_TERMS and 1 < len(claim_terms) <= MAX_TERMS):
        return None
    for mine in claim_terms:
        for theirs in expected_terms:
            if late(problem):
                return None
            if not problem.equal(claim - mine + theirs):
                continue
            factor = _dropped_sum_factor(theirs, mine)
            if factor is not None:
                return Finding("factor", f"the factor {to_text(factor)} is missing in {to_text(theirs)}: the claim "
                                         f"has {to_text(mine)}", ("missing factor", factor))
            return Finding("other", f"the term {to_text(theirs)} is wrong: the claim has {to_text(mine)} instead")
    return None


def _dropped_sum_factor(term, written):
    """m when `written` is `term` with the factor m of a sum's body left out (-n for -sum(x[i], i))."""
    for s in term.atoms(Sum):
        for m in Mul.make_args(s.function):
            if m.is_number:
                continue
            reduced = attempt(lambda m=m, s=s: sympy.simplify(term.xreplace({s: Sum(s.function / m, *s.limits)}).doit()
                                                              - written), 0.3, None)
            if reduced == 0:
                return m
    return None


def _terms(expr):
    if isinstance(expr, MatAdd):
        return list(expr.args)
    if isinstance(expr, sympy.Basic) and not _is_matrix_claim(expr):
        return list(Add.make_args(expr))
    return []


# ---------------------------------------------------------------------------
# what is left: the difference, when it is short


def short_difference(problem, claim):
    """"it differs from the derivative by D" when D = derivative - claim is shorter than both
    (checked: claim + D equals the derivative); else None."""
    expected = _symbolic_expected(problem)
    if expected is None or _is_matrix_claim(claim) and not _is_matrix_expr(claim):
        return None
    if _is_matrix_expr(expected):
        return None  # matrix notation has its own (NumericProblem.difference)
    from ...calculus.index import tidy_index

    by = attempt(lambda: tidy_index(sympy.expand(expected - claim)), 1.0, None)
    if by is None or by == 0:
        return None
    shown = to_text(by)
    if len(shown) >= min(len(to_text(expected)), len(to_text(claim))) or not problem.equal(claim + by):
        return None
    if not any(_proportional(t, c) for t in Add.make_args(by) for c in Add.make_args(claim)):
        return Finding("missing_term", f"a term is missing: {shown}")  # nothing like it in the claim
    return Finding("other", f"the derivative is {to_text(expected)}; the claim differs from it by {shown} "
                            "(the derivative minus the claim)")


def _proportional(a, b):
    ratio = attempt(lambda: sympy.simplify(a / b), 0.3, None)
    return ratio is not None and ratio.is_number
