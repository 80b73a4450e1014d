"""Loop kernels from index notation: equal to NumPy at random instances."""

import numpy as np
import pytest
import sympy

import codegen
import derive

rng = np.random.default_rng(5)


def ns_with(decl="i: index N, j k l: index d"):
    return derive.Namespace(derive.declare(decl))


def sig(z):
    return 1 / (1 + np.exp(-z))


LOSS = "sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)"


@pytest.fixture(scope="module")
def logistic():
    ns = ns_with()
    loss = derive.parse(LOSS, ns)
    X, w, y = (ns.names[n] for n in "Xwy")
    k, l = ns.names["k"], ns.names["l"]
    g = derive.grad(loss, "w[k]", symbols=ns)
    h = derive.hessian(loss, "w[k], w[l]", symbols=ns)
    return {"loss": codegen.kernel(loss, [X, w, y]), "grad": codegen.kernel(g, [X, w, y], index=k),
            "hess": codegen.kernel(h, [X, w, y], index=(k, l)), "g": g, "h": h}


def data(N=257, d=7):
    X = rng.normal(size=(N, d))
    return X, rng.normal(size=d) * 0.5, (rng.random(N) < 0.5).astype(float)


def test_logistic_loss_gradient_hessian_match_numpy(logistic):
    X, w, y = data()
    z = X @ w
    s = sig(z)
    np.testing.assert_allclose(logistic["loss"](X, w, y), np.sum(np.logaddexp(0, z) - y * z), rtol=1e-12)
    np.testing.assert_allclose(logistic["grad"](X, w, y), X.T @ (s - y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(logistic["hess"](X, w, y), X.T @ (X * (s * (1 - s))[:, None]), rtol=1e-10,
                               atol=1e-12)


def test_kernel_sizes_come_from_the_arrays(logistic):
    for N, d in ((1, 1), (3, 11), (1000, 2)):
        X, w, y = data(N, d)
        assert logistic["grad"](X, w, y).shape == (d,)
        assert logistic["hess"](X, w, y).shape == (d, d)


def test_index_results_have_no_deltas_or_piecewise(logistic):
    for expr in (logistic["g"], logistic["h"]):
        assert not expr.has(sympy.KroneckerDelta) and not expr.has(sympy.Piecewise)


def test_hoisting_computes_the_sigmoid_once_per_row(logistic):
    source = logistic["hess"].source
    assert "SYRK" in source or "s.T @ s" in source  # the weighted Gram matrix goes to BLAS
    core = source.split("def core")[1].split("def kernel")[0]
    # the weight sigmoid(z)*sigmoid(-z) is computed once per data row, outside any loop over k, l
    weight = next(line for line in core.splitlines() if "math.exp" in line)
    assert weight.index("_w[") == 8 and "for k" not in core.split(weight)[0]


def test_general_loop_nest_with_hoisting():
    """sum_i X[i,k] X[i,l] exp(x_i . v) + d_kl: not a pure Gram sum (a delta term too)."""
    ns = ns_with("i: index N, j k l: index d")
    e = derive.parse("sum(X[i,k]*X[i,l]*exp(sum(X[i,j]*v[j], j)), i) + delta(k, l)*v[k]**2", ns)
    X, v = ns.names["X"], ns.names["v"]
    kern = codegen.kernel(e, [X, v], index=(ns.names["k"], ns.names["l"]))
    Xv, vv = rng.normal(size=(50, 4)), rng.normal(size=4) * 0.3
    want = Xv.T @ (Xv * np.exp(Xv @ vv)[:, None]) + np.diag(vv**2)
    np.testing.assert_allclose(kern(Xv, vv), want, rtol=1e-10)


@pytest.mark.parametrize("text, args, index, numpy_value", [
    ("sum(w[i,k]*x[i], i) + sum(w[k,j]*x[j], j)", "wx", "k",
     lambda w, x: w.T @ x + w @ x),
    ("exp(x[k])/sum(exp(x[i]), i)", "x", "k", lambda x: np.exp(x) / np.exp(x).sum()),
    ("sum((sum(A[i,j]*x[j], j) - b[i])*A[i,k], i)", "Abx", "k", lambda A, b, x: A.T @ (A @ x - b)),
    ("sum(A[i,j]*x[i]*x[j], i, j)", "Ax", None, lambda A, x: x @ A @ x),
    ("w[k,l] + w[l,k]", "w", "kl", lambda w: w + w.T),
])
def test_index_patterns(text, args, index, numpy_value):
    decl = "i j: index n, k l: index n"
    ns = ns_with(decl)
    e = derive.parse(text, ns)
    bases = [sympy.IndexedBase(a, real=True) for a in args]
    idx = None if index is None else (ns.names[index] if len(index) == 1 else tuple(ns.names[c] for c in index))
    kern = codegen.kernel(e, bases, index=idx)
    n = 6
    values = [rng.normal(size=(n, n)) if a.isupper() or a == "w" else rng.normal(size=n) for a in args]
    np.testing.assert_allclose(kern(*values), numpy_value(*values), rtol=1e-10, atol=1e-12)


def test_kernels_need_known_output_ranges():
    k = sympy.Symbol("k", integer=True)
    with pytest.raises(codegen.CodegenError, match="indexes no array"):
        codegen.kernel(sympy.Integer(1) + 0 * k, [sympy.IndexedBase("x")], index=k)
