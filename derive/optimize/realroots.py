"""Real roots, exactly: is an exact number real, and the real solutions of polynomial systems.

SymPy writes the three real roots of a cubic such as 4x^3 - 6x + 1 with radicals
that contain I (the casus irreducibilis: no real radical form exists), and
``is_real`` is then None.  A filter on ``is_real`` throws those roots away.  Here
a number is real when SymPy says so, or when it is *numerically* real at two
precisions: its imaginary part is below 10^-40 (relative) at 60 digits and below
10^-70 at 90 digits.  A genuinely complex number has an imaginary part that does
not shrink with the precision; a real one written with I has one that does.

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> [str(r) for r, note in real_roots(sympy.Poly(4*x**3 - 6*x + 1, x))][:1]
    ['-sqrt(2)*cos(-acos(-sqrt(2)/4)/3 + pi/3)']

The roots are kept exact: by radicals, in trigonometric form (a cubic with three
real roots), or as SymPy's ``CRootOf`` (degree 5 and up), each with a note that
says how it is known to be real.
"""

import sympy

from ..text.inputs import as_basic

# (digits, largest relative imaginary part accepted at that precision)
PRECISIONS = ((60, 40), (90, 70))
NUMERICALLY_REAL = "real: imaginary part vanishes to 60 digits"
TRIGONOMETRIC = "real: a cubic with three real roots, written with cos/acos (its radicals contain I)"
ZERO_DIGITS = 50  # a residual below 10^-50 at 60 digits counts as zero


def reality(value):
    """(verdict, note) for an exact number.

    verdict True: real (note empty when SymPy knows it, else how it was decided);
    False: not a real finite number; None: not a number (free symbols).
    """
    value = as_basic(value)
    if value.free_symbols:
        return None, ""
    if value.is_Rational:
        return True, ""
    if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return False, ""
    known = value.is_extended_real
    if known is not None:
        return bool(known and value.is_finite is not False), ""
    for digits, exponent in PRECISIONS:
        try:
            re_part, im_part = numeric(value, digits).as_real_imag()
        except (TypeError, ValueError, ArithmeticError):
            return None, ""
        if not (im_part.is_Number and re_part.is_Number):
            return None, ""
        if abs(im_part) > sympy.Float(10, digits) ** (-exponent) * max(1, abs(re_part)):
            return False, ""
    return True, NUMERICALLY_REAL


def numeric(value, digits):
    """`value` to `digits` digits.  Each CRootOf and each radical in it is evaluated once, 20
    digits further (SymPy's evalf would evaluate the same root again at every occurrence: a
    polynomial in a cube root takes seconds)."""
    value = as_basic(value)
    roots = value.atoms(sympy.CRootOf) | {p for p in value.atoms(sympy.Pow)
                                          if p.exp.is_Rational and not p.exp.is_integer and p.base.is_number}
    if roots:
        value = value.xreplace({r: r.evalf(digits + 20) for r in roots})
    return sympy.N(value, digits)


def plain(value):
    """A long exact number that is in fact rational (x = 0 written as a polynomial in a
    cube root, from a triangular solve) as that rational, checked to 50 digits."""
    if value.is_Rational or value.free_symbols or len(str(value)) < 60:
        return value
    guess = sympy.nsimplify(numeric(value, 30), rational=True, tolerance=sympy.Float(10) ** -25)
    if guess.is_Rational and guess.q < 10 ** 6 and vanishes(value - guess):
        return guess
    return value


def approx(value, digits=15):
    """A float for display: the real part of an exact real number."""
    return sympy.re(numeric(value, digits))


def short_text(value, prefix="", limit=40):
    """`prefix` and the exact text, or, for a long exact number (a trigonometric root), a float marked ~."""
    from ..text.printing import to_text

    text = to_text(value)
    if len(text) <= limit or value.free_symbols or not value.is_number:
        return prefix + text
    return f"~ {float(approx(value)):.10g}"


def vanishes(value):
    """Exactly zero, or (for exact roots that SymPy cannot simplify) zero to 50 digits."""
    value = as_basic(value)
    if value == 0:
        return True
    if value.free_symbols:
        return sympy.expand(value) == 0
    terms = sympy.Add.make_args(value)
    try:
        scale = max(1, max(abs(complex(numeric(t, 20))) for t in terms))
        if abs(complex(numeric(value, 15))) > 1e-8 * scale:
            return False  # plainly not zero: no need for 60 digits
        if value.count_ops() < 200 and not value.has(sympy.CRootOf) and sympy.expand(value) == 0:
            return True
        return abs(numeric(value, ZERO_DIGITS + 10)) <= sympy.Float(10, 70) ** (-ZERO_DIGITS) * scale
    except (TypeError, ValueError):
        return False


def real_roots(poly, masked=None):
    """Exact real roots of a univariate `Poly` with numeric coefficients, as (root, note) pairs.

    None when the exact roots are out of reach (degree above 4 with coefficients
    that are not rational).  `masked`: symbol -> the number it stands for in the
    coefficients (see `_masked_poly`).
    """
    masked = masked or {}
    poly = _drop_vanishing_terms(poly, masked)
    if poly.degree() <= 0:
        return []
    if poly.domain.is_QQ or poly.domain.is_ZZ:
        found = []
        for factor, _ in poly.factor_list()[1]:
            found += _rational_factor_roots(factor)
        return sorted(found, key=lambda rn: float(approx(rn[0])))
    if poly.degree() == 1:  # sympy.roots would simplify -c0/c1 over the EX domain: slow, and not needed
        c1, c0 = poly.all_coeffs()
        return _keep_real([sympy.radsimp((-c0 / c1).xreplace(masked))])
    if poly.degree() > 4:
        return None
    roots = sympy.roots(poly)
    if sum(roots.values()) != poly.degree():
        return None
    return _keep_real([r.xreplace(masked) for r in roots])


def _rational_factor_roots(factor):
    degree = factor.degree()
    if degree == 3 and sympy.discriminant(factor) > 0:
        return [(r, TRIGONOMETRIC) for r in sympy.roots(factor, trig=True)]
    if degree <= 4:
        roots = sympy.roots(factor)
        if sum(roots.values()) == degree:
            kept = _keep_real(roots)
            if all(note == "" for _, note in kept):
                return kept
    return [(r, "") for r in factor.real_roots()]


def _keep_real(roots):
    kept = []
    for r in roots:
        verdict, note = reality(r)
        if verdict:
            kept.append((r, note))
    return kept


def _drop_vanishing_terms(poly, masked):
    """A leading coefficient that is an algebraic zero in disguise (after substituting a root)
    is dropped, so that the degree, and the leading coefficient, are right."""
    while not (poly.domain.is_QQ or poly.domain.is_ZZ) and poly.degree() > 0 and vanishes(poly.LC().xreplace(masked)):
        poly = sympy.Poly.from_list(poly.all_coeffs()[1:], poly.gen)
    return poly


def _masked_poly(expr, var):
    """Poly(expr, var) with every CRootOf in the coefficients replaced by a symbol, and the
    map back.  SymPy's CRootOf always writes its polynomial in a Symbol x, so a CRootOf in
    the coefficients of a polynomial in a user's plain x would be refused by Poly."""
    masked = {r: sympy.Dummy("r") for r in expr.atoms(sympy.CRootOf)}
    return sympy.Poly(expr.xreplace(masked), var), {d: r for r, d in masked.items()}


class Continuum(Exception):
    """A polynomial system with a free unknown: a whole set of solutions."""

    def __init__(self, free):
        self.free = free
        super().__init__(f"free unknown {free}")


def triangular_real_solutions(basis, unknowns, exact=True, digits=50):
    """Real solutions of a polynomial system from its lex Groebner basis (unknowns in
    the basis' order), unknown by unknown from the last.

    Returns a list of (solution dict, notes dict unknown -> note).  exact=True: exact
    roots (see `real_roots`), None when they are out of reach; exact=False: roots to
    `digits` digits.  Raises `Continuum` when an unknown is left free.
    """
    polys = [sympy.expand(p) for p in basis]
    tiny = sympy.Float(10) ** (-digits // 2)
    solutions = [({}, {})]
    for var in reversed(unknowns):
        extended = []
        for sol, notes in solutions:
            candidates = [sympy.expand(p.subs(sol)) for p in polys
                          if var in p.free_symbols and p.free_symbols <= set(sol) | {var}]
            candidates = [c for c in candidates if not (exact and vanishes(c)) and c != 0]
            if not candidates:
                raise Continuum(var)
            poly, masked = _masked_poly(candidates[0], var)
            if exact:
                roots = real_roots(poly, masked)
                if roots is None:
                    return None
            else:
                roots = [(sympy.re(r), "") for r in poly.nroots(n=digits, maxsteps=200) if abs(sympy.im(r)) <= tiny]
            for r, note in roots:
                r = plain(r) if exact else r
                rest = [c.subs(var, r) for c in candidates[1:]]
                if exact and all(vanishes(c) for c in rest) or \
                        not exact and all(abs(c.evalf(digits)) <= tiny for c in rest):
                    extended.append(({**sol, var: r}, {**notes, **({var: note} if note else {})}))
        solutions = extended
    return solutions
