"""Wire shapes of waves, assignments and bulk assignment."""

from __future__ import annotations

import datetime as dt

import msgspec

from server.core.ids import Id


class Wave(msgspec.Struct, kw_only=True):
    id: int
    client_id: Id
    name: str
    starts_on: dt.date
    ends_on: dt.date
    # {channel: template id}
    templates: dict[str, int]


class WaveCreate(msgspec.Struct, kw_only=True):
    client_id: Id
    name: str
    starts_on: dt.date
    ends_on: dt.date
    templates: dict[str, int] = msgspec.field(default_factory=dict)


class WaveUpdate(msgspec.Struct, kw_only=True):
    name: str | msgspec.UnsetType = msgspec.UNSET
    starts_on: dt.date | msgspec.UnsetType = msgspec.UNSET
    ends_on: dt.date | msgspec.UnsetType = msgspec.UNSET
    templates: dict[str, int] | msgspec.UnsetType = msgspec.UNSET


class WavePage(msgspec.Struct, kw_only=True):
    items: list[Wave]
    next_cursor: str | None


class TemplateRef(msgspec.Struct, kw_only=True):
    id: int
    key: str
    version: int


class Assignment(msgspec.Struct, kw_only=True):
    id: int
    wave_id: Id
    outlet_id: Id
    auditor_id: Id
    template: TemplateRef
    channel: str
    due_from: dt.date
    due_to: dt.date
    scenario: str
    status: str


class AssignmentCreate(msgspec.Struct, kw_only=True):
    wave_id: Id
    outlet_id: Id
    auditor_id: Id
    channel: str
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    scenario: str = ""
    # Defaults to the wave's template for the channel.
    template_id: Id | None = None


class AssignmentUpdate(msgspec.Struct, kw_only=True):
    auditor_id: Id | msgspec.UnsetType = msgspec.UNSET
    due_from: dt.date | msgspec.UnsetType = msgspec.UNSET
    due_to: dt.date | msgspec.UnsetType = msgspec.UNSET
    scenario: str | msgspec.UnsetType = msgspec.UNSET


class AssignmentPage(msgspec.Struct, kw_only=True):
    items: list[Assignment]
    next_cursor: str | None


class BulkAssign(msgspec.Struct, kw_only=True):
    # Defaults to every active auditor.
    auditor_ids: list[Id] | None = None
    scenario: str = ""


class Unassigned(msgspec.Struct, kw_only=True):
    outlet_id: Id
    channel: str
    reason: str


class BulkAssignReport(msgspec.Struct, kw_only=True):
    created: int
    per_auditor: dict[str, int]
    unassigned: list[Unassigned]
