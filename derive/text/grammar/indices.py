"""Index notation in text: x[i], W[i, j], A[0, 1] and sum(body, i, j) or
sum(body, (i, lo, hi)).  Ranges left open here are settled from the axes
each index runs over (ranges.py)."""

import ast

import sympy
from sympy import Integer, MatrixSymbol
from sympy.matrices.expressions.matexpr import MatrixElement

from .. import ranges
from ..arrays import rows
from ..names import check_name


class IndicesMixin:
    """The builder's index notation: elements, index arithmetic, sums."""

    def _sum_over_indices(self, node):
        """sum(body, i, j) over declared ranges, or the axes i and j index (`ranges.py`);
        sum(body, (i, lo, hi)) with explicit bounds."""
        self._arity(node, "sum", 2, None)
        limits = []
        for arg in node.args[1:]:
            if isinstance(arg, ast.Name):
                index = self.namespace.index(arg.id, self._column(arg), self.original)
                lo, hi = self.namespace.index_ranges.get(index) or ranges.placeholder(index)
            elif isinstance(arg, ast.Tuple) and len(arg.elts) == 3 and isinstance(arg.elts[0], ast.Name):
                index = self.namespace.index(arg.elts[0].id, self._column(arg), self.original)
                lo, hi = (self._bound_value(e) for e in arg.elts[1:])
            else:
                raise self.error(arg, "sum() takes index names (i, j) or (i, lo, hi) after the body")
            limits.append((index, lo, hi))
        body = self.visit(node.args[0])
        over_sample = self._sum_over_sample(node, body, limits)
        if over_sample is not None:
            return over_sample
        if self._is_matrix(body):
            raise self.error(node, "sum() adds up scalars; the body is a matrix")
        self._check_bounds_inside_axes(node, body, limits)
        return self._combine(node, lambda: sympy.Sum(body, *limits))

    def _check_bounds_inside_axes(self, node, body, limits):
        """sum(x[i], (i, 1, N)) with x: N reaches x[N], past x's last entry: an error that says the
        range, never a sum over an entry that does not exist."""
        explicit = [(i, lo, hi) for i, lo, hi in limits
                    if not any(isinstance(s, ranges._Placeholder) for s in hi.free_symbols)]
        if not explicit:
            return
        for entry in body.atoms(MatrixElement):
            M = entry.parent
            if not isinstance(M, MatrixSymbol):
                continue
            for position, at, size in ((0, entry.i, M.shape[0]), (1, entry.j, M.shape[1])):
                for index, lo, hi in explicit:
                    if index not in getattr(at, "free_symbols", ()):
                        continue
                    shift = sympy.expand(at - index)
                    if shift.free_symbols:
                        continue
                    past, before = sympy.expand(hi + shift - (size - 1)), sympy.expand(lo + shift)
                    if (past.is_number and past > 0) or (before.is_number and before < 0):
                        axis = "entries" if M.shape[1] == 1 else ("rows", "columns")[position]
                        written = f"{M.name}[{entry.i}]" if M.shape[1] == 1 else f"{M.name}[{entry.i}, {entry.j}]"
                        raise self.error(node, f"{written} for {index} from {lo} to {hi} reaches outside {M.name}'s "
                                               f"{axis} 0..{size - 1}: write the range ({index}, {-shift}, "
                                               f"{sympy.expand(size - 1 - shift)}) (text counts from 0)")

    def _sum_over_sample(self, node, body, limits):
        """A vector or matrix body over one index (sum_i y_i x^{(i)}), and a scalar body with
        quadratic forms in rows (sum_n (x_n - mu)^T A (x_n - mu)), in matrix notation (arrays/rows.py);
        None for a sum that stays an index sum."""
        row_products = self.__dict__.get("_row_products", {})
        if len(limits) != 1 or not (self._is_matrix(body) or row_products):
            return None
        index, lo, hi = limits[0]
        bounded = not (hi.free_symbols and any(isinstance(s, ranges._Placeholder) for s in hi.free_symbols))
        try:
            if self._is_matrix(body):
                if not (rows.has_rows(body, index) or index in body.free_symbols):
                    return None  # sum(w, i): no sample to run over
                value = rows.sum_over_sample(body, index, lo, hi, row_products, bounded)
            else:
                value = rows.sum_of_quadratic_forms(body, index, lo, hi, row_products, bounded)
        except rows.CannotVectorize as exc:
            raise self.error(node, f"a sum over {index} of vectors: {exc}; write it in matrix notation "
                                   "(sum_i y_i x^{(i)} is X^T y)") from None
        return None if value is None else self._combine(node, lambda: value)

    def _bound_value(self, node):
        value = self.visit(node)
        if value.free_symbols and not all(s.is_integer for s in value.free_symbols):
            value = value.subs({s: self.namespace.dimension(s.name) for s in value.free_symbols})
        if not (value.is_integer or all(s.is_integer for s in value.free_symbols)):
            raise self.error(node, "a sum bound must be an integer or a size like n")
        return value

    # -- indexing, transpose, literals ---------------------------------------
    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name) \
                and node.value.func.id in ("softmax", "log_softmax"):
            if isinstance(node.slice, ast.Tuple):
                raise self.error(node, f"{node.value.func.id}(z)[c] takes one index")
            return self.visit(self._vector_function(node.value, node.value.func.id, node.slice))
        if not isinstance(node.value, ast.Name):
            return self._entry_of_expression(node)
        name = node.value.id
        check_name(name, self.original, self._column(node))
        idx_nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = [self._index(i) for i in idx_nodes]
        base = self.namespace.names.get(name)
        if isinstance(base, MatrixSymbol):
            return self._matrix_element(node, base, indices)
        if isinstance(base, sympy.Symbol) and name not in self.namespace.implicit \
                and name not in self.namespace.index_names:
            # "x: positive", "y: nonnegative integer" describe the data x[i], y[i] as well as a scalar x
            base = self.namespace.declared_array(name, base, self._column(node), self.original)
        if base is not None and not isinstance(base, sympy.IndexedBase):
            raise self.error(node, f"'{name}' is a scalar and cannot be indexed")
        if base is None:
            if self.namespace.strict:
                raise self.error(node, f"unknown symbol '{name}'")
            base = self.namespace.array(name)
        return base[tuple(indices)] if len(indices) > 1 else base[indices[0]]

    def _entry_of_expression(self, node):
        """(X @ A)[i, j]: an entry of a matrix expression, as SymPy writes it (a sum over the
        inner index for a product)."""
        value = self.visit(node.value)
        if not self._is_matrix(value):
            raise self.error(node, "only vectors and matrices can be indexed, like x[i], W[i, j] or (X @ A)[i, j]")
        idx_nodes = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        indices = [self._index(i) for i in idx_nodes]
        rows, cols = value.shape
        if len(indices) == 1 and cols == 1:
            indices.append(Integer(0))
        if len(indices) != 2:
            raise self.error(node, f"this is a {rows} x {cols} matrix; index it with two indices, [i, j]")
        for index, size, what in zip(indices, (rows, cols), ("row", "column")):
            if index.is_Integer and (index < 0 or (size.is_Integer and index >= size)):
                raise self.error(node, f"{what} index {index} is out of range for this {rows} x {cols} matrix "
                                       "(indices start at 0)")
        return self._combine(node, lambda: self._named_dummies(value[indices[0], indices[1]]))

    def _named_dummies(self, entry):
        """SymPy sums over a Dummy inside the entry of a product ((X @ A)[i, j]); the user's
        result names it like any other index (one the text does not use)."""
        from .vector_functions import fresh_index

        for s in sorted(entry.atoms(sympy.Sum), key=str):
            for index, _, _ in s.limits:
                if isinstance(index, sympy.Dummy):
                    taken = [str(x) for x in entry.free_symbols] + list(self.namespace.names) + \
                        [str(d) for M in self.namespace.names.values() if isinstance(M, MatrixSymbol)
                         for d in M.shape]
                    name = fresh_index(self.source + " " + " ".join(taken))
                    entry = entry.xreplace({index: self.namespace.index(name)})
        return entry

    def _index(self, node):
        """An index: an integer, an index name, or a sum/difference of those."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return Integer(node.value)
        if isinstance(node, ast.Name):
            check_name(node.id, self.original, self._column(node))
            return self.namespace.index(node.id, self._column(node), self.original)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            total = Integer(0)
            for op, operand in self._chain(node, (ast.Add, ast.Sub)):
                if isinstance(operand, ast.BinOp) and isinstance(operand.op, (ast.Add, ast.Sub)):
                    raise self.error(operand, "an index must be a simple sum like k + 1")
                value = self._index(operand)
                total = total - value if op is ast.Sub else total + value
            return total
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self._index(node.operand)
        raise self.error(node, "an index must be an integer or an index name like i, j")

    def _matrix_element(self, node, base, indices):
        rows, cols = base.shape
        if len(indices) == 1 and cols == 1:
            indices = [indices[0], Integer(0)]
        if len(indices) != 2:
            raise self.error(node, f"'{base.name}' is {rows} x {cols}; index it as {base.name}[i, j]")
        for value, size, what in zip(indices, (rows, cols), ("row", "column")):
            if value.is_Integer and size.is_Integer and not 0 <= int(value) < int(size):
                raise self.error(node, f"{what} index {value} is out of range for '{base.name}' ({rows} x {cols}; indices start at 0)")
        return base[indices[0], indices[1]]
