"""A small closed-loop HTTP load generator: N threads, one keep-alive connection each, loopback only.

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
