"""Values read once per request: a small dictionary that lives as long as the request being served.

Several parts of one request read the same rarely-changing row (the routing configuration's version, the
requesting organisation). Inside a request scope (``bitrade.web.middleware.RequestIdMiddleware`` opens one
for every HTTP request) the first read is kept and the later ones reuse it; outside a scope (a command, a
test calling a service directly) nothing is kept and every call reads afresh. A change made in the same
request forgets the value it changes (``forget``), so a request never reads its own stale copy.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Hashable, Iterator
from typing import TypeVar

T = TypeVar("T")

_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("bitrade_request_memo", default=None)


@contextlib.contextmanager
def request_scope() -> Iterator[dict]:
    """A fresh memo for the code run inside (one HTTP request)."""
    memo: dict = {}
    token = _scope.set(memo)
    try:
        yield memo
    finally:
        _scope.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``'s value, computed once per request scope (every time outside one)."""
    memo = _scope.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value


def keep(key: Hashable, value) -> None:
    """Keep a value already read (e.g. a row loaded along with another) for the rest of the request."""
    memo = _scope.get()
    if memo is not None:
        memo[key] = value


def forget(key: Hashable) -> None:
    """Drop a kept value (it was just changed)."""
    memo = _scope.get()
    if memo is not None:
        memo.pop(key, None)
