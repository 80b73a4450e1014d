"""Matrix declarations (symmetric, spd), checking semantics in matrix notation, the
forms SymPy users write, and the trustworthiness of the numeric cross-check.

Three ways each: text, SymPy objects, and both in one call.  Answers are compared
with independent NumPy formulas and finite differences on instances.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
import sympy
from sympy import Determinant, Inverse, MatrixSymbol, OneMatrix, Symbol, Trace, sin
from sympy.matrices.expressions import hadamard_power

import codegen
import derive
from derive.calculus import matrix_rules
from derive.validation.instances import Point
from derive.text.namespace import Namespace

n = Symbol("n", integer=True, positive=True)  # the size symbol declarations make


def numeric(expr, values):
    """A matrix expression at NumPy values, evaluated by SymPy (independent of derive's evaluator)."""
    mapping = {M: sympy.ImmutableMatrix(v) for M, v in values.items()}
    e = sympy.sympify(expr).xreplace(mapping)
    e = e.xreplace({c: c.as_explicit() for c in e.atoms(sympy.OneMatrix, sympy.Identity)})
    for _ in range(3):
        e = e.doit()
        if isinstance(e, sympy.MatrixExpr) and not isinstance(e, sympy.MatrixBase):
            e = e.as_explicit()
    return np.array(sympy.Matrix(e).evalf(), dtype=float) if isinstance(e, sympy.MatrixBase) else float(e)


# ---------------------------------------------------------------------------
# declarations


def test_declarations_carry_properties():
    d = derive.declare("S: n x n spd, T: 3 x 3 symmetric, x: n, t: positive")
    assert d.properties == {"S": {"symmetric", "spd"}, "T": {"symmetric"}}
    assert isinstance(d["S"], MatrixSymbol) and d["S"].shape == (n, n)
    ns = Namespace("S: n x n spd, x: n")
    S = MatrixSymbol("S", 3, 3)
    assert ns.properties[S] == {"symmetric", "spd"} and ns.properties["S"] == {"symmetric", "spd"}
    assert ns.properties.get("x") is None
    only = derive.declare("S: spd")  # a property for the user's SymPy matrix S
    assert dict(only) == {} and only.properties == {"S": {"symmetric", "spd"}}


@pytest.mark.parametrize("text, fragment", [
    ("t: positiv", "did you mean 'positive'"),
    ("x: foo", "unknown word 'foo'"),
    ("S: n x n symmetrc", "did you mean 'symmetric'"),
    ("S: 3 x 2 symmetric", "only a square matrix can be symmetric"),
    ("x: n spd", "only a square matrix can be spd"),
    ("S: m x n symmetric", "only a square matrix"),
])
def test_bad_declarations_are_parse_errors(text, fragment):
    with pytest.raises(derive.ParseError) as info:
        derive.declare(text)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_sizes_are_numbers_or_short_names():
    d = derive.declare("X: N x d, w: d2, v: n_obs, u: 3")
    assert [str(s) for s in d["X"].shape] == ["N", "d"]
    assert str(d["w"].shape[0]) == "d2" and str(d["v"].shape[0]) == "n_obs"


def test_points_honour_the_declarations():
    S, T = MatrixSymbol("S", n, n), MatrixSymbol("T", n, n)
    rng = np.random.default_rng(0)
    for attempt in range(6):
        p = Point.draw({n: 3}, {S, T}, rng, attempt, {S: {"symmetric", "spd"}, T: {"symmetric"}})
        assert np.array_equal(p.values[S], p.values[S].T) and np.linalg.eigvalsh(p.values[S]).min() >= 1 - 1e-12
        assert np.array_equal(p.values[T], p.values[T].T)
        exact = np.array(p.exact()[S].tolist(), dtype=object)
        assert all(float(q) == v for q, v in zip(exact.ravel(), p.values[S].ravel()))  # the same numbers


# ---------------------------------------------------------------------------
# grad uses the declaration: text, SymPy, mixed


def test_quadratic_form_with_symmetric_S_three_ways():
    text = derive.grad("x.T @ S @ x", "x", symbols="S: n x n symmetric, x: n")
    S, x = MatrixSymbol("S", n, n), MatrixSymbol("x", n, 1)
    objects = derive.grad(x.T * S * x, x, symbols="S: symmetric")
    mixed = derive.grad("x.T @ S @ x", x, symbols="S: n x n symmetric, x: n")
    for g in (text, objects, mixed):
        assert derive.to_text(g) == "2*S@x"
    undeclared = derive.grad(x.T * S * x, x)
    assert derive.to_text(undeclared) == "(S + S.T)@x"
    rng = np.random.default_rng(1)
    B = rng.normal(size=(3, 3))
    Sv, xv = B + B.T, rng.normal(size=(3, 1))
    S3, x3 = MatrixSymbol("S", 3, 3), MatrixSymbol("x", 3, 1)
    got = numeric(objects.subs(n, 3), {S3: Sv, x3: xv})
    np.testing.assert_allclose(got, 2 * Sv @ xv, rtol=1e-12)
    report = codegen.gradcheck(lambda v: v @ Sv @ v, lambda v: 2 * Sv @ v, xv.ravel())
    assert report.ok


def test_concrete_sizes_and_spd():
    S, x, mu = MatrixSymbol("S", 3, 3), MatrixSymbol("x", 3, 1), MatrixSymbol("mu", 3, 1)
    f = -(x - mu).T * Inverse(S) * (x - mu) / 2
    g = derive.grad(f, mu, symbols="S: 3 x 3 spd")
    assert derive.to_text(g) == "inv(S)@(x - mu)"
    d = derive.differentiate("logdet(S)", "S", symbols="S: n x n spd")
    assert derive.to_text(d.result) == "inv(S)"
    assert "S symmetric positive definite" in str(d.report)
    rng = np.random.default_rng(2)
    L = rng.normal(size=(3, 3))
    Sv, xv, muv = L @ L.T + np.eye(3), rng.normal(size=(3, 1)), rng.normal(size=(3, 1))
    np.testing.assert_allclose(numeric(g, {S: Sv, x: xv, mu: muv}), np.linalg.solve(Sv, xv - muv), rtol=1e-10)


# ---------------------------------------------------------------------------
# check: kinds, declarations, transposes


def test_check_infers_the_gradient_for_a_scalar_of_a_vector():
    A, x = MatrixSymbol("A", 3, 3), MatrixSymbol("x", 3, 1)
    v = derive.check(x.T * A * x, x, (A + A.T) * x)
    assert v.status == "correct" and v.kind == "grad"
    v = derive.check(x.T * A * x, x, x.T * (A + A.T))
    assert v.status == "transposed" and "row" in v.explanation
    v = derive.check("x.T @ A @ x", "x", "A + A.T", symbols="A: n x n, x: n")
    assert v.status == "correct" and v.kind == "hessian"
    v = derive.check("A @ x", "x", "A", symbols="A: m x n, x: n")
    assert v.status == "correct" and v.kind == "jacobian"
    v = derive.check("A @ x", "x", "A.T", symbols="A: n x n, x: n")
    assert v.status == "transposed"


def test_check_uses_the_declaration_and_says_so():
    v = derive.check("x.T @ S @ x", "x", "2*S@x", symbols="S: n x n symmetric, x: n")
    assert v.ok and "S symmetric" in v.evidence
    v = derive.check("x.T @ S @ x", "x", "2*S@x", symbols="S: n x n, x: n")
    assert v.status == "wrong" and "holds only if S is symmetric" in v.explanation
    S, x, mu = MatrixSymbol("S", n, n), MatrixSymbol("x", n, 1), MatrixSymbol("mu", n, 1)
    loglik = -Trace((x - mu).T * Inverse(S) * (x - mu)) / 2 - sympy.log(Determinant(S)) / 2
    v = derive.check(loglik, mu, "inv(S)@(x - mu)", symbols="S: n x n spd, x: n, mu: n")  # mixed
    assert v.ok and "symmetric positive definite" in v.evidence


def test_one_transposed_factor_is_wrong_and_named():
    v = derive.check("norm(A@x - b)**2/2", "x", "A @ (A@x - b)", symbols="A: n x n, x: n, b: n")
    assert v.status == "wrong" and v.explanation.startswith("the first A should be A.T")
    _counterexample_separates(v)
    v = derive.check("trace(A @ X @ B)", "X", "A @ B.T", symbols="A: n x n, X: n x n, B: n x n")
    assert v.status == "wrong" and "A should be A.T" in v.explanation
    v = derive.check("trace(A @ X)", "X", "A", symbols="A: n x n, X: n x n")
    assert v.status == "transposed"  # the whole result: the claim's transpose is the gradient


def test_constant_factor_and_sign_in_matrix_notation():
    v = derive.check("norm(A@x - b)**2/2", "x", "2*A.T @ (A@x - b)", symbols="A: m x n, x: n, b: m")
    assert v.status == "wrong" and "2 times" in v.explanation
    v = derive.check("logdet(X)", "X", "-inv(X).T", symbols="X: n x n")
    assert v.status == "wrong" and "sign is flipped" in v.explanation
    _counterexample_separates(v)


def _counterexample_separates(v):
    point = dict(v.counterexample)
    sizes = {s: val for s, val in point.items() if isinstance(s, sympy.Symbol) and s.is_integer}
    mats = {M.subs(sizes): sympy.ImmutableMatrix(val) for M, val in point.items() if isinstance(M, MatrixSymbol)}
    values = []
    for side in (v.expected, v.claimed):
        e = side.subs(sizes).xreplace(mats).doit()
        e = e.as_explicit() if hasattr(e, "as_explicit") else e
        values.append(np.array(sympy.Matrix(e).evalf(), dtype=float))
    assert np.max(np.abs(values[0] - values[1])) > 1e-9
    np.testing.assert_allclose(values[0], np.array(v.values[0].evalf(), dtype=float), rtol=1e-12)


def test_cli_declarations():
    run = [sys.executable, "-m", "derive"]
    r = subprocess.run(run + ["check", "x.T @ S @ x", "--wrt", "x", "--claim", "2*S@x", "--let",
                              "S: n x n symmetric, x: n", "--json"], capture_output=True, text=True, timeout=120)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["status"] == "correct" and "S symmetric" in out["evidence"]
    r = subprocess.run(run + ["grad", "t*x", "--wrt", "x", "--let", "t: positiv"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and "unknown word 'positiv'" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------------------
# forms SymPy users write (more in test_sympy_matrix_derivatives.py)


def test_vector_and_matrix_with_respect_to_a_scalar():
    s = Symbol("s")
    A, x = MatrixSymbol("A", 3, 3), MatrixSymbol("x", 3, 1)
    J = derive.jacobian(sin(s) * A * x, s)
    assert J.shape == (3, 1) and derive.to_text(J) == "cos(s)*A@x"
    J2 = derive.jacobian(sympy.Matrix([1, 2, 3]).T * (s * A * x) + s ** 2 * OneMatrix(1, 1), [s])
    assert J2.shape == (1, 1)
    N, m = Symbol("N"), Symbol("m")
    xN = MatrixSymbol("x", N, 1)
    d = xN - m * OneMatrix(N, 1)
    g = derive.grad(Trace(d.T * d), m)  # SymPy issue 24725: sum (x_i - m)^2
    xs = np.array([0.5, -1.0, 2.0, 0.25])
    value = float(numeric(g.subs(N, 4)[0, 0].subs(m, 0.3), {MatrixSymbol("x", 4, 1): xs.reshape(-1, 1)}))
    assert value == pytest.approx(-2 * np.sum(xs - 0.3), rel=1e-12)


def test_matrix_powers_and_hadamard_powers_against_numpy():
    X, x = MatrixSymbol("X", 3, 3), MatrixSymbol("x", 3, 1)
    rng = np.random.default_rng(3)
    Xv, xv = rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.uniform(0.5, 2, size=(3, 1))
    inv = np.linalg.inv
    g = derive.grad(Trace(X ** -2), X)
    np.testing.assert_allclose(numeric(g, {X: Xv}), -2 * inv(Xv @ Xv @ Xv).T, rtol=1e-10)
    g = derive.grad(Trace(sympy.MatPow(X, 0) + X ** 3), X)
    np.testing.assert_allclose(numeric(g, {X: Xv}), 3 * (Xv @ Xv).T, rtol=1e-10)
    J = derive.jacobian(hadamard_power(x, 3), x)
    np.testing.assert_allclose(numeric(J, {x: xv}), np.diag(3 * xv.ravel() ** 2), rtol=1e-12)
    y = MatrixSymbol("y", 3, 1)
    g = derive.grad((x.T * y) ** sympy.S.Half, x)
    yv = rng.uniform(0.5, 2, size=(3, 1))
    np.testing.assert_allclose(numeric(g, {x: xv, y: yv}), yv / (2 * np.sqrt(xv.T @ yv)), rtol=1e-12)


def test_explicit_element_sums_get_answers():
    A, x = MatrixSymbol("A", 3, 3), MatrixSymbol("x", 3, 1)
    g = derive.grad((x.T * A * x)[0, 0], x)
    rng = np.random.default_rng(4)
    Av, xv = rng.normal(size=(3, 3)), rng.normal(size=(3, 1))
    np.testing.assert_allclose(numeric(g, {A: Av, x: xv}), (Av + Av.T) @ xv, rtol=1e-12)


def test_unsupported_forms_are_one_line_errors():
    A, x = MatrixSymbol("A", 3, 3), MatrixSymbol("x", 3, 1)
    k = Symbol("k")
    cases = [(lambda: derive.grad(Trace(A) * A, A), "4-dimensional"),
             (lambda: derive.jacobian(x * x.T, x), "3-dimensional"),
             (lambda: derive.grad(Trace(A ** Symbol("j")), A), "declared integer"),
             (lambda: derive.grad(MatrixSymbol("w", k, 1)[0, 0], MatrixSymbol("w", k, 1)), "symbolic size"),
             (lambda: derive.grad(Trace(A), A[0, 0]), "single entry")]
    for call, fragment in cases:
        with pytest.raises(derive.DeriveError) as info:
            call()
        assert fragment in str(info.value) and "\n" not in str(info.value)


# ---------------------------------------------------------------------------
# the cross-check catches a wrong rule


def test_a_wrong_reverse_rule_is_caught(monkeypatch):
    def wrong_inverse(node, G):  # forgets the transposes: -A^-1 G A^-1
        return [(node.arg, -node * G * node)]

    monkeypatch.setitem(matrix_rules.VJP, Inverse, wrong_inverse)
    with pytest.raises(derive.ValidationError):
        derive.grad("trace(inv(X) @ A)", "X", symbols="X: n x n, A: n x n")
    with pytest.raises(derive.ValidationError):
        derive.grad("trace(inv(X) @ A)", "X", symbols="X: 3 x 3, A: 3 x 3")


def test_a_wrong_forward_rule_is_caught(monkeypatch):
    def wrong_elementwise(L, M, R, ctx):  # drops f'
        return ctx.recurse(L, M.expr, R)

    monkeypatch.setitem(matrix_rules.JVP, sympy.matrices.expressions.applyfunc.ElementwiseApplyFunction,
                        wrong_elementwise)
    with pytest.raises(derive.ValidationError):
        derive.jacobian("sigmoid(A@x)", "x", symbols="A: m x n, x: n")


def test_a_wrong_scalar_rule_is_caught(monkeypatch):
    def wrong_inverse(M, ctx):  # the sign is lost
        inner = ctx.d(M.arg)
        return None if inner is None else M * inner * M

    monkeypatch.setitem(matrix_rules.DIFF, Inverse, wrong_inverse)
    s = Symbol("s")
    A = MatrixSymbol("A", 3, 3)
    with pytest.raises(derive.ValidationError):
        derive.jacobian(Inverse(A + s * sympy.Identity(3)), s)


def test_symmetric_instances_do_not_hide_a_transpose_error(monkeypatch):
    """With S declared symmetric, S and S.T agree at every point checked; a rule that
    drops the transposes must still be caught through the general matrix A."""
    def no_transposes(node, G):
        coeff, mats = node.as_coeff_matrices()
        return [(M, coeff * matrix_rules.product([matrix_rules.product(mats[:i]), G,
                                                  matrix_rules.product(mats[i + 1:])]))
                for i, M in enumerate(mats)]

    monkeypatch.setitem(matrix_rules.VJP, sympy.MatMul, no_transposes)
    with pytest.raises(derive.ValidationError):
        derive.grad("trace(S @ X @ A)", "X", symbols="S: n x n symmetric, A: n x n, X: n x n")
    with pytest.raises(derive.ValidationError):  # a row where the column belongs: same entries, wrong shape
        derive.grad("x.T @ S @ A @ x", "x", symbols="S: n x n symmetric, A: n x n, x: n")


def test_concrete_sizes_too_large_to_instantiate_are_a_limit_error():
    import pytest

    with pytest.raises(derive.LimitError, match="declare a symbolic size"):
        derive.grad("det(X)", "X", symbols="X: 1000000 x 1000000")  # was a MemoryError


def test_large_concrete_sizes_are_validated_on_a_sample_and_say_so():
    d = derive.differentiate("norm(X)", "X", symbols="X: 300 x 300")  # every entry took > 20 s
    assert d.report.ok and "a random 400 of 90000 entries and 20 random directions" in str(d.report)
