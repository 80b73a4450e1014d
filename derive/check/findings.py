"""Diagnoses shared by matrix and index notation: what a wrong claim is missing, in the user's terms.

Each rule takes a problem (`check.matrix.NumericProblem` or
`validation.exact.ExactProblem`) and a claim known to be wrong, builds the
claim as it would be with the suspected mistake undone, and asks the problem
whether that equals the derivative (at random points of concrete instances,
exactly where a decision is close).  It returns a `Finding` or None:

    missing_factor    claim * c[i] (inside its sum) is right     "the factor c[i] is missing"
                      claim / m is right                          "an extra factor m"
                      claim * s or claim / s is right, s a scalar "the factor 1/sigma is missing (the derivative
                      of f (a power off by one)                   has 1/sigma**2, the claim 1/sigma)"
                      a factor a of the claim in place of a       "the chain rule's inner derivative d/dw[k] u is
                      chain-rule factor b (index notation)        X[i, k]; the claim has w[k]"
    terms             claim + t is right, t a term of f'          "a term is missing: 2*lam*w[k]"
                      claim - t is right, t a term of the claim   "an extra term: ..."
                      one term t of the claim (or of a sum in it) "the sign of the term ... is flipped",
                      times a constant c is right (c = -1: sign)  "the term 2*lam*w lost its factor 2: the claim
                                                                  has lam*w"
                      claim + d(term of f) is right (index and    "a term is missing: ..., the derivative of
                      sample notation, f's sums split)            -sum((1 - y[i])*log(...), i) (a term of f)"
    wrong_term        claim - t + t' is right (last)              "the term n/lam is wrong: the claim has 1/lam"
    data_assumption   right when y is on the simplex (or binary)  "holds only if sum_j y[j] = 1 (y on the simplex)"
    size_assumption   right when K equals an axis' length         "holds only if K equals n, the length of z"
                      (and both together: label smoothing)
    short_difference  derivative - claim is short                 "it differs from the derivative by ..."

    inner_derivative  matrix notation, last: the claim right once  "the chain rule's inner derivative is missing:
                      the chain rule's inner derivative is         2*lam*sqrt(w.T@w) is the derivative by ...",
                      applied (a broadcast scalar term, or the     "the claim is the derivative by softmax(z),
                      whole claim by an inner function)            not by z: ..."

Two more are asked by `check.matrix` at their own moment: `unbound_index` (first; a sample's
parameter: the claim uses an index f sums over freely) and `broadcast_row` (with the shapes: a
column plus a row, broadcast to the Hessian's shape, where the gradient was asked).
"""

import itertools
import time

import sympy
from sympy import Add, Indexed, IndexedBase, MatAdd, MatrixExpr, MatrixSymbol, Mul, OneMatrix, Sum, Symbol
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import DeriveError
from ..text.budgets import attempt
from ..text.printing import to_text
from ..validation.exact import ExactProblem
from . import index_form
from .diagnosis import Finding

MAX_FACTORS = 10  # candidate factors tried (each costs one comparison)
MAX_TERMS = 6
_DATA_WORDS = {
    "simplex": "on the simplex",
    "binary": "binary (every entry 0 or 1)",
    "sign": "a vector of signs (every entry -1 or 1)",
    "onehot": "one-hot (one entry 1, the others 0)",
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
    return _power_off_by_one(problem, claim, expected) or _replaced_chain_factor(problem, claim, from_derivative)


def _power_off_by_one(problem, claim, expected):
    """claim * s or claim / s is right for a scalar s of f (sigma for sigma**2): "the factor 1/sigma is
    missing (the derivative has 1/sigma**2, the claim 1/sigma)"."""
    for s in _scalars_of_f(problem)[:MAX_FACTORS]:
        for m in (1 / s, s):
            if late(problem):
                return None
            if problem.equal(claim * m):
                return Finding("factor", f"the factor {to_text(m)} is missing{_powers_in_words(s, expected, claim)}",
                               ("missing factor", m))
    return None


def _scalars_of_f(problem):
    """f's scalar symbols that are not the variable, a size or an index (sigma, lam)."""
    targets = set(problem.targets)
    sizes = {s for d in _sizes(problem) for s in sympy.sympify(d).free_symbols}
    return sorted((s for s in problem.f.free_symbols if isinstance(s, Symbol) and not s.is_integer
                   and s not in targets and s not in sizes), key=str)


def _powers_in_words(s, expected, claim):
    """" (the derivative has 1/sigma**2, the claim 1/sigma)" where both are products with a power of s."""
    def power(e):
        if not isinstance(e, sympy.Expr) or isinstance(e, MatrixExpr):
            return None
        p = Mul(*(m for m in Mul.make_args(e) if m.free_symbols == {s}))
        return p if p != 1 and p.free_symbols == {s} and not p.is_Add else None

    theirs, mine = power(expected), power(claim)
    if theirs is None or mine is None:
        return ""
    return f" (the derivative has {_power_text(theirs)}, the claim {_power_text(mine)})"


def _power_text(p):
    """1/sigma**2 rather than sigma**(-2)."""
    base, exp = p.as_base_exp()
    return f"1/{to_text(base ** -exp)}" if exp.is_number and exp.is_negative else to_text(p)


def _replaced_chain_factor(problem, claim, chain_factors):
    """Index notation: one factor a of the claim (on the variable's index, inside a sum) in place of
    a chain-rule factor b of the derivative (w[k] for X[i, k], the inner derivative of
    sum(X[i, j]*w[j], j)): the claim with b for a is right."""
    if not problem.index_form or not isinstance(claim, sympy.Basic):
        return None
    free = {i for t in problem.targets for i in t.indices}
    wanted = [b for b in chain_factors if b.free_symbols & free][:MAX_FACTORS]
    if not wanted:
        return None
    tried = 0
    for node, bound in _products(claim):
        for a in Mul.make_args(node):
            if a.is_number or not (a.free_symbols & free):
                continue
            for b in wanted:
                for placed in _renamed(b, bound, problem):
                    tried += 1
                    if tried > 3 * MAX_FACTORS or late(problem):
                        return None
                    if placed == a or not problem.equal(claim.xreplace({node: node / a * placed})):
                        continue
                    inner = _inner_with_derivative(problem, b)
                    said = f" d/d{to_text(problem.target)} {to_text(inner)}" if inner is not None else ""
                    return Finding("chain_rule", f"the chain rule's inner derivative{said} is {to_text(placed)}; "
                                                 f"the claim has {to_text(a)}")
    return None


def _products(expr, bound=()):
    """(product, indices the sums around it bind) for the products in `expr`, outside function calls."""
    if isinstance(expr, Mul):
        yield expr, bound
    if isinstance(expr, Sum):
        yield from _products(expr.function, bound + tuple(expr.variables))
    elif isinstance(expr, (Add, Mul)) or isinstance(expr, sympy.Pow) and expr.exp.is_number:
        for a in expr.args:
            yield from _products(a, bound)


def _renamed(b, bound, problem):
    """b with its own summed indices renamed to those bound where it goes (X[i, k] in a sum over i)."""
    free = {i for t in problem.targets for i in t.indices} | problem.f.free_symbols
    own = sorted({s for a in b.atoms(Indexed) for i in a.indices for s in sympy.sympify(i).free_symbols} - free,
                 key=str)
    if not own:
        yield b
        return
    for names in itertools.permutations(bound, len(own)):
        yield b.xreplace(dict(zip(own, names)))


def _inner_with_derivative(problem, b):
    """The inner function of f (the argument of a function call) whose derivative by the variable is
    b: sum(X[i, j]*w[j], j) for X[i, k]."""
    from ..calculus.index import diff_indexed

    inners = {a for node in sympy.preorder_traversal(problem.f) if isinstance(node, (sympy.Function, sympy.Pow))
              for a in node.args[:1] if a.has(problem.target.base)}
    inners |= {e for e in problem.f.atoms(Sum) if e.has(problem.target.base)}
    for u in sorted(inners, key=lambda u: len(str(u)))[:MAX_TERMS]:
        try:
            d = attempt(lambda u=u: diff_indexed(u, problem.target), 0.3, None)
        except (DeriveError, TypeError, ValueError):
            continue  # no derivative of this one to name: the words go without it
        if d is not None and sympy.expand(d - b) == 0:
            return u
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
    return scaled_term(problem, claim) or missing_term_of_f(problem, claim)


def missing_term_of_f(problem, claim):
    """Index and sample notation: the claim lacks the derivative of one term of f (the (1 - y[i])
    half of the logistic loss, its sum split): claim + d(that term) is right."""
    if not isinstance(problem, ExactProblem) or not (problem.index_form or problem.scalar_form) \
            or len(problem.targets) != 1 or not isinstance(problem.f, sympy.Expr):
        return None
    from ..calculus.index import diff_indexed, tidy_index

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


def _times_text(c, term):
    """c*term as a student writes it: 2*lam*w, not (2*lam)*w."""
    if isinstance(term, sympy.MatMul):
        scalar, matrices = term.as_coeff_matrices()
        scalar, rest = c * scalar, to_text(sympy.MatMul(*matrices))
        if scalar == 1:
            return rest
        if scalar == -1:
            return f"-{rest}"
        shown = to_text(scalar)
        return f"({shown})*{rest}" if isinstance(scalar, Add) else f"{shown}*{rest}"
    return to_text(c * term)


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
# the chain rule's inner derivative not applied (matrix notation; last, as it differentiates)


MAX_INNER = 3  # inner functions tried (each costs a derivative)


def inner_derivative(problem, claim):
    """Matrix notation, a gradient: the claim is right once the chain rule's inner derivative is
    applied.  A scalar term s (2*lam*norm(w), broadcast down the column, for lam*norm(w)**2) is
    the derivative by its factor u = norm(w): s times the gradient of u is right.  Or the whole
    claim is the derivative by an inner function g (-y/softmax(z), by p = softmax(z)): g's
    Jacobian, transposed, times the claim is right."""
    if getattr(problem, "index_form", True) or not _is_matrix_expr(claim) or problem.kind != "grad" \
            or not isinstance(problem.target, MatrixSymbol) or problem.target.shape[1] != 1:
        return None
    return _outer_derivative_term(problem, claim) or _derivative_by_inner(problem, claim)


def _outer_derivative_term(problem, claim):
    x = problem.target
    for t in (claim.args if isinstance(claim, MatAdd) else (claim,)):
        scalar, matrices = t.as_coeff_matrices() if isinstance(t, sympy.MatMul) else (1, [t])
        if len(matrices) != 1 or not isinstance(matrices[0], OneMatrix) or not scalar.has(x):
            continue  # not a scalar broadcast down the column
        # a factor with x (norm(w) in 2*lam*norm(w)), else the argument of a function (w.T@w in exp(w.T@w))
        factors = sorted((u for u in Mul.make_args(scalar) if u.has(x)), key=sympy.count_ops)
        arguments = [a for m in factors for a in (m.args[:1] if isinstance(m, (sympy.Function, sympy.Pow)) else ())
                     if a.has(x)]
        inners = list(dict.fromkeys(factors + arguments))[:MAX_INNER]
        for u in inners:
            if late(problem):
                return None
            gradient = _derivative(u, x, "grad")
            if gradient is None:
                continue
            right = sympy.MatMul(scalar, gradient).doit()
            if problem.equal(claim.xreplace({t: right}) if t is not claim else right):
                inner = f"({to_text(u)})" if isinstance(u, Add) else to_text(u)
                return Finding("chain_rule", f"the chain rule's inner derivative is missing: "
                                             f"{_product_text(scalar, x)} is the derivative by {to_text(u)}; times "
                                             f"d/d{to_text(x)} {inner} = {_times_text(1, gradient)} it is "
                                             f"{_times_text(1, right)}")
    return None


def _product_text(scalar, x):
    """2*lam*sqrt(w.T@w): the number, the constants, then the factors with x."""
    factors = sorted(Mul.make_args(scalar), key=lambda m: (not m.is_number, m.has(x), str(m)))
    shown = [f"({to_text(m)})" if isinstance(m, Add) else to_text(m) for m in factors if m != 1]
    return "*".join(shown).replace("-1*", "-", 1) if shown else "1"


def _derivative_by_inner(problem, claim):
    x = problem.target
    inners = [g for g in sympy.preorder_traversal(claim) if g is not claim and g != x
              and isinstance(g, (sympy.MatMul, ElementwiseApplyFunction)) and g.has(x)
              and g.has(ElementwiseApplyFunction) and tuple(g.shape) == tuple(x.shape)]
    for g in list(dict.fromkeys(inners))[:MAX_INNER]:
        if late(problem):
            return None
        jacobian = _derivative(g, x, "jacobian")
        if jacobian is None:
            continue
        try:
            right = problem.equal(jacobian.T @ claim)
        except (TypeError, ValueError, sympy.ShapeError):
            continue
        if right:
            return Finding("chain_rule", f"the claim is the derivative by {to_text(g)}, not by {to_text(x)}: the "
                                         f"chain rule's inner derivative, the Jacobian of {to_text(g)}, is not "
                                         f"applied (its transpose times the claim is the derivative)")
    return None


def _derivative(expr, x, kind):
    """derive's matrix derivative of `expr` (checked in use: a claim built on it must equal the
    problem's checked derivative), or None."""
    from ..calculus.targets import matrix_derivative

    try:
        return attempt(lambda: matrix_derivative(expr, x, kind, set())[-1][1], 0.5, None)
    except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError):
        return None


# ---------------------------------------------------------------------------
# asked by check.matrix at their own moment: an index no sum binds, a row broadcast onto a column


def unbound_index(problem, claim):
    """A sample's parameter (mu in sum(-(x[i] - mu)**2, i)): the claim uses an index freely that
    f sums over (the sum dropped), so it is no single number.  Index notation (wrt w[k]) says this
    before comparing (`index_form.unbound`); here the scalar's claim was compared first."""
    if problem.index_form or not isinstance(claim, sympy.Basic) or _is_matrix_claim(claim) \
            or not isinstance(problem.f, sympy.Basic):
        return None
    stray = index_form.unbound(claim, problem.f, ())
    if not stray:
        return None
    listed = " and ".join(str(i) for i in stray)
    plural = len(stray) > 1
    uses = sorted({to_text(a) for a in claim.atoms(Indexed) if set(a.indices) & set(stray)}, key=len)[:4]
    sums = [to_text(e) for e in problem.f.atoms(Sum) if set(e.variables) & set(stray)]
    summed = min(sums, key=len) if sums else None
    where = "" if summed is None else f" (in f it is summed: {summed if len(summed) <= 40 else 'sum over ' + listed})"
    return Finding("index_unbound", f"the ind{'ices' if plural else 'ex'} {listed} {'are' if plural else 'is'} not "
                                    f"bound by any sum: {', '.join(uses)} {'use' if len(uses) > 1 else 'uses'} "
                                    f"{listed} freely, but the derivative has no free {listed}{where}")


def broadcast_row(problem):
    """A gradient (a column) claimed as a sum of columns and rows, which NumPy broadcasts to the
    Hessian's shape (2*X.T@X@w - 2*y.T@X: d x 1 plus 1 x d is d x d): right once each row term is
    transposed.  The row is the slip (transpose), not the kind of derivative."""
    claim = problem.claim
    if problem.kind != "grad" or not isinstance(claim, MatAdd) or problem.expected_shape()[1] != 1:
        return None
    columns, rows = [], []
    for t in claim.args:
        scalar, matrices = t.as_coeff_matrices() if isinstance(t, sympy.MatMul) else (1, [t])
        if len(matrices) > 1 and isinstance(matrices[-1], OneMatrix) and matrices[-1].shape[0] == 1:
            columns.append(sympy.MatMul(scalar, *matrices[:-1]))  # v @ ones(1, n): a column across
        elif len(matrices) > 1 and isinstance(matrices[0], OneMatrix) and matrices[0].shape[1] == 1:
            rows.append(sympy.MatMul(scalar, *matrices[1:]))  # ones(n, 1) @ r: a row down
        else:
            return None  # a term of its own shape: no broadcast to undo
    if not columns or not rows:
        return None
    fixed = [sympy.Transpose(r).doit() for r in rows]
    try:
        right = problem.equal(sympy.MatAdd(*columns, *fixed))
    except (TypeError, ValueError, sympy.ShapeError):
        return None
    if not right:
        return None
    n = to_text(problem.expected_shape()[0])
    if len(rows) == 1:
        said = f"the term {_times_text(1, rows[0])} is a row (1 x {n}) where the gradient is a column: its " \
               f"transpose is {_times_text(1, fixed[0])}"
    else:
        said = f"the terms {', '.join(_times_text(1, r) for r in rows)} are rows (1 x {n}) where the gradient is " \
               f"a column: their transposes are {', '.join(_times_text(1, c) for c in fixed)}"
    return Finding("transpose", f"{said}; adding a row to a column broadcasts to {n} x {n}")


# ---------------------------------------------------------------------------
# right under an assumption on the data


def data_assumption(problem, claim):
    """Right when an array of f (not the variable, not declared) is on the simplex, binary or signs."""
    for array in _data_arrays(problem):
        for kind in ("simplex", "binary", "sign", "onehot"):
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

__all__ = ["RULES", "broadcast_row", "data_assumption", "inner_derivative", "missing_factor", "missing_term_of_f",
           "scaled_term", "short_difference", "size_assumption", "terms", "unbound_index"]
