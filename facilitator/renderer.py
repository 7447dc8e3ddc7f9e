"""The render server: the lean process that renders every PDF (facilitator/pdf.py uses it).

It imports the standard library and WeasyPrint only, never the app (`facilitator`'s
package, Flask, SQLAlchemy, the caches a worker has filled), so the process that waits
between renders holds about 55 MiB, and each render starts at once in a fresh child
forked from it, which exits when the PDF is sent: whatever a 300-page directory took is
given back to the system, and nothing of one render is left for the next.

- **Run by path**, `python -P facilitator/renderer.py SOCKET`, never imported as part of
  the package (importing `facilitator.renderer` from the app is fine: it is how pdf.py
  shares `static_file`). `-P` keeps facilitator/ itself off sys.path.
- **Protocol**, on the Unix socket SOCKET (in a folder only this user can open), one
  connection per render: the server forks a child for it; the child sends its process id
  (8 bytes), reads what to make (one byte: `WHOLE`, `PART` or `LAST_PART`) and the HTML
  (8 bytes of length, then UTF-8), and answers one byte, "o" for a PDF or "e" for an
  error, 8 bytes of length and the PDF or the error's text; a part's PDF is followed by
  its `part_facts` as JSON (8 bytes of length, then UTF-8). The caller kills the child
  when its time is up.
- **Parts** (facilitator/domain/parts.py): of a `PART`, the pages before the last page
  that starts with a new block (a child of a `<section>` of the body) are kept, and that
  block's number is said; a `LAST_PART` keeps every page.
- **Ends with its caller**: when its standard input closes (the app process ended).
- **Warmed, then frozen**, before it listens: it renders `WARM_UP` once, so that what
  WeasyPrint and cffi make on a first render (C types parsed, lazy imports) is made once
  here, not again in every child; then `gc.freeze()` takes every object it holds out of
  the collector's sight. A child's full collections (two in each part of the directory)
  then look at its own objects only: without it they went over every object of the
  server too, 0.14 s of CPU a child, and copied the pages those objects live on.
- **Nothing but our own static files** is fetched (`static_file`): every URL in the HTML
  resolves against a made-up origin, and only files under facilitator/static/ are served
  from it. `file:`, `http(s):` anywhere else, `data:` and redirects are refused, so no
  text a leader typed can pull a file or a web page into a PDF.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import struct
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

#: What relative URLs in a handout resolve against; never fetched over a network.
BASE_URL = "https://facilitator.invalid/"
STATIC = Path(__file__).resolve().parent / "static"
#: Files a handout may use, by suffix, with the type WeasyPrint is told.
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}
#: What the server prints once it listens.
READY = b"ready\n"
#: What a connection asks for: a whole document, or a part of one (see parts).
WHOLE, PART, LAST_PART = b"w", b"p", b"l"
#: What the server renders once before it listens (see the module's docstring): the kinds
#: of things our handouts print, a page number, headings, text and an image.
WARM_UP = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Warm-up</title><style>'
    '@page { size: letter; margin: 15mm; @bottom-right { content: "Page " counter(page); '
    'font-size: 8pt } } html { font-family: "DejaVu Sans", sans-serif } '
    'p { white-space: pre-wrap }</style></head><body><h1>Meetings</h1><section><h2>Sunday</h2>'
    '<p>Morning · <strong>Group</strong> · B\n    In person: 1 Main St</p></section>'
    '<svg viewBox="0 0 2 2" width="20" height="20"><path d="M0 0h1v1h-1z"/></svg>'
    '</body></html>')
_LENGTH = struct.Struct("!Q")


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


def render_here(html: str) -> bytes:
    """The PDF of the HTML, rendered in this process."""
    return _html(html).write_pdf()


def _html(html: str) -> Any:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())


def render_part(html: str, *, last: bool) -> tuple[bytes, dict[str, Any]]:
    """The PDF of a part of a document (see the module's docstring) and its facts:
    `pages` kept, `next`, the number among its blocks of the block the next part starts
    with (None for the last part, or when no page after the first starts with a block),
    and `bookmarks`, each `[level, label, page, left, top]` in PDF points as WeasyPrint
    places them, `page` counted in the kept pages."""
    from weasyprint.formatting_structure.boxes import BlockBox

    source = _html(html)
    document = source.render()
    blocks = {id(element): number for number, element in enumerate(
        child for section in source.etree_element.iter("section") for child in section)}
    kept, following, on_page_before = len(document.pages), None, set()
    if not last:
        for number, page in enumerate(document.pages):
            on_page = [box.element for box in page._page_box.descendants()
                       if isinstance(box, BlockBox) and id(box.element) in blocks]
            if number and on_page and id(on_page[0]) not in on_page_before:
                kept, following = number, blocks[id(on_page[0])]
            on_page_before = set(map(id, on_page))
    scale = 0.75  # CSS px to PDF points, as write_pdf draws them
    bookmarks = [[level, label, number, x * scale, (page.height - y) * scale]
                 for number, page in enumerate(document.pages[:kept])
                 for level, label, (x, y), _state in page.bookmarks]
    body = document.copy(document.pages[:kept]).write_pdf()
    return body, {"pages": kept, "next": following, "bookmarks": bookmarks}


def read_exactly(connection: socket.socket, size: int) -> bytes:
    """`size` bytes from the connection; EOFError when it closes first."""
    chunks, left = [], size
    while left:
        chunk = connection.recv(min(left, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_framed(connection: socket.socket) -> bytes:
    (size,) = _LENGTH.unpack(read_exactly(connection, _LENGTH.size))
    return read_exactly(connection, size)


def framed(body: bytes) -> bytes:
    return _LENGTH.pack(len(body)) + body


def _serve_one(connection: socket.socket) -> None:
    """In the forked child: one render for one connection."""
    connection.sendall(_LENGTH.pack(os.getpid()))
    kind = read_exactly(connection, 1)
    html = read_framed(connection).decode()
    try:
        if kind == WHOLE:
            answer = b"o" + framed(render_here(html))
        else:
            body, facts = render_part(html, last=kind == LAST_PART)
            answer = b"o" + framed(body) + framed(json.dumps(facts).encode())
    except Exception as error:  # noqa: BLE001 (reported to the caller, which raises)
        answer = b"e" + framed(f"{type(error).__name__}: {error}".encode())
    connection.sendall(answer)


def serve(path: str) -> None:
    """Listen on the Unix socket `path`, a child per connection, until stdin closes."""
    import weasyprint  # noqa: F401 (imported once here, so each child starts ready)

    render_here(WARM_UP)
    gc.collect()
    gc.freeze()
    # Children are reaped by the system; the caller waits on its connection, not on them.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1):
            return  # the app process ended
        if listener not in readable:
            continue
        connection, _ = listener.accept()
        if os.fork() == 0:
            status = 1
            try:
                listener.close()
                _serve_one(connection)
                status = 0
            finally:
                os._exit(status)
        connection.close()


if __name__ == "__main__":
    serve(sys.argv[1])
