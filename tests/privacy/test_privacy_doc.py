"""docs/privacy.md describes every table, so the school's record of processing stays complete."""

from __future__ import annotations

from app.models import metadata
from app.settings import PROJECT_ROOT


def test_every_table_is_in_the_privacy_doc() -> None:
    doc = (PROJECT_ROOT / "docs" / "privacy.md").read_text()
    missing = [name for name in sorted(metadata.tables) if f"`{name}`" not in doc]
    assert not missing, f"describe these tables in docs/privacy.md: {missing}"
