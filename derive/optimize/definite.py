"""Is a symmetric matrix expression positive definite?  Read from its structure.

The Hessian of a quadratic in matrix notation is a sum of terms whose
definiteness is known from their shape alone (one rule per shape, `TERMS`):

    I, a declared spd matrix S          positive definite
    M^T M, M^T S M (S spd)              positive semidefinite; definite when M has full column rank
    M M^T, M S M^T                      positive semidefinite; definite when M has full row rank

times scalar coefficients.  A coefficient that is a parameter (lam in
X^T X + lam I) splits the answer into cases on its sign (lam > 0: definite;
lam = 0: definite when X has full column rank; lam < 0: undecided, it depends
on the eigenvalues).  A rank condition is a `Requirement`: words for people and
a test on numbers for the checks at random instances.

    >>> import sympy
    >>> n, d = sympy.symbols("n d", positive=True, integer=True)
    >>> X, lam = sympy.MatrixSymbol("X", n, d), sympy.Symbol("lam", real=True)
    >>> [(c.kind, c.conditions, [r.text for r in c.requires]) for c in cases(X.T*X + lam*sympy.Identity(d), {})]
    [('pd', [lam > 0], []), ('pd', [Eq(lam, 0)], ['X has full column rank (rank d)']), ('unknown', [lam < 0], [])]
"""

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy
from sympy import Eq, Gt, Identity, Lt, MatAdd, MatMul, MatrixSymbol, Transpose

from ..text.printing import to_text
from ..validation.matrix_eval import evaluate


@dataclass(frozen=True)
class Requirement:
    """A condition on the data that relations cannot say (a rank), in words, with a numeric test:
    ``test(values, sizes)`` on the NumPy values of the matrix symbols."""

    text: str
    test: object = None

    def holds(self, values, sizes):
        return True if self.test is None else bool(self.test(values, sizes))

    def __str__(self):
        return self.text


@dataclass
class Definiteness:
    """One case: ``kind`` ("pd", "nd", "psd", "nsd", "zero", "unknown"), the ``conditions``
    on scalar parameters (SymPy relations) and the ``requires`` (rank conditions) under which
    it holds."""

    kind: str
    conditions: list = field(default_factory=list)
    requires: list = field(default_factory=list)
    why: str = ""


def full_rank(M, side):
    """'M has full column (row) rank', tested with NumPy's matrix_rank."""
    axis = 1 if side == "column" else 0

    def test(values, sizes):
        A = np.asarray(evaluate(M, values, sizes), dtype=float)
        return np.linalg.matrix_rank(A) == A.shape[axis]

    return Requirement(f"{to_text(M)} has full {side} rank (rank {to_text(M.shape[axis])})", test)


def definite(H, sign=1, strict=True):
    """'H is positive (negative) definite', tested by its eigenvalues."""
    word = "positive" if sign > 0 else "negative"

    def test(values, sizes):
        eig = np.linalg.eigvalsh(np.asarray(evaluate(H, values, sizes), dtype=float))
        return bool(np.all(sign * eig > 1e-9 * max(1.0, np.abs(eig).max())))

    return Requirement(f"{to_text(H)} is {word} definite", test)


def indefinite(H):
    def test(values, sizes):
        eig = np.linalg.eigvalsh(np.asarray(evaluate(H, values, sizes), dtype=float))
        scale = 1e-9 * max(1.0, np.abs(eig).max())
        return bool(eig.min() < -scale and eig.max() > scale and np.all(np.abs(eig) > scale))

    return Requirement(f"{to_text(H)} is indefinite and invertible", test)


def _spd(M, properties):
    return isinstance(M, MatrixSymbol) and "spd" in properties.get(M, ())


def _gram(mats, properties):
    """M^T M, M^T S M: (M, "column"); M M^T, M S M^T: (M, "row"); else None."""
    if len(mats) not in (2, 3) or (len(mats) == 3 and not _spd(mats[1], properties)):
        return None
    first, last = mats[0], mats[-1]
    if isinstance(first, Transpose) and first.arg == last:
        return last, "column"
    if isinstance(last, Transpose) and last.arg == first:
        return first, "row"
    return None


def _term(core, properties):
    """(kind, requirement, words) of one coefficient-free term: ("pd", None, ...), ("psd", rank
    condition, ...), or None."""
    if isinstance(core, Identity):
        return "pd", None, "a multiple of the identity"
    if _spd(core, properties):
        return "pd", None, f"{core} declared spd"
    mats = list(core.args) if isinstance(core, MatMul) else [core]
    gram = _gram(mats, properties)
    if gram is not None:
        return "psd", full_rank(*gram), "a Gram matrix, positive semidefinite"
    return None


def split_term(term):
    """(scalar coefficient, matrix part) of a term."""
    if isinstance(term, MatMul):
        scalars = [a for a in term.args if not a.is_Matrix]
        mats = [a for a in term.args if a.is_Matrix]
        core = mats[0] if len(mats) == 1 else MatMul(*mats)
        return sympy.Mul(*scalars), core
    return sympy.S.One, term


def _sign_cases(c, params):
    """[(sign, conditions)] of a scalar coefficient: one case when its sign is known."""
    if c.is_positive:
        return [(1, [])]
    if c.is_negative:
        return [(-1, [])]
    if c.is_zero:
        return [(0, [])]
    if not c.free_symbols & set(params):
        return None
    return [(1, [Gt(c, 0)]), (0, [Eq(c, 0)]), (-1, [Lt(c, 0)])]


def cases(H, properties, params=None):
    """`Definiteness` cases covering every value of the parameters in H's coefficients."""
    params = params if params is not None else sorted(H.free_symbols - set(H.atoms(MatrixSymbol)), key=str)
    params = [p for p in params if isinstance(p, sympy.Symbol) and not p.is_integer]
    terms = list(H.args) if isinstance(H, MatAdd) else [H]
    split = [split_term(t) for t in terms]
    known = [_term(core, properties) for _, core in split]
    signs = [_sign_cases(c, params) for c, _ in split]
    if any(s is None for s in signs):
        return [Definiteness("unknown")]
    out = []
    for choice in itertools.product(*signs):
        conditions = [r for _, rel in choice for r in rel]
        kinds = [(s, k) for (s, _), k in zip(choice, known) if s != 0]
        case = _combine(kinds, conditions)
        if case.kind in ("pd", "nd", "psd", "nsd"):
            case.why = "; ".join(_why(c * core, s, k) for (s, _), k, (c, core) in zip(choice, known, split)
                                 if s != 0 and k is not None)
        out.append(case)
    return out


def _why(term, sign, known):
    kind, _, words = known
    definite_word = {"pd": "definite", "psd": "semidefinite"}[kind]
    side = "positive" if sign > 0 else "negative"
    return f"{to_text(term)} is {side} {definite_word} ({words})" if words != "a Gram matrix, positive semidefinite" \
        else f"{to_text(term)} is {side} semidefinite (a Gram matrix)"


def _combine(kinds, conditions):
    if not kinds:
        return Definiteness("zero", conditions)
    if any(k is None for _, k in kinds) or len({s for s, _ in kinds}) > 1:
        return Definiteness("unknown", conditions)
    sign = kinds[0][0]
    definite_terms = [k for _, k in kinds if k[0] == "pd"]
    semi = [k[1] for _, k in kinds if k[0] == "psd"]
    words = ("pd", "psd") if sign > 0 else ("nd", "nsd")
    if definite_terms:
        return Definiteness(words[0], conditions)
    if len(semi) == 1:
        return Definiteness(words[0], conditions, [semi[0]])
    return Definiteness(words[1], conditions)
