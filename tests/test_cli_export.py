"""`derive codegen --backend jax|torch`: the module derive.kernel(d, backend=...) builds and validates,
written with -o, imported here and called on random arrays, and compared with NumPy formulas written by
hand (not with derive's own kernels); the --json keys; and the one-line errors."""

import contextlib
import importlib
import importlib.util
import json

import numpy as np
import pytest

from tests.support.extras import need
from tests.test_cli import run, run_process

LOGISTIC = "sum(softplus(X @ w)) - y.T @ X @ w"
RIDGE = "norm(X @ w - y)**2 + lam*norm(w)**2"
DECLARED = "X: N x d, w: d, y: N"


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _logistic_grad(X, w, y):
    return X.T @ (_sigmoid(X @ w) - y)


def _logistic_hessian(X, w, y):
    s = _sigmoid(X @ w)
    return X.T @ np.diag(s * (1 - s)) @ X


def _ridge(X, w, y, lam):
    return np.sum((X @ w - y) ** 2) + lam * np.sum(w ** 2)


# (what, f, the module's arguments, the NumPy formula of the same arguments)
CASES = [
    ("grad", LOGISTIC, ["X", "w", "y"], _logistic_grad),
    ("hessian", LOGISTIC, ["X", "w", "y"], _logistic_hessian),
    ("hvp", LOGISTIC, ["X", "w", "y", "v"], lambda X, w, y, v: _logistic_hessian(X, w, y) @ v),
    ("value", RIDGE, ["X", "w", "y", "lam"], _ridge),
]


def _load(path):
    spec = importlib.util.spec_from_file_location(f"written_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _float64(backend):
    """A context in which the framework computes in float64 (JAX's default is float32)."""
    if backend == "torch":
        return contextlib.nullcontext()
    jax = need("jax")
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    return importlib.import_module("jax.experimental").enable_x64(True)  # older jax has it only there


def _arrays(names, rng):
    N, d = 30, 4
    shapes = {"X": (N, d), "w": (d,), "y": (N,), "v": (d,)}
    values = {n: rng.normal(size=shapes[n]) for n in names if n != "lam"}
    values["y"] = rng.integers(0, 2, N).astype(float)
    return {**values, "lam": 0.7}


def _call(backend, kernel, values):
    framework = need(backend)
    with _float64(backend):
        if backend == "jax":
            out = kernel(*(framework.numpy.asarray(a) for a in values))
        else:
            out = kernel(*(framework.as_tensor(a, dtype=framework.float64) for a in values))
        return np.asarray(out, dtype=float)


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("what, f, names, formula", CASES, ids=[c[0] for c in CASES])
def test_written_module_computes_the_formula(backend, what, f, names, formula, tmp_path):
    need(backend)
    target = tmp_path / f"{what}_{backend}.py"
    r = run("codegen", f, "--wrt", "w", "--let", DECLARED, "--what", what, "--backend", backend,
            "-o", str(target))
    assert r.returncode == 0, r.stderr
    assert f"kernel({', '.join(names)})" in r.stdout and f"wrote {target}" in r.stdout
    module = _load(target)
    assert list(module.ARGS) == names
    for seed in (7, 8):
        values = _arrays(names, np.random.default_rng(seed))
        got = _call(backend, module.kernel, [values[n] for n in names])
        np.testing.assert_allclose(got, formula(*(values[n] for n in names)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_scalar_gradient_module(backend, tmp_path):
    need(backend)
    target = tmp_path / "scalar.py"
    r = run("codegen", "x**2*y + exp(x)", "--wrt", "x,y", "--what", "grad", "--backend", backend, "-o", str(target))
    assert r.returncode == 0, r.stderr
    x, y = np.array([0.5, -1.0, 2.0]), np.array([3.0, 0.25, -2.0])
    got = _call(backend, _load(target).kernel, [x, y])
    np.testing.assert_allclose(got.reshape(3, 2), np.stack([2 * x * y + np.exp(x), x ** 2], axis=-1), rtol=1e-12)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_json_has_the_numba_paths_keys(backend, tmp_path):
    need(backend)
    target = tmp_path / "h.py"
    r = run("codegen", LOGISTIC, "--wrt", "w", "--let", DECLARED, "--what", "hessian", "--backend", backend,
            "-o", str(target), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"what", "backend", "args", "shape", "output", "source"}
    assert out["what"] == "hessian" and out["backend"] == backend and out["args"] == ["X", "w", "y"]
    assert len(out["shape"]) == 2  # one name per output axis, as the numba path's loop kernels
    assert out["output"] == str(target) and target.read_text() == out["source"]
    assert f"import {backend}" in out["source"]


def test_without_output_prints_an_importable_module(tmp_path):
    need("torch")
    r = run("codegen", RIDGE, "--let", DECLARED, "--what", "value", "--backend", "torch")
    assert r.returncode == 0, r.stderr
    target = tmp_path / "printed.py"
    target.write_text(r.stdout)
    values = _arrays(["X", "w", "y", "lam"], np.random.default_rng(1))
    got = _call("torch", _load(target).kernel, [values[n] for n in ("X", "w", "y", "lam")])
    np.testing.assert_allclose(got, _ridge(**values), rtol=1e-12)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--what", "grad", "--backend", "jax", "--parallel"], "drop --parallel"),
        (["--what", "fused", "--backend", "jax"], "derive.autograd_function(f, wrt, backend='jax')"),
        (["--what", "fused", "--backend", "torch"], "torch.func.grad_and_value"),
    ],
)
def test_what_a_framework_module_cannot_be_is_one_line(args, fragment):
    r = run("codegen", LOGISTIC, "--wrt", "w", "--let", DECLARED, *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error:") and fragment in lines[0], r.stderr
    assert r.stdout == ""


def test_an_unknown_backend_is_refused_by_argparse():
    r = run_process("codegen", "x**2", "--backend", "tensorflow")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "invalid choice: 'tensorflow'" in lines[0], r.stderr
