"""Problems found in a lesson pack, reported as ``path:line:col: error[CODE] message``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}] {self.message}"


class Report:
    """Collects the diagnostics of one pack."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, path: str, line: int, col: int, code: str, message: str) -> None:
        self.items.append(Diagnostic(path, line, col, Severity.error, code, message))

    def warning(self, path: str, line: int, col: int, code: str, message: str) -> None:
        self.items.append(Diagnostic(path, line, col, Severity.warning, code, message))

    @property
    def has_errors(self) -> bool:
        return any(d.severity == Severity.error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items)
