"""Index notation odds and ends found after the wave's merges."""

import pytest
import sympy

import derive
from derive.text.inputs import split_names


def test_wrt_elements_keep_their_indices_together():
    assert split_names("W[k, a], W[l, b]") == ["W[k, a]", "W[l, b]"]
    assert split_names("x y") == ["x", "y"] and split_names("x,y; z") == ["x", "y", "z"]
    H = derive.hessian("sum(W[i,a]*W[i,b]*x[a]*x[b], i, a, b)", "W[k, c], W[l, e]")
    assert derive.to_text(H) == "2*delta(k, l)*x[c]*x[e]"


def test_a_sum_of_a_constant_is_a_count():
    """d2/dmu dmu of the Gaussian log-likelihood: sum_i of a term without i is N times it."""
    H = derive.hessian("sum(sum((x[i,m]-mu[m])*P[m,q]*(x[i,q]-mu[q]), m, q), i)/(-2)", "mu[k], mu[l]")
    assert not H.has(sympy.Sum)
    names = {str(s): s for s in H.free_symbols}
    P = next(a.base for a in H.atoms(sympy.Indexed))
    n, k, l = names["n_i"], names["k"], names["l"]
    assert sympy.expand(H + n * (P[k, l] + P[l, k]) / 2) == 0


def _verify(f, wrt, kind, change=lambda result: result):
    from derive.validation import tensor

    d = derive.differentiate(f, wrt, kind, validate_result=False)
    return tensor.verify_index(d.f, tuple(d.wrt), change(d.result), kind, derive.Namespace(), 0)


def test_index_results_are_checked_numerically_and_wrong_ones_are_caught():
    import pytest

    report = _verify("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "grad")
    assert report.ok and report.method == "complex-step"
    with pytest.raises(derive.ValidationError, match="index notation"):  # the lab's dropped term
        _verify("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "grad", lambda r: sympy.Add.make_args(r)[0])
    with pytest.raises(derive.ValidationError, match="index notation"):  # a Hessian off by a factor
        _verify("sum(x[i]**3, i)", "x[k], x[l]", "hessian", lambda r: r / 2)


def test_softmax_hessian_in_index_notation_is_validated():
    d = derive.differentiate("sum(log(sum(exp(sum(X[i,j]*W[j,c], j)), c)) - sum(Y[i,c]*sum(X[i,j]*W[j,c], j), c), i)",
                             "W[k,a], W[l,b]", "hessian")
    assert d.report.ok and "every entry" in str(d.report)


# Found by an exploratory audit: forms whose derivative depends on where the free index lies were answered
# for some k only (and validated at those k), or judged on instances that fixed it.

def test_sums_over_different_ranges_are_refused_not_answered_for_some_k():
    import numpy as np

    x, i, k = sympy.IndexedBase("x"), sympy.Symbol("i", integer=True), sympy.Symbol("k", integer=True)
    f = sympy.Sum(x[i] ** 2, (i, 0, 4)) + sympy.Sum(x[i], (i, 0, 2))  # d/dx[k] is 2 x[k] + [k <= 2]
    with pytest.raises(derive.DeriveError, match="different ranges"):
        derive.grad(f, x[k])
    with pytest.raises(derive.DeriveError, match="different ranges"):
        derive.check(f, x[k], 2 * x[k] + 1)
    g = derive.grad(sympy.Sum(x[i] ** 2, (i, 0, 4)), x[k])  # one range: fine
    assert g == 2 * x[k] and np.isfinite(float(g.subs(x[k], 1)))


@pytest.mark.parametrize("f, wrt, what", [
    ("x[0]*x[1]", "x[k]", "single entry x[0]"),
    ("sum(x[i]**2, i)", "x[2]", "x[2] is a single entry"),
    ("x[0]*x[1]", "x[0]", "x[0] is a single entry"),
])
def test_uncontractible_index_forms_are_one_line_errors_in_grad_and_check(f, wrt, what):
    import re

    what = re.escape(what)
    with pytest.raises(derive.DeriveError, match=what) as err:
        derive.grad(f, wrt)
    assert "\n" not in str(err.value)
    for claim in ("42", "0"):  # check said CORRECT to any claim here
        with pytest.raises(derive.DeriveError, match=what):
            derive.check(f, wrt, claim)


@pytest.mark.parametrize("f, wrt, answer, free", [
    ("log(sum(exp(z[j]), j)) - z[c]", "z[k]", "softmax(z)[k] - delta(c, k)", "c (of f); k (of the variable)"),
    ("x[i]**2", "x[k]", "2*delta(i, k)*x[i]", "i (of f); k (of the variable)"),
])
def test_an_index_no_sum_runs_over_is_a_free_index_of_the_answer(f, wrt, answer, free):
    """Once refused; the delta between the label and k is the answer (p - e_c), exact for every k, c."""
    d = derive.differentiate(f, wrt)
    assert derive.to_text(d.result) == answer and d.free_indices == free
    assert not derive.check(f, wrt, "42").ok
    assert derive.check(f, wrt, answer).ok
