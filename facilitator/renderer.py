"""The render server: the lean process that renders every PDF (facilitator/pdf.py uses it).

It imports the standard library and WeasyPrint only, never the app (`facilitator`'s
package, Flask, SQLAlchemy, the caches a worker has filled), so the process that waits
between renders holds about 50 MiB, and each render starts at once in a fresh child
forked from it, which exits when the PDF is sent: whatever a 300-page directory took is
given back to the system, and nothing of one render is left for the next.

- **Run by path**, `python -P facilitator/renderer.py SOCKET`, never imported as part of
  the package (importing `facilitator.renderer` from the app is fine: it is how pdf.py
  shares `static_file`). `-P` keeps facilitator/ itself off sys.path.
- **Protocol**, on the Unix socket SOCKET (in a folder only this user can open), one
  connection per render: the server forks a child for it; the child sends its process id
  (8 bytes), reads the HTML (8 bytes of length, then UTF-8), and answers one byte, "o"
  for a PDF or "e" for an error, 8 bytes of length and the PDF or the error's text. The
  caller kills the child when its time is up.
- **Ends with its caller**: when its standard input closes (the app process ended).
- **Nothing but our own static files** is fetched (`static_file`): every URL in the HTML
  resolves against a made-up origin, and only files under facilitator/static/ are served
  from it. `file:`, `http(s):` anywhere else, `data:` and redirects are refused, so no
  text a leader typed can pull a file or a web page into a PDF.
"""

from __future__ import annotations

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
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()


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
    html = read_framed(connection).decode()
    try:
        answer = b"o" + framed(render_here(html))
    except Exception as error:  # noqa: BLE001 (reported to the caller, which raises)
        answer = b"e" + framed(f"{type(error).__name__}: {error}".encode())
    connection.sendall(answer)


def serve(path: str) -> None:
    """Listen on the Unix socket `path`, a child per connection, until stdin closes."""
    import weasyprint  # noqa: F401 (imported once here, so each child starts ready)

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
