"""A bounded mapping kept per process: least recently used entries go first; safe across threads."""

from __future__ import annotations

import threading
from collections import OrderedDict


class LruCache:
    """``get`` (None when absent), ``put`` and ``clear``, at most ``size`` entries; counts hits and misses."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key):
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def peek(self, key):
        """The value (None when absent) without counting a hit or a miss or refreshing its place."""
        with self._lock:
            return self._data.get(key)

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
