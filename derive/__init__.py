"""derive: a symbolic-first derivation assistant for machine-learning math.

    >>> import derive
    >>> derive.grad("x**2 + y**3", "x y").T
    Matrix([[2*x, 3*y**2]])

Every derivative is checked by finite differences before it is returned.
"""

from .derivation.api import differentiate, grad, hessian, jacobian
from .check.api import check
from .check.derivation import ChainVerdict, LineVerdict, check_derivation
from .optimize.kkt import KKTPoint, KKTProblem, kkt
from .optimize.critical import CriticalPoint, critical_points
from .derivation.result import Derivation, PointValue
from .errors import DeriveError, LimitError, ParseError, ShapeError, SymbolError, ValidationError
from .text.functions import sigmoid, softplus
from .text.information import cross_entropy, entropy, kl, log_softmax, logsumexp, softmax
from .derivation.kernels import kernel
from .text.budgets import Limits
from .derivation.notation import to_index, to_matrix
from .text.namespace import Namespace
from .text.declarations import declare
from .text.expressions import parse
from .text.printing import to_text
from .check.verdict import Verdict
from .version import __version__
from .text.latex import accepts_syntax as _accepts_syntax

# syntax="latex" (or "text") on the entry points holds for every parse the call makes
differentiate, grad, hessian, jacobian, check, kkt, critical_points = (
    _accepts_syntax(f) for f in (differentiate, grad, hessian, jacobian, check, kkt, critical_points))


__all__ = [
    "AnswerKeyError", "AutogradFunction", "Directional", "directional", "integrate", "Integral", "taylor", "Taylor", "autograd_function", "ChainVerdict", "check_derivation", "grade", "Grading", "Mark", "LineVerdict", "Convexity", "convexity", "CriticalPoint", "Derivation", "DeriveError", "KKTPoint", "KKTProblem", "kkt", "Verdict", "check", "critical_points", "LimitError", "Limits", "Namespace", "ParseError", "PointValue",
    "ShapeError", "SymbolError", "ValidationError", "declare", "differentiate", "grad", "hessian",
    "jacobian", "kernel", "parse", "sigmoid", "softplus", "cross_entropy", "entropy", "kl", "log_softmax", "logsumexp", "softmax", "to_index", "to_matrix", "to_text", "__version__",
]


_ANALYSIS = {"integrate": "integrals", "Integral": "integrals", "taylor": "taylor", "Taylor": "taylor",
             "directional": "directional", "Directional": "directional"}


def __getattr__(name):
    """derive.convexity, derive.grade, derive.autograd_function and their results, imported on first use (the recognizer tables
    and sign rules, the grading package, cost every other command's start time otherwise)."""
    if name in ("convexity", "Convexity"):
        from .optimize import convexity as module

        return getattr(module, name)
    if name in ("autograd_function", "AutogradFunction"):  # the framework printers import torch, if present
        from .derivation import export as module

        return getattr(module, name)
    if name in _ANALYSIS:  # integrals, Taylor, directional derivatives (derive.analysis)
        import importlib

        return getattr(importlib.import_module(f".analysis.{_ANALYSIS[name]}", __name__), name)
    if name in ("grade", "Grading", "Mark", "AnswerKeyError"):
        from . import grading

        return getattr(grading, name)
    raise AttributeError(f"module 'derive' has no attribute {name!r}")
