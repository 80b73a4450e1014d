"""From the derived (index-notation) updates to numbers, at the model's sizes.

* The closed forms are rewritten in sufficient statistics: every sum over
  rows becomes ``sum_i r[i, k] T(x_i)`` with T a function of the data alone
  (`pull_out` with every parameter as a target), each distinct T gets a slot
  m in the statistics array S[k, m]; sums over coordinates and categories are
  written out at the concrete d and C.
* Each M-step update becomes a NumPy kernel (`codegen.kernel`) of the
  statistics and the parameters it reads, vectorized over components.
* The E-step kernel (kernels.py) computes the same statistics in one pass.
* The log prior becomes a NumPy kernel too (per component where it can).

The numeric pieces never see user text: they are printed from SymPy.
"""

import itertools

import numpy as np
import sympy
from sympy import Indexed, Mul, Sum, Symbol

import codegen

from ...errors import DeriveError, LimitError
from ..derivation.generalized_em import newton_ascent
from ..derivation.separate import pull_out
from ..symbols import C, K, N, d, i, k, r, x
from .kernels import KernelSpec, kernel_modules

MAX_FULL_DIM = 12
MAX_VECTOR_DIM = 64
MAX_CATEGORIES = 64

N_SYMBOL = Symbol("N_rows")


class Program:
    """The numeric E-step kernel and M-step of an `Updates`, at the model's sizes."""

    def __init__(self, updates):
        model = updates.model
        self.model, self.updates = model, updates
        self._check_sizes(model)
        self.width = model.dim if model.vector else 1
        self.data = [Symbol(f"x{c}") for c in range(self.width)]
        self.sizes = {K: sympy.Integer(model.k), d: sympy.Integer(model.dim if model.vector else 1),
                      C: sympy.Integer(model.categories or 1), N: N_SYMBOL}
        self.labels = {p.base.label for p in model.all_params}
        self.stats = [sympy.S.One]  # T_0 = 1: sum_i r[i, k]
        self.columns = {}  # column symbol -> (param name, entry index after k)
        self.steps = [self._compile_step(s) for s in updates.steps]
        self.log_prior_terms = self._compile_log_prior()
        self.spec = self._kernel_spec()
        self.module, self.numpy_module = kernel_modules(self.spec)

    def kernels(self, backend):
        """The row-range functions of one backend: "numba" (compiled, SIMD) or "numpy" (no compilation)."""
        return Kernels(self, backend)

    @staticmethod
    def _check_sizes(model):
        if model.cov == "full" and model.dim > MAX_FULL_DIM:
            raise LimitError(f"full covariances are generated unrolled up to d = {MAX_FULL_DIM}; "
                             f"got d = {model.dim} (use cov='diag' or reduce the dimension)")
        if model.vector and model.dim > MAX_VECTOR_DIM:
            raise LimitError(f"the generated kernels handle up to {MAX_VECTOR_DIM} coordinates; got {model.dim}")
        if (model.categories or 0) > MAX_CATEGORIES:
            raise LimitError(f"the generated kernels handle up to {MAX_CATEGORIES} categories; got {model.categories}")

    # -- instantiation --------------------------------------------------------
    def concrete(self, expr, at=None):
        """`expr` at the model's sizes: statistics as S<m> symbols, parameters as column symbols
        (component k left free: each symbol stands for an array over components)."""
        expr = expr.xreplace(self.sizes)
        if at:
            expr = expr.xreplace(at)
        expr = pull_out(self._unroll(expr), self.labels)  # coordinates written out, then separated
        return self._symbols(expr)

    def _unroll(self, expr):
        if isinstance(expr, Sum):
            if expr.limits[0][0] == i:  # a sum over rows: a statistic
                return expr.func(self._unroll(expr.function), *expr.limits)
            body = self._unroll(expr.function)
            for index, lo, hi in expr.limits:
                body = sympy.Add(*(body.xreplace({index: sympy.Integer(t)}) for t in range(int(lo), int(hi) + 1)))
            return self._unroll(body) if body.has(Sum) else body
        if expr.args and not expr.is_Atom and not isinstance(expr, Indexed):
            return expr.func(*(self._unroll(a) for a in expr.args))
        return expr

    def _symbols(self, expr):
        replaced = {}
        for s in expr.atoms(Sum):
            replaced[s] = self._statistic(s)
        expr = expr.xreplace(replaced)
        replaced = {e: self._element(e) for e in expr.atoms(Indexed)}
        replaced.update({s: _number(v) for s, v in self.model.hyper.items() if isinstance(s, Symbol)})
        return expr.xreplace(replaced)

    def _statistic(self, s):
        body = s.function
        factors = Mul.make_args(body)
        weights = [f for f in factors if isinstance(f, Indexed) and f.base == r]
        if len(weights) != 1 or weights[0].indices != (i, k) or len(s.limits) != 1:
            raise DeriveError(f"cannot compute {s} from one pass of responsibility-weighted sums")
        T = Mul(*(f for f in factors if f is not weights[0]))
        T = T.xreplace({e: self._datum(e) for e in T.atoms(Indexed)})
        if T.free_symbols - set(self.data):
            raise DeriveError(f"the statistic {s} depends on more than the data")
        if T not in self.stats:
            self.stats.append(T)
        return Symbol(f"S{self.stats.index(T)}")

    def _datum(self, e):
        if e.base.label.name != x.label.name:
            raise DeriveError(f"{e} inside a sum over rows is not data")
        column = int(e.indices[1]) if len(e.indices) > 1 else 0
        return self.data[column]

    def _element(self, e):
        if e.base.label.name == x.label.name:  # the data of row i (in the log density)
            return self._datum(e)
        for p in self.model.all_params:
            if e.base.label == p.base.label:
                rest = tuple(int(v) for v in e.indices[1:])
                sym = Symbol(f"{p.symbol}_" + "_".join(map(str, rest)) if rest else p.symbol)
                self.columns[sym] = (p.name, rest)
                return sym
        for key, value in self.model.hyper.items():
            if getattr(key, "label", None) == e.base.label:
                idx = tuple(int(v) for v in e.indices)
                return _number(np.asarray(value, dtype=float)[idx])
        raise DeriveError(f"cannot evaluate {e} numerically")

    # -- the M-step -----------------------------------------------------------
    def _compile_step(self, step):
        p = step.param
        shape = p.shape(self.sizes_numeric)[1:]
        entries = list(itertools.product(*(range(n) for n in shape)))
        if step.kind == "generalized EM":
            return GEMUpdate(self, step, entries)
        exprs = [self.concrete(step.equation.rhs, dict(zip(p.axes[1:], idx))) for idx in entries]
        return ClosedUpdate(self, p, shape, exprs)

    @property
    def sizes_numeric(self):
        return {K: self.model.k, d: self.model.dim if self.model.vector else 1, C: self.model.categories or 1}

    def m_step(self, S, params, rows):
        """New parameters from the statistics S (K, M) and the current ones (a dict, NumPy)."""
        params = dict(params)
        info = {}
        for update in self.steps:
            params[update.name], note = update(S, params, rows)
            if note:
                info[update.name] = note
        return params, info

    # -- the log prior --------------------------------------------------------
    def _compile_log_prior(self):
        if self.model.numeric_log_prior is not None:
            return None
        terms = []
        for term in sympy.Add.make_args(pull_out(self.model.log_prior, set())):
            if term == 0:
                continue
            sums = [f for f in Mul.make_args(term) if isinstance(f, Sum) and k in {lim[0] for lim in f.limits}]
            if len(sums) == 1:  # coeff * sum_k body: evaluate the body per component, then add up
                s = sums[0]
                coeff = Mul(*(f for f in Mul.make_args(term) if f is not s))
                inner = [lim for lim in s.limits if lim[0] != k]
                body = Sum(s.function, *inner) if inner else s.function
                terms.append(("per component", self.concrete(coeff * body)))
            else:
                terms.append(("whole", self.concrete(term)))
        return [(kind, _Evaluator(expr, self)) for kind, expr in terms]

    def log_prior(self, params):
        if self.model.numeric_log_prior is not None:
            return float(self.model.numeric_log_prior(params))
        total = 0.0
        for kind, ev in self.log_prior_terms:
            value = ev(params)
            if kind == "per component":  # a term without parameters is the same for every component
                total += float(np.sum(np.broadcast_to(np.ravel(value), (self.model.k,))))
            else:
                total += float(np.ravel(value)[0])
        return total

    # -- the E-step kernel ------------------------------------------------------
    def _kernel_spec(self):
        model = self.model
        elements, arrays = {}, {}
        if model.kernel_form is not None:
            form = model.kernel_form
            for name, ndim in form.arrays.items():
                arrays["a_" + name] = ndim

            def element(name, idx):
                sym = Symbol(f"e_{name}_" + "_".join(map(str, idx)) if idx else f"e_{name}")
                elements[sym] = ("a_" + name, idx)
                return sym

            ell = form.expression(model.dim, self.data, element)
        else:
            ell = self.concrete(model.log_density)
            for sym, (name, idx) in list(self.columns.items()):
                if sym in ell.free_symbols:
                    p = model.param(name)
                    array = "a_" + p.symbol
                    arrays[array] = len(p.axes) - 1
                    new = Symbol(f"e_{sym.name}")
                    elements[new] = (array, idx)
                    ell = ell.xreplace({sym: new})
        return KernelSpec(self.data, arrays, elements, ell, list(self.stats),
                          seed_metric="codes" if model.data == "codes" else "euclidean",
                          name=model.describe())

    def kernel_arrays(self, params):
        """The per-component arrays the kernel reads, in its argument order."""
        if self.model.kernel_form is not None:
            found = self.model.kernel_form.arrays_from(params)
            values = {"a_" + n: v for n, v in found.items()}
        else:
            values = {"a_" + p.symbol: params[p.name] for p in self.model.params}
        return [np.ascontiguousarray(values[name], dtype=float) for name in self.spec.arrays]


class Kernels:
    """hoist / stats_range / resp_range / seed_range of one backend, with the same signatures."""

    def __init__(self, program, backend):
        if backend not in ("numba", "numpy"):
            raise DeriveError(f"backend must be 'numba', 'numpy' or 'auto', got {backend!r}")
        self.backend = backend
        if backend == "numba":
            m = program.module
            self.hoist, self.seed_range = m.hoist, m.seed_range
            self.stats_range, self.resp_range = m.stats_range, m.resp_range
        else:
            m = program.numpy_module
            self.hoist, self.seed_range = m.hoist_np, m.seed_np
            self.stats_range, self.resp_range = m.stats_np, m.resp_np


def _number(value):
    value = float(value)
    return sympy.Integer(int(value)) if value.is_integer() and abs(value) < 2**53 else sympy.Float(value)


class _Evaluator:
    """A NumPy kernel of statistics and parameter columns, vectorized over components."""

    def __init__(self, exprs, program):
        single = not isinstance(exprs, (list, tuple))
        self.exprs = [exprs] if single else list(exprs)
        used = set().union(*(e.free_symbols for e in self.exprs)) if self.exprs else set()
        self.stat_args = sorted((s for s in used if s.name.startswith("S") and s.name[1:].isdigit()),
                                key=lambda s: int(s.name[1:]))
        self.col_args = sorted((s for s in used if s in program.columns), key=lambda s: s.name)
        self.columns = {s: program.columns[s] for s in self.col_args}
        self.uses_rows = N_SYMBOL in used
        self.extra = sorted(used - set(self.stat_args) - set(self.col_args) - {N_SYMBOL}, key=lambda s: s.name)
        args = self.stat_args + self.col_args + ([N_SYMBOL] if self.uses_rows else []) + self.extra
        if not args:
            args = [Symbol("unused")]
            self.placeholder = True
        else:
            self.placeholder = False
        self.kernel = codegen.kernel(self.exprs if len(self.exprs) > 1 else self.exprs[0], args, backend="numpy")

    def __call__(self, params, S=None, rows=None, extra=()):
        values = [S[:, int(s.name[1:])] for s in self.stat_args]
        for s in self.col_args:
            name, idx = self.columns[s]
            a = np.asarray(params[name], dtype=float)
            values.append(a[(slice(None),) + idx])
        if self.uses_rows:
            values.append(float(rows))
        values += list(extra)
        if self.placeholder:
            values = [0.0]
        with np.errstate(all="ignore"):
            return self.kernel(*values)


class ClosedUpdate:
    """param = closed form(statistics, other parameters), every entry at once."""

    def __init__(self, program, param, shape, exprs):
        self.name, self.param, self.shape = param.name, param, shape
        self.evaluator = _Evaluator(exprs, program)
        self.K = program.model.k

    def __call__(self, S, params, rows):
        out = np.asarray(self.evaluator(params, S, rows), dtype=float)
        return out.reshape((self.K,) + self.shape), ""


class GEMUpdate:
    """param improved by Newton steps with backtracking on the derived objective, gradient and Hessian."""

    def __init__(self, program, step, entries):
        p = step.param
        self.name, self.param = p.name, p
        self.shape = p.shape(program.sizes_numeric)[1:]
        self.u = Symbol("u_current")
        gem = step.gem
        self.evaluators = []
        for idx in entries:
            at = dict(zip(p.axes[1:], idx))
            target_at = {a: b for a, b in zip(p.target.indices[1:], idx)}
            pieces = []
            for expr in (gem.objective_index, gem.gradient_index, gem.hessian_index):
                e = expr.xreplace({p.target.indices[0]: k, **target_at})
                pieces.append(program.concrete(e, at))
            # the element itself is the unknown: its column symbol -> u
            own = [s for s, (name, rest) in program.columns.items() if name == p.name and rest == idx]
            pieces = [e.xreplace({s: self.u for s in own}) for e in pieces]
            self.evaluators.append(_Evaluator(pieces, program))
        self.feasible = {"positive": lambda v: np.isfinite(v) & (v > 0),
                         "unit": lambda v: np.isfinite(v) & (v > 0) & (v < 1)}.get(
            p.constraint, lambda v: np.isfinite(v))
        self.K = program.model.k

    def __call__(self, S, params, rows):
        current = np.array(params[self.name], dtype=float).reshape(self.K, -1)
        out = current.copy()
        moved = 0
        for e, ev in enumerate(self.evaluators):
            def parts(u, ev=ev):
                return np.asarray(ev(params, S, rows, extra=(u,)), dtype=float)

            u, accepted = newton_ascent(current[:, e], lambda u: parts(u)[..., 0], lambda u: parts(u)[..., 1],
                                        lambda u: parts(u)[..., 2], self.feasible)
            out[:, e] = u
            moved += accepted
        return out.reshape((self.K,) + self.shape), f"{moved} accepted Newton/gradient steps"


__all__ = ["Kernels", "Program"]
