"""The dashboard's disputes (`/disputes`), with the context needed to decide on one: the outlet,
the visit's date, the item's text, the answer given in words, its photos and the photo sent with
the dispute, the manager's reason; and its outcome for the managers who raised it.

A reviewer upholding a dispute enters the corrected answer with a control of the item's kind
(yes/no, a point of the scale, the options of a choice...), never as free text, and the value
is typed from the checklist before `DisputeService.uphold` validates it for that item
(docs/contract.md#disputes). Raising a dispute (from an audit page) and reading its photo go
through the same service and the same checks as the API.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid as uuid_module
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from reports.answers import answer_words
from server.access.abilities import FOLLOW_UP, may, may_take
from server.audits.tables import Audit
from server.core.errors import BadRequest, Forbidden, Invalid, NotFound
from server.core.i18n import _
from server.dashboard.audit_page import load_checklist
from server.dashboard.evidence_forms import evidence_photos, upload_body
from server.dashboard.web import (
    checked_form,
    checked_form_with_files,
    context_of,
    language_of,
    render,
    session_caller,
)
from server.photos.upload import TAKES_PHOTO
from server.workflow.disputes import DisputeService
from server.workflow.schemas import (
    CorrectedAnswer,
    Dispute,
    DisputeCreate,
    DisputeReject,
    DisputeUphold,
)
from shared.checklist import Item, Template
from shared.i18n import text as localized
from shared.i18n import unit_text
from shared.lifecycle import DISPUTE_TRANSITIONS, OPEN

STATES = ("open", "upheld", "rejected")


@dataclasses.dataclass(frozen=True, slots=True)
class DisputeView:
    """A dispute and where it sits, in the page's language."""

    dispute: Dispute
    outlet_code: str
    outlet_name: str
    outlet_timezone: str
    visited_at: dt.datetime | None
    item: Item | None
    item_text: str
    given: str
    corrected: str
    answer_photos: tuple[str, ...]


async def dispute_views(disputes: list[Dispute], language: str) -> list[DisputeView]:
    """Each dispute with its audit's outlet, visit date and checklist item (one read of the
    audits; checklists read once per version)."""
    uuids = sorted({dispute.audit_uuid for dispute in disputes}, key=str)
    audits = {}
    if uuids:
        rows = await Audit.select(
            Audit.uuid,
            Audit.started_at,
            Audit.template_key,
            Audit.template_version,
            Audit.outlet.code.as_alias("outlet_code"),
            Audit.outlet.name.as_alias("outlet_name"),
            Audit.outlet.timezone.as_alias("outlet_timezone"),
        ).where(Audit.uuid.is_in(uuids))
        audits = {uuid_module.UUID(str(row["uuid"])): row for row in rows}
    checklists: dict[tuple[str, int], Template] = {}
    views = []
    for dispute in disputes:
        row = audits.get(dispute.audit_uuid)
        item = None
        if row is not None:
            version = (row["template_key"], row["template_version"])
            if version not in checklists:
                checklists[version] = await load_checklist(*version)
            template = checklists[version]
            item = template.item(dispute.item) if template.has_item(dispute.item) else None
        original = dispute.original_answer
        views.append(
            DisputeView(
                dispute=dispute,
                outlet_code="" if row is None else row["outlet_code"],
                outlet_name="" if row is None else row["outlet_name"],
                outlet_timezone="UTC" if row is None else row["outlet_timezone"],
                visited_at=None if row is None else row["started_at"],
                item=item,
                item_text=(localized(item.text, language) or item.key) if item else dispute.item,
                given=answer_words(item, original, language),
                corrected=answer_words(item, dispute.corrected_answer, language)
                if dispute.corrected_answer
                else "",
                answer_photos=tuple((original or {}).get("photos") or ()),
            )
        )
    return views


@get("/disputes", include_in_schema=False)
async def disputes_page(request: Request[Any, Any, Any]) -> Response[str]:
    """Disputes in the caller's scope, open ones first; `?status=` keeps one state."""
    caller = await session_caller(request)
    if not may(caller, FOLLOW_UP):
        raise Forbidden(_("Auditors use the phone app."))
    status = request.query_params.get("status") or None
    if status not in STATES:
        status = None
    language = language_of(request, caller)
    page = await DisputeService(context_of(request).database).list(caller, None, 500, None, status)
    disputes = sorted(
        page.items, key=lambda d: (d.status != "open", -d.raised_at.timestamp(), d.id)
    )
    return render(
        request,
        "disputes.html",
        caller=caller,
        views=await dispute_views(disputes, language),
        status=status,
        states=STATES,
        may_decide=may_take(caller, DISPUTE_TRANSITIONS, OPEN, "uphold"),
        localized=lambda texts: localized(texts, language) if texts else "",
        unit_of=lambda item: unit_text(item, language),
    )


@post("/disputes", include_in_schema=False, status_code=303, opt=TAKES_PHOTO)
async def raise_dispute(request: Request[Any, Any, Any]) -> Response[Any]:
    """Raise a dispute on an item, with an optional photo (attached once the dispute exists);
    back to the audit's page, at the dispute."""
    form, files = await checked_form_with_files(request)
    caller = await session_caller(request)
    try:
        audit_uuid = uuid_module.UUID(form.get("audit_uuid", ""))
    except ValueError as error:
        raise BadRequest(_("There is no such audit.")) from error
    dispute = await DisputeService(context_of(request).database).raise_dispute(
        caller,
        DisputeCreate(
            audit_uuid=audit_uuid, item=form.get("item", ""), reason=form.get("reason", "")
        ),
    )
    if "photo" in files:
        photos = evidence_photos(request)
        await photos.attach_to_dispute(
            caller, dispute.id, upload_body(files["photo"], photos.limits), None
        )
    return Redirect(path=f"/audits/{audit_uuid}#dispute-{dispute.id}", status_code=303)


@get("/disputes/{dispute_id:int}/photo", include_in_schema=False)
async def dispute_photo(
    request: Request[Any, Any, Any], dispute_id: FromPath[int]
) -> Response[bytes]:
    """The dispute photo for whoever may read the dispute (as the API), else 404: the
    thumbnail, or with `?size=display` the display image."""
    caller = await session_caller(request)
    size = "display" if request.query_params.get("size") == "display" else "thumbnail"
    data = await evidence_photos(request).dispute_photo(caller, dispute_id, size)
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})


def corrected_value(item: Item | None, form: dict[str, str]) -> tuple[Any, bool]:
    """(value, N/A) of the correction from the control of the item's kind; a value the control
    could not have sent is 422, like an answer the checklist refuses."""
    if form.get("na") == "on":
        return None, True
    raw = form.get("value", "").strip()
    kind = item.kind if item is not None else "text"
    try:
        if kind == "yes_no":
            if raw not in ("true", "false"):
                raise ValueError(raw)
            return raw == "true", False
        if kind == "multi":
            return [key[len("option:") :] for key in form if key.startswith("option:")], False
        if kind == "choice" or kind == "text":
            if not raw:
                raise ValueError(raw)
            return raw, False
        number = float(raw.replace(",", "."))
        return (int(number) if number.is_integer() else number), False
    except ValueError as error:
        raise Invalid(
            _("Give the corrected answer."),
            [{"item": "value", "code": "required", "message": _("choose or enter the answer")}],
        ) from error


@post("/disputes/{dispute_id:int}/{decision:str}", include_in_schema=False, status_code=303)
async def resolve_dispute(
    request: Request[Any, Any, Any], dispute_id: FromPath[int], decision: FromPath[str]
) -> Response[Any]:
    form = await checked_form(request)
    caller = await session_caller(request)
    service = DisputeService(context_of(request).database)
    reply = form.get("reply", "")
    if decision == "uphold":
        dispute = await service.get(caller, dispute_id)
        (view,) = await dispute_views([dispute], language_of(request, caller))
        value, na = corrected_value(view.item, form)
        await service.uphold(
            caller,
            dispute_id,
            DisputeUphold(reply=reply, answer=CorrectedAnswer(value=value, na=na)),
        )
    elif decision == "reject":
        await service.reject(caller, dispute_id, DisputeReject(reply=reply))
    else:
        raise NotFound(_("There is no such page."))
    return Redirect(path=f"/disputes#dispute-{dispute_id}", status_code=303)


ROUTES = [disputes_page, raise_dispute, dispute_photo, resolve_dispute]
