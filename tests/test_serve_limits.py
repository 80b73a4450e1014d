"""`derive serve` under bad and heavy traffic: sizes, hostile formulas, foreign hosts and pages,
XSS, a time limit, and a slow derivation next to 20 fast ones.

Every request goes to a server these tests start on 127.0.0.1 (tests/support/server.py);
counts and times are bounded.  What is asserted is behaviour (who answered, with what, in
which order), not speed: the latencies are measured in benchmarks/bench_serve.py.
"""

import json
import threading
import time

import pytest

from tests.support.server import running_server

pytestmark = pytest.mark.slow

SLOW = {"f": "1/(1 + sin(x)**2)", "from": "0", "to": "1"}  # about 9 s: no closed form, then quadrature


@pytest.fixture(scope="module")
def server():
    with running_server(workers=3, time_limit=60) as s:
        yield s


def request_bytes(server, method="GET", path="/", host=None, headers=(), body=b""):
    host = f"127.0.0.1:{server.port}" if host is None else host
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             *headers]
    return server.raw(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def status_of(reply):
    return int(reply.split(b" ", 2)[1])


def body_of(reply):
    return json.loads(reply.split(b"\r\n\r\n", 1)[1])


# ---------------------------------------------------------------------------- sizes


def test_a_body_over_1_mb_is_refused_before_it_is_read(server):
    reply = request_bytes(server, "POST", "/api/grad", headers=["Content-Type: application/json",
                                                                "Content-Length: 1000001"], body=b"{")
    assert status_of(reply) == 413 and "1000 kB" in body_of(reply)["error"]


def test_a_chunked_body_over_1_mb_is_cut_off(server):
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(17)) + b"0\r\n\r\n"
    reply = request_bytes(server, "POST", "/api/grad", headers=["Content-Type: application/json",
                                                                "Transfer-Encoding: chunked"], body=body)
    assert status_of(reply) == 413


def test_a_body_under_the_limit_with_a_huge_formula_meets_the_parsers_own_limit(server):
    status, answer, _ = server.post("grad", {"f": "+".join(["x"] * 150_000), "wrt": "x"})
    assert status == 400 and "characters" in answer["error"] and "\n" not in answer["error"]


def test_a_body_that_is_not_a_json_object_is_a_400(server):
    for raw in (b"{", b"[1, 2]", b'"x"', b"[" * 100_000 + b"]" * 100_000):
        status, reply, _ = server.request("POST", "/api/grad", raw)
        assert status == 400 and json.loads(reply)["error"], raw[:20]
    status, reply, _ = server.request("POST", "/api/grad", b'{"f": "x"}', headers={"Content-Type": "text/plain"})
    assert status == 415 and "application/json" in json.loads(reply)["error"]


# ---------------------------------------------------------------------------- hostile formulas


@pytest.mark.parametrize("formula, words", [
    ("__import__('os').system('touch /tmp/derive-owned')", ["column"]),
    ("().__class__.__bases__[0].__subclasses__()", ["column"]),
    ("exec('import os')", ["exec"]),
    ("lambda: 1", ["column"]),
    ("9**9**9**9", ["decimal digits"]),
    ("(" * 500 + "x" + ")" * 500, ["nest"]),
    ("x" + "\x00", ["NUL"]),
    ("open('/etc/passwd').read()", ["only calls of known functions"]),
])
def test_hostile_formulas_are_one_line_400s(server, formula, words):
    status, answer, _ = server.post("grad", {"f": formula, "wrt": "x"})
    assert status == 400, answer
    assert "\n" not in answer["error"] and "Traceback" not in answer["error"]
    assert any(w in answer["error"] for w in words), answer["error"]


def test_the_server_still_answers_after_the_hostile_ones(server):
    status, answer, _ = server.post("grad", {"f": "x**3", "wrt": "x"})
    assert status == 200 and answer["result"] == [["3*x**2"]]


# ---------------------------------------------------------------------------- hosts, origins, XSS


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "127.0.0.1",
                                  "localhost.evil.example:{port}", ""])
def test_a_foreign_host_header_is_refused(server, host):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends Host: evil.example."""
    for path, method in (("/", "GET"), ("/api", "GET")):
        reply = request_bytes(server, method, path, host=host.format(port=server.port))
        assert status_of(reply) == 400, (host, reply[:200])
        assert b"commands" not in reply and b"<html" not in reply  # neither the API nor the page


def test_the_loopback_names_are_served(server):
    for host in (f"127.0.0.1:{server.port}", f"localhost:{server.port}", f"LOCALHOST:{server.port}"):
        assert status_of(request_bytes(server, "GET", "/api", host=host)) == 200


def test_a_post_from_another_sites_page_is_refused(server):
    body = json.dumps({"f": "x**2", "wrt": "x"}).encode()
    for header in ("Origin: http://evil.example", "Origin: null", "Sec-Fetch-Site: cross-site"):
        reply = request_bytes(server, "POST", "/api/grad", headers=[
            "Content-Type: application/json", f"Content-Length: {len(body)}", header], body=body)
        assert status_of(reply) == 403, header
    reply = request_bytes(server, "POST", "/api/grad", headers=[
        "Content-Type: application/json", f"Content-Length: {len(body)}",
        f"Origin: http://127.0.0.1:{server.port}"], body=body)
    assert status_of(reply) == 200


def test_every_answer_carries_the_policy_that_allows_only_this_origin(server):
    for method, path, body in (("GET", "/", None), ("GET", "/static/page.js", None),
                               ("POST", "/api/grad", {"f": "x**"}), ("GET", "/nowhere", None)):
        _, _, headers = server.request(method, path, body)
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
        assert headers["x-content-type-options"] == "nosniff"


def test_an_xss_formula_comes_back_as_json_text_never_markup(server):
    attack = "<script>alert(1)</script>"
    status, raw, headers = server.request("POST", "/api/grad", {"f": attack, "wrt": "x"})
    assert status == 400 and headers["content-type"] == "application/json"
    assert "column 1" in json.loads(raw)["error"]
    status, raw, _ = server.request("POST", "/render", {"formulas": [attack, "x"],
                                                        "typed": r"x \text{<script>alert(1)</script><img src=x>}"})
    out = json.loads(raw)  # the parser's message quotes the text: JSON, shown by the page as text
    assert out["mathml"][0] is None and out["errors"][0].startswith("column 1")
    assert out["typed"].startswith("<math") and "alert" not in out["typed"] and "<img" not in out["typed"]


def test_an_unknown_static_name_is_not_a_path(server):
    for path in ("/static/../cli.py", "/static/%2e%2e%2fcli.py", "/static/app.py"):
        status, raw, _ = server.request("GET", path)
        assert status == 404 and b"import" not in raw


# ---------------------------------------------------------------------------- slow next to fast


def test_a_slow_derivation_does_not_hold_up_20_fast_ones(server):
    finished = {}

    def slow():
        finished["slow"] = (server.post("integrate", SLOW, timeout=120), time.monotonic())

    def fast(k):
        finished[k] = (server.post("grad", {"f": f"x**{k + 3}*y", "wrt": "x,y"}, timeout=120), time.monotonic())

    threads = [threading.Thread(target=slow)]
    threads[0].start()
    time.sleep(0.5)  # the slow one holds its worker
    threads += [threading.Thread(target=fast, args=(k,)) for k in range(20)]
    for t in threads[1:]:
        t.start()
    for t in threads:
        t.join(150)
    (status, answer, _), slow_done = finished.pop("slow")
    assert status == 200 and answer["method"] == "numerical", answer
    assert len(finished) == 20
    for k, ((status, answer, _), done) in finished.items():
        assert status == 200 and answer["result"] == [[f"{k + 3}*x**{k + 2}*y"], [f"x**{k + 3}"]]
        assert done < slow_done, f"fast request {k} waited for the slow one"


def test_past_the_time_limit_the_answer_is_an_error_and_the_worker_is_replaced():
    with running_server(workers=2, time_limit=2) as s:
        started = time.monotonic()
        for _ in range(3):  # more slow requests than workers: each worker is killed and replaced
            status, answer, _ = s.post("integrate", SLOW, timeout=60)
            assert status == 504 and "time limit" in answer["error"] and answer["command"] == "integrate"
        assert time.monotonic() - started < 40
        status, answer, _ = s.post("grad", {"f": "x**2", "wrt": "x"})
        assert status == 200 and answer["result"] == [["2*x"]]


# ---------------------------------------------------------------------------- found in review


def test_a_string_that_is_not_text_is_a_400(server):
    for path, body in (("/render", b'{"formulas": [], "typed": "\\\\text{\\ud800}"}'),
                       ("/api/em", b'{"family": "poisson", "k": 2, "data": "x\\n1\\ud800\\n"}'),
                       ("/api/grad", b'{"f": "x", "\\ud800": 1}')):
        status, raw, _ = server.request("POST", path, body)
        assert status == 400 and "surrogate" in json.loads(raw)["error"], (path, raw)


def test_another_sites_page_cannot_start_work_with_a_get(server):
    """<img src="http://127.0.0.1:8000/plot.svg?..."> on another site: refused; a link to the page is not."""
    for site in ("cross-site", "same-site"):
        reply = request_bytes(server, "GET", "/plot.svg?op=grad&f=x**2&wrt=x",
                              headers=[f"Sec-Fetch-Site: {site}", "Sec-Fetch-Mode: no-cors", "Sec-Fetch-Dest: image"])
        assert status_of(reply) == 403
    reply = request_bytes(server, "GET", "/?op=grad&f=x**2", headers=[
        "Sec-Fetch-Site: cross-site", "Sec-Fetch-Mode: navigate", "Sec-Fetch-Dest: document"])
    assert status_of(reply) == 200 and b"<html" in reply


def test_a_second_origin_header_is_refused(server):
    body = json.dumps({"f": "x**2", "wrt": "x"}).encode()
    reply = request_bytes(server, "POST", "/api/grad", headers=[
        "Content-Type: application/json", f"Content-Length: {len(body)}", "Origin: http://evil.example",
        f"Origin: http://127.0.0.1:{server.port}"], body=body)
    assert status_of(reply) == 400


def test_a_result_derive_cannot_validate_is_a_422_with_the_clis_message(server):
    status, answer, headers = server.post("grad", {"f": "sqrt(-1 - x**2)", "wrt": "x"})
    assert status == 422 and headers["x-derive-exit"] == "1" and answer["exit"] == 1
    assert "validate" in answer["error"]


def test_grade_runs_in_its_one_worker(server):
    status, answer, _ = server.post("grade", {"key": "x", "answers": "y", "jobs": 4})
    assert status == 400 and "'jobs' is 1 on the server" in answer["error"]


def test_a_wildcard_bind_answers_loopback_names_and_allowed_hosts():
    from derive.serve.app import allowed_hosts

    hosts = allowed_hosts("0.0.0.0", 8797, ["derive.example.com", "10.0.0.5:8797"])
    assert {"127.0.0.1:8797", "localhost:8797", "derive.example.com", "derive.example.com:8797",
            "10.0.0.5:8797"} <= hosts
    assert "0.0.0.0:8797" not in hosts and "evil.example:8797" not in hosts


def test_stopping_the_server_by_its_pid_alone_leaves_no_process(tmp_path):
    """SIGTERM to the server's pid only (not its group): its fork server and workers go too, those of a
    request cut off by the time limit included."""
    import os
    import signal
    import uuid

    mark = f"DERIVE_TEST_MARK={uuid.uuid4().hex}"
    os.environ["DERIVE_TEST_MARK"] = mark.split("=", 1)[1]
    try:
        with running_server(workers=2, time_limit=2) as s:
            assert s.post("integrate", SLOW, timeout=60)[0] == 504
            assert s.post("grad", {"f": "x**2", "wrt": "x"})[0] == 200
            assert len(_marked(mark)) >= 3  # the server, its fork server, the workers
            os.kill(s.process.pid, signal.SIGTERM)
            s.process.wait(20)
            deadline = time.monotonic() + 10
            while _marked(mark) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _marked(mark), _marked(mark)
    finally:
        del os.environ["DERIVE_TEST_MARK"]


def _marked(mark):
    """Living processes whose environment carries `mark`."""
    import os

    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                if mark.encode() in fh.read().split(b"\0"):
                    with open(f"/proc/{pid}/stat") as st:
                        if st.read().split(")")[-1].split()[0] != "Z":
                            found.append(int(pid))
        except OSError:
            pass
    return found
