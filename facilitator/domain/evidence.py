"""Evidence files (certificates): PDF, PNG or JPEG, known by their content, never by
their name or the type the browser claims. A photo from an iPhone (HEIC) is turned into
a JPEG, so that every browser an admin or auditor uses can show it.

A file must start with its format's signature and then parse as that format: a text
file renamed .pdf, or a PNG header glued to something else, is refused. Pure: takes
bytes, returns the bytes to keep, their media type and the extension to store it under.
"""

from __future__ import annotations

import io
import warnings

import pillow_heif
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from facilitator.domain.languages import N_
from facilitator.domain.languages import Message
from facilitator.domain.languages import Refusal

MAX_BYTES = 5 * 1024 * 1024
#: What a person reads beside the field and when a file is too large.
LIMIT_WORDS = "5 MB"
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
_SIGNATURES = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
#: Pillow's own guard against decompression bombs, made strict: a certificate scan has
#: far fewer pixels than this.
MAX_PIXELS = 60_000_000
#: HEIF files are ISO media files: bytes 4 to 8 say "ftyp", then the brand. These are the
#: brands of still HEVC images (an iPhone's photos say "heic").
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
#: A photo kept as JPEG is at most this many pixels on its long side: a certificate
#: reads well at it, and the JPEG stays well under the limit.
LONG_SIDE = 3000
TOO_LARGE = Message(N_("The file is larger than %(limit)s. Scan at a lower resolution, or "
                       "save it as a smaller PDF or JPEG."), {"limit": LIMIT_WORDS})


class EvidenceProblem(Refusal):
    """The file is not acceptable; the message says why, for the person uploading."""


def check_file_name(name: str) -> None:
    """Refuse a name that carries a folder path: a browser never sends one, so it is a
    crafted request (we never use the name to store the file, but say no clearly)."""
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise EvidenceProblem(N_("The file name must be a plain name, without a folder path."))


def accept(data: bytes) -> tuple[bytes, str]:
    """The file as it is kept, and its media type; raises EvidenceProblem.

    A PDF, PNG or JPEG is kept as it came; an iPhone photo (HEIC) becomes a JPEG.
    """
    if is_heif(data):
        _check_size(data)
        return heif_as_jpeg(data), JPEG
    return data, media_type(data)


def _check_size(data: bytes) -> None:
    if not data:
        raise EvidenceProblem(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise EvidenceProblem(TOO_LARGE)


def media_type(data: bytes) -> str:
    """The file's media type, checked by its content; raises EvidenceProblem."""
    _check_size(data)
    kind = next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)
    if kind is None:
        raise EvidenceProblem(N_("Only PDF, PNG or JPEG files, or photos from an iPhone "
                                 "(HEIC), can be uploaded. Save or export the file as a PDF "
                                 "or a JPEG, then upload that."))
    if not (_parses_as_pdf(data) if kind == PDF else _parses_as_image(data, kind)):
        name = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG"}[kind]
        raise EvidenceProblem(Message(N_("The file says it is a %(kind)s but cannot be read as "
                                         "one. Save it again from the original and upload "
                                         "that."), {"kind": name}))
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


def is_heif(data: bytes) -> bool:
    """The file says it is a HEIF image, as an iPhone's photos are."""
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def heif_as_jpeg(data: bytes) -> bytes:
    """The HEIF image as a JPEG, turned the way the camera held it, with none of the
    photo's metadata (the place it was taken, the phone): raises EvidenceProblem."""
    try:
        heif = pillow_heif.open_heif(io.BytesIO(data))
        width, height = heif.size
        if width * height > MAX_PIXELS:
            raise EvidenceProblem(N_("The photo has too many pixels to read. Take it again "
                                     "at a lower resolution, or send it as a PDF."))
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = heif.to_pillow().convert("RGB")
        image.thumbnail((LONG_SIDE, LONG_SIDE))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85, optimize=True)
    except EvidenceProblem:
        raise
    except (OSError, ValueError, RuntimeError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise EvidenceProblem(N_(
            "The file says it is an iPhone photo (HEIC) but cannot be read as one. On the "
            "iPhone, share the photo as a JPEG (Settings › Camera › Formats › Most "
            "Compatible takes photos as JPEG), or send the certificate as a PDF.")) from None
    return out.getvalue()
