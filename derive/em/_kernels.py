"""The fused E-step + sufficient-statistics kernel, generated from the derived expressions.

One pass over the data computes, for every row, the log joint
log w[k] + ell(x_i; theta_k) of every component, the log-sum-exp (the row's
log-likelihood) and the responsibilities, and adds r[i, k] T_m(x_i) into the
statistics the M-step needs (T_0 = 1, x, x x^T, log x, ... whatever the
derived closed forms sum).  Responsibilities are never stored unless asked for.

Layout, chosen so the compiler vectorizes across rows (lanes = rows):

* rows are processed in blocks of `BLOCK`; the data columns and the per-row
  subexpressions of ell and of the statistics (log Gamma(x + 1), x_0 x_1,
  [x = c]) are computed once per row into block buffers;
* subexpressions that depend only on a component's parameters (log lam,
  1 / (2 sigma2)) are computed once per component per call ("hoisted");
* the log joint of each component is one loop over the block; the exp is a
  polynomial with exact range reduction (within 2 ulp of libm, and SIMD-able,
  which libm's exp is not without SVML); the statistics are dot products over
  the block;
* the functions work on a range of rows and release the GIL, so the caller
  runs chunks of rows on a thread pool (private statistics per chunk, added
  at the end) and Dask runs the same function on each of its chunks; no
  Numba parallel region, which keeps compilation short and lets several
  threads call the kernel at once.

A product of a data factor and the log of a parameter (x log lam) is 0 where
the data factor is 0, even if lam = 0 (0 log 0 = 0), so an empty coordinate
never turns into NaN.  NaN log densities are counted and reported; a row with
zero probability under every component gives a log-likelihood of -inf, and
the caller names the row.
"""

import textwrap
from dataclasses import dataclass, field

import sympy
from sympy import Add, Eq, KroneckerDelta, Mul, Piecewise, Symbol, log

from codegen.cache import load_module
from codegen.printers import SCALAR_HELPERS, ScalarPrinter

BLOCK = 256
MAX_UNROLLED_STATS = 24
FASTMATH = '{"reassoc", "contract", "arcp", "nsz"}'
JIT = f'@numba.njit(cache=True, fastmath={FASTMATH}, nogil=True, error_model="numpy")'


class KernelPrinter(ScalarPrinter):
    """Scalar Numba code, plus Kronecker deltas of data codes."""

    def _print_KroneckerDelta(self, expr):
        a, b = (self._print(v) for v in expr.args)
        return f"(1.0 if {a} == {b} else 0.0)"

    def _print_Equality(self, expr):
        return f"({self._print(expr.lhs)} == {self._print(expr.rhs)})"


@dataclass
class KernelSpec:
    """What the generator needs, all at concrete sizes.

    ``data``: the symbols of the data columns (x0, x1, ...); ``arrays``: the
    per-component arrays the kernel receives, name -> number of axes after
    the component axis; ``elements``: symbol -> (array name, index) for each
    array entry the expressions use (for component k: array[k, index]);
    ``log_density``: ell in data symbols and element symbols; ``stats``: the
    data-only expressions T_m; ``codes``: the data are integer codes.
    """

    data: list
    arrays: dict
    elements: dict
    log_density: sympy.Expr
    stats: list
    seed_metric: str = "euclidean"  # "codes" for categorical data: distance 0 if equal else 1
    name: str = "em"
    hoisted: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# splitting the log density: per component, per row, per (row, component)


def zero_log_zero(expr, data):
    """x log u -> (0 if x == 0 else x log u): a data factor zero makes the term zero, even at u = 0."""
    def rule(term):
        factors = Mul.make_args(term)
        logs = [f for f in factors if isinstance(f, log) and not (f.free_symbols & data)]
        rest = Mul(*(f for f in factors if f not in logs))
        if logs and rest.free_symbols & data and not (rest.free_symbols - data - _numbers(rest)):
            return Piecewise((sympy.S.Zero, Eq(rest, 0)), (term, True))
        return term

    expr = sympy.expand(expr, deep=False, mul=True, multinomial=False, power_exp=False, power_base=False,
                        log=False)
    return Add(*(rule(t) for t in Add.make_args(expr)))


def _numbers(e):
    return set()


class _Hoister:
    """Maximal subexpressions free of the data go to per-component temps, free of the
    parameters to per-row temps (`spec.hoisted`, `spec.rows`); returns the residual."""

    def __init__(self, data, elements):
        self.data, self.elements = set(data), set(elements)
        self.hoisted, self.rows = {}, {}

    def split(self, e):
        syms = e.free_symbols
        if e.is_Atom:
            return e
        if not syms & self.data:
            return self._temp(self.hoisted, "h", e)
        if not syms & self.elements:
            return self._temp(self.rows, "q", e)
        if isinstance(e, (Add, Mul)):
            groups = {"h": [], "q": [], "mixed": []}
            for a in e.args:
                s = a.free_symbols
                groups["h" if not s & self.data else "q" if not s & self.elements else "mixed"].append(a)
            parts = [self.split(a) for a in groups["mixed"]]
            if groups["h"]:
                parts.append(self.split(e.func(*groups["h"])))
            if groups["q"]:
                parts.append(self.split(e.func(*groups["q"])))
            return e.func(*parts)
        if isinstance(e, Piecewise):
            return Piecewise(*[(self.split(p.expr), self._cond(p.cond)) for p in e.args])
        return e.func(*(self.split(a) for a in e.args))

    def _cond(self, cond):
        if cond in (sympy.true, sympy.false):
            return cond
        return cond.func(*(self.split(a) for a in cond.args))

    def _temp(self, table, prefix, e):
        if e.is_Atom:
            return e
        for sym, value in table.items():
            if value == e:
                return sym
        sym = Symbol(f"_{prefix}{len(table)}")
        table[sym] = e
        return sym


# ---------------------------------------------------------------------------


def kernel_module(spec):
    """Generate, write and import the kernel module for `spec` (cached on disk by its source)."""
    return load_module(kernel_source(spec))


def kernel_source(spec):
    data = list(spec.data)
    data_set = set(data)
    ell = zero_log_zero(spec.log_density, data_set)
    hoist = _Hoister(data, spec.elements)
    residual = hoist.split(ell)
    stats_rows = []
    for t in spec.stats:
        if t == 1 or t in data_set:
            stats_rows.append(t)
        else:
            stats_rows.append(hoist._temp(hoist.rows, "q", t))
    printer = KernelPrinter()
    arrays = list(spec.arrays)
    M = len(spec.stats)

    # elements used per place
    def loads(exprs, indent):
        used = set().union(*(e.free_symbols for e in exprs)) & set(spec.elements)
        lines = []
        for sym in sorted(used, key=lambda s: s.name):
            name, idx = spec.elements[sym]
            lines.append(f"{indent}{sym.name} = {name}[k{''.join(', ' + str(v) for v in idx)}]")
        return lines

    hoisted_items = list(hoist.hoisted.items())
    row_items = list(hoist.rows.items())
    temps, (res,) = sympy.cse([residual], symbols=sympy.numbered_symbols("_c"), order="none")
    H = len(hoisted_items)
    Q = len(row_items)
    args = ", ".join(arrays)
    args_c = (args + ", ") if args else ""

    lines = []
    # per-component hoisted temps
    lines += [JIT,
              f"def hoist({args_c}K):",
              f"    H = numpy.empty((K, {max(H, 1)}))",
              "    for k in range(K):"]
    lines += loads([v for _, v in hoisted_items], " " * 8)
    for n, (sym, value) in enumerate(hoisted_items):
        lines.append(f"        H[k, {n}] = {printer.doprint(value)}")
    lines += ["    return H", "", ""]

    # the data block: columns and per-row temps
    def block_fill(indent):
        out = [f"{indent}for t in range(nb):"]
        for c, sym in enumerate(data):
            out.append(f"{indent}    {sym.name} = X[b0 + t, {c}] - shift[{c}]")
            out.append(f"{indent}    B_{sym.name}[t] = {sym.name}")
        for sym, value in row_items:
            out.append(f"{indent}    B{sym.name}[t] = {printer.doprint(value)}")
        return out

    def buffers(indent):
        out = [f"{indent}B_{s.name} = numpy.empty({BLOCK})" for s in data]
        out += [f"{indent}B{s.name} = numpy.empty({BLOCK})" for s, _ in row_items]
        return out

    def log_joint(indent):
        """lp[k, t] = log w[k] + ell for the block; counts NaNs."""
        out = [f"{indent}for k in range(K):", f"{indent}    lwk = logw[k]"]
        out += loads([res] + [v for _, v in temps], indent + "    ")
        used_h = sorted({s for s in ([res] + [v for _, v in temps]) for s in s.free_symbols} & set(hoist.hoisted),
                        key=lambda s: int(s.name[2:]))
        for s in used_h:
            out.append(f"{indent}    {s.name} = H[k, {int(s.name[2:])}]")
        out.append(f"{indent}    for t in range(nb):")
        for s in data:
            out.append(f"{indent}        {s.name} = B_{s.name}[t]")
        used_q = {s for e in [res] + [v for _, v in temps] for s in e.free_symbols} & set(hoist.rows)
        for s in sorted(used_q, key=lambda s: s.name):
            out.append(f"{indent}        {s.name} = B{s.name}[t]")
        for sym, value in temps:
            out.append(f"{indent}        {sym.name} = {printer.doprint(value)}")
        out.append(f"{indent}        v = lwk + {printer.doprint(res)}")
        out.append(f"{indent}        nans += v != v")
        out.append(f"{indent}        lp[k, t] = v")
        return out

    normalize = textwrap.indent(_NORMALIZE, " " * 8).rstrip().split("\n")

    def stat_code(T):
        if T == 1:
            return "1.0"
        if T in data_set:
            return f"B_{T.name}[t]"
        return f"B{T.name}[t]"

    def accumulate(indent):
        out = [f"{indent}for k in range(K):"]
        if M <= MAX_UNROLLED_STATS:
            out += [f"{indent}    a{m} = 0.0" for m in range(M)]
            out.append(f"{indent}    for t in range(nb):")
            out.append(f"{indent}        rr = lp[k, t] * s[t]")
            for m, T in enumerate(stats_rows):
                out.append(f"{indent}        a{m} += rr" + ("" if T == 1 else f" * {stat_code(T)}"))
            out += [f"{indent}    acc[k, {m}] += a{m}" for m in range(M)]
        else:
            out.append(f"{indent}    for t in range(nb):")
            out.append(f"{indent}        rb[t] = lp[k, t] * s[t]")
            for m, T in enumerate(stats_rows):
                out.append(f"{indent}    a = 0.0")
                out.append(f"{indent}    for t in range(nb):")
                out.append(f"{indent}        a += rb[t]" + ("" if T == 1 else f" * {stat_code(T)}"))
                out.append(f"{indent}    acc[k, {m}] += a")
        return out

    common_head = ["    K = logw.shape[0]",
                   f"    lp = numpy.empty((K, {BLOCK}))",
                   f"    mx = numpy.empty({BLOCK})",
                   f"    s = numpy.empty({BLOCK})",
                   f"    rb = numpy.empty({BLOCK})",
                   f"    nbits = numpy.empty({BLOCK}, numpy.int64)",
                   f"    nbits2 = numpy.empty({BLOCK}, numpy.int64)",
                   "    fb = nbits.view(numpy.float64)",
                   "    fb2 = nbits2.view(numpy.float64)",
                   "    ll = 0.0",
                   "    nans = 0"] + buffers("    ")

    # statistics over rows lo..hi
    lines += [JIT,
              f"def stats_range(X, lo, hi, shift, logw, H, {args_c}acc):",
              '    """Add r[i, k] T_m(x_i) for rows lo..hi-1 into acc[k, m]; return (sum of log-likelihoods, NaN count)."""']
    lines += common_head
    lines += [f"    for b0 in range(lo, hi, {BLOCK}):", f"        nb = min({BLOCK}, hi - b0)"]
    lines += block_fill(" " * 8)
    lines += log_joint(" " * 8)
    lines += normalize
    lines += accumulate(" " * 8)
    lines += ["    return ll, nans", "", ""]

    # responsibilities and per-row log-likelihoods over rows lo..hi
    lines += [JIT,
              f"def resp_range(X, lo, hi, shift, logw, H, {args_c}R, rowll):",
              '    """Write r[i, k] into R[i - lo, k] and log p(x_i) into rowll[i - lo]; return the NaN count."""']
    lines += common_head
    lines += [f"    for b0 in range(lo, hi, {BLOCK}):", f"        nb = min({BLOCK}, hi - b0)"]
    lines += block_fill(" " * 8)
    lines += log_joint(" " * 8)
    lines += normalize
    lines += ["        for t in range(nb):",
              "            rowll[b0 - lo + t] = mx[t] + math.log(1.0 / s[t])",
              "        for k in range(K):",
              "            for t in range(nb):",
              "                R[b0 - lo + t, k] = lp[k, t] * s[t]",
              "    return nans", "", ""]

    # initialisation: statistics of a soft assignment to the nearest seed
    metric = ("(0.0 if B_{0}[t] == centers[k, 0] else 1.0)".format(data[0].name) if spec.seed_metric == "codes"
              else " + ".join(f"(B_{s.name}[t] - centers[k, {c}]) ** 2" for c, s in enumerate(data)))
    lines += [JIT,
              "def seed_range(X, lo, hi, shift, centers, soft, acc):",
              '    """Statistics of r[i, k] = (1 - soft) [k nearest seed] + soft / K for rows lo..hi-1."""',
              "    K = centers.shape[0]",
              f"    lp = numpy.empty((K, {BLOCK}))",
              f"    s = numpy.empty({BLOCK})",
              f"    rb = numpy.empty({BLOCK})",
              "    nans = 0"] + buffers("    ")
    lines += [f"    for b0 in range(lo, hi, {BLOCK}):", f"        nb = min({BLOCK}, hi - b0)"]
    lines += block_fill(" " * 8)
    lines += ["        for t in range(nb):",
              "            best = 0",
              "            bestd = numpy.inf",
              "            for k in range(K):",
              f"                dist = {metric}",
              "                if dist < bestd:",
              "                    best = k",
              "                    bestd = dist",
              "            for k in range(K):",
              "                lp[k, t] = soft / K + (1.0 - soft if k == best else 0.0)",
              "            s[t] = 1.0"]
    lines += accumulate(" " * 8)
    lines += ["    return nans", "", ""]

    head = (f'"""Generated by derive.em: the fused E-step + sufficient-statistics kernel ({spec.name}).\n\n'
            f"ell = {str(spec.log_density)[:400]}\n"
            f"statistics: {', '.join(str(t) for t in spec.stats)[:400]}\n"
            f'"""\n\nimport math\n\nimport numba\nimport numpy\n\n'
            f"ARRAYS = {tuple(arrays)!r}\nNSTATS = {M}\n\n")
    body = "\n".join(lines)
    helpers = ("\n" + SCALAR_HELPERS + "\n\n") if ("_digamma(" in body or "_trigamma(" in body) else ""
    return head + helpers + body + "\n"


# max over components, exp (exact range reduction + polynomial, SIMD-able), sum,
# log-likelihood and 1/sum, for the block in lp[k, t]
_NORMALIZE = """\
for t in range(nb):
    mx[t] = lp[0, t]
for k in range(1, K):
    for t in range(nb):
        mx[t] = max(mx[t], lp[k, t])
for t in range(nb):
    s[t] = 0.0
    if not mx[t] > -numpy.inf:
        mx[t] = 0.0
for k in range(K):
    for t in range(nb):
        z = lp[k, t] - mx[t]
        z = z if z > -746.0 else -746.0
        n = math.floor(z * 1.4426950408889634 + 0.5)
        rr = (z - n * 0.693145751953125) - n * 1.42860682030941723212e-06
        p = 1.0 + rr * (1.0 + rr * (0.5 + rr * (1.0 / 6 + rr * (1.0 / 24 + rr * (1.0 / 120 + rr * (1.0 / 720 + rr * (
            1.0 / 5040 + rr * (1.0 / 40320 + rr * (1.0 / 362880 + rr * (1.0 / 3628800 + rr * (1.0 / 39916800 + rr * (
                1.0 / 479001600 + rr / 6227020800))))))))))))
        ni = numpy.int64(n)
        n1 = ni >> 1
        nbits[t] = (n1 + 1023) << 52
        nbits2[t] = (ni - n1 + 1023) << 52
        lp[k, t] = p
    for t in range(nb):
        e = lp[k, t] * fb[t] * fb2[t]
        lp[k, t] = e
        s[t] += e
for g0 in range(0, nb, 64):  # each s[t] is in [1, K]: a product of 64 stays finite for K <= 1000
    prod = 1.0
    for t in range(g0, min(g0 + 64, nb)):
        ll += mx[t]
        prod *= s[t]
        s[t] = 1.0 / s[t]
    ll += math.log(prod)
"""
