"""Numerically stable forms of what users write: a table of rewrite rules.

Printed as written, ordinary ML formulas overflow or cancel in float64:
``log(1 + exp(1000))`` is inf and its derivative ``exp(z)/(1 + exp(z))`` is
inf/inf = nan; ``-log(sigmoid(-800))`` is inf; ``1 - sigmoid(30)`` keeps 3 of
16 digits.  Before printing, every kernel (both backends, and loop kernels)
passes its expressions through `stable`, which applies the rules below
bottom-up until none applies.  Each rule is an identity of analytic
functions, so values, derivatives and complex-step evaluation are unchanged;
the results use `sigmoid` and `softplus`, which the printers write in
overflow-free forms, and max-shifted exponentials:

    1/(1 + exp(u))**k              -> sigmoid(-u)**k
    exp(c*a) / (exp(a) + exp(b))**k -> sigmoid(a - b)**c / (exp(a) + exp(b))**(k - c)   (two-term softmax)
    exp(c*u) * sigmoid(-u)**k      -> sigmoid(u)**c * sigmoid(-u)**(k - c)    (exp(u)/(1 + exp(u)) = sigmoid(u))
    (1 + exp(u))**p * sigmoid(-u)**q -> sigmoid(-u)**(q - p)
    a*s**k - a*s**(k + 1)          -> a*s**k*sigmoid(-u)       for s = sigmoid(u)  (1 - s, s - s**2)
    2*sigmoid(u) - 1               -> tanh(u/2)
    exp(a) * exp(-m)               -> exp(a - m)       for a max-shift m (below); exp(a)*exp(b)*exp(-2m)
                                      -> exp(a - m)*exp(b - m)
    exp(s) * (c1*exp(a1) + ...)    -> c1*exp(a1 + s) + ...     (a max-shift s first, below)
    log(1 + exp(u))                -> softplus(u)
    log(sigmoid(u))                -> -softplus(-u)
    log(exp(a) * r)                -> a + log(r)
    softplus(u) - u                -> softplus(-u)
    log(c1*exp(a1) + c2*exp(a2) ...) -> m + log(c1*exp(a1 - m) + ...),  m = max(a1, a2, ...)
    (c1*exp(a1) + ...)**-k         -> exp(-k*m) * (c1*exp(a1 - m) + ...)**-k
    log(sum(exp(u_i), i)), sum(exp(u_i), i)**-k: the same with M = max_i u_i
                                      (an `IndexMax`, which loop kernels compute in a pass of their own)
    x*log(x)                       -> xlogy(x, x)      0 at x = 0, the limit (entropy at a zero probability)
    x*(a*log(x) + b*log(y) + r)    -> a*xlogy(x, x) + b*xlogy(x, y) + x*r   (KL divergence, p = 0)

xlogy is the one rule that is not an identity everywhere: at x = 0 it is 0, where
0*log(0) as written is nan; it is x*log(y) wherever x is not 0.

`sigmoid` and `softplus` are matched by class name, as the printers dispatch,
so codegen needs no import of derive; where an expression has none of its own,
the classes below stand in (same names, same printing).
"""

import sympy
from sympy import Add, Function, Integer, Max, Mul, Pow, S, Sum, exp, log
from sympy.concrete.expr_with_limits import ExprWithLimits


class sigmoid(Function):  # noqa: N801 - lower case: printers dispatch on the class name
    """1/(1 + exp(-x)), for expressions that have no sigmoid class of their own."""


class softplus(Function):  # noqa: N801
    """log(1 + exp(x)), for expressions that have no softplus class of their own."""


class xlogy(Function):  # noqa: N801 - named as in SciPy, JAX and torch
    """x*log(y), and 0 where x is 0 (scipy.special.xlogy, jax.scipy.special.xlogy, torch.xlogy)."""

    def fdiff(self, argindex=1):
        x, y = self.args
        return log(y) if argindex == 1 else x / y

    def _eval_is_real(self):
        x, y = self.args
        return True if x.is_real and y.is_positive else None

    def _eval_rewrite_as_elementary(self, x, y, **kwargs):
        return x * log(y)  # for a printer with no xlogy of its own: right wherever x is not 0


class IndexMax(ExprWithLimits):
    """max of `function` over the index ranges in its limits (loop kernels only)."""

    __slots__ = ()

    def _eval_is_real(self):
        return self.function.is_real


class ShiftMax(Max):
    """Max that never compares its arguments: any upper bound of the exponents is a
    valid log-sum-exp shift, and SymPy's Max compares every pair symbolically
    (factor_terms on each difference), seconds for ten exponents, again each time
    cse rebuilds it. The printers print it as Max; the kernel's max() finds the
    largest at run time."""

    def __new__(cls, *args, **options):
        return Max.__new__(cls, *args, evaluate=False)


def stable(expr):
    """`expr` with every rule applied, bottom-up, until none applies."""
    if not isinstance(expr, sympy.Basic) or expr.is_Atom:
        return expr
    fns = _Functions(expr)
    try:
        return _walk(expr, fns, {})
    except RecursionError:  # a rule cycle would be a bug here; the form as written is still right
        return expr


class _Functions:
    """The sigmoid/softplus classes to build: the expression's own, else ours."""

    def __init__(self, expr):
        own = {type(f).__name__: type(f) for f in expr.atoms(Function)}
        self.sigmoid = own.get("sigmoid", sigmoid)
        self.softplus = own.get("softplus", softplus)


def _walk(e, fns, memo):
    if e.is_Atom or isinstance(e, (sympy.Indexed, sympy.IndexedBase, sympy.Tuple)) or not e.args:
        return e
    if e in memo:
        return memo[e]
    args = [_walk(a, fns, memo) for a in e.args]
    node = e.func(*args) if args != list(e.args) else e
    for _ in range(20):  # each rule makes the node simpler; 20 is a guard, never reached
        for rule in RULES:
            new = rule(node, fns)
            if new is not None and new != node:
                node = _walk(new, fns, memo) if new.args else new
                break
        else:
            break
    memo[e] = node
    return node


def _without(e, *factors):
    """The product e with one occurrence of each of `factors` taken out (no division:
    SymPy does not always cancel exp(a)/exp(a) when a holds a Max)."""
    args = list(Mul.make_args(e))
    for f in factors:
        args.remove(f)
    return Mul(*args)


def _is(e, name):
    return type(e).__name__ == name


def _exp_terms(add):
    """[(c, a)] with add = sum c*exp(a) (c > 0 numbers; a number c is c*exp(0)), or None."""
    terms = []
    for t in Add.make_args(add):
        c, rest = t.as_coeff_Mul()
        if rest == 1:
            rest = Integer(1)
        if isinstance(rest, exp) and c.is_positive:
            terms.append((c, rest.args[0]))
        elif rest == 1 and c.is_positive:
            terms.append((c, S.Zero))
        else:
            return None
    return terms if any(a != 0 for _, a in terms) else None


# ---------------------------------------------------------------------------
# the rules: each takes a node and returns its replacement, or None


def one_over_one_plus_exp(e, fns):
    """1/(1 + exp(u))**k -> sigmoid(-u)**k."""
    if isinstance(e, Pow) and e.exp.is_Integer and e.exp < 0 and isinstance(e.base, Add):
        args = e.base.args
        if len(args) == 2 and S.One in args:
            other = args[0] if args[1] == 1 else args[1]
            if isinstance(other, exp):
                return fns.sigmoid(-other.args[0]) ** (-e.exp)
    return None


def exp_times_sigmoid(e, fns):
    """exp(c*u) * sigmoid(-u)**k -> sigmoid(u)**c * sigmoid(-u)**(k - c), 1 <= c <= k."""
    if not isinstance(e, Mul):
        return None
    for f in e.args:
        base, k = f.as_base_exp()
        if not (_is(base, fns.sigmoid.__name__) and k.is_Integer and k > 0):
            continue
        u = -base.args[0]
        for g in e.args:
            c = _multiple(g.args[0], u, int(k)) if isinstance(g, exp) else None
            if c is not None:
                return _without(e, f, g) * fns.sigmoid(u) ** c * base ** (k - c)
    return None


def two_term_ratio(e, fns):
    """exp(c*a) / (exp(a) + exp(b))**k -> sigmoid(a - b)**c / (exp(a) + exp(b))**(k - c):
    a softmax over two terms is a sigmoid (also after max-shifting both)."""
    if not isinstance(e, Mul):
        return None
    for f in e.args:
        base, k = f.as_base_exp()
        if not (isinstance(base, Add) and k.is_Integer and k < 0):
            continue
        terms = _exp_terms(base)
        if terms is None or len(terms) != 2 or any(c != 1 for c, _ in terms):
            continue
        (_, a), (_, b) = terms
        for g in e.args:
            if not isinstance(g, exp):
                continue
            for top, other in ((a, b), (b, a)):
                c = _multiple(g.args[0], top, int(-k)) if top != 0 else None
                if c is not None:
                    return _without(e, f, g) * fns.sigmoid(top - other) ** c * base ** (k + c)
    return None


def sigmoid_cancels(e, fns):
    """(1 + exp(u))**p * sigmoid(-u)**q -> sigmoid(-u)**(q - p) (1/sigmoid(-u) = 1 + exp(u))."""
    if not isinstance(e, Mul):
        return None
    for f in e.args:
        base, p = f.as_base_exp()
        if not (isinstance(base, Add) and p.is_Integer and p > 0):
            continue
        terms = _exp_terms(base)
        if terms is None or not _is_one_plus_exp(terms):
            continue
        u = next(a for _, a in terms if a != 0)
        for g in e.args:
            sig, q = g.as_base_exp()
            if _is(sig, fns.sigmoid.__name__) and sig.args[0] == -u and q.is_Integer and q > 0:
                n = min(int(p), int(q))
                return _without(e, f, g) * base ** (p - n) * sig ** (q - n)
    return None


def sigmoid_complement(e, fns):
    """c*s**k - c*s**(k - 1) -> -c*s**(k - 1)*sigmoid(-u) for s = sigmoid(u): 1 - s, s - s**2, s - 1."""
    if not isinstance(e, Add):
        return None
    for t in e.args:
        for f in Mul.make_args(t):
            base, k = f.as_base_exp()
            if _is(base, fns.sigmoid.__name__) and k.is_Integer and k > 0:
                c = t / f
                partner = -c * base ** (k - 1)
                if partner in e.args and partner != t:
                    rest = [a for a in e.args if a != t and a != partner]
                    return Add(*rest, -c * base ** (k - 1) * fns.sigmoid(-base.args[0]))
    return None


def sigmoid_to_tanh(e, fns):
    """2*c*sigmoid(u) - c -> c*tanh(u/2): no cancellation near u = 0."""
    if not isinstance(e, Add):
        return None
    for t in e.args:
        for f in Mul.make_args(t):
            if _is(f, fns.sigmoid.__name__):
                c = t / f / 2
                if -c in e.args:
                    rest = [a for a in e.args if a != t and a != -c]
                    return Add(*rest, c * sympy.tanh(f.args[0] / 2))
    return None


def distribute_shift(e, fns):
    """exp(s) * (c1*exp(a1) + ...) -> c1*exp(a1 + s) + ...: a sum of exponentials meets the
    factor that scales it (a max-shift first) before anything overflows:
    exp(-z1)*(exp(z1) + exp(z2)) -> 1 + exp(z2 - z1), where inf*0 would be nan."""
    if not isinstance(e, Mul):
        return None
    scales = sorted((f for f in e.args if isinstance(f, exp)), key=lambda f: not f.args[0].has(Max, IndexMax))
    sums = [f for f in e.args if isinstance(f, Add) and _exp_terms(f) is not None]
    if not scales or not sums:
        return None
    shift, total = scales[0], sums[0]
    shifted = Add(*(c * exp(a + shift.args[0]) for c, a in _exp_terms(total)))
    return _without(e, shift, total) * shifted


def merge_exps(e, fns):
    """A max-shift meets the exponentials it scales: exp(a)*exp(-m) -> exp(a - m), and
    exp(a)*exp(b)*exp(-2*m) -> exp(a - m)*exp(b - m) (factors stay separate, so a
    product over two indices still factors into rows for BLAS)."""
    if not isinstance(e, Mul):
        return None
    exps = [f for f in e.args if isinstance(f, exp)]
    shifts = [f for f in exps if f.args[0].has(Max, IndexMax)]
    plain = [f for f in exps if f not in shifts]
    if len(shifts) != 1 or not plain:
        return None
    rest = Mul(*(f for f in e.args if not isinstance(f, exp)))
    shift = shifts[0].args[0]
    share = shift / len(plain)
    if len(plain) > 1 and not any(isinstance(x, Add) for x in Add.make_args(share)):
        return rest * Mul(*(exp(f.args[0] + share) for f in plain))
    return rest * exp(Add(*(f.args[0] for f in exps)))


def log_rules(e, fns):
    """log(sigmoid(u)) -> -softplus(-u); log(exp(a)) -> a; log(exp(a)*r) -> a + log(r);
    log(1 + exp(u)) -> softplus(u); log of a sum of exponentials, max-shifted."""
    if not isinstance(e, log):
        return None
    x = e.args[0]
    if _is(x, fns.sigmoid.__name__):
        return -fns.softplus(-x.args[0])
    if isinstance(x, exp):
        return x.args[0]
    if isinstance(x, Mul):
        exps = [f for f in x.args if isinstance(f, exp)]
        return exps[0].args[0] + log(_without(x, exps[0])) if exps else None
    if isinstance(x, Add):
        terms = _exp_terms(x)
        if terms is None:
            return None
        if _is_one_plus_exp(terms):
            return fns.softplus(next(a for _, a in terms if a != 0))
        return _max_shifted(terms, lambda m, shifted: m + log(shifted))
    if isinstance(x, Sum) and _sum_of_exp(x) is not None:
        M, shifted = _shifted_sum(x)
        return M + log(shifted)
    return None


def inverse_sum_of_exps(e, fns):
    """(c1*exp(a1) + ...)**-k -> exp(-k*m)*(c1*exp(a1 - m) + ...)**-k, m the largest exponent."""
    if not (isinstance(e, Pow) and e.exp.is_negative):
        return None
    x = e.base
    if isinstance(x, Sum) and _sum_of_exp(x) is not None:
        M, shifted = _shifted_sum(x)
        return exp(e.exp * M) * shifted ** e.exp
    terms = _exp_terms(x) if isinstance(x, Add) else None
    if terms is None or _is_one_plus_exp(terms):
        return None  # 1/(1 + exp(u)) is a sigmoid (above)
    return _max_shifted(terms, lambda m, shifted: exp(e.exp * m) * shifted ** e.exp)


def softplus_minus_argument(e, fns):
    """softplus(u) - u -> softplus(-u) (log(1 + e^u) - u = log(1 + e^-u), without cancellation)."""
    if not isinstance(e, Add):
        return None
    for t in e.args:
        if _is(t, fns.softplus.__name__):
            rest = e - t
            shorter = sympy.expand(rest + t.args[0])
            if shorter == 0 or len(Add.make_args(shorter)) < len(Add.make_args(rest)):
                return fns.softplus(-t.args[0]) + shorter
    return None


def x_log_x(e, fns):
    """x*log(x) -> xlogy(x, x) (x**k*log(x) -> x**(k - 1)*xlogy(x, x)); x*(a*log(x) + b*log(y) + r) ->
    a*xlogy(x, x) + b*xlogy(x, y) + x*r: finite where x is 0 (as written, 0*log(0) = nan)."""
    if not isinstance(e, Mul):
        return None
    for f in e.args:
        x, k = f.as_base_exp()
        if x.is_number or not (k.is_Integer and k > 0):
            continue
        if log(x) in e.args:
            return _without(e, f, log(x)) * x ** (k - 1) * xlogy(x, x)
        for total in e.args:
            if k == 1 and isinstance(total, Add) and any(log(x) in Mul.make_args(t) for t in total.args):
                return _without(e, f, total) * Add(*(_times_x(t, x) for t in total.args))
    return None


def _times_x(term, x):
    """x*term, its log (if it has one) taken into xlogy(x, .)."""
    logs = [g for g in Mul.make_args(term) if isinstance(g, log)]
    return _without(term, logs[0]) * xlogy(x, logs[0].args[0]) if logs else x * term


def _multiple(a, u, kmax):
    """c in 1..kmax with a == c*u, else None."""
    for c in range(1, kmax + 1):
        if a == c * u or sympy.expand(a - c * u) == 0:
            return c
    return None


def _is_one_plus_exp(terms):
    return len(terms) == 2 and sorted((c, a == 0) for c, a in terms) == [(1, False), (1, True)]


def _max_shifted(terms, build):
    """build(m, sum c*exp(a - m)) with m = max of the exponents; None if already shifted."""
    if any(a.has(Max, IndexMax) for _, a in terms):
        return None
    m = ShiftMax(*(a for _, a in terms))
    return build(m, Add(*(c * exp(a - m) for c, a in terms)))


def _sum_of_exp(s):
    """The exponential of a Sum whose body is (factors) * exp(u), unless already shifted."""
    exps = [f for f in Mul.make_args(s.function) if isinstance(f, exp)]
    return exps[0] if len(exps) == 1 and not exps[0].has(IndexMax) else None


def _shifted_sum(s):
    """(M, sum(... exp(u - M))) with M = max of u over the sum's range."""
    e = _sum_of_exp(s)
    M = IndexMax(e.args[0], *s.limits)
    return M, Sum(_without(s.function, e) * exp(e.args[0] - M), *s.limits)


RULES = (
    one_over_one_plus_exp,
    two_term_ratio,
    exp_times_sigmoid,
    sigmoid_cancels,
    sigmoid_complement,
    sigmoid_to_tanh,
    merge_exps,
    distribute_shift,
    log_rules,
    inverse_sum_of_exps,
    softplus_minus_argument,
    x_log_x,
)

__all__ = ["RULES", "IndexMax", "stable", "xlogy"]
