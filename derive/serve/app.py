"""The web server: one page, the JSON API over the CLI, and the guards in front of them.

    GET  /                the page (its state in the query: /?op=grad&f=x**2&wrt=x)
    GET  /static/NAME     the page's script and style sheet
    GET  /api             the commands the API serves and the arguments each takes
    POST /api/COMMAND     the CLI's arguments as JSON -> exactly the CLI's --json object
    POST /render          formulas -> MathML (what derive read; the LaTeX as typed)
    GET  /plot.svg?op=... a command's plot, drawn as SVG

Answers: 200 with the CLI's object when the command ran (a failed check included: its object
says "ok": false; the CLI's exit code is in the X-Derive-Exit header), 400 {"error": ...} for bad
input (the CLI's one-line message), 422 for a result derive could not validate (the CLI's exit 1 with
an error object), 404 for an unknown command, 413 for a body over 1 MB, 503
when 200 requests already wait for a worker, 504 when a request passes the time limit.  Every request is checked first: its Host must be the one
served (a DNS-rebinding page cannot reach the API), a POST from another origin is refused, and
every answer carries a Content-Security-Policy that allows only this origin.
"""

import asyncio
import contextlib
import json
import re
from importlib import resources

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from derive.cli import build_parser

from .arguments import ArgumentsError, subcommands, to_argv
from .pool import BusyError, TimeLimitError, WorkerError, WorkerPool

MAX_BODY = 1_000_000  # bytes of a request body
MAX_QUERY = 100_000  # characters of a query string (GET /plot.svg)
BODY_SECONDS = 30  # a body that has not arrived by then is not coming (a client that sends less than it said)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
STATIC = {"page.js": "text/javascript; charset=utf-8", "page.css": "text/css; charset=utf-8"}
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
PLOTS = {"grad", "jacobian", "hessian", "critical", "kkt", "integrate", "taylor", "directional"}


WILDCARDS = ("0.0.0.0", "::", "[::]")


def allowed_hosts(host, port, extra=()):
    """The Host header values a server bound to host:port answers: its own name and port, the loopback
    names where it listens on loopback (a wildcard bind does too), and each --allow-host NAME[:PORT]
    as given (a proxy in front sends its own name, often without a port)."""
    names = set(LOOPBACK) if host in LOOPBACK or host in WILDCARDS else {host}
    names = {f"[{n}]" if ":" in n and not n.startswith("[") else n for n in names if n not in WILDCARDS}
    allowed = {f"{n}:{port}" for n in names} | (names if port == 80 else set())
    for item in extra:
        item = item.strip().lower()
        has_port = re.search(r":\d+$", item) and (not item.startswith("[") or "]:" in item)
        allowed |= {item} if has_port else {item, f"{item}:{port}"}
    return allowed


class Guard:
    """ASGI middleware: Host and Origin checks, the body size limit, the security headers."""

    def __init__(self, app, hosts):
        self.app, self.hosts = app, {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        names = [k.lower() for k, _ in scope["headers"]]

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        host = headers.get("host", "").lower()
        if host not in self.hosts:
            return await _refuse(send_secured, 400, "this server answers only requests for "
                                 f"{sorted(self.hosts)[0]} (the Host header names another site)")
        origin = headers.get("origin")
        if names.count(b"origin") > 1 or names.count(b"host") > 1:
            return await _refuse(send_secured, 400, "a request names its Host and Origin once each")
        if scope["method"] not in ("GET", "HEAD") and origin is not None and \
                origin.lower() not in {f"{scheme}://{h}" for h in self.hosts for scheme in ("http", "https")}:
            return await _refuse(send_secured, 403, "a request from another site's page is refused")
        # another site's page may link to this one (a link reproduces an answer), but not make it work: its
        # <img src=/plot.svg?...> or fetch() would start derivations the user never asked for
        navigation = headers.get("sec-fetch-mode") == "navigate" and scope["path"] == "/"
        if headers.get("sec-fetch-site") in ("cross-site", "same-site") and not navigation:
            return await _refuse(send_secured, 403, "a request from another site's page is refused")
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return await _refuse(send_secured, 413, f"the request body is over {MAX_BODY // 1000} kB")
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            return await _refuse(send_secured, 414, f"the query is over {MAX_QUERY // 1000} kB")
        await self.app(scope, _bounded(receive), send_secured)


def _bounded(receive):
    """receive() that stops a chunked body once it passes MAX_BODY (no Content-Length to check first)."""
    seen = 0

    async def bounded():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > MAX_BODY:
                raise _TooLarge()
        return message

    return bounded


class _TooLarge(Exception):
    pass


async def _refuse(send, status, message):
    body = json.dumps({"error": message}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _error(status, message, command=None):
    return JSONResponse({"error": " ".join(str(message).split()), "where": None, "command": command, "exit": 2},
                        status_code=status)


class Server:
    """The routes, over one WorkerPool."""

    def __init__(self, pool):
        self.pool = pool
        self.parser = build_parser()
        self.commands = subcommands(self.parser)
        self.page = resources.files(__package__).joinpath("static/index.html").read_bytes()
        self.static = {name: resources.files(__package__).joinpath(f"static/{name}").read_bytes()
                       for name in STATIC}

    async def index(self, request):
        return Response(self.page, media_type="text/html; charset=utf-8")

    async def favicon(self, request):  # the page has none; a 204 keeps the browser's console quiet
        return Response(status_code=204)

    async def static_file(self, request):
        name = request.path_params["name"]
        if name not in STATIC:
            return _error(404, f"no file {name!r}")
        return Response(self.static[name], media_type=STATIC[name])

    async def describe(self, request):
        from .arguments import FILE_ARGUMENTS, WRITES_FILES, _table

        out = {}
        for name, p in self.commands.items():
            table = _table(p)
            names = {sorted(n for n in table if table[n] is a and "-" not in n)[0]
                     for a in table.values() if a.dest not in WRITES_FILES}
            names |= {"f"} if "expr" in names and "f" not in table else set()
            names |= {"derivation"} if name == "check-steps" else set()
            out[name] = {"help": p.description or "", "arguments": sorted(names),
                         "files": sorted(d for c, d in FILE_ARGUMENTS if c == name),
                         "plot": name in PLOTS}
        return JSONResponse({"commands": out})

    async def api(self, request):
        command = request.path_params["command"]
        if command not in self.commands:
            return _error(404, f"unknown command '{command[:40]}'; the API serves: "
                               f"{', '.join(sorted(self.commands))}", None)
        arguments = await _json_body(request)
        if isinstance(arguments, Response):
            return arguments
        try:
            argv, files, stdin = to_argv(self.parser, command, arguments)
        except ArgumentsError as exc:
            return _error(400, exc, command)
        return await self._run(request, command, "command", argv, files, stdin)

    async def _run(self, request, command, job, *args):
        try:
            result = await _unless_gone(request, self.pool.run(job, *args))
        except _ClientGone:
            return Response(status_code=499)  # nobody reads it: the client closed the connection
        except BusyError as exc:
            return _error(503, exc, command)
        except TimeLimitError as exc:
            return _error(504, exc, command)
        except WorkerError as exc:
            return JSONResponse({"error": str(exc), "where": None, "command": command, "exit": 3}, status_code=500)
        code, obj = result[0], result[1]
        # exit 1 is a failed check (its object says "ok": false), or a result derive could not validate,
        # which is an error object like bad input's: 422, so a client need not look inside a 200 for it
        status = 422 if code == 1 and "error" in obj else 200 if code in (0, 1) else 400 if code == 2 else 500
        return JSONResponse(obj, status_code=status, headers={"x-derive-exit": str(code)})

    async def render(self, request):
        body = await _json_body(request)
        if isinstance(body, Response):
            return body
        formulas, let, typed = body.get("formulas", []), body.get("let", []), body.get("typed")
        if not (isinstance(formulas, list) and all(isinstance(f, str) for f in formulas)):
            return _error(400, "'formulas' must be a list of strings")
        if not (isinstance(let, str) or isinstance(let, list) and all(isinstance(x, str) for x in let)):
            return _error(400, "'let' must be a string or a list of strings")
        if typed is not None and not (isinstance(typed, str) or isinstance(typed, list)
                                      and all(isinstance(t, str) for t in typed)):
            return _error(400, "'typed' must be a string or a list of strings")
        try:
            return JSONResponse(await _unless_gone(request, self.pool.run("render", formulas, let, typed)))
        except _ClientGone:
            return Response(status_code=499)
        except BusyError as exc:
            return _error(503, exc)
        except TimeLimitError as exc:
            return _error(504, exc)
        except WorkerError as exc:
            return _error(500, exc)

    async def plot(self, request):
        query = request.query_params
        command = query.get("op", "")
        if command not in PLOTS:
            return _error(400, f"no plot for '{command[:40]}'; plots: {', '.join(sorted(PLOTS))}", command or None)
        arguments = {}
        for key in query:
            if key == "op":
                continue
            values = query.getlist(key)
            arguments[key] = values if key in ("let", "st") else values[-1]
            if arguments[key] in ("true", "false") and key not in ("f", "expr"):
                arguments[key] = arguments[key] == "true"
        try:
            argv, files, stdin = to_argv(self.parser, command, arguments)
        except ArgumentsError as exc:
            return _error(400, exc, command)
        try:
            code, svg, obj = await _unless_gone(request, self.pool.run("plot", argv, files, stdin))
        except _ClientGone:
            return Response(status_code=499)
        except BusyError as exc:
            return _error(503, exc, command)
        except TimeLimitError as exc:
            return _error(504, exc, command)
        except WorkerError as exc:
            return _error(500, exc, command)
        if svg is None:
            return JSONResponse(obj if "error" in obj else {"error": "no plot was drawn"},
                                status_code=500 if code == 3 else 400)
        return Response(svg, media_type="image/svg+xml")


class _ClientGone(Exception):
    pass


async def _unless_gone(request, job, grace=1.0, every=0.5):
    """The job's result; but where its client disconnects while it runs (looked at every `every` s once
    it has run `grace` s: a quick job is not worth a worker), the job is cancelled, which replaces its
    worker, and _ClientGone is raised."""
    task = asyncio.ensure_future(job)
    waited = 0.0
    while True:
        done, _ = await asyncio.wait({task}, timeout=every)
        if done:
            return task.result()
        waited += every
        if waited >= grace and await request.is_disconnected():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise _ClientGone()


async def _json_body(request: Request):
    """The request's JSON object, or a 400/413 response saying what is wrong with it."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        return _error(415, "send the arguments as JSON "
                      "(Content-Type: application/json)")
    try:
        raw = await asyncio.wait_for(request.body(), BODY_SECONDS)
    except _TooLarge:
        return _error(413, f"the request body is over {MAX_BODY // 1000} kB")
    except (TimeoutError, ClientDisconnect):
        return _error(408, f"the request body did not arrive within {BODY_SECONDS} s")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return _error(400, f"the body is not JSON: {' '.join(str(exc).split())[:120]}")
    if not isinstance(body, dict):
        return _error(400, 'the body must be one JSON object, e.g. {"f": "x**2", "wrt": "x"}')
    if not _encodable(body):
        return _error(400, "the body has a string that is not text (a lone UTF-16 surrogate such as \\ud800)")
    return body


def _encodable(value):
    """Every string in a JSON value is UTF-8 text (JSON's \\ud800 escapes decode to no character)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def create_app(host="127.0.0.1", port=8000, workers=None, time_limit=45.0, allow_hosts=()):
    """The ASGI application (its worker pool starts with the server and stops with it)."""
    import contextlib

    pool = WorkerPool(workers, time_limit)
    server = Server(pool)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await pool.start()
        try:
            yield
        finally:
            pool.close()

    app = Starlette(routes=[
        Route("/", server.index, methods=["GET", "HEAD"]),
        Route("/static/{name}", server.static_file, methods=["GET", "HEAD"]),
        Route("/favicon.ico", server.favicon, methods=["GET", "HEAD"]),
        Route("/api", server.describe, methods=["GET"]),
        Route("/api/{command}", server.api, methods=["POST"]),
        Route("/render", server.render, methods=["POST"]),
        Route("/plot.svg", server.plot, methods=["GET"]),
    ], lifespan=lifespan)
    app.state.pool = pool
    return Guard(app, allowed_hosts(host, port, allow_hosts))


def serve(host="127.0.0.1", port=8000, workers=None, time_limit=45.0, open_browser=False, allow_hosts=()):
    """Run the server until Ctrl+C (`derive serve`)."""
    import threading

    import uvicorn

    app = create_app(host, port, workers, time_limit, allow_hosts)
    shown = "127.0.0.1" if host in WILDCARDS else f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"derive serve: {url}  (Ctrl+C stops it)", flush=True)
    if host in WILDCARDS:
        print("derive serve: listening on every address; requests from another machine are answered only for "
              "the names given with --allow-host (its address, e.g. --allow-host 192.168.1.5)", flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    # limit_concurrency: past it uvicorn answers 503 at once instead of holding more connections open
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False, date_header=False,
                limit_concurrency=512)
    return 0
