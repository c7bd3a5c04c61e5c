"""A compiled pack as Moodle GIFT: the items that fit a Moodle quiz question, in plain text.

Moodle reads a GIFT file question by question, separated by blank lines; ``~ = # { } :``
and the backslash are escaped, and a line starting with ``//`` is a comment. Teacher notes
never go into the file: a Moodle quiz is shown to pupils.
"""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from app.i18n import gettext_for

Gettext = Callable[..., str]


def _(message: str) -> str:
    """Marks a string for the catalog; it is translated later, in the language asked for."""
    return message


# The same labels as the technique_label macro in templates/components/macros.html.
TECHNIQUE_LABELS = {
    "emotion": _("Stirring up emotions"),
    "impersonation": _("Impersonation or fake expert"),
    "polarisation": _("Polarisation: us against them"),
    "conspiracy": _("Conspiracy story"),
    "discrediting": _("Discrediting critics"),
    "trolling": _("Trolling"),
    "cherry-picking": _("Cherry-picking"),
    "false-context": _("False context"),
    "manipulated-image": _("Manipulated or AI-generated image"),
    "hidden-advertising": _("Hidden advertising"),
    "chain-letter": _("Chain letter"),
}
SPECIAL = "\\~=#{}:"
# Moodle accepts only its own list of answer weights; 100/n is on it for n up to 10.
MAX_WEIGHTED = 10


class Skipped(Exception):
    """The item has no fitting GIFT question type; the message says why."""


def pack_to_gift(compiled: dict[str, Any], language: str) -> str:
    """The GIFT text of the pack's items; ``language`` is the one of technique labels and headings."""
    gettext = gettext_for(language)[0]
    questions, skipped = [], []
    for item in compiled["items"]:
        try:
            questions.append(item_to_gift(item, compiled["verdicts"], gettext))
        except Skipped as reason:
            skipped.append(f"// skipped {item['key']}: {reason}")
    head = [f"// {compiled['title']} ({compiled['key']} {compiled['version']}), exported from Lupe", *skipped]
    return "\n\n".join(["\n".join(head), *questions]) + "\n"


def item_to_gift(item: dict[str, Any], verdicts: list[str], gettext: Gettext) -> str:
    """One GIFT question: the title, the material and question as text, the answers, the explanation."""
    kind = item["type"]
    if kind == "order":
        raise Skipped("GIFT has no question type for putting steps in order")
    if kind == "clue":
        raise Skipped("GIFT has no question type for marking words in a text")
    text: list[str] = []
    for number, stimulus in enumerate(item["stimuli"], start=1):
        if kind == "compare":
            text.append(gettext("Version %(n)d", n=number) + ":")
        text.extend(material_text(stimulus, gettext))
    text.extend(html_to_text(item["question_html"]))
    answers = _answers(item, verdicts, gettext)
    explanation = html_to_text(item["explain_html"])
    if explanation:
        answers.append("####" + _lines(explanation))
    return "\n".join([f"::{escape(item['key'])}::[plain]{_lines(text)}", "{", *answers, "}"])


def _answers(item: dict[str, Any], verdicts: list[str], gettext: Gettext) -> list[str]:
    kind = item["type"]
    if kind == "verdict":
        return [("=" if label == item["answer"] else "~") + escape(label) for label in verdicts]
    if kind == "compare":
        return [("=" if str(n) == item["answer"] else "~") + escape(gettext("Version %(n)d", n=n)) for n in (1, 2)]
    if kind in ("single", "source", "technique"):
        return [("=" if option["correct"] else "~") + _option(option, gettext) for option in item["options"]]
    if kind == "multiple":
        return _weighted(item["options"], gettext)
    if kind == "short":  # Moodle reads * in a short answer as a wildcard, \* as a star
        return ["=" + escape(answer).replace("*", "\\*") for answer in item["accepted_shown"]]
    return []  # reflection: an essay question, answered in free text


def _weighted(options: list[dict[str, Any]], gettext: Gettext) -> list[str]:
    """Like Lupe's scoring: each right option adds 100/right, each wrong one takes 100/wrong."""
    right = sum(1 for option in options if option["correct"])
    wrong = len(options) - right
    if right > MAX_WEIGHTED or wrong > MAX_WEIGHTED:
        raise Skipped(f"more than {MAX_WEIGHTED} right or wrong options have no answer weight in Moodle")
    return [
        f"~%{_weight(right) if option['correct'] else '-' + _weight(wrong)}%{_option(option, gettext)}"
        for option in options
    ]


def _weight(count: int) -> str:
    return f"{100 / count:.5f}".rstrip("0").rstrip(".")


def _option(option: dict[str, Any], gettext: Gettext) -> str:
    if option.get("technique"):
        label = escape(gettext(TECHNIQUE_LABELS.get(option["technique"], option["technique"])))
    else:
        label = _lines(html_to_text(option["text_html"]))
    feedback = html_to_text(option.get("feedback_html", ""))
    return label + ("#" + _lines(feedback) if feedback else "")


def material_text(stimulus: dict[str, Any], gettext: Gettext) -> list[str]:
    """A content block as lines of text: who or where it comes from, then what it says."""
    attrs = stimulus["attrs"]
    kind = stimulus["type"]
    fields = {
        "post": ("author", "handle", "time"),
        "headline": ("source", "date"),
        "chat": ("sender", "time"),
        "article": ("source", "date"),
    }.get(kind, ())
    lines = [" · ".join(attrs[name] for name in fields if attrs.get(name))]
    if kind == "article":
        lines.append(attrs.get("title", ""))
    if kind == "search":
        lines.append("🔍 " + attrs.get("query", ""))
    lines.extend(html_to_text(stimulus["html"]))
    picture = attrs.get("image") if kind == "post" else attrs.get("src")
    if picture:
        credit = f" ({attrs['credit']})" if attrs.get("credit") else ""
        lines.append(f"{gettext('Picture:')} {attrs.get('alt', '')}{credit}")
    if kind == "post":
        signs = (("♥", "likes"), ("💬", "comments"), ("↻", "shares"))
        lines.append(" · ".join(f"{sign} {attrs[name]}" for sign, name in signs if attrs.get(name)))
    return [line for line in lines if line.strip()]


def escape(text: str) -> str:
    """``text`` with GIFT's control characters escaped by a backslash."""
    return "".join("\\" + char if char in SPECIAL else char for char in text)


def _lines(lines: list[str]) -> str:
    """Escaped lines joined by newlines; a line that would start with ``//`` (a comment) gets ``\\n`` instead."""
    joined = ""
    for index, line in enumerate(lines):
        if index:
            joined += "\\n" if line.lstrip().startswith("//") else "\n"
        joined += escape(line)
    return joined


def html_to_text(html: str) -> list[str]:
    """The text of sanitised content HTML as non-empty lines; list entries start with "- " or "1. "."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return [" ".join(line.split()) for line in "".join(parser.parts).split("\n") if line.strip()]


class _TextParser(HTMLParser):
    BLOCKS = frozenset({"p", "div", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "hr", "ul", "ol"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.lists: list[int | None] = []  # the next number of each open ordered list, None for bullets
        self.link: tuple[str, int] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.BLOCKS or tag == "br":
            self.parts.append("\n")
        if tag == "ol":
            start = values.get("start") or "1"
            self.lists.append(int(start) if start.isdigit() else 1)
        elif tag == "ul":
            self.lists.append(None)
        elif tag == "li":
            number = self.lists[-1] if self.lists else None
            self.parts.append(f"\n{number}. " if number is not None else "\n- ")
            if number is not None:
                self.lists[-1] = number + 1
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "img":
            self.parts.append(values.get("alt") or "")
        elif tag == "a" and values.get("href"):
            self.link = (values["href"] or "", len(self.parts))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS or tag == "li":
            self.parts.append("\n")
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if tag == "a" and self.link is not None:
            href, start = self.link
            if "".join(self.parts[start:]).strip() != href.removeprefix("mailto:"):
                self.parts.append(f" ({href})")
            self.link = None

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
