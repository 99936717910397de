"""Head-office figures computed from the score rollup, never from raw answers.

Which waves: a figure shows the wave the request names or, without one, each client's latest
wave with released data in the caller's scope that the other filters keep (`results.
choose_waves`); the trend alone shows every wave. The league, regions, trend and best vs rest
rest on outlet, region and network results as `server.analytics.results` defines them
(docs/contract.md#wave-result); all statistics come from `server.analytics.stats`.

Definitions of the other figures:
- heatmap: per outlet and section, the mean of the section's ratio (as a percent) over the
  outlet's visits that have the section;
- best vs rest: for each item, the outlets whose result on every other item (`_results_without`)
  is at or above the third quartile (type 7) of those results are "best"; the item's pass rate
  is over the visits of each group; its gap (best minus rest) has a 95% interval (Newcombe's
  hybrid score method) and is beyond chance when that leaves out 0; gaps beyond chance come
  first, each group by gap, largest first;
- first-contact resolution is the share of rollup rows with `fcr` true among those where it is
  known (phone, e-mail and chat audits that answered their resolution item; see
  `server.workflow.rollup`);
- channels: the mean percent of the visits of each channel, with its Student-t interval (95%),
  and first-contact resolution with its Wilson interval (95%);
- NPS = % promoters (9-10) - % detractors (0-6) of the rollup's `nps` ratings, scored or not,
  with the Student-t interval (95%) of the answers counted +100, 0 and -100;
- calibration: per audit, its percent minus the mean percent other auditors gave the same
  outlet on the same template; an auditor's index is the mean of those deviations.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import functools
import json
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

import msgspec

from server.access.abilities import NAME_AUDITORS, SEE_RESULTS, require
from server.access.caller import Caller
from server.access.scope import scope_of
from server.analytics import results as wave_results
from server.analytics import stats
from server.analytics.estimates import HOW_TO_READ
from server.analytics.filters import (
    Filters,
    Where,
    check_filters_in_scope,
    scope_where,
)
from server.analytics.kept import (
    ASKED_KEPT_DAYS,
    KEPT_FIGURES,
    REMEMBERED,
    data_version,
    database,
    keep_fresh,
)
from server.analytics.queries import forget_asked_before, recently_asked, record_asked
from server.analytics.results import Results, WaveChoice, choose_waves, read_results
from server.analytics.schemas import (
    BestVsRestItem,
    CalibrationRow,
    ChannelFigure,
    CriticalFigure,
    CriticalItem,
    HeatmapCell,
    HeatmapFigure,
    HeatmapSection,
    LeagueRow,
    LeagueTable,
    NetworkEstimateFigure,
    NetworkFigure,
    NpsFigure,
    OutletRef,
    ParetoItem,
    RegionFigure,
    TierFigure,
    TrendPoint,
)
from server.analytics.wave_estimates import (
    NetworkEstimates,
    network_estimates,
    network_results,
    sees_whole_network,
)
from server.core.clock import utc_now
from server.core.errors import ServerError
from server.workflow.rules import league_bases
from server.workflow.tables import ScoreRollup
from shared.i18n import translation

logger = logging.getLogger("shopscore.analytics")


INTERVAL_METHOD = wave_results.INTERVAL_METHOD
FROM_ROLLUP = "FROM score_rollup r JOIN outlet o ON o.id = r.outlet"
LEAGUE_HOW_TO_READ = ("estimates", "ranks", "tiers", "funnel")


async def _raw(sql: str, args: Iterable[Any]) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _narrowed(caller: Caller, filters: Filters) -> Filters | None:
    """The filters of a read of less than whole networks, whose outlets' intervals then pool
    their networks' visits (`read_results`); None when the caller sees whole networks."""
    return None if sees_whole_network(caller, filters) else filters


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


@dataclasses.dataclass(slots=True)
class VisitPoints:
    """The points a visit earned and could earn, over its scored items."""

    outlet: int
    earned: float = 0.0
    possible: float = 0.0


def tally_best_vs_rest(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, int, int, int]]:
    """Per item key: the visits that passed it and the visits that had it at the best
    outlets, then at the rest. `rows`: one per item of each visit (`rollup`, `outlet`, `item`,
    `earned`, `possible`, `failed`); for each item, the best are the top quartile of the
    outlets ranked on every other item (`_results_without`)."""
    visits: dict[int, VisitPoints] = {}
    rows_of_item: dict[str, dict[int, Mapping[str, Any]]] = collections.defaultdict(dict)
    for row in rows:
        points = visits.setdefault(row["rollup"], VisitPoints(row["outlet"]))
        points.earned += row["earned"]
        points.possible += row["possible"]
        rows_of_item[row["item"]][row["rollup"]] = row
    counts = {}
    for item_key, item_rows in rows_of_item.items():
        ranked = _results_without(item_rows, visits)
        if not ranked:
            continue
        threshold = stats.quantile(list(ranked.values()), 0.75)
        tally = [0, 0, 0, 0]
        for row in item_rows.values():
            if row["outlet"] in ranked:
                offset = 0 if ranked[row["outlet"]] >= threshold else 2
                tally[offset] += not row["failed"]
                tally[offset + 1] += 1
        counts[item_key] = (tally[0], tally[1], tally[2], tally[3])
    return counts


def _results_without(
    item_rows: Mapping[int, Mapping[str, Any]], visits: Mapping[int, VisitPoints]
) -> dict[int, float]:
    """Each outlet's result on every item but one: the mean over its visits of the points
    earned over the points possible of the other items (`item_rows`: the item's rows by
    visit). Best vs rest chooses its groups by this, so that an item's own passes do not
    choose the group it is then compared in: chosen by the whole result, gaps lean positive
    even where outlets do not differ (docs/contract.md#figures)."""
    ratios: dict[int, list[float]] = collections.defaultdict(list)
    for rollup, points in visits.items():
        own = item_rows.get(rollup)
        possible = points.possible - (own["possible"] if own else 0.0)
        if possible > 0:
            earned = points.earned - (own["earned"] if own else 0.0)
            ratios[points.outlet].append(earned / possible)
    return {outlet: stats.mean(values) for outlet, values in ratios.items()}


@dataclasses.dataclass(frozen=True, slots=True)
class RollupRow:
    rollup_id: int
    outlet_id: int
    outlet_code: str
    outlet_name: str
    region_id: int | None
    client_id: int
    wave_id: int
    template_key: str
    channel: str
    percent: float | None
    section_ratios: dict[str, Fraction]


class AnalyticsService:
    """Every figure for one caller; each method checks role and filters first."""

    async def _prepare(self, caller: Caller, filters: Filters) -> None:
        require(caller, SEE_RESULTS)
        await check_filters_in_scope(caller, filters)

    async def waves(self, caller: Caller, filters: Filters) -> WaveChoice:
        """The waves the figures of this request show (docs/contract.md#wave-result)."""
        await self._prepare(caller, filters)
        return await choose_waves(caller, filters)

    def _where(self, caller: Caller, filters: Filters, choice: WaveChoice) -> Where:
        """The rollup rows of the shown waves in scope that the other filters keep."""
        where = scope_where(caller, filters, with_wave=False)
        where.add_in("r.wave", frozenset(choice.ids))
        return where

    async def results(self, caller: Caller, filters: Filters, choice: WaveChoice) -> Results:
        """Outlet results of the shown waves and the waves before them, in scope."""
        where = scope_where(caller, filters, with_wave=False)
        return await read_results(
            where, choice.waves_and_previous(), kept=True, narrowed=_narrowed(caller, filters)
        )

    async def _rows(self, caller: Caller, filters: Filters, choice: WaveChoice) -> list[RollupRow]:
        where = self._where(caller, filters, choice)
        rows = await _raw(
            "SELECT r.id, r.outlet, o.code, o.name, o.region, r.client, r.wave, "
            "r.template_key, r.channel, r.percent, r.section_ratios "
            f"{FROM_ROLLUP} WHERE {where.sql()} ORDER BY r.id",
            where.args,
        )
        return [
            RollupRow(
                rollup_id=row["id"],
                outlet_id=row["outlet"],
                outlet_code=row["code"],
                outlet_name=row["name"],
                region_id=row["region"],
                client_id=row["client"],
                wave_id=row["wave"],
                template_key=row["template_key"],
                channel=row["channel"],
                percent=None if row["percent"] is None else float(row["percent"]),
                section_ratios={
                    key: Fraction(value)
                    for key, value in json.loads(row["section_ratios"] or "{}").items()
                },
            )
            for row in rows
        ]

    async def _items(
        self, caller: Caller, filters: Filters, choice: WaveChoice
    ) -> list[dict[str, Any]]:
        where = self._where(caller, filters, choice)
        return await _raw(
            "SELECT i.rollup, r.outlet, i.item, i.section, i.earned, i.possible, i.failed "  # noqa: S608
            f"FROM score_rollup_item i JOIN score_rollup r ON r.id = i.rollup "
            f"JOIN outlet o ON o.id = r.outlet WHERE {where.sql()}",
            where.args,
        )

    # --- league table, networks, regions, trend -----------------------------------------------

    async def league(self, caller: Caller, filters: Filters, min_audits: int = 3) -> LeagueTable:
        """The league of each client's wave (the latest with data unless `wave` is given),
        kept for every caller with the same scope and filters until the data changes: until
        the audit log's head moves, then while what the league rests on reads the same (most
        changes, such as a visit sent for review or a corrective action, leave it as it was).
        Outlets' codes and names are labels on the kept figures: a renamed outlet shows in the
        next league without working its figures out again. A league asked is remembered, so
        that after a change the server works it out again before it is asked again
        (`server.analytics.kept.keep_fresh`), and recorded, so that a server process starting
        works it out before it is asked again (`work_out_asked`)."""
        kept = await self._remembered_league(
            caller,
            filters,
            min_audits,
            functools.partial(record_asked, caller.user_id, filters, min_audits, utc_now()),
        )
        language = translation(caller.language)
        return LeagueTable(
            wave_ids=kept.wave_ids,
            min_audits=kept.min_audits,
            confidence=kept.confidence,
            interval=kept.interval,
            rows=list(kept.rows),
            networks=list(kept.networks),
            estimates=list(kept.estimates),
            how_to_read={
                figure: language.gettext(HOW_TO_READ[figure])
                for figure in LEAGUE_HOW_TO_READ
                + (("adjusted",) if any(f.basis != "raw" for f in kept.estimates) else ())
            },
        )

    async def _remembered_league(
        self,
        caller: Caller,
        filters: Filters,
        min_audits: int,
        record: Callable[[], Awaitable[object]] | None,
    ) -> LeagueTable:
        """The league's figures (without the notes in the caller's language), remembered as
        just asked; `record()` writes the asking to the database (`Kept.remember`)."""
        await self._prepare(caller, filters)
        key = (caller.role, scope_of(caller), filters, min_audits)
        kept = await self._kept_league(caller, filters, min_audits, key)
        KEPT_FIGURES.remember(
            ("league", *key),
            functools.partial(self._kept_league, caller, filters, min_audits, key),
            time.monotonic(),
            record,
        )
        return kept

    async def work_out_asked(
        self, callers: Callable[[int], Awaitable[Caller | None]], now: dt.datetime
    ) -> int:
        """Work out the leagues recorded as asked in the last ASKED_KEPT_DAYS, the latest
        first, up to REMEMBERED different ones, each for its asker as they are now (a disabled
        user's, or one now out of the asker's scope, is skipped), and remember them as just
        asked, so that they are kept fresh from now on; records older than that are deleted.
        What a server process does when it starts. How many leagues were worked out."""
        since = now - dt.timedelta(days=ASKED_KEPT_DAYS)
        await forget_asked_before(since)
        worked_out: set[tuple[Any, ...]] = set()
        # Several askers often share a scope and filters: more records than leagues are read.
        for user_id, filters, min_audits in await recently_asked(since, 8 * REMEMBERED):
            caller = await callers(user_id)
            if caller is None:
                continue
            key = (caller.role, scope_of(caller), filters, min_audits)
            if key in worked_out:
                continue
            try:
                await self._remembered_league(caller, filters, min_audits, record=None)
            except ServerError:  # no longer the asker's to see
                continue
            worked_out.add(key)
            if len(worked_out) >= REMEMBERED:
                break
        return len(worked_out)

    async def _kept_league(
        self, caller: Caller, filters: Filters, min_audits: int, key: tuple[Any, ...]
    ) -> LeagueTable:
        """The league of `key` (the caller's role and scope, filters and minimum) as kept, or
        worked out again when the data it rests on changed."""
        version = await data_version()
        found, kept = KEPT_FIGURES.get(("league", *key), version)
        if not found:
            choice = await choose_waves(caller, filters)
            figures = await KEPT_FIGURES.read(
                ("league data", database(), *key),
                await self._league_rests_on(choice),
                functools.partial(self._league, caller, filters, min_audits, choice),
            )
            labels = await wave_results.outlet_labels({row.client_id for row in figures.rows})
            kept = labelled(figures, labels)
            KEPT_FIGURES.put(("league", *key), version, kept)
        return kept  # type: ignore[no-any-return]

    async def _league_rests_on(self, choice: WaveChoice) -> tuple[Any, ...]:
        """What the league of `choice` rests on: the waves it shows and the ones before them,
        what their outlet results rest on in each client's whole network (its estimates are the
        network's), and which results each client's league ranks."""
        clients = {wave.client_id for wave in choice.shown}
        shown = tuple(
            (wave.id, previous.id if (previous := choice.previous.get(wave.id)) else None)
            for wave in choice.shown
        )
        return (
            shown,
            await wave_results.rests_on(clients, [w.id for w in choice.waves_and_previous()]),
            tuple(sorted((await league_bases(clients)).items())),
        )

    async def _league(
        self, caller: Caller, filters: Filters, min_audits: int, choice: WaveChoice
    ) -> LeagueTable:
        """The league of `choice` without its notes on how to read it (those are in the
        caller's language)."""
        results = await self.results(caller, filters, choice)
        rows: list[LeagueRow] = []
        networks: list[NetworkFigure] = []
        estimate_figures: list[NetworkEstimateFigure] = []
        for wave in choice.shown:
            outlets = results.outlets(wave.id)
            if not outlets:
                continue
            whole_network = await network_results(caller, filters, wave, outlets)
            judged = await network_estimates(wave, whole_network, filters, min_audits)
            if judged is not None:
                estimate_figures.append(estimate_figure(judged, outlets))
            before = choice.previous.get(wave.id)
            earlier_outlets = results.outlets(before.id) if before else {}
            network = results.network(wave.id)
            earlier_network = results.network(before.id if before else None)
            if network is not None:
                networks.append(
                    NetworkFigure(
                        wave_id=wave.id,
                        client_id=wave.client_id,
                        outlets=network.outlets,
                        audits=network.visits,
                        score=round(network.score, 2),
                        ci_low=_round(network.from_visits.low),
                        ci_high=_round(network.from_visits.high),
                        previous_score=_round(wave_results.score_of(earlier_network)),
                        change=_round(
                            wave_results.change(
                                network.score, wave_results.score_of(earlier_network)
                            )
                        ),
                        change_beyond_chance=wave_results.group_moved(network, earlier_network),
                        provisional_outlets=network.provisional_outlets,
                    )
                )
            places = wave_results.ranks(outlets.values(), min_audits)
            region_places: dict[int, int] = {}
            by_region: dict[int | None, list[wave_results.OutletResult]] = collections.defaultdict(
                list
            )
            for result in outlets.values():
                by_region[result.region_id].append(result)
            for members in by_region.values():
                region_places.update(wave_results.ranks(members, min_audits))
            network_score = None if network is None else network.score
            wave_rows = []
            for outlet_id, result in outlets.items():
                estimate = result.estimate
                score = estimate.score
                earlier_result = earlier_outlets.get(outlet_id)
                earlier = wave_results.score_of(earlier_result)
                wave_rows.append(
                    LeagueRow(
                        outlet=OutletRef(id=outlet_id, code=result.code, name=result.name),
                        region_id=result.region_id,
                        client_id=result.client_id,
                        wave_id=wave.id,
                        audits=estimate.count,
                        score=round(score, 2),
                        ci_low=_round(estimate.low),
                        ci_high=_round(estimate.high),
                        previous_score=_round(earlier),
                        change=_round(wave_results.change(score, earlier)),
                        change_beyond_chance=wave_results.outlet_moved(result, earlier_result),
                        too_few_to_rank=estimate.count < min_audits,
                        rank=places.get(outlet_id),
                        region_rank=region_places.get(outlet_id),
                        under_dispute=result.under_dispute,
                        critical_visits=result.critical_visits,
                        pass_mark=result.pass_mark,
                        band=result.band,
                        passed=result.passed,
                        versus_network=wave_results.versus(estimate, network_score),
                        **estimate_fields(judged, outlet_id),
                    )
                )
            rows.extend(sorted(wave_rows, key=league_order))
        return LeagueTable(
            wave_ids=choice.ids,
            min_audits=min_audits,
            confidence=stats.CONFIDENCE,
            interval=INTERVAL_METHOD,
            rows=rows,
            networks=networks,
            estimates=estimate_figures,
        )

    async def trend(self, caller: Caller, filters: Filters) -> list[TrendPoint]:
        """The result per wave, oldest first: of the outlet when `outlet` is given, else of
        the network in scope (the mean of its outlets' results)."""
        await self._prepare(caller, filters)
        waves = await wave_results.visible_waves(caller, filters.client)
        if filters.wave is not None:
            waves = [wave for wave in waves if wave.id == filters.wave]
        results = await read_results(
            scope_where(caller, filters, with_wave=False),
            waves,
            narrowed=_narrowed(caller, filters),
        )
        points = []
        for wave in sorted(waves, key=lambda wave: (wave.starts_on, wave.id)):
            if filters.outlet is not None:
                own = results.outlet(wave.id, filters.outlet)
                figure = None if own is None else (own.score, own.visits, 1)
            else:
                network = results.network(wave.id)
                figure = (
                    None if network is None else (network.score, network.visits, network.outlets)
                )
            if figure is None:
                continue
            score, visits, outlets = figure
            points.append(
                TrendPoint(
                    wave_id=wave.id,
                    wave=wave.name,
                    starts_on=wave.starts_on.isoformat(),
                    audits=visits,
                    score=round(score, 2),
                    outlets=outlets,
                )
            )
        return points

    async def regions(self, caller: Caller, filters: Filters) -> list[RegionFigure]:
        """Each region's result in the shown waves: the mean of its outlets' results."""
        choice = await self.waves(caller, filters)
        results = await self.results(caller, filters, choice)
        names = {
            row["id"]: row["name"]
            for row in await _raw("SELECT id, name FROM region", [])  # names only
        }
        figures = []
        for wave in choice.shown:
            before = choice.previous.get(wave.id)
            earlier = results.regions(before.id if before else None)
            for region_id, region in sorted(
                results.regions(wave.id).items(), key=lambda entry: (entry[0] is None, entry[0])
            ):
                previous = earlier.get(region_id)
                figures.append(
                    RegionFigure(
                        region_id=region_id,
                        name=names.get(region_id, "") if region_id is not None else "",
                        outlets=region.outlets,
                        audits=region.visits,
                        score=round(region.score, 2),
                        wave_id=wave.id,
                        ci_low=_round(region.from_visits.low),
                        ci_high=_round(region.from_visits.high),
                        previous_score=_round(wave_results.score_of(previous)),
                        change=_round(
                            wave_results.change(region.score, wave_results.score_of(previous))
                        ),
                        change_beyond_chance=wave_results.group_moved(region, previous),
                    )
                )
        return figures

    async def heatmap(self, caller: Caller, filters: Filters) -> HeatmapFigure:
        """Mean section ratio (as a percent) per outlet and section of a checklist, in the
        shown waves: a store visit's and a call's sections are never averaged together, even
        under one key."""
        choice = await self.waves(caller, filters)
        rows = await self._rows(caller, filters, choice)
        sums: dict[tuple[int, str, str], list[Fraction]] = collections.defaultdict(list)
        outlets: dict[int, OutletRef] = {}
        sections: list[HeatmapSection] = []
        for row in rows:
            outlets[row.outlet_id] = OutletRef(row.outlet_id, row.outlet_code, row.outlet_name)
            for key, ratio in row.section_ratios.items():
                section = HeatmapSection(checklist=row.template_key, key=key)
                if section not in sections:
                    sections.append(section)
                sums[(row.outlet_id, row.template_key, key)].append(ratio)
        cells = [
            HeatmapCell(
                outlet_id=outlet_id,
                checklist=checklist,
                section=key,
                percent=round(float(100 * sum(values) / len(values)), 2),
                audits=len(values),
            )
            for (outlet_id, checklist, key), values in sorted(sums.items())
        ]
        return HeatmapFigure(
            sections=sections,
            outlets=sorted(outlets.values(), key=lambda outlet: outlet.code),
            cells=cells,
            wave_ids=choice.ids,
        )

    # --- items ----------------------------------------------------------------------------

    async def pareto(self, caller: Caller, filters: Filters, limit: int = 20) -> list[ParetoItem]:
        """Items by points lost across the network, most first, with the cumulative share."""
        choice = await self.waves(caller, filters)
        lost: dict[tuple[str, str], float] = collections.defaultdict(float)
        failures: collections.Counter[tuple[str, str]] = collections.Counter()
        for row in await self._items(caller, filters, choice):
            key = (row["section"], row["item"])
            lost[key] += float(row["possible"]) - float(row["earned"])
            failures[key] += bool(row["failed"])
        total = math.fsum(lost.values())
        ordered = sorted(lost.items(), key=lambda entry: (-entry[1], entry[0]))
        result = []
        running = 0.0
        for (section, item_key), points in ordered[:limit]:
            running += points
            result.append(
                ParetoItem(
                    item=item_key,
                    section=section,
                    points_lost=round(points, 2),
                    failures=failures[(section, item_key)],
                    cumulative_share=round(running / total, 4) if total else 0.0,
                )
            )
        return result

    async def best_vs_rest(self, caller: Caller, filters: Filters) -> list[BestVsRestItem]:
        """Per item: pass rate in the top-quartile outlets against the others, the outlets
        ranked on every other item, with the gap's interval; gaps beyond chance first."""
        choice = await self.waves(caller, filters)
        results = await self.results(caller, filters, choice)
        shown = {outlet for wave in choice.shown for outlet in results.outlets(wave.id)}
        rows = [row for row in await self._items(caller, filters, choice) if row["outlet"] in shown]
        counts = tally_best_vs_rest(rows)
        result = []
        for item_key, (best_passed, best_n, rest_passed, rest_n) in counts.items():
            best_rate = best_passed / best_n if best_n else None
            rest_rate = rest_passed / rest_n if rest_n else None
            gap = None if best_rate is None or rest_rate is None else best_rate - rest_rate
            interval = stats.difference_interval(best_passed, best_n, rest_passed, rest_n)
            result.append(
                BestVsRestItem(
                    item=item_key,
                    best_pass_rate=_round(best_rate, 4),
                    rest_pass_rate=_round(rest_rate, 4),
                    gap=_round(gap, 4),
                    best_audited=best_n,
                    rest_audited=rest_n,
                    gap_low=None if interval is None else _round(interval.low, 4),
                    gap_high=None if interval is None else _round(interval.high, 4),
                    beyond_chance=interval is not None and (interval.low > 0 or interval.high < 0),
                )
            )
        result.sort(
            key=lambda entry: (
                not entry.beyond_chance,
                -(entry.gap if entry.gap is not None else -2),
                entry.item,
            )
        )
        return result

    async def channels(self, caller: Caller, filters: Filters) -> list[ChannelFigure]:
        """Mean score and first-contact resolution rate per channel, from the rollup alone."""
        choice = await self.waves(caller, filters)
        where = self._where(caller, filters, choice)
        rows = await _raw(
            f"SELECT r.channel, r.percent, r.fcr {FROM_ROLLUP} WHERE {where.sql()}", where.args
        )
        percents: dict[str, list[float]] = collections.defaultdict(list)
        resolved: dict[str, list[bool]] = collections.defaultdict(list)
        for row in rows:
            values = percents[row["channel"]]
            if row["percent"] is not None:
                values.append(float(row["percent"]))
            if row["fcr"] is not None:
                resolved[row["channel"]].append(bool(row["fcr"]))
        figures = []
        for channel, values in sorted(percents.items()):
            outcomes = resolved.get(channel, [])
            interval = stats.within(stats.t_interval(values), 0.0, 100.0)
            resolution = stats.proportion_interval(sum(outcomes), len(outcomes))
            figures.append(
                ChannelFigure(
                    channel=channel,
                    audits=len(values),
                    score=_round(stats.mean(values)) if values else None,
                    first_contact_resolution=(
                        _round(sum(outcomes) / len(outcomes), 4) if outcomes else None
                    ),
                    first_contact_answers=len(outcomes),
                    score_low=None if interval is None else _round(interval.low),
                    score_high=None if interval is None else _round(interval.high),
                    first_contact_low=None if resolution is None else _round(resolution.low, 4),
                    first_contact_high=None if resolution is None else _round(resolution.high, 4),
                )
            )
        return figures

    async def critical_failures(self, caller: Caller, filters: Filters) -> CriticalFigure:
        """How many visits of the shown waves failed a critical item, at how many outlets, and
        which critical items failed most (by visits)."""
        choice = await self.waves(caller, filters)
        where = self._where(caller, filters, choice)
        counts = await _raw(
            "SELECT COUNT(*) AS audits, "
            "SUM(CASE WHEN r.critical_failure THEN 1 ELSE 0 END) AS visits, "
            "COUNT(DISTINCT CASE WHEN r.critical_failure THEN r.outlet END) AS outlets "
            f"{FROM_ROLLUP} WHERE {where.sql()}",
            where.args,
        )
        items = await _raw(
            "SELECT r.template_key, i.section, i.item, COUNT(DISTINCT r.id) AS n "  # noqa: S608
            "FROM score_rollup_item i JOIN score_rollup r ON r.id = i.rollup "
            f"JOIN outlet o ON o.id = r.outlet WHERE i.critical AND i.failed AND {where.sql()} "
            "GROUP BY r.template_key, i.section, i.item",
            where.args,
        )
        return CriticalFigure(
            wave_ids=choice.ids,
            audits=int(counts[0]["audits"] or 0),
            visits=int(counts[0]["visits"] or 0),
            outlets=int(counts[0]["outlets"] or 0),
            items=sorted(
                (
                    CriticalItem(
                        template=row["template_key"],
                        section=row["section"],
                        item=row["item"],
                        visits=int(row["n"]),
                    )
                    for row in items
                ),
                key=lambda item: (-item.visits, item.template, item.item),
            ),
        )

    async def nps(self, caller: Caller, filters: Filters) -> list[NpsFigure]:
        """NPS per template and question, for released audits that answered a 0-10 rating."""
        choice = await self.waves(caller, filters)
        where = self._where(caller, filters, choice)
        rows = await _raw(
            f"SELECT r.template_key, r.nps_item, r.nps {FROM_ROLLUP} "
            f"WHERE {where.sql()} AND r.nps IS NOT NULL",
            where.args,
        )
        ratings: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
        for row in rows:
            ratings[(row["template_key"], row["nps_item"] or "")].append(float(row["nps"]))
        figures = []
        for (template_key, item), values in sorted(ratings.items()):
            interval = stats.nps_interval(values)
            figures.append(
                NpsFigure(
                    template=template_key,
                    item=item,
                    answers=len(values),
                    nps=_round(stats.net_promoter_score(values)),
                    nps_low=None if interval is None else _round(interval.low),
                    nps_high=None if interval is None else _round(interval.high),
                )
            )
        return figures

    async def calibration(self, caller: Caller, filters: Filters) -> list[CalibrationRow]:
        """Leniency (+) or severity (-) of each auditor against colleagues; agency only."""
        require(caller, NAME_AUDITORS)
        choice = await self.waves(caller, filters)
        where = self._where(caller, filters, choice)
        rows = await _raw(
            "SELECT a.auditor, u.name, r.outlet, r.template_key, r.percent "
            f"{FROM_ROLLUP} JOIN audit a ON a.uuid = r.audit_uuid "
            f"JOIN app_user u ON u.id = a.auditor WHERE {where.sql()} AND r.percent IS NOT NULL",
            where.args,
        )
        return calibration_of(
            [
                (
                    row["auditor"],
                    row["name"],
                    (row["outlet"], row["template_key"]),
                    float(row["percent"]),
                )
                for row in rows
            ]
        )


def league_order(row: LeagueRow) -> tuple[Any, ...]:
    """Ranked outlets by tier and estimate (what the data can tell apart first; equal
    estimates by the result they rest on, as `estimates.league_estimates` lists them), then
    ranked outlets without estimates by score, then those with too few visits by score."""
    if row.too_few_to_rank:
        return (2, 0, 0.0, -row.score, row.outlet.code)
    if row.tier is None or row.estimate is None:
        return (1, 0, 0.0, -row.score, row.outlet.code)
    result = row.adjusted if row.adjusted is not None else row.score
    return (0, row.tier, -row.estimate, -result, row.outlet.code)


def labelled(table: LeagueTable, labels: Mapping[int, tuple[str, str]]) -> LeagueTable:
    """`table` with each outlet's code and name as `labels` has them now; each wave's rows in
    league order again when one changed (the code breaks ties)."""
    rows = []
    changed = False
    for row in table.rows:
        code, name = labels.get(row.outlet.id, (row.outlet.code, row.outlet.name))
        if (code, name) != (row.outlet.code, row.outlet.name):
            row = msgspec.structs.replace(
                row, outlet=OutletRef(id=row.outlet.id, code=code, name=name)
            )
            changed = True
        rows.append(row)
    if not changed:
        return table
    waves = {
        wave_id: position for position, wave_id in enumerate(dict.fromkeys(r.wave_id for r in rows))
    }
    rows.sort(key=lambda row: (waves[row.wave_id], *league_order(row)))
    return msgspec.structs.replace(table, rows=rows)


def estimate_fields(judged: NetworkEstimates | None, outlet_id: int) -> Mapping[str, Any]:
    """The league row's fields of what the visits can tell of one outlet (none when the
    outlet is not ranked or the network's visits cannot support the model)."""
    if judged is None:
        return {}
    return judged.fields.get(outlet_id, {})


def estimate_figure(
    judged: NetworkEstimates, shown: dict[int, wave_results.OutletResult]
) -> NetworkEstimateFigure:
    league = judged.league
    variances = league.model.variances
    return NetworkEstimateFigure(
        wave_id=judged.wave_id,
        client_id=judged.client_id,
        basis=judged.basis,
        ranked=judged.ranked,
        min_audits=judged.min_visits,
        network=round(league.funnel.target, 2),
        within_sd=round(math.sqrt(variances.within), 2),
        between_sd=round(math.sqrt(variances.outlet), 2),
        funnel_between_sd=round(league.funnel.tau, 2),
        phi=round(league.funnel.phi, 3),
        draws=league.draws,
        seed=league.seed,
        model=league.model.model,
        tiers=[
            TierFigure(
                tier=tier.number,
                rank_low=tier.rank_low,
                rank_high=tier.rank_high,
                outlets=len(tier.outlets),
                outlet_ids=[int(outlet) for outlet in tier.outlets if int(outlet) in shown],
            )
            for tier in league.tiers
        ],
    )


def calibration_of(
    audits: list[tuple[int, str, tuple[int, str], float]],
) -> list[CalibrationRow]:
    """(auditor, name, (outlet, template), percent) -> each auditor's mean deviation."""
    by_group: dict[tuple[int, str], list[tuple[int, float]]] = collections.defaultdict(list)
    names: dict[int, str] = {}
    for auditor, name, group, percent in audits:
        by_group[group].append((auditor, percent))
        names[auditor] = name
    deviations: dict[int, list[float]] = collections.defaultdict(list)
    audited: collections.Counter[int] = collections.Counter()
    for group_audits in by_group.values():
        for auditor, percent in group_audits:
            audited[auditor] += 1
            others = [other for who, other in group_audits if who != auditor]
            if others:
                deviations[auditor].append(percent - stats.mean(others))
    return sorted(
        (
            CalibrationRow(
                auditor_id=auditor,
                name=names[auditor],
                audits=audited[auditor],
                compared_audits=len(deviations[auditor]),
                mean_deviation=(
                    _round(stats.mean(deviations[auditor])) if deviations[auditor] else None
                ),
            )
            for auditor in audited
        ),
        key=lambda row: row.auditor_id,
    )


async def keep_leagues_fresh(
    callers: Callable[[int], Awaitable[Caller | None]], every_seconds: float
) -> None:
    """A server process's background task: first the leagues asked lately (recorded in the
    database, whichever process answered them) worked out before anybody asks again, then those
    asked of this process worked out again after each change of the data, every
    `every_seconds` (docs/contract.md#estimates). `callers` finds a user as a caller."""

    async def work_out_asked() -> None:
        try:
            count = await AnalyticsService().work_out_asked(callers, utc_now())
        except Exception:  # a start never fails for want of a league worked out ahead
            logger.exception("could not work out the leagues asked lately")
        else:
            logger.info(
                "leagues asked lately, worked out ahead: %d",
                count,
                extra={"fields": {"leagues": count}},
            )

    await keep_fresh(every_seconds, first=work_out_asked)
