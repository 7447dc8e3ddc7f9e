"""A byte-budgeted, least-recently-used cache of built responses (feeds, PDFs), and a
short memory of small answers (Recent).

Keys name what was built from which data (a version, a content hash), so an entry is
never stale: it is only pushed out by newer ones. Safe to share between threads. What a
build left free is given back to the system (memory.trim()), so a worker's resident
memory is its caches and not the garbage of what filled them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Hashable
from typing import Any

from facilitator import clock
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


class Recent:
    """Answers kept for `seconds` (clock.monotonic), at most `limit` of them, the oldest
    let go first: for a lookup asked many times a second whose answer may be that much
    behind. Nothing is kept when `seconds` is 0, and no None (a lookup that found
    nothing is asked again, and names nobody asks for push out no other answer). Safe to
    share between threads."""

    def __init__(self, seconds: float, limit: int = 1024) -> None:
        self._seconds = seconds
        self._limit = limit
        self._kept: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_read(self, key: Hashable, read: Callable[[], Any]) -> Any:
        now = clock.monotonic()
        with self._lock:
            found = self._kept.get(key)
            if found is not None and now < found[0]:
                return found[1]
        answer = read()
        if self._seconds > 0 and answer is not None:
            with self._lock:
                self._kept[key] = (now + self._seconds, answer)
                self._kept.move_to_end(key)
                while len(self._kept) > self._limit:
                    self._kept.popitem(last=False)
        return answer
