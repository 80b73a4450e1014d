"""Critical points and KKT problems: exact answers, zero residuals, SciPy agreement."""

import random

import numpy as np
import pytest
import sympy
from scipy.optimize import minimize

import derive

SVM3 = ["-1*(0*a + 0*b + c) >= 1", "1*(1*a + 2*b + c) >= 1", "1*(2*a + 1*b + c) >= 1"]
SVM6 = SVM3 + ["-1*(-1*a + -1*b + c) >= 1", "-1*(-3*a + -1*b + c) >= 1", "1*(3*a + 3*b + c) >= 1"]


def kinds(f, wrt=None):
    return [(tuple(p.x.values()), p.kind) for p in derive.critical_points(f, wrt)]


def test_lesson_functions():
    assert kinds("x1**2 + x2**2") == [((0, 0), "min")]
    assert kinds("x1**2 - x2**2") == [((0, 0), "saddle")]
    assert kinds("-x1**2 - x2**2") == [((0, 0), "max")]
    assert kinds("x**3 - 2*x**2 + 1") == [((0,), "max"), ((sympy.Rational(4, 3),), "min")]
    found = derive.critical_points("log(x)")
    assert len(found) == 0 and "no real solution" in found.note


def test_eigenvalues_are_reported():
    (p,) = derive.critical_points("x1**2 - 3*x2**2 + x1*x2")
    assert sorted(p.eigenvalues, key=float) == sorted(sympy.Matrix([[2, 1], [1, -6]]).eigenvals(), key=float)


def test_singular_hessians_use_higher_orders():
    assert kinds("x**4") == [((0,), "min")]
    assert kinds("-x**4") == [((0,), "max")]
    assert kinds("x**3") == [((0,), "saddle")]
    assert kinds("x**2 + y**4") == [((0, 0), "min")]
    assert kinds("x**2 - y**4") == [((0, 0), "saddle")]
    # Peano's surface: a minimum along every line through 0, yet not a minimum
    assert kinds("(y - x**2)*(y - 2*x**2)") == [((0, 0), "saddle")]


def test_periodic_functions_say_so():
    found = derive.critical_points("sin(x)")
    assert "repeat" in found.note and len(found) == 2


def kkt_residuals_are_zero(problem, point):
    subs = {**point.x, **point.multipliers}
    for name, conditions in problem.conditions.items():
        for c in conditions:
            value = c.subs(subs)
            if name in ("stationarity", "complementary slackness") or isinstance(c, sympy.Eq):
                assert sympy.simplify(c.lhs.subs(subs) - c.rhs.subs(subs)) == 0, (name, c)
            else:
                assert value == sympy.true, (name, c)


def test_svm_three_points_exact_and_against_slsqp():
    problem = derive.kkt("a**2 + b**2", "a b c", st=SVM3)
    (best,) = problem.solve()
    a, b, c = sorted(best.x, key=str)
    assert best.x == {a: sympy.Rational(2, 3), b: sympy.Rational(2, 3), c: -1}
    assert best.value == sympy.Rational(8, 9) and best.kind == "min"
    kkt_residuals_are_zero(problem, best)
    ref = minimize(lambda w: w[0] ** 2 + w[1] ** 2, [1.0, 1.0, 1.0], method="SLSQP", bounds=((-10, 10),) * 3,
                   constraints=[{"type": "ineq", "fun": lambda w: -w[2] - 1},
                                {"type": "ineq", "fun": lambda w: w[0] + 2 * w[1] + w[2] - 1},
                                {"type": "ineq", "fun": lambda w: 2 * w[0] + w[1] + w[2] - 1}])
    assert abs(ref.fun - float(best.value)) < 1e-6
    assert np.allclose(ref.x, [float(best.x[s]) for s in (a, b, c)], atol=1e-6)


def test_six_point_variant_has_the_same_answer_and_says_why():
    problem = derive.kkt("a**2 + b**2", "a b c", st=SVM6)
    (best,) = problem.solve()
    assert best.value == sympy.Rational(8, 9)
    inactive = [j for j in range(6) if j not in best.active]
    assert inactive == [3, 4, 5]
    assert all(best.multipliers[problem.inequalities[j].multiplier] == 0 for j in inactive)
    assert sum("inactive" in n and "does not matter" in n for n in best.notes) == 3
    kkt_residuals_are_zero(problem, best)


def test_lagrange_examples():
    budget = derive.kkt("x*y", "x y", eq=["x + y = 10"], sense="max")
    (p,) = budget.solve()
    assert list(p.x.values()) == [5, 5] and p.value == 25 and p.kind == "max"
    kkt_residuals_are_zero(budget, p)
    sphere = derive.kkt("(x - 1)**2 + (y - 2)**2 + (z - 2)**2", "x y z", eq=["x**2 + y**2 + z**2 = 1"])
    best, worst = sphere.solve()
    assert [best.x[s] for s in sorted(best.x, key=str)] == [sympy.Rational(1, 3), sympy.Rational(2, 3),
                                                             sympy.Rational(2, 3)]
    assert best.kind == "min" and worst.kind == "max"
    kkt_residuals_are_zero(sphere, best)
    entropy = derive.kkt("-(p1*log(p1) + p2*log(p2) + p3*log(p3))", "p1 p2 p3", eq=["p1 + p2 + p3 = 1"],
                         st=["p1 >= 0", "p2 >= 0", "p3 >= 0"], sense="max")
    (e,) = entropy.solve()
    assert set(e.x.values()) == {sympy.Rational(1, 3)} and e.value == sympy.log(3)
    kkt_residuals_are_zero(entropy, e)


def test_ten_inequalities_mixed_within_ten_seconds():
    random.seed(1)
    texts, cons = [], []
    for _ in range(9):
        a, b, c = (random.randint(-3, 3) for _ in range(3))
        d = random.randint(-5, 1)
        texts.append(f"{a}*x + {b}*y + {c}*z >= {d}")
        cons.append({"type": "ineq", "fun": (lambda v, a=a, b=b, c=c, d=d: a * v[0] + b * v[1] + c * v[2] - d)})
    texts.append("x**2 + y**2 <= 4")
    cons.append({"type": "ineq", "fun": lambda v: 4 - v[0] ** 2 - v[1] ** 2})
    problem = derive.kkt("x**2 + 2*y**2 + z**2 - x*z", "x y z", st=texts)
    solution = problem.solve()  # within the 20 s budget, or a LimitError
    best = solution[0]
    assert best.exact
    kkt_residuals_are_zero(problem, best)
    runs = [minimize(lambda v: v[0] ** 2 + 2 * v[1] ** 2 + v[2] ** 2 - v[0] * v[2], x0, method="SLSQP",
                     constraints=cons) for x0 in np.random.default_rng(0).normal(size=(10, 3))]
    ref = min((r for r in runs if r.success), key=lambda r: r.fun)
    assert abs(ref.fun - float(best.value)) < 1e-6


def test_problem_prints_and_serializes():
    problem = derive.kkt("a**2 + b**2", "a b c", st=SVM3)
    text = str(problem)
    for part in ("Lagrangian", "stationarity", "primal feasibility", "dual feasibility", "complementary slackness"):
        assert part in text
    assert problem._repr_latex_().startswith("$$")
    import json

    json.dumps(problem.solve().to_dict())


def test_bad_problems_are_clear_errors():
    with pytest.raises(derive.DeriveError, match="not a relation"):
        derive.kkt("x**2", "x", st=["x + 1"])
    with pytest.raises(derive.DeriveError, match="sense"):
        derive.kkt("x**2", "x", sense="minimize")
    with pytest.raises(derive.LimitError):
        derive.kkt("x**2", "x", ineq=[f"x - {k}" for k in range(20)])


def test_strict_inequality_is_refused_not_answered_at_its_boundary():
    """min x**2 s.t. x > 1 has no minimum; the boundary point x = 1 is infeasible."""
    import pytest

    with pytest.raises(derive.DeriveError, match="strict inequality"):
        derive.kkt("x**2", "x", st=["x > 1"])


def test_a_set_of_kkt_points_is_named_not_reported_as_unattained():
    """min x + y s.t. x + y >= 1 is attained all along x + y = 1 (mu = 1): not 'the optimum is not attained'."""
    sol = derive.kkt("x + y", "x y", st=["x + y >= 1"]).solve()
    assert not sol.points and "not attained" not in sol.note.split(";")[0]
    assert "x = 1 - y" in sol.note and "mu1 = 1" in sol.note
    sol = derive.kkt("x**2", "x y", st=["y >= 0"]).solve()
    assert len(sol.points) == 1 and "y free" in sol.note  # (0, 0) listed, the half-line x = 0 named


def test_a_nondifferentiable_f_says_its_kinks_are_not_searched():
    found = derive.critical_points("abs(x) + x**2", "x")  # the minimum is the kink at 0, where grad f does not exist
    assert not found.points and "not differentiable everywhere (abs)" in found.note
    assert "differentiable" not in derive.critical_points("x**2 - 2*x", "x").note
