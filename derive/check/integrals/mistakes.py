"""What a wrong antiderivative got wrong: F'/f a constant ("factor", "sign"), F against derive's
antiderivative term by term ("missing_term", "extra_term"), or F is f's derivative ("wrong_kind")."""

import random

import sympy
from sympy import Abs, log

from ...calculus.reals import real_diff
from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation.equivalence import compare, numeric_value, sample_point
from ..verdict import Verdict
from .numbers import _exact_number, _exact_or_float

MAX_TERMS = 24  # terms compared one by one; beyond that the comparison says nothing a reader can use


def _wrong(f, x, F, dF, derived, symbols, point, seed):
    """The wrong claim's verdict, its mistake named; derive's antiderivative (`derived`) is sought only
    where the words need it."""
    values = (_exact_or_float(f, point), _exact_or_float(dF, point))

    def verdict(mistake, text):
        return Verdict("wrong", None, F, text, "numeric: F' against f at a point of f's domain", point, values,
                       kind="antiderivative", mistake=mistake)

    k = _constant_ratio(dF, f, x, symbols, seed)
    is_derivative = _equal(F, real_diff(f, x), symbols, f, seed)
    if k == -1:
        note = " (it is also f's derivative: was f differentiated instead of integrated?)" if is_derivative else ""
        return verdict("sign", "the derivative of the claim is -f: the sign is wrong" + note)
    if is_derivative:
        expected = derived.expected
        shown = f"; derive's antiderivative is {to_text(expected)}" if expected is not None else ""
        return verdict("wrong_kind", f"the claim is f's derivative, not an antiderivative{shown}")
    if k == 0:
        return verdict("other", "the claim is a constant: its derivative is 0, not f")
    if k is not None:
        return verdict("factor", _factor_text(k, f, x, derived))
    expected = derived.expected
    if expected is not None:
        found = _terms(F, expected, x, derived.rules)
        if found is not None:
            return verdict(*found)
    text = f"the claim's derivative is {to_text(_tidy(dF))}, not f = {to_text(f)}"
    if expected is not None:
        d = _up_to_constant(_tidy(F - expected), x)
        if sympy.count_ops(d) <= 2 * sympy.count_ops(expected) + 4:
            text += f"; it differs from derive's antiderivative {to_text(expected)} by {to_text(d)} (up to a constant)"
    return verdict("other", text)


def _equal(a, b, symbols, f, seed):
    return compare(a, b, symbols, seconds=0.3, seed=seed, domain=(f,)).equal


def _constant_ratio(dF, f, x, symbols, seed):
    """k with F' = k f (k free of x), or None."""
    if f == 0:
        return None
    q = attempt(lambda: sympy.simplify(dF / f), 0.5, None)
    if q is not None and not q.has(x) and not q.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo):
        return q
    if set(symbols) - {x}:
        return None  # a ratio depending on the parameters: SymPy's word or none
    rng = random.Random(seed + 11)
    ratios = []
    for k in range(60):
        if len(ratios) >= 5:
            break
        point = sample_point(symbols, rng, k)
        fv, dv = numeric_value(f, point), numeric_value(dF, point)
        if fv is None or dv is None or fv == 0:
            continue
        ratios.append(dv / fv)
    if len(ratios) < 3 or any(abs(r - ratios[0]) > 1e-25 * max(1, abs(ratios[0])) for r in ratios):
        return None
    return _exact_number(ratios[0])


def _factor_text(k, f, x, derived):
    head = f"the derivative of the claim is {to_text(k)} times f"
    for u, a in _inner_linear(f, x):
        if k == a:
            return f"{head}: a factor 1/{_paren(a)} from the inner function {to_text(u)} is missing"
        if k == -a:
            return (f"{head}: a factor 1/{_paren(-a)} from the inner function {to_text(u)} is missing, "
                    f"and the sign is wrong")
        if k == a ** 2:
            return f"{head}: the claim multiplies by {to_text(a)} where the inner function {to_text(u)} asks to divide"
        if k == 1 / a:
            return f"{head}: the claim divides by {to_text(a)} (from the inner function {to_text(u)}) once too often"
    n = _single_power(f, x)
    if n is not None and k == n + 1:
        return f"{head}: the power rule's 1/(n + 1) = {to_text(1 / (n + 1))} is missing"
    for rule in derived.rules:  # derive's own substitution says where the factor comes from
        if rule.startswith("substitution: substitute "):
            where = rule[len("substitution: substitute "):].split(":")[0]
            return f"{head}: a factor {to_text(1 / k)} is missing (from the substitution {where})"
        if rule.startswith("arctangent rule"):
            return f"{head}: a factor {to_text(1 / k)} is missing (the integral of 1/(x**2 + a**2) is atan(x/a)/a)"
    return f"{head}: multiply the claim by {to_text(1 / k)}"


def _single_power(f, x):
    """n where f is c*x**n (the power rule's case), else None."""
    _, rest = f.as_independent(x, as_Add=False)
    if rest == x:
        return sympy.S.One
    if isinstance(rest, sympy.Pow) and rest.base == x and not rest.exp.has(x) and rest.exp != -1:
        return rest.exp
    return None


def _paren(v):
    text = to_text(v)
    return text if v.is_Integer or v.is_Symbol else f"({text})"


def _inner_linear(f, x):
    """(u, du/dx) for each inner function u = a*x + b of f with a constant a other than 0 and +-1."""
    seen, out = set(), []
    for node in sympy.preorder_traversal(f):
        inner = list(node.args) if isinstance(node, sympy.Function) else [node.base] if isinstance(node, sympy.Pow) \
            else []
        for u in inner:
            if u in seen or not u.has(x) or u == x:
                continue
            seen.add(u)
            a = sympy.diff(u, x)
            if not a.has(x) and a not in (0, 1, -1):
                out.append((u, a))
    return out


def _terms(F, expected, x, rules):
    """The claim against derive's antiderivative term by term (as written, then expanded): one term
    missing, one extra, one with its sign flipped or its coefficient off; (mistake, text) or None."""
    # log(u) against log|u|: the same term (whether log(u) is defined is the domain check's question)
    plain = expected.xreplace({t: log(t.args[0].args[0]) for t in expected.atoms(log)
                               if isinstance(t.args[0], Abs) and F.has(log(t.args[0].args[0]))})
    for split in (sympy.Add.make_args, lambda e: sympy.Add.make_args(attempt(lambda: sympy.expand(e), 0.3, e))):
        claim_terms, true_terms = _by_part(split(F), x), _by_part(split(plain), x)
        if claim_terms is None or true_terms is None:
            continue
        found = _one_difference(claim_terms, true_terms, F, expected, x, rules)
        if found is not None:
            return found
    return None


def _by_part(terms, x):
    """x-dependent part -> coefficient (constants dropped: they are constants of integration)."""
    if len(terms) > MAX_TERMS:
        return None
    table = {}
    for t in terms:
        coeff, part = t.as_independent(x, as_Add=False)
        if part.has(x):
            table[part] = table.get(part, 0) + coeff
    return {p: c for p, c in table.items() if c != 0}


def _one_difference(claim_terms, true_terms, F, expected, x, rules):
    missing = [p for p in true_terms if p not in claim_terms]
    extra = [p for p in claim_terms if p not in true_terms]
    changed = [p for p in claim_terms if p in true_terms and sympy.simplify(claim_terms[p] - true_terms[p]) != 0]
    d = _up_to_constant(_tidy(F - expected), x)
    difference = f"claim - antiderivative = {to_text(d)}, up to a constant"
    if missing and not extra and not changed:
        term = sympy.Add(*(true_terms[p] * p for p in missing))
        extra_slope = _tidy(-real_diff(term, x))
        text = (f"a term is missing: derive's antiderivative {to_text(expected)} has {to_text(term)}, the claim does "
                f"not ({difference}); the claim's derivative has {to_text(extra_slope)} more than f")
        if "parts" in " ".join(rules):
            text += " (integration by parts: u v - integral of v du; was the integral of v du term dropped?)"
        return "missing_term", text
    if extra and not missing and not changed:
        term = sympy.Add(*(claim_terms[p] * p for p in extra))
        return "extra_term", (f"the claim has a term too many: {to_text(term)}, whose derivative "
                              f"{to_text(_tidy(real_diff(term, x)))} is not part of f ({difference})")
    if len(changed) == 1 and not missing and not extra:
        p = changed[0]
        ours, theirs = true_terms[p] * p, claim_terms[p] * p
        if sympy.simplify(claim_terms[p] + true_terms[p]) == 0:
            return "sign", (f"the term {to_text(theirs)} has the wrong sign: derive's antiderivative "
                            f"{to_text(expected)} has {to_text(ours)} ({difference})")
        return "factor", (f"the term {to_text(theirs)} should be {to_text(ours)}: its coefficient is off by the factor "
                          f"{to_text(sympy.simplify(claim_terms[p] / true_terms[p]))} ({difference})")
    return None


def _up_to_constant(d, x):
    return sympy.Add(*(t for t in sympy.Add.make_args(d) if t.has(x))) if d.has(x) else d


def _tidy(e):
    simpler = attempt(lambda: sympy.simplify(e), 0.3, e)
    return simpler if sympy.count_ops(simpler) <= sympy.count_ops(e) else e
