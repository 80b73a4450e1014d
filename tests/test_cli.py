"""The command line end to end: `derive.cli.main` with its output captured, as `python -m derive` runs it;
the exit codes, one-line errors and help text also through a real subprocess (`run_process`), so that what
a shell sees is tested too.  (A subprocess per call costs a second of imports; in-process keeps the suite
inside its time.)"""

import contextlib
import io
import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from derive.cli import main


def run(*args, timeout=120):
    """The CLI in this process: (returncode, stdout, stderr) as the subprocess would give them."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's --help and usage errors
            code = exc.code if isinstance(exc.code, int) else 1
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def run_process(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "derive", *args], capture_output=True, text=True, timeout=timeout)


def test_grad_prints_the_gradient_and_its_validation():
    r = run("grad", "x**2 + y**3", "--wrt", "x,y")
    assert r.returncode == 0, r.stderr
    assert "df/dx = 2*x" in r.stdout and "df/dy = 3*y**2" in r.stdout and "gradcheck ok" in r.stdout


def test_grad_at_a_point_json():
    r = run("grad", "x**2 + y**3", "--wrt", "x,y", "--at", "x=2,y=3", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["result"] == [["2*x"], ["3*y**2"]]
    assert out["at"]["exact"] == [["4"], ["27"]]
    assert out["at"]["check"]["status"] == "ok"
    assert out["validation"]["ok"] is True


def test_jacobian_and_hessian():
    r = run("jacobian", "[2*x*y, x**2*y]", "--wrt", "x,y", "--json")
    assert json.loads(r.stdout)["result"] == [["2*y", "2*x"], ["2*x*y", "x**2"]]
    r = run("hessian", "x**2*y", "--wrt", "x y", "--json")
    assert json.loads(r.stdout)["result"] == [["2*y", "2*x"], ["2*x", "0"]]


def test_validate_exit_codes():
    bad = run("validate", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 2*y]")
    assert bad.returncode == 1 and "MISMATCH" in bad.stdout and "d/dy" in bad.stdout
    good = run("validate", "x**2 + y**3", "--wrt", "x,y", "--claim", "[2*x, 3*y^2]", "--json")
    assert good.returncode == 0 and json.loads(good.stdout)["report"]["status"] == "ok"
    at_one = run("validate", "x**3", "--wrt", "x", "--claim", "3*x", "--at", "x=1")
    assert at_one.returncode == 1  # right only at x = 1: the random points catch it


def test_codegen_writes_a_standalone_module(tmp_path):
    out = tmp_path / "grad_kernel.py"
    r = run("codegen", "x**2 + y**3", "--wrt", "x,y", "--what", "grad", "--backend", "numpy", "-o", str(out))
    assert r.returncode == 0, r.stderr
    code = (f"import importlib.util as u; s=u.spec_from_file_location('m', {str(out)!r}); m=u.module_from_spec(s);"
            "s.loader.exec_module(m); print(m.kernel(2.0, 3.0).ravel().tolist())")
    check = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True)
    assert check.stdout.strip() == "[4.0, 27.0]", check.stderr
    r = run("codegen", "sin(x)*y", "--what", "value", "--json")
    assert json.loads(r.stdout)["args"] == ["x", "y"]


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["grad", "x +* y"], "column 4"),
        (["grad", "x**2", "--wrt", "z"], "unknown symbol 'z'"),
        (["grad", "__import__('os').system('true')"], "column 1"),
        (["grad", "9**9**9**9"], "decimal digits"),
        (["grad", "[x, y]", "--wrt", "x"], "jacobian"),
        (["grad", "x**2", "--at", "x=foo("], "column"),
        (["grad", "A @ x", "--let", "A: 3 x 2, x: 3"], "A is 3 x 2 but x is 3 x 1"),
        (["validate", "x**2", "--wrt", "x", "--claim", "[1, 2, 3]"], "must have 1 entries"),
        (["grad"], "the following arguments are required"),
        (["frobnicate"], "invalid choice"),
        (["grad", "x", "--wrt", "x", "--let", "A: 0 x 3"], "out of range"),
        (["codegen", "x^2", "-o", "/dev/null/dir/f.py"], "a part of its folder path is a file"),
        (["grad", "x^2", "--at", "x=[1,2]"], "x is a scalar variable: give it a number"),
        (["validate", "x^2", "--wrt", "x", "--points", "-1"], "expected 1 to 1000"),
        (["grad", "2^1100*x"], "does not fit in a float64"),
        (["codegen", "x*(-1)^(1/3)"], "not real"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, fragment):
    r = run_process(*args) if args[0] in ("frobnicate", "codegen") else run(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("derive: error:"), r.stderr
    assert fragment in lines[0]


def test_help_lists_subcommands_with_examples():
    r = run_process("--help")
    assert r.returncode == 0
    for word in ["grad", "jacobian", "hessian", "codegen", "validate", "demo", "examples:"]:
        assert word in r.stdout


def test_check_single_claims_exit_codes():
    r = run("check", "1/(1+exp(-z))", "--wrt", "z", "--claim", "2*s*(1-s)", "--let", "s=1/(1+exp(-z))")
    assert r.returncode == 1 and "2 times" in r.stdout
    r = run("check", "x.T @ W @ x", "--wrt", "x", "--claim", "(W + W.T)@x", "--let", "W: n x n, x: n", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["status"] == "correct"
    r = run("check", "x**2", "--wrt", "x", "--claim", "2*x +")
    assert r.returncode == 2 and "column" in r.stderr


def test_check_sheet(root, tmp_path):
    r = run("check", "--sheet", str(root / "examples" / "homework_sheet.toml"))
    assert r.returncode == 1
    assert "4 of 9 correct" in r.stdout and "details:" in r.stdout
    r = run("check", "--sheet", str(root / "examples" / "homework_sheet.toml"), "--json")
    data = json.loads(r.stdout)
    assert data["correct"] == 4 and len(data["problems"]) == 9
    yaml_sheet = tmp_path / "hw.yaml"
    yaml_sheet.write_text("title: two problems\nproblems:\n  - f: x**2\n    wrt: x\n    claim: 2*x\n"
                          "  - f: x**2\n    wrt: x\n    claim: 2*x +\n")
    r = run("check", "--sheet", str(yaml_sheet))
    assert r.returncode == 2 and "1 of 2 correct" in r.stdout and "ERROR" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text("title = 'x'\n[[problem]\n")
    r = run("check", "--sheet", str(bad))
    assert r.returncode == 2 and r.stderr.startswith("derive: error:")


def test_index_and_matrix_notation_from_the_cli(tmp_path):
    r = run("grad", "sum(w[i,j]*x[i]*x[j], i, j)", "--wrt", "x[k]", "--json")
    out = json.loads(r.stdout)
    assert out["notation"] == "index" and out["result"] == "sum(w[i, k]*x[i], i) + sum(w[k, j]*x[j], j)"
    r = run("grad", "x.T @ A @ x", "--wrt", "x", "--let", "A: n x n, x: n")
    assert r.returncode == 0 and "(A + A.T)@x" in r.stdout
    r = run("shape", "A @ x - b", "--let", "A: m x n, x: n, b: n")
    assert r.returncode == 2 and "A @ x is m x 1 but b is n x 1" in r.stderr
    r = run("convert", "sum(w[k,j]*x[j], j)", "--to", "matrix", "--index", "k")
    assert r.stdout.strip() == "w@x"
    target = tmp_path / "ls.py"
    r = run("codegen", "norm(A@x - b)**2/2", "--wrt", "x", "--let", "A: m x n, x: n, b: m", "-o", str(target))
    assert r.returncode == 0 and "loop kernel" in r.stdout
    code = (f"import importlib.util as u, numpy as np; s=u.spec_from_file_location('m', {str(target)!r}); "
            "m=u.module_from_spec(s); s.loader.exec_module(m); r=np.random.default_rng(0); "
            "A=r.normal(size=(5,3)); x=r.normal(size=3); b=r.normal(size=5); "
            "print(float(np.max(np.abs(m.kernel(A, b, x) - A.T@(A@x-b)))))")
    check = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert float(check.stdout.strip()) < 1e-12, check.stderr


def test_critical_and_kkt():
    r = run("critical", "x**3 - 2*x**2 + 1", "--json")
    out = json.loads(r.stdout)
    assert [(p["x"]["x"], p["kind"]) for p in out["points"]] == [("0", "max"), ("4/3", "min")]
    r = run("kkt", "--min", "a**2 + b**2", "--wrt", "a,b,c", "--st", "-c >= 1", "--st", "a + 2*b + c >= 1",
            "--st", "2*a + b + c >= 1", "--json")
    out = json.loads(r.stdout)
    assert out["points"][0]["x"] == {"a": "2/3", "b": "2/3", "c": "-1"} and out["points"][0]["value"] == "8/9"
    r = run("kkt", "--max", "x*y", "--st", "x + y = 10")
    assert r.returncode == 0 and "x = 5, y = 5" in r.stdout
    r = run("kkt", "--min", "x", "--max", "y")
    assert r.returncode == 2 and "exactly one of" in r.stderr


def test_expressions_and_claims_may_start_with_a_minus_sign():
    r = run("grad", "-x**2", "--wrt", "x")
    assert r.returncode == 0, r.stderr
    assert "df/dx = -2*x" in r.stdout
    r = run("check", "x**2/2", "--wrt", "x", "--claim", "-x")
    assert r.returncode == 1 and "sign" in r.stdout, r.stdout + r.stderr
    r = run("grad", "x**3", "--wrt", "x", "--at", "x=-1")
    assert r.returncode == 0 and "df/dx = 3" in r.stdout


def test_at_naming_a_variable_twice_is_an_error():
    r = run("grad", "x**2", "--wrt", "x", "--at", "x=1,x=2")
    assert r.returncode == 2 and "gives x twice" in r.stderr


def test_e_as_a_variable_is_explained():
    r = run("grad", "e*x", "--wrt", "e")
    assert r.returncode == 2 and "Euler's number" in r.stderr


def test_a_plot_file_of_an_unknown_format_is_an_error_before_anything_is_written(tmp_path):
    target = tmp_path / "g.txt"
    r = run("grad", "x**2", "--wrt", "x", "--plot", str(target))
    assert r.returncode == 2 and "give a file ending in .png" in r.stderr and "plot written" not in r.stdout
    assert not target.exists()
