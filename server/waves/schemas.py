"""Wire shapes of waves, assignments, bulk assignment and the assignment planner."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

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


# --- planning (docs/contract.md#planning) ----------------------------------------------------


class PlanRequest(msgspec.Struct, kw_only=True):
    # Defaults to every active auditor.
    auditor_ids: list[Id] | None = None
    # At most this many visits per auditor in the wave, those already assigned included.
    max_per_auditor: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None
    # Add calibration pairs (a second auditor at some outlets) linking every auditor.
    calibration: bool = False
    # The shortest due window the lockout may leave (the whole wave when that is shorter).
    min_window_days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 7
    scenario: str = ""


class ProposedVisit(msgspec.Struct, kw_only=True):
    """One visit of a plan; published as it is, or after an admin changed it."""

    outlet_id: Id
    channel: str
    auditor_id: Id
    # Default: the wave's template for the channel.
    template_id: Id | None = None
    # Default: the wave's dates.
    due_from: dt.date | None = None
    due_to: dt.date | None = None
    # The second visit of a calibration pair.
    calibration: bool = False
    scenario: str = ""


class UnplannedVisit(msgspec.Struct, kw_only=True):
    outlet_id: Id
    channel: str
    code: str
    reason: str
    # How many auditors each rule refused: excluded, outside_home_regions, at_maximum, lockout.
    refusals: dict[str, int]


class AuditorLoad(msgspec.Struct, kw_only=True):
    auditor_id: Id
    # Visits already assigned in the wave, and visits this plan adds.
    assigned: int
    planned: int


class CalibrationReport(msgspec.Struct, kw_only=True):
    pairs: int
    linked: bool
    # The auditors with a visit in the wave, in the groups the pairs join (one when linked).
    groups: list[list[int]]
    reason: str | None


class WavePlan(msgspec.Struct, kw_only=True):
    wave_id: Id
    visits: list[ProposedVisit]
    unplanned: list[UnplannedVisit]
    loads: list[AuditorLoad]
    calibration: CalibrationReport | None


class VisitsPublish(msgspec.Struct, kw_only=True):
    visits: Annotated[list[ProposedVisit], msgspec.Meta(min_length=1, max_length=20_000)]


class PublishedVisits(msgspec.Struct, kw_only=True):
    created: int
    assignments: list[Assignment]
