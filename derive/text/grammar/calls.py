"""Calls in the grammar: the functions text may call, and what each call builds.

    exp(x), sigmoid(x), where(c, a, b), ...   functions.FUNCTIONS (elementwise on an array)
    trace(A), det(A), diag(v), hadamard(A, B)  functions.MATRIX_FUNCTIONS
    eye(n), ones(n, m), zeros(n, m)            functions.MATRIX_CONSTRUCTORS
    matrix_power(A, k), hadamard_power(A, p)   powers of square / of any matrices
    sum(v), sum(body, i), delta(i, j)          a vector's entries; index sums (indices.py)
    softmax(z)[c], logsumexp(z), kl(p, q), ... rewritten into the grammar's sums (vector_functions.py)
    g(u), g'(u)                                a function declared 'g: function', its derivatives

A name in none of these tables cannot be called (`callable_names`), which keeps `open(...)` and
`__import__(...)` out.
"""

import ast

import sympy
from sympy import Integer, MatrixSymbol

from ...errors import ShapeError
from ..arrays.matrix_ops import as_scalar_if_1x1
from ..arrays.shapes import _same_dims, is_square, shape_of, shape_words
from ..budgets import check_bits, exp_bits, factorial_bits, power_bits
from ..functions import (
    FACTORIAL_LIKE,
    FUNCTIONS,
    INDEX_FUNCTIONS,
    MATRIX_CONSTRUCTORS,
    MATRIX_FUNCTIONS,
    MATRIX_POWER,
    _sum_entries,
    elementwise,
    entrywise_power,
)
from ..names import check_name
from . import vector_functions
from .vector_functions import (
    INFORMATION,
    VECTOR_FUNCTIONS,
    entry_of,
    fresh_index,
    information,
    is_log_of_softmax,
    whole,
)


def callable_names():
    """Every name text may call (read from the tables each time: a new entry is callable at once)."""
    return set(FUNCTIONS) | set(MATRIX_FUNCTIONS) | set(INDEX_FUNCTIONS) | set(VECTOR_FUNCTIONS) | set(MATRIX_CONSTRUCTORS) | set(MATRIX_POWER)


class CallsMixin:
    """The builder's calls: one branch per table of functions, and the declared functions g."""

    def visit_Call(self, node):
        if isinstance(node.func, ast.Attribute):  # g'(u), g''(u): a declared function's derivatives, as printed
            return self._derivative_call(node)
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only calls of known functions are allowed, like exp(x)")
        name = node.func.id
        declared = self.namespace.names.get(name)
        if isinstance(declared, sympy.core.function.UndefinedFunction):  # g: function
            return self._unspecified_call(node, declared)
        if name not in callable_names():
            if name.startswith("_"):
                raise self.error(node, f"names starting with '_' are not allowed: '{name}'")
            raise self.error(node, f"unknown function '{name}'; known: {', '.join(sorted(callable_names()))}")
        if node.keywords:
            raise self.error(node, f"{name}() takes no keyword arguments")
        if name == "sum":
            if len(node.args) == 1:  # sum(v): the sum of a vector's (matrix's) entries
                value = self.visit(node.args[0])
                if not self._is_matrix(value):
                    raise self.error(node, "sum(v) adds the entries of a vector or matrix; for index notation "
                                           "give the indices: sum(x[i], i)")
                return self._combine(node, lambda: as_scalar_if_1x1(_sum_entries(value)))
            return self._sum_over_indices(node)
        if name in INFORMATION:
            return self.visit(self._information(node, name))
        if name in VECTOR_FUNCTIONS:
            return self.visit(self._vector_function(node, name))
        if is_log_of_softmax(node):
            return self.visit(self._vector_function(node.args[0], "log_softmax"))
        if name in MATRIX_CONSTRUCTORS:
            return self._constant_matrix(node, name)
        if name in MATRIX_POWER:  # NumPy's name: the power of a square matrix (k an integer)
            self._arity(node, name, 2, 2)
            base = self.visit(node.args[0])
            if not self._is_matrix(base) or not is_square(shape_of(base)):
                raise self.error(node, "matrix_power(A, k) takes a square matrix and an integer k")
            exponent = self.visit(node.args[1])
            check_bits(power_bits(base, exponent), "this power", self.limits)
            return self._matrix_power(node, base, exponent)
        if name == "delta":
            self._arity(node, name, 2, 2)
            i, j = (self._index(a) for a in node.args)
            return sympy.KroneckerDelta(i, j)
        if name == "hadamard_power":  # entrywise power of any matrix, square ones included
            self._arity(node, name, 2, 2)
            base, exponent = (self.visit(a) for a in node.args)
            if not self._is_matrix(base) or self._is_matrix(exponent):
                raise self.error(node, "hadamard_power(A, p) takes a matrix or vector and a scalar exponent")
            return self._combine(node, lambda: entrywise_power(base, exponent))
        if name in MATRIX_FUNCTIONS:
            fn = MATRIX_FUNCTIONS[name]
            self._arity(node, name, fn.min_args, fn.max_args)
            margs = [self.visit(a) for a in node.args]
            if name in ("trace", "tr", "det") and len(margs) == 1 and not self._is_matrix(margs[0]):
                return margs[0]  # the trace (determinant) of a 1 x 1 product such as d.T @ d is its value
            if not all(self._is_matrix(a) for a in margs):
                raise self.error(node, f"{name}() takes a matrix or vector, not a scalar")
            if name == "hadamard" and not _same_dims(shape_of(margs[0]), shape_of(margs[1])):
                raise ShapeError(f"column {self._column(node)}: {self._segment(node)}: an elementwise product "
                                 f"needs equal shapes, got {shape_words(shape_of(margs[0]))} and "
                                 f"{shape_words(shape_of(margs[1]))}")
            if name == "diag" and shape_of(margs[0])[1] != 1:
                raise self.error(node, "diag() takes a column vector")
            if name == "diagonal" and not is_square(shape_of(margs[0])):
                raise self.error(node, f"diagonal() takes a square matrix; this one is {shape_words(shape_of(margs[0]))}")
            return self._combine(node, lambda: fn.build(*margs))
        fn = FUNCTIONS[name]
        self._arity(node, name, fn.min_args, fn.max_args)
        if name == "where":
            args = [self.visit_condition(node.args[0])] + [self.visit(a) for a in node.args[1:]]
        else:
            args = [self.visit(a) for a in node.args]
        if any(self._is_matrix(a) for a in args):
            if len(args) != 1 or name == "where":
                raise self.error(node, f"{name}() takes scalars; only one-argument functions apply "
                                       "elementwise to a matrix")
            return self._combine(node, lambda: elementwise(fn.build, args[0]))
        if name == "exp" and args[0].is_number:
            check_bits(exp_bits(args[0]), f"exp({args[0]})", self.limits)
        if name in FACTORIAL_LIKE and args[0].is_number:
            check_bits(factorial_bits(args[0]), f"{name}({args[0]})", self.limits)
        return self._combine(node, lambda: fn.build(*args))

    def _unspecified_call(self, node, g):
        """g(a.T @ x) for a declared function g: its derivative stays g'(a.T @ x)."""
        if node.keywords or not node.args:
            raise self.error(node, f"{g}() takes one or more arguments and no keywords")
        args = [self.visit(a) for a in node.args]
        for a, arg_node in zip(args, node.args):
            if self._is_matrix(a) and tuple(shape_of(a)) != (1, 1):
                raise self.error(arg_node, f"{g} is a function of scalars; its argument here is "
                                           f"{shape_words(shape_of(a))}")
        args = [as_scalar_if_1x1(a) if self._is_matrix(a) else a for a in args]
        return self._combine(node, lambda: g(*args))

    def _derivative_call(self, node):
        """g'(u) (and g''(u)) for g declared a function: the derivative of g at u, as results print it."""
        order, func = 0, node.func
        while isinstance(func, ast.Attribute) and func.attr == "T" and self._transpose_mark(func) == "'":
            order, func = order + 1, func.value
        g = self.namespace.names.get(func.id) if isinstance(func, ast.Name) else None
        if not isinstance(g, sympy.core.function.UndefinedFunction) or isinstance(func, ast.Attribute):
            raise self.error(node, "only calls of known functions are allowed, like exp(x); g'(u) is the derivative "
                                   "of a function declared 'g: function'")
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, f"{func.id}{chr(39) * order}(u) takes one argument")
        u = self._unspecified_call(node, g).args[0]
        xi = sympy.Dummy("xi")
        return sympy.Subs(sympy.Derivative(g(xi), (xi, order)), xi, u)

    def _constant_matrix(self, node, name):
        """eye(n), ones(n), ones(n, m), zeros(n, m): sizes are numbers or size names."""
        fn = MATRIX_CONSTRUCTORS[name]
        self._arity(node, name, fn.min_args, fn.max_args)
        sizes = []
        for arg in node.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int) and not isinstance(arg.value, bool) \
                    and 0 < arg.value <= 10_000:
                sizes.append(Integer(arg.value))
            elif isinstance(arg, ast.Name):
                check_name(arg.id, self.original, self._column(arg))
                sizes.append(self.namespace.dimension(arg.id))
            else:
                raise self.error(arg, f"{name}() takes sizes: whole numbers from 1 to 10000 or size names like n")
        value = fn.build(*sizes)
        if value is None:
            raise self.error(node, "eye(n) is square: give one size")
        return value

    def _vector_function(self, node, name, index=None):
        """softmax(z), logsumexp(z) (and softmax(z)[c] with `index`) as the grammar's sums
        (vector_functions.py), located at the call for error messages."""
        self._arity(node, name, 1, 1)
        arg = node.args[0]
        if not isinstance(arg, ast.Name):
            raise self.error(node, f"{name}() takes the name of a vector (softmax(z)[c]); for an expression "
                                   "write the sums out: exp(a[c])/sum(exp(a[j]), j)")
        matrix = isinstance(self.namespace.names.get(arg.id), MatrixSymbol)
        # a new index for every call: softmax(z)[c]*softmax(w)[d] sums over z's axis and w's
        j = fresh_index(self.source, set(self.namespace.names) | self.namespace.index_names | self.fresh_given)
        self.fresh_given.add(j)
        try:
            size = self.namespace.names[arg.id].shape[0] if matrix else None
            tree = entry_of(name, arg.id, index, j) if index is not None else whole(name, arg.id, j, matrix, size)
        except KeyError:
            if name == "logsumexp":
                raise self.error(node, "logsumexp(z) is a number: it takes no index") from None
            raise self.error(node, f"{name}({arg.id}) is a vector: take one entry, {name}({arg.id})[c], or "
                                   f"declare {arg.id} as a vector ('{arg.id}: K')") from None
        for child in ast.walk(tree):
            ast.copy_location(child, node)
            child.end_lineno, child.end_col_offset = node.end_lineno, node.end_col_offset
        return tree

    def _information(self, node, name):
        """entropy(p), kl(p, q), cross_entropy(y, p) as the grammar's sums (vector_functions.py): in matrix
        notation when every vector is declared, else entry by entry."""
        params, written_out = INFORMATION[name]
        self._arity(node, name, len(params), len(params))
        ops = [vector_functions.operand(a) for a in node.args]
        if None in ops:
            usage = f"{name}({', '.join(params)})"
            raise self.error(node, f"{name}() takes names of vectors, {usage}, or softmax(z) in place of one; "
                                   f"for an expression write the sum out: {written_out}")
        arrays = [self.namespace.names.get(array) for _, array in ops]
        matrix = all(isinstance(a, MatrixSymbol) for a in arrays)
        for (_, array), value in zip(ops, arrays):
            if isinstance(value, MatrixSymbol) and value.shape[1] != 1:
                raise self.error(node, f"{name}() takes vectors; {array} is {shape_words(value.shape)}")
        indices = []
        for _ in range(2):  # the sum's index, and one for the sums inside softmax(z)[j]
            taken = set(self.namespace.names) | self.namespace.index_names | self.fresh_given
            indices.append(fresh_index(self.source, taken))
            self.fresh_given.add(indices[-1])
        tree = information(name, ops, *indices, matrix)
        for child in ast.walk(tree):
            ast.copy_location(child, node)
            child.end_lineno, child.end_col_offset = node.end_lineno, node.end_col_offset
        return tree

    def _arity(self, node, name, lo, hi):
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise self.error(node, f"{name}() takes {want} argument(s), got {n}")
