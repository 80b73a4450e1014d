"""Sums over the sample whose body is a vector or a matrix (issue 20; derive/text/arrays/rows.py).

x^{(i)}, x_i and \\phi_n are rows of a declared data matrix, and a sum over i of vectors or
matrices built from them is written in matrix notation when it is read.  Every form is compared
with a reference written by hand in NumPy at random concrete sizes (the parsed expression is
evaluated by SymPy alone, never through derive's parser), then taken through derive.grad and
derive.check_derivation."""

from pathlib import Path

import numpy as np
import pytest
import sympy
import yaml
from sympy import ImmutableMatrix, MatrixSymbol

import derive
from derive.text.arrays.rows import Row


def _sigmoid(v):
    return 1 / (1 + np.exp(-v))


def evaluate(expr, sizes, values):
    """`expr` at concrete sizes and values by SymPy alone, as a NumPy array (or a float)."""
    sized = {s: sizes[s.name] for s in expr.free_symbols | {s for m in expr.atoms(MatrixSymbol)
                                                              for dim in m.shape for s in sympy.sympify(dim).free_symbols}
             if isinstance(s, sympy.Symbol) and s.name in sizes}
    e = expr.xreplace(sized)
    e = e.xreplace({m: ImmutableMatrix(np.asarray(values[m.name], dtype=float).reshape(tuple(map(int, m.shape))))
                    for m in e.atoms(MatrixSymbol)})
    e = e.replace(lambda a: isinstance(a, (sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)),
                  lambda a: a.as_explicit())
    e = e.subs({s: values[s.name] for s in e.free_symbols if s.name in values}).doit()
    if isinstance(e, sympy.MatrixExpr) and not isinstance(e, sympy.MatrixBase):
        e = e.as_explicit()
    if isinstance(e, sympy.MatrixBase):
        return np.array(e.evalf(30).tolist(), dtype=float)
    return float(sympy.N(e, 30))


def _data(rng, N, d, m):
    B = rng.normal(size=(d, d))
    return {"X": rng.normal(size=(N, d)), "y": rng.normal(size=(N, 1)), "r": rng.uniform(0.5, 2, size=(N, 1)),
            "theta": rng.normal(size=(d, 1)), "mu": rng.normal(size=(d, 1)), "Sigma": B @ B.T + d * np.eye(d),
            "Phi": rng.normal(size=(N, d)), "t": rng.normal(size=(N, 1)), "w": rng.normal(size=(d, 1)),
            "W": rng.normal(size=(d, m)), "A": rng.normal(size=(N, d)), "P": rng.normal(size=(d, m)),
            "B": rng.normal(size=(N, m)), "z": rng.normal(size=(m, 1))}


DECL = "X: N x d, y: N, r: N, theta: d, mu: d, Sigma: d x d spd, Phi: N x d, t: N, w: d, W: d x m"
FROB = "A: N x d, P: d x m, B: N x m"
inv = np.linalg.inv

# (LaTeX, declarations, NumPy reference of the values v)
FORMS = [
    (r"\sum_{i=1}^{N} y_i x^{(i)}", DECL, lambda v: v["X"].T @ v["y"]),
    (r"\sum_{i=1}^{N}\left(\theta^T x^{(i)} - y^{(i)}\right)x^{(i)}", DECL,
     lambda v: v["X"].T @ (v["X"] @ v["theta"] - v["y"])),
    (r"\sum_i r_i\left(\theta^Tx^{(i)} - y_i\right)x^{(i)}", DECL,
     lambda v: v["X"].T @ (v["r"] * (v["X"] @ v["theta"] - v["y"]))),
    (r"\sum_{i=1}^{N}\left(\sigma(\theta^T x_i) - y_i\right) x_i", DECL,
     lambda v: v["X"].T @ (_sigmoid(v["X"] @ v["theta"]) - v["y"])),
    (r"\sum_{i=1}^{N}x^{(i)}\left(x^{(i)}\right)^T\theta - \sum_{i=1}^{N}y^{(i)}x^{(i)}", DECL,
     lambda v: v["X"].T @ v["X"] @ v["theta"] - v["X"].T @ v["y"]),
    (r"\sum_i x_i^T\theta\, x_i", DECL, lambda v: v["X"].T @ v["X"] @ v["theta"]),
    (r"\sum_n x_n x_n^T", DECL, lambda v: v["X"].T @ v["X"]),
    (r"\sum_n y_n x_n x_n^T", DECL, lambda v: v["X"].T @ (v["y"] * v["X"])),
    (r"\sum_n x_n", DECL, lambda v: v["X"].sum(axis=0, keepdims=True).T),
    (r"\sum_{n=1}^{N}\left(x_n - \mu\right)", DECL, lambda v: (v["X"] - v["mu"].T).sum(axis=0, keepdims=True).T),
    (r"\sum_{n=1}^{N}\Sigma^{-1}\left(x_n - \mu\right)\left(x_n - \mu\right)^T\Sigma^{-1}", DECL,
     lambda v: inv(v["Sigma"]) @ (v["X"] - v["mu"].T).T @ (v["X"] - v["mu"].T) @ inv(v["Sigma"])),
    (r"-\frac{1}{2}\sum_{n=1}^{N}\left(x_n - \mu\right)^T\Sigma^{-1}\left(x_n - \mu\right)", DECL,
     lambda v: -0.5 * sum(float((x - v["mu"][:, 0]) @ inv(v["Sigma"]) @ (x - v["mu"][:, 0])) for x in v["X"])),
    (r"\sum_{n=1}^{N}\left(\log\det\Sigma + x_n^T\Sigma^{-1}x_n\right)", DECL,
     lambda v: len(v["X"]) * np.log(np.linalg.det(v["Sigma"])) + np.einsum("nj,jk,nk->", v["X"], inv(v["Sigma"]),
                                                                           v["X"])),
    (r"-\sum_{n=1}^{N}\left(t_n - w^T\phi_n\right)\phi_n", DECL,
     lambda v: -v["Phi"].T @ (v["t"] - v["Phi"] @ v["w"])),
    (r"\sum_{i=2}^{N} y_i x^{(i)}", DECL, lambda v: v["X"][1:].T @ v["y"][1:]),
    (r"\sum_{i=1}^{N-1}\left(\theta^T x^{(i)} - y_i\right)x^{(i)}", DECL,
     lambda v: v["X"][:-1].T @ (v["X"][:-1] @ v["theta"] - v["y"][:-1])),
    (r"\sum_i \exp(\theta^T x_i)\, x_i", DECL, lambda v: v["X"].T @ np.exp(v["X"] @ v["theta"])),
    (r"\sum_i \frac{y_i}{1 + \exp(\theta^T x_i)} x_i", DECL,
     lambda v: v["X"].T @ (v["y"] / (1 + np.exp(v["X"] @ v["theta"])))),
    (r"\sum_i \left(\theta^T x_i\right)^2 x_i", DECL, lambda v: v["X"].T @ (v["X"] @ v["theta"]) ** 2),
    (r"\sum_n y_n W^T x_n", DECL, lambda v: v["W"].T @ v["X"].T @ v["y"]),
    (r"\sum_n x_n^T W", DECL, lambda v: v["X"].sum(axis=0, keepdims=True) @ v["W"]),
    (r"2\sum_{i=1}^{N}a_i\left(a_i^TP - b_i^T\right)", FROB, lambda v: 2 * v["A"].T @ (v["A"] @ v["P"] - v["B"])),
]


def _id(form):
    return form[0][:48]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("form", FORMS, ids=_id)
def test_each_sum_over_rows_agrees_with_numpy(form, seed):
    text, decl, reference = form
    rng = np.random.default_rng(seed)
    sizes = {"N": int(rng.integers(3, 7)), "d": int(rng.integers(2, 5)), "m": int(rng.integers(2, 4))}
    values = _data(rng, sizes["N"], sizes["d"], sizes["m"])
    expr = derive.parse(text, symbols=decl, syntax="latex")
    assert not expr.has(Row), expr  # no Row reaches anything after the parser
    got = evaluate(expr, sizes, values)
    want = reference(values)
    assert np.shape(got) == np.shape(want), (text, expr)
    assert np.allclose(got, want, rtol=1e-10, atol=1e-10), (text, expr, got, want)


def test_vector_sums_are_matrix_notation_and_scalar_sums_stay_index_sums():
    grad_form = derive.parse(r"\sum_{i=1}^{N}\left(\theta^T x^{(i)} - y^{(i)}\right)x^{(i)}", symbols=DECL)
    assert not grad_form.has(sympy.Sum) and not grad_form.has(Row)
    assert grad_form == derive.parse("X.T @ (X @ theta - y)", symbols=DECL)
    loss = derive.parse(r"\sum_{i=1}^{N}\left(y_i - \theta^T x_i\right)^2", symbols=DECL)
    assert isinstance(loss, sympy.Sum)  # an index sum of entries, as before
    gaussian = derive.parse(r"\sum_n (x_n - \mu)^T\Sigma^{-1}(x_n - \mu)", symbols=DECL)
    assert gaussian.has(sympy.Trace) and not gaussian.has(sympy.Sum)


def test_a_wrong_reading_would_fail_the_comparison():
    rng = np.random.default_rng(3)
    sizes = {"N": 5, "d": 3, "m": 2}
    values = _data(rng, 5, 3, 2)
    got = evaluate(derive.parse(r"\sum_i r_i y_i x_i", symbols=DECL), sizes, values)
    assert np.allclose(got, values["X"].T @ (values["r"] * values["y"]))
    assert not np.allclose(got, values["X"].T @ values["y"])
    assert not np.allclose(got, values["X"].T @ (values["r"] + values["y"]))


def test_a_row_outside_every_sum_keeps_its_free_index():
    expr = derive.parse(r"\left(\sum_{i=1}^{N} y_i\right) x^{(i)}", symbols=DECL)
    assert not expr.has(Row) and expr.has(sympy.MatrixSlice), expr
    assert str(expr.shape[0]) == "d" and expr.shape[1] == 1


@pytest.mark.parametrize("text, words", [
    (r"\sum_i x_i^T x_i\, x_i", "X[i, :]"),            # a cubic in the row: no matrix form here
    (r"\sum_i z_i x_i", "different lengths"),          # z has m entries, X has N rows
    (r"\sum_i \Phi_{ik} x_i", "Phi[i, k]"),            # an entry with a second free index
])
def test_what_has_no_matrix_form_is_one_line_naming_the_term(text, words):
    with pytest.raises(derive.DeriveError) as info:
        derive.parse(text, symbols=DECL + ", z: m, k: integer")
    message = str(info.value)
    assert words in message and "\n" not in message, message


def test_text_sum_of_a_vector_over_an_index():
    rng = np.random.default_rng(5)
    values = _data(rng, 4, 3, 2)
    got = evaluate(derive.parse("sum(y[i]*theta, i)", symbols=DECL), {"N": 4, "d": 3, "m": 2}, values)
    assert np.allclose(got, values["theta"] * values["y"].sum())


# -- through the calculus and the derivation checker -----------------------------------------------

GAUSSIAN = r"-\frac{N}{2}\log\det\Sigma - \frac{1}{2}\sum_{n=1}^{N}\left(x_n - \mu\right)^T\Sigma^{-1}\left(x_n - \mu\right)"


@pytest.mark.parametrize("wrt", ["mu", "Sigma", MatrixSymbol("mu", sympy.Symbol("d"), 1)])
def test_gaussian_log_likelihood_gradients(wrt):
    """Bishop (2.118)-(2.122): d/dmu = Sigma^-1 sum_n (x_n - mu); d/dSigma = -N/2 Sigma^-1 +
    1/2 Sigma^-1 S Sigma^-1 with S = sum_n (x_n - mu)(x_n - mu)^T; text, LaTeX and a SymPy wrt."""
    rng = np.random.default_rng(7)
    sizes = {"N": 6, "d": 3, "m": 2}
    v = _data(rng, 6, 3, 2)
    g = derive.grad(GAUSSIAN, wrt, symbols=DECL)
    centred = v["X"] - v["mu"].T
    S_inv = inv(v["Sigma"])
    want = S_inv @ centred.sum(axis=0, keepdims=True).T if str(wrt) == "mu" else \
        -3 * S_inv + 0.5 * S_inv @ centred.T @ centred @ S_inv
    assert np.allclose(evaluate(g, sizes, v), want, rtol=1e-10, atol=1e-10), g


def test_gaussian_gradient_is_checked_against_a_claim():
    right = derive.check(GAUSSIAN, "mu", r"\Sigma^{-1}\left(X^T\mathbf{1} - N\mu\right)", symbols=DECL)
    assert right.ok, right.explanation
    halved = derive.check(GAUSSIAN, "mu", r"\frac{1}{2}\sum_{n=1}^{N}\Sigma^{-1}\left(x_n - \mu\right)", symbols=DECL)
    assert not halved.ok


CORPUS = Path(__file__).resolve().parent / "corpus_derivations"


@pytest.mark.parametrize("name", ["cs229_lms_sum_to_matrix.yaml", "bishop_least_squares.yaml",
                                  "bishop_gaussian_mean_vector.yaml"])
def test_corpus_derivation_with_row_sums(name):
    entry = yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))
    verdict = derive.check_derivation(entry["steps"], f=entry.get("f"), wrt=entry.get("wrt"), symbols=entry["let"])
    assert verdict.ok, [(line.status, line.explanation) for line in verdict.lines]
    lines = [line.strip() for line in entry["steps"].strip().splitlines()[1:-1]]
    for corruption in entry["corruptions"]:
        k = corruption["line"]
        broken = lines[:k] + [corruption["text"] + (" \\\\" if k < len(lines) - 1 else "")] + lines[k + 1:]
        verdict = derive.check_derivation("\\begin{align}\n" + "\n".join(broken) + "\n\\end{align}",
                                          f=entry.get("f"), wrt=entry.get("wrt"), symbols=entry["let"])
        assert verdict.first_error == k, (name, k, [(line.status, line.explanation) for line in verdict.lines])
