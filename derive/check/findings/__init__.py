"""Diagnoses shared by matrix and index notation: what a wrong claim is missing, in the user's terms.

May import: derive.derivation and everything below it, and derive.check's diagnosis, index_form and verdict.

Each rule takes a problem (`check.matrix.NumericProblem` or
`validation.exact.ExactProblem`) and a claim known to be wrong, builds the
claim as it would be with the suspected mistake undone, and asks the problem
whether that equals the derivative (at random points of concrete instances,
exactly where a decision is close).  It returns a `Finding` or None:

    missing_factor    claim * c[i] (inside its sum) is right     "the factor c[i] is missing"
                      claim / m is right                          "an extra factor m"
                      claim * s or claim / s is right, s a scalar "the factor 1/sigma is missing (the derivative
                      of f (a power off by one)                   has 1/sigma**2, the claim 1/sigma)"
                      a factor a of the claim in place of a       "the chain rule's inner derivative d/dw[k] u is
                      chain-rule factor b (index notation)        X[i, k]; the claim has w[k]"
    terms             claim + t is right, t a term of f'          "a term is missing: 2*lam*w[k]"
                      claim - t is right, t a term of the claim   "an extra term: ..."
                      one term t of the claim (or of a sum in it) "the sign of the term ... is flipped",
                      times a constant c is right (c = -1: sign)  "the term 2*lam*w lost its factor 2: the claim
                                                                  has lam*w"
                      claim + d(term of f) is right (index and    "a term is missing: ..., the derivative of
                      sample notation, f's sums split)            -sum((1 - y[i])*log(...), i) (a term of f)"
    wrong_term        claim - t + t' is right (last)              "the term n/lam is wrong: the claim has 1/lam"
    data_assumption   right when y is on the simplex (or binary)  "holds only if sum_j y[j] = 1 (y on the simplex)"
    size_assumption   right when K equals an axis' length         "holds only if K equals n, the length of z"
                      (and both together: label smoothing)
    short_difference  derivative - claim is short                 "it differs from the derivative by ..."

    inner_derivative  matrix notation, last: the claim right once  "the chain rule's inner derivative is missing:
                      the chain rule's inner derivative is         2*lam*sqrt(w.T@w) is the derivative by ...",
                      applied (a broadcast scalar term, or the     "the claim is the derivative by softmax(z),
                      whole claim by an inner function)            not by z: ..."

Two more are asked by `check.matrix` at their own moment: `unbound_index` (first; a sample's
parameter: the claim uses an index f sums over freely) and `broadcast_row` (with the shapes: a
column plus a row, broadcast to the Hessian's shape, where the gradient was asked).

    reading.py      what every rule reads: the derivative as a formula, its sizes, the deadline, c*term in words
    factors.py      a factor missing or one too many (missing_factor)
    terms.py        a term missing, extra, scaled or wrong (terms, scaled_term, wrong_term, short_difference)
    assumptions.py  right only under an assumption on the data, a size or a free index
    inner.py        the chain rule's inner derivative not applied (matrix notation)
    form.py         an index no sum binds, a row broadcast onto a column (asked at their own moment)
"""

from .assumptions import data_and_size_assumption, data_assumption, free_index_assumption, size_assumption
from .factors import missing_factor
from .form import broadcast_row, unbound_index
from .inner import inner_derivative
from .terms import missing_term_of_f, scaled_term, short_difference, terms, wrong_term

RULES = (missing_factor, terms, free_index_assumption, data_assumption, size_assumption,
         data_and_size_assumption, wrong_term)

__all__ = ["RULES", "broadcast_row", "data_and_size_assumption", "data_assumption", "free_index_assumption",
           "inner_derivative", "missing_factor", "missing_term_of_f", "scaled_term", "short_difference",
           "size_assumption", "terms", "unbound_index", "wrong_term"]
