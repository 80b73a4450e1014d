"""entropy, kl, cross_entropy, softmax, log_softmax and logsumexp for SymPy objects.

    >>> from sympy import IndexedBase
    >>> p, q = IndexedBase("p"), IndexedBase("q")
    >>> kl(p, q)
    Sum((log(p[j]) - log(q[j]))*p[j], (j, 0, n - 1))

Each helper writes the call as derive's text and parses it with the user's objects
(grammar/vector_functions.py has the sums), so text, SymPy and mixed input mean one expression:
kl(p, q) is what "kl(p, q)" parses to beside them.  An IndexedBase is summed over its
shape when it has one (IndexedBase("p", shape=(K,)): 0..K-1), else over 0..n-1 as in
text; a MatrixSymbol column vector gives the matrix-notation form (p.T @ log(p)).
softmax(z) of an IndexedBase is its entries, softmax(z)[c]; of a vector, the vector.
"""

import sympy
from sympy import Dummy, IndexedBase, MatrixSymbol, Sum

from ..errors import DeriveError
from .expressions import parse
from .inputs import new_namespace
from .printing import to_text


class Softmax:
    """softmax(z) (or log_softmax(z)) of an IndexedBase z: an entry is softmax(z)[c]; as an argument
    of entropy, kl or cross_entropy it stands for the whole vector."""

    def __init__(self, z, name="softmax"):
        self.z, self.name = z, name

    def __getitem__(self, index):
        if isinstance(index, tuple):
            raise DeriveError(f"{self.name}(z)[c] takes one index")
        index = sympy.Integer(index) if isinstance(index, int) and not isinstance(index, bool) else index
        if not (isinstance(index, sympy.Expr) and (index.is_Integer or (index.is_integer and index.free_symbols))):
            raise DeriveError(f"{self.name}(z)[c] takes an integer or an integer Symbol (Symbol('c', integer=True)), "
                              f"got {index!r}")
        return _parsed(f"{self.name}({_name(self.z)})[{to_text(index)}]", self.z, index)

    def __repr__(self):
        return f"{self.name}({_name(self.z)})"

    __str__ = __repr__


def softmax(z):
    """exp(z)/sum(exp(z)) for a vector (MatrixSymbol); the entries softmax(z)[c] for an IndexedBase."""
    if isinstance(_vector(z, "softmax"), IndexedBase):
        return Softmax(z)
    return _parsed(f"softmax({z.name})", z)


def log_softmax(z):
    """z - logsumexp(z), entry by entry (log_softmax(z)[c]) or as a vector."""
    if isinstance(_vector(z, "log_softmax"), IndexedBase):
        return Softmax(z, "log_softmax")
    return _parsed(f"log_softmax({z.name})", z)


def logsumexp(z):
    """log(sum(exp(z[j]), j)); its gradient is softmax(z)."""
    return _parsed(f"logsumexp({_name(_vector(z, 'logsumexp'))})", z)


def entropy(p):
    """-sum(p[j]*log(p[j]), j), the Shannon entropy in nats; p may be softmax(z)."""
    return _information("entropy", p)


def kl(p, q):
    """sum(p[j]*(log(p[j]) - log(q[j])), j), the Kullback-Leibler divergence of q from p."""
    return _information("kl", p, q)


def cross_entropy(y, p):
    """-sum(y[j]*log(p[j]), j); for p = softmax(z), -sum(y[j]*log_softmax(z)[j], j)."""
    return _information("cross_entropy", y, p)


def _information(name, *args):
    texts, objects = [], []
    for a in args:
        if isinstance(a, Softmax) and a.name == "softmax":
            texts.append(f"softmax({_name(a.z)})")
            objects.append(a.z)
            continue
        z = _softmax_of(a)
        vector = z if z is not None else _vector(a, name)
        texts.append(f"softmax({vector.name})" if z is not None else _name(vector))
        objects.append(vector)
    return _parsed(f"{name}({', '.join(texts)})", *objects)


def _softmax_of(value):
    """z when `value` is softmax(z) of a vector z (what `softmax` returns for a MatrixSymbol), else None."""
    if not isinstance(value, sympy.MatrixExpr) or isinstance(value, MatrixSymbol):
        return None
    vectors = [m for m in value.atoms(MatrixSymbol) if m.shape[1] == 1]
    if len(vectors) == 1 and value == softmax(vectors[0]):
        return vectors[0]
    return None


def _vector(a, name):
    if isinstance(a, IndexedBase) or (isinstance(a, MatrixSymbol) and a.shape[1] == 1):
        return a
    if isinstance(a, MatrixSymbol):
        raise DeriveError(f"{name}() takes vectors; {a.name} is {a.shape[0]} x {a.shape[1]}")
    if isinstance(a, Softmax):
        raise DeriveError(f"{name}() takes a vector (IndexedBase or MatrixSymbol), not {a}")
    raise DeriveError(f"{name}() takes an IndexedBase or a MatrixSymbol vector (or softmax of one), "
                      f"got {type(a).__name__}: for an expression write the sum out")


def _name(a):
    name = str(a.name if isinstance(a, MatrixSymbol) else a.label)
    if not name.isidentifier():
        raise DeriveError(f"'{name}' is not a name derive's text can write; name the array like p or p_1")
    return name


def _parsed(text, *objects):
    """`text` parsed beside the user's `objects`; an IndexedBase's shape sets its sums' range."""
    taught = [Sum(a[d], (d, 0, a.shape[0] - 1)) for a in objects if isinstance(a, IndexedBase) and a.shape
              for d in [Dummy("d", integer=True)]]
    namespace = new_namespace(None, *objects, *taught)
    return namespace.unify(parse(text, namespace))


__all__ = ["Softmax", "cross_entropy", "entropy", "kl", "log_softmax", "logsumexp", "softmax"]
