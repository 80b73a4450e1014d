"""derive.check on a corpus of right and wrong claims: no false verdicts, named mistakes,
counterexamples that really separate the two."""


import pytest
import sympy
from sympy import Indexed, MatrixBase, MatrixSymbol

import derive

SIG = "1/(1+exp(-z))"
CE = "-(y1*log(exp(z1)/(exp(z1)+exp(z2))) + y2*log(exp(z2)/(exp(z1)+exp(z2))))"
QUAD = ("x.T @ W @ x", "x", "W: n x n, x: n")
LSQ = ("norm(A@x - b)**2/2", "x", "A: m x n, x: n, b: m")
LSQ_SQUARE = ("norm(A@x - b)**2/2", "x", "A: n x n, x: n, b: n")
TRAP = "sum(w[i,j]*x[i]*x[j], i, j)"

# (f, wrt, claim, let, symbols, status, fragment of the explanation)
CORPUS = [
    # right answers, in different forms
    ("x**3 - 2*x**2 + 1", "x", "3*x**2 - 4*x", None, None, "correct", ""),
    ("x**3 - 2*x**2 + 1", "x", "x*(3*x - 4)", None, None, "correct", ""),
    ("sin(x)**2", "x", "sin(2*x)", None, None, "correct", ""),
    ("sin(x)**2", "x", "2*sin(x)*cos(x)", None, None, "correct", ""),
    ("log(x**2)", "x", "2/x", None, None, "correct", ""),
    (SIG, "z", "sigmoid(z)*(1 - sigmoid(z))", None, None, "correct", ""),
    (SIG, "z", "exp(-z)/(1 + exp(-z))**2", None, None, "correct", ""),
    (SIG, "z", "1/(2 + exp(z) + exp(-z))", None, None, "correct", ""),
    (SIG, "z", "s*(1 - s)", "s = 1/(1+exp(-z))", None, "correct", ""),
    ("tanh(x)", "x", "1 - tanh(x)**2", None, None, "correct", ""),
    ("tanh(x)", "x", "1/cosh(x)**2", None, None, "correct", ""),
    ("exp(x)*sin(x)", "x", "exp(x)*(sin(x) + cos(x))", None, None, "correct", ""),
    ("log(1 + exp(x))", "x", "sigmoid(x)", None, None, "correct", ""),
    ("sqrt(x)", "x", "1/(2*sqrt(x))", None, None, "correct", ""),
    ("x**2 + y**3", "x y", "[2*x, 3*y**2]", None, None, "correct", ""),
    ("[2*x*y, x**2*y]", "x y", "[[2*y, 2*x], [2*x*y, x**2]]", None, None, "correct", ""),
    ("x**2*y", "x y", "[[2*y, 2*x], [2*x, 0]]", None, None, "correct", ""),
    (QUAD[0], QUAD[1], "(W + W.T) @ x", None, QUAD[2], "correct", ""),
    (LSQ[0], LSQ[1], "A.T @ (A@x - b)", None, LSQ[2], "correct", ""),
    (TRAP, "x[k]", "sum(w[k,j]*x[j], j) + sum(w[i,k]*x[i], i)", None, None, "correct", ""),
    ("log(sum(exp(x[i]), i))", "x[k]", "exp(x[k])/sum(exp(x[j]), j)", None, None, "correct", ""),
    ("trace(A @ X)", "X", "A.T", None, "A: n x n, X: n x n", "correct", ""),
    ("logdet(X)", "X", "inv(X).T", None, "X: n x n", "correct", ""),
    ("A @ x", "x", "A", None, "A: m x n, x: n", "correct", ""),
    ("norm(w)", "w", "w/sqrt(sum(w**2))", None, "w: d", "correct", ""),  # an entrywise power in the claim
    # wrong answers, every kind of mistake
    ("x**3 - 2*x**2 + 1", "x", "3*x**2 - 4", None, None, "wrong", "-4*x"),
    (SIG, "z", "2*s*(1 - s)", "s = 1/(1+exp(-z))", None, "wrong", "an extra factor 2 (the claim is 2 times"),
    ("x**2 + y**3", "x y", "[2*x, 2*y]", None, None, "wrong", "df/dy"),
    ("exp(3*x)", "x", "exp(3*x)", None, None, "wrong", "1/3 times"),
    ("sin(x**2)", "x", "cos(x**2)", None, None, "wrong", "missing chain-rule factor"),
    ("-x", "x", "1", None, None, "wrong", "sign is flipped"),
    ("sqrt(x**2)", "x", "1", None, None, "wrong", "holds only if x > 0"),
    (CE, "z1 z2", "[exp(z1)/(exp(z1)+exp(z2)) - y1, exp(z2)/(exp(z1)+exp(z2)) - y2]", None, None, "wrong",
     "holds only if y1 + y2 = 1"),
    ("x**3", "x", "3*x", None, None, "wrong", ""),
    ("x**2*exp(x)", "x", "2*x*exp(x)", None, None, "wrong", "a term is missing: x**2*exp(x)"),
    ("x**2 + sin(x)", "x", "2*x + cos(x) + 1", None, None, "wrong", "an extra term: 1"),
    ("x*log(x)", "x", "log(x)", None, None, "wrong", "a term is missing: 1"),
    ("x**2*y", "x y", "[[2*y, 2*x], [2*x, 2]]", None, None, "wrong", "d2f/dydy"),
    ("x**2 + y**3", "x y", "[[2*x, 3*y**2]]", None, None, "transposed", "row"),
    ("[2*x*y, x**2*y]", "x y", "[[2*y, 2*x*y], [2*x, x**2]]", None, None, "transposed", "transpose"),
    ("[x*y, sin(x), y**2]", "x y", "[[y, cos(x), 0], [x, 0, 2*y]]", None, None, "transposed", "3 x 2"),
    ("x**2 + y**3", "x y", "[2*x, 3*y**2, 0]", None, None, "shape", "3 entries"),
    (QUAD[0], QUAD[1], "2*W @ x", None, QUAD[2], "wrong", "holds only if W is symmetric"),
    (QUAD[0], QUAD[1], "W @ x", None, QUAD[2], "wrong", ""),
    (LSQ[0], LSQ[1], "A @ (A@x - b)", None, LSQ[2], "shape", "A is m x n but A@x - b is m x 1"),
    (LSQ_SQUARE[0], LSQ_SQUARE[1], "A @ (A@x - b)", None, LSQ_SQUARE[2], "wrong", "A should be A.T"),
    (LSQ[0], LSQ[1], "2*A.T @ (A@x - b)", None, LSQ[2], "wrong", "2 times"),
    (TRAP, "x[k]", "sum(w[k,j]*x[j], j)", None, None, "wrong", "the terms with j = k"),
    (TRAP, "x[k]", "2*sum(w[k,j]*x[j], j)", None, None, "wrong", "holds only if w is symmetric"),
    ("log(sum(exp(x[i]), i))", "x[k]", "exp(x[k])", None, None, "wrong", ""),
    ("trace(A @ X)", "X", "A", None, "A: n x n, X: n x n", "transposed", "transpose"),
    ("sum((y - X@w)**2) + lam*w.T@w", "w", "-2*X.T@(y - X@w) + lam*w", None, "X: N x d, w: d, y: N", "wrong",
     "the term 2*lam*w lost its factor 2: the claim has lam*w"),
    ("x.T@A@x + b.T@x", "x", "(A + A.T)@x", None, "A: n x n, x: n, b: n", "wrong", "a term is missing: b"),
    ("A @ x", "x", "A.T", None, "A: m x n, x: n", "transposed", "transpose"),
]


def test_corpus_is_big_and_varied():
    assert len(CORPUS) >= 40
    statuses = {c[5] for c in CORPUS}
    assert statuses == {"correct", "wrong", "transposed", "shape"}


@pytest.mark.parametrize("f, wrt, claim, let, symbols, status, fragment", CORPUS,
                         ids=[f"{c[0][:18]}|{c[2][:18]}" for c in CORPUS])
def test_verdict(f, wrt, claim, let, symbols, status, fragment):
    v = derive.check(f, wrt, claim, let=let, symbols=symbols)
    assert v.status == status, str(v)
    assert v.ok == (status == "correct")
    assert fragment in v.explanation, v.explanation
    if status == "wrong":
        assert v.counterexample, "every rejection carries a counterexample"
        expected, claimed = _evaluate_both(v)
        assert _differ(expected, claimed), (v.counterexample, expected, claimed)
    str(v), v.to_dict(), v._repr_latex_()


def _evaluate_both(v):
    """Evaluate the verdict's expected and claimed derivative at its counterexample, independently."""
    point = dict(v.counterexample)
    dims = {s: val for s, val in point.items() if isinstance(s, sympy.Symbol) and s.is_integer}
    mats = {s.subs(dims): val for s, val in point.items() if isinstance(s, MatrixSymbol)}
    scalars = {s: val for s, val in point.items() if not isinstance(s, MatrixSymbol) and s not in dims}
    target = v.wrt[0] if v.wrt else None

    def at(expr):
        expr = sympy.sympify(expr)
        if isinstance(target, Indexed):  # index form: one value per k
            (k,) = target.indices
            n = list(dims.values())[0]
            return [_value(expr.subs(k, kv), dims, mats, scalars) for kv in range(n)]
        return _value(expr, dims, mats, scalars)

    return at(v.expected), at(v.claimed)


def _value(expr, dims, mats, scalars):
    if dims:
        expr = expr.subs(dims)
    if mats:
        expr = expr.xreplace(mats)
    expr = expr.doit()
    if hasattr(expr, "as_explicit") and not isinstance(expr, MatrixBase):
        expr = expr.as_explicit()
    expr = expr.xreplace(scalars) if scalars else expr
    if isinstance(expr, MatrixBase):
        return [complex(e.evalf(30)) for e in expr]
    return [complex(sympy.sympify(expr).evalf(30))]


def _differ(a, b):
    a, b = (x if isinstance(x, list) and not isinstance(x[0], list) else sum(x, []) for x in (a, b))
    return any(abs(p - q) > 1e-12 * max(abs(p), abs(q), 1) for p, q in zip(a, b))


def test_evidence_is_named():
    assert derive.check("sin(x)**2", "x", "sin(2*x)").evidence.startswith("symbolic")
    v = derive.check("x**2", "x", "3*x")
    assert "counterexample" in str(v) and v.evidence.startswith("numeric")


def test_a_wrong_claim_is_never_accepted_when_simplification_gives_up():
    # differs from the true derivative only by 1e-30 * x: invisible to float64, not to 40 digits
    v = derive.check("x**3", "x", "3*x**2 + x/10**30")
    assert v.status == "wrong"


def test_counterexample_uses_exact_rationals():
    v = derive.check("x**2 + y**3", "x y", "[2*x, 2*y]")
    assert all(isinstance(val, sympy.Rational) for val in v.counterexample.values())
    assert all(isinstance(val, sympy.Rational) for val in v.values)


def test_bad_claims_are_clear_errors():
    with pytest.raises(derive.ParseError):
        derive.check("x**2", "x", "2*x +")
    with pytest.raises(derive.SymbolError):
        derive.check("x**2", "z", "2*x")


def test_a_named_condition_holds_up_at_many_points():
    """d/dx max(x, y) = heaviside(x - y): the claim 1 holds only where x > y; "y < 0" (found at 6 points) was wrong."""
    v = derive.check("max(x, y)", "x", "1")
    assert v.status == "wrong" and "y < 0" not in v.explanation
    assert derive.check("abs(x)", "x", "1").explanation.endswith("holds only if x > 0")


def test_counterexamples_with_huge_exact_values_print():
    """x**100000 at x = -3 has 47,717 digits; Python refuses to print more than 4300."""
    v = derive.check("x**100000", "x", "99999*x**99999")
    assert v.status == "wrong" and "99999/100000" in v.explanation
    text = str(v)
    assert "e+477" in text and len(text) < 2000
