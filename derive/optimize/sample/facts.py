"""What is known about sums of data (`Facts`): the signs of their placeholders, positive sizes,
and the sample variance V_x >= 0 (0 only when every x[i] is the same), by which a relation on
data sums is decided (always, never, or reduced, in words where it says "not all equal").
"""

import sympy
from sympy import Eq, Ge, Gt, Indexed, Le, Lt, Ne, Sum, Symbol

from .. import light, parametric

_FLIPPED = {Gt: Lt, Lt: Gt, Ge: Le, Le: Ge, Eq: Eq, Ne: Ne}


class Facts:
    """What is known about data sums: their placeholders' signs, positive sizes, and for every array
    x with sum(x[i]) and sum(x[i]**2) among them, the sample variance V_x >= 0 (0 only when all x[i]
    are equal): sum(x[i]**2) is rewritten n*V_x + sum(x[i])**2/n."""

    def __init__(self, placeholders):
        self.subs, self.words, self.variance = {}, {}, {}
        first, second = {}, {}
        for sym, s in placeholders.sums.items():
            if len(s.limits) != 1:
                continue
            index, lo, hi = s.limits[0]
            f = s.function
            if isinstance(f, Indexed) and f.indices == (index,):
                first[(f.base, lo, hi)] = (sym, s)
            elif f.is_Pow and f.exp == 2 and isinstance(f.base, Indexed) and f.base.indices == (index,):
                second[(f.base.base, lo, hi)] = sym
        for key, (s1, sum1) in first.items():
            if key not in second:
                continue
            base, lo, hi = key
            count = hi - lo + 1
            V = Symbol(f"V_{base}", nonnegative=True)
            self.subs[second[key]] = count * V + s1 ** 2 / count
            index = sum1.limits[0][0]
            j = Symbol("j" if index.name != "j" else "k", integer=True)
            spread = Sum((base[index] - Sum(base[j], (j, lo, hi)) / count) ** 2, (index, lo, hi))
            self.variance[V] = spread / count
            self.words[V] = f"the {base}[{index}] are not all equal"

    def decide(self, relation):
        """(verdict, relation, words): True (always holds), False (never), or None with the relation
        reduced (positive factors such as n dropped, a root's sign read from its radicand) and, when
        it says the sample variance is positive, the words "the x[i] are not all equal"."""
        if not isinstance(relation, sympy.Rel) or type(relation) not in parametric.SIGNS:
            return None, relation, ""
        d = sympy.factor(sympy.together((relation.lhs - relation.rhs).xreplace(self.subs)))
        decided = type(relation)(d, 0)
        if decided in (sympy.true, sympy.false):
            return bool(decided), relation, ""
        core, flip = self._core(d)
        rel = _FLIPPED[type(relation)] if flip else type(relation)
        decided = rel(core, 0)
        if decided in (sympy.true, sympy.false):
            return bool(decided), relation, ""
        for V, spread in self.variance.items():
            if core == V and rel in (Gt, Ne):
                return None, Gt(spread, 0), self.words[V]
        if core.has(*self.variance):
            return None, relation, ""
        return None, rel(core, 0), ""

    @staticmethod
    def _core(d):
        """(d without its factors of known sign, whether a negative one flipped it); a root stands for its
        radicand (same sign where it is defined), and an odd power for its base."""
        keep, flip = [], False
        for factor in sympy.Mul.make_args(d):
            base, exp = factor.as_base_exp()
            if factor.is_positive or (base.is_positive and exp.is_real):
                continue
            if factor.is_number and factor.is_negative:
                flip = not flip
                continue
            if exp.is_Rational and exp > 0 and (not exp.is_integer or exp % 2 == 1):
                keep.append(base)
            else:
                keep.append(factor)
        return sympy.Mul(*keep), flip

    def readable(self, value):
        """`value` with each sample variance as one (positive) symbol, logarithms split, then written as
        the variance (so -n*log(sigma) - n/2 at sigma**2 = V reads -n*log(V)/2 - n/2)."""
        positive = {V: sympy.Dummy(V.name, positive=True) for V in self.variance}
        v = value.xreplace({s: e.xreplace(positive) for s, e in self.subs.items()})
        v = light.tidy(sympy.expand_log(v, force=False))
        return v.xreplace({d: self.variance[V] for V, d in positive.items()})

    def sign(self, expr, positives=()):
        """+1, -1 or None: the sign of expr from its factors, each a known-positive quantity (a size, a
        positive placeholder, a positive variance, one of `positives`), a number or an even power."""
        e = sympy.factor(sympy.together(sympy.S(expr).xreplace(self.subs)))
        if e.is_zero:
            return 0
        sign = 1
        for factor in sympy.Mul.make_args(e):
            base, exp = factor.as_base_exp()
            s = _factor_sign(base, positives)
            if exp.is_Integer and exp % 2 == 0 and s != 0 and (s is not None or base.is_nonzero):
                continue
            if s is None or not (exp.is_Rational or exp.is_number):
                return None
            if s < 0 and not exp.is_Integer:
                return None
            sign *= s if (exp.is_Integer and exp % 2) or s > 0 else 1
        return sign


def _factor_sign(base, positives):
    if base.is_positive:
        return 1
    if base.is_negative:
        return -1
    if base.is_zero:
        return 0
    for p in positives:
        ratio = sympy.cancel(base / p)
        if ratio.is_number and ratio != 0:
            return 1 if ratio > 0 else -1
    return None
