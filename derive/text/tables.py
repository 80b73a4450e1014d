"""TOML and YAML files as plain data: answer keys, homework sheets, derivation sheets.

Both are read by parsers that build only dicts, lists, strings and numbers (tomllib, and
PyYAML's safe_load, which refuses Python objects), so a file is never code.
"""

import tomllib
from pathlib import Path

from ..errors import ParseError


def read_table(text, path):
    """The data of `text`: YAML when `path` ends in .yaml/.yml, TOML otherwise; a ParseError naming
    the file and the line where it is neither."""
    if Path(str(path)).suffix.lower() in (".yaml", ".yml"):
        return read_yaml(text, path)
    return read_toml(text, path)


def read_toml(text, path):
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"{path} is not valid TOML: {exc}") from None


def read_yaml(text, path):
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParseError(f"{path} is not valid YAML: {' '.join(str(exc).split())}") from None
