"""Safe Python identifiers for SymPy symbols pasted into generated source."""

import builtins
import keyword
import re

# Names the generated modules use themselves, plus Python builtins, so that a
# symbol called `math`, `max` or `out` can never shadow what the code calls.
RESERVED = frozenset(
    set(keyword.kwlist)
    | set(keyword.softkwlist)
    | set(dir(builtins))
    | {"math", "numpy", "numba", "np", "out", "like", "kernel", "ufunc", "core", "ArgumentError"}
)


def safe_names(symbols):
    """Map each symbol to a distinct identifier that is legal in generated code.

    A symbol keeps its own name when that name is already a safe identifier;
    otherwise it gets a sanitized name with a numeric suffix if needed.
    Names starting with an underscore are reserved for temporaries (`_t0`).
    """
    taken = set()
    names = {}
    for sym in symbols:
        base = re.sub(r"\W", "_", str(sym.name if hasattr(sym, "name") else sym))
        if not base or base[0].isdigit() or base.startswith("_"):
            base = "a" + base
        if base in RESERVED:
            base = base + "_"
        name, k = base, 1
        while name in taken:
            name = f"{base}{k}"
            k += 1
        taken.add(name)
        names[sym] = name
    return names
