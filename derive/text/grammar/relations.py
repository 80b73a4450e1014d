"""Conditions and relations in text: where(x > 0, ...) and, for constraints,
a top-level comparison ("a + 2*b >= 1") or equation ("x**2 + y**2 = 1")."""

import ast
import re

import sympy
from sympy import And, Eq, Ge, Gt, Le, Lt, Ne, Or

from ...errors import ParseError


class RelationsMixin:
    """The builder's conditions (where(), constraints); `parse_part` parses one side."""

    def _top_level_equation(self):
        """`lhs = rhs` (a single '=') is an equation when relations are allowed."""
        parts = re.split(r"(?<![<>=!])=(?!=)", self.original)
        if len(parts) != 2:
            return None
        lhs = self.parse_part(parts[0])
        try:
            rhs = self.parse_part(parts[1])
        except ParseError as exc:  # columns of the right-hand side count from the start of the text
            shift = len(parts[0]) + 1
            raise ParseError(exc.reason, self.original,
                             None if exc.column is None else exc.column + shift) from None
        return Eq(lhs, rhs, evaluate=False)

    # -- conditions (where(), constraints) ---------------------------------
    _COMPARE = {ast.Lt: Lt, ast.LtE: Le, ast.Gt: Gt, ast.GtE: Ge, ast.Eq: Eq, ast.NotEq: Ne}

    def visit_condition(self, node):
        if isinstance(node, ast.Compare):
            values = [self.visit(node.left)] + [self.visit(c) for c in node.comparators]
            if any(self._is_matrix(v) for v in values):
                raise self.error(node, "a condition compares numbers, not matrices or vectors")
            parts = []
            for op, a, b in zip(node.ops, values, values[1:]):
                rel = self._COMPARE.get(type(op))
                if rel is None:
                    raise self.error(node, "only < <= > >= == != comparisons are allowed")
                parts.append(rel(a, b))
            return And(*parts)
        if isinstance(node, ast.BoolOp):
            parts = [self.visit_condition(v) for v in node.values]
            return And(*parts) if isinstance(node.op, ast.And) else Or(*parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
            a, b = self.visit_condition(node.left), self.visit_condition(node.right)
            return And(a, b) if isinstance(node.op, ast.BitAnd) else Or(a, b)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sympy.Not(self.visit_condition(node.operand))
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return sympy.true if node.value else sympy.false
        raise self.error(node, "expected a condition such as x > 0")
