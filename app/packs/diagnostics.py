"""Problems found in a lesson pack, reported as ``path:line:col: error[CODE] message``.

A diagnostic keeps its English template and its values apart, so the command line can
print English while the web pages show the same problem in the teacher's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

Param = str | int


def N_(message: str) -> str:
    """Mark a template for extraction (``pybabel extract -k N_``); it is translated when shown."""
    return message


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place in one file of a pack."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    template: str = field(compare=False)
    params: Mapping[str, Param] = field(default_factory=dict, compare=False)
    # The English text, compared and sorted on as before; the template and values only make it.
    message: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", _fill(self.template, self.params))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}] {self.message}"

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language of ``gettext``, with the values filled in."""
        return _fill(gettext(self.template), self.params)


def _fill(template: str, params: Mapping[str, Param]) -> str:
    return template % params if params else template


class Report:
    """Collects the diagnostics of one pack."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, path: str, line: int, col: int, code: str, template: str, /, **params: Param) -> None:
        self.items.append(Diagnostic(path, line, col, Severity.error, code, template, params))

    def warning(self, path: str, line: int, col: int, code: str, template: str, /, **params: Param) -> None:
        self.items.append(Diagnostic(path, line, col, Severity.warning, code, template, params))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == Severity.error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)
