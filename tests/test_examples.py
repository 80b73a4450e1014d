"""The worked examples run headless and reach the lessons' answers."""

import importlib.util

import numpy as np
import pytest

import derive


def load(root, name):
    spec = importlib.util.spec_from_file_location(name, root / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_derivative_vs_finite_difference(root, tmp_path):
    out = load(root, "derivative_vs_finite_difference").main(tmp_path)
    assert out["derivative"]["result"] == [["3*x**2 - 4*x"]]
    assert out["max_abs_difference_vs_rate_of_change"] < 1e-3  # forward difference, dx = 1e-4
    assert (tmp_path / "derivative_vs_finite_difference.png").stat().st_size > 10_000


def test_steepest_ascent(root, tmp_path):
    out = load(root, "steepest_ascent").main(tmp_path)
    assert out["gradient"] == (4.0, 27.0)
    assert abs(out["search_angle"] - out["predicted_angle"]) < 0.1  # the search's resolution
    assert out["search_rate"] == pytest.approx(np.hypot(4, 27), rel=1e-6)
    assert out["buggy"].status == "mismatch" and {e.input for e in out["buggy"].mismatches} == {1}
    assert out["fixed"].ok


def test_jacobians(root):
    out = load(root, "jacobians").main()
    assert out["J_sigmoids"].shape == (3, 2)
    assert out["max_diff"] < 1e-15
    assert out["report"].ok


def test_least_squares_gradient_descent(root, tmp_path):
    out = load(root, "least_squares_gd").main(tmp_path)
    assert out["max_diff_matrix_form"] < 1e-12
    np.testing.assert_allclose(out["x"], out["lstsq"], atol=1e-10)
    assert out["textbook"].status == "correct"  # sum((A@x - b)**2)/2 in matrix notation: A^T (A x - b)
    assert out["ridge"].status == "wrong" and "the term 2*lam*x lost its factor 2" in out["ridge"].explanation


def test_mlp_backprop_check(root):
    out = load(root, "mlp_backprop_check").main()
    buggy = out["buggy"]
    assert buggy.status == "mismatch"
    factors = {p.name: p.factor for p in buggy.parameters}
    assert factors["W3"] == pytest.approx(2.0) and factors["b3"] == pytest.approx(2.0)
    assert all(p.wrong for p in buggy.parameters)  # backprop carries the factor to every layer
    assert out["entry_layer"] == 3
    assert out["per_function"]["dsigmoid"].status == "mismatch"
    assert out["per_function"]["drelu"].ok
    assert out["fixed"].ok
    bias = {p.name: p for p in out["bias_mean"].parameters}
    assert not bias["W1"].wrong and bias["b1"].factor == pytest.approx(1 / out["n_samples"])


def test_check_derivations(root):
    out = load(root, "check_derivations").main()
    v = out["verdicts"]
    assert "2 times" in v["the crash course's dsigmoid"].explanation
    assert "df/dy" in v["its direction field: d/dy y^3 as 2y"].explanation
    assert "symmetric" in v["x^T W x claimed as 2 W x"].explanation
    transposed_factor = v["least squares with a transpose error (A square)"]
    assert transposed_factor.status == "wrong" and "A should be A.T" in transposed_factor.explanation
    assert v["least squares with a transpose error (A is m x n)"].status == "shape"
    assert "j = k" in v["the lab's index-summation trap"].explanation
    assert "y1 + y2 = 1" in v["softmax cross-entropy gradient p - y"].explanation
    assert v["a right answer in another form"].ok
    grades = out["grades"]
    assert (grades.correct, len(grades.results)) == (4, 9)


def test_index_notation(root):
    out = load(root, "index_notation").main()
    assert derive_text(out["quadratic_matrix"]) == "(w + w.T)@x"
    assert "j = k" in out["dropped_term"].explanation
    assert derive_text(out["lsq_grad_matrix"]) == "A.T@(A@x - b)"
    assert derive_text(out["lsq_hess_matrix"]) == "A.T@A"
    assert out["softmax_jacobian_error"] < 1e-15
    for key in ("quadratic_grad", "triple_grad", "triple_hess", "softmax"):
        assert "delta" not in derive_text(out[key]) and "Piecewise" not in str(out[key])


def test_gaussian_mle(root):
    out = load(root, "gaussian_mle").main()
    assert out["max_grad_at_mle"] < 1e-9
    assert out["max_grad_off"] > 1.0
    assert derive.to_text(out["grad_mu_spd"]) == "N*inv(S)@(xbar - mu)"
    assert out["textbook_verdict"].ok and "symmetric positive definite" in out["textbook_verdict"].evidence
    assert out["spd_agrees"] < 1e-9  # the spd form equals the general one at a symmetric S


def test_change_of_variables(root, tmp_path):
    out = load(root, "change_of_variables").main(tmp_path)
    assert str(out["det"]) == "r" and out["total"] == 1
    assert out["radial_error"] < 0.05 and out["lognormal_error"] < 0.05


def test_logistic_kernels(root):
    out = load(root, "logistic_kernels").main(N=5000, d=6)
    assert out["history"][-1][1] < 1e-8  # Newton converged
    assert out["grad_error"] < 1e-9 and out["hess_error"] < 1e-12 and out["matrix_error"] < 1e-12
    assert out["refused"] == "w has length 5 but X has 6 columns (index j)"


def test_scipy_training(root):
    out = load(root, "scipy_training").main(N=1500, d=6)
    assert out["lbfgs"].success and out["newton"].success
    for w in (out["lbfgs"].x, out["newton"].x, out["sklearn"]):
        np.testing.assert_allclose(w, out["numpy"], atol=1e-6)
    assert out["loss"](out["newton"].x) == pytest.approx(out["loss"](out["numpy"]), rel=1e-12)
    assert out["hvp_error"] < 1e-12
    assert out["arg_names"] == (("X", "w", "y", "lam"), ("X", "w", "y", "lam", "v"))


def derive_text(e):
    import derive

    return derive.to_text(e)


def test_svm_kkt(root, tmp_path):
    import sympy

    out = load(root, "svm_kkt").main(tmp_path)
    for name in ("three points", "six points"):
        best = out[name]["best"]
        assert best.value == sympy.Rational(8, 9)
        if out[name]["slsqp"] is not None:
            assert abs(out[name]["slsqp"].fun - 8 / 9) < 1e-6


def test_constrained_optimization(root, tmp_path):
    import sympy

    out = load(root, "constrained_optimization").main(tmp_path)
    assert out["budget"][0].value == 25
    assert out["circle"][0].kind == "min" and out["circle"][1].kind == "max"
    assert out["entropy"][0].value == sympy.log(3)


def test_critical_points_example(root, tmp_path):
    out = load(root, "critical_points").main(tmp_path)
    assert [p.kind for p in out["x**3 - 2*x**2 + 1"]] == ["max", "min"]
    assert len(out["log(x)"]) == 0



def test_sympy_objects(root):
    import sympy

    out = load(root, "sympy_objects").main()
    assert out["same"] and out["users_symbols"]
    assert out["verdict"].ok
    assert out["at_kink"].undefined == ((0, 0),) and out["at_kink"].exact[1, 0] == 0  # df/dy = x/2 at x = 0
    assert list(out["away"].exact) == [1, sympy.Rational(1, 2)] and not out["away"].undefined
    assert "'t'" in out["clash"]


def test_check_steps(root):
    out = load(root, "check_steps").main()
    text = out["text"]
    assert [line.status for line in text.lines] == ["ok", "ok", "ok", "wrong", "wrong", "ok"]
    assert text.first_error == 3 and text.lines[3].mistake == "factor"
    assert [line.status for line in out["sympy"].lines] == ["ok", "ok", "wrong"]
    assert out["sympy"].lines[2].mistake == "missing_term"
    if out["latex"] is not None:
        assert out["latex"].first_error == 2 and out["latex"].lines[2].mistake == "sign"
