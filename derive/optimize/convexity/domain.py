"""f's domain: what it tells the sign rules, and whether it is convex.

Convexity is a property of f on a convex set.  Where f is defined is read from
f itself: log(u) needs u > 0, a real power u^(1/2) needs u >= 0, 1/u needs
u != 0.  A condition on a single symbol or array entry (log(p[i]): every p[i]
> 0) is a fact the sign rules may use; a condition affine in the variables is a
half-space; u != 0 with u changing sign splits the domain in two, which is not
convex (x**2 + 1/x**2); anything else is reported as not shown convex.
"""

from dataclasses import dataclass, field

import sympy
from sympy import Indexed, MatrixSymbol, Sum, Symbol

from ...text.printing import to_text
from .result import Step
from .signs import sign


@dataclass
class Domain:
    """The conditions f's domain imposes (words), why it may not be convex, and the steps of
    the argument that it is, where one was needed."""

    conditions: list = field(default_factory=list)
    obstacles: list = field(default_factory=list)  # why the domain is not shown convex (words)
    curved: list = field(default_factory=list)  # (u, words, obstacle): u > 0 with u not affine
    steps: list = field(default_factory=list)

    @property
    def convex(self):
        return not self.obstacles

    @property
    def why_not(self):
        return "; ".join(self.obstacles)

    def settle(self, concave):
        """A condition u > 0 gives a convex set when u is concave: `concave(u)` returns that argument
        (a list of Steps) or None.  Proved conditions stop being obstacles."""
        for u, words, obstacle in self.curved:
            found = concave(u)
            if found is None:
                continue
            self.steps.append(Step(f"the domain {words} is convex: {to_text(u)} is concave, and the set where a "
                                   "concave function is positive is convex"))
            self.steps += [Step("  " + s.text, s.math) for s in found]
            self.obstacles.remove(obstacle)


def read_domain(f, facts, is_variable, readable=lambda u: u):
    """The conditions f imposes; known-sign atoms go into `facts`.  `is_variable(atom)` says
    whether a Symbol / Indexed / MatrixSymbol is one of the variables (conditions on data alone
    do not restrict the variables' domain); `readable(u)` writes u so the sign rules can read it
    (in matrix notation, sums of entries as sums over k)."""
    domain = Domain()
    if not isinstance(f, sympy.Basic):
        return domain
    for raw, strict, nonzero_only in _requirements(f):
        u = readable(raw)
        varies = any(is_variable(a) for a in _atoms(raw))
        relation = "!=" if nonzero_only else (">" if strict else ">=")
        words = f"{to_text(u)} {relation} 0"
        if nonzero_only:
            if sign(u, facts, "positive") or sign(-u, facts, "positive"):
                continue
            if varies:
                domain.conditions.append(words)
                domain.obstacles.append(f"f is undefined where {to_text(u)} = 0, which splits its domain into "
                                        "pieces that are not one convex set; declare the sign (e.g. 'x: positive')")
            continue
        if sign(u, facts, "positive" if strict else "nonnegative"):
            continue
        if isinstance(u, (Symbol, Indexed)):
            key = u.base.label if isinstance(u, Indexed) and _summed(u, f) else u
            (facts.add_positive if strict else facts.add_nonnegative)(key, f"{words} (where f is defined)")
            domain.conditions.append(words)
            continue
        if not varies:
            continue  # a condition on the data or parameters alone
        (facts.add_positive if strict else facts.add_nonnegative)(u, f"{words} (where f is defined)")
        domain.conditions.append(words)
        if not linear_in(raw, is_variable):
            obstacle = f"the domain {words} is not shown to be convex"
            domain.obstacles.append(obstacle)
            domain.curved.append((raw, words, obstacle))
    return domain


def _requirements(f):
    """(u, strict, nonzero_only) for every log(u), real power and reciprocal in f."""
    for node in _nodes(f):
        if isinstance(node, sympy.log):
            yield node.args[0], True, False
        elif isinstance(node, sympy.Pow):
            base, exp = node.args
            if not exp.is_number or base.is_number:
                continue
            if exp.is_integer is False:
                yield base, bool(exp.is_negative), False
            elif exp.is_negative:
                yield base, True, True


def _nodes(expr):
    """Every subexpression, except inside Lambda bodies (entrywise maps: their variable is not f's)."""
    yield expr
    if isinstance(expr, sympy.Lambda):
        return
    for arg in expr.args:
        if isinstance(arg, sympy.Basic):
            yield from _nodes(arg)


def _atoms(u):
    return u.atoms(Symbol, Indexed, MatrixSymbol)


def _summed(element, f):
    """True when the element's indices are summation indices of f (log(p[i]) inside sum over i)."""
    bound = {lim[0] for s in f.atoms(Sum) for lim in s.limits}
    return all(i in bound for i in element.indices)


def linear_in(expr, is_variable):
    """True if `expr` is affine in the variables (sums and data allowed)."""
    if not any(is_variable(a) for a in _atoms(expr)):
        return True
    if isinstance(expr, (Symbol, Indexed)):
        return True
    if isinstance(expr, sympy.Add):
        return all(linear_in(a, is_variable) for a in expr.args)
    if isinstance(expr, sympy.Mul):
        varying = [a for a in expr.args if any(is_variable(b) for b in _atoms(a))]
        return len(varying) == 1 and linear_in(varying[0], is_variable)
    if isinstance(expr, Sum):
        return linear_in(expr.function, is_variable)
    return False

