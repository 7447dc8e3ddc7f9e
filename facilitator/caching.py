"""A byte-budgeted, least-recently-used cache of built responses (feeds, PDFs).

Keys name what was built from which data (a version, a content hash), so an entry is
never stale: it is only pushed out by newer ones. Safe to share between threads. What a
build left free is given back to the system (memory.trim()), so a worker's resident
memory is its caches and not the garbage of what filled them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from facilitator import memory


class BytesCache:
    def __init__(self, budget_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._budget = budget_bytes
        self._lock = threading.Lock()
        #: How many times `build` ran: what the cache did not save.
        self.builds = 0

    def get_or_build(self, key: str, build: Callable[[], bytes]) -> bytes:
        """The bytes kept under `key`, or built now and kept (outside the lock: two
        threads may build the same thing once each, never wait on each other)."""
        with self._lock:
            body = self._entries.get(key)
            if body is not None:
                self._entries.move_to_end(key)
                return body
        body = build()
        memory.trim()
        with self._lock:
            self.builds += 1
            if key not in self._entries and len(body) <= self._budget:
                self._entries[key] = body
                self._size += len(body)
                while self._size > self._budget:
                    _, dropped = self._entries.popitem(last=False)
                    self._size -= len(dropped)
        return body

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0
