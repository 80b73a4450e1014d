"""Budgeted simplification: tidier results when it pays, never a hang, never a slow answer.

Simplification is optional work: the raw derivative is already exact (and is
validated either way), so tidying must pay for itself.  The policy, measured
on textbook ML derivatives (gradients and Hessians of logistic, softmax,
Gaussian, tanh and trigonometric functions):

* cheap rewrites first: `together`/`cancel` and `factor` (10-40 ms an entry)
  find almost every shortening there is, plus factoring inside exp()
  (exp(y*(a*w + b)), not exp(a*w*y + b*y));
* `sympy.simplify` only pays for trigonometric and hyperbolic identities
  (sin(x)cos(y) + cos(x)sin(y) = sin(x + y), sinh/cosh = tanh), which the
  rational rewrites cannot see; elsewhere it found nothing better but cost
  0.4 s to load and ran for seconds on exp/tanh mixtures (a 2-variable
  Hessian of log(1 + exp(xy)) + tanh(x + y) spent 4 s there for nothing).
  So it runs only on small entries built from rational operations and
  trigonometric/hyperbolic functions, for at most TRIG_SECONDS, and not again
  in a matrix once it has timed out;
* a matrix tidies each distinct entry once (Hessians repeat entries), within
  one budget, and stops trying once GIVE_UP_AFTER distinct entries in a row
  did not get shorter (the entries of one derivative share their structure);
* a result is kept only if clearly shorter, and expressions with huge
  integer powers are not touched (expanding them is what makes SymPy hang).
"""

import time
from dataclasses import dataclass
from collections.abc import Callable

import sympy

from ..text.budgets import attempt, remaining

MAX_POWER_FOR_SIMPLIFY = 64
CHEAP_SECONDS = 0.5  # cap per cheap rewrite of one entry
TRIG_SECONDS = 0.5  # cap for sympy.simplify on one entry
TRIG_MAX_OPS = 40  # larger trigonometric entries are not given to sympy.simplify
GIVE_UP_AFTER = 3  # distinct entries in a row that did not get shorter
MATRIX_SECONDS = 1.0  # default budget for a whole matrix

TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.cot, sympy.sec, sympy.csc,
        sympy.sinh, sympy.cosh, sympy.tanh, sympy.coth, sympy.sech, sympy.csch)


def _measure(e):
    return (sympy.count_ops(e), len(str(e)))


def _risky(e):
    return any(p.exp.is_Integer and abs(int(p.exp)) > MAX_POWER_FOR_SIMPLIFY for p in e.atoms(sympy.Pow))


def _factor_exponents(e):
    """exp(a*w*y + b*y) -> exp(y*(a*w + b)): cancel() expands exponents; undo that."""
    return e.replace(lambda a: isinstance(a, sympy.exp) and a.args[0].is_Add,
                     lambda a: sympy.exp(sympy.factor_terms(a.args[0])))


def _only_trigonometric(e):
    """Built from rational operations and trigonometric/hyperbolic functions only."""
    functions = e.atoms(sympy.Function)
    return bool(functions) and all(isinstance(f, TRIG) for f in functions)


@dataclass(frozen=True)
class Strategy:
    name: str
    rewrite: Callable
    applies: Callable  # entry -> bool: can this rewrite shorten it at all?
    seconds: float


# Rewrites tried on each entry, cheapest first; the shortest result wins.
STRATEGIES = (
    Strategy("together", lambda e: _factor_exponents(
        sympy.powsimp(sympy.factor_terms(sympy.cancel(sympy.together(e))), deep=True)),
        lambda e: True, CHEAP_SECONDS),
    Strategy("factor", lambda e: _factor_exponents(sympy.powsimp(sympy.factor(sympy.together(e)), deep=True)),
             lambda e: e.has(sympy.Add), CHEAP_SECONDS),
    Strategy("trig", lambda e: sympy.simplify(e, ratio=1.0),
             lambda e: _only_trigonometric(e) and sympy.count_ops(e) <= TRIG_MAX_OPS, TRIG_SECONDS),
)


class Tidier:
    """Simplifies entries within one budget, remembering what it learnt:
    results per distinct entry, strategies that timed out, and whether
    tidying has been paying at all."""

    def __init__(self, seconds):
        self.end = time.monotonic() + min(seconds, remaining(seconds))
        self.cache = {}
        self.timed_out = set()
        self.fruitless = 0  # distinct entries in a row that did not get shorter

    def left(self):
        return self.end - time.monotonic()

    def __call__(self, expr, seconds=None):
        if expr in self.cache:
            return self.cache[expr]
        if not isinstance(expr, sympy.Basic) or expr.is_Atom or _risky(expr) or sympy.count_ops(expr) <= 3:
            return expr
        if self.fruitless >= GIVE_UP_AFTER:
            return expr
        end = time.monotonic() + (self.left() if seconds is None else min(seconds, self.left()))
        best = expr
        for s in STRATEGIES:
            left = end - time.monotonic()
            if left <= 0:
                break
            if s.name in self.timed_out or not s.applies(expr):
                continue
            cap = min(s.seconds, left)
            start = time.monotonic()
            candidate = attempt(lambda s=s: s.rewrite(expr), cap, None)
            if candidate is None:
                if time.monotonic() - start >= cap * 0.99:
                    self.timed_out.add(s.name)  # it will not do better on the rest of this matrix
                continue
            if _measure(candidate) < _measure(best):
                best = candidate
        result = best if _pays(expr, best) else expr
        self.fruitless = 0 if result is not expr else self.fruitless + 1
        self.cache[expr] = result
        return result


def _pays(raw, best):
    """Keep the derivative as differentiation wrote it unless simplification
    clearly pays (3*x**2 - 4*x should not become x*(3*x - 4))."""
    ops, length = _measure(raw)
    new_ops, new_length = _measure(best)
    return new_ops <= 0.5 * ops or (new_ops <= ops and new_length <= 0.7 * length)


def tidy(expr, seconds=2.0):
    """A simpler equal form of `expr` if one is found within `seconds`."""
    return Tidier(seconds)(expr)


def tidy_matrix(matrix, seconds=MATRIX_SECONDS, symmetric=False):
    """`tidy` every entry within a total time budget (upper triangle if symmetric)."""
    rows, cols = matrix.shape
    out = sympy.Matrix(matrix)
    tidier = Tidier(seconds)
    entries = [(i, j) for i in range(rows) for j in range(cols) if not symmetric or j >= i]
    for k, (i, j) in enumerate(entries):
        left = tidier.left()
        if left <= 0:
            break
        share = max(left / max(len(entries) - k, 1), 0.05)
        out[i, j] = tidier(out[i, j], min(share * 4, left))
        if symmetric and i != j:
            out[j, i] = out[i, j]
    return out
