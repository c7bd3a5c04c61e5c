"""Jinja2 rendering: one template per page, its HTMX fragments are blocks of it.

Block names are always chosen by the route's code, never taken from the request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape
from jinja2.runtime import Context, Macro, new_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.i18n import LANGUAGE_COOKIE, LANGUAGES, choose_language, gettext_for
from app.security.sessions import ANONYMOUS, Principal
from app.settings import PROJECT_ROOT, Settings

TEMPLATES_DIR = PROJECT_ROOT / "templates"
MACROS = "components/macros.html"  # their macros are globals of every template (restart after editing them)
ITEM_PARTS_KEPT = 4096  # rendered item parts kept (a few KB each)
STATIC_DIR = PROJECT_ROOT / "static"
VARY = "HX-Request, Accept-Language, Cookie"  # what a rendered page depends on besides its URL


@cache
def static_url(name: str) -> str:
    """URL of a file in ``static/`` with a content hash, so it can be cached for long (computed once)."""
    path = STATIC_DIR / name
    version = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.exists() else "missing"
    return f"/static/{name}?v={version}"


# The language of the page being rendered. Templates and the macros they import (imported
# without context, so Jinja caches them) find `_` and `ngettext` as globals that read it.
_language: ContextVar[str] = ContextVar("lupe_language", default="de")


def _gettext(message: str, **values: object) -> str:
    return gettext_for(_language.get())[0](message, **values)


def _ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    return gettext_for(_language.get())[1](singular, plural, n, **values)


def bar(share: float | None, label: str) -> Markup:
    """A progress bar as inline SVG, ``share`` from 0 to 1, named by ``label`` for screen readers.

    A template global rather than a macro: every answer's feedback draws one, and calling a
    macro cost more than drawing it."""
    width = round((share or 0) * 100)
    return Markup(  # noqa: S704 - the label is escaped, the width is a number
        f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="{escape(label)}">'
        f'<rect width="100" height="10" class="bar-bg"/><rect width="{width}" height="10" class="bar-fill"/></svg>'
    )


_TYPED = object()  # an answer with the pupil's own words: rendered for them alone, never kept
TYPED_ITEMS = frozenset({"short", "reflection"})


def _answer_variant(item: dict[str, Any], answer: Any) -> Any:
    """What of an answer the feedback shows, as a key; _TYPED when it shows words the pupil typed."""
    if answer is None:
        return None
    if item["type"] in TYPED_ITEMS:
        return _TYPED
    return (answer.choice, answer.is_correct, answer.score, _frozen(answer.response))


def _frozen(value: Any) -> Any:
    """A response (JSON: dicts, lists, strings, numbers) as a hashable key, equal for equal responses."""
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(inner)) for key, inner in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(inner) for inner in value)
    return value


class _Context(Context):
    """Jinja's context, calling Lupe's own template globals the short way."""

    environment: _Environment

    def call(__self, __obj: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - as Jinja's
        # Jinja's ``call`` first asks every callable whether it wants the context passed in; each of
        # an answer's half a dozen calls paid for asking. Lupe's globals never want it.
        if id(__obj) in __self.environment.plain_calls:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


class _Environment(Environment):
    context_class = _Context
    plain_calls: frozenset[int] = frozenset()  # ids of the globals that take no context


class Renderer:
    """Renders pages and their fragments in the request's language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = _Environment(
            loader=FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            # Checking every template file's time on every render costs more than rendering;
            # authors who edit templates or packs run with LUPE_RELOAD_LESSONS.
            auto_reload=settings.reload_lessons,
        )
        self.env.filters["datetime"] = self._format_datetime
        self._parts: dict[tuple[str, int, str, Any], tuple[dict[str, Any], Markup]] = {}
        self.env.globals.update(
            item_part=self.item_part,
            bar=bar,
            static_url=static_url,
            languages=LANGUAGES,
            _=_gettext,
            gettext=_gettext,
            ngettext=_ngettext,
        )
        # The shared macros are globals of every template. An `{% from … import %}` inside a block
        # would import them again on every render, a fifth of an answer's rendering.
        shared = self.env.get_template(MACROS).module
        self.env.globals.update({name: value for name, value in vars(shared).items() if isinstance(value, Macro)})
        self._globals = dict(self.env.globals)
        self.env.plain_calls = frozenset(id(value) for value in self._globals.values() if callable(value))
        self._templates: dict[str, Template] = {}  # when templates are not reloaded

    def item_part(self, template: str, item: dict[str, Any], answer: Any = None) -> Markup:
        """A part of an item that depends on nothing but the item, the language and, for the
        feedback, the answer given (its material, its explanation, the feedback on a choice):
        rendered once, then reused for every pupil. Typed text is never kept."""
        variant = _answer_variant(item, answer)
        key = (template, id(item), _language.get(), variant)
        found = self._parts.get(key)
        if found is not None and found[0] is item:  # the same item, not a new one at a reused address
            return found[1]
        html = Markup(self._render(template, {"item": item, "answer": answer}))  # noqa: S704 - autoescaped
        if variant is not _TYPED and not self.settings.reload_lessons:  # authors editing templates see every change
            if len(self._parts) >= ITEM_PARTS_KEPT:
                self._parts.clear()  # rare: only after thousands of different items
            self._parts[key] = (item, html)  # the item is kept alive with it, so its address stays its own
        return html

    def _render(self, name: str, values: dict[str, Any], block: str | None = None) -> str:
        """A template, or one block of it. Jinja's own ``render`` copies the globals, a ChainMap,
        into every context, which cost a third of rendering an answer's feedback; here they
        are one plain dict, merged with the values."""
        template = self._templates.get(name) or self._template(name)
        # Without ``globals``: Jinja would copy the names of every global into each context, only to
        # find for a ``{% from … import %}`` that they are the imported template's globals too, so
        # that its cached module serves; without them the cached module serves at once.
        context = new_context(self.env, template.name, template.blocks, {**self._globals, **values}, shared=True)
        try:
            render = template.root_render_func if block is None else template.blocks[block]
            return self.env.concat(render(context))  # type: ignore[attr-defined, no-any-return]
        except Exception:
            self.env.handle_exception()
            raise  # handle_exception raises; this line is never reached

    def _template(self, name: str) -> Template:
        template = self.env.get_template(name)
        if not self.settings.reload_lessons:
            self._templates[name] = template
        return template

    def _format_datetime(self, value: datetime | None) -> str:
        """A date and time in the page's language and the school's time zone."""
        if value is None:
            return ""
        return format_datetime(value, "short", tzinfo=ZoneInfo(self.settings.timezone), locale=_language.get())

    def language(self, request: Request, principal: Principal = ANONYMOUS) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
        if chosen not in LANGUAGES and principal.account is not None:
            chosen = principal.account.language
        return choose_language(
            chosen=chosen,
            accept_language=request.headers.get("accept-language"),
            default=self.settings.default_language,
        )

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any] | None = None,
        *,
        principal: Principal = ANONYMOUS,
        block: str | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """The whole page, or only ``block`` of it for an HTMX swap."""
        language = self.language(request, principal)
        values = {
            "request": request,
            "principal": principal,
            "lang": language,
            "current_path": request.scope["path"],  # not request.url: building it costs more than the path
            **(context or {}),
        }
        token = _language.set(language)
        try:
            html = self._render(template, values, block)
        finally:
            _language.reset(token)
        return HTMLResponse(html, status_code=status_code, headers={**(headers or {}), "Vary": VARY})
