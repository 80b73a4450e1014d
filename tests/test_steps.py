"""Derivation steps: every step a true equality, every chain ending at the result.

The checks here are independent of derive.steps.verify: scalar and index
lines are evaluated in float at their own random points, matrix lines on
explicit random matrices with each pending differential d(E) replaced by a
central difference of E along dX.
"""

import json
import random

import numpy as np
import pytest
import sympy
from sympy import Derivative, Indexed, KroneckerDelta, MatrixSymbol

import derive
from derive.steps.differentials import PENDING
from derive.steps.scalar import FUNCTION_RULES, FunctionRule

SCALAR = [
    ("x**3 - 2*x**2 + 1", "x", "grad"),
    ("x**2 + y**3", "x y", "grad"),
    ("sigmoid(w*x + b)", "w b", "grad"),
    ("1/(1 + exp(-z))", "z", "grad"),
    ("log(1 + exp(x))", "x", "grad"),
    ("softplus(w*x)", "w", "grad"),
    ("sin(x**2)", "x", "grad"),
    ("exp(sin(x))*cos(x)", "x", "grad"),
    ("x**2*sin(x)", "x", "grad"),
    ("(x**2 + 1)/(x - 3)", "x", "grad"),
    ("x**x", "x", "grad"),
    ("sqrt(x**2 + y**2)", "x y", "grad"),
    ("tanh(w*x)", "w", "grad"),
    ("atan(y/x)", "x y", "grad"),
    ("log(x)", "x", "grad"),
    ("2**x + 3**(x**2)", "x", "grad"),
    ("abs(x**2 - 1)", "x", "grad"),
    ("relu(w*x + b)", "w b", "grad"),
    ("max(x, y**2)", "x y", "grad"),
    ("where(x > 0, x**2, -x)", "x", "grad"),
    ("erf(x/sqrt(2))", "x", "grad"),
    ("loggamma(x) + gamma(x)", "x", "grad"),
    ("asin(x/2) + cosh(x)*sinh(y)", "x y", "grad"),
    ("-log(s) - (x - mu)**2/(2*s**2)", "mu s", "grad"),
    ("-(y1*log(exp(z1)/(exp(z1) + exp(z2))) + y2*log(exp(z2)/(exp(z1) + exp(z2))))", "z1 z2", "grad"),
    ("log(1 + exp(w*x + b))", "w b", "hessian"),
    ("x1**2 - x2**2 + x1*x2**3", "x1 x2", "hessian"),
    ("[2*x*y, x**2*y]", "x y", "jacobian"),
    ("[sigmoid(x), sigmoid(y), sigmoid(x*y)]", "x y", "jacobian"),
]

INDEX = [
    ("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "grad"),
    ("sum((sum(A[i,j]*x[j], j) - b[i])**2, i)/2", "x[k]", "grad"),
    ("log(sum(exp(x[i]), i))", "x[k]", "grad"),
    ("sum(w[i,j]*x[i]*x[j], i, j)", "x[k], x[l]", "hessian"),
    ("sum(x[i]**2, i)", "x[k]", "hessian"),
    ("sum(y[i]*log(sigmoid(sum(X[i,j]*w[j], j))), i)", "w[k]", "grad"),
]

MATRIX = [
    ("x.T @ A @ x", "x", "A: n x n, x: n", "grad"),
    ("norm(A@x - b)**2/2", "x", "A: m x n, x: n, b: m", "grad"),
    ("logdet(X)", "X", "X: n x n", "grad"),
    ("trace(inv(X) @ A)", "X", "X: n x n, A: n x n", "grad"),
    ("det(X)", "X", "X: n x n", "grad"),
    ("trace(X @ X) + trace(A @ X)", "X", "X: n x n, A: n x n", "grad"),
    ("sum(exp(A@x))", "x", "A: m x n, x: n", "grad"),
    ("A@x", "x", "A: m x n, x: n", "jacobian"),
    ("sigmoid(A@x)", "x", "A: m x n, x: n", "jacobian"),
    ("x.T @ A @ x", "x", "A: n x n, x: n", "hessian"),
    ("sum(w**3) + 2*sum(w)", "w", "w: d", "grad"),  # an entrywise power next to another term
    ("sum((y - X@w)**2) + w.T@w", "w", "X: N x d, w: d, y: N", "grad"),
]


# ---------------------------------------------------------------------------
# independent numeric checks


def _float_point(symbols, rng):
    return {s: sympy.Float(rng.uniform(0.2, 1.8) * rng.choice([1, 1, -1]) if not s.is_positive else
                           rng.uniform(0.2, 1.8), 20) for s in symbols}


def _value(expr, point):
    v = complex(expr.doit().xreplace(point).evalf(20))
    return v


def assert_scalar_chain(start, steps):
    rng = random.Random(11)
    lines = [start] + [s.after for s in steps]
    real = {s: sympy.Symbol(s.name, real=True) for e in lines for s in e.free_symbols
            if isinstance(s, sympy.Symbol) and s.is_real is None}
    lines = [e.xreplace(real) for e in lines]  # derive works over the reals (names from text come back plain)
    symbols = sorted(set().union(*(e.free_symbols for e in lines)), key=str)
    compared = 0
    for _ in range(30):
        point = _float_point(symbols, rng)
        if any(str(s).startswith(("x", "z")) for s in symbols) and "log" in str(start):
            point = {s: abs(v) for s, v in point.items()}  # stay inside log's domain
        try:
            values = [_value(e, point) for e in lines]
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not all(np.isfinite(values)):
            continue
        for a, b, s in zip(values, values[1:], steps):
            assert abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1), f"{s.rule}: {s.before} != {s.after} at {point}"
        compared += 1
        if compared == 3:
            return
    raise AssertionError(f"no point where {start} is defined")


def assert_index_chain(start, steps, free):
    rng = random.Random(5)
    lines = [start] + [s.after for s in steps]
    # every size (n, or n_i, n_j: one per group of axes an index runs over) becomes 3
    sizes = {s: 3 for e in lines for s in e.free_symbols if s.is_integer and s.is_positive}
    for values in ([0, 1], [2, 2], [1, 0]):
        assign = {k: v for k, v in zip(free, values)}
        explicit = [e.xreplace(assign).subs(sizes).doit() for e in lines]
        elements = sorted(set().union(*(e.atoms(Indexed) for e in explicit)), key=str)
        point = {a: sympy.Float(rng.uniform(0.2, 1.5), 20) for a in elements}
        numbers = [complex(e.xreplace(point).evalf(20)) for e in explicit]
        for a, b, s in zip(numbers, numbers[1:], steps):
            assert abs(a - b) <= 1e-9 * max(abs(a), 1), f"{s.rule}: {s.before} != {s.after} at {assign}"


def _explicit(expr, values, sizes):
    """A matrix/scalar expression with every matrix symbol replaced by a float matrix."""
    expr = expr.subs(sizes) if sizes else expr
    swap = {M: sympy.ImmutableMatrix(values[M.name]) for M in expr.atoms(MatrixSymbol)}
    swap.update({c: c.as_explicit() for c in expr.atoms(sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)})
    out = expr.xreplace(swap).replace(  # SymPy's doit() does not raise explicit entries entrywise
        lambda e: isinstance(e, sympy.HadamardPower),
        lambda e: sympy.ImmutableMatrix(np.array(e.args[0].doit(), dtype=float) ** float(e.args[1]))).doit()
    if isinstance(out, sympy.MatrixExpr) and not isinstance(out, sympy.MatrixBase):
        out = out.as_explicit()
    return out


def _line_value(line, values, sizes, X, dX, t=1e-6):
    def stand_in(node):
        E = node.args[0]
        up = dict(values, **{X.name: values[X.name] + t * values[dX.name]})
        down = dict(values, **{X.name: values[X.name] - t * values[dX.name]})
        diff = (np.array(_explicit(E, up, sizes)).astype(complex) - np.array(_explicit(E, down, sizes))
                .astype(complex)) / (2 * t)
        if isinstance(E, sympy.MatrixExpr):
            return sympy.ImmutableMatrix(diff.real)
        return sympy.Float(complex(diff.reshape(-1)[0]).real)

    replaced = line.replace(lambda e: isinstance(e, PENDING), stand_in)
    value = _explicit(replaced, values, sizes)
    return np.array(value.evalf(15) if hasattr(value, "evalf") else value, dtype=complex).reshape(-1)


def assert_matrix_chain(start, steps, X):
    dX = next(M for M in set().union(*(s.after.atoms(MatrixSymbol) for s in steps[:-1]), set())
              if M.name in (f"d{X.name}", f"d_{X.name}"))
    lines = [start] + [s.after for s in steps[:-1]]
    last = steps[-1]
    identified = sympy.Trace(last.after.T * dX) if "grad" in last.relation else last.after * dX
    lines.append(identified)
    rng = np.random.default_rng(3)
    dims = sorted({d for e in lines for M in e.atoms(MatrixSymbol) for d in M.shape if not d.is_Integer},
                  key=str)
    sizes = {d: v for d, v in zip(dims, (3, 2, 4))}
    values = {}
    for M in set().union(*(e.atoms(MatrixSymbol) for e in lines)):
        r, c = (int(sympy.sympify(d).subs(sizes)) for d in M.shape)
        values[M.name] = rng.uniform(-1, 1, (r, c)) + (2.5 * np.eye(r) if r == c and r > 1 else 0)
    numbers = [_line_value(e, values, sizes, X, dX) for e in lines]
    for a, b, s in zip(numbers, numbers[1:], steps):
        assert np.allclose(a, b, rtol=1e-6, atol=1e-8), f"{s.rule}: {s.before} != {s.after}: {a} vs {b}"


# ---------------------------------------------------------------------------
# the corpus


@pytest.mark.parametrize("f, wrt, kind", SCALAR)
def test_scalar_steps_are_equalities_ending_at_the_result(f, wrt, kind):
    d = derive.differentiate(f, wrt, kind)
    steps = d.steps
    assert steps.chains and all(s.checked for s in steps)
    labels = [label for label, _ in steps.entries()]
    rows, cols = d.result.shape
    for label, start, chain in steps.chains:
        assert isinstance(start, Derivative)
        assert chain, f"no steps for {label}"
        assert not chain[-1].after.has(Derivative)
        assert_scalar_chain(start, chain)
    for i in range(rows):
        for j in range(cols):
            label = d.entry_label(i, j)
            if label in labels:
                last = steps.chains[labels.index(label)][2][-1].after
                assert last == d.result[i, j], f"{label}: the chain ends at {last}, the result is {d.result[i, j]}"
            else:
                assert label in steps.same_as
    json.dumps(steps.to_dict())
    assert "aligned" in steps._repr_latex_()


@pytest.mark.parametrize("f, wrt, kind", INDEX)
def test_index_steps_are_equalities_ending_at_the_result(f, wrt, kind):
    d = derive.differentiate(f, wrt, kind)
    steps = d.steps
    free = [i for w in d.wrt for i in w.indices]
    for _, start, chain in steps.chains:
        assert isinstance(start, Derivative) and not chain[-1].after.has(Derivative)
        assert_index_chain(start, chain, free)
    assert steps.chains[-1][2][-1].after == d.result
    assert any(s.rule == "Kronecker delta produced" for s in steps)


@pytest.mark.parametrize("f, wrt, decl, kind", MATRIX)
def test_matrix_steps_are_equalities_ending_at_the_result(f, wrt, decl, kind):
    d = derive.differentiate(f, wrt, kind, symbols=decl)
    steps = d.steps
    (X,) = d.wrt
    for _, start, chain in steps.chains:
        assert chain[-1].rule == "identification" and chain[-1].relation.startswith("=>")
        assert_matrix_chain(start, chain, X)
    assert steps.chains[-1][2][-1].after == d.result
    assert all(s.checked.startswith("equal on") for s in steps)


def test_the_corpus_is_large_enough():
    assert len(SCALAR) + len(INDEX) + len(MATRIX) >= 30


# ---------------------------------------------------------------------------
# what the steps show


def rules(steps):
    return [s.rule for s in steps]


def test_power_rule_derivation_reads_like_a_textbook():
    steps = derive.differentiate("x**3 - 2*x**2 + 1", "x").steps
    assert rules(steps) == ["sum rule", "constant factor", "power rule"]
    assert steps[0].before == Derivative(derive.parse("x**3 - 2*x**2 + 1"), sympy.Symbol("x"))
    assert "1 is constant" in steps[0].note


def test_chain_rule_names_the_outer_function_and_the_inner_one():
    steps = derive.differentiate("sigmoid(w*x + b)", "w").steps
    assert rules(steps) == ["chain rule", "sum rule", "constant factor", "variable rule"]
    assert "derivative of sigmoid" in steps[0].note and "u = b + w*x" in steps[0].note


def test_sigmoid_is_recognized_and_kept():
    d = derive.differentiate("1/(1 + exp(-z))", "z")
    steps = d.steps
    # the result is the textbook's sigmoid(z)*(1 - sigmoid(z)): no step back to exponentials
    assert rules(steps) == ["sigmoid recognized", "derivative of sigmoid"]
    assert "= sigmoid(z)" in steps[0].note and derive.to_text(d.result[0]) == "(1 - sigmoid(z))*sigmoid(z)"


def test_product_and_quotient_rules():
    assert "product rule" in rules(derive.differentiate("x**2*sin(x)", "x").steps)
    assert rules(derive.differentiate("(x**2 + 1)/(x - 3)", "x").steps)[0] == "quotient rule"


def test_index_notation_shows_two_deltas_then_contracts_each():
    steps = derive.differentiate("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]").steps
    produced = [s for s in steps if s.rule == "Kronecker delta produced"]
    assert len(produced) == 1 and len(produced[0].after.atoms(KroneckerDelta)) == 2
    assert rules(steps).count("Kronecker delta contracted") == 2
    assert "split the sum" in rules(steps)
    assert not steps[-1].after.has(KroneckerDelta)


def test_matrix_notation_works_in_differentials():
    d = derive.differentiate("x.T @ A @ x", "x", symbols="A: n x n, x: n")
    assert rules(d.steps) == ["product rule", "differential of the transpose", "trace/cyclic rule", "collect",
                              "identification"]
    assert str(d.steps[0].after) == "d(x.T)*A*x + x.T*A*dx" or "dx" in str(d.steps[0].after)
    assert d.steps[-1].after == d.result
    text = str(d.steps)
    assert "=> grad f = (A + A.T)@x" in text


def test_every_matrix_operator_with_a_rule_is_worded():
    from derive.calculus.matrix_rules import DIFF, SCALAR_DIFF, VJP, WORDING

    for op in set(VJP) | set(DIFF) | set(SCALAR_DIFF):
        if op is sympy.MatrixBase:
            continue  # an explicit Matrix has entries, not an operator
        rule, identity = WORDING[op]
        assert rule and identity.startswith("d"), op


def test_log_det_steps_reach_the_inverse_transpose():
    d = derive.differentiate("logdet(X)", "X", symbols="X: n x n")
    assert rules(d.steps) == ["derivative of log", "differential of the determinant", "identification"]


def test_hessian_lists_distinct_entries_once():
    d = derive.differentiate("x*y*z + x**2", "x y z", "hessian")
    steps = d.steps
    assert len(steps.chains) == 3 + 6  # the gradient's entries, then the upper triangle
    assert len(steps.same_as) == 3 and all("commute" in v for v in steps.same_as.values())


def test_jacobian_repeated_entries_are_listed_once():
    steps = derive.differentiate("[sigmoid(x), sigmoid(x)]", "x", "jacobian").steps
    assert len(steps.chains) == 1 and steps.same_as == {"dF1/dx": "dF0/dx"}


def test_sympy_objects_and_mixed_input():
    x, y = sympy.symbols("x y")  # plain symbols without assumptions
    steps = derive.differentiate(sympy.sin(x * y) + x**2, [x, y]).steps
    assert rules(steps.chains[0][2])[:2] == ["sum rule", "chain rule"]
    n = sympy.Symbol("n", integer=True, positive=True)
    A, v = MatrixSymbol("A", n, n), MatrixSymbol("v", n, 1)
    d = derive.differentiate(sympy.Trace(v.T * A * v), v)
    assert d.steps[-1].after == d.result
    i, k = sympy.symbols("i k", integer=True)
    w, xb = sympy.IndexedBase("w"), sympy.IndexedBase("x")
    d = derive.differentiate(sympy.Sum(w[i] * xb[i] ** 2, (i, 0, n - 1)), xb[k])
    assert d.steps[-1].after == d.result == 2 * w[k] * xb[k]
    d = derive.differentiate("x.T @ A @ x + c", "x", symbols={"A": A, "x": MatrixSymbol("x", n, 1)})
    assert rules(d.steps)[0] == "sum rule" and "c is constant" in d.steps[0].note


def test_every_function_of_the_parser_has_a_rule():
    from derive.text.functions import FUNCTIONS

    x, y = sympy.symbols("x y", real=True)
    for name, fn in FUNCTIONS.items():
        if name == "where":
            continue  # a Piecewise: the piecewise rule
        args = [2, x] if name == "polygamma" else [x, y][: max(fn.min_args, 1)]
        expr = fn.build(*args)
        cls = type(expr)
        if isinstance(expr, sympy.Pow) or expr.is_Symbol:
            continue  # sqrt is a power; max(x) is x
        assert cls in FUNCTION_RULES, f"{name} ({cls.__name__}) has no entry in FUNCTION_RULES"


class cube(sympy.Function):  # noqa: N801 - a new function, as a user would add one
    def fdiff(self, argindex=1):
        return 3 * self.args[0] ** 2


@pytest.fixture
def cube_rule(monkeypatch):
    monkeypatch.setitem(FUNCTION_RULES, cube, FunctionRule("cube"))


def test_adding_a_function_is_one_entry(cube_rule):
    x = sympy.Symbol("x", real=True)
    d = derive.differentiate(sympy.exp(x) + cube(x**2), [x], validate_result=False)
    steps = d.steps
    chain = next(s for s in steps if s.rule == "chain rule" and "cube" in s.note)
    assert "derivative of cube: d/du cube(u) = 3*u**2" in chain.note
    assert steps[-1].after == d.result[0, 0]


def test_a_function_without_an_entry_still_gets_its_own_name():
    x = sympy.Symbol("x", real=True)
    steps = derive.differentiate(cube(x), [x], validate_result=False).steps
    assert rules(steps) == ["derivative of cube"]


def test_step_objects_print_and_serialize():
    step = derive.differentiate("x**2", "x").steps[0]
    assert str(step) == "power rule: d/dx(x**2) = 2*x   (d/dx x**n = n*x**(n - 1))"
    assert step._repr_latex_().startswith("$$") and r"\frac" in step._repr_latex_()
    data = step.to_dict()
    assert data["before"] == "d/dx(x**2)" and data["after"] == "2*x" and data["rule"] == "power rule"
    json.dumps(data)


def test_text_output_is_aligned_one_rule_per_line():
    text = str(derive.differentiate("sigmoid(w*x + b)", "w").steps)
    lines = [ln for ln in text.splitlines() if " = " in ln and not ln.startswith("every")]
    columns = {ln.index(" = ") for ln in lines}
    assert len(columns) == 1 and len(lines) == 4


def test_a_failing_step_is_never_shown(monkeypatch):
    """A rule that lies is caught by the numeric check (here: a wrong power rule)."""
    from derive.steps import scalar

    def wrong_power_rule(g, x):
        if isinstance(g, sympy.Pow) and g.base == x and not g.exp.has(x):
            return g.exp * x ** (g.exp - 2), "a wrong power rule"
        return None

    table = tuple(scalar.Rule(r.name, wrong_power_rule if r.name == "power rule" else r.apply, r.summary)
                  for r in scalar.RULES)
    monkeypatch.setattr(scalar, "RULES", table)
    with pytest.raises(derive.ValidationError, match="failed its numeric check"):
        _ = derive.differentiate("x**3", "x").steps


def test_a_wrong_matrix_rule_is_caught(monkeypatch):
    from derive.calculus import matrix_rules

    d = derive.differentiate("trace(inv(X) @ A)", "X", symbols="X: n x n, A: n x n")  # before the rule lies
    wrong = {**matrix_rules.DIFF, sympy.Inverse: lambda M, ctx: sympy.MatMul(M, ctx.d(M.arg), M)}  # sign dropped
    monkeypatch.setattr(matrix_rules, "DIFF", wrong)
    with pytest.raises(derive.ValidationError, match="failed its numeric check"):
        _ = d.steps
