"""What every subcommand prints: one JSON object (--json), the work shown (--steps, --plot FILE),
an error in one line.  `collecting()` gathers the JSON objects instead of printing them: the layer
derive serve calls (derive.cli.run).
"""

import contextvars
import json
import sys

_COLLECTED = contextvars.ContextVar("derive_cli_collected", default=None)


def _print_json(obj):
    if isinstance(obj, dict):  # result objects (the steps of --steps) as their to_dict()
        obj = {k: v.to_dict() if hasattr(v, "to_dict") else v for k, v in obj.items()}
    collected = _COLLECTED.get()
    if collected is not None:  # derive.cli.run: the object itself, not its text
        collected.append(json.loads(json.dumps(_finite(obj), default=str, allow_nan=False)))
        return
    print(json.dumps(_finite(obj), indent=2, default=str, allow_nan=False))


def _finite(obj):
    """NaN and infinities as the strings "nan", "inf", "-inf": JSON has no such numbers, and a reader
    (a browser's JSON.parse, jq) refuses Python's NaN."""
    if isinstance(obj, float) and (obj != obj or obj in (float("inf"), float("-inf"))):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _show_options(p, steps=False, plot=False):
    if steps:
        p.add_argument("--steps", action="store_true",
                       help="show the derivation step by step, one rule per line (each step checked numerically)")
    if plot:
        p.add_argument("--plot", metavar="FILE", help="draw the result into FILE (.png, .svg, .pdf)")


def _show(args, steps=None, plot=None):
    """{"steps": ..., "plot": path} for the options given (the JSON keys; printed by `_print_shown`).

    Steps that cannot be shown (an operator without a step rule) do not hide the answer: they
    become one line saying why."""
    from ..errors import DeriveError

    shown = {}
    if steps is not None:
        try:
            shown["steps"] = steps()
        except DeriveError as exc:
            shown["steps"] = f"steps unavailable: {' '.join(str(exc).split())}"
    if plot is not None:
        shown["plot"] = str(plot(args.plot))
    return shown


def _print_shown(shown):
    if "steps" in shown:
        print()
        print("the derivation, step by step:")
        print(shown["steps"])
    if "plot" in shown:
        print(f"plot written to {shown['plot']}")


def _fail(message, code=2):
    print(f"derive: error: {_one_line(message)}", file=sys.stderr)
    return code


def _one_line(message):
    return " ".join(message.split())
