"""Assembling the report data classes of `reports` from the score rollup (docs/contract.md#reports).

Figures come from `score_rollup` / `score_rollup_item` (released audits only, so nothing
unreleased can reach a report); the only raw answers read are the comments and photos of the
failed items of the one audit an outlet report is about. No auditor column is ever selected:
the report data classes have no place for one either (shopper anonymity, docs/contract.md#roles).

Definitions:
- the outlet report is about the outlet's latest released visit in the wave (its score, band,
  sections and failed items); ranks and the change against the previous wave use the outlet's
  wave score, the mean of its visits, like the analytics league table;
- network figures are those of the outlet's whole client in that wave, whoever asks: a manager
  may compare with the network even when they may only open their own outlet's audits;
- a strength is an item this visit passed that fewer than half of the network's visits passed;
- the comparison report is `server.analytics` seen through the caller's scope: a regional
  manager's covers their regions, an outlet manager's their outlets.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
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
    DisputeOutcome,
    FailedItem,
    Heatmap,
    ItemGap,
    LeagueRow,
    Outlet,
    OutletReportData,
    Rank,
    RegionRow,
    SectionScore,
    Strength,
    TrendPoint,
)
from reports.model import Channel, DisputeDecision
from server.access.caller import AUDITOR, Caller
from server.access.scope import Record, can_see
from server.analytics import stats
from server.analytics.filters import Filters, require_analytics_role
from server.analytics.schemas import HeatmapFigure
from server.analytics.service import AnalyticsService
from server.core.errors import BadRequest, NotFound
from server.core.i18n import _
from server.reporting.issuing import COMPARISON, OUTLET, ReportSubject
from server.storage.base import MediaStore, MediaStoreError
from server.workflow.tables import ScoreRollup
from shared.checklist import Template
from shared.i18n import LANGUAGES
from shared.i18n import text as localized

TREND_WAVES: Final = 6
STRENGTH_BELOW_PASS_RATE: Final = 0.5
FEW_VISITS: Final = 3
MAX_THUMBNAILS_PER_ITEM: Final = 4
DISPUTE_DECISIONS: Final[dict[str, DisputeDecision]] = {"upheld": "upheld", "rejected": "rejected"}


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _placeholders(count: int) -> str:
    return ", ".join("{}" for _index in range(count))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


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


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise BadRequest(
            _("Reports are available in these languages: %(languages)s.")
            % {"languages": ", ".join(LANGUAGES)}
        )
    return lang


class Vocabulary:
    """Section titles and item texts of the templates a report covers, in one language."""

    def __init__(self, templates: Iterable[Template], lang: str) -> None:
        self.templates: dict[str, str] = {}
        self.sections: dict[str, str] = {}
        self.items: dict[str, str] = {}
        self.section_order: dict[str, int] = {}
        self.item_order: dict[str, int] = {}
        self.item_sections: dict[str, str] = {}
        self.pass_marks: dict[tuple[str, int], float] = {}
        for template in templates:
            self.templates[template.key] = localized(template.title, lang) or template.key
            if template.pass_mark is not None:
                self.pass_marks[(template.key, template.version)] = float(template.pass_mark)
            for section in template.sections:
                self.sections[section.key] = localized(section.title, lang) or section.key
                self.section_order.setdefault(section.key, len(self.section_order))
                for item in section.items:
                    self.items[item.key] = localized(item.text, lang) or item.key
                    self.item_order.setdefault(item.key, len(self.item_order))
                    self.item_sections[item.key] = section.key

    def template(self, key: str) -> str:
        return self.templates.get(key, key)

    def section(self, key: str) -> str:
        return self.sections.get(key, key)

    def item(self, key: str) -> str:
        return self.items.get(key, key)


@functools.lru_cache(maxsize=256)
def parsed_template(body: str) -> Template:
    """A published template body, parsed once: published versions never change, and every
    dashboard page and report needs the texts of all of them."""
    return Template.from_dict(json.loads(body))


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


@dataclasses.dataclass(frozen=True, slots=True)
class WaveRef:
    id: int
    client_id: int
    name: str
    starts_on: dt.date


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
    # outlet id -> wave id -> mean percent of the outlet's visits in that wave
    outlet_scores: dict[int, dict[int, float]]
    network_scores: dict[int, float]
    outlet_region: dict[int, int | None]
    network_section_average: dict[str, float]
    # region id -> section key -> top quartile of the region's outlets' section percents
    region_section_top_quartile: dict[int | None, dict[str, float]]
    item_pass_rate: dict[str, float]

    def rank(self, outlet_id: int, *, same_region: bool) -> Rank | None:
        current = self.wave.id
        region = self.outlet_region.get(outlet_id)
        scores = {
            outlet: by_wave[current]
            for outlet, by_wave in self.outlet_scores.items()
            if current in by_wave and (not same_region or self.outlet_region.get(outlet) == region)
        }
        if outlet_id not in scores:
            return None
        outlets = list(scores)
        ranks = stats.competition_ranks([scores[outlet] for outlet in outlets])
        return Rank(ranks[outlets.index(outlet_id)], len(outlets))

    def previous_score(self, outlet_id: int) -> float | None:
        waves = [wave.id for wave in self.trend_waves]
        if len(waves) < 2:
            return None
        return self.outlet_scores.get(outlet_id, {}).get(waves[-2])

    def trend(self, outlet_id: int) -> tuple[TrendPoint, ...]:
        own = self.outlet_scores.get(outlet_id, {})
        return tuple(
            TrendPoint(
                wave=wave.name,
                percent=_rounded(own.get(wave.id)),
                network_average=_rounded(self.network_scores.get(wave.id)),
            )
            for wave in self.trend_waves
        )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


async def network_figures(wave: WaveRef) -> NetworkFigures:
    """The client's network in `wave` and the waves before it, from the rollup only."""
    waves = await _client_waves(wave.client_id)
    position = next(index for index, candidate in enumerate(waves) if candidate.id == wave.id)
    trend_waves = tuple(waves[max(0, position - TREND_WAVES + 1) : position + 1])
    wave_ids = [candidate.id for candidate in trend_waves]
    rows = await _raw(
        "SELECT r.wave, r.outlet, o.region, r.percent, r.section_ratios "  # noqa: S608 -- placeholders only
        "FROM score_rollup r JOIN outlet o ON o.id = r.outlet "
        f"WHERE r.client = {{}} AND r.wave IN ({_placeholders(len(wave_ids))})",
        wave.client_id,
        *wave_ids,
    )
    percents: dict[tuple[int, int], list[float]] = collections.defaultdict(list)
    network: dict[int, list[float]] = collections.defaultdict(list)
    outlet_region: dict[int, int | None] = {}
    section_percents: dict[str, list[float]] = collections.defaultdict(list)
    outlet_section: dict[tuple[int, str], list[float]] = collections.defaultdict(list)
    for row in rows:
        outlet_region[row["outlet"]] = row["region"]
        percent = _number(row["percent"])
        if percent is not None:
            percents[(row["outlet"], row["wave"])].append(percent)
            network[row["wave"]].append(percent)
        if row["wave"] != wave.id:
            continue
        for section, ratio in _ratios(row["section_ratios"]).items():
            section_percents[section].append(float(100 * ratio))
            outlet_section[(row["outlet"], section)].append(float(100 * ratio))
    outlet_scores: dict[int, dict[int, float]] = collections.defaultdict(dict)
    for (outlet, wave_id), values in percents.items():
        outlet_scores[outlet][wave_id] = stats.mean(values)
    by_region: dict[int | None, dict[str, list[float]]] = collections.defaultdict(
        lambda: collections.defaultdict(list)
    )
    for (outlet, section), values in outlet_section.items():
        by_region[outlet_region[outlet]][section].append(stats.mean(values))
    items = await _raw(
        "SELECT i.item, i.failed FROM score_rollup_item i "
        "JOIN score_rollup r ON r.id = i.rollup WHERE r.client = {} AND r.wave = {}",
        wave.client_id,
        wave.id,
    )
    tallies: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for item in items:
        tallies[item["item"]][0] += not item["failed"]
        tallies[item["item"]][1] += 1
    return NetworkFigures(
        wave=wave,
        trend_waves=trend_waves,
        outlet_scores=dict(outlet_scores),
        network_scores={wave_id: stats.mean(values) for wave_id, values in network.items()},
        outlet_region=outlet_region,
        network_section_average={
            section: stats.mean(values) for section, values in section_percents.items()
        },
        region_section_top_quartile={
            region: {section: stats.quantile(values, 0.75) for section, values in sections.items()}
            for region, sections in by_region.items()
        },
        item_pass_rate={item: passed / total for item, (passed, total) in tallies.items()},
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


async def _outlet(outlet_id: int) -> OutletRecord | None:
    rows = await _raw(
        "SELECT o.id, o.client, o.region, o.code, o.name, o.address, o.city, "
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
    )


async def _wave(wave_id: int) -> WaveRef | None:
    rows = await _raw("SELECT id, client, name, starts_on FROM wave WHERE id = {}", wave_id)
    if not rows:
        return None
    row = rows[0]
    return WaveRef(row["id"], row["client"], row["name"], cast(dt.date, _day(row["starts_on"])))


def _no_report() -> NotFound:
    return NotFound(_("There is no released audit of this outlet in this wave."))


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
        """The outlet report of `outlet_id` in `wave_id` (default: its latest released wave)."""
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
        require_analytics_role(caller)
        check_language(lang)
        outlet = await _outlet(outlet_id)
        if outlet is None or not can_see(
            caller,
            Record(client_id=outlet.client_id, region_id=outlet.region_id, outlet_id=outlet.id),
        ):
            raise NotFound(_("There is no such outlet."))
        wave = await self._report_wave(outlet, wave_id)
        visits = await _raw(
            "SELECT id, audit_uuid, template_key, template_version, channel, visited_at, "
            "percent, band, passed, section_ratios FROM score_rollup "
            "WHERE outlet = {} AND wave = {} ORDER BY visited_at DESC, id DESC",
            outlet.id,
            wave.id,
        )
        if not visits:
            raise _no_report()
        visit = visits[0]
        figures = await self._figures_of(wave)
        # Every template's texts: open corrective actions and disputes may come from earlier
        # visits on other checklists (a phone call's item in an in-store visit's report).
        vocabulary = await load_vocabulary(None, lang, preferred=visit["template_key"])
        sections = _ratios(visit["section_ratios"])
        top_quartile = figures.region_section_top_quartile.get(outlet.region_id, {})
        percent = _number(visit["percent"])
        subject = ReportSubject(OUTLET, outlet.client_id, wave.id, outlet_id=outlet.id)
        return OutletReportData(
            client=outlet.client_name,
            outlet=Outlet(outlet.name, outlet.code, outlet.address, outlet.region_name),
            wave=wave.name,
            visit_date=_day(visit["visited_at"]) or wave.starts_on,
            channel=cast(Channel, visit["channel"]),
            percent=percent,
            band=visit["band"],
            pass_mark=vocabulary.pass_marks.get(
                (visit["template_key"], visit["template_version"]), 0.0
            ),
            passed=bool(visit["passed"]),
            generated_on=today or dt.date.today(),
            rank_in_region=figures.rank(outlet.id, same_region=True),
            rank_in_network=figures.rank(outlet.id, same_region=False),
            previous_percent=_rounded(figures.previous_score(outlet.id)),
            sections=tuple(
                SectionScore(
                    title=vocabulary.section(key),
                    percent=round(float(100 * ratio), 1),
                    network_average=_rounded(figures.network_section_average.get(key)),
                    region_top_quartile=_rounded(top_quartile.get(key)),
                )
                for key, ratio in sorted(
                    sections.items(), key=lambda entry: vocabulary.section_order.get(entry[0], 0)
                )
            ),
            trend=figures.trend(outlet.id),
            **await self._visit_details(visit, outlet.id, vocabulary, figures),
        ), subject

    async def _report_wave(self, outlet: OutletRecord, wave_id: int | None) -> WaveRef:
        if wave_id is None:
            rows = await _raw(
                "SELECT w.id FROM wave w WHERE w.id IN "
                "(SELECT r.wave FROM score_rollup r WHERE r.outlet = {}) "
                "ORDER BY w.starts_on DESC, w.id DESC LIMIT 1",
                outlet.id,
            )
            if not rows:
                raise _no_report()
            wave_id = rows[0]["id"]
        wave = await _wave(wave_id)
        if wave is None or wave.client_id != outlet.client_id:
            raise NotFound(_("There is no such wave."))
        return wave

    async def _visit_details(
        self,
        visit: Mapping[str, Any],
        outlet_id: int,
        vocabulary: Vocabulary,
        figures: NetworkFigures,
    ) -> dict[str, Any]:
        items = await _raw(
            "SELECT item, section, earned, possible, failed, critical "
            "FROM score_rollup_item WHERE rollup = {}",
            visit["id"],
        )
        items.sort(key=lambda row: vocabulary.item_order.get(row["item"], 0))
        failed = [row for row in items if row["failed"]]
        evidence = await self._evidence(visit["audit_uuid"], [row["item"] for row in failed])
        failed_items = sorted(
            (
                FailedItem(
                    section=vocabulary.section(row["section"]),
                    text=vocabulary.item(row["item"]),
                    points_lost=round(float(row["possible"]) - float(row["earned"]), 2),
                    critical=bool(row["critical"]),
                    comment=evidence.get(row["item"], ("", ()))[0],
                    thumbnails=evidence.get(row["item"], ("", ()))[1],
                )
                for row in failed
            ),
            key=lambda item: not item.critical,
        )
        strengths = sorted(
            (
                Strength(
                    section=vocabulary.section(row["section"]),
                    text=vocabulary.item(row["item"]),
                    network_pass_rate=round(figures.item_pass_rate[row["item"]], 3),
                )
                for row in items
                if not row["failed"]
                and figures.item_pass_rate.get(row["item"], 1.0) < STRENGTH_BELOW_PASS_RATE
            ),
            key=lambda strength: strength.network_pass_rate,
        )
        return {
            "failed_items": tuple(failed_items),
            "strengths": tuple(strengths),
            "disputes": await _disputes(visit["audit_uuid"], vocabulary),
            "corrective_actions": await _open_actions(outlet_id, vocabulary),
        }

    async def _evidence(
        self, audit_uuid: uuid_module.UUID, item_keys: Sequence[str]
    ) -> dict[str, tuple[str, tuple[bytes, ...]]]:
        """The auditor's comment and photo thumbnails of each failed item of one audit."""
        if not item_keys:
            return {}
        answers = await _raw(
            "SELECT ans.item, ans.comment, ans.photos FROM audit_answer ans "  # noqa: S608 -- placeholders only
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
            evidence[row["item"]] = (row["comment"] or "", tuple(thumbnails))
        return evidence

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
        require_analytics_role(caller)
        check_language(lang)
        wave = await _wave(wave_id)
        if wave is None or not can_see(caller, Record(client_id=wave.client_id)):
            raise NotFound(_("There is no such wave."))
        analytics = AnalyticsService()
        filters = Filters(client=wave.client_id, wave=wave.id, region=region_id)
        league = await analytics.league(caller, filters, min_audits=1)
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
        regions = await analytics.regions(caller, filters)
        previous = await self._previous_regions(analytics, caller, wave, region_id)
        heatmap = await analytics.heatmap(caller, filters)
        templates = await _raw(
            "SELECT DISTINCT template_key FROM score_rollup WHERE wave = {}", wave.id
        )
        vocabulary = await load_vocabulary([row["template_key"] for row in templates], lang)
        outlet_region = {row.outlet.id: row.region_id for row in league.rows}
        visits = sum(row.audits for row in league.rows)
        network = await analytics.trend(caller, filters)
        subject = ReportSubject(COMPARISON, wave.client_id, wave.id, region_id=region_id)
        return ComparisonReportData(
            client=names[0]["client_name"],
            wave=wave.name,
            generated_on=today or dt.date.today(),
            # The mean of the audits themselves (as the dashboard's headline), not one rebuilt
            # from the league's rounded outlet scores, which can differ in the last decimal.
            network_percent=_rounded(network[0].score if network else None),
            league=tuple(
                LeagueRow(
                    rank=row.rank or 0,
                    outlet=row.outlet.name,
                    code=row.outlet.code,
                    region=region_names.get(row.region_id, ""),
                    percent=_rounded(row.score),
                    change=_rounded(row.change),
                    visits=row.audits,
                    ci_low=_rounded(row.ci_low),
                    ci_high=_rounded(row.ci_high),
                    few_visits=row.audits < FEW_VISITS,
                )
                for row in league.rows
            ),
            regions=tuple(
                RegionRow(
                    region=region.name,
                    percent=_rounded(region.score),
                    change=(
                        None
                        if region.score is None or previous.get(region.region_id) is None
                        else round(region.score - previous[region.region_id], 1)
                    ),
                    outlets=region.outlets,
                    visits=region.audits,
                )
                for region in regions
            ),
            heatmap_by_outlet=_heatmap_by_outlet(heatmap, vocabulary),
            heatmap_by_region=_heatmap_by_region(heatmap, vocabulary, outlet_region, region_names),
            best_vs_rest=tuple(
                ItemGap(
                    section=vocabulary.section(_section_of(vocabulary, entry.item)),
                    item=vocabulary.item(entry.item),
                    top_quartile_pass_rate=entry.best_pass_rate,
                    rest_pass_rate=entry.rest_pass_rate,
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
                )
                for channel in await analytics.channels(caller, filters)
            ),
            region=region_names.get(region_id) if region_id is not None else None,
            visits=visits,
        ), subject

    async def _previous_regions(
        self, analytics: AnalyticsService, caller: Caller, wave: WaveRef, region_id: int | None
    ) -> dict[int | None, float]:
        waves = await _client_waves(wave.client_id)
        position = next(index for index, candidate in enumerate(waves) if candidate.id == wave.id)
        if position == 0:
            return {}
        filters = Filters(client=wave.client_id, wave=waves[position - 1].id, region=region_id)
        return {
            region.region_id: region.score
            for region in await analytics.regions(caller, filters)
            if region.score is not None
        }


def _section_of(vocabulary: Vocabulary, item_key: str) -> str:
    """The key of the section holding `item_key` (items are unique within a template)."""
    return vocabulary.item_sections.get(item_key, "")


def _heatmap_by_outlet(heatmap: HeatmapFigure, vocabulary: Vocabulary) -> Heatmap:
    sections = sorted(heatmap.sections, key=lambda key: vocabulary.section_order.get(key, 0))
    cells = {(cell.outlet_id, cell.section): cell.percent for cell in heatmap.cells}
    return Heatmap(
        rows=tuple(vocabulary.section(key) for key in sections),
        columns=tuple(outlet.code for outlet in heatmap.outlets),
        values=tuple(
            tuple(_rounded(cells.get((outlet.id, key))) for outlet in heatmap.outlets)
            for key in sections
        ),
    )


def _heatmap_by_region(
    heatmap: HeatmapFigure,
    vocabulary: Vocabulary,
    outlet_region: Mapping[int, int | None],
    region_names: Mapping[int | None, str],
) -> Heatmap:
    """Section percents per region: the mean over the region's audits (weighted by visits)."""
    sections = sorted(heatmap.sections, key=lambda key: vocabulary.section_order.get(key, 0))
    sums: dict[tuple[int | None, str], list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for cell in heatmap.cells:
        tally = sums[(outlet_region.get(cell.outlet_id), cell.section)]
        tally[0] += cell.percent * cell.audits
        tally[1] += cell.audits
    regions = sorted(
        {outlet_region.get(outlet.id) for outlet in heatmap.outlets},
        key=lambda region: region_names.get(region, ""),
    )
    return Heatmap(
        rows=tuple(vocabulary.section(key) for key in sections),
        columns=tuple(region_names.get(region, "") or "-" for region in regions),
        values=tuple(
            tuple(
                _rounded(sums[(region, key)][0] / sums[(region, key)][1])
                if sums[(region, key)][1]
                else None
                for region in regions
            )
            for key in sections
        ),
    )


async def _disputes(
    audit_uuid: uuid_module.UUID, vocabulary: Vocabulary
) -> tuple[DisputeOutcome, ...]:
    rows = await _raw(
        "SELECT item, status, reason, reply, resolved_at FROM dispute "
        "WHERE audit_uuid = {} ORDER BY id",
        audit_uuid,
    )
    outcomes = []
    for row in rows:
        decision: DisputeDecision = DISPUTE_DECISIONS.get(row["status"], "pending")
        outcomes.append(
            DisputeOutcome(
                item=vocabulary.item(row["item"]),
                decision=decision,
                reason=(row["reply"] if decision != "pending" else row["reason"]) or "",
                decided_on=_day(row["resolved_at"]) if decision != "pending" else None,
            )
        )
    return tuple(outcomes)


async def _open_actions(outlet_id: int, vocabulary: Vocabulary) -> tuple[CorrectiveAction, ...]:
    """Corrective actions of the outlet still owed (not verified, not cancelled by a correction);
    an owner is always a client user."""
    rows = await _raw(
        "SELECT ca.item, ca.status, ca.due_on, ca.created_at, u.name AS owner_name, "
        "u.role AS owner_role FROM corrective_action ca "
        "LEFT JOIN app_user u ON u.id = ca.owner "
        "WHERE ca.outlet = {} AND ca.status NOT IN ('verified', 'cancelled') ORDER BY ca.id",
        outlet_id,
    )
    actions = [
        CorrectiveAction(
            item=vocabulary.item(row["item"]),
            owner=row["owner_name"] if row["owner_name"] and row["owner_role"] != AUDITOR else "",
            due=_day(row["due_on"]) or cast(dt.date, _day(row["created_at"])),
            status=row["status"],
        )
        for row in rows
    ]
    return tuple(sorted(actions, key=lambda action: action.due))
