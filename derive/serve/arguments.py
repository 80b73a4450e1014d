"""The API's JSON arguments as the CLI's argv: `{"f": "x**2", "wrt": "x"}` -> `grad --wrt=x -- x**2`.

The mapping is read from the CLI's own argparse parser, so a new option of a subcommand is an API
argument the day it is added, spelled as its long option without the dashes ("wrt", "from",
"no_validate" or "no-validate").  A positional is named by its dest ("expr", "key"), and the
function is also "f" where the subcommand has no --f of its own.  Values: a string or number,
true for a flag, a list for a repeatable option (--let, --st, --prior).

The server runs commands for someone at a page, so it reads and writes no files of its own:
an argument that names a file to read (check-steps' FILE, check --sheet, grade's KEY and
ANSWERS, em --data) takes the file's text instead (or {"name": "key.yaml", "text": ...} where
the extension matters), which the worker writes into a fresh folder; an argument that writes a
file (--output, --plot, grade --out) is refused: plots are drawn by GET /plot.svg.
"""

import argparse
import re

from ..errors import DeriveError


class ArgumentsError(DeriveError):
    """The JSON arguments do not make a command line (unknown command or argument, wrong type)."""


# argument -> the file name its text is written to when the JSON gives no name
FILE_ARGUMENTS = {
    ("check-steps", "file"): None,  # None: the text is the command's stdin, FILE is '-'
    ("check", "sheet"): "sheet.toml",
    ("grade", "key"): "key.toml",
    ("grade", "answers"): "answers.csv",
    ("em", "data"): "data.csv",
}
# arguments that write files on the server, and what to do instead
WRITES_FILES = {
    "output": "the kernel source is in the answer's 'source'",
    "plot": "GET /plot.svg with the same arguments draws the plot",
    "out": "the answer is the JSON object",
}
NOT_SERVED = {"serve": "the server does not start servers"}
# options whose value the server sets: its worker pool is the parallelism, a request gets one process
SERVER_SET = {("grade", "jobs"): "1"}
ALIASES = {"derivation": "file"}  # check-steps: the pasted derivation
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,40}\Z")
_SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,80}\Z")


def subcommands(parser):
    """{name: its argparse parser} of `derive`'s subcommands that the API serves."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {name: p for name, p in action.choices.items() if name not in NOT_SERVED}
    return {}


def _spellings(action):
    """The JSON names of one argparse action: 'expr', 'wrt', 'from', 'no_validate', 'no-validate'."""
    if not action.option_strings:
        return {action.dest}
    longs = [o[2:] for o in action.option_strings if o.startswith("--")]
    return {n for name in longs for n in (name, name.replace("-", "_"))} | {action.dest}


def _table(subparser):
    """{JSON name: action} for one subcommand (help and --json excluded: the API always answers JSON)."""
    table = {}
    for action in subparser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest == "json":
            continue
        for name in _spellings(action):
            table.setdefault(name, action)
    return table


def to_argv(parser, command, arguments):
    """(argv, files, stdin): the command line for `command` with `arguments`, the files to write
    into the worker's folder first ({name: text}), and the text for stdin (or None)."""
    served = subcommands(parser)
    if command not in served:
        raise ArgumentsError(f"unknown command '{_shown(command)}'; the API serves: {', '.join(sorted(served))}")
    if not isinstance(arguments, dict):
        raise ArgumentsError(f"the body must be one JSON object of {command}'s arguments, e.g. "
                             '{"f": "x**2", "wrt": "x"}')
    table = _table(served[command])
    positional_names = {a.dest for a in table.values() if not a.option_strings}
    if "f" not in table and "expr" in positional_names:
        table["f"] = table["expr"]
    flags, options, positionals = [], [], {}
    files, stdin, given = {}, None, set()
    latex = False
    for name, value in arguments.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ArgumentsError(f"'{_shown(name)}' is not an argument name")
        name = ALIASES.get(name, name) if command == "check-steps" else name
        if name == "latex":  # LaTeX input (detected anyway); integrate's --latex only changes its text
            latex = _boolean(name, value)
            continue
        if name in WRITES_FILES and name in table:
            raise ArgumentsError(f"'{name}' writes a file on the server, which the API does not do: "
                                 f"{WRITES_FILES[name]}")
        action = table.get(name)
        if action is None:
            known = sorted(n for n in table if "-" not in n and n not in WRITES_FILES)
            raise ArgumentsError(f"{command} takes no argument '{name}'; it takes: {', '.join(known)}")
        if action.dest in given:
            raise ArgumentsError(f"'{name}' is given twice (as {action.dest} under another name)")
        given.add(action.dest)
        if value is None or value is False:
            continue
        if (command, action.dest) in SERVER_SET and str(value) != SERVER_SET[(command, action.dest)]:
            raise ArgumentsError(f"'{name}' is {SERVER_SET[(command, action.dest)]} on the server: each request "
                                 "runs in one worker process (the server's pool is the parallelism)")
        if (command, action.dest) in FILE_ARGUMENTS:
            file_name, text = _file(command, action.dest, name, value)
            if file_name is None:
                stdin, value = text, "-"
            else:
                files[file_name] = text
                value = file_name
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreConstAction)):
            if _boolean(name, value):
                flags.append(max(action.option_strings, key=len))
        elif not action.option_strings:
            positionals[action.dest] = _word(name, value)
        elif isinstance(action, argparse._AppendAction):
            for item in value if isinstance(value, list) else [value]:
                options.append(f"{max(action.option_strings, key=len)}={_word(name, item)}")
        else:
            options.append(f"{max(action.option_strings, key=len)}={_word(name, value)}")
    for (cmd, dest), value in SERVER_SET.items():
        if cmd == command and dest not in given:
            action = next(a for a in served[command]._actions if a.dest == dest)
            options.append(f"{max(action.option_strings, key=len)}={value}")
    ordered = [positionals[a.dest] for a in served[command]._actions
               if not a.option_strings and a.dest in positionals]
    argv = ["--latex"] * latex + [command, *flags, *options, "--json"]
    # after '--' every word is a positional, even one that starts with '-' ("-x**2")
    return argv + (["--", *ordered] if ordered else []), files, stdin


def _word(name, value):
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ArgumentsError(f"'{name}' must be a string or a number, not {_json_type(value)}")
    text = str(value)
    if "\x00" in text:
        raise ArgumentsError(f"'{name}' contains a NUL character")
    return text


def _boolean(name, value):
    if not isinstance(value, bool):
        raise ArgumentsError(f"'{name}' is a switch: true or false, not {_json_type(value)}")
    return value


def _file(command, dest, name, value):
    """(file name, or None for stdin; text) of a file argument given as text or {"name", "text"}.
    check-steps reads plain text from stdin, and a named file (d.toml, d.tex) by its suffix."""
    default = FILE_ARGUMENTS[(command, dest)]
    if not isinstance(value, dict):
        if not isinstance(value, str):
            raise ArgumentsError(f"'{name}' is the file's text (a string), not {_json_type(value)}")
        return default, value
    if set(value) - {"name", "text"} or not isinstance(value.get("text"), str):
        raise ArgumentsError(f"'{name}' is the file's text, or {{\"name\": ..., \"text\": ...}}")
    file_name = value.get("name", default)
    if file_name is None:
        return None, value["text"]
    if not isinstance(file_name, str) or not _SAFE_FILE_NAME.match(file_name) or ".." in file_name:
        raise ArgumentsError(f"'{name}': the file name must be a plain name like key.yaml, without folders")
    return file_name, value["text"]


def _json_type(value):
    return {bool: "true/false", dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), "a number")


def _shown(text):
    """User text inside an error message: printable, short."""
    text = str(text)
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= 40 else text[:37] + "..."
