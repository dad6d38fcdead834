"""The application as bitrade.config.wsgi serves it, with the garbage collector's runs of generations 1 and 2 (and
their pauses) written to a file per worker process: bench/mixed_bench.py's per-second timeline shows whether
full collections line up with the slow seconds. Loaded only by the benchmark (``BITRADE_GC_TRACE_DIR``)."""

import gc
import os
import time

from bitrade.config.wsgi import application  # noqa: F401 (served by gunicorn)

_DIR = os.environ.get("BITRADE_GC_TRACE_DIR", "")
_started: list[float] = [0.0, 0.0]
_fh = None


def _trace(phase: str, info: dict) -> None:
    global _fh
    if info.get("generation", 0) < 1:  # the young generation: too many, too short to matter
        return
    if phase == "start":
        _started[0], _started[1] = time.time(), time.thread_time()
        return
    if _fh is None:  # opened in the worker (after the fork), one file per process
        _fh = open(os.path.join(_DIR, f"gc-{os.getpid()}.log"), "a", buffering=1)  # noqa: SIM115
    # wall time of the pause (every thread of the process waits: the collector holds the GIL) and its CPU
    _fh.write(f"{_started[0]:.4f} {info['generation']} {(time.time() - _started[0]) * 1000:.2f} "
              f"{(time.thread_time() - _started[1]) * 1000:.2f} {info.get('collected', 0)}\n")


if _DIR:
    gc.callbacks.append(_trace)
