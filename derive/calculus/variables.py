"""A derivative's problem and its variables, read once from what the user typed.

    read_problem(f, wrt, symbols)   -> Problem(namespace, f, wrt): f and the variables
                                       as SymPy objects, the one pass through text/
    scalar_variables(wrt, f)        the variables of scalar calculus: Symbols only
                                    (require_scalars), or every scalar of f (every_scalar)
    resolve_wrt(wrt, f, namespace)  the scalar variables in one call (critical points,
                                    KKT, integrals, Taylor)

The public calls read their input here (or with `Problem.read`, after reading f
themselves); derivation/, check/ and the layers between receive the `Problem` or its
objects and never read text again."""

import copy
from dataclasses import dataclass

import sympy
from sympy import Basic, MatrixBase, Symbol

from ..errors import DeriveError, SymbolError
from ..text.inputs import as_expression, free_scalars, new_namespace, read_wrt, variable_names
from ..text.namespace import Namespace
from ..text.printing import to_text


def resolve_wrt(wrt, expr, namespace):
    """The variables to differentiate by, as a tuple of distinct scalar Symbols: `read_wrt`,
    `require_variables` and `require_scalars` in one.  Without `wrt`, every real scalar of `expr`."""
    return scalar_variables(require_variables(read_wrt(wrt, namespace, expr), expr), expr)


def scalar_variables(variables, f):
    """The variables of scalar calculus: `variables` (as read, None when wrt was not given) when each
    is a scalar Symbol (`require_scalars`), else without them every real scalar of f."""
    return require_scalars(variables) if variables is not None else every_scalar(f)


def require_variables(variables, expr):
    """`variables` (SymPy objects) when each scalar among them is a variable of `expr`: not an
    integer index, named once, used by f.  Matrices and elements are checked where their notation
    is chosen (`calculus.targets`, `derivation.elements`)."""
    if variables is None:
        return None
    seen = []
    for obj in variables:
        if obj in seen:  # x twice, or sigma^2 and sigma**2
            raise SymbolError(f"'{to_text(obj)}' appears twice in wrt")
        seen.append(obj)
        if isinstance(obj, Symbol):
            if obj.is_integer:
                raise SymbolError(f"'{obj}' is an integer index, not a variable")
            require_used(obj, expr)
    return tuple(variables)


def every_scalar(expr):
    """Every real scalar of `expr`: the variables when wrt is not given."""
    found = free_scalars(expr)
    if not found:
        raise SymbolError("the expression has no variables to differentiate by")
    return tuple(found)


def require_scalars(variables):
    """`variables` (as `read_wrt` read them) when every one is a scalar Symbol; else a DeriveError."""
    for sym in variables:
        if isinstance(sym, (sympy.MatrixSymbol, sympy.Indexed)) or not isinstance(sym, Symbol):
            raise DeriveError(f"{to_text(sym)} ({type(sym).__name__}) is not a scalar variable: this takes "
                              "scalar symbols")
    return tuple(variables)


def require_used(variable, expr, what="the expression"):
    """A SymbolError unless `expr` depends on `variable` (one name, one variable)."""
    uses = expr.has(variable) if isinstance(expr, (Basic, MatrixBase)) else False
    if not uses:
        raise SymbolError(f"'{variable}' is not a variable of {what}, which uses {variable_names(expr)}")


@dataclass(frozen=True)
class Problem:
    """One call's input read once, at its entrance: the namespace (declarations and every name),
    f as SymPy, and the variables as the SymPy objects wrt names (None: every scalar of f).
    The layers below receive this and never read text again."""

    namespace: Namespace
    f: object
    wrt: tuple | None

    @classmethod
    def read(cls, namespace, f, wrt):
        """The problem of `f` (SymPy, read into `namespace`) by what `wrt` names (`read_wrt`)."""
        return cls(namespace, f, require_variables(read_wrt(wrt, namespace, f), f))

    @classmethod
    def of(cls, f, wrt):
        """The problem of SymPy objects derive already holds (a Derivation's f and variables, an
        index form of them), adopted into a namespace of their own: nothing is read from text."""
        return cls.within(Namespace(), f, wrt)

    @classmethod
    def within(cls, namespace, f, wrt):
        """The problem of SymPy objects derive made itself (a Lagrangian, a constraint's function, a
        step of a derivation) by variables it already holds, in the namespace of the call that made
        them: adopted there (their sums teach it their ranges), nothing read from text."""
        variables = tuple(wrt) if isinstance(wrt, (list, tuple)) else (wrt,)
        namespace.received(f, variables)
        f = namespace.unify(f)
        return cls(namespace, f, require_variables(tuple(namespace.unify(v) for v in variables), f))

    def copy(self):
        """The same problem in a copy of its namespace, as it stands now: a second derivative of it
        (a Hessian after a gradient) then picks the index names a first reading would, not the next
        free ones after those the first derivative took."""
        return Problem(copy.deepcopy(self.namespace), self.f, self.wrt)

    def about(self, f, variables):
        """The same declarations and names about another f and variables (SymPy objects already):
        the derivative a check compares a claim with, in the symbols the check works in."""
        return Problem(self.namespace, f, tuple(variables))


def read_problem(f, wrt=None, symbols=None):
    """f and wrt (text, LaTeX or SymPy, mixed) and the declarations `symbols` as one `Problem`:
    the one pass from what the user typed to SymPy."""
    namespace = new_namespace(symbols, f, wrt)
    return Problem.read(namespace, as_expression(f, namespace), wrt)
