"""What a review of issue 19's changes found, each pinned: printed results that read back to
something else, parses that meant another expression, crashes and unchecked rewrites."""

import random

import pytest
import sympy as sp

import derive
from derive.validation.instances import Instance


def same_at_instances(a, b, sizes):
    """a and b (matrix or scalar SymPy expressions) agree at random exact values, at the given sizes."""
    inst = Instance(sizes)
    ea, eb = inst.explicit(a), inst.explicit(b)
    symbols = sorted((ea.free_symbols if hasattr(ea, "free_symbols") else set()) |
                     (eb.free_symbols if hasattr(eb, "free_symbols") else set()), key=str)
    rng = random.Random(3)
    values = {s: sp.Rational(rng.randint(1, 9), 7) for s in symbols}
    diff = (sp.Matrix(ea) - sp.Matrix(eb)) if isinstance(ea, sp.MatrixBase) else sp.Matrix([ea - eb])
    return all(abs(complex(sp.N(e.xreplace(values), 30))) < 1e-20 for e in diff)


N = sp.Symbol("n", integer=True, positive=True)


@pytest.mark.parametrize("f, wrt, decl", [
    ("lam*sum(log(sigmoid(w)))", "w", "w: n"),                 # lam*(1 - sigmoid(w)): parentheses kept
    ("sum(log(sigmoid(X@w)))", "w", "X: n x n, w: n"),
    ("log(sum(lam*exp(x)))", "x", "x: n"),                     # sum(lam*M) is lam*sum(M)
    ("sum(exp(z))*sum(exp(z))", "z", "z: n"),                  # a 1 x 1 product squared
    ("log(sum(exp(z))/sum(exp(z)) + z.T@z)", "z", "z: n"),    # cancels: one variable for every entrywise map
    ("x.T@(A + I)@x", "x", "A: n x n, x: n"),                  # the identity reads back alone: eye(n)
    ("sum(softplus(X@w)) - y.T@X@w", "w", "X: n x n, w: n, y: n"),
])
def test_printed_results_and_f_read_back_to_the_same(f, wrt, decl):
    for kind in ("grad", "hessian"):
        if kind == "hessian" and "log(sum(exp(z))/" in f:
            continue
        d = derive.differentiate(f, wrt, kind, symbols=decl)
        for expr in (d.result, d.f):
            back = derive.parse(derive.to_text(expr), decl)
            assert same_at_instances(expr, back, {N: 3}), (derive.to_text(expr), back)


def test_softmax_is_printed_only_for_a_sum_over_the_whole_axis():
    z, j, k = sp.IndexedBase("z"), sp.Symbol("j", integer=True), sp.Symbol("k", integer=True)
    assert "softmax" not in derive.to_text(sp.exp(z[k]) / sp.Sum(sp.exp(z[j]), (j, 0, 5)))
    assert "softmax" not in derive.to_text(sp.exp(z[k]) / sp.Sum(sp.exp(z[j]), (j, 0, N - 2)))


def test_two_softmaxes_of_different_lengths_sum_over_their_own_axes():
    e = derive.parse("softmax(z)[c]*softmax(w)[d]", "z: K, w: M")
    bounds = sorted(str(s.limits[0][2]) for s in e.atoms(sp.Sum))
    assert bounds == ["K - 1", "M - 1"]
    with pytest.raises(derive.ParseError, match="different lengths"):
        derive.parse("sum(z[j], j) + sum(w[j], j)", "z: 3, w: 2")


@pytest.mark.parametrize("text, decl, message", [
    ("sum(log(x[i]), i) + log(x)", "x: positive", "array here"),
    ("log(x) + x[0]", "x: positive", "scalar and as an array"),
    ("x.T@diagonal(X)", "X: n x m, x: m", "square matrix"),
    ("(X@A)[5, 0]", "X: 3 x 3, A: 3 x 3", "out of range"),
    ("(X@A)[-1, 0]", "X: 3 x 3, A: 3 x 3", "out of range"),
])
def test_what_would_mean_another_expression_is_refused(text, decl, message):
    with pytest.raises(derive.ParseError, match=message):
        derive.parse(text, decl)


def test_an_index_named_like_a_declared_size_is_refused():
    with pytest.raises(derive.DeriveError, match="size in the declarations"):
        derive.differentiate("x.T@A@x", "A[m, n]", symbols="A: n x n, x: n")
    assert derive.to_text(derive.grad("x.T@A@x", "A[m, q]", symbols="A: n x n, x: n")) == "x[m]*x[q]"


def test_nested_unspecified_functions():
    assert derive.to_text(derive.grad("g(g(x))", "x", symbols="g: function")[0]) == "g'(x)*g'(g(x))"
    with pytest.raises(derive.DeriveError, match="unspecified function"):
        derive.differentiate("g(x*y)", "x y", symbols="g: function").at({"x": 1, "y": 2})


def test_sigmoid_powers_in_latex():
    d = derive.differentiate("sigmoid(x)", "x", "hessian")
    assert "sigma" in d._repr_latex_() and "sigma" in d.to_dict()["latex"]


def test_a_sample_derivative_is_not_plotted_but_said_so():
    d = derive.differentiate("sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p")
    with pytest.raises(derive.DeriveError, match="sample"):
        d.plot()


def test_the_variance_change_of_variables_assumes_only_sigma_positive():
    d = derive.differentiate("sigma^2*x^(1/3)*y^(1/3)", "sigma^2")
    assert d.result[0] == sp.Symbol("x") ** sp.Rational(1, 3) * sp.Symbol("y") ** sp.Rational(1, 3)
    assert derive.grad("sum((x[i] - mu)**2, i)/sigma^2", "sigma^2", symbols="x: n")[0] is not None  # data declared
    with pytest.raises(derive.SymbolError, match="not both"):
        derive.grad("-log(sigma^2)/2", "sigma^2, sigma")


def test_f_may_use_the_variables_own_index():
    assert derive.to_text(derive.grad("sin(x[k])*sum(x[i], i)", "x[k]")) == "sin(x[k]) + cos(x[k])*sum(x[i], i)"
