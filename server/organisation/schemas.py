"""Wire shapes of clients, regions and outlets."""

from __future__ import annotations

import msgspec

from server.core.ids import Id


class Client(msgspec.Struct, kw_only=True):
    id: int
    name: str
    lockout_days: int
    # Whether the client's head office may set up its own programme: regions, outlets and
    # managers (docs/contract.md#roles).
    head_office_setup: bool = False


class ClientCreate(msgspec.Struct, kw_only=True):
    name: str
    lockout_days: int = 90
    head_office_setup: bool = False


class ClientUpdate(msgspec.Struct, kw_only=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    lockout_days: int | msgspec.UnsetType = msgspec.UNSET
    head_office_setup: bool | msgspec.UnsetType = msgspec.UNSET


class ClientPage(msgspec.Struct, kw_only=True):
    items: list[Client]
    next_cursor: str | None


class Region(msgspec.Struct, kw_only=True):
    id: int
    client_id: Id
    name: str


class RegionCreate(msgspec.Struct, kw_only=True):
    name: str


class RegionUpdate(msgspec.Struct, kw_only=True):
    name: str


class RegionPage(msgspec.Struct, kw_only=True):
    items: list[Region]
    next_cursor: str | None


class Outlet(msgspec.Struct, kw_only=True):
    id: int
    client_id: Id
    region_id: Id | None
    code: str
    name: str
    address: str
    city: str
    lat: float | None
    lon: float | None
    timezone: str
    channels: list[str]
    active: bool


class OutletCreate(msgspec.Struct, kw_only=True):
    client_id: Id
    code: str
    name: str
    region_id: Id | None = None
    address: str = ""
    city: str = ""
    lat: float | None = None
    lon: float | None = None
    timezone: str = "UTC"
    channels: list[str] = msgspec.field(default_factory=lambda: ["in_store"])
    active: bool = True


class OutletUpdate(msgspec.Struct, kw_only=True):
    region_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    code: str | msgspec.UnsetType = msgspec.UNSET
    name: str | msgspec.UnsetType = msgspec.UNSET
    address: str | msgspec.UnsetType = msgspec.UNSET
    city: str | msgspec.UnsetType = msgspec.UNSET
    lat: float | msgspec.UnsetType | None = msgspec.UNSET
    lon: float | msgspec.UnsetType | None = msgspec.UNSET
    timezone: str | msgspec.UnsetType = msgspec.UNSET
    channels: list[str] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class OutletPage(msgspec.Struct, kw_only=True):
    items: list[Outlet]
    next_cursor: str | None


class ImportReport(msgspec.Struct, kw_only=True):
    rows: int
    created: int
    updated: int
