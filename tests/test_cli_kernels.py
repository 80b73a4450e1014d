"""`derive codegen --what hvp|fused`: the kernels derive.kernel(d, hvp=True | fused=True) validates and
compiles, written as a module where they are one, a one-line error where they are not.  The written files
are imported and called here and compared with NumPy formulas (not with derive's own kernels)."""

import importlib.util
import json
import re

import numpy as np
import pytest

from tests.test_cli import run

LOGISTIC = "sum(softplus(X @ w)) - y.T @ X @ w"
DECLARED = "X: N x d, w: d, y: N"


def _load(path):
    spec = importlib.util.spec_from_file_location(f"written_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def logistic_hvp(tmp_path_factory):
    """One compile for the module: --json with -o writes the file and reports on it."""
    target = tmp_path_factory.mktemp("hvp") / "hvp.py"
    r = run("codegen", LOGISTIC, "--wrt", "w", "--let", DECLARED, "--what", "hvp", "-o", str(target), "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), target


def test_hvp_module_is_the_logistic_hessian_times_v(logistic_hvp):
    out, target = logistic_hvp
    assert out["args"] == ["X", "v", "w", "y"]  # arrays sorted by name, the direction among them
    assert out["shape"] == ["k"] and out["what"] == "hvp"
    # the suite compiles lazily (conftest: DERIVE_COMPILE=lazy), and the kernel says so
    assert out["compile_seconds"] is None and out["compiled_from"].startswith("at the first call")
    assert "symbolic Hessian times the direction" in out["validation"]
    assert target.read_text() == out["source"]

    rng = np.random.default_rng(3)
    X, w, y, v = rng.normal(size=(40, 4)), rng.normal(size=4), rng.integers(0, 2, 40).astype(float), \
        rng.normal(size=4)
    s = 1 / (1 + np.exp(-X @ w))
    expected = (X.T * (s * (1 - s))) @ X @ v  # H = X^T diag(s (1 - s)) X
    kernel = _load(target).kernel
    np.testing.assert_allclose(kernel(X, v, w, y), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(kernel(y=y, w=w, v=v, X=X), expected, rtol=1e-12, atol=1e-12)
    assert np.max(np.abs(kernel(X=X, v=w, w=v, y=y) - expected)) > 1e-3  # swapped by keyword: a different H v


def test_hvp_human_output_names_the_positional_order_keywords_and_compile_time(tmp_path, logistic_hvp,
                                                                             monkeypatch):
    monkeypatch.setenv("DERIVE_COMPILE", "eager")  # what users get: compiled before the CLI reports
    r = run("codegen", LOGISTIC, "--wrt", "w", "--let", DECLARED, "--what", "hvp", "-o", str(tmp_path / "h.py"))
    assert r.returncode == 0, r.stderr
    assert "kernel(X, v, w, y) -> H v, shaped like w" in r.stdout
    assert "by keyword: kernel(X=X, v=v, w=w, y=y)" in r.stdout and "validated:" in r.stdout
    assert re.search(r"compiled here in \d+\.\d\d s: (compiled|disk cache|memory);", r.stdout), r.stdout


def test_fused_module_over_scalar_symbols_gives_f_then_the_gradient(tmp_path):
    target = tmp_path / "fg.py"
    r = run("codegen", "x**2*y + exp(x)", "--wrt", "x,y", "--what", "fused", "-o", str(target))
    assert r.returncode == 0, r.stderr
    assert "kernel(x, y) -> [f, df/dx, df/dy] along the last axis" in r.stdout
    x, y = np.array([0.3, -1.2, 2.0]), np.array([1.5, 0.7, -0.4])
    got = _load(target).kernel(y=y, x=x)
    expected = np.stack([x**2 * y + np.exp(x), 2 * x * y + np.exp(x), x**2], axis=-1)
    np.testing.assert_allclose(got, expected, rtol=1e-13)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["x.T @ inv(A) @ x", "--wrt", "x", "--let", "A: n x n, x: n", "--what", "hvp"],
         "derive.kernel(d, hvp=True)"),
        ([LOGISTIC, "--wrt", "w", "--let", DECLARED, "--what", "fused"], "two loop kernels"),
        (["sum((x[i] - mu)**2*s, i)", "--wrt", "mu,s", "--what", "hvp"], "2 loop kernels"),
        (["x**2*y", "--wrt", "x,y", "--what", "hvp", "--backend", "numpy"], "drop --backend numpy"),
    ],
)
def test_a_kind_that_is_not_one_module_is_a_one_line_error(tmp_path, args, fragment):
    target = tmp_path / "k.py"
    r = run("codegen", *args, "-o", str(target), "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["error"] in r.stderr, (r.stdout, r.stderr)  # --json: JSON too
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error:") and fragment in lines[0], r.stderr
    assert not target.exists()  # never a faked module
