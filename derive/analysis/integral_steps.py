"""The integration rules SymPy's manual integrator used, in words: one entry per rule.

`describe_steps(rule)` walks the rule tree of `sympy.integrals.manualintegrate.integral_steps`
(the first alternative where there are several, as `manualintegrate` itself takes) and names the
steps a course names: substitution, integration by parts, partial fractions, a rewrite, a
trigonometric substitution.  Routine steps (a power, a constant factor, a sum) are folded into the
step that contains them, so a reader sees the ideas, not the bookkeeping.
"""

import sympy
from sympy.integrals import manualintegrate as mi

from ..text.printing import to_text

MAX_STEPS = 12
SUBSTITUTE_NAMES = ("u", "w", "t", "s", "v")


def _text(expr, names):
    return to_text(expr.xreplace(names))


def _reciprocal(rule, names):
    base = _text(rule.base, names)
    return f"the integral of 1/{base if rule.base.is_Atom else '(' + base + ')'} is log|{base}|"


def _u(rule, names):
    taken = {str(v) for v in names.values()}
    name = next((n for n in SUBSTITUTE_NAMES if n not in taken), "u")
    u_func = _text(rule.u_func, names)  # in the names so far: SymPy may reuse one Dummy for the new variable
    names[rule.u_var] = sympy.Symbol(name)
    return (f"substitute {name} = {u_func}: the integral becomes that of "
            f"{_text(rule.substep.integrand, names)} d{name}")


def _parts(rule, names):
    d = to_text(rule.variable.xreplace(names))
    return (f"by parts with u = {_text(rule.u, names)} and dv = {_text(rule.dv, names)} d{d}: "
            f"v = {_text(rule.v_step.eval(), names)}, so the integral is u v - integral of v du")


def _cyclic(rule, names):
    return (f"by parts {len(rule.parts_rules)} times until the integral of {_text(rule.integrand, names)} returns "
            f"(times {to_text(rule.coefficient)}), then solved for it")


def _rewrite(rule, names):
    shown = f"{_text(rule.integrand, names)} = {_text(rule.rewritten, names)}"
    return ("partial fractions", shown) if _partial_fractions(rule) else ("rewrite", shown)


def _partial_fractions(rule):
    """Is the rewrite a rational function split into a sum of simpler fractions?"""
    x, before = rule.variable, rule.integrand
    try:
        return before.is_rational_function(x) and not before.is_polynomial(x) and \
            sympy.expand(rule.rewritten).is_Add and sympy.apart(before, x) == sympy.apart(rule.rewritten, x)
    except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError):
        return False


def _trig_substitution(rule, names):
    return f"substitute {to_text(rule.variable)} = {_text(rule.func, names)} ({to_text(rule.theta)} the new variable)"


def _complete_square(rule, names):
    return f"complete the square in {_text(rule.integrand, names)}"


# rule class -> (name, wording); a wording may return (name, text) to choose its own name
WORDING = {
    mi.URule: ("substitution", _u),
    mi.PartsRule: ("integration by parts", _parts),
    mi.CyclicPartsRule: ("integration by parts (cyclic)", _cyclic),
    mi.RewriteRule: ("rewrite", _rewrite),
    mi.TrigSubstitutionRule: ("trigonometric substitution", _trig_substitution),
    mi.CompleteSquareRule: ("completing the square", _complete_square),
    mi.ReciprocalRule: ("log rule", _reciprocal),
    mi.ArctanRule: ("arctangent rule",
                    lambda r, names: f"the integral of {_text(r.integrand, names)} is an arctangent"),
    mi.ArcsinRule: ("arcsine rule", lambda r, names: f"the integral of {_text(r.integrand, names)} is an arcsine"),
}


def describe_steps(rule):
    """[(rule name, text)] for the named steps of a manualintegrate rule tree."""
    steps = []
    _walk(rule, steps, {})
    return steps[:MAX_STEPS]


def _walk(rule, steps, names):
    """Depth first; `names` gives each substitution's variable (a Dummy to SymPy) a reader's name."""
    if isinstance(rule, mi.AlternativeRule):  # the way with the fewest named steps reads best
        ways = []
        for alternative in rule.alternatives:
            way, way_names = [], dict(names)
            _walk(alternative, way, way_names)
            ways.append((len(way), way, way_names))
        _, way, way_names = min(ways, key=lambda w: w[0])
        steps += way
        names.update(way_names)
        return
    wording = WORDING.get(type(rule))
    if wording is not None:
        name, say = wording
        said = say(rule, names)
        steps.append(said if isinstance(said, tuple) else (name, said))
    for child in _children(rule):
        _walk(child, steps, names)


def _children(rule):
    if isinstance(rule, mi.PartsRule):
        return [rule.second_step] if rule.second_step is not None else []
    if isinstance(rule, mi.AddRule):
        return list(rule.substeps)
    substep = getattr(rule, "substep", None)
    return [substep] if isinstance(substep, mi.Rule) else []


__all__ = ["WORDING", "describe_steps"]
