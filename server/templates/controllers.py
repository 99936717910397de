"""HTTP endpoints of checklist templates: JSON, XLSForm-style workbooks and the preview."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from server.access.abilities import ADMINISTER, require
from server.core.dependencies import AuthenticatedCaller, DatabaseDep, SettingsDep
from server.templates.schemas import (
    TemplateDetail,
    TemplateImport,
    TemplatePage,
    TemplatePreview,
)
from server.templates.service import TemplateService
from server.templates.upload import MULTIPART, read_workbook_upload
from server.templates.xlsform import XLSX_MEDIA_TYPE

Templates = NamedDependency[TemplateService]
Language = Annotated[
    Literal["en", "ru", "uk", "pl"] | None,
    QueryParameter(description="en, ru, uk or pl; default: yours"),
]


@dataclass
class WorkbookUploadOperation(Operation):
    """The operation of `POST /api/v1/templates/import`: an .xlsx body, or a form with it."""

    def __post_init__(self) -> None:
        binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        form = Schema(
            type=OpenAPIType.OBJECT,
            properties={"file": binary},
            required=["file"],
        )
        self.request_body = RequestBody(
            content={
                XLSX_MEDIA_TYPE: OpenAPIMediaType(schema=binary),
                MULTIPART: OpenAPIMediaType(schema=form),
            },
            required=True,
            description="An XLSForm-style workbook: survey, choices, settings and bands sheets "
            "(docs/contract.md#xlsform); at most MAX_CSV_BYTES",
        )


@dataclass
class WorkbookDownloadOperation(Operation):
    """The operation of `GET /api/v1/templates/{id}/export.xlsx`: its 200 is a workbook."""

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        binary = {"schema": {"type": "string", "format": "binary"}}
        schema["responses"]["200"]["content"] = {XLSX_MEDIA_TYPE: binary}
        return schema


def provide_templates(database: DatabaseDep) -> TemplateService:
    return TemplateService(database)


class TemplateController(Controller):
    path = "/api/v1/templates"
    tags = ("templates",)
    dependencies = {"templates": Provide(provide_templates, sync_to_thread=False)}  # noqa: RUF012 -- read once by Litestar

    @get("/")
    async def list_templates(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        key: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
    ) -> TemplatePage:
        return await templates.list_templates(caller, cursor, limit, key, status, channel)

    @post("/")
    async def create_template(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        data: JSONBody[dict[str, Any]],
    ) -> TemplateDetail:
        """Create a draft from the template JSON (docs/contract.md); the server numbers it."""
        return await templates.create_template(caller, data)

    @post(
        "/import",
        status_code=HTTP_201_CREATED,
        request_max_body_size=None,  # read_workbook_upload applies MAX_CSV_BYTES
        operation_class=WorkbookUploadOperation,
    )
    async def import_workbook(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        settings: SettingsDep,
        request: Request[Any, Any, Any],
        partial: Annotated[
            bool, QueryParameter(description="leave out what a checklist cannot express")
        ] = False,
    ) -> TemplateImport:
        """Create a draft from an XLSForm-style workbook; every problem is named by its cell
        (422, nothing stored). With `partial=true`, what a checklist cannot express is left
        out and listed."""
        require(caller, ADMINISTER)  # before a byte of the body is read
        content = await read_workbook_upload(request, settings.max_csv_bytes)
        return await templates.import_workbook(caller, content, partial)

    @get("/{template_id:int}")
    async def get_template(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> TemplateDetail:
        return await templates.get_template(caller, template_id)

    @put("/{template_id:int}")
    async def replace_draft(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
        data: JSONBody[dict[str, Any]],
    ) -> TemplateDetail:
        return await templates.replace_draft(caller, template_id, data)

    @delete("/{template_id:int}")
    async def delete_draft(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> None:
        await templates.delete_draft(caller, template_id)

    @post("/{template_id:int}/publish", status_code=HTTP_200_OK)
    async def publish(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> TemplateDetail:
        return await templates.publish(caller, template_id)

    @post("/{template_id:int}/archive", status_code=HTTP_200_OK)
    async def archive(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> TemplateDetail:
        return await templates.archive(caller, template_id)

    @get("/{template_id:int}/export")
    async def export(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> dict[str, Any]:
        """The template exactly as its JSON, for download or another server."""
        return (await templates.get_template(caller, template_id)).body

    @get(
        "/{template_id:int}/export.xlsx",
        media_type=XLSX_MEDIA_TYPE,
        operation_class=WorkbookDownloadOperation,
    )
    async def export_workbook(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
    ) -> Response[bytes]:
        """The template as an XLSForm-style workbook, which imports back into the same
        checklist."""
        name, content = await templates.export_workbook(caller, template_id)
        return Response(
            content,
            media_type=XLSX_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get("/{template_id:int}/preview")
    async def preview(
        self,
        caller: AuthenticatedCaller,
        templates: Templates,
        template_id: FromPath[int],
        lang: Language = None,
    ) -> TemplatePreview:
        """The checklist as the phone shows it in one language: sections, questions, options,
        hints and points, with the texts that fall back to English named."""
        return await templates.preview(caller, template_id, lang or caller.language)
