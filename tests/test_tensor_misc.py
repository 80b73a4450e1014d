"""Index notation odds and ends found after the wave's merges."""

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
