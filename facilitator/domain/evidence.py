"""Evidence files (certificates): PDF, PNG or JPEG, known by their content, never by
their name or the type the browser claims.

A file must start with its format's signature and then parse as that format: a text
file renamed .pdf, or a PNG header glued to something else, is refused. Pure: takes
bytes, returns the media type and the extension to store it under.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_BYTES = 5 * 1024 * 1024
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
#: Pillow's own guard against decompression bombs, made strict: a certificate scan has
#: far fewer pixels than this.
MAX_PIXELS = 60_000_000


class EvidenceProblem(ValueError):
    """The file is not acceptable; the message says why, for the person uploading."""


def check_file_name(name: str) -> None:
    """Refuse a name that carries a folder path: a browser never sends one, so it is a
    crafted request (we never use the name to store the file, but say no clearly)."""
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise EvidenceProblem("The file name must be a plain name, without a folder path.")


def media_type(data: bytes) -> str:
    """The file's media type, checked by its content; raises EvidenceProblem."""
    if not data:
        raise EvidenceProblem("The file is empty.")
    if len(data) > MAX_BYTES:
        raise EvidenceProblem("The file is larger than 5 MB. Scan at a lower resolution, "
                              "or save it as a smaller PDF.")
    kind = next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        raise EvidenceProblem("Only PDF, PNG or JPEG files can be uploaded.")
    if not (_parses_as_pdf(data) if kind == PDF else _parses_as_image(data, kind)):
        name = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}[kind]
        raise EvidenceProblem(f"The file says it is a {name} but cannot be read as one. "
                              "Save it again from the original and upload that.")
    return kind


def _parses_as_pdf(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            return len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return False


def _parses_as_image(data: bytes, kind: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if Image.MIME.get(image.format or "") != kind:
                    return False
                if image.width * image.height > MAX_PIXELS:
                    return False
                image.load()  # decodes every pixel: a truncated file fails here
            return True
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        return False
