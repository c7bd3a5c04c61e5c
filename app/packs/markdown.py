"""The one Markdown renderer for content written by teachers: CommonMark, then nh3.

Raw HTML in Markdown is not rendered at all; the sanitiser is the second wall and
drops every attribute it does not know, htmx's ``hx-*`` included.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("strikethrough")
    .enable("table")
)

ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


HEADING_OFFSET = 2
_HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``; no script, event handler, htmx attribute or unsafe URL survives.

    Headings move down two levels (``#`` becomes ``h3``): the page around owns ``h1`` and ``h2``.
    """
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + HEADING_OFFSET)}>", _md.render(text))
    return sanitise(html)


def render_inline(text: str) -> str:
    """Like :func:`render_markdown` for a single line, without the paragraph around it."""
    return sanitise(_md.renderInline(text))


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
