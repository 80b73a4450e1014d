"""`check` names the step a wrong claim went wrong at (Verdict.step), and the CLI shows the work."""

import json

import pytest

import derive
from derive.cli import main


def step_of(f, wrt, claim, **options):
    v = derive.check(f, wrt, claim, **options)
    assert not v.ok
    return v


# the seed lessons' mistakes -------------------------------------------------


def test_dsigmoid_with_a_factor_two_is_the_derivative_of_sigmoid_step():
    v = step_of("1/(1 + exp(-z))", "z", "2*s*(1 - s)", let="s = 1/(1 + exp(-z))")
    assert v.step.step.rule == "derivative of sigmoid"
    assert v.step.text == ("derivative of sigmoid: d/dz(sigmoid(z)) = (1 - sigmoid(z))*sigmoid(z); "
                           "the claim has 2*s*(1 - s)")
    assert "2 times" in v.explanation  # the existing explanation is intact


def test_direction_field_bug_fy_2y_is_the_power_rule_step():
    v = step_of("x**2 + y**3", "x y", "[2*x, 2*y]")
    assert v.step.entry == "df/dy" and v.step.step.rule == "power rule"
    assert v.step.text == "power rule: d/dy(y**3) = 3*y**2; the claim has 2*y"


def test_dropped_index_term_is_the_delta_step():
    v = step_of("sum(w[i,j]*x[i]*x[j], i, j)", "x[k]", "sum(w[k,j]*x[j], j)")
    assert v.step.step.rule == "Kronecker delta produced"
    text = v.step.text
    assert text.startswith("d/dx[k] hits both x[") and "x[i]" in text and "x[j]" in text
    assert "keeps only the term from x[i] (i = k): sum(w[k, j]*x[j], j)" in text
    assert "drops the term from x[j] (j = k): sum(w[i, k]*x[i], i)" in text


def test_missing_chain_factor_is_the_inner_derivative():
    v = step_of("sin(x**2)", "x", "cos(x**2)")
    assert v.step.text == "the chain rule's inner derivative d/dx(x**2) = 2*x is missing"
    v = step_of("sigmoid(w*x + b)", "w", "sigmoid(w*x + b)*(1 - sigmoid(w*x + b))*w")
    assert v.step.text == "the chain rule's inner derivative of b + w*x is x; the claim has w"
    assert v.step.step.rule == "chain rule"


def test_misplaced_transpose_in_least_squares_is_the_identification_step():
    v = step_of("norm(A@x - b)**2/2", "x", "A @ (A@x - b)", symbols="A: n x n, x: n, b: n")
    assert v.status == "wrong" and "A should be A.T" in v.explanation  # one factor, not the whole result
    assert v.step.step.rule == "identification"
    assert "the claim has A@(A@x - b)" in v.step.text and "A.T@(A@x - b)" in v.step.text


def test_quadratic_form_claim_2wx_is_the_trace_rule_step():
    v = step_of("x.T @ W @ x", "x", "2*W @ x", symbols="W: n x n, x: n")
    assert v.explanation == "holds only if W is symmetric"
    assert v.step.step.rule == "trace/cyclic rule"
    assert "x.T@W@dx as (W.T@x).T@dx" in v.step.text and "the claim has W@x for this term" in v.step.text


def test_a_dropped_product_rule_term_names_the_product_rule():
    v = step_of("x**2*sin(x)", "x", "2*x*cos(x)")
    assert v.step.step.rule == "product rule" and v.step.text.startswith("product rule")


def test_right_claims_and_shape_clashes_have_no_step():
    assert derive.check("sin(x)**2", "x", "sin(2*x)").step is None
    assert derive.check("x**2 + y**2", "x y", "[2*x, 2*y, 0]").step is None


def test_the_step_is_in_str_and_json():
    v = step_of("x**2 + y**3", "x y", "[2*x, 2*y]")
    assert "  step: power rule: d/dy(y**3) = 3*y**2; the claim has 2*y" in str(v)
    data = json.loads(json.dumps(v.to_dict()))
    assert data["step"]["rule"] == "power rule" and data["step"]["claimed"] == "2*y"
    assert data["step"]["step"]["before"] == "d/dy(y**3)" and data["step"]["step"]["after"] == "3*y**2"


def test_sympy_objects_in_a_check():
    import sympy

    x, y = sympy.symbols("x y")
    v = derive.check(x**2 + y**3, [x, y], sympy.Matrix([2 * x, 2 * y]))
    assert v.step.text == "power rule: d/dy(y**3) = 3*y**2; the claim has 2*y"


# the command line -----------------------------------------------------------


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_steps_for_grad(capsys):
    code, out, _ = run(capsys, "grad", "sigmoid(w*x + b)", "--wrt", "w", "--steps")
    assert code == 0
    lines = out.splitlines()
    i = lines.index("the derivation, step by step:")
    rule_lines = [ln for ln in lines[i:] if " = " in ln and not ln.startswith("every")]
    assert [ln.split()[0] for ln in rule_lines] == ["chain", "sum", "constant", "variable"]
    assert len({ln.index(" = ") for ln in rule_lines}) == 1  # aligned
    assert lines[-1].startswith("every step checked")


def test_cli_steps_in_json(capsys):
    code, out, _ = run(capsys, "hessian", "x**2*y", "--wrt", "x,y", "--steps", "--json")
    data = json.loads(out)
    assert code == 0 and data["result"] == [["2*y", "2*x"], ["2*x", "0"]]
    entries = [e["entry"] for e in data["steps"]["entries"]]
    assert entries == ["df/dx", "df/dy", "d2f/dxdx", "d2f/dxdy", "d2f/dydy"]
    assert data["steps"]["same_as"] == {"d2f/dydx": "d2f/dxdy (second derivatives commute)"}


def test_cli_check_steps(capsys):
    code, out, _ = run(capsys, "check", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 2*y]", "--steps")
    assert code == 1
    assert "step: power rule: d/dy(y**3) = 3*y**2; the claim has 2*y" in out
    assert "the derivation, step by step:" in out and "df/dy:" in out
    code, out, _ = run(capsys, "check", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 2*y]", "--steps", "--json")
    data = json.loads(out)
    assert data["status"] == "wrong" and data["step"]["entry"] == "df/dy" and data["steps"]["entries"]


def test_cli_matrix_steps(capsys):
    code, out, _ = run(capsys, "grad", "x.T @ A @ x", "--wrt", "x", "--let", "A: n x n, x: n", "--steps")
    assert code == 0 and "=> grad f = (A + A.T)@x" in out and "trace/cyclic rule" in out


@pytest.mark.parametrize("argv", [
    ("grad", "x**2 + y**3", "--wrt", "x,y"),
    ("jacobian", "[2*x*y, x**2*y]", "--wrt", "x,y"),
    ("hessian", "x**2*y", "--wrt", "x,y"),
    ("critical", "x**3 - 3*x + y**3 - 3*y"),
    ("kkt", "--min", "x**2 + y**2", "--wrt", "x,y", "--st", "x + y >= 1"),
])
def test_cli_plot(capsys, tmp_path, argv):
    path = tmp_path / "out.png"
    code, out, _ = run(capsys, *argv, "--plot", str(path))
    assert code == 0 and f"plot written to {path}" in out
    assert path.stat().st_size > 20_000
    code, out, _ = run(capsys, *argv, "--plot", str(tmp_path / "again.svg"), "--json")
    assert json.loads(out)["plot"].endswith("again.svg")


def test_cli_plot_of_a_matrix_derivative_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "grad", "x.T @ A @ x", "--wrt", "x", "--let", "A: n x n, x: n", "--plot",
                       str(tmp_path / "m.png"))
    assert code == 2 and err.startswith("derive: error: plot() draws derivatives in scalar variables")
    assert len(err.strip().splitlines()) == 1


def test_cli_steps_that_cannot_be_shown_do_not_hide_the_answer(capsys, monkeypatch):
    from derive.steps import scalar

    monkeypatch.delitem(scalar.FUNCTION_RULES, scalar.sympy.exp)  # still explained, under its class name
    code, out, _ = run(capsys, "grad", "exp(x)", "--wrt", "x", "--steps")
    assert code == 0 and "derivative of exp" in out

    def no_rule(node, x):
        raise derive.DeriveError("no step rule for this")

    monkeypatch.setattr(scalar, "rewrite", no_rule)
    code, out, _ = run(capsys, "grad", "exp(x)", "--wrt", "x", "--steps")
    assert code == 0 and "df/dx = exp(x)" in out and "steps unavailable: no step rule for this" in out
    code, out, _ = run(capsys, "grad", "exp(x)", "--wrt", "x", "--steps", "--json")
    assert json.loads(out)["steps"] == "steps unavailable: no step rule for this"
