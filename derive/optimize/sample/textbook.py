"""The answer as a textbook writes it: each parameter from its own equation, in terms of the ones
solved before it (sigma with the sum (x[i] - mu)**2 kept whole, after mu), where that solves to
the same point; and notes naming the sample mean and the biased sample variance.
"""

import random

import sympy
from sympy import Indexed, Sum, Symbol

from ...text.budgets import attempt
from ...text.printing import to_text
from .. import light
from ..sums import Placeholders, pull


def _display(expr, unknowns, sol, ph, facts):
    """({variable: value in terms of the variables solved before it}, notes naming the statistics),
    or ({}, []) when the equations do not solve one by one to the same point."""
    display = {}
    remaining = list(unknowns)
    while remaining:
        for v in remaining:
            candidate = _one_by_one(expr, v, set(remaining) - {v}, sol, display, ph, facts)
            if candidate is not None:
                display[v] = candidate
                remaining.remove(v)
                break
        else:
            return {}, []
    return display, _statistics(display, unknowns)


def _one_by_one(expr, v, unsolved, sol, display, ph, facts):
    local = Placeholders({s.name for s in expr.free_symbols} | set(ph.taken))
    equation = pull(sympy.diff(expr, v), [v])
    hidden = local.hide(equation)
    roots = attempt(lambda: sympy.solve(sympy.numer(sympy.together(hidden)), v, simplify=False, check=False), 2.0, None)
    if not roots:
        return None
    for root in roots:
        shown = local.show(root)
        if shown.has(*unsolved) if unsolved else False:
            continue
        full = shown.xreplace({u: _full(u, display) for u in display})
        if _same(ph.hide(pull(full, tuple(sol) + tuple(full.atoms(Sum)))), sol[v], facts):
            return _readable(light.tidy(shown))
    return None


def _full(u, display):
    value = display[u]
    return value.xreplace({w: _full(w, display) for w in display if w != u and value.has(w)})


def _readable(value):
    """sqrt(S)/sqrt(n) as sqrt(S/n): one root of the whole quotient, as textbooks write it."""
    roots = [p for p in value.atoms(sympy.Pow) if p.exp == sympy.S.Half or p.exp == -sympy.S.Half]
    if not roots:
        return value
    square = sympy.powsimp(sympy.expand_power_base(value ** 2, force=True), force=True)
    if square.has(sympy.Pow) and any(p.exp.is_Rational and not p.exp.is_integer for p in square.atoms(sympy.Pow)):
        return value
    root = sympy.Pow(sympy.together(square), sympy.S.Half, evaluate=False)  # kept whole: sqrt(S/n)
    return -root if value.could_extract_minus_sign() else root


def _same(a, b, facts):
    d = (a - b).xreplace(facts.subs)
    if light.is_zero(d):
        return True
    symbols = sorted(d.free_symbols, key=str)
    rng = random.Random(1)
    for _ in range(3):
        values = {s: sympy.Rational(rng.randint(1, 40), rng.randint(1, 7)) if not s.is_integer else rng.randint(2, 9)
                  for s in symbols}
        value = sympy.N(d.xreplace(values), 30)
        if not value.is_number or abs(complex(value)) > 1e-20:
            return False
    return True


def _substituted(display, unknowns):
    """The exact values: each variable's display with the earlier ones substituted (their sums'
    indices renamed, so that sum((x[i] - sum(x[j], j)/n)**2, i) reads as it means)."""
    out = {}
    for v in unknowns:
        value = display[v]
        inner = {u: _renamed(out[u], value) for u in out if value.has(u)}
        out[v] = value.xreplace(inner) if inner else value
    return out


def _renamed(value, host):
    """`value` with its summation indices renamed away from those of the sums in `host`."""
    used = {lim[0] for s in host.atoms(Sum) for lim in s.limits}
    names = iter(["j", "l", "m", "q", "r", "t"])
    mapping = {}
    for s in value.atoms(Sum):
        for lim in s.limits:
            if lim[0] in used and lim[0] not in mapping:
                name = next(names)
                while any(u.name == name for u in used):
                    name = next(names)
                mapping[lim[0]] = Symbol(name, integer=True)
    if not mapping:
        return value
    return value.replace(lambda e: isinstance(e, Sum),
                         lambda s: Sum(s.function.xreplace(mapping), *[(mapping.get(lim[0], lim[0]), *lim[1:])
                                                                       for lim in s.limits]))


def _statistics(display, unknowns):
    """Notes naming the sample mean and the biased sample variance where a value is one."""
    notes = []
    for v, value in display.items():
        for s in value.atoms(Sum):
            (index, lo, hi), = s.limits if len(s.limits) == 1 else (((None, None, None),))
            if index is None:
                continue
            count = hi - lo + 1
            if isinstance(s.function, Indexed) and light.is_zero(value - s / count):
                notes.append(f"{v} is the sample mean of {s.function.base}")
            for power, name in ((1, f"{v}"), (2, f"{v}**2")):
                base = _variance_base(value ** power, display, count)
                if base is not None:
                    notes.append(f"{name} is the biased sample variance of {base} (divided by {to_text(count)}, "
                                 f"not {to_text(count - 1)})")
    return list(dict.fromkeys(notes))


def _variance_base(value, display, count):
    square = sympy.powsimp(value, force=True)
    for s in square.atoms(Sum):
        f = s.function
        if f.is_Pow and f.exp == 2 and light.is_zero(square - s / count):
            inner = f.base
            for u, mean in display.items():
                if inner.has(u):
                    parts = sympy.Add.make_args(inner)
                    if len(parts) == 2 and any(isinstance(p, Indexed) for p in parts) and -u in parts:
                        data = next(p for p in parts if isinstance(p, Indexed))
                        if light.is_zero(mean * count - Sum(data, s.limits[0])):
                            return data.base
    return None
