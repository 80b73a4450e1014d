"""LaTeX in (issue 20, item 1): every form of the table compared numerically with a reference
written by hand in NumPy (never through derive's text parser), LaTeX through the public API and
the CLI, and the refusals (hostile input fast, malformed input with its column, unsupported
commands named)."""

import json
import time

import numpy as np
import pytest
import sympy
from sympy import ImmutableMatrix, Indexed, MatrixSymbol

import derive
from derive import ParseError, LimitError
from derive.cli import main
from derive.text.latex import is_latex, split_derivative, syntax_default
from derive.text.inputs import split_names

SIZES = {"N": 4, "d": 3, "n": 3, "K": 3}
_rng = np.random.default_rng(20)
_B = _rng.normal(size=(3, 3))
POOL = {
    "X": _rng.normal(size=(4, 3)), "w": _rng.normal(size=3), "y": _rng.normal(size=4),
    "A": _rng.normal(size=(3, 3)) + 3 * np.eye(3), "S": _B @ _B.T + np.eye(3), "W": _rng.normal(size=(3, 3)),
    "x": _rng.uniform(0.5, 1.5, size=3), "b": _rng.normal(size=3), "z": _rng.normal(size=3),
    "p": _rng.uniform(0.5, 1.5, size=3),
    "a": 0.7, "c": 1.3, "t": -0.8, "u": 1.7, "lambda": 0.3, "sigma": 0.9, "mu": 0.2, "s": 0.45,
    "theta_0": 0.25, "theta_1": -1.1, "w_1": 0.6, "w_2": -0.4, "y_hat": 2.5,
}
ML = "X: N x d, w: d, y: N"
QUAD = "A: n x n, x: n, b: n"


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def _softmax(v):
    return np.exp(v) / np.exp(v).sum()


# (LaTeX, declarations, reference in NumPy, value overrides, syntax)
FORMS = [
    (r"\frac{1}{2}\|Xw - y\|^2", ML, lambda v: 0.5 * np.sum((v["X"] @ v["w"] - v["y"]) ** 2)),
    (r"\frac{1}{2}\|X\mathbf{w}-\mathbf{y}\|_2^2 + \frac{\lambda}{2}\|\mathbf{w}\|_2^2", ML,
     lambda v: 0.5 * np.sum((v["X"] @ v["w"] - v["y"]) ** 2) + v["lambda"] / 2 * v["w"] @ v["w"]),
    (r"(Xw - y)^T (Xw - y)", ML, lambda v: np.sum((v["X"] @ v["w"] - v["y"]) ** 2), {}, "latex"),
    (r"\mathbf{x}^T A \mathbf{x}", QUAD, lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"x^\top A x", QUAD, lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"x^{\intercal} A x", QUAD, lambda v: v["x"] @ v["A"] @ v["x"]),
    (r"x^{\mathsf T} A b", QUAD, lambda v: v["x"] @ v["A"] @ v["b"]),
    (r"x' A b", QUAD, lambda v: v["x"] @ v["A"] @ v["b"], {}, "latex"),
    (r"x^T A b", QUAD, lambda v: v["x"] @ v["A"] @ v["b"], {}, "latex"),
    (r"\bm{x}^T A^{-1} \boldsymbol{b}", QUAD, lambda v: v["x"] @ np.linalg.inv(v["A"]) @ v["b"]),
    (r"\vec{x} \cdot \vec{b}", QUAD, lambda v: v["x"] @ v["b"]),
    (r"\mathbf{1}^T A^{-T} b", QUAD, lambda v: np.sum(np.linalg.inv(v["A"]).T @ v["b"])),
    (r"\log\det S", "S: n x n", lambda v: np.log(np.linalg.det(v["S"]))),
    (r"\log|S|", "S: n x n", lambda v: np.log(np.linalg.det(v["S"]))),
    (r"\det(A) + \det A", QUAD, lambda v: 2 * np.linalg.det(v["A"])),
    (r"\operatorname{tr}(A^T A)", QUAD, lambda v: np.trace(v["A"].T @ v["A"])),
    (r"\mathrm{tr}(A) + \text{tr}(A^2) + \mathrm{Tr}(W)", "A: n x n, W: n x n",
     lambda v: np.trace(v["A"]) + np.trace(v["A"] @ v["A"]) + np.trace(v["W"])),
    (r"\|A\|_F^2", QUAD, lambda v: np.sum(v["A"] ** 2)),
    (r"\lVert x \rVert", QUAD, lambda v: np.linalg.norm(v["x"])),
    (r"\left\| x - b \right\|_2", QUAD, lambda v: np.linalg.norm(v["x"] - v["b"])),
    (r"\|b\|_1", QUAD, lambda v: np.sum(np.abs(v["b"]))),
    (r"|t| + \left| t \right|", None, lambda v: 2 * abs(v["t"]), {}, "latex"),
    (r"\sigma(u) + \sigma^2", None, lambda v: _sigmoid(v["u"]) + v["sigma"] ** 2),
    (r"\tanh(a) + \exp(a) + \exp a", None, lambda v: np.tanh(v["a"]) + 2 * np.exp(v["a"])),
    (r"\max(a, c) + \min(a, c)", None, lambda v: v["a"] + v["c"]),
    (r"\ln u + \log u + \log_2 u", None, lambda v: 2 * np.log(v["u"]) + np.log2(v["u"])),
    (r"\sqrt{u} + \sqrt[3]{u}", None, lambda v: np.sqrt(v["u"]) + v["u"] ** (1 / 3)),
    (r"\left( a + c \right)^2 \bigl( a \bigr)", None, lambda v: (v["a"] + v["c"]) ** 2 * v["a"]),
    (r"\dfrac{a}{c} + \tfrac{1}{2}a + \frac12 c", None, lambda v: v["a"] / v["c"] + v["a"] / 2 + v["c"] / 2),
    (r"a \cdot c \times u", None, lambda v: v["a"] * v["c"] * v["u"]),
    (r"2a + \lambda c", None, lambda v: 2 * v["a"] + v["lambda"] * v["c"], {}, "latex"),
    (r"\sum_{i=1}^{N} (y_i - w^T x_i)^2", ML, lambda v: np.sum((v["y"] - v["X"] @ v["w"]) ** 2)),
    (r"\sum_{i=1}^{N} (y^{(i)} - w^T x^{(i)})^2", ML, lambda v: np.sum((v["y"] - v["X"] @ v["w"]) ** 2)),
    (r"\frac{1}{N}\sum_i (y_i - \mathbf{w}^\top \mathbf{x}_i)^2", ML,
     lambda v: np.mean((v["y"] - v["X"] @ v["w"]) ** 2)),
    (r"-\sum_{i=1}^{N} \left[ y_i \log \sigma(w^T x_i) + (1 - y_i)\log(1 - \sigma(w^T x_i)) \right]", ML,
     lambda v: -np.sum(v["y"] * np.log(_sigmoid(v["X"] @ v["w"])) + (1 - v["y"]) * np.log(1 - _sigmoid(v["X"] @ v["w"]))),
     {"y": np.array([0.0, 1.0, 1.0, 0.0])}),
    (r"\prod_{i=1}^{n} p_i", None, lambda v: np.prod(v["p"])),
    (r"\sum_{i=1}^{n} i", None, lambda v: 6.0),
    (r"\sum_{i}\sum_{j} W_{ij} x_i x_j", "W: n x n, x: n", lambda v: v["x"] @ v["W"] @ v["x"]),
    (r"W_{12} + W_{2,1} + x_1 x_2", "W: n x n, x: n", lambda v: v["W"][0, 1] + v["W"][1, 0] + v["x"][0] * v["x"][1],
     {}, "latex"),
    (r"w_1 + w_2", None, lambda v: v["w_1"] + v["w_2"], {}, "latex"),
    (r"x^T (A + \lambda I_n) x", QUAD, lambda v: v["x"] @ (v["A"] + v["lambda"] * np.eye(3)) @ v["x"]),
    (r"x^T (A + \lambda I) b", QUAD, lambda v: v["x"] @ (v["A"] + v["lambda"] * np.eye(3)) @ v["b"]),
    (r"x^T I b", QUAD, lambda v: v["x"] @ v["b"], {}, "latex"),
    (r"\mathbf{1}^T x + \mathbf{1}_n^T b + b^T \mathbf{1}", QUAD, lambda v: v["x"].sum() + 2 * v["b"].sum()),
    (r"\mathbf{1}^T \operatorname{diag}(x) b", QUAD, lambda v: v["x"] @ v["b"]),
    (r"\mathbf{1}^T (x \odot b)", QUAD, lambda v: v["x"] @ v["b"]),
    (r"\mathbf{1}^T A^2 x", QUAD, lambda v: np.sum(v["A"] @ v["A"] @ v["x"])),
    (r"e^{a} + e^{-\frac{(u-\mu)^2}{2\sigma^2}}", None,
     lambda v: np.exp(v["a"]) + np.exp(-(v["u"] - v["mu"]) ** 2 / (2 * v["sigma"] ** 2))),
    (r"\frac{1}{\sigma\sqrt{2\pi}} \exp\left(-\frac{(u-\mu)^2}{2\sigma^2}\right)", None,
     lambda v: np.exp(-(v["u"] - v["mu"]) ** 2 / (2 * v["sigma"] ** 2)) / (v["sigma"] * np.sqrt(2 * np.pi))),
    (r"-\log \frac{e^{z_2}}{\sum_{j=1}^{K} e^{z_j}}", "z: K", lambda v: -np.log(_softmax(v["z"])[1])),
    (r"\operatorname{softmax}(z)_2", "z: K", lambda v: _softmax(v["z"])[1]),
    (r"(x - b)^T S^{-1} (x - b)", "S: n x n, x: n, b: n",
     lambda v: (v["x"] - v["b"]) @ np.linalg.inv(v["S"]) @ (v["x"] - v["b"])),
    (r"\hat{y} - \theta_0 - \theta_1 a", None, lambda v: v["y_hat"] - v["theta_0"] - v["theta_1"] * v["a"]),
    (r"\sin^2 a + \cos^2 a", None, lambda v: 1.0),
    (r"a + 3!", None, lambda v: v["a"] + 6, {}, "latex"),
    (r"$a^2$", None, lambda v: v["a"] ** 2),
    (r"\(a^2\)", None, lambda v: v["a"] ** 2),
    (r"\[a^{2}\]", None, lambda v: v["a"] ** 2),
    (r"$$\frac{a}{c}$$", None, lambda v: v["a"] / v["c"]),
    (r"\mu^2 + \Sigma + \lambda", None, lambda v: v["mu"] ** 2 + v["s"] + v["lambda"], {"Sigma": 0.45}),
    (r"\frac{a}{c}\cdot 0.5", None, lambda v: v["a"] / v["c"] * 0.5),
    # after ^T the next letter starts a new factor; I and \mathbf{1} sized by the term beside them
    (r"b^TAx + b^\top Ax", QUAD, lambda v: 2 * v["b"] @ v["A"] @ v["x"]),
    (r"b^T\lambda I x + x^T I\lambda b", QUAD, lambda v: 2 * v["lambda"] * v["b"] @ v["x"]),
    (r"\mathbf{1}^T\left(\lambda I + A\right)x", QUAD, lambda v: np.sum((v["lambda"] * np.eye(3) + v["A"]) @ v["x"])),
    (r"\frac{2}{N}\mathbf{1}^T\left(Xw + c\mathbf{1} - y\right)", ML,
     lambda v: 2 / 4 * np.sum(v["X"] @ v["w"] + v["c"] - v["y"])),
    (r"\operatorname{tr}\left(\left(X - \mathbf{1}w^T\right)^T\left(X - \mathbf{1}w^T\right)\right)", ML,
     lambda v: np.sum((v["X"] - v["w"][None, :]) ** 2)),
    (r"\left(Xw + \mathbf{1} - y\right)^T\left(Xw + c\mathbf{1}\right)", ML,
     lambda v: (v["X"] @ v["w"] + 1 - v["y"]) @ (v["X"] @ v["w"] + v["c"])),
]


def _id(form):
    return form[0][:40]


def evaluate(expr, sizes, values):
    """`expr` at concrete sizes and values, by SymPy alone: sizes -> integers, matrices -> their
    entries, sums expanded, array entries and scalars substituted."""
    free = set(expr.free_symbols) | {s for m in expr.atoms(MatrixSymbol) for dim in m.shape
                                     for s in getattr(dim, "free_symbols", ())}
    sized = {s: sizes[s.name] for s in free if isinstance(s, sympy.Symbol) and s.name in sizes}
    e = expr.xreplace(sized) if sized else expr
    e = e.xreplace({m: ImmutableMatrix(np.asarray(values[m.name], dtype=float).reshape(m.shape))
                    for m in e.atoms(MatrixSymbol)})
    e = e.replace(lambda a: isinstance(a, (sympy.OneMatrix, sympy.Identity)), lambda a: a.as_explicit()).doit()

    def entry(element):
        array = np.asarray(values[str(element.base.label)], dtype=float)
        return sympy.Float(array[tuple(int(i) for i in element.indices)])

    e = e.replace(lambda a: isinstance(a, Indexed), entry)
    e = e.subs({s: values[s.name] for s in e.free_symbols if s.name in values}).doit()
    return float(sympy.N(e[0, 0] if isinstance(e, sympy.MatrixBase) else e, 30))


@pytest.mark.parametrize("form", FORMS, ids=_id)
def test_each_latex_form_agrees_with_a_numpy_reference(form):
    text, decl, reference = form[:3]
    overrides = form[3] if len(form) > 3 else {}
    syntax = form[4] if len(form) > 4 else None
    values = {**POOL, **overrides}
    if syntax is None:
        assert is_latex(text), text  # detected on its own
    expr = derive.parse(text, decl, syntax=syntax)
    got = evaluate(expr, SIZES, values)
    assert got == pytest.approx(float(reference(values)), rel=1e-9, abs=1e-12), (text, expr)


def test_the_table_has_at_least_forty_forms():
    assert len(FORMS) >= 40


def test_a_wrong_reading_would_fail_the_comparison():
    """The comparison is sharp: x^T A x with A not symmetric differs from x^T A^T b ... and a
    transpose dropped (x A x is no product at all) is refused, not guessed."""
    values = dict(POOL)
    right = evaluate(derive.parse(r"x^T A b", QUAD, syntax="latex"), SIZES, values)
    wrong = evaluate(derive.parse(r"x^T A^T b", QUAD, syntax="latex"), SIZES, values)
    assert right != pytest.approx(wrong)
    with pytest.raises(derive.ShapeError):
        derive.parse(r"x A x", QUAD, syntax="latex")


# -- the public API ------------------------------------------------------------------------------


def test_gradient_of_latex_equals_the_gradient_of_text():
    latex = derive.grad(r"\frac{1}{2}\|Xw - y\|_2^2 + \frac{\lambda}{2}\|w\|^2", "w", symbols=ML)
    text = derive.grad("norm(X@w - y)**2/2 + lambda*norm(w)**2/2", "w", symbols=ML)
    assert latex == text, (latex, text)


def test_latex_f_with_sympy_wrt_mixed_in_one_call():
    mu, sigma = sympy.symbols("mu sigma", real=True)
    g = derive.grad(r"\frac{(x - \mu)^2}{2\sigma^2} + \log\sigma", [mu, sigma])
    x = sympy.Symbol("x")
    expected = sympy.Matrix([(mu - x) / sigma**2, -(x - mu) ** 2 / sigma**3 + 1 / sigma])
    assert sympy.simplify(g - expected) == sympy.zeros(2, 1)
    assert g.free_symbols >= {mu, sigma}  # the user's own objects, with their assumptions


def test_wrt_in_latex_names_the_same_variables():
    assert split_names(r"\mu, \mathbf{w}") == ["mu", "w"]
    assert split_names(r"\boldsymbol\theta \sigma") == ["theta", "sigma"]
    assert split_names(r"w_1, \theta_{0}, \hat{y}") == ["w_1", "theta_0", "y_hat"]
    g = derive.grad(r"\frac{\lambda}{2}\|\mathbf{w}\|^2", r"\mathbf{w}", symbols="w: d")
    assert str(g) == "lambda*w"


def test_syntax_latex_forces_and_syntax_text_refuses():
    assert derive.grad("x^2 y", "x y", syntax="latex").T.tolist() == [[2 * sympy.Symbol("x") * sympy.Symbol("y"),
                                                                      sympy.Symbol("x") ** 2]]
    assert derive.parse("2x", syntax="latex") == 2 * sympy.Symbol("x")
    with pytest.raises(ParseError):
        derive.parse(r"\frac{1}{2}", syntax="text")
    with pytest.raises(ParseError):
        derive.parse("x", syntax="tex")
    assert syntax_default.get() is None  # the call left no default behind


def test_hessian_and_check_accept_latex():
    h = derive.hessian(r"x^T A x", "x", symbols="A: n x n, x: n", syntax="latex")
    assert str(h) in ("A + A.T", "A.T + A")
    verdict = derive.check(r"\frac{1}{2}\|Xw - y\|^2", "w", r"X^T (Xw - y)", symbols=ML, syntax="latex")
    assert verdict.ok
    verdict = derive.check(r"\frac{1}{2}\|Xw - y\|^2", "w", r"X (Xw - y)^T", symbols="X: N x N, w: N, y: N",
                           syntax="latex")
    assert not verdict.ok


# -- the command line ----------------------------------------------------------------------------


def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_detects_latex_and_latex_flag_forces_it(capsys):
    code, out, _ = _cli(capsys, "grad", r"\frac{1}{2}\|Xw-y\|^2", "--wrt", "w", "--let", ML, "--json")
    assert code == 0
    assert json.loads(out)["result"] == "X.T@(X@w - y)"
    code, out, _ = _cli(capsys, "grad", "x^2 y", "--wrt", "x,y", "--latex", "--json")
    assert code == 0 and json.loads(out)["result"] == ["2*x*y", "x**2"] or "2*x*y" in out
    code, out, _ = _cli(capsys, "--latex", "hessian", "x^T A x", "--wrt", "x", "--let", "A: n x n, x: n")
    assert code == 0 and "A" in out


def test_cli_refuses_bad_latex_in_one_line(capsys):
    code, _, err = _cli(capsys, "grad", r"\frac{1}{", "--wrt", "x")
    assert code == 2 and err.startswith("derive: error: column 9:") and err.count("\n") == 1
    code, _out, err = _cli(capsys, "grad", r"\input{/etc/passwd}")
    assert code == 2 and "\\input is not allowed" in err


# -- refusals ------------------------------------------------------------------------------------

HOSTILE = [
    r"\input{/etc/passwd}", r"\include{x}", r"\def\x{1} \x", r"\newcommand{\f}{x} \f", r"\csname input\endcsname",
    r"\catcode`\^=11 x", r"\write18{rm -rf /}", r"\immediate\write18{ls}", r"\renewcommand\sqrt{x}",
    "\\frac{1}{2}" + " + x" * 25_000, "{" * 10_000 + "x" + "}" * 10_000, "\\left(" * 5_000 + "x" + "\\right)" * 5_000,
    "x^{" * 3000 + "2" + "}" * 3000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:24])
def test_hostile_latex_is_refused_fast_and_nothing_runs(text):
    start = time.perf_counter()
    with pytest.raises((ParseError, LimitError)):
        derive.parse(text, syntax="latex")
    assert time.perf_counter() - start < 1.0


MALFORMED = [
    (r"\frac{1}{", 9, "never closed"),
    (r"\frac{a}", 1, "\\frac needs two arguments"),
    (r"x + }", 5, "closes no"),
    (r"\left( x + 1", 13, "expected ')'"),
    (r"\|x + 1", 8, "closing \\|"),
    (r"x^", 2, "needs something after it"),
    (r"a + \frac{1}{2} +", 18, "ends too early"),
    (r"\sum_{i=1} x_i", 6, "both bounds"),
    (r"\sqrt{}", 7, "empty braces"),
    (r"x \cdot", 8, "ends too early"),
]


@pytest.mark.parametrize("text, column, words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_latex_names_the_column_and_what_was_expected(text, column, words):
    with pytest.raises(ParseError) as info:
        derive.parse(text, syntax="latex")
    assert info.value.column == column, str(info.value)
    assert words in str(info.value)


UNSUPPORTED = [
    (r"\iint f", "\\iint is not supported"),
    (r"x \otimes y", "\\otimes (the Kronecker product) is not supported"),
    (r"\mathbb{E}[x]", "\\mathbb{E} is not supported"),
    (r"\operatorname{argmax}(x)", "\\operatorname{argmax} is not supported"),
    (r"\infty", "\\infty"),
    (r"\begin{array}{cc} a \end{array}", "\\begin{array} is not supported"),
    (r"x_1 + \cdots + x_n", "\\cdots is not a formula"),
]


@pytest.mark.parametrize("text, words", UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_unsupported_commands_are_named(text, words):
    with pytest.raises(ParseError) as info:
        derive.parse(text, syntax="latex")
    assert words in str(info.value)


@pytest.mark.parametrize("text", [r"\frac{\partial L}{\partial w}", r"\nabla_w L", r"\frac{d}{dx} x^2",
                                  r"\frac{dL}{d\mu}", r"\partial_w L"])
def test_a_derivative_operator_is_not_an_expression(text):
    with pytest.raises(ParseError, match="is a derivative, not an expression: check a derivation"):
        derive.parse(text)


def test_errors_point_into_what_the_user_typed():
    with pytest.raises(derive.ShapeError) as info:
        derive.parse(r"$\frac{1}{2}\|Xw - w\|^2$", ML)
    assert "Xw - w" in str(info.value)
    with pytest.raises(ParseError) as info:
        derive.parse(r"x^T + 1", syntax="latex")
    assert "x^T is a transpose" in str(info.value) and "declare it" in str(info.value)


# -- the derivative at the start of a line (for check_derivation) --------------------------------

SPLITS = [
    (r"\frac{\partial}{\partial w} \frac{1}{2}\|Xw-y\|^2 = X^T(Xw-y)", (r"\frac{1}{2}\|Xw-y\|^2", ["w"], "= X^T(Xw-y)")),
    (r"\frac{\partial L}{\partial w} = X^T(Xw - y)", ("L", ["w"], "= X^T(Xw - y)")),
    (r"\nabla_w L = 2w", ("L", ["w"], "= 2w")),
    (r"\nabla_{\mathbf w} f(w) = 0", ("f(w)", ["w"], "= 0")),
    (r"\frac{d}{dx} x^2 = 2x", ("x^2", ["x"], "= 2x")),
    (r"\frac{\mathrm{d}}{\mathrm{d}x} x^3", ("x^3", ["x"], "")),
    (r"$\frac{dL}{d\mu} = 0$", ("L", ["mu"], "= 0")),
    (r"\frac{\partial L}{\partial \boldsymbol\theta}", ("L", ["theta"], "")),
    ("d/dw f", ("f", ["w"], "")),
    ("dL/dmu = sum(x[i] - mu, i)", ("L", ["mu"], "= sum(x[i] - mu, i)")),
    (r"\partial L / \partial w = 3", ("L", ["w"], "= 3")),
    (r"\nabla L", ("L", [], "")),
    (r"\frac{\partial}{\partial w}", (None, ["w"], "")),
    (r"x^2 + 1", None),
    (r"\frac{1}{2} x", None),
    (r"\frac{d_1}{d_2}", None),
]


@pytest.mark.parametrize("line, expected", SPLITS, ids=[s[0] for s in SPLITS])
def test_split_derivative(line, expected):
    assert split_derivative(line) == expected


def test_split_derivative_refuses_second_derivatives():
    with pytest.raises(ParseError, match="second derivative"):
        split_derivative(r"\frac{\partial^2 f}{\partial x \partial y}")
    with pytest.raises(ParseError, match="second derivative"):
        split_derivative(r"\frac{\partial^2 f}{\partial x^2}")


# -- the worked example ------------------------------------------------------------------------


def test_the_latex_homework_example(root):
    import importlib.util

    spec = importlib.util.spec_from_file_location("latex_homework", root / "examples" / "latex_homework.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main()
    assert out["ridge_same_as_text"] and out["logistic_same_as_text"]
    assert out["ridge_error"] < 1e-12  # against X^T (Xw - y) + lambda w at random data
    assert derive.to_text(out["logdet"]) == "inv(S.T) - C.T"
    assert out["forgot_lambda"].status == "wrong"
    x, mu, sigma = np.array([0.3, -1.2, 2.0, 0.7]), 0.4, 1.3
    values = {"x": x, "mu": mu, "sigma": sigma}
    d_mu, d_sigma = (evaluate(g, {"N": 4}, values) for g in out["gaussian"])
    assert d_mu == pytest.approx(-np.sum(x - mu) / sigma**2, rel=1e-12)
    assert d_sigma == pytest.approx(4 / sigma - np.sum((x - mu) ** 2) / sigma**3, rel=1e-12)
    assert len(out["logistic"].atoms(sympy.Sum)) == 2  # one inner sum x^{(i)T} w, shared by both logs


def test_unicode_copied_from_a_pdf_and_the_kronecker_delta():
    mu, sigma, lam, w, x = sympy.symbols("mu sigma lambda w x")
    got = derive.parse("\\frac{(x − μ)^2}{2σ^2} + λ·w", syntax="latex")
    assert sympy.simplify(got - ((x - mu) ** 2 / (2 * sigma**2) + lam * w)) == 0
    assert str(derive.parse("x ≤ 1", syntax="latex", relations=True)) == "x <= 1"
    i, j = sympy.symbols("i j", integer=True)
    assert derive.parse(r"\delta_{i j}", syntax="latex") == sympy.KroneckerDelta(i, j)


def test_text_operators_beside_latex_keep_their_meaning():
    """w^\\top @ A @ w (text's @ beside LaTeX's transpose), x**2, x.T: as in text."""
    decl = "A: n x n, w: n, x: n, b: n"
    values = dict(POOL, w=POOL["b"])
    assert evaluate(derive.parse(r"w^\top @ A @ x", decl), SIZES, values) == pytest.approx(
        values["w"] @ values["A"] @ values["x"])
    assert evaluate(derive.parse(r"x^\top A x + x.T @ b", decl), SIZES, values) == pytest.approx(
        values["x"] @ values["A"] @ values["x"] + values["x"] @ values["b"])
    assert derive.parse(r"\frac{1}{2} t**2") == sympy.Symbol("t") ** 2 / 2


@pytest.mark.parametrize("text, column", [(r"b\mathbf{1}", 2), (r"\mathbf{1} + 3", 1), (r"2\mathbf{1}^T", 2),
                                          (r"A + c\mathbf{1}", 6)])
def test_a_ones_vector_nothing_sizes_is_refused_at_its_column(text, column):
    with pytest.raises(ParseError) as info:
        derive.parse(text, "A: n x n", syntax="latex")
    assert info.value.column == column and "\\mathbf{1}_n" in str(info.value)


@pytest.mark.parametrize("latex, text", [
    (r"\operatorname{erf}{\left(y \right)}", "erf(y)"),
    (r"\operatorname{erfc}{\left(y \right)}", "erfc(y)"),
    (r"\operatorname{asinh}{\left(y \right)}", "asinh(y)"),
    (r"2 x \operatorname{atan}{\left(\frac{y}{2} \right)}", "2*x*atan(y/2)"),
])
def test_every_function_of_the_grammar_reads_from_operatorname(latex, text):
    """SymPy prints erf, erfc, asinh, atan as \\operatorname{..}: each must read back (a gradient of
    x*erf(y) printed in LaTeX did not)."""
    assert derive.parse(latex, syntax="latex") == derive.parse(text)
