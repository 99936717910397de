"""Assembling the report data classes of `reports` from the score rollup (docs/contract.md#reports).

Figures come from `score_rollup` / `score_rollup_item` (released audits only, so nothing
unreleased can reach a report); the only raw answers read are the comments and photos of the
failed items of the visits an outlet report is about. No auditor column is ever selected: the
report data classes have no place for one either (shopper anonymity, docs/contract.md#roles).

Definitions:
- the outlet report is about the outlet's result in the wave, as `server.analytics.results`
  defines it (docs/contract.md#wave-result): every released visit of the wave, channels weighed
  as the client sets; its change, rank and standing come from the same results, so the
  headline is the league table's score for that outlet and wave;
- network figures are those of the outlet's whole client in that wave, whoever asks: a manager
  may compare with the network even when they may only open their own outlet's audits;
- sections are compared with the network's average of the same checklist's section in the
  wave, and with the top quartile of the region's outlets;
- the items to fix first are the items failed in the wave's visits, ordered by critical first,
  then by the points they lost over the visits times the share of the network's visits that
  pass them (an item most outlets get right is the outlet's own to fix), three at most;
- what went well: items passed on every visit of the wave that asked them, those the network
  passes least often first, three at most;
- corrective actions: the outlet's open ones (whatever visit they came from) and every action
  of the wave's visits, each with the visit it came from;
- the comparison report is `server.analytics` seen through the caller's scope: a regional
  manager's covers their regions, an outlet manager's their outlets.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, cast

import anyio.to_thread

from reports import (
    ChannelRow,
    ComparisonReportData,
    CorrectiveAction,
    CriticalFailures,
    DisputeOutcome,
    FailedItem,
    Heatmap,
    ItemCount,
    ItemGap,
    LeagueRow,
    NetworkResult,
    Outlet,
    OutletReportData,
    OverdueActions,
    OverdueOutlet,
    Priority,
    Rank,
    RegionRow,
    SectionScore,
    Standing,
    Strength,
    TrendPoint,
    Visit,
    WaveResult,
)
from reports.answers import answer_words
from reports.model import ActionStatus, Channel, CriticalPolicy, DisputeDecision, DisputeState
from server.access.abilities import SEE_RESULTS, require
from server.access.caller import AUDITOR, Caller
from server.access.scope import Columns, Record, can_see, scope_of
from server.analytics import results as wave_results
from server.analytics import stats
from server.analytics.estimates import HOW_TO_READ
from server.analytics.filters import Filters, network_where
from server.analytics.results import (
    MIN_VISITS_TO_RANK,
    Results,
    VisitSums,
    WaveRef,
    choose_waves,
    read_results,
    shown,
    visible_waves,
    visit_weights,
)
from server.analytics.schemas import HeatmapFigure
from server.analytics.service import AnalyticsService
from server.analytics.wave_estimates import auditor_figures, network_estimates
from server.analytics.wave_figures import (
    EstimateService,
    chart_funnel,
    outlet_estimate,
    row_estimate,
    scoring_spread,
)
from server.core.clock import local_day
from server.core.errors import BadRequest, NotFound
from server.core.i18n import _
from server.reporting.issuing import COMPARISON, OUTLET, ReportSubject
from server.storage.base import MediaStore, MediaStoreError
from server.templates.published import parsed_template
from server.workflow.rules import channel_weights
from server.workflow.tables import ScoreRollup
from shared.checklist import Item, Template
from shared.i18n import LANGUAGES, translation
from shared.i18n import text as localized

TREND_WAVES: Final = 6
FIX_FIRST: Final = 3
WENT_WELL: Final = 3
MAX_THUMBNAILS_PER_ITEM: Final = 4
TOP_CRITICAL_ITEMS: Final = 5
DISPUTE_DECISIONS: Final[dict[str, DisputeDecision]] = {"upheld": "upheld", "rejected": "rejected"}
ACTION_STATUSES: Final[dict[str, ActionStatus]] = {
    "open": "open",
    "done": "done",
    "verified": "verified",
}
POLICIES: Final[dict[str, CriticalPolicy]] = {
    "zero_total": "zero_total",
    "zero_section": "zero_section",
    "cap": "cap",
}


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _placeholders(count: int) -> str:
    return ", ".join("{}" for _index in range(count))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _visit_day(value: dt.datetime | None, zone_name: str) -> dt.date | None:
    """A visit's day at its outlet (`clock.local_day`), from the rollup's `visited_at`."""
    return None if value is None else local_day(value, zone_name)


def _day(value: Any) -> dt.date | None:
    """A DATE or TIMESTAMPTZ column as a date (SQLite may hand back ISO text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _ratios(section_ratios: str | None) -> dict[str, Fraction]:
    return {key: Fraction(value) for key, value in json.loads(section_ratios or "{}").items()}


def _rounded(value: float | None) -> float | None:
    """A figure as every screen and PDF shows it: the JSON's two decimals, then one."""
    return None if value is None else shown(value)


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise BadRequest(
            _("Reports are available in these languages: %(languages)s.")
            % {"languages": ", ".join(LANGUAGES)}
        )
    return lang


class Vocabulary:
    """Section titles and item texts of the templates a report covers, in one language.

    Lookups by key alone take the newest text of any template (the `preferred` template's
    first); `section_in` and `item_in` look in one template first, since different checklists
    may use the same keys for different questions.
    """

    def __init__(self, templates: Iterable[Template], lang: str) -> None:
        self.lang = lang
        self.templates: dict[str, str] = {}
        self.sections: dict[str, str] = {}
        self.items: dict[str, str] = {}
        self.item_order: dict[str, int] = {}
        self.item_sections: dict[str, tuple[str, str]] = {}
        self.pass_marks: dict[tuple[str, int], float] = {}
        self.scoped_sections: dict[tuple[str, str], str] = {}
        self.scoped_section_order: dict[tuple[str, str], tuple[int, int]] = {}
        self.scoped_items: dict[tuple[str, str], str] = {}
        # yes/no items passed by No: their text says what should not happen
        self.passed_by_no: set[tuple[str, str]] = set()
        for template in templates:
            self.templates[template.key] = localized(template.title, lang) or template.key
            checklist_place = list(self.templates).index(template.key)
            for place, section in enumerate(template.sections):
                self.scoped_section_order[(template.key, section.key)] = (checklist_place, place)
            if template.pass_mark is not None:
                self.pass_marks[(template.key, template.version)] = float(template.pass_mark)
            for section in template.sections:
                title = localized(section.title, lang) or section.key
                self.sections[section.key] = title
                self.scoped_sections[(template.key, section.key)] = title
                for item in section.items:
                    text = localized(item.text, lang) or item.key
                    self.items[item.key] = text
                    self.scoped_items[(template.key, item.key)] = text
                    if item.kind == "yes_no" and not item.good:
                        self.passed_by_no.add((template.key, item.key))
                    self.item_order.setdefault(item.key, len(self.item_order))
                    self.item_sections[item.key] = (template.key, section.key)

    def template(self, key: str) -> str:
        return self.templates.get(key, key)

    def section(self, key: str) -> str:
        return self.sections.get(key, key)

    def item(self, key: str) -> str:
        return self.items.get(key, key)

    def section_in(self, template_key: str, key: str) -> str:
        return self.scoped_sections.get((template_key, key)) or self.section(key)

    def item_in(self, template_key: str, key: str) -> str:
        return self.scoped_items.get((template_key, key)) or self.item(key)

    def section_of_item(self, item_key: str) -> str:
        """The name of the section holding `item_key`, in that item's own checklist (items
        are unique within a template; the newest template holding it wins)."""
        place = self.item_sections.get(item_key)
        return "" if place is None else self.section_in(*place)

    def section_place(self, section: tuple[str, str]) -> tuple[int, int]:
        """Where a (checklist, section key) comes: checklist by checklist, each in its order."""
        return self.scoped_section_order.get(section, (len(self.templates), 0))

    def section_names(self, sections: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """Each (checklist, section key)'s name in this language, told apart where two agree:
        a store visit's and a call's "Powitanie" are named with their checklists, and sections
        of the same checklist alike in name with their keys."""
        names = {section: self.section_in(*section) for section in sections}
        counts = collections.Counter(names.values())
        for section, name in names.items():
            if counts[name] > 1:
                names[section] = f"{name} ({self.template(section[0])})"
        counts = collections.Counter(names.values())
        for section, name in names.items():
            if counts[name] > 1:
                names[section] = f"{name} [{section[1]}]"
        return names


async def load_vocabulary(
    template_keys: Iterable[str] | None, lang: str, *, preferred: str = ""
) -> Vocabulary:
    """Every published version of the templates named (None: of every template), oldest first
    (newer texts win); the `preferred` template's texts win over any other's, since different
    checklists may use the same section and item keys."""
    if template_keys is None:
        rows = await _raw(
            "SELECT body FROM checklist_template WHERE status <> 'draft' "
            "ORDER BY CASE WHEN key = {} THEN 1 ELSE 0 END, key, version",
            preferred,
        )
        return Vocabulary((parsed_template(row["body"]) for row in rows), lang)
    keys = sorted(set(template_keys))
    if not keys:
        return Vocabulary((), lang)
    rows = await _raw(
        f"SELECT body FROM checklist_template WHERE key IN ({_placeholders(len(keys))}) "  # noqa: S608 -- placeholders only
        "AND status <> 'draft' ORDER BY key, version",
        *keys,
    )
    return Vocabulary((parsed_template(row["body"]) for row in rows), lang)


async def _checklists(versions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Template]:
    """The parsed checklist versions named."""
    wanted = sorted(set(versions))
    keys = sorted({key for key, _version in wanted})
    if not keys:
        return {}
    rows = await _raw(
        f"SELECT body FROM checklist_template WHERE key IN ({_placeholders(len(keys))}) "  # noqa: S608 -- placeholders only
        "AND status <> 'draft'",
        *keys,
    )
    templates = (parsed_template(row["body"]) for row in rows)
    return {
        (template.key, template.version): template
        for template in templates
        if (template.key, template.version) in wanted
    }


async def _client_waves(client_id: int) -> list[WaveRef]:
    rows = await _raw(
        "SELECT id, client, name, starts_on FROM wave WHERE client = {} ORDER BY starts_on, id",
        client_id,
    )
    return [
        WaveRef(row["id"], row["client"], row["name"], cast(dt.date, _day(row["starts_on"])))
        for row in rows
    ]


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkFigures:
    """What every outlet report of one client's wave compares against (computed once)."""

    wave: WaveRef
    trend_waves: tuple[WaveRef, ...]
    results: Results
    standings: wave_results.Standings
    region_ranks: dict[int, Rank]
    # (checklist, section) -> the network's mean section percent in the wave
    section_average: dict[tuple[str, str], float]
    # region -> (checklist, section) -> top quartile of the region's outlets' section percents
    region_section_top_quartile: dict[int | None, dict[tuple[str, str], float]]
    # (checklist, item) -> (visits passing it, visits asking it) in the wave
    item_tallies: dict[tuple[str, str], tuple[int, int]]

    @property
    def previous_wave(self) -> WaveRef | None:
        return self.trend_waves[-2] if len(self.trend_waves) > 1 else None

    def network_score(self) -> float | None:
        return wave_results.score_of(self.results.network(self.wave.id))

    def pass_rate(self, key: tuple[str, str]) -> float | None:
        passed, asked = self.item_tallies.get(key, (0, 0))
        return passed / asked if asked else None

    def trend(self, outlet_id: int) -> tuple[TrendPoint, ...]:
        return tuple(
            TrendPoint(
                wave=wave.name,
                percent=_rounded(wave_results.score_of(self.results.outlet(wave.id, outlet_id))),
                network_average=_rounded(wave_results.score_of(self.results.network(wave.id))),
            )
            for wave in self.trend_waves
        )


async def network_figures(wave: WaveRef) -> NetworkFigures:
    """The client's network in `wave` and the waves before it, from the rollup only."""
    waves = await _client_waves(wave.client_id)
    position = next(index for index, candidate in enumerate(waves) if candidate.id == wave.id)
    trend_waves = tuple(waves[max(0, position - TREND_WAVES + 1) : position + 1])
    results = await read_results(network_where(wave.client_id), trend_waves)
    outlets = results.outlets(wave.id)
    network = wave_results.score_of(results.network(wave.id))
    by_region: dict[int | None, list[wave_results.OutletResult]] = collections.defaultdict(list)
    for result in outlets.values():
        by_region[result.region_id].append(result)
    region_ranks: dict[int, Rank] = {}
    for members in by_region.values():
        places = wave_results.ranks(members)
        region_ranks.update({outlet: Rank(place, len(places)) for outlet, place in places.items()})
    rows = await _raw(
        "SELECT r.outlet, o.region, r.template_key, r.section_ratios "
        "FROM score_rollup r JOIN outlet o ON o.id = r.outlet WHERE r.client = {} AND r.wave = {}",
        wave.client_id,
        wave.id,
    )
    section_percents: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
    outlet_section: dict[tuple[int, tuple[str, str]], list[float]] = collections.defaultdict(list)
    outlet_region: dict[int, int | None] = {}
    for row in rows:
        outlet_region[row["outlet"]] = row["region"]
        for section, ratio in _ratios(row["section_ratios"]).items():
            key = (row["template_key"], section)
            section_percents[key].append(float(100 * ratio))
            outlet_section[(row["outlet"], key)].append(float(100 * ratio))
    region_sections: dict[int | None, dict[tuple[str, str], list[float]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    for (outlet, key), values in outlet_section.items():
        region_sections[outlet_region[outlet]][key].append(stats.mean(values))
    items = await _raw(
        "SELECT r.template_key, i.item, i.failed FROM score_rollup_item i "
        "JOIN score_rollup r ON r.id = i.rollup WHERE r.client = {} AND r.wave = {}",
        wave.client_id,
        wave.id,
    )
    tallies: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0])
    for item in items:
        tally = tallies[(item["template_key"], item["item"])]
        tally[0] += not item["failed"]
        tally[1] += 1
    return NetworkFigures(
        wave=wave,
        trend_waves=trend_waves,
        results=results,
        standings=wave_results.Standings(outlets, network),
        region_ranks=region_ranks,
        section_average={key: stats.mean(values) for key, values in section_percents.items()},
        region_section_top_quartile={
            region: {key: stats.quantile(values, 0.75) for key, values in sections.items()}
            for region, sections in region_sections.items()
        },
        item_tallies={key: (passed, asked) for key, (passed, asked) in tallies.items()},
    )


@dataclasses.dataclass(frozen=True, slots=True)
class OutletRecord:
    id: int
    client_id: int
    region_id: int | None
    code: str
    name: str
    address: str
    client_name: str
    region_name: str
    timezone: str


async def _outlet(outlet_id: int) -> OutletRecord | None:
    rows = await _raw(
        "SELECT o.id, o.client, o.region, o.code, o.name, o.address, o.city, o.timezone, "
        "c.name AS client_name, rg.name AS region_name FROM outlet o "
        "JOIN client c ON c.id = o.client LEFT JOIN region rg ON rg.id = o.region "
        "WHERE o.id = {}",
        outlet_id,
    )
    if not rows:
        return None
    row = rows[0]
    address = ", ".join(part for part in (row["address"], row["city"]) if part)
    return OutletRecord(
        id=row["id"],
        client_id=row["client"],
        region_id=row["region"],
        code=row["code"],
        name=row["name"],
        address=address,
        client_name=row["client_name"],
        region_name=row["region_name"] or "",
        timezone=row["timezone"],
    )


async def _wave(wave_id: int) -> WaveRef | None:
    rows = await _raw("SELECT id, client, name, starts_on FROM wave WHERE id = {}", wave_id)
    if not rows:
        return None
    row = rows[0]
    return WaveRef(row["id"], row["client"], row["name"], cast(dt.date, _day(row["starts_on"])))


def _no_report() -> NotFound:
    return NotFound(_("There is no released audit of this outlet in this wave."))


@dataclasses.dataclass(frozen=True, slots=True)
class _VisitRow:
    """One released visit of the outlet in the wave, with what the report needs of it."""

    rollup_id: int
    audit_uuid: uuid_module.UUID
    template: tuple[str, int]
    channel: str
    day: dt.date
    percent: float | None
    band: str | None
    passed: bool | None
    section_ratios: dict[str, Fraction]


def _dispute_state(statuses: Sequence[str]) -> DisputeState:
    if "open" in statuses:
        return "open"
    if "upheld" in statuses:
        return "upheld"
    if "rejected" in statuses:
        return "rejected"
    return "none"


@dataclasses.dataclass(frozen=True, slots=True)
class _Evidence:
    """What the auditor left on a failed item: the answer, a comment, photo thumbnails."""

    answer: Mapping[str, Any]
    comment: str
    thumbnails: tuple[bytes, ...]


# A failed yes/no item's answer is its failure, a photo item's is its photos, shown beside it.
ANSWER_SHOWN_KINDS = frozenset({"scale", "nps", "choice", "multi", "number", "timer"})


def _stored_answer(row: Mapping[str, Any]) -> dict[str, Any]:
    """An `audit_answer` row's value and N/A, as `answer_words` reads an answer."""
    return {
        "value": None if row["value"] is None else json.loads(row["value"]),
        "na": bool(row["na"]),
    }


def _answer_shown(item: Item | None, evidence: _Evidence | None, lang: str) -> str:
    """The answer a failed item's reader needs to see what fell short ("7 of 10", "95 s"),
    or "" where the failure itself says it."""
    if item is None or evidence is None or item.kind not in ANSWER_SHOWN_KINDS:
        return ""
    return answer_words(item, evidence.answer, lang)


class ReportService:
    """Report data for one caller; every method checks the record against the caller."""

    def __init__(self, store: MediaStore) -> None:
        self.store = store
        self._figures: dict[int, NetworkFigures] = {}

    async def _figures_of(self, wave: WaveRef) -> NetworkFigures:
        """Network figures of the wave, computed once per service (a batch shares them)."""
        if wave.id not in self._figures:
            self._figures[wave.id] = await network_figures(wave)
        return self._figures[wave.id]

    async def outlet_report(
        self,
        caller: Caller,
        outlet_id: int,
        wave_id: int | None,
        lang: str,
        today: dt.date | None = None,
    ) -> OutletReportData:
        """The outlet report of `outlet_id` in `wave_id` (default: the latest wave with a
        released visit of the outlet, as every figure defaults)."""
        data, _subject = await self.outlet_report_to_issue(caller, outlet_id, wave_id, lang, today)
        return data

    async def outlet_report_to_issue(
        self,
        caller: Caller,
        outlet_id: int,
        wave_id: int | None,
        lang: str,
        today: dt.date | None = None,
    ) -> tuple[OutletReportData, ReportSubject]:
        """The outlet report and what it is about, by id, for the record of its issue."""
        require(caller, SEE_RESULTS)
        check_language(lang)
        outlet = await _outlet(outlet_id)
        if outlet is None or not can_see(
            caller,
            Record(client_id=outlet.client_id, region_id=outlet.region_id, outlet_id=outlet.id),
        ):
            raise NotFound(_("There is no such outlet."))
        wave = await self._report_wave(caller, outlet, wave_id)
        figures = await self._figures_of(wave)
        own = figures.results.outlet(wave.id, outlet.id)
        if own is None:
            raise _no_report()
        visit_rows = await self._visits(outlet, wave.id)
        checklists = await _checklists(visit.template for visit in visit_rows)
        # Every template's texts: corrective actions may come from earlier visits on other
        # checklists (a phone call's item in an in-store visit's report).
        vocabulary = await load_vocabulary(
            None, lang, preferred=visit_rows[-1].template[0] if visit_rows else ""
        )
        items = await self._items([visit.rollup_id for visit in visit_rows])
        disputes = await _disputes([visit.audit_uuid for visit in visit_rows], vocabulary)
        shares = (await channel_weights([outlet.client_id])).get(outlet.client_id, {})
        scored = [visit for visit in visit_rows if visit.percent is not None]
        weights = visit_weights(
            [VisitSums(visit.channel, visit.template, 1, 0.0, 0.0) for visit in scored], shares
        )
        weight_of = {
            visit.rollup_id: weight / sum(weights)
            for visit, weight in zip(scored, weights, strict=True)
        }
        visits = []
        for number, visit in enumerate(visit_rows, start=1):
            visits.append(
                await self._visit(
                    number,
                    visit,
                    checklists.get(visit.template),
                    items.get(visit.rollup_id, []),
                    disputes.get(visit.audit_uuid, ()),
                    weight_of.get(visit.rollup_id),
                    vocabulary,
                    figures,
                    outlet.region_id,
                )
            )
        previous_wave = figures.previous_wave
        before = figures.results.outlet(previous_wave.id if previous_wave else None, outlet.id)
        standing = figures.standings.of(outlet.id)
        network = figures.network_score()
        # What the model of the whole network says of the outlet (docs/contract.md#estimates).
        judged = await network_estimates(wave, figures.results.outlets(wave.id), Filters())
        found = None if judged is None else judged.by_outlet.get(outlet.id)
        subject = ReportSubject(OUTLET, outlet.client_id, wave.id, outlet_id=outlet.id)
        return OutletReportData(
            client=outlet.client_name,
            outlet=Outlet(outlet.name, outlet.code, outlet.address, outlet.region_name),
            wave=wave.name,
            generated_on=today or dt.date.today(),
            result=WaveResult(
                percent=_rounded(own.score),
                band=own.band,
                pass_mark=own.pass_mark,
                passed=own.passed,
                visits=own.visits,
                under_dispute=own.under_dispute,
                ci_low=_rounded(own.estimate.low),
                ci_high=_rounded(own.estimate.high),
                previous_percent=_rounded(wave_results.score_of(before)),
                previous_wave=previous_wave.name if before is not None and previous_wave else None,
                change=_rounded(wave_results.change(own.score, wave_results.score_of(before))),
                change_beyond_chance=wave_results.outlet_moved(own, before),
            ),
            standing=None
            if standing is None
            else Standing(
                rank=None if standing.rank is None else Rank(standing.rank, standing.ranked),
                region_rank=figures.region_ranks.get(outlet.id),
                region=outlet.region_name,
                third=cast(Any, standing.third),
                alike=standing.alike,
                versus_network=cast(Any, standing.versus_network),
                network_percent=_rounded(network),
                min_visits=MIN_VISITS_TO_RANK,
                estimate=None
                if judged is None or found is None
                else outlet_estimate(found, judged.ranked, judged.basis != "raw"),
            ),
            visits=tuple(visits),
            trend=figures.trend(outlet.id),
            fix_first=_fix_first(visit_rows, items, vocabulary, figures),
            strengths=await _answered(
                _went_well(visit_rows, items, vocabulary, figures),
                visit_rows,
                checklists,
                vocabulary.lang,
            ),
            corrective_actions=await _actions(outlet, visit_rows, vocabulary),
        ), subject

    async def _report_wave(
        self, caller: Caller, outlet: OutletRecord, wave_id: int | None
    ) -> WaveRef:
        if wave_id is None:
            # The latest wave with a released visit of this outlet: what every figure shows
            # when no wave is named, seen for this one outlet.
            choice = await choose_waves(caller, Filters(outlet=outlet.id))
            if not choice.shown:
                raise _no_report()
            return choice.shown[0]
        wave = await _wave(wave_id)
        if wave is None or wave.client_id != outlet.client_id:
            raise NotFound(_("There is no such wave."))
        return wave

    async def _visits(self, outlet: OutletRecord, wave_id: int) -> list[_VisitRow]:
        rows = await _raw(
            "SELECT id, audit_uuid, template_key, template_version, channel, visited_at, "
            "released_at, percent, band, passed, section_ratios FROM score_rollup "
            "WHERE outlet = {} AND wave = {} ORDER BY visited_at, id",
            outlet.id,
            wave_id,
        )
        return [
            _VisitRow(
                rollup_id=row["id"],
                audit_uuid=row["audit_uuid"],
                template=(row["template_key"], int(row["template_version"])),
                channel=row["channel"],
                day=cast(
                    dt.date,
                    _visit_day(row["visited_at"], outlet.timezone) or _day(row["released_at"]),
                ),
                percent=_number(row["percent"]),
                band=row["band"],
                passed=None if row["passed"] is None else bool(row["passed"]),
                section_ratios=_ratios(row["section_ratios"]),
            )
            for row in rows
        ]

    async def _items(self, rollup_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        if not rollup_ids:
            return {}
        rows = await _raw(
            "SELECT rollup, item, section, earned, possible, failed, critical "  # noqa: S608 -- placeholders only
            f"FROM score_rollup_item WHERE rollup IN ({_placeholders(len(rollup_ids))}) "
            "ORDER BY id",
            *rollup_ids,
        )
        by_visit: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
        for row in rows:
            by_visit[row["rollup"]].append(row)
        return by_visit

    async def _visit(
        self,
        number: int,
        visit: _VisitRow,
        template: Template | None,
        items: Sequence[Mapping[str, Any]],
        disputes: Sequence[tuple[str, DisputeOutcome]],
        weight: float | None,
        vocabulary: Vocabulary,
        figures: NetworkFigures,
        region_id: int | None,
    ) -> Visit:
        key = visit.template[0]
        top_quartile = figures.region_section_top_quartile.get(region_id, {})
        section_keys = (
            [section.key for section in template.sections]
            if template is not None
            else sorted(visit.section_ratios)
        )
        sections = tuple(
            SectionScore(
                title=vocabulary.section_in(key, section),
                percent=round(float(100 * visit.section_ratios[section]), 1),
                network_average=_rounded(figures.section_average.get((key, section))),
                region_top_quartile=_rounded(top_quartile.get((key, section))),
            )
            for section in section_keys
            if section in visit.section_ratios
        )
        order = (
            {item.key: index for index, item in enumerate(template.items())}
            if template is not None
            else {}
        )
        failed_rows = sorted(
            (row for row in items if row["failed"]),
            key=lambda row: order.get(row["item"], len(order)),
        )
        evidence = await self._evidence(visit.audit_uuid, [row["item"] for row in failed_rows])
        items_by_key = {item.key: item for item in template.items()} if template else {}
        failed = tuple(
            FailedItem(
                section=vocabulary.section_in(key, row["section"]),
                text=vocabulary.item_in(key, row["item"]),
                points_lost=round(float(row["possible"]) - float(row["earned"]), 2),
                critical=bool(row["critical"]),
                comment=evidence[row["item"]].comment if row["item"] in evidence else "",
                thumbnails=evidence[row["item"]].thumbnails if row["item"] in evidence else (),
                answer=_answer_shown(
                    items_by_key.get(row["item"]), evidence.get(row["item"]), vocabulary.lang
                ),
            )
            for row in failed_rows
        )
        critical = tuple(item.text for item in failed if item.critical)
        return Visit(
            number=number,
            day=visit.day,
            channel=cast(Channel, visit.channel),
            percent=visit.percent,
            band=visit.band,
            passed=visit.passed,
            pass_mark=None
            if template is None or template.pass_mark is None
            else float(template.pass_mark),
            weight=weight,
            critical_items=critical,
            critical_policy=POLICIES.get(template.critical_policy) if template else None,
            critical_cap=None
            if template is None or template.critical_cap is None
            else float(template.critical_cap),
            dispute=_dispute_state([status for status, _outcome in disputes]),
            sections=sections,
            failed_items=failed,
            disputes=tuple(outcome for _status, outcome in disputes),
        )

    async def _evidence(
        self, audit_uuid: uuid_module.UUID, item_keys: Sequence[str]
    ) -> dict[str, _Evidence]:
        """The auditor's answer, comment and photo thumbnails of each failed item of one
        audit."""
        if not item_keys:
            return {}
        answers = await _raw(
            "SELECT ans.item, ans.value, ans.na, ans.comment, ans.photos FROM audit_answer ans "  # noqa: S608 -- placeholders only
            "JOIN audit a ON a.id = ans.audit "
            f"WHERE a.uuid = {{}} AND ans.item IN ({_placeholders(len(item_keys))})",
            audit_uuid,
            *item_keys,
        )
        photo_uuids = {
            row["item"]: [str(photo) for photo in json.loads(row["photos"] or "[]")][
                :MAX_THUMBNAILS_PER_ITEM
            ]
            for row in answers
        }
        wanted = sorted({photo for photos in photo_uuids.values() for photo in photos})
        keys: dict[str, str] = {}
        if wanted:
            rows = await _raw(
                "SELECT uuid, thumbnail_key FROM photo "  # noqa: S608 -- placeholders only
                f"WHERE uuid IN ({_placeholders(len(wanted))})",
                *(uuid_module.UUID(photo) for photo in wanted),
            )
            keys = {str(row["uuid"]): row["thumbnail_key"] for row in rows}
        evidence = {}
        for row in answers:
            thumbnails = []
            for photo in photo_uuids[row["item"]]:
                if photo not in keys:
                    continue  # not uploaded yet: the report shows what has arrived
                try:
                    # Off the event loop: on S3 each read is a network round trip.
                    thumbnails.append(await anyio.to_thread.run_sync(self.store.get, keys[photo]))
                except MediaStoreError:
                    continue
            evidence[row["item"]] = _Evidence(
                answer=_stored_answer(row),
                comment=row["comment"] or "",
                thumbnails=tuple(thumbnails),
            )
        return evidence

    # --- the comparison report ----------------------------------------------------------------

    async def comparison_report(
        self,
        caller: Caller,
        wave_id: int,
        lang: str,
        region_id: int | None = None,
        today: dt.date | None = None,
    ) -> ComparisonReportData:
        """The comparison report of a wave, limited to what the caller may see."""
        data, _subject = await self.comparison_report_to_issue(
            caller, wave_id, lang, region_id, today
        )
        return data

    async def comparison_report_to_issue(
        self,
        caller: Caller,
        wave_id: int,
        lang: str,
        region_id: int | None = None,
        today: dt.date | None = None,
    ) -> tuple[ComparisonReportData, ReportSubject]:
        """The comparison report and what it is about, by id, for the record of its issue."""
        require(caller, SEE_RESULTS)
        check_language(lang)
        wave = await _wave(wave_id)
        if wave is None or not can_see(caller, Record(client_id=wave.client_id)):
            raise NotFound(_("There is no such wave."))
        analytics = AnalyticsService()
        filters = Filters(client=wave.client_id, wave=wave.id, region=region_id)
        league = await analytics.league(caller, filters, min_audits=MIN_VISITS_TO_RANK)
        if not league.rows:
            raise NotFound(_("There is no released audit in this wave yet."))
        names = await _raw(
            "SELECT c.name AS client_name, rg.id AS region_id, rg.name AS region_name "
            "FROM client c LEFT JOIN region rg ON rg.client = c.id WHERE c.id = {}",
            wave.client_id,
        )
        region_names: dict[int | None, str] = {
            row["region_id"]: row["region_name"] for row in names
        }
        region_names[None] = ""
        waves = await visible_waves(caller, wave.client_id)
        earlier = [
            other for other in waves if (other.starts_on, other.id) < (wave.starts_on, wave.id)
        ]
        previous_wave = earlier[-1] if earlier else None
        heatmap = await analytics.heatmap(caller, filters)
        templates = await _raw(
            "SELECT DISTINCT template_key FROM score_rollup WHERE wave = {}", wave.id
        )
        vocabulary = await load_vocabulary([row["template_key"] for row in templates], lang)
        outlet_region = {row.outlet.id: row.region_id for row in league.rows}
        network = league.networks[0] if league.networks else None
        judged = next((f for f in league.estimates if f.wave_id == wave.id), None)
        ranked = judged.ranked if judged else 0
        funnels = await EstimateService().funnel(caller, filters, MIN_VISITS_TO_RANK)
        funnel = next((f for f in funnels if f.wave_id == wave.id), None)
        notes = translation(lang).gettext
        severity = await auditor_figures(wave, filters)
        subject = ReportSubject(COMPARISON, wave.client_id, wave.id, region_id=region_id)
        return ComparisonReportData(
            client=names[0]["client_name"],
            wave=wave.name,
            generated_on=today or dt.date.today(),
            network=NetworkResult(
                percent=_rounded(network.score if network else None),
                outlets=network.outlets if network else 0,
                visits=network.audits if network else 0,
                ci_low=_rounded(network.ci_low if network else None),
                ci_high=_rounded(network.ci_high if network else None),
                previous_percent=_rounded(network.previous_score if network else None),
                previous_wave=previous_wave.name
                if previous_wave and network and network.previous_score is not None
                else None,
                change=_rounded(network.change if network else None),
                provisional_outlets=network.provisional_outlets if network else 0,
                change_beyond_chance=network.change_beyond_chance if network else None,
            ),
            league=tuple(
                LeagueRow(
                    rank=row.rank,
                    outlet=row.outlet.name,
                    code=row.outlet.code,
                    region=region_names.get(row.region_id, ""),
                    percent=_rounded(row.score),
                    change=_rounded(row.change),
                    change_beyond_chance=row.change_beyond_chance,
                    visits=row.audits,
                    ci_low=_rounded(row.ci_low),
                    ci_high=_rounded(row.ci_high),
                    few_visits=row.too_few_to_rank,
                    versus_network=cast(Any, row.versus_network),
                    provisional=row.under_dispute > 0,
                    critical_visits=row.critical_visits,
                    estimate=row_estimate(row, ranked),
                )
                for row in league.rows
            ),
            regions=tuple(
                RegionRow(
                    region=region.name,
                    percent=_rounded(region.score),
                    change=_rounded(region.change),
                    outlets=region.outlets,
                    visits=region.audits,
                    change_beyond_chance=region.change_beyond_chance,
                    ci_low=_rounded(region.ci_low),
                    ci_high=_rounded(region.ci_high),
                )
                for region in await analytics.regions(caller, filters)
            ),
            heatmap_by_outlet=_heatmap_by_outlet(heatmap, vocabulary),
            heatmap_by_region=_heatmap_by_region(heatmap, vocabulary, outlet_region, region_names),
            best_vs_rest=tuple(
                ItemGap(
                    section=vocabulary.section_of_item(entry.item),
                    item=vocabulary.item(entry.item),
                    top_quartile_pass_rate=entry.best_pass_rate,
                    rest_pass_rate=entry.rest_pass_rate,
                    gap_low=entry.gap_low,
                    gap_high=entry.gap_high,
                )
                for entry in await analytics.best_vs_rest(caller, filters)
                if entry.best_pass_rate is not None and entry.rest_pass_rate is not None
            ),
            channels=tuple(
                ChannelRow(
                    channel=cast(Channel, channel.channel),
                    percent=_rounded(channel.score),
                    first_contact_resolution=channel.first_contact_resolution,
                    visits=channel.audits,
                    ci_low=_rounded(channel.score_low),
                    ci_high=_rounded(channel.score_high),
                )
                for channel in await analytics.channels(caller, filters)
            ),
            region=region_names.get(region_id) if region_id is not None else None,
            critical_failures=await _critical_failures(caller, filters, vocabulary),
            overdue_actions=await _overdue_actions(caller, region_id, wave.client_id, today),
            min_visits=MIN_VISITS_TO_RANK,
            funnel=None if funnel is None else chart_funnel(funnel),
            adjusted=judged is not None and judged.basis != "raw",
            tiers_note=notes(HOW_TO_READ["tiers"]) if judged else "",
            funnel_note=notes(HOW_TO_READ["funnel"]) if funnel else "",
            scoring=None if severity is None else scoring_spread(severity.severity),
        ), subject


def heatmap_sections(
    heatmap: HeatmapFigure, vocabulary: Vocabulary
) -> list[tuple[tuple[str, str], str]]:
    """The heatmap's sections as (checklist, key), each with a name no other shares (the
    dashboard's page and the comparison report name them alike): the checklist with the most
    visits first, each checklist's sections in its own order."""
    per_section: collections.Counter[tuple[str, str]] = collections.Counter()
    for cell in heatmap.cells:
        per_section[(cell.checklist, cell.section)] += cell.audits
    visits: dict[str, int] = {}
    for (checklist, _key), audits in per_section.items():
        visits[checklist] = max(visits.get(checklist, 0), audits)
    sections = sorted(
        ((section.checklist, section.key) for section in heatmap.sections),
        key=lambda section: (-visits.get(section[0], 0), vocabulary.section_place(section)),
    )
    names = vocabulary.section_names(sections)
    return [(section, names[section]) for section in sections]


def _heatmap_by_outlet(heatmap: HeatmapFigure, vocabulary: Vocabulary) -> Heatmap:
    sections = heatmap_sections(heatmap, vocabulary)
    cells = {(cell.outlet_id, cell.checklist, cell.section): cell for cell in heatmap.cells}
    return Heatmap(
        rows=tuple(name for _section, name in sections),
        columns=tuple(outlet.code for outlet in heatmap.outlets),
        values=tuple(
            tuple(
                _rounded(None if cell is None else cell.percent)
                for cell in (cells.get((outlet.id, *section)) for outlet in heatmap.outlets)
            )
            for section, _name in sections
        ),
        visits=tuple(
            tuple(
                0 if cell is None else cell.audits
                for cell in (cells.get((outlet.id, *section)) for outlet in heatmap.outlets)
            )
            for section, _name in sections
        ),
    )


def _heatmap_by_region(
    heatmap: HeatmapFigure,
    vocabulary: Vocabulary,
    outlet_region: Mapping[int, int | None],
    region_names: Mapping[int | None, str],
) -> Heatmap:
    """Section percents per region: the mean over the region's audits (weighted by visits)."""
    sections = heatmap_sections(heatmap, vocabulary)
    sums: dict[tuple[int | None, str, str], list[float]] = collections.defaultdict(
        lambda: [0.0, 0.0]
    )
    for cell in heatmap.cells:
        tally = sums[(outlet_region.get(cell.outlet_id), cell.checklist, cell.section)]
        tally[0] += cell.percent * cell.audits
        tally[1] += cell.audits
    regions = sorted(
        {outlet_region.get(outlet.id) for outlet in heatmap.outlets},
        key=lambda region: region_names.get(region, ""),
    )
    return Heatmap(
        rows=tuple(name for _section, name in sections),
        columns=tuple(region_names.get(region, "") or "-" for region in regions),
        values=tuple(
            tuple(_weighted_mean(sums[(region, *section)]) for region in regions)
            for section, _name in sections
        ),
        visits=tuple(
            tuple(int(sums[(region, *section)][1]) for region in regions)
            for section, _name in sections
        ),
    )


def _weighted_mean(tally: list[float]) -> float | None:
    """A heatmap tally's mean: [sum of percent x audits, audits]; None without audits."""
    total, audits = tally
    return _rounded(total / audits) if audits else None


async def _critical_failures(
    caller: Caller, filters: Filters, vocabulary: Vocabulary
) -> CriticalFailures:
    """Visits and outlets of the wave with a critical failure, and the critical items failed
    most, in the caller's scope."""
    figure = await AnalyticsService().critical_failures(caller, filters)
    return CriticalFailures(
        visits=figure.visits,
        outlets=figure.outlets,
        top_items=tuple(
            ItemCount(
                section=vocabulary.section_in(item.template, item.section),
                item=vocabulary.item_in(item.template, item.item),
                visits=item.visits,
            )
            for item in figure.items[:TOP_CRITICAL_ITEMS]
        ),
    )


async def _overdue_actions(
    caller: Caller, region_id: int | None, client_id: int, today: dt.date | None
) -> OverdueActions:
    """Open corrective actions past their due date, in the caller's scope, by outlet."""
    visible, args = scope_of(caller).sql(
        Columns(client="o.client", region="o.region", outlet="ca.outlet"), placeholder="{}"
    )
    sql = (
        "SELECT o.code, o.name, COUNT(*) AS n, MIN(ca.due_on) AS oldest "  # noqa: S608 -- placeholders only
        "FROM corrective_action ca JOIN outlet o ON o.id = ca.outlet "
        f"WHERE {visible} AND o.client = {{}} AND ca.status = 'open' AND ca.due_on < {{}}"
    )
    args.extend([client_id, today or dt.date.today()])
    if region_id is not None:
        sql += " AND o.region = {}"
        args.append(region_id)
    rows = await _raw(sql + " GROUP BY o.code, o.name", *args)
    outlets = sorted(
        (
            OverdueOutlet(
                outlet=row["name"],
                code=row["code"],
                actions=int(row["n"]),
                oldest_due=cast(dt.date, _day(row["oldest"])),
            )
            for row in rows
        ),
        key=lambda outlet: (-outlet.actions, outlet.oldest_due, outlet.code),
    )
    return OverdueActions(actions=sum(outlet.actions for outlet in outlets), outlets=tuple(outlets))


async def _disputes(
    audit_uuids: Sequence[uuid_module.UUID], vocabulary: Vocabulary
) -> dict[uuid_module.UUID, tuple[tuple[str, DisputeOutcome], ...]]:
    """Each visit's disputes: (status, what the report shows of it)."""
    if not audit_uuids:
        return {}
    rows = await _raw(
        "SELECT d.audit_uuid, d.item, d.status, d.reason, d.reply, d.resolved_at, "  # noqa: S608 -- placeholders only
        "r.template_key FROM dispute d JOIN score_rollup r ON r.audit_uuid = d.audit_uuid "
        f"WHERE d.audit_uuid IN ({_placeholders(len(audit_uuids))}) ORDER BY d.id",
        *audit_uuids,
    )
    outcomes: dict[uuid_module.UUID, list[tuple[str, DisputeOutcome]]] = collections.defaultdict(
        list
    )
    for row in rows:
        decision: DisputeDecision = DISPUTE_DECISIONS.get(row["status"], "pending")
        outcomes[row["audit_uuid"]].append(
            (
                row["status"],
                DisputeOutcome(
                    item=vocabulary.item_in(row["template_key"], row["item"]),
                    decision=decision,
                    reason=(row["reply"] if decision != "pending" else row["reason"]) or "",
                    decided_on=_day(row["resolved_at"]) if decision != "pending" else None,
                ),
            )
        )
    return {audit: tuple(found) for audit, found in outcomes.items()}


def _item_totals(
    visits: Sequence[_VisitRow], items: Mapping[int, Sequence[Mapping[str, Any]]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (checklist, item) over the wave's visits: points lost, visits asking and failing
    it, whether it is critical, its section."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for visit in visits:
        for row in items.get(visit.rollup_id, []):
            key = (visit.template[0], row["item"])
            total = totals.setdefault(
                key,
                {
                    "lost": 0.0,
                    "asked": 0,
                    "failed": 0,
                    "critical": False,
                    "section": row["section"],
                },
            )
            total["lost"] += float(row["possible"]) - float(row["earned"])
            total["asked"] += 1
            total["failed"] += bool(row["failed"])
            total["critical"] |= bool(row["critical"]) and bool(row["failed"])
    return totals


def _fix_first(
    visits: Sequence[_VisitRow],
    items: Mapping[int, Sequence[Mapping[str, Any]]],
    vocabulary: Vocabulary,
    figures: NetworkFigures,
) -> tuple[Priority, ...]:
    totals = _item_totals(visits, items)

    def priority(entry: tuple[tuple[str, str], dict[str, Any]]) -> tuple[Any, ...]:
        key, total = entry
        rate = figures.pass_rate(key)
        weighed = total["lost"] * (1.0 if rate is None else rate)
        return (not total["critical"], -weighed, -total["lost"], key)

    failed = sorted(
        ((key, total) for key, total in totals.items() if total["failed"]), key=priority
    )
    return tuple(
        Priority(
            section=vocabulary.section_in(key[0], total["section"]),
            text=vocabulary.item_in(*key),
            points_lost=round(total["lost"], 2),
            failed_visits=total["failed"],
            visits=total["asked"],
            network_pass_rate=figures.pass_rate(key),
            critical=total["critical"],
        )
        for key, total in failed[:FIX_FIRST]
    )


def _went_well(
    visits: Sequence[_VisitRow],
    items: Mapping[int, Sequence[Mapping[str, Any]]],
    vocabulary: Vocabulary,
    figures: NetworkFigures,
) -> tuple[tuple[tuple[str, str], Strength], ...]:
    """Up to `WENT_WELL` items passed on every visit that asked them, those the network passes
    least first, each with its (checklist, item) key."""
    totals = _item_totals(visits, items)
    passed = [
        (key, total, rate)
        for key, total in totals.items()
        if not total["failed"] and (rate := figures.pass_rate(key)) is not None
    ]
    passed.sort(key=lambda entry: (entry[2], -entry[1]["asked"], entry[0]))
    return tuple(
        (
            key,
            Strength(
                section=vocabulary.section_in(key[0], total["section"]),
                text=vocabulary.item_in(*key),
                network_pass_rate=round(rate, 3),
                visits=total["asked"],
                passed_by_no=key in vocabulary.passed_by_no,
            ),
        )
        for key, total, rate in passed[:WENT_WELL]
    )


async def _answered(
    chosen: Sequence[tuple[tuple[str, str], Strength]],
    visits: Sequence[_VisitRow],
    checklists: Mapping[tuple[str, int], Template],
    lang: str,
) -> tuple[Strength, ...]:
    """The strengths with the answer that passed them, where their text alone does not say
    it (a scale, NPS, choice, number or timer, `ANSWER_SHOWN_KINDS`) and every visit gave the
    same one: "How likely are you to recommend us?" reads "10 of 10", not as a bare question."""
    kinds = {
        (template.key, item.key): item
        for template in checklists.values()
        for item in template.items()
        if item.kind in ANSWER_SHOWN_KINDS
    }
    wanted = sorted({key[1] for key, _strength in chosen if key in kinds})
    audits = {str(visit.audit_uuid): visit.template[0] for visit in visits}
    said: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    if wanted and visits:
        rows = await _raw(
            "SELECT a.uuid, ans.item, ans.value, ans.na FROM audit_answer ans "  # noqa: S608 -- placeholders only
            "JOIN audit a ON a.id = ans.audit "
            f"WHERE a.uuid IN ({_placeholders(len(visits))}) "
            f"AND ans.item IN ({_placeholders(len(wanted))})",
            *(visit.audit_uuid for visit in visits),
            *wanted,
        )
        for row in rows:
            key = (audits[str(row["uuid"])], row["item"])
            if key in kinds:
                said[key].add(answer_words(kinds[key], _stored_answer(row), lang))
    return tuple(
        dataclasses.replace(strength, answer=next(iter(said[key])))
        if len(said.get(key, ())) == 1
        else strength
        for key, strength in chosen
    )


async def _actions(
    outlet: OutletRecord, visits: Sequence[_VisitRow], vocabulary: Vocabulary
) -> tuple[CorrectiveAction, ...]:
    """The outlet's open corrective actions and every action of the wave's visits (cancelled
    ones left out), each with the visit it came from; an owner is always a client user."""
    numbers = {visit.audit_uuid: number for number, visit in enumerate(visits, start=1)}
    this_wave = sorted(numbers, key=str)
    condition = "ca.status = 'open'"
    if this_wave:
        condition = f"(ca.status = 'open' OR ca.audit_uuid IN ({_placeholders(len(this_wave))}))"
    rows = await _raw(
        "SELECT ca.audit_uuid, ca.item, ca.status, ca.due_on, ca.created_at, "  # noqa: S608 -- placeholders only
        "u.name AS owner_name, u.role AS owner_role, r.visited_at, r.template_key, "
        "w.name AS wave_name FROM corrective_action ca "
        "LEFT JOIN app_user u ON u.id = ca.owner "
        "LEFT JOIN score_rollup r ON r.audit_uuid = ca.audit_uuid "
        "LEFT JOIN wave w ON w.id = r.wave "
        f"WHERE ca.outlet = {{}} AND ca.status <> 'cancelled' AND {condition} ORDER BY ca.id",
        outlet.id,
        *this_wave,
    )
    actions = []
    for row in rows:
        status = ACTION_STATUSES.get(row["status"])
        if status is None:
            continue
        number = numbers.get(row["audit_uuid"])
        actions.append(
            CorrectiveAction(
                item=vocabulary.item_in(row["template_key"] or "", row["item"]),
                owner=row["owner_name"]
                if row["owner_name"] and row["owner_role"] != AUDITOR
                else "",
                due=_day(row["due_on"]) or cast(dt.date, _day(row["created_at"])),
                status=status,
                visit_day=_visit_day(row["visited_at"], outlet.timezone),
                visit_number=number,
                visit_wave=None if number is not None else row["wave_name"],
            )
        )
    return tuple(sorted(actions, key=lambda action: action.due))
