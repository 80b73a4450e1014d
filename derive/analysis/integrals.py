"""`derive.integrate`: antiderivatives and definite integrals, each checked numerically before it is shown.

    >>> import derive
    >>> r = derive.integrate("x*exp(x)", "x")
    >>> r.antiderivative
    (x - 1)*exp(x)
    >>> derive.integrate("1/x", "x").antiderivative      # x takes both signs where 1/x is defined
    log(Abs(x))
    >>> derive.integrate("x**2", "x", 0, 3).value
    9

An antiderivative F is found by SymPy (its manual, textbook-style integrator first, so the
steps can be named; then `sympy.integrate`) and accepted only when F' = f at random points of
f's domain, with F' computed numerically from F (a complex step in 60 digits, or a central
difference where F has a kink), not by SymPy's own `diff`.  log(u) becomes log(|u|) where u
takes negative values on f's domain: SymPy's log(x) for 1/x is right only for x > 0.

A definite integral is SymPy's exact value, accepted only when it agrees with mpmath's
tanh-sinh quadrature (at random values of any parameters).  Where SymPy finds no closed form,
the result is the quadrature's value, labelled numerical, with its error estimate.

Here: `Integral` and `integrate`; the finders and the check of F in antiderivative.py, the
definite value in definite_integral.py, the quadrature both compare with in quadrature.py.
"""

from dataclasses import dataclass, field

import mpmath
import sympy
from sympy import oo

from ..calculus.reals import RealView
from ..errors import DeriveError
from ..text.budgets import DEFAULT_LIMITS, time_budget
from ..text.inputs import as_expression, as_scalar, new_namespace
from ..calculus.variables import resolve_wrt
from ..text.printing import latex, to_text
from .antiderivative import _antiderivative, numeric_slope, probe_values
from .definite_integral import _definite, _no_pole_inside
from .quadrature import quadrature, settled_quadrature

INFINITIES = {"oo": oo, "inf": oo, "infinity": oo, "∞": oo, r"\infty": oo,
              "-oo": -oo, "-inf": -oo, "-infinity": -oo, "-∞": -oo, r"-\infty": -oo}


@dataclass
class Integral:
    """The result of `derive.integrate`.

    ``antiderivative``: F with F' = f (SymPy, in the user's symbols; None when SymPy found no
    closed form).  For a definite integral (``a``, ``b`` given): ``value`` is the exact value
    (None when only a number is known), ``numeric`` its float, ``error`` the quadrature's error
    estimate, ``method`` "closed form" or "numerical".  ``validation`` says how the result was
    checked; ``steps`` are the integration rules used (substitution, parts, partial fractions,
    ...) as (rule, text) pairs, where SymPy's manual integrator could report them; ``notes``
    say what a reader should know (log|x|, divergence, conditions on parameters).
    """

    f: object
    x: object
    a: object = None
    b: object = None
    antiderivative: object = None
    value: object = None
    numeric: float | None = None
    error: float | None = None
    method: str = "closed form"
    validation: str = ""
    steps: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    condition: object = sympy.true  # where the definite value holds (a > 0 for exp(-a*x) on [0, oo))
    by_antiderivative: bool = False  # the value is F(b) - F(a)

    @property
    def definite(self):
        return self.a is not None

    @property
    def result(self):
        """What was asked for: the definite value (exact, else the number), or the antiderivative."""
        if self.definite:
            return self.value if self.value is not None else self.numeric
        return self.antiderivative

    def _integral_text(self):
        bounds = f" from {to_text(self.a)} to {to_text(self.b)}" if self.definite else ""
        return f"integral of {to_text(self.f)} d{to_text(self.x)}{bounds}"

    def __str__(self):
        lines = [f"{self._integral_text()}:"]
        if self.definite:
            if self.value is not None:
                shown = to_text(self.value)
                exact_number = self.value.is_Rational or not self.value.is_number or self.value in (oo, -oo)
                lines.append(f"  = {shown}" + ("" if exact_number else f"  (= {mpmath.nstr(self._mp(), 15)})"))
            else:
                lines.append(f"  = {self.numeric:.15g}  (numerical: no closed form found; error estimate "
                             f"{self.error:.1e})")
            if self.antiderivative is not None:
                lines.append(f"  antiderivative: {to_text(self.antiderivative)}")
        else:
            lines.append(f"  = {to_text(self.antiderivative)} + C")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"validated: {self.validation}")
        return "\n".join(lines)

    def _mp(self):
        return mpmath.mpf(sympy.Float(self.value.evalf(20), 20)._mpf_) if self.value is not None else self.numeric

    def _answer_text(self):
        if not self.definite:
            return f"{to_text(self.antiderivative)} + C"
        if self.value is not None:
            return to_text(self.value)
        return f"{self.numeric:.15g} (numerical, error estimate {self.error:.1e})"

    def latex(self):
        integrand = latex(self.f)
        dx = latex(self.x)
        if not self.definite:
            return rf"\int {integrand} \, d{dx} = {latex(self.antiderivative)} + C"
        head = rf"\int_{{{latex(self.a)}}}^{{{latex(self.b)}}} {integrand} \, d{dx}"
        if self.value is not None:
            return f"{head} = {latex(self.value)}"
        return rf"{head} \approx {sympy.Float(self.numeric, 15)}"

    def _repr_latex_(self):
        return f"$${self.latex()}$$"

    def to_dict(self):
        return {
            "kind": "integral" if self.definite else "antiderivative",
            "f": to_text(self.f),
            "x": to_text(self.x),
            "a": None if self.a is None else to_text(self.a),
            "b": None if self.b is None else to_text(self.b),
            "antiderivative": None if self.antiderivative is None else to_text(self.antiderivative),
            "value": None if self.value is None else to_text(self.value),
            "numeric": self.numeric,
            "error": self.error,
            "method": self.method,
            "latex": self.latex(),
            "steps": [{"rule": rule, "text": text} for rule, text in self.steps],
            "notes": list(self.notes),
            "condition": None if self.condition is sympy.true else to_text(self.condition),
            "validation": self.validation,
        }

    def explain(self):
        """How the integral was found, step by step, and how it was checked."""
        lines = [f"{self._integral_text()}"]
        if self.steps:
            lines += [f"  {k}. {rule}: {text}" for k, (rule, text) in enumerate(self.steps, 1)]
        elif self.antiderivative is not None:
            lines.append("  SymPy's integrator found it (no textbook steps to report)")
        if self.by_antiderivative:
            lines.append(f"  F(b) - F(a) with F = {to_text(self.antiderivative)}: {to_text(self.value)}")
        lines.append(f"  result: {self._answer_text()}")
        lines += [f"  note: {note}" for note in self.notes]
        lines.append(f"  checked: {self.validation}")
        return "\n".join(lines)

    def plot(self, path=None, *, bounds=None):
        """f with the area under it shaded, and the running integral x -> int_a^x f."""
        from .integral_plot import plot_integral

        return plot_integral(self, path, bounds=bounds)


def integrate(f, x=None, a=None, b=None, *, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """The antiderivative of `f` in `x`, or with `a` and `b` the definite integral from a to b,
    validated numerically; returns an `Integral`.  `f`, `x`, `a`, `b` are text (or LaTeX), SymPy
    objects or numbers; a bound may be infinite ("oo", "-oo", "inf", sympy.oo)."""
    if (a is None) != (b is None):
        raise DeriveError("a definite integral needs both bounds a and b (give neither for an antiderivative)")
    with time_budget(limits.seconds, "integrating"):
        ns = new_namespace(symbols, f, x, *(v for v in (a, b) if not is_infinity(v)))
        expr = as_scalar(as_expression(f, ns))
        _require_scalar_variables(expr)
        if x is None and len(_variables(expr)) != 1:
            raise DeriveError(f"name the variable of integration: {to_text(expr)} has variables "
                              f"{', '.join(s.name for s in _variables(expr)) or 'none'}")
        wrt = _constant_variable(x, expr, ns) or (resolve_wrt(x, expr, ns) if x is not None or _variables(expr) else ())
        if len(wrt) != 1:
            raise DeriveError(f"integrate takes one variable of integration, got {len(wrt)}")
        var = wrt[0]
        lo, hi = (read_bound(v, ns, var) for v in (a, b)) if a is not None else (None, None)
        return ns.plain(integral_of(expr, var, lo, hi, limits=limits, seed=seed))  # x from text comes back as Symbol("x")


def integral_of(expr, var, lo=None, hi=None, *, limits=DEFAULT_LIMITS, seed=0):
    """`integrate` of what a caller has read already: f, its variable and the bounds (or None) as SymPy
    objects, in the caller's symbols (a check's expected integral).  Within the time budget of `limits`,
    or a caller's earlier one."""
    _require_scalar_variables(expr)
    with time_budget(limits.seconds, "integrating"):
        view = RealView(expr, var, *(v for v in (lo, hi) if v is not None))
        fr, xr = view.real(expr), view.real(var)
        lor, hir = (view.real(v) if v is not None else None for v in (lo, hi))
        found = _integrate(fr, xr, lor, hir, seed)
        return Integral(expr, var, lo, hi, **{k: view.user(v) if k in ("antiderivative", "value", "condition") else v
                                              for k, v in found.items()})


def _require_scalar_variables(expr):
    if expr.has(sympy.Indexed, sympy.MatrixSymbol, sympy.Sum):
        raise DeriveError("integrate takes f of scalar variables; this f is in index or matrix notation")


# ---------------------------------------------------------------------------
# an antiderivative (antiderivative.py), then with bounds a value (definite_integral.py)

def _integrate(f, x, a, b, seed):
    bounds = [v for v in (a, b) if v is not None]
    params = sorted(set().union(_variables(f), *(_variables(v) for v in bounds)) - {x}, key=lambda s: s.name)
    if a is not None and not params:
        _no_pole_inside(f, x, a, b)
    F, steps, notes, how = _antiderivative(f, x, params, seed, required=a is None)
    if a is None:
        return dict(antiderivative=F, validation=how, steps=steps, notes=notes)
    return _definite(f, x, a, b, F, params, steps, notes, seed)


# ---------------------------------------------------------------------------
# inputs

def _variables(expr):
    return {s for s in expr.free_symbols if isinstance(s, sympy.Symbol) and not s.is_integer}


def _constant_variable(x, expr, ns):
    """(x,) where f does not depend on the variable named (the integral of 3 dx is 3x); else None."""
    if isinstance(x, sympy.Symbol) and not expr.has(x) and not x.is_integer:
        return (ns.unify(x),)
    if isinstance(x, str) and x.strip().isidentifier() and not _variables(expr):  # only for a constant f: with
        # variables, a name f does not use is more likely a typo (x for z), which resolve_wrt reports
        found = ns.lookup(x.strip())
        return (found,) if isinstance(found, sympy.Symbol) and not found.is_integer else None
    return None


def is_infinity(value):
    """"oo", "-inf", "\\infty", float('inf'), sympy.oo and their negatives."""
    if isinstance(value, str):
        return value.strip().replace(" ", "") in INFINITIES
    if isinstance(value, float):
        return value in (float("inf"), float("-inf"))
    return value is oo or value is -oo or value == oo or value == -oo if isinstance(value, sympy.Basic) else False


def read_bound(value, ns, var):
    """A bound of integration as a SymPy number or expression (infinities allowed); a one-line error
    for one that uses the variable or is not real."""
    if is_infinity(value):
        if isinstance(value, str):
            return INFINITIES[value.strip().replace(" ", "")]
        return oo if float(value) > 0 else -oo
    bound = as_scalar(as_expression(value, ns), "a bound")
    if bound.has(var):
        raise DeriveError(f"the bound {to_text(bound)} uses the variable of integration {var}")
    if bound.is_number and not bound.is_real:
        raise DeriveError(f"the bound {to_text(bound)} is not a real number")
    return bound


__all__ = ["INFINITIES", "Integral", "integrate", "is_infinity", "numeric_slope", "probe_values", "quadrature",
           "read_bound", "settled_quadrature"]
