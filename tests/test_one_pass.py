"""One pass from what the user typed to SymPy (issue 26): `wrt` is read once, at the entrance.

Measured by following `wrt` through a call: every call of a derive function that takes a
parameter named `wrt`, made from a function of another module, enters that module.  A public
call must read text (`derive.text`) once, at its entrance, before any derivative is taken: the
layers below receive SymPy objects (a `calculus.variables.Problem`) and never read text again.
A call that takes one derivative (derive.check and derive grad, to the kernel) must moreover
enter each module at most once.

Initializers that dataclasses generate (Derivation, Verdict, Problem) are not entries: they
store wrt, they do not read it.  Before this issue, `derive.check("x**3 - 2*x**2 + 1", "x", ...)`
entered `text/inputs.py` 4 times and `calculus/scalar.py` 3 times.
"""

import collections
import contextlib
import io
import sys

import pytest
import sympy

import derive
from derive.cli import main as cli_main

x, y, mu, sigma = sympy.symbols("x y mu sigma")


def entries(call):
    """[(module, function)] in the order `call` enters them along wrt (see the module's docstring)."""
    found = []

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        module = frame.f_globals.get("__name__", "")
        if not module.startswith("derive") or code.co_filename.startswith("<"):  # generated __init__
            return
        if "wrt" not in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            return
        caller = frame.f_back
        while caller is not None and not caller.f_globals.get("__name__", "").startswith("derive"):
            caller = caller.f_back  # the derive function that made the call, through wrappers
        if caller is None or caller.f_globals["__name__"] != module:
            found.append((module, code.co_name))

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return found


def _cli(*argv):
    with contextlib.redirect_stdout(io.StringIO()):
        assert cli_main(list(argv)) == 0


def _kernel_of_hessian():
    d = derive.differentiate("sum(softplus(X @ w)) - y.T @ X @ w", "w", "grad", symbols="X: N x p, w: p, y: N")
    derive.kernel(d, hvp=True)  # H v: the plan derives the Hessian from the Derivation it holds


CALLS = {
    # the two paths: derive.check and derive grad, to the kernel
    "check, a wrong claim (text)": lambda: derive.check("x**3 - 2*x**2 + 1", "x", "3*x**2 - 4"),
    "check, SymPy objects": lambda: derive.check(x**2 * y, [x, y], sympy.Matrix([2 * x * y, x**2])),
    "check, text and SymPy mixed": lambda: derive.check(x**2 * y, "x y", "[2*x*y, x**2]"),
    "check, a Hessian": lambda: derive.check("x**2*y", "x y", "[[2*y, 2*x], [2*x, 1]]"),
    "check, index notation": lambda: derive.check("-log(exp(z[c])/sum(exp(z[j]), j))", "z[k]",
                                                  "exp(z[k])/sum(exp(z[j]), j) - delta(c, k)"),
    "check, matrix notation, a wrong claim": lambda: derive.check("x.T @ A @ x", "x", "2*A@x",
                                                                  symbols="x: n; A: n x n"),
    "derive grad (CLI)": lambda: _cli("grad", "x**2 + y**3", "--wrt", "x,y"),
    "differentiate, SymPy objects": lambda: derive.differentiate(x**2 + y**3, (x, y)),
    "differentiate, mixed": lambda: derive.differentiate("x**2 + y**3", [x, "y"]),
    "differentiate, a power (sigma^2)": lambda: derive.differentiate(
        "-log(sigma^2)/2 - (x - mu)^2/(2*sigma^2)", "mu, sigma^2"),
    "differentiate, a Hessian": lambda: derive.hessian("x**2*y", "x y"),
    "differentiate, matrix notation": lambda: derive.differentiate("x.T @ A @ x", "x", symbols="x: n; A: n x n"),
    "differentiate, index notation": lambda: derive.differentiate("-log(softmax(z)[c])", "z", symbols="z: K"),
    "differentiate, an element": lambda: derive.differentiate("x.T @ A @ x", "x[k]", symbols="x: n; A: n x n"),
    "differentiate, a sample": lambda: derive.differentiate("sum((x[i] - mu)**2, i)", "mu"),
    "kernel of a scalar gradient": lambda: derive.kernel(derive.differentiate("x**2 + y**3", "x y")),
}
# Calls that take more than one derivative (a gradient and a Hessian, each line of a derivation)
# pass through calculus and validation once per derivative; they still read text once, at the entrance
SECOND_DERIVATIVES = {
    # a sample's claim is compared on instances; derive's own derivative, shown beside it, is a second
    # derivation of the objects, adopted into the check's namespace (`Problem.within`)
    "check, a sample's parameter": lambda: derive.check("sum((x[i] - mu)**2, i)", "mu", "-2*sum(x[i] - mu, i)"),
    "kernel of H v from a loss's gradient": _kernel_of_hessian,
    "critical points": lambda: derive.critical_points("x**2 + y**2 - 2*x", "x y"),
    "convexity": lambda: derive.convexity("x**2 + y**2", "x y"),
    "KKT": lambda: derive.kkt("x**2 + y**2", "x y", eq=["x + y - 1"]),
    "integrate": lambda: derive.integrate("x*exp(x)", "x"),
    "taylor": lambda: derive.taylor("exp(x)*y", "x y", {"x": 0, "y": 1}),
    "directional": lambda: derive.directional("x**2*y", "x y", {"x": 1, "y": 2}, [1, 0]),
    "check_derivation": lambda: derive.check_derivation(["d/dx x**2 = 2*x"], f="x**2", wrt="x"),
    "check an antiderivative": lambda: derive.check("x", "x", "x**2/2", kind="antiderivative"),
}
# where a derivative is taken: text must be read before any of these is entered
MACHINERY = ("derive.calculus.powers", "derive.calculus.targets", "derive.calculus.scalar",
             "derive.derivation.elements", "derive.validation")


@pytest.fixture(scope="module")
def traced():
    return {name: entries(call) for name, call in {**CALLS, **SECOND_DERIVATIVES}.items()}


@pytest.mark.parametrize("name", list(CALLS))
def test_each_module_is_entered_at_most_once(traced, name):
    counts = collections.Counter(module for module, _ in traced[name])
    again = {module: n for module, n in counts.items() if n > 1}
    assert not again, f"{name}: entered more than once along wrt: {again}; path: {traced[name]}"


@pytest.mark.parametrize("name", [*CALLS, *SECOND_DERIVATIVES])
def test_text_is_read_only_at_the_entrance(traced, name):
    path = [module for module, _ in traced[name]]
    text = [k for k, module in enumerate(path) if module.startswith("derive.text")]
    assert len(text) <= 1, f"{name}: derive.text entered {len(text)} times along wrt: {traced[name]}"
    below = [k for k, module in enumerate(path) if module.startswith(MACHINERY)]
    assert not below or not text or text[0] < below[0], f"{name}: text read after {path[below[0]]}: {traced[name]}"


def test_the_measure_sees_a_second_reading():
    """The measure itself: a call that reads wrt twice (two public calls in a row) is caught."""
    twice = entries(lambda: (derive.differentiate("x**2", "x"), derive.differentiate("x**3", "x")))
    counts = collections.Counter(module for module, _ in twice)
    assert counts["derive.text.inputs"] == 2 and counts["derive.calculus.powers"] == 2


def test_the_entrance_reads_wrt_into_objects():
    """What the layers below receive: SymPy objects, a power of a variable (sigma^2) among them."""
    from derive.calculus.powers import substitute
    from derive.calculus.variables import read_problem

    problem = read_problem("-log(sigma^2)/2 - (x - mu)^2/(2*sigma^2)", "mu, sigma^2")
    assert [type(w).__name__ for w in problem.wrt] == ["Symbol", "Pow"]
    assert problem.wrt[1].base.name == "sigma" and problem.wrt[1].exp == 2
    f, variables, change = substitute(problem.f, problem.wrt, problem.namespace)
    assert variables[0] == problem.wrt[0] and change.wrt(variables) == problem.wrt
    assert not f.has(problem.wrt[1].base)  # f in the variable v = sigma^2


def test_a_power_named_twice_is_refused():
    """sigma^2 and sigma**2 are one variable: refused as x, x is (not a doubled result)."""
    with pytest.raises(derive.errors.SymbolError, match=r"'s\*\*2' appears twice in wrt"):
        derive.differentiate("exp(-1/s**2)*x", "s^2, s**2", validate_result=False)
    with pytest.raises(derive.errors.SymbolError, match="appears twice"):
        derive.differentiate("x**2*y", [x, "x"])


def test_a_second_derivative_of_one_reading_names_its_indices_as_a_first():
    """A Hessian after a gradient of the same Problem (autograd_function) takes the index names a
    Hessian taken on its own takes: Problem.copy keeps the names the gradient added out of it."""
    from derive.calculus.variables import read_problem
    from derive.derivation.api import derive_problem

    f = "sum(W[i, j]**4, i, j)"
    problem = read_problem(f, "W")
    second = problem.copy()
    derive_problem(problem, "grad")
    alone = derive.differentiate(f, "W", "hessian")
    assert derive_problem(second, "hessian").wrt == alone.wrt
    assert derive_problem(problem, "hessian").wrt != alone.wrt  # what the copy is for


def test_integrate_keeps_the_callers_time_budget(monkeypatch):
    """integrate reads, then integral_of integrates under the same limits (not a 20 s default)."""
    from derive.analysis import integrals
    from derive.text import budgets

    left = []
    real = integrals._integrate

    def spy(*args):
        left.append(budgets._deadline.at - budgets.time.monotonic())
        return real(*args)

    monkeypatch.setattr(integrals, "_integrate", spy)
    derive.integrate("x**2", "x", limits=budgets.Limits(seconds=100))
    assert left and left[0] > 90
