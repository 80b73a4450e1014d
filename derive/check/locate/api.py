"""`locate`: the step a wrong verdict went wrong at, found by the notation's own search within a few
seconds (it only adds words: it never raises, and never holds the answer up long)."""

import sympy
from sympy import MatrixSymbol

from ...errors import DeriveError
from ...text.budgets import attempt, remaining
from .index import _locate_index, _locate_sample
from .matrix import _locate_matrix
from .scalar import _locate_components

SECONDS = 3.0  # the step only adds words: it never holds the answer up long


# mistakes no step of the derivation makes: the claim uses an index no sum binds, or answers another question
_NO_STEP = ("index_unbound", "wrong_kind", "shape")


def locate(f, verdict, namespace=None, definitions=None):
    """A `StepFinding` for a wrong verdict, or None (never raises: it only adds words)."""
    if verdict.ok or verdict.status == "shape" or verdict.mistake in _NO_STEP:
        return None
    if verdict.mistake == "needs_assumption" and not (_is_index(verdict) or _is_matrix(verdict)):
        return None  # right under a condition on the data: no step of the scalar derivation departs

    def run():
        try:
            if _is_index(verdict):
                return _locate_index(f, verdict, namespace)
            if _is_matrix(verdict):
                return _locate_matrix(f, verdict, namespace)
            if _is_sample(f, verdict):
                found = _locate_sample(f, verdict, namespace)
                if found is not None:
                    return found
            return _locate_components(f, verdict, definitions or {})
        except (DeriveError, TypeError, ValueError, AttributeError, NotImplementedError, ArithmeticError, IndexError,
                KeyError):
            return None

    seconds = min(SECONDS, remaining(SECONDS) - 2.0)  # leave the check its own time: this only adds words
    return attempt(run, seconds, None) if seconds >= 1.0 else None


def _is_index(verdict):
    return any(isinstance(w, sympy.Indexed) for w in verdict.wrt)


def _is_matrix(verdict):
    return any(isinstance(w, MatrixSymbol) for w in verdict.wrt)


def _is_sample(f, verdict):
    """Scalar parameters of sums over a sample (mu in sum((x[i] - mu)**2, i)), checked on instances."""
    return (isinstance(f, sympy.Expr) and f.has(sympy.Sum, sympy.Indexed) and not f.atoms(MatrixSymbol)
            and all(isinstance(w, sympy.Symbol) for w in verdict.wrt) and verdict.kind == "grad")
