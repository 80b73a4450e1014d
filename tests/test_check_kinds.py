"""The kind is the question's: `derive.check` with a claim of the other kind, in every notation.

A Hessian given where the gradient was asked (or the gradient where the Hessian was) is "wrong"
with mistake "wrong_kind": the words name the derivative it is when it equals derive's own of that
kind, else its shape.  A shape that is neither kind's stays "shape"; a transposed Jacobian stays
"transposed".  With no kind given, derive infers it from the claim (`Verdict.kind_inferred`), and
where it inferred a Hessian of a scalar f the explanation says so.  Matrix notation is checked in
text, as SymPy objects and mixed (text f, SymPy claim).
"""

import json

import pytest
import sympy
from sympy import Identity, Matrix, MatrixSymbol, Symbol

import derive
from derive.cli import main

# ---------------------------------------------------------------------------
# matrix notation: a quadratic form (A not symmetric) and ridge regression

n = Symbol("n", integer=True, positive=True)
d = Symbol("d", integer=True, positive=True)
lam = Symbol("lam", positive=True)
A, xv = MatrixSymbol("A", n, n), MatrixSymbol("x", n, 1)
X, wv, yv = MatrixSymbol("X", n, d), MatrixSymbol("w", d, 1), MatrixSymbol("y", n, 1)

QUAD = "x.T @ A @ x"
RIDGE = "norm(X @ w - y)**2 + lam*norm(w)**2"
DECLARED = {QUAD: "A: n x n, x: n", RIDGE: "X: n x d, w: d, y: n, lam: positive"}
WRT = {QUAD: ("x", xv), RIDGE: ("w", wv)}


def _sq(v):
    return (v.T * v)[0, 0]


SYMPY = {
    QUAD: (xv.T * A * xv)[0, 0],
    RIDGE: _sq(X * wv - yv) + lam * _sq(wv),
    "A + A.T": A + A.T,
    "(A + A.T) @ x": (A + A.T) * xv,
    "x.T @ (A + A.T)": xv.T * (A + A.T),
    "2*A": 2 * A,
    "A @ x": A * xv,
    "2*X.T@X + 2*lam*eye(d)": 2 * X.T * X + 2 * lam * Identity(d),
    "2*X.T @ (X @ w - y) + 2*lam*w": 2 * X.T * (X * wv - yv) + 2 * lam * wv,
    "-2*X.T @ (X @ w - y) + 2*lam*w": -2 * X.T * (X * wv - yv) + 2 * lam * wv,
    "X.T @ X": X.T * X,
    "X @ X.T": X * X.T,
}


def forms(f, claim):
    """(f, wrt, claim, symbols) in text, as SymPy objects, and mixed (text f, SymPy claim)."""
    return {
        "text": (f, WRT[f][0], claim, DECLARED[f]),
        "sympy": (SYMPY[f], WRT[f][1], SYMPY[claim], None),
        "mixed": (f, WRT[f][0], SYMPY[claim], DECLARED[f]),
    }


HESSIAN_FOR_GRADIENT = "this is the Hessian; the question asks for the gradient"
GRADIENT_FOR_HESSIAN = "this is the gradient; the question asks for the Hessian"

# (name, f, claim, kind, status, mistake, words: the whole explanation)
MATRIX_CASES = [
    ("quadratic form: the Hessian for the gradient", QUAD, "A + A.T", "grad", "wrong", "wrong_kind",
     HESSIAN_FOR_GRADIENT),
    ("quadratic form: the gradient for the Hessian", QUAD, "(A + A.T) @ x", "hessian", "wrong", "wrong_kind",
     GRADIENT_FOR_HESSIAN),
    ("quadratic form: the gradient as a row for the Hessian", QUAD, "x.T @ (A + A.T)", "hessian", "wrong",
     "wrong_kind", GRADIENT_FOR_HESSIAN),
    ("quadratic form: a wrong n x n claim for the gradient", QUAD, "2*A", "grad", "wrong", "wrong_kind",
     "the claim is n x n, the shape of a Hessian; the question asks for the gradient (n x 1)"),
    ("quadratic form: a wrong n x 1 claim for the Hessian", QUAD, "A @ x", "hessian", "wrong", "wrong_kind",
     "the claim is n x 1, the shape of a gradient; the question asks for the Hessian (n x n)"),
    ("quadratic form: 2A for the Hessian keeps its mistake", QUAD, "2*A", "hessian", "wrong", "needs_assumption",
     "holds only if A is symmetric"),
    ("quadratic form: the gradient for the gradient", QUAD, "(A + A.T) @ x", "grad", "correct", None,
     "the claim equals the derivative"),
    ("quadratic form: the Hessian for the Hessian", QUAD, "A + A.T", "hessian", "correct", None,
     "the claimed Hessian equals the derivative"),
    ("ridge: the Hessian for the gradient", RIDGE, "2*X.T@X + 2*lam*eye(d)", "grad", "wrong", "wrong_kind",
     HESSIAN_FOR_GRADIENT),
    ("ridge: the gradient for the Hessian", RIDGE, "2*X.T @ (X @ w - y) + 2*lam*w", "hessian", "wrong",
     "wrong_kind", GRADIENT_FOR_HESSIAN),
    ("ridge: a wrong d x d claim for the gradient", RIDGE, "X.T @ X", "grad", "wrong", "wrong_kind",
     "the claim is d x d, the shape of a Hessian; the question asks for the gradient (d x 1)"),
    ("ridge: n x n is neither kind's shape", RIDGE, "X @ X.T", "grad", "shape", "shape",
     "shape clash: the claim is n x n but the gradient is d x 1"),
    ("ridge: a flipped sign keeps its mistake", RIDGE, "-2*X.T @ (X @ w - y) + 2*lam*w", "grad", "wrong", "sign",
     "the sign of the term -2*X.T@(X@w - y) is flipped"),
]


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
@pytest.mark.parametrize("name, f, claim, kind, status, mistake, words", MATRIX_CASES,
                         ids=[case[0] for case in MATRIX_CASES])
def test_matrix_notation_kinds(name, f, claim, kind, status, mistake, words, form):
    f_in, wrt, claim_in, declared = forms(f, claim)[form]
    v = derive.check(f_in, wrt, claim_in, kind, symbols=declared)
    assert (v.status, v.mistake, v.kind, v.kind_inferred) == (status, mistake, kind, False), v.explanation
    assert v.explanation == words


INFERRED_HESSIAN = ("(the kind, Hessian, was inferred from the claim's {} shape; pass kind='grad' or --kind grad "
                    "to ask for the gradient)")


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
def test_an_inferred_hessian_is_said(form):
    """No kind: an n x n claim is read as the Hessian, and the words say that this was inferred."""
    f, wrt, claim, declared = forms(QUAD, "A + A.T")[form]
    v = derive.check(f, wrt, claim, symbols=declared)
    assert (v.status, v.kind, v.kind_inferred) == ("correct", "hessian", True)
    assert v.explanation == "the claimed Hessian equals the derivative " + INFERRED_HESSIAN.format("n x n")
    assert v.to_dict()["kind_inferred"] is True
    # the same claim with the kind given: no note, and the wrong kind is named
    v = derive.check(f, wrt, claim, "grad", symbols=declared)
    assert (v.kind_inferred, v.mistake, v.explanation) == (False, "wrong_kind", HESSIAN_FOR_GRADIENT)


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
def test_an_inferred_hessian_that_is_wrong_is_said_too(form):
    f, wrt, claim, declared = forms(RIDGE, "X.T @ X")[form]
    v = derive.check(f, wrt, claim, symbols=declared)
    assert (v.status, v.kind, v.kind_inferred) == ("wrong", "hessian", True)
    assert v.explanation.endswith(" " + INFERRED_HESSIAN.format("d x d"))


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
def test_an_inferred_gradient_needs_no_note(form):
    f, wrt, claim, declared = forms(QUAD, "(A + A.T) @ x")[form]
    v = derive.check(f, wrt, claim, symbols=declared)
    assert (v.status, v.kind, v.kind_inferred, v.explanation) == ("correct", "grad", True,
                                                                  "the claim equals the derivative")


def test_a_transposed_jacobian_stays_transposed():
    declared = "A: m x n, x: n"
    for kind in ("jacobian", None):
        v = derive.check("A @ x", "x", "A.T", kind, symbols=declared)
        assert (v.status, v.mistake, v.kind) == ("transposed", "transpose", "jacobian")
        assert v.kind_inferred is (kind is None) and "inferred" not in v.explanation
    v = derive.check("[x*y, x + y**2]", "x, y", "[[y, 1], [x, 2*y]]", "jacobian")
    assert (v.status, v.mistake) == ("transposed", "transpose")


# ---------------------------------------------------------------------------
# scalar symbols

x, y = sympy.symbols("x y")
F = "x**2*y + y**3"
SCALAR = {
    F: x ** 2 * y + y ** 3,
    "[[2*y, 2*x], [2*x, 6*y]]": Matrix([[2 * y, 2 * x], [2 * x, 6 * y]]),
    "[[2*x*y], [x**2 + 3*y**2]]": Matrix([[2 * x * y], [x ** 2 + 3 * y ** 2]]),
    "[[2*y, 2*x], [2*x, 0]]": Matrix([[2 * y, 2 * x], [2 * x, 0]]),
    "[[2*x*y], [x**2]]": Matrix([[2 * x * y], [x ** 2]]),
    "[[2*x*y], [x**2 + 3*y**2], [0]]": Matrix([[2 * x * y], [x ** 2 + 3 * y ** 2], [0]]),
}


def scalar_forms(claim):
    return {"text": (F, "x, y", claim), "sympy": (SCALAR[F], [x, y], SCALAR[claim]),
            "mixed": (F, "x, y", SCALAR[claim])}


SCALAR_CASES = [
    ("the Hessian for the gradient", "[[2*y, 2*x], [2*x, 6*y]]", "grad", "wrong", "wrong_kind", HESSIAN_FOR_GRADIENT),
    ("the gradient for the Hessian", "[[2*x*y], [x**2 + 3*y**2]]", "hessian", "wrong", "wrong_kind",
     GRADIENT_FOR_HESSIAN),
    ("a wrong 2 x 2 claim for the gradient", "[[2*y, 2*x], [2*x, 0]]", "grad", "wrong", "wrong_kind",
     "the claim is 2 x 2, the shape of a Hessian; the question asks for the gradient (2 x 1)"),
    ("a wrong 2 x 1 claim for the Hessian", "[[2*x*y], [x**2]]", "hessian", "wrong", "wrong_kind",
     "the claim is 2 x 1, the shape of a gradient; the question asks for the Hessian (2 x 2)"),
    ("3 x 1 is neither kind's shape", "[[2*x*y], [x**2 + 3*y**2], [0]]", "grad", "shape", "shape",
     "the claimed gradient is 3 x 1 (3 entries); with 2 variable(s) it must be 2 x 1 (2 entries)"),
    ("the gradient for the gradient", "[[2*x*y], [x**2 + 3*y**2]]", "grad", "correct", None,
     "the claimed gradient equals the derivative"),
]


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
@pytest.mark.parametrize("name, claim, kind, status, mistake, words", SCALAR_CASES,
                         ids=[case[0] for case in SCALAR_CASES])
def test_scalar_symbol_kinds(name, claim, kind, status, mistake, words, form):
    f, wrt, claim_in = scalar_forms(claim)[form]
    v = derive.check(f, wrt, claim_in, kind)
    assert (v.status, v.mistake, v.kind, v.kind_inferred) == (status, mistake, kind, False), v.explanation
    assert v.explanation == words


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
def test_scalar_symbols_inferred_kind(form):
    f, wrt, claim = scalar_forms("[[2*y, 2*x], [2*x, 6*y]]")[form]
    v = derive.check(f, wrt, claim)
    assert (v.status, v.kind, v.kind_inferred) == ("correct", "hessian", True)
    assert v.explanation == "the claimed Hessian equals the derivative " + INFERRED_HESSIAN.format("2 x 2")
    f, wrt, claim = scalar_forms("[[2*y, 2*x], [2*x, 0]]")[form]
    v = derive.check(f, wrt, claim)
    assert (v.status, v.kind, v.kind_inferred) == ("wrong", "hessian", True)
    assert v.explanation.endswith(" " + INFERRED_HESSIAN.format("2 x 2"))
    f, wrt, claim = scalar_forms("[[2*x*y], [x**2 + 3*y**2]]")[form]
    v = derive.check(f, wrt, claim)
    assert (v.status, v.kind, v.kind_inferred, v.explanation) == ("correct", "grad", True,
                                                                  "the claimed gradient equals the derivative")


# ---------------------------------------------------------------------------
# index notation: the second free index is the Hessian's

LSQ = "sum((y[i] - sum(w[j]*x[i,j], j))**2, i)"
LSQ_GRAD = "-2*sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i)"
LSQ_HESS = "2*sum(x[i,k]*x[i,l], i)"


def test_index_notation_kinds():
    v = derive.check(LSQ, "w[k]", LSQ_HESS, "grad")
    assert (v.status, v.mistake, v.kind_inferred, v.explanation) == ("wrong", "wrong_kind", False,
                                                                     HESSIAN_FOR_GRADIENT)
    v = derive.check(LSQ, "w[k]", LSQ_GRAD, "hessian")
    assert (v.status, v.mistake, v.explanation) == ("wrong", "wrong_kind", GRADIENT_FOR_HESSIAN)
    v = derive.check(LSQ, "w[k]", "sum(x[i,k], i)", "hessian")  # one free index, not the gradient: an index slip
    assert (v.status, v.mistake, v.explanation) == (
        "shape", "shape", ("the claim has only the free index k (the form of a gradient); the Hessian has two free "
                           "indices: k and l"))
    v = derive.check(LSQ, "w[k]", LSQ_HESS)
    assert (v.status, v.kind, v.kind_inferred) == ("correct", "hessian", True)
    assert v.explanation == ("the claimed Hessian equals the derivative (the kind, Hessian, was inferred from the "
                             "claim's second free index l; pass kind='grad' or --kind grad to ask for the gradient)")
    v = derive.check(LSQ, "w[k]", LSQ_GRAD)
    assert (v.status, v.kind, v.kind_inferred, v.explanation) == ("correct", "grad", True,
                                                                  "the claim equals the derivative")
    v = derive.check(LSQ, "w[k]", LSQ_HESS.removeprefix("2*"))  # inferred, and wrong: its mistake and the note
    assert (v.status, v.mistake, v.kind) == ("wrong", "factor", "hessian")
    assert v.explanation.startswith("the factor 2 is missing") and "was inferred from" in v.explanation


# ---------------------------------------------------------------------------
# the dictionary and the command line


def test_to_dict_always_has_mistake_and_kind_inferred():
    for v in (derive.check("x**2", "x", "2*x"), derive.check("x**2", "x", "3*x", "grad"),
              derive.check(F, "x, y", "[[2*x*y], [x**2 + 3*y**2], [0]]", "grad")):
        out = v.to_dict()
        assert "mistake" in out and out["mistake"] == v.mistake
        assert out["kind_inferred"] is v.kind_inferred
    assert derive.check("x**2", "x", "2*x").to_dict()["mistake"] is None


def test_cli_json_shows_mistake_and_kind_inferred(capsys):
    args = ["check", QUAD, "--wrt", "x", "--claim", "A + A.T", "--let", "A: n x n", "--let", "x: n", "--json"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["mistake"], out["kind"], out["kind_inferred"]) == ("correct", None, "hessian", True)
    assert "--kind grad" in out["explanation"]
    assert main(args + ["--kind", "grad"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert (out["status"], out["mistake"], out["kind_inferred"], out["explanation"]) == (
        "wrong", "wrong_kind", False, HESSIAN_FOR_GRADIENT)
