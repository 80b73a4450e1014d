"""`Namespace`: names -> SymPy objects for everything parsed for one problem
(one name, one variable; the merge rule itself is symbol_table.py)."""

import sympy
from sympy import Integer, MatrixBase, MatrixSymbol, Symbol

from ..errors import ParseError, SymbolError
from .declarations import IndexSpec, MatrixProperties, declare
from .functions import CONSTANTS
from . import ranges
from .names import check_name
from .symbol_table import map_symbols, merge, name_of, named_objects


class Namespace:
    """Names -> SymPy objects, shared by everything parsed for one problem.

    One name, one variable (see symbol_table.py): the SymPy objects a call
    receives are adopted (`adopt`) before its text is read, so a name in the
    text means the user's object, with its assumptions.  Names the text
    introduces on its own (real scalars, real arrays, integer indices) are
    `implicit`: a user's object of the same name replaces them (`unify`).
    A name given two incompatible ways is a `SymbolError`.
    """

    def __init__(self, symbols=None, strict=False):
        self.strict = strict
        self.names = {}
        self.implicit = set()  # names the text created, not the user
        self.index_names = set()
        self.index_ranges = {}  # index symbol -> (lo, hi), both inclusive: declared or learned
        self.axis_ranges = {}  # (array name, axis) -> (lo, hi) its indices run over (ranges.py)
        self.size_names = set()  # sizes named for undeclared ranges (n, n_i, ...)
        self.text_scalars = set()  # scalars only the text introduced (see `plain`)
        self.declared_sizes = set()  # size names of the declarations (n in "A: n x n")
        self.used_as_scalars = set()  # declared scalars the text used as such (then x[i] is refused)
        self.user_names = set()  # names of the SymPy objects the call received (`received`)
        self.index_names_in_text = set()  # names the call's text uses as indices (never a size's name)
        self.user_bounds = set()  # names in the bounds of a judged claim's SymPy sums (`user_size`)
        self.properties = MatrixProperties()  # matrix name -> {"symmetric", "spd"} (declared)
        if symbols is None:
            return
        if isinstance(symbols, str):
            symbols = declare(symbols)
        for name, words in getattr(symbols, "properties", {}).items():
            self.properties[name] = words
        if isinstance(symbols, dict):
            items = symbols.items()
        elif isinstance(symbols, (sympy.Basic, MatrixBase)):
            items = [(name_of(o), o) for o in named_objects(symbols)]
        else:
            items = [(str(s.name) if hasattr(s, "name") else str(s), s) for s in symbols]
        for name, obj in items:
            check_name(name)
            if isinstance(obj, IndexSpec):
                self.index_names.add(name)
                self.index_ranges[obj.symbol] = (obj.lo, obj.hi)
                self._settle_sizes(obj.lo, obj.hi)
                obj = obj.symbol
            if isinstance(obj, MatrixSymbol):
                self._settle_sizes(*obj.shape)
            if isinstance(obj, (Symbol, MatrixSymbol, sympy.IndexedBase)):
                if name_of(obj) != name:
                    raise SymbolError(f"the name '{name}' is declared as {obj}, which prints as another name")
                self._settle(obj)
            else:
                self.names[name] = obj

    def _settle_sizes(self, *bounds):
        """The size names of a declaration (n in "x: n", "i: index 1..n") mean those sizes in text:
        eps/K beside "z: K" divides by the number of classes."""
        for b in bounds:
            for size in getattr(b, "free_symbols", ()):
                if isinstance(size, Symbol) and size.name not in self.names:
                    self._settle(size)
                    self.declared_sizes.add(size.name)

    def adopt(self, *objects):
        """Register the named objects in SymPy `objects` (also inside lists,
        tuples and dicts) as what their names mean; text is not read here."""
        for obj in objects:
            if isinstance(obj, dict):
                self.adopt(*obj.keys(), *obj.values())
            elif isinstance(obj, (list, tuple)):
                self.adopt(*obj)
            elif isinstance(obj, (sympy.Basic, MatrixBase)):
                for named in named_objects(obj):
                    self._settle(named)

    def received(self, *objects, judged=()):
        """Adopt the SymPy objects the user passed (f, wrt, claims...): theirs, never made plain.
        The sums of `objects` teach the problem its arrays' lengths (`ranges.learn`); those of
        `judged` (a claim under test) do not: a claim summed over 0..n-2 must not shorten the
        sum f's text leaves open, or a wrong range would be compared with itself."""
        for obj, teaches in [(o, True) for o in objects] + [(o, False) for o in judged]:
            items = list(obj.keys()) + list(obj.values()) if isinstance(obj, dict) else \
                list(obj) if isinstance(obj, (list, tuple)) else [obj]
            for item in items:
                if isinstance(item, (sympy.Basic, MatrixBase)):
                    self.user_names |= {name_of(o) for o in named_objects(item)}
                if isinstance(item, sympy.Basic) and item.has(sympy.Sum):
                    if teaches:
                        ranges.learn(item, self)
                    else:  # its sizes are named, not learned: `user_size`
                        self.user_bounds |= {s.name for s in ranges.size_symbols(item)}
        self.adopt(*objects, *judged)

    def unify(self, obj):
        """`obj` (SymPy) with every named object replaced by the one its name means here."""
        if not isinstance(obj, (sympy.Basic, MatrixBase)):
            return obj
        self.adopt(obj)
        mapping = {o: self.names[name_of(o)] for o in named_objects(obj) if self.names[name_of(o)] != o}
        return obj.xreplace(mapping) if mapping else obj

    def _settle(self, obj):
        name = name_of(obj)
        if isinstance(obj, MatrixSymbol):  # its sizes were settled first (named_objects' order)
            sizes = {s: self.names[s.name] for d in obj.shape for s in d.free_symbols
                     if self.names.get(s.name, s) != s}
            obj = obj.xreplace(sizes) if sizes else obj
        current = self.names.get(name)
        if current is None or name in self.implicit:
            self.names[name] = obj
            self.implicit.discard(name)
            return
        if not isinstance(current, (Symbol, MatrixSymbol, sympy.IndexedBase)):
            raise SymbolError(f"'{name}' is defined as {current} and also used as a variable")
        self.names[name] = merge(current, obj)
        if isinstance(self.names[name], MatrixSymbol):  # its sizes mean the merged ones everywhere
            for size in (x for d in self.names[name].shape for x in d.free_symbols):
                self.names[size.name] = merge(self.names.get(size.name, size), size)

    def plain(self, obj):
        """`obj` with the real scalars that only the text introduced as plain `Symbol`s, as SymPy
        users write them: grad("x**2", "x").subs(Symbol("x"), 2) works.  Declared names and the
        user's own objects keep their assumptions."""
        return map_symbols(obj, self.plain_mapping())

    def plain_mapping(self):
        """What `plain` swaps, as it stands now: a caller that hands this namespace on to calls that
        adopt their SymPy arguments as the user's (derive.differentiate) takes it first."""
        swap = {}
        for name in self.text_scalars - self.user_names:
            s = self.names.get(name)
            if s == Symbol(name, real=True):  # as the text made it: neither declared nor the user's
                swap[s] = Symbol(name)
        return swap

    def dimension(self, name="n"):
        """The size symbol `name` (a positive integer), shared with declarations, or the user's own
        symbol of that name when a SymPy object's shape uses it (ones(1, N) beside their x: N x 1)."""
        for obj in self.names.values():
            if isinstance(obj, MatrixSymbol):
                for size in (x for d in obj.shape for x in getattr(d, "free_symbols", ())):
                    if size.name == name:
                        return size
        return Symbol(name, integer=True, positive=True)

    def user_size(self, name):
        """The user's symbol `name` as a size the parser names itself (a text sum left open), or None.

        A SymPy claim summed to n - 2 beside a text f summed over all of x: derive calls x's length
        n, and the claim's n is that n (one name, one variable), so the claim misses one term instead
        of being a sum over a length of its own.  Only a symbol that bounds one of the claim's SymPy
        sums (a size there too; f's own sums teach their ranges instead), and that the text uses
        neither as a scalar nor as an index, is taken; it then means the size, a positive integer,
        everywhere."""
        sym = self.names.get(name)
        if (name not in self.user_bounds or not isinstance(sym, Symbol) or name in self.used_as_scalars
                or name in self.index_names or name in self.index_names_in_text):
            return None
        try:
            size = merge(sym, Symbol(name, integer=True, positive=True))
        except SymbolError:
            return None  # a negative n, a non-integer n: not a size
        self.names[name] = size
        return size

    def index_range(self, index):
        """(lo, hi) of an index: declared or learned (`ranges.py`), or 0..n-1 by default."""
        return self.index_ranges.get(index, (Integer(0), self.dimension() - 1))

    def lookup(self, name, column=None, text=None):
        if name in self.names:
            obj = self.names[name]
            if isinstance(obj, sympy.IndexedBase):
                raise ParseError(f"'{name}' is an array here ({name}[i]); a scalar of the same name would be another "
                                 "variable: give one of them another name", text, column)
            if isinstance(obj, Symbol):
                self.used_as_scalars.add(name)
            return obj
        if name in CONSTANTS:
            return CONSTANTS[name]
        if self.strict:
            known = ", ".join(sorted(self.names)) or "none"
            raise ParseError(f"unknown symbol '{name}' (declared: {known})", text, column)
        return self._implicit(name, Symbol(name, real=True))

    def declared_array(self, name, symbol, column=None, text=None):
        """The array `name` whose entries have `symbol`'s declared kind (x: positive, then x[i]):
        an IndexedBase labelled by that symbol, which means the array from now on."""
        if name in self.used_as_scalars:
            raise ParseError(f"'{name}' is used as a scalar and as an array ({name}[i]): give one of them another "
                             "name", text, column)
        array = sympy.IndexedBase(symbol)
        self.names[name] = array
        return array

    def array(self, name):
        """The array `name` in x[i]: the user's, or a real IndexedBase."""
        return self.names.get(name) or self._implicit(name, sympy.IndexedBase(name, real=True))

    def _implicit(self, name, obj):
        self.names[name] = obj
        self.implicit.add(name)
        if isinstance(obj, Symbol):
            self.text_scalars.add(name)
        return obj

    def index(self, name, column=None, text=None):
        """An integer index symbol (i in x[i])."""
        obj = self.names.get(name)
        if obj is not None and name not in self.index_names and not (
            isinstance(obj, Symbol) and obj.is_integer
        ):
            raise ParseError(f"'{name}' is used both as an index and as a variable", text, column)
        if name in self.declared_sizes:  # A: n x n, then A[m, n]: n is A's size, not an index
            raise ParseError(f"'{name}' is a size in the declarations, so it cannot be an index too: name the "
                             "index differently (A[m, k])", text, column)
        if obj is None:
            obj = self._implicit(name, Symbol(name, integer=True))
            self.index_names.add(name)
        return obj

    def __contains__(self, name):
        return name in self.names
