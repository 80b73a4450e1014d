"""A factor missing or one too many: `missing_factor`.

    claim * c[i] (inside its sum) is right          "the factor c[i] is missing"
    claim / m is right                              "an extra factor m"
    claim * s or claim / s is right, s a scalar     "the factor 1/sigma is missing (the derivative
    of f (a power off by one)                        has 1/sigma**2, the claim 1/sigma)"
    a factor a of the claim in place of a           "the chain rule's inner derivative d/dw[k] u is
    chain-rule factor b (index notation)             X[i, k]; the claim has w[k]"
"""

import itertools

import sympy
from sympy import Add, Indexed, MatrixExpr, MatrixSymbol, Mul, Sum, Symbol

from ...errors import DeriveError
from ...text.budgets import attempt
from ...text.printing import to_text
from ..diagnosis import Finding
from .reading import MAX_TERMS, _is_matrix_claim, _is_matrix_expr, _sizes, _symbolic_expected, late

MAX_FACTORS = 10  # candidate factors tried (each costs one comparison)


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
    from ...calculus.index import diff_indexed

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
