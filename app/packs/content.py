"""Content blocks: the material an item is about (post, headline, chat, article, search results, image)."""

from __future__ import annotations

from typing import Any

from app.packs.diagnostics import N_, Report
from app.packs.markdown import render_markdown
from app.packs.scanner import Block
from app.packs.vocabulary import CONTENT_ATTRIBUTES, NUMBER_ATTRIBUTES


def compile_content(path: str, block: Block, media: dict[str, Any], report: Report) -> dict[str, Any]:
    """A rendered content block; media references are checked against the pack's ``media/``."""
    known = CONTENT_ATTRIBUTES[block.type]
    attributes = block.attributes
    for name in sorted(attributes.names() - set(known)):
        report.warning(
            path,
            block.line,
            attributes.columns.get(name, 1),
            "ATTR002",
            N_("'%(type)s' has no attribute '%(name)s'; known: %(known)s"),
            type=block.type,
            name=name,
            known=", ".join(known),
        )
    attrs = {name: attributes.values[name][:300] for name in known if name in attributes.values}
    for number in NUMBER_ATTRIBUTES:
        if number in attrs and not attrs[number].isdigit():
            report.error(
                path,
                block.line,
                attributes.columns[number],
                "ATTR004",
                N_("'%(name)s' must be a whole number, not '%(value)s'"),
                name=number,
                value=attrs[number],
            )
    image_attr = "src" if block.type == "image" else "image"
    if block.type == "image" and "src" not in attrs:
        report.error(
            path, block.line, 5, "MEDIA003", N_("an image block needs src= with a file from the pack's media/ folder")
        )
    if image_attr in attrs:
        _check_image(path, block, attrs, image_attr, media, report)
    body = "\n".join(line for _, line in block.body)
    return {"type": block.type, "attrs": attrs, "html": render_markdown(body)}


def _check_image(
    path: str, block: Block, attrs: dict[str, str], name: str, media: dict[str, Any], report: Report
) -> None:
    reference = attrs[name].removeprefix("media/")
    column = block.attributes.columns.get(name, 1)
    if reference not in media:
        report.error(
            path,
            block.line,
            column,
            "MEDIA001",
            N_("media file '%(name)s' is missing: put it into the pack's media/ folder"),
            name=reference,
        )
    else:
        picture = media[reference]
        attrs[name] = picture.sha256
        attrs["width"] = str(picture.width)
        attrs["height"] = str(picture.height)
    if not attrs.get("alt", "").strip():
        report.error(
            path,
            block.line,
            column,
            "MEDIA002",
            N_('the image has no alt text: describe it with alt="…" for pupils who cannot see it'),
        )
