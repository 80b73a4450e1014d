"""`derive serve` under load: requests per second and latency, beside the same work done in-process.

Each run starts a fresh server on 127.0.0.1 (its default worker count unless --workers), then:

  * 1 client, then 20 concurrent clients (keep-alive connections, one thread each), sending small
    grad and check requests (a different formula each time, so nothing is answered from a cache):
    requests per second and p50/p95 latency;
  * the peer: the same requests answered in this process by `derive.cli.main` (what the server's
    workers run), one after another: the floor a server can only add to;
  * a slow request (an integral with no closed form, about 9 s) and, while it runs, 1 client
    and then 20 clients of fast requests: the p95 of the fast ones (target: under 1 s).

The load comes from this process (Python threads), on the same machine as the server: on
2 cores the clients take CPU from the workers, so the numbers are a floor of what a machine
with a separate client would see.  Five runs by default; the median and range over runs.

    python3 benchmarks/bench_serve.py [--runs 5] [--seconds 8] [--workers N]
"""

import argparse
import contextlib
import http.client
import io
import json
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.server import running_server  # noqa: E402

SLOW = {"f": "1/(1 + sin(x)**2)", "from": "0", "to": "1"}


def fast_request(k):
    """A small grad or check request, different for every k."""
    if k % 2:
        return "grad", {"f": f"x**{k % 50 + 2}*y + sin({k}*y)", "wrt": "x,y"}
    return "check", {"f": f"x**{k % 50 + 2}*y", "wrt": "x,y", "claim": f"[{k % 50 + 2}*x**{k % 50 + 1}*y, x**2]"}


def cli_words(command, args):
    words = [command, args["f"], "--wrt", args["wrt"]]
    return words + (["--claim", args["claim"]] if "claim" in args else [])


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, command, args):
        body = json.dumps(args)
        started = time.perf_counter()
        self.conn.request("POST", f"/api/{command}", body, {"Content-Type": "application/json"})
        reply = self.conn.getresponse()
        data = reply.read()
        elapsed = time.perf_counter() - started
        if reply.status not in (200, 400, 504):
            raise RuntimeError(f"{reply.status}: {data[:200]!r}")
        return elapsed, reply.status

    def close(self):
        self.conn.close()


def load(port, clients, seconds, counter):
    """(requests per second, [latencies]) of `clients` threads sending fast requests for `seconds`."""
    latencies, lock, stop = [], threading.Lock(), time.monotonic() + seconds

    def run():
        client = Client(port)
        while time.monotonic() < stop:
            with lock:
                counter[0] += 1
                k = counter[0]
            elapsed, status = client.post(*fast_request(k))
            assert status == 200
            with lock:
                latencies.append(elapsed)
        client.close()

    started = time.monotonic()
    threads = [threading.Thread(target=run) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - started), latencies


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def in_process(n, start):
    from derive.cli import main

    latencies = []
    for k in range(start, start + n):
        words = cli_words(*fast_request(k))
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            main([*words, "--json"])
        latencies.append(time.perf_counter() - t)
    return latencies


def with_slow(port, clients, counter, burst=False):
    """Latencies of fast requests from `clients` clients while one slow request runs: each client
    sending one request after another, or (burst) all of them one request at the same moment,
    a new burst once the last one is answered."""
    slow_done = threading.Event()
    slow_seconds = []

    def slow():
        client = Client(port)
        elapsed, status = client.post("integrate", SLOW)
        slow_seconds.append((elapsed, status))
        client.close()
        slow_done.set()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    latencies, lock = [], threading.Lock()

    def run(once):
        client = Client(port)
        while not slow_done.is_set():
            with lock:
                counter[0] += 1
                k = counter[0]
            elapsed, _ = client.post(*fast_request(k))
            with lock:
                if not slow_done.is_set():
                    latencies.append(elapsed)
            if once:
                break
        client.close()

    while not slow_done.is_set():
        threads = [threading.Thread(target=run, args=(burst,)) for _ in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    t.join()
    return latencies, slow_seconds[0]


def one_run(seconds, workers):
    counter = [0]
    out = {}
    with running_server(workers=workers) as server:
        port = server.port
        load(port, 4, 3, counter)  # warm every worker (first imports, SymPy caches)
        floor = in_process(60, 10_000)
        out["in-process"] = {"rps": 1 / statistics.mean(floor), "p50": percentile(floor, 50),
                             "p95": percentile(floor, 95)}
        for clients in (1, 20):
            rps, lat = load(port, clients, seconds, counter)
            out[f"{clients} client{'s' * (clients > 1)}"] = {"rps": rps, "p50": percentile(lat, 50),
                                                              "p95": percentile(lat, 95), "n": len(lat)}
        for clients, burst, name in ((1, False, "1 client"), (20, True, "bursts of 20"), (20, False, "20 clients")):
            lat, (slow_s, slow_status) = with_slow(port, clients, counter, burst)
            out[f"fast beside slow, {name}"] = {
                "p50": percentile(lat, 50), "p95": percentile(lat, 95), "max": max(lat), "n": len(lat),
                "slow": slow_s, "slow_status": slow_status}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each load phase")
    ap.add_argument("--workers", type=int, default=0, help="worker processes (default: derive serve's default)")
    args = ap.parse_args()
    from derive.serve.pool import default_size

    args.workers = args.workers or default_size()
    runs = []
    for i in range(args.runs):
        runs.append(one_run(args.seconds, args.workers))
        print(f"run {i + 1}: " + json.dumps(runs[-1], default=lambda v: round(v, 4)), file=sys.stderr)
    print(f"derive serve, {args.workers} workers, {args.runs} runs "
          f"(median [min, max] over runs); latencies in ms")
    for phase in runs[0]:
        cells = []
        for key in ("rps", "p50", "p95", "max"):
            if key not in runs[0][phase]:
                continue
            values = [r[phase][key] * (1 if key == "rps" else 1000) for r in runs]
            cells.append(f"{key} {statistics.median(values):.1f} [{min(values):.1f}, {max(values):.1f}]")
        print(f"  {phase:32s} " + "   ".join(cells))


if __name__ == "__main__":
    main()
