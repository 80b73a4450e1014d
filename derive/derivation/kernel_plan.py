"""What a derivation becomes in a kernel (`_Plan`): f, the variable, the notation, the arguments
in the gradient kernel's order, the direction's fresh name, and the derivations every kind compiles
(the value's form, the gradient, the Hessian with its index pairs and sizes).
"""

import sympy
from sympy import Indexed, IndexedBase, MatrixSymbol, Sum, Symbol

import codegen

from ..calculus.sums import has_index_sums
from ..calculus.variables import Problem
from ..errors import DeriveError
from ..text.namespace import Namespace
from ..text.printing import to_text
from ..text.ranges import axis_sizes
from .linalg_kernels import loop_kernel
from .loop_form import _K, _free, _rolled, index_form, loop_arguments
from .notation import to_index
from .sample_kernel import SampleKernel


class _Plan:
    """The facts about `d` that every kind needs: f, the variable, the notation, the
    signature, and the derivations (gradient, Hessian) the kinds compile."""

    def __init__(self, d):
        self.d, self.f, self.wrt = d, d.f, tuple(d.wrt)
        self.notation = "sample" if d.notation == "components" and has_index_sums(d.f) else d.notation
        self.loops = self.notation != "components"
        if self.notation == "components":
            result_symbols = d.result.free_symbols if hasattr(d.result, "free_symbols") else set()
            others = sorted((s for s in result_symbols | _free(d.f) if isinstance(s, Symbol)
                             and s not in self.wrt and not s.is_integer), key=lambda s: s.name)
            self.arg_symbols = list(self.variables()) + others
            self.arg_names = tuple(s.name for s in self.arg_symbols)
        else:
            self._value_expr = self._value_form()
            self.args = loop_kernel_args(self.f)
            self.arg_names = tuple(str(getattr(a, "label", a)) for a in self.args)
        self.direction_name = _fresh_name("v", _names(self.f) | set(self.arg_names))

    # -- the variable -----------------------------------------------------

    def variables(self):
        """The variable(s) f is differentiated by (of a Hessian's pair in matrix or index
        notation, the first)."""
        return self.wrt[:1] if self.d.kind == "hessian" and self.notation in ("matrix", "index") else self.wrt

    @property
    def variable(self):
        return self.variables()[0]

    @property
    def variable_name(self):
        v = self.variable
        return str(v.base.label) if isinstance(v, Indexed) else v.name

    @property
    def variable_shape_text(self):
        if self.notation in ("components", "sample"):
            return f"of length {len(self.wrt)}"
        return f"shaped like {self.variable_name}"

    def require_scalar(self, what):
        if self.d.kind == "jacobian":
            raise DeriveError(f"{what} needs a scalar f; this derivation is the Jacobian of a vector function")
        if self.notation in ("matrix", "index") and self.d.kind == "grad" and len(self.wrt) > 1:
            raise DeriveError(f"{what} takes one variable at a time; differentiate by one of "
                              f"{', '.join(to_text(w) for w in self.wrt)}")

    # -- value ------------------------------------------------------------

    def _value_form(self):
        """(index expression, outputs, ranges) of f: a scalar, or F's entries for a vector F."""
        f = self.f
        if isinstance(f, sympy.MatrixExpr) and f.shape != (1, 1):
            rows, cols = f.shape
            if cols != 1:
                raise DeriveError("a value kernel of a matrix-valued F is not available; write one column")
            return to_index(_rolled(f), [_K]), (_K,), (rows,)
        return f, (), None

    def value(self, directory=None):
        if not self.loops:
            return codegen.kernel(self.f, self.arg_symbols, directory=directory)
        expr, outputs, ranges = self._value_expr
        return loop_kernel(self.f, expr, outputs, ranges, directory)

    # -- gradient ---------------------------------------------------------

    def gradient(self):
        """The gradient derivation of f by the variable: `d` itself when it is one."""
        if self.d.kind == "grad":
            return self.d
        from .api import derive_problem

        wrt = self.variables() if self.notation in ("components", "sample") else self.variable
        return derive_problem(Problem.of(self.f, wrt), "grad")

    def gradient_kernel(self, directory=None):
        g = self.gradient()
        if self.notation == "sample":
            return SampleKernel(g, directory)
        expr, outputs, ranges = index_form(g)
        return loop_kernel(self.f, expr, outputs, ranges, directory)

    # -- Hessian and H v --------------------------------------------------

    def hessian(self):
        """(Hessian derivation, its index expression, first indices, second indices, their sizes):
        H[first, second], each pair of axes of the variable's size."""
        from .api import derive_problem

        if self.notation in ("components", "sample"):
            h = self.d if self.d.kind == "hessian" else derive_problem(Problem.of(self.f, self.wrt), "hessian")
            return h
        v = self.variable
        if isinstance(v, MatrixSymbol) and 1 in tuple(v.shape):  # a vector: the matrix-notation Hessian
            h = self.d if self.d.kind == "hessian" else derive_problem(Problem.of(self.f, v), "hessian")
            expr, outputs, ranges = index_form(h)
            return h, expr, outputs[:1], outputs[1:], ranges[:1]
        if isinstance(v, MatrixSymbol):  # a matrix: its Hessian is 4-dimensional, so in index notation
            f = to_index(_rolled(self.f))
            base = IndexedBase(v.name)
            taken = _names(f)
            first = _fresh_indices(2, taken)
            second = _fresh_indices(2, taken | {s.name for s in first})
            h = derive_problem(Problem.of(f, (base[first], base[second])), "hessian")
            sizes = tuple(_rolled(v).shape)
            return h, h.result, first, second, sizes
        # index notation: w[k] (then w[l]), or W[k, l] (then W[m, n])
        if self.d.kind == "hessian":
            h = self.d
        else:
            taken = _names(self.f) | {s.name for s in v.indices if isinstance(s, Symbol)}
            second = _fresh_indices(len(v.indices), taken)
            h = derive_problem(Problem.of(self.f, (v, v.base[second])), "hessian")
        first, second = tuple(h.wrt[0].indices), tuple(h.wrt[1].indices)
        sizes = axis_sizes(Namespace(), self.f, h.result)
        name = str(v.base.label)
        try:
            lengths = tuple(sizes[(name, axis)] for axis in range(len(first)))
        except KeyError:
            raise DeriveError(f"the length of {name}'s axes is not known from f: declare {name}'s shape") from None
        return h, h.result, first, second, lengths


def loop_kernel_args(f):
    """The arguments of f's loop kernels (IndexedBase arrays with their shapes, then Symbols):
    they depend on f alone (`kernels.py`)."""
    _, arrays, scalars = loop_arguments(f, sympy.S.Zero)
    return arrays + scalars


def _names(expr):
    """Every name in `expr`: symbols, array names, and the indices its sums run over."""
    if not isinstance(expr, (sympy.Basic, sympy.MatrixBase)):
        return set()
    names = {s.name for s in expr.free_symbols if hasattr(s, "name")}
    names |= {str(e.base.label) for e in expr.atoms(Indexed)}
    names |= {m.name for m in expr.atoms(MatrixSymbol)}
    names |= {lim[0].name for s in expr.atoms(Sum) for lim in s.limits}
    return names


def _fresh_name(name, taken):
    while name in taken:
        name += "_"
    return name


_INDEX_NAMES = ("k", "l", "m", "n", "p", "q", "r", "s", "t", "u")


def _fresh_indices(count, taken):
    """`count` integer index symbols whose names f does not use."""
    names = [n for n in _INDEX_NAMES if n not in taken][:count]
    names += [_fresh_name(f"_k{n}", taken) for n in range(count - len(names))]
    return tuple(Symbol(n, integer=True) for n in names)
