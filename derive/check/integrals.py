"""Checks of integrals: a claimed antiderivative, a claimed definite value.

    >>> import derive
    >>> v = derive.check("cos(3*x)", "x", "sin(3*x)", kind="antiderivative")
    >>> v.mistake, v.explanation
    ('factor', 'the derivative of the claim is 3 times f: a factor 1/3 from the inner function 3*x is missing')
    >>> derive.check("x**2", "x", "1/3", kind="integral", a=0, b=1).ok
    True

A claimed antiderivative F is right when F' = f on f's domain: F' (SymPy's) is compared with f
at random points where f is defined (`equivalence.compare`), F must be defined wherever f is
(log(x) for 1/x is not: x < 0 is in f's domain; points far out and beside the real roots of each
log's argument are tried too, as log(x + 100) fails only below -100), F's slope from its values
alone (`numeric_slope`) must equal f, and F(beta) - F(alpha) must be the integral of f over
intervals of f's domain (x + sign(x) has slope 1 wherever it has one, but jumps at 0).  Any
constant may be added: a different one than derive's, or a "+ C", is said so.  A wrong F is
explained by F'/f (a constant: "factor", "sign"), by its terms against derive's antiderivative
("missing_term", "extra_term"), or by being f's derivative ("wrong_kind").  derive's own
antiderivative is sought only after the verdict, within EXPECTED_SECONDS: a wrong claim is not
kept waiting for an integral SymPy finds slowly.

A claimed definite value is compared with `derive.integrate`'s (exact and checked against
quadrature, or numerical with its error); a decimal claim is right when it is the value rounded
to the digits given.  A wrong value is named when it is minus the value (bounds swapped), a
simple multiple of it, or (for a textbook F continuous on [a, b] with F(a) != 0) F(b) alone or
F(b) + F(a).  Where the value holds only under a condition on parameters (exp(-a*x) on [0, oo):
a > 0), the claim is compared where the condition holds.
"""

import math
import random

import mpmath
import sympy
from sympy import Abs, log

from ..analysis.integrals import (INFINITIES, integrate, is_infinity, numeric_slope, probe_values, quadrature,
                                  read_bound, settled_quadrature)
from ..calculus.reals import RealView, real_diff
from ..errors import DeriveError, ShapeError
from ..text.budgets import DEFAULT_LIMITS, attempt, time_budget
from ..text.inputs import as_expression, as_scalar, new_namespace, resolve_wrt
from ..text.printing import to_text
from ..validation import fast
from ..validation.equivalence import compare, defined_at, numeric_value, sample_point, symbolically_zero
from .definitions import parse_definitions, substitute as _substitute
from .verdict import Verdict

SLOPE_POINTS = 4  # points where F's numerical slope must equal f
DOMAIN_POINTS = 40  # points of f's domain where F must be defined
SLOPE_TOLERANCE = 1e-25  # relative, as derive.integrate's: F's slope (60 digits) and f are known to 35 digits or more
JUMP_TOLERANCE = 1e-8  # relative: F(beta) - F(alpha) against quadrature, whose own error is below 1e-8
JUMP_INTERVALS = 6  # intervals of f's domain where F(beta) - F(alpha) must be the integral of f
EXPECTED_SECONDS = 3.0  # derive's own antiderivative, for the explanation only
MAX_DENOMINATOR = 1000  # a value shown as a fraction has at most this denominator; else a 12-digit float
MIN_DIGITS = 3  # significant digits a decimal claim needs to be judged as a rounded value
MAX_TERMS = 24  # terms compared one by one; beyond that the comparison says nothing a reader can use


def check_integral(f, x, claimed, kind, *, a=None, b=None, let=None, symbols=None, limits=DEFAULT_LIMITS, seed=0):
    """`derive.check` for kind="antiderivative" (no bounds) and kind="integral" (a and b)."""
    if kind == "antiderivative" and (a is not None or b is not None):
        raise DeriveError("an antiderivative has no bounds: for a definite integral use kind='integral' with a= and b=")
    if kind == "integral" and (a is None or b is None):
        raise DeriveError("kind='integral' checks a definite integral and needs both bounds a= and b= "
                          "(without bounds use kind='antiderivative')")
    what = "checking the antiderivative" if kind == "antiderivative" else "checking the integral"
    with time_budget(limits.seconds, what):
        bounds = [v for v in (a, b) if v is not None and not is_infinity(v)]
        ns = new_namespace(symbols, f, x, *bounds, judged=(claimed, let))
        definitions = parse_definitions(let, ns)
        expr = _scalar(_substitute(as_expression(f, ns), definitions), "f", "an integral's f is a scalar")
        if kind == "integral" and is_infinity(claimed):  # "oo": a divergent integral's value
            written = INFINITIES[claimed.strip().replace(" ", "")] if isinstance(claimed, str) else \
                sympy.oo if float(claimed) > 0 else -sympy.oo
        else:
            written = _scalar(as_expression(claimed, ns), "the claim", _CLAIM[kind])
        claim = _substitute(written, definitions)
        var = _variable(x, expr, claim, ns)
        if kind == "antiderivative":
            verdict = _check_antiderivative(expr, var, claim, limits, seed)
        else:
            lo, hi = (read_bound(v, ns, var) for v in (a, b))
            verdict = _check_definite(expr, var, claim, lo, hi, _decimals(claimed), limits, seed)
        if definitions:
            verdict.as_written, verdict.definitions = written, definitions
        return verdict


_CLAIM = {"antiderivative": "an antiderivative is a scalar function", "integral": "a definite integral is a number"}


def _scalar(expr, what, why):
    if isinstance(expr, (sympy.MatrixBase, sympy.MatrixExpr)) and tuple(expr.shape) != (1, 1):
        raise ShapeError(f"{what} is a {to_text(expr.shape[0])} x {to_text(expr.shape[1])} matrix; {why}")
    return as_scalar(expr, what)


def _variable(x, expr, claim, ns):
    # f may not use x at all (the integral of 3 is 3*x): the claim may name it
    found = resolve_wrt(x, sympy.Tuple(expr, claim), ns) if x is not None else resolve_wrt(None, expr, ns)
    if len(found) != 1:
        raise DeriveError(f"an integral has one variable of integration, got {len(found)}: "
                          f"{', '.join(to_text(v) for v in found)}")
    return found[0]


def _decimals(claimed):
    """The decimals a number claim was written with (0.7468: 4), None for anything else or for fewer
    than MIN_DIGITS significant digits: such a claim is right when it is the value rounded there
    (0.7468 for sqrt(pi)*erf(1)/2), but 2.1 is too coarse to stand for 2.0504."""
    if isinstance(claimed, float) or (isinstance(claimed, sympy.Basic) and claimed.is_Float):
        text = repr(float(claimed))
    elif isinstance(claimed, str):
        text = claimed.strip()
    else:
        return None
    mantissa, _, exponent = text.lower().partition("e")
    digits = mantissa.lstrip("+-")
    if "." not in digits or not digits.replace(".", "", 1).isdigit() or \
            (exponent and not exponent.lstrip("+-").isdigit()):
        return None
    if len(digits.replace(".", "").lstrip("0")) < MIN_DIGITS:
        return None
    return len(digits.split(".")[1]) - (int(exponent) if exponent else 0)


# ---------------------------------------------------------------------------
# antiderivatives


def _check_antiderivative(f, x, claim, limits, seed):
    view = RealView(f, claim, x)
    fr, xr, cr = view.real(f), view.real(x), view.real(claim)
    derived = _Derived(f, x, view, limits, seed)
    verdict = _judge(fr, xr, cr, derived, seed)
    verdict.expected = derived.user()
    verdict.claimed = claim
    verdict.wrt = (x,)
    if verdict.counterexample:
        verdict.counterexample = view.user(verdict.counterexample)
    return verdict


class _Derived:
    """derive's own (validated) antiderivative and the rules that found it (by parts, ...), sought
    on first use and within EXPECTED_SECONDS: it only words the explanation, so a claim is judged
    without it, and where it is not found in time (or at all) the claim is judged by F' = f alone."""

    def __init__(self, f, x, view, limits, seed):
        self.f, self.x, self.view, self.limits, self.seed = f, x, view, limits, seed
        self._found = None

    def _find(self):
        if self._found is None:
            self._found = (self.f * self.x, []) if not self.f.has(self.x) else \
                attempt(self._integrate, EXPECTED_SECONDS, (None, []))
        return self._found

    def _integrate(self):
        try:
            found = integrate(self.f, self.x, limits=self.limits, seed=self.seed)
        except DeriveError:
            return None, []
        return found.antiderivative, [f"{rule}: {text}" for rule, text in found.steps]  # 'substitution: ...'

    def user(self):
        return self._find()[0]

    @property
    def expected(self):
        F = self._find()[0]
        return None if F is None else self.view.real(F)

    @property
    def rules(self):
        return self._find()[1]


def _judge(f, x, claim, derived, seed):
    F, constants = _strip_constants(claim, f, x)
    symbols = sorted((s for s in f.free_symbols | F.free_symbols | {x} if isinstance(s, sympy.Symbol)),
                     key=lambda s: s.name)
    dF = real_diff(F, x)
    result = compare(f, dF, symbols, seconds=0.5, seed=seed, domain=(f, F))
    undecided = result.evidence.startswith("undecided")
    if not result.equal and not undecided:
        return _wrong(f, x, F, dF, derived, symbols, result.point, seed)
    gap = _domain_gap(f, F, x, symbols, seed)
    if gap is not None:
        return gap
    if undecided:
        raise DeriveError(f"cannot decide: {result.evidence}")
    off = _slope_check(f, F, x, symbols, seed)
    if off is not None:
        point, values = off
        return Verdict("wrong", None, claim,
                       f"the claim's slope (a numerical derivative of its values) is not f at "
                       f"{_point_text(point)}", "numeric: F's slope from its values", point, values,
                       kind="antiderivative", mistake="other")
    jump, compared = _jump_check(f, F, x, symbols, seed)
    if jump is not None:
        return jump
    rises = f"; F(beta) - F(alpha) is the integral of f (by quadrature) on {compared} interval" \
        f"{'s' if compared > 1 else ''} of f's domain" if compared else ""
    how = (f"F' = f at random points of f's domain ({result.evidence}), the claim is defined wherever f is, "
           f"and its slope from its values alone equals f at {SLOPE_POINTS} of them{rises}")
    return Verdict("correct", None, claim, _correct_text(f, F, derived.expected, x, constants, symbols, seed), how,
                   kind="antiderivative")


def _strip_constants(claim, f, x):
    """The claim without its "+ C": a name neither f nor x has that enters the claim additively
    (dF/dC a nonzero number) is the constant of integration, any value of it right or none."""
    constants = []
    for s in sorted(claim.free_symbols - f.free_symbols - {x}, key=lambda s: s.name):
        if isinstance(s, sympy.Symbol):
            slope = sympy.diff(claim, s)
            if slope.is_number and slope != 0:
                constants.append(s)
    return claim.xreplace({c: 0 for c in constants}), constants


def _correct_text(f, F, expected, x, constants, symbols, seed):
    plus_c = ""
    if constants:
        names = ", ".join(to_text(c) for c in constants)
        plus_c = f"; {names} is the constant of integration" if len(constants) == 1 else \
            f"; {names} are constants of integration"
    if expected is None:
        return "the claim's derivative equals f on f's domain" + plus_c
    difference = _constant_difference(F, expected, x, symbols, seed)
    if difference == 0:
        return f"the claim is derive's antiderivative {to_text(expected)}" + plus_c
    if difference is None and _pieces(f, x) > 1:
        return (f"differs from derive's antiderivative {to_text(expected)} by a constant on each interval "
                f"of f's domain (constants of integration)") + plus_c
    if difference is None:  # not seen to be one constant: say no more than was checked
        return f"the claim's derivative equals f on f's domain, as that of derive's antiderivative " \
               f"{to_text(expected)} does" + plus_c
    return (f"differs from derive's antiderivative {to_text(expected)} by the constant "
            f"{to_text(difference)} (a constant of integration)") + plus_c


def _pieces(f, x):
    """How many intervals f's domain has on the real line: 1, 2 (meaning several), or 0 (unknown)."""
    from sympy.calculus.util import continuous_domain

    domain = attempt(lambda: continuous_domain(f, x, sympy.S.Reals), 0.5, None)
    if domain is None:
        return 0
    return 1 if isinstance(domain, sympy.Interval) else 2


def _constant_difference(F, expected, x, symbols, seed):
    """claim - expected, a constant (in x): exact where SymPy or a 40-digit match finds it, None where it
    is constant only piece by piece (atan(1/x) against -atan(x): a different constant for x < 0)."""
    d = F - expected
    simpler = attempt(lambda: sympy.simplify(d), 0.5, d)
    if not simpler.has(x):
        return simpler
    values = []
    rng = random.Random(seed + 7)
    for k in range(40):
        if len(values) >= 4:
            break
        point = sample_point(symbols, rng, k)
        if defined_at([F, expected], point):
            values.append(numeric_value(d, point))
    if values and all(v is not None and abs(v - values[0]) < 1e-25 * max(1, abs(values[0])) for v in values):
        exact = _exact_number(values[0])
        if exact is not None and not (set(symbols) - {x}):
            return exact
    return None


def _domain_gap(f, F, x, symbols, seed):
    """A claim undefined (complex, infinite) at points where f is defined: log(x) for 1/x at x < 0."""
    for point in _domain_points(F, x, symbols, seed):
        if not defined_at([f], point) or defined_at([F], point):
            continue
        at = {u: _value(u, point) for u in _log_arguments(F)}
        culprit = next((u for u, v in at.items() if v is not None and v <= 0), None)
        values = (_exact_or_float(f, point), None)
        if culprit is not None:
            u = to_text(culprit)
            text = (f"the claim holds only where {u} > 0: on the domain of f, {u} takes negative values "
                    f"({to_text(at[culprit])} at {_point_text(point)}); write log|{u}|")
        else:
            text = f"the claim is undefined at {_point_text(point)}, where f is defined"
        return Verdict("wrong", None, F, text, "numeric: the claim's value at a point of f's domain", point, values,
                       kind="antiderivative", mistake="domain")
    return None


def _domain_points(F, x, symbols, seed):
    """Random points (they stay within about +-80), then points far out and beside the real roots of
    each log's argument and fractional power's base: log(x + 100) is undefined only below -100,
    log(10000 - x**2) only beyond +-100."""
    rng = random.Random(seed + 3)
    for k in range(DOMAIN_POINTS):
        yield sample_point(symbols, rng, k)
    params = [s for s in symbols if s != x]
    for k in range(2 if params else 1):
        base = sample_point(params, rng, k)
        for value in _probe_values(F, x, base):
            yield {s: value if s == x else base[s] for s in symbols}


def _probe_values(F, x, base):
    """Where F's log arguments and root bases may change sign (`probe_values`), on x's side of 0."""
    values = [v for u in _domain_arguments(F, x) for v in probe_values(u.xreplace(base), x)]
    values += probe_values(sympy.S.One, x)  # far out, even where F has no log
    sign = 1 if x.is_nonnegative else -1 if x.is_nonpositive else 0  # "x: positive" has no points below 0
    return [v for v in dict.fromkeys(values) if sign == 0 or v * sign > 0]


def _domain_arguments(F, x):
    """Arguments of F's logs (which must be positive) and bases of its fractional powers (nonnegative)."""
    found = {t.args[0] for t in F.atoms(log)} | \
        {p.base for p in F.atoms(sympy.Pow) if p.exp.is_Rational and not p.exp.is_Integer}
    return sorted((u for u in found if u.has(x) and not isinstance(u, Abs) and not u.is_positive),
                  key=sympy.default_sort_key)


def _log_arguments(F):
    return sorted({t.args[0] for t in F.atoms(log) if not isinstance(t.args[0], Abs) and not t.args[0].is_positive},
                  key=sympy.default_sort_key)


def _value(u, point):
    v = numeric_value(u, point)
    return None if v is None else _readable(v)


def _readable(v):
    """A value for a message: a short fraction, an exact number (sqrt(2), pi/4), else 12 digits."""
    if v.is_Rational and v.q <= MAX_DENOMINATOR and abs(v.p) < 10**15:
        return v
    return (None if v.is_Rational else _exact_number(v)) or sympy.Float(float(f"{float(v):.12g}"))  # repr: 12 digits


def _jump_check(f, F, x, symbols, seed):
    """(a wrong Verdict, n) where F(beta) - F(alpha) is not the integral of f over an interval [alpha, beta]
    of f's domain: F jumps where f is continuous (x + sign(x) at 0, atan(tan(x/2)/sqrt(3)) at pi),
    which no test of F' = f at points can see.  Else (None, n): n intervals agreed."""
    params = [s for s in symbols if s != x]
    rng = random.Random(seed + 13)
    base = sample_point(params, rng, 0)
    fb, Fb = f.xreplace(base), F.xreplace(base)
    poles = _poles(fb, x)
    compared = 0
    for lo, hi in _intervals(Fb, x, rng):
        if compared >= JUMP_INTERVALS:
            break
        if not all(defined_at([fb, Fb], {x: end}) for end in (lo, hi)):
            continue
        quad = _integral(fb, x, lo, hi, poles)
        if quad is None:
            continue  # f is not integrable there (a pole inside), or not real: not one interval of f's domain
        compared += 1
        rise = numeric_value(Fb, {x: hi}) - numeric_value(Fb, {x: lo})
        if abs(rise - quad) <= JUMP_TOLERANCE * max(1, abs(quad)):
            continue
        # one degree of the rule may look settled on a divergent integral: two must agree before F is blamed
        quad, _ = settled_quadrature(fb, x, lo, hi)
        if quad is None or abs(rise - sympy.Float(quad, 30)) <= JUMP_TOLERANCE * max(1, abs(quad)):
            continue
        quad = sympy.Float(quad, 30)
        at = next((c for c in attempt(lambda: _suspects(Fb, x, lo, hi), 0.5, []) if _jumps_at(Fb, x, c)), None)
        rises = (f"F({to_text(hi)}) - F({to_text(lo)}) = {to_text(_readable(rise))}, but the integral of f over "
                 f"[{to_text(lo)}, {to_text(hi)}] is {to_text(_readable(quad))}")
        if at is not None:
            point = {s: at if s == x else base[s] for s in symbols}
            text = f"the claim jumps at {_point_text({x: at})}, where f is continuous: {rises}"
            values = (_exact_or_float(f, point), None)
        else:
            point, values = None, None
            text = f"the claim jumps somewhere between {to_text(lo)} and {to_text(hi)}, where f is continuous: {rises}"
        return Verdict("wrong", None, F, text, "numeric: F(beta) - F(alpha) against quadrature of f", point, values,
                       kind="antiderivative", mistake="other"), compared
    return None, compared


def _poles(f, x, reach=25):
    """f's singularities on [-reach, reach] (one solveset for every interval), or None (unknown)."""
    from sympy.calculus.singularities import singularities

    found = attempt(lambda: singularities(f, x, sympy.Interval(-reach, reach)), 0.5, None)
    return list(found) if isinstance(found, sympy.FiniteSet) else None if found is None or not found.is_empty else []


def _integral(f, x, lo, hi, poles):
    """The integral of f over [lo, hi] by a first, quick quadrature (no search for places to split, a
    low degree: a mismatch is confirmed by the caller), or None where f has a pole inside or is not real."""
    if poles is not None and any(lo <= p <= hi for p in poles if p.is_real):
        return None
    value, _ = quadrature(f, x, lo, hi, degree=6, split=False)
    return None if value is None else sympy.Float(value, 30)


def _intervals(F, x, rng):
    """[alpha, beta] to compare F's rise with f's integral on: across 0 and +-pi, a long one, across
    the points where F may jump (nearest 0 first), random ones; on x's side of 0 where x has a sign."""
    sign = 1 if x.is_nonnegative else -1 if x.is_nonpositive else 0
    Q = sympy.Rational
    found = [(Q(-1, 2), Q(1, 3)), (Q(-7, 2), Q(9, 2)), (-10, 12)] if sign == 0 else \
        [(Q(1, 7) * sign, Q(3, 2) * sign), (Q(1, 2) * sign, Q(9, 2) * sign), (sign, 12 * sign)]
    found += [(c - Q(1, 3), c + Q(1, 2)) for c in attempt(lambda: _suspects(F, x, -20, 20), 0.5, [])[:3]]
    for k in range(3):
        ends = [sample_point([x], rng, 3 * k + j)[x] for j in (0, 1)]
        if ends[0] != ends[1]:
            found.append(tuple(ends))
    return [tuple(sorted(map(sympy.sympify, pair), key=float)) for pair in found
            if sign == 0 or all(float(v) * sign > 0 for v in pair)]


def _suspects(F, x, lo, hi):
    """Points of (lo, hi) where F may jump, nearest 0 first: where the argument of sign or Heaviside is 0
    or that of floor or ceiling an integer, where tan, cot, sec or csc has a pole, and where any
    function's argument has one (atan(1/x) at 0)."""
    sides = []
    for node in F.atoms(sympy.Function):
        if not node.args or not node.args[0].has(x):
            continue
        u = node.args[0]
        if isinstance(node, (sympy.sign, sympy.Heaviside)):
            sides.append(u)
        elif isinstance(node, (sympy.floor, sympy.ceiling, sympy.frac)):
            sides += _integer_crossings(u, x, lo, hi)
        elif isinstance(node, (sympy.tan, sympy.sec)):
            sides.append(sympy.cos(u))
        elif isinstance(node, (sympy.cot, sympy.csc)):
            sides.append(sympy.sin(u))
        denominator = sympy.denom(sympy.together(u))
        if denominator.has(x):
            sides.append(denominator)
    points = set()
    for side in sides:
        zeros = sympy.solveset(side, x, sympy.Interval.open(lo, hi))
        if isinstance(zeros, sympy.FiniteSet):
            points |= {z for z in zeros if z.is_real}
    return sorted(points, key=lambda p: (abs(float(p)), float(p)))


def _integer_crossings(u, x, lo, hi):
    """u - k for each integer k a linear u crosses between lo and hi (u itself for any other u)."""
    if not (u.is_polynomial(x) and sympy.degree(u, x) == 1):
        return [u]
    ends = sorted(float(u.subs(x, v)) for v in (lo, hi))
    if ends[1] - ends[0] > 200:
        return []
    return [u - k for k in range(math.ceil(ends[0]), math.floor(ends[1]) + 1)]


def _jumps_at(F, x, c):
    """Do F's values just left and right of c differ by more than its slope explains?"""
    eps = sympy.Rational(1, 10**15)
    left, right = (numeric_value(F, {x: c + side * eps}) for side in (-1, 1))
    return left is not None and right is not None and abs(right - left) > JUMP_TOLERANCE * max(1, abs(left))


def _slope_check(f, F, x, symbols, seed):
    """F's slope from its values (not SymPy's diff) against f; (point, (f, slope)) where they differ."""
    rng = random.Random(seed + 5)
    checked = 0
    for k in range(SLOPE_POINTS * 10):
        if checked >= SLOPE_POINTS:
            break
        point = sample_point(symbols, rng, k)
        fv = numeric_value(f, point)
        if fv is None or not defined_at([f, F], point) or not _interior([f, F], x, point):
            continue  # at an end of f's domain (acos(2*x) at x = -1/2) F's slope is one-sided at best
        slope = numeric_slope(F, x, point)
        if slope is None:
            continue
        with mpmath.workdps(60):
            if abs(slope - fast._number(fv)) > SLOPE_TOLERANCE * max(1, abs(slope)):
                return point, (fv, sympy.Float(slope, 15))
        checked += 1
    return None


def _interior(exprs, x, point, step=sympy.Rational(1, 1000)):
    """Are `exprs` defined on both sides of the point?"""
    return all(defined_at(exprs, {**point, x: point[x] + side * step}) for side in (1, -1))


# ---------------------------------------------------------------------------
# what a wrong antiderivative got wrong


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


def _exact_or_float(e, point):
    v = numeric_value(e, point)
    return v if v is None or v.is_Rational else sympy.Float(v, 15)


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


def _exact_number(value):
    """The exact number a 40-digit value is (a rational, sqrt(2), pi/4) written with fractions of
    denominator at most MAX_DENOMINATOR, or None: nsimplify also finds 40-digit fractions, which
    say nothing a float does not."""
    guess = value if value.is_Rational else \
        attempt(lambda: sympy.nsimplify(value, [sympy.pi, sympy.E], tolerance=1e-30), 0.3, None)
    if guess is None or sympy.count_ops(guess) > 8 or \
            any(r.q > MAX_DENOMINATOR or abs(r.p) > 10**12 for r in guess.atoms(sympy.Rational)):
        return None
    if not value.is_Rational and abs(sympy.N(guess, 40) - value) > 1e-30 * max(1, abs(value)):
        return None
    return guess


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
    c, rest = f.as_independent(x, as_Add=False)
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


# ---------------------------------------------------------------------------
# definite integrals


def _check_definite(f, x, claim, a, b, decimals, limits, seed):
    try:
        result = integrate(f, x, a, b, limits=limits, seed=seed)
    except DeriveError as exc:
        raise DeriveError(f"no value to check the claim against: {exc}") from None
    exact = result.value
    truth = exact if exact is not None else sympy.Float(result.numeric, 15)
    params = sorted((s for s in (claim.free_symbols | truth.free_symbols) if isinstance(s, sympy.Symbol)),
                    key=lambda s: s.name)
    by_name = {s.name: s for s in params}
    condition = getattr(result, "condition", sympy.true)  # where the value holds: a > 0 for exp(-a*x) on [0, oo)
    condition = condition.xreplace({s: by_name.get(s.name, s) for s in condition.free_symbols})
    where = "" if condition is sympy.true else f" where {to_text(condition)} (elsewhere derive found no value)"

    def verdict(status, text, evidence, values=None, mistake="unset"):
        v = Verdict(status, truth, claim, text, evidence, values=values, kind="integral", wrt=(x,), mistake=mistake)
        v.bounds = (a, b)
        return v

    how = f"derive.integrate: {result.validation}"
    if truth in (sympy.oo, -sympy.oo, sympy.zoo):
        if claim == truth:
            return verdict("correct", f"the integral diverges to {to_text(truth)}", how)
        return verdict("wrong", f"the integral diverges (to {to_text(truth)}): it has no finite value",
                       how, mistake="other")
    if claim in (sympy.oo, -sympy.oo, sympy.zoo):
        shown = to_text(truth) + where if params else _shown(truth, _number(truth))
        return verdict("wrong", f"the integral converges to {shown}", how, mistake="other")
    if params:
        return _check_parametric(truth, claim, params, condition, where, seed, how, verdict)
    tv, cv = _number(truth), _number(claim)
    if cv is None:
        raise DeriveError(f"the claim {to_text(claim)} is not a real number")
    shown = _shown(truth, tv)
    if exact is not None and symbolically_zero(claim - truth, 0.5):
        return verdict("correct", f"the integral is {shown}", f"{how}; the claim equals it exactly")
    if exact is None and abs(cv - tv) <= max(100 * (result.error or 0), 1e-12 * max(1, abs(tv))):
        return verdict("correct", f"the integral is {shown} (numerical: no closed form was found)",
                       f"{how}; the claim agrees within the quadrature's error")
    if decimals is not None and abs(cv - tv) <= sympy.Rational(1, 2) * sympy.Integer(10) ** -decimals * (1 + 1e-12):
        places = f"{decimals} decimal{'s' if decimals != 1 else ''}"
        return verdict("correct", f"right to the {places} given: the integral is {shown}",
                       f"{how}; the claim is the value rounded to {places}")
    if exact is not None and abs(cv - tv) <= 1e-30 * max(1, abs(tv)):
        return verdict("correct", f"the integral is {shown}",
                       f"{how}; the claim agrees with it to 30 digits (simplification was inconclusive)")
    values = (_float(tv), _float(cv))
    mistake, why = _definite_mistake(f, x, claim, cv, tv, a, b, result.antiderivative)
    off = cv - tv
    text = f"the integral is {shown}; the claim {to_text(claim)} is off by {_signed(claim - truth, off)}"
    if why:
        text = f"{why}: {text}"
    return verdict("wrong", text, f"{how}; the claim differs from it", values, mistake)


def _definite_mistake(f, x, claim, cv, tv, a, b, F):
    """(mistake, why) for a wrong value: a swapped pair of bounds, a multiple, F at the bounds misused."""
    def same(v):
        return v is not None and abs(cv - v) <= 1e-25 * max(1, abs(v))

    if tv != 0 and same(-tv):
        return "sign", "the claim is minus the integral (F(a) - F(b): the bounds swapped?)"
    if F is not None and a.is_finite and b.is_finite:
        Fa, Fb = (_number(_at(F, x, v)) for v in (a, b))
        # derive's F carries an arbitrary constant: F(b) alone means something only for the form a
        # student writes, continuous on [a, b], and where F(a) = 0 is not what made them equal
        if Fa is not None and Fb is not None and abs(Fa) > 1e-20 and _textbook(F, x, a, b):
            if same(Fb):
                return "missing_term", f"the claim is F(b) = {_shown(_at(F, x, b), Fb)} alone: F(a) was not subtracted"
            if same(Fb + Fa):
                return "sign", "the claim is F(b) + F(a): F(a) must be subtracted"
        fa, fb = (_number(_at(f, x, v)) for v in (a, b))
        if fa is not None and fb is not None and abs(fb - fa) > 1e-20 and same(fb - fa):
            return "wrong_kind", "the claim is f(b) - f(a), f itself at the bounds, not an antiderivative's"
    if tv != 0:
        ratio = _exact_number(sympy.Float(cv / tv, 40))
        if ratio is not None and ratio.is_Rational and ratio not in (0, 1) and max(abs(ratio.p), ratio.q) <= 12:
            return "factor", f"the claim is {to_text(ratio)} times the integral"
    return "other", ""


def _check_parametric(truth, claim, params, condition, where, seed, how, verdict):
    """The value against the claim at parameter values where the value holds (and, symbolically,
    under that condition): 1/abs(a) is the integral of exp(-a*x) on [0, oo), which exists for a > 0 only."""
    if condition is not sympy.true and attempt(lambda: sympy.refine(claim - truth, condition), 0.5, None) == 0:
        return verdict("correct", f"the integral is {to_text(truth)}{where}",
                       f"{how}; the claim equals it where {to_text(condition)}")
    guard = () if condition is sympy.true else (sympy.Piecewise((sympy.S.One, condition), (sympy.nan, True)),)
    same = compare(truth, claim, params, seconds=0.5, seed=seed, domain=guard)
    if same.evidence.startswith("undecided"):
        raise DeriveError(f"cannot decide: no values of {', '.join(p.name for p in params)} were found where "
                          f"{to_text(condition)}")
    if same.equal:
        return verdict("correct", f"the integral is {to_text(truth)}{where}", f"{how}; {same.evidence}")
    mistake, why = _parametric_mistake(truth, claim, condition)
    text = f"the integral is {to_text(truth)}{where}, not {to_text(claim)}"
    return verdict("wrong", f"{why}: {text}" if why else text, f"{how}; {same.evidence}", mistake=mistake)


def _parametric_mistake(truth, claim, condition):
    ratio = attempt(lambda: sympy.refine(sympy.simplify(claim / truth), condition), 0.5, None) if truth != 0 else None
    if ratio == -1:
        return "sign", "the claim is minus the integral (F(a) - F(b): the bounds swapped?)"
    if ratio is not None and ratio.is_Rational and ratio != 0:
        return "factor", f"the claim is {to_text(ratio)} times the integral"
    return "other", ""


def _textbook(F, x, a, b):
    """Is F a form a student writes and evaluates at the bounds: no added constant, no floor, sign or
    Piecewise (derive's fixes for a continuous F: 1/(2 + cos(x)) has a floor), no singularity on [a, b]?"""
    if F.has(sympy.Piecewise, sympy.floor, sympy.ceiling, sympy.frac, sympy.sign, sympy.Heaviside):
        return False
    if F.as_independent(x, as_Add=True)[0] != 0:
        return False
    from sympy.calculus.singularities import singularities

    inside = attempt(lambda: singularities(F, x, sympy.Interval(min(a, b), max(a, b))), 0.5, None)
    return inside is not None and inside.is_empty is True


def _at(F, x, v):
    value = F.xreplace({x: v})
    if value.has(sympy.nan, sympy.zoo) or not value.is_finite:
        value = attempt(lambda: sympy.limit(F, x, v), 0.5, None)
    return value


def _number(e):
    if e is None:
        return None
    v = numeric_value(e, {})
    return None if v is None else v


def _float(v):
    return v if v.is_Rational else sympy.Float(v, 15)


def _shown(exact, value):
    text = to_text(exact)
    return text if exact.is_Rational or exact.is_Float else f"{text} = {sympy.Float(value, 15)}"


def _signed(d, value):
    d = attempt(lambda: sympy.simplify(d), 0.3, d)
    return to_text(d) if d.is_Rational else f"{sympy.Float(value, 6)}"


def _point_text(point):
    return ", ".join(f"{to_text(s)} = {to_text(v)}" for s, v in point.items())
