"""What the outlet page adds to the outlet PDF's figures: every released audit of the outlet in
date order with the waves' names, and the region's and the network's result of the report's
wave, from `server/analytics/results.py` over the outlet's whole client as the PDF compares
(docs/contract.md#wave-result), so an outlet manager is compared with the network and region,
never with their own outlet.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from server.access.caller import HEAD_OFFICE, Caller
from server.analytics.filters import Filters
from server.analytics.service import AnalyticsService
from server.waves.tables import Wave
from server.workflow.released import ReleasedAudits
from server.workflow.schemas import ReleasedAuditSummary
from server.workflow.tables import Dispute


@dataclasses.dataclass(frozen=True, slots=True)
class Comparison:
    """The network's and the outlet's region's result in the report's wave (None: no result).
    Where the outlet stands is the outlet report's own standing (`reports.standing.position`)."""

    network: float | None
    network_change: float | None
    region: float | None
    region_change: float | None
    region_name: str | None
    # Whether each change is more than chance (None: cannot be told).
    network_moved: bool | None = None
    region_moved: bool | None = None


async def audits_by_date(
    caller: Caller, outlet_id: int
) -> tuple[list[ReleasedAuditSummary], dict[int, str], dict[str, str]]:
    """The outlet's released audits, latest visit first; the waves' names; each audit's
    dispute state ("open" while one is open, else the last outcome)."""
    released = ReleasedAudits()
    audits: list[ReleasedAuditSummary] = []
    cursor = None
    while True:
        page = await released.list(caller, cursor, 200, outlet_id, None)
        audits.extend(page.items)
        cursor = page.next_cursor
        if cursor is None or len(audits) >= 1000:
            break
    audits.sort(key=lambda audit: audit.visited_at, reverse=True)
    wave_ids = sorted({audit.wave_id for audit in audits})
    waves = {}
    if wave_ids:
        waves = {
            row["id"]: row["name"]
            for row in await Wave.select(Wave.id, Wave.name).where(Wave.id.is_in(wave_ids))
        }
    states: dict[str, str] = {}
    if audits:
        rows = (
            await Dispute.select(Dispute.audit_uuid, Dispute.status)
            .where(Dispute.audit_uuid.is_in([audit.uuid for audit in audits]))
            .order_by(Dispute.id)
        )
        for row in rows:
            key = str(row["audit_uuid"])
            if states.get(key) != "open":
                states[key] = row["status"]
    return audits, waves, states


async def comparison(
    caller: Caller, client_id: int, region_id: int | None, wave_name: str
) -> Comparison:
    """The network's and the region's result of the report's wave, over the whole client as
    the PDF's (aggregates only: no other outlet's row reaches the page)."""
    wave = (
        await Wave.select(Wave.id)
        .where(Wave.client == client_id, Wave.name == wave_name)
        .order_by(Wave.starts_on, ascending=False)
        .first()
    )
    if wave is None:
        return Comparison(None, None, None, None, None)
    viewer = Caller(user_id=caller.user_id, role=HEAD_OFFICE, client_id=client_id)
    filters = Filters(client=client_id, wave=wave["id"])
    analytics = AnalyticsService()
    league = await analytics.league(viewer, filters)
    network = next((n for n in league.networks if n.wave_id == wave["id"]), None)
    regions: list[Any] = await analytics.regions(viewer, filters)
    region = next((r for r in regions if r.region_id == region_id), None)
    return Comparison(
        network=None if network is None else network.score,
        network_change=None if network is None else network.change,
        region=None if region is None else region.score,
        region_change=None if region is None else region.change,
        region_name=None if region is None else region.name,
        network_moved=None if network is None else network.change_beyond_chance,
        region_moved=None if region is None else region.change_beyond_chance,
    )
