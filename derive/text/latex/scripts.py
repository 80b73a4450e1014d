"""Subscripts and superscripts: what `_` and `^` make of the name or value before them.

    x_i, W_{ij}, x_{i+1}, z_c    an entry (counted from 1: x_1 is derive's x[0]), or the name x_i
    x_i, x^{(i)}, \\phi_n          row i of a declared N x d matrix X (\\Phi), as a column
    n_c in \\sum_n or a bound      a size's name
    \\mathbf{1}_n, I_n, \\delta_{ij} the ones vector, the identity, the Kronecker delta
    x^T, x^{-1}, x^{-T}, x^{\\circ 2}, e^{x}, x^2   transpose, inverse, entrywise power, exp, power
"""

import ast

from sympy import MatrixSymbol

from . import nodes
from .nodes import call_node, span
from .reader import Cursor, Macro, Tok, command_kind, is_token, text_of


class ScriptsMixin:
    """The reader's `_` and `^` (its levels and errors are to_tree._Reader's)."""

    def sub_expression(self, items, end):
        inner = Cursor(items, end)
        if inner.peek() is None:
            raise self.error("empty braces {}", end - 1)
        node = self.sum(inner)
        self.expect_end(inner)
        return node

    def with_scripts(self, base, scripts):
        if "_" in scripts:
            base = self.subscript(base, *scripts["_"])
        if "^" in scripts:
            base = self.superscript(base, *scripts["^"])
        return base

    def superscript(self, base, items, start, end):
        if _is_transpose(items, self):
            return span(nodes.Transposed(value=base), base._s, end)
        if _is_inverse(items):
            return span(nodes.Inverted(value=base), base._s, end)
        if items and isinstance(items[0], Macro) and items[0].name == "circ":  # x^{\circ 2}: entry by entry
            exponent = self.sub_expression(items[1:], end)
            return span(ast.BinOp(left=base, op=ast.Pow(), right=exponent), base._s, end)
        if len(items) == 2 and is_token(items[0], "-") and _is_transpose(items[1:], self):
            inverse = span(nodes.Inverted(value=base), base._s, end)
            return span(nodes.Transposed(value=inverse), base._s, end)
        sample = _sample_index(items)
        if sample is not None and isinstance(base, ast.Name):  # x^{(i)}: sample i
            return self.entry_of_sample(base, sample, end)
        exponent = self.sub_expression(items, end)
        if isinstance(base, ast.Name) and base.id == "e" and not self.declared("e"):
            return span(call_node("exp", [exponent]), base._s, end)
        return span(nodes.Power(left=base, right=exponent), base._s, end)

    def entry_of_sample(self, base, index_item, end):
        index = span(ast.Name(id=index_item.text, ctx=ast.Load()), index_item.start, index_item.end) \
            if index_item.kind == "letter" else self.entry_number(index_item)
        matrix = self.matrix_of_rows(base.id)
        if matrix is not None:
            row = nodes.Row(matrix=span(ast.Name(id=matrix, ctx=ast.Load()), base._s, base._e), index=index)
            return span(row, base._s, end)
        return span(ast.Subscript(value=base, slice=index, ctx=ast.Load()), base._s, end)

    def entry_number(self, tok):
        """Entries count from 1 in LaTeX: x_1 is derive's x[0]."""
        value = int(tok.text)
        if value < 1:
            raise self.error(f"entries count from 1 in LaTeX (x_1 is the first): {tok.text} is not an entry",
                             tok.start)
        return span(ast.Constant(value=value - 1), tok.start, tok.end)

    def subscript(self, base, items, start, end):
        if isinstance(base, nodes.Ones):  # \mathbf{1}_n
            size = self.size_argument(items, start, end)
            return span(call_node("ones", [size]), base._s, end)
        if isinstance(base, ast.Name) and base.id == "I" and not self.declared("I"):  # I_n
            size = self.size_argument(items, start, end)
            return span(call_node("eye", [size]), base._s, end)
        if isinstance(base, ast.BinOp) and isinstance(base.left, ast.Name) and base.left.id in self.bound:
            base = base.left  # i_k: i is a name here, not a value
        if not isinstance(base, ast.Name):  # softmax(z)_c, (Xw)_i
            indices = self.indices(items, start, end, two_digits=False)
            return span(ast.Subscript(value=base, slice=_index_slice(indices), ctx=ast.Load()), base._s, end)
        name = base.id
        if name == "delta" and not self.declared("delta"):  # \delta_{ij}: the Kronecker delta
            indices = self.indices(items, start, end, two_digits=False)
            if len(indices) == 2:
                return span(call_node("delta", indices), base._s, end)
        matrix = self.matrix_of_rows(name)
        words = text_of(items)
        simple = words is not None and "," not in words
        if (name in self.bound or getattr(self, "in_bounds", False)) and simple and not self.is_array(name):
            # n_c inside \sum_n, or in a sum's upper bound (\sum_{a=1}^{n_{c}}): a size's name
            self.named.add(name)
            return span(ast.Name(id=f"{name}_{words}", ctx=ast.Load()), base._s, end)
        summed = simple and any(ch in self.bound for ch in words) or (
            words is not None and any(w in self.bound for w in words.split(",")))
        if matrix is not None and simple and len(words) == 1 and (summed or words.isalpha()):
            index = self.indices(items, start, end, two_digits=False)[0]
            return span(nodes.Row(matrix=span(ast.Name(id=matrix, ctx=ast.Load()), base._s, base._e),
                                   index=index), base._s, end)
        if self.is_array(name) or summed or not simple:
            matrix_symbol = self.namespace.names.get(name)
            two_d = isinstance(matrix_symbol, MatrixSymbol) and matrix_symbol.shape[1] != 1
            indices = self.indices(items, start, end, two_digits=two_d)
            self.indexed.add(name)
            return span(ast.Subscript(value=base, slice=_index_slice(indices), ctx=ast.Load()), base._s, end)
        self.named.add(name)
        return self.value_of(span(ast.Name(id=f"{name}_{words}", ctx=ast.Load()), base._s, end))

    def indices(self, items, start, end, two_digits):
        """The indices of a subscript: `i`, `ij` (two), `i,j`, `i+1`, `12` (two of a matrix)."""
        parts, current = [], []
        for item in items:
            if is_token(item, ","):
                parts.append(current)
                current = []
            else:
                current.append(item)
        parts.append(current)
        if len(parts) == 1 and all(isinstance(t, Tok) and t.kind in ("letter", "num") for t in items) and (
                all(t.kind == "letter" for t in items) or (two_digits and len(items) == 1 and len(items[0].text) == 2)):
            singles = []
            for t in items:
                for k, ch in enumerate(t.text):
                    singles.append(Tok(t.kind, ch, t.start + k, t.start + k + 1))
            parts = [[t] for t in singles]
        result = []
        for part in parts:
            if not part:
                raise self.error("an empty index", start)
            if len(part) == 1 and isinstance(part[0], Tok) and part[0].kind == "num":
                result.append(self.entry_number(part[0]))
                continue
            saved, self.bound = self.bound, {}  # inside a subscript an index is a position, not a value
            try:
                result.append(self.sub_expression(part, end))
            finally:
                self.bound = saved
        return result

    def size_argument(self, items, start, end):
        words = text_of(items)
        if not words or not (words.isdigit() or words.isidentifier()):
            raise self.error("a size is a number or a size name (I_n, \\mathbf{1}_n)", start)
        if words.isdigit():
            return span(ast.Constant(value=int(words)), start, end)
        return span(ast.Name(id=words, ctx=ast.Load()), start, end)


def _index_slice(indices):
    return indices[0] if len(indices) == 1 else ast.Tuple(elts=indices, ctx=ast.Load())


def _is_transpose(items, reader):
    if len(items) != 1:
        return False
    item = items[0]
    if is_token(item, "T", "'") and not reader.declared("T"):
        return True
    if isinstance(item, Macro):
        if command_kind(item) in ("transpose", "prime"):
            return True
        if item.name in ("mathsf", "mathrm", "mathbf", "text", "mathit", "textsf") and item.args:
            return text_of(item.args[0] or []) == "T"
    return False


def _is_inverse(items):
    return len(items) == 2 and is_token(items[0], "-") and is_token(items[1], "1")


def _sample_index(items):
    """x^{(i)}: the index token, else None."""
    if len(items) == 3 and is_token(items[0], "(") and is_token(items[2], ")") and isinstance(items[1], Tok) \
            and items[1].kind in ("letter", "num"):
        return items[1]
    return None
