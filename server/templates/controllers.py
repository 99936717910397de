"""HTTP endpoints of checklist templates."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.core.dependencies import AuthenticatedCaller, DatabaseDep
from server.templates.schemas import TemplateDetail, TemplatePage
from server.templates.service import TemplateService

Templates = NamedDependency[TemplateService]


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
