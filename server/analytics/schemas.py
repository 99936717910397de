"""Wire shapes of the analytics API (msgspec structs); no auditor identity reaches a client."""

from __future__ import annotations

import msgspec

from server.core.ids import Id


class OutletRef(msgspec.Struct):
    id: int
    code: str
    name: str


class LeagueRow(msgspec.Struct, kw_only=True):
    """An outlet's result in a wave (docs/contract.md#wave-result) and its place."""

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
    # Visits under an open dispute: the score is provisional while there is one.
    under_dispute: int = 0
    critical_visits: int = 0
    pass_mark: float | None = None
    band: str | None = None
    passed: bool | None = None
    # "above", "level" or "below" the network's result as far as the interval tells; null
    # without an interval.
    versus_network: str | None = None


class NetworkFigure(msgspec.Struct, kw_only=True):
    """The network's result in a wave: the mean of its outlets' results, in the caller's scope."""

    wave_id: Id
    client_id: Id
    outlets: int
    audits: int
    score: float
    ci_low: float | None
    ci_high: float | None
    previous_score: float | None
    change: float | None
    provisional_outlets: int = 0


class LeagueTable(msgspec.Struct, kw_only=True):
    wave_ids: list[Id]
    min_audits: int
    confidence: float
    interval: str
    rows: list[LeagueRow]
    networks: list[NetworkFigure] = msgspec.field(default_factory=list)


class TrendPoint(msgspec.Struct, kw_only=True):
    """The result per wave of one outlet, or of the network (the mean of its outlets')."""

    wave_id: Id
    wave: str
    starts_on: str
    audits: int
    score: float
    outlets: int = 1


class RegionFigure(msgspec.Struct, kw_only=True):
    """A region's result in a wave: the mean of its outlets' results."""

    region_id: Id | None
    name: str
    outlets: int
    audits: int
    score: float | None
    wave_id: Id | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    previous_score: float | None = None
    change: float | None = None


class HeatmapCell(msgspec.Struct, kw_only=True):
    outlet_id: Id
    section: str
    percent: float
    audits: int


class HeatmapFigure(msgspec.Struct, kw_only=True):
    sections: list[str]
    outlets: list[OutletRef]
    cells: list[HeatmapCell]
    wave_ids: list[Id] = msgspec.field(default_factory=list)


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


class CriticalItem(msgspec.Struct, kw_only=True):
    template: str
    section: str
    item: str
    visits: int


class CriticalFigure(msgspec.Struct, kw_only=True):
    """Visits with a critical failure in the shown waves, and the critical items failed most."""

    wave_ids: list[Id]
    audits: int
    visits: int
    outlets: int
    items: list[CriticalItem]
