"""CSV downloads that spreadsheets open safely: no formulas, UTF-8 with BOM, harmless file names."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence

BOM = "\ufeff"  # Excel reads UTF-8 only with it; LibreOffice and Python ignore it
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | None


def safe_cell(value: Cell) -> str:
    """A cell as text; text a spreadsheet could run as a formula gets a leading apostrophe.

    Numbers we wrote ourselves stay numbers (a negative d′ is not a formula), text never does.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Sequence[Cell]]) -> bytes:
    """The rows as a UTF-8 CSV file with BOM and CRLF line ends, every cell made safe."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def file_name(*parts: str, suffix: str = ".csv") -> str:
    """An ASCII file name from ``parts``: letters, digits, ``-`` and ``_`` only, at most 80 characters."""
    text = "-".join(parts)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_text).strip("-_")[:80] or "report"
    return cleaned + suffix


def attachment(*parts: str, suffix: str = ".csv") -> dict[str, str]:
    """The Content-Disposition header for a download named from ``parts``."""
    return {"Content-Disposition": f'attachment; filename="{file_name(*parts, suffix=suffix)}"'}
