"""How the CLI says a usage error: argparse's messages in one line (exit 2), like every other error.
"""

import argparse


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line (exit 2), like every other error."""

    def error(self, message):
        raise _UsageError(f"{message} (see '{self.prog} --help')")


class _UsageError(Exception):
    pass


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected 1 to 1000, got {value}")
    return value
