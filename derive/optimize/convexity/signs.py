"""Signs of scalar expressions, proved by interval arithmetic, with the facts used.

`sign(e, facts)` answers "is e > 0 / >= 0 wherever f is defined?" for the entries,
coefficients, pivots and minors the PSD rules meet.  Each node type has one rule
in `BOUNDS` that maps the intervals of its arguments to an interval containing
its values (sigmoid maps anything into (0, 1), an even power into [0, oo), ...);
the rule records the fact it relied on in words ("0 < sigmoid(t) < 1"), so the
argument can say why.  Where the expression as written is too loose
(exp(x) + exp(-x) - 2), its factored and cancelled forms are tried, and a
polynomial in one variable is settled by counting its real roots (Sturm).

Intervals only ever contain the values: a proof here is a proof.  What they
cannot show is "unknown" (None), never a guess.
"""

from dataclasses import dataclass

import sympy
from sympy import S, Indexed, KroneckerDelta, Sum, Symbol

from ...text.budgets import attempt
from ...text.functions import sigmoid, softplus
from ...text.printing import to_text

SECONDS = 0.3  # per rewriting of one expression (factor, cancel)


@dataclass(frozen=True)
class Interval:
    """[lo, hi] with open or closed ends; lo and hi are SymPy numbers or +-oo."""

    lo: object
    hi: object
    lo_open: bool = False
    hi_open: bool = False

    @property
    def positive(self):
        return self.lo > 0 or (self.lo == 0 and self.lo_open)

    @property
    def nonnegative(self):
        return self.lo >= 0

    @property
    def negative(self):
        return self.hi < 0 or (self.hi == 0 and self.hi_open)

    @property
    def nonpositive(self):
        return self.hi <= 0


EVERYTHING = Interval(S.NegativeInfinity, S.Infinity, True, True)
POSITIVE = Interval(S.Zero, S.Infinity, True, True)
NONNEGATIVE = Interval(S.Zero, S.Infinity, False, True)
NEGATIVE = Interval(S.NegativeInfinity, S.Zero, True, True)
NONPOSITIVE = Interval(S.NegativeInfinity, S.Zero, True, False)
UNIT = Interval(S.Zero, S.One, True, True)
KIND_BOUNDS = {"binary": Interval(S.Zero, S.One), "sign": Interval(-S.One, S.One),
               "probability": UNIT, "simplex": Interval(S.Zero, S.One)}


class Facts:
    """What is known about the atoms: declarations and f's domain.

    ``positive`` holds symbols, array labels (every entry of p is positive) and
    stand-ins for vector entries; ``reasons`` says for each why ("declared",
    "log(p[i]) needs p[i] > 0")."""

    def __init__(self):
        self.positive = {}  # atom -> why
        self.nonnegative = {}
        self.bounds = {}  # atom -> (Interval, why): declared data kinds (binary labels lie in [0, 1])

    def add_positive(self, atom, why):
        self.positive.setdefault(atom, why)

    def add_nonnegative(self, atom, why):
        self.nonnegative.setdefault(atom, why)

    def add_kind(self, atom, kind, name):
        """A declared data kind ("y: binary") as the interval its values lie in."""
        if kind in KIND_BOUNDS:
            self.bounds.setdefault(atom, (KIND_BOUNDS[kind], f"{name} is declared {kind}"))


@dataclass
class Sign:
    """A proved sign: ``strict`` (> 0) or not (>= 0), the facts it rests on, and the form of the
    expression they were read from (as written, factored, ...)."""

    strict: bool
    because: tuple = ()
    form: object = None

    def words(self):
        return "; ".join(self.because)


def sign(expr, facts=None, want="nonnegative"):
    """A `Sign` if `expr` is provably >= 0 (``want="nonnegative"``) or > 0
    (``want="positive"``) wherever it is defined, else None."""
    facts = facts or Facts()
    expr = sympy.sympify(expr) if not isinstance(expr, sympy.Basic) else expr
    for form in _forms(expr):
        used = []
        try:
            interval = bound(form, facts, used)
        except TypeError:  # two ends SymPy cannot order (sigmoid(2) against sigmoid(3)): no proof
            continue
        if interval.positive or (want == "nonnegative" and interval.nonnegative):
            return Sign(interval.positive, tuple(dict.fromkeys(used)), form)
        found = _polynomial_sign(form, facts, want)
        if found is not None:
            return found
    return None


def _forms(expr):
    """expr as written, then rewritten: factored terms show squares, cancelled fractions
    lose spurious differences (x*(1/x) - 1)."""
    yield expr
    seen = {expr}
    for rewrite in (sympy.factor_terms, sympy.cancel, sympy.factor):
        form = attempt(lambda rewrite=rewrite: rewrite(expr), SECONDS, None)
        if form is not None and form not in seen:
            seen.add(form)
            yield form


def _polynomial_sign(expr, facts, want):
    """A polynomial in one real variable with no real root where it may live is of one
    sign there: Sturm's count, then one value."""
    variables = [s for s in expr.free_symbols if not s.is_integer]
    if len(variables) != 1 or not expr.is_polynomial(variables[0]):
        return None
    (x,) = variables
    poly = attempt(lambda: sympy.Poly(sympy.expand(expr), x), SECONDS, None)
    if poly is None or poly.degree() < 1 or not all(c.is_Rational for c in poly.all_coeffs()):
        return None
    domain = bound(x, facts, [])
    lo = None if domain.lo == S.NegativeInfinity else domain.lo
    hi = None if domain.hi == S.Infinity else domain.hi
    roots = attempt(lambda: poly.count_roots(lo, hi), SECONDS, None)
    probe = _inside(domain)
    if roots is None or poly.eval(probe) <= 0:
        return _squares(poly, x, facts, want)
    if roots == 0:
        return Sign(True, (f"{to_text(expr)} has no real root and is positive at {x} = {probe}",))
    return _squares(poly, x, facts, want)


def _squares(poly, x, facts, want):
    """p = c * prod q_i^m_i: nonnegative if c > 0 and every factor of odd multiplicity has
    no real root (the even ones are squares)."""
    if want == "positive":
        return None
    c, factors = poly.sqf_list()
    if c <= 0:
        return None
    for q, m in factors:
        if m % 2 and (q.count_roots() != 0 or q.eval(0) <= 0):
            return None
    return Sign(False, ((f"{to_text(poly.as_expr())} = {to_text(sympy.factor(poly.as_expr()))} is a positive "
                         "multiple of squares and root-free factors"),))


def _inside(domain):
    if domain.lo == S.NegativeInfinity and domain.hi == S.Infinity:
        return S.Zero
    if domain.hi == S.Infinity:
        return domain.lo + 1
    if domain.lo == S.NegativeInfinity:
        return domain.hi - 1
    return (domain.lo + domain.hi) / 2


# ---------------------------------------------------------------------------
# interval arithmetic


def bound(expr, facts, used):
    """An interval containing every value of `expr`; facts relied on are appended to `used`."""
    if expr.is_Number:
        return _point(expr) if expr.is_real and expr.is_finite else EVERYTHING
    if expr.is_number and expr.is_real:
        value = expr.evalf(30)
        if value.is_Float:  # an exact constant (pi, exp(1)): its sign is all that matters here
            return POSITIVE if value > 0 else NEGATIVE if value < 0 else _point(S.Zero)
    known = _known(expr, facts, used)
    if known is not None:
        return known
    for kind, rule in BOUNDS:
        if isinstance(expr, kind):
            return rule(expr, facts, used)
    return _assumed(expr, used)


def _known(expr, facts, used):
    """A whole subexpression the domain says the sign of (1 - x**2 - y**2 > 0 inside log), or its negative."""
    if isinstance(expr, (Symbol, Indexed)):
        return None
    for table, same, opposite in ((facts.positive, POSITIVE, NEGATIVE), (facts.nonnegative, NONNEGATIVE, NONPOSITIVE)):
        if expr in table:
            used.append(table[expr])
            return same
        if -expr in table:
            used.append(table[-expr])
            return opposite
    return None


def _point(value):
    return Interval(value, value)


def _atom(expr, facts, used):
    key = expr.base.label if isinstance(expr, Indexed) else expr
    for atom in (expr, key):
        if atom in facts.bounds:
            interval, why = facts.bounds[atom]
            used.append(why)
            return interval
    for table, interval in ((facts.positive, POSITIVE), (facts.nonnegative, NONNEGATIVE)):
        for atom in (expr, key):
            if atom in table:
                used.append(table[atom])
                return interval
    return _assumed(expr, used, declared=True)


def _assumed(expr, used, declared=False):
    """What SymPy's assumptions say (declarations, and functions that know their sign)."""
    what = "declared" if declared else "by its definition"
    for test, interval, words in (("is_positive", POSITIVE, "> 0"), ("is_negative", NEGATIVE, "< 0"),
                                  ("is_nonnegative", NONNEGATIVE, ">= 0"), ("is_nonpositive", NONPOSITIVE, "<= 0")):
        if getattr(expr, test):
            used.append(f"{to_text(expr)} {words} ({what})")
            return interval
    return EVERYTHING


def _add(expr, facts, used):
    total = _point(S.Zero)
    for term in expr.args:
        b = bound(term, facts, used)
        total = Interval(_plus(total.lo, b.lo, S.NegativeInfinity), _plus(total.hi, b.hi, S.Infinity),
                         total.lo_open or b.lo_open, total.hi_open or b.hi_open)
    return total


def _plus(a, b, unbounded):
    """a + b for interval ends; oo - oo cannot happen for real ends, but if it does the end is unbounded."""
    if S.NegativeInfinity in (a, b) and S.Infinity in (a, b):
        return unbounded
    return a + b


def _mul(expr, facts, used):
    result = _point(S.One)
    for factor in expr.args:
        result = _times(result, bound(factor, facts, used))
    return result


def _times(a, b):
    candidates = []
    for x, x_open in ((a.lo, a.lo_open), (a.hi, a.hi_open)):
        for y, y_open in ((b.lo, b.lo_open), (b.hi, b.hi_open)):
            if x == 0 and not x_open or y == 0 and not y_open:
                candidates.append((S.Zero, False))  # a product with an attained 0 is an attained 0
            elif x == 0 or y == 0:
                candidates.append((S.Zero, True))
            else:
                candidates.append((x * y, x_open or y_open or x.is_infinite or y.is_infinite))
    lo = min(v for v, _ in candidates)
    hi = max(v for v, _ in candidates)
    return Interval(lo, hi, all(o for v, o in candidates if v == lo), all(o for v, o in candidates if v == hi))


def _pow(expr, facts, used):
    base, exp = expr.args
    b = bound(base, facts, used)
    if exp.is_Integer:
        n = int(exp)
        if n % 2 == 0 and n > 0:
            used.append(f"{to_text(expr)} >= 0 (an even power)")
            return _even_power(b, n)
        if n > 0:
            return Interval(b.lo ** n, b.hi ** n, b.lo_open, b.hi_open)
        return _reciprocal(_even_power(b, -n) if n % 2 == 0 else
                           Interval(b.lo ** -n, b.hi ** -n, b.lo_open, b.hi_open))
    if exp.is_Rational or (exp.is_real and exp.is_number):
        # a real power of a non-integer exponent is defined for base >= 0 only (where f is defined)
        positive = exp.is_negative or b.positive
        used.append(f"{to_text(expr)} {'> 0' if positive else '>= 0'} (a real power of a nonnegative number)")
        return POSITIVE if positive else NONNEGATIVE
    if b.positive:
        return POSITIVE
    return EVERYTHING


def _even_power(b, n):
    if b.lo >= 0:
        return Interval(b.lo ** n, b.hi ** n, b.lo_open, b.hi_open)
    if b.hi <= 0:
        return Interval(b.hi ** n, b.lo ** n, b.hi_open, b.lo_open)
    top = max(abs(b.lo), abs(b.hi)) ** n
    return Interval(S.Zero, top, False, True)


def _reciprocal(b):
    """1/x where defined (x != 0)."""
    if b.positive:
        return Interval(S.Zero if b.hi == S.Infinity else 1 / b.hi,
                        S.Infinity if b.lo == 0 else 1 / b.lo, True if b.hi == S.Infinity else b.hi_open, True)
    if b.negative:
        return Interval(S.NegativeInfinity if b.hi == 0 else 1 / b.hi,
                        S.Zero if b.lo == S.NegativeInfinity else 1 / b.lo, True, True)
    if b.lo >= 0:  # [0, hi]: 1/x > 0 where defined
        return POSITIVE
    if b.hi <= 0:
        return NEGATIVE
    return EVERYTHING


def _monotone(function, lo, hi, words):
    """A rule for an increasing function with values in (lo, hi)."""

    def rule(expr, facts, used):
        b = bound(expr.args[0], facts, used)
        used.append(words.format(to_text(expr)))
        low = lo if b.lo == S.NegativeInfinity else function(b.lo)
        high = hi if b.hi == S.Infinity else function(b.hi)
        return Interval(low, high, b.lo_open or b.lo == S.NegativeInfinity, b.hi_open or b.hi == S.Infinity)

    return rule


def _log(expr, facts, used):
    b = bound(expr.args[0], facts, used)
    low = S.NegativeInfinity if b.lo <= 0 else sympy.log(b.lo)
    high = S.Infinity if b.hi == S.Infinity else sympy.log(b.hi) if b.hi > 0 else S.NegativeInfinity
    return Interval(low, high, True, b.hi_open or b.hi == S.Infinity)


def _within(lo, hi, words):
    def rule(expr, facts, used):
        used.append(words.format(to_text(expr)))
        return Interval(lo, hi)
    return rule


def _abs(expr, facts, used):
    b = bound(expr.args[0], facts, used)
    if b.positive or b.negative:
        return Interval(min(abs(b.lo), abs(b.hi)), max(abs(b.lo), abs(b.hi)), True, True)
    return NONNEGATIVE


def _sum(expr, facts, used):
    """A sum over a nonempty range of terms of one sign has that sign."""
    b = bound(expr.function, facts, used)
    count = sympy.Integer(1)
    for _, lo, hi in expr.limits:
        count *= hi - lo + 1
    if not count.is_positive:
        return EVERYTHING if not (b.nonnegative or b.nonpositive) else (NONNEGATIVE if b.nonnegative else NONPOSITIVE)
    if b.positive:
        return POSITIVE
    if b.nonnegative:
        return NONNEGATIVE
    if b.negative:
        return NEGATIVE
    if b.nonpositive:
        return NONPOSITIVE
    return EVERYTHING


def _max(expr, facts, used):
    bounds = [bound(a, facts, used) for a in expr.args]
    return Interval(max(b.lo for b in bounds), max(b.hi for b in bounds), True, True)


def _min(expr, facts, used):
    bounds = [bound(a, facts, used) for a in expr.args]
    return Interval(min(b.lo for b in bounds), min(b.hi for b in bounds), True, True)


def _cosh(expr, facts, used):
    used.append(f"{to_text(expr)} >= 1")
    return Interval(S.One, S.Infinity, False, True)


def _delta(expr, facts, used):
    return Interval(S.Zero, S.One)


BOUNDS = (
    ((Symbol, Indexed), _atom),
    (sympy.Add, _add),
    (sympy.Mul, _mul),
    (sympy.Pow, _pow),
    (sympy.exp, _monotone(sympy.exp, S.Zero, S.Infinity, "{} > 0")),
    (sigmoid, _monotone(sigmoid, S.Zero, S.One, "0 < {} < 1")),
    (softplus, _monotone(softplus, S.Zero, S.Infinity, "{} > 0")),
    (sympy.tanh, _monotone(sympy.tanh, -S.One, S.One, "-1 < {} < 1")),
    (sympy.atan, _monotone(sympy.atan, -sympy.pi / 2, sympy.pi / 2, "|{}| < pi/2")),
    (sympy.erf, _monotone(sympy.erf, -S.One, S.One, "-1 < {} < 1")),
    (sympy.sinh, _monotone(sympy.sinh, S.NegativeInfinity, S.Infinity, "{} increasing")),
    (sympy.log, _log),
    (sympy.sin, _within(-S.One, S.One, "-1 <= {} <= 1")),
    (sympy.cos, _within(-S.One, S.One, "-1 <= {} <= 1")),
    (sympy.cosh, _cosh),
    (sympy.Abs, _abs),
    (Sum, _sum),
    (sympy.Max, _max),
    (sympy.Min, _min),
    (KroneckerDelta, _delta),
)
