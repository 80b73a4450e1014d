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

May import: derive.analysis, derive.derivation and everything below them, and derive.check's
definitions and verdict.

    api.py             check_integral: the input read, routed to an antiderivative or a definite value
    antiderivative.py  a claimed antiderivative judged: F' = f, then the checks of its values; derive's own F
    values.py          F by its values alone: defined wherever f is, its slope, its rises against quadrature
    mistakes.py        what a wrong antiderivative got wrong (factor, sign, a term, f's derivative)
    definite.py        a claimed definite value against derive.integrate's, and what a wrong one is
    numbers.py         numbers as a message shows them: an exact number where there is one, else 12 digits
"""

from .api import check_integral

__all__ = ["check_integral"]
