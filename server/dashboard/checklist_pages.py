"""Checklists in the dashboard (`/checklists`, admins): the list of versions, importing a
workbook written in Excel (docs/contract.md#xlsform), the preview of a version as the phone
shows it in each language, publishing a draft as a new immutable version, and downloading any
version as a workbook.

The pages call `TemplateService`, the API's: a workbook with problems is refused as a whole
and the page lists each problem by its place (`survey!C7`), nothing stored; with "leave out
what Shopscore cannot express" ticked, the rest becomes a draft and the page lists what was
left out. The preview names every text that falls back to English, so missing translations
show before the version is published.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from server.access.abilities import ADMINISTER, require
from server.access.caller import Caller
from server.core.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from server.core.i18n import _
from server.dashboard import setup_forms as forms
from server.dashboard.web import context_of, language_of, render, session_caller
from server.templates.service import TemplateService
from shared.i18n import LANGUAGES

LIST_LIMIT: Final = 1_000


def _service(request: Request[Any, Any, Any]) -> TemplateService:
    return TemplateService(context_of(request).database)


async def _list_page(
    request: Request[Any, Any, Any],
    problems: list[dict[str, Any]] | None = None,
    detail: str | None = None,
    status_code: int = 200,
) -> Response[str]:
    caller = await session_caller(request)
    require(caller, ADMINISTER)
    templates = (await _service(request).list_templates(caller, None, LIST_LIMIT)).items
    templates.sort(key=lambda t: (t.key, -t.version))
    return render(
        request,
        "checklists.html",
        caller=caller,
        status_code=status_code,
        templates=templates,
        problems=problems or [],
        detail=detail,
    )


@get("/checklists", include_in_schema=False)
async def checklists(request: Request[Any, Any, Any]) -> Response[str]:
    return await _list_page(request)


@post("/checklists/import", include_in_schema=False, status_code=303, request_max_body_size=None)
async def import_checklist(request: Request[Any, Any, Any]) -> Response[Any]:
    """A workbook becomes a draft; its preview follows. A refused workbook stores nothing."""
    caller = await session_caller(request)
    require(caller, ADMINISTER)
    limit = context_of(request).settings.max_csv_bytes
    fields, _multiple, files = await forms.read_form(request, limit + 64 * 1024)
    language = language_of(request, caller)
    upload = files.get("file")
    if upload is None:
        return await _list_page(
            request, detail=forms.words(language, _("Choose an .xlsx workbook.")), status_code=422
        )
    content = await upload.read()
    try:
        if len(content) > limit:
            raise PayloadTooLarge(
                _("The file is larger than the import limit; split it into parts.")
            )
        imported = await _service(request).import_workbook(
            caller, content, partial=forms.ticked(fields, "partial")
        )
    except (Invalid, PayloadTooLarge, UnsupportedMediaType) as error:
        return await _list_page(
            request,
            problems=error.errors or [],
            detail=forms.words(language, error.detail),
            status_code=error.status,
        )
    if imported.left_out:
        # What was left out is listed once, on the preview of the new draft.
        left_out = [msgspec.structs.asdict(problem) for problem in imported.left_out]
        return await _preview_page(request, caller, imported.template.id, language, left_out)
    return Redirect(path=f"/checklists/{imported.template.id}?lang={language}", status_code=303)


@get("/checklists/{template_id:int}", include_in_schema=False)
async def checklist(request: Request[Any, Any, Any], template_id: FromPath[int]) -> Response[str]:
    """A version as the phone shows it, in the language asked (the page's by default)."""
    caller = await session_caller(request)
    require(caller, ADMINISTER)
    wanted = request.query_params.get("lang")
    lang = wanted if wanted in LANGUAGES else language_of(request, caller)
    return await _preview_page(request, caller, template_id, lang)


async def _preview_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    template_id: int,
    lang: str,
    left_out: list[dict[str, Any]] | None = None,
) -> Response[Any]:
    service = _service(request)
    preview = await service.preview(caller, template_id, lang)
    others = {code: (await service.preview(caller, template_id, code)).untranslated
              for code in LANGUAGES}  # fmt: skip
    return render(
        request,
        "checklist.html",
        caller=caller,
        preview=preview,
        lang=lang,
        untranslated=others,
        left_out=left_out or [],
        published=request.query_params.get("published") == "1",
    )


@post("/checklists/{template_id:int}/publish", include_in_schema=False, status_code=303)
async def publish_checklist(
    request: Request[Any, Any, Any], template_id: FromPath[int]
) -> Response[Any]:
    caller = await session_caller(request)
    require(caller, ADMINISTER)
    await forms.read_form(request)
    await _service(request).publish(caller, template_id)
    return Redirect(path=f"/checklists/{template_id}?published=1", status_code=303)


@get("/checklists/{template_id:int}/export.xlsx", include_in_schema=False)
async def export_checklist(
    request: Request[Any, Any, Any], template_id: FromPath[int]
) -> Response[bytes]:
    caller = await session_caller(request)
    require(caller, ADMINISTER)
    name, content = await _service(request).export_workbook(caller, template_id)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


ROUTES = [checklists, import_checklist, checklist, publish_checklist, export_checklist]
