"""Pictures of results: what each figure draws, headless, returned or written."""

import numpy as np
import pytest

import derive
from derive.present.figures import checker_step


def test_derivation_plot_1d_draws_f_f_prime_and_the_checkers_estimates():
    d = derive.differentiate("x**3 - 2*x**2 + 1", "x")
    fig = d.plot()
    left, right = fig.axes
    labels = [line.get_label() for line in left.get_lines()]
    assert "f" in labels and "f' = 3*x**2 - 4*x" in labels
    dots = next(line for line in left.get_lines() if line.get_label().startswith("finite differences"))
    xs, ys = dots.get_data()
    np.testing.assert_allclose(ys, 3 * xs**2 - 4 * xs, rtol=1e-8, atol=1e-8)  # the estimates sit on f'
    assert right.get_xscale() == "log" and right.get_yscale() == "log"


def test_v_curve_has_truncation_and_roundoff_and_marks_the_checkers_step():
    d = derive.differentiate("sin(3*x)", "x")
    fig = d.plot(at={"x": 0.7})
    right = fig.axes[1]
    central = next(line for line in right.get_lines() if line.get_label() == "central difference")
    h, err = central.get_data()
    smallest = np.argmin(err)
    assert 1e-7 < h[smallest] < 1e-3  # the bottom of the V: truncation h^2 meets round-off eps/h
    assert err[0] > 100 * err[smallest] and err[-1] > 100 * err[smallest]  # both arms rise
    marked = next(line for line in right.get_lines() if line.get_label().startswith("the checker's step"))
    step = marked.get_xdata()[0]
    assert h[0] < step < h[-1]
    at_step = err[np.argmin(np.abs(np.log(h) - np.log(step)))]
    star = next(line for line in right.get_lines() if line.get_label().startswith("its Richardson"))
    # at its step, the checker's extrapolated estimate beats the plain difference there and is
    # about as good as the best plain difference anywhere on the V
    assert star.get_ydata()[0] < at_step / 10 and star.get_ydata()[0] < 100 * err[smallest]


def test_checker_step_uses_the_entrys_own_step_when_it_has_one():
    class Entry:
        step = 0.125

    assert checker_step(lambda v: np.array([v[0] ** 2]), np.array([1.0]), 0, Entry()) == 0.125
    h = checker_step(lambda v: np.array([np.sin(3 * v[0])]), np.array([0.7]), 0, object())
    assert 0 < h <= 1.0 and np.log2(h) == int(np.log2(h))  # a step of the ladder 1, 1/2, 1/4, ...


def test_gradient_field_in_2d():
    d = derive.differentiate("x**2 + y**3", "x y")
    fig = d.plot(at={"x": 1, "y": -0.5})
    left = fig.axes[0]
    assert left.get_xlabel() == "x" and left.get_ylabel() == "y"
    quivers = [c for c in left.collections if type(c).__name__ == "Quiver"]
    assert len(quivers) == 2  # symbolic arrows and the checker's estimates


def test_many_variables_show_every_entry_and_parameters_default_to_one():
    d = derive.differentiate("sigmoid(w*x + b*c)", "w b c")
    fig = d.plot()
    assert "x = 1" in fig._suptitle.get_text()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["w", "b", "c"]


def test_plot_writes_a_file(tmp_path):
    path = derive.differentiate("log(x)", "x").plot(tmp_path / "log.png")
    assert path.stat().st_size > 20_000 and path.read_bytes()[:4] == b"\x89PNG"


def test_matrix_notation_plot_is_refused_clearly():
    d = derive.differentiate("x.T @ A @ x", "x", symbols="A: n x n, x: n")
    with pytest.raises(derive.DeriveError, match="scalar variables"):
        d.plot()


def test_critical_points_plot_marks_each_kind():
    found = derive.critical_points("x**3 - 3*x + y**3 - 3*y")
    ax = found.plot().axes[0]
    marked = {line.get_label(): line.get_data() for line in ax.get_lines() if not line.get_label().startswith("_")}
    assert set(marked) == {"min", "max", "saddle"}
    assert tuple(float(v[0]) for v in marked["min"]) == (1.0, 1.0)
    assert tuple(float(v[0]) for v in marked["max"]) == (-1.0, -1.0)
    one_d = derive.critical_points("x**3 - 2*x**2 + 1").plot().axes[0]
    assert {line.get_label() for line in one_d.get_lines()} >= {"max", "min"}
    with pytest.raises(derive.DeriveError, match="one or two variables"):
        derive.critical_points("x**2 + y**2 + z**2").plot()


def test_kkt_plot_shows_the_optimum_and_the_active_constraints():
    problem = derive.kkt("a**2 + b**2", "a b c", st=["-c >= 1", "a + 2*b + c >= 1", "2*a + b + c >= 1"])
    fig = problem.plot()
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "a + 2*b + c >= 1  (active, mu2 = 4/9)" in legend
    assert "2*a + b + c >= 1  (active, mu3 = 4/9)" in legend
    assert any(t.startswith("min: f = 8/9 at a = 2/3, b = 2/3") for t in legend)
    assert "slice c = -1" in ax.get_title()
    star = next(line for line in ax.get_lines() if line.get_marker() == "*")
    np.testing.assert_allclose([star.get_xdata()[0], star.get_ydata()[0]], [2 / 3, 2 / 3])


def test_kkt_plot_of_a_solution_and_an_inactive_constraint(tmp_path):
    solution = derive.kkt("(x-2)**2 + (y-1)**2", "x y", st=["x + y <= 2", "x >= 0", "y >= 0"]).solve()
    ax = solution.plot().axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "x + y <= 2  (active, mu1 = 1)" in legend and "x >= 0  (inactive, mu2 = 0)" in legend
    assert solution.plot(tmp_path / "k.svg").read_text().startswith("<?xml")


def test_figures_show_themselves_in_jupyter():
    fig = derive.critical_points("x**2 - y**2").plot()
    assert fig._repr_png_()[:4] == b"\x89PNG"


def test_show_the_work_example(root, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("show_the_work", root / "examples" / "show_the_work.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(tmp_path)
    verdicts = out["verdicts"]
    assert verdicts["the direction field's fy = 2y"].step.text == "power rule: d/dy(y**3) = 3*y**2; the claim has 2*y"
    assert verdicts["a transpose lost in least squares"].step.step.rule == "identification"
    assert "hits both x[i] and x[j]" in verdicts["the lab's dropped index term"].step.text
    assert [s.rule for s in out["steps"]["x.T @ A @ x"]][-1] == "identification"
    for path in out["plots"].values():
        assert path.stat().st_size > 30_000
