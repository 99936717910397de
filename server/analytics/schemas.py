"""Wire shapes of the analytics API (msgspec structs); no auditor identity reaches a client."""

from __future__ import annotations

import msgspec

from server.core.ids import Id


class OutletRef(msgspec.Struct):
    id: int
    code: str
    name: str


class LeagueRow(msgspec.Struct, kw_only=True):
    outlet: OutletRef
    region_id: Id | None
    client_id: Id
    wave_id: Id
    audits: int
    score: float
    ci_low: float | None
    ci_high: float | None
    previous_score: float | None
    change: float | None
    too_few_to_rank: bool
    rank: int | None = None
    region_rank: int | None = None


class LeagueTable(msgspec.Struct, kw_only=True):
    wave_ids: list[Id]
    min_audits: int
    confidence: float
    interval: str
    rows: list[LeagueRow]


class TrendPoint(msgspec.Struct, kw_only=True):
    wave_id: Id
    wave: str
    starts_on: str
    audits: int
    score: float


class RegionFigure(msgspec.Struct, kw_only=True):
    region_id: Id | None
    name: str
    outlets: int
    audits: int
    score: float | None


class HeatmapCell(msgspec.Struct, kw_only=True):
    outlet_id: Id
    section: str
    percent: float
    audits: int


class HeatmapFigure(msgspec.Struct, kw_only=True):
    sections: list[str]
    outlets: list[OutletRef]
    cells: list[HeatmapCell]


class ParetoItem(msgspec.Struct, kw_only=True):
    item: str
    section: str
    points_lost: float
    failures: int
    cumulative_share: float


class BestVsRestItem(msgspec.Struct, kw_only=True):
    item: str
    best_pass_rate: float | None
    rest_pass_rate: float | None
    gap: float | None
    best_audited: int
    rest_audited: int


class ChannelFigure(msgspec.Struct, kw_only=True):
    channel: str
    audits: int
    score: float | None
    first_contact_resolution: float | None
    first_contact_answers: int


class NpsFigure(msgspec.Struct, kw_only=True):
    template: str
    item: str
    answers: int
    nps: float | None


class CalibrationRow(msgspec.Struct, kw_only=True):
    auditor_id: Id
    name: str
    audits: int
    compared_audits: int
    mean_deviation: float | None
