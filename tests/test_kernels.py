"""Generated kernels: equal to SymPy at random points, broadcast like ufuncs, cached on disk."""

import ast
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy
from sympy import (Abs, Heaviside, Max, Min, Piecewise, Rational, atan2, cos, erf, exp, factorial, gamma, log,
                   sign, sin, sqrt, tanh)

import codegen
from codegen import CodegenError
from derive.text.functions import sigmoid, softplus

x, y = sympy.symbols("x y", real=True)

SUITE = sympy.Matrix([
    x**2 * y + sin(x * y),
    exp(-x) * cos(3 * y) / (1 + x**2),
    log(x) + sqrt(x) + x ** Rational(2, 3) + x ** -3,
    Piecewise((x * y, y > 0), (y**2 - x, True)),
    Max(x, y, Rational(1, 2)) - Min(x, -y),
    Abs(y) * sign(y - 0.25) + Heaviside(y - x),
    sigmoid(x * y - 1) + softplus(3 * y),
    softplus(-40 * x) + softplus(40 * x),  # the stable form: no overflow
    erf(y) + gamma(x + 1) - factorial(x),
    atan2(y, x) + tanh(x - y),
    Rational(1, 3) * x + 0.1 * y + sympy.pi,
])


def random_points(n=20, seed=3):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 2.0, n), rng.uniform(-2.0, 2.0, n)


def sympy_values(xs, ys):
    rows = []
    for a, b in zip(xs, ys):
        subs = {x: sympy.Float(a, 30), y: sympy.Float(b, 30)}
        rows.append([float(e.evalf(30, subs=subs)) for e in SUITE])
    return np.array(rows)


@pytest.fixture(scope="module")
def numba_suite():
    return codegen.kernel(SUITE, [x, y], backend="numba")


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_kernels_equal_sympy_to_1e12(backend, numba_suite):
    k = numba_suite if backend == "numba" else codegen.kernel(SUITE, [x, y], backend="numpy")
    xs, ys = random_points()
    got = k(xs, ys)[:, :, 0]
    want = sympy_values(xs, ys)
    assert got.shape == want.shape == (len(xs), SUITE.shape[0])
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-100)  # exact zeros: absolute 1e-112
    assert np.max(rel) < 1e-12, (np.argmax(np.max(rel, axis=0)), np.max(rel))


def test_kernels_broadcast_like_ufuncs(numba_suite):
    out = numba_suite(np.linspace(0.5, 1.5, 4)[:, None], np.linspace(-1, 1, 5)[None, :])
    assert out.shape == (4, 5, SUITE.shape[0], 1)
    assert numba_suite(0.7, -0.3).shape == (SUITE.shape[0], 1)
    assert isinstance(numba_suite.ufunc(0.7, -0.3, np.empty(SUITE.shape[0])), np.ndarray)  # a real gufunc


def test_scalar_kernel_is_a_ufunc():
    k = codegen.kernel(sigmoid(x) * y, [x, y], backend="numba")
    assert k.shape == ()
    np.testing.assert_allclose(k(np.array([0.0, 1.0]), 2.0), [1.0, 2 / (1 + np.exp(-1))], rtol=1e-15)
    assert hasattr(k.ufunc, "reduce")  # numba DUFunc: a NumPy ufunc
    assert k(x=0.0, y=2.0) == pytest.approx(1.0)


def test_numpy_kernel_takes_complex_input_for_complex_step():
    k = codegen.kernel(sin(x) * exp(y), [x, y], backend="numpy")
    h = 1e-30
    assert (k(0.3 + 1j * h, 0.2).imag / h) == pytest.approx(np.cos(0.3) * np.exp(0.2), rel=1e-14)


def test_cse_shrinks_a_six_variable_hessian():
    v = sympy.symbols("v0:6", real=True)
    f = sympy.log(1 + sum(exp(a * b) for a, b in zip(v, v[1:]))) * sigmoid(sum(v))
    H = sympy.hessian(f, v)
    with_cse = codegen.kernel_source(H, v, backend="numba")
    without = codegen.kernel_source(H, v, backend="numba", cse=False)
    assert len(with_cse) < len(without) / 4


def test_standalone_module_depends_only_on_numpy_and_numba(tmp_path):
    source = codegen.kernel_source(sympy.Matrix([x * y, exp(x)]), [x, y], backend="numba")
    imports = {n.names[0].name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Import)}
    imports |= {n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)}
    assert imports <= {"math", "numpy", "numba"}
    path = tmp_path / "mod.py"
    path.write_text(source)
    code = f"import importlib.util as u; s=u.spec_from_file_location('m', {str(path)!r}); m=u.module_from_spec(s); " \
           "s.loader.exec_module(m); print(m.kernel(2.0, 3.0).ravel().tolist())"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str([6.0, float(np.exp(2.0))])


def test_second_process_reuses_the_compiled_kernel(tmp_path):
    """Numba's on-disk cache: the second process loads, it does not compile."""
    script = textwrap.dedent("""
        import sympy, codegen
        x, y = sympy.symbols("x y")
        k = codegen.kernel(sympy.Matrix([sympy.sin(x) * y, x ** 3]), [x, y], backend="numba")
        print(k(1.0, 2.0).ravel().tolist())
    """)
    env = dict(os.environ, DERIVE_CACHE_DIR=str(tmp_path), NUMBA_DEBUG_CACHE="1")
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
            for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
    first, second = (r.stdout + r.stderr for r in runs)
    assert "data saved" in first
    assert "data loaded" in second and "data saved" not in second


def test_bad_inputs():
    with pytest.raises(CodegenError, match="not text"):
        codegen.kernel("x + y", [x, y])
    with pytest.raises(CodegenError, match="not kernel arguments: y"):
        codegen.kernel(x + y, [x])
    with pytest.raises(CodegenError, match="unknown backend"):
        codegen.kernel(x, [x], backend="cuda")
    with pytest.raises(CodegenError, match="imaginary"):
        codegen.kernel(sympy.I * x, [x], backend="numpy")
    with pytest.raises(CodegenError, match="takes 2 arguments"):
        codegen.kernel(x * y, [x, y], backend="numpy")(1.0)


def test_unsafe_symbol_names_are_renamed():
    odd = [sympy.Symbol("max"), sympy.Symbol("a b"), sympy.Symbol("_t0"), sympy.Symbol("lambda")]
    k = codegen.kernel(sum(odd), odd, backend="numpy")
    assert k(1.0, 2.0, 3.0, 4.0) == pytest.approx(10.0)
    compile(k.source, "k", "exec")


def test_every_function_of_the_parser_compiles_and_matches_sympy():
    """The printers cover the parser's whole function table (both backends)."""
    from derive import parse
    from derive.text.functions import FUNCTIONS

    calls = {
        "exp": "exp(x)", "log": "log(x) + log(x, 2)", "ln": "ln(x)", "sqrt": "sqrt(x)", "sin": "sin(x)",
        "cos": "cos(x)", "tan": "tan(x)", "asin": "asin(x)", "acos": "acos(x)", "atan": "atan(x)",
        "atan2": "atan2(y, x)", "sinh": "sinh(x)", "cosh": "cosh(x)", "tanh": "tanh(x)", "asinh": "asinh(y)",
        "acosh": "acosh(1 + x)", "atanh": "atanh(x)", "sigmoid": "sigmoid(y)", "softplus": "softplus(y)",
        "relu": "relu(y)", "abs": "abs(y)", "sign": "sign(y)", "heaviside": "heaviside(y)",
        "dirac": "dirac(y - 7)", "max": "max(x, y, 0.5)", "min": "min(x, y)", "where": "where(y > x, x, y**2)",
        "floor": "floor(3*y)", "ceil": "ceil(3*y)", "erf": "erf(y)", "erfc": "erfc(y)", "gamma": "gamma(x)",
        "loggamma": "loggamma(x)", "lgamma": "lgamma(1 + x)", "factorial": "factorial(x)",
        "digamma": "digamma(x)", "polygamma": "polygamma(1, x)",
    }
    assert set(calls) == set(FUNCTIONS)
    X, Y = sympy.symbols("x y")  # what parse gives for text on its own
    exprs = sympy.Matrix([parse(calls[name]) for name in sorted(calls)])
    rng = np.random.default_rng(11)
    xs, ys = rng.uniform(0.2, 0.9, 12), rng.uniform(-2, 2, 12)
    want = np.array([[float(e.evalf(30, subs={X: sympy.Float(a, 30), Y: sympy.Float(b, 30)})) for e in exprs]
                     for a, b in zip(xs, ys)])
    for backend in ("numpy", "numba"):
        got = codegen.kernel(exprs, [X, Y], backend=backend)(xs, ys)[:, :, 0]
        rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-100)
        worst = int(np.argmax(np.max(rel, axis=0)))
        assert np.max(rel) < 1e-12, (backend, sorted(calls)[worst], np.max(rel))


# ---------------------------------------------------------------------------
# stable forms: what users write, computed without overflow or cancellation


def _reference(expr, z, values):
    """expr at each value in 1500-digit arithmetic (exp(-1000) next to 1 needs 435 digits)."""
    import mpmath

    with mpmath.workdps(1500):
        f = sympy.lambdify(z, expr.rewrite(exp), "mpmath")
        return np.array([float(f(mpmath.mpf(v))) for v in values])


Z = sympy.Symbol("z", real=True)
ZS = np.concatenate([np.linspace(-1000, 1000, 41), [-800, -745, -710, -30, -1e-7, 0.0, 1e-7, 1e-3, 30, 37, 710]])
STABLE_FORMS = {
    "log(1 + exp(z))": log(1 + exp(Z)),
    "-log(sigmoid(z))": -log(sigmoid(Z)),
    "log(1 - sigmoid(z))": log(1 - sigmoid(Z)),
    "1/(1 + exp(-z))": 1 / (1 + exp(-Z)),
    "exp(z)/(1 + exp(z))": exp(Z) / (1 + exp(Z)),
}


@pytest.mark.parametrize("name", list(STABLE_FORMS))
def test_ml_forms_are_stable_in_value_and_derivatives(name):
    """Both backends, at z in [-1000, 1000], values and first and second derivatives
    agree with high-precision arithmetic to 1e-12 (relative; tiny values included)."""
    f = STABLE_FORMS[name]
    for order in range(3):
        d = sympy.diff(f, Z, order) if order else f
        want = _reference(d, Z, ZS)
        for backend in ("numba", "numpy"):
            got = codegen.kernel(d, [Z], backend=backend)(ZS)
            rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
            assert np.all(np.isfinite(got)) and np.max(rel) < 1e-12, (name, order, backend, ZS[np.argmax(rel)])


def test_text_forms_compile_to_their_stable_versions():
    from derive import parse

    source = codegen.kernel_source(parse("log(1 + exp(z)) - log(sigmoid(z))"), [sympy.Symbol("z")])
    assert "log1p" in source and "math.log(" not in source
    k = codegen.kernel(parse("log(1 + exp(z))"), [sympy.Symbol("z")], backend="numpy")
    assert k(1000.0) == 1000.0 and k(-1000.0) == 0.0


def test_log_sum_exp_is_max_shifted():
    a, b = sympy.symbols("a b", real=True)
    f = log(exp(a) + exp(b) + 1)
    points = [(1000.0, 999.0), (-1000.0, 2.0), (700.0, -700.0), (0.5, -0.25)]
    for order, expr in enumerate([f, sympy.diff(f, a)]):
        for backend in ("numba", "numpy"):
            kern = codegen.kernel(expr, [a, b], backend=backend)
            for p in points:
                want = float(_reference(expr.subs(b, p[1]), a, [p[0]])[0])
                # max-shifted: accurate to the size of the largest term
                assert kern(*p) == pytest.approx(want, rel=1e-14, abs=1e-15 * max(1.0, abs(max(p)))), (order, p)


def test_ten_term_log_sum_exp_hessian_is_shifted_and_exact():
    """The shift is one unevaluated max of all ten exponents (SymPy's Max compared every
    pair symbolically: 10 s); the Hessian diag(p) - p p^T holds where exp overflows."""
    from codegen.printing.rewrite import ShiftMax, stable

    xs = sympy.symbols("x0:10", real=True)
    f = log(sum(exp(x) for x in xs))
    shifted = stable(f)
    maxes = list(shifted.atoms(ShiftMax))
    assert len(maxes) == 1 and set(maxes[0].args) == set(xs)
    H = sympy.hessian(f, xs)
    point = np.array([1000.0, 999.0, -1000.0, 3.0, 998.5, 0.0, -2.0, 1000.0, 750.0, 1.0])
    p = np.exp(point - point.max())
    p /= p.sum()
    want = np.diag(p) - np.outer(p, p)
    for backend in ("numba", "numpy"):
        got = codegen.kernel(H, list(xs), backend=backend)(*point)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)


def test_loop_kernels_use_the_stable_forms_too():
    from derive import Namespace, grad, parse

    ns = Namespace()
    f = parse("sum(log(1 + exp(z[i])) - log(sigmoid(z[i])), i)", ns)
    z = ns.names["z"]
    g = grad(f, "z[k]", symbols=ns)
    zs = np.linspace(-1000, 1000, 101)
    value = codegen.kernel(f, [z])(zs)
    want = np.sum(np.logaddexp(0, zs) + np.logaddexp(0, -zs))
    assert value == pytest.approx(want, rel=1e-14)
    from scipy.special import expit

    gk = codegen.kernel(g, [z], index=ns.names["k"])(zs)
    np.testing.assert_allclose(gk, expit(zs) - expit(-zs), rtol=1e-14, atol=1e-300)
    lse = parse("log(sum(exp(z[i]), i))", ns)
    assert codegen.kernel(lse, [z])(zs) == pytest.approx(1000 + np.log1p(np.exp(-20.0)), rel=1e-15)
    soft = grad(lse, "z[k]", symbols=ns)
    np.testing.assert_allclose(codegen.kernel(soft, [z], index=ns.names["k"])(zs),
                               np.exp(zs - 1000) / np.sum(np.exp(zs - 1000)), rtol=1e-13, atol=1e-300)


def test_softmax_cross_entropy_as_written_compiles_stably():
    """log(exp(z1)/(exp(z1) + exp(z2))): the homework sheet's form, at logits that overflow exp."""
    from derive import parse

    f = parse("-(y1*log(exp(z1)/(exp(z1) + exp(z2))) + y2*log(exp(z2)/(exp(z1) + exp(z2))))")
    syms = sorted(f.free_symbols, key=str)
    z1 = syms[2]
    for expr in (f, sympy.diff(f, z1)):
        for backend in ("numba", "numpy"):
            kern = codegen.kernel(expr, syms, backend=backend)
            for z in ((800.0, -800.0), (0.3, -1.2), (-1000.0, 1000.0)):
                want = float(_reference(expr.subs({syms[0]: 1, syms[1]: 0, syms[3]: z[1]}), z1, [z[0]])[0])
                assert kern(1.0, 0.0, *z) == pytest.approx(want, rel=1e-12, abs=1e-12 * max(1, abs(want)))
