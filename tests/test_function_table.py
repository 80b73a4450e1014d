"""Adding a function is one entry in one place: a class (its derivative and its
elementary form) registered in derive.text.functions.FUNCTIONS.  This test adds
one and sees it parse, differentiate (validated), print, compile and explain."""

import numpy as np
import pytest
import sympy

import codegen
import derive
from derive.text.functions import FUNCTIONS, Fn


class logcosh(sympy.Function):  # noqa: N801 - named as users write it
    """log(cosh(x)): a smooth |x| (the Huber-like loss)."""

    def fdiff(self, argindex=1):
        return sympy.tanh(self.args[0])

    def _eval_rewrite_as_elementary(self, x, **kwargs):
        return sympy.log(sympy.cosh(x))


@pytest.fixture
def logcosh_entry(monkeypatch):
    monkeypatch.setitem(FUNCTIONS, "logcosh", Fn(logcosh, 1, 1, "log(cosh(x)), a smooth |x|"))


def test_a_new_function_parses_differentiates_prints_compiles_and_explains(logcosh_entry):
    f = derive.parse("logcosh(w*x - y)")
    assert f.func is logcosh
    d = derive.differentiate("logcosh(w*x - y)", "w")  # validated: the check compiles f through the fallback
    x, y, w = (next(s for s in d.f.free_symbols if s.name == n) for n in "xyw")
    assert d.report.ok and d.result[0] == x * sympy.tanh(w * x - y)
    assert derive.parse(derive.to_text(d.f)) == d.f  # prints in the grammar, reads back
    for backend in ("numpy", "numba"):
        k = codegen.kernel(d.f, [w, x, y], backend=backend)
        assert np.isclose(k(0.5, 2.0, 0.25), np.log(np.cosh(0.75)), rtol=1e-14)
    rules = [s.rule for s in d.steps]
    assert rules[0] == "chain rule" and "derivative of logcosh" in d.steps[0].note


def test_without_an_elementary_form_code_generation_says_so(logcosh_entry):
    class opaque(sympy.Function):  # noqa: N801
        pass

    x = sympy.Symbol("x", real=True)
    with pytest.raises(codegen.CodegenError, match="cannot generate code for opaque"):
        codegen.kernel(opaque(x), [x], backend="numpy")
