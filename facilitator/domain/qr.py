"""QR codes as SVG, for pages and printed handouts alike."""

from __future__ import annotations

import segno


def qr_svg(text: str, title: str) -> str:
    """The QR code of `text` as an inline SVG element that scales to its box: paths only,
    no script and no style, with the title (escaped by segno) for screen readers."""
    return segno.make(text, error="m").svg_inline(
        scale=6, border=4, title=title, omitsize=True, svgclass="qr", lineclass=None,
        dark="#000", light="#fff",
    )
