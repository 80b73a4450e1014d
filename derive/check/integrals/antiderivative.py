"""A claimed antiderivative F judged: F' = f at random points of f's domain, then F's values
(`values`); a right F is compared with derive's own antiderivative (sought only after the verdict,
within EXPECTED_SECONDS), a wrong one explained (`mistakes`)."""

import random

import sympy

from ...analysis.integrals import integral_of
from ...calculus.reals import RealView, real_diff
from ...errors import DeriveError
from ...text.budgets import attempt
from ...text.printing import to_text
from ...validation.equivalence import compare, defined_at, numeric_value, sample_point
from ..verdict import Verdict
from .mistakes import _wrong
from .numbers import _exact_number, _point_text
from .values import SLOPE_POINTS, _domain_gap, _jump_check, _slope_check

EXPECTED_SECONDS = 3.0  # derive's own antiderivative, for the explanation only


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
            found = integral_of(self.f, self.x, limits=self.limits, seed=self.seed)
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
