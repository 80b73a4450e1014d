"""`derive` and `python -m derive`: the CLI, with the subcommands of the layers above it (serve)."""

import sys


def main(argv=None):
    from .cli import main as cli_main
    from .serve.command import add_parser

    return cli_main(argv, extensions=(add_parser,))


if __name__ == "__main__":
    sys.exit(main())
