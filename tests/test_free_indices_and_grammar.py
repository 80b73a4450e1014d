"""Free indices, sizes tied to axes, and the rest of the grammar students write
(issue 19 items 2 and 3): softmax labels, entries of products, elements of declared
arrays as variables, index sums beside matrix notation, I / eye / ones / diag,
unspecified functions, Jacobians of scalars.

Each answer is compared with an independent reference (NumPy, or the textbook's
closed form evaluated entry by entry), not with derive's own evaluation."""

import numpy as np
import pytest
import sympy as sp

import derive

RNG = np.random.default_rng(20)


def entries(expr, values, free):
    """An index-notation expression at concrete arrays, for every value of its free indices.
    `values`: name -> array; `free`: index name -> range length."""
    names = sorted(free)
    out = {}
    for combo in np.ndindex(*[free[n] for n in names]):
        e = expr
        e = e.xreplace({s: sp.Integer(v) for s in e.free_symbols for n, v in zip(names, combo) if s.name == n})
        sizes = {s: len(values[next(iter(values))]) for s in e.free_symbols if s.is_integer and s.is_positive}
        e = e.subs(sizes).doit()
        e = e.xreplace({a: values[str(a.base.label)][tuple(int(i) for i in a.indices)] for a in e.atoms(sp.Indexed)})
        out[combo] = float(e.evalf())
    return out


def softmax(z):
    p = np.exp(z - z.max())
    return p / p.sum()


# ---------------------------------------------------------------- softmax with a label


@pytest.mark.parametrize("let", [None, "z: K"])
def test_softmax_cross_entropy_gradient_is_p_minus_e_c(let):
    d = derive.differentiate("-log(softmax(z)[c])", "z", symbols=let)
    assert d.report.ok
    assert derive.to_text(d.result) == "softmax(z)[k] - delta(c, k)"
    assert d.free_indices == "c (of f); k (of the variable)"
    z = RNG.normal(size=4)
    got = entries(d.result, {"z": z}, {"c": 4, "k": 4})
    for (c, k), value in got.items():
        assert np.isclose(value, softmax(z)[k] - (c == k))


def test_softmax_from_sympy_objects_and_mixed():
    z, j, c = sp.IndexedBase("z"), sp.Symbol("j", integer=True), sp.Symbol("c", integer=True)
    K = sp.Symbol("K", integer=True, positive=True)
    f = -sp.log(sp.exp(z[c]) / sp.Sum(sp.exp(z[j]), (j, 0, K - 1)))
    k = sp.Symbol("k", integer=True)
    for wrt in (z[k], "z[k]"):
        g = derive.grad(f, wrt)
        assert derive.to_text(g) == "softmax(z)[k] - delta(c, k)"


def test_label_smoothing_ties_K_to_the_axis():
    """eps/K with K the declared length of z: the gradient is p - (1 - eps) e_c - eps/K."""
    d = derive.differentiate("-(1-eps)*log_softmax(z)[c] - eps/K*sum(log_softmax(z)[j], j)", "z",
                             symbols="z: K")
    z, eps = RNG.normal(size=5), 0.1
    result = d.result.xreplace({s: sp.Float(eps) for s in d.result.free_symbols if s.name == "eps"})
    got = entries(result, {"z": z}, {"c": 5, "k": 5})
    for (c, k), value in got.items():
        assert np.isclose(value, softmax(z)[k] - (1 - eps) * (c == k) - eps / 5)


def test_softmax_of_a_declared_vector_in_matrix_notation():
    d = derive.differentiate("-y.T@log(softmax(z))", "z", symbols="z: K, y: K")
    assert derive.to_text(d.result) == "sum(y)*softmax(z) - y"
    assert derive.to_text(derive.grad("logsumexp(z)", "z", symbols="z: K")) == "softmax(z)"


def test_softmax_needs_an_entry_or_a_declared_vector():
    with pytest.raises(derive.ParseError, match=r"softmax\(z\)\[c\], or declare z"):
        derive.parse("softmax(z)")


# ---------------------------------------------------------------- entries and elements


def test_entry_of_a_product_by_an_element():
    """d(X A)[i, j] / dX[m, n] = delta(i, m) A[n, j]; every index named free."""
    d = derive.differentiate("(X@A)[i,j]", "X[m,n]", symbols="X: p x q, A: q x r")
    assert derive.to_text(d.result) == "delta(i, m)*A[n, j]"
    assert d.free_indices == "i, j (of f); m, n (of the variable)"


def test_element_of_a_declared_vector_as_wrt():
    d = derive.differentiate("x.T@A@x", "x[k]", symbols="A: n x n, x: n")
    A, x = RNG.normal(size=(3, 3)), RNG.normal(size=3)
    got = entries(d.result, {"A": A, "x": x}, {"k": 3})
    assert np.allclose([got[(k,)] for k in range(3)], (A + A.T) @ x)
    e = derive.differentiate("x.T@A@x", "A[i,j]", symbols="A: n x n, x: n")
    assert derive.to_text(e.result) == "x[i]*x[j]"


def test_index_sum_beside_matrix_notation():
    """logdet(P) - sum(P[j,k]*S[j,k], j, k): the sum is tr(P S^T); the gradient inv(P)^T - S."""
    d = derive.differentiate("logdet(P) - sum(P[j,k]*S[j,k], j, k)", "P", symbols="P: n x n, S: n x n")
    assert derive.to_text(d.result) == "inv(P.T) - S"


def test_index_name_n_does_not_collide_with_a_size():
    d = derive.differentiate("sum(X[i,k]*A[k,j],k)", "X[m,n]")
    assert d.report.ok
    names = [s.name for s in d.result.free_symbols | d.f.free_symbols]
    assert len(names) == len(set(names))  # one name, one variable


# ---------------------------------------------------------------- the grammar


def test_identity_and_ones_at_any_declared_size():
    for text in ("x.T@(A + I)@x", "x.T@(A + eye(n))@x"):
        g = derive.grad(text, "x", symbols="A: n x n, x: n")
        assert derive.to_text(g) in ("(2*eye(n) + A + A.T)@x", "(A + A.T + 2*eye(n))@x")
    assert derive.to_text(derive.grad("ones(n).T@x", "x", symbols="x: n")) == "ones(n, 1)"
    ridge = derive.grad("norm(X@w - y)**2/2 + lam/2*w.T@w", "w", symbols="X: N x d, w: d, y: N")
    assert derive.to_text(ridge) == "lam*w + X.T@(X@w - y)"


def test_identity_needs_a_square_partner():
    with pytest.raises(derive.ShapeError, match="not square"):
        derive.parse("X + I", "X: n x d")


def test_diag_and_diagonal():
    assert derive.to_text(derive.grad("sum(diag(x)@A)", "x", symbols="A: n x n, x: n")) == "A@ones(n, 1)"
    assert derive.to_text(derive.grad("sum(diagonal(A@x@x.T))", "x", symbols="A: n x n, x: n")) == "(A + A.T)@x"


def test_trace_of_a_scalar_is_the_scalar():
    assert derive.to_text(derive.grad("trace(d.T@d)", "d", symbols="d: n")) == "2*d"


@pytest.mark.parametrize("form", ["text", "sympy"])
def test_unspecified_function(form):
    if form == "text":
        g_x = derive.grad("g(a.T@x)", "x", symbols="a: n, x: n, g: function")
    else:
        g = sp.Function("g", real=True)
        a, x = sp.MatrixSymbol("a", 3, 1), sp.MatrixSymbol("x", 3, 1)
        g_x = derive.grad(g(sp.Trace(a.T * x)), x)
    assert derive.to_text(g_x) == "g'(a.T@x)*a"


def test_unspecified_function_in_scalars_and_sums():
    h = derive.hessian("g(x*y)", "x y", symbols="g: function")
    assert derive.to_text(h[0, 1]) == "x*y*g''(x*y) + g'(x*y)"
    w = derive.grad("sum(g(w[j]*x[j]), j)", "w[k]", symbols="g: function")
    assert derive.to_text(w) == "x[k]*g'(w[k]*x[k])"


def test_a_wrong_rule_for_g_would_be_caught():
    """The validation instantiates g with concrete functions: a result that drops g' fails."""
    from derive.validation.unspecified import instances

    g = sp.Function("g", real=True)
    x = sp.Symbol("x", real=True)
    f = g(2 * x)
    wrong = 2 * g(2 * x)  # g instead of g'
    (f1, w1), (f2, w2) = instances(f, wrong)
    assert sp.simplify(sp.diff(f1, x) - w1) != 0 and sp.simplify(sp.diff(f2, x) - w2) != 0


def test_jacobian_of_a_scalar_is_a_row():
    J = derive.jacobian("x.T@A@x", "x", symbols="A: n x n, x: n")
    assert J.shape == (1, sp.Symbol("n", integer=True, positive=True))
    assert derive.to_text(J) == "x.T@(A + A.T)"


def test_symbolic_matrix_power_with_an_integer_exponent():
    """The Matrix Cookbook's (58): d det(X^k)/dX = k det(X^k) X^-T, k declared an integer."""
    v = derive.check("det(matrix_power(X, k))", "X", "k*det(matrix_power(X, k))*inv(X).T",
                     symbols="X: n x n, k: integer")
    assert v.ok
    with pytest.raises(derive.ParseError, match="integer exponent"):
        derive.parse("matrix_power(X, k)", "X: n x n, k: positive")
    assert derive.to_text(derive.grad("trace(matrix_power(X, 3))", "X", symbols="X: n x n")) == "3*matrix_power(X.T, 2)"


def test_a_declared_kind_describes_an_arrays_entries():
    """x: positive, y: nonnegative integer, then x[i], y[i] (was "'y' is a scalar and cannot be indexed")."""
    d = derive.differentiate("sum(y[i]*log(lam*x[i]) - lam*x[i], i)", "lam",
                             symbols="lam: positive, x: positive, y: nonnegative integer")
    x = next(a for a in d.f.atoms(sp.Indexed) if a.base.label.name == "x")
    assert x.base.label.is_positive
    assert derive.to_text(d.result[0]) == "sum(y[i] - lam*x[i], i)/lam"


def test_a_declared_size_is_the_same_size_in_text():
    e = derive.parse("sum(x[i], i)/n", "i: index n")
    assert len({s.name for s in e.free_symbols}) == len(e.free_symbols)  # one n


# ---------------------------------------------------------------- the same from SymPy objects


def test_sympy_forms_of_the_grammar():
    n = sp.Symbol("n", integer=True, positive=True)
    x, A = sp.MatrixSymbol("x", n, 1), sp.MatrixSymbol("A", n, n)
    J = derive.jacobian(x.T * A * x, x)  # a 1 x 1 product's Jacobian is a row
    assert derive.to_text(J) == "x.T@(A + A.T)"
    assert derive.to_text(derive.grad(x.T * (A + sp.Identity(n)) * x, x)) in ("(2*eye(n) + A + A.T)@x",
                                                                              "(A + A.T + 2*eye(n))@x")
    P, S = sp.MatrixSymbol("P", n, n), sp.MatrixSymbol("S", n, n)
    j, k = sp.symbols("j k", integer=True)
    f = sp.log(sp.Determinant(P)) - sp.Sum(P[j, k] * S[j, k], (j, 0, n - 1), (k, 0, n - 1))
    assert derive.to_text(derive.grad(f, P)) == "inv(P.T) - S"
    p_, q_, r_ = sp.symbols("p q r", integer=True, positive=True)
    X, Am = sp.MatrixSymbol("X", p_, q_), sp.MatrixSymbol("B", q_, r_)
    i, jj, m, c = sp.symbols("i j m c", integer=True)
    d = derive.differentiate((X * Am)[i, jj], X[m, c])
    assert derive.to_text(d.result) == "delta(i, m)*B[c, j]"


# ---------------------------------------------------------------- results in textbook form


def test_logistic_hessian_in_textbook_form_in_text_latex_and_repr():
    d = derive.differentiate("sum(softplus(X@w)) - y.T@X@w", "w", "hessian", symbols="X: N x d, w: d, y: N")
    text = derive.to_text(d.result)
    assert text == "X.T@diag(sigmoid(X@w)*(1 - sigmoid(X@w)))@X"
    back = derive.parse(text, "X: N x d, w: d, y: N")
    from derive.validation.instances import Instance

    inst = Instance({sp.Symbol("N", integer=True, positive=True): 3, sp.Symbol("d", integer=True, positive=True): 2})
    values = {s: sp.Rational(k + 1, 3) for k, s in enumerate(sorted(inst.explicit(d.result).free_symbols, key=str))}
    assert (inst.explicit(back) - inst.explicit(d.result)).xreplace(values).applyfunc(sp.nsimplify) == sp.zeros(2, 2)
    latex = d._repr_latex_()
    assert r"\odot" in latex and r"\operatorname{diag}" in latex and "mapsto" not in latex
    for shown in (str(d), repr(d), latex):
        assert "Lambda" not in shown and "map(" not in shown and "Trace" not in shown


def test_logistic_index_hessian_uses_sigmoid():
    h = derive.hessian("sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)", "w[k]")
    assert derive.to_text(h) == ("sum((1 - sigmoid(y[i]*sum(w[j]*x[i, j], j)))*sigmoid(y[i]*sum(w[j]*x[i, j], j))"
                                 "*x[i, k]*x[i, l]*y[i]**2, i)")


def test_ridge_and_quadratic_gradients_are_collected():
    assert derive.to_text(derive.grad("x.T@Q@x/2 + c.T@x", "x", symbols="Q: n x n spd, x: n, c: n")) == "Q@x + c"
    assert derive.to_text(derive.grad("x.T@Q@x/2 + c.T@x", "x", symbols="Q: n x n, x: n, c: n")) == \
        "(1/2)*(Q + Q.T)@x + c"


def test_text_only_names_are_plain_symbols_in_results():
    g = derive.grad("x**2*y + abs(x)", "x y")
    assert g.subs(sp.Symbol("x"), 2).subs(sp.Symbol("y"), 1) == sp.Matrix([5, 4])
    p = derive.critical_points("x**2 + y**2 - 2*x", "x y")[0]
    assert p.x[sp.Symbol("x")] == 1
    t = derive.grad("t**2", "t", symbols="t: positive")  # declared: keeps its assumptions
    assert t[0].free_symbols == {sp.Symbol("t", positive=True)}
