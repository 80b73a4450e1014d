"""SymPy objects and text are one world: the same derivative three ways.

A SymPy user writes ``x = sympy.Symbol("x")`` (no assumptions: complex, to
SymPy); text such as ``"x"`` means a real variable.  derive reads everything
a call receives into one symbol table, so a name means one variable: in a
mixed call the text's ``x`` *is* the user's ``x``.  derive works over the
reals, so |x| differentiates to sign(x) (in the user's own ``x``), and at a
kink the value is reported as undefined, never as a number.

    python examples/sympy_objects.py
"""

import sympy

import derive


def main(outdir=None):
    x, y = sympy.symbols("x y")  # plain SymPy symbols, as SymPy users write them
    f_text = "log(1 + exp(x*y)) + abs(x)"
    f_sympy = sympy.log(1 + sympy.exp(x * y)) + sympy.Abs(x)

    results = {
        "text": derive.grad(f_text, "x y"),
        "sympy": derive.grad(f_sympy, [x, y]),
        "mixed": derive.grad(f_text, [x, y]),  # text function, the user's symbols
    }
    for how, g in results.items():
        print(f"{how:6}: grad = {derive.to_text(g.T)}")

    # the text-only result is in derive's real x, y; the other two are in the user's x, y
    real = {s.name: s for s in results["text"].free_symbols}
    same = all(sympy.simplify(results[k] - results["text"].xreplace({real["x"]: x, real["y"]: y})) == sympy.zeros(2, 1)
               for k in ("sympy", "mixed"))
    users_symbols = results["mixed"].free_symbols == {x, y}
    print("all three agree:", same, "| the mixed result uses the user's symbols:", users_symbols)

    # a homework claim in SymPy, checked against text
    verdict = derive.check(f_text, [x, y], [y * sympy.exp(x * y) / (1 + sympy.exp(x * y)) + sympy.sign(x),
                                            x / (1 + sympy.exp(-x * y))])
    print("claim:", verdict.status)

    # values at points: exact where the derivative exists, undefined at the kink of |x|
    d = derive.differentiate(f_sympy, [x, y])
    at_kink = d.at({x: 0, y: 1})
    away = d.at({x: 1, y: 0})
    print(at_kink)
    print(away)

    # a name declared two ways is an error, not a silent second variable
    try:
        derive.grad(sympy.Symbol("t", positive=True) ** 2, sympy.Symbol("t", negative=True))
    except derive.SymbolError as exc:
        clash = str(exc)
    print("clash:", clash)
    return {"results": results, "same": same, "users_symbols": users_symbols, "verdict": verdict,
            "at_kink": at_kink, "away": away, "clash": clash}


if __name__ == "__main__":
    main()
