"""`derive serve`: a local web page and a JSON API over the CLI (see docs/serve.md).

Owns: the server (app.py: routes, Host/Origin/size guards, CSP), the worker pool (pool.py),
what a worker runs (worker.py: `derive.cli.run`, the CLI's own path; a rendering; a plot), the API's
arguments read from the CLI's own parser (arguments.py), MathML (mathml.py), the `serve`
subcommand (command.py) and the page (static/).  The page, the API and the command line give
the same answers because every API command is the CLI's main function, run in a worker.

May import: everything below it (derive.cli and what the CLI imports); starlette, uvicorn and
latex2mathml.  Nothing in derive imports it but derive/__main__.py.
"""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
