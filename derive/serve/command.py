"""`derive serve`: its arguments (added to the CLI by derive/__main__.py, from above it)."""


def add_parser(sub):
    from derive.cli.usage import _positive_int

    p = sub.add_parser("serve", help="the local web page and JSON API (POST /api/<command>), on 127.0.0.1",
                       description="Serve derive's page and a JSON API over every subcommand (POST /api/COMMAND "
                                   "with the CLI's arguments as JSON answers the CLI's --json object). Binds "
                                   "127.0.0.1 unless told otherwise; each request runs in a worker process with "
                                   "a time limit. See docs/serve.md.")
    p.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    p.add_argument("--host", default="127.0.0.1", help="the address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--open", dest="open_browser", action="store_true", help="open the page in the browser")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="worker processes (default: the cores and one more)")
    p.add_argument("--time-limit", type=float, default=45.0, metavar="SECONDS",
                   help="the most one request may take; past it the answer is an error and its worker is "
                        "replaced (default 45: the CLI's own budgets are 20 s per call, 40 s for check-steps)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also answer requests whose Host is NAME or NAME:PORT (behind a proxy, or the address "
                        "other machines use with --host 0.0.0.0; repeatable)")
    p.set_defaults(run=run)
    return p


def run(args):
    from derive.cli.usage import _UsageError

    if not 0 < args.port < 65536:
        raise _UsageError(f"--port must be 1 to 65535, got {args.port}")
    if not 0 < args.time_limit <= 3600:
        raise _UsageError(f"--time-limit must be more than 0 and at most 3600 seconds, got {args.time_limit:g}")
    from .app import serve

    return serve(args.host, args.port, args.workers, args.time_limit, args.open_browser, args.allow_host)
