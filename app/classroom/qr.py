"""QR codes for the projector, drawn on the server as inline SVG."""

from __future__ import annotations

from markupsafe import Markup


def qr_svg(url: str, *, title: str) -> Markup:
    """An accessible inline SVG of a QR code for ``url``; segno escapes the title."""
    import segno  # with its XML writer, only in the processes that draw a QR code

    code = segno.make(url, error="m")
    svg = code.svg_inline(scale=8, border=2, dark="#111", light="#fff", title=title, svgclass="qr", lineclass=None)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - produced by segno from escaped input
