"""Wire shapes of users, their scope and auditor exclusions."""

from __future__ import annotations

import msgspec

from server.core.ids import Id


class User(msgspec.Struct, kw_only=True):
    id: int
    email: str
    name: str
    role: str
    language: str
    active: bool
    client_id: Id | None
    region_ids: list[Id]
    outlet_ids: list[Id]
    client_ids: list[Id]


class UserCreate(msgspec.Struct, kw_only=True):
    email: str
    name: str
    role: str
    password: str
    language: str = "en"
    client_id: Id | None = None
    # A regional manager's regions (their scope), or an auditor's home regions: where the
    # planner sends them in person (docs/contract.md#planning).
    region_ids: list[Id] = msgspec.field(default_factory=list)
    outlet_ids: list[Id] = msgspec.field(default_factory=list)
    # Clients a reviewer works for.
    client_ids: list[Id] = msgspec.field(default_factory=list)


class UserUpdate(msgspec.Struct, kw_only=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    language: str | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
    password: str | msgspec.UnsetType = msgspec.UNSET
    region_ids: list[Id] | msgspec.UnsetType = msgspec.UNSET
    outlet_ids: list[Id] | msgspec.UnsetType = msgspec.UNSET
    client_ids: list[Id] | msgspec.UnsetType = msgspec.UNSET


class UserPage(msgspec.Struct, kw_only=True):
    items: list[User]
    next_cursor: str | None


class Exclusion(msgspec.Struct, kw_only=True):
    id: int
    user_id: Id
    client_id: Id | None
    outlet_id: Id | None
    reason: str


class ExclusionCreate(msgspec.Struct, kw_only=True):
    client_id: Id | None = None
    outlet_id: Id | None = None
    reason: str = ""


class ExclusionList(msgspec.Struct, kw_only=True):
    items: list[Exclusion]
