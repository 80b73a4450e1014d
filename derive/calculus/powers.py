"""Differentiating with respect to a power of a variable: the variance sigma^2.

Textbooks take the Gaussian log-likelihood's derivative with respect to
sigma^2, not sigma.  Here `wrt="mu, sigma^2"` means: write v for sigma^2
(sigma = sqrt(v), sigma > 0, as a standard deviation is), differentiate by v,
and write the result back in sigma:

    d/d(sigma^2) [-log(sigma^2)/2 - (x - mu)^2/(2 sigma^2)] = -1/(2 sigma^2) + (x - mu)^2/(2 sigma^4)

`substitute` makes the change of variables and returns how to undo it.
"""

import sympy
from sympy import Basic, Pow, Symbol

from ..errors import SymbolError
from ..text.inputs import is_power_of_symbol
from ..text.printing import to_text


class PowerVariables:
    """The change of variables v = s**k for each power s**k named in wrt."""

    def __init__(self, powers):
        self.powers = powers  # [(Pow s**k, fresh symbol v)]

    def __bool__(self):
        return bool(self.powers)

    def to_new(self, expr):
        """f in the new variables: s**k -> v, then any other s -> v**(1/k) (s > 0)."""
        for power, v in self.powers:
            s, k = power.args
            expr = expr.xreplace({power: v}) if isinstance(expr, Basic) else expr
            expr = expr.replace(lambda e, s=s, k=k: isinstance(e, Pow) and e.base == s and (e.exp / k).is_integer,
                                lambda e, v=v, k=k: v ** (e.exp / k))
            if expr.has(s):
                expr = expr.xreplace({s: v ** (1 / k)})
        return expr

    def to_old(self, expr):
        """A result in the new variables written back in the user's: v -> s**k with s > 0 (as the change
        of variables assumed: sqrt(v) is s), and g'(v) of an unspecified g kept as a derivative at s**k."""
        if isinstance(expr, sympy.MatrixBase):
            return expr.applyfunc(self.to_old)
        if not isinstance(expr, Basic):
            return expr
        for power, v in self.powers:
            s = power.base
            positive = Symbol(s.name, positive=True)  # s > 0 for this rewrite only, then the user's s again
            expr = _pending_at(expr, v)
            expr = sympy.powsimp(expr.xreplace({v: power.xreplace({s: positive})})).xreplace({positive: s})
        return expr

    def new(self, variables):
        """The user's variables (sigma**2) as the new ones (v)."""
        forward = dict(self.powers)
        return tuple(forward.get(w, w) for w in variables)

    def point(self, point):
        """A point in the user's variables ({sigma: 2}) with the new ones added ({v: 4})."""
        out = dict(point)
        for power, v in self.powers:
            s = power.base
            if s in point:
                out[v] = power.xreplace({s: point[s]})
                del out[s]
        return out

    def describe(self):
        """'sigma2 = sigma**2 (sigma > 0)' for the steps."""
        return "; ".join(f"in the variable {v} = {power} ({power.base} > 0)" for power, v in self.powers)

    def wrt(self, variables):
        """The variables as the user named them (sigma**2 for the fresh v)."""
        back = {v: power for power, v in self.powers}
        return tuple(back.get(v, v) for v in variables)


def substitute(expr, wrt, namespace):
    """(f, wrt, PowerVariables): f and the variables `wrt` (SymPy objects, as `text.inputs.read_wrt`
    reads them) with every power of a variable among them (sigma**2) replaced by a fresh positive
    variable."""
    if wrt is None:
        return expr, wrt, PowerVariables([])
    powers, out = [], []
    for obj in wrt:
        if is_power_of_symbol(obj):
            if not expr.has(obj.base):
                raise SymbolError(f"'{to_text(obj)}' is not a variable of the expression: it does not use "
                                  f"{obj.base}")
            v = Symbol(_fresh_name(obj, expr, namespace), positive=True)
            powers.append((obj, v))
            out.append(v)
        else:
            out.append(obj)
    if not powers:
        return expr, wrt, PowerVariables([])
    bases = {power.base for power, _ in powers}
    both = [obj for obj in out if obj in bases]
    if both:
        raise SymbolError(f"differentiate by {both[0]} or by a power of it, not both in one derivative")
    change = PowerVariables(powers)
    return change.to_new(expr), tuple(out), change


def _fresh_name(power, expr, namespace):
    """sigma2 for sigma**2 (a name the problem does not use; validation kernels take names)."""
    s, k = power.args
    base = f"{s.name}{k}" if k.is_Integer else f"{s.name}_pow"
    taken = {getattr(x, "name", str(x)) for x in expr.free_symbols} | set(namespace.names)
    name, n = base, 1
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def _pending_at(expr, v):
    """Derivative(g(v), v) as Subs(Derivative(g(xi), xi), xi, v), so that v can become s**k."""
    def at_point(d):
        xi = sympy.Dummy("xi")
        return sympy.Subs(sympy.Derivative(d.expr.xreplace({v: xi}),
                                           *[(xi if w == v else w, n) for w, n in d.variable_count]), xi, v)

    return expr.replace(lambda e: isinstance(e, sympy.Derivative) and v in e.variables, at_point)
