"""Validating derivatives of unspecified functions (g: function).

d/dx g(a.T @ x) = g'(a.T @ x) a holds for every differentiable g, so it is
checked for concrete ones: each g becomes a random smooth function (a sine, a
quadratic and a line with random rational coefficients, different for each g
and each round), f and the result are evaluated with it (g' by differentiating
that function), and the usual numeric check runs on them.  Two rounds with
different functions: a rule that confuses g' with g, or drops g', fails both.
"""

import random

import sympy
from sympy.core.function import AppliedUndef

ROUNDS = 2


def unspecified_functions(*exprs):
    """{g: its number of arguments} for the declared functions applied in `exprs`."""
    found = {}
    for e in exprs:
        items = list(e) if isinstance(e, sympy.MatrixBase) else [e] if isinstance(e, sympy.Basic) else []
        for x in items:
            for a in x.atoms(AppliedUndef):
                found[a.func] = len(a.args)
    return dict(sorted(found.items(), key=lambda kv: str(kv[0])))


def concrete_choices(functions, seed=0):
    """ROUNDS mappings g -> Lambda: smooth, real-analytic functions of g's arity."""
    rng = random.Random(seed)
    rounds = []
    for _ in range(ROUNDS):
        mapping = {}
        for g, arity in functions.items():
            ts = sympy.symbols(f"t0:{arity}", real=True)
            c = [sympy.Rational(rng.randint(-12, 12) or 5, 8) for _ in range(3 * arity)]
            body = sum(sympy.sin(c[3 * k] * t) + c[3 * k + 1] * t**2 / 2 + c[3 * k + 2] * t
                       for k, t in enumerate(ts))
            if arity > 1:
                body += sympy.Rational(rng.randint(1, 8), 8) * sympy.Mul(*ts)
            mapping[g] = sympy.Lambda(ts, body)
        rounds.append(mapping)
    return rounds


def with_functions(expr, mapping):
    """`expr` with each g replaced by its concrete function, pending derivatives g' worked out."""
    if isinstance(expr, sympy.MatrixBase):
        return expr.applyfunc(lambda e: with_functions(e, mapping))
    if not isinstance(expr, sympy.Basic) or not expr.atoms(AppliedUndef):
        return expr
    # the chain rule leaves derivatives by an applied function (g'(g(x)) is Derivative(g(g(x)), g(x)));
    # written at a point first, so that g(x) can become a concrete expression
    expr = expr.replace(lambda e: isinstance(e, sympy.Derivative)
                        and any(not isinstance(v, sympy.Symbol) for v in e.variables), _at_point)
    replaced = expr.replace(lambda e: isinstance(e, AppliedUndef) and e.func in mapping,
                            lambda e: mapping[e.func](*e.args))
    return replaced.replace(lambda e: isinstance(e, (sympy.Subs, sympy.Derivative)), lambda e: e.doit())


def _at_point(d):
    """Derivative(h(u), u) with u not a symbol as Subs(Derivative(h(xi), xi), xi, u)."""
    points = {v: sympy.Dummy("xi") for v in d.variables if not isinstance(v, sympy.Symbol)}
    inner = sympy.Derivative(d.expr.xreplace(points), *[(points.get(v, v), n) for v, n in d.variable_count])
    return sympy.Subs(inner, tuple(points.values()), tuple(points.keys()))


def instances(expr, result, seed=0):
    """[(f, result)] to validate: the pair itself, or one pair per round of concrete functions."""
    functions = unspecified_functions(expr, result)
    if not functions:
        return [(expr, result)]
    return [(with_functions(expr, m), with_functions(result, m)) for m in concrete_choices(functions, seed)]


__all__ = ["concrete_choices", "instances", "unspecified_functions", "with_functions"]
