"""Loop kernels from index notation: equal to NumPy at random instances."""

from pathlib import Path

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
    assert "SYRK" in source and "_g0s.T @ _g0s" in source  # the weighted Gram matrix goes to BLAS
    core = source.split("def core")[1].split("def kernel")[0]
    # the weight sigmoid(z)*sigmoid(-z) is computed once per data row, outside the loop over k
    weight = next(line for line in core.splitlines() if "_sigmoid(" in line)
    assert weight.startswith(" " * 8 + "_g0w = ") and "for k" not in core.split(weight)[0]
    assert "for l" not in core  # no loop over (k, l) at all: BLAS does the products


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


# ---------------------------------------------------------------------------
# index ranges from array axes (N != d, no declarations), SymPy Sums with any size symbols


@pytest.fixture(scope="module")
def undeclared():
    """The logistic loss as text with no declarations: i over X's rows, j over its columns."""
    ns = derive.Namespace()
    loss = derive.parse(LOSS, ns)
    X, w, y = (ns.names[n] for n in "Xwy")
    g = derive.grad(loss, "w[k]", symbols=ns)
    h = derive.hessian(loss, "w[k], w[l]", symbols=ns)
    k, l = ns.names["k"], ns.names["l"]
    return {"loss": loss, "ns": ns, "grad": codegen.kernel(g, [X, w, y], index=k),
            "hess": codegen.kernel(h, [X, w, y], index=(k, l))}


def test_undeclared_indices_range_over_their_axes(undeclared):
    ranges = {s.limits[0][0].name: s.limits[0][2] + 1 for s in undeclared["loss"].atoms(sympy.Sum)}
    assert ranges["i"] != ranges["j"]  # two sizes, not one n for every index
    X, w, y = data(N=301, d=6)  # N != d: every row is read
    s = sig(X @ w)
    np.testing.assert_allclose(undeclared["grad"](X, w, y), X.T @ (s - y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(undeclared["hess"](X, w, y), X.T @ (X * (s * (1 - s))[:, None]), rtol=1e-10)
    assert "n_i = 2, n_j = 3" in str(derive.differentiate(LOSS, "w[k]", "grad").report)


@pytest.fixture(scope="module")
def sympy_logistic():
    """The same loss as a SymPy user writes it: Sums with their own bounds in plain symbols N, d."""
    N, d = sympy.symbols("N d")
    i, j, k, l = sympy.symbols("i j k l", integer=True)
    X, w, y = sympy.IndexedBase("X"), sympy.IndexedBase("w"), sympy.IndexedBase("y")
    z = sympy.Sum(X[i, j] * w[j], (j, 0, d - 1))
    loss = sympy.Sum(sympy.log(1 + sympy.exp(z)) - y[i] * z, (i, 0, N - 1))
    g = derive.grad(loss, w[k])
    h = derive.hessian(loss, [w[k], w[l]])
    return {"grad": codegen.kernel(g, [X, w, y], index=k), "hess": codegen.kernel(h, [X, w, y], index=(k, l)),
            "loss": codegen.kernel(loss, [X, w, y]), "g": g}


def test_sympy_sums_with_size_symbols_N_and_d(sympy_logistic):
    X, w, y = data(N=257, d=9)
    z = X @ w
    s = sig(z)
    assert sympy_logistic["g"].has(sympy.Symbol("N")) and sympy_logistic["g"].has(sympy.Symbol("d"))
    np.testing.assert_allclose(sympy_logistic["loss"](X, w, y), np.sum(np.logaddexp(0, z) - y * z), rtol=1e-12)
    np.testing.assert_allclose(sympy_logistic["grad"](X, w, y), X.T @ (s - y), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(sympy_logistic["hess"](X, w, y), X.T @ (X * (s * (1 - s))[:, None]), rtol=1e-10)


@pytest.mark.parametrize("size", ["M", "k"])
def test_sympy_sum_bounds_in_any_symbol(size):
    S = sympy.Symbol(size)
    i, m = sympy.symbols("i m", integer=True)
    a = sympy.IndexedBase("a")
    f = sympy.Sum(a[i] ** 3, (i, 0, S - 1))
    g = derive.grad(f, a[m])
    assert sympy.simplify(g - 3 * a[m] ** 2) == 0
    av = rng.normal(size=7)
    assert codegen.kernel(f, [a])(av) == pytest.approx(np.sum(av**3))


def test_one_based_bounds_are_honoured():
    """sum over i = 1..N reads a[1] .. a[N]: N + 1 entries, the first skipped."""
    N = sympy.Symbol("N")
    i, k = sympy.symbols("i k", integer=True)
    a, b = sympy.IndexedBase("a"), sympy.IndexedBase("b")
    f = sympy.Sum(a[i] ** 2 * b[i], (i, 1, N))
    g = derive.grad(f, a[k])
    assert sympy.simplify(g - 2 * a[k] * b[k]) == 0
    kern = codegen.kernel(f, [a, b])
    av, bv = rng.normal(size=8), rng.normal(size=8)
    assert kern(av, bv) == pytest.approx(np.sum(av[1:] ** 2 * bv[1:]))
    text = derive.parse("sum(a[i]**2*b[i], (i, 1, N))")
    assert codegen.kernel(text, [a, b])(av, bv) == pytest.approx(np.sum(av[1:] ** 2 * bv[1:]))


def test_negative_lower_bounds_are_walked_from_where_they_start():
    """The row loop starts at max(start, 0) only when the sum provably starts at 0 or
    above; sum over i = -2..n-3 of x[i + 2] reads x[0] .. x[n - 1], all of it."""
    n = sympy.Symbol("n")
    i = sympy.Symbol("i", integer=True)
    x, y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    kern = codegen.kernel(sympy.Sum(x[i + 2] * y[i + 2] ** 2, (i, -2, n - 3)), [x, y])
    assert "max(_start, 0)" not in kern.source
    for N in (3, 5000):  # one chunk; several chunks, so some chunks start below 0
        xv, yv = rng.normal(size=N), rng.normal(size=N)
        assert kern(xv, yv) == pytest.approx(np.sum(xv * yv ** 2), rel=1e-12)


def test_rows_read_whole_are_prefetched_and_others_are_not(logistic):
    """The gradient pass requests the rows of X ahead (it reads them whole); w and y
    are not streamed by rows.  Rows of several axes, short or long (no prefetch),
    give the same numbers as NumPy."""
    core = logistic["grad"].source.split("def core")[1]
    assert "_prefetch(X," in core and "_prefetch(w" not in core and "_prefetch(y" not in core
    N, i, j, m = sympy.Symbol("N"), *sympy.symbols("i j m", integer=True)
    T, a, b = sympy.IndexedBase("T"), sympy.IndexedBase("a"), sympy.IndexedBase("b")
    J, M = sympy.symbols("J M")
    f = sympy.Sum(sympy.Sum(T[i, j, m] * a[j] * b[m], (j, 0, J - 1), (m, 0, M - 1)) ** 2, (i, 0, N - 1))
    kern = codegen.kernel(f, [T, a, b])
    assert "_prefetch(T," in kern.source
    for shape in ((3001, 4, 5), (300, 30, 40)):  # 160-byte rows; 9600-byte rows, left to the hardware
        Tv, av, bv = rng.normal(size=shape), rng.normal(size=shape[1]), rng.normal(size=shape[2])
        want = np.sum(np.einsum("ijm,j,m->i", Tv, av, bv) ** 2)
        assert kern(Tv, av, bv) == pytest.approx(want, rel=1e-12)


def test_explicit_bounds_must_fit_inside_the_arrays():
    i = sympy.Symbol("i", integer=True)
    x = sympy.IndexedBase("x")
    kern = codegen.kernel(sympy.Sum(x[i], (i, 2, 9)), [x])
    assert kern(np.arange(10.0)) == pytest.approx(sum(range(2, 10)))
    with pytest.raises(codegen.CodegenError, match=r"the sum over i runs 2\.\.9, so x is read at i = 2\.\.9, "
                                                   r"but x has length 5"):
        kern(np.ones(5))
    N = sympy.Symbol("N")
    passed = codegen.kernel(sympy.Sum(x[i], (i, 0, N - 1)), [x, N])  # a size given as an argument
    assert passed(np.arange(10.0), 4) == pytest.approx(6.0)
    with pytest.raises(codegen.CodegenError, match="x has length 3"):
        passed(np.ones(3), 4)
    with pytest.raises(codegen.CodegenError, match="whole number"):
        passed(np.ones(3), 2.5)


def test_text_and_sympy_sums_mixed_in_one_kernel():
    N = sympy.Symbol("N")
    i = sympy.Symbol("i", integer=True)
    X, v = sympy.IndexedBase("X"), sympy.IndexedBase("v")
    text = derive.parse("sum(sum(X[i, j]*v[j], j)**2, i)")  # ranges from the axes
    mixed = text + sympy.Sum(X[i, 0] * 3, (i, 0, N - 1))  # a SymPy Sum with its own bound
    kern = codegen.kernel(mixed, [X, v])
    Xv, vv = rng.normal(size=(40, 3)), rng.normal(size=3)
    assert kern(Xv, vv) == pytest.approx(np.sum((Xv @ vv) ** 2) + 3 * Xv[:, 0].sum())


# ---------------------------------------------------------------------------
# every loop kernel checks its arguments


@pytest.mark.parametrize("change, message", [
    (lambda X, w, y: (X, w[:-1], y), r"w has length 5 but X has 6 columns \(index j\)"),
    (lambda X, w, y: (X, w, y[:-1]), r"y has length 49 but X has 50 rows \(index i\)"),
    (lambda X, w, y: (X[:, 0], w, y), r"X must have 2 axes \(X\[i, j\]\), got an array of shape \(50,\)"),
    (lambda X, w, y: (X, w + 1j, y), "w is complex"),
    (lambda X, w, y: (X, ["a"] * 6, y), "w is not numeric"),
])
def test_wrong_arguments_name_the_array_and_the_axis(undeclared, change, message):
    X, w, y = data(N=50, d=6)
    with pytest.raises(codegen.CodegenError, match=message):
        undeclared["grad"](*change(X, w, y))


def test_arguments_are_cast_once_and_any_layout_works(undeclared):
    X, w, y = data(N=64, d=6)
    w = w.astype(np.float32)
    want = undeclared["grad"](X, w.astype(float), y)
    np.testing.assert_allclose(undeclared["grad"](np.asfortranarray(X), w, y.astype(int)), want, rtol=1e-12)
    np.testing.assert_allclose(undeclared["grad"](X.tolist(), list(w), y), want, rtol=1e-12)


def test_scalar_kernels_name_the_bad_argument():
    x, y = sympy.symbols("x y")
    for backend in ("numba", "numpy"):
        kern = codegen.kernel(x * y, [x, y], backend=backend)
        with pytest.raises(codegen.CodegenError, match=r"do not broadcast together: x \(3,\), y \(4,\)"):
            kern(np.ones(3), np.ones(4))
        with pytest.raises(codegen.CodegenError, match="argument y is not numeric"):
            kern(1.0, "a")
    with pytest.raises(codegen.CodegenError, match="argument x is complex"):
        codegen.kernel(x * y, [x, y])(1j, 1.0)


# ---------------------------------------------------------------------------
# matrix notation: linear in N, every array in the signature


MATRIX_LOSS = "sum(softplus(X @ w)) - y.T @ X @ w"
MATRIX_DECL = "X: N x d, w: d, y: N"


@pytest.fixture(scope="module")
def matrix_kernels(tmp_path_factory):
    """The CLI's matrix-notation kernels (value, gradient, Hessian), imported from their files."""
    import importlib.util

    from derive.cli import main

    out = {}
    for what in ("value", "grad", "hessian"):
        path = tmp_path_factory.mktemp("k") / f"{what}.py"
        assert main(["codegen", MATRIX_LOSS, "--let", MATRIX_DECL, "--wrt", "w", "--what", what, "-o", str(path)]) == 0
        spec = importlib.util.spec_from_file_location(f"matrix_{what}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        out[what] = module
    return out


def _data_loops_nest(source, size="N"):
    """True when a loop over the data size sits inside another such loop."""
    import ast

    core = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "core")
    data = {size}
    for node in ast.walk(core):  # names computed from N (_lo, _hi, _start, _stop, ...)
        if isinstance(node, ast.Assign) and {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)} & data:
            data |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}

    def visit(node, inside):
        for child in ast.iter_child_nodes(node):
            bound = child.iter if isinstance(child, ast.For) else child.test if isinstance(child, ast.While) else None
            over_data = bound is not None and bool({n.id for n in ast.walk(bound) if isinstance(n, ast.Name)} & data)
            if over_data and inside:
                return True
            if visit(child, inside or over_data):
                return True
        return False

    return visit(core, False)


def test_matrix_notation_hessian_is_linear_in_N(matrix_kernels):
    hess = matrix_kernels["hessian"]
    source = Path(hess.__file__).read_text()
    assert "== j" not in source and "KroneckerDelta" not in source
    assert not _data_loops_nest(source)
    X, w, y = data(N=2000, d=7)
    s = sig(X @ w)
    np.testing.assert_allclose(hess.kernel(X, w, y), X.T @ (X * (s * (1 - s))[:, None]), rtol=1e-10)


def test_nested_data_loops_are_detected():
    """The detector itself: the old matrix-notation Hessian looped over j inside i."""
    old = ("def core(X, N):\n    _lo0, _hi0 = 0, N\n    for c in range(2):\n        for i0 in range(_lo0, _hi0):\n"
           "            for j in range(0, N):\n                pass\n")
    assert _data_loops_nest(old)
    assert _data_loops_nest(old.replace("for i0 in range(_lo0, _hi0):", "while i0 < _hi0:"))


def test_matrix_notation_signatures_list_every_array(matrix_kernels):
    X, w, y = data(N=300, d=5)
    z = X @ w
    s = sig(z)
    for module in matrix_kernels.values():
        assert module.kernel.__code__.co_varnames[:3] == ("X", "w", "y")
        assert "Arguments, in this order: X (N x d), w (length d), y (length N)." in module.__doc__
    assert matrix_kernels["value"].kernel(X, w, y) == pytest.approx(np.sum(np.logaddexp(0, z)) - y @ z)
    np.testing.assert_allclose(matrix_kernels["grad"].kernel(X, w, y), X.T @ (s - y), rtol=1e-10)
    with pytest.raises(matrix_kernels["hessian"].ArgumentError, match="y has length 299 but X has 300 rows"):
        matrix_kernels["hessian"].kernel(X, w, y[:-1])  # y is checked even though the Hessian does not use it


# ---------------------------------------------------------------------------
# the Hessian suite's plans (benchmarks/bench_hessians.py), at small sizes


def _softmax(Z):
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    return P / P.sum(axis=1, keepdims=True)


SUITE = {
    "softmax regression": (
        "sum(log(sum(exp(sum(X[i,j]*W[j,c], j)), c)) - sum(Y[i,c]*sum(X[i,j]*W[j,c], j), c), i)", "W[k,a], W[l,b]",
        lambda r: (r.normal(size=(4, 3)), r.normal(size=(30, 4)), np.eye(3)[r.integers(0, 3, 30)]),
        lambda W, X, Y: (np.einsum("ik,il,ia,ab->kalb", X, X, _softmax(X @ W), np.eye(3))
                         - np.einsum("ik,il,ia,ib->kalb", X, X, _softmax(X @ W), _softmax(X @ W)))),
    "one hidden layer": (
        "sum(softplus(sum(v[a]*tanh(sum(W[a,j]*X[i,j], j)), a)) - y[i]*sum(v[a]*tanh(sum(W[a,j]*X[i,j], j)), a), i)",
        "v[k], v[l]",
        lambda r: (r.normal(size=(5, 3)), r.normal(size=(40, 3)), r.normal(size=5), (r.random(40) < 0.5) * 1.0),
        lambda W, X, v, y: (np.tanh(X @ W.T).T @ (np.tanh(X @ W.T) * (sig(np.tanh(X @ W.T) @ v)
                                                                     * sig(-(np.tanh(X @ W.T) @ v)))[:, None]))),
    "Gaussian mean": (
        "-sum((X[i,j] - mu[j])*P[j,l]*(X[i,l] - mu[l]), i, j, l)/2", "mu[k], mu[m]",
        lambda r: (r.normal(size=(3, 3)), r.normal(size=(25, 3)), r.normal(size=3)),
        lambda P, X, mu: -25 * (P + P.T) / 2),
}


@pytest.mark.parametrize("name", list(SUITE))
def test_hessian_suite_kernels_equal_numpy(name):
    text, wrt, make, closed = SUITE[name]
    d = derive.differentiate(text, wrt, "hessian", validate_result=False)  # checked here against NumPy
    kern = derive.kernel(d)
    values = make(np.random.default_rng(7))
    np.testing.assert_allclose(kern(*values), closed(*values), rtol=1e-10, atol=1e-10)
    if name != "Gaussian mean":
        assert "_g0" in kern.source  # the data sum became a Gram term for BLAS
    if name == "one hidden layer":
        assert "numpy.tanh(" in kern.source  # tanh(X @ W.T) once, vectorized, by NumPy


def test_matrix_notation_ridge_and_quadratic_form():
    ridge = derive.kernel(derive.differentiate("norm(X @ w - y)**2 + lam * w.T @ w", "w", "hessian",
                                               symbols="X: N x d, w: d, y: N"))
    X, w, y = data(N=60, d=4)
    np.testing.assert_allclose(ridge(X, w, y, 0.3), 2 * X.T @ X + 0.6 * np.eye(4), rtol=1e-12)
    quad = derive.kernel(derive.differentiate("x.T @ A @ x", "x", "hessian", symbols="A: n x n, x: n"))
    A = rng.normal(size=(5, 5))
    np.testing.assert_allclose(quad(A, rng.normal(size=5)), A + A.T, rtol=1e-14)
    assert ridge.arg_names == ("X", "w", "y", "lam") and quad.arg_names == ("A", "x")


def test_user_names_never_clash_with_generated_ones():
    """A scalar called i0 (the old name of the row counter) or an array called core (the compiled
    function) is the user's: the kernel gives NumPy's numbers."""
    N, i, j, k = sympy.Symbol("N"), *sympy.symbols("i j k", integer=True)
    core, w, i0 = sympy.IndexedBase("core"), sympy.IndexedBase("w"), sympy.Symbol("i0")
    f = i0 * sympy.Sum(sympy.log(1 + sympy.exp(sympy.Sum(core[i, j] * w[j], (j, 0, 3)))), (i, 0, N - 1))
    g = derive.grad(f, w[k])
    X, wv = rng.normal(size=(3000, 4)), rng.normal(size=4)
    want = 2.5 * X.T @ sig(X @ wv)
    np.testing.assert_allclose(codegen.kernel(g, [core, w, i0], index=k)(X, wv, 2.5), want, rtol=1e-10)
    np.testing.assert_allclose(codegen.kernel(f, [core, w, i0])(X, wv, 2.5),
                               2.5 * np.sum(np.logaddexp(0, X @ wv)), rtol=1e-10)


def test_a_declared_shape_is_not_redefined_by_a_sum_that_stops_short(tmp_path):
    """x: (N,) summed as x[i - 1] over i = 1..N-1 reads x[0..N-2]: 45 for 1..10, not all of x."""
    N, i = sympy.Symbol("N"), sympy.Symbol("i", integer=True)
    x = sympy.IndexedBase("x", shape=(N,))
    xv = np.arange(1.0, 11.0)
    assert codegen.kernel(sympy.Sum(x[i - 1], (i, 1, N - 1)), [x])(xv) == 45.0
    import importlib.util

    from derive.cli import main

    path = tmp_path / "stops_short.py"  # the same in text, through the CLI
    assert main(["codegen", "sum(x[i-1], (i, 1, N-1))", "--let", "x: N", "--what", "value", "-o", str(path)]) == 0
    spec = importlib.util.spec_from_file_location("stops_short", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.kernel(xv) == 45.0
    undeclared = sympy.IndexedBase("x")  # no shape: the sum reaches the end of x
    assert codegen.kernel(sympy.Sum(undeclared[i - 1], (i, 1, N - 1)), [undeclared])(xv) == 55.0


def test_one_index_over_two_ranges_constrains_each_sum_by_its_own_reads():
    """sum(y[i], i < N) + sum(X[i, k] y[i+1], i < N-1): X has N - 1 rows, y has N."""
    N, i, k = sympy.Symbol("N"), *sympy.symbols("i k", integer=True)
    X, y = sympy.IndexedBase("X"), sympy.IndexedBase("y")
    kern = codegen.kernel(sympy.Sum(y[i], (i, 0, N - 1)) + sympy.Sum(X[i, k] * y[i + 1], (i, 0, N - 2)), [X, y],
                          index=k)
    Xv, yv = rng.normal(size=(4, 3)), rng.normal(size=5)
    np.testing.assert_allclose(kern(Xv, yv), yv.sum() + Xv.T @ yv[1:], rtol=1e-12)
    with pytest.raises(codegen.CodegenError, match="y has length 5 and X has 5 rows, so y needs length 6"):
        kern(rng.normal(size=(5, 3)), yv)


def test_concrete_sizes_stay_loops_and_are_checked_exactly(tmp_path):
    """X: 3000 x 4 is a loop over 3000 rows, not 12,000 unrolled entries; X: 5 x 2 called with 7
    rows, 4 rows or 1 column is an error, never the first 5 rows or a read past the end."""
    import importlib.util

    from derive.cli import main

    modules = {}
    for rows in (5, 3000):
        path = tmp_path / f"concrete{rows}.py"
        assert main(["codegen", "sum(softplus(X @ w)) - y.T @ X @ w", "--let", f"X: {rows} x 2, w: 2, y: {rows}",
                     "--wrt", "w", "--what", "grad", "-o", str(path)]) == 0
        assert path.stat().st_size < 20_000  # rolled: the size of the symbolic-size kernel
        spec = importlib.util.spec_from_file_location(f"concrete{rows}", path)
        modules[rows] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(modules[rows])
    for rows, module in modules.items():
        X, w, y = data(N=rows, d=2)
        np.testing.assert_allclose(module.kernel(X, w, y), X.T @ (sig(X @ w) - y), rtol=1e-10)
    X, w, y = data(N=5, d=2)
    for args, message in (((data(N=7, d=2)[0], w, np.ones(7)), "X has 7 rows but is declared 5 x 2"),
                          ((X[:4], w, y), "X has 4 rows"),
                          ((X[:, :1], w, y), "X has 1 column but is declared 5 x 2")):
        with pytest.raises(ValueError, match=message):
            modules[5].kernel(*args)


def test_entries_read_at_fixed_positions_must_exist():
    N, i = sympy.Symbol("N"), sympy.Symbol("i", integer=True)
    x, y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    kern = codegen.kernel(sympy.Sum(y[i] ** 2, (i, 0, N - 1)) + x[3], [x, y])
    assert kern(np.arange(5.0), np.ones(3)) == 6.0
    with pytest.raises(codegen.CodegenError, match="x is read at position 3 along axis 0 but x has length 2"):
        kern(np.arange(2.0), np.ones(3))


def test_no_rows_give_zeros(logistic, matrix_kernels):
    """N = 0: every kernel returns its zero (the Gram path reshaped an empty array with -1)."""
    X, w, y = np.zeros((0, 7)), rng.normal(size=7), np.zeros(0)
    assert logistic["loss"](X, w, y) == 0.0
    np.testing.assert_array_equal(logistic["grad"](X, w, y), np.zeros(7))
    np.testing.assert_array_equal(logistic["hess"](X, w, y), np.zeros((7, 7)))
    np.testing.assert_array_equal(matrix_kernels["hessian"].kernel(X, w, y), np.zeros((7, 7)))


@pytest.mark.parametrize("f, grad", [
    ("exp(w.T@w)", lambda w: 2 * np.exp(w @ w) * w),
    ("(w.T@w)**2", lambda w: 4 * (w @ w) * w),
    ("sqrt(w.T@w)", lambda w: w / np.sqrt(w @ w)),
    ("sum(w**2)**2", lambda w: 4 * (w @ w) * w),
    ("sum(w)**2", lambda w: 2 * w.sum() * np.ones_like(w)),  # no array is indexed by the output index
])
def test_kernels_of_scalar_factors_of_sums(f, grad):
    """A scalar factor made of sums (exp(w.T*w) * w) is written entrywise too; these were refused
    ('w is used as a matrix symbol and as an indexed array')."""
    d = derive.differentiate(f, "w", "grad", symbols="w: n")
    w = rng.normal(size=4) * 0.5
    np.testing.assert_allclose(derive.kernel(d)(w), grad(w), rtol=1e-12)
