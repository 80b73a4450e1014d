"""Text as people type it (issue 20, item 2): NumPy's meaning of @, *, / and **, broadcasting, the
transpose spellings, lambda, ||x||, and messages that say what to write.

Every value is compared with NumPy on random arrays (derive's result evaluated at the same numbers),
so a misreading fails here even where the printed form looks plausible.
"""

import numpy as np
import pytest
import sympy

import derive
from derive.errors import ParseError, ShapeError
from derive.text.printing import to_text
from derive.validation.matrix_eval import evaluate

SIZES = {"N": 4, "d": 3, "n": 3}
DECL = "X: N x d, w: d, y: N, mu: d, A: n x n, x: n, v: n, B: n x n"


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return {"X": rng.normal(size=(4, 3)), "w": rng.normal(size=(3, 1)), "y": rng.normal(size=(4, 1)),
            "mu": rng.normal(size=(3, 1)), "A": rng.normal(size=(3, 3)), "x": rng.normal(size=(3, 1)),
            "v": rng.normal(size=(3, 1)), "B": rng.normal(size=(3, 3)), "lambda": 0.7, "c": 1.3}


def _value(expr, data):
    """derive's expression at NumPy values (matrix symbols and scalars by name)."""
    values = {}
    for m in expr.atoms(sympy.MatrixSymbol):
        values[m] = data[m.name]
    for s in expr.free_symbols:
        if isinstance(s, sympy.Symbol) and s.name in data:
            values[s] = data[s.name]
    sizes = {sympy.Symbol(k, integer=True, positive=True): v for k, v in SIZES.items()}
    return np.asarray(evaluate(expr, values, sizes), dtype=float)


NUMPY_FORMS = [
    ("X @ w", lambda d: d["X"] @ d["w"]),
    ("y * (X @ w)", lambda d: d["y"] * (d["X"] @ d["w"])),
    ("(y - X @ w)**2", lambda d: (d["y"] - d["X"] @ d["w"]) ** 2),
    ("1 + exp(X @ w)", lambda d: 1 + np.exp(d["X"] @ d["w"])),
    ("X - mu.T", lambda d: d["X"] - d["mu"].T),
    ("X / 2 + 1", lambda d: d["X"] / 2 + 1),
    ("y / (1 + exp(-X @ w))", lambda d: d["y"] / (1 + np.exp(-(d["X"] @ d["w"])))),
    ("A * B", lambda d: d["A"] * d["B"]),
    ("A**2", lambda d: d["A"] ** 2),
    ("matrix_power(A, 2)", lambda d: d["A"] @ d["A"]),
    ("matrix_power(A, 3) @ x", lambda d: np.linalg.matrix_power(d["A"], 3) @ d["x"]),
    ("inv(A) @ x", lambda d: np.linalg.solve(d["A"], d["x"])),
    ("v * A", lambda d: d["v"] * d["A"]),
    ("A * v.T", lambda d: d["A"] * d["v"].T),
    ("v * x.T", lambda d: d["v"] * d["x"].T),
    ("x^T @ A @ x", lambda d: d["x"].T @ d["A"] @ d["x"]),
    ("x' @ A @ x", lambda d: d["x"].T @ d["A"] @ d["x"]),
    ("x.T @ A @ x", lambda d: d["x"].T @ d["A"] @ d["x"]),
    ("||x||", lambda d: np.linalg.norm(d["x"])),
    ("||X @ w - y||^2 + lambda*||w||^2", lambda d: np.linalg.norm(d["X"] @ d["w"] - d["y"]) ** 2
     + d["lambda"] * np.linalg.norm(d["w"]) ** 2),
    ("sum((y - X @ w)**2)/2", lambda d: np.sum((d["y"] - d["X"] @ d["w"]) ** 2) / 2),
    ("c * x + 1", lambda d: d["c"] * d["x"] + 1),
]


@pytest.mark.parametrize("text, reference", NUMPY_FORMS, ids=[t for t, _ in NUMPY_FORMS])
def test_text_means_what_numpy_means(text, reference):
    data = _data()
    expr = derive.parse(text, DECL)
    assert np.allclose(_value(expr, data).ravel(), np.asarray(reference(data), dtype=float).ravel())
    # what derive prints reads back to the same values (matrix products as @, entrywise as * and **)
    again = derive.parse(to_text(expr), DECL)
    assert np.allclose(_value(again, data).ravel(), np.asarray(reference(data), dtype=float).ravel())


def test_sympy_objects_keep_sympys_meaning_and_mix_with_text():
    """* of two MatrixSymbols is SymPy's matrix product; text beside it follows NumPy."""
    n = sympy.Symbol("n", integer=True, positive=True)
    A, x = sympy.MatrixSymbol("A", n, n), sympy.MatrixSymbol("x", n, 1)
    from_sympy = derive.grad(x.T * A * x, x)
    from_text = derive.grad("x.T @ A @ x", "x", symbols="A: n x n, x: n")
    mixed = derive.grad("x.T @ A @ x", x, symbols={"A": A, "x": x})
    assert to_text(from_sympy) == to_text(from_text) == to_text(mixed) == "(A + A.T)@x"


def test_printed_gradients_use_at_and_read_back():
    g = derive.grad("sum(log(1 + exp(X@w)) - y*(X@w))", "w", symbols="X: N x d, w: d, y: N")
    text = to_text(g)
    assert "@" in text and "map(" not in text and "hadamard(" not in text
    data = _data(1)
    again = derive.parse(text, "X: N x d, w: d, y: N")
    p = 1 / (1 + np.exp(-(data["X"] @ data["w"])))
    assert np.allclose(_value(again, data), data["X"].T @ (p - data["y"]))


def test_lambda_is_a_name_everywhere():
    g = derive.grad("norm(X@w - y)**2/2 + lambda/2*w.T@w", "w", symbols="X: N x d, w: d, y: N")
    assert to_text(g) == "lambda*w + X.T@(X@w - y)"
    assert derive.grad("lambda*x**2", "lambda") == sympy.Matrix([sympy.Symbol("x") ** 2])
    assert derive.parse("lambda2 + my_lambda") == sympy.Symbol("lambda2") + sympy.Symbol("my_lambda")


def test_g_prime_reads_back():
    d = derive.grad("g(x**2)", "x", symbols="g: function")
    assert to_text(d) == "[2*x*g'(x**2)]"
    back = derive.parse("2*x*g'(x**2)", "g: function")
    g = next(iter(back.atoms(sympy.core.function.AppliedUndef))).func
    x = next(s for s in back.free_symbols if s.name == "x")
    assert sympy.simplify(back.replace(g, sympy.sin).doit() - 2 * x * sympy.cos(x ** 2)) == 0


MESSAGES = [  # (text, declarations, error class, fragment of what to write)
    ("3xy", None, ParseError, "write 3*x*y (or 3*xy if xy is one name)"),
    ("2x", None, ParseError, "write 2*x"),
    ("w.T X w", "X: n x n, w: n", ParseError, "write w.T @ X for a matrix product"),
    ("x'*A*x", "A: n x n, x: n", ParseError, "for MATLAB's matrix product write @ (x' @ A @ x)"),
    ("x'*A*x", None, ParseError, "x' is a transpose, but x is not a declared vector or matrix: declare it"),
    ("x^T*x", None, ParseError, "x^T is a transpose, but x is not a declared vector or matrix"),
    ("A*x", "A: n x n, x: m", ShapeError, ("do not broadcast together (entry by entry, as in NumPy; for a matrix "
                                           "product write @)")),
    ("X + w", "X: N x d, w: d", ShapeError, "do not broadcast together"),
    ("x ≤ 1", None, ParseError, "write <="),
    ("a \\cdot b", None, ParseError, "is LaTeX"),
    ("'x'", None, ParseError, "strings are not allowed"),
    ("(x + 1)'y", None, ParseError, "two terms side by side"),
    ("(x + 1", None, ParseError, "'(' is never closed"),
    ("x + 1)", None, ParseError, "')' closes nothing"),
    ("x + ", None, ParseError, "ends too early"),
    ("007", None, ParseError, "write 7"),
    ("if x", None, ParseError, "'if' is a Python keyword"),
    ("x = 1", None, ParseError, "'=' is not part of an expression"),
]
PYTHON_WORDING = ("invalid syntax", "invalid decimal literal", "unterminated string literal",
                  "line continuation character", "Perhaps you forgot", "was never closed", "unmatched", "EOF")


@pytest.mark.parametrize("text, decl, error, fragment", MESSAGES, ids=[m[0] for m in MESSAGES])
def test_messages_say_what_to_write(text, decl, error, fragment):
    syntax = {"syntax": "text"} if "\\" in text else {}
    with pytest.raises(error) as info:
        derive.parse(text, decl, **syntax)
    message = str(info.value)
    assert fragment in message and "\n" not in message
    assert not any(w in message for w in PYTHON_WORDING), message


def test_messages_name_the_column_in_what_was_typed():
    with pytest.raises(ShapeError) as info:
        derive.parse("x^T*A + B", "A: n x n, x: n, B: m x m")
    assert "x^T*A is n x n but B is m x m" in str(info.value)  # the user's x^T, not Python's x**T


def test_a_subexpression_written_twice_is_reused_only_where_it_means_the_same():
    """The parser builds a repeated subexpression once; softmax(z)[k] and softmax(z)[l] are
    rewritten into fresh trees, and a freed tree's node ids must not carry their values over
    (a reused id once read softmax(z)[l] as exp(z[l])/z[k])."""
    z = sympy.IndexedBase("z")
    k, l, _j = sympy.symbols("k l j", integer=True)
    e = derive.parse("softmax(z)[k]*(delta(k, l) - softmax(z)[l]) + softmax(z)[k]", "z: 3")
    values = {z[m]: v for m, v in enumerate([0.3, -1.2, 0.8])}
    p = np.exp([0.3, -1.2, 0.8]) / np.exp([0.3, -1.2, 0.8]).sum()
    for kk in range(3):
        for ll in range(3):
            got = e.xreplace({k: kk, l: ll}).doit()
            got = float(got.xreplace({sympy.MatrixSymbol("z", 3, 1)[m, 0]: v for m, v in enumerate([0.3, -1.2, 0.8])})
                        .xreplace(values))
            assert np.isclose(got, p[kk] * ((kk == ll) - p[ll]) + p[kk])


@pytest.mark.parametrize("text, decl, fragment", [
    ("sum(x[i], (i, 1, N))", "x: N", "x[i] for i from 1 to N reaches outside x's entries 0..N - 1: write the range (i, 0, N - 1)"),
    ("sum(X[i, j], (i, 0, N), j)", "X: N x d", "X[i, j] for i from 0 to N reaches outside X's rows"),
    ("sum(x[i + 1], (i, 0, N - 1))", "x: N", "write the range (i, -1, N - 2)"),
])
def test_a_sum_past_an_arrays_end_is_an_error_not_a_phantom_entry(text, decl, fragment):
    with pytest.raises(ParseError, match=None) as info:
        derive.parse(text, decl)
    assert fragment in str(info.value)
    assert derive.parse("sum(x[i], (i, 0, N - 1))", "x: N") is not None  # the range that fits
