"""SymPy's matrix-derivative tests, ported (tests/sympy_matrix_cases.py), each case at
SymPy's symbolic size k, at 3 x 3 and (where the shapes allow) 3 x 2.

Every answer is compared with finite differences of f computed independently of
derive: f is evaluated by SymPy itself (explicit 30-digit matrices substituted),
along two random directions, with Richardson extrapolation.  SymPy's own answers
are not used (some are silently 0).  Refused cases must be one-line
`DeriveError`s saying what is unsupported.
"""

import numpy as np
import pytest
import sympy
from sympy import ImmutableMatrix, MatrixBase, MatrixExpr, MatrixSymbol

import derive
from tests.sympy_matrix_cases import CASES, K, all_variants, variant_names

VARIANTS = all_variants()
DIGITS = 30


def test_the_port_is_complete():
    sources = {c.source for c in CASES}
    assert len(CASES) >= 120 and len(sources) >= 20
    refused = [c for c in CASES if c.refuse]
    assert len(refused) < len(CASES) / 3


@pytest.mark.parametrize("case, size", VARIANTS, ids=[f"{c.id} @ {s}" for c, s in VARIANTS])
def test_sympy_case(case, size):
    names = variant_names(case, size)
    f, wrt = case.build(names)
    if case.refuse:
        with pytest.raises(derive.DeriveError) as info:
            derive.differentiate(f, wrt, case.kind)
        message = str(info.value)
        assert case.refuse in message, message
        assert "\n" not in message
        return
    d = derive.differentiate(f, wrt, case.kind)
    assert d.report is not None and d.report.ok
    _agrees_with_finite_differences(f, wrt, d.result, case, seed=hash(case.id) % 2**32)


def _agrees_with_finite_differences(f, wrt, result, case, seed):
    """result . v == d/dt f(w + t v) at t = 0 for two random directions v (Richardson on
    central differences of f evaluated by SymPy at 30 digits)."""
    sizes = {K: 3}
    f, result = _at_size(f, sizes), _at_size(result, sizes)
    wrt_list = [wrt.subs(sizes) if isinstance(wrt, MatrixSymbol) else wrt] if not isinstance(wrt, (list, tuple)) \
        else list(wrt)
    rng = np.random.default_rng(seed)
    values = _random_values(f, result, rng, case.positive)
    w0 = np.concatenate([np.ravel(values[w]) for w in wrt_list])
    J = _value(result, values)
    F0 = _value(f, values)
    J = J.reshape(F0.size, w0.size) if J.size == F0.size * w0.size else None
    assert J is not None, f"the result has {_value(result, values).size} entries; f has {F0.size}, wrt {w0.size}"
    for _ in range(2):
        v = rng.normal(size=w0.size)
        h = 1e-4

        def F(t):
            moved = dict(values)
            offset = 0
            for w in wrt_list:
                size = np.size(values[w])
                moved[w] = np.reshape(np.ravel(values[w]) + t * v[offset:offset + size], np.shape(values[w]))
                offset += size
            return _value(f, moved)

        d1 = (F(h) - F(-h)) / (2 * h)
        d2 = (F(h / 2) - F(-h / 2)) / h
        fd = d2 + (d2 - d1) / 3
        claimed = J @ v
        scale = max(np.max(np.abs(fd)), 1e-3 * np.max(np.abs(J)) * np.linalg.norm(v), 1e-12)
        assert np.max(np.abs(claimed - fd)) <= 1e-7 * scale, (claimed, fd)


def _at_size(expr, sizes):
    return expr.subs(sizes) if isinstance(expr, (sympy.Basic, MatrixBase)) and expr.has(*sizes) else expr


def _random_values(f, result, rng, positive):
    symbols = set()
    for e in (f, result):
        if isinstance(e, sympy.Basic):
            symbols |= e.atoms(MatrixSymbol)
            symbols |= {s for s in e.free_symbols if isinstance(s, sympy.Symbol)}
    values = {}
    for s in sorted(symbols, key=str):
        if isinstance(s, MatrixSymbol):
            rows, cols = (int(d) for d in s.shape)
            if positive:
                A = rng.uniform(0.1, 1.0, size=(rows, cols))
            else:
                A = rng.normal(size=(rows, cols))
                if rows == cols and rows > 1:
                    A = A + rows * np.eye(rows)  # comfortably invertible
            values[s] = A
        else:
            values[s] = float(rng.integers(1, 4)) if s.is_integer else rng.uniform(0.5, 1.5)
    return values


def _value(expr, values):
    """expr at `values`, computed by SymPy with 30-digit numbers, as a flat complex array."""
    mapping = {}
    for s, v in values.items():
        if isinstance(s, MatrixSymbol):
            mapping[s] = ImmutableMatrix(v.shape[0], v.shape[1], [sympy.Float(x, DIGITS) for x in np.ravel(v)])
        else:
            mapping[s] = sympy.Float(v, DIGITS) if not s.is_integer else sympy.Integer(int(v))
    e = expr.xreplace(mapping)
    constants = {c: c.as_explicit() for c in e.atoms(sympy.OneMatrix, sympy.Identity, sympy.ZeroMatrix)}
    e = e.xreplace(constants) if constants else e
    for _ in range(3):  # tr((2*i)*M) needs two rounds: the product, then the trace
        e = e.doit()
        if isinstance(e, MatrixExpr) and not isinstance(e, MatrixBase):
            e = e.as_explicit()
    if isinstance(e, MatrixBase):
        return np.array([complex(x.evalf(DIGITS)) for x in e], dtype=complex).real
    return np.array([complex(sympy.sympify(e).evalf(DIGITS))]).real
