"""Media files of a pack: recognised by their content, never by their name.

PNG, JPEG, GIF and WebP are accepted when their header is sound and the picture is not
a pixel flood; SVG is accepted only without script, event handlers, external references
or entity declarations, and is served so that it could not run script anyway.
"""

from __future__ import annotations

import hashlib
import re
import struct
from dataclasses import dataclass

MAX_MEDIA_BYTES = 5_000_000
MAX_MEDIA_FILES = 200
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000

SVG_FORBIDDEN = re.compile(
    rb"<\s*(script|foreignObject|iframe|embed|object|use|image|a|animate|set|handler)\b|\son[a-z]+\s*=|javascript:|data:|"
    rb"<!DOCTYPE|<!ENTITY|xlink:href|href\s*=|@import|url\s*\(",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Media:
    name: str
    content_type: str
    width: int
    height: int
    sha256: str
    data: bytes

    def describe(self) -> dict[str, object]:
        return {"sha256": self.sha256, "content_type": self.content_type, "width": self.width, "height": self.height}


class MediaProblem(ValueError):
    pass


def inspect_media(name: str, data: bytes) -> Media:
    """The media file ``name``, or :class:`MediaProblem` saying why it is refused."""
    if len(data) > MAX_MEDIA_BYTES:
        raise MediaProblem(f"larger than {MAX_MEDIA_BYTES // 1_000_000} MB")
    content_type, width, height = _sniff(data)
    if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise MediaProblem(
            f"a picture of {width}×{height} pixels is too large (at most {MAX_PIXELS // 1_000_000} megapixels)"
        )
    return Media(name, content_type, width, height, hashlib.sha256(data).hexdigest(), data)


def _sniff(data: bytes) -> tuple[str, int, int]:
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data.startswith(b"\xff\xd8"):
        return ("image/jpeg", *_jpeg_size(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("image/webp", *_webp_size(data))
    head = data[:1000].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return ("image/svg+xml", *_svg_size(data))
    raise MediaProblem("not a PNG, JPEG, GIF, WebP or SVG picture (checked by its content, not its name)")


def _jpeg_size(data: bytes) -> tuple[int, int]:
    position = 2
    while position + 9 < len(data):
        if data[position] != 0xFF:
            raise MediaProblem("a damaged JPEG file")
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2 : position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    raise MediaProblem("a damaged JPEG file")


def _webp_size(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    raise MediaProblem("a damaged WebP file")


def _svg_size(data: bytes) -> tuple[int, int]:
    if SVG_FORBIDDEN.search(data):
        raise MediaProblem("an SVG with script, links, event handlers or external references is not allowed")
    match = re.search(rb'viewBox\s*=\s*"\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)\s*"', data)
    if match:
        return max(1, int(float(match.group(1)))), max(1, int(float(match.group(2))))
    width = re.search(rb'\swidth\s*=\s*"([\d.]+)', data)
    height = re.search(rb'\sheight\s*=\s*"([\d.]+)', data)
    if width and height:
        return max(1, int(float(width.group(1)))), max(1, int(float(height.group(1))))
    return 300, 150
