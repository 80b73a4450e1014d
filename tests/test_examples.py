"""The worked examples run headless and reach the lessons' answers."""

import importlib.util

import numpy as np
import pytest


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
