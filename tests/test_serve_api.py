"""`derive serve`'s API answers exactly what the CLI prints with --json, on every subcommand.

One server for the module (started on 127.0.0.1, stopped by its pid).  Each case is written twice,
as a user types it at the terminal and as the JSON the page sends; the two answers must be the
same object.  The list of cases is checked against the CLI's own parser, so a new subcommand
fails here until the API is shown to serve it.
"""

import contextlib
import io
import json
import subprocess
import sys

import pytest

from derive.cli import build_parser, main
from derive.serve.arguments import subcommands
from tests.support.server import ROOT, running_server

pytestmark = pytest.mark.slow

DERIVATION = "d/dx (x^2*sin(x))\n= 2*x*sin(x) + x^2*cos(x)\n= 2*x*sin(x) - x^2*cos(x)\n"
SHEET = (ROOT / "examples" / "homework_sheet.toml").read_text()
KEY = (ROOT / "examples" / "grading" / "key.toml").read_text()
ANSWERS = "".join((ROOT / "examples" / "grading" / "answers.csv").read_text().splitlines(True)[:13])
COUNTS = "x\n1\n2\n3\n10\n11\n12\n"

# (command, the CLI's words, the API's JSON, files the CLI reads {name: text}, stdin)
CASES = [
    ("grad", ["grad", "x**2*y + sin(y)", "--wrt", "x,y", "--at", "x=1,y=2", "--steps"],
     {"f": "x**2*y + sin(y)", "wrt": "x,y", "at": "x=1,y=2", "steps": True}, {}, None),
    ("jacobian", ["jacobian", "[2*x*y, x**2*y]", "--wrt", "x,y"], {"f": "[2*x*y, x**2*y]", "wrt": "x,y"}, {}, None),
    ("hessian", ["hessian", "log(1 + exp(w*x + b))", "--wrt", "w,b", "--no-simplify"],
     {"expr": "log(1 + exp(w*x + b))", "wrt": "w,b", "no_simplify": True}, {}, None),
    ("validate", ["validate", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 2*y]"],
     {"f": "x**2 + y**3", "wrt": "x,y", "claim": "[2*x, 2*y]"}, {}, None),
    ("check", ["check", "1/(1+exp(-z))", "--wrt", "z", "--claim", "2*s*(1-s)", "--let", "s = 1/(1+exp(-z))",
               "--steps"],
     {"f": "1/(1+exp(-z))", "wrt": "z", "claim": "2*s*(1-s)", "let": ["s = 1/(1+exp(-z))"], "steps": True}, {}, None),
    ("check", ["check", "-x**2", "--wrt", "x", "--claim", "-2*x"], {"f": "-x**2", "wrt": "x", "claim": "-2*x"},
     {}, None),
    ("check", ["check", "--sheet", "sheet.toml"], {"sheet": SHEET}, {"sheet.toml": SHEET}, None),
    ("check", ["check", "cos(3*x)", "--wrt", "x", "--claim", "sin(3*x)", "--kind", "antiderivative"],
     {"f": "cos(3*x)", "wrt": "x", "claim": "sin(3*x)", "kind": "antiderivative"}, {}, None),
    ("check-steps", ["check-steps", "-"], {"derivation": DERIVATION}, {}, DERIVATION),
    ("codegen", ["codegen", "x**2 + y**3", "--wrt", "x,y", "--what", "hessian"],
     {"f": "x**2 + y**3", "wrt": "x,y", "what": "hessian"}, {}, None),
    ("critical", ["critical", "x**3 - 2*x**2 + 1"], {"f": "x**3 - 2*x**2 + 1"}, {}, None),
    ("convex", ["convex", "norm(X@w - y)**2 + lam*norm(w)**2", "--wrt", "w", "--let",
                "X: n x d, w: d, y: n; lam: nonnegative"],
     {"f": "norm(X@w - y)**2 + lam*norm(w)**2", "wrt": "w", "let": "X: n x d, w: d, y: n; lam: nonnegative"},
     {}, None),
    ("kkt", ["kkt", "--min", "a**2 + b**2", "--wrt", "a,b", "--st", "a + b >= 1"],
     {"min": "a**2 + b**2", "wrt": "a,b", "st": ["a + b >= 1"]}, {}, None),
    ("shape", ["shape", "A @ x - b", "--let", "A: m x n, x: n, b: m"],
     {"expr": "A @ x - b", "let": "A: m x n, x: n, b: m"}, {}, None),
    ("convert", ["convert", "x.T @ A @ x", "--to", "index", "--let", "A: n x n, x: n"],
     {"f": "x.T @ A @ x", "to": "index", "let": "A: n x n, x: n"}, {}, None),
    ("em", ["em", "poisson", "--k", "2", "--data", "data.csv"], {"family": "poisson", "k": 2, "data": COUNTS},
     {"data.csv": COUNTS}, None),
    ("integrate", ["integrate", "exp(-x**2)", "--from", "-oo", "--to", "oo"],
     {"f": "exp(-x**2)", "from": "-oo", "to": "oo"}, {}, None),
    ("taylor", ["taylor", "exp(x)*cos(y)", "--at", "x=0,y=0", "--order", "2"],
     {"f": "exp(x)*cos(y)", "at": "x=0,y=0", "order": 2}, {}, None),
    ("directional", ["directional", "x**2*y", "--at", "x=1,y=2", "--u", "3,4", "--explain"],
     {"f": "x**2*y", "at": "x=1,y=2", "u": "3,4", "explain": True}, {}, None),
    ("grade", ["grade", "key.toml", "answers.csv", "--jobs", "1"], {"key": KEY, "answers": ANSWERS, "jobs": 1},
     {"key.toml": KEY, "answers.csv": ANSWERS}, None),
    ("demo", ["demo"], {}, {}, None),
]
# bad input: the API's 400 carries the CLI's own error object
ERRORS = [
    ("grad", ["grad", "x**", "--wrt", "x"], {"f": "x**", "wrt": "x"}),
    ("hessian", ["hessian", "x**2*y", "--wrt", "x,z"], {"f": "x**2*y", "wrt": "x,z"}),
    ("check", ["check", "x**2", "--wrt", "x", "--claim", "2*s", "--let", "s = x +"],
     {"f": "x**2", "wrt": "x", "claim": "2*s", "let": "s = x +"}),
    ("integrate", ["integrate", "1/x", "--from", "-1", "--to", "1"], {"f": "1/x", "from": "-1", "to": "1"}),
    ("kkt", ["kkt", "--wrt", "a"], {"wrt": "a"}),
    ("shape", ["shape", "A @ x - b", "--let", "A: m x n, x: n, b: n"], {"f": "A @ x - b", "let": "A: m x n, x: n, b: n"}),
]
VOLATILE = {"seconds", "compile_seconds", "timings", "written", "plot"}  # clocks and where files went


@pytest.fixture(scope="module")
def server():
    with running_server(workers=2) as s:
        yield s


def cli_json(words, files, stdin, folder, monkeypatch):
    """(exit code, the object `derive WORDS --json` prints), run in `folder` holding `files`."""
    for name, text in files.items():
        (folder / name).write_text(text)
    monkeypatch.chdir(folder)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([*words, "--json"])
    return code, json.loads(out.getvalue())


def steady(obj):
    """The object without its clocks (they differ between any two runs)."""
    if isinstance(obj, dict):
        return {k: steady(v) for k, v in obj.items() if k not in VOLATILE and not k.endswith("_seconds")}
    if isinstance(obj, list):
        return [steady(v) for v in obj]
    return obj


def test_the_cases_cover_every_subcommand():
    assert {c[0] for c in CASES} == set(subcommands(build_parser()))


@pytest.mark.parametrize("command, words, arguments, files, stdin", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_the_api_answers_what_the_cli_prints(server, tmp_path, monkeypatch, command, words, arguments, files, stdin):
    code, expected = cli_json(words, files, stdin, tmp_path, monkeypatch)
    status, answer, headers = server.post(command, arguments)
    assert (status, int(headers["x-derive-exit"])) == (200, code), answer
    assert code in (0, 1)
    assert steady(answer) == steady(expected)


@pytest.mark.parametrize("command, words, arguments", ERRORS, ids=[e[0] for e in ERRORS])
def test_bad_input_is_a_400_with_the_clis_error(server, tmp_path, monkeypatch, command, words, arguments):
    code, expected = cli_json(words, {}, None, tmp_path, monkeypatch)
    status, answer, _ = server.post(command, arguments)
    assert code == 2 and status == 400
    assert answer == expected and "\n" not in answer["error"]


def test_the_installed_command_prints_what_the_api_answers(server):
    """Once through a real `python -m derive` process, as a shell runs it."""
    words = ["check", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 2*y]", "--json"]
    done = subprocess.run([sys.executable, "-m", "derive", *words], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    status, answer, _ = server.post("check", {"f": "x**2 + y**3", "wrt": "x,y", "claim": "[2*x, 2*y]"})
    assert done.returncode == 1 and status == 200
    assert answer == json.loads(done.stdout)
    assert answer["ok"] is False and answer["mistake"]


@pytest.mark.parametrize("command, arguments, words", [
    ("grad", {"f": "x**2", "wrt": "x", "color": "red"}, ["takes no argument 'color'", "wrt"]),
    ("grad", {"f": ["x"]}, ["'f' must be a string or a number"]),
    ("grad", {"f": "x**2", "steps": "yes"}, ["'steps' is a switch"]),
    ("codegen", {"f": "x**2", "output": "/tmp/owned.py"}, ["writes a file on the server"]),
    ("grad", {"f": "x**2", "plot": "p.png"}, ["writes a file on the server", "/plot.svg"]),
    ("grade", {"key": KEY, "answers": ANSWERS, "out": "/tmp/graded"}, ["writes a file on the server"]),
    ("grade", {"key": {"name": "../../etc/passwd", "text": "x"}, "answers": ANSWERS}, ["plain name"]),
    ("check", {"sheet": {"text": 3}}, ["the file's text"]),
    ("grad", {"f": "x**2", "wrt": "x", "expr": "y"}, ["given twice"]),
])
def test_arguments_that_make_no_command_line_are_named(server, command, arguments, words):
    status, answer, _ = server.post(command, arguments)
    assert status == 400, answer
    for word in words:
        assert word in answer["error"]
    assert answer["command"] == command and answer["exit"] == 2


def test_a_value_that_looks_like_an_option_stays_a_value(server):
    """'--version' as the function is a formula derive cannot read, not argparse's --version."""
    status, answer, _ = server.post("grad", {"f": "--version", "wrt": "x"})
    assert status == 400 and "derive 0" not in answer["error"]
    status, answer, _ = server.post("grad", {"f": "-x**3", "wrt": "x"})
    assert status == 200 and answer["result"] == [["-3*x**2"]]


def test_an_unknown_command_is_a_404_naming_the_served_ones(server):
    status, answer, _ = server.post("rm", {})
    assert status == 404 and "grad" in answer["error"] and "serve" not in answer["error"].split(": ")[-1]


def test_the_api_lists_its_commands_and_their_arguments(server):
    status, raw, _ = server.request("GET", "/api")
    listed = json.loads(raw)["commands"]
    assert status == 200 and set(listed) == set(subcommands(build_parser()))
    assert {"expr", "wrt", "let", "at", "steps"} <= set(listed["grad"]["arguments"])
    assert "output" not in listed["codegen"]["arguments"] and listed["grad"]["plot"]
    assert listed["grade"]["files"] == ["answers", "key"]


def test_render_reads_with_derives_parser_and_prints_mathml(server):
    status, raw, _ = server.request("POST", "/render", {"formulas": ["sum(w[i]*x[i], i)", "x +", "sigmoid(z)"],
                                                         "typed": r"\frac{a}{b}"})
    out = json.loads(raw)
    assert status == 200
    assert out["mathml"][0].startswith('<math xmlns="http://www.w3.org/1998/Math/MathML"')
    assert "<msub><mi>w</mi><mi>i</mi></msub>" in out["mathml"][0] and "idx" not in out["mathml"][0]
    assert out["mathml"][1] is None and out["errors"][1].startswith("column 3")
    assert "<mi>sigmoid</mi>" in out["mathml"][2]
    assert "<mfrac>" in out["typed"]


def test_a_plot_is_svg_drawn_in_a_worker(server):
    status, raw, headers = server.request("GET", "/plot.svg?op=grad&f=x**2*y&wrt=x,y")
    assert status == 200 and headers["content-type"] == "image/svg+xml" and b"<svg" in raw[:400]
    status, raw, _ = server.request("GET", "/plot.svg?op=shape&f=x")
    assert status == 400 and b"no plot" in raw


def test_serve_is_a_subcommand_with_checked_arguments(capsys):
    from derive.__main__ import main as derive_main

    assert derive_main(["serve", "--port", "70000"]) == 2
    assert derive_main(["serve", "--time-limit", "0"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["derive: error: --port must be 1 to 65535, got 70000",
                   "derive: error: --time-limit must be more than 0 and at most 3600 seconds, got 0"]
    with pytest.raises(SystemExit):
        derive_main(["--help"])
    assert "serve" in capsys.readouterr().out


def test_a_named_derivation_file_is_read_by_its_suffix(server, tmp_path, monkeypatch):
    sheet = '[[derivation]]\nsteps = """d/dx (x**3)\n= 3*x**2\n= 3*x\n"""\n'
    code, expected = cli_json(["check-steps", "d.toml"], {"d.toml": sheet}, None, tmp_path, monkeypatch)
    status, answer, _ = server.post("check-steps", {"derivation": {"name": "d.toml", "text": sheet}})
    assert code == 1 and status == 200 and answer == expected
    assert answer["derivations"][0]["first_error"] == 1
