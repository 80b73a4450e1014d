"""derive's local web API from a script: start `derive serve`, ask it what the page asks, stop it.

The page at http://127.0.0.1:PORT/ sends exactly these requests; any program can too.  Every
command of the CLI is `POST /api/<command>` with the CLI's arguments as JSON, and the answer is
the object `derive <command> ... --json` prints.  Standard library only (urllib).

    python examples/serve_api.py [OUT_DIR]
"""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base, path, body):
    """(HTTP status, the JSON answer) of one POST."""
    request = urllib.request.Request(base + path, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:  # 400: bad input, with the CLI's one-line message
        return error.code, json.loads(error.read())


def main(out_dir="."):
    out_dir = Path(out_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "derive", "serve", "--port", str(port), "--workers", "2"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):  # the server is up when GET /api answers
            try:
                with urllib.request.urlopen(base + "/api", timeout=2) as reply:
                    commands = sorted(json.loads(reply.read())["commands"])
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("derive serve did not start")
        print(f"derive serve on {base}: {len(commands)} commands: {', '.join(commands)}")

        # the gradient, as `derive grad "x**2*y + sin(y)" --wrt x,y --json` prints it
        _, grad = post(base, "/api/grad", {"f": "x**2*y + sin(y)", "wrt": "x,y"})
        print("gradient:", [row[0] for row in grad["result"]], "-", grad["validation"]["message"])

        # a student's sigmoid derivative with a slip (the crash course's dsigmoid)
        _, check = post(base, "/api/check", {"f": "1/(1+exp(-z))", "wrt": "z", "claim": "2*s*(1-s)",
                                             "let": "s = 1/(1+exp(-z))"})
        print("check:", check["status"], "-", check["explanation"])

        # a derivation, line by line: the third line flips a sign
        derivation = "d/dx (x^2*sin(x))\n= 2*x*sin(x) + x^2*cos(x)\n= 2*x*sin(x) - x^2*cos(x)\n"
        _, steps = post(base, "/api/check-steps", {"derivation": derivation})
        lines = steps["derivations"][0]["lines"]
        for line in lines:
            print("  ", "✓" if line["status"] == "ok" else "✗", line["text"])

        # bad input: HTTP 400 and the CLI's one-line message, with the column
        status, error = post(base, "/api/grad", {"f": "x**2 +", "wrt": "x"})
        print(f"bad input: HTTP {status}: {error['error']}")

        # what the page's formula box shows: MathML of what derive read
        _, rendered = post(base, "/render", {"formulas": ["sigmoid(w*x + b)"]})

        # a plot, as the page's <img src="/plot.svg?..."> gets it
        with urllib.request.urlopen(base + "/plot.svg?op=grad&f=x**2*y&wrt=x,y", timeout=120) as reply:
            svg = reply.read()
        (out_dir / "serve_grad_plot.svg").write_bytes(svg)
        print(f"plot: {len(svg)} bytes of SVG written to {out_dir / 'serve_grad_plot.svg'}")
        return {"commands": commands, "grad": grad, "check": check, "lines": lines, "bad_status": status,
                "bad": error, "mathml": rendered["mathml"][0], "svg": svg}
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
