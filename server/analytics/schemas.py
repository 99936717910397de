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
    # Whether the change is more than chance (the two results told apart by their intervals);
    # null without a previous result or without intervals.
    change_beyond_chance: bool | None = None
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
    # What the wave's visits can tell (docs/contract.md#estimates), from the client's whole
    # network; null when the outlet is not ranked or the visits cannot support the model.
    # `estimate`: the result shrunk toward the network by how much its visits tell, with its
    # 95% interval; `shrinkage`: the share of it that comes from the outlet's own visits;
    # `adjusted`: the result with auditor leniency taken out (a league on adjusted results);
    # `estimate_rank` and `rank_low`..`rank_high`: its rank in the network and the 95%
    # interval of that rank; `tier`: the group of outlets the data cannot tell apart;
    # `funnel`, `funnel_998`: "above", "level" or "below" the network's funnel limits at
    # 95% and 99.8%.
    estimate: float | None = None
    estimate_low: float | None = None
    estimate_high: float | None = None
    shrinkage: float | None = None
    adjusted: float | None = None
    estimate_rank: int | None = None
    rank_low: int | None = None
    rank_high: int | None = None
    tier: int | None = None
    funnel: str | None = None
    funnel_998: str | None = None


class TierFigure(msgspec.Struct, kw_only=True):
    """A tier: outlets of the network the data cannot tell apart, the ranks they may hold."""

    tier: int
    rank_low: int
    rank_high: int
    outlets: int  # in the whole network
    outlet_ids: list[Id]  # those the caller may see, best estimate first


class NetworkEstimateFigure(msgspec.Struct, kw_only=True):
    """How the estimates of a client's network in a wave were made (docs/contract.md#estimates)."""

    wave_id: Id
    client_id: Id
    basis: str  # "raw" or "adjusted": which results the league orders and groups
    ranked: int  # outlets in the model: those with at least `min_audits` visits
    min_audits: int
    network: float  # the funnel's centre
    within_sd: float  # between visits to one outlet
    between_sd: float  # between outlets' true levels
    funnel_between_sd: float  # the funnel's additive over-dispersion
    phi: float
    draws: int
    seed: int
    model: str
    tiers: list[TierFigure]


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
    # Whether the change is more than chance (`results.group_moved`): over the same outlets,
    # more than the two waves' visits alone could move the result; over other outlets, told
    # apart by their intervals. None when that cannot be said.
    change_beyond_chance: bool | None = None


class LeagueTable(msgspec.Struct, kw_only=True):
    wave_ids: list[Id]
    min_audits: int
    confidence: float
    interval: str
    rows: list[LeagueRow]
    networks: list[NetworkFigure] = msgspec.field(default_factory=list)
    estimates: list[NetworkEstimateFigure] = msgspec.field(default_factory=list)
    # A short text per figure, in the caller's language ("estimates", "ranks", "tiers",
    # "funnel", "adjusted").
    how_to_read: dict[str, str] = msgspec.field(default_factory=dict)


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
    # As the network's (`NetworkFigure.change_beyond_chance`).
    change_beyond_chance: bool | None = None


class HeatmapSection(msgspec.Struct, kw_only=True, frozen=True):
    """A section of one checklist: two checklists may use one key for different sections."""

    checklist: str
    key: str


class HeatmapCell(msgspec.Struct, kw_only=True):
    outlet_id: Id
    checklist: str
    section: str
    percent: float
    audits: int


class HeatmapFigure(msgspec.Struct, kw_only=True):
    sections: list[HeatmapSection]
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
    # The gap's 95% interval; beyond chance when it leaves out 0.
    gap_low: float | None = None
    gap_high: float | None = None
    beyond_chance: bool = False


class ChannelFigure(msgspec.Struct, kw_only=True):
    channel: str
    audits: int
    score: float | None
    first_contact_resolution: float | None
    first_contact_answers: int
    score_low: float | None = None  # 95% intervals
    score_high: float | None = None
    first_contact_low: float | None = None
    first_contact_high: float | None = None


class NpsFigure(msgspec.Struct, kw_only=True):
    template: str
    item: str
    answers: int
    nps: float | None
    nps_low: float | None = None  # 95% interval
    nps_high: float | None = None


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


class FunnelPointFigure(msgspec.Struct, kw_only=True):
    outlet: OutletRef
    visits: int
    effective_visits: float  # visits, or with channel weights the effective number
    score: float  # raw result, or adjusted on a league of adjusted results
    z: float
    funnel: str
    funnel_998: str


class FunnelLimitsFigure(msgspec.Struct, kw_only=True):
    visits: float
    low_95: float
    high_95: float
    low_998: float
    high_998: float


class FunnelFigure(msgspec.Struct, kw_only=True):
    """A network's funnel plot in a wave: its outlets the caller may see, and the limits."""

    wave_id: Id
    client_id: Id
    basis: str
    target: float
    within_sd: float
    between_sd: float
    phi: float
    overdispersion: str
    points: list[FunnelPointFigure]
    curve: list[FunnelLimitsFigure]
    how_to_read: str = ""


class AuditorFigure(msgspec.Struct, kw_only=True):
    """One auditor's leniency in a wave (agency only)."""

    auditor_id: Id
    name: str
    visits: int
    effect: float  # points above (+) or below (-) colleagues at the same outlets
    low: float
    high: float
    verdict: str  # "lenient", "severe", "level" or "unlinked"
    outlets: int
    shared_outlets: int
    colleagues: int
    group: int


class CalibrationVisitFigure(msgspec.Struct, kw_only=True):
    auditor_id: Id
    auditor: str
    outlet_id: Id
    outlet_code: str
    reason: str  # "unlinked" or "weak"
    text: str


class DesignFigure(msgspec.Struct, kw_only=True):
    connected: bool
    groups: list[list[Id]]
    summary: str
    suggestions: list[CalibrationVisitFigure]


class AdjustedOutletFigure(msgspec.Struct, kw_only=True):
    outlet: OutletRef
    visits: int
    raw: float
    adjusted: float
    estimate: float
    estimate_low: float
    estimate_high: float


class AuditorSeverityFigure(msgspec.Struct, kw_only=True):
    """Auditor severity in a client's wave, the design check and adjusted results (agency)."""

    wave_id: Id
    client_id: Id
    league_basis: str
    model: str
    auditor_sd: float | None
    auditors: list[AuditorFigure]
    design: DesignFigure
    outlets: list[AdjustedOutletFigure]
    how_to_read: dict[str, str] = msgspec.field(default_factory=dict)


class ItemAgreementFigure(msgspec.Struct, kw_only=True):
    item: str
    template: str
    level: str
    units: int
    values: int
    observed: float | None
    alpha: float | None
    ac1: float | None
    judged_by: str
    verdict: str
    reword: bool


class AgreementFigure(msgspec.Struct, kw_only=True):
    """Per question, how well auditors agree on a wave's calibration visits (agency)."""

    wave_id: Id
    client_id: Id
    calibration_visits: int  # outlets and checklists visited by two auditors or more
    items: list[ItemAgreementFigure]
    how_to_read: str = ""


class PlanRowFigure(msgspec.Struct, kw_only=True):
    visits: int
    width: float | None
    detectable: float | None
    detectable_vs_network: float | None
    reliability: float


class VisitPlanFigure(msgspec.Struct, kw_only=True):
    """Visits per outlet per wave for a target interval or difference
    (docs/contract.md#estimates)."""

    wave_id: Id
    client_id: Id
    within_sd: float
    between_sd: float
    power: float
    alpha: float
    reliability_target: float
    target_width: float | None
    visits_for_width: int | None
    difference: float | None
    visits_to_compare_outlets: int | None
    visits_to_compare_with_network: int | None
    visits_for_reliability: int | None
    table: list[PlanRowFigure]
    how_to_read: str = ""
