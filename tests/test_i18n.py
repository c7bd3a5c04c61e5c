"""German and English: the catalog is complete and current, and languages are chosen right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from app.i18n import choose_language, gettext_for
from app.settings import PROJECT_ROOT

CATALOG = PROJECT_ROOT / "app" / "locales" / "de" / "LC_MESSAGES" / "messages.po"


def test_every_interface_string_has_a_german_translation(tmp_path: Path) -> None:
    # Extract afresh from templates and code (N_ marks pack diagnostics): a new string without a translation fails here.
    template = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603
        [
            str(Path(sys.executable).parent / "pybabel"),
            "--quiet",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(template),
            ".",
        ],
        cwd=PROJECT_ROOT,
        check=True,
    )
    with template.open("rb") as handle:
        wanted = {
            message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle) if message.id
        }
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalog
        if m.id and m.string and (isinstance(m.string, str) or all(m.string))
    }
    assert sorted(wanted - translated) == []


def test_language_choice_order() -> None:
    assert choose_language(chosen="en", accept_language="de", default="de") == "en"
    assert choose_language(chosen=None, accept_language="fr-FR,en;q=0.8,de;q=0.5", default="de") == "en"
    assert choose_language(chosen="xx", accept_language=None, default="de") == "de"
    assert choose_language(chosen=None, accept_language="", default="en") == "en"


def test_german_is_translated_and_placeholders_are_filled() -> None:
    gettext, ngettext = gettext_for("de")
    assert gettext("Join your class") != "Join your class"
    assert "7b" in gettext("Class: %(name)s", name="7b")
    assert ngettext("%(num)d pupil has joined", "%(num)d pupils have joined", 3).startswith("3")
