"""derive.check_derivation: whole derivations checked line by line (issue 20, items 4 and 5).

Each wrong chain has exactly one slip; the test asserts the line it is on and the category of
the mistake, so a comparison that passed a wrong step (or failed a right one) fails here."""

import json

import pytest
import sympy

import derive
from derive.check.derivation import ChainVerdict, check_derivation
from derive.check.derivation.split import steps

LS = "X: n x d, w: d, y: n"
SQUARE = "X: n x n, w: n, y: n"
FIRST = "d/dw norm(X@w - y)**2 = 2*X.T @ (X@w - y)"


def lines(*rest):
    return "\n".join((FIRST,) + rest)


# ---------------------------------------------------------------------------
# text


def test_a_correct_chain_in_text_is_right_line_by_line():
    v = check_derivation(lines("= 2*X.T @ X @ w - 2*X.T @ y", "= 2*(X.T @ X @ w - X.T @ y)"), symbols=LS)
    assert isinstance(v, ChainVerdict)
    assert v.ok and v.first_error is None
    assert [line.status for line in v.lines] == ["ok", "ok", "ok"]
    assert v.final.ok and v.final.status == "correct"


def test_the_first_wrong_line_is_found_exactly_and_a_fixed_slip_is_right_again():
    v = check_derivation(lines("= 2*X.T @ X @ w - 2*X.T @ y", "= 2*X.T @ X @ w - X.T @ y",
                               "= 2*X.T @ (X @ w - y)"), symbols=LS)
    assert [line.status for line in v.lines] == ["ok", "ok", "wrong", "ok"]
    assert v.first_error == 2 and not v.ok
    assert "lost the factor 2" in v.lines[2].explanation and v.lines[2].mistake == "factor"
    assert "right again" in v.lines[3].explanation
    assert v.final.ok  # the last line is the derivative again
    assert v.explanation.startswith("line 3 is wrong")


def test_a_wrong_line_that_the_next_line_copies_carries_the_mistake():
    v = check_derivation(lines("= X.T @ (X@w - y)", "= X.T @ X @ w - X.T @ y"), symbols=LS)
    assert [line.status for line in v.lines] == ["ok", "wrong", "wrong"]
    assert v.first_error == 1
    assert "already wrong" in v.lines[2].explanation and v.lines[2].equals_previous is True
    assert not v.final.ok


def test_the_counterexample_gives_sizes_values_and_both_sides():
    v = check_derivation(lines("= 2*X.T @ X @ w - X.T @ y"), symbols=LS)
    ce = v.lines[1].counterexample
    assert set(ce["sizes"]) == {"d", "n"} and {"X", "w", "y"} <= set(ce["values"])
    before, this = sympy.Rational(ce["the line before"]), sympy.Rational(ce["this line"])
    assert before != this
    # recompute both sides at the counterexample: the numbers are the lines' values there
    sizes = {sympy.Symbol(k, integer=True, positive=True): v for k, v in ce["sizes"].items()}
    X, w, y = (sympy.Matrix(derive.parse(ce["values"][name])) for name in "Xwy")
    row = int(ce["entry"].strip("entry []"))
    assert (2 * X.T * (X * w - y))[row] == before and (2 * X.T * X * w - X.T * y)[row] == this
    assert all(isinstance(s, sympy.Symbol) for s in sizes)


@pytest.mark.parametrize("line, mistake, words", [
    ("= 2*X.T @ (y - X@w)", "sign", "sign flipped"),
    ("= X.T @ (X@w - y)", "factor", "factor 2 was lost"),
    ("= 4*X.T @ (X@w - y)", "factor", "extra factor 2"),
    ("= 2*X.T @ (X@w - y) + 2*w", "extra_term", "extra term 2*w"),
    ("= 2*(X@w - y).T @ X", "transpose", "whole line is transposed"),
])
def test_each_explanation_category_in_matrix_notation(line, mistake, words):
    v = check_derivation(lines(line), symbols=LS)
    assert v.first_error == 1
    assert v.lines[1].mistake == mistake and words in v.lines[1].explanation


def test_a_dropped_term_is_named():
    v = check_derivation(["d/dw norm(X@w - y)**2 + lam*norm(w)**2 = 2*X.T @ (X@w - y) + 2*lam*w",
                          "= 2*X.T @ (X@w - y)"], symbols=LS)
    assert v.first_error == 1 and v.lines[1].mistake == "missing_term"
    assert "lam" in v.lines[1].explanation and "dropped" in v.lines[1].explanation


def test_a_dropped_chain_rule_factor_is_named():
    v = check_derivation(lines("= 2*(X@w - y)"), symbols=SQUARE)
    assert v.lines[1].mistake == "chain_rule" and "X.T" in v.lines[1].explanation


def test_a_transposed_factor_is_named():
    v = check_derivation(lines("= 2*X @ (X@w - y)"), symbols=SQUARE)
    assert v.lines[1].mistake == "transpose" and "X should be X.T" in v.lines[1].explanation


def test_an_index_that_left_its_sum():
    v = check_derivation(lines("= 2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i)",
                               "= 2*sum((X[i,j]*w[j] - y[i])*X[i,k], i)"), symbols=LS)
    assert [line.status for line in v.lines] == ["ok", "ok", "wrong"]
    assert v.lines[2].mistake == "index_unbound" and "j left its sum" in v.lines[2].explanation


def test_a_sum_that_changed_its_range():
    v = check_derivation(["d/dmu sum((x[i] - mu)**2, (i, 0, n - 1)) = -2*sum(x[i] - mu, (i, 0, n - 1))",
                          "= -2*sum(x[i] - mu, (i, 1, n - 1))"])
    assert v.first_error == 1 and v.lines[1].mistake == "index_range"


def test_plain_scalars_decided_symbolically():
    v = check_derivation("d/dx x**3 - 2*x**2 = 3*x**2 - 4*x\n= x*(3*x - 4)")
    assert v.ok and v.lines[1].evidence.startswith("symbolic")
    v = check_derivation("d/dx sin(x**2) = 2*x*cos(x**2)\n= cos(x**2)")
    assert v.first_error == 1 and v.lines[1].mistake == "chain_rule"


def test_an_unreadable_line_is_unparsed_and_the_rest_is_still_checked():
    v = check_derivation(lines("= 2*X.T @@ (X@w - y)", "= 2*X.T@X@w - 2*X.T@y", "= 2*X.T@X@w"), symbols=LS)
    assert [line.status for line in v.lines] == ["ok", "unparsed", "ok", "wrong"]
    assert "column" in v.lines[1].explanation and v.lines[1].expr is None
    assert v.first_error == 3 and v.lines[3].mistake == "missing_term"
    assert not v.ok


def test_index_notation_and_matrix_notation_in_one_chain_both_ways():
    v = check_derivation(["d/dw[k] norm(X@w - y)**2 = 2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i)",
                          "= 2*X.T@(X@w - y)", "= 2*sum(X[i,k]*sum(X[i,j]*w[j], j), i) - 2*sum(X[i,k]*y[i], i)"],
                         symbols=LS)
    assert v.ok, v


def test_f_and_wrt_given_and_a_name_defined_before_the_first_line():
    v = check_derivation(["= 2*X.T@(X@w - y)", "= 2*X.T@X@w - 2*X.T@y"], f="norm(X@w - y)**2", wrt="w", symbols=LS)
    assert v.ok and len(v.lines) == 2
    v = check_derivation("L(w) = norm(X@w - y)**2\ndL/dw = 2*X.T@(X@w - y)\n= 2*X.T@X@w + 2*X.T@y", symbols=LS)
    assert len(v.lines) == 2 and v.first_error == 1 and v.lines[1].mistake == "sign"
    v = check_derivation("dL/dw = 2*X.T@(X@w - y)", f="norm(X@w - y)**2", symbols=LS)
    assert v.ok


def test_a_name_nobody_defined_is_a_one_line_error():
    with pytest.raises(derive.SymbolError, match="does not say what L is"):
        check_derivation("dL/dw = 2*w", symbols="w: d")
    with pytest.raises(derive.SymbolError):
        check_derivation("= 2*w\n= w")


# ---------------------------------------------------------------------------
# SymPy objects, and both in one call


def test_a_list_of_sympy_expressions():
    X, w, y = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("w", 2, 1), sympy.MatrixSymbol("y", 3, 1)
    f = ((X * w - y).T * (X * w - y))[0, 0]
    v = check_derivation([2 * X.T * (X * w - y), 2 * X.T * X * w - 2 * X.T * y, 2 * X.T * X * w], f=f, wrt=w)
    assert [line.status for line in v.lines] == ["ok", "ok", "wrong"]
    assert v.lines[2].mistake == "missing_term"
    x = sympy.Symbol("x")
    v = check_derivation([3 * x**2 - 4 * x, x * (3 * x - 4)], f=x**3 - 2 * x**2, wrt=x)
    assert v.ok


def test_text_and_sympy_mixed_in_one_call():
    X, w, y = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("w", 2, 1), sympy.MatrixSymbol("y", 3, 1)
    v = check_derivation(["= 2*X.T@(X@w - y)", 2 * X.T * X * w - 2 * X.T * y, "= 2*X.T@X@w - X.T@y"],
                         f="norm(X@w - y)**2", wrt=w)
    assert [line.status for line in v.lines] == ["ok", "ok", "wrong"]


# ---------------------------------------------------------------------------
# results


def test_str_latex_and_dict():
    v = check_derivation(lines("= 2*X.T @ X @ w - X.T @ y", "= 2*X.T @ (X@w - y)"), symbols=LS)
    text = str(v)
    assert text.count("✓") == 2 and text.count("✗") == 1
    assert "lost the factor 2" in text
    assert v._repr_latex_().startswith("$$") and r"\times" in v._repr_latex_()
    d = json.loads(json.dumps(v.to_dict()))
    assert d["first_error"] == 1 and d["ok"] is False
    assert [line["status"] for line in d["lines"]] == ["ok", "wrong", "ok"]
    assert d["final"]["status"] == "correct"


# ---------------------------------------------------------------------------
# splitting


def test_latex_blocks_split_into_steps():
    text = r"""
    \begin{align}
      \nabla_w L &= 2X^T(Xw - y) \label{eq:grad} \\
                 &= 2X^TXw - 2X^Ty \nonumber \\
                 &= 2X^T X w - X^T y. \quad \text{(expand)}
    \end{align}"""
    assert steps(text) == [r"\nabla_w L = 2X^T(Xw - y)", "= 2X^TXw - 2X^Ty", "= 2X^T X w - X^T y"]
    assert steps("$$a = b \\\\ = c,$$") == ["a = b", "= c"]
    assert steps(r"\[ f = g = h \]") == ["f = g", "= h"]
    assert steps("d/dx x**2 = 2*x\n\n# a comment\n= x + x") == ["d/dx x**2 = 2*x", "= x + x"]
    assert steps("d/dx where(x >= 1, x, 0) = 2") == ["d/dx where(x >= 1, x, 0) = 2"]


# ---------------------------------------------------------------------------
# files and the command line

from derive.cli import main  # noqa: E402

TEX = r"""
\documentclass{article}
% let: X: n x d, w: d, y: n
\begin{document}
The loss:
\begin{equation} L(w) = \|Xw - y\|^2 \end{equation}
\begin{align*}
  \frac{\partial L}{\partial w} &= 2X^T(Xw - y) \\
  &= 2X^TXw - 2X^Ty \nonumber \\
  &= 2X^TXw - X^Ty. \quad \text{(a slip)}
\end{align*}
Not a derivation: $$ a = b $$
\end{document}
"""

MD = """# Least squares

<!-- let: X: n x d, w: d, y: n -->

$$
d/dw norm(X@w - y)**2 = 2*X.T @ (X@w - y) \\\\
= 2*X.T @ X @ w - 2*X.T @ y
$$
"""

TOML = '''
[[derivation]]
title = "ridge"
f = "norm(X@w - y)**2 + lam*norm(w)**2"
wrt = "w"
let = "X: n x d, w: d, y: n"
steps = ["= 2*X.T@(X@w - y) + 2*lam*w", "= 2*X.T@X@w - 2*X.T@y + 2*lam*w"]

[[derivation]]
title = "ridge, a term dropped"
f = "norm(X@w - y)**2 + lam*norm(w)**2"
wrt = "w"
let = "X: n x d, w: d, y: n"
steps = """
= 2*X.T@(X@w - y) + 2*lam*w
= 2*X.T@X@w - 2*X.T@y
"""
'''

YAML = """
title: scalar
steps: |
  d/dx x**3 - 2*x**2 = 3*x**2 - 4*x
  = x*(3*x - 4)
"""


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_steps_on_a_tex_file_reads_align_blocks(tmp_path, capsys):
    path = tmp_path / "hw.tex"
    path.write_text(TEX)
    code, out, err = run(capsys, "check-steps", str(path))
    if "is not supported" in out or "\\frac" in err:  # the LaTeX front end must read \frac and \|.\|
        pytest.skip("LaTeX front end not available")
    assert code == 1, out + err
    assert out.count("✓") == 2 and out.count("✗") == 1
    assert "lost the factor 2" in out
    code, out, _ = run(capsys, "check-steps", str(path), "--json")
    d = json.loads(out)
    assert d["ok"] is False and len(d["derivations"]) == 1
    assert d["derivations"][0]["first_error"] == 2


def test_check_steps_on_markdown_toml_yaml_and_stdin(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.md").write_text(MD)
    code, out, _ = run(capsys, "check-steps", str(tmp_path / "a.md"))
    assert code == 0 and out.count("✓") == 2, out
    (tmp_path / "a.toml").write_text(TOML)
    code, out, _ = run(capsys, "check-steps", str(tmp_path / "a.toml"), "--json")
    d = json.loads(out)
    assert code == 1 and [v["ok"] for v in d["derivations"]] == [True, False]
    assert d["derivations"][1]["lines"][1]["mistake"] == "missing_term"
    (tmp_path / "a.yaml").write_text(YAML)
    code, out, _ = run(capsys, "check-steps", str(tmp_path / "a.yaml"))
    assert code == 0 and "every line right" in out
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("d/dx sin(x) = cos(x)\n= -cos(x)\n"))
    code, out, _ = run(capsys, "check-steps", "-")
    assert code == 1 and "sign flipped" in out


def test_check_steps_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "check-steps", str(tmp_path / "missing.tex"))
    assert code == 2 and err.startswith("derive: error:") and err.count("\n") == 1
    (tmp_path / "bad.toml").write_text("[[derivation]]\nf = 'x'\n")
    code, _, err = run(capsys, "check-steps", str(tmp_path / "bad.toml"))
    assert code == 2 and "steps" in err
    (tmp_path / "none.tex").write_text(r"\begin{equation} a = b \end{equation}")
    code, _, err = run(capsys, "check-steps", str(tmp_path / "none.tex"))
    assert code == 2 and "no display block" in err


def test_an_unreadable_derivation_is_reported_and_the_others_still_checked(tmp_path, capsys):
    """One derivation derive cannot read (here: L never defined) does not abort the file."""
    (tmp_path / "two.tex").write_text(r"""% let: w: d
\begin{align} \frac{\partial L}{\partial w} &= 2w \\ &= 2w \end{align}
\begin{align} \frac{\partial}{\partial w} w^Tw &= 2w \\ &= 3w \end{align}
""")
    code, out, err = run(capsys, "check-steps", str(tmp_path / "two.tex"))
    assert code == 1 and err == "", out + err
    assert "UNREADABLE" in out and "does not say what L is" in out
    assert out.count("✓") == 1 and out.count("✗") == 1 and "3/2 times the line before" in out, out
    code, out, _ = run(capsys, "check-steps", str(tmp_path / "two.tex"), "--json")
    d = json.loads(out)
    assert code == 1 and [v["ok"] for v in d["derivations"]] == [False, False]
    assert d["derivations"][0]["unreadable"] is True and "does not say what L is" in d["derivations"][0]["explanation"]
    assert d["derivations"][1]["first_error"] == 1 and d["derivations"][1]["lines"][1]["mistake"] == "factor"
    (tmp_path / "undefined.txt").write_text("dL/dw = 2*w\n")
    code, out, err = run(capsys, "check-steps", str(tmp_path / "undefined.txt"), "--let", "w: d")
    assert code == 1 and err == "" and "does not say what L is" in out


def test_latex_chain_when_the_front_end_reads_it():
    try:
        derive.parse(r"2X^T(Xw - y)", "X: n x d, w: d, y: n", syntax="latex")
    except TypeError:
        pytest.skip("LaTeX front end not available")
    except derive.ParseError:
        pytest.skip("LaTeX front end not available")
    v = check_derivation(r"""\begin{align}
        \nabla_w \|Xw - y\|^2 &= 2X^T(Xw - y) \\
        &= 2\sum_i \left(\sum_j X_{ij} w_j - y_i\right) X_{ik} \\
        &= 2X^TXw + 2X^Ty
        \end{align}""", symbols="X: n x d, w: d, y: n")
    assert [line.status for line in v.lines] == ["ok", "ok", "wrong"], v
    assert v.lines[2].mistake == "sign"


def test_a_latex_named_function_in_the_first_line_keeps_f():
    """\\ell, \\mathcal{L}, J(\\mu) name what f= gives; they are no formula in their own letters."""
    chain = r"""\begin{align}\frac{\partial\ell}{\partial\sigma} &= -\frac{1}{\sigma} \\ &= -\frac{2}{\sigma}\end{align}"""
    v = check_derivation(chain, f="-log(sigma)", wrt="sigma", symbols="sigma: positive")
    assert [line.status for line in v.lines] == ["ok", "wrong"] and v.lines[1].mistake == "factor"
    v = check_derivation(r"\nabla_{\mu}\ell = \Sigma^{-1}(x - \mu) \\ = \Sigma^{-1}x - \Sigma^{-1}\mu",
                         f="-(1/2)*(x - mu).T @ inv(Sigma) @ (x - mu)", symbols="x: d, mu: d, Sigma: d x d symmetric")
    assert v.ok, v
    v = check_derivation(r"\mathcal{L}(w) = w^Tw \\ \nabla_w \mathcal{L}(w) = 2w \\ = w", symbols="w: d")
    assert [line.status for line in v.lines] == ["ok", "wrong"] and v.definitions == {"L": "w^Tw"}
    with pytest.raises(derive.SymbolError, match=r"does not say what \\ell is"):
        check_derivation(r"\frac{\partial\ell}{\partial\sigma} = -\frac{1}{\sigma}", symbols="sigma: positive")


def test_check_on_concrete_size_sympy_matrices_names_the_slip():
    """derive.check's transposed-factor rule on a 3 x 2 X: swapping X.T for X reshapes [0, 0]."""
    X, w, y = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("w", 2, 1), sympy.MatrixSymbol("y", 3, 1)
    f = ((X * w - y).T * (X * w - y))[0, 0]
    assert derive.check(f, w, 2 * X.T * (X * w - y)).ok
    wrong = derive.check(f, w, 2 * X.T * X * w)
    assert not wrong.ok and wrong.counterexample


def test_a_kronecker_delta_leaves_its_free_index_free():
    """\\delta_{ik} with i summed: the line is the entry k of the gradient (Matrix Cookbook)."""
    head = r"\frac{\partial}{\partial x_k}\sum_{i}\sum_{j}x_iB_{ij}x_j &= "
    right = head + r"\sum_{i}\sum_{j}\left(\delta_{ik}B_{ij}x_j + x_iB_{ij}\delta_{jk}\right) \\ &= \sum_{j}B_{kj}x_j + \sum_{i}x_iB_{ik}"
    v = check_derivation(r"\begin{align}" + right + r"\end{align}", symbols="B: n x n, x: n")
    assert [line.status for line in v.lines] == ["ok", "ok"], v
    dropped = head + r"\sum_{i}\sum_{j}\delta_{ik}B_{ij}x_j \\ &= \sum_{j}B_{kj}x_j"
    v = check_derivation(r"\begin{align}" + dropped + r"\end{align}", symbols="B: n x n, x: n")
    assert v.first_error == 0 and v.lines[0].mistake == "missing_term", v


def test_a_row_used_outside_its_sum_is_an_index_that_left_it():
    """(sum_i (theta^T x_i - y_i)) x_i: a matrix line with i free is named, not a crash."""
    v = check_derivation(r"""\begin{align}
        \nabla_\theta J &= \left(\sum_{i=1}^{N}\left(\theta^T x^{(i)} - y^{(i)}\right)\right)x^{(i)} \\
        &= X^T\left(X\theta - y\right) \end{align}""", f="norm(X@theta - y)**2/2", wrt="theta",
                         symbols="X: N x d, theta: d, y: N")
    assert [line.status for line in v.lines] == ["wrong", "ok"], v
    assert v.lines[0].mistake == "index_unbound" and "the index i left its sum" in v.lines[0].explanation


def test_a_gradient_written_as_a_list_is_read_not_a_traceback():
    """'= [2*x*y, x**2]' reads as a Matrix (a mutable one, which is no dictionary key): the chain
    compares it entry by entry (it was TypeError: unhashable type: 'MutableDenseMatrix')."""
    right = check_derivation(["= [2*x*y, x**2]"], f="x**2*y", wrt="x y")
    assert right.ok and right.final.status == "correct"
    wrong = check_derivation(["= [2*x*y, x**3]"], f="x**2*y", wrt="x y")
    assert not wrong.ok and wrong.first_error == 0 and "d/dy" in str(wrong)
