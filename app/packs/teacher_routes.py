"""Teachers' pack library: browse, preview, upload, edit with live checking, copy, share, download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.packs.archive import MAX_ZIP_BYTES, PackUpload, add_file, read_zip
from app.packs.authoring import (
    NEW_PACK_TEMPLATE,
    copy_files,
    free_key,
    save_pack,
    upload_from_editor,
    version_files,
    version_media,
    zip_of,
)
from app.packs.library import usable_packs
from app.packs.models import Pack, PackVersion
from app.packs.vocabulary import MAX_FILES
from app.security.authz import (
    check_pack_editable,
    check_pack_usable,
    may_edit_pack,
    may_see_pack_report,
    require_teacher,
)
from app.security.sessions import Principal
from app.web.deps import DbDep, LupeDep, PrincipalDep, is_htmx

router = APIRouter()

Names = Annotated[list[str], Form(max_length=120)]
Texts = Annotated[list[str], Form(max_length=600_000)]


def _library(request: Request, lupe: LupeDep, db: DbDep, principal: Principal, **extra: Any) -> Response:
    account = require_teacher(principal)
    packs = usable_packs(db, lupe.packs, account)
    context = {"packs": packs, "account": account, "diagnostics": [], "uploaded": None, **extra}
    status = 422 if extra.get("diagnostics") and extra.get("uploaded") is None else 200
    return lupe.renderer.render(request, "packs/library.html", context, principal=principal, status_code=status)


@router.get("/teacher/packs")
def library(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep) -> Response:
    return _library(request, lupe, db, principal)


@router.get("/teacher/packs/{pack_id}/download")
def download(lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """The pack as a .zip that any Lupe (or lessons/) reads back."""
    account = require_teacher(principal)
    pack = check_pack_usable(account, db.get(Pack, pack_id))
    version = db.get(PackVersion, pack.current_version_id)
    assert version is not None
    headers = {"Content-Disposition": f'attachment; filename="{pack.key}.zip"'}
    return Response(zip_of(db, version, pack.key), media_type="application/zip", headers=headers)


@router.post("/teacher/packs/upload")
async def upload(
    request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, files: list[UploadFile]
) -> Response:
    """A .zip of a pack, or its files (pack.md, lesson files, pictures) chosen together."""
    account = require_teacher(principal)
    received = PackUpload()
    if len(files) == 1 and (files[0].filename or "").lower().endswith(".zip"):
        received = read_zip(await files[0].read(MAX_ZIP_BYTES + 1), label=files[0].filename or "upload.zip")
    else:
        for part in files[: MAX_FILES + 200]:
            name = (part.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
            relative = name if name.endswith(".md") else f"media/{name}"
            add_file(received, relative, await part.read(5_000_001), name or "?")
        received.files.sort(key=lambda f: (f.path != "pack.md", f.path))
    with lupe.db.writing() as session:
        result = save_pack(session, received, account=account)
    if result.pack is None:
        return _library(request, lupe, db, principal, diagnostics=result.diagnostics)
    return RedirectResponse(f"/teacher/packs/{result.pack.id}", status_code=303)


@router.post("/teacher/packs/{pack_id}/copy")
def copy(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    """A copy of any usable pack (shipped ones included) as the teacher's own, to adapt."""
    account = require_teacher(principal)
    pack = check_pack_usable(account, db.get(Pack, pack_id))
    version = db.get(PackVersion, pack.current_version_id)
    assert version is not None and account.school_id is not None
    suffix = "kopie" if version.language == "de" else "copy"
    new_key = free_key(db, pack.key, account.school_id, suffix)
    files = copy_files(version_files(version), new_key)
    edited = upload_from_editor(list(files), list(files.values()), version_media(db, version))
    with lupe.db.writing() as session:
        result = save_pack(session, edited, account=account)
    if result.pack is None:
        return _library(request, lupe, db, principal, diagnostics=result.diagnostics)
    return RedirectResponse(f"/teacher/packs/{result.pack.id}/edit", status_code=303)


@router.post("/teacher/packs/{pack_id}/share")
def share(
    lupe: LupeDep, principal: PrincipalDep, pack_id: int, shared: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    account = require_teacher(principal)
    with lupe.db.writing() as session:
        pack = check_pack_editable(account, session.get(Pack, pack_id))
        pack.shared = shared == "on"
        session.add(pack)
    return RedirectResponse(f"/teacher/packs/{pack_id}", status_code=303)


# The editor


def _editor(
    request: Request,
    lupe: LupeDep,
    principal: Principal,
    *,
    pack: Pack | None,
    files: dict[str, str],
    diagnostics: list,
    status: int = 200,
) -> Response:
    context = {"pack": pack, "files": files, "diagnostics": diagnostics, "preview": None}
    return lupe.renderer.render(request, "packs/editor.html", context, principal=principal, status_code=status)


@router.get("/teacher/packs/new")
def new_pack(request: Request, lupe: LupeDep, principal: PrincipalDep) -> Response:
    require_teacher(principal)
    language = lupe.renderer.language(request, principal)
    return _editor(request, lupe, principal, pack=None, files={"pack.md": NEW_PACK_TEMPLATE[language]}, diagnostics=[])


@router.get("/teacher/packs/{pack_id}/edit")
def edit_pack(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    account = require_teacher(principal)
    pack = check_pack_editable(account, db.get(Pack, pack_id))
    version = db.get(PackVersion, pack.current_version_id)
    assert version is not None
    return _editor(request, lupe, principal, pack=pack, files=version_files(version), diagnostics=[])


def _edited(
    db: DbDep, account: Any, pack_id: int | None, names: list[str], texts: list[str]
) -> tuple[Pack | None, PackUpload]:
    pack = check_pack_editable(account, db.get(Pack, pack_id)) if pack_id else None
    media = {}
    if pack is not None:
        version = db.get(PackVersion, pack.current_version_id)
        media = version_media(db, version) if version else {}
    return pack, upload_from_editor(names[:MAX_FILES], texts[:MAX_FILES], media)


@router.post("/teacher/packs/preview")
def preview(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    principal: PrincipalDep,
    name: Names,
    text: Texts,
    pack_id: Annotated[int, Form()] = 0,
) -> Response:
    """Check and render what is in the editor now, without storing anything."""
    from app.packs.compiler import compile_pack  # Markdown, YAML, nh3: loaded when a teacher first previews

    account = require_teacher(principal)
    pack, edited = _edited(db, account, pack_id, name, text)
    report = edited.report
    compiled = compile_pack(edited.files, report, edited.media) if not report.has_errors else None
    context = {
        "pack": pack,
        "files": dict(zip(name, text, strict=False)),
        "diagnostics": report.sorted(),
        "preview": compiled,
    }
    block = "preview" if is_htmx(request) else None
    return lupe.renderer.render(request, "packs/editor.html", context, principal=principal, block=block)


@router.post("/teacher/packs/save")
def save(
    request: Request,
    lupe: LupeDep,
    db: DbDep,
    principal: PrincipalDep,
    name: Names,
    text: Texts,
    pack_id: Annotated[int, Form()] = 0,
) -> Response:
    """Store the editor's files as a new version (or a new pack); on errors, show them and keep the text."""
    account = require_teacher(principal)
    pack, edited = _edited(db, account, pack_id, name, text)
    with lupe.db.writing() as session:
        replacing = session.get(Pack, pack.id) if pack is not None else None
        result = save_pack(session, edited, account=account, replacing=replacing)
    if result.pack is None:
        files = dict(zip(name, text, strict=False))
        return _editor(request, lupe, principal, pack=pack, files=files, diagnostics=result.diagnostics, status=422)
    return RedirectResponse(f"/teacher/packs/{result.pack.id}", status_code=303)


@router.get("/teacher/packs/{pack_id}")
def pack_page(request: Request, lupe: LupeDep, db: DbDep, principal: PrincipalDep, pack_id: int) -> Response:
    account = require_teacher(principal)
    pack = check_pack_usable(account, db.get(Pack, pack_id))
    compiled = lupe.packs.get(db, pack.current_version_id or 0)
    context = {
        "pack": pack,
        "compiled": compiled,
        "editable": may_edit_pack(account, pack),
        "reportable": may_see_pack_report(account, pack),
    }
    return lupe.renderer.render(request, "packs/pack.html", context, principal=principal)
