"""Teachers' packs: upload (zip or files), editor with checking, versions, copy, share, download."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.accounts.models import Role
from app.accounts.services import create_account, create_school_with_admin
from app.packs.models import Pack, PackVersion
from tests.conftest import PASSWORD, html, new_client, pack_id_by_key, set_up_school

PACK_MD = """---
id: {key}
title: Eigene Lektion
version: 1.0.0
language: de
---

Hinweise.
"""

ITEMS_MD = """::: verdict {{#eins answer=Fakt}}
Stimmt das?

> [!EXPLAIN]
> Ja.
:::

::: verdict {{#zwei answer=Fake technique=emotion}}
Und das?

> [!EXPLAIN]
> Nein.
:::
"""


def zip_bytes(entries: dict[str, bytes | str], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def own_pack(key: str = "eigene-lektion") -> dict[str, str]:
    return {f"{key}/pack.md": PACK_MD.format(key=key), f"{key}/01.md": ITEMS_MD.format()}


def upload_zip(client: TestClient, data: bytes, name: str = "pack.zip") -> Any:
    return client.post("/teacher/packs/upload", files=[("files", (name, data, "application/zip"))])


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00" * 1) if width == 1 else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_zip_exported_from_one_lupe_imports_into_another_with_identical_items(
    app: Any, client: TestClient, tmp_path: Any
) -> None:
    from app.main import create_app
    from app.settings import Settings
    from tests.conftest import LESSONS

    set_up_school(client)
    shipped = pack_id_by_key(client, "echt-oder-erfunden")
    exported = client.get(f"/teacher/packs/{shipped}/download")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="echt-oder-erfunden.zip"'

    import shutil

    other_dir = tmp_path / "other"
    other_dir.mkdir()
    shutil.copy(tmp_path / "lupe.sqlite3", other_dir / "lupe.sqlite3")
    other_app = create_app(Settings(data_dir=other_dir, secret_key="other", lessons_dir=LESSONS))
    with TestClient(other_app) as other:
        other.post(
            "/setup",
            data={"school_name": "Andere Schule", "display_name": "B", "email": "b@x.example", "password": PASSWORD},
        )
        # The shipped pack exists there too; import under a school's own id to compare.
        renamed = exported.content.replace(b"id: echt-oder-erfunden", b"id: importiert")
        data = zipfile.ZipFile(io.BytesIO(exported.content))
        entries = {n.replace("echt-oder-erfunden/", "importiert/"): data.read(n) for n in data.namelist()}
        entries["importiert/pack.md"] = data.read("echt-oder-erfunden/pack.md").replace(
            b"id: echt-oder-erfunden", b"id: importiert"
        )
        del renamed
        response = upload_zip(other, zip_bytes(entries))
        assert response.status_code == 200, response.text
        with app.state.lupe.db.read_session() as db, other_app.state.lupe.db.read_session() as other_db:
            original = db.get(PackVersion, db.get(Pack, shipped).current_version_id).compiled
            imported_pack = other_db.execute(select(Pack).where(Pack.key == "importiert")).scalar_one()
            imported = other_db.get(PackVersion, imported_pack.current_version_id).compiled
    assert [dict(i, file=None) for i in imported["items"]] == [dict(i, file=None) for i in original["items"]]


@pytest.mark.parametrize(
    ("entries", "link", "code"),
    [
        ({"../evil.md": "x", "p/pack.md": "x"}, None, "ZIP006"),
        ({"/abs/pack.md": "x"}, None, "ZIP006"),
        ({"p\\pack.md": "x"}, None, "ZIP006"),
        ({"C:/pack.md": "x"}, None, "ZIP006"),
        ({"p/pack.md": "x", "p/run.sh": "x"}, None, "ZIP006"),
        ({"p/pack.md": "x"}, "p/media/link.png", "ZIP005"),
        ({"p/pack.md": "x", "p/PACK.md": "y"}, None, "ZIP007"),
        ({"p/pack.md": "x", "p/01.md": "A" * 2_000_000}, None, "ZIP004"),
    ],
)
def test_dangerous_zips_are_refused_and_nothing_is_stored(
    client: TestClient, app: Any, entries: dict, link: str | None, code: str
) -> None:
    set_up_school(client)
    with app.state.lupe.db.read_session() as db:
        before = db.execute(select(func.count()).select_from(Pack)).scalar_one()
    response = upload_zip(client, zip_bytes(entries, link=link))
    assert response.status_code == 422
    assert code in html(response).select_one(".diagnostics").get_text()
    with app.state.lupe.db.read_session() as db:
        assert db.execute(select(func.count()).select_from(Pack)).scalar_one() == before


def test_too_many_entries_and_garbage_are_refused(client: TestClient) -> None:
    set_up_school(client)
    many = zip_bytes({f"p/{n}.md": "x" for n in range(400)})
    assert "ZIP003" in upload_zip(client, many).text
    assert "ZIP002" in upload_zip(client, b"not a zip at all").text


def test_upload_of_loose_files_with_a_picture(client: TestClient, app: Any) -> None:
    set_up_school(client)
    items = ITEMS_MD.format().replace(
        "::: verdict {#eins", '::: image {src="media/bild.png" alt="Ein grünes Quadrat"}\n:::\n\n::: verdict {#eins'
    )
    files = [
        ("files", ("pack.md", PACK_MD.format(key="mit-bild"), "text/markdown")),
        ("files", ("01.md", items, "text/markdown")),
        ("files", ("bild.png", png(1, 1), "image/png")),
    ]
    response = client.post("/teacher/packs/upload", files=files)
    assert response.status_code == 200, response.text
    with app.state.lupe.db.read_session() as db:
        pack = db.execute(select(Pack).where(Pack.key == "mit-bild")).scalar_one()
        sha = db.get(PackVersion, pack.current_version_id).compiled["items"][0]["stimuli"][0]["attrs"]["src"]
    assert client.get(f"/media/{sha}").headers["content-type"] == "image/png"
    assert "sandbox" in client.get(f"/media/{sha}").headers["content-security-policy"]
    assert new_client(app).get(f"/media/{sha}").status_code == 404  # not for strangers


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("bild.png", b"<html>not a picture</html>", "not a PNG"),
        ("flut.png", None, "too large"),
        (
            "boese.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>',
            "SVG",
        ),
        ("boese2.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" viewBox="0 0 10 10"/>', "SVG"),
    ],
)
def test_media_is_checked_by_content(client: TestClient, name: str, data: bytes | None, problem: str) -> None:
    set_up_school(client)
    files = [
        ("files", ("pack.md", PACK_MD.format(key="medien"), "text/markdown")),
        ("files", ("01.md", ITEMS_MD.format(), "text/markdown")),
        ("files", (name, data if data is not None else png(50_000, 50_000), "image/png")),
    ]
    response = client.post("/teacher/packs/upload", files=files)
    assert response.status_code == 422
    text = html(response).select_one(".diagnostics").get_text()
    assert "MEDIA006" in text and problem in text


def test_editor_shows_errors_at_their_line_then_saves(client: TestClient, app: Any) -> None:
    set_up_school(client)
    broken = PACK_MD.format(key="im-editor") + "\n::: verdict {#a}\nFrage?\n:::\n"
    preview = client.post(
        "/teacher/packs/preview", data={"name": "pack.md", "text": broken}, headers={"HX-Request": "true"}
    )
    assert preview.text.lstrip().startswith('<section id="preview"')
    messages = [li.get_text(" ", strip=True) for li in html(preview).select(".diagnostic.error")]
    assert any(m.startswith("pack.md:10:5") and "ITEM004" in m for m in messages), messages
    assert any("ITEM005" in m for m in messages)
    failed = client.post("/teacher/packs/save", data={"name": "pack.md", "text": broken})
    assert failed.status_code == 422
    assert html(failed).select_one("textarea").get_text() == broken  # nothing typed is lost
    fixed = broken.replace("{#a}", "{#a answer=Fakt}").replace("Frage?\n", "Frage?\n\n> [!EXPLAIN]\n> So ist es.\n")
    saved = client.post("/teacher/packs/save", data={"name": "pack.md", "text": fixed})
    assert saved.status_code == 200 and "/teacher/packs/" in str(saved.url)


def test_a_new_version_may_not_lose_an_item_unless_renamed(client: TestClient, app: Any) -> None:
    set_up_school(client)
    assert upload_zip(client, zip_bytes(own_pack())).status_code == 200
    pack_id = pack_id_by_key(client, "eigene-lektion")
    files = {"pack.md": PACK_MD.format(key="eigene-lektion"), "01.md": ITEMS_MD.format().replace("#zwei", "#drei")}
    form = {"name": list(files), "text": list(files.values()), "pack_id": str(pack_id)}
    lost = client.post("/teacher/packs/save", data=form)
    assert lost.status_code == 422
    assert "ITEM012" in lost.text and "zwei" in lost.text
    files["01.md"] = ITEMS_MD.format().replace("#zwei", "#drei renamed-from=zwei")
    form["text"] = list(files.values())
    assert client.post("/teacher/packs/save", data=form).status_code == 200
    with app.state.lupe.db.read_session() as db:
        assert (
            db.execute(select(func.count()).select_from(PackVersion).where(PackVersion.pack_id == pack_id)).scalar_one()
            == 2
        )


def test_copy_of_a_shipped_pack_is_mine_to_edit(client: TestClient) -> None:
    set_up_school(client)
    shipped = pack_id_by_key(client, "echt-oder-erfunden")
    assert client.get(f"/teacher/packs/{shipped}/edit").status_code == 404  # shipped packs are read-only
    response = client.post(f"/teacher/packs/{shipped}/copy")
    assert response.status_code == 200 and str(response.url).endswith("/edit")
    assert "id: echt-oder-erfunden-kopie" in html(response).select_one("textarea").get_text()


def test_sharing_within_the_school_only(client: TestClient, app: Any) -> None:
    set_up_school(client)
    with app.state.lupe.db.writing() as db:
        create_account(
            db, school_id=1, email="kollege@schule.example", display_name="K", password=PASSWORD, role=Role.teacher
        )
        create_school_with_admin(
            db, school_name="Andere Schule", email="fremd@andere.example", display_name="F", password=PASSWORD
        )
    upload_zip(client, zip_bytes(own_pack()))
    pack_id = pack_id_by_key(client, "eigene-lektion")
    colleague, stranger = new_client(app), new_client(app)
    colleague.post("/login", data={"email": "kollege@schule.example", "password": PASSWORD})
    stranger.post("/login", data={"email": "fremd@andere.example", "password": PASSWORD})
    assert colleague.get(f"/teacher/packs/{pack_id}").status_code == 404
    client.post(f"/teacher/packs/{pack_id}/share", data={"shared": "on"})
    assert colleague.get(f"/teacher/packs/{pack_id}").status_code == 200
    assert colleague.get(f"/teacher/packs/{pack_id}/edit").status_code == 404  # shared is not editable
    assert colleague.post(f"/teacher/packs/{pack_id}/share", data={"shared": ""}).status_code == 404
    for path in ("", "/download", "/edit"):
        assert stranger.get(f"/teacher/packs/{pack_id}{path}").status_code == 404
