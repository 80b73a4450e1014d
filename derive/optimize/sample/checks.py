"""Checks on written-out samples: data drawn at a few sizes (mixed signs, positive, counts,
binary) where a point's conditions hold; grad f, the sums expanded, vanishes exactly at the
point there (`_check`), and the Hessian's eigenvalues give the kind where its sign was not
proven (`_kind_at_samples`).
"""

import random

import sympy
from sympy import Indexed, Sum

from ...errors import LimitError
from ...text.printing import to_text
from .. import light, parametric
from ..concrete import require_zero
from ..sums import written_out

SAMPLE_SIZES = (3, 4, 6)
DRAW_SCHEMES = ("mixed", "positive", "counts", "binary")


def _sizes(expr):
    out = set()
    for s in expr.atoms(Sum):
        for _, lo, hi in s.limits:
            out |= {x for x in (lo.free_symbols | hi.free_symbols) if x.is_integer}
    return out


def _draw_sample(written, size, scheme, rng, param_values):
    """(sizes, values of every data entry) for a sample of `size` rows drawn by `scheme`, or None
    when the relations do not hold there; `written` holds f and the relations written out at that size."""
    sizes, f, relations = written
    values = {}
    for e in sorted(f.atoms(Indexed), key=str):
        values[e] = _entry(scheme, rng)
    for r in relations:
        at = r.xreplace(values).xreplace(param_values)
        try:
            if not bool(at):
                return None
        except TypeError:
            return None
    return sizes, values, f.xreplace(values)


def _entry(scheme, rng):
    if scheme == "binary":
        return sympy.Integer(rng.randint(0, 1))
    if scheme == "counts":
        return sympy.Integer(rng.randint(0, 6))
    value = sympy.Rational(rng.randint(1, 24), 8)
    return value if scheme == "positive" or rng.random() < 0.5 else -value


def samples_for(expr, relations, params, seed=0, count=2):
    """Up to `count` written-out samples (sizes, data values, f written out, parameter values) of
    different sizes where the point's relations hold."""
    rng = random.Random(seed)
    case = parametric.Case({}, [r for r in relations if not r.has(Sum)])
    param_draws = parametric.samples(case, list(params), 3, seed) if params else [{}]
    out = []
    for size in SAMPLE_SIZES:
        sizes = {s: size for s in _sizes(expr)}
        written = (sizes, written_out(expr, sizes), [written_out(r, sizes) for r in relations])
        for scheme in DRAW_SCHEMES:
            done = False
            for _ in range(6):
                values = param_draws[len(out) % len(param_draws)] if param_draws else {}
                drawn = _draw_sample(written, size, scheme, rng, values)
                if drawn is not None:
                    out.append((*drawn, values))
                    done = True
                    break
            if done:
                break
        if len(out) == count:
            break
    return out


def _at_sample(value, sizes, data, params):
    return written_out(value.xreplace(params), sizes).xreplace(data)


def _check(expr, unknowns, point, relations, params, seed):
    """grad f, written out at random samples meeting the relations, vanishes exactly at the point."""
    found = samples_for(expr, relations, params, seed)
    if not found:
        raise LimitError("could not draw a sample meeting the conditions "
                         f"{' and '.join(to_text(r) for r in relations)} to check the critical point; give the "
                         "data's properties")
    for sizes, data, written, param_values in found:
        at = {v: _at_sample(point.x[v], sizes, data, param_values) for v in unknowns}
        f = written.xreplace(param_values)
        for v in unknowns:
            residual = sympy.diff(f, v).xreplace(at)
            desc = type("D", (), {"describe": lambda self, sizes=sizes: ", ".join(f"{k} = {w}"
                                                                                  for k, w in sizes.items())})()
            require_zero(light.tidy(residual) if not residual.is_number else residual,
                         f"d f/d {v} at the critical point", desc)


def _kind_at_samples(expr, unknowns, point, relations, params, seed):
    """The kind from the Hessian's eigenvalues at random samples, when its sign was not proven."""
    import numpy as np

    kinds = set()
    for sizes, data, written, param_values in samples_for(expr, relations, params, seed + 1, count=3):
        at = {v: _at_sample(point.x[v], sizes, data, param_values) for v in unknowns}
        H = sympy.hessian(written.xreplace(param_values), list(unknowns)).xreplace(at)
        eig = np.linalg.eigvalsh(np.array(H.evalf(30).tolist(), dtype=float))
        kinds.add("min" if np.all(eig > 0) else "max" if np.all(eig < 0) else
                  "saddle" if eig.min() < 0 < eig.max() else "degenerate")
    if len(kinds) == 1 and kinds != {"degenerate"}:
        kind = kinds.pop()
        return kind, (f"Hessian {'positive' if kind == 'min' else 'negative' if kind == 'max' else 'in'}definite at "
                      "every random sample checked (its sign was not decided symbolically)")
    return "degenerate", "the Hessian's definiteness depends on the data (or is singular)"
