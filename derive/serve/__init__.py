"""`derive serve`: a local web page and a JSON API over the CLI (see docs/serve.md).

The layer above the CLI: every API command is `derive.cli.main` run in a worker process
(worker.py) from the CLI's own argument parser (arguments.py), so the page, the API and the
command line give the same answers.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
