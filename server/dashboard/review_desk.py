"""The review desk (`/review`): the queue of submitted audits a reviewer works through, and the
decisions taken on an audit's page.

The queue is `ReviewService.queue` (the API's, in the caller's scope) narrowed by client, wave,
auditor, proof-of-visit flag and how long an audit has waited, in one of three orders: oldest
first, most flags first, lowest trust first (docs/contract.md#review, #trust). Each entry shows
the audit's score, flags, trust score and every reason of it in words in the page's language,
and whether it is held below its client's threshold; it opens the audit's page, where the
reviewer approves (a held audit needs a reason) or returns it with notes on chosen items; after
a decision the desk goes on to the next audit of the queue.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from server.access.abilities import REVIEW, require
from server.access.scope import Columns, scope_of
from server.core.errors import Invalid
from server.core.i18n import _
from server.dashboard.web import checked_form, context_of, language_of, render, session_caller
from server.organisation.tables import Client
from server.reporting.service import load_vocabulary
from server.waves.tables import Wave
from server.workflow.review import ReviewService
from server.workflow.schemas import ApproveRequest, QueueEntry, ReturnNoteIn, ReturnRequest

# The desk's orders; the first two are the API's own.
SORTS = ("received", "trust", "flags")
# Waiting at least this many days (the age filter's choices).
AGES = (1, 3, 7)
QUEUE_LIMIT = 500


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _safe_next(target: str | None, default: str) -> str:
    """Only same-site paths: never an absolute URL an attacker could plant."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return default


def narrowed(
    entries: list[QueueEntry],
    *,
    wave: int | None,
    auditor: int | None,
    flag: str | None,
    age: int | None,
    sort: str,
    now: dt.datetime,
) -> list[QueueEntry]:
    """The entries the desk's filters keep, in its order (the service already sorted by
    receipt or trust; "flags" puts the most flagged first, oldest first among equals)."""
    kept = [
        entry
        for entry in entries
        if (wave is None or entry.wave_id == wave)
        and (auditor is None or entry.auditor.id == auditor)
        and (
            flag is None
            or (flag == "any" and entry.flags)
            or (flag == "none" and not entry.flags)
            or any(f.code == flag for f in entry.flags)
        )
        and (age is None or now - entry.received_at >= dt.timedelta(days=age))
    ]
    if sort == "flags":
        kept.sort(key=lambda entry: (-len(entry.flags), entry.received_at))
    return kept


@get("/review", include_in_schema=False)
async def review_desk(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    require(caller, REVIEW)
    query = request.query_params
    asked = query.get("sort")
    sort: str = asked if isinstance(asked, str) and asked in SORTS else "received"
    client = _int(query.get("client"))
    wave = _int(query.get("wave"))
    auditor = _int(query.get("auditor"))
    flag = query.get("flag") or None
    age = _int(query.get("age"))
    language = language_of(request, caller)
    database = context_of(request).database
    page = await ReviewService(database).queue(
        caller,
        None,
        QUEUE_LIMIT,
        client_id=client,
        sort="trust" if sort == "trust" else "received",
        language=language,
    )
    now = dt.datetime.now(dt.UTC)
    entries = narrowed(
        page.items, wave=wave, auditor=auditor, flag=flag, age=age, sort=sort, now=now
    )
    scope = scope_of(caller)
    clients = (
        await Client.select(Client.id, Client.name)
        .where(*scope.piccolo(Columns(client=Client.id)))
        .order_by(Client.name)
    )
    waves = (
        await Wave.select(Wave.id, Wave.name, Wave.client)
        .where(*scope.piccolo(Columns(client=Wave.client)))
        .order_by(Wave.starts_on, ascending=False)
    )
    if client is not None:
        waves = [row for row in waves if row["client"] == client]
    auditors = sorted({(e.auditor.id, e.auditor.name) for e in page.items}, key=lambda a: a[1])
    flags = sorted({f.code for e in page.items for f in e.flags})
    client_names = {row["id"]: row["name"] for row in clients}
    return render(
        request,
        "review.html",
        caller=caller,
        entries=entries,
        total=len(page.items),
        sort=sort,
        sorts=SORTS,
        ages=AGES,
        chosen={"client": client, "wave": wave, "auditor": auditor, "flag": flag, "age": age},
        clients=clients,
        client_names=client_names,
        waves=waves,
        auditors=auditors,
        flags=flags,
        now=now,
        vocabulary=await load_vocabulary(None, language),
    )


@post("/review/{audit_uuid:uuid}/approve", include_in_schema=False, status_code=303)
async def approve(
    request: Request[Any, Any, Any], audit_uuid: FromPath[uuid_module.UUID]
) -> Response[Any]:
    form = await checked_form(request)
    caller = await session_caller(request)
    await ReviewService(context_of(request).database).approve(
        caller, audit_uuid, ApproveRequest(note=form.get("note", ""))
    )
    return Redirect(path=_safe_next(form.get("next"), "/review"), status_code=303)


def return_notes(form: dict[str, str]) -> list[ReturnNoteIn]:
    """The notes of a return form: `note` on the whole audit, `note:<item>` on an item; empty
    ones are left out."""
    notes = []
    general = form.get("note", "").strip()
    if general:
        notes.append(ReturnNoteIn(item=None, note=general))
    for key, value in form.items():
        if key.startswith("note:") and value.strip():
            notes.append(ReturnNoteIn(item=key[len("note:") :], note=value.strip()))
    return notes


@post("/review/{audit_uuid:uuid}/return", include_in_schema=False, status_code=303)
async def return_audit(
    request: Request[Any, Any, Any], audit_uuid: FromPath[uuid_module.UUID]
) -> Response[Any]:
    form = await checked_form(request)
    caller = await session_caller(request)
    notes = return_notes(form)
    if not notes:
        raise Invalid(
            _("Say what the auditor should correct."),
            [{"item": "note", "code": "required", "message": _("write at least one note")}],
        )
    await ReviewService(context_of(request).database).return_to_auditor(
        caller, audit_uuid, ReturnRequest(notes=notes)
    )
    return Redirect(path=_safe_next(form.get("next"), "/review"), status_code=303)


ROUTES = [review_desk, approve, return_audit]
