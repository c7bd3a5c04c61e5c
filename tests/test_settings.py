"""Settings: every LUPE_* variable is documented, and the secret key is generated once."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import PROJECT_ROOT, Settings


def documented_settings() -> dict[str, str]:
    """The rows of the settings table in docs/deployment.md: name → default column."""
    text = (PROJECT_ROOT / "docs" / "deployment.md").read_text()
    table = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(LUPE_[A-Z0-9_]+)` \| ([^|]*) \| [^|]+ \|$", table, flags=re.MULTILINE)
    return {name: default.strip() for name, default in rows}


def test_every_setting_is_in_the_deployment_table() -> None:
    documented = documented_settings()
    expected = {f"LUPE_{name.upper()}" for name in Settings.model_fields}
    assert sorted(expected - documented.keys()) == [], "settings missing from the table in docs/deployment.md"
    assert sorted(documented.keys() - expected) == [], "documented settings that do not exist"


def test_documented_defaults_match_the_code() -> None:
    """Simple defaults (numbers, booleans, words) must read as the code has them."""
    documented = documented_settings()
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, bool | int) or (isinstance(default, str) and default):
            shown = str(default).lower() if isinstance(default, bool) else str(default)
            assert documented[f"LUPE_{name.upper()}"] == f"`{shown}`", name


def test_the_readme_points_to_the_table() -> None:
    assert "docs/deployment.md" in (PROJECT_ROOT / "README.md").read_text()


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings(data_dir=tmp_path).signing_key()
    second = Settings(data_dir=tmp_path).signing_key()
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_configured_secret_key_wins(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path, secret_key="from-the-environment").signing_key() == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_settings_come_from_lupe_variables(monkeypatch, tmp_path: Path) -> None:  # noqa: ANN001
    monkeypatch.setenv("LUPE_PORT", "9123")
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    settings = Settings()
    assert settings.port == 9123
    assert settings.effective_database_url == f"sqlite:///{tmp_path / 'lupe.sqlite3'}"
