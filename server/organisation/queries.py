"""Queries of clients, regions and outlets, filtered by what the caller may see."""

from __future__ import annotations

from typing import Any

from piccolo.custom_types import Combinable

from server.access.caller import Caller
from server.access.scope import Columns, scope_of
from server.organisation.schemas import Client, Outlet, Region
from server.organisation.tables import Client as ClientTable
from server.organisation.tables import Outlet as OutletTable
from server.organisation.tables import Region as RegionTable

Filters = list[Combinable]


def outlet_filters(caller: Caller) -> Filters:
    return scope_of(caller).piccolo(
        Columns(client=OutletTable.client, region=OutletTable.region, outlet=OutletTable.id)
    )


def client_filters(caller: Caller) -> Filters:
    return scope_of(caller).piccolo(Columns(client=ClientTable.id))


def region_filters(caller: Caller) -> Filters:
    return scope_of(caller).piccolo(Columns(client=RegionTable.client, region=RegionTable.id))


def client_from_row(row: dict[str, Any]) -> Client:
    return Client(
        id=row["id"],
        name=row["name"],
        lockout_days=row["lockout_days"],
        head_office_setup=bool(row["head_office_setup"]),
    )


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
