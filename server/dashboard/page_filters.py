"""The filters of the dashboard's pages of figures: read from the query string, offered as
choices in the form, carried on by download links, and named in the "Showing" caption.

Every page of figures (overview, heatmap, best against the rest, channels, network, funnel,
auditors, agreement, planner) takes its filters and its form's choices from here, so that a
filter means the same on each page and in the downloads they offer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from server.access.caller import OUTLET_MANAGER, Caller
from server.access.scope import Columns, scope_of
from server.analytics.filters import Filters
from server.analytics.service import AnalyticsService
from server.organisation.tables import Region
from server.waves.tables import Wave
from shared.checklist import CHANNELS


def optional_int(value: str | None) -> int | None:
    """A whole number from a form field, or None when it is empty or not a number."""
    return int(value) if value and value.isdigit() else None


def _optional_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from_query(request: Request[Any, Any, Any]) -> Filters:
    """The page's filters; a malformed value is ignored rather than refused (it is a form)."""
    query = request.query_params
    channel = query.get("channel") or None
    return Filters(
        client=optional_int(query.get("client")),
        wave=optional_int(query.get("wave")),
        region=optional_int(query.get("region")),
        channel=channel if channel in CHANNELS else None,
        template=query.get("template") or None,
        visited_from=_optional_date(query.get("visited_from")),
        visited_to=_optional_date(query.get("visited_to")),
    )


def filter_query(filters: Filters, min_audits: int | None = None) -> str:
    """The page's filters as a query string, for links that keep them (the downloads)."""
    fields = {
        "wave": filters.wave,
        "region": filters.region,
        "channel": filters.channel,
        "template": filters.template,
        "visited_from": filters.visited_from,
        "visited_to": filters.visited_to,
        "min_audits": min_audits,
    }
    return urlencode({key: str(value) for key, value in fields.items() if value is not None})


async def filter_choices(caller: Caller) -> dict[str, Any]:
    """Waves and regions the caller may filter by, and the channels, for the filter form."""
    scope = scope_of(caller)
    waves = (
        await Wave.select(Wave.id, Wave.name, Wave.client, Wave.starts_on)
        .where(*scope.piccolo(Columns(client=Wave.client)))
        .order_by(Wave.starts_on, ascending=False)
    )
    regions = (
        await Region.select(Region.id, Region.name, Region.client)
        .where(*scope.piccolo(Columns(client=Region.client, region=Region.id)))
        .order_by(Region.name)
    )
    if caller.role == OUTLET_MANAGER:  # their outlets are the whole of what they see
        regions = []
    return {"waves": waves, "regions": regions, "channels": CHANNELS}


async def showing(caller: Caller, filters: Filters) -> dict[str, Any]:
    """Which waves and filters a page of figures shows, for the caption every such page
    carries: without a wave, each client's latest wave with released visits, as everywhere
    (docs/contract.md#wave-result)."""
    choice = await AnalyticsService().waves(caller, filters)
    region = None
    if filters.region is not None:
        row = await Region.select(Region.name).where(Region.id == filters.region).first()
        region = None if row is None else row["name"]
    elif regions := scope_of(caller).regions:
        # A scope of some regions (a regional manager's): they are all the regions the caller
        # sees, named, never "all regions".
        rows = await Region.select(Region.name).where(Region.id.is_in(sorted(regions)))
        region = ", ".join(sorted(row["name"] for row in rows)) or None
    return {
        "shown_waves": [wave.name for wave in choice.shown],
        "wave_names": {wave.id: wave.name for wave in choice.shown},
        "shown_region": region,
    }


async def page_filters(request: Request[Any, Any, Any], caller: Caller) -> dict[str, Any]:
    """A page of figures' filters, its form's choices and its "Showing" caption, as template
    values."""
    filters = filters_from_query(request)
    return {
        "filters": filters,
        **await showing(caller, filters),
        **await filter_choices(caller),
    }
