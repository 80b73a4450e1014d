"""`Verdict.step` for a sum of terms: which term's derivative the claim got wrong (the sum rule),
and within a term the product rule's terms, a lost leading minus, a factor at a pending derivative."""

import sympy

import derive

RIDGE = "norm(X @ w - y)**2 + lam*norm(w)**2"
RIDGE_SIZES = "X: n x d, w: d, y: n, lam: positive"
SUM_RULE = "sum rule (each term is differentiated on its own): "


def wrong(f, wrt, claim, symbols=None):
    v = derive.check(f, wrt, claim, "grad", symbols=symbols)
    assert not v.ok
    return v


def same_matrix(a, b, sizes):
    """a = b as matrices at explicit sizes (entries symbolic): the pieces, not just their words."""
    difference = (sympy.MatAdd(a, -b) if isinstance(a, sympy.MatrixExpr) else a - b).subs(sizes)
    return sympy.simplify(sympy.Matrix(difference.as_explicit())) == sympy.zeros(*difference.shape)


def names(v):
    """The sizes and symbols of a verdict, by name (the namespace's own objects)."""
    found = {}
    for e in (v.expected, v.claimed):
        for s in e.free_symbols | e.atoms(sympy.MatrixSymbol):
            found[getattr(s, "name", str(s))] = s
            for size in s.shape if isinstance(s, sympy.MatrixSymbol) else ():
                found.update({str(t): t for t in sympy.sympify(size).free_symbols})
    return found


# -- A and B: ridge regression -------------------------------------------------


def test_a_the_penalty_term_differentiated_to_lam_w():
    v = wrong(RIDGE, "w", "2*X.T@(X@w - y) + lam*w", RIDGE_SIZES)
    assert v.step.text == (SUM_RULE + "the derivative of the term lam*w.T@w is 2*lam*w; the claim has lam*w "
                                      "(the factor 2 is lost)")
    assert v.step.step.rule == "sum rule" and v.step.entry == "df/dw"
    s = names(v)
    sizes = {s["n"]: 3, s["d"]: 2}
    assert same_matrix(v.step.expected, 2 * s["lam"] * s["w"], sizes)
    assert same_matrix(v.step.claimed, s["lam"] * s["w"], sizes)
    assert v.to_dict()["step"]["rule"] == "sum rule"


def test_a_with_sympy_matrix_symbols():
    n, d = sympy.symbols("n d", integer=True, positive=True)
    X, w, y = sympy.MatrixSymbol("X", n, d), sympy.MatrixSymbol("w", d, 1), sympy.MatrixSymbol("y", n, 1)
    lam = sympy.Symbol("lam", positive=True)
    f = (X * w - y).T * (X * w - y) + lam * w.T * w
    v = wrong(f, w, 2 * X.T * (X * w - y) + lam * w)
    assert v.step.text.endswith("the derivative of the term lam*w.T@w is 2*lam*w; the claim has lam*w "
                                "(the factor 2 is lost)")
    assert same_matrix(v.step.expected, 2 * lam * w, {n: 2, d: 3})
    v = wrong(sympy.Trace((X * w - y).T * (X * w - y)) + lam * sympy.Trace(w.T * w), w, 2 * X.T * (X * w - y))
    assert v.step.text == SUM_RULE + "the derivative of the term lam*w.T@w, 2*lam*w, is missing"


def test_b_the_penalty_term_dropped():
    v = wrong(RIDGE, "w", "2*X.T@(X@w - y)", RIDGE_SIZES)
    assert v.step.text == SUM_RULE + "the derivative of the term lam*w.T@w, 2*lam*w, is missing"
    assert isinstance(v.step.claimed, sympy.ZeroMatrix)


def test_b_the_factor_two_of_the_first_term():
    v = wrong(RIDGE, "w", "X.T@(X@w - y) + 2*lam*w", RIDGE_SIZES)
    assert v.step.text == (SUM_RULE + "the derivative of the term (w.T@X.T - y.T)@(X@w - y) is 2*X.T@(X@w - y); "
                                      "the claim has X.T@(X@w - y) (the factor 2 is lost)")
    s = names(v)
    sizes = {s["n"]: 3, s["d"]: 2}
    assert same_matrix(v.step.expected, 2 * s["X"].T * (s["X"] * s["w"] - s["y"]), sizes)
    assert same_matrix(v.step.claimed, s["X"].T * (s["X"] * s["w"] - s["y"]), sizes)


def test_b_a_transposed_factor_and_a_flipped_sign_in_one_term():
    v = wrong(RIDGE, "w", "2*X@(X@w - y) + 2*lam*w", "X: n x n, w: n, y: n, lam: positive")
    assert v.step.text.endswith("the claim has 2*X@(X@w - y) (X where X.T belongs)")
    assert "the derivative of the term (w.T@X.T - y.T)@(X@w - y) is 2*X.T@(X@w - y)" in v.step.text
    v = wrong(RIDGE, "w", "-2*X.T@(X@w - y) + 2*lam*w", RIDGE_SIZES)
    assert v.step.text.endswith("the claim has -2*X.T@(X@w - y) (the sign is lost)")


def test_wrong_in_two_terms_names_no_step():
    # both terms halved: no one term explains it, and a wrong step is worse than none
    v = wrong(RIDGE, "w", "X.T@(X@w - y) + lam*w", RIDGE_SIZES)
    assert v.step is None


def test_a_right_claim_has_no_step():
    assert derive.check(RIDGE, "w", "2*X.T@(X@w - y) + 2*lam*w", "grad", symbols=RIDGE_SIZES).step is None
    assert derive.check("x.T @ A @ x", "x", "(A + A.T) @ x", "grad", symbols="A: n x n, x: n").step is None


# -- C: a sample -----------------------------------------------------------------


def test_c_the_power_rules_two_lost_in_a_gaussian_log_likelihood():
    v = wrong("sum(-(x[i] - mu)**2/(2*sigma**2) - log(2*pi*sigma**2)/2, i)", "mu",
              "sum(x[i] - mu, i)/(2*sigma**2)", "sigma: positive")
    assert v.step.text == ("chain rule: d/dmu((x[i] - mu)**2) = 2*(mu - x[i]); the claim has mu - x[i] "
                           "(the factor 2 is lost here)")
    s = names(v)
    mu, x_i = s["mu"], next(a for a in v.claimed.atoms(sympy.Indexed))
    assert sympy.expand(v.step.expected - 2 * (mu - x_i)) == 0
    assert sympy.expand(v.step.claimed - (mu - x_i)) == 0


def test_a_sample_with_a_penalty_term_and_a_missing_chain_factor():
    v = wrong("sum((x[i] - mu)**2, i) + lam*mu**2", "mu", "2*sum(mu - x[i], i) + lam*mu", "lam: positive")
    assert v.step.text == ("in the term lam*mu**2: power rule: d/dmu(mu**2) = 2*mu; the claim has mu "
                           "(the factor 2 is lost here)")
    v = wrong("sum(log(1 + exp(mu*x[i])), i) + mu**2", "mu", "sum(sigmoid(mu*x[i]), i) + 2*mu")
    assert v.step.text == "the chain rule's inner derivative d/dmu(mu*x[i]) = x[i] is missing"


# -- D: a single term with a leading minus ---------------------------------------------


def test_d_the_sign_of_the_cross_entropy_lost_at_its_leading_minus():
    v = wrong("-y.T @ log(softmax(z))", "z", "y - softmax(z)", "z: K, y: K simplex")
    text = v.step.text
    assert text.startswith("constant factor: d/dz(-u) = -d/dz(u) with u = y.T@(")
    assert text.endswith("the claim has -1*softmax(z) + y = d/dz(u) (the minus sign is lost)")
    assert v.step.expected == v.expected and v.step.claimed == v.claimed


# -- E: the product rule ----------------------------------------------------------------


def test_e_the_product_rules_two_terms_merged():
    v = wrong("x.T @ A @ x", "x", "2*A @ x", "A: n x n, x: n")
    assert v.step.text.startswith("the product rule: d/dx(x.T@A@x) = A@x + A.T@x; the claim has 2*A@x, "
                                  "which is this only when A is symmetric")
    assert v.step.step.rule == "trace/cyclic rule"  # where A.T@x is formed: marked there in --steps
    s = names(v)
    assert same_matrix(v.step.expected, (s["A"] + s["A"].T) * s["x"], {s["n"]: 3})
    assert same_matrix(v.step.claimed, 2 * s["A"] * s["x"], {s["n"]: 3})


def test_the_product_rule_within_one_term_and_a_dropped_product_term():
    v = wrong("x.T@A@x + b.T@x", "x", "2*A@x + b", "A: n x n, x: n, b: n")
    assert v.step.text.startswith("in the term x.T@A@x, the product rule: d/dx(x.T@A@x) = A@x + A.T@x; the claim "
                                  "has 2*A@x, which is this only when A is symmetric")
    v = wrong("x.T @ A @ x", "x", "A @ x", "A: n x n, x: n")
    assert v.step.text == ("the product rule: d/dx(x.T@A@x) = A@x + A.T@x; the claim has A@x; the term A.T@x "
                           "(from x.T@A@dx) is missing")


# -- more terms, other notations ----------------------------------------------------------


def test_a_three_term_f():
    f, sizes = RIDGE + " + b.T@w", RIDGE_SIZES + ", b: d"
    v = wrong(f, "w", "2*X.T@(X@w - y) + 2*lam*w + 2*b", sizes)
    assert v.step.text == SUM_RULE + "the derivative of the term b.T@w is b; the claim has 2*b (an extra factor 2)"
    v = wrong(f, "w", "2*X.T@(X@w - y) + 2*lam*w", sizes)
    assert v.step.text == SUM_RULE + "the derivative of the term b.T@w, b, is missing"
    v = wrong(f, "w", "2*X.T@(X@w - y) + lam*w + b", sizes)
    assert "the derivative of the term lam*w.T@w is 2*lam*w; the claim has lam*w" in v.step.text


def test_a_transposed_term_of_a_matrix_variable():
    v = wrong("log(det(X)) + trace(A@X)", "X", "inv(X) + A.T", "X: n x n, A: n x n")
    assert v.step.text == (SUM_RULE + "the derivative of the term log(det(X)) is inv(X.T); the claim has inv(X) "
                                      "(the transpose of the term's derivative)")


def test_index_notation_a_sign_in_one_term():
    f = "sum((sum(X[i,j]*w[j], j) - y[i])**2, i) + lam*sum(w[j]**2, j)"
    v = wrong(f, "w[k]", "-2*sum((sum(X[i,j]*w[j], j) - y[i])*X[i,k], i) + 2*lam*w[k]", "lam: positive")
    assert v.step.text == (SUM_RULE + "the derivative of the term sum((sum(X[i, j]*w[j], j) - y[i])**2, i) is "
                                      "2*sum((sum(X[i, j]*w[j], j) - y[i])*X[i, k], i); the claim has "
                                      "-2*sum((sum(X[i, j]*w[j], j) - y[i])*X[i, k], i) (the sign is lost)")


def test_the_logistic_loss_keeps_its_inner_derivative_words():
    v = wrong("-sum(y[i]*log(sigmoid(sum(X[i,j]*w[j], j))) + (1 - y[i])*log(1 - sigmoid(sum(X[i,j]*w[j], j))), i)",
              "w[k]", "sum(sigmoid(sum(X[i,j]*w[j], j)) - y[i], i)", "y: binary")
    assert v.step.text == "the chain rule's inner derivative d/dw[k](sum(X[i, j]*w[j], j)) = X[i, k] is missing"
