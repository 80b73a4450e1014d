"""Which step a wrong claim went wrong at: `Verdict.step`.

Scalar notation.  Each derivative still to be taken, d/dx(u), enters the
derivation linearly: the line where it appears is A + B d/dx(u) once the
other derivatives are evaluated.  If the claim c were that line with d/dx(u)
replaced by some q, then q = (c - A)/B.  A q as simple as the true d/dx(u)
pins the mistake to that step:

    sigmoid(w*x + b), claim sigmoid'*w   "the chain rule's inner derivative of w*x + b is x; the claim has w"
    x**2 + y**3, claim fy = 2*y          "power rule: d/dy(y**3) = 3*y**2; the claim has 2*y"
    sin(x**2), claim cos(x**2)           "the chain rule's inner derivative d/dx(x**2) = 2*x is missing"

The step nearest the start that explains the claim wins (ties: the simplest
q); when none does, the first step is named with the whole claim.

Index notation: the claim is compared with subsets of the product rule's
delta terms ("d/dx[k] hits both x[i] and x[j]; the claim keeps only ...").
For a sign, a factor or a factor of f's left out (what the diagnosis found,
`Verdict.detail`), the derivation is rebuilt with that mistake made at one
pending derivative at a time, deepest first, and compared with the claim on
instances: "the chain rule's inner derivative d/dw[k](-y[i]*s) = -x[i, k]*y[i];
the claim has x[i, k]*y[i] (the sign is lost here)".
Matrix notation: the claim is compared, on instances, with the derivation
in which one factor of one term's coefficient (or of the gradient) is
transposed ("the trace/cyclic rule writes x.T@W@dx as (W.T@x).T@dx ...").

A sum of terms (matrix notation, a sum over a sample, index notation): each
term of f is differentiated on its own (derive's own rules), and the claim is
compared, at the check's own points, with the derivative in which one term's
derivative d t_j is replaced by c*d t_j (c = 0, -1, 1/2, 2, ...: found from the
values, then confirmed by the check's comparison) or by d t_j with one factor
transposed:

    norm(X@w - y)**2 + lam*norm(w)**2, claim 2*X.T@(X@w - y) + lam*w
        "sum rule (each term is differentiated on its own): the derivative of the term
         lam*w.T@w is 2*lam*w; the claim has lam*w (the factor 2 is lost)"

Within the term, a sign or a factor is then pinned to the deepest pending
derivative where making it gives the claim (as for index notation above), and
a product of matrices with the variable in two places names the product rule's
terms ("the product rule: d/dx(x.T@A@x) = A@x + A.T@x; the claim has 2*A@x,
which is this only when A is symmetric").  A single term with a leading minus
whose derivative the claim has with the other sign lost that minus.

May import: derive.derivation and everything below it, and derive.check's matrix (the problems a
claim in matrix or index notation is compared on).

    api.py      locate: a wrong verdict -> the step it went wrong at (routes by notation)
    finding.py  StepFinding, and MarkedSteps (the derivation of `check --steps` with that step marked)
    scalar.py   scalar notation: the pending derivative d/dx(u) whose replacement q explains the claim
    pinned.py   a diagnosed sign or factor made at one pending derivative at a time, deepest first
    index.py    index notation (the product rule's delta terms) and a sample's scalar parameters
    matrix.py   matrix notation: a transposed factor, the product rule's terms, a lost minus
    terms.py    a sum of terms: the one term whose derivative the claim got wrong (sum rule)
    values.py   values of derivatives at the check's own points, and the constant between two of them
"""

from .api import locate
from .finding import MarkedSteps, StepFinding

__all__ = ["MarkedSteps", "StepFinding", "locate"]
