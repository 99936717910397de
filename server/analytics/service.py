"""Head-office figures computed from the score rollup, never from raw answers.

The league table is aggregated in SQL (count, sum and sum of squares of the percents per outlet
and wave), so its cost grows with the number of outlets, not audits. The other figures read the
filtered rollup rows and aggregate them here; all statistics come from `server.analytics.stats`.

Definitions a reader of the numbers needs:
- an outlet's score is the mean of its audits' percents; its 95% interval is Student's t on
  those percents (n-1 degrees of freedom); fewer than `min_audits` audits -> "too few to rank";
- ranks are competition ranks ("1224") within the client, and within the region;
- change = score in the wave minus score in the client's previous wave (by start date);
- best vs rest: outlets at or above the third quartile (type 7) of outlet scores are "best";
- first-contact resolution is the share of rollup rows with `fcr` true among those where it is
  known (phone, e-mail and chat audits that answered their resolution item; see
  `server.workflow.rollup`);
- NPS = % promoters (9-10) - % detractors (0-6) of the rollup's `nps` ratings, scored or not;
- calibration: per audit, its percent minus the mean percent other auditors gave the same
  outlet on the same template; an auditor's index is the mean of those deviations.
"""

from __future__ import annotations

import collections
import dataclasses
import itertools
import json
import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from server.access.caller import Caller
from server.access.scope import Columns, scope_of
from server.analytics import stats
from server.analytics.filters import (
    AGENCY_ANALYTICS_ROLES,
    Filters,
    check_filters_in_scope,
    require_analytics_role,
    scope_where,
)
from server.analytics.schemas import (
    BestVsRestItem,
    CalibrationRow,
    ChannelFigure,
    HeatmapCell,
    HeatmapFigure,
    LeagueRow,
    LeagueTable,
    NpsFigure,
    OutletRef,
    ParetoItem,
    RegionFigure,
    TrendPoint,
)
from server.core.errors import Forbidden
from server.core.i18n import _
from server.workflow.tables import ScoreRollup

INTERVAL_METHOD = "student-t on audit percents"
FROM_ROLLUP = "FROM score_rollup r JOIN outlet o ON o.id = r.outlet"


async def _raw(sql: str, args: Iterable[Any]) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


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
        require_analytics_role(caller)
        await check_filters_in_scope(caller, filters)

    async def _rows(self, caller: Caller, filters: Filters) -> list[RollupRow]:
        where = scope_where(caller, filters)
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
                percent=_number(row["percent"]),
                section_ratios={
                    key: Fraction(value)
                    for key, value in json.loads(row["section_ratios"] or "{}").items()
                },
            )
            for row in rows
        ]

    async def _items(self, caller: Caller, filters: Filters) -> list[dict[str, Any]]:
        where = scope_where(caller, filters)
        return await _raw(
            "SELECT i.rollup, r.outlet, i.item, i.section, i.earned, i.possible, i.failed "  # noqa: S608
            f"FROM score_rollup_item i JOIN score_rollup r ON r.id = i.rollup "
            f"JOIN outlet o ON o.id = r.outlet WHERE {where.sql()}",
            where.args,
        )

    # --- league table ---------------------------------------------------------------------

    async def _waves(self, caller: Caller, filters: Filters) -> list[dict[str, Any]]:
        # Waves are client-level records: the client decides who may see them.
        visible, args = scope_of(caller).sql(Columns(client="client"), placeholder="{}")
        sql = f"SELECT id, client, name, starts_on FROM wave WHERE {visible}"  # noqa: S608
        if filters.client is not None:
            sql += " AND client = {}"
            args.append(filters.client)
        return await _raw(sql + " ORDER BY starts_on, id", args)

    async def _latest_wave_with_data(
        self, caller: Caller, filters: Filters, client_waves: list[dict[str, Any]]
    ) -> int | None:
        """The client's latest wave (by start date) holding a rollup row in scope."""
        for wave in reversed(client_waves):
            where = scope_where(caller, filters, with_wave=False)
            where.add("r.wave = {}", wave["id"])
            if await _raw(
                f"SELECT 1 AS found {FROM_ROLLUP} WHERE {where.sql()} LIMIT 1", where.args
            ):
                return int(wave["id"])
        return None

    async def league(self, caller: Caller, filters: Filters, min_audits: int = 3) -> LeagueTable:
        """The league of each client's wave (the latest with data unless `wave` is given)."""
        await self._prepare(caller, filters)
        waves = await self._waves(caller, filters)
        by_client: dict[int, list[dict[str, Any]]] = collections.defaultdict(list)
        for wave in waves:
            by_client[wave["client"]].append(wave)
        if filters.wave is not None:
            current = {wave["id"] for wave in waves if wave["id"] == filters.wave}
        else:
            current = set()
            for client_waves in by_client.values():
                latest = await self._latest_wave_with_data(caller, filters, client_waves)
                if latest is not None:
                    current.add(latest)
        previous: dict[int, int] = {}
        for client_waves in by_client.values():
            for before, after in itertools.pairwise(client_waves):
                if after["id"] in current:
                    previous[after["id"]] = before["id"]
        current_waves = sorted(current)
        if not current:
            return LeagueTable(
                wave_ids=[],
                min_audits=min_audits,
                confidence=stats.CONFIDENCE,
                interval=INTERVAL_METHOD,
                rows=[],
            )
        previous_waves = sorted(set(previous.values())) or [-1]
        where = scope_where(caller, filters, with_wave=False)
        where.add_in("r.wave", frozenset(current_waves + previous_waves))
        inner = (
            "score_rollup r JOIN outlet o ON o.id = r.outlet"
            if where.uses_outlet
            else ("score_rollup r")
        )
        now_in = "r.wave IN (" + ", ".join("{}" for _w in current_waves) + ")"
        before_in = "r.wave IN (" + ", ".join("{}" for _w in previous_waves) + ")"
        # One row per outlet: the current wave's sums and the previous wave's beside them.
        # Grouped first, names joined after, so the grouping reads only the covering index
        # score_rollup_league (client, wave, outlet, percent).
        sums = await _raw(
            "SELECT g.outlet, g.client, o.code, o.name, o.region, g.n, g.total, g.squares, "  # noqa: S608
            "g.previous_n, g.previous_total FROM (SELECT r.outlet, r.client, "
            f"SUM(CASE WHEN {now_in} AND r.percent IS NOT NULL THEN 1 ELSE 0 END) AS n, "
            f"SUM(CASE WHEN {now_in} THEN r.percent END) AS total, "
            f"SUM(CASE WHEN {now_in} THEN r.percent * r.percent END) AS squares, "
            f"SUM(CASE WHEN {before_in} AND r.percent IS NOT NULL THEN 1 ELSE 0 END) "
            "AS previous_n, "
            f"SUM(CASE WHEN {before_in} THEN r.percent END) AS previous_total "
            f"FROM {inner} WHERE {where.sql()} GROUP BY r.client, r.outlet) g "
            "JOIN outlet o ON o.id = g.outlet",
            [*current_waves * 3, *previous_waves * 2, *where.args],
        )
        wave_of_client = {wave["client"]: wave["id"] for wave in waves if wave["id"] in current}
        rows: list[LeagueRow] = []
        for row in sums:
            if not row["n"]:
                continue
            count = int(row["n"])
            total = float(row["total"])
            score = total / count
            # A t interval is symmetric; scores are not: cut it to the 0-100 scale.
            interval = stats.within(
                stats.t_interval_from_sums(count, total, float(row["squares"])), 0.0, 100.0
            )
            earlier = (
                float(row["previous_total"]) / row["previous_n"] if row["previous_n"] else None
            )
            rows.append(
                LeagueRow(
                    outlet=OutletRef(id=row["outlet"], code=row["code"], name=row["name"]),
                    region_id=row["region"],
                    client_id=row["client"],
                    wave_id=wave_of_client[row["client"]],
                    audits=count,
                    score=round(score, 2),
                    ci_low=None if interval is None else round(interval.low, 2),
                    ci_high=None if interval is None else round(interval.high, 2),
                    previous_score=_round(earlier),
                    change=None if earlier is None else round(score - earlier, 2),
                    too_few_to_rank=count < min_audits,
                )
            )
        ranked = _rank(rows)
        return LeagueTable(
            wave_ids=sorted(current),
            min_audits=min_audits,
            confidence=stats.CONFIDENCE,
            interval=INTERVAL_METHOD,
            rows=ranked,
        )

    # --- trend, regions, heatmap ----------------------------------------------------------

    async def trend(self, caller: Caller, filters: Filters) -> list[TrendPoint]:
        """Mean score per wave (of the outlet when `outlet` is given), oldest wave first."""
        await self._prepare(caller, filters)
        where = scope_where(caller, filters)
        rows = await _raw(
            "SELECT r.wave, w.name, w.starts_on, COUNT(r.percent) AS n, SUM(r.percent) AS total "
            f"{FROM_ROLLUP} JOIN wave w ON w.id = r.wave WHERE {where.sql()} "
            "GROUP BY r.wave, w.name, w.starts_on ORDER BY w.starts_on, r.wave",
            where.args,
        )
        return [
            TrendPoint(
                wave_id=row["wave"],
                wave=row["name"],
                starts_on=str(row["starts_on"])[:10],
                audits=int(row["n"]),
                score=round(float(row["total"]) / row["n"], 2),
            )
            for row in rows
            if row["n"]
        ]

    async def regions(self, caller: Caller, filters: Filters) -> list[RegionFigure]:
        await self._prepare(caller, filters)
        where = scope_where(caller, filters)
        rows = await _raw(
            "SELECT o.region, rg.name, COUNT(DISTINCT r.outlet) AS outlets, "
            "COUNT(r.percent) AS n, SUM(r.percent) AS total "
            f"{FROM_ROLLUP} LEFT JOIN region rg ON rg.id = o.region WHERE {where.sql()} "
            "GROUP BY o.region, rg.name ORDER BY o.region",
            where.args,
        )
        return [
            RegionFigure(
                region_id=row["region"],
                name=row["name"] or "",
                outlets=int(row["outlets"]),
                audits=int(row["n"]),
                score=_round(float(row["total"]) / row["n"] if row["n"] else None),
            )
            for row in rows
        ]

    async def heatmap(self, caller: Caller, filters: Filters) -> HeatmapFigure:
        """Mean section ratio (as a percent) per outlet and section."""
        await self._prepare(caller, filters)
        rows = await self._rows(caller, filters)
        sums: dict[tuple[int, str], list[Fraction]] = collections.defaultdict(list)
        outlets: dict[int, OutletRef] = {}
        sections: list[str] = []
        for row in rows:
            outlets[row.outlet_id] = OutletRef(row.outlet_id, row.outlet_code, row.outlet_name)
            for section, ratio in row.section_ratios.items():
                if section not in sections:
                    sections.append(section)
                sums[(row.outlet_id, section)].append(ratio)
        cells = [
            HeatmapCell(
                outlet_id=outlet_id,
                section=section,
                percent=round(float(100 * sum(values) / len(values)), 2),
                audits=len(values),
            )
            for (outlet_id, section), values in sorted(sums.items())
        ]
        return HeatmapFigure(
            sections=sections,
            outlets=sorted(outlets.values(), key=lambda outlet: outlet.code),
            cells=cells,
        )

    # --- items ----------------------------------------------------------------------------

    async def pareto(self, caller: Caller, filters: Filters, limit: int = 20) -> list[ParetoItem]:
        """Items by points lost across the network, most first, with the cumulative share."""
        await self._prepare(caller, filters)
        lost: dict[tuple[str, str], float] = collections.defaultdict(float)
        failures: collections.Counter[tuple[str, str]] = collections.Counter()
        for row in await self._items(caller, filters):
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
        """Per item: pass rate in top-quartile outlets vs the others, largest gap first."""
        await self._prepare(caller, filters)
        by_outlet: dict[int, list[float]] = collections.defaultdict(list)
        for row in await self._rows(caller, filters):
            if row.percent is not None:
                by_outlet[row.outlet_id].append(row.percent)
        if not by_outlet:
            return []
        scores = {outlet: stats.mean(values) for outlet, values in by_outlet.items()}
        threshold = stats.quantile(list(scores.values()), 0.75)
        best = {outlet for outlet, score in scores.items() if score >= threshold}
        counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
        for item_row in await self._items(caller, filters):
            if item_row["outlet"] not in scores:
                continue
            tally = counts[item_row["item"]]
            offset = 0 if item_row["outlet"] in best else 2
            tally[offset] += not item_row["failed"]
            tally[offset + 1] += 1
        result = []
        for item_key, (best_passed, best_n, rest_passed, rest_n) in counts.items():
            best_rate = best_passed / best_n if best_n else None
            rest_rate = rest_passed / rest_n if rest_n else None
            gap = None if best_rate is None or rest_rate is None else best_rate - rest_rate
            result.append(
                BestVsRestItem(
                    item=item_key,
                    best_pass_rate=_round(best_rate, 4),
                    rest_pass_rate=_round(rest_rate, 4),
                    gap=_round(gap, 4),
                    best_audited=best_n,
                    rest_audited=rest_n,
                )
            )
        result.sort(key=lambda entry: (-(entry.gap if entry.gap is not None else -2), entry.item))
        return result

    async def channels(self, caller: Caller, filters: Filters) -> list[ChannelFigure]:
        """Mean score and first-contact resolution rate per channel, from the rollup alone."""
        await self._prepare(caller, filters)
        where = scope_where(caller, filters)
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
        return [
            ChannelFigure(
                channel=channel,
                audits=len(values),
                score=_round(stats.mean(values)) if values else None,
                first_contact_resolution=(
                    _round(sum(resolved[channel]) / len(resolved[channel]), 4)
                    if resolved.get(channel)
                    else None
                ),
                first_contact_answers=len(resolved.get(channel, [])),
            )
            for channel, values in sorted(percents.items())
        ]

    async def nps(self, caller: Caller, filters: Filters) -> list[NpsFigure]:
        """NPS per template and question, for released audits that answered a 0-10 rating."""
        await self._prepare(caller, filters)
        where = scope_where(caller, filters)
        rows = await _raw(
            f"SELECT r.template_key, r.nps_item, r.nps {FROM_ROLLUP} "
            f"WHERE {where.sql()} AND r.nps IS NOT NULL",
            where.args,
        )
        ratings: dict[tuple[str, str], list[float]] = collections.defaultdict(list)
        for row in rows:
            ratings[(row["template_key"], row["nps_item"] or "")].append(float(row["nps"]))
        return [
            NpsFigure(
                template=template_key,
                item=item,
                answers=len(values),
                nps=_round(stats.net_promoter_score(values)),
            )
            for (template_key, item), values in sorted(ratings.items())
        ]

    async def calibration(self, caller: Caller, filters: Filters) -> list[CalibrationRow]:
        """Leniency (+) or severity (-) of each auditor against colleagues; agency only."""
        if caller.role not in AGENCY_ANALYTICS_ROLES:
            raise Forbidden(_("Your role may not do this."))
        await self._prepare(caller, filters)
        where = scope_where(caller, filters)
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


def _rank(rows: list[LeagueRow]) -> list[LeagueRow]:
    """Ranks within client and region for the outlets with enough audits; best first."""
    ranked: list[LeagueRow] = []
    by_client: dict[int, list[LeagueRow]] = collections.defaultdict(list)
    for row in rows:
        by_client[row.client_id].append(row)
    for client_id in sorted(by_client):
        client_rows = by_client[client_id]
        certain = [row for row in client_rows if not row.too_few_to_rank]
        for row, rank in zip(
            certain, stats.competition_ranks([row.score for row in certain]), strict=True
        ):
            row.rank = rank
        by_region: dict[int | None, list[LeagueRow]] = collections.defaultdict(list)
        for row in certain:
            by_region[row.region_id].append(row)
        for region_rows in by_region.values():
            for row, rank in zip(
                region_rows,
                stats.competition_ranks([row.score for row in region_rows]),
                strict=True,
            ):
                row.region_rank = rank
        ranked.extend(
            sorted(
                client_rows,
                key=lambda row: (row.too_few_to_rank, -row.score, row.outlet.code),
            )
        )
    return ranked
