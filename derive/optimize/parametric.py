"""Solutions that depend on parameters, with the conditions under which each holds.

In an optimality problem the symbols that are not variables are parameters: in
``a*x**2 + b*x`` over x, a and b.  Parameters are taken to be real numbers.  A
parametric system has a generic solution (x = -b/(2a)) that holds under
conditions (a != 0), and special cases where those conditions fail (a = 0:
no solution if b != 0, every x if b = 0).

    >>> import sympy
    >>> a, b, x = sympy.symbols("a b x")
    >>> [(c.values, c.relations) for c in solve_cases([2*a*x + b], [x], [a, b])][-1]
    ({x: -b/(2*a)}, [Ne(a, 0)])

`solve_cases` splits on the parameters where the system degenerates: the leading
coefficients of a lex Groebner basis with the unknowns ahead of the parameters
(where they vanish, the basis does not specialize), and the denominators of the
generic solution.  Each split fixes one parameter (a = 0) and solves again, so
the depth is at most the number of parameters.  Conditions are SymPy relations,
simplified (one-parameter conditions through SymPy's inequality solver) and
checked at random admissible parameter values (`samples`).
"""

import random
from dataclasses import dataclass, field

import sympy
from sympy import Eq, Ge, Gt, Le, Lt, Ne

from ..errors import DeriveError, LimitError
from ..text.budgets import attempt
from ..text.inputs import as_basic, free_scalars


@dataclass
class Case:
    """One branch of a parametric solution.

    ``values`` (unknown -> expression in the parameters), or None when the system
    has no solution in this case; ``free`` (unknowns left free: a continuum of
    solutions, ``values`` then holds the others); ``fixed`` (parameter -> value in
    this case, e.g. a = 0); ``conditions`` (relations on the other parameters).
    """

    values: dict = None
    conditions: list = field(default_factory=list)
    fixed: dict = field(default_factory=dict)
    free: tuple = ()

    @property
    def relations(self):
        """Every condition of this case, the fixed parameters (a = 0) first."""
        return [Eq(p, v) for p, v in self.fixed.items()] + list(self.conditions)


def parameters(exprs, unknowns):
    """The scalar symbols of `exprs` that are not unknowns, sorted by name."""
    everything = sympy.Add(*[sympy.Abs(e) for e in exprs]) if exprs else sympy.S.Zero
    return tuple(s for s in free_scalars(everything) if s not in set(unknowns))


# ---------------------------------------------------------------------------
# When is an expression in the parameters a real number?  One rule per node type.

def _pow_rule(node):
    base, exponent = node.as_base_exp()
    if base == 0 and exponent.free_symbols:  # 0**e: defined (and 0) for e > 0
        return [Gt(exponent, 0)]
    if not exponent.is_Rational or not base.free_symbols:
        return []
    if exponent.is_integer:
        return [Ne(base, 0)] if exponent < 0 else []
    # SymPy's powers are principal values: real for a base >= 0 (> 0 for negative exponents)
    return [Gt(base, 0)] if exponent < 0 else [Ge(base, 0)]


REALITY_RULES = {
    sympy.Pow: _pow_rule,
    sympy.log: lambda node: [Gt(node.args[0], 0)],
    sympy.asin: lambda node: [Ge(node.args[0], -1), Le(node.args[0], 1)],
    sympy.acos: lambda node: [Ge(node.args[0], -1), Le(node.args[0], 1)],
    sympy.LambertW: lambda node: [Ge(node.args[0], -sympy.exp(-1))],
}


def reality_conditions(value, params):
    """Relations on the parameters under which `value` is real and defined.

    Raises `LimitError` when the value has I in it and SymPy cannot say when its
    imaginary part vanishes (parametric roots of a cubic, casus irreducibilis).
    Returns None when the value is never real.
    """
    conditions = []
    if value.has(sympy.I):
        real = {p: sympy.Dummy(p.name, real=True) for p in params}
        _, imaginary = value.xreplace(real).as_real_imag()
        imaginary = imaginary.xreplace({d: p for p, d in real.items()})
        if attempt(lambda: tidy([Eq(imaginary, 0)], params) is None, 1.0, False):
            return None  # never real
        raise LimitError("a parametric solution has complex radicals (the roots of a cubic or quartic in "
                         "the variables): when it is real depends on the parameters in a way derive does "
                         "not decide; give the parameters values")
    for node in sympy.preorder_traversal(value):
        rule = REALITY_RULES.get(type(node))
        if rule is not None and node.free_symbols:
            conditions += rule(node)
    return conditions


# ---------------------------------------------------------------------------
# Conditions: simplified, decided where possible, and sampled.

def tidy(conditions, params):
    """Simplified conditions (a list of relations), or None when they cannot all hold.

    Conditions that always hold are dropped; conditions on one parameter are
    merged through SymPy's inequality solver (a >= 0 and -2a >= 0 -> a = 0).
    """
    real = {p: sympy.Dummy(p.name, real=True) for p in params}
    back = {d: p for p, d in real.items()}
    kept = []
    for c in conditions:
        c = _normalize(c)
        decided = c.xreplace(real) if isinstance(c, sympy.Basic) else c
        if decided is sympy.true or c is sympy.true:
            continue
        if decided is sympy.false or c is sympy.false:
            return None
        if c not in kept:
            kept.append(c)
    kept = _merge_signs(kept)
    if kept is None:
        return None
    by_param, other = {}, []
    for c in kept:
        syms = [p for p in params if p in c.free_symbols]
        if len(syms) == 1 and isinstance(c, sympy.Rel):
            by_param.setdefault(syms[0], []).append(c)
        else:
            other.append(c)
    merged = []
    for p, items in by_param.items():
        region = _region(items, p, real[p])
        if region is None:
            merged += items
        elif region.is_empty:
            return None
        elif region != sympy.S.Reals:
            merged += _as_relations(region, real[p], back)
    return merged + other


# the signs (-1, 0, +1) of lhs that `lhs REL 0` allows, and back
SIGNS = {Gt: {1}, Ge: {0, 1}, Lt: {-1}, Le: {-1, 0}, Eq: {0}, Ne: {-1, 1}}
RELATION_OF_SIGNS = {frozenset(v): k for k, v in SIGNS.items()}


def _merge_signs(conditions):
    """Relations on the same expression combined (a*b > 0 and a*b < 0: impossible, None;
    a*b >= 0 and a*b != 0: a*b > 0)."""
    allowed, order, out = {}, [], []
    for c in conditions:
        if isinstance(c, sympy.Rel) and type(c) in SIGNS and c.rhs == 0:
            if c.lhs not in allowed:
                allowed[c.lhs] = {-1, 0, 1}
                order.append(c.lhs)
            allowed[c.lhs] &= SIGNS[type(c)]
        else:
            out.append(c)
    merged = []
    for lhs in order:
        if allowed[lhs] == {0} and lhs.is_Mul and all(0 not in allowed.get(f, {0}) for f in lhs.args
                                                       if not f.is_number):
            return None  # a*b == 0 while a != 0 and b != 0
        if not allowed[lhs]:
            return None
        if len(allowed[lhs]) < 3:
            merged.append(RELATION_OF_SIGNS[frozenset(allowed[lhs])](lhs, 0))
    return merged + out


# `root REL 0` for a principal root of u (defined where u >= 0), as a relation on u
ROOT_RELATIONS = {Gt: lambda u: Gt(u, 0), Eq: lambda u: Eq(u, 0), Ne: lambda u: Ne(u, 0),
                  Le: lambda u: Eq(u, 0), Ge: lambda u: sympy.true, Lt: lambda u: sympy.false}


def _normalize(c):
    """lhs - rhs against 0, with positive constant factors removed and the parameter on the left."""
    if not isinstance(c, sympy.Rel):
        return c
    diff = sympy.factor_terms(sympy.expand(c.lhs - c.rhs))
    if diff.is_number:
        return c.func(diff, 0)
    numerator, denominator = sympy.fraction(sympy.together(diff))
    if not denominator.is_number and type(c) in (Gt, Lt):  # n/d > 0 exactly when n*d > 0
        diff = sympy.factor_terms(numerator * denominator)
    elif not denominator.is_number and type(c) in (Eq, Ne):
        diff = sympy.factor_terms(numerator)
    coeff, rest = diff.as_coeff_Mul()
    if coeff.is_negative:
        return _normalize(FLIP[type(c)](rest, 0))
    reduced = _without_signed_factors(rest, type(c))
    if reduced is not None:
        return _normalize(reduced)
    if rest.is_Pow and rest.exp.is_Rational and rest.exp > 0 and not rest.exp.is_integer:
        # u**(p/q) (a principal root, defined for u >= 0) is 0 where u is, and positive elsewhere
        return _normalize(ROOT_RELATIONS[type(c)](rest.base))
    if rest.is_Add:
        terms = sympy.Add.make_args(rest)
        constants = [t for t in terms if t.is_number]
        if len(constants) == 1 and len(terms) == 2:  # a - 1 > 0  ->  a > 1
            symbolic = rest - constants[0]
            scale, core = symbolic.as_coeff_Mul()
            if scale.is_positive and core.is_Symbol:
                return c.func(core, -constants[0] / scale)
    return c.func(rest, 0)


FLIP = {Ge: Le, Le: Ge, Gt: Lt, Lt: Gt, Eq: Eq, Ne: Ne}
# `u**(2k) REL 0` as a relation on u
EVEN_POWER = {Gt: lambda u: Ne(u, 0), Ge: lambda u: sympy.true, Lt: lambda u: sympy.false,
              Le: lambda u: Eq(u, 0), Eq: lambda u: Eq(u, 0), Ne: lambda u: Ne(u, 0)}


def _without_signed_factors(rest, rel):
    """`rest REL 0` with its factors of known sign dropped (n**3*(b - a) > 0 with n > 0: b - a > 0), an
    odd power read as its base, a whole even power as "base != 0" (or its kin), the sign made canonical;
    None when nothing changes."""
    if rest.is_number or not (rest.is_Mul or rest.is_Pow or rest.is_Add):
        return None
    factored = attempt(lambda: sympy.factor(rest), 0.5, rest) if rest.is_polynomial() else rest
    keep, flip, changed = [], False, False
    for factor in sympy.Mul.make_args(factored):
        if factor.is_positive:
            changed = True
            continue
        if factor.is_negative:
            flip, changed = not flip, True
            continue
        base, exp = factor.as_base_exp()
        if exp.is_Integer and exp > 1 and exp % 2 == 1:
            factor, changed = base, True
        keep.append(factor)
    core = sympy.Mul(*keep)
    if len(keep) == 1 and core.is_Pow and core.exp.is_Integer and core.exp > 0 and core.exp % 2 == 0:
        return EVEN_POWER[rel](core.base)
    if _negative_terms(-core) < _negative_terms(core):  # S2*n - S1**2 > 0 rather than S1**2 - S2*n < 0
        core, flip, changed = -core, not flip, True
    return (FLIP[rel] if flip else rel)(core, 0) if changed else None


def _negative_terms(e):
    return sum(1 for t in sympy.Add.make_args(sympy.expand(e)) if t.could_extract_minus_sign())


def _region(items, param, symbol):
    """The set of real values of `param` (as the real `symbol`) where all `items` hold, or None
    (out of reach)."""
    from sympy.solvers.inequalities import solve_univariate_inequality

    region = sympy.S.Reals
    for c in items:
        c = c.xreplace({param: symbol})
        try:
            if isinstance(c, Ne):
                part = sympy.Complement(sympy.S.Reals, sympy.solveset(c.lhs - c.rhs, symbol, sympy.S.Reals))
            elif isinstance(c, Eq):
                part = sympy.solveset(c.lhs - c.rhs, symbol, sympy.S.Reals)
            else:
                part = solve_univariate_inequality(c, symbol, relational=False)
        except (NotImplementedError, ValueError, TypeError):
            return None
        region = region.intersect(part)
    if isinstance(region, (sympy.ConditionSet, sympy.ImageSet)) or region.has(sympy.ConditionSet):
        return None
    return region


def _as_relations(region, symbol, back):
    relation = region.as_relational(symbol).xreplace(back)
    parts = relation.args if isinstance(relation, sympy.And) else (relation,)
    out = []
    for part in parts:
        if isinstance(part, sympy.Rel) and (part.has(sympy.oo) or part.has(-sympy.oo)):
            continue
        if isinstance(part, sympy.Rel) and part.lhs.is_number and not part.rhs.is_number:
            part = part.reversed
        out.append(part)
    if isinstance(relation, sympy.Or) and len(out) == 1:
        return out
    return out


def settle(case, params):
    """Tidy a case's conditions; an equality on one parameter becomes a fixed value.
    Returns the case, or None when its conditions cannot hold."""
    conditions, fixed = list(case.conditions), dict(case.fixed)
    for _ in range(len(params) + 1):
        if any(as_basic(v).has(sympy.nan, sympy.zoo) for v in fixed.values()):
            return None  # a = c**2/(4*b) with b = 0: another case covers these parameters
        free = [p for p in params if p not in fixed]
        conditions = tidy([c.subs(fixed) if isinstance(c, sympy.Basic) else c for c in conditions], free)
        if conditions is None:
            return None
        pinned = next((c for c in conditions if isinstance(c, Eq) and c.lhs in free and not c.rhs.has(c.lhs)), None)
        if pinned is None:
            break
        conditions.remove(pinned)
        fixed = {p: v.subs(pinned.lhs, pinned.rhs) for p, v in fixed.items()}
        fixed[pinned.lhs] = pinned.rhs
    if any(as_basic(v).has(sympy.nan, sympy.zoo) for v in fixed.values()):
        return None
    values = None if case.values is None else {k: _zero_powers(sympy.simplify(v.subs(fixed)))
                                               for k, v in case.values.items()}
    if values is not None and any(v.has(sympy.nan, sympy.zoo, sympy.oo, -sympy.oo) for v in values.values()):
        return None  # the parameters pinned here make this solution undefined: another case covers them
    return Case(values, conditions, fixed, case.free)


def _zero_powers(value):
    """0**e is 0 where it is defined (e > 0, a condition `_pow_rule` adds)."""
    return value.replace(lambda e: e.is_Pow and e.base == 0 and e.exp.free_symbols, lambda e: sympy.S.Zero)


def holds(condition, values):
    """Does a condition hold at numeric parameter values?  (Not where it is undefined.)"""
    try:
        return _holds(condition, values)
    except (TypeError, ValueError, ZeroDivisionError):  # nan or zoo in a relation
        return False


def _holds(condition, values):
    if condition in (sympy.true, sympy.false):
        return bool(condition)
    if isinstance(condition, sympy.Rel) and type(condition) in SIGNS:
        d = (condition.lhs - condition.rhs).xreplace(values)
        if not d.is_Rational:  # radicals: decide at 30 digits, zero below 10^-25
            re_part, im_part = sympy.N(d, 30).as_real_imag()
            if not (re_part.is_Number and im_part.is_Number) or abs(im_part) > 1e-25:
                return False
            d = 0 if abs(re_part) < 1e-25 else re_part
        return (0 if d == 0 else (1 if d > 0 else -1)) in SIGNS[type(condition)]
    if isinstance(condition, sympy.Not):
        return not _holds(condition.args[0], values)
    if isinstance(condition, sympy.And):
        return all(_holds(a, values) for a in condition.args)
    if isinstance(condition, sympy.Or):
        return any(_holds(a, values) for a in condition.args)
    return bool(condition.subs(values))


def samples(case, params, count=3, seed=0, tries=400):
    """Up to `count` random admissible parameter values (dicts of exact rationals).

    Generic values first: where possible, non-strict conditions hold strictly (a >= 0
    is sampled as a > 0), so that a check at these values sees the generic case."""
    strict = [{Ge: Gt, Le: Lt}[type(c)](*c.args) if isinstance(c, (Ge, Le)) else c for c in case.conditions]
    return _draw(case, params, strict, count, seed, tries) or _draw(case, params, case.conditions, count, seed, tries)


def _draw(case, params, conditions, count, seed, tries):
    """Random rationals for the free parameters; an equality that pins no parameter by itself
    (b**2 - 3*a*c == 0) is met by solving it for one parameter after drawing the others."""
    rng = random.Random(seed)
    solved_for = {}  # parameter -> its values in terms of the others, from one equality
    for c in conditions:
        if not isinstance(c, Eq):
            continue
        candidates = [p for p in params if p in c.free_symbols and p not in case.fixed and p not in solved_for]
        if not candidates:
            return []
        p = min(candidates, key=lambda q: (_degree(c.lhs - c.rhs, q), q.name))
        solved_for[p] = attempt(lambda c=c, p=p: sympy.solve(c.lhs - c.rhs, p), 2.0, [])
        if not solved_for[p]:
            return []
    free = [p for p in params if p not in case.fixed and p not in solved_for]
    found = []
    for _ in range(tries):
        values = {p: _draw_value(rng, p) for p in free}
        for p, solutions in solved_for.items():
            roots = [r.xreplace(values) for r in solutions]
            roots = [r for r in roots if not r.free_symbols and r.is_real]
            if not roots:
                break
            values[p] = rng.choice(roots)
        if len(values) < len(free) + len(solved_for):
            continue
        values.update({p: as_basic(v).xreplace(values) for p, v in case.fixed.items()})
        if any(v.free_symbols or not v.is_real for v in values.values()):
            continue
        if not all(_respects_assumptions(p, v) for p, v in values.items()):
            continue  # the user's own assumptions (a positive parameter) hold at every sample
        if all(holds(c, values) for c in conditions) and values not in found:
            found.append(values)
            if len(found) == count:
                break
    return found


def _draw_value(rng, p):
    """A random rational for parameter p, on the side of 0 its assumptions allow."""
    value = sympy.Rational(rng.randint(-12, 12), 1 if p.is_integer else rng.randint(1, 4))
    if p.is_nonnegative:
        value = abs(value)
    elif p.is_nonpositive:
        value = -abs(value)
    return value


# What a parameter's assumptions require of a value drawn for it.
_ASSUMED = (
    ("positive", lambda v: v > 0),
    ("negative", lambda v: v < 0),
    ("nonnegative", lambda v: v >= 0),
    ("nonpositive", lambda v: v <= 0),
    ("nonzero", lambda v: v != 0),
    ("integer", lambda v: v.is_integer),
)


def _respects_assumptions(p, value):
    return all(not getattr(p, f"is_{name}") or bool(test(value)) for name, test in _ASSUMED)


def _degree(expr, p):
    return sympy.degree(expr, p) if expr.is_polynomial(p) else 99


def out_of_reach(what):
    """A decorator: anything but a `DeriveError` escaping a parametric solver becomes a
    one-line `LimitError` naming it (SymPy's solvers raise many things on systems they
    cannot handle)."""
    import functools

    def wrap(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except DeriveError:
                raise
            except Exception as e:  # noqa: BLE001 - SymPy's solvers fail in many ways: each is "out of reach"
                raise LimitError(f"{what} is out of reach ({type(e).__name__}: {e})") from None
        return run
    return wrap


# ---------------------------------------------------------------------------
# Solving.

@out_of_reach("the parametric system")
def solve_cases(equations, unknowns, params):
    """Every case of ``equations = 0`` solved for `unknowns`, parameters `params`; a list of `Case`."""
    cases = _cases(list(equations), list(unknowns), list(params), Case(None))
    out = []
    for c in cases:
        if not any(_same_case(c, d) for d in out):
            out.append(c)
    return out


def _cases(equations, unknowns, params, case):
    free_params = [p for p in params if p not in case.fixed]
    eqs = []
    for e in equations:
        e = sympy.numer(sympy.together(sympy.expand(e.subs(case.fixed))))
        if e != 0 and e not in eqs:
            eqs.append(e)
    if not eqs:
        return [Case({}, case.conditions, case.fixed, tuple(unknowns))]
    polynomial = all(e.is_polynomial(*unknowns, *free_params) for e in eqs)
    special = []
    if polynomial:
        basis = sympy.groebner(eqs, *unknowns, *free_params, order="lex")
        if list(basis.exprs) == [1]:
            return [Case(None, case.conditions, case.fixed)]
        pure = [g for g in basis.exprs if not g.free_symbols & set(unknowns)]
        if pure:
            return _split(pure[0], equations, unknowns, params, case, none_otherwise=True)
        eqs = list(basis.exprs)
        special += [sympy.Poly(g, *unknowns).LC() for g in eqs]
    generic = sympy.solve(eqs, unknowns, dict=True)
    special += [sympy.denom(sympy.together(v)) for sol in generic for v in sol.values()]
    factors = _factors(special, free_params)
    out = []
    for k, d in enumerate(factors):
        out += _split(d, equations, unknowns, params,
                      Case(None, case.conditions + [Ne(f, 0) for f in factors[:k]], case.fixed))
    nonzero = [Ne(f, 0) for f in factors]
    if not generic:
        branch = settle(Case(None, case.conditions + nonzero, case.fixed), params)
        return out + ([branch] if branch else [])
    for sol in generic:
        conditions = case.conditions + nonzero
        for v in sol.values():
            extra = reality_conditions(v, free_params)
            if extra is None:
                conditions = None
                break
            conditions += extra
        if conditions is None:
            continue
        free = tuple(u for u in unknowns if u not in sol)
        branch = settle(Case(dict(sol), conditions, case.fixed, free), params)
        if branch is not None:
            out.append(branch)
    return out


def _split(d, equations, unknowns, params, case, none_otherwise=False):
    """Cases d = 0 (each way to pin a parameter), and, if `none_otherwise`, 'no solution' where d != 0."""
    free_params = [p for p in params if p not in case.fixed]
    out = []
    if none_otherwise:
        if d.is_number:
            return [Case(None, case.conditions, case.fixed)] if d != 0 else []
        branch = settle(Case(None, case.conditions + [Ne(d, 0)], case.fixed), params)
        out += [branch] if branch else []
    for p, v in _zeros(d, free_params):
        branch = settle(Case(None, [c.subs(p, v) for c in case.conditions],
                             {**{q: w.subs(p, v) for q, w in case.fixed.items()}, p: v}), params)
        if branch is not None:
            out += _cases(equations, unknowns, params, branch)
    return out


def _zeros(d, free_params):
    """Real ways to make d = 0: (parameter, value) pairs, solving for the parameter of lowest degree."""
    candidates = [p for p in free_params if p in d.free_symbols]
    if not candidates:
        return []
    p = min(candidates, key=lambda q: (_degree(d, q), q.name))
    out = []
    for v in sympy.solve(d, p):
        if not v.has(sympy.I):
            out.append((p, v))
    return out


def _factors(expressions, free_params):
    """The distinct non-constant irreducible factors (in the parameters) of `expressions`."""
    out = []
    for e in expressions:
        if not e.free_symbols & set(free_params):
            continue
        for f in _factor_list(e):
            if f.free_symbols & set(free_params) and not any(sympy.expand(f - g) == 0 or sympy.expand(f + g) == 0
                                                               for g in out):
                out.append(f)
    return out


def _factor_list(e):
    """The irreducible factors of e; a power such as sqrt(n), which is no polynomial, stands for its base."""
    from sympy.polys.polyerrors import PolificationFailed, PolynomialError

    try:
        return [f for f, _ in sympy.factor_list(e)[1]]
    except (PolynomialError, PolificationFailed):
        return [b.base if b.is_Pow and b.exp.is_Rational else b for b in sympy.Mul.make_args(e) if not b.is_number]


def _same_case(a, b):
    return a.values == b.values and a.free == b.free and a.fixed == b.fixed and set(a.conditions) == set(b.conditions)


# ---------------------------------------------------------------------------
# Definiteness of a parametric symmetric matrix: Sylvester's criterion.

def definiteness(M):
    """(kind, conditions) pairs covering every case of a symmetric matrix M:
    "min" (positive definite), "max" (negative definite), "saddle" (indefinite,
    nonsingular), "degenerate" (singular)."""
    n = M.rows
    minors = [sympy.factor(M[:k, :k].det()) for k in range(1, n + 1)]
    if any(d.has(sympy.nan, sympy.zoo) for d in minors):
        raise LimitError("the Hessian is undefined at a parametric critical point")
    positive = [Gt(d, 0) for d in minors]
    negative = [Gt((-1) ** k * d, 0) for k, d in enumerate(minors, 1)]
    if n == 1:
        saddle = []
    elif n == 2:
        saddle = [("saddle", [Lt(minors[1], 0)])]
    else:
        saddle = [("saddle", [Ne(minors[-1], 0), sympy.Not(sympy.And(*positive)), sympy.Not(sympy.And(*negative))])]
    return [("min", positive), ("max", negative)] + saddle + [("degenerate", [Eq(minors[-1], 0)])]


def describe(relations):
    """Conditions in words: "a > 0 and b != 0"."""
    from ..text.printing import to_text

    return " and ".join(to_text(r) for r in relations)
