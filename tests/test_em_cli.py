"""`derive em` on the command line: updates, fits of CSV files, plots, one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

from derive.cli import main


@pytest.fixture(scope="module")
def points(tmp_path_factory):
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(c, 0.6, size=(150, 2)) for c in ([0, 0], [4, 0], [0, 4])])
    path = tmp_path_factory.mktemp("em") / "points.csv"
    np.savetxt(path, X, delimiter=",", header="x0,x1", comments="")
    return path


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_derived_updates(capsys):
    code, out, err = run(["em", "normal", "--k", "3", "--dim", "2", "--cov", "full"], capsys)
    assert code == 0, err
    assert "w[k] = sum(r[i, k], (i, 0, N - 1))/N" in out
    assert "Sigma[k, j, l] =" in out and "validated exactly" in out


def test_fits_a_csv_file_with_a_plot_and_json(points, tmp_path, capsys):
    png = tmp_path / "fit.png"
    code, out, err = run(["em", "normal", "--k", "3", "--data", str(points), "--plot", str(png), "--json"], capsys)
    assert code == 0, err
    blob = json.loads(out)
    assert blob["updates"]["m_step"]["weights"]["closed_form"] == "sum(r[i, k], (i, 0, N - 1))/N"
    fit = blob["fit"]
    assert fit["monotone"] and len(fit["loglik"]) == fit["n_iter"] + 1
    means = np.sort(np.round(np.asarray(fit["params"]["means"])), axis=0)
    assert means.tolist() == [[0.0, 0.0], [0.0, 0.0], [4.0, 4.0]]
    assert png.stat().st_size > 10_000 and blob["plot"] == str(png)


def test_custom_model_and_priors(tmp_path, capsys):
    rng = np.random.default_rng(4)
    waits = tmp_path / "waits.csv"
    np.savetxt(waits, np.concatenate([rng.exponential(0.5, 300), rng.exponential(5.0, 300)]))
    code, out, err = run(["em", "custom", "-log(s) - x/s", "--params", "s: positive", "--k", "2",
                          "--data", str(waits)], capsys)
    assert code == 0, err
    assert "s[k] = sum(r[i, k]*x[i], (i, 0, N - 1))/sum(r[i, k], (i, 0, N - 1))" in out
    assert "EM fit of a 2-component custom mixture" in out
    code, out, err = run(["em", "poisson", "--k", "2", "--prior", "rates: gamma(2, 1)",
                          "--prior", "weights: dirichlet(alpha=3)"], capsys)
    assert code == 0, err
    assert "(a_lam + sum(r[i, k]*x[i], (i, 0, N - 1)) - 1)/(b_lam + sum(r[i, k], (i, 0, N - 1)))" in out


def test_explain(capsys):
    code, out, err = run(["em", "bernoulli", "--k", "2", "--dim", "3", "--explain"], capsys)
    assert code == 0, err
    assert "evidence lower bound" in out and "Lagrange multiplier" in out


@pytest.mark.parametrize("content, message", [
    ("1,2\n3,4\n5\n", "line 3: 1 column, but the file has 2"),
    ("1,2\n3,nan\n5,6\n7,8\n", "NaN or infinite value (row 2, column 2 of the data, X[1, 1])"),
    ("1,2\n3,4\n", "2 rows of data for k = 3 components; EM needs at least one row per component"),
    ("a,b\n1,x\n", "line 2: 'x' is not a number"),
    ("", "no rows of numbers"),
])
def test_bad_data_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code, _out, err = run(["em", "normal", "--k", "3", "--data", str(path)], capsys)
    assert code == 2
    assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize("args, message", [
    (["em", "normal", "--k", "3", "--dim", "3", "--data", "{points}"], "the data has 2 columns; the model expects 3"),
    (["em", "custom", "--k", "2"], "custom needs the log density"),
    (["em", "poisson", "--k", "2", "--prior", "rates: gamma(__import__('os'))"], "is not a number"),
    (["em", "poisson", "--k", "2", "--prior", "rates: wishart(2)"], "cannot read the prior"),
    (["em", "normal", "--k", "2", "--plot", "x.png"], "--plot needs --data"),
])
def test_bad_input_exits_2(points, capsys, args, message):
    args = [a.replace("{points}", str(points)) for a in args]
    code, _out, err = run(args, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_real_command_line(points):
    r = subprocess.run([sys.executable, "-m", "derive", "em", "normal", "--k", "3", "--data", str(points),
                        "--cov", "diag", "--max-iter", "5"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "stopped (max_iter) after 5 iterations" in r.stdout or "converged" in r.stdout
