"""The benchmarks' open-loop load generator (bench/loadgen.py ``run_open_loop``) against a small local HTTP
server: requests go out at their planned times whatever the server does, so a slow server shows as latency
and not as fewer requests; an answer can feed the next request; what no sender could take is dropped and
counted; an unexpected status is an error with a sample."""

from __future__ import annotations

import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import loadgen  # noqa: E402


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(0.3)
        if self.path == "/tag" and self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = 500 if self.path == "/broken" else 200
        body = b"ok" if status == 200 else b"trasigt"
        self.send_response(status)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _get(path):
    return lambda: ("GET", path, b"", {})


def test_a_slow_server_shows_as_latency_not_as_fewer_requests(server):
    shots = [loadgen.Shot(i * 0.05, "slow", _get("/slow")) for i in range(20)]
    res = loadgen.run_open_loop(host="127.0.0.1", port=server, shots=shots, senders=2, duration_s=1.0,
                                drain_s=10.0)["slow"]
    # 2 senders × 0.3 s each could answer only about 7 requests in the second a closed loop would have.
    assert (res.planned, res.sent, res.completed, res.ok, res.errors, res.dropped) == (20, 20, 20, 20, 0, 0)
    assert min(res.service_ms) >= 290
    assert max(res.late_ms) > 1000  # the last requests waited for a free sender ...
    assert res.percentile(99) > max(res.service_ms) + 700  # ... and their latency counts from the planned time
    assert res.summary()["not_completed"] == 0


def test_an_answer_feeds_the_next_request_and_statuses_are_checked(server):
    etag: dict = {}

    def build():
        return "GET", "/tag", b"", ({"If-None-Match": etag["v"]} if "v" in etag else {})

    def answer(status, headers, body):
        if status == 200:
            etag["v"] = headers["etag"]

    shots = [loadgen.Shot(i * 0.02, "poll", build, frozenset({200, 304}), answer) for i in range(3)]
    shots.append(loadgen.Shot(0.1, "broken", _get("/broken")))
    res = loadgen.run_open_loop(host="127.0.0.1", port=server, shots=shots, senders=1, duration_s=0.5)
    assert res["poll"].status_counts == {200: 1, 304: 2} and res["poll"].errors == 0
    assert (res["broken"].errors, res["broken"].ok) == (1, 0)
    assert res["broken"].error_samples[0].startswith("HTTP 500 GET /broken: trasigt")


def test_shots_no_sender_could_take_in_time_are_dropped_and_counted(server):
    shots = [loadgen.Shot(0.0, "slow", _get("/slow")) for _ in range(10)]
    shots.append(loadgen.Shot(5.0, "slow", _get("/slow")))  # after the duration: never planned
    res = loadgen.run_open_loop(host="127.0.0.1", port=server, shots=shots, senders=1, duration_s=0.1,
                                drain_s=0.5)["slow"]
    assert res.planned == 10
    assert res.sent + res.dropped == 10 and 1 <= res.sent <= 4 and res.dropped >= 6
    assert res.summary()["not_completed"] == 10 - res.completed


def test_only_loopback():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.run_open_loop(host="192.0.2.1", port=80, shots=[], senders=1, duration_s=1)
