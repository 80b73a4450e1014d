"""SymPy's matrix-derivative tests, ported (tests/sympy_matrix_cases.py), each case at
SymPy's symbolic size k, at 3 x 3 and (where the shapes allow) 3 x 2.

Every answer is compared with finite differences of f computed independently of
derive: f is evaluated by SymPy itself (explicit 30-digit matrices substituted),
along two random directions, with Richardson extrapolation.  SymPy's own answers
are not used (some are silently 0).  Refused cases must be one-line
`DeriveError`s saying what is unsupported.
"""

import itertools
import zlib

import numpy as np
import pytest
import sympy
from sympy import ImmutableMatrix, Matrix, MatrixBase, MatrixExpr, MatrixSymbol, Rational, Symbol

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
    if case.index:
        assert d.notation == "index"
        _agrees_componentwise(f, wrt, d.result)
        return
    _agrees_with_finite_differences(f, wrt, d.result, case, seed=zlib.crc32(case.id.encode()))  # str hash() differs per process


def _agrees_componentwise(f, element, result, size=3):
    """An index-notation answer d f / d X[m, n] against SymPy's partial derivatives of f written out
    with explicit matrices at size 3, for every value of every free index (f's and the variable's)."""
    X = element.args[0]
    mats = {M: Matrix(*[int(d.subs({K: size})) for d in M.shape],
                      lambda r, c, M=M: Symbol(f"{M.name}_{r}_{c}", real=True))
            for M in f.atoms(MatrixSymbol) | {X}}
    explicit_f = f.subs({K: size}).xreplace({M.subs({K: size}): mats[M] for M in mats}).doit()
    bound = {lim[0] for e in result.atoms(sympy.Sum) for lim in e.limits}
    indices = set(element.args[1].free_symbols | element.args[2].free_symbols)
    indices |= {i for e in f.atoms(sympy.matrices.expressions.matexpr.MatrixElement) for a in e.args[1:]
                for i in a.free_symbols}
    indices |= {i for e in result.atoms(sympy.Indexed) for a in e.indices for i in a.free_symbols}
    indices |= {i for d in result.atoms(sympy.KroneckerDelta) for i in d.free_symbols}
    free = sorted({s for s in indices - bound if s != K}, key=str)
    rng = np.random.default_rng(5)
    values = {e: Rational(int(rng.integers(-9, 10)), 4) for M in mats.values() for e in M}
    for combo in itertools.product(range(size), repeat=len(free)):
        at = {}
        for s_, v in zip(free, combo):  # the user's index and derive's integer one of the same name
            at[s_] = v
            at[Symbol(s_.name, integer=True)] = v
        r_, c_ = (int(i.subs(at)) for i in element.args[1:])
        expected = sympy.diff(explicit_f.xreplace(at), mats[X][r_, c_])
        got = result.xreplace(at).subs({K: size}).doit()
        got = got.xreplace({a: mats[next(M for M in mats if M.name == str(a.base.label))][
            tuple(int(i) for i in a.indices) if len(a.indices) == 2 else (int(a.indices[0]), 0)]
            for a in got.atoms(sympy.Indexed)})
        assert sympy.simplify((expected - got).xreplace(values)) == 0, (at, expected, got)


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

        def F(t, v=v):
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
