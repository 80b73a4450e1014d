"""SymPy's own matrix-derivative tests, ported: every case that is a scalar of a
vector/matrix, or a vector (or matrix) with respect to a scalar or a vector.

Source: sympy/matrices/expressions/tests/test_derivatives.py (SymPy master,
a superset of 1.14's).  Each case is built from SymPy objects, as SymPy's test
builds it, at three sizes: SymPy's symbolic size k (a plain Symbol, as there),
3 x 3, and 3 x 2 where the shapes allow a non-square X (then the other
matrices take the shapes that fit).  Shapes are written with two sizes p and q
(p = q for square-only cases).

Cases derive does not do carry `refuse`: a fragment of the one-line
`DeriveError` expected (4-dimensional results, derivatives with respect to a
single entry, ...).  Used by tests/test_sympy_matrix_derivatives.py and
benchmarks/bench_matrix_calculus.py.
"""

from dataclasses import dataclass

import sympy
from sympy import (
    Determinant,
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    Matrix,
    MatrixSymbol,
    OneMatrix,
    Rational,
    S,
    Symbol,
    Trace,
    exp,
    log,
    sin,
    sqrt,
    tan,
)
from sympy.matrices.expressions import hadamard_power
from sympy.matrices.expressions.hadamard import hadamard_product

K = Symbol("k")  # SymPy's test uses plain symbols for sizes and scalars
SIZES = {"k": (K, K), "3": (3, 3), "3x2": (3, 2)}


@dataclass
class Case:
    id: str
    kind: str  # grad | jacobian | hessian
    spec: str  # "X: p x q, A: p x p, a: p"
    build: object  # ns -> (f, wrt)
    source: str
    square: bool = False  # only p = q makes sense (inverse, det, trace of X)
    positive: bool = False  # f's domain needs positive entries (log, sqrt)
    refuse: str | None = None  # a fragment of the expected one-line DeriveError
    index: bool = False  # wrt an element x[m]: answered in index notation (free indices named)
    variants: tuple = ("k", "3", "3x2")
    notes: str = ""

    def sizes(self):
        return [v for v in self.variants if not (self.square and v == "3x2")]


class Names:
    """Matrix symbols of one variant, by attribute, plus SymPy's scalars."""

    def __init__(self, spec, p, q):
        self.p, self.q = p, q
        self.i, self.j, self.m, self.n = sympy.symbols("i j m n")
        self.mu = Symbol("mu")
        self.k = p  # SymPy uses the size k as a scalar too (k*det(X))
        dims = {"p": p, "q": q}
        for item in filter(None, (s.strip() for s in spec.split(","))):
            name, shape = (t.strip() for t in item.split(":"))
            parts = [dims.get(t) or int(t) for t in shape.split(" x ")]
            setattr(self, name, MatrixSymbol(name, parts[0], parts[1] if len(parts) > 1 else 1))


CASES = []


def case(case_id, kind, spec, build, source, **kw):
    CASES.append(Case(case_id, kind, spec, build, source, **kw))


# --- test_matrix_derivative_by_scalar -------------------------------------------------------
SRC = "test_matrix_derivative_by_scalar"
NOT_USED = "is not a variable of"
case("A wrt i", "jacobian", "A: p x q", lambda s: (s.A, s.i), SRC, refuse=NOT_USED)
case("A(X + B)c wrt i", "jacobian", "A: p x p, X: p x p, B: p x p, c: p", lambda s: (s.A * (s.X + s.B) * s.c, s.i),
     SRC, refuse=NOT_USED)
case("x wrt i", "jacobian", "x: p", lambda s: (s.x, s.i), SRC, refuse=NOT_USED)
case("x.T y wrt i", "grad", "x: p, y: p", lambda s: (s.x.T * s.y, s.i), SRC, refuse=NOT_USED)
case("x x.T wrt i", "jacobian", "x: p", lambda s: (s.x * s.x.T, s.i), SRC, refuse=NOT_USED)
case("x + y wrt i", "jacobian", "x: p, y: p", lambda s: (s.x + s.y, s.i), SRC, refuse=NOT_USED)
case("x.^2 wrt i", "jacobian", "x: p", lambda s: (hadamard_power(s.x, 2), s.i), SRC, refuse=NOT_USED)
case("x.^i wrt i", "jacobian", "x: p", lambda s: (hadamard_power(s.x, s.i), s.i), SRC, positive=True)
case("x o y wrt i", "jacobian", "x: p, y: p", lambda s: (hadamard_product(s.x, s.y), s.i), SRC, refuse=NOT_USED)
case("(i 1) o x o y wrt i", "jacobian", "x: p, y: p",
     lambda s: (hadamard_product(s.i * OneMatrix(s.p, 1), s.x, s.y), s.i), SRC)
case("i x wrt i", "jacobian", "x: p", lambda s: (s.i * s.x, s.i), SRC)
case("sin(i) A B x wrt i", "jacobian", "A: p x p, B: p x q, x: q", lambda s: (sin(s.i) * s.A * s.B * s.x, s.i), SRC)
case("sin.(x) wrt i", "jacobian", "x: p", lambda s: (s.x.applyfunc(sin), s.i), SRC, refuse=NOT_USED)
case("tr(i^2 X) wrt i", "grad", "X: p x p", lambda s: (Trace(s.i ** 2 * s.X), s.i), SRC, square=True)
case("2 mu x wrt x", "jacobian", "x: p", lambda s: (2 * s.mu * s.x, s.x), SRC)

# --- test_one_matrix ------------------------------------------------------------------------
case("x.T 1 wrt x", "grad", "x: p", lambda s: (MatMul(s.x.T, OneMatrix(s.p, 1)), s.x), "test_one_matrix")

# --- test_matrix_derivative_non_matrix_result, _trivial_cases: 4-dimensional results -----------
SRC = "test_matrix_derivative_non_matrix_result"
FOUR_D = "4-dimensional"
case("A wrt A", "grad", "A: p x p", lambda s: (s.A, s.A), SRC, refuse=FOUR_D)
case("A.T wrt A", "grad", "A: p x p", lambda s: (s.A.T, s.A), SRC, refuse=FOUR_D)
case("2A wrt A", "grad", "A: p x p", lambda s: (2 * s.A, s.A), SRC, refuse=FOUR_D)
case("A + A wrt A", "grad", "A: p x p", lambda s: (MatAdd(s.A, s.A), s.A), SRC, refuse=FOUR_D)
case("A + B wrt A", "grad", "A: p x p, B: p x p", lambda s: (s.A + s.B, s.A), SRC, refuse=FOUR_D)
case("X wrt A (trivial)", "grad", "A: p x p, X: p x p", lambda s: (s.X, s.A), "test_matrix_derivative_trivial_cases",
     refuse=NOT_USED)

# --- test_matrix_derivative_of_determinant (cookbook 49-58) --------------------------------------
SRC = "test_matrix_derivative_of_determinant"
case("det X (49)", "grad", "X: p x p", lambda s: (Determinant(s.X), s.X), SRC, square=True)
case("det AXB (51)", "grad", "A: p x p, X: p x p, B: p x p", lambda s: (Determinant(s.A * s.X * s.B), s.X), SRC,
     square=True)
case("det X.T A X (52)", "grad", "X: p x q, A: p x p", lambda s: (Determinant(s.X.T * s.A * s.X), s.X), SRC)
case("log det X.T X (55)", "grad", "X: p x q", lambda s: (log(Determinant(s.X.T * s.X)), s.X), SRC)
case("log det X (57)", "grad", "X: p x p", lambda s: (log(Determinant(s.X)), s.X), SRC, square=True)
case("det X^j, j a plain symbol (58)", "grad", "X: p x p", lambda s: (Determinant(s.X ** s.j), s.X), SRC,
     square=True, refuse="declared integer")
case("det X^j, j integer (58)", "grad", "X: p x p",
     lambda s: (Determinant(s.X ** Symbol("j", integer=True, positive=True)), s.X), SRC, square=True,
     notes="j declared integer")
case("det X^5 (58)", "grad", "X: p x p", lambda s: (Determinant(s.X ** 5), s.X), SRC, square=True)
case("det X^0 (issue 28708)", "grad", "X: p x p", lambda s: (Determinant((s.X ** s.j).subs(s.j, 0)), s.X),
     "test_issue_28708", square=True)
case("det X^-1 (issue 28708)", "grad", "X: p x p", lambda s: (Determinant((s.X ** s.j).subs(s.j, -1)), s.X),
     "test_issue_28708", square=True)
SRC = "test_issue_28838_det_in_non_matrix_expr"
case("k det X", "grad", "X: p x p", lambda s: (s.k * Determinant(s.X), s.X), SRC, square=True)
case("1/det X", "grad", "X: p x p", lambda s: (1 / Determinant(s.X), s.X), SRC, square=True)
case("k/det X", "grad", "X: p x p", lambda s: (s.k / Determinant(s.X), s.X), SRC, square=True)

# --- test_matrix_derivative_with_inverse (cookbook 61-64) -----------------------------------------
SRC = "test_matrix_derivative_with_inverse"
case("a.T X^-1 b (61)", "grad", "a: p, X: p x p, b: p", lambda s: (s.a.T * Inverse(s.X) * s.b, s.X), SRC,
     square=True)
case("det X^-1 (62)", "grad", "X: p x p", lambda s: (Determinant(Inverse(s.X)), s.X), SRC, square=True)
case("tr A X^-1 B (63)", "grad", "A: p x p, X: p x p, B: p x p", lambda s: (Trace(s.A * Inverse(s.X) * s.B), s.X),
     SRC, square=True)
case("tr (X + A)^-1 (64)", "grad", "A: p x p, X: p x p", lambda s: (Trace(Inverse(s.X + s.A)), s.X), SRC,
     square=True)

# --- test_matrix_derivative_vectors_and_scalars (cookbook 69-83) ----------------------------------
SRC = "test_matrix_derivative_vectors_and_scalars"
ENTRY = "single entry"
case("x wrt x", "jacobian", "x: p", lambda s: (s.x, s.x), SRC)
case("x[i] wrt x[m]", "grad", "x: p", lambda s: (s.x[s.i, 0], s.x[s.m, 0]), SRC, index=True, variants=("k",))
case("x.T wrt x", "jacobian", "x: p", lambda s: (s.x.T, s.x), SRC)
case("x.T a (69)", "grad", "x: p, a: p", lambda s: (s.x.T * s.a, s.x), SRC)
case("(x.T a)[0, 0] wrt x[m] (69)", "grad", "x: p, a: p", lambda s: ((s.x.T * s.a)[0, 0], s.x[s.m, 0]), SRC,
     index=True, variants=("k",))
case("a.T x (69)", "grad", "x: p, a: p", lambda s: (s.a.T * s.x, s.x), SRC)
case("a.T X b (70)", "grad", "a: p, X: p x q, b: q", lambda s: (s.a.T * s.X * s.b, s.X), SRC)
case("a.T X.T b (71)", "grad", "a: q, X: p x q, b: p", lambda s: (s.a.T * s.X.T * s.b, s.X), SRC)
case("a.T X a (72)", "grad", "a: p, X: p x p", lambda s: (s.a.T * s.X * s.a, s.X), SRC, square=True)
case("a.T X.T a (72)", "grad", "a: p, X: p x p", lambda s: (s.a.T * s.X.T * s.a, s.X), SRC, square=True)
case("b.T X.T X c (77)", "grad", "b: q, X: p x q, c: q", lambda s: (s.b.T * s.X.T * s.X * s.c, s.X), SRC)
case("(Bx + b).T C (Dx + d) (78)", "grad", "B: p x q, x: q, b: p, C: p x p, D: p x q, d: p",
     lambda s: ((s.B * s.x + s.b).T * s.C * (s.D * s.x + s.d), s.x), SRC)
case("x.T B x (81)", "grad", "x: p, B: p x p", lambda s: (s.x.T * s.B * s.x, s.x), SRC, square=True)
case("b.T X.T D X c (82)", "grad", "b: q, X: p x q, D: p x p, c: q",
     lambda s: (s.b.T * s.X.T * s.D * s.X * s.c, s.X), SRC)
case("(Xb + c).T D (Xb + c) (83)", "grad", "X: p x q, b: q, c: p, D: p x p",
     lambda s: ((s.X * s.b + s.c).T * s.D * (s.X * s.b + s.c), s.X), SRC)
case("(Xb + c).T D (Xb + c) wrt X[m, n] (83)", "grad", "X: p x q, b: q, c: p, D: p x p",
     lambda s: (((s.X * s.b + s.c).T * s.D * (s.X * s.b + s.c))[0, 0], s.X[s.m, s.n]), SRC, index=True,
     variants=("k",))
case("x x.T x (issue 16504)", "jacobian", "x: p", lambda s: (s.x * s.x.T * s.x, s.x), SRC)

# --- test_matrix_derivatives_of_traces (cookbook 99-127) --------------------------------------------
SRC = "test_matrix_derivatives_of_traces"
case("tr(A) A wrt A", "grad", "A: p x p", lambda s: (Trace(s.A) * s.A, s.A), SRC, refuse=FOUR_D)
case("(tr(A) A)[i, j] wrt A[m, n]", "grad", "A: p x p", lambda s: ((Trace(s.A) * s.A)[s.i, s.j], s.A[s.m, s.n]),
     SRC, index=True, variants=("k",))
case("tr X (99)", "grad", "X: p x p", lambda s: (Trace(s.X), s.X), SRC, square=True)
case("tr XA (100)", "grad", "X: p x q, A: q x p", lambda s: (Trace(s.X * s.A), s.X), SRC)
case("tr AXB (101)", "grad", "A: p x p, X: p x q, B: q x p", lambda s: (Trace(s.A * s.X * s.B), s.X), SRC)
case("tr A X.T B (102)", "grad", "A: p x q, X: p x q, B: p x p", lambda s: (Trace(s.A * s.X.T * s.B), s.X), SRC)
case("tr X.T A (103)", "grad", "X: p x q, A: p x q", lambda s: (Trace(s.X.T * s.A), s.X), SRC)
case("tr A X.T (104)", "grad", "X: p x q, A: p x q", lambda s: (Trace(s.A * s.X.T), s.X), SRC)
case("tr X^2 (106)", "grad", "X: p x p", lambda s: (Trace(s.X ** 2), s.X), SRC, square=True)
case("tr X^2 B (107)", "grad", "X: p x p, B: p x p", lambda s: (Trace(s.X ** 2 * s.B), s.X), SRC, square=True)
case("tr X X B (107)", "grad", "X: p x p, B: p x p", lambda s: (Trace(MatMul(s.X, s.X, s.B)), s.X), SRC,
     square=True)
case("tr X.T B X (108)", "grad", "X: p x q, B: p x p", lambda s: (Trace(s.X.T * s.B * s.X), s.X), SRC)
case("tr B X X.T (109)", "grad", "X: p x q, B: p x p", lambda s: (Trace(s.B * s.X * s.X.T), s.X), SRC)
case("tr X X.T B (110)", "grad", "X: p x q, B: p x p", lambda s: (Trace(s.X * s.X.T * s.B), s.X), SRC)
case("tr X B X.T (111)", "grad", "X: p x q, B: q x q", lambda s: (Trace(s.X * s.B * s.X.T), s.X), SRC)
case("tr B X.T X (112)", "grad", "X: p x q, B: q x q", lambda s: (Trace(s.B * s.X.T * s.X), s.X), SRC)
case("tr X.T X B (113)", "grad", "X: p x q, B: q x q", lambda s: (Trace(s.X.T * s.X * s.B), s.X), SRC)
case("tr AXBX (114)", "grad", "A: q x p, X: p x q, B: q x p", lambda s: (Trace(s.A * s.X * s.B * s.X), s.X), SRC)
case("tr X.T X (115)", "grad", "X: p x q", lambda s: (Trace(s.X.T * s.X), s.X), SRC)
case("tr X X.T (115)", "grad", "X: p x q", lambda s: (Trace(s.X * s.X.T), s.X), SRC)
case("tr B.T X.T C X B (116)", "grad", "X: p x q, B: q x q, C: p x p",
     lambda s: (Trace(s.B.T * s.X.T * s.C * s.X * s.B), s.X), SRC)
case("tr X.T B X C (117)", "grad", "X: p x q, B: p x p, C: q x q", lambda s: (Trace(s.X.T * s.B * s.X * s.C), s.X),
     SRC)
case("tr A X B X.T C (118)", "grad", "A: p x p, X: p x q, B: q x q, C: p x p",
     lambda s: (Trace(s.A * s.X * s.B * s.X.T * s.C), s.X), SRC)
case("tr (AXB + C)(AXB + C).T (119)", "grad", "A: p x p, X: p x q, B: q x q, C: p x q",
     lambda s: (Trace((s.A * s.X * s.B + s.C) * (s.A * s.X * s.B + s.C).T), s.X), SRC)
case("tr X^k (121)", "grad", "X: p x p", lambda s: (Trace(s.X ** s.k), s.X), SRC, square=True)
case("tr A X^k (122)", "grad", "A: p x p, X: p x p", lambda s: (Trace(s.A * s.X ** s.k), s.X), SRC, square=True,
     variants=("3",), notes="symbolic k: no matrix form (SymPy too: 'needs indices')")
case("tr A X^k, symbolic k (122)", "grad", "A: p x p, X: p x p", lambda s: (Trace(s.A * s.X ** s.k), s.X), SRC,
     square=True, variants=("k",), refuse="symbolic exponent")
case("tr B.T X.T C X X.T C X B (123)", "grad", "X: p x q, B: q x q, C: p x p",
     lambda s: (Trace(s.B.T * s.X.T * s.C * s.X * s.X.T * s.C * s.X * s.B), s.X), SRC)
case("tr A X^-1 B (124)", "grad", "A: p x p, X: p x p, B: p x p", lambda s: (Trace(s.A * s.X ** -1 * s.B), s.X), SRC,
     square=True)
case("tr (X.T C X)^-1 A (125)", "grad", "X: p x q, C: p x p, A: q x q",
     lambda s: (Trace(Inverse(s.X.T * s.C * s.X) * s.A), s.X), SRC)
case("tr (X.T C X)^-1 X.T B X (126)", "grad", "X: p x q, C: p x p, B: p x p",
     lambda s: (Trace((s.X.T * s.C * s.X).inv() * (s.X.T * s.B * s.X)), s.X), SRC)
case("tr (A + X.T C X)^-1 X.T B X (127)", "grad", "X: p x q, A: q x q, C: p x p, B: p x p",
     lambda s: (Trace((s.A + s.X.T * s.C * s.X).inv() * (s.X.T * s.B * s.X)), s.X), SRC)


def _complicated(s):
    a, b, A, B, C, D, X = s.a, s.b, s.A, s.B, s.C, s.D, s.X
    return (a.T * (A * X * (X.T * B + X * A) + B.T * X.T * (a * b.T * (X * D * X.T + X * (X.T * B + A * X) * D * B
                                                                   - X.T * C.T * A) * B + B * (X * D.T + B * A * X
                                                                                              * A.T - 3 * X * D))
                   * B + 42 * X * B * X.T * A.T * (X + X.T)) * b, X)


case("complicated expression", "grad", "a: p, b: p, A: p x p, B: p x p, C: p x p, D: p x p, X: p x p", _complicated,
     "test_derivatives_of_complicated_matrix_expr", square=True)

# --- test_mixed_deriv_mixed_expressions -------------------------------------------------------------
SRC = "test_mixed_deriv_mixed_expressions"
case("3 tr A", "grad", "A: p x p", lambda s: (3 * Trace(s.A), s.A), SRC, square=True)
case("k wrt A", "grad", "A: p x p", lambda s: (s.k, s.A), SRC, square=True, refuse=NOT_USED)
case("tr(A)^2", "grad", "A: p x p", lambda s: (Trace(s.A) ** 2, s.A), SRC, square=True)
case("tr(tr(A) A)", "grad", "A: p x p", lambda s: (Trace(Trace(s.A) * s.A), s.A), SRC, square=True)
case("tr(tr(tr(A) A) A)", "grad", "A: p x p", lambda s: (Trace(Trace(Trace(s.A) * s.A) * s.A), s.A), SRC,
     square=True)

# --- test_derivatives_matrix_norms ------------------------------------------------------------------
SRC = "test_derivatives_matrix_norms"
case("x.T y", "grad", "x: p, y: p", lambda s: (s.x.T * s.y, s.x), SRC)
case("(x.T y)[0, 0] wrt x[m]", "grad", "x: p, y: p", lambda s: ((s.x.T * s.y)[0, 0], s.x[s.m, 0]), SRC,
     index=True, variants=("k",))
case("(x.T y)^(1/2)", "grad", "x: p, y: p", lambda s: ((s.x.T * s.y) ** S.Half, s.x), SRC, positive=True)
case("(x.T x)^(1/2)", "grad", "x: p", lambda s: ((s.x.T * s.x) ** S.Half, s.x), SRC)
case("(c.T a x.T b)^(1/2)", "grad", "c: p, a: p, x: p, b: p", lambda s: ((s.c.T * s.a * s.x.T * s.b) ** S.Half, s.x),
     SRC, positive=True)
case("(c.T a x.T b)^(1/3)", "grad", "c: p, a: p, x: p, b: p",
     lambda s: ((s.c.T * s.a * s.x.T * s.b) ** Rational(1, 3), s.x), SRC, positive=True)
case("(a.T X b)^(1/2)", "grad", "a: p, X: p x q, b: q", lambda s: ((s.a.T * s.X * s.b) ** S.Half, s.X), SRC,
     positive=True)
case("d.T x (a.T X b)^(1/2) y.T c", "grad", "d: p, x: p, a: p, X: p x q, b: q, y: q, c: q",
     lambda s: (s.d.T * s.x * (s.a.T * s.X * s.b) ** S.Half * s.y.T * s.c, s.X), SRC, positive=True)
case("sqrt(tr X.T X) (issue 28615)", "grad", "X: p x q", lambda s: (sqrt(Trace(s.X.T * s.X)), s.X), SRC)

# --- test_derivatives_elementwise_applyfunc -------------------------------------------------------------
SRC = "test_derivatives_elementwise_applyfunc"
case("tan.(x)", "jacobian", "x: p", lambda s: (s.x.applyfunc(tan), s.x), SRC)
case("tan.(x)[i] wrt x[m]", "grad", "x: p", lambda s: (s.x.applyfunc(tan)[s.i, 0], s.x[s.m, 0]), SRC, index=True,
     variants=("k",))
case("sin.(i^2 x) wrt i", "jacobian", "x: p", lambda s: ((s.i ** 2 * s.x).applyfunc(sin), s.i), SRC)
case("sin.(log(i) A B) wrt i", "jacobian", "A: p x p, B: p x q", lambda s: ((log(s.i) * s.A * s.B).applyfunc(sin), s.i),
     SRC, positive=True)
case("A exp.(x)", "jacobian", "A: p x q, x: q", lambda s: (s.A * s.x.applyfunc(exp), s.x), SRC)
case("x.T A x + k sin.(y).T x", "grad", "x: p, A: p x p, y: p",
     lambda s: (s.x.T * s.A * s.x + s.k * s.y.applyfunc(sin).T * s.x, s.x), SRC, square=True)
case("sin.(x).T y", "grad", "x: p, y: p", lambda s: (s.x.applyfunc(sin).T * s.y, s.x), SRC)
case("sin.(a.T X b)", "grad", "a: p, X: p x q, b: q", lambda s: ((s.a.T * s.X * s.b).applyfunc(sin), s.X), SRC)
case("a.T sin.(X) b", "grad", "a: p, X: p x q, b: q", lambda s: (s.a.T * s.X.applyfunc(sin) * s.b, s.X), SRC)
case("a.T sin.(AXB) b", "grad", "a: p, A: p x p, X: p x q, B: q x q, b: q",
     lambda s: (s.a.T * (s.A * s.X * s.B).applyfunc(sin) * s.b, s.X), SRC)
case("a.T sin.(AXb) b.T (a row)", "grad", "a: p, A: p x p, X: p x q, b: q",
     lambda s: (s.a.T * (s.A * s.X * s.b).applyfunc(sin) * s.b.T, s.X), SRC, refuse="3-dimensional")
case("a.T A sin.(X) B b", "grad", "a: p, A: p x p, X: p x q, B: q x q, b: q",
     lambda s: (s.a.T * s.A * s.X.applyfunc(sin) * s.B * s.b, s.X), SRC)
case("a.T log.(A sin.(X) B) b (SymPy: wrong)", "grad", "a: p, A: p x p, X: p x q, B: q x q, b: q",
     lambda s: (s.a.T * (s.A * s.X.applyfunc(sin) * s.B).applyfunc(log) * s.b, s.X), SRC, positive=True)
case("a.T log.(sin.(X)) b (SymPy: wrong)", "grad", "a: p, X: p x q, b: q",
     lambda s: (s.a.T * (s.X.applyfunc(sin)).applyfunc(log) * s.b, s.X), SRC, positive=True)

# --- test_derivatives_of_hadamard_expressions ------------------------------------------------------------
SRC = "test_derivatives_of_hadamard_expressions"
case("a o x o b", "jacobian", "a: p, x: p, b: p", lambda s: (hadamard_product(s.a, s.x, s.b), s.x), SRC)
case("a.T (A o X o B) b", "grad", "a: p, A: p x q, X: p x q, B: p x q, b: q",
     lambda s: (s.a.T * hadamard_product(s.A, s.X, s.B) * s.b, s.X), SRC)
case("x.^2", "jacobian", "x: p", lambda s: (hadamard_power(s.x, 2), s.x), SRC)
case("(x.T).^2", "jacobian", "x: p", lambda s: (hadamard_power(s.x.T, 2), s.x), SRC)
case("x.^(1/2)", "jacobian", "x: p", lambda s: (hadamard_power(s.x, S.Half), s.x), SRC, positive=True)
case("(a.T X b).^2", "grad", "a: p, X: p x q, b: q", lambda s: (hadamard_power(s.a.T * s.X * s.b, 2), s.X), SRC)
case("(a.T X b).^(1/2)", "grad", "a: p, X: p x q, b: q", lambda s: (hadamard_power(s.a.T * s.X * s.b, S.Half), s.X),
     SRC, positive=True)

# --- issues (SymPy master) ---------------------------------------------------------------------------------
case("tr(E)^2 + tr(E E.T) (issue 24021)", "grad", "E: p x p", lambda s: (Trace(s.E) ** 2 + Trace(s.E * s.E.T), s.E),
     "test_fix_issue_24021", square=True)


def _stackoverflow(s):
    x = MatrixSymbol("x", 2, 1)
    m1, m3 = Matrix([[1, 2], [4, 7]]), Matrix([3, 5])
    return x.T * MatMul(m1, x) + x.T * Matrix(m3) + 6 * Identity(1), x


case("x.T M1 x + x.T m3 + 6 (explicit matrices)", "grad", "", _stackoverflow, "test_fix_issue_on_stackoverflow",
     variants=("3",), notes="2 x 1, as in SymPy's test")
case("tr(F) - 1 (issue 25118)", "grad", "F: p x p", lambda s: (Trace(s.F) - 1, s.F), "test_issue_25118", square=True)
case("tr(F.T F) - 3 (issue 25118)", "grad", "F: p x q", lambda s: (Trace(s.F.T * s.F) - 3, s.F), "test_issue_25118")


def _issue_24725(s):
    x, m = MatrixSymbol("x", s.p, 1), Symbol("m", commutative=True)
    d = x - m * OneMatrix(s.p, 1)
    return Trace(d.T @ d), m


case("tr(d.T d), d = x - m 1, wrt m (issue 24725)", "grad", "", _issue_24725, "test_issue_24725")
case("tr(x.T w) + b wrt w (issue 24725)", "grad", "x: p, w: p",
     lambda s: (Trace(s.x.T @ s.w) + Symbol("b"), s.w), "test_issue_24725")
case("w[0, 0] wrt w (issue 24725)", "grad", "w: p", lambda s: (s.w[0, 0], s.w), "test_issue_24725",
     variants=("3", "3x2"))
case("w[0, 0] wrt w, symbolic size (issue 24725)", "grad", "w: p", lambda s: (s.w[0, 0], s.w), "test_issue_24725",
     variants=("k",), refuse="symbolic size")
SRC = "test_issue_23492"
case("tr A (issue 23492)", "grad", "A: p x p", lambda s: (Trace(s.A), s.A), SRC, square=True)
case("tr(A) as explicit entries (issue 23492)", "grad", "A: p x p", lambda s: (Trace(s.A).as_explicit(), s.A), SRC,
     square=True, variants=("3",))
case("tr A wrt A.as_explicit() (issue 23492)", "grad", "A: p x p", lambda s: (Trace(s.A), s.A.as_explicit()), SRC,
     square=True, variants=("3",), refuse="explicit Matrix")
case("tr A + tr A^2 (issue 23492)", "grad", "A: p x p", lambda s: (Trace(s.A) + Trace(s.A ** 2), s.A), SRC,
     square=True)
case("(x F)^2 wrt x (issue 23364)", "jacobian", "F: p x p", lambda s: ((Symbol("x") * s.F) ** 2, Symbol("x")),
     "test_issue_23364", square=True)
case("b - F c wrt b (issue 21597)", "jacobian", "b: p, F: p x q, c: q", lambda s: (s.b - s.F * s.c, s.b),
     "test_issue_21597")
case("1/tr F (issue 23931)", "grad", "F: p x p", lambda s: (1 / Trace(s.F), s.F), "test_issue_23931", square=True)
case("x / tr(x.T x) (issue 23931)", "jacobian", "x: p", lambda s: (s.x / Trace(s.x.T @ s.x), s.x), "test_issue_23931")
SRC = "test_issue_17229"
case("M[1, 2] wrt M (issue 17229)", "grad", "M: p x p", lambda s: (s.M[1, 2], s.M), SRC, square=True,
     variants=("3",))
case("M[1, 2] wrt M.as_explicit() (issue 17229)", "grad", "M: p x p", lambda s: (s.M[1, 2], s.M.as_explicit()), SRC,
     square=True, variants=("3",), refuse="explicit Matrix")
case("M wrt M[1, 1] (issue 17229)", "jacobian", "M: p x p", lambda s: (s.M, s.M[1, 1]), SRC, square=True,
     variants=("3",), refuse=ENTRY)
case("M.as_explicit() wrt M (issue 17229)", "grad", "M: p x p", lambda s: (s.M.as_explicit(), s.M), SRC, square=True,
     variants=("3",), refuse=FOUR_D)
case("X.as_explicit() X wrt X (issue 15651)", "grad", "X: p x p", lambda s: (s.X.as_explicit() * s.X, s.X),
     "test_issue_15651", square=True, variants=("3",), refuse=FOUR_D)

# --- test_matpow_derivative, test_matexpr_derivative_by_matrix_element ----------------------------------------
SRC = "test_matpow_derivative"


def _base(s):
    return Matrix([[0, s.m], [s.n, 0]])


case("MatPow([[m, 0], [0, m]], 2) wrt m", "jacobian", "", lambda s: (MatPow(Matrix([[s.m, 0], [0, s.m]]), 2), s.m),
     SRC, variants=("3",), notes="explicit 2 x 2")
case("MatPow([[0, m], [n, 0]], 3) wrt m", "jacobian", "", lambda s: (MatPow(_base(s), 3), s.m), SRC, variants=("3",))
case("MatPow([[0, m], [n, 0]], 0) wrt m", "jacobian", "", lambda s: (MatPow(_base(s), 0), s.m), SRC, variants=("3",))
case("MatPow([[0, m], [n, 0]], -1) wrt m", "jacobian", "", lambda s: (MatPow(_base(s), -1), s.m), SRC, variants=("3",))
case("MatPow([[0, m], [n, 0]], i) wrt m", "jacobian", "", lambda s: (MatPow(_base(s), s.i), s.m), SRC,
     variants=("3",), refuse="symbolic exponent")
SRC = "test_matexpr_derivative_by_matrix_element"
case("X + Y wrt Y[0, 0]", "jacobian", "X: p x p, Y: p x p", lambda s: (s.X + s.Y, s.Y[0, 0]), SRC, square=True,
     variants=("3",), refuse=ENTRY)
case("X + a Y wrt a", "jacobian", "X: p x p, Y: p x p", lambda s: (s.X + Symbol("a") * s.Y, Symbol("a")), SRC,
     square=True)

# --- matrix powers the issue names: negative, zero, fractional --------------------------------------------------
SRC = "issue 8 (derive)"
case("tr X^-2", "grad", "X: p x p", lambda s: (Trace(s.X ** -2), s.X), SRC, square=True)
case("tr MatPow(X, -1) A", "grad", "X: p x p, A: p x p", lambda s: (Trace(MatPow(s.X, -1) * s.A), s.X), SRC,
     square=True)
case("tr(X^0 A + X)", "grad", "X: p x p, A: p x p", lambda s: (Trace(MatPow(s.X, 0) * s.A + s.X), s.X), SRC,
     square=True)
case("(x.T*A*x)[0, 0] (explicit entries)", "grad", "x: p, A: p x p", lambda s: ((s.x.T * s.A * s.x)[0, 0], s.x), SRC,
     square=True, variants=("3",))
case("(a.T*x)[0, 0] (explicit entries)", "grad", "x: p, a: p", lambda s: ((s.a.T * s.x)[0, 0], s.x), SRC,
     variants=("3",))


def variant_names(case, size):
    p, q = SIZES[size]
    if case.square:
        q = p
    return Names(case.spec, p, q)


def all_variants():
    """(case, size) pairs: every case at every size it has."""
    return [(c, size) for c in CASES for size in c.sizes()]
