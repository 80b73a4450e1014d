"""derive: a symbolic-first derivation assistant for machine-learning math.

    >>> import derive
    >>> derive.grad("x**2 + y**3", "x y").T
    Matrix([[2*x, 3*y**2]])

Every derivative is checked by finite differences before it is returned.
"""

from .calculus import differentiate, grad, hessian, jacobian
from .check import check
from .constrained import KKTPoint, KKTProblem, kkt
from .critical import CriticalPoint, critical_points
from .derivation import Derivation, PointValue
from .errors import DeriveError, LimitError, ParseError, ShapeError, SymbolError, ValidationError
from .functions import sigmoid, softplus
from .kernels import kernel
from .limits import Limits
from .notation import to_index, to_matrix
from .parser import Namespace, declare, parse
from .textform import to_text
from .verdict import Verdict

__version__ = "0.1.0"

__all__ = [
    "CriticalPoint", "Derivation", "DeriveError", "KKTPoint", "KKTProblem", "kkt", "Verdict", "check", "critical_points", "LimitError", "Limits", "Namespace", "ParseError", "PointValue",
    "ShapeError", "SymbolError", "ValidationError", "declare", "differentiate", "grad", "hessian",
    "jacobian", "kernel", "parse", "sigmoid", "softplus", "to_index", "to_matrix", "to_text",
]
