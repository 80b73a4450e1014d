"""derive.grading.counterexample: a Verdict's counterexample as the question writes its variables.

The points come from real derive.check verdicts on wrong answers; each test reads the string back
and compares it with the point itself (names, order, every number).
"""

import re

import pytest
import sympy
from sympy import Indexed, IndexedBase, MatrixBase, MatrixSymbol, Rational

import derive
from derive.grading.counterexample import SEPARATOR, readable_number, readable_point, readable_values

GAUSSIAN = ("sum(-(x[i]-mu)**2/(2*sigma**2), i)", "mu", "sum(x[i]-mu, i)/sigma", "sigma: positive")
QUADRATIC = ("x.T @ A @ x", "x", "2*A @ x", "A: n x n, x: n")
SOFTMAX = ("-y.T @ log(softmax(z))", "z", "y - softmax(z)", "z: K, y: K simplex")
LOGISTIC = ("-sum(y[i]*log(sigmoid(sum(X[i,j]*w[j], j))) + (1 - y[i])*log(1 - sigmoid(sum(X[i,j]*w[j], j))), i)",
            "w[k]", "sum((sigmoid(sum(X[i,j]*w[j], j)) + y[i])*X[i,k], i)", "y: binary")
ONE_BASED = ("sum(x[i]**2, i)", "x[k]", "x[k]", "i: index 1..n, k: index 1..n")
NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?(?:/\d+)?")


def verdict(case):
    f, wrt, answer, symbols = case
    v = derive.check(f, wrt, answer, symbols=symbols)
    assert not v.ok and v.counterexample
    return v


def parts(text):
    """name -> the numbers written for it, in order, from "n = 2; x = (1, 2); ..."."""
    out = {}
    for part in text.split(SEPARATOR):
        name, value = part.split(" = ")
        assert name not in out, f"{name} shown twice in {text}"
        out[name] = NUMBER.findall(value)
    return out


def agrees(written, value):
    """A number as written matches the exact value: the same fraction, or 4 significant digits."""
    value = sympy.Integer(value) if isinstance(value, int) else value
    if value.is_Rational and written == str(value):
        return True
    return abs(float(written) - float(value)) <= 5e-4 * abs(float(value))


def expected_numbers(point):
    """label -> the point's numbers in reading order (an array's entries row by row, by position)."""
    out = {}
    for key, value in point.items():
        if isinstance(key, Indexed):
            out.setdefault(str(key.base.label), []).append((tuple(map(int, key.indices)), value))
        else:
            out[key.name] = [((), v) for v in (value if isinstance(value, MatrixBase) else [value])]
    return {name: [v for _, v in sorted(entries, key=lambda e: e[0])] for name, entries in out.items()}


@pytest.mark.parametrize("case", [GAUSSIAN, QUADRATIC, SOFTMAX, LOGISTIC, ONE_BASED],
                         ids=["gaussian", "quadratic", "softmax", "logistic", "one_based"])
def test_every_variable_once_sizes_first_numbers_match(case):
    v = verdict(case)
    text = readable_point(v.counterexample, case[3])
    shown = parts(text)
    expected = expected_numbers(v.counterexample)
    assert set(shown) == set(expected)  # every array once, under its own name (no y[0], X[1, 2])
    sizes = [s.name for s in v.counterexample if isinstance(s, sympy.Symbol) and s.is_integer and s.is_positive]
    assert sizes and list(shown)[:len(sizes)] == sizes  # sizes first
    for name, numbers in expected.items():
        assert len(shown[name]) == len(numbers), (name, text)
        assert all(agrees(w, n) for w, n in zip(shown[name], numbers)), (name, text)


def test_the_gaussian_point_reads_as_declared():
    v = verdict(GAUSSIAN)
    text = readable_point(v.counterexample, GAUSSIAN[3])
    at = {str(k): value for k, value in v.counterexample.items()}
    assert text == f"n = {at['n']}; sigma = {at['sigma']}; mu = {at['mu']}; x = ({at['x[0]']}, {at['x[1]']})"


def test_matrices_and_vectors_take_their_shapes():
    v = verdict(QUADRATIC)
    A, x = (v.counterexample[k] for k in v.counterexample if isinstance(k, MatrixSymbol))
    text = readable_point(v.counterexample, QUADRATIC[3])
    assert re.fullmatch(r"n = 2; A = \[\[.+, .+\], \[.+, .+\]\]; x = \([^,]+, [^,]+\)", text), text
    assert f"[{A[0, 0]}, {A[0, 1]}]" in text and f"({x[0]}, {x[1]})" in text


def test_index_entries_are_grouped_into_a_matrix():
    v = verdict(LOGISTIC)
    text = readable_point(v.counterexample, LOGISTIC[3])
    assert "X[" not in text and "y[" not in text and "w[" not in text
    X = re.search(r"X = (\[\[.*?\]\])", text).group(1)
    rows = {k.indices[0] for k in v.counterexample if str(k).startswith("X[")}
    cols = {k.indices[1] for k in v.counterexample if str(k).startswith("X[")}
    assert X.count("[") == len(rows) + 1 and X.count(",") == len(rows) * len(cols) - 1


def test_values_are_the_expected_and_claimed_pair():
    v = verdict(GAUSSIAN)
    text = readable_values(v.values)
    expected, claimed = re.fullmatch(r"expected (\S+), claimed (\S+)", text).groups()
    assert agrees(expected, v.values[0][0, 0]) and agrees(claimed, v.values[1][0, 0])
    v = verdict(SOFTMAX)
    text = readable_values(v.values)
    m = re.fullmatch(r"expected \((.+)\), claimed \((.+)\)", text)
    for written, value in zip(m.group(1).split(", ") + m.group(2).split(", "), [*v.values[0], *v.values[1]]):
        assert agrees(written, value)
    assert readable_values(None) == ""


def test_numbers():
    assert readable_number(Rational(26, 11)) == "26/11"
    assert readable_number(Rational(-4347, 256)) == "-4347/256"
    assert readable_number(Rational(1331, 23660)) == "0.05626"  # exact, but too long to read
    assert readable_number(sympy.Float("0.2338241268224332191211518482282477986138", 40)) == "0.2338"
    assert readable_number(2) == "2" and readable_number(sympy.Integer(10) ** 20) == "1e+20"
    assert readable_number(-0.0) == "0"
    assert readable_number(None) == "undefined" and readable_number(sympy.zoo) == "undefined"
    assert readable_number(sympy.exp(-3)) == "0.04979"
    assert readable_number(sympy.Integer(10) ** 400) == "1.000e+400"


def test_entries_with_gaps_are_listed_one_by_one():
    x = IndexedBase("x")
    assert readable_point({x[0]: 1, x[2]: Rational(1, 2)}) == "x[0] = 1; x[2] = 1/2"
    assert readable_point({}) == "" and readable_point(None) == ""
