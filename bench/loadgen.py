"""A small HTTP load generator, loopback only: closed loop (``run_level``: N threads, one keep-alive connection
each) and open loop at planned times (``run_open_loop``, further down).

Every level is bounded twice: by a number of requests and by a wall-clock duration, whichever comes
first (plus the socket timeout for a request still in flight when the time is up).
"""

from __future__ import annotations

import http.client
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass
class LevelResult:
    concurrency: int
    completed: int = 0
    ok: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    error_samples: list[str] = field(default_factory=list)
    status_counts: dict[int, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        """Successful (expected-status) responses per second of wall time."""
        return self.ok / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latency of every completed request, in ms."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
        return ordered[rank - 1]

    def summary(self) -> dict:
        return {
            "concurrency": self.concurrency,
            "completed": self.completed,
            "ok": self.ok,
            "errors": self.errors,
            "elapsed_s": round(self.elapsed_s, 3),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p90_ms": round(self.percentile(90), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies_ms), 1) if self.latencies_ms else None,
            "mean_ms": round(sum(self.latencies_ms) / len(self.latencies_ms), 1) if self.latencies_ms else None,
            "status_counts": {str(k): v for k, v in sorted(self.status_counts.items())},
            "error_samples": self.error_samples,
        }


def run_level(
    *,
    host: str,
    port: int,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    concurrency: int,
    duration_s: float,
    max_requests: int,
    per_request_headers: Callable[[int], dict[str, str]],
    expect_status: int = 201,
    timeout_s: float = 30.0,
    max_error_samples: int = 3,
) -> LevelResult:
    """Run ``concurrency`` closed-loop clients until ``max_requests`` were sent or ``duration_s`` passed.

    ``per_request_headers(n)`` gives the headers that change per request (n = 0, 1, 2, ... across all
    clients), e.g. a fresh Idempotency-Key. Any status other than ``expect_status`` counts as an error.
    """
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only talks to loopback, not {host!r}")
    if concurrency < 1 or max_requests < 1 or duration_s <= 0:
        raise ValueError("concurrency, max_requests and duration_s must be positive")

    tickets = itertools.count()
    lock = threading.Lock()
    result = LevelResult(concurrency=concurrency)
    per_thread: list[list[tuple[float, int, float]]] = [[] for _ in range(concurrency)]
    samples: list[str] = []
    clock: dict[str, float] = {}

    def start_clock() -> None:
        clock["start"] = time.perf_counter()
        clock["deadline"] = clock["start"] + duration_s

    barrier = threading.Barrier(concurrency + 1, action=start_clock)

    def client(index: int) -> None:
        records = per_thread[index]
        conn: http.client.HTTPConnection | None = None
        barrier.wait()
        deadline = clock["deadline"]
        try:
            while time.perf_counter() < deadline:
                n = next(tickets)
                if n >= max_requests:
                    break
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
                hdrs = {**headers, **per_request_headers(n)}
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=hdrs)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    if resp.will_close:
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException) as exc:
                    status, data = 0, repr(exc).encode()
                    conn.close()
                    conn = None
                t1 = time.perf_counter()
                records.append((t1 - t0, status, t1))
                if status != expect_status:
                    with lock:
                        if len(samples) < max_error_samples:
                            samples.append(f"HTTP {status or 'connection error'}: "
                                           f"{data[:300].decode('utf-8', 'replace')}")
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join(duration_s + timeout_s + 10)

    last_end = clock["start"]
    for records in per_thread:
        for latency, status, end in records:
            result.completed += 1
            result.latencies_ms.append(latency * 1000)
            result.status_counts[status] = result.status_counts.get(status, 0) + 1
            if status == expect_status:
                result.ok += 1
            else:
                result.errors += 1
            last_end = max(last_end, end)
    result.elapsed_s = last_end - clock["start"]
    result.error_samples = samples
    return result


def fetch(host: str, port: int, path: str, headers: dict[str, str] | None = None,
          timeout_s: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """One GET on loopback: status, headers (lower-case names) and the body as sent (still compressed)."""
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only talks to loopback, not {host!r}")
    conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# --------------------------------------------------------------------------- open loop at fixed rates

#: Errors of a reused keep-alive connection that the server closed meanwhile: a browser sends such a request
#: again on a new connection, and so does the open-loop sender (once).
STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class Shot:
    """One planned request of an open-loop run: sent ``at`` seconds after the start whatever the server's
    state. ``build()`` gives (method, path, body, headers) when the request is sent (so that, e.g., an ETag
    remembered from an earlier answer can go into it); ``on_answer(status, headers, body)`` sees the answer."""

    at: float
    kind: str
    build: Callable[[], tuple[str, str, bytes, dict[str, str]]]
    expect: frozenset[int] = frozenset({200})
    on_answer: Callable[[int, dict[str, str], bytes], None] | None = None


@dataclass
class OpenResult(LevelResult):
    """One request type of an open-loop run. Latency is counted from the planned send time, so a request that
    waited for a free sender (because the server is slow) shows its wait; ``service_ms`` is from the actual
    send; ``late_ms`` how late it was sent."""

    kind: str = ""
    planned: int = 0
    sent: int = 0
    dropped: int = 0
    service_ms: list[float] = field(default_factory=list, repr=False)
    late_ms: list[float] = field(default_factory=list, repr=False)
    #: (planned, sent, answered) in seconds from the start, and the status: for a timeline of the run
    records: list[tuple[float, float, float, int]] = field(default_factory=list, repr=False)

    @staticmethod
    def _pct(values: list[float], p: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[max(1, min(len(ordered), int(-(-p * len(ordered) // 100)))) - 1]

    def summary(self) -> dict:
        out = super().summary()
        out.pop("concurrency")
        out.pop("p90_ms")
        out = {"kind": self.kind, "planned": self.planned, "sent": self.sent, **out,
               "dropped": self.dropped, "not_completed": self.planned - self.completed,
               "p95_ms": round(self.percentile(95), 1),
               "service_p50_ms": round(self._pct(self.service_ms, 50), 1),
               "service_p95_ms": round(self._pct(self.service_ms, 95), 1),
               "service_p99_ms": round(self._pct(self.service_ms, 99), 1),
               "send_late_p99_ms": round(self._pct(self.late_ms, 99), 1),
               "send_late_max_ms": round(max(self.late_ms), 1) if self.late_ms else None}
        return out


def run_open_loop(
    *,
    host: str,
    port: int,
    shots: list[Shot],
    senders: int,
    duration_s: float,
    drain_s: float = 10.0,
    timeout_s: float = 30.0,
    max_error_samples: int = 3,
    on_start: Callable[[float], None] | None = None,
) -> dict[str, OpenResult]:
    """Send every shot planned before ``duration_s`` at its time (open loop: a slow server does not slow the
    sending down), from ``senders`` threads with one keep-alive connection each. A shot that no sender could
    take by ``duration_s + drain_s`` is dropped (counted apart, not sent). ``on_start(t0)`` is
    called with the perf_counter of the start. Returns one result per ``Shot.kind``."""
    import queue

    if host not in LOOPBACK:
        raise ValueError(f"the load generator only talks to loopback, not {host!r}")
    if senders < 1 or duration_s <= 0:
        raise ValueError("senders and duration_s must be positive")
    plan = sorted((s for s in shots if 0 <= s.at < duration_s), key=lambda s: s.at)
    results: dict[str, OpenResult] = {}
    for s in plan:
        results.setdefault(s.kind, OpenResult(concurrency=senders, kind=s.kind)).planned += 1
    work: queue.Queue = queue.Queue()
    records: list[list[tuple[str, float, float, float, int]]] = [[] for _ in range(senders)]
    samples: dict[str, list[str]] = {k: [] for k in results}
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def dispatcher() -> None:
        start = clock["start"]
        for shot in plan:
            wait = start + shot.at - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            work.put((shot, start + shot.at))
        for _ in range(senders):
            work.put(None)

    def exchange(conn, method, path, body, hdrs):
        conn.request(method, path, body=body or None, headers=hdrs)
        resp = conn.getresponse()
        return resp, resp.read()

    def sender(index: int) -> None:
        mine = records[index]
        conn: http.client.HTTPConnection | None = None
        drain_deadline = clock["start"] + duration_s + drain_s
        try:
            while True:
                item = work.get()
                if item is None:
                    break
                shot, planned = item
                t_send = time.perf_counter()
                if t_send > drain_deadline:
                    mine.append((shot.kind, planned, t_send, float("nan"), -1))  # dropped
                    continue
                method, path, body, hdrs = shot.build()
                resp_headers: dict[str, str] = {}
                for attempt in (1, 2):
                    reused = conn is not None
                    if conn is None:
                        conn = http.client.HTTPConnection(host, port, timeout=timeout_s)
                    try:
                        resp, data = exchange(conn, method, path, body, hdrs)
                        status = resp.status
                        resp_headers = {k.lower(): v for k, v in resp.getheaders()}
                        if resp.will_close:
                            conn.close()
                            conn = None
                        break
                    except (OSError, http.client.HTTPException) as exc:
                        conn.close()
                        conn = None
                        status, data = 0, repr(exc).encode()
                        if not (reused and attempt == 1 and isinstance(exc, STALE_CONNECTION)):
                            break
                t_end = time.perf_counter()
                mine.append((shot.kind, planned, t_send, t_end, status))
                if status in shot.expect:
                    if shot.on_answer is not None:
                        shot.on_answer(status, resp_headers, data)
                else:
                    with lock:
                        if len(samples[shot.kind]) < max_error_samples:
                            samples[shot.kind].append(f"HTTP {status or 'connection error'} {method} {path}: "
                                                      f"{data[:300].decode('utf-8', 'replace')}")
        finally:
            if conn is not None:
                conn.close()

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(senders)]
    clock["start"] = time.perf_counter()
    if on_start is not None:
        on_start(clock["start"])
    for t in threads:
        t.start()
    disp = threading.Thread(target=dispatcher, daemon=True)
    disp.start()
    disp.join(duration_s + 5)
    for t in threads:
        t.join(drain_s + timeout_s + 10)

    expects = {s.kind: s.expect for s in plan}
    last_end = clock["start"]
    for per_sender in records:
        for kind, planned, t_send, t_end, status in per_sender:
            r = results[kind]
            if status == -1:
                r.dropped += 1
                continue
            r.sent += 1
            r.completed += 1
            r.latencies_ms.append((t_end - planned) * 1000)
            r.service_ms.append((t_end - t_send) * 1000)
            r.late_ms.append(max(t_send - planned, 0.0) * 1000)
            r.records.append((planned - clock["start"], t_send - clock["start"], t_end - clock["start"], status))
            r.status_counts[status] = r.status_counts.get(status, 0) + 1
            if status in expects[kind]:
                r.ok += 1
            else:
                r.errors += 1
            last_end = max(last_end, t_end)
    for kind, r in results.items():
        r.elapsed_s = max(last_end - clock["start"], 1e-9)
        r.error_samples = samples[kind]
    return results
