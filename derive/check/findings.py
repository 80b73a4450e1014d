"""Diagnoses shared by matrix and index notation: what a wrong claim is missing, in the user's terms.

Each rule takes a problem (`check.matrix.NumericProblem` or
`validation.exact.ExactProblem`) and a claim known to be wrong, builds the
claim as it would be with the suspected mistake undone, and asks the problem
whether that equals the derivative (at random points of concrete instances,
exactly where a decision is close).  It returns a `Finding` or None:

    missing_factor    claim * c[i] (inside its sum) is right     "the factor c[i] is missing"
                      claim / m is right                          "an extra factor m"
    terms             claim + t is right, t a term of f'          "a term is missing: 2*lam*w[k]"
                      claim - t is right, t a term of the claim   "an extra term: ..."
                      claim - 2 t is right                        "the sign of the term ... is flipped"
    wrong_term        claim - t + t' is right (last)              "the term n/lam is wrong: the claim has 1/lam"
    data_assumption   right when y is on the simplex (or binary)  "holds only if sum_j y[j] = 1 (y on the simplex)"
    size_assumption   right when K equals an axis' length         "holds only if K equals n, the length of z"
                      (and both together: label smoothing)
    short_difference  derivative - claim is short                 "it differs from the derivative by ..."
"""

import itertools
import time

import sympy
from sympy import Add, Indexed, IndexedBase, MatAdd, MatrixExpr, MatrixSymbol, Mul, Sum, Symbol

from ..text.budgets import attempt
from ..text.printing import to_text
from .diagnosis import Finding

MAX_FACTORS = 10  # candidate factors tried (each costs one comparison)
MAX_TERMS = 6
_DATA_WORDS = {
    "simplex": "on the simplex",
    "binary": "binary (every entry 0 or 1)",
    "sign": "a vector of signs (every entry -1 or 1)",
}


# ---------------------------------------------------------------------------
# a factor missing (or one too many)


def missing_factor(problem, claim):
    if _is_matrix_claim(claim) and not _is_matrix_expr(claim):
        return None  # an explicit matrix: its entries, not a formula, were written
    from_f = _factors(problem.f, problem)
    expected = _symbolic_expected(problem)
    from_derivative = [m for m in _factors(expected, problem) if m not in from_f] if expected is not None else []
    tried = 0
    # a factor only the derivative has, on the variable's index (x[i, k] from d sum(w[j]*x[i, j], j)/dw[k]),
    # is an inner derivative: the chain rule's
    free = {i for t in problem.targets if isinstance(t, Indexed) for i in t.indices}
    candidates = [(m, False) for m in from_f] + [(m, bool(m.free_symbols & free)) for m in from_derivative]
    for m, chain in candidates:
        for placed, variant_times, variant_over in _placements(claim, m, problem):
            tried += 1
            if tried > 3 * MAX_FACTORS or late(problem):
                return None
            if problem.equal(variant_times):
                if chain:
                    return Finding("chain_rule", f"the factor {to_text(placed)} is missing (a chain-rule factor: "
                                                 f"the derivative of an inner function)", ("missing factor", m))
                return Finding("factor", f"the factor {to_text(placed)} is missing", ("missing factor", m))
            if problem.equal(variant_over):
                return Finding("factor", f"an extra factor {to_text(placed)} (not part of the derivative)",
                               ("extra factor", m))
    return None


def late(problem):
    """Past the diagnosis' deadline (`check.matrix.DIAGNOSIS_SECONDS`)?"""
    deadline = getattr(problem, "deadline", None)
    return deadline is not None and time.process_time() > deadline


def _factors(expr, problem):
    """Small non-numeric factors of the products in `expr`: c[i], y[i], lam, 1/N, x[i, k]."""
    if not isinstance(expr, sympy.Basic):
        return []
    targets = set(problem.targets)
    bases = {t.base for t in targets if isinstance(t, Indexed)}
    sizes = {s for M in expr.atoms(MatrixSymbol) for d in M.shape for s in sympy.sympify(d).free_symbols}
    sizes |= {s for e in expr.atoms(Sum) for lim in e.limits for b in lim[1:] for s in b.free_symbols}
    found = []
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, (Mul, sympy.MatMul)):
            continue
        for m in node.args:
            if m.is_number or isinstance(m, MatrixExpr) or not m.is_commutative or m in found:
                continue
            if m.has(MatrixExpr, sympy.KroneckerDelta) or m.free_symbols & sizes:
                continue  # an entry of a matrix product, a size, a delta (free_index_assumption): no such factor
            if m.free_symbols & targets or any(a.base in bases for a in m.atoms(Indexed)) or m.has(Sum):
                continue
            if sympy.count_ops(m) > 3:
                continue
            found.append(m)
            if len(found) >= MAX_FACTORS:
                return found
    return found


def _placements(claim, m, problem):
    """(m as placed, claim with m multiplied in, claim with m divided out) for each place m can go:
    into the body of a sum whose index m's bound indices are renamed to, or in front."""
    free = {i for t in problem.targets if isinstance(t, Indexed) for i in t.indices}
    free |= problem.f.free_symbols
    bound = sorted({s for a in m.atoms(Indexed) for i in a.indices for s in sympy.sympify(i).free_symbols} - free,
                   key=str)
    if not bound:
        yield m, m * claim, claim / m
        return
    if not isinstance(claim, sympy.Basic):
        return
    seen = set()
    for node in sympy.preorder_traversal(claim):
        if not isinstance(node, Sum):
            continue
        for names in itertools.permutations(node.variables, len(bound)):
            placed = m.xreplace(dict(zip(bound, names)))
            if placed in seen:
                continue
            seen.add(placed)
            times = claim.xreplace({node: Sum(node.function * placed, *node.limits)})
            over = claim.xreplace({node: Sum(node.function / placed, *node.limits)})
            yield placed, times, over


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
        for t in claim_terms:
            if problem.equal(claim - 2 * t):
                return Finding("sign", f"the sign of the term {to_text(t)} is flipped")
    return None


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
# right under an assumption on the data


def data_assumption(problem, claim):
    """Right when an array of f (not the variable, not declared) is on the simplex, binary or signs."""
    for array in _data_arrays(problem):
        for kind in ("simplex", "binary", "sign"):
            if late(problem):
                return None
            if problem.equal(claim, assume={array: kind}):
                return Finding("needs_assumption", f"holds only if {_condition(array, kind, problem.f)}")
    return None


def data_and_size_assumption(problem, claim):
    """Right when both hold: y on the simplex and K the number of classes (label smoothing)."""
    sizes = _sizes(problem)
    for array in _data_arrays(problem):
        for K in _size_like(problem, sizes):
            for d in sizes:
                if late(problem):
                    return None
                if problem.equal(claim, assume={array: "simplex", K: ("size", d)}):
                    return Finding("needs_assumption", f"holds only if {_condition(array, 'simplex', problem.f)} "
                                                       f"and {K} equals {d}{_length_of(d, problem)}")
    return None


def _data_arrays(problem):
    """Arrays of f whose kind of data is not known: not the variable, not declared as data, and not
    declared any other way either (x: positive is no label to be binary)."""
    declared = set(getattr(problem, "kinds", {}) or {}) | {k for k, w in getattr(problem, "declared", {}).items()
                                                           if set(w) & (set(_DATA_WORDS) | {"probability"})}
    declared |= {a for a in _arrays_with_assumptions(problem.f)}
    targets = set(problem.targets) | {t.base for t in problem.targets if isinstance(t, Indexed)}
    f = problem.f
    arrays = {a.base for a in f.atoms(Indexed)} | {M for M in f.atoms(MatrixSymbol) if 1 in M.shape}
    return sorted((a for a in arrays if a not in targets and a not in declared), key=str)


def _arrays_with_assumptions(f):
    found = set()
    for a in f.atoms(Indexed):
        label = a.base.label
        if any(getattr(label, f"is_{word}") for word in ("positive", "negative", "nonnegative", "integer")):
            found.add(a.base)
    return found


def _condition(array, kind, f):
    name = to_text(array.label if isinstance(array, IndexedBase) else array)
    if kind != "simplex":
        return f"{name} is {_DATA_WORDS[kind]}"
    if isinstance(array, MatrixSymbol):
        if 1 in array.shape:
            return f"sum({name}) = 1 ({name} on the simplex)"
        return f"each row of {name} sums to 1 (rows on the simplex)"
    element = next((a for a in sorted(f.atoms(Indexed), key=str) if a.base == array), None)
    if element is None or len(element.indices) == 1:
        j = element.indices[0] if element is not None else "j"
        return f"sum_{j} {name}[{j}] = 1 ({name} on the simplex)"
    *rest, last = element.indices
    others = ", ".join(str(i) for i in rest)
    return f"sum_{last} {to_text(element)} = 1 for every {others} (each row of {name} on the simplex)"


def free_index_assumption(problem, claim):
    """Right only where an index f leaves free equals the variable's (d sum(X[i,k]*A[k,j], k)/dX[m,n]
    claimed as A[n,j]): "holds only if i = m"."""
    free = getattr(problem, "free", None)
    if not free or not problem.index_form:
        return None
    for a in free:
        for b in (i for t in problem.targets for i in t.indices):
            if late(problem):
                return None
            if problem.equal(claim, assume={("same index", a, b): True}):
                return Finding("needs_assumption", f"holds only if {a} = {b}: where {a} != {b} the derivative is 0 "
                                                   f"(the factor delta({a}, {b}) is missing)")
    return None


def size_assumption(problem, claim):
    """Right when a scalar of f (K in eps/K) equals the length of an axis: "K equals the number of classes"."""
    sizes = _sizes(problem)
    if not sizes:
        return None
    for K in _size_like(problem, sizes):
        for d in sizes:
            if late(problem):
                return None
            if problem.equal(claim, assume={K: ("size", d)}):
                return Finding("needs_assumption", f"holds only if {K} equals {d}{_length_of(d, problem)}")
    return None


def _size_like(problem, sizes):
    """Scalars of f that could stand for a size (K in eps/K): not variables, not sizes already."""
    return sorted((s for s in problem.f.free_symbols if isinstance(s, Symbol) and not s.is_integer
                   and s not in set(problem.targets) and s not in sizes), key=str)


def _sizes(problem):
    if hasattr(problem, "instances"):
        return sorted({d for inst in problem.instances for d in inst.sizes}, key=str)
    return sorted({d for sizes in problem.sizes for d in sizes}, key=str)


def _length_of(d, problem):
    """", the length of z (the number of values of j)" for the axis whose size d is."""
    ns = problem.ns
    for (array, axis), (lo, hi) in sorted(getattr(ns, "axis_ranges", {}).items(), key=str):
        if sympy.simplify(hi - lo + 1 - d) == 0:
            return f", the length of {array}" if axis == 0 else f", the number of columns of {array}"
    for M in sorted(problem.f.atoms(MatrixSymbol), key=str):
        if M.shape[0] == d:
            return f", the length of {M.name}" if M.shape[1] == 1 else f", the number of rows of {M.name}"
        if M.shape[1] == d:
            return f", the number of columns of {M.name}"
    return ""


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
    from ..calculus.index import tidy_index

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


# ---------------------------------------------------------------------------


def _symbolic_expected(problem):
    """The derivative as a formula (index notation, a matrix expression, or the one entry of a
    sample's derivative), or None when only explicit instances exist."""
    shown = problem.display()
    if isinstance(shown, sympy.MatrixBase):
        if shown.shape != (1, 1) or not getattr(problem, "scalar_form", True):  # not an explicit instance
            return None
        shown = shown[0, 0]
    return shown


def _is_matrix_claim(obj):
    return isinstance(obj, (sympy.MatrixBase, MatrixExpr))


def _is_matrix_expr(obj):
    return isinstance(obj, MatrixExpr) and not isinstance(obj, sympy.MatrixBase)


RULES = (missing_factor, terms, free_index_assumption, data_assumption, size_assumption,
         data_and_size_assumption, wrong_term)

__all__ = ["RULES", "data_assumption", "missing_factor", "short_difference", "size_assumption", "terms"]
