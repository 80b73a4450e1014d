"""derive.grading.hints: a student's unreadable answer -> one line saying what to write instead.

Every answer here really fails in derive.check (so a test fails if the parser changes and a rule no
longer recognizes its failure), and where a hint says "write A for B", writing A for B must make
the answer readable again.
"""

import re

import pytest

import derive
from derive import DeriveError, Namespace
from derive.grading.hints import RULES, unreadable_reason

RIDGE = "norm(X @ w - y)**2 + lam*norm(w)**2"
RIDGE_LET = "X: n x d, w: d, y: n, lam: positive"
RIDGE_GRAD = "2*X.T @ (X @ w - y) + 2*lam*w"


def failing(f, wrt, answer, symbols=None, strict=False):
    """The error derive.check raises on `answer`, and the hint for it."""
    declared = Namespace(symbols, strict=True) if strict else symbols
    with pytest.raises(DeriveError) as caught:
        derive.check(f, wrt, answer, symbols=declared)
    return caught.value, unreadable_reason(answer, caught.value, symbols)


def fixed(reason, answer):
    """The answer with the hint's "write A for B" applied."""
    m = re.match(r"write (.+?) for (.+?) \(", reason)
    assert m and m.group(2) in answer, reason
    return answer.replace(m.group(2), m.group(1), 1)


def check_ok(f, wrt, answer, symbols=None, strict=False):
    declared = Namespace(symbols, strict=True) if strict else symbols
    return derive.check(f, wrt, answer, symbols=declared).ok


# --- implicit products -------------------------------------------------------------------------

def test_number_against_names_asks_for_stars():
    _, reason = failing("3*x**2*y**2/2", "y", "3xy")
    assert reason == "write 3*x*y for 3xy (derive needs * between factors)"
    assert check_ok("3*x**2*y**2/2", "y", fixed(reason, "3xy"), None) is False  # readable (and 3xy is wrong)
    _, reason = failing("x**2", "x", "2x")
    assert reason == "write 2*x for 2x (derive needs * between factors)"
    assert check_ok("x**2", "x", fixed(reason, "2x"))


def test_number_against_declared_arrays_asks_for_a_matrix_product():
    answer = "2*X.T @ (X @ w - y) + 2lam*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET)
    assert reason == "write 2*lam for 2lam (derive needs * between factors)"  # lam is one declared name
    assert check_ok(RIDGE, "w", fixed(reason, answer), RIDGE_LET)
    _, reason = failing("norm(X @ w)**2", "w", "2*X.T @ 2Xw", "X: n x d, w: d")
    assert reason == "write 2*X @ w for 2Xw (a matrix product)"


def test_glued_declared_names_read_as_one_unknown_name():
    answer = "2*X.T @ (Xw - y) + 2*lam*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET, strict=True)
    assert reason == "write X @ w for Xw (a matrix product)"
    assert check_ok(RIDGE, "w", fixed(reason, answer), RIDGE_LET, strict=True)


def test_two_terms_side_by_side():
    answer = "2*X.T @ (X w - y) + 2*lam*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET)
    assert reason == "write X @ w for X w (a matrix product)"
    assert check_ok(RIDGE, "w", fixed(reason, answer), RIDGE_LET)
    _, reason = failing("x**2", "x", "2 x")
    assert reason == "write 2*x for 2 x (derive needs * between factors)"
    _, reason = failing("sin(x)**2", "x", "2*sin x*cos(x)")
    assert reason == "write sin(x) for sin x (a function takes brackets)"
    assert check_ok("sin(x)**2", "x", fixed(reason, "2*sin x*cos(x)"))


def test_a_value_before_a_bracket_is_a_product():
    answer = "2*X.T(X @ w - y) + 2*lam*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET)
    assert reason == "write X.T @ (X @ w - y) for X.T(X @ w - y) (a matrix product)"
    assert check_ok(RIDGE, "w", fixed(reason, answer), RIDGE_LET)
    _, reason = failing("x**2 + 2*x", "x", "2(x + 1)")
    assert reason == "write 2*(x + 1) for 2(x + 1) (derive needs * between factors)"
    assert check_ok("x**2 + 2*x", "x", fixed(reason, "2(x + 1)"))


# --- transposes --------------------------------------------------------------------------------

def test_hat_T_before_a_bracket():
    answer = "2*X^T(X @ w - y) + 2*lam*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET)
    assert reason.startswith("write X.T @ (X @ w - y) for X^T(X @ w - y) ")
    assert "X^{T}" in reason
    assert check_ok(RIDGE, "w", fixed(reason, answer), RIDGE_LET)
    # the LaTeX the hint offers is read as written, implicit products included
    assert check_ok(RIDGE, "w", "2 X^{T}(Xw - y) + 2 lam w", RIDGE_LET)


def test_hat_T_before_a_name():
    answer = "2*X^T y"
    _, reason = failing("y.T @ X @ w", "w", answer, "X: n x d, w: d, y: n")
    assert reason.startswith("write X.T @ y for X^T y ")
    assert derive.check("y.T @ X @ w", "w", fixed(reason, answer), symbols="X: n x d, w: d, y: n").status == "wrong"


# --- names -------------------------------------------------------------------------------------

def test_another_spelling_of_the_questions_greek_name():
    answer = "2*X.T @ (X @ w - y) + 2*lambda*w"
    _, reason = failing(RIDGE, "w", answer, RIDGE_LET, strict=True)
    assert reason == "write lam (the question's name) for lambda"
    assert check_ok(RIDGE, "w", answer.replace("lambda", "lam"), RIDGE_LET, strict=True)
    f = "sum(-(x[i] - mu)**2/(2*sig**2), i)"
    _, reason = failing(f, "mu", "sum(x[i] - mu, i)/sigma**2", "x: real, mu, sig: positive", strict=True)
    assert reason == "write sig (the question's name) for sigma"


def test_subscript_spelling_of_an_entry():
    f = "sum((x[i] - mu)**2, i)"
    answer = "sum(-2*(x_i - mu), i)"
    _, reason = failing(f, "mu", answer, "x: real, mu", strict=True)
    assert reason == "write x[i] for x_i (an entry is written with brackets)"
    assert check_ok(f, "mu", answer.replace("x_i", "x[i]"), "x: real, mu", strict=True)


def test_a_name_the_question_does_not_use():
    _, reason = failing(RIDGE, "w", "2*X.T @ (X @ w - y) + 2*q*w", RIDGE_LET, strict=True)
    assert reason.startswith("'q' is not a name the question uses (it uses ")
    assert "lam" in reason and "X" in reason


@pytest.mark.parametrize("written, known", [("sigma", "sigmoid"), ("logistic", "sigmoid"), ("Log", "log")])
def test_unknown_function_names_derives(written, known):
    answer = f"1 - {written}(z)"
    _, reason = failing("log(sigmoid(z))", "z", answer)
    assert f"write {known}(...) for {written}(...)" in reason
    assert check_ok("log(sigmoid(z))", "z", answer.replace(written, known)) == (known == "sigmoid")


def test_unknown_vector_function():
    _, reason = failing("-y.T @ log(softmax(z))", "z", "soft_max(z) - y", "z: K, y: K simplex")
    assert "write softmax(...) for soft_max(...)" in reason
    assert check_ok("-y.T @ log(softmax(z))", "z", "softmax(z) - y", "z: K, y: K simplex")


def test_unknown_function_with_nothing_close_lists_derives():
    _, reason = failing("x**2", "x", "2*foo(x)")
    assert reason.startswith("unknown function 'foo' (column 3): derive knows ")
    assert "sigmoid" in reason and "softmax" in reason


def test_power_written_on_a_functions_name():
    answer = "2*sin^2(x)/tan(x)"
    _, reason = failing("sin(x)**2", "x", answer)
    assert reason == "write sin(x)**2 for sin^2(x)"
    assert check_ok("sin(x)**2", "x", answer.replace("sin^2(x)", "sin(x)**2"))


# --- the shape of the text ---------------------------------------------------------------------

def test_unbalanced_brackets_name_the_bracket_and_column():
    _, reason = failing("x**2", "x", "(2*x")
    assert reason == "unbalanced brackets (column 1): '(' is never closed"
    _, reason = failing("x**2", "x", "2*x)")
    assert reason == "unbalanced brackets (column 4): ')' closes nothing"


def test_an_equation_instead_of_an_expression():
    _, reason = failing("x**2", "x", "grad = 2*x")
    assert reason.startswith("write only the expression after '=' (2*x), without 'grad ='")


@pytest.mark.parametrize("answer", ["", "   "])
def test_no_answer(answer):
    _, reason = failing("x**2", "x", answer)
    assert reason == "no answer given"


def test_too_long():
    _, reason = failing("x**2", "x", "x" * 20001)
    assert reason.startswith("the answer is beyond derive's size limits (")
    assert "20000" in reason


def test_out_of_time():
    with pytest.raises(DeriveError) as caught:
        derive.check(RIDGE, "w", RIDGE_GRAD, symbols=RIDGE_LET, limits=derive.Limits(seconds=0.001))
    assert unreadable_reason(RIDGE_GRAD, caught.value, RIDGE_LET).startswith("derive ran out of time")


# --- everything else ---------------------------------------------------------------------------

@pytest.mark.parametrize("answer", ["2*x ** * 2", "2*x if x else 1"])
def test_anything_else_is_the_parsers_message_with_its_column(answer):
    error, reason = failing("x**2", "x", answer)
    assert reason == f"{error.reason} (column {error.column})"


def test_internal_words_are_cleaned():
    _, reason = failing("x**2", "x", "2*q.T")
    assert "--let" not in reason and "symbols=" not in reason
    assert reason == "q.T is a transpose, but q is not a declared vector or matrix in this question (column 3)"
    _, reason = failing("x**2", "x", "2*x ∂x")
    assert "derive.grad" not in reason


def test_without_an_error_the_text_is_parsed_here():
    assert unreadable_reason("2*X.T @ (X @ w - y)", None, RIDGE_LET) is None
    assert unreadable_reason("2*X.T @ (Xw - y)", None, RIDGE_LET) is None  # Xw is a name unless strict
    assert unreadable_reason("3xy") == "write 3*x*y for 3xy (derive needs * between factors)"
    assert unreadable_reason("2*s*(1 - s)", None, "z; s = sigmoid(z)") is None  # definitions are skipped


def test_the_rules_are_one_table_ending_in_a_catch_all():
    names = [rule.name for rule in RULES]
    assert len(set(names)) == len(names)
    assert names[-1] == "anything"


def test_a_reason_is_one_line():
    for answer in ["(2*x\n+ 1", "2*x\n= 1", "__import__('os').system('true')"]:
        with pytest.raises(DeriveError) as caught:
            derive.parse(answer)
        reason = unreadable_reason(answer, caught.value)
        assert reason and "\n" not in reason
