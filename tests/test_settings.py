"""Settings: every LUPE_* variable is documented, and the secret key is generated once."""

from __future__ import annotations

import re
from pathlib import Path

from app.settings import PROJECT_ROOT, Settings


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(LUPE_[A-Z_]+)`", readme))
    expected = {f"LUPE_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set(), "undocumented settings"
    assert (
        documented
        - expected
        - {
            "LUPE_REQUIRE_POSTGRES",
            "LUPE_REQUIRE_BROWSER",
            "LUPE_TEST_POSTGRES_URL",
            "LUPE_ADMIN_PASSWORD",
            "LUPE_SCREENSHOTS",
        }
        == set()
    ), "documented settings that do not exist"


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
