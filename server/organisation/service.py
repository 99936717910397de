"""Clients, regions and outlets: reads filtered by scope, writes logged.

Clients are created and changed by admins; a client's regions and outlets by admins and, when
the client lets it, by its head office (`server.access.scope.may_set_up`,
docs/contract.md#roles).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec

from server.access.abilities import ADMINISTER, require
from server.access.caller import Caller
from server.access.scope import require_set_up
from server.auditlog import service as auditlog
from server.core.clock import utc_now
from server.core.database import Database
from server.core.errors import Conflict, Invalid, NotFound
from server.core.i18n import _
from server.core.pagination import id_page
from server.core.validation import check_channels, check_coordinates, check_text, check_timezone
from server.organisation import queries
from server.organisation.schemas import (
    Client,
    ClientCreate,
    ClientPage,
    ClientUpdate,
    Outlet,
    OutletCreate,
    OutletPage,
    OutletUpdate,
    Region,
    RegionCreate,
    RegionPage,
    RegionUpdate,
)
from server.organisation.tables import Client as ClientTable
from server.organisation.tables import Outlet as OutletTable
from server.organisation.tables import Region as RegionTable


def _refuse(problems: list[dict[str, Any]]) -> None:
    if problems:
        raise Invalid(_("Some fields are not valid; see errors."), errors=problems)


@dataclasses.dataclass(frozen=True, slots=True)
class OrganisationService:
    database: Database

    # Clients ------------------------------------------------------------------------------

    async def list_clients(self, caller: Caller, cursor: str | None, limit: int) -> ClientPage:
        filters = queries.client_filters(caller)
        rows, next_cursor = await id_page(
            ClientTable.select(), ClientTable.id, filters, cursor, limit
        )
        return ClientPage(
            items=[queries.client_from_row(row) for row in rows], next_cursor=next_cursor
        )

    async def get_client(self, caller: Caller, client_id: int) -> Client:
        filters = queries.client_filters(caller)
        row = await ClientTable.select().where(ClientTable.id == client_id, *filters).first()
        if row is None:
            raise NotFound(_("No such client."))
        return queries.client_from_row(row)

    async def create_client(self, caller: Caller, data: ClientCreate) -> Client:
        require(caller, ADMINISTER)
        _refuse(check_text("name", data.name, 200) + _check_lockout(data.lockout_days))
        async with self.database.transaction():
            if await ClientTable.exists().where(ClientTable.name == data.name):
                raise Conflict(_("A client with this name already exists."))
            rows = await ClientTable.insert(
                ClientTable(
                    name=data.name,
                    lockout_days=data.lockout_days,
                    head_office_setup=data.head_office_setup,
                    created_at=utc_now(),
                )
            )
            client = Client(
                id=rows[0]["id"],
                name=data.name,
                lockout_days=data.lockout_days,
                head_office_setup=data.head_office_setup,
            )
            await auditlog.record(caller, "create", "client", client.id, after=client)
        return client

    async def update_client(self, caller: Caller, client_id: int, data: ClientUpdate) -> Client:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_client(caller, client_id)
            after = msgspec.structs.replace(
                before,
                **{f: v for f, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET},
            )
            _refuse(check_text("name", after.name, 200) + _check_lockout(after.lockout_days))
            if after.name != before.name and await ClientTable.exists().where(
                ClientTable.name == after.name, ClientTable.id != client_id
            ):
                raise Conflict(_("A client with this name already exists."))
            await ClientTable.update(
                {
                    ClientTable.name: after.name,
                    ClientTable.lockout_days: after.lockout_days,
                    ClientTable.head_office_setup: after.head_office_setup,
                }
            ).where(ClientTable.id == client_id)
            await auditlog.record(caller, "update", "client", client_id, before, after)
        return after

    async def delete_client(self, caller: Caller, client_id: int) -> None:
        require(caller, ADMINISTER)
        async with self.database.transaction():
            before = await self.get_client(caller, client_id)
            if await OutletTable.exists().where(OutletTable.client == client_id):
                raise Conflict(_("The client still has outlets; delete or move them first."))
            if await RegionTable.exists().where(RegionTable.client == client_id):
                raise Conflict(_("The client still has regions; delete them first."))
            await ClientTable.delete().where(ClientTable.id == client_id)
            await auditlog.record(caller, "delete", "client", client_id, before=before)

    # Regions ------------------------------------------------------------------------------

    async def list_regions(
        self, caller: Caller, client_id: int, cursor: str | None, limit: int
    ) -> RegionPage:
        await self.get_client(caller, client_id)
        filters = queries.region_filters(caller)
        filters = [*filters, RegionTable.client == client_id]
        rows, next_cursor = await id_page(
            RegionTable.select(), RegionTable.id, filters, cursor, limit
        )
        return RegionPage(
            items=[queries.region_from_row(row) for row in rows], next_cursor=next_cursor
        )

    async def get_region(self, caller: Caller, region_id: int) -> Region:
        filters = queries.region_filters(caller)
        row = await RegionTable.select().where(RegionTable.id == region_id, *filters).first()
        if row is None:
            raise NotFound(_("No such region."))
        return queries.region_from_row(row)

    async def create_region(self, caller: Caller, client_id: int, data: RegionCreate) -> Region:
        require_set_up(caller)
        _refuse(check_text("name", data.name, 200))
        async with self.database.transaction():
            await self.get_client(caller, client_id)
            require_set_up(caller, client_id)
            rows = await RegionTable.insert(RegionTable(client=client_id, name=data.name))
            region = Region(id=rows[0]["id"], client_id=client_id, name=data.name)
            await auditlog.record(caller, "create", "region", region.id, after=region)
        return region

    async def update_region(self, caller: Caller, region_id: int, data: RegionUpdate) -> Region:
        require_set_up(caller)
        _refuse(check_text("name", data.name, 200))
        async with self.database.transaction():
            before = await self.get_region(caller, region_id)
            require_set_up(caller, before.client_id)
            after = msgspec.structs.replace(before, name=data.name)
            await RegionTable.update({RegionTable.name: data.name}).where(
                RegionTable.id == region_id
            )
            await auditlog.record(caller, "update", "region", region_id, before, after)
        return after

    async def delete_region(self, caller: Caller, region_id: int) -> None:
        require_set_up(caller)
        async with self.database.transaction():
            before = await self.get_region(caller, region_id)
            require_set_up(caller, before.client_id)
            if await OutletTable.exists().where(OutletTable.region == region_id):
                raise Conflict(_("Outlets still belong to this region; move them first."))
            await RegionTable.delete().where(RegionTable.id == region_id)
            await auditlog.record(caller, "delete", "region", region_id, before=before)

    # Outlets ------------------------------------------------------------------------------

    async def list_outlets(
        self,
        caller: Caller,
        cursor: str | None,
        limit: int,
        client_id: int | None = None,
        region_id: int | None = None,
        city: str | None = None,
        active: bool | None = None,
    ) -> OutletPage:
        filters = queries.outlet_filters(caller)
        if client_id is not None:
            filters.append(OutletTable.client == client_id)
        if region_id is not None:
            filters.append(OutletTable.region == region_id)
        if city:
            filters.append(OutletTable.city == city)
        if active is not None:
            filters.append(OutletTable.active == active)
        rows, next_cursor = await id_page(
            OutletTable.select(), OutletTable.id, filters, cursor, limit
        )
        return OutletPage(
            items=[queries.outlet_from_row(row) for row in rows], next_cursor=next_cursor
        )

    async def get_outlet(self, caller: Caller, outlet_id: int) -> Outlet:
        filters = queries.outlet_filters(caller)
        row = await OutletTable.select().where(OutletTable.id == outlet_id, *filters).first()
        if row is None:
            raise NotFound(_("No such outlet."))
        return queries.outlet_from_row(row)

    async def create_outlet(self, caller: Caller, data: OutletCreate) -> Outlet:
        require_set_up(caller)
        async with self.database.transaction():
            await self.get_client(caller, data.client_id)
            require_set_up(caller, data.client_id)
            outlet = Outlet(id=0, **msgspec.structs.asdict(data))
            await self._check_outlet(outlet)
            rows = await OutletTable.insert(OutletTable(**_outlet_values(outlet)))
            outlet = msgspec.structs.replace(outlet, id=rows[0]["id"])
            await auditlog.record(caller, "create", "outlet", outlet.id, after=outlet)
        return outlet

    async def update_outlet(self, caller: Caller, outlet_id: int, data: OutletUpdate) -> Outlet:
        require_set_up(caller)
        async with self.database.transaction():
            before = await self.get_outlet(caller, outlet_id)
            require_set_up(caller, before.client_id)
            changes = {
                f: v for f, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET
            }
            after = msgspec.structs.replace(before, **changes)
            await self._check_outlet(after)
            await OutletTable.update(**_outlet_values(after)).where(OutletTable.id == outlet_id)
            await auditlog.record(caller, "update", "outlet", outlet_id, before, after)
        return after

    async def delete_outlet(self, caller: Caller, outlet_id: int) -> None:
        require_set_up(caller)
        from server.waves.tables import Assignment

        async with self.database.transaction():
            before = await self.get_outlet(caller, outlet_id)
            require_set_up(caller, before.client_id)
            if await Assignment.exists().where(Assignment.outlet == outlet_id):
                raise Conflict(
                    _("The outlet has assignments; deactivate it (active=false) instead.")
                )
            await OutletTable.delete().where(OutletTable.id == outlet_id)
            await auditlog.record(caller, "delete", "outlet", outlet_id, before=before)

    async def _check_outlet(self, outlet: Outlet) -> None:
        problems = (
            check_text("code", outlet.code, 64)
            + check_text("name", outlet.name, 200)
            + check_text("city", outlet.city, 120, required=False)
            + check_coordinates(outlet.lat, outlet.lon)
            + check_timezone(outlet.timezone)
            + check_channels(outlet.channels)
        )
        if outlet.region_id is not None and not await RegionTable.exists().where(
            RegionTable.id == outlet.region_id, RegionTable.client == outlet.client_id
        ):
            problems.append(
                {
                    "item": "region_id",
                    "code": "unknown_region",
                    "message": "the region does not exist in this client",
                }
            )
        _refuse(problems)
        clash = OutletTable.exists().where(
            OutletTable.client == outlet.client_id,
            OutletTable.code == outlet.code,
            OutletTable.id != outlet.id,
        )
        if await clash:
            raise Conflict(_("Another outlet of this client already has this code."))


def _outlet_values(outlet: Outlet) -> dict[str, Any]:
    """Column values of an outlet row (channels kept as `a|b`)."""
    return {
        "client": outlet.client_id,
        "region": outlet.region_id,
        "code": outlet.code,
        "name": outlet.name,
        "address": outlet.address,
        "city": outlet.city,
        "lat": outlet.lat,
        "lon": outlet.lon,
        "timezone": outlet.timezone,
        "channels": "|".join(outlet.channels),
        "active": outlet.active,
        "updated_at": utc_now(),
    }


def _check_lockout(days: int) -> list[dict[str, Any]]:
    if not 0 <= days <= 3650:
        return [{"item": "lockout_days", "code": "out_of_range", "message": "0..3650 days"}]
    return []
