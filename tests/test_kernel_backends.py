"""derive.kernel(d, backend=...) honours the backend or says why not: it is never dropped (issue 23, item 3)."""

import numpy as np
import pytest

import derive

RESULTS = {
    "components": ("x**2*y + sin(y)", "x, y", None),
    "matrix notation": ("x.T @ A @ x", "x", "A: n x n, x: n"),
    "index notation": ("sum((y[i] - sum(X[i,j]*w[j], j))**2, i)", "w[k]", None),
    "scalars over data": ("sum((x[i] - mu)**2, i)", "mu", None),
}


@pytest.fixture(scope="module")
def derivations():
    return {name: derive.differentiate(f, wrt, "grad", symbols=symbols) for name, (f, wrt, symbols) in RESULTS.items()}


@pytest.mark.parametrize("name", list(RESULTS))
@pytest.mark.parametrize("options", [{}, {"value": True}])
def test_an_unknown_backend_is_an_error_everywhere(derivations, name, options):
    with pytest.raises(derive.DeriveError, match="unknown backend 'anything'"):
        derive.kernel(derivations[name], backend="anything", **options)


@pytest.mark.parametrize("name, options", [
    ("matrix notation", {}), ("matrix notation", {"value": True}), ("matrix notation", {"fused": True}),
    ("index notation", {}), ("index notation", {"value": True}), ("index notation", {"fused": True}),
    ("scalars over data", {})])
def test_a_loop_kernel_asked_for_numpy_says_it_is_numba(derivations, name, options):
    with pytest.raises(derive.DeriveError, match="backend='numpy' is not available"):
        derive.kernel(derivations[name], backend="numpy", **options)


def test_components_compile_on_numpy_and_numba_alike(derivations):
    d = derivations["components"]
    numpy_kernel = derive.kernel(d, backend="numpy")
    numba_kernel = derive.kernel(d, backend="numba")
    assert numpy_kernel.backend == "numpy" and numba_kernel.backend == "numba"
    x, y = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    expected = np.array([2 * x * y, x**2 + np.cos(y)]).T  # a row per point, a column per entry
    np.testing.assert_allclose(np.asarray(numpy_kernel(x, y)).reshape(expected.shape), expected, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(numba_kernel(x, y)).reshape(expected.shape), expected, rtol=1e-12)
