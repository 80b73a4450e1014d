"""em.custom: a mixture of any component log density of scalar data.

    em.custom("a*log(b) - loggamma(a) + (a - 1)*log(x) - b*x", "a b: positive", k=2)   # gamma mixture

The log density is text (parsed by derive's safe parser, never eval) or
SymPy, in the data symbol (``data="x"``) and the declared parameters;
``params`` declares each parameter's constraint: "real", "positive" or
"unit" (the interval (0, 1); also "unit interval", "probability").  The
derivation is the same as for the built-in families: closed forms where
dJ/dtheta = 0 can be solved, a generalized-EM step where it cannot.
"""

import re

import sympy
from sympy import IndexedBase, Symbol

from ...errors import DeriveError, SymbolError
from ...text.expressions import parse
from ...text.names import check_name
from ..model import Model, check_sizes, generic_log_prior
from ..params import Param
from ..priors import attach
from ..symbols import i, x
from ..symbols import k as component

CONSTRAINT_WORDS = {"real": "real", "scalar": "real", "positive": "positive", "unit": "unit",
                    "unit interval": "unit", "probability": "unit", "(0, 1)": "unit", "(0,1)": "unit"}

# names the derivation uses itself: data, responsibilities, weights, indices, sizes, multipliers
RESERVED = {"x", "r", "w", "i", "j", "k", "l", "c", "q", "N", "K", "d", "C", "lambda", "alpha", "e", "pi", "E"}


def declare_params(params):
    """[(name, constraint)] from "mu: real, s: positive", a dict, or SymPy symbols."""
    if isinstance(params, str):
        found = []
        pending = []
        for item in filter(None, (p.strip() for p in re.split(r"[;,]", params))):
            if ":" not in item:
                pending += item.split()
                continue
            names, word = (s.strip() for s in item.split(":", 1))
            constraint = CONSTRAINT_WORDS.get(word.lower())
            if constraint is None:
                raise DeriveError(f"unknown constraint '{word}' in '{item}'; use real, positive or unit")
            found += [(n, constraint) for n in pending + names.split()]
            pending = []
        found += [(n, "real") for n in pending]
    elif isinstance(params, dict):
        found = []
        for name, word in params.items():
            constraint = CONSTRAINT_WORDS.get(str(word).lower())
            if constraint is None:
                raise DeriveError(f"unknown constraint {word!r} for {name}; use real, positive or unit")
            found.append((str(name), constraint))
    elif isinstance(params, (list, tuple)) and all(isinstance(s, Symbol) for s in params):
        found = [(s.name, "positive" if s.is_positive else "real") for s in params]
    else:
        raise DeriveError("params must be a declaration like \"mu: real, s: positive\", a dict or a list of symbols")
    if not found:
        raise DeriveError("declare at least one parameter, e.g. params=\"s: positive\"")
    names = [n for n, _ in found]
    for n in names:
        check_name(n)
        if n in RESERVED:
            raise DeriveError(f"'{n}' is reserved in EM models (data, responsibilities, weights, indices); "
                              "rename the parameter")
    if len(set(names)) != len(names):
        raise DeriveError("a parameter is declared twice")
    return found


def custom(log_density, params, k, data="x", prior=None):
    """A K-component mixture with a component log density of your own.

    >>> from derive import em
    >>> m = em.custom("-log(s) - x/s", "s: positive", k=2)
    >>> em.derive_updates(m).m_step["s"]
    Eq(s[k], Sum(r[i, k]*x[i], (i, 0, N - 1))/Sum(r[i, k], (i, 0, N - 1)))
    """
    k, _ = check_sizes(k, 1)  # k: the number of components; `component` is the index symbol
    declared = declare_params(params)
    if not isinstance(data, str):
        data = getattr(data, "name", None)
    if not isinstance(data, str):
        raise DeriveError("data must be the name of the data symbol, like data=\"x\"")
    check_name(data)
    if data in dict(declared):
        raise DeriveError(f"'{data}' is the data; it cannot also be a parameter")
    assumptions = {"real": {"real": True}, "positive": {"positive": True}, "unit": {"positive": True}}
    symbols = {n: Symbol(n, **assumptions[c]) for n, c in declared}
    data_symbol = Symbol(data, real=True)
    if isinstance(log_density, str):
        namespace = {data: data_symbol, **symbols}
        ell = parse(log_density, namespace, strict=True)
        source = log_density
    elif isinstance(log_density, sympy.Basic):
        ell = _adopt(log_density, data, symbols, data_symbol)
        source = str(log_density)
    else:
        raise DeriveError("the log density must be text or a SymPy expression")
    if not isinstance(ell, sympy.Expr) or isinstance(ell, sympy.MatrixBase) or ell.is_Relational:
        raise DeriveError("the log density must be a scalar expression")
    unused = [n for n in symbols if symbols[n] not in ell.free_symbols]
    if data_symbol not in ell.free_symbols:
        raise SymbolError(f"the log density does not use the data symbol '{data}'")
    if unused:
        raise SymbolError(f"declared parameter(s) {', '.join(unused)} do not appear in the log density")
    extra = ell.free_symbols - set(symbols.values()) - {data_symbol}
    if extra:
        raise SymbolError(f"unknown symbol(s) {', '.join(sorted(map(str, extra)))} in the log density: "
                          "declare them as parameters (params=...) or use numbers")
    model_params = tuple(Param(n, n, (component,), c) for n, c in declared)
    index_form = ell.xreplace({data_symbol: x[i],
                               **{symbols[n]: p.base[component] for n, p in zip(symbols, model_params)}})
    prior = attach(prior, (Model.weights,) + model_params, "custom")
    log_prior, hyper = generic_log_prior(model_params, prior)
    kind = "positive" if _needs_positive(ell, data_symbol) else "real"
    return Model("custom", k, 1, model_params, index_form, data=kind, vector=False, prior=prior,
                 log_prior=log_prior, hyper=hyper, source=source)


def _adopt(expr, data, symbols, data_symbol):
    """A SymPy log density with its symbols mapped onto ours by name (one name, one variable)."""
    mapping = {}
    for s in expr.free_symbols:
        if not isinstance(s, Symbol):
            continue
        if s.name == data:
            mapping[s] = data_symbol
        elif s.name in symbols:
            mapping[s] = symbols[s.name]
    if any(isinstance(a, (sympy.Indexed, sympy.MatrixSymbol)) for a in expr.atoms(sympy.Indexed, sympy.MatrixSymbol)):
        raise DeriveError("a custom log density is a scalar expression in the data and the parameters "
                          "(no arrays or matrices)")
    return expr.xreplace(mapping)


def _needs_positive(ell, xs):
    """The density is only defined for x > 0 if it takes log(x) or a fractional power of x."""
    for f in ell.atoms(sympy.log):
        if f.args[0].has(xs) and f.args[0].is_polynomial(xs) and sympy.Poly(f.args[0], xs).degree() == 1:
            return True
    return any(p.base.has(xs) and not p.exp.is_Integer for p in ell.atoms(sympy.Pow))


__all__ = ["IndexedBase", "custom", "declare_params"]
