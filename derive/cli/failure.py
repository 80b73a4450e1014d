"""How `main` reports an error: one line on stderr, and with --json one JSON object on stdout.
"""

import argparse
import re

from .output import _fail, _one_line, _print_json
from .usage import _UsageError


class _Failure:
    """How `main` reports an error: the one line on stderr, as always, and where --json appears
    anywhere in the arguments also one JSON object on stdout, so that a script reading stdout
    gets JSON whatever happened: {"error": the line, "where": ..., "command": ..., "exit": code}.
    An error may carry `json_fields`, what its subcommand found before it (shape's rows), printed too."""

    def __init__(self, parser, argv):
        self.parser, self.argv, self.args = parser, argv, None  # args: once argparse has read them
        self.as_json = "--json" in argv

    def __call__(self, message, code, exc=None):
        _fail(message, code)
        if self.as_json:
            _print_json(self.error_object(message, code, exc))
        return code

    def error_object(self, message, code, exc=None):
        partial = getattr(exc, "json_fields", {})  # what a subcommand had found before the error (shape)
        return {**partial, "error": _one_line(message), "where": self.where(exc), "command": self.command(),
                "exit": code}

    def command(self):
        if self.args is not None:
            return self.args.command
        # argparse stopped early: the first word that is not an option is the subcommand, if it is one
        first = next((a for a in self.argv if not a.startswith("-")), None)
        return first if first in _subcommands(self.parser) else None

    def where(self, exc):
        """{"argument", "column", "text"}, {"symbol"}, {"file"} (what is known, merged), or None."""
        if isinstance(exc, _UsageError):
            name = _usage_argument(str(exc))
            return {"argument": name} if name else None
        if exc is None:
            return None
        where = {}
        message = str(exc)
        column = getattr(exc, "column", None)
        if column is None:  # ShapeError and LimitError of the parser put the column in the message only
            found = re.match(r"column (\d+): ", message)
            column = int(found.group(1)) if found else None
        if isinstance(column, int):
            text = getattr(exc, "text", None)
            where["argument"] = self.argument_holding(text)
            where["column"] = column  # 1-based, in `text` where that is known
            if isinstance(text, str):
                where["text"] = text
        symbol = _unknown_symbol(message)
        if symbol:
            where["symbol"] = symbol
        if isinstance(exc, OSError) and getattr(exc, "filename", None):
            where["file"] = str(exc.filename)
        return where or None

    def argument_holding(self, text):
        """The argument ("expr", "--claim", ...) whose value is `text`, or contains it just once (the
        right side of a --let definition, a value of --at); None where no argument, or several, do."""
        if not isinstance(text, str) or not text.strip() or self.args is None:
            return None
        wanted = text.strip()
        subparser = _subcommands(self.parser).get(self.args.command)
        values = []  # (argument, value) for every text value the subcommand was given
        for action in subparser._actions if subparser else ():
            value = getattr(self.args, action.dest, None)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    values.append((_argument_name(action), item.strip()))
        for match in (lambda v: v == wanted, lambda v: wanted in v):
            names = {name for name, value in values if match(value)}
            if names:
                return names.pop() if len(names) == 1 else None
        return None


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _subcommands(parser):
    """{name: its parser} of `derive`'s subcommands."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def _argument_name(action):
    """How the user spells an argument: its long option (--output for -o/--output), or a positional's name."""
    if not action.option_strings:
        return action.metavar or action.dest  # as argparse's own messages name it: expr, FILE
    return max(action.option_strings, key=len)


def _usage_argument(message):
    """The argument an argparse message names: 'argument --wrt: expected one argument', 'the following
    arguments are required: expr' (the first named), 'unrecognized arguments: --foo'; else None."""
    for pattern in (r"argument (\S+?): ", r"the following arguments are required: ([^\s,]+)",
                    r"unrecognized arguments: (\S+)"):
        found = re.match(pattern, message)
        if found:
            return max(found.group(1).split("/"), key=len)  # -o/--output -> --output
    return None


def _unknown_symbol(message):
    """'x' of "unknown symbol 'x' ..." or "unknown name 'x' ..." (after a "column N: " if any): the
    messages of the parser, wrt and points carry the name only in words."""
    found = re.match(r"(?:column \d+: )?unknown (?:symbol|name) '([^']+)'", message)
    return found.group(1) if found else None
