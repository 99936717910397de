"""Queries of clients, regions and outlets, filtered by what the caller may see."""

from __future__ import annotations

from typing import Any

from piccolo.custom_types import Combinable

from server.access.caller import (
    ADMIN,
    AUDITOR,
    HEAD_OFFICE,
    OUTLET_MANAGER,
    REGIONAL_MANAGER,
    REVIEWER,
    Caller,
)
from server.organisation.schemas import Client, Outlet, Region
from server.organisation.tables import Client as ClientTable
from server.organisation.tables import Outlet as OutletTable
from server.organisation.tables import Region as RegionTable
from server.waves.tables import Assignment

# None: the caller sees nothing; an empty list: no restriction.
Filters = list[Combinable] | None


async def assigned_outlet_ids(auditor_id: int) -> list[int]:
    rows = await Assignment.select(Assignment.outlet).where(Assignment.auditor == auditor_id)
    return sorted({row["outlet"] for row in rows})


async def outlet_filters(caller: Caller) -> Filters:
    if caller.role == ADMIN:
        return []
    if caller.role == REVIEWER:
        ids = sorted(caller.reviewer_client_ids)
        return [OutletTable.client.is_in(ids)] if ids else None
    if caller.role == AUDITOR:
        outlet_ids = await assigned_outlet_ids(caller.user_id)
        return [OutletTable.id.is_in(outlet_ids)] if outlet_ids else None
    if caller.client_id is None:
        return None
    same_client = OutletTable.client == caller.client_id
    if caller.role == HEAD_OFFICE:
        return [same_client]
    if caller.role == REGIONAL_MANAGER and caller.region_ids:
        return [same_client, OutletTable.region.is_in(sorted(caller.region_ids))]
    if caller.role == OUTLET_MANAGER and caller.outlet_ids:
        return [same_client, OutletTable.id.is_in(sorted(caller.outlet_ids))]
    return None


def client_filters(caller: Caller) -> Filters:
    ids = caller.client_ids_in_scope()
    if ids is None:
        return []
    return [ClientTable.id.is_in(sorted(ids))] if ids else None


def region_filters(caller: Caller) -> Filters:
    if caller.role == REGIONAL_MANAGER:
        if caller.client_id is None or not caller.region_ids:
            return None
        return [RegionTable.id.is_in(sorted(caller.region_ids))]
    ids = caller.client_ids_in_scope()
    if ids is None:
        return []
    return [RegionTable.client.is_in(sorted(ids))] if ids else None


def client_from_row(row: dict[str, Any]) -> Client:
    return Client(id=row["id"], name=row["name"], lockout_days=row["lockout_days"])


def region_from_row(row: dict[str, Any]) -> Region:
    return Region(id=row["id"], client_id=row["client"], name=row["name"])


def outlet_from_row(row: dict[str, Any]) -> Outlet:
    return Outlet(
        id=row["id"],
        client_id=row["client"],
        region_id=row["region"],
        code=row["code"],
        name=row["name"],
        address=row["address"],
        city=row["city"],
        lat=row["lat"],
        lon=row["lon"],
        timezone=row["timezone"],
        channels=[channel for channel in row["channels"].split("|") if channel],
        active=bool(row["active"]),
    )
