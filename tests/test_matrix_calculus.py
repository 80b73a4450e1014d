"""Matrix Cookbook identities, reproduced by derive and checked against an
independent NumPy formula and against finite differences of a NumPy f."""

import numpy as np
import pytest
import sympy

import codegen
import derive

inv, det, tr = np.linalg.inv, np.linalg.det, np.trace


def sig(z):
    return 1 / (1 + np.exp(-z))


# (name, f as text, wrt, declarations, kind, f in NumPy, derivative in NumPy)
IDENTITIES = [
    ("a^T x", "a.T @ x", "x", "a: n, x: n", "grad", lambda a, x: a @ x, lambda a, x: a),
    ("x^T a", "x.T @ a", "x", "a: n, x: n", "grad", lambda a, x: x @ a, lambda a, x: a),
    ("x^T x", "x.T @ x", "x", "x: n", "grad", lambda x: x @ x, lambda x: 2 * x),
    ("x^T A x", "x.T @ A @ x", "x", "A: n x n, x: n", "grad", lambda A, x: x @ A @ x, lambda A, x: (A + A.T) @ x),
    ("(x-m)^T S (x-m)", "(x - m).T @ S @ (x - m)", "x", "S: n x n, x: n, m: n", "grad",
     lambda S, m, x: (x - m) @ S @ (x - m), lambda S, m, x: (S + S.T) @ (x - m)),
    ("(Ax)^T (Bx)", "(A@x).T @ (B@x)", "x", "A: m x n, B: m x n, x: n", "grad",
     lambda A, B, x: (A @ x) @ (B @ x), lambda A, B, x: A.T @ B @ x + B.T @ A @ x),
    ("sum (y - Xw)^2 (** entrywise on a vector)", "sum((y - X@w)**2)", "w", "X: m x n, w: n, y: m", "grad",
     lambda X, w, y: np.sum((y - X @ w) ** 2), lambda X, w, y: -2 * X.T @ (y - X @ w)),
    ("sum (y - Xw)^2, Hessian", "sum((y - X@w)**2)", "w", "X: m x n, w: n, y: m", "hessian",
     None, lambda X, w, y: 2 * X.T @ X),
    ("sum w^3 (entrywise)", "sum(w**3)", "w", "w: n", "grad", lambda w: np.sum(w ** 3), lambda w: 3 * w ** 2),
    ("sum X^2 (entrywise on an m x n matrix)", "sum(X**2)", "X", "X: m x n", "grad",
     lambda X: np.sum(X ** 2), lambda X: 2 * X),
    ("sum sqrt(exp(w))", "sum(exp(w)**(1/2))", "w", "w: n", "grad",
     lambda w: np.sum(np.exp(w / 2)), lambda w: np.exp(w / 2) / 2),
    ("||x||", "norm(x)", "x", "x: n", "grad", lambda x: np.linalg.norm(x), lambda x: x / np.linalg.norm(x)),
    ("||Ax - b||^2", "norm(A@x - b)**2", "x", "A: m x n, x: n, b: m", "grad",
     lambda A, b, x: np.sum((A @ x - b) ** 2), lambda A, b, x: 2 * A.T @ (A @ x - b)),
    ("exp(x^T x)", "exp(x.T @ x)", "x", "x: n", "grad", lambda x: np.exp(x @ x), lambda x: 2 * np.exp(x @ x) * x),
    ("log(x^T A x)", "log(x.T @ A @ x)", "x", "A: n x n, x: n", "grad",
     lambda A, x: np.log(x @ A @ x), lambda A, x: (A + A.T) @ x / (x @ A @ x)),
    ("a^T X b", "a.T @ X @ b", "X", "a: m, X: m x n, b: n", "grad", lambda a, b, X: a @ X @ b,
     lambda a, b, X: np.outer(a, b)),
    ("a^T X^T b", "a.T @ X.T @ b", "X", "a: n, X: m x n, b: m", "grad", lambda a, b, X: a @ X.T @ b,
     lambda a, b, X: np.outer(b, a)),
    ("a^T X^-1 b", "a.T @ inv(X) @ b", "X", "a: n, X: n x n, b: n", "grad", lambda a, b, X: a @ inv(X) @ b,
     lambda a, b, X: -inv(X).T @ np.outer(a, b) @ inv(X).T),
    ("tr X", "trace(X)", "X", "X: n x n", "grad", lambda X: tr(X), lambda X: np.eye(len(X))),
    ("tr AX", "trace(A@X)", "X", "A: n x m, X: m x n", "grad", lambda A, X: tr(A @ X), lambda A, X: A.T),
    ("tr XA", "trace(X@A)", "X", "A: n x m, X: m x n", "grad", lambda A, X: tr(X @ A), lambda A, X: A.T),
    ("tr X^T A", "trace(X.T@A)", "X", "A: m x n, X: m x n", "grad", lambda A, X: tr(X.T @ A), lambda A, X: A),
    ("tr A X^T", "trace(A@X.T)", "X", "A: m x n, X: m x n", "grad", lambda A, X: tr(A @ X.T), lambda A, X: A),
    ("tr X A X^T", "trace(X@A@X.T)", "X", "A: n x n, X: m x n", "grad", lambda A, X: tr(X @ A @ X.T),
     lambda A, X: X @ (A + A.T)),
    ("tr X^T A X", "trace(X.T@A@X)", "X", "A: m x m, X: m x n", "grad", lambda A, X: tr(X.T @ A @ X),
     lambda A, X: (A + A.T) @ X),
    ("tr X^2", "trace(X@X)", "X", "X: n x n", "grad", lambda X: tr(X @ X), lambda X: 2 * X.T),
    ("tr X^T X", "trace(X.T@X)", "X", "X: m x n", "grad", lambda X: tr(X.T @ X), lambda X: 2 * X),
    ("||X||_F", "norm(X)", "X", "X: m x n", "grad", lambda X: np.linalg.norm(X), lambda X: X / np.linalg.norm(X)),
    ("||X||_F + ||XA||_F (sympy 26585)", "norm(X) + norm(X@A)", "X", "X: m x n, A: n x n", "grad",
     lambda A, X: np.linalg.norm(X) + np.linalg.norm(X @ A),
     lambda A, X: X / np.linalg.norm(X) + X @ A @ A.T / np.linalg.norm(X @ A)),
    ("det X", "det(X)", "X", "X: n x n", "grad", lambda X: det(X), lambda X: det(X) * inv(X).T),
    ("log det X (sympy: 0)", "logdet(X)", "X", "X: n x n", "grad", lambda X: np.log(abs(det(X))),
     lambda X: inv(X).T),
    ("det AXB", "det(A@X@B)", "X", "A: n x n, X: n x n, B: n x n", "grad", lambda A, B, X: det(A @ X @ B),
     lambda A, B, X: det(A @ X @ B) * inv(X).T),
    ("tr X^-1 A", "trace(inv(X)@A)", "X", "A: n x n, X: n x n", "grad", lambda A, X: tr(inv(X) @ A),
     lambda A, X: -(inv(X) @ A @ inv(X)).T),
    ("tr A X^-1 B", "trace(A@inv(X)@B)", "X", "A: n x n, X: n x n, B: n x n", "grad",
     lambda A, B, X: tr(A @ inv(X) @ B), lambda A, B, X: -(inv(X) @ B @ A @ inv(X)).T),
    ("tr(X) + 1 (sympy: 0)", "trace(X) + 1", "X", "X: n x n", "grad", lambda X: tr(X) + 1,
     lambda X: np.eye(len(X))),
    ("Gaussian log-lik, mean", "-(x - mu).T @ inv(S) @ (x - mu)/2", "mu", "x: n, mu: n, S: n x n", "grad",
     lambda S, mu, x: -(x - mu) @ inv(S) @ (x - mu) / 2, lambda S, mu, x: (inv(S) + inv(S).T) @ (x - mu) / 2),
    ("Gaussian log-lik, covariance", "-logdet(S)/2 - (x - mu).T @ inv(S) @ (x - mu)/2", "S",
     "x: n, mu: n, S: n x n", "grad",
     lambda S, mu, x: -np.log(abs(det(S))) / 2 - (x - mu) @ inv(S) @ (x - mu) / 2,
     lambda S, mu, x: -inv(S).T / 2 + inv(S).T @ np.outer(x - mu, x - mu) @ inv(S).T / 2),
    ("logistic loss", "sum(softplus(X@w)) - y.T@X@w", "w", "X: m x n, w: n, y: m", "grad",
     lambda X, w, y: np.sum(np.logaddexp(0, X @ w)) - y @ X @ w, lambda X, w, y: X.T @ (sig(X @ w) - y)),
    # Hessians and Jacobians
    ("Hessian x^T A x", "x.T @ A @ x", "x", "A: n x n, x: n", "hessian", None, lambda A, x: A + A.T),
    ("Hessian ||Ax-b||^2/2", "norm(A@x - b)**2/2", "x", "A: m x n, x: n, b: m", "hessian", None,
     lambda A, b, x: A.T @ A),
    ("Hessian logistic", "sum(softplus(X@w)) - y.T@X@w", "w", "X: m x n, w: n, y: m", "hessian", None,
     lambda X, w, y: X.T @ np.diag(sig(X @ w) * (1 - sig(X @ w))) @ X),
    ("Jacobian Ax", "A @ x", "x", "A: m x n, x: n", "jacobian", None, lambda A, x: A),
    ("Jacobian sigmoid(Ax)", "sigmoid(A@x)", "x", "A: m x n, x: n", "jacobian", None,
     lambda A, x: np.diag(sig(A @ x) * (1 - sig(A @ x))) @ A),
    ("Jacobian exp(Ax) o b", "hadamard(exp(A@x), b)", "x", "A: m x n, x: n, b: m", "jacobian", None,
     lambda A, b, x: np.diag(np.exp(A @ x) * b) @ A),
]


def test_at_least_thirty_identities():
    assert len(IDENTITIES) >= 30


def _random_values(derivation, rng, sizes):
    """Random arrays for every matrix symbol, sizes from `sizes` (dimension name -> int)."""
    values = {}
    symbols = derivation.f.atoms(sympy.MatrixSymbol) | {w for w in derivation.wrt}
    for M in sorted(symbols, key=str):
        shape = tuple(int(sympy.sympify(d).subs({sympy.Symbol(k, integer=True, positive=True): v
                                                   for k, v in sizes.items()})) for d in M.shape)
        A = rng.normal(size=shape)
        if shape[0] == shape[1] and shape[0] > 1:
            A = A + shape[0] * np.eye(shape[0])  # comfortably invertible, positive determinant
        values[M] = A[:, 0] if shape[1] == 1 else A  # vectors are 1-D in the NumPy formulas
    return values


def _evaluate(expr, values, sizes):
    subs = {sympy.Symbol(k, integer=True, positive=True): v for k, v in sizes.items()}
    e = expr.subs(subs) if subs else expr
    mapping = {}
    for M, A in values.items():
        A = A.reshape(A.shape[0], -1)
        mapping[M.subs(subs)] = sympy.Matrix(A.shape[0], A.shape[1], [sympy.Float(v, 30) for v in A.ravel()])
    e = e.xreplace(mapping).doit()
    e = e.as_explicit() if hasattr(e, "as_explicit") and not isinstance(e, sympy.MatrixBase) else e
    return np.array(sympy.Matrix(e).evalf(20).tolist(), dtype=float)


@pytest.mark.parametrize("name, f, wrt, decl, kind, np_f, np_df", IDENTITIES, ids=[i[0] for i in IDENTITIES])
def test_identity(name, f, wrt, decl, kind, np_f, np_df):
    d = derive.differentiate(f, wrt, kind, symbols=decl)
    assert d.report.ok  # checked on instances inside derive
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    sizes = {"n": 3, "m": 4}
    values = _random_values(d, rng, sizes)
    named = {M.name: v for M, v in values.items()}  # the NumPy functions take the symbols by name
    got = _evaluate(d.result, values, sizes)
    want = np.asarray(np_df(**named), dtype=float)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-9, atol=1e-9)
    if np_f is not None:  # the NumPy formula itself against finite differences of the NumPy f
        name = d.wrt[0].name
        shape = named[name].shape

        def f_of(v):
            return np_f(**{**named, name: v.reshape(shape)})

        def df_of(v):
            return np.asarray(np_df(**{**named, name: v.reshape(shape)})).ravel()

        report = codegen.gradcheck(f_of, df_of, named[name].ravel(), points=1)
        assert report.ok, str(report)


def test_sympy_silent_zeros_are_not_returned():
    """SymPy 1.14 gives 0 for these; derive's answers are the true gradients."""
    ns = "X: n x n, A: n x n"
    assert derive.to_text(derive.grad("logdet(X)", "X", symbols=ns)) == "inv(X.T)"
    assert derive.to_text(derive.grad("trace(X) + 1", "X", symbols=ns)) == "eye(n)"
    g = derive.grad("norm(X) + norm(X@A)", "X", symbols=ns)
    assert g != 0 and "X" in derive.to_text(g)


def test_readable_forms():
    assert derive.to_text(derive.grad("x.T @ A @ x", "x", symbols="A: n x n, x: n")) == "(A + A.T)@x"
    assert derive.to_text(derive.grad("norm(A@x - b)**2/2", "x", symbols="A: m x n, x: n, b: m")) == \
        "A.T@(A@x - b)"
    assert derive.to_text(derive.hessian("x.T @ A @ x", "x", symbols="A: n x n, x: n")) == "A + A.T"
    assert derive.to_text(derive.grad("sum(softplus(X@w)) - y.T@X@w", "w", symbols="X: m x n, w: n, y: m")) \
        == "X.T@(sigmoid(X@w) - y)"


def test_power_of_a_vector_is_entrywise_and_of_a_square_matrix_is_the_matrix_power():
    """** on a vector or a non-square matrix has one meaning, NumPy's: each entry.  Text, SymPy
    objects (HadamardPower), and the two mixed give the same gradient; SymPy's MatPow of a
    vector (which SymPy builds for an N x 1 base) is refused by name, not failed in validation."""
    decl = "X: N x d, w: d, y: N"
    text = derive.grad("sum((y - X@w)**2) + lam*w.T@w", "w", symbols=decl)
    assert derive.to_text(text) == "(2*lam)*w - X.T@(2*y - 2*X@w)"
    N, d, lam = sympy.symbols("N d lam")
    X, w, y = sympy.MatrixSymbol("X", N, d), sympy.MatrixSymbol("w", d, 1), sympy.MatrixSymbol("y", N, 1)
    ones = sympy.OneMatrix(1, N)
    objects = derive.grad(sympy.Trace(ones * sympy.HadamardPower(y - X * w, 2)) + lam * sympy.Trace(w.T * w), w)
    mixed = derive.grad("sum((y - X@w)**2) + lam*w.T@w", w, symbols=decl)
    for g in (objects, mixed):
        assert derive.to_text(g) == derive.to_text(text)
    with pytest.raises(derive.ShapeError, match=r"matrix power .* not square.*HadamardPower"):
        derive.grad(sympy.Trace(ones * (y - X * w) ** 2), w)
    # printed text reads back as the same expression
    ns = derive.Namespace(derive.declare(decl))
    f = derive.parse("sum((y - X@w)**3)", ns)
    assert derive.parse(derive.to_text(f), ns) == f
    # a 1 x 1 product keeps its parentheses in a power or a quotient, so it does not read back entrywise
    ns = derive.Namespace(derive.declare("x: n, y: n"))
    for text, printed in (("(x.T@x)**2", "(x.T@x)**2"), ("1/(x.T@x)", "1/(x.T@x)"),
                          ("(y.T@x)/(x.T@x)", "(y.T@x)/(x.T@x)")):
        f = derive.parse(text, ns)
        assert derive.to_text(f) == printed and derive.parse(printed, ns) == f
    # the entrywise power of a square matrix is ** as in NumPy (hadamard_power too), printed so and read back
    ns = derive.Namespace(derive.declare("A: n x n, x: n"))
    for text in ("sum(hadamard_power(A, 2)@x)", "sum(A**2@x)"):
        f = derive.parse(text, ns)
        assert derive.to_text(f) == "sum(A**2@x)" and derive.parse(derive.to_text(f), ns) == f
    g = derive.grad("sum(hadamard(A, A)@x)", "x", symbols="A: n x n, x: n")
    assert derive.to_text(g) == "A.T**2@ones(n, 1)"
    # matrix_power keeps the matrix power: d tr(A^2)/dA = 2 A^T; A**2 squares each entry, and the trace
    # keeps the diagonal ones: 2 I o A
    assert derive.to_text(derive.grad("trace(matrix_power(A, 2))", "A", symbols="A: n x n")) == "2*A.T"
    assert derive.to_text(derive.grad("trace(A**2)", "A", symbols="A: n x n")) == "2*(eye(n)*A)"


def test_concrete_dimensions():
    g = derive.grad("x.T @ A @ x", "x", symbols="A: 3 x 3, x: 3")
    assert g.shape == (3, 1)


def test_unsupported_operators_are_clear_errors():
    with pytest.raises(derive.DeriveError):
        derive.hessian("trace(X@X)", "X", symbols="X: n x n")  # a 4-tensor


@pytest.mark.parametrize("text, f", [
    ("sum([a, b]**2)", "a**2 + b**2"),
    ("sum([a, b])", "a + b"),
    ("sum(exp([a, 2*b]))", "exp(a) + exp(2*b)"),
    ("sum(hadamard([a, b], [b, a]))", "2*a*b"),
])
def test_explicit_vectors_are_added_and_mapped_entry_by_entry(text, f):
    """[a, b] has explicit entries: sum, entrywise functions and products act on them (these raised
    a bare NotImplementedError from SymPy's Trace)."""
    a, b = sympy.symbols("a b")  # text on its own: plain symbols
    d = derive.differentiate(text, "a b", "grad")
    want = derive.parse(f)
    assert sympy.simplify(d.f - want) == 0
    assert sympy.simplify(sympy.Matrix(d.result) - sympy.Matrix([want.diff(a), want.diff(b)])) == sympy.zeros(2, 1)
