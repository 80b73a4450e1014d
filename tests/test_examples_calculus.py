"""The calculus examples (integrals, Taylor, directional derivatives) run headless and reach the answers."""

import numpy as np
import pytest
import sympy

from tests.test_examples import load


def test_integrals(root, tmp_path):
    out = load(root, "integrals").main(tmp_path)
    x = out["parts"].x
    assert sympy.simplify(out["parts"].antiderivative - (x - 1) * sympy.exp(x)) == 0
    assert ("integration by parts", ) == tuple(name for name, _ in out["parts"].steps)
    assert out["gaussian"].value == sympy.sqrt(sympy.pi) and out["area"].value == sympy.pi
    assert out["dream"].method == "numerical" and abs(out["dream"].numeric - 0.7834305107121344) < 1e-14
    sheet = {g.name: g for g in out["sheet"].results}
    mistakes = {name: (g.verdict.mistake if g.verdict else g.error) for name, g in sheet.items()}
    assert mistakes == {"1 substitution": None, "2 inner function": "factor", "3 log rule": "domain",
                        "4 by parts": "missing_term", "5 sign": "sign", "6 definite": None, "7 improper": "sign",
                        "8 Taylor": "factor", "9 directional": "factor"}
    assert "constant" in sheet["1 substitution"].verdict.explanation
    assert all(p.stat().st_size > 10_000 for p in out["plots"])


def test_taylor_and_directional(root, tmp_path):
    out = load(root, "taylor_and_directional").main(tmp_path)
    e = out["expansion"]
    assert list(e.gradient) == [4, 27] and e.hessian.tolist() == [[2, 0], [0, 18]]
    assert e.measured_order == pytest.approx(3, abs=0.1)
    assert out["one_variable"].measured_order >= 3.9  # exp(x) sin(x): the x^4 term vanishes, so at least 4
    assert {f: kind for f, (_, _, kind) in out["rule"].items()} == {
        "x**3": "no extremum (odd order)", "x**4": "minimum", "-x**6": "maximum",
        "x**2*sin(x)**2 + x**5": "minimum"}
    d = out["directional"]
    assert d.value == 31 * sympy.sqrt(2) / 2 and d.rate == sympy.sqrt(745)
    steepest = np.array([float(v) for v in d.steepest])
    assert np.degrees(np.arccos(np.clip(out["search_direction"] @ steepest, -1, 1))) < 0.1  # the search's step
    assert out["search_rate"] == pytest.approx(float(d.rate), rel=1e-6)
    assert all(p.stat().st_size > 10_000 for p in out["plots"])
