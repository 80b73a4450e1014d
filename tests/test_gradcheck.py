"""codegen.gradcheck on the anchor failures of torch/JAX/SciPy checkers (DESIGN.md)."""

import json
import math

import numpy as np
import pytest

import codegen
from codegen import CodegenError, gradcheck

X3 = np.array([0.7, -1.3, 2.1])


def check(f, df, x, expect, **kw):
    report = gradcheck(f, df, x, **kw)
    assert report.status == expect, str(report)
    assert report.ok == (expect == "ok")
    return report


# --- large offset: fixed absolute steps false-alarm here --------------------
def test_large_offset_correct_gradient_is_ok():
    check(lambda x: 1e10 + np.sum(x**2), lambda x: 2 * x, X3, "ok")


def test_large_offset_real_only_function_is_ok():
    # math.fsum refuses complex input: no complex step, real differences only
    check(lambda x: 1e10 + math.fsum(v * v for v in x), lambda x: 2 * x, X3, "ok")


def test_large_offset_wrong_gradient_is_caught():
    check(lambda x: 1e10 + np.sum(x**2), lambda x: 2 * x * (1 + 1e-3), X3, "mismatch")


# --- tiny scale: fixed absolute tolerances pass 50 % errors here ------------
def test_scaled_function_fifty_percent_wrong_is_caught():
    check(lambda x: 1e-6 * np.sum(x**2), lambda x: 1.5e-6 * 2 * x, X3, "mismatch")
    check(lambda x: 1e-6 * math.fsum(v * v for v in x), lambda x: 1.5e-6 * 2 * x, X3, "mismatch")


def test_scaled_function_correct_is_ok():
    check(lambda x: 1e-6 * np.sum(x**2), lambda x: 1e-6 * 2 * x, X3, "ok")
    check(lambda x: 1e-6 * math.fsum(v * v for v in x), lambda x: 1e-6 * 2 * x, X3, "ok")


def test_detection_floor_is_one_in_a_million():
    f = lambda x: np.sum(np.sin(x) * x)  # noqa: E731
    good = lambda x: np.sin(x) + x * np.cos(x)  # noqa: E731
    check(f, good, X3, "ok")
    report = check(f, lambda x: good(x) * (1 + 3e-6), X3, "mismatch")
    assert report.max_error == pytest.approx(3e-6, rel=0.05)


# --- one wrong entry among 400: a random projection misses it ----------------
def test_single_wrong_entry_among_400_is_found():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(400, 400))
    A = A + A.T
    v = rng.normal(size=400)

    def bad(x):
        g = A @ x
        g[137] *= 1 + 1e-4
        return g

    report = check(lambda x: 0.5 * x @ A @ x, bad, v, "mismatch", points=0)
    assert {e.input for e in report.mismatches} == {137}
    assert report.worst.input == 137


# --- special points: checking at 0 or 1 misses x^3 -> 3x ----------------------
@pytest.mark.parametrize("x0", [0.0, 1.0, [1.0, 1.0]])
def test_claim_right_only_at_special_points_is_caught(x0):
    if isinstance(x0, list):
        check(lambda v: np.sum(v**3), lambda v: 3 * v, x0, "mismatch")
    else:
        check(lambda v: v**3, lambda v: 3 * v, x0, "mismatch")


def test_correct_cubic_at_zero_is_ok():
    check(lambda v: v**3, lambda v: 3 * v**2, 0.0, "ok")


# --- kinks, ties and domain edges --------------------------------------------
def test_near_kink_is_not_a_false_alarm():
    check(lambda x: abs(x), lambda x: np.sign(x), 3e-7, "ok")
    check(lambda x: math.fabs(x), lambda x: math.copysign(1.0, x), 3e-7, "ok")
    check(lambda x: abs(x - 1.0000003), lambda x: np.sign(x - 1.0000003), 1.0, "ok")


def test_kink_is_nondifferentiable_not_mismatch():
    report = check(lambda x: abs(x), lambda x: np.sign(x), 0.0, "nondifferentiable")
    e = report.worst
    assert e.left == pytest.approx(-1) and e.right == pytest.approx(1)
    check(lambda v: np.maximum(v, 0).sum(), lambda v: (v > 0).astype(float), [0.0, 1.0], "nondifferentiable")


def test_tie_of_max_is_nondifferentiable():
    def grad_max(v):
        return np.array([1.0, 0.0]) if v[0] >= v[1] else np.array([0.0, 1.0])

    check(lambda v: max(v[0], v[1]), grad_max, [0.7, 0.7], "nondifferentiable")
    check(lambda v: max(v[0], v[1]), grad_max, [0.7, 0.2], "ok")


def test_wrong_claim_near_kink_is_still_a_mismatch():
    check(lambda x: abs(x), lambda x: 2 * np.sign(x), 0.0, "mismatch")


def test_domain_edge_never_gives_nan():
    for f in (np.log, math.log):
        report = check(lambda x, f=f: f(x), lambda x: 1 / x, 5e-7, "ok")
        assert np.isfinite(report.max_error)
    check(lambda x: math.log(x), lambda x: 1.01 / x, 5e-7, "mismatch")


def test_infinite_slope_at_domain_edge_is_nondifferentiable():
    check(lambda x: math.sqrt(x) if x >= 0 else math.nan, lambda x: 0.5 / math.sqrt(x) if x > 0 else math.inf, 0.0,
          "nondifferentiable")


def test_discontinuity_is_nondifferentiable():
    check(lambda x: float(x > 0), lambda x: 0.0, 0.0, "nondifferentiable")


# --- steep functions trip fixed steps -----------------------------------------
@pytest.mark.parametrize("analytic", [True, False])
def test_steep_functions(analytic):
    sin, cos, exp = (np.sin, np.cos, np.exp) if analytic else (math.sin, math.cos, math.exp)
    check(lambda x: sin(1000 * x), lambda x: 1000 * cos(1000 * x), 1.0, "ok")
    check(lambda x: sin(1000 * x), lambda x: 999 * cos(1000 * x), 1.0, "mismatch")
    check(lambda x: exp(50 * x), lambda x: 50 * exp(50 * x), 1.0, "ok")
    check(lambda x: exp(50 * x), lambda x: 50.01 * exp(50 * x), 1.0, "mismatch")


# --- Jacobians, the crash-course bugs ------------------------------------------
def F(v):
    return np.array([2 * v[0] * v[1], v[0] ** 2 * v[1]])


def J(v):
    return np.array([[2 * v[1], 2 * v[0]], [2 * v[0] * v[1], v[0] ** 2]])


def test_jacobian_ok_and_transpose_caught():
    check(F, J, [1.0, 2.0], "ok")
    check(F, lambda v: J(v).T, [1.0, 2.0], "mismatch")


def test_non_square_transposed_jacobian_is_a_shape_error():
    def F3(v):
        return np.array([v[0], v[1], v[0] * v[1]])

    def J3T(v):
        return np.array([[1, 0, v[1]], [0, 1, v[0]]], dtype=float)

    with pytest.raises(CodegenError, match="transposed"):
        gradcheck(F3, J3T, [1.0, 2.0])


def test_direction_field_bug_fy_2y():
    report = check(lambda v: v[0] ** 2 + v[1] ** 3, lambda v: np.array([2 * v[0], 2 * v[1]]), [1.0, 1.0], "mismatch",
                   names=["x", "y"])
    assert {e.input for e in report.mismatches} == {1}
    assert "d/dy" in str(report)


def test_non_analytic_implementation_does_not_fool_complex_step():
    # x*|x| with complex input computes (x+ih)*|x+ih|: a wrong complex step
    check(lambda x: x * abs(x), lambda x: 2 * abs(x), 0.5, "ok")
    check(lambda x: x * abs(x), lambda x: abs(x), 0.5, "mismatch")


# --- report ------------------------------------------------------------------
def test_report_is_readable_and_json_safe():
    report = gradcheck(lambda v: v[0] ** 2 + v[1] ** 3, lambda v: np.array([2 * v[0], 2 * v[1]]), [1.0, 2.0],
                       names=["x", "y"])
    d = report.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["status"] == "mismatch" and d["ok"] is False
    assert d["worst"]["name"] == "d/dy"
    assert "MISMATCH" in str(report) and "y=" in str(report)
    assert report._repr_latex_().startswith("$")


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(CodegenError, match="not finite"):
        gradcheck(lambda x: math.log(x) if x > 0 else math.nan, lambda x: 1 / x, -1.0)
    with pytest.raises(CodegenError, match="expected 3 entries"):
        gradcheck(lambda v: np.sum(v), lambda v: np.ones(2), np.ones(3))
    with pytest.raises(CodegenError):
        gradcheck("f", lambda v: v, 1.0)


def test_f_that_returns_no_numbers_is_named():
    """f returning a string, None or objects is a one-line error about f, not a NumPy TypeError."""
    for value, said in (("abc", "a str"), (None, "None"), (np.array(["a", "b"]), "an array of <U1")):
        with pytest.raises(CodegenError, match=f"f returned {said}, not a number"):
            gradcheck(lambda v, value=value: value, lambda v: 2 * v, np.ones(2))
    with pytest.raises(CodegenError, match="df returned None"):
        gradcheck(lambda v: float(np.sum(v)), lambda v: None, np.ones(2))


def test_f_returning_numbers_of_other_libraries_is_checked():
    """mpmath, SymPy, Fraction and Decimal numbers are numbers: checked, not refused."""
    import decimal
    import fractions

    import mpmath
    import sympy

    for number in (mpmath.mpf, sympy.Float, lambda v: fractions.Fraction(v), lambda v: decimal.Decimal(v)):
        check(lambda x, number=number: number(float(x) ** 2), lambda x: 2 * x, 1.3, "ok")
        check(lambda x, number=number: number(float(x) ** 2), lambda x: 3 * x, 1.3, "mismatch")


def test_df_raising_an_arithmetic_error_is_said_in_the_report():
    """A hand-written backward that divides by zero is a mismatch (its claim has no value where f is
    smooth), and the report says what df raised instead of only 'claimed nan'."""
    report = check(lambda v: float(np.sum(v ** 2)), lambda v: 1 / 0, np.ones(3), "mismatch")
    assert "df raised ZeroDivisionError (division by zero)" in str(report)
    assert any("ZeroDivisionError" in n for n in report.to_dict()["notes"])
    ok = check(lambda v: float(np.sum(v ** 2)), lambda v: 2 * v, np.ones(3), "ok")
    assert "df raised" not in str(ok)


def test_random_smooth_functions_no_false_alarms_no_misses():
    """Random compositions: correct gradients pass, 1e-4 perturbations fail."""
    import sympy

    rng = np.random.default_rng(7)
    xs = sympy.symbols("x0:3", real=True)
    pool = [sympy.sin, sympy.exp, sympy.tanh, lambda e: sympy.log(1 + e**2), lambda e: e**3,
            lambda e: 1 / (2 + sympy.cos(e))]
    for trial in range(25):
        e = sum(rng.normal() * pool[rng.integers(len(pool))](xs[rng.integers(3)] * xs[rng.integers(3)] + rng.normal())
                for _ in range(3)) + xs[0]
        g = sympy.Matrix([e.diff(v) for v in xs])
        fk = codegen.kernel(e, xs, backend="numpy")
        gk = codegen.kernel(g, xs, backend="numpy")
        x0 = rng.uniform(-1.5, 1.5, 3)
        good = gradcheck(lambda v, fk=fk: fk(*v), lambda v, gk=gk: gk(*v).ravel(), x0, seed=trial)
        assert good.ok, (e, str(good))
        j = trial % 3

        def wrong(v, gk=gk, j=j):
            g = gk(*v).ravel().copy()
            g[j] += 1e-4 * max(abs(g[j]), np.max(np.abs(g)))
            return g

        bad = gradcheck(lambda v, fk=fk: fk(*v), wrong, x0, seed=trial)
        assert bad.status == "mismatch", (e, str(bad))


def test_several_arrays_and_parameter_dicts():
    rng = np.random.default_rng(3)
    W, b, X = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(5, 3))

    def loss(W, b):
        return float(np.sum(np.tanh(X @ W + b) ** 2))

    def grads(W, b, factor=1.0):
        t = np.tanh(X @ W + b)
        dz = 2 * t * (1 - t**2)
        return X.T @ dz * factor, dz.sum(axis=0)

    ok = gradcheck(loss, grads, (W, b))
    assert ok.ok and [p.name for p in ok.parameters] == ["arg0", "arg1"]
    bad = gradcheck(loss, lambda W, b: grads(W, b, factor=3.0), (W, b))
    by_name = {p.name: p for p in bad.parameters}
    assert by_name["arg0"].wrong and by_name["arg0"].factor == pytest.approx(3.0)
    assert not by_name["arg1"].wrong
    assert "arg0[" in bad.entry_name(bad.worst)

    params = {"W": W, "b": b}
    with pytest.raises(CodegenError, match="transposed"):
        gradcheck(lambda p: loss(p["W"], p["b"]), lambda p: {"W": grads(p["W"], p["b"])[0].T,
                                                              "b": grads(p["W"], p["b"])[1]}, params)
    with pytest.raises(CodegenError, match="no gradient for b"):
        gradcheck(lambda p: loss(p["W"], p["b"]), lambda p: {"W": grads(p["W"], p["b"])[0]}, params)
    d = bad.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["parameters"][0]["factor"] == pytest.approx(3.0)


# --- found in review ---------------------------------------------------------
def test_small_abs_penalty_does_not_fool_the_complex_step():
    f = lambda v: np.sum(v**2) + 1e-4 * np.sum(np.abs(v))  # noqa: E731
    check(f, lambda v: 2 * v + 1e-4 * np.sign(v), X3, "ok")
    check(f, lambda v: 2 * v, X3, "mismatch")  # the L1 term forgotten


def test_saturated_function_with_a_forgotten_factor_is_caught():
    check(math.tanh, lambda x: 1.0, 40.0, "mismatch")


def test_symmetric_kink_is_not_mistaken_for_flatness():
    check(lambda v: abs(v - 0.3), lambda v: np.sign(v - 0.3), 0.3, "nondifferentiable")


def test_one_output_does_not_mask_another():
    check(lambda x: np.array([1e10 * x[0], x[1] ** 2]), lambda x: np.array([[1e10, 0], [0, 0.0]]), [0.7, 1.3],
          "mismatch")


def test_offset_does_not_blunt_detection():
    check(lambda x: 1e12 + np.sum(x**2), lambda x: 2 * x * (1 + 5e-4), X3, "mismatch")
    check(lambda x: 1e10 + np.sum(x**2), lambda x: 2 * x * (1 + 3e-6), X3, "mismatch")


def test_numerically_zero_derivatives_are_not_flagged():
    # exp(tanh(u)) at large u: the true derivative is ~1e-98, float64 says 0
    f = lambda v: np.exp(np.tanh((4 - v[0]) ** 3))  # noqa: E731
    check(f, lambda v: np.array([0.0]), [-0.87], "ok")


def test_rounding_in_the_claim_is_explained():
    # 1 - tanh(u)^2 at u ~ 18.6 cancels: the claim is 27 % off, below f's resolution
    f = lambda v: np.tanh((v[0] + 2) ** 4)  # noqa: E731
    df = lambda v: np.array([4 * (v[0] + 2) ** 3 * (1 - np.tanh((v[0] + 2) ** 4) ** 2)])  # noqa: E731
    r = gradcheck(f, df, [0.0756], points=0)
    if r.status == "mismatch":
        assert "below the float64 resolution" in str(r)


# --- at scale: evaluations per entry, batches, sampled checks (issue 10) -------
class Counted:
    """f with a call counter."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, v):
        self.calls += 1
        return self.f(v)


def _smooth(v):
    return np.sum(np.log1p(np.exp(np.sin(v) * v))) + 0.5 * v @ v


def _smooth_grad(v):
    s = 1 / (1 + np.exp(-np.sin(v) * v))
    return s * (np.cos(v) * v + np.sin(v)) + v


@pytest.mark.parametrize("mode, per_entry", [("auto", 4.5), ("never", 4.5), ("always", 1.5)])
def test_a_smooth_conclusive_problem_costs_about_four_evaluations_per_entry(mode, per_entry):
    x = np.random.default_rng(0).uniform(-2, 2, 60)
    f = Counted(_smooth)
    report = gradcheck(f, _smooth_grad, x, points=3, complex_step=mode)
    assert report.ok, str(report)
    assert f.calls == report.evals
    assert report.evals / report.n_entries <= per_entry  # 4 real (1 complex) + a few per point for the probes


def _tanh_net(seed=0):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(16, 4)), rng.normal(size=(16, 2))
    params = {"W1": rng.normal(size=(4, 12)) / 2, "b1": rng.normal(size=12) / 10, "W2": rng.normal(size=(12, 2)) / 3}

    def loss(p):  # broadcasts over a leading batch axis of every parameter
        h = np.tanh(X @ p["W1"] + p["b1"][..., None, :])
        return 0.5 * np.sum((h @ p["W2"] - Y) ** 2, axis=(-2, -1))

    def grads(p, bad=None):
        h = np.tanh(X @ p["W1"] + p["b1"])
        dout = h @ p["W2"] - Y
        dh = dout @ p["W2"].T * (1 - h**2)
        g = {"W1": X.T @ dh, "b1": dh.sum(0), "W2": h.T @ dout}
        if bad is not None:
            g["W1"] = g["W1"].copy()
            g["W1"][bad] *= 1.001
        return g

    return params, loss, grads


def test_network_check_is_cheap_and_finds_one_entry_off_by_a_tenth_of_a_percent():
    params, loss, grads = _tanh_net()
    f = Counted(loss)
    ok = gradcheck(f, grads, params)
    assert ok.ok, str(ok)
    n = sum(a.size for a in params.values())
    assert ok.evals / (n * len(ok.points)) <= 4.5
    bad = gradcheck(loss, lambda p: grads(p, bad=(2, 5)), params)
    assert bad.status == "mismatch" and {m.input for m in bad.mismatches} == {2 * 12 + 5}
    assert "W1[2, 5]" in str(bad) and any(p.name == "W1" and p.wrong for p in bad.parameters)


def test_batched_evaluation_gives_the_same_verdicts_in_far_fewer_calls():
    params, loss, grads = _tanh_net(1)
    one_by_one, batched = Counted(loss), Counted(loss)
    a = gradcheck(one_by_one, grads, params)
    b = gradcheck(batched, grads, params, batch=True)
    assert a.ok and b.ok
    assert abs(a.evals - b.evals) < 0.1 * a.evals and batched.calls * 10 < one_by_one.calls
    wrong = gradcheck(loss, lambda p: grads(p, bad=(0, 0)), params, batch=True)
    assert wrong.status == "mismatch" and {m.input for m in wrong.mismatches} == {0}
    # "auto" uses batches where f broadcasts, and falls back where it does not
    assert gradcheck(loss, grads, params, batch="auto").ok
    assert gradcheck(lambda p: float(loss(p)), grads, params, batch="auto").ok


def test_batch_true_with_a_function_that_does_not_broadcast_is_an_error():
    with pytest.raises(CodegenError, match="batch=True"):
        gradcheck(lambda v: np.sum(v**2), lambda v: 2 * v, X3, batch=True)


def test_sampled_check_says_what_it_checked():
    n = 5000
    c = np.random.default_rng(2).normal(size=n)
    f = lambda v: np.sum(np.log1p(np.exp(c * v)))  # noqa: E731
    df = lambda v: c / (1 + np.exp(-c * v))  # noqa: E731
    report = gradcheck(f, df, np.linspace(-1, 1, n), sample=40, points=1)
    assert report.ok, str(report)
    assert "checked 40 of 5000 entries at random plus 20 random directions, at each of 2 points" in str(report)
    assert report.to_dict()["sample"] == {"entries": 40, "of": 5000, "directions": 20}
    assert len({e.input for e in report.entries if e.direction is None}) > 40  # fresh entries at each point
    big = gradcheck(lambda v: 0.5 * v @ v, lambda v: v, np.ones(10**6), sample=3, directions=1, points=0)
    assert "checked 3 of 10^6 entries at random plus 1 random direction, at x" in str(big)
    assert big.to_dict()["points"] == [None]  # not a million numbers in the JSON


def test_sampled_check_finds_a_planted_entry_when_it_samples_it():
    n = 400
    c = np.random.default_rng(3).normal(size=n)
    f = lambda v: np.sum(np.log1p(np.exp(c * v)))  # noqa: E731

    def df(v):
        g = c / (1 + np.exp(-c * v))
        g[123] *= 1 + 1e-4
        return g

    outcomes = set()
    for seed in range(12):  # half the entries each time: some seeds sample it, some do not
        report = gradcheck(f, df, np.zeros(n) + 0.3, sample=0.5, directions=0, points=0, seed=seed)
        sampled = 123 in {e.input for e in report.entries}
        assert report.status == ("mismatch" if sampled else "ok")
        if sampled:
            assert {m.input for m in report.mismatches} == {123}
        outcomes.add(sampled)
    assert outcomes == {True, False}


def test_random_directions_find_an_error_the_sampled_entries_miss():
    n = 4000
    rng = np.random.default_rng(4)
    c = rng.normal(size=n)
    wrong = rng.choice(n, n // 100, replace=False)  # 1 % of the entries, 10 % off
    f = lambda v: np.sum(np.log1p(np.exp(c * v)))  # noqa: E731

    def df(v):
        g = c / (1 + np.exp(-c * v))
        g[wrong] *= 1.1
        return g

    report = gradcheck(f, df, np.full(n, 0.2), sample=5, directions=10, points=0, seed=1)
    missed_by_entries = not {e.input for e in report.entries if e.direction is None} & set(wrong)
    assert missed_by_entries
    assert report.status == "mismatch"
    assert all(m.direction is not None for m in report.mismatches)
    assert "along random direction" in str(report)


# --- edges (issue 10) --------------------------------------------------------------
def test_steps_never_overflow_near_the_top_of_float64():
    # f(14) = e^700 ~ 1e304: steps of the size of x overflow, and so do nearby points' derivatives
    for exp in (np.exp, math.exp):
        check(lambda x, exp=exp: exp(50 * x), lambda x, exp=exp: 50 * exp(50 * x), 14.0, "ok")
        check(lambda x, exp=exp: exp(50 * x), lambda x, exp=exp: 50.01 * exp(50 * x), 14.0, "mismatch")


def test_a_three_way_tie_claimed_one_third_each_is_nondifferentiable():
    for f in (np.max, lambda v: max(v[0], v[1], v[2])):
        report = check(f, lambda v: np.full(3, 1 / 3), [0.5, 0.5, 0.5], "nondifferentiable")
        assert "same numbers at every point" in str(report)
    # a formula that is wrong away from the kink is still a mismatch
    check(lambda x: abs(x), lambda x: 2 * np.sign(x), 0.0, "mismatch")


@pytest.mark.parametrize("mode", ["auto", "never", "always"])
def test_the_detection_floor_follows_the_accuracy_reached(mode):
    f = lambda v: np.sum(np.sin(v) * v)  # noqa: E731
    good = lambda v: np.sin(v) + v * np.cos(v)  # noqa: E731

    def one_in_a_million_off(v):
        g = good(v)
        g[1] *= 1 + 1e-6
        return g

    report = check(f, one_in_a_million_off, X3, "mismatch", complex_step=mode)
    assert {e.input for e in report.mismatches} == {1}
    ok = check(f, good, X3, "ok", complex_step=mode)
    assert ok.resolution < 1e-6


def test_a_claim_with_cancelling_terms_is_not_a_false_alarm():
    # w * max(w, 1/w) is 1 on 0 < w < 1; the claim w*(-1/w**2) + 1/w rounds to -4.4e-16 there
    check(lambda w: w * max(w, 1 / w), lambda w: w * (-1 / w**2) + 1 / w, 0.349168, "ok")
    check(lambda w: w * max(w, 1 / w), lambda w: w * (-1 / w**2) + 1 / w + 1e-9, 0.349168, "mismatch")


def _float32_inside(v):
    v32 = v.astype(np.float32)
    return float(np.sum(np.sin(v32) * v32))


@pytest.mark.parametrize("f, evidence", [
    (_float32_inside, "its values are float32 numbers"),
    (lambda v: np.sum(np.sin(v.astype(np.float32)) * v.astype(np.float32)), "it returns float32 values"),
    (lambda v: _float32_inside(v) + 0.1 * v[0], "its rounding noise is that size"),
])
def test_a_function_computed_in_float32_is_recognised(f, evidence):
    extra = lambda v: np.array([0.1, 0, 0]) if "noise" in evidence else 0.0  # noqa: E731
    good = lambda v: np.sin(v) + v * np.cos(v) + extra(v)  # noqa: E731
    report = check(f, good, X3, "ok")
    assert report.precision == "float32" and "float32" in str(report) and evidence in str(report)
    check(f, lambda v: good(v) * np.array([1.01, 1, 1]), X3, "mismatch")


def test_float64_functions_are_not_taken_for_float32():
    for f in (lambda v: np.sum(np.sin(v) * v), lambda v: 1e10 + np.sum(v**2), lambda v: float(v[0] > 0)):
        assert gradcheck(f, lambda v: np.zeros(3), X3, points=0).precision == "float64"


def test_every_entry_records_the_step_behind_its_estimate():
    report = gradcheck(lambda v: np.sum(np.sin(v) * v), lambda v: np.sin(v) + v * np.cos(v), X3)
    for e in report.entries:
        assert e.step > 0 and e.step < max(abs(report.points[e.point][e.input]), 1)
    assert all("step" in m for m in [e.to_dict() for e in report.entries])
    complex_steps = gradcheck(lambda v: np.sum(np.sin(v) * v), lambda v: np.sin(v) + v * np.cos(v), X3,
                              complex_step="always").entries
    assert all(e.method == "complex-step" and e.step < 1e-10 for e in complex_steps)


def test_an_f_that_returns_its_own_input_is_measured_right():
    """f(x) = x handed back as the very array gradcheck passed in (a view, no copy): the
    checker once restored its point buffer before reading f's output and saw slope 0."""
    for mode in ("always", "auto", "never"):
        report = codegen.gradcheck(lambda v: v.reshape(3, 1), lambda v: np.eye(3), np.array([1.0, 2.0, 3.0]),
                                   complex_step=mode, output_names=("F0", "F1", "F2"))
        assert report.ok, (mode, report)
        wrong = codegen.gradcheck(lambda v: v.reshape(3, 1), lambda v: 2 * np.eye(3), np.array([1.0, 2.0, 3.0]),
                                  complex_step=mode, output_names=("F0", "F1", "F2"))
        assert wrong.status == "mismatch", (mode, wrong)


def test_fast_variation_below_the_probe_step_is_not_taken_for_noise():
    """sin(1e6 w) near w = 1e-7 varies on a scale below the precision probe's step: it was measured as
    70 % rounding noise, every tolerance loosened, and a zero, halved or negated gradient passed."""
    f = lambda w: np.sin(1e6 * w).sum()  # noqa: E731
    x = np.array([1e-7, 2e-7])
    right = lambda w: 1e6 * np.cos(1e6 * w)  # noqa: E731
    assert codegen.gradcheck(f, right, x).status == "ok"
    for wrong in (lambda w: 0 * w, lambda w: 0.5 * right(w), lambda w: -right(w)):
        report = codegen.gradcheck(f, wrong, x)
        assert report.status == "mismatch" and "noise" not in str(report)


# --- one tolerance, stated the same way everywhere ------------------------------
NUMBER = r"([0-9.]+(?:e[-+][0-9]+)?)"


def _stated(text):
    """(the range of tolerances the report states, the tolerance its mismatch line states or None)."""
    import re

    every = re.search(rf"tolerance {NUMBER} \(rtol\) for every entry", text)
    span = re.search(rf"tolerance {NUMBER}(?: to {NUMBER})? by entry", text)
    assert (every is None) != (span is None), text  # exactly one statement of the report's tolerances
    lo, hi = every.group(1, 1) if every else (span.group(1), span.group(2) or span.group(1))
    line = re.search(rf"> this entry's tolerance {NUMBER} \(", text)
    assert "floor" not in text and text.count("tolerance") == 1 + (line is not None), text
    return (lo, hi), None if line is None else line.group(1)


def test_the_report_and_its_mismatch_line_state_the_same_tolerances():
    """The tolerance that decides an entry is max(rtol, what its finite differences resolve): the
    mismatch line states the worst entry's, the report the range over all entries, in one format
    (a mismatch once said "tolerance 1e-10" while the passing check's header said "detection floor 1e-06")."""
    params, loss, grads = _tanh_net(2)
    ok = gradcheck(loss, grads, params)
    bad = gradcheck(loss, lambda p: {**grads(p), "b1": grads(p)["b1"] * (1 + 1e-7)}, params)
    assert ok.ok and bad.status == "mismatch"
    for report in (ok, bad):
        resolved = [e.tolerance for e in report.entries if not e.kink and e.tolerance < 1e-2]
        (lo, hi), line = _stated(str(report))
        assert (lo, hi) == (f"{min(resolved):.2g}", f"{max(resolved):.2g}")
        assert all(e.relative <= e.tolerance for e in report.entries if e not in report.mismatches)
        blob = json.loads(json.dumps(report.to_dict()))
        assert blob["tolerance"] == {"finest": min(resolved), "loosest": max(resolved)}
        assert blob["message"] == str(report) and "resolution" not in blob
    (lo, hi), line = _stated(str(bad))
    worst = bad.worst
    assert worst.relative > worst.tolerance and line == f"{worst.tolerance:.2g}"
    assert float(lo) <= float(line) <= float(hi)
    assert {m.input for m in bad.mismatches} <= {i for i, name in enumerate(bad.input_names) if name.startswith("b1")}
    # the range is wide here (rtol for some entries, what the differences resolve for others), so a
    # single number in the header would contradict some entry's line
    assert float(hi) > 10 * float(lo)
    # every entry at rtol: one number, named
    exact = gradcheck(lambda v: np.sum(np.sin(v) * v), lambda v: np.sin(v) + v * np.cos(v), X3,
                      complex_step="always")
    assert "tolerance 1e-10 (rtol) for every entry" in str(exact)
    wrong = gradcheck(lambda v: np.sum(np.sin(v) * v), lambda v: (np.sin(v) + v * np.cos(v)) * (1 + 1e-6), X3,
                      complex_step="always")
    assert _stated(str(wrong)) == (("1e-10", "1e-10"), "1e-10") and "(rtol)" in str(wrong).splitlines()[0]
