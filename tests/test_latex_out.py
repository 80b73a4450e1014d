"""LaTeX out, read back: each form results print (text/printing/latex_printer.py, ResultLatexPrinter) parses back
through derive's LaTeX front end to an equal expression, and the forms students write beside
them (bmatrix, cases, g'(u), x^{\\circ 2}) mean what they say.  Equality is numeric at random
sizes and values (tests/round_trip.py); a few tests show that the old, wrong printed forms would
have failed.
"""

import pytest
import sympy as sp

import derive
from derive.text.inputs import new_namespace
from derive.text.printing import latex
from tests.round_trip import numerically_equal, read_back

LOGISTIC = ("sum(log(1 + exp(X@w)) - y*(X@w))", "w", "X: N x d, w: d, y: N")


def _derived(f, wrt, symbols, kind="grad"):
    namespace = new_namespace(symbols, f, wrt)
    return derive.differentiate(f, wrt, kind, symbols=namespace).result, namespace


def _reads_back(expr, namespace=None):
    printed, back = read_back(expr, "latex", namespace=namespace)
    same, why = numerically_equal(expr, back)
    assert same, f"{printed}: {why}"
    return printed


def _latex(text, symbols=None):
    return derive.parse(text, symbols, syntax="latex")


# ---------------------------------------------------------------- printed forms, read back

def test_entrywise_map_prints_its_body_on_the_array():
    result, ns = _derived(*LOGISTIC)
    printed = _reads_back(result, ns)
    assert r"\frac{1}{e^{X w} + \mathbf{1}_{N}}" in printed and "mapsto" not in printed
    hessian, ns = _derived(*LOGISTIC, kind="hessian")
    assert r"^{\circ 2}" in _reads_back(hessian, ns)


def test_textbook_sigmoid_form_is_kept_and_reads_back():
    result, ns = _derived("sum(softplus(X@w)) - y.T@X@w", "w", "X: N x d, w: d, y: N", kind="hessian")
    printed = _reads_back(result, ns)
    assert printed == (r"X^{T} \operatorname{diag}\left(\sigma\left(X w\right) \odot \left(\mathbf{1}_{N} - "
                       r"\sigma\left(X w\right)\right)\right) X")


def test_ones_and_identity_print_their_sizes():
    N, d = sp.symbols("N d", integer=True, positive=True)
    assert latex(sp.OneMatrix(N, 1)) == r"\mathbf{1}_{N}"
    assert latex(sp.OneMatrix(1, N)) == r"\mathbf{1}_{N}^{T}"
    assert latex(sp.OneMatrix(N, d)) == r"\mathbf{1}_{N} \mathbf{1}_{d}^{T}"
    assert latex(sp.Identity(d)) == r"I_{d}"
    assert _latex(r"\mathbf{1}_{N} \mathbf{1}_{d}^{T}", "X: N x d").shape == (N, d)
    ridge, ns = _derived("norm(X@w - y)**2/2 + lam/2*norm(w)**2", "w", "X: N x d, w: d, y: N", kind="hessian")
    assert _reads_back(ridge, ns) == r"\mathrm{lam} I_{d} + X^{T} X"


def test_a_1x1_product_in_a_power_keeps_its_parentheses():
    result, ns = _derived("x.T@A@x/(x.T@x)", "x", "A: n x n, x: n")
    printed = _reads_back(result, ns)
    assert r"\left(x^{T} x\right)^{2}" in printed
    # what SymPy printed before, x^{T} x^{2}, is x^T (x o x): another number
    wrong = _latex(printed.replace(r"\left(x^{T} x\right)^{2}", "x^{T} x^{2}"), ns)
    assert not numerically_equal(result, wrong)[0]


def test_the_sum_of_a_vector_prints_as_ones_transposed():
    y = sp.MatrixSymbol("y", sp.Symbol("N", integer=True, positive=True), 1)
    total = derive.parse("sum(y)", {"y": y})
    assert latex(total) == r"\mathbf{1}_{N}^{T} y"
    _reads_back(total, new_namespace("y: N", "sum(y)", "y"))


def test_derivative_of_a_declared_function_prints_and_reads_as_primes():
    for kind, mark in (("grad", "g'"), ("hessian", "g''")):
        result, ns = _derived("g(a.T@x)", "x", "a: n, x: n, g: function", kind=kind)
        printed = _reads_back(result, ns)
        assert printed.startswith(mark + r"\left(a^{T} x\right)")
    scalars, ns = _derived("g(x*y)", "x y", "g: function", kind="hessian")
    _reads_back(scalars, ns)  # g' and g'' side by side: two different derivatives


def test_entries_and_sums_count_from_one():
    z = sp.IndexedBase("z")
    k, j = sp.symbols("k j", integer=True)
    K = sp.Symbol("K", integer=True, positive=True)
    assert latex(z[0]) == "z_{1}" and latex(z[k]) == "z_{k}"
    assert _latex("z_{1}", "z: K") == _latex("z_1", "z: K")
    result, ns = _derived("-log(softmax(z)[c])", "z", "z: K")
    assert r"\sum_{j=1}^{K} e^{z_{j}}" in _reads_back(result, ns)
    # an index used as a value keeps derive's bounds from 0: \sum_{j=1}^{K} j would count from 1
    weighted = sp.Sum(j * z[j], (j, 0, K - 1))
    assert latex(weighted).startswith(r"\sum_{j=0}^{K - 1}")
    _reads_back(weighted, new_namespace("z: K", "", "z"))
    shifted = sp.Sum(j * z[j], (j, 2, K - 1))
    _reads_back(shifted, new_namespace("z: K", "", "z"))


def test_names_of_several_letters_and_greek_names():
    lam, lam_text = sp.Symbol("lam"), sp.Symbol("lambda")
    assert latex(lam) == r"\mathrm{lam}" and latex(lam_text) == r"\lambda"
    assert _latex(r"\mathrm{lam} x + \lambda") == sp.Symbol("lam") * sp.Symbol("x") + sp.Symbol("lambda")


def test_hadamard_products_and_powers_print_odot_and_circ():
    n = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", n, n), sp.MatrixSymbol("B", n, n)
    ns = new_namespace("A: n x n, B: n x n", "", "A")
    assert latex(sp.HadamardProduct(A, B)) == r"A \odot B"
    assert latex(sp.HadamardPower(A, 2)) == r"A^{\circ 2}"
    _reads_back(sp.HadamardPower(A, 2) + sp.HadamardProduct(A * B, B), ns)
    # A^2 of a square matrix is the matrix power; A^{\circ 2} squares each entry
    assert not numerically_equal(_latex("A^{2}", ns), _latex(r"A^{\circ 2}", ns))[0]


def test_explicit_matrices_print_and_read_back():
    _x, _y = sp.symbols("x y")
    for kind in ("grad", "hessian"):
        result, ns = _derived("x**2*y + exp(x*y)", "x y", None, kind=kind)
        assert r"\begin{matrix}" in _reads_back(result, ns)


@pytest.mark.parametrize("env", ["bmatrix", "pmatrix", "matrix", "Bmatrix"])
def test_students_write_vectors_and_matrices_as_environments(env):
    x, y = sp.symbols("x y")
    assert _latex(rf"\begin{{{env}}} x \\ 2 y \end{{{env}}}") == sp.Matrix([x, 2 * y])
    assert _latex(rf"\begin{{{env}}} x & 1 \\ 0 & y \end{{{env}}}") == sp.Matrix([[x, 1], [0, y]])
    assert _latex(rf"\begin{{{env}}} x & y \end{{{env}}}") == sp.Matrix([[x, y]])


def test_a_matrix_with_ragged_rows_is_refused():
    with pytest.raises(derive.ParseError, match="different lengths"):
        _latex(r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}")
    with pytest.raises(derive.ParseError, match=r"\\begin\{array\} is not supported"):
        _latex(r"\begin{array}{cc} 1 & 2 \end{array}")


def test_cases_read_as_where():
    x, y = sp.symbols("x y")
    expected = derive.parse("where(x > 0, x**2, -x)")
    for text in (r"\begin{cases} x^2 & \text{if } x > 0 \\ -x & \text{otherwise} \end{cases}",
                 r"\begin{cases} x^2, & x > 0 \\ -x, & \text{else} \end{cases}",
                 r"\begin{cases} x^{2} & \text{for}\: x > 0 \\-x & \text{otherwise} \end{cases}"):
        assert _latex(text) == expected
    both = _latex(r"\begin{cases} 1 & x > 0 \wedge y \le 1 \\ 2 & x < -1 \vee y > 3 \\ 0 & \text{otherwise}"
                  r"\end{cases}")
    assert [both.subs({x: a, y: b}) for a, b in ((1, 0), (1, 2), (-2, 0), (0, 4), (0, 0))] == [1, 0, 2, 2, 0]
    result, ns = _derived("where(x > 0, x**2, -x)", "x", None)
    _reads_back(result, ns)


def test_cases_without_otherwise_is_refused():
    with pytest.raises(derive.ParseError, match="otherwise"):
        _latex(r"\begin{cases} x & x > 0 \end{cases}")


def test_primes_only_for_a_declared_function():
    with pytest.raises(derive.ParseError):
        _latex("g'(x)")  # g is not declared a function: g' is a transpose of nothing
    with pytest.raises(derive.ParseError, match="at a point"):
        _latex("g' + 1", "g: function")


# ---------------------------------------------------------------- three ways, and the notebook

def test_sympy_objects_and_text_mixed_read_back():
    N, d = sp.symbols("N d", integer=True, positive=True)
    X, w = sp.MatrixSymbol("X", N, d), sp.MatrixSymbol("w", d, 1)
    from_sympy = derive.grad(sp.Trace(sp.OneMatrix(1, N) * (X * w).applyfunc(sp.exp)), w)
    mixed = derive.grad("sum(exp(X@w))", w, symbols={"X": X})
    ns = new_namespace("X: N x d, w: d", "sum(exp(X@w))", "w")
    for result in (from_sympy, mixed):
        assert r"X^{T} e^{X w}" == _reads_back(result, ns)


def test_repr_latex_shows_latex_of_the_result():
    d = derive.differentiate(*LOGISTIC[:2], "grad", symbols=LOGISTIC[2])
    assert latex(d.result) in d._repr_latex_() and "mapsto" not in d._repr_latex_()
    assert d.to_dict()["latex"] == latex(d.result)


def test_names_ending_in_digits_and_sums_over_default_ranges():
    s2, x0 = sp.Symbol("s2"), sp.Symbol("x0")
    assert latex(s2) == r"\mathrm{s2}"  # SymPy's s_{2} reads back as the name s_2
    assert _latex(latex(x0 / s2)) == x0 / s2
    # sums over derive's default ranges print without bounds (\sum_{n}, read back to 0..n_n - 1)
    text = "sum(t[n, c]*exp(w[n]), n, c)"
    e = derive.parse(text)
    assert latex(e).startswith(r"\sum_{n} \sum_{c}")
    _reads_back(e, new_namespace(None, text, "w[k]"))
    # n_c inside \sum_{n}: the name of c's range, not n indexed by c
    inner = _latex(r"\sum_{n} \sum_{b=1}^{n_{c}} t_{n,b}")
    assert sp.Symbol("n_c", integer=True, positive=True) in inner.free_symbols or "n_c" in str(inner)
