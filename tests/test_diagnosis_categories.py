"""`Verdict.mistake` for the slips a class makes (issue 22): the category a grader gives, and words a
student can act on.  Each rule behind these fires only when the claim, corrected as the words say,
equals the derivative at the problem's own random points (derive/check/findings/):

    one term off by a constant          "the term 2*lam*w lost its factor 2: the claim has lam*w"  factor / sign
    a power of a scalar off by one      "the factor 1/sigma is missing (the derivative has ...)"  factor
    an inner derivative replaced        "the chain rule's inner derivative ... is X[i, k]; the claim has w[k]"
    an inner derivative not applied     "2*lam*sqrt(w.T@w) is the derivative by sqrt(w.T@w); times ..."
    a term of f not differentiated      "a term is missing: ..., the derivative of ... (a term of f)"
    a sample's sum dropped              "the index i is not bound by any sum: x[i] uses i freely"  index_unbound
    a row added to a column             "the term -2*y.T@X is a row (1 x d) where the gradient is a column"

The questions are those of examples/grading/key.toml; more problems show the rules are not about
those five.
"""

import pytest

import derive

RIDGE = ("norm(X @ w - y)**2 + lam*norm(w)**2", "w", "X: n x d, w: d, y: n, lam: positive")
Z = "sum(X[i,j]*w[j], j)"
S = f"sigmoid({Z})"
LOGISTIC = (f"-sum(y[i]*log({S}) + (1 - y[i])*log(1 - {S}), i)", "w[k]", "y: binary")
GAUSS = ("sum(-(x[i] - mu)**2/(2*sigma**2) - log(2*pi*sigma**2)/2, i)", "mu", "sigma: positive")
SOFTMAX_CE = ("-y.T @ log(softmax(z))", "z", "z: K, y: K simplex")
LSQ = ("sum((y[i] - sum(w[j]*x[i,j], j))**2, i) + lam*sum(w[j]**2, j)", "w[k]", None)
VARIANCE = ("sum((x[i] - mu)**2, i)/(2*s2)", "mu", "s2: positive")
WEIGHT_DECAY = ("lam**2*sum(w[j]**2, j)", "w[k]", None)


def check(problem, answer):
    f, wrt, let = problem
    return derive.check(f, wrt, answer, "grad", symbols=let)


CASES = [
    # one term of the claim off by a constant: its sign, or a factor (the term named as the claim writes it)
    (RIDGE, "2*X.T@(X@w - y) + lam*w", "factor", ["the term 2*lam*w lost its factor 2", "the claim has lam*w"]),
    (RIDGE, "X.T@(X@w - y) + 2*lam*w", "factor", ["the term 2*X.T@(X@w - y) lost its factor 2",
                                                  "the claim has X.T@(X@w - y)"]),
    (RIDGE, "2*(X.T@X + lam*eye(d))@w - X.T@y", "factor", ["the term -2*X.T@y lost its factor 2",
                                                           "the claim has -X.T@y"]),
    (RIDGE, "2*X.T@(X@w - y) + 4*lam*w", "factor", ["the term 4*lam*w has an extra factor 2",
                                                    "the derivative has 2*lam*w"]),
    (RIDGE, "2*X.T@(X@w - y) - 2*lam*w", "sign", ["the sign of the term -2*lam*w is flipped"]),
    (LOGISTIC, f"sum(({S} + y[i])*X[i,k], i)", "sign",
     ["the sign of y[i] is flipped", "the derivative has sigmoid(sum(X[i, j]*w[j], j)) - y[i]"]),
    (LSQ, "-2*sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i) + lam*w[k]", "factor",
     ["the term 2*lam*w[k] lost its factor 2", "the claim has lam*w[k]"]),
    # a power of a scalar of f off by one
    (GAUSS, "sum(x[i] - mu, i)/sigma", "factor", ["the factor 1/sigma is missing",
                                                  "the derivative has 1/sigma**2, the claim 1/sigma"]),
    (WEIGHT_DECAY, "2*lam*w[k]", "factor", ["the factor lam is missing", "the derivative has lam**2, the claim lam"]),
    # the chain rule's inner derivative replaced by another factor
    (LOGISTIC, f"sum(({S} - y[i])*w[k], i)", "chain_rule",
     ["the chain rule's inner derivative d/dw[k] sum(X[i, j]*w[j], j) is X[i, k]", "the claim has w[k]"]),
    (LSQ, "-2*sum((y[i] - sum(w[j]*x[i,j], j))*w[k], i) + 2*lam*w[k]", "chain_rule",
     ["inner derivative d/dw[k] sum(w[j]*x[i, j], j) is x[i, k]", "the claim has w[k]"]),
    # the chain rule's inner derivative not applied: a scalar outer derivative broadcast down the column,
    # or the derivative by an inner function
    (RIDGE, "2*X.T@(X@w - y) + 2*lam*norm(w)", "chain_rule",
     ["the chain rule's inner derivative is missing: 2*lam*sqrt(w.T@w) is the derivative by sqrt(w.T@w)",
      "it is 2*lam*w"]),
    (("exp(norm(w)**2) + lam*norm(w)**2/2", "w", "w: d"), "exp(norm(w)**2) + lam*w", "chain_rule",
     ["exp(w.T@w) is the derivative by w.T@w", "d/dw w.T@w = 2*w"]),
    (SOFTMAX_CE, "-y/softmax(z)", "chain_rule", ["the claim is the derivative by softmax(z), not by z",
                                                 "the Jacobian of softmax(z), is not applied"]),
    # the derivative of one term of f left out (the logistic loss' (1 - y[i]) half)
    (LOGISTIC, f"-sum(y[i]*(1 - {S})*X[i,k], i)", "missing_term",
     ["a term is missing: sum((1 - y[i])*sigmoid(sum(X[i, j]*w[j], j))*X[i, k], i)",
      "the derivative of -sum((1 - y[i])*log(1 - sigmoid(sum(X[i, j]*w[j], j))), i) (a term of f)"]),
    # a sample's sum dropped: i is free in the claim of a scalar's derivative
    (GAUSS, "(x[i] - mu)/sigma**2", "index_unbound", ["the index i is not bound by any sum", "x[i] uses i freely",
                                                      "(in f it is summed: sum over i)"]),
    (VARIANCE, "-(x[i] - mu)/s2", "index_unbound", ["the index i is not bound by any sum"]),
    # NumPy text broadcasts a column plus a row to the Hessian's shape: the row is the slip
    (RIDGE, "2*X.T@X@w - 2*y.T@X + 2*lam*w", "transpose",
     ["the term -2*y.T@X is a row (1 x d) where the gradient is a column", "its transpose is -2*X.T@y",
      "adding a row to a column broadcasts to d x d"]),
    (RIDGE, "2*X.T@(X@w - y) + 2*lam*w.T", "transpose", ["the term 2*lam*w.T is a row (1 x d)",
                                                         "its transpose is 2*lam*w"]),
    (SOFTMAX_CE, "softmax(z) - y.T", "transpose", ["the term -y.T is a row (1 x K)", "its transpose is -y",
                                                   "broadcasts to K x K"]),
]


@pytest.mark.parametrize(("problem", "answer", "mistake", "words"), CASES, ids=[c[1] for c in CASES])
def test_a_slip_gets_its_category_and_words(problem, answer, mistake, words):
    v = check(problem, answer)
    assert not v.ok
    assert v.mistake == mistake, f"{v.mistake}: {v.explanation}"
    for said in words:
        assert said in v.explanation, v.explanation


RIGHT = [
    (RIDGE, "2*X.T@(X@w - y) + 2*lam*w"),
    (RIDGE, "2*(X.T@X + lam*eye(d))@w - 2*X.T@y"),
    (RIDGE, "2*X.T@X@w - 2*X.T@y + 2*lam*w"),
    (LOGISTIC, f"sum(({S} - y[i])*X[i,k], i)"),
    (GAUSS, "sum(x[i] - mu, i)/sigma**2"),
    (GAUSS, "(sum(x[i], i) - n*mu)/sigma**2"),
    (SOFTMAX_CE, "softmax(z) - y"),
    (LSQ, "-2*sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i) + 2*lam*w[k]"),
    (VARIANCE, "-sum(x[i] - mu, i)/s2"),
    (SOFTMAX_CE, "exp(z)/sum(exp(z)) - y"),
    (("exp(norm(w)**2) + lam*norm(w)**2/2", "w", "w: d"), "2*exp(norm(w)**2)*w + lam*w"),
]


@pytest.mark.parametrize(("problem", "answer"), RIGHT, ids=[r[1] for r in RIGHT])
def test_a_right_answer_is_still_correct(problem, answer):
    v = check(problem, answer)
    assert v.ok, v.explanation


# Slips no rule may misname: a term off by 5 (no constant tried), a term off by a non-constant, a
# whole sum of rows (no column to broadcast with).
NOT_A_SCALED_TERM = [
    (RIDGE, "2*X.T@(X@w - y) + 10*lam*w"),
    (RIDGE, "2*X.T@(X@w - y) + 2*lam**2*w"),
    (GAUSS, "sum(x[i] - mu, i)/sigma**4"),
]


@pytest.mark.parametrize(("problem", "answer"), NOT_A_SCALED_TERM, ids=[r[1] for r in NOT_A_SCALED_TERM])
def test_a_term_off_by_something_else_is_not_called_a_lost_factor(problem, answer):
    v = check(problem, answer)
    assert not v.ok
    assert "lost its factor" not in v.explanation and "extra factor" not in v.explanation, v.explanation
    assert "is missing (the derivative has" not in v.explanation, v.explanation


def test_a_row_gradient_is_still_the_transpose_not_a_broadcast():
    v = check(RIDGE, "2*(X@w - y).T@X + 2*lam*w.T")  # a whole row: 1 x d, nothing broadcast
    assert v.status == "transposed" and "the claim is the transpose of the derivative" in v.explanation


def test_the_hessian_for_the_gradient_is_still_the_wrong_kind():
    v = check(RIDGE, "2*X.T@X + 2*lam*eye(d)")
    assert v.mistake == "wrong_kind"
