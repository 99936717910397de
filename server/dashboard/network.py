"""Head office's view across the network (`/network`): find an outlet, every visit of the shown
waves that failed a critical item, every overdue corrective action, and the comparison PDF of
each shown wave (`/waves/{id}/comparison.pdf`, issued like the outlet PDF through
`server.reporting.issuing`).

Everything is read in the caller's scope and with the page's filters, as the figure pages
(docs/contract.md#wave-result: without a wave, each client's latest wave with released visits);
the visits come from the score rollup, so a client user never meets an unreleased audit or an
auditor here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid as uuid_module
from typing import Any

from litestar import Request, Response, get
from litestar.params import FromPath

from server.access.abilities import SEE_RESULTS, require
from server.access.scope import Columns, scope_of
from server.analytics.filters import Filters, scope_where
from server.analytics.service import AnalyticsService
from server.core.database import Database
from server.dashboard.page_filters import filter_choices, filters_from_query, showing
from server.dashboard.web import context_of, language_of, render, session_caller
from server.organisation.tables import Outlet
from server.reporting.service import load_vocabulary
from server.workflow.corrective import CorrectiveService

MAX_ROWS = 500


@dataclasses.dataclass(frozen=True, slots=True)
class FailedVisit:
    audit_uuid: uuid_module.UUID
    outlet_id: int
    outlet_code: str
    outlet_name: str
    visited_at: dt.datetime | None
    template_key: str
    timezone: str
    percent: float | None
    items: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class OverdueAction:
    id: int
    audit_uuid: uuid_module.UUID
    outlet_id: int
    outlet_code: str
    outlet_name: str
    item: str
    critical: bool
    due_on: dt.date
    days_late: int
    status: str


async def critical_visits(database: Database, where_sql: str, args: list[Any]) -> list[FailedVisit]:
    """The rollup's visits that failed a critical item, newest first, with those items."""
    rows = await database.fetch(
        "SELECT r.id AS id, r.audit_uuid AS audit_uuid, r.outlet AS outlet, o.code AS code, "  # noqa: S608
        "o.name AS name, o.timezone AS timezone, r.visited_at AS visited_at, "
        "r.template_key AS template_key, "
        "r.percent AS percent FROM score_rollup r JOIN outlet o ON o.id = r.outlet "
        f"WHERE r.critical_failure AND {where_sql} ORDER BY r.visited_at DESC, r.id DESC "
        f"LIMIT {MAX_ROWS}",
        *args,
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    marks = ", ".join("?" for _ in ids)
    items = await database.fetch(
        "SELECT rollup, item FROM score_rollup_item "  # noqa: S608
        f"WHERE critical AND failed AND rollup IN ({marks}) ORDER BY id",
        *ids,
    )
    by_rollup: dict[int, list[str]] = {}
    for row in items:
        by_rollup.setdefault(row["rollup"], []).append(row["item"])
    return [
        FailedVisit(
            audit_uuid=uuid_module.UUID(str(row["audit_uuid"])),
            outlet_id=row["outlet"],
            outlet_code=row["code"],
            outlet_name=row["name"],
            visited_at=row["visited_at"],
            template_key=row["template_key"],
            timezone=row["timezone"],
            percent=None if row["percent"] is None else float(row["percent"]),
            items=tuple(by_rollup.get(row["id"], ())),
        )
        for row in rows
    ]


async def overdue_actions(
    database: Database, caller: Any, filters: Filters, today: dt.date
) -> list[OverdueAction]:
    """Open corrective actions past their due date in the caller's scope (and the page's
    region), most overdue first. Overdue is about today, whichever wave the visit was in."""
    page = await CorrectiveService(database).list(caller, None, 5000, status="open")
    late = [a for a in page.items if a.due_on is not None and a.due_on < today]
    outlet_ids = sorted({a.outlet_id for a in late})
    outlets = {}
    if outlet_ids:
        outlets = {
            row["id"]: row
            for row in await Outlet.select(
                Outlet.id, Outlet.code, Outlet.name, Outlet.region, Outlet.client
            ).where(Outlet.id.is_in(outlet_ids))
        }
    result = []
    for action in late:
        outlet = outlets.get(action.outlet_id)
        if outlet is None:
            continue
        if filters.region is not None and outlet["region"] != filters.region:
            continue
        if filters.client is not None and outlet["client"] != filters.client:
            continue
        assert action.due_on is not None
        result.append(
            OverdueAction(
                id=action.id,
                audit_uuid=action.audit_uuid,
                outlet_id=action.outlet_id,
                outlet_code=outlet["code"],
                outlet_name=outlet["name"],
                item=action.item,
                critical=action.critical,
                due_on=action.due_on,
                days_late=(today - action.due_on).days,
                status=action.status,
            )
        )
    result.sort(key=lambda a: (a.due_on, a.outlet_code))
    return result


async def find_outlets(caller: Any, words: str) -> list[dict[str, Any]]:
    """Outlets in scope whose code, name or city holds `words` (any case)."""
    if not words.strip():
        return []
    pattern = f"%{words.strip()}%"
    return list(
        await Outlet.select(Outlet.id, Outlet.code, Outlet.name, Outlet.city)
        .where(
            *scope_of(caller).piccolo(
                Columns(client=Outlet.client, region=Outlet.region, outlet=Outlet.id)
            ),
            Outlet.code.ilike(pattern) | Outlet.name.ilike(pattern) | Outlet.city.ilike(pattern),
        )
        .order_by(Outlet.code)
        .limit(50)
    )


@get("/network", include_in_schema=False)
async def network_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    require(caller, SEE_RESULTS)
    filters = filters_from_query(request)
    language = language_of(request, caller)
    database = context_of(request).database
    analytics = AnalyticsService()
    choice = await analytics.waves(caller, filters)
    where = scope_where(caller, filters, with_wave=False)
    where.add_in("r.wave", frozenset(choice.ids))
    sql = where.sql().replace("{}", "?")
    words = request.query_params.get("q", "")
    return render(
        request,
        "network.html",
        caller=caller,
        filters=filters,
        **await filter_choices(caller),
        **await showing(caller, filters),
        shown=choice.shown,
        summary=await analytics.critical_failures(caller, filters),
        visits=await critical_visits(database, sql, list(where.args)),
        overdue=await overdue_actions(database, caller, filters, dt.date.today()),
        words=words,
        found=await find_outlets(caller, words),
        vocabulary=await load_vocabulary(None, language),
        query_string=request.url.query or "",
    )


@get("/waves/{wave_id:int}/comparison.pdf", include_in_schema=False)
async def comparison_report(
    request: Request[Any, Any, Any], wave_id: FromPath[int]
) -> Response[bytes]:
    """The wave's comparison PDF over the outlets the caller may see (`?region=` for one
    region) in the page's language, issued (signed and recorded) like the API's."""
    from server.reporting.issuing import ReportIssuer
    from server.reporting.service import ReportService

    caller = await session_caller(request)
    language = language_of(request, caller)
    context = context_of(request)
    region_text = request.query_params.get("region") or ""
    region = int(region_text) if region_text.isdigit() else None
    service = ReportService(context.media_store)
    async with context.database.snapshot():
        data, subject = await service.comparison_report_to_issue(caller, wave_id, language, region)
    issuer = ReportIssuer(context.database, context.report_signer, context.settings.public_url)
    pdf = await issuer.issue(data, subject, language, caller.user_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="comparison-{wave_id}-{language}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


ROUTES = [network_page, comparison_report]
