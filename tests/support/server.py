"""A `derive serve` for the tests: started on 127.0.0.1 on a free port, stopped by its pid.

    with running_server(workers=2, time_limit=45) as server:
        status, obj, headers = server.post("grad", {"f": "x**2", "wrt": "x"})

Traffic goes only to 127.0.0.1 (the helpers refuse any other address).
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, process, port):
        self.process, self.port = process, port
        self.base = f"http://{HOST}:{port}"

    def url(self, path):
        return self.base + path

    def request(self, method, path, body=None, headers=None, timeout=120):
        """(status, bytes, headers) of one request to this server (only 127.0.0.1)."""
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url(path), data=data, method=method, headers=headers or {})
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        assert req.host.startswith(HOST + ":"), req.host
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def post(self, command, arguments, timeout=120):
        """(status, JSON object, headers) of POST /api/<command>."""
        status, raw, headers = self.request("POST", f"/api/{command}", arguments, timeout=timeout)
        return status, json.loads(raw), headers

    def raw(self, payload, timeout=30):
        """Send bytes as they are (a forged Host header, a lying Content-Length) and read the reply."""
        with socket.create_connection((HOST, self.port), timeout=timeout) as s:
            s.sendall(payload)
            chunks = []
            while True:
                try:
                    chunk = s.recv(65536)
                except (TimeoutError, ConnectionResetError):
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks)


@contextlib.contextmanager
def running_server(workers=2, time_limit=45.0, extra=(), startup=60.0):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "derive", "serve", "--host", HOST, "--port", str(port), "--workers", str(workers),
         "--time-limit", str(time_limit), *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port)
    try:
        deadline = time.monotonic() + startup
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"derive serve exited {process.returncode}: {process.stdout.read().decode()}")
            try:
                status, _, _ = server.request("GET", "/api", timeout=5)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"derive serve did not answer within {startup:g} s")
            time.sleep(0.2)
        yield server
    finally:
        stop(process)


def stop(process):
    """SIGTERM to the server's process group (the server, its fork server and workers), SIGKILL if it stays."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    with contextlib.suppress(ProcessLookupError):  # workers the server left behind
        os.killpg(process.pid, signal.SIGKILL)
    if process.stdout:
        process.stdout.close()
