"""How the app's long-running processes (`make serve`'s workers, `make worker`) keep their
resident memory close to what they really hold.

A big build (the feed or the week of a 5,000-meeting org, a report's HTML) allocates tens
of MiB of short-lived objects, and glibc keeps much of what they freed: its heap goes back
to the system only from the top. Measured in one process: after the directory's week of
7,000 meetings, 27 MiB of the worker's 212 MiB were free pages glibc held, which the
system (and bench/bench_serve.py) counts as the worker's.

- `tune_malloc()`, once at the start of a server or worker process: at most two arenas
  however many threads run (the job worker's; each arena keeps its own free pages).
  glibc's other thresholds are left as they are: setting any of them stops glibc from
  adapting the size from which blocks get a mapping of their own, and every large block
  (a 5 MB feed each time it is copied) would be mapped and unmapped anew.
- `trim()`, after a build that was large: glibc's free pages given back (malloc_trim
  returns whole free pages from anywhere in the heap, not only its top).
- `release_memory()`, before a long wait on a render child: unreachable objects
  collected first, then trim().
- `collector_paused()`, around making a large document's HTML: hundreds of thousands
  of objects, nearly none in cycles, whose collections took a third of its time.

Elsewhere than glibc these do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Iterator
from typing import Any

#: mallopt's parameter (glibc's malloc.h), and its value here.
M_ARENA_MAX = -8
ARENA_MAX = 2

try:
    _libc: Any = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _libc.malloc_trim, _libc.mallopt  # noqa: B018 (glibc has both)
except (OSError, AttributeError):  # not glibc
    _libc = None


def tune_malloc() -> None:
    """Set glibc's allocator for a long-running process (see the module's docstring)."""
    if _libc is not None:
        _libc.mallopt(M_ARENA_MAX, ARENA_MAX)


def trim() -> None:
    """Give back to the system the pages glibc holds free (a few ms on a worker's heap)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def release_memory() -> None:
    """Collect unreachable objects, then trim(): before a render child lays out a large
    document, so that the free pages stay counted in neither."""
    gc.collect()
    trim()


_paused = 0
_paused_lock = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the `with` block (in every thread of
    this process, until the last block of any thread ends): making a large directory's
    HTML makes hundreds of thousands of objects, nearly none in cycles, and the
    collections they set off took a third of its time. Its peak memory stays the same;
    `release_memory` afterwards collects what cycles it left."""
    global _paused
    with _paused_lock:
        _paused += 1
        gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if not _paused:
                gc.enable()
