"""The one place PDFs are made: HTML from our templates, rendered by WeasyPrint.

- **Nothing but our own static files** is fetched (facilitator/renderer.py's
  `static_file`): no text a leader typed can pull a file or a web page into a PDF.
- **A lean process renders, and a time limit.** Each render runs in a child forked from
  this process's render server (facilitator/renderer.py), which imported WeasyPrint and
  nothing of the app, and which exits once the PDF is sent: the memory a large render
  takes is given back at once, and neither the app nor its filled caches are copied into
  it. The child is killed when the limit passes; the worker that asked gets
  `RenderError` and goes on serving.
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

import atexit
import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from pypdf import PdfWriter
from pypdf.generic import Fit
from pypdf.generic import NameObject

from facilitator import memory
from facilitator import renderer
from facilitator.caching import BytesCache
from facilitator.domain import parts
from facilitator.domain.languages import N_
from facilitator.domain.languages import Message

TIME_LIMIT_SECONDS = 90.0
#: How long content whose render failed or timed out is answered without rendering.
FAILURE_MEMORY = timedelta(minutes=10)
#: What a refused request is told to wait: a one-page render takes about a second.
BUSY_RETRY_SECONDS = 5
_PID = struct.Struct("!Q")
FAILED = N_("Making this PDF failed; nothing was printed.")


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
    """A PDF could not be made; `said` says why, for people (a Message, which a page words
    in its reader's language); `str()` is the English, for logs. `retry_after` is how many
    seconds to wait before asking again."""

    retry_after = int(FAILURE_MEMORY.total_seconds())

    def __init__(self, said: str | Message) -> None:
        self.said = said if isinstance(said, Message) else Message(said)
        super().__init__(str(self.said))


class RenderBusy(RenderError):
    """Every render slot of this server is taken; nothing was rendered."""

    retry_after = BUSY_RETRY_SECONDS

    def __init__(self) -> None:
        super().__init__(Message(N_("The server is making other PDFs right now, so this one "
                                    "was not made. Try again in %(seconds)s seconds."),
                                 {"seconds": BUSY_RETRY_SECONDS}))


class TooSlow(RenderError):
    """The render passed its time limit and was stopped."""

    def __init__(self, time_limit: float) -> None:
        super().__init__(Message(N_("Making this PDF took longer than %(seconds)s seconds, so "
                                    "it was stopped. Try a shorter selection (fewer "
                                    "meetings)."), {"seconds": f"{time_limit:g}"}))


class RenderFailedRecently(RenderError):
    """This content failed to render a short while ago; it was not tried again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(N_("This PDF could not be made a few minutes ago, so it was not "
                            "tried again. Try a shorter selection, or ask again later."))
        self.retry_after = retry_after


class _RenderServer:
    """This process's render server (facilitator/renderer.py), started on the first render
    and again when it has died; it ends when this process does (its stdin closes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._folder = ""

    def connect(self) -> tuple[socket.socket, int]:
        """A connection to a render child, and the child's process id; the server is
        started first if it is not running, and again if it died meanwhile."""
        for attempt in range(2):
            with self._lock:
                if attempt or self._process is None or self._process.poll() is not None \
                        or self._owner != os.getpid():
                    self._start()
                address = os.path.join(self._folder, "render.sock")
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                connection.settimeout(10)
                connection.connect(address)
                (child,) = _PID.unpack(renderer.read_exactly(connection, _PID.size))
                return connection, child
            except (OSError, EOFError):
                connection.close()
        raise RenderError(N_("Making this PDF failed: the renderer did not start."))

    def _start(self) -> None:
        if self._owner == os.getpid():
            self.stop()
        # A folder only this user can open: no other local user reaches the socket.
        self._folder = tempfile.mkdtemp(prefix="facilitator-render-")
        self._owner = os.getpid()
        self._process = subprocess.Popen(  # noqa: S603 (our own interpreter and file)
            [sys.executable, "-P", renderer.__file__, os.path.join(self._folder, "render.sock")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert self._process.stdout is not None
        if self._process.stdout.readline() != renderer.READY:
            raise OSError("the render server did not start")

    def stop(self) -> None:
        """End the server (closing its stdin ends it) and remove its socket's folder."""
        process, self._process = self._process, None
        if process is not None and self._owner == os.getpid():
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            shutil.rmtree(self._folder, ignore_errors=True)


_server = _RenderServer()
atexit.register(_server.stop)


def render(html: str, time_limit: float = TIME_LIMIT_SECONDS) -> bytes:
    """The PDF of the HTML, rendered in a child process stopped after `time_limit`."""
    # What making the HTML left free is given back first: this process's memory and the
    # child's are counted together while the child lays the document out.
    memory.trim()
    body, _ = _ask(renderer.WHOLE, html, time.monotonic() + time_limit, time_limit)
    return body


def _ask(kind: bytes, html: str, deadline: float,
         time_limit: float) -> tuple[bytes, dict[str, Any] | None]:
    """A render child's PDF of `html` (and a part's facts: renderer.render_part), the
    child killed at `deadline` (TooSlow, which says `time_limit`)."""
    return _sent(kind, html, deadline, time_limit).answer()


@dataclass(frozen=True)
class _Asked:
    """A render child given what to make, its answer still to read."""

    connection: socket.socket
    child: int
    kind: bytes
    deadline: float
    time_limit: float

    def answer(self) -> tuple[bytes, dict[str, Any] | None]:
        """The child's PDF (and a part's facts); the child killed at the deadline."""
        with self.connection as connection:
            try:
                connection.settimeout(max(0.001, self.deadline - time.monotonic()))
                status = renderer.read_exactly(connection, 1)
                connection.settimeout(max(0.001, self.deadline - time.monotonic()))
                body = renderer.read_framed(connection)
                facts = json.loads(renderer.read_framed(connection)) \
                    if status == b"o" and self.kind != renderer.WHOLE else None
            except TimeoutError:
                self.kill()
                raise TooSlow(self.time_limit) from None
            except (OSError, EOFError, ValueError):
                raise RenderError(FAILED) from None
        if status != b"o":
            raise RenderError(FAILED)
        return body, facts

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.child, signal.SIGKILL)


def _sent(kind: bytes, html: str, deadline: float, time_limit: float) -> _Asked:
    """A render child that has been sent `html` to make (see _ask)."""
    connection, child = _server.connect()
    asked = _Asked(connection, child, kind, deadline, time_limit)
    try:
        connection.settimeout(max(0.001, deadline - time.monotonic()))
        connection.sendall(kind + renderer.framed(html.encode()))
    except TimeoutError:
        asked.kill()
        connection.close()
        raise TooSlow(time_limit) from None
    except OSError:
        connection.close()
        raise RenderError(FAILED) from None
    except BaseException:
        connection.close()
        raise
    return asked


#: The most HTML one part of a long handout holds (`render_in_parts`): the
#: 5,000-meeting directory (about 1 MB) in four parts.
PART_HTML = 250_000


def render_in_parts(html: str, time_limit: float = TIME_LIMIT_SECONDS,
                    most: int = PART_HTML) -> bytes:
    """The PDF of the HTML as `render` makes it, its pages laid out in parts of at most
    `most` characters (facilitator/domain/parts.py), one render child at a time, so none
    holds the whole document (each part's pages are joined here while the next part's
    child lays it out); the parts are joined into one PDF with the same pages,
    page numbers, bookmarks, title and language. `time_limit` is the whole document's:
    the parts share it. A document with no sections to split is rendered whole."""
    parted = parts.split(html)
    if parted is None or parts.part_end(parted, 0, most) == len(parted.blocks):
        return render(html, time_limit)
    memory.trim()
    deadline = time.monotonic() + time_limit
    joined = _Joined()
    bookmarks: list[list[Any]] = []
    start, first_page = 0, 1
    end = parts.part_end(parted, start, most)
    asked = _sent(renderer.LAST_PART if end == len(parted.blocks) else renderer.PART,
                  parts.part_html(parted, start, end, first_page), deadline, time_limit)
    while True:
        last = end == len(parted.blocks)
        body, facts = asked.answer()
        assert facts is not None
        if facts["next"] is None and not last:
            # No page after this part's first starts with one of its blocks: the rest
            # is printed as the last part, which keeps every page.
            end = len(parted.blocks)
            body, facts = _ask(renderer.LAST_PART,
                               parts.part_html(parted, start, end, first_page), deadline,
                               time_limit)
            assert facts is not None
        bookmarks.extend([level, label, first_page - 1 + page, left, top]
                         for level, label, page, left, top in facts["bookmarks"])
        first_page += facts["pages"]
        if facts["next"] is None:
            joined.append(body)
            return joined.pdf(bookmarks)
        start += facts["next"]
        end = parts.part_end(parted, start, most)
        # The next part is laid out by its child while this one is joined here.
        asked = _sent(renderer.LAST_PART if end == len(parted.blocks) else renderer.PART,
                      parts.part_html(parted, start, end, first_page), deadline, time_limit)
        try:
            joined.append(body)
        except BaseException:
            asked.kill()
            asked.connection.close()
            raise


class _Joined:
    """One PDF of the parts' pages, each part's appended as it comes, with the first
    part's title and language, and the bookmarks of every part nested as WeasyPrint
    nests them (a level under the last one above it)."""

    def __init__(self) -> None:
        self.writer = PdfWriter()
        self.first: PdfReader | None = None

    def append(self, body: bytes) -> None:
        reader = PdfReader(io.BytesIO(body))
        if self.first is None:
            self.first = reader
        self.writer.append(reader, import_outline=False)

    def pdf(self, bookmarks: list[list[Any]]) -> bytes:
        writer, first = self.writer, self.first
        assert first is not None
        writer.add_metadata(dict(first.metadata or {}))
        if "/Lang" in first.root_object:
            writer.root_object[NameObject("/Lang")] = first.root_object["/Lang"]
        above: list[tuple[int, Any]] = []
        for level, label, page, left, top in bookmarks:
            while above and above[-1][0] >= level:
                above.pop()
            item = writer.add_outline_item(title=label, page_number=page,
                                           parent=above[-1][1] if above else None,
                                           fit=Fit.xyz(left, top, 0))
            above.append((level, item))
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


#: HTML beyond which making it leaves enough free memory in the process (the directory
#: of a large org: its meetings' objects, the template's pieces) to give back before the
#: render: about 1 MB for 5,000 meetings; a group's one-pager is about 20 KB.
LARGE_HTML = 200_000

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
    once. Its budget is the PDF_CACHE_BYTES setting."""

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
