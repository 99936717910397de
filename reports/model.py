"""Plain data that the reports show: what the server assembles from the score rollup.

Everything is frozen and holds only values already in the report's language (item and section
texts picked for that language by the caller). There is deliberately no field for an auditor:
shopper anonymity (docs/contract.md#roles) is kept by construction, not by remembering to leave
it out.

Scores are percentages 0-100 (one decimal, as stored); pass rates are ratios 0-1; changes are
in percentage points. `None` means "no figure" (no score, no previous wave, too few data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Channel = Literal["in_store", "phone", "email", "chat", "web", "social"]
DisputeDecision = Literal["upheld", "rejected", "pending"]
DisputeState = Literal["none", "open", "upheld", "rejected"]
ActionStatus = Literal["open", "done", "verified"]
CriticalPolicy = Literal["zero_total", "zero_section", "cap"]
Third = Literal["top", "middle", "bottom"]
Versus = Literal["above", "level", "below"]


@dataclass(frozen=True, slots=True)
class Verification:
    """How a reader checks that a PDF is one the server issued (docs/contract.md#reports).

    `code` is shown as given on every page; `address` is the page where it can be typed in;
    `url` (the page of this very code) is what the QR code holds.
    """

    code: str
    address: str
    url: str


@dataclass(frozen=True, slots=True)
class Rank:
    """A position in a ranking: `position` of `out_of` (1 is best)."""

    position: int
    out_of: int


@dataclass(frozen=True, slots=True)
class Outlet:
    """The outlet a report is about."""

    name: str
    code: str
    address: str
    region: str


@dataclass(frozen=True, slots=True)
class SectionScore:
    """One checklist section of a visit against the network and the region's best."""

    title: str
    percent: float | None
    network_average: float | None
    region_top_quartile: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The outlet's result in one wave (oldest first in a trend) and the network's."""

    wave: str
    percent: float | None
    network_average: float | None


@dataclass(frozen=True, slots=True)
class FailedItem:
    """A checklist item that failed on a visit, with the evidence the auditor left.

    `answer` is the answer in words where the failure alone does not say it ("7 of 10", "95
    s", the picked options), else "". `thumbnails` are JPEG bytes (the stored 400 px
    thumbnails, already upright); they are embedded in the PDF exactly as given.
    """

    section: str
    text: str
    points_lost: float
    critical: bool
    comment: str = ""
    thumbnails: tuple[bytes, ...] = ()
    answer: str = ""


@dataclass(frozen=True, slots=True)
class DisputeOutcome:
    """A dispute the outlet raised on an item of a visit and how it was decided."""

    item: str
    decision: DisputeDecision
    reason: str = ""
    decided_on: date | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """One released visit of the wave, as the outlet report shows it.

    `number` counts the wave's visits by date (1 is the earliest). `weight` is the visit's
    share of the wave result (0-1). `critical_items` are the critical items it failed and
    `critical_policy` / `critical_cap` what its checklist then does to the score
    (docs/contract.md#scoring). `dispute` is the state of its disputes: "open" while one is
    undecided (the visit's score is then provisional).
    """

    number: int
    day: date
    channel: Channel
    percent: float | None
    band: str | None
    passed: bool | None
    pass_mark: float | None = None
    weight: float | None = None
    critical_items: tuple[str, ...] = ()
    critical_policy: CriticalPolicy | None = None
    critical_cap: float | None = None
    dispute: DisputeState = "none"
    sections: tuple[SectionScore, ...] = ()
    failed_items: tuple[FailedItem, ...] = ()
    disputes: tuple[DisputeOutcome, ...] = ()


@dataclass(frozen=True, slots=True)
class WaveResult:
    """The outlet's result in the wave (docs/contract.md#wave-result): every released visit.

    `under_dispute` visits have an open dispute: the result is provisional while there is one.
    `ci_low`/`ci_high` bound it (95 %); `previous_percent` is the result in `previous_wave` and
    `change` the difference in percentage points.
    """

    percent: float | None
    band: str | None
    pass_mark: float | None
    passed: bool | None
    visits: int
    under_dispute: int = 0
    ci_low: float | None = None
    ci_high: float | None = None
    previous_percent: float | None = None
    previous_wave: str | None = None
    # In percentage points: the difference of the two results as shown.
    change: float | None = None
    # Whether the two results are told apart by their intervals (None: cannot say).
    change_beyond_chance: bool | None = None


@dataclass(frozen=True, slots=True)
class Estimate:
    """What an outlet's visits can tell, from a model of its whole network (the server's
    docs/contract.md#estimates).

    `estimate` is the result shrunk toward the network by how much its visits tell, `low`
    and `high` its 95 % interval; `rank_low`..`rank_high` the places it could hold (95 %) among
    `ranked` outlets; `tier` the group of outlets the data cannot tell apart; `funnel` and
    `funnel_998` whether it lies above, within ("level") or below the network's funnel limits
    at 95 % and 99.8 %; `adjusted` the result with auditor leniency taken out, when the league
    ranks those.
    """

    estimate: float
    low: float
    high: float
    rank_low: int
    rank_high: int
    ranked: int
    tier: int
    funnel: Versus
    funnel_998: Versus
    adjusted: float | None = None


@dataclass(frozen=True, slots=True)
class FunnelPoint:
    """An outlet on the funnel plot: `visits` across (the effective number where channels
    weigh differently), `score` up; `marked` draws it larger (the report's own outlet)."""

    code: str
    visits: float
    score: float
    funnel: Versus
    funnel_998: Versus
    marked: bool = False


@dataclass(frozen=True, slots=True)
class FunnelLimits:
    """The network's limits for results of `visits` visits, at 95 % and 99.8 %."""

    visits: float
    low_95: float
    high_95: float
    low_998: float
    high_998: float


@dataclass(frozen=True, slots=True)
class Funnel:
    """A funnel plot: the network's result (`target`), its limits and the outlets shown;
    `adjusted` when the scores are results with auditor leniency taken out."""

    target: float
    points: tuple[FunnelPoint, ...]
    curve: tuple[FunnelLimits, ...]
    adjusted: bool = False


@dataclass(frozen=True, slots=True)
class ScoringSpread:
    """How much the wave's auditors differ in how they score, with no auditor named: the
    standard deviation of their leniency in points, how many of the `raters` are clearly
    lenient or severe, and whether the visits link every one of them to the others (else
    leniency cannot be compared across the groups)."""

    spread: float
    raters: int
    lenient: int
    severe: int
    linked: bool


@dataclass(frozen=True, slots=True)
class Standing:
    """Where the outlet stands in the network in the wave, as far as the data can tell.

    `rank` is None when the outlet had too few visits (`min_visits`) to rank. `third` is its
    third of the ranked outlets; `alike` how many other ranked outlets the data cannot tell it
    apart from; `versus_network` whether it is clearly above or below the network's result
    (`network_percent`) or not clearly different ("level"); None without an interval.
    """

    rank: Rank | None
    region_rank: Rank | None
    region: str
    third: Third | None
    alike: int | None
    versus_network: Versus | None
    network_percent: float | None
    min_visits: int = 3
    # What the wave's visits can tell (docs/contract.md#estimates); None when not estimated.
    estimate: Estimate | None = None


@dataclass(frozen=True, slots=True)
class Priority:
    """An item to fix first: the points it lost over the wave's visits, and how often the
    network passes it (`network_pass_rate`, 0-1)."""

    section: str
    text: str
    points_lost: float
    failed_visits: int
    visits: int
    network_pass_rate: float | None
    critical: bool = False


@dataclass(frozen=True, slots=True)
class Strength:
    """An item the outlet passed on every visit of the wave that asked it (`visits`), and how
    often the network passes it (0-1). `passed_by_no`: a yes/no item whose text says what
    should not happen ("Staff were busy with private matters"), passed by the answer No.
    `answer`: the answer in words every visit gave, where the text alone does not say it ("10
    of 10" under a question), else ""."""

    section: str
    text: str
    network_pass_rate: float
    visits: int = 1
    passed_by_no: bool = False
    answer: str = ""


@dataclass(frozen=True, slots=True)
class CorrectiveAction:
    """A corrective action of the outlet (owner is a client user, never the auditor; "" when
    nobody owns it yet) and the visit it came from: `visit_number` of this wave's visits, or
    None with `visit_wave` naming an earlier wave."""

    item: str
    owner: str
    due: date
    status: ActionStatus
    visit_day: date | None = None
    visit_number: int | None = None
    visit_wave: str | None = None


@dataclass(frozen=True, slots=True)
class OutletReportData:
    """Everything the outlet quality report shows for one outlet in one wave."""

    client: str
    outlet: Outlet
    wave: str
    generated_on: date
    result: WaveResult
    standing: Standing | None = None
    visits: tuple[Visit, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    fix_first: tuple[Priority, ...] = ()
    strengths: tuple[Strength, ...] = ()
    corrective_actions: tuple[CorrectiveAction, ...] = ()
    verification: Verification | None = None

    @property
    def percent(self) -> float | None:
        """The wave result: the report's headline."""
        return self.result.percent


@dataclass(frozen=True, slots=True)
class LeagueRow:
    """One outlet in the league table of a wave.

    `ci_low`/`ci_high` bound the outlet's result (95 %, one visit's variance pooled over its
    network's visits);
    `few_visits` flags a result resting on too few visits to rank (`rank` is then None);
    `versus_network` says whether it is clearly above or below the network's result, or not
    clearly different from it ("level"); None without an interval. `change_beyond_chance`
    says whether the change against the previous wave is more than chance (None: cannot say).
    """

    rank: int | None
    outlet: str
    code: str
    region: str
    percent: float | None
    change: float | None
    visits: int
    ci_low: float | None
    ci_high: float | None
    few_visits: bool = False
    versus_network: Versus | None = None
    provisional: bool = False
    critical_visits: int = 0
    estimate: Estimate | None = None
    change_beyond_chance: bool | None = None


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One region: the mean of its outlets' results, and its change."""

    region: str
    percent: float | None
    change: float | None
    outlets: int
    visits: int
    # More than chance, as the API's `change_beyond_chance` (None: cannot tell).
    change_beyond_chance: bool | None = None
    # Its 95% interval: what its visits alone could move it.
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Section scores (rows) for each outlet or region (columns); `values[row][column]`, and
    the visits behind each (`visits`, the same shape; empty when not known)."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]
    visits: tuple[tuple[int, ...], ...] = ()

    def __post_init__(self) -> None:
        for grid in (self.values, self.visits) if self.visits else (self.values,):
            if len(grid) != len(self.rows) or any(len(row) != len(self.columns) for row in grid):
                raise ValueError("heatmap cells must be one row per section, one per column")

    def from_one_visit(self, row: int, column: int) -> bool:
        """The cell rests on a single visit: one shopper's impression."""
        return bool(self.visits) and self.visits[row][column] == 1


@dataclass(frozen=True, slots=True)
class ItemGap:
    """How often the top-quartile outlets pass an item against the rest of the network, with
    the 95% interval of the gap (ratios); None when too little was seen to say."""

    section: str
    item: str
    top_quartile_pass_rate: float
    rest_pass_rate: float
    gap_low: float | None = None
    gap_high: float | None = None

    @property
    def gap(self) -> float:
        """Top-quartile pass rate minus the rest's (a ratio, may be negative)."""
        return self.top_quartile_pass_rate - self.rest_pass_rate

    @property
    def beyond_chance(self) -> bool:
        """The interval leaves out no gap at all."""
        if self.gap_low is None or self.gap_high is None:
            return False
        return self.gap_low > 0 or self.gap_high < 0


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """One contact channel across the wave, with the 95% interval of its mean score;
    `first_contact_resolution` is a 0-1 ratio."""

    channel: Channel
    percent: float | None
    first_contact_resolution: float | None
    visits: int
    ci_low: float | None = None
    ci_high: float | None = None


@dataclass(frozen=True, slots=True)
class NetworkResult:
    """The network's result in the wave (the mean of its outlets' results) and the one before."""

    percent: float | None
    outlets: int = 0
    visits: int = 0
    ci_low: float | None = None
    ci_high: float | None = None
    previous_percent: float | None = None
    previous_wave: str | None = None
    change: float | None = None
    provisional_outlets: int = 0
    # More than chance, as the API's `change_beyond_chance` (None: cannot tell).
    change_beyond_chance: bool | None = None


@dataclass(frozen=True, slots=True)
class ItemCount:
    """An item and how many visits of the wave failed it."""

    section: str
    item: str
    visits: int


@dataclass(frozen=True, slots=True)
class CriticalFailures:
    """The wave's critical failures: visits and outlets with one, the items failed most."""

    visits: int = 0
    outlets: int = 0
    top_items: tuple[ItemCount, ...] = ()


@dataclass(frozen=True, slots=True)
class OverdueOutlet:
    """An outlet with corrective actions past their due date: how many, the oldest due date."""

    outlet: str
    code: str
    actions: int
    oldest_due: date


@dataclass(frozen=True, slots=True)
class OverdueActions:
    """Open corrective actions past their due date on the report's day."""

    actions: int = 0
    outlets: tuple[OverdueOutlet, ...] = ()


@dataclass(frozen=True, slots=True)
class ComparisonReportData:
    """Everything the head-office comparison report shows for one wave.

    `league` is in the league's own order (the server's: by tier and estimate, or by
    score), which the report keeps within each group. `heatmap_by_outlet` is shown when it is
    narrow enough to read, otherwise `heatmap_by_region`. `region` names the region the report
    is limited to, if any. Outlets with fewer than `min_visits` visits are not ranked.
    """

    client: str
    wave: str
    generated_on: date
    network: NetworkResult
    league: tuple[LeagueRow, ...]
    regions: tuple[RegionRow, ...]
    heatmap_by_outlet: Heatmap
    heatmap_by_region: Heatmap
    best_vs_rest: tuple[ItemGap, ...] = ()
    channels: tuple[ChannelRow, ...] = ()
    region: str | None = None
    critical_failures: CriticalFailures = CriticalFailures()
    overdue_actions: OverdueActions = OverdueActions()
    min_visits: int = 3
    verification: Verification | None = None
    # What the visits can tell: the funnel plot of the network (None when the model cannot be
    # fitted) and whether the league orders and groups adjusted results.
    funnel: Funnel | None = None
    adjusted: bool = False
    # How to read the tiers and the funnel plot, in the report's language.
    tiers_note: str = ""
    funnel_note: str = ""
    # How much auditors differ (never who): None when the visits cannot tell.
    scoring: ScoringSpread | None = None

    @property
    def network_percent(self) -> float | None:
        """The network's result: the report's headline."""
        return self.network.percent

    @property
    def visits(self) -> int:
        return self.network.visits
