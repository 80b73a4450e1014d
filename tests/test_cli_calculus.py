"""derive integrate / taylor / directional and derive check --kind antiderivative|integral on the command line."""

import json

import pytest

from derive.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_taylor_json_latex_and_plot(capsys, tmp_path):
    code, out, _ = run(capsys, "taylor", "exp(x)*cos(y)", "--at", "x=0,y=0", "--json")
    data = json.loads(out)
    assert code == 0 and data["gradient"] == ["1", "0"] and data["hessian"] == [["1", "0"], ["0", "-1"]]
    code, out, _ = run(capsys, "taylor", "sqrt(x)", "--at", "x=4", "--order", "2", "--latex")
    assert code == 0 and r"\frac{x - 4}{4}" in out
    code, out, _ = run(capsys, "taylor", "sin(x)", "--at", "x=0", "--order", "3", "--plot", str(tmp_path / "t.png"))
    assert code == 0 and (tmp_path / "t.png").stat().st_size > 10_000


def test_directional(capsys, tmp_path):
    code, out, _ = run(capsys, "directional", "x**2*y", "--at", "x=1,y=2", "--u", "3,4", "--json")
    data = json.loads(out)
    assert code == 0 and data["value"] == "16/5" and data["rate"] == "sqrt(17)"
    code, out, _ = run(capsys, "directional", "x**2*y", "--at", "x=1,y=2", "--u", "3,4", "--explain")
    assert "Cauchy-Schwarz" in out
    code, _, err = run(capsys, "directional", "x**2*y", "--at", "x=1,y=2", "--u", "0,0")
    assert code == 2 and err.count("\n") == 1 and "nonzero" in err


@pytest.mark.parametrize("argv, code, needle", [
    (("integrate", "cos(3*x)", "--json"), 0, '"antiderivative": "sin(3*x)/3"'),
    (("integrate", "x", "--wrt", "y"), 2, "unknown symbol"),
    (("taylor", "log(x)", "--at", "x=0"), 2, "log"),
    (("taylor", "x**2", "--at", "x=1", "--order", "-1"), 2, "--order"),
    (("taylor", "exp(x)", "--at", "0", "--order", "0"), 0, "P = 1"),
    (("check", "cos(3*x)", "--wrt", "x", "--claim", "sin(3*x)", "--kind", "antiderivative"), 1, "1/3"),
    (("check", "cos(3*x)", "--wrt", "x", "--claim", "sin(3*x)/3 + 5", "--kind", "antiderivative"), 0, "constant"),
    (("check", "x*sin(x)", "--wrt", "x", "--claim", "pi", "--kind", "integral", "--from", "0", "--to", "pi"), 0,
     "CORRECT"),
    (("check", "exp(-x)", "--wrt", "x", "--claim", "-1", "--kind", "integral", "--from", "0", "--to", "oo"), 1,
     "bounds swapped"),
    (("check", "x", "--wrt", "x", "--claim", "1", "--kind", "integral"), 2, "bounds"),
])
def test_exit_codes_and_words(capsys, argv, code, needle):
    got, out, err = run(capsys, *argv)
    assert got == code and needle in out + err
    if code == 2:
        assert err.count("\n") == 1  # one line, no traceback
