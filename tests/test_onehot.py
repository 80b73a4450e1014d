"""One-hot labels as a declared kind of data: "y: K onehot" (issue 22: the natural way to state a
softmax cross-entropy question)."""

import numpy as np
import pytest
import sympy

import derive
from derive.validation.instances import _data_array, conform

F = "-y.T @ log(softmax(z))"
DECL = "z: K, y: K onehot"
F_INDEX = "-sum(y[c]*log(exp(z[c])/sum(exp(z[a]), a)), c)"
SOFTMAX_K = "exp(z[k])/sum(exp(z[a]), a)"


@pytest.mark.parametrize("claim, status", [
    ("softmax(z) - y", "correct"),
    ("softmax(z) - y**2", "correct"),           # y*y is y for labels 0/1
    ("softmax(z)*sum(y) - y", "correct"),       # sum(y) is 1
    ("y - softmax(z)", "wrong"),
    ("softmax(z)", "wrong"),
    ("softmax(z) - 2*y", "wrong"),
])
def test_matrix_notation_claims_under_onehot_labels(claim, status):
    v = derive.check(F, "z", claim, "grad", symbols=DECL)
    assert v.status == status, v.explanation
    if v.counterexample:  # the point is inside the declared domain: y is one-hot there
        y = v.counterexample[next(k for k in v.counterexample if str(k) == "y")]
        assert sorted(y) == [0] * (len(y) - 1) + [1]


def test_sympy_objects_and_mixed_input():
    K = sympy.Symbol("K", integer=True, positive=True)
    z, y = sympy.MatrixSymbol("z", K, 1), sympy.MatrixSymbol("y", K, 1)
    assert derive.check(F, z, "softmax(z) - y**2", "grad", symbols=DECL).ok  # wrt as a SymPy object
    v = derive.check(-(y.T * sympy.MatrixSymbol("L", K, 1))[0, 0], "L", -y, "grad", symbols="y: K onehot")
    assert v.ok  # d/dL (-y.T L) = -y, with a SymPy f and claim under the declaration


@pytest.mark.parametrize("claim, status", [
    (f"{SOFTMAX_K} - y[k]", "correct"), (f"{SOFTMAX_K} - y[k]**2", "correct"), (f"y[k] - {SOFTMAX_K}", "wrong")])
def test_index_notation_claims_under_onehot_labels(claim, status):
    assert derive.check(F_INDEX, "z[k]", claim, "grad", symbols="y: onehot").status == status


def test_a_claim_right_only_for_onehot_labels_says_so():
    v = derive.check(F, "z", "softmax(z) - y**2", "grad", symbols="z: K, y: K")
    assert (v.mistake, v.explanation) == ("needs_assumption", "holds only if y is one-hot (one entry 1, the others 0)")


def test_draws_and_exact_points_are_onehot():
    rng = np.random.default_rng(0)
    rows = _data_array("onehot", (6, 4), rng)
    assert set(np.unique(rows)) <= {0.0, 1.0} and (rows.sum(axis=1) == 1).all()
    column = _data_array("onehot", (5, 1), rng)
    assert column.shape == (5, 1) and column.sum() == 1
    y = sympy.IndexedBase("y")
    point = conform({y[0]: sympy.Rational(1, 3), y[1]: sympy.Rational(-5, 2), y[2]: sympy.Rational(2)},
                    {y: "onehot"})
    assert [point[y[k]] for k in range(3)] == [0, 1, 0]  # the largest entry is the class


def test_the_declaration_is_one_kind_of_data():
    with pytest.raises(derive.ParseError, match="two kinds of data"):
        derive.check(F, "z", "softmax(z) - y", "grad", symbols="z: K, y: K onehot simplex")
