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
ActionStatus = Literal["open", "done", "verified"]


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
    """One checklist section of this visit against the network and the region's best."""

    title: str
    percent: float | None
    network_average: float | None
    region_top_quartile: float | None


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The outlet's score in one wave (oldest first in a trend) and the network average."""

    wave: str
    percent: float | None
    network_average: float | None


@dataclass(frozen=True, slots=True)
class FailedItem:
    """A checklist item that failed on this visit, with the evidence the auditor left.

    `thumbnails` are JPEG bytes (the stored 400 px thumbnails, already upright); they are
    embedded in the PDF exactly as given.
    """

    section: str
    text: str
    points_lost: float
    critical: bool
    comment: str = ""
    thumbnails: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class Strength:
    """An item this outlet passed that most outlets of the network fail."""

    section: str
    text: str
    network_pass_rate: float


@dataclass(frozen=True, slots=True)
class DisputeOutcome:
    """A dispute the outlet raised on an item of this visit and how it was decided."""

    item: str
    decision: DisputeDecision
    reason: str = ""
    decided_on: date | None = None


@dataclass(frozen=True, slots=True)
class CorrectiveAction:
    """A corrective action still to be closed (owner is a client user, never the auditor)."""

    item: str
    owner: str
    due: date
    status: ActionStatus


@dataclass(frozen=True, slots=True)
class OutletReportData:
    """Everything the outlet quality report shows for one outlet in one wave."""

    client: str
    outlet: Outlet
    wave: str
    visit_date: date
    channel: Channel
    percent: float | None
    band: str | None
    pass_mark: float
    passed: bool
    generated_on: date
    rank_in_region: Rank | None = None
    rank_in_network: Rank | None = None
    previous_percent: float | None = None
    sections: tuple[SectionScore, ...] = ()
    trend: tuple[TrendPoint, ...] = ()
    failed_items: tuple[FailedItem, ...] = ()
    strengths: tuple[Strength, ...] = ()
    disputes: tuple[DisputeOutcome, ...] = ()
    corrective_actions: tuple[CorrectiveAction, ...] = ()
    verification: Verification | None = None

    @property
    def change(self) -> float | None:
        """Change against the previous wave in percentage points, when both scores exist."""
        if self.percent is None or self.previous_percent is None:
            return None
        return round(self.percent - self.previous_percent, 1)


@dataclass(frozen=True, slots=True)
class LeagueRow:
    """One outlet in the league table of a wave.

    `ci_low`/`ci_high` bound the outlet's mean score (e.g. a 95 % interval over its visits);
    `few_visits` flags a score resting on too few visits to compare with confidence.
    """

    rank: int
    outlet: str
    code: str
    region: str
    percent: float | None
    change: float | None
    visits: int
    ci_low: float | None
    ci_high: float | None
    few_visits: bool = False


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One region rolled up over its outlets."""

    region: str
    percent: float | None
    change: float | None
    outlets: int
    visits: int


@dataclass(frozen=True, slots=True)
class Heatmap:
    """Section scores (rows) for each outlet or region (columns); `values[row][column]`."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(self.rows) or any(
            len(row) != len(self.columns) for row in self.values
        ):
            raise ValueError("heatmap values must have one row per section, one cell per column")


@dataclass(frozen=True, slots=True)
class ItemGap:
    """How often the top-quartile outlets pass an item against the rest of the network."""

    section: str
    item: str
    top_quartile_pass_rate: float
    rest_pass_rate: float

    @property
    def gap(self) -> float:
        """Top-quartile pass rate minus the rest's (a ratio, may be negative)."""
        return self.top_quartile_pass_rate - self.rest_pass_rate


@dataclass(frozen=True, slots=True)
class ChannelRow:
    """One contact channel across the wave; `first_contact_resolution` is a 0-1 ratio."""

    channel: Channel
    percent: float | None
    first_contact_resolution: float | None
    visits: int


@dataclass(frozen=True, slots=True)
class ComparisonReportData:
    """Everything the head-office comparison report shows for one wave.

    `heatmap_by_outlet` is shown when it is narrow enough to read, otherwise
    `heatmap_by_region`. `region` names the region the report is limited to, if any.
    """

    client: str
    wave: str
    generated_on: date
    network_percent: float | None
    league: tuple[LeagueRow, ...]
    regions: tuple[RegionRow, ...]
    heatmap_by_outlet: Heatmap
    heatmap_by_region: Heatmap
    best_vs_rest: tuple[ItemGap, ...] = ()
    channels: tuple[ChannelRow, ...] = ()
    region: str | None = None
    visits: int = 0
    verification: Verification | None = None
