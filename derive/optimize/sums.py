"""Sums over data, rearranged so that what is being solved for stands outside them.

Optimality conditions in index notation are sums: grad of the Gaussian
log-likelihood wrt mu is sum(x[i] - mu, i)/sigma**2.  Solving for mu needs mu
outside the sum: sum(x[i], i)/sigma**2 - n*mu/sigma**2.  `pull` does that,
one rule at a time:

* a sum of terms is a sum of sums (sum(1 - y[i]) = n - sum(y[i]));
* a factor free of the summation index leaves the sum, and a sum of something
  free of the index is a count times it (sum(mu, i) = n*mu);
* a factor that holds both the index and an unknown is expanded first, when
  that separates them: powers of sums ((x[i] - mu)**2), exponentials of sums
  (exp(-1 - lam - beta*E[i]) = exp(-1 - lam)*exp(-beta*E[i])).

What is left inside a sum is data (`is_data`) or a function of the data and
an unknown that no rule separates (exp(-beta*E[i]), log(1 + exp(w*x[i]))):
the optimality conditions are then implicit equations in that unknown.

`Placeholders` stand in for the sums while SymPy solves (one Symbol per
distinct sum, positive or non-negative when the summand is), and are put
back afterwards.

    >>> import sympy
    >>> i = sympy.Symbol("i", integer=True); n = sympy.Symbol("n", integer=True, positive=True)
    >>> x = sympy.IndexedBase("x", real=True); mu = sympy.Symbol("mu", real=True)
    >>> pull(sympy.Sum(x[i] - mu, (i, 0, n - 1)), [mu])
    -mu*n + Sum(x[i], (i, 0, n - 1))
"""

import itertools

import sympy
from sympy import Add, Mul, Sum

MAX_TERMS = 200  # a product of sums expanded into more terms than this is left as it is


def pull(expr, unknowns):
    """`expr` with every sum split and the factors free of its index outside (see module doc);
    factors holding both the index and one of `unknowns` are expanded when that separates them."""
    unknowns = tuple(unknowns)
    if not isinstance(expr, sympy.Basic) or not expr.has(Sum):
        return expr
    return expr.replace(lambda e: isinstance(e, Sum), lambda s: _pull_sum(s, unknowns))


def _pull_sum(s, unknowns):
    function, limits = s.function, s.limits
    if len(limits) > 1:  # sum over i, j: the inner sum first
        inner = _pull_sum(Sum(function, limits[0]), unknowns)
        return _pull_sum_over(inner, limits[1:], unknowns)
    return _pull_sum_over(function, limits, unknowns)


def _pull_sum_over(function, limits, unknowns):
    if len(limits) > 1:
        return _pull_sum_over(_pull_sum_over(function, limits[:1], unknowns), limits[1:], unknowns)
    (index, lo, hi), = limits
    count = hi - lo + 1
    out = []
    for term in _terms(function, index, unknowns):
        outside, inside = [], []
        for factor in Mul.make_args(term):
            (inside if index in factor.free_symbols else outside).append(factor)
        if inside:
            out.append(Mul(*outside) * Sum(Mul(*inside), (index, lo, hi)))
        else:
            out.append(Mul(*outside) * count)
    return Add(*out)


def _terms(f, index, unknowns):
    """f as a list of terms, expanded where an unknown and the index meet in one factor."""
    if f.is_Add:
        return [t for a in f.args for t in _terms(a, index, unknowns)]
    if not (index in f.free_symbols and unknowns and f.has(*unknowns)):
        return [f]
    if f.is_Mul:
        parts = [_terms(a, index, unknowns) for a in f.args]
        size = 1
        for p in parts:
            size *= len(p)
        if size > MAX_TERMS:
            return [f]
        return [Mul(*combo) for combo in itertools.product(*parts)]
    if f.is_Pow and f.exp.is_Integer and f.exp > 1 and f.base.is_Add:
        expanded = sympy.expand(f, deep=False, mul=True, multinomial=True, power_exp=False, power_base=False,
                                log=False)
        if len(Add.make_args(expanded)) <= MAX_TERMS:
            return [t for a in Add.make_args(expanded) for t in _terms(a, index, unknowns)]
        return [f]
    if isinstance(f, sympy.exp) and f.args[0].is_Add:
        return _terms(Mul(*[sympy.exp(a) for a in f.args[0].args]), index, unknowns)
    if f.is_Pow and index in f.exp.free_symbols and f.exp.is_Add and index not in f.base.free_symbols:  # a**(u + v*x[i])
        return _terms(Mul(*[f.base ** a for a in f.exp.args]), index, unknowns)
    return [f]


def is_data(s, unknowns):
    """A sum of data only (no unknown inside)."""
    return not s.has(*unknowns)


class Placeholders:
    """Symbols standing for sums while SymPy solves, and back.

    ``hide(expr)`` replaces each distinct sum by a symbol (``S1``, ``S2``...
    after the names already taken), positive when the summand is positive,
    non-negative when it is non-negative; ``show(expr)`` puts the sums back."""

    def __init__(self, taken=()):
        self.symbols = {}  # Sum -> Symbol
        self.sums = {}  # Symbol -> Sum
        self.taken = {str(t) for t in taken}

    def hide(self, expr):
        if not isinstance(expr, sympy.Basic) or not expr.has(Sum):
            return expr
        sums = sorted(expr.atoms(Sum), key=sympy.default_sort_key)
        return expr.xreplace({s: self.symbol(s) for s in sums})

    def symbol(self, s):
        if s not in self.symbols:
            k = len(self.symbols) + 1
            while f"S{k}" in self.taken:
                k += 1
            self.taken.add(f"S{k}")
            summand = s.function
            if summand.is_positive:
                sym = sympy.Symbol(f"S{k}", positive=True)
            elif summand.is_nonnegative:
                sym = sympy.Symbol(f"S{k}", nonnegative=True)
            else:
                sym = sympy.Symbol(f"S{k}", real=True)
            self.symbols[s] = sym
            self.sums[sym] = s
        return self.symbols[s]

    def show(self, expr):
        if not isinstance(expr, sympy.Basic):
            return expr
        found = {s: self.sums[s] for s in expr.free_symbols if s in self.sums}
        return expr.xreplace(found) if found else expr

    def data_sums(self, unknowns):
        """The placeholders whose sums hold no unknown."""
        return [sym for sym, s in self.sums.items() if is_data(s, unknowns)]


def rename_index(expr, index, new):
    """Every sum over `index` in expr summed over `new` instead (so that k can be free)."""
    def rename(s):
        limits = [(new if lim[0] == index else lim[0], *lim[1:]) for lim in s.limits]
        return Sum(s.function.xreplace({index: new}), *limits) if any(lim[0] == index for lim in s.limits) else s

    return expr.replace(lambda e: isinstance(e, Sum), rename)


def written_out(expr, sizes=None):
    """`expr` with every sum over a concrete range replaced by its terms (innermost first), after the
    sizes are substituted: what `doit` does for these sums, without its search for closed forms."""
    if not isinstance(expr, sympy.Basic):
        return expr
    if sizes:
        expr = expr.xreplace(sizes)
    if not expr.has(Sum):
        return expr

    def expand(s):
        function = written_out(s.function)
        for index, lo, hi in reversed(s.limits):
            if not (lo.is_Integer and hi.is_Integer):
                return s
            function = Add(*[function.xreplace({index: j}) for j in range(int(lo), int(hi) + 1)])
        return function

    return expr.replace(lambda e: isinstance(e, Sum), expand)
