"""Every kind of result derive's Numba kernel tests compile, exported to JAX and PyTorch (issue 23,
item 3: every result compiles on every backend).

Each exported kernel (jax.jit, torch.jit.script, float64) is compared at a random instance with
the Numba loop kernel of the same derivation, an independent implementation (loops, not
whole-array code); where that kernel is wrong or missing (noted at the case), with a NumPy
formula written here.  A form that cannot be exported is a one-line DeriveError naming it.

A representative subset of the sweep over tests/test_kernels*.py, test_loop_kernels.py,
test_kernel_kinds.py, test_training_kernels.py, test_matrix_calculus.py and
examples/index_notation.py: one case per printer rule (constants, sizes in functions, where,
partial and shifted sums, an index as a number, deltas, linear algebra, labels renamed)."""

import numpy as np
import pytest
import sympy

import derive
from tests.support.extras import need

pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")


def _user_names():
    """An array called core and a scalar i0: names the generated code must not take for its own."""
    N, i, j, k = sympy.Symbol("N"), *sympy.symbols("i j k", integer=True)
    core, w, i0 = sympy.IndexedBase("core"), sympy.IndexedBase("w"), sympy.Symbol("i0")
    f = i0 * sympy.Sum(sympy.log(1 + sympy.exp(sympy.Sum(core[i, j] * w[j], (j, 0, 3)))), (i, 0, N - 1))
    return f, w[k]


def _ar1_hessian(x, a):
    return np.array([[2 * np.sum(x[:-1] ** 2)]])


# NumPy formulas (tests/test_training_kernels.py, test_kernels_linalg.py) where a Numba kernel takes seconds
def _softmax_hessian(W, X, Y):
    Z = X @ W
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return np.einsum("ik,il,ia,ab->kalb", X, X, P, np.eye(W.shape[1])) - np.einsum("ik,il,ia,ib->kalb", X, X, P, P)


def _triple_hessian(a, x):
    return sum(np.einsum(spec, a, x) for spec in ("kml,l", "klm,l", "mkl,l", "mlk,l", "lkm,l", "lmk,l"))


def _gaussian_by_S(S, X, mu):
    R, Si = X - mu, np.linalg.inv(S)
    return len(X) / 2 * Si - Si @ R.T @ R @ Si / 2


# name: (f, wrt, kind, symbols, value kernel too, data, NumPy formula of the derivative or None: the Numba
# kernel).  data: each argument's shape ("scalar", "6", "5 x 3"), drawn standard normal, "positive" in
# [0.2, 1.2], square matrices diagonally dominant (non-symmetric, so a transposed result shows), "spd"
# symmetric positive definite
SUPPORTED = {
    # constants (torch.log(2) is a TypeError), sizes in functions (torch.log of an int)
    "log(x, 2)": ("log(x) + log(x, 2)*y", "x, y", "grad", None, True, "x: scalar positive, y: scalar", None),
    "erf (sqrt(pi))": ("erf(y)*x", "x, y", "grad", None, False, "x: scalar, y: scalar", None),
    "log(n) of a size": ("sum(w**2)*log(n)", "w", "grad", "w: n", False, "w: 4", None),
    "sqrt(n) of a size": ("norm(w)**2/sqrt(n)", "w", "grad", "w: n", False, "w: 4", None),
    # where with numbers on both sides (torch.where(c, 1.0, 0.0) is float32)
    "relu of a matrix product": ("sum(relu(X@w))", "w", "grad", "X: N x d, w: d", False, "X: 6 x 3, w: 3", None),
    "hinge, max in index notation": ("sum(max(0, 1 - y[i]*sum(X[i,j]*w[j], j)), i)", "w[k]", "grad", None, True,
                                     "X: 6 x 3, w: 3, y: 6", None),
    "digamma": ("sum(digamma(x[i]), i)", "x[k]", "grad", None, False, "x: 5 positive", None),
    # arguments keep the caller's names where the code renames them
    "arrays named like the code (core)": (_user_names, None, "grad", None, False, "core: 5 x 4, w: 4, i0: scalar",
                                          None),
    # partial ranges and shifted entries: arrays sliced where read, sizes from N + 1
    "sum over i = 1..n by a scalar": ("sum(b*x[i]**2, (i, 1, n))", "b", "grad", None, False, "x: 6, b: scalar",
                                      None),
    "AR(1), x[i] - a*x[i-1]": ("sum((x[i] - a*x[i-1])**2, (i, 1, N-1))", "a", "grad", None, False,
                               "x: 6, a: scalar", None),
    # the Numba kernel reads this Hessian's x[i-1] over all of x (110 for x = 1..5, not 60): NumPy here
    "AR(1) Hessian, x: N": ("sum((x[i] - a*x[i-1])**2, (i, 1, N-1))", "a", "hessian", "x: N", False,
                            "x: 6, a: scalar", _ar1_hessian),
    # an index as a number (the positions along its axis)
    "polynomial fit, i as a number": ("sum((y[i] - a - b*i)**2, i)", "a, b", "hessian", None, True,
                                      "y: 6, a: scalar, b: scalar", None),
    # Kronecker deltas, einsum over three and four axes
    "delta in f": ("sum(delta(i, j)*x[i]*x[j], i, j)", "x[k]", "grad", None, False, "x: 5", None),
    "triple product Hessian": ("sum(a[i,j,l]*x[i]*x[j]*x[l], i, j, l)", "x[k], x[m]", "hessian", None, False,
                               "a: 3 x 3 x 3, x: 3", _triple_hessian),
    "softmax regression Hessian by W (4 axes)": (
        "sum(log(sum(exp(sum(X[i,j]*W[j,c], j)), c)) - sum(Y[i,c]*sum(X[i,j]*W[j,c], j), c), i)", "W[k,a], W[l,b]",
        "hessian", None, False, "W: 4 x 3, X: 7 x 4, Y: 7 x 3", _softmax_hessian),
    "logistic Hessian, undeclared sizes": ("sum(softplus(sum(X[i, j]*w[j], j)) - y[i]*sum(X[i, j]*w[j], j), i)",
                                           "w[k], w[l]", "hessian", None, False, "X: 7 x 3, w: 3, y: 7", None),
    # matrix notation: linear algebra, Hadamard products, entries of products
    "log det": ("logdet(X)", "X", "grad", "X: n x n", False, "X: 4 x 4", None),
    "x^T inv(A) x Hessian": ("x.T @ inv(A) @ x", "x", "hessian", "x: n, A: n x n", False, "A: 4 x 4, x: 4", None),
    "Gaussian NLL of a sample by S": (
        "N/2*logdet(S) + 1/2*trace((X - ones(N) @ mu.T) @ inv(S) @ (X - ones(N) @ mu.T).T)", "S", "grad",
        "X: N x d, mu: d, S: d x d spd", False, "S: 3 x 3 spd, X: 8 x 3, mu: 3", _gaussian_by_S),
    "Hadamard product": ("sum(hadamard(A@x, B@x))", "x", "grad", "A: m x n, B: m x n, x: n", False,
                         "A: 5 x 3, B: 5 x 3, x: 3", None),
    "entries of a product (X@A)[i, j]": ("sum((X @ A)[i, j]**2, i, j)", "A[k,l]", "grad", "X: N x d, A: d x d",
                                         False, "A: 3 x 3, X: 6 x 3", lambda A, X: 2 * X.T @ X @ A),
    "Jacobian of sigmoid(A@x)": ("sigmoid(A@x)", "x", "jacobian", "A: m x n, x: n", True, "A: 5 x 3, x: 3", None),
}

# name: (f, wrt, kind, symbols, what the one-line error says)
UNSUPPORTED = {
    # a label c is an integer the kernel would take as an argument; neither backend (nor Numba) has one
    "softmax label c": ("-log(softmax(z)[c])", "z", "grad", None, "free indices c"),
    # derive's gradient 2*a[k]*b[k] holds for k = 1..n only (f does not depend on a[0]): the export's
    # check against the framework's autodiff refuses it
    "gradient of a sum from i = 1": ("sum(a[i]**2*b[i], (i, 1, n))", "a[k]", "grad", None,
                                     "disagrees with (jax|torch)'s autodiff"),
    # i has one range (0..n-2) in derive's reading, which makes y n - 1 long: y[i + 1] would read past its end
    "one index over two ranges": ("sum(y[i]**2, i) + sum(w[i]*y[i+1], (i, 0, n-2))", "w[k]", "grad", None,
                                  "past the end of y"),
}

_derivations, _numba = {}, {}


def derivation(name):
    if name not in _derivations:
        f, wrt, kind, symbols = SUPPORTED[name][:4]
        if callable(f):
            f, wrt = f()
        _derivations[name] = derive.differentiate(f, wrt, kind, symbols=symbols)
    return _derivations[name]


def instance(name):
    """Each argument of the case `name` at random, as its data spec says (see SUPPORTED)."""
    rng = np.random.default_rng(sum(map(ord, name)))
    values = {}
    for spec in SUPPORTED[name][5].split(", "):
        arg, what = spec.split(": ")
        words = what.split()
        shape = () if words[0] == "scalar" else tuple(int(n) for n in words if n.isdigit())
        value = rng.uniform(0.2, 1.2, size=shape) if "positive" in words else rng.normal(size=shape)
        if "spd" in words:
            value = value @ value.T / shape[0] + np.eye(shape[0])
        elif len(shape) == 2 and shape[0] == shape[1]:
            value = value + shape[0] * np.eye(shape[0])
        values[arg] = float(value) if shape == () else value
    return values


def reference(name, value, values):
    reference = SUPPORTED[name][6]
    if reference is not None and not value:
        return np.asarray(reference(**values), dtype=float)
    key = (name, value)
    if key not in _numba:
        _numba[key] = derive.kernel(derivation(name), value=value)  # the Numba loop kernel
    k = _numba[key]
    return np.asarray(k(**{n: values[n] for n in k.arg_names}), dtype=float)


def run(k, values):
    """k under jax.jit or torch.jit.script, in float64, as NumPy."""
    args = [np.asarray(values[n], dtype=np.float64) for n in k.arg_names]
    if k.backend == "jax":
        jax = need("jax")
        with jax.enable_x64(True):
            return np.asarray(jax.jit(k.fn)(*args))
    torch = need("torch")
    return torch.jit.script(k.fn)(*[torch.as_tensor(a) for a in args]).numpy()


CHECKS = [(name, value) for name, case in SUPPORTED.items() for value in (False, True) if case[4] or not value]


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("name, value", CHECKS, ids=[f"{n}{' (value)' if v else ''}" for n, v in CHECKS])
def test_exported_kernels_equal_the_numba_kernels(name, value, backend):
    need(backend)
    d = derivation(name)
    k = derive.kernel(d, backend=backend, value=value)  # validated when built
    values = instance(name)
    assert set(k.arg_names) == set(values)
    want = reference(name, value, values)
    got = run(k, values)
    assert got.size == want.size, (got.shape, want.shape)
    np.testing.assert_allclose(got.reshape(-1), want.reshape(-1), rtol=1e-9, atol=1e-9 * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("name", list(UNSUPPORTED))
def test_what_cannot_be_exported_is_a_one_line_error(name, backend):
    need(backend)
    f, wrt, kind, symbols, message = UNSUPPORTED[name]
    d = derive.differentiate(f, wrt, kind, symbols=symbols)
    with pytest.raises(derive.DeriveError, match=message) as info:
        derive.kernel(d, backend=backend)
    assert "\n" not in str(info.value)


def test_reads_outside_an_array_are_errors_when_the_kernel_runs():
    """jax clamps an index past the end and Python reads a negative one from the end: the exported
    kernel checks what only the arrays' lengths can tell."""
    jax = need("jax")
    import codegen

    i, N = sympy.Symbol("i", integer=True), sympy.Symbol("N")
    x, y = sympy.IndexedBase("x"), sympy.IndexedBase("y")
    k = codegen.kernel(sympy.Sum(y[i] ** 2, (i, 0, N - 1)) + x[3], [x, y], backend="jax")
    with jax.enable_x64(True):
        assert float(k(np.arange(4.0), np.ones(2))) == 5.0
        with pytest.raises(ValueError, match="x is read at position 3, past the end"):
            k(np.arange(3.0), np.ones(2))
    with pytest.raises(codegen.CodegenError, match="before the start of x"):
        codegen.kernel(sympy.Sum(x[i - 1], (i, 0, N - 1)), [sympy.IndexedBase("x", shape=(N,))], backend="jax")
