"""`check` in index and matrix notation: homework mistakes named in the user's notation, with a
machine-readable `Verdict.mistake`, and counterexamples inside f's domain, honouring the declared
kind of the data (binary and sign labels, counts, a simplex).

The problems and the wrong answers are the ones course problem sets are graded on: the logistic
loss (CS229 PS1, Bishop PRML 4.3.2), least squares and its weighted form (CS229 notes and PS1),
ridge (DS-GA 1003), softmax cross-entropy with and without label smoothing (CS231n), Gaussian,
Bernoulli and binomial maximum likelihood (StatProofBook), the EM M-step with responsibilities
(PRML 9.2), and the Matrix Cookbook's trace, log-det and quadratic forms.  Each is checked in text,
as SymPy objects built by hand, and mixed.
"""

import json

import pytest
import sympy
from sympy import (IndexedBase, Indexed, Inverse, MatrixBase, MatrixSymbol, Sum, Symbol, Trace, exp, log,
                   symbols)

import derive
from derive.cli import main

# ---------------------------------------------------------------------------
# the problems, as text and as SymPy objects

i, j, k, l, c, e = symbols("i j k l c e", integer=True)
N, d, K_ = symbols("N d K_", integer=True, positive=True)
x, y, w, cw, z, r, m, pi = (IndexedBase(name) for name in ("x", "y", "w", "c", "z", "r", "mu", "pi"))
mu, s2, p, lam, eps, K = symbols("mu s2 p lam eps K")

LOGISTIC = "sum(log(1 + exp(-y[i]*sum(w[j]*x[i,j], j))), i)"
LOGISTIC_GRAD = "-sum(y[i]*x[i,k]/(1 + exp(y[i]*sum(w[j]*x[i,j], j))), i)"
LOGISTIC_HESS = ("sum(exp(y[i]*sum(w[j]*x[i,j], j))*x[i,k]*x[i,l]*y[i]**2/(exp(y[i]*sum(w[j]*x[i,j], j)) + 1)**2, "
                 "i)")
LSQ = "sum((y[i] - sum(w[j]*x[i,j], j))**2, i)"
WLSQ = "sum(c[i]*(y[i] - sum(w[j]*x[i,j], j))**2, i)/2"
SOFTMAX = "exp(z[j])/sum(exp(z[c]), c)"
CE = f"-sum(y[j]*log({SOFTMAX}), j)"
CE_GRAD = "exp(z[k])/sum(exp(z[c]), c) - y[k]"
SMOOTH = f"-sum(((1 - eps)*y[j] + eps/K)*log({SOFTMAX}), j)"
GAUSS = "sum(-(x[i] - mu)**2/(2*s2) - log(s2)/2, i)"
NLL = ("-sum(y[i]*log(sigmoid(sum(w[j]*x[i,j], j))) + (1 - y[i])*log(1 - sigmoid(sum(w[j]*x[i,j], j))), i)")
BERNOULLI = "sum(y[i]*log(p) + (1 - y[i])*log(1 - p), i)"
EM = "sum(r[i,c]*(log(pi[c]) - (x[i] - mu[c])**2/(2*s2)), i, c)"


def _s(body, *limits):
    return Sum(body, *limits)


def _inner(i_=i):
    return _s(w[j] * x[i_, j], (j, 0, d - 1))


def _softmax(at):
    return exp(z[at]) / _s(exp(z[c]), (c, 0, K_ - 1))


SYMPY = {
    LOGISTIC: _s(log(1 + exp(-y[i] * _inner())), (i, 0, N - 1)),
    LOGISTIC_GRAD: -_s(y[i] * x[i, k] / (1 + exp(y[i] * _inner())), (i, 0, N - 1)),
    LOGISTIC_HESS: _s(exp(y[i] * _inner()) * x[i, k] * x[i, l] * y[i] ** 2 / (exp(y[i] * _inner()) + 1) ** 2,
                      (i, 0, N - 1)),
    LSQ: _s((y[i] - _inner()) ** 2, (i, 0, N - 1)),
    WLSQ: _s(cw[i] * (y[i] - _inner()) ** 2, (i, 0, N - 1)) / 2,
    CE: -_s(y[j] * log(_softmax(j)), (j, 0, K_ - 1)),
    CE_GRAD: _softmax(k) - y[k],
    SMOOTH: -_s(((1 - eps) * y[j] + eps / K) * log(_softmax(j)), (j, 0, K_ - 1)),
    GAUSS: _s(-(x[i] - mu) ** 2 / (2 * s2) - log(s2) / 2, (i, 0, N - 1)),
    NLL: -_s(y[i] * log(1 / (1 + exp(-_inner()))) + (1 - y[i]) * log(1 - 1 / (1 + exp(-_inner()))), (i, 0, N - 1)),
    BERNOULLI: _s(y[i] * log(p) + (1 - y[i]) * log(1 - p), (i, 0, N - 1)),
    EM: _s(r[i, c] * (log(pi[c]) - (x[i] - m[c]) ** 2 / (2 * s2)), (i, 0, N - 1), (c, 0, K_ - 1)),
}

SYMPY.update({
    LOGISTIC_GRAD.removeprefix("-"): _s(y[i] * x[i, k] / (1 + exp(y[i] * _inner())), (i, 0, N - 1)),
    "-sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i)": -_s((y[i] - _inner()) * x[i, k], (i, 0, N - 1)),
    "-2*sum((y[i] - w[j]*x[i,j])*x[i,k], i)": -2 * _s((y[i] - w[j] * x[i, j]) * x[i, k], (i, 0, N - 1)),
    "exp(z[k])/sum(exp(z[c]), c) - (1 - eps)*y[k] - eps/K": _softmax(k) - (1 - eps) * y[k] - eps / K,
    "sum((x[i] - mu)**2, i)/(2*s2**2)": _s((x[i] - mu) ** 2, (i, 0, N - 1)) / (2 * s2 ** 2),
    "sum(sigmoid(sum(w[j]*x[i,j], j)) - y[i], i)": _s(1 / (1 + exp(-_inner())) - y[i], (i, 0, N - 1)),
    "sum(y[i], i)/p + sum(1 - y[i], i)/(1 - p)": _s(y[i], (i, 0, N - 1)) / p + _s(1 - y[i], (i, 0, N - 1)) / (1 - p),
    "sum(r[i,k]*(x[i] - mu[k]), i)": _s(r[i, k] * (x[i] - m[k]), (i, 0, N - 1)),
})

n = Symbol("n", integer=True, positive=True)
A, Xm, W = MatrixSymbol("A", n, n), MatrixSymbol("X", n, n), MatrixSymbol("W", n, n)
xv, bv = MatrixSymbol("x", n, 1), MatrixSymbol("b", n, 1)
Xd, wv, yv = MatrixSymbol("X", N, d), MatrixSymbol("w", d, 1), MatrixSymbol("y", N, 1)


def _sq(v):
    return (v.T * v)[0, 0]


SYMPY.update({
    "norm(X@w - y)**2 + lam*norm(w)**2": _sq(Xd * wv - yv) + lam * _sq(wv),
    "X.T@(X@w - y) + lam*w": Xd.T * (Xd * wv - yv) + lam * wv,
    "norm(A@x - b)**2/2": _sq(A * xv - bv) / 2,
    "A @ (A@x - b)": A * (A * xv - bv),
    "trace(A @ X)": Trace(A * Xm),
    "A": A,
    "logdet(X)": log(sympy.Determinant(Xm)),
    "inv(X)": Inverse(Xm),
    "x.T @ A @ x": Trace(xv.T * A * xv),  # a 1 x 1 product's scalar, as derive's parser writes it
    "2*A @ x": 2 * A * xv,
    "x.T @ A @ x + b.T @ x": Trace(xv.T * A * xv) + Trace(bv.T * xv),
    "(A + A.T) @ x": (A + A.T) * xv,
})
TARGETS = {"w[k]": w[k], "z[k]": z[k], "mu[k]": m[k], "w": wv, "x": xv, "X": Xm, "s2": s2, "p": p}


def forms(f, wrt, claim):
    """The problem in text, as SymPy objects, and mixed (SymPy f and wrt, the claim as text)."""
    return {
        "text": (f, wrt, claim),
        "sympy": (SYMPY[f], TARGETS[wrt], SYMPY[claim]),
        "mixed": (SYMPY[f], TARGETS[wrt], claim),
    }


# (name, f, wrt, claim, declarations, kind, status, mistake, words) -- every one in all three forms
CASES = [
    # index notation
    ("logistic, right", LOGISTIC, "w[k]", LOGISTIC_GRAD, "y: sign", None, "correct", None, "equals"),
    ("logistic, sign flipped", LOGISTIC, "w[k]", LOGISTIC_GRAD.removeprefix("-"), "y: sign", None, "wrong", "sign",
     "the sign is flipped"),
    ("logistic Hessian, right", LOGISTIC, "w[k]", LOGISTIC_HESS, None, "hessian", "correct", None, "equals"),
    ("logistic Hessian, the gradient given", LOGISTIC, "w[k]", LOGISTIC_GRAD, None, "hessian", "wrong", "wrong_kind",
     "this is the gradient; the question asks for the Hessian"),
    ("least squares, factor 2 missing", LSQ, "w[k]", "-sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i)", None, None,
     "wrong", "factor", "the factor 2 is missing"),
    ("least squares, j left its sum", LSQ, "w[k]", "-2*sum((y[i] - w[j]*x[i,j])*x[i,k], i)", None, None, "wrong",
     "index_unbound", "the index j is not bound by any sum"),
    ("weighted least squares, c[i] missing", WLSQ, "w[k]", "-sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i)", None,
     None, "wrong", "factor", "the factor c[i] is missing"),
    ("softmax cross-entropy, y not declared", CE, "z[k]", CE_GRAD, None, None, "wrong", "needs_assumption",
     "holds only if sum_j y[j] = 1 (y on the simplex)"),
    ("softmax cross-entropy, y on the simplex", CE, "z[k]", CE_GRAD, "y: simplex", None, "correct", None, "equals"),
    ("label smoothing, K not the number of classes", SMOOTH, "z[k]",
     "exp(z[k])/sum(exp(z[c]), c) - (1 - eps)*y[k] - eps/K", "y: simplex", None, "wrong", "needs_assumption",
     "holds only if K equals"),
    ("Gaussian variance, a term missing", GAUSS, "s2", "sum((x[i] - mu)**2, i)/(2*s2**2)", None, None, "wrong",
     "missing_term", "a term is missing"),
    ("logistic NLL with 0/1 labels, chain-rule factor missing", NLL, "w[k]",
     "sum(sigmoid(sum(w[j]*x[i,j], j)) - y[i], i)", "y: binary", None, "wrong", "chain_rule",
     "the factor x[i, k] is missing"),
    ("Bernoulli MLE, a term's sign flipped", BERNOULLI, "p", "sum(y[i], i)/p + sum(1 - y[i], i)/(1 - p)",
     "y: binary", None, "wrong", "sign", "the sign of the term"),
    ("EM M-step, responsibilities on the simplex", EM, "mu[k]", "sum(r[i,k]*(x[i] - mu[k]), i)", "r: simplex",
     None, "wrong", "factor", "the factor 1/s2 is missing"),
    # matrix notation
    ("ridge, factor 2 missing", "norm(X@w - y)**2 + lam*norm(w)**2", "w", "X.T@(X@w - y) + lam*w",
     "X: N x d, w: d, y: N", None, "wrong", "factor", "the factor 2 is missing"),
    ("least squares, A where A^T belongs", "norm(A@x - b)**2/2", "x", "A @ (A@x - b)", "A: n x n, x: n, b: n",
     None, "wrong", "transpose", "A should be A.T"),
    ("trace(A X), the transpose claimed", "trace(A @ X)", "X", "A", "A: n x n, X: n x n", None, "transposed",
     "transpose", "transposed"),
    ("log det, the transpose claimed", "logdet(X)", "X", "inv(X)", "X: n x n", None, "transposed", "transpose",
     "transposed"),
    ("quadratic form, 2 A x", "x.T @ A @ x", "x", "2*A @ x", "A: n x n, x: n", None, "wrong", "needs_assumption",
     "holds only if A is symmetric"),
    ("quadratic form, 2 A x with A symmetric", "x.T @ A @ x", "x", "2*A @ x", "A: n x n symmetric, x: n", None,
     "correct", None, "equals"),
    ("linear term forgotten", "x.T @ A @ x + b.T @ x", "x", "(A + A.T) @ x", "A: n x n, x: n, b: n", None, "wrong",
     "missing_term", "a term is missing: b"),
]


def _declarations(symbols_text, form):
    """Text declarations; for SymPy objects only the data kinds and properties (the shapes are the objects')."""
    if symbols_text is None or form == "text":
        return symbols_text
    kept = [item for item in symbols_text.split(", ")
            if any(word in item for word in ("binary", "sign", "simplex", "symmetric", "integer", "probability"))]
    return ", ".join(item.split(":")[0] + ": " + item.split(":")[1].split()[-1] for item in kept) or None


@pytest.mark.parametrize("form", ["text", "sympy", "mixed"])
@pytest.mark.parametrize("name, f, wrt, claim, decl, kind, status, mistake, words", CASES, ids=[c[0] for c in CASES])
def test_named_mistake(name, f, wrt, claim, decl, kind, status, mistake, words, form):
    f_, wrt_, claim_ = forms(f, wrt, claim)[form]
    v = derive.check(f_, wrt_, claim_, kind=kind, symbols=_declarations(decl, form))
    assert v.status == status, str(v)
    assert v.mistake == mistake, str(v)
    assert words in v.explanation, v.explanation
    assert "entry" not in v.explanation and " is -" not in v.explanation  # named, never an entry dump
    assert v.to_dict()["mistake"] == mistake
    str(v), v._repr_latex_(), json.dumps(v.to_dict(), default=str)
    if v.counterexample:
        _assert_inside_domain(f_, v.counterexample, decl)


# ---------------------------------------------------------------------------
# counterexamples: f is defined there, and the data are data of their declared kind


def _assert_inside_domain(f, point, declarations):
    value, logs = _evaluate(f, point)
    assert value.is_finite and value.is_real, (f, point, value)
    assert all(arg > 0 for arg in logs), (f, point, logs)  # also where a factor 0 hides a log
    by_name = {}
    for key, val in point.items():
        base = key.base.label if isinstance(key, Indexed) else key
        by_name.setdefault(str(base), []).append((key, val))
    for item in (declarations or "").split(", "):
        if ":" not in item:
            continue
        name, spec = (t.strip() for t in item.split(":"))
        entries = by_name.get(name, [])
        values = [v for _, val in entries for v in (val if isinstance(val, MatrixBase) else [val])]
        if "binary" in spec:
            assert values and set(values) <= {0, 1}, (name, values)
        if "sign" in spec:
            assert values and set(values) <= {-1, 1}, (name, values)
        if "simplex" in spec:
            rows = {}
            for key, val in entries:
                rows.setdefault(key.indices[:-1] if isinstance(key, Indexed) else (), []).append(val)
            assert rows and all(sum(row) == 1 and min(row) >= 0 for row in rows.values()), (name, rows)


def _evaluate(f, point):
    """f at `point` (sizes, array elements, matrices and scalars by name), exactly, and its logs' arguments."""
    if isinstance(f, str):
        f = _parse_like(f, point)
    by_name = {str(key): val for key, val in point.items()}
    sizes = {s: by_name[s.name] for s in _size_symbols(f) if s.name in by_name}
    explicit = f.xreplace(sizes) if sizes else f
    matrices = {M: by_name[M.name] for M in explicit.atoms(MatrixSymbol) if M.name in by_name}
    explicit = explicit.xreplace(matrices).doit() if matrices else explicit.doit()
    if isinstance(explicit, (sympy.MatrixExpr, MatrixBase)):
        explicit = sympy.Matrix(explicit.as_explicit() if not isinstance(explicit, MatrixBase) else explicit)[0, 0]
    values = {a: by_name[str(a)] for a in explicit.atoms(Indexed)}
    values.update({s: by_name[s.name] for s in explicit.free_symbols if isinstance(s, Symbol) and s.name in by_name})
    logs = [a.args[0].xreplace(values).evalf(30) for a in explicit.atoms(sympy.log)]
    return explicit.xreplace(values).evalf(30), logs


def _size_symbols(f):
    found = set()
    for s in f.atoms(Sum):
        for _, lo, hi in s.limits:
            found |= (lo.free_symbols | hi.free_symbols)
    for M in f.atoms(MatrixSymbol):
        for dim in M.shape:
            found |= sympy.sympify(dim).free_symbols
    return found


def _parse_like(text, point):
    """f parsed with the declarations the point implies (the matrices' shapes)."""
    shapes = [f"{key.name}: {key.shape[0]} x {key.shape[1]}" if key.shape[1] != 1 else f"{key.name}: {key.shape[0]}"
              for key in point if isinstance(key, MatrixSymbol)]
    shapes = [s.replace(" x 1", "") for s in shapes]
    return derive.parse(text, ", ".join(shapes) or None)


DOMAIN = [
    # (f, wrt, a wrong claim, declarations, what the counterexample must respect)
    (GAUSS, "s2", "sum((x[i] - mu)**2, i)/(2*s2**2)", None),  # log(s2): s2 > 0, never -18/5
    (LOGISTIC, "w[k]", LOGISTIC_GRAD.removeprefix("-"), "y: sign"),  # labels +-1
    (NLL, "w[k]", "sum(sigmoid(sum(w[j]*x[i,j], j)) - y[i], i)", "y: binary"),  # labels 0/1
    (BERNOULLI, "p", "sum(y[i], i)/p + sum(1 - y[i], i)/(1 - p)", "y: binary"),  # 0 < p < 1 from log(p), log(1-p)
    (EM, "mu[k]", "sum(r[i,k]*(x[i] - mu[k]), i)", "r: simplex"),  # responsibilities: rows on the simplex
    ("k*log(p) + (n - k)*log(1 - p)", "p", "k/p - 2*(n - k)/(1 - p)", "n: positive integer, k: nonnegative integer"),
]


@pytest.mark.parametrize("f, wrt, claim, decl", DOMAIN, ids=[d[0][:30] + "|" + d[1] for d in DOMAIN])
def test_counterexamples_lie_inside_the_domain(f, wrt, claim, decl):
    v = derive.check(f, wrt, claim, symbols=decl)
    assert v.status == "wrong" and v.counterexample, str(v)
    _assert_inside_domain(f, v.counterexample, decl)


def test_counts_are_positive_integers():
    v = derive.check("k*log(p) + (n - k)*log(1 - p)", "p", "k/p - 2*(n - k)/(1 - p)",
                     symbols="n: positive integer, k: nonnegative integer")
    values = {s.name: val for s, val in v.counterexample.items()}
    assert values["n"].is_Integer and values["n"] > 0 and values["k"].is_Integer and values["k"] >= 0
    assert 0 < values["p"] < 1  # log(p) and log(1 - p) both defined


def test_undeclared_counts_are_only_what_f_allows():
    """Without a declaration n is a real number: only f's domain constrains it."""
    v = derive.check("x*log(lam) - lam*n", "lam", "x/lam - 2*n")
    assert v.counterexample[Symbol("lam", real=True)] > 0


def test_probability_declaration():
    v = derive.check("y*log(p) + (1 - y)*log(1 - p)", "p", "y/p + (1 - y)/(1 - p)", symbols="p: probability, y: binary")
    values = {s.name: val for s, val in v.counterexample.items()}
    assert 0 < values["p"] < 1 and values["y"] in (0, 1)
    assert v.mistake == "sign"


# ---------------------------------------------------------------------------
# the words of a diagnosis


def test_factor_words():
    assert "the factor 3 is missing (the claim is 1/3 times" in derive.check("exp(3*x)", "x", "exp(3*x)").explanation
    v = derive.check("x**2", "x", "4*x")
    assert v.mistake == "factor" and "an extra factor 2 (the claim is 2 times" in v.explanation
    v = derive.check("-x", "x", "1")
    assert v.mistake == "sign"


def test_the_step_where_the_claim_left_the_derivation():
    v = derive.check(LOGISTIC, "w[k]", LOGISTIC_GRAD.removeprefix("-"))
    assert "(the sign is lost here)" in v.step.text and "-y[i]*sum(w[j]*x[i, j], j)" in v.step.text
    v = derive.check(WLSQ, "w[k]", "-sum((y[i] - sum(w[j]*x[i,j], j))*x[i,k], i)")
    assert v.step.step.rule == "constant factor" and "the factor c[i] is dropped here" in v.step.text
    v = derive.check(NLL, "w[k]", "sum(sigmoid(sum(w[j]*x[i,j], j)) - y[i], i)", symbols="y: binary")
    assert v.step.text == "the chain rule's inner derivative d/dw[k](sum(w[j]*x[i, j], j)) = x[i, k] is missing"


def test_check_steps_marks_the_step(capsys):
    code = main(["check", LOGISTIC, "--wrt", "w[k]", "--claim", LOGISTIC_GRAD.removeprefix("-"), "--steps"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    marked = next(n for n, line in enumerate(lines) if "^ the claim leaves the derivation here" in line)
    assert lines[marked - 1].lstrip().startswith("constant factor")  # the line it points at: -y[i] taken out
    main(["check", LOGISTIC, "--wrt", "w[k]", "--claim", LOGISTIC_GRAD.removeprefix("-"), "--steps", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["mistake"] == "sign" and data["steps"]["left_at"]["rule"] == "constant factor"


def test_the_index_hessian_pasted_back():
    """derive's own index Hessian, as a SymPy object and as text, is the Hessian (the second free index from the claim)."""
    H = derive.hessian(LOGISTIC, "w[k]")
    for claim in (H, derive.to_text(H)):
        v = derive.check(LOGISTIC, "w[k]", claim, kind="hessian")
        assert v.ok, str(v)
        assert [str(t) for t in v.wrt] == ["w[k]", "w[l]"]
    v = derive.check(LOGISTIC, "w[k]", "-" + derive.to_text(H), kind="hessian")
    assert v.mistake == "sign"
    v = derive.check(LOGISTIC, "w[k]", LOGISTIC_HESS)  # no kind: the second free index makes it a Hessian
    assert v.ok and v.kind == "hessian"


def test_sympy_entry_of_a_one_by_one_product():
    """(x.T*A*x)[0, 0], as SymPy users write the scalar (SymPy expands it into a sum of elements): compared
    on explicit instances, declarations honoured."""
    f = (xv.T * A * xv)[0, 0]
    v = derive.check(f, xv, 2 * A * xv)
    assert v.mistake == "needs_assumption" and v.explanation == "holds only if A is symmetric"
    assert derive.check(f, xv, 2 * A * xv, symbols="A: symmetric").ok
    assert derive.check(f, xv, (A + A.T) * xv).ok


def test_matrix_symbol_claims():
    """A MatrixSymbol claim (item 9): in matrix notation as a formula, in scalar problems as its entries."""
    assert derive.check("x.T@A@x", "x", (A + A.T) * xv, symbols="A: n x n, x: n").ok
    assert derive.check((xv.T * A * xv)[0, 0], xv, MatrixSymbol("g", n, 1)).mistake is not None
    a, b = symbols("a b")
    v = derive.check(a ** 2 + b ** 2, [a, b], MatrixSymbol("g", 2, 1))
    assert v.status == "wrong" and v.counterexample
    assert derive.check(a ** 2 + b ** 2, [a, b], 2 * MatrixSymbol("v", 2, 1).subs({})).status == "wrong"
    v = derive.check(a ** 2 + b ** 2, [a, b], sympy.ImmutableMatrix([[2 * a], [2 * b]]))
    assert v.ok


def test_a_hessian_claimed_for_a_gradient_is_the_wrong_kind():
    v = derive.check("x**2*y", "x y", "[[2*y, 2*x], [2*x, 0]]", kind="grad")
    assert v.status == "shape" or v.mistake == "wrong_kind"
    v = derive.check("x**2*y", "x y", "[2*x*y, x**2]", kind="hessian")
    assert v.mistake == "wrong_kind" and "this is the gradient" in v.explanation


# ---------------------------------------------------------------------------
# declarations of data


@pytest.mark.parametrize("text, name, words", [
    ("y: binary", "y", {"binary"}), ("y: n sign", "y", {"sign"}), ("r: N x K simplex", "r", {"simplex"}),
    ("p: probability", "p", {"probability"}),
])
def test_data_declarations(text, name, words):
    from derive.text.declarations import declare

    assert declare(text).properties[name] == words


def test_count_declarations():
    from derive.text.declarations import declare

    n_ = declare("n: positive integer")["n"]
    assert n_.is_integer and n_.is_positive
    k_ = declare("k: nonnegative integer")["k"]
    assert k_.is_integer and k_.is_nonnegative


@pytest.mark.parametrize("text", ["y: binari", "y: binary sign", "y: count", "S: n x m symmetric"])
def test_bad_data_declarations_are_parse_errors(text):
    with pytest.raises(derive.ParseError):
        derive.check("x**2", "x", "2*x", symbols=text)


def test_softmax_as_written_in_text():
    """-sum(y[j]*log(softmax(z)[j]), j): p - y holds only on the simplex, and is right there."""
    f = "-sum(y[j]*log(softmax(z)[j]), j)"
    v = derive.check(f, "z[k]", "softmax(z)[k] - y[k]")
    assert v.mistake == "needs_assumption" and "sum_j y[j] = 1 (y on the simplex)" in v.explanation
    assert derive.check(f, "z[k]", "softmax(z)[k] - y[k]", symbols="y: simplex").ok


def test_hessian_by_two_elements_from_python():
    H = derive.hessian(LOGISTIC, "w[k]")
    assert derive.check(SYMPY[LOGISTIC], [w[k], w[l]], SYMPY[LOGISTIC_HESS]).ok
    v = derive.check(LOGISTIC, "w[k], w[l]", -H, kind="hessian")
    assert v.mistake == "sign"


def test_chain_rule_factors_around_an_inner_matrix():
    """Matrix Cookbook (51): d det(A X B)/dX = det(A X B) X^-T; the derivative wrt A X B is not it."""
    v = derive.check("det(A@X@B)", "X", "det(A@X@B)*inv(A@X@B).T", symbols="A: n x n, X: n x n, B: n x n")
    assert v.mistake == "chain_rule" and "A.T (on the left) and B.T (on the right)" in v.explanation


def test_an_index_f_leaves_free():
    """d sum(X[i,k]*A[k,j], k)/dX[m,n] = delta(i, m)*A[n, j]: A[n, j] holds only where i = m."""
    v = derive.check("sum(X[i,k]*A[k,j], k)", "X[m,n]", "A[n,j]")
    assert v.mistake == "needs_assumption" and v.explanation.startswith("holds only if i = m")
    assert derive.check("sum(X[i,k]*A[k,j], k)", "X[m,n]", "delta(i, m)*A[n,j]").ok


def test_a_count_declared_as_data_is_drawn_as_one():
    """y: nonnegative integer inside log(factorial(y)): the draw gives y integer values (no point was found)."""
    f = "y*sum(theta[j]*x[j], j) - exp(sum(theta[j]*x[j], j)) - log(factorial(y))"
    v = derive.check(f, "theta[k]", "y - exp(sum(theta[j]*x[j], j))", symbols="y: nonnegative integer")
    assert v.mistake == "chain_rule" and "the factor x[k] is missing" in v.explanation
    y_value = next(val for key, val in v.counterexample.items() if str(key) == "y")
    assert y_value.is_Integer and y_value >= 0
