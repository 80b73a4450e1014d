"""Index notation odds and ends found after the wave's merges."""

import sympy

import derive
from derive.variables import split_names


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
