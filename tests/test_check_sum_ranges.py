"""derive.check on sums whose range is the question (issue 22, found by a synthetic class).

1. A claim's sum over a shorter range than f's (i = 0..n-2 where f sums all of x) is wrong in
   every notation: text in one call, a SymPy claim parsed in another namespace or built with
   sympy.Sum, a SymPy f beside a text claim.  A SymPy claim's sums never set the range of f's
   open sum (they are what is judged), and its size n is f's n (one name, one variable).
2. A softmax written with an index sum, exp(z)/sum(exp(z[j]), j) - y, runs j over z's length K
   and is right; the numeric evaluator, which has no rule for index sums, no longer reads such a
   claim as undefined (that made a right claim "wrong" with equal numbers shown).
"""

import numpy as np
import pytest
import sympy as sp

import derive
from derive.check.matrix import NumericProblem
from derive.text.inputs import as_expression, new_namespace
from derive.validation.matrix_eval import NotEvaluable
from derive.validation.equivalence import differ

F = "sum(-(x[i] - mu)**2/(2*sigma**2) - log(2*pi*sigma**2)/2, i)"
SIGMA = "sigma: positive"
SHORT_LATEX = r"\frac{1}{\sigma^2}\sum_{i=1}^{n-1} (x_i - \mu)"
WHOLE_LATEX = r"\frac{1}{\sigma^2}\sum_{i=1}^{n} (x_i - \mu)"

x = sp.IndexedBase("x")
i = sp.Symbol("i", integer=True)
mu = sp.Symbol("mu")
sigma = sp.Symbol("sigma", positive=True)
SIZE_N = sp.Symbol("n", integer=True, positive=True)
PLAIN_N = sp.Symbol("n")


def _one_n(verdict):
    """The counterexample names each size once: the claim's n is f's n, not a second n."""
    names = [str(k) for k in (verdict.counterexample or {}) if isinstance(k, sp.Symbol)]
    assert len(names) == len(set(names)), names
    assert "n_i" not in names, names


def _values_differ(verdict):
    """A wrong verdict shows two different values (never the same number twice)."""
    expected, claimed = (sp.Matrix(v) if isinstance(v, sp.MatrixBase) else sp.Matrix([v]) for v in verdict.values)
    assert any(differ(a, b) for a, b in zip(expected, claimed)), verdict.values


def _wrong_range(verdict, short="n - 2", whole="n - 1"):
    assert verdict.status == "wrong", verdict.explanation
    assert verdict.mistake == "index_range", verdict.explanation
    assert f"..{short}" in verdict.explanation and f"0..{whole}" in verdict.explanation, verdict.explanation
    _values_differ(verdict)


# ---------------------------------------------------------------------------
# 1. a sum over a shorter range


def test_parsed_claim_with_shorter_sum_is_wrong():
    """The reported false accept: the claim parsed on its own, then passed as a SymPy object."""
    claim = derive.parse(SHORT_LATEX, SIGMA)
    assert str(claim) == "Sum(-mu + x[i], (i, 0, n - 2))/sigma**2"  # x_1..x_{n-1}: the last x left out
    verdict = derive.check(F, "mu", claim, "grad", symbols=SIGMA)
    _wrong_range(verdict)
    _one_n(verdict)


def test_parsed_claim_over_all_of_x_is_correct():
    claim = derive.parse(WHOLE_LATEX, SIGMA)
    assert derive.check(F, "mu", claim, "grad", symbols=SIGMA).status == "correct"


@pytest.mark.parametrize("claim", [SHORT_LATEX, "sum(x[i] - mu, (i, 0, n - 2))/sigma**2"])
def test_text_claim_with_shorter_sum_is_wrong(claim):
    verdict = derive.check(F, "mu", claim, "grad", symbols=SIGMA)
    _wrong_range(verdict)
    _one_n(verdict)


@pytest.mark.parametrize("claim", [WHOLE_LATEX, "sum(x[i] - mu, (i, 0, n - 1))/sigma**2", "sum(x[i] - mu, i)/sigma**2"])
def test_text_claim_over_all_of_x_is_correct(claim):
    assert derive.check(F, "mu", claim, "grad", symbols=SIGMA).status == "correct"


@pytest.mark.parametrize("n", [SIZE_N, PLAIN_N], ids=["n positive integer", "plain n"])
@pytest.mark.parametrize("wrt", ["mu", mu], ids=["wrt text", "wrt SymPy"])
def test_sympy_sum_beside_text_f(n, wrt):
    right = sp.Sum(x[i] - mu, (i, 0, n - 1)) / sigma**2
    short = sp.Sum(x[i] - mu, (i, 0, n - 2)) / sigma**2
    assert derive.check(F, wrt, right, "grad", symbols=SIGMA).status == "correct"
    verdict = derive.check(F, wrt, short, "grad", symbols=SIGMA)
    _wrong_range(verdict)
    _one_n(verdict)


@pytest.mark.parametrize("n", [SIZE_N, PLAIN_N], ids=["n positive integer", "plain n"])
def test_sympy_f_beside_sympy_and_text_claims(n):
    f = sp.Sum(-(x[i] - mu)**2 / (2 * sigma**2) - sp.log(2 * sp.pi * sigma**2) / 2, (i, 0, n - 1))
    for right in (sp.Sum(x[i] - mu, (i, 0, n - 1)) / sigma**2, "sum(x[i] - mu, i)/sigma**2", WHOLE_LATEX):
        assert derive.check(f, mu, right, "grad").status == "correct", right
    for short in (sp.Sum(x[i] - mu, (i, 0, n - 2)) / sigma**2, "sum(x[i] - mu, (i, 0, n - 2))/sigma**2", SHORT_LATEX):
        verdict = derive.check(f, mu, short, "grad")
        _wrong_range(verdict)
        _one_n(verdict)


def test_a_claim_with_its_own_size_name():
    """m undeclared: summed to m - 1, the claim runs over all of x, whose length f leaves unnamed
    (derive calls it n), so it is that range; to m - 2 it misses a term.  Beside an f whose size
    the user named N, m is another variable: the claim is wrong, never correct."""
    m = sp.Symbol("m", integer=True, positive=True)
    assert derive.check(F, "mu", sp.Sum(x[i] - mu, (i, 0, m - 1)) / sigma**2, "grad", symbols=SIGMA).status == "correct"
    assert derive.check(F, "mu", "sum(x[i] - mu, (i, 0, m - 1))/sigma**2", "grad", symbols=SIGMA).status == "correct"
    _wrong_range(derive.check(F, "mu", sp.Sum(x[i] - mu, (i, 0, m - 2)) / sigma**2, "grad", symbols=SIGMA),
                 short="m - 2")
    f_named = F.replace(", i)", ", (i, 0, N - 1))")
    verdict = derive.check(f_named, "mu", sp.Sum(x[i] - mu, (i, 0, m - 1)) / sigma**2, "grad", symbols=SIGMA)
    assert verdict.status == "wrong", verdict.explanation
    N = sp.Symbol("N", integer=True, positive=True)
    assert derive.check(f_named, "mu", sp.Sum(x[i] - mu, (i, 0, N - 1)) / sigma**2, "grad",
                        symbols=SIGMA).status == "correct"


def test_a_judged_claim_teaches_no_ranges():
    """f's SymPy sums set the range of a sum the text leaves open; a claim's (judged) do not."""
    short = sp.Sum(x[i] - mu, (i, 0, SIZE_N - 2))
    ns = new_namespace(SIGMA, F, "mu", judged=(short,))
    assert as_expression(F, ns).limits == ((i, 0, SIZE_N - 1),)  # the claim's n, over all of x
    ns = new_namespace(None, short, "mu")
    assert as_expression("sum(x[i], i)", ns).limits == ((i, 0, SIZE_N - 2),)


def test_derivation_with_a_shorter_sympy_step_is_wrong():
    f = "sum((x[i] - mu)**2, i)/2"
    right = derive.check_derivation([sp.Sum(mu - x[i], (i, 0, SIZE_N - 1))], f=f, wrt="mu")
    assert right.ok, str(right)
    wrong = derive.check_derivation([sp.Sum(mu - x[i], (i, 0, SIZE_N - 2))], f=f, wrt="mu")
    assert not wrong.ok, str(wrong)
    assert "0..n - 2" in str(wrong) and "0..n - 1" in str(wrong), str(wrong)


# ---------------------------------------------------------------------------
# 2. softmax with an index sum

SOFTMAX = "-y.T @ log(softmax(z))"
SIMPLEX = "z: K, y: K simplex"
K = sp.Symbol("K", integer=True, positive=True)
z = sp.MatrixSymbol("z", K, 1)
y = sp.MatrixSymbol("y", K, 1)
j = sp.Symbol("j", integer=True)


@pytest.mark.parametrize("claim", [
    "exp(z)/sum(exp(z[j]), j) - y",
    "exp(z)/sum(exp(z[j]), (j, 0, K - 1)) - y",
    r"\frac{e^{z}}{\sum_k e^{z_k}} - y",
    r"\frac{e^{z}}{\sum_{k=1}^{K} e^{z_k}} - y",
    z.applyfunc(sp.exp) / sp.Sum(sp.exp(z[j, 0]), (j, 0, K - 1)) - y,
])
def test_softmax_with_an_index_sum_is_correct(claim):
    assert derive.check(SOFTMAX, "z", claim, "grad", symbols=SIMPLEX).status == "correct"


def test_softmax_with_an_index_sum_sympy_wrt():
    claim = z.applyfunc(sp.exp) / sp.Sum(sp.exp(z[j, 0]), (j, 0, K - 1)) - y
    assert derive.check(SOFTMAX, z, claim, "grad", symbols=SIMPLEX).status == "correct"


@pytest.mark.parametrize("claim, short", [
    ("exp(z)/sum(exp(z[j]), (j, 0, K - 2)) - y", "K - 2"),
    ("exp(z)/sum(exp(z[j]), (j, 1, K - 1)) - y", "K - 1"),
    (r"\frac{e^{z}}{\sum_{k=1}^{K-1} e^{z_k}} - y", "K - 2"),
    (z.applyfunc(sp.exp) / sp.Sum(sp.exp(z[j, 0]), (j, 0, K - 2)) - y, "K - 2"),
])
def test_softmax_over_part_of_z_is_wrong(claim, short):
    verdict = derive.check(SOFTMAX, "z", claim, "grad", symbols=SIMPLEX)
    _wrong_range(verdict, short=short, whole="K - 1")


def test_softmax_without_y_is_wrong_with_different_numbers():
    verdict = derive.check(SOFTMAX, "z", "exp(z)/sum(exp(z[j]), j)", "grad", symbols=SIMPLEX)
    assert verdict.status == "wrong"
    _values_differ(verdict)


def _numeric_problem(f, claim, symbols):
    ns = new_namespace(symbols, f, "z", judged=(claim,))
    expr, written = as_expression(f, ns), as_expression(claim, ns)
    return NumericProblem(expr, (ns.names["z"],), written, ns, "grad"), written


def test_an_index_sum_is_not_evaluable_rather_than_undefined():
    problem, claim = _numeric_problem(SOFTMAX, "exp(z)/sum(exp(z[j]), j) - y", SIMPLEX)
    with pytest.raises(NotEvaluable):
        problem.values(claim, problem.points()[0])


def test_a_difference_only_the_floats_show_is_no_difference():
    """The verdict's evidence is exact: floats that disagree (an evaluator's mistake, simulated) while
    the exact values agree are no counterexample; a real difference is reported at an entry
    whose exact values differ."""
    problem, right = _numeric_problem("z.T @ A @ z", "A @ z + A.T @ z", "z: K, A: K x K symmetric")
    assert right != problem.expected  # equal values, another form (only the claim's floats are put off)
    honest = problem.values

    def off(expr, point):
        value = honest(expr, point)
        return value + 1e-3 if expr == right and value is not None else value

    problem.values = off
    assert problem.first_difference(right) is not None  # the floats alone would call it wrong
    assert problem.first_difference(right, exact=True) is None
    problem.values = honest
    wrong = 3 * right
    found = problem.first_difference(wrong, exact=True)
    assert found is not None
    point, k = found[0], found[1]
    exact_e, exact_c = (np.array(point.exact_value(e)).reshape(-1) for e in (problem.expected, wrong))
    assert differ(exact_e[k], exact_c[k])
