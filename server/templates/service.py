"""Checklist templates: drafts are validated by `shared`, published versions never change.

Creating a template whose key already has a published version makes version N+1; a draft can
be replaced until it is published; archiving hides a version from new waves but keeps it for
the audits that were made with it. A draft can also come from an XLSForm-style workbook, any
version can be exported as one, and previewed as the phone shows it in each language
(docs/contract.md#xlsform).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re
from typing import Any

import anyio.to_thread

from server.access.abilities import ADMINISTER, FIELD_WORK, require
from server.access.caller import AUDITOR, Caller
from server.auditlog import service as auditlog
from server.core.database import Database
from server.core.errors import (
    Conflict,
    Invalid,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from server.core.i18n import _
from server.core.pagination import id_page
from server.templates import xlsform
from server.templates.preview import preview
from server.templates.schemas import (
    TemplateDetail,
    TemplateImport,
    TemplatePage,
    TemplatePreview,
    TemplateSummary,
    WorkbookProblem,
)
from server.templates.tables import ChecklistTemplate
from server.templates.upload import SEND_A_WORKBOOK, TOO_LARGE
from server.waves.tables import Assignment
from shared.checklist import Template
from shared.errors import TemplateError

DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"


def validate_template(body: object) -> Template:
    """Validate with `shared`; a bad template is a 422 naming the path of the problem."""
    try:
        return Template.from_dict(body)
    except TemplateError as error:
        raise Invalid(
            _("The template is not valid: ") + str(error),
            errors=[{"item": error.path or None, "code": error.code, "message": error.reason}],
        ) from error


def _summary(row: dict[str, Any]) -> TemplateSummary:
    return TemplateSummary(
        id=row["id"],
        key=row["key"],
        version=row["version"],
        channel=row["channel"],
        title=row["title"],
        status=row["status"],
        published_at=row["published_at"],
    )


def _detail(row: dict[str, Any]) -> TemplateDetail:
    return TemplateDetail(
        id=row["id"],
        key=row["key"],
        version=row["version"],
        channel=row["channel"],
        title=row["title"],
        status=row["status"],
        published_at=row["published_at"],
        body=json.loads(row["body"]),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class TemplateService:
    database: Database

    async def _visible_ids(self, caller: Caller) -> list[int] | None:
        """Template ids the caller may read; None means all."""
        require(caller, FIELD_WORK)
        if caller.role != AUDITOR:
            return None
        rows = await Assignment.select(Assignment.template).where(
            Assignment.auditor == caller.user_id
        )
        return sorted({row["template"] for row in rows})

    async def list_templates(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        key: str | None = None,
        status: str | None = None,
        channel: str | None = None,
    ) -> TemplatePage:
        visible = await self._visible_ids(caller)
        if visible == []:
            return TemplatePage(items=[], next_cursor=None)
        query = ChecklistTemplate.select(
            *[c for c in ChecklistTemplate._meta.columns if c._meta.name != "body"]
        )
        filters = []
        if visible is not None:
            filters.append(ChecklistTemplate.id.is_in(visible))
        if key:
            filters.append(ChecklistTemplate.key == key)
        if status:
            filters.append(ChecklistTemplate.status == status)
        if channel:
            filters.append(ChecklistTemplate.channel == channel)
        rows, next_cursor = await id_page(query, ChecklistTemplate.id, filters, cursor, limit)
        return TemplatePage(items=[_summary(row) for row in rows], next_cursor=next_cursor)

    async def get_template(self, caller: Caller, template_id: int) -> TemplateDetail:
        visible = await self._visible_ids(caller)
        row = None
        if visible is None or template_id in visible:
            row = (
                await ChecklistTemplate.select().where(ChecklistTemplate.id == template_id).first()
            )
        if row is None:
            raise NotFound(_("No such template."))
        return _detail(row)

    async def create_template(self, caller: Caller | None, body: dict[str, Any]) -> TemplateDetail:
        """Store a new draft: version 1 of a new key, or N+1 after published version N."""
        if caller is not None:
            require(caller, ADMINISTER)
        if not isinstance(body, dict) or not isinstance(body.get("key"), str):
            raise Invalid(
                _("A template is a JSON object with a string 'key'."),
                errors=[{"item": "key", "code": "invalid_template", "message": "key is required"}],
            )
        async with self.database.transaction():
            latest = await (
                ChecklistTemplate.select(ChecklistTemplate.version, ChecklistTemplate.status)
                .where(ChecklistTemplate.key == body["key"])
                .order_by(ChecklistTemplate.version, ascending=False)
                .first()
            )
            if latest is not None and latest["status"] == DRAFT:
                raise Conflict(
                    _("This key already has an unpublished draft; change or publish it first.")
                )
            version = latest["version"] + 1 if latest else 1
            body = {**body, "version": version}
            template = validate_template(body)
            rows = await ChecklistTemplate.insert(
                ChecklistTemplate(
                    key=template.key,
                    version=version,
                    channel=template.channel,
                    title=template.title.get("en", template.key),
                    status=DRAFT,
                    body=json.dumps(body, ensure_ascii=False),
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            detail = await self._load(rows[0]["id"])
            await auditlog.record(
                caller, "create", "template", detail.id, after=_summary_of(detail)
            )
        return detail

    async def replace_draft(
        self, caller: Caller, template_id: int, body: dict[str, Any]
    ) -> TemplateDetail:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_template(caller, template_id)
            if before.status != DRAFT:
                raise Conflict(
                    _("A published version never changes; create a new version instead.")
                )
            if isinstance(body, dict) and body.get("key") != before.key:
                raise Invalid(
                    _("A draft keeps its key."),
                    errors=[{"item": "key", "code": "key_changed", "message": before.key}],
                )
            body = {**body, "version": before.version}
            template = validate_template(body)
            await ChecklistTemplate.update(
                channel=template.channel,
                title=template.title.get("en", template.key),
                body=json.dumps(body, ensure_ascii=False),
            ).where(ChecklistTemplate.id == template_id)
            after = await self._load(template_id)
            await auditlog.record(
                caller, "update", "template", template_id, before.body, after.body
            )
        return after

    async def publish(self, caller: Caller | None, template_id: int) -> TemplateDetail:
        return await self._set_status(caller, template_id, DRAFT, PUBLISHED)

    async def archive(self, caller: Caller, template_id: int) -> TemplateDetail:
        return await self._set_status(caller, template_id, PUBLISHED, ARCHIVED)

    async def _set_status(
        self, caller: Caller | None, template_id: int, from_status: str, to_status: str
    ) -> TemplateDetail:
        if caller is not None:
            require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self._load(template_id)
            if before.status != from_status:
                raise Conflict(
                    _("Only a {from_status} template can become {to_status}.").format(
                        from_status=from_status, to_status=to_status
                    )
                )
            values: dict[str, Any] = {"status": to_status}
            if to_status == PUBLISHED:
                values["published_at"] = dt.datetime.now(dt.UTC)
            await ChecklistTemplate.update(**values).where(ChecklistTemplate.id == template_id)
            after = await self._load(template_id)
            await auditlog.record(
                caller,
                to_status if to_status != PUBLISHED else "publish",
                "template",
                template_id,
                _summary_of(before),
                _summary_of(after),
            )
        return after

    async def delete_draft(self, caller: Caller, template_id: int) -> None:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_template(caller, template_id)
            if before.status != DRAFT:
                raise Conflict(_("Published versions are kept; archive them instead."))
            await ChecklistTemplate.delete().where(ChecklistTemplate.id == template_id)
            await auditlog.record(caller, "delete", "template", template_id, before.body)

    # Workbooks and preview (docs/contract.md#xlsform) ----------------------------------------

    async def import_workbook(
        self, caller: Caller, content: bytes, partial: bool = False
    ) -> TemplateImport:
        """A new draft from an XLSForm-style workbook; nothing is stored when it has problems.

        With `partial`, what a checklist cannot express is left out and listed instead.
        """
        require(caller, ADMINISTER)
        read = functools.partial(xlsform.read_workbook, content, partial=partial)
        try:
            # Parsing a large workbook takes a while: never on the event loop.
            result = await anyio.to_thread.run_sync(read)
        except xlsform.NotAWorkbook as error:
            raise UnsupportedMediaType(
                SEND_A_WORKBOOK,
                errors=[{"item": None, "code": "not_a_workbook", "message": str(error)}],
            ) from error
        except xlsform.WorkbookTooLarge as error:
            raise PayloadTooLarge(
                TOO_LARGE, errors=[{"item": None, "code": "too_large", "message": str(error)}]
            ) from error
        if result.template is None:
            raise Invalid(
                _("The workbook cannot be imported; see errors."),
                errors=[problem.entry() for problem in result.problems],
            )
        detail = await self.create_template(caller, result.template)
        return TemplateImport(
            template=detail,
            left_out=[WorkbookProblem(**problem.entry()) for problem in result.left_out],
        )

    async def export_workbook(self, caller: Caller, template_id: int) -> tuple[str, bytes]:
        """(file name, .xlsx bytes) of a template the caller may read."""
        detail = await self.get_template(caller, template_id)
        template = Template.from_dict(detail.body)
        content = await anyio.to_thread.run_sync(xlsform.write_workbook, template)
        safe_key = re.sub(r"[^A-Za-z0-9._-]+", "_", detail.key)
        return f"{safe_key}-v{detail.version}.xlsx", content

    async def preview(self, caller: Caller, template_id: int, lang: str) -> TemplatePreview:
        """The checklist as the phone shows it in `lang`, drafts included."""
        detail = await self.get_template(caller, template_id)
        return preview(detail, Template.from_dict(detail.body), lang)

    async def _load(self, template_id: int) -> TemplateDetail:
        row = await ChecklistTemplate.select().where(ChecklistTemplate.id == template_id).first()
        if row is None:
            raise NotFound(_("No such template."))
        return _detail(row)


def _summary_of(detail: TemplateDetail) -> dict[str, Any]:
    return {"key": detail.key, "version": detail.version, "status": detail.status}
