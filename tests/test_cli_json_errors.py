"""`--json` prints JSON whatever happens: on every subcommand an error is one JSON object on stdout,
{"error": the one-line message, "where": ..., "command": ..., "exit": code}, while stderr keeps the
one line and the exit code stays what it was (2 bad input, 1 a failed check, 3 an internal error).
In-process through `derive.cli.main` (fast); two real subprocesses check what a shell sees."""

import json
import subprocess
import sys

import pytest

import derive.cli.optimization as cli_optimize
from derive.cli import build_parser, main
from derive.cli.failure import _subcommands
from derive.errors import ValidationError


def run_json(capsys, *args):
    """(exit code, the one JSON object on stdout, stderr) of `derive ARGS --json`."""
    code = main([*args, "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err  # json.loads refuses anything but exactly one object


def assert_error(code, obj, err, exit_code=2):
    assert code == exit_code and obj["exit"] == exit_code
    assert set(obj) >= {"error", "where", "command", "exit"}
    # stderr: still exactly the one line a script reading stderr expects, the same message as "error"
    assert err.splitlines() == [f"derive: error: {obj['error']}"]
    assert "\n" not in obj["error"]


# one bad input per subcommand, and what `where` must say about it (None: derive knows no place)
BAD_INPUT = {
    "grad": (["grad", "x**", "--wrt", "x"], {"argument": "expr", "column": 3, "text": "x**"}),
    "jacobian": (["jacobian", "[x, y", "--wrt", "x,y"], {"argument": "expr", "column": 1, "text": "[x, y"}),
    "hessian": (["hessian", "x**2*y", "--wrt", "x,z"], {"symbol": "z"}),
    "validate": (["validate", "x**2", "--wrt", "x", "--claim", "2*x)"],
                 {"argument": "--claim", "column": 4, "text": "2*x)"}),
    "check": (["check", "x**2", "--wrt", "x", "--claim", "2*s", "--let", "s = x +"],
              {"argument": "--let", "column": 3, "text": "x +"}),
    "codegen": (["codegen", "x**2", "--wrt", "x", "--what", "nope"], {"argument": "--what"}),
    "critical": (["critical", "x**2 + y**2 +"], {"argument": "expr", "column": 13, "text": "x**2 + y**2 +"}),
    "convex": (["convex", "log(w", "--wrt", "w"], {"argument": "expr", "column": 4, "text": "log(w"}),
    "kkt": (["kkt", "--min", "a**2", "--wrt", "a", "--st", "a >="], {"argument": "--st", "column": 4, "text": "a >="}),
    "shape": (["shape", "A @ x - b", "--let", "A: m x n, x: n, b: n"], {"argument": None, "column": 1}),
    "convert": (["convert", "x +", "--to", "index"], {"argument": "expr", "column": 3, "text": "x +"}),
    "check-steps": (["check-steps", "no/such/derivation.tex"], None),
    "em": (["em", "normal", "--k", "2", "--prior", "weights: nonsense(2)"], None),
    "demo": (["demo", "--out"], {"argument": "--out"}),  # --out without its folder: a usage error
}

SUBCOMMANDS = sorted(_subcommands(build_parser()))


def test_the_subcommands_are_read_from_the_parser():
    assert {"grad", "check", "em", "demo"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_prints_its_bad_input_as_json(capsys, command):
    # a subcommand added later without a case here still gets a usage error checked
    args, where = BAD_INPUT.get(command, ([command, "--no-such-option"], "any"))
    code, obj, err = run_json(capsys, *args)
    assert_error(code, obj, err)
    assert obj["command"] == command
    if where != "any":
        assert obj["where"] == where


def test_the_column_points_at_the_offending_character(capsys):
    claim = "2*x + (3*y))"
    code, obj, err = run_json(capsys, "check", "x**2 + 3*x*y", "--wrt", "x", "--claim", claim)
    assert_error(code, obj, err)
    assert obj["where"]["argument"] == "--claim" and obj["where"]["text"] == claim
    assert obj["where"]["column"] == claim.rindex(")") + 1  # the ')' that closes nothing, 1-based
    assert obj["error"].startswith(f"column {obj['where']['column']}: ")


def test_an_unknown_symbol_in_a_point_has_its_column_and_its_name(capsys):
    code, obj, err = run_json(capsys, "grad", "x**2", "--wrt", "x", "--at", "x=q")
    assert_error(code, obj, err)
    assert obj["where"] == {"argument": "--at", "column": 1, "text": "q", "symbol": "q"}


def test_the_shape_clash_keeps_the_rows_found_before_it(capsys):
    code, obj, err = run_json(capsys, "shape", "A @ x - b", "--let", "A: m x n, x: n, b: n")
    assert_error(code, obj, err)
    assert obj["clash"] == obj["error"] and "A @ x is m x 1 but b is n x 1" in obj["error"]
    assert any(r["text"] == "A @ x" and r["shape"] == "m x 1" for r in obj["shapes"])


@pytest.mark.parametrize("args, command, argument", [
    (["check"], "check", None),  # derive's own usage check: EXPR and --claim missing, no one argument
    (["nosuch"], None, "COMMAND"),
    (["grad"], "grad", "expr"),
    (["grad", "x", "--wrt"], "grad", "--wrt"),
    (["codegen", "x", "--wrt", "x", "-o"], "codegen", "--output"),
    (["validate", "x", "--points", "0"], "validate", "--points"),
])
def test_usage_errors_are_json_too(capsys, args, command, argument):
    code, obj, err = run_json(capsys, *args)
    assert_error(code, obj, err)
    assert obj["command"] == command
    assert obj["where"] == (None if argument is None else {"argument": argument})


def test_json_anywhere_in_the_arguments(capsys):
    code = main(["--json", "grad", "x**", "--wrt", "x"])  # argparse refuses it there; still JSON
    out, err = capsys.readouterr()
    obj = json.loads(out)
    assert code == 2 and err.splitlines() == [f"derive: error: {obj['error']}"]
    assert obj["where"] == {"argument": "--json"} and obj["command"] == "grad"


def test_without_json_stdout_stays_empty(capsys):
    assert main(["check", "x**", "--wrt", "x", "--claim", "1"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == "derive: error: column 3: the expression ends too early\n"


def test_a_failed_validation_and_an_internal_error_keep_their_exit_codes(capsys, monkeypatch):
    def fails_validation(args):
        raise ValidationError("the compiled kernel disagrees with the derivative")

    monkeypatch.setattr(cli_optimize, "_run_convex", fails_validation)
    code, obj, err = run_json(capsys, "convex", "x**2")
    assert_error(code, obj, err, exit_code=1)
    assert obj == {"error": "the compiled kernel disagrees with the derivative", "where": None,
                   "command": "convex", "exit": 1}

    def breaks(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli_optimize, "_run_convex", breaks)
    code, obj, err = run_json(capsys, "convex", "x**2")
    assert_error(code, obj, err, exit_code=3)
    assert obj["error"].startswith("internal error (RuntimeError: a bug)") and obj["where"] is None


@pytest.mark.parametrize("args, key, expected", [
    (["grad", "x**2 + y**3", "--wrt", "x,y"], "result", [["2*x"], ["3*y**2"]]),
    (["convert", "x.T @ A @ x", "--to", "index", "--let", "A: n x n, x: n"], "to", "index"),
    (["shape", "A @ x", "--let", "A: m x n, x: n"], "clash", None),
])
def test_success_still_prints_the_normal_json(capsys, args, key, expected):
    code, obj, err = run_json(capsys, *args)
    assert code == 0 and err == "" and "error" not in obj
    assert obj[key] == expected


def test_a_wrong_claim_is_a_verdict_not_an_error(capsys):
    code, obj, err = run_json(capsys, "check", "x**3", "--wrt", "x", "--claim", "2*x**2")
    assert code == 1 and err == "" and "error" not in obj
    assert obj["status"] == "wrong" and obj["ok"] is False


def run_process(*args):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=120)


def test_through_a_real_process():
    r = run_process("check", "x**", "--wrt", "x", "--claim", "1", "--json")
    obj = json.loads(r.stdout)
    assert r.returncode == 2 and r.stderr == "derive: error: column 3: the expression ends too early\n"
    assert obj == {"error": "column 3: the expression ends too early",
                   "where": {"argument": "expr", "column": 3, "text": "x**"}, "command": "check", "exit": 2}
    r = run_process("nosuch", "--json")
    obj = json.loads(r.stdout)
    assert r.returncode == 2 and r.stderr.startswith("derive: error: argument COMMAND: invalid choice: 'nosuch'")
    assert obj["command"] is None and obj["where"] == {"argument": "COMMAND"}


def test_demo_json_is_the_object_alone(capsys, tmp_path):
    code, obj, _err = run_json(capsys, "demo", "--out", str(tmp_path))  # no "plot written to" before it
    assert code == 0 and "error" not in obj
    assert obj["derivative"]["result"] == [["3*x**2 - 4*x"]] and (tmp_path / obj["plot"]).exists()
