"""Information theory in derive's grammar: entropy(p), kl(p, q), cross_entropy(y, p) beside softmax(z),
log_softmax(z) and logsumexp(z) — text, LaTeX and SymPy helpers, their derivatives in closed form, the
simplex assumption named by the checker, and kernels that stay finite (logsumexp of [1000, 1000],
0*log(0) = 0 in an entropy)."""

import numpy as np
import pytest
import scipy.special
import scipy.stats
import sympy
from sympy import Indexed, IndexedBase, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

import codegen
import derive
from codegen.printing.rewrite import stable, xlogy
from derive.text.information import Softmax, cross_entropy, entropy, kl, log_softmax, logsumexp, softmax
from derive.text.printing import latex
from derive.validation.matrix_eval import evaluate
from tests.support.extras import need

VECTORS = "p: K, q: K, y: K, z: K"
P = np.array([0.2, 0.3, 0.5])
Q = np.array([0.1, 0.6, 0.3])
Y = np.array([0.7, 0.1, 0.4])  # sums to 1.2: off the simplex, so sum(y) shows in the gradient
Z = np.array([0.3, -1.2, 2.0])


def value(expr, at=None, **arrays):
    """A float (or a vector) of `expr` with the arrays' values, each index of `at` (k: 1) in place:
    matrix notation by derive's NumPy evaluator, index notation written out by SymPy."""
    length = len(next(iter(arrays.values())))
    sizes = {s: length for s in expr.free_symbols
             if isinstance(s, sympy.Symbol) and s.is_integer and s.is_positive}
    if expr.atoms(MatrixSymbol) and not expr.has(sympy.Sum):
        point = {m: arrays[m.name].reshape(-1, 1) for m in expr.atoms(MatrixSymbol)}
        return np.real(np.asarray(evaluate(expr, point, sizes), dtype=complex)).reshape(-1).squeeze()
    e = expr.xreplace(sizes).xreplace({s: sympy.Integer(v) for s, v in (at or {}).items()}).doit()
    e = e.xreplace({x: sympy.Float(arrays[x.parent.name][int(x.i)], 30) for x in e.atoms(MatrixElement)})
    e = e.xreplace({x: sympy.Float(arrays[str(x.base.label)][int(x.indices[0])], 30) for x in e.atoms(Indexed)})
    return float(sympy.N(e))


def entries(expr, index, **arrays):
    """The vector of an index-notation result, entry k for k = 0..len-1."""
    length = len(next(iter(arrays.values())))
    return np.array([value(expr, {index: k}, **arrays) for k in range(length)])


def log_softmax_np(z):
    return scipy.special.log_softmax(z)


# ---------------------------------------------------------------------------
# the grammar: what each call means


@pytest.mark.parametrize("symbols", [None, VECTORS], ids=["index", "declared vectors"])
def test_values_agree_with_scipy(symbols):
    def at(text, **arrays):
        return value(derive.parse(text, symbols=symbols), **arrays)

    assert at("entropy(p)", p=P) == pytest.approx(scipy.stats.entropy(P), rel=1e-14)
    assert at("entropy(p)", p=P) == pytest.approx(scipy.special.entr(P).sum(), rel=1e-14)
    assert at("kl(p, q)", p=P, q=Q) == pytest.approx(scipy.special.rel_entr(P, Q).sum(), rel=1e-14)
    assert at("kl(p, q)", p=P, q=Q) == pytest.approx(scipy.stats.entropy(P, Q), rel=1e-14)
    assert at("cross_entropy(y, p)", y=Y, p=P) == pytest.approx(-(Y * np.log(P)).sum(), rel=1e-14)
    assert at("cross_entropy(y, softmax(z))", y=Y, z=Z) == pytest.approx(-(Y * log_softmax_np(Z)).sum(), rel=1e-14)
    assert at("logsumexp(z)", z=Z) == pytest.approx(scipy.special.logsumexp(Z), rel=1e-14)
    assert at("entropy(softmax(z))", z=Z) == pytest.approx(scipy.stats.entropy(scipy.special.softmax(Z)), rel=1e-14)
    want = scipy.stats.entropy(scipy.special.softmax(Z), scipy.special.softmax(Z[::-1]))
    assert at("kl(softmax(z), softmax(q))", z=Z, q=Z[::-1]) == pytest.approx(want, rel=1e-14)


def test_the_sums_are_the_ones_the_text_would_write():
    """entropy(p) parses to what -sum(p[j]*log(p[j]), j) parses to, symbol for symbol."""
    assert derive.parse("entropy(p)") == derive.parse("-sum(p[j]*log(p[j]), j)")
    assert derive.parse("kl(p, q)") == derive.parse("sum(p[j]*(log(p[j]) - log(q[j])), j)")
    assert derive.parse("cross_entropy(y, p)") == derive.parse("-sum(y[j]*log(p[j]), j)")
    assert derive.parse("cross_entropy(y, softmax(z))") == derive.parse("-sum(y[j]*log_softmax(z)[j], j)")
    assert derive.parse("entropy(p)", symbols="p: K") == derive.parse("-(p.T @ log(p))", symbols="p: K")


def test_cross_entropy_of_softmax_is_written_with_log_softmax():
    """log of softmax(z)[j] would be the log of a quotient of exponentials; the grammar writes
    z[j] - logsumexp(z), which has no quotient at all, and one sum for the whole expression."""
    f = derive.parse("cross_entropy(y, softmax(z))")
    assert not any(isinstance(a.args[0], sympy.Mul) for a in f.atoms(sympy.log))
    assert len(f.atoms(sympy.Sum)) == 2  # the sum over j and the one inside logsumexp
    g = derive.parse("entropy(softmax(z))")
    assert len({s for s in g.atoms(sympy.Sum) if isinstance(s.function, sympy.exp)}) == 1  # one sum of exp(z)


def test_fresh_indices_never_capture_the_texts_own():
    """entropy(p) + sum(p[j], j): the entropy sums over an index the text does not use; two
    entropies of different vectors sum over indices of their own (their lengths may differ)."""
    f = derive.parse("entropy(p) + sum(p[j]*x, j)")
    assert value(f.subs(sympy.Symbol("x"), 2), p=P) == pytest.approx(scipy.stats.entropy(P) + 2 * P.sum())
    f = derive.parse("entropy(p) + entropy(q)")
    indices = [s.limits[0][0] for s in f.atoms(sympy.Sum)]
    assert len(set(indices)) == 2


def test_mixed_declared_and_undeclared_vectors_use_index_notation():
    f = derive.parse("cross_entropy(y, softmax(z))", symbols="z: K")
    assert value(f, y=Y, z=Z) == pytest.approx(-(Y * log_softmax_np(Z)).sum(), rel=1e-14)


@pytest.mark.parametrize("text, symbols, message", [
    ("entropy(p + q)", None, "write the sum out: -sum(a[j]*log(a[j]), j)"),
    ("kl(p, 2*q)", None, "kl() takes names of vectors, kl(p, q), or softmax(z)"),
    ("cross_entropy(y, softmax(W @ x))", None, "cross_entropy() takes names of vectors"),
    ("kl(p)", None, "kl() takes 2 argument(s), got 1"),
    ("entropy(P)", "P: N x K", "entropy() takes vectors; P is N x K"),
])
def test_arguments_other_than_names_are_a_one_line_error(text, symbols, message):
    with pytest.raises(derive.ParseError) as info:
        derive.parse(text, symbols=symbols)
    assert message in str(info.value)
    assert "\n" not in str(info.value).split("\n", 1)[0] and "column 1" in str(info.value)


# ---------------------------------------------------------------------------
# derivatives in closed form


@pytest.mark.parametrize("f, wrt, hand", [
    ("entropy(p)", "p[k]", lambda: -(np.log(P) + 1)),
    ("kl(p, q)", "q[k]", lambda: -P / Q),
    ("kl(p, q)", "p[k]", lambda: np.log(P) - np.log(Q) + 1),
    ("cross_entropy(y, p)", "p[k]", lambda: -Y / P),
    ("logsumexp(z)", "z[k]", lambda: scipy.special.softmax(Z)),
    ("cross_entropy(y, softmax(z))", "z[k]", lambda: scipy.special.softmax(Z) * Y.sum() - Y),
])
def test_gradients_in_index_notation_equal_the_hand_formulas(f, wrt, hand):
    d = derive.differentiate(f, wrt)
    arrays = {"p": P, "q": Q, "y": Y, "z": Z}
    used = {name: arrays[name] for name in "pqyz" if name in f.replace("softmax", "")}
    assert entries(d.result, d.wrt[0].indices[0], **used) == pytest.approx(hand(), rel=1e-12)


def test_the_gradients_read_as_the_textbook_writes_them():
    assert derive.to_text(derive.differentiate("logsumexp(z)", "z[k]").result) == "softmax(z)[k]"
    assert derive.to_text(derive.differentiate("entropy(p)", "p[k]").result) == "-log(p[k]) - 1"
    assert derive.to_text(derive.differentiate("kl(p, q)", "q[k]").result) == "-p[k]/q[k]"
    assert derive.to_text(derive.differentiate("cross_entropy(y, softmax(z))", "z[k]").result) == \
        "softmax(z)[k]*sum(y[j], j) - y[k]"
    assert derive.to_text(derive.differentiate("cross_entropy(y, softmax(z))", "z", symbols="y: K, z: K").result) \
        == "sum(y)*softmax(z) - y"


@pytest.mark.parametrize("f, wrt, hand", [
    ("entropy(p)", "p", lambda: -(np.log(P) + 1)),
    ("kl(p, q)", "q", lambda: -P / Q),
    ("kl(p, q)", "p", lambda: np.log(P) - np.log(Q) + 1),
    ("cross_entropy(y, p)", "p", lambda: -Y / P),
    ("logsumexp(z)", "z", lambda: scipy.special.softmax(Z)),
    ("cross_entropy(y, softmax(z))", "z", lambda: scipy.special.softmax(Z) * Y.sum() - Y),
])
def test_gradients_in_matrix_notation_equal_the_hand_formulas(f, wrt, hand):
    d = derive.differentiate(f, wrt, symbols=VECTORS)
    assert d.notation == "matrix"
    assert value(d.result, p=P, q=Q, y=Y, z=Z) == pytest.approx(hand(), rel=1e-12)


def test_hessians():
    """d2 entropy = -diag(1/p); d2 logsumexp = diag(s) - s s^T (s the softmax)."""
    d = derive.differentiate("entropy(p)", "p[k]", "hessian")
    k, l = (w.indices[0] for w in d.wrt)
    got = np.array([[value(d.result, {k: a, l: b}, p=P) for b in range(3)] for a in range(3)])
    assert got == pytest.approx(-np.diag(1 / P), rel=1e-12)
    d = derive.differentiate("logsumexp(z)", "z[k]", "hessian")
    k, l = (w.indices[0] for w in d.wrt)
    got = np.array([[value(d.result, {k: a, l: b}, z=Z) for b in range(3)] for a in range(3)])
    s = scipy.special.softmax(Z)
    assert got == pytest.approx(np.diag(s) - np.outer(s, s), rel=1e-12)


# ---------------------------------------------------------------------------
# checks: softmax(z) - y holds only on the simplex


def test_softmax_minus_y_needs_y_on_the_simplex():
    v = derive.check("cross_entropy(y, softmax(z))", "z[k]", "softmax(z)[k] - y[k]")
    assert v.mistake == "needs_assumption"
    assert "holds only if sum_j y[j] = 1 (y on the simplex)" in str(v)
    v = derive.check("cross_entropy(y, softmax(z))", "z", "softmax(z) - y", symbols="z: K, y: K")
    assert v.mistake == "needs_assumption" and "sum(y) = 1" in str(v)
    assert derive.check("cross_entropy(y, softmax(z))", "z[k]", "softmax(z)[k] - y[k]", symbols="y: simplex").ok
    assert derive.check("cross_entropy(y, softmax(z))", "z[k]", "softmax(z)[k]*sum(y[j], j) - y[k]").ok


@pytest.mark.parametrize("f, wrt, claim, mistake", [
    ("logsumexp(z)", "z[k]", "softmax(z)[k]", None),
    ("entropy(p)", "p[k]", "-log(p[k]) - 1", None),
    ("entropy(p)", "p[k]", "-log(p[k])", "missing_term"),
    ("kl(p, q)", "q[k]", "-p[k]/q[k]", None),
    ("kl(p, q)", "q[k]", "p[k]/q[k]", "sign"),
    ("cross_entropy(y, p)", "p[k]", "-y[k]/p[k]", None),
])
def test_checks_name_the_mistake(f, wrt, claim, mistake):
    v = derive.check(f, wrt, claim)
    assert v.ok == (mistake is None)
    assert v.mistake == mistake


# ---------------------------------------------------------------------------
# LaTeX


@pytest.mark.parametrize("tex, text", [
    (r"\operatorname{entropy}(p)", "entropy(p)"),
    (r"\mathrm{entropy}(\mathbf{p})", "entropy(p)"),
    (r"\operatorname{KL}(p, q)", "kl(p, q)"),
    (r"\mathrm{KL}(p, q)", "kl(p, q)"),
    (r"\operatorname{kl}(p, q)", "kl(p, q)"),
    (r"\operatorname{CE}(y, p)", "cross_entropy(y, p)"),
    (r"\mathrm{CE}(y, \operatorname{softmax}(z))", "cross_entropy(y, softmax(z))"),
    (r"\operatorname{crossentropy}(y, p)", "cross_entropy(y, p)"),
    (r"\operatorname{logsumexp}(z)", "logsumexp(z)"),
])
def test_latex_reads_the_operator_names(tex, text):
    assert derive.parse(tex, syntax="latex") == derive.parse(text)


def test_latex_never_takes_a_bare_H_for_the_entropy():
    assert derive.parse(r"\mathrm{H}(p)", syntax="latex") == sympy.Symbol("H") * sympy.Symbol("p")


def test_latex_input_differentiates_and_checks():
    d = derive.differentiate(r"\operatorname{CE}(y, \operatorname{softmax}(z))", "z[k]")
    assert derive.to_text(d.result) == "softmax(z)[k]*sum(y[j], j) - y[k]"
    v = derive.check(r"\mathrm{KL}(p, q)", "q[k]", r"-\frac{p_k}{q_k}")
    assert v.ok


@pytest.mark.parametrize("f, wrt, symbols", [
    ("entropy(p)", "p[k]", None), ("kl(p, q)", "q[k]", None), ("cross_entropy(y, softmax(z))", "z[k]", None),
    ("entropy(p)", "p", "p: K"), ("cross_entropy(y, softmax(z))", "z", "y: K, z: K"),
])
def test_results_and_functions_print_as_text_and_latex_that_read_back(f, wrt, symbols):
    arrays = {"p": P, "q": Q, "y": Y, "z": Z}
    for expr in (derive.parse(f, symbols=symbols), derive.differentiate(f, wrt, symbols=symbols).result):
        index = {s: 1 for s in expr.free_symbols if s.name == "k"}
        for printed, syntax in ((derive.to_text(expr), None), (latex(expr), "latex")):
            namespace = derive.Namespace(symbols)
            derive.parse(f, namespace)  # p, q, y, z are arrays there, as in the problem the result came from
            back = derive.parse(printed, namespace, syntax=syntax)
            index_back = {s: 1 for s in back.free_symbols if s.name == "k"}
            assert value(back, index_back, **arrays) == pytest.approx(value(expr, index, **arrays), rel=1e-12)


# ---------------------------------------------------------------------------
# SymPy helpers: the same expressions as text


def test_sympy_helpers_equal_the_text():
    p, q, y, z = (IndexedBase(n, real=True) for n in "pqyz")
    c = sympy.Symbol("c", integer=True)
    assert entropy(p) == derive.parse("entropy(p)")
    assert kl(p, q) == derive.parse("kl(p, q)")
    assert cross_entropy(y, p) == derive.parse("cross_entropy(y, p)")
    assert cross_entropy(y, softmax(z)) == derive.parse("cross_entropy(y, softmax(z))")
    assert entropy(softmax(z)) == derive.parse("entropy(softmax(z))")
    assert logsumexp(z) == derive.parse("logsumexp(z)")
    assert softmax(z)[c] == derive.parse("softmax(z)[c]")
    assert log_softmax(z)[2] == derive.parse("log_softmax(z)[2]")
    assert isinstance(softmax(z), Softmax) and str(softmax(z)) == "softmax(z)"


def test_sympy_helpers_of_declared_vectors_equal_the_text():
    K = sympy.Symbol("K", integer=True, positive=True)
    p, q, y, z = (MatrixSymbol(n, K, 1) for n in "pqyz")
    assert entropy(p) == derive.parse("entropy(p)", symbols=VECTORS)
    assert kl(p, q) == derive.parse("kl(p, q)", symbols=VECTORS)
    assert cross_entropy(y, softmax(z)) == derive.parse("cross_entropy(y, softmax(z))", symbols=VECTORS)
    assert softmax(z) == derive.parse("softmax(z)", symbols=VECTORS)
    assert log_softmax(z) == derive.parse("log_softmax(z)", symbols=VECTORS)
    assert logsumexp(z) == derive.parse("logsumexp(z)", symbols=VECTORS)


def test_an_indexed_base_with_a_shape_sums_over_it():
    K = sympy.Symbol("K", integer=True, positive=True)
    p = IndexedBase("p", shape=(K,))
    (s,) = entropy(p).atoms(sympy.Sum)
    assert s.limits[0][1:] == (0, K - 1)


def test_sympy_text_and_mixed_calls_agree():
    p, q, y, z = (IndexedBase(n, real=True) for n in "pqyz")
    k = sympy.Symbol("k", integer=True)
    want = derive.differentiate("cross_entropy(y, softmax(z))", "z[k]").result
    assert derive.differentiate(cross_entropy(y, softmax(z)), z[k]).result == want
    assert derive.differentiate(cross_entropy(y, softmax(z)), "z[k]").result == want
    assert derive.differentiate("cross_entropy(y, softmax(z))", z[k]).result == want
    assert derive.check(cross_entropy(y, softmax(z)), z[k], softmax(z)[k] - y[k]).mistake == "needs_assumption"
    assert derive.check("kl(p, q)", q[k], -p[k] / q[k]).ok
    assert derive.check(kl(p, q), "q[k]", "-p[k]/q[k]").ok


@pytest.mark.parametrize("call, message", [
    (lambda p: entropy(p[1]), "takes an IndexedBase or a MatrixSymbol vector"),
    (lambda p: kl(p, "q"), "takes an IndexedBase or a MatrixSymbol vector"),
    (lambda p: entropy(MatrixSymbol("A", 3, 3)), "entropy() takes vectors; A is 3 x 3"),
    (lambda p: softmax(p)[sympy.Symbol("c")], "an integer Symbol"),
    (lambda p: softmax(p)[1, 2], "takes one index"),
])
def test_sympy_helpers_refuse_what_they_cannot_write(call, message):
    with pytest.raises(derive.DeriveError) as info:
        call(IndexedBase("p"))
    assert message in str(info.value)


# ---------------------------------------------------------------------------
# stable kernels


def test_stable_rewrites_x_log_x_into_xlogy():
    x, y = sympy.symbols("x y", positive=True)
    assert stable(x * sympy.log(x)) == xlogy(x, x)
    assert stable(3 * x**2 * sympy.log(x)) == 3 * x * xlogy(x, x)
    assert stable(x * (sympy.log(x) - sympy.log(y) + 1)) == xlogy(x, x) - xlogy(x, y) + x
    assert stable(y * sympy.log(x)) == y * sympy.log(x)  # not an entropy term: left as written
    assert sympy.diff(xlogy(x, y), x) == sympy.log(y) and sympy.diff(xlogy(x, y), y) == x / y


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_scalar_kernels_give_zero_log_zero_zero(backend):
    x = sympy.Symbol("x", real=True)
    k = codegen.kernel(-x * sympy.log(x) - (1 - x) * sympy.log(1 - x), [x], backend=backend)
    xs = np.array([0.0, 0.25, 1.0])
    assert np.asarray(k(xs)) == pytest.approx(scipy.special.entr(xs) + scipy.special.entr(1 - xs), abs=1e-15)


def test_the_value_kernel_of_an_entropy_is_finite_at_zero_probabilities():
    p = np.array([0.0, 0.25, 0.75, 0.0])
    for symbols, wrt in ((None, "p[k]"), ("p: K", "p")):
        k = derive.kernel(derive.differentiate("entropy(p)", wrt, symbols=symbols), value=True)
        assert k(p=p) == pytest.approx(scipy.stats.entropy(p), rel=1e-14)
    q = np.array([0.5, 0.0, 0.5, 0.0])
    k = derive.kernel(derive.differentiate("kl(q, p)", "p[k]"), value=True)
    assert k(p=p + 0.1, q=q) == pytest.approx(scipy.special.rel_entr(q, p + 0.1).sum(), rel=1e-14)
    assert k(p=q, q=q) == 0.0  # 0*log(0) - 0*log(0) terms: 0, as rel_entr(0, 0)


def test_logsumexp_and_softmax_kernels_stay_finite_at_large_logits():
    d = derive.differentiate("logsumexp(z)", "z[k]")
    assert derive.kernel(d, value=True)(z=np.array([1000.0, 1000.0])) == pytest.approx(1000 + np.log(2), rel=1e-15)
    assert derive.kernel(d)(z=np.array([1000.0, 1000.0])) == pytest.approx([0.5, 0.5], rel=1e-15)
    d = derive.differentiate("cross_entropy(y, softmax(z))", "z[k]")
    y, z = np.array([0.0, 1.0, 0.0]), np.array([1000.0, -1000.0, 999.0])
    assert derive.kernel(d, value=True)(y=y, z=z) == pytest.approx(-(y * log_softmax_np(z)).sum(), rel=1e-14)
    assert derive.kernel(d)(y=y, z=z) == pytest.approx(scipy.special.softmax(z) - y, abs=1e-15)
    d = derive.differentiate("logsumexp(z)", "z", symbols="z: K")
    assert derive.kernel(d, value=True)(z=np.array([1000.0, 1000.0])) == pytest.approx(1000 + np.log(2), rel=1e-15)


@pytest.mark.parametrize("framework", ["jax", "torch"])
def test_exported_kernels_are_stable(framework):
    module = need(framework)
    p = np.array([0.0, 0.25, 0.75])
    cases = [("logsumexp(z)", "z[k]", {"z": np.array([1000.0, 1000.0])}, 1000 + np.log(2)),
             ("entropy(p)", "p[k]", {"p": p}, scipy.stats.entropy(p)),
             ("cross_entropy(y, softmax(z))", "z[k]", {"y": np.array([0.0, 1.0]), "z": np.array([1000.0, -1000.0])},
              2000.0)]
    for f, wrt, arrays, want in cases:
        k = derive.kernel(derive.differentiate(f, wrt), value=True, backend=framework)
        if framework == "jax":
            with module.enable_x64(True):
                got = float(k(**{name: module.numpy.asarray(v) for name, v in arrays.items()}))
        else:
            got = float(k(**{name: module.tensor(v) for name, v in arrays.items()}))
        assert got == pytest.approx(want, rel=1e-14), f


def test_kl_exports_to_jax_and_torch():
    """The export's reference value keeps to f's domain: log(p) - log(q) at p, q < 0 is real in complex
    arithmetic but outside the domain (the kernel's nan there is right); kl's value and gradient export."""
    from tests.support.extras import need

    jax = need("jax")
    need("torch")
    p, q = np.array([0.2, 0.3, 0.5]), np.array([0.1, 0.6, 0.3])
    d = derive.differentiate("kl(p, q)", "q[k]", "grad")
    with jax.enable_x64(True):  # JAX computes in float32 unless asked
        for backend in ("jax", "torch"):
            value = derive.kernel(d, value=True, backend=backend)
            grad = derive.kernel(d, backend=backend)
            assert float(value(p=p, q=q)) == pytest.approx(float(np.sum(p * np.log(p / q))), rel=1e-12)
            np.testing.assert_allclose(np.asarray(grad(p=p, q=q)), -p / q, rtol=1e-12)


def test_entropy_gradient_in_matrix_notation_is_simplified():
    """(1/p) o p cancels entrywise: the gradient of entropy(p) reads -log(p) - 1, not -log(p) - (1/p o p)."""
    d = derive.differentiate("entropy(p)", "p", "grad", symbols="p: K")
    assert d.to_dict()["result"] == "-log(p) - ones(K, 1)"
