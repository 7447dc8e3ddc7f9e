"""The one place PDFs are made: HTML from our templates, rendered by WeasyPrint.

- **Nothing but our own static files** is fetched: every URL in the HTML resolves
  against a made-up origin, and the fetcher serves only files under
  facilitator/static/ from it. `file:`, `http(s):` anywhere else, `data:` and
  redirects are refused, so no text a leader typed can pull a file or a web page
  into a PDF.
- **A time limit.** The render runs in a child process (forked from a server
  process that already imported WeasyPrint), which is killed when the limit
  passes; the worker that asked gets `RenderError` and goes on serving.
- **Rendered once.** PDFs are cached by the SHA-256 of their HTML, which is also
  their ETag: printing the same handout twice renders it once, and a second
  request with the ETag gets a 304 without a render.
- **A few at once, per server.** `RenderLimits` lets at most N renders run at a
  time across every worker process of the machine (N lock files, `flock`ed
  without waiting: the kernel releases one when its worker ends, even killed);
  a request that finds none free is refused at once (`RenderBusy`), never queued.
- **A failure is remembered.** Content whose render failed or ran out of time is
  not rendered again for `FAILURE_MEMORY` (`RenderFailedRecently`), so asking
  for it again and again costs nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

from facilitator.caching import BytesCache

#: What relative URLs in a handout resolve against; never fetched over a network.
BASE_URL = "https://facilitator.invalid/"
STATIC = Path(__file__).resolve().parent / "static"
#: Files a handout may use, by suffix, with the type WeasyPrint is told.
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
TIME_LIMIT_SECONDS = 90.0
#: How long content whose render failed or timed out is answered without rendering.
FAILURE_MEMORY = timedelta(minutes=10)
#: What a refused request is told to wait: a one-page render takes about a second.
BUSY_RETRY_SECONDS = 5


@dataclass(frozen=True)
class Paper:
    """The sheet a handout is printed on, and how large its text is."""

    size: str = "letter"
    large: bool = False

    SIZES = {"letter": "letter", "a4": "A4"}
    HEIGHTS_MM = {"letter": 279.4, "a4": 297.0}

    @classmethod
    def from_args(cls, args: Mapping[str, str], zone: str) -> Paper:
        """From ?paper=letter|a4&print=large; without a paper, Letter in the Americas
        (where the org's zone is) and A4 elsewhere."""
        default = "letter" if zone.startswith("America/") else "a4"
        size = args.get("paper", default)
        return cls(size if size in cls.SIZES else default, args.get("print") == "large")

    @property
    def css_size(self) -> str:
        return self.SIZES[self.size]

    @property
    def margin(self) -> str:
        return "14mm" if self.large else "15mm"

    @property
    def half_height(self) -> str:
        """Half the printable height: a table tent folds there."""
        margin = float(self.margin.removesuffix("mm"))
        return f"{(self.HEIGHTS_MM[self.size] - 2 * margin) / 2 - 1:.1f}mm"

    @property
    def font_size(self) -> str:
        return "16pt" if self.large else "10.5pt"

    def args(self) -> dict[str, str]:
        return {"paper": self.size, **({"print": "large"} if self.large else {})}


class RenderError(Exception):
    """A PDF could not be made; the message says why, for people. `retry_after` is
    how many seconds to wait before asking again."""

    retry_after = int(FAILURE_MEMORY.total_seconds())


class RenderBusy(RenderError):
    """Every render slot of this server is taken; nothing was rendered."""

    retry_after = BUSY_RETRY_SECONDS

    def __init__(self) -> None:
        super().__init__("The server is making other PDFs right now, so this one was not "
                         f"made. Try again in {BUSY_RETRY_SECONDS} seconds.")


class RenderFailedRecently(RenderError):
    """This content failed to render a short while ago; it was not tried again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("This PDF could not be made a few minutes ago, so it was not "
                         "tried again. Try a shorter selection, or ask again later.")
        self.retry_after = retry_after


def static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of the static file a handout's URL names; ValueError for any
    other URL (another scheme or host, a path out of static/, a type not allowed)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or not parts.path.startswith("/static/"):
        raise ValueError(f"not fetched: {parts.scheme or 'relative'} URL outside the app")
    path = (STATIC / unquote(parts.path.removeprefix("/static/"))).resolve()
    if not path.is_relative_to(STATIC) or path.suffix not in STATIC_TYPES \
            or not path.is_file():
        raise ValueError("not fetched: no such static file")
    return path.read_bytes(), STATIC_TYPES[path.suffix]


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class StaticOnly(URLFetcher):
        """WeasyPrint's fetcher, with every network and file handler left unused."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            body, mime_type = static_file(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})

    return StaticOnly()


def _render_here(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()


def _render_child(html: str, out: Connection) -> None:
    try:
        out.send(("ok", _render_here(html)))
    except Exception as error:  # noqa: BLE001 (reported to the parent, which raises)
        out.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        out.close()


_context_lock = threading.Lock()
_context: Any = None


def _process_context() -> Any:
    """A forkserver that has imported WeasyPrint once, so each render forks ready."""
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["weasyprint", "facilitator.pdf"])
            _context = context
        return _context


def render(html: str, time_limit: float = TIME_LIMIT_SECONDS) -> bytes:
    """The PDF of the HTML, rendered in a child process stopped after `time_limit`."""
    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_render_child, args=(html, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(time_limit):
            raise RenderError(f"Making this PDF took longer than {time_limit:g} seconds, so "
                              "it was stopped. Try a shorter selection (fewer meetings).")
        try:
            status, result = receiver.recv()
        except EOFError:
            raise RenderError("Making this PDF failed; nothing was printed.") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if status != "ok":
        raise RenderError("Making this PDF failed; nothing was printed.")
    return result


def etag(html: str) -> str:
    """A strong validator for the PDF of this HTML."""
    return "pdf-" + hashlib.sha256(html.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class RenderLimits:
    """How much rendering one server takes on: at most `slots` renders at once across
    its worker processes, and no second try within FAILURE_MEMORY of a failure.

    Both live in `folder`, on the server's own disk, because what they protect is
    this machine's CPU: lock files held with `flock` (a PostgreSQL advisory lock
    would need a pooled connection held through the render, and SQLite has none),
    and one small file per failed content, named by its ETag, holding when it failed.
    """

    folder: Path
    slots: int

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one render slot for the `with` block; RenderBusy when none is free."""
        folder = self.folder / "slots"
        folder.mkdir(parents=True, exist_ok=True)
        for number in range(self.slots):
            # Each open() is its own lock, so threads of one worker count separately.
            handle = (folder / f"{number}.lock").open("a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            with handle:  # closing the file releases the lock
                yield
            return
        raise RenderBusy()

    def _failure_file(self, key: str) -> Path:
        return self.folder / "failures" / key

    def refuse_if_failed(self, key: str, now: datetime) -> None:
        """RenderFailedRecently when the content with ETag `key` failed to render within
        FAILURE_MEMORY before `now`."""
        try:
            failed_at = datetime.fromisoformat(self._failure_file(key).read_text())
        except (OSError, ValueError):
            return
        left = failed_at + FAILURE_MEMORY - now
        if left > timedelta(0):
            raise RenderFailedRecently(max(1, int(left.total_seconds())))

    def remember_failure(self, key: str, now: datetime) -> None:
        """Note that the content with ETag `key` failed at `now`; forget failures older
        than FAILURE_MEMORY, so the folder holds only the last ten minutes' worth."""
        folder = self.folder / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            with contextlib.suppress(OSError, ValueError):
                if datetime.fromisoformat(old.read_text()) + FAILURE_MEMORY <= now:
                    old.unlink()
        # Written aside and renamed, so another worker never reads half a time.
        partial = folder / f".{key}.{os.getpid()}.{threading.get_ident()}"
        partial.write_text(now.isoformat())
        partial.replace(self._failure_file(key))


class PdfCache(BytesCache):
    """Rendered PDFs by their HTML's hash: printing the same handout twice renders it
    once. 32 MiB: a 5,000-meeting directory is about 1 MB."""

    def __init__(self, budget_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__(budget_bytes)

    def get_or_render(self, html: str, limits: RenderLimits, now: datetime,
                      time_limit: float = TIME_LIMIT_SECONDS) -> bytes:
        """The cached PDF of `html`, or rendered now within `limits`: RenderBusy when
        every slot is taken, RenderFailedRecently for content that failed lately."""
        key = etag(html)

        def build() -> bytes:
            limits.refuse_if_failed(key, now)
            with limits.slot():
                try:
                    return render(html, time_limit)
                except RenderError:
                    limits.remember_failure(key, now)
                    raise

        return self.get_or_build(key, build)
