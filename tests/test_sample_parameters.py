"""Scalar parameters inside index sums: the derivatives of every maximum-likelihood
derivation (issue 19 item 1), from text, SymPy `Sum`s and both mixed.

Each answer is compared with an independent reference: NumPy's value of the
textbook formula at random data (not derive's own evaluation)."""

import numpy as np
import pytest
import sympy as sp

import derive

RNG = np.random.default_rng(19)
DATA = RNG.normal(1.0, 2.0, 7)
COUNTS = RNG.poisson(3.0, 7).astype(float)
LABELS = RNG.integers(0, 2, 7).astype(float)


def at_data(expr, arrays, scalars):
    """`expr` (index notation) at concrete data: sizes from the arrays, sums written out."""
    expr = sp.S(expr)  # a SymPy object from derive (or a number), never user text
    sizes = {s: len(next(iter(arrays.values()))) for s in expr.free_symbols
             if s.is_integer and s.name in ("n", "N")}
    expr = expr.subs(sizes).doit()
    values = {}
    for e in expr.atoms(sp.Indexed):
        values[e] = arrays[str(e.base.label)][tuple(int(i) for i in e.indices)]
    for s in expr.free_symbols:
        if s.name in scalars:
            values[s] = scalars[s.name]
    return float(expr.xreplace(values).evalf())


def one(d):
    return d.result[0, 0] if isinstance(d.result, sp.MatrixBase) else d.result


# ---------------------------------------------------------------------------- Gaussian


def test_gaussian_mean_text():
    d = derive.differentiate("sum((x[i] - mu)**2, i)", "mu")
    assert d.report.ok
    assert np.isclose(at_data(one(d), {"x": DATA}, {"mu": 0.3}), -2 * np.sum(DATA - 0.3))
    assert "sum(x[i] - mu, i)" in str(d)  # the textbook form, data first


def test_gaussian_mean_declared_vector():
    """x declared as a vector: x[i] is still index notation (today: a foreign matrix error)."""
    d = derive.differentiate("sum((x[i] - mu)**2, i)", "mu", symbols="x: n")
    assert np.isclose(at_data(one(d), {"x": DATA}, {"mu": -1.2}), -2 * np.sum(DATA + 1.2))


def test_gaussian_second_derivative_is_a_count():
    d = derive.differentiate("sum((x[i] - mu)**2, i)", "mu", "hessian")
    assert one(d) == 2 * sp.Symbol("n", integer=True, positive=True)


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
def test_gaussian_mean_and_sigma(form):
    text = "sum(-log(2*pi*sigma**2)/2 - (x[i] - mu)**2/(2*sigma**2), i)"
    x, i = sp.IndexedBase("x"), sp.Symbol("i", integer=True)
    N = sp.Symbol("N", integer=True, positive=True)
    mu, sigma = sp.Symbol("mu"), sp.Symbol("sigma", positive=True)
    sympy_f = sp.Sum(-sp.log(2 * sp.pi * sigma**2) / 2 - (x[i] - mu)**2 / (2 * sigma**2), (i, 0, N - 1))
    f, wrt = {"text": (text, "mu sigma"), "sympy": (sympy_f, [mu, sigma]), "mixed": (sympy_f, "mu, sigma")}[form]
    g = derive.grad(f, wrt)
    m, s = 0.4, 1.7
    assert np.isclose(at_data(g[0], {"x": DATA}, {"mu": m, "sigma": s}), np.sum(DATA - m) / s**2)
    assert np.isclose(at_data(g[1], {"x": DATA}, {"mu": m, "sigma": s}),
                      -len(DATA) / s + np.sum((DATA - m) ** 2) / s**3)


@pytest.mark.parametrize("wrt", ["sigma^2", "sigma**2", "mu, sigma^2"])
def test_variance_as_the_variable(wrt):
    """d/d(sigma^2): the textbook's variable (today a foreign PolificationFailed)."""
    f = "sum(-log(2*pi*sigma^2)/2 - (x[i] - mu)^2/(2*sigma^2), i)"
    g = derive.grad(f, wrt)
    m, s = 0.4, 1.7
    want = -len(DATA) / (2 * s**2) + np.sum((DATA - m) ** 2) / (2 * s**4)
    assert np.isclose(at_data(g[-1], {"x": DATA}, {"mu": m, "sigma": s}), want)


def test_variance_as_a_sympy_power():
    sigma, mu = sp.Symbol("sigma", positive=True), sp.Symbol("mu")
    x = sp.Symbol("x")
    d = derive.differentiate(-sp.log(sigma**2) / 2 - (x - mu) ** 2 / (2 * sigma**2), sigma**2)
    assert sp.simplify(one(d) - (-1 / (2 * sigma**2) + (x - mu) ** 2 / (2 * sigma**4))) == 0
    assert "d(sigma**2)" in str(d)
    value = d.at({"sigma": 2, "x": 1, "mu": 0})
    assert value.exact[0, 0] == sp.Rational(-3, 32)  # -1/8 + 1/32


def test_variance_wrt_rejects_other_expressions():
    with pytest.raises(derive.DeriveError, match="power of a variable"):
        derive.grad("x**2 + y", "x*y")


# ---------------------------------------------------------------------------- Poisson, Bernoulli, bias


def test_poisson_rate():
    d = derive.differentiate("sum(x[i]*log(lam) - lam - log(factorial(x[i])), i)", "lam")
    assert np.isclose(at_data(one(d), {"x": COUNTS}, {"lam": 2.5}), np.sum(COUNTS) / 2.5 - len(COUNTS))
    h = derive.hessian("sum(x[i]*log(lam) - lam - log(factorial(x[i])), i)", "lam")
    assert np.isclose(at_data(h[0], {"x": COUNTS}, {"lam": 2.5}), -np.sum(COUNTS) / 2.5**2)


def test_bernoulli_probability_reads_as_a_textbook():
    d = derive.differentiate("sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)", "p")
    assert derive.to_text(one(d)) == "sum(y[i] - p, i)/(p*(1 - p))"
    assert np.isclose(at_data(one(d), {"y": LABELS}, {"p": 0.3}),
                      np.sum(LABELS / 0.3 - (1 - LABELS) / 0.7))


def test_bias_inside_a_row_sum_has_a_free_index():
    """sum(w[j]*x[i, j] + b, j) with i free: d/db is the number of terms."""
    d = derive.differentiate("sum(w[j]*x[i,j] + b, j)", "b")
    assert d.report.ok
    assert one(d) == sp.Symbol("n", integer=True, positive=True)


def test_array_name_as_wrt_means_its_element():
    """wrt the array w (not its label as a scalar, which gave a silent 0)."""
    d = derive.differentiate("sum(w[j]*x[i,j] + b, j)", "w")
    assert d.notation == "index"
    assert derive.to_text(d.result) == "x[i, k]"


def test_wrong_derivative_cannot_pass_the_check():
    """The instance check is what stands behind every answer: a wrong one is refused."""
    from derive.validation.samples import verify_sample

    f = derive.parse("sum((x[i] - mu)**2, i)")
    mu = next(s for s in f.free_symbols if s.name == "mu")
    ns = derive.Namespace()
    wrong = sp.Matrix([[-sp.Sum(next(iter(f.atoms(sp.Indexed))) - mu, *f.limits)]])  # the factor 2 missing
    with pytest.raises(derive.ValidationError):
        verify_sample(sp.Matrix([f]), (mu,), wrong, ns)


# ---------------------------------------------------------------------------- steps and kernels


def test_steps_of_a_sample_derivative_are_checked():
    d = derive.differentiate("sum((x[i] - mu)**2, i)", "mu")
    rules = [s.rule for s in d.steps]
    assert rules[0] == "sum rule" and "chain rule" in rules
    assert all(s.checked for s in d.steps)


@pytest.mark.slow
def test_sample_derivatives_compile():
    d = derive.differentiate("sum(-log(2*pi*sigma**2)/2 - (x[i] - mu)**2/(2*sigma**2), i)", "mu sigma")
    k = derive.kernel(d)
    m, s = 0.5, 1.5
    got = k(DATA, m, s).ravel()
    assert np.allclose(got, [np.sum(DATA - m) / s**2, -len(DATA) / s + np.sum((DATA - m) ** 2) / s**3])
