"""Every result the test session produced reads back from its printed text and its LaTeX to an equal expression.

The file name sorts last, so it runs after the suite has derived its results (conftest.py records
each Derivation).  Run on its own, it derives a set of its own first.
"""

import os
import time

from derive.derivation.api import differentiate
from derive.errors import LimitError
from derive.text.budgets import time_budget
from derive.text.inputs import new_namespace
from tests.round_trip import RESULTS, numerically_equal, read_back, record

OWN = [  # a spread of result kinds, for a run of this file alone
    ("sum(log(1 + exp(X@w)) - y*(X@w))", "w", "X: N x d, w: d, y: N"),
    ("norm(X@w - y)**2/2 + lambda/2*norm(w)**2", "w", "X: N x d, w: d, y: N"),
    ("x.T@A@x/(x.T@x)", "x", "A: n x n, x: n"),
    ("log(det(S)) + trace(inv(S)@C)", "S", "S: n x n, C: n x n"),
    ("-log(softmax(z)[c])", "z", "z: K"),
    ("sum((x[i] - mu)**2, i)", "mu", None),
    ("g(a.T@x)", "x", "a: n, x: n, g: function"),
    ("sum(X[i, j]*w[j], i, j)", "w[k]", None),
    ("x**2*y + exp(x*y)", "x y", None),
    ("sum(sigmoid(X@w)**2)", "w", "X: N x d, w: d"),
    ("trace(X@X.T@A)", "X", "X: n x m, A: n x n"),
    ("where(x > 0, x**2, -x)", "x", None),
    ("x.T@matrix_power(A, 3)@x", "x", "A: n x n, x: n"),
    ("sum(log(1 + exp(-y*(X@w))))", "w", "X: N x d, w: d, y: N"),
]


def _own_results():
    for f, wrt, symbols in OWN:
        for kind in ("grad", "hessian"):
            namespace = new_namespace(symbols, f, wrt)
            try:
                d = differentiate(f, wrt, kind, symbols=namespace)
            except Exception:  # noqa: BLE001 - a Hessian derive refuses is not a result
                continue
            record(f"{kind} of {f}", d.result, namespace)


SECONDS = 10  # per result; the slowest measured is well under a second


def _outside_grammar(expr):
    """SymPy's own tests raise X (k x k) to a plain symbol k; derive's grammar writes a matrix power only
    with an exponent declared an integer (`k: integer`), so such a result has no text to read back."""
    import sympy

    return isinstance(expr, sympy.Basic) and any(
        not (p.exp.is_integer or p.exp.is_number) for p in expr.atoms(sympy.MatPow))


def _not_read_back(how):
    """Every recorded result whose printed form (`how`: "text" or "latex") does not parse back to an equal one."""
    if len(RESULTS) < 40:
        _own_results()
    failures, beyond = [], []
    log = os.environ.get("DERIVE_ROUND_TRIP_LOG")
    for label, expr, namespace in list(RESULTS.values()):
        if _outside_grammar(expr):
            beyond.append(f"{label}: a matrix power whose exponent is not known to be an integer")
            continue
        start = time.perf_counter()
        try:
            with time_budget(SECONDS, "reading a result back"):  # a hang is a failure with its name, not a stall
                printed, back = read_back(expr, how, namespace=namespace)
                same, why = numerically_equal(expr, back)
        except (LimitError, OverflowError) as exc:  # (x + 1)**1000000: past the parser's bounds by design
            beyond.append(f"{label}: {type(exc).__name__}")
            continue
        except Exception as exc:  # noqa: BLE001 - every failure is listed, not only the first
            printed, same, why = "?", False, f"{type(exc).__name__}: {exc}"
        if not same:
            failures.append(f"{label}: {printed} -> {why}")
        if log:
            with open(log, "a") as out:
                out.write(f"{how} {time.perf_counter() - start:.3f} {same} {label[:150]}\n")
    assert len(RESULTS) >= 20
    # results past the size bounds (huge powers) are few; each is a test of the bounds, not of printing
    assert len(beyond) <= max(5, len(RESULTS) // 50), beyond
    return failures


def test_every_result_reads_back_from_its_text():
    failures = _not_read_back("text")
    assert not failures, f"{len(failures)} of {len(RESULTS)} results do not read back:\n" + "\n".join(failures[:40])


def test_every_result_reads_back_from_its_latex():
    failures = _not_read_back("latex")
    assert not failures, f"{len(failures)} of {len(RESULTS)} results' LaTeX does not read back:\n" + \
        "\n".join(failures[:40])


def test_every_result_renders_as_mathml_for_the_page():
    """derive serve's page shows each answer as MathML (SymPy's presentation printer, sanitized):
    every result of the session prints, as well-formed MathML that names no element outside the
    allowlist."""
    import xml.etree.ElementTree as ET

    from derive.serve.mathml import ELEMENTS, MATHML_NS, from_sympy

    if len(RESULTS) < 40:
        _own_results()
    failures = []
    for label, expr, _ in list(RESULTS.values()):
        try:
            with time_budget(SECONDS, "printing MathML"):
                markup = from_sympy(expr)
            tags = {e.tag.removeprefix("{" + MATHML_NS + "}") for e in ET.fromstring(markup).iter()}
            assert tags <= ELEMENTS, tags - ELEMENTS
        except Exception as exc:  # noqa: BLE001 - every failure is listed
            failures.append(f"{label}: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}")
    assert not failures, f"{len(failures)} of {len(RESULTS)} results print no MathML:\n" + "\n".join(failures[:40])
