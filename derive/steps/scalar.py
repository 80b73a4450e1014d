"""Derivative steps in scalar and index notation, from a table of rules.

Each rule looks at one pending ``Derivative(g, x)`` and either passes or
rewrites it into an equal expression, in which the parts of g still to be
differentiated are again unevaluated ``Derivative``s:

    rule                 g is ...                      d/dx(g) becomes
    constant rule        free of x                     0
    variable rule        x itself                      1
    Kronecker delta      an element x[i] (x = x[k])    delta(i, k)
    sum rule             a + b,  sum(body, i)          d/dx(a) + d/dx(b),  sum(d/dx(body), i)
    constant factor      c*u (c free of x)             c*d/dx(u)
    quotient rule        u/v                           (d/dx(u)*v - u*d/dx(v))/v**2
    product rule         u*v*...                       d/dx(u)*v + u*d/dx(v) + ...
    power rule           x**n                          n*x**(n - 1)
    exponential rule     a**x                          a**x*log(a)
    derivative of F      F(x), F in FUNCTION_RULES     F'(x)
    chain rule           u**n, a**u, F(u) (u not x)    the outer derivative at u times d/dx(u)
    piecewise rule       where(c, u, v)                where(c, d/dx(u), d/dx(v))
    general power        u**v (both depend on x)       d/dx(exp(v*log(u)))

`FUNCTION_RULES` has one entry per function of derive's function table; the
derivative itself always comes from SymPy (the function's own ``fdiff``), so
an entry only names the function: adding a function is one line there.
Like SymPy Gamma's ``diffsteps`` each rule is a small function; unlike it, a
rule rewrites a node *inside the whole expression*, so that every line of
the derivation is an equality that can be checked numerically.

The rules apply in rounds: each step applies the first rule of the table
that some pending derivative needs, to every pending derivative that needs
it (sum rule, then constant factors, ..., then the leaves), as a teacher
writes a derivation.
"""

from dataclasses import dataclass
from collections.abc import Callable

import sympy
from sympy import (
    Abs,
    Add,
    Derivative,
    DiracDelta,
    Dummy,
    Heaviside,
    Indexed,
    KroneckerDelta,
    Max,
    Min,
    Mul,
    Piecewise,
    Pow,
    S,
    Sum,
    Symbol,
)

from ..errors import DeriveError, LimitError
from ..text.functions import sigmoid, softplus
from ..present.formulas import text

MAX_STEPS = 200  # per entry; batching by rule keeps real derivations far below this
U = Symbol("u", real=True)  # the generic inner variable of the notes ("d/du sigmoid(u) = ...")


@dataclass(frozen=True)
class FunctionRule:
    """How a function is named in a derivation.

    ``name``: the function's name in words ("sigmoid"); the rule shown is
    "derivative of <name>".  ``remark``: extra words for the note (where the
    function has a kink).  ``definition``: for an abbreviation (sigmoid), the
    expression it abbreviates as a function of its argument; f is searched
    for it and the derivation starts by naming it.
    """

    name: str
    remark: str = ""
    definition: Callable | None = None


# One entry per function of derive's function table (derive/text/functions.py).
FUNCTION_RULES = {
    sympy.exp: FunctionRule("exp"),
    sympy.log: FunctionRule("log"),
    sympy.sin: FunctionRule("sin"),
    sympy.cos: FunctionRule("cos"),
    sympy.tan: FunctionRule("tan"),
    sympy.asin: FunctionRule("asin"),
    sympy.acos: FunctionRule("acos"),
    sympy.atan: FunctionRule("atan"),
    sympy.atan2: FunctionRule("atan2"),
    sympy.sinh: FunctionRule("sinh"),
    sympy.cosh: FunctionRule("cosh"),
    sympy.tanh: FunctionRule("tanh"),
    sympy.asinh: FunctionRule("asinh"),
    sympy.acosh: FunctionRule("acosh"),
    sympy.atanh: FunctionRule("atanh"),
    sigmoid: FunctionRule("sigmoid", definition=lambda u: 1 / (1 + sympy.exp(-u))),
    softplus: FunctionRule("softplus"),
    Max: FunctionRule("max", "not differentiable where the arguments tie"),
    Min: FunctionRule("min", "not differentiable where the arguments tie"),
    Abs: FunctionRule("abs", "not differentiable at 0"),
    sympy.sign: FunctionRule("sign", "a jump at 0"),
    Heaviside: FunctionRule("heaviside", "a jump at 0"),
    DiracDelta: FunctionRule("dirac"),
    sympy.floor: FunctionRule("floor", "jumps at the integers"),
    sympy.ceiling: FunctionRule("ceil", "jumps at the integers"),
    sympy.erf: FunctionRule("erf"),
    sympy.erfc: FunctionRule("erfc"),
    sympy.gamma: FunctionRule("gamma"),
    sympy.loggamma: FunctionRule("loggamma"),
    sympy.factorial: FunctionRule("factorial"),
    sympy.polygamma: FunctionRule("polygamma"),
}


def function_rule(cls):
    """The entry for a function class; a generic one for functions without an entry."""
    found = FUNCTION_RULES.get(cls)
    if found is None:
        found = next((r for c, r in FUNCTION_RULES.items() if isinstance(c, type) and issubclass(cls, c)), None)
    return found or FunctionRule(getattr(cls, "__name__", str(cls)))


# ---------------------------------------------------------------------------
# what a rule sees and returns


@dataclass(frozen=True)
class Rewrite:
    """One pending derivative rewritten: ``node`` (the Derivative) -> ``replacement``.

    ``inner`` lists the (inner function u, Derivative(u, x)) pairs a chain
    rule created: a wrong claim that differs only there is "the chain rule's
    inner derivative".
    """

    rule: str
    node: Derivative
    replacement: object
    note: str = ""
    inner: tuple = ()


def depends(g, x):
    """Does g vary with x?  For an element x[k], every x[i] varies with it."""
    if isinstance(x, Indexed):
        return any(a.base == x.base for a in g.atoms(Indexed))
    return x in g.free_symbols


def d(g, x):
    """The pending derivative of g (0 for constants, so they vanish at once)."""
    return Derivative(g, x) if depends(g, x) else S.Zero


def _dx(x):
    return f"d/d{text(x)}"


def constant_rule(g, x):
    if not depends(g, x):
        return S.Zero, f"{text(g)} does not depend on {text(x)}"
    return None


def variable_rule(g, x):
    if g == x:
        return S.One, f"{_dx(x)}({text(x)}) = 1"
    return None


def kronecker_rule(g, x):
    if isinstance(g, Indexed) and isinstance(x, Indexed) and g.base == x.base:
        deltas = Mul(*(KroneckerDelta(i, k) for i, k in zip(g.indices, x.indices)))
        return deltas, f"{_dx(x)}({text(g)}) = {text(deltas)}"
    return None


def sum_rule(g, x):
    if isinstance(g, Add):
        kept = [t for t in g.args if depends(t, x)]
        dropped = [t for t in g.args if not depends(t, x)]
        note = "term by term"
        if dropped:
            note += f"; {text(Add(*dropped))} is constant (derivative 0)"
        return Add(*(Derivative(t, x) for t in kept)), note
    if isinstance(g, Sum):
        indices = ", ".join(text(lim[0]) for lim in g.limits)
        return Sum(d(g.function, x), *g.limits), f"{_dx(x)} goes inside the sum over {indices}"
    return None


def constant_factor_rule(g, x):
    if isinstance(g, Mul):
        coeff, rest = g.as_independent(x) if not isinstance(x, Indexed) else _independent(g, x)
        if coeff != 1 and rest != 1:
            return coeff * Derivative(rest, x), f"the factor {text(coeff)} stays"
    return None


def _independent(g, x):
    inside = [f for f in g.args if depends(f, x)]
    outside = [f for f in g.args if not depends(f, x)]
    return Mul(*outside), Mul(*inside)


def quotient_rule(g, x):
    if isinstance(g, Mul):
        num, den = _as_written(g)
        if den != 1 and depends(den, x) and depends(num, x):
            return ((d(num, x) * den - num * d(den, x)) / den**2,
                    f"d(u/v) = (du*v - u*dv)/v**2 with u = {text(num)}, v = {text(den)}")
    return None


def _as_written(g):
    """(u, v) for g = u/v as g prints: v collects the powers with a negative exponent (x/(x + 1),
    exp(x)/x**2, x/2**x); exp(-x) is a factor, as it prints (x*exp(-x) is a product, not x/exp(x))."""
    below = [f for f in Mul.make_args(g) if isinstance(f, Pow) and f.exp.as_coeff_Mul()[0].is_negative]
    return Mul(*(f for f in Mul.make_args(g) if f not in below)), Mul(*(1 / f for f in below))


def product_rule(g, x):
    if isinstance(g, Mul):
        factors = list(g.args)
        terms = [Mul(*(factors[:i] + [Derivative(f, x)] + factors[i + 1:])) for i, f in enumerate(factors)
                 if depends(f, x)]
        names = " and ".join(text(f) for f in factors if depends(f, x))
        return Add(*terms), f"differentiate {names} in turn, the other factors stay"
    return None


def power_rule(g, x):
    if isinstance(g, Pow) and g.base == x and not depends(g.exp, x):
        v = text(x)
        return g.exp * x ** (g.exp - 1), f"{_dx(x)} {v}**n = n*{v}**(n - 1)"
    return None


def exponential_rule(g, x):
    if isinstance(g, Pow) and not depends(g.base, x) and g.exp == x:
        return g * sympy.log(g.base), f"{_dx(x)} a**x = a**x*log(a)"
    return None


def chain_rule(g, x):
    """u**n, a**u and F(u) with an inner function u that is not x itself."""
    if isinstance(g, Pow) and not (depends(g.base, x) and depends(g.exp, x)):
        if depends(g.base, x) and g.base != x:
            u, outer = g.base, g.exp * g.base ** (g.exp - 1)
            words = f"power rule outside: d/du u**{text(g.exp)} = {text(g.exp * U ** (g.exp - 1))}"
        elif depends(g.exp, x) and g.exp != x:
            u, outer = g.exp, g * sympy.log(g.base)
            words = f"exponential outside: d/du {text(g.base)}**u = {text(g.base ** U * sympy.log(g.base))}"
        else:
            return None
        du = Derivative(u, x)
        return _Chain(outer * du, f"{words}, times {_dx(x)}(u) with u = {text(u)}", ((u, du),))
    if _is_application(g) and not _applies_directly(g, x):
        terms, inner = [], []
        for i, arg in enumerate(g.args):
            if not depends(arg, x):
                continue
            du = Derivative(arg, x)
            terms.append(_partial(g, i) * du)
            inner.append((arg, du))
        rule = function_rule(type(g))
        u = inner[0][0] if len(inner) == 1 else None
        tail = f", times {_dx(x)}(u) with u = {text(u)}" if u is not None else ", times each inner derivative"
        return _Chain(Add(*terms), _formula(g, x, rule) + tail + _remark(rule), tuple(inner))
    return None


@dataclass(frozen=True)
class _Chain:
    replacement: object
    note: str
    inner: tuple


def _is_application(g):
    """A function applied to arguments (max and min are not SymPy Functions)."""
    return (isinstance(g, sympy.Function) or type(g) in FUNCTION_RULES) and not isinstance(g, Piecewise)


def _applies_directly(g, x):
    """F(x): every argument that varies is x itself (no inner function)."""
    return all(a == x for a in g.args if depends(a, x))


def derivative_of_function(g, x):
    if _is_application(g) and _applies_directly(g, x):
        value = Add(*(_partial(g, i) for i, a in enumerate(g.args) if a == x))
        rule = function_rule(type(g))
        return value, _formula(g, x, rule) + _remark(rule)
    return None


def piecewise_rule(g, x):
    if isinstance(g, Piecewise):
        return (Piecewise(*((d(e, x), c) for e, c in g.args)),
                "differentiate each piece; at a boundary the derivative may not exist")
    return None


def general_power_rule(g, x):
    if isinstance(g, Pow) and depends(g.base, x) and depends(g.exp, x):
        rewritten = sympy.exp(g.exp * sympy.log(g.base), evaluate=False)
        return Derivative(rewritten, x), f"u**v = exp(v*log(u)) with u = {text(g.base)}, v = {text(g.exp)}"
    return None


def _partial(g, i):
    """dF/d(argument i) at g's arguments, from SymPy (the function's own fdiff)."""
    ts = [Dummy(f"t{k}", real=True) for k in range(len(g.args))]
    outer = sympy.diff(g.func(*ts), ts[i])
    if outer.has(Derivative):
        raise DeriveError(f"no derivative known for {type(g).__name__} (SymPy leaves it unevaluated)")
    return outer.xreplace(dict(zip(ts, g.args)))


def _formula(g, x, rule):
    """'derivative of sigmoid: d/du sigmoid(u) = (1 - sigmoid(u))*sigmoid(u)' (u: the argument that varies)."""
    varying = [i for i, a in enumerate(g.args) if depends(a, x)]
    if len(varying) != 1:
        return f"derivative of {rule.name} in each argument"
    i = varying[0]
    generic = g.func(*(U if k == i else a for k, a in enumerate(g.args)))
    return f"derivative of {rule.name}: d/du {text(generic)} = {text(sympy.diff(generic, U))}"


def _remark(rule):
    return f"; {rule.remark}" if rule.remark else ""


@dataclass(frozen=True)
class Rule:
    """An entry of the rule table: its name, the function that tries it, and
    words added once to a step's note however many derivatives it rewrote."""

    name: str
    apply: Callable
    summary: str = ""


# The table, in the order rules are tried on a pending derivative and in the
# order of the rounds (structure first, leaves last).
RULES = (
    Rule("constant rule", constant_rule),
    Rule("sum rule", sum_rule),
    Rule("constant factor", constant_factor_rule),
    Rule("quotient rule", quotient_rule),
    Rule("product rule", product_rule),
    Rule("general power rule", general_power_rule),
    Rule("piecewise rule", piecewise_rule),
    Rule("chain rule", chain_rule),
    Rule("power rule", power_rule),
    Rule("exponential rule", exponential_rule),
    Rule("derivative of a function", derivative_of_function),
    Rule("variable rule", variable_rule),
    Rule("Kronecker delta produced", kronecker_rule, "1 where the indices agree, else 0"),
)


def rewrite(node, x):
    """The first rule of the table that applies to the pending derivative `node`."""
    g = node.expr
    for order, rule in enumerate(RULES):
        found = rule.apply(g, x)
        if found is None:
            continue
        if isinstance(found, _Chain):
            return order, Rewrite(rule.name, node, found.replacement, found.note, found.inner)
        replacement, note = found
        name = rule.name
        if rule.apply is derivative_of_function:
            name = f"derivative of {function_rule(type(g)).name}"
        return order, Rewrite(name, node, replacement, note)
    raise DeriveError(f"no step rule for {type(g).__name__} ({text(g)})")


def outermost(expr, classes):
    """The nodes of `classes` in `expr` that are not inside another one, first found first."""
    found = []

    def walk(e):
        if isinstance(e, classes):
            found.append(e)
            return
        for a in e.args:
            if isinstance(a, sympy.Basic):
                walk(a)

    walk(expr)
    return list(dict.fromkeys(found))


def pending(expr, x):
    """The unevaluated derivatives d/dx(...) left in `expr`, outermost first."""
    found = outermost(expr, Derivative)
    for e in found:
        if e.variables != (x,):
            raise DeriveError(f"an unexpected derivative {text(e)} in the steps")
    return found


# ---------------------------------------------------------------------------
# a chain of steps for one entry


def recognize(f):
    """f with known abbreviations named (1/(1 + exp(-z)) -> sigmoid(z)), and the names found."""
    names = []
    for cls, rule in FUNCTION_RULES.items():
        if rule.definition is None:
            continue
        w = sympy.Wild("w")
        new = f.replace(rule.definition(w), cls(w))
        if new != f:
            names.append(rule.name)
            f = new
    return f, names


def derivative_steps(f, x, entry=""):
    """(start, [Step]) for d/dx f, each step one rule applied to the pending derivatives.

    Not yet checked numerically: see `verify.check_chain`.
    """
    from .step import Step

    notation = "index" if isinstance(x, Indexed) or f.has(Sum) else "scalar"
    start = Derivative(f, x)
    steps = []
    current = start
    named, names = recognize(f)
    if names:
        after = Derivative(named, x)
        rule = f"{' and '.join(names)} recognized"
        steps.append(Step(rule, current, after, f"{text(f)} = {text(named)}", entry, notation,
                          parts=(Rewrite(rule, current, after),)))
        current = after
    while True:
        nodes = pending(current, x)
        if not nodes:
            break
        if len(steps) >= MAX_STEPS:
            raise LimitError(f"the derivation of {entry or text(f)} needs more than {MAX_STEPS} steps")
        rewrites = [rewrite(node, x) for node in nodes]
        first = min(order for order, _ in rewrites)
        chosen = [r for order, r in rewrites if order == first]
        name = chosen[0].rule
        chosen = [r for r in chosen if r.rule == name]
        after = current.xreplace({r.node: r.replacement for r in chosen})
        note = "; ".join(dict.fromkeys(r.note for r in chosen if r.note))
        if RULES[first].summary:
            note += f": {RULES[first].summary}"
        steps.append(Step(name, current, after, note, entry, notation, parts=tuple(chosen)))
        current = after
    return start, steps, names


__all__ = ["FUNCTION_RULES", "FunctionRule", "RULES", "Rewrite", "Rule", "depends", "derivative_steps",
           "function_rule", "outermost", "pending", "recognize", "rewrite"]
