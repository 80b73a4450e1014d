"""Declarations as course notes write them (`X \\in \\mathbb{R}^{N \\times d}`), in Python, on the CLI
and in a derivation's let line: the same objects as derive's own declaration text."""

import pytest

import derive
from derive.cli import main
from derive.errors import ParseError
from derive.text.declarations import declare

SAME = [
    (r"X \in \mathbb{R}^{N \times d}, \mathbf{w} \in \mathbb{R}^{d}, y \in \{0, 1\}^N, \lambda > 0",
     "X: N x d, w: d, y: N binary, lambda: positive"),
    (r"\Sigma \in \mathbb{S}^{n}_{++}, \mu \in \mathbb{R}^n, \sigma \in \mathbb{R}_{+}, k \in \mathbb{N}",
     "Sigma: n x n spd, mu: n, sigma: positive, k: positive integer"),
    (r"$A \in \mathbb{R}^{m\times n}$, b \in \mathbb{R}^m; t \geq 0", "A: m x n, b: m, t: nonnegative"),
    (r"x, y \in \mathbb{R}", "x, y: real"),
    (r"S \in \mathbb{S}^3, z \in \{-1, +1\}^K, p \in (0, 1)", "S: 3 x 3 symmetric, z: K sign, p: probability"),
    ("X ∈ \\mathbb{R}^{N \\times d}, w: d", "X: N x d, w: d"),
]


@pytest.mark.parametrize("latex, text", SAME, ids=[t for _, t in SAME])
def test_latex_declarations_mean_the_text_ones(latex, text):
    a, b = declare(latex), declare(text)
    assert dict(a) == dict(b) and a.properties == b.properties


def test_a_gradient_with_latex_declarations():
    g = derive.grad(r"\frac{1}{2}\|Xw - y\|^2 + \frac{\lambda}{2}\|w\|^2", "w",
                    symbols=r"X \in \mathbb{R}^{N \times d}, w \in \mathbb{R}^d, y \in \mathbb{R}^N, \lambda > 0")
    assert derive.to_text(g) == "lambda*w + X.T@(X@w - y)"


def test_cli_let_in_latex(capsys):
    code = main(["grad", "x.T @ A @ x", "--wrt", "x", "--let", r"A \in \mathbb{R}^{n \times n}, x \in \mathbb{R}^n"])
    assert code == 0 and "(A + A.T)@x" in capsys.readouterr().out


@pytest.mark.parametrize("latex, fragment", [
    (r"W \in \mathbb{C}^{n}", "is not one derive knows"),
    (r"X \in \mathbb{Z}^{n \times n}", "real entries"),
    (r"\in \mathbb{R}^n", "names nothing"),
])
def test_unknown_sets_are_named(latex, fragment):
    with pytest.raises(ParseError, match=fragment):
        declare(latex)
