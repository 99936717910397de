"""HTTP endpoints of head-office analytics (`/api/v1/analytics/...`) and its exports."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Stream

from server.access.abilities import SEE_RESULTS, require
from server.analytics import exports
from server.analytics.filters import Filters, check_filters_in_scope
from server.analytics.schemas import (
    AgreementFigure,
    AuditorSeverityFigure,
    BestVsRestItem,
    CalibrationRow,
    ChannelFigure,
    FunnelFigure,
    HeatmapFigure,
    LeagueTable,
    NpsFigure,
    ParetoItem,
    RegionFigure,
    TrendPoint,
    VisitPlanFigure,
)
from server.analytics.service import AnalyticsService
from server.analytics.wave_figures import MAX_DIFFERENCE, MAX_TARGET_WIDTH, EstimateService
from server.core.dependencies import AuthenticatedCaller

FilterDep = NamedDependency[Filters]


# A record id as the databases store it (PostgreSQL serial): larger numbers used to reach the
# query and fail there with a 500 instead of a 400.
RecordId = Annotated[int | None, QueryParameter(ge=1, le=2**31 - 1)]


def filters_of(
    client: RecordId = None,
    wave: RecordId = None,
    region: RecordId = None,
    outlet: RecordId = None,
    channel: FromQuery[str | None] = None,
    template: FromQuery[str | None] = None,
    visited_from: FromQuery[dt.date | None] = None,
    visited_to: FromQuery[dt.date | None] = None,
) -> Filters:
    return Filters(client, wave, region, outlet, channel, template, visited_from, visited_to)


class AnalyticsController(Controller):
    path = "/api/v1/analytics"
    tags = ("analytics",)
    dependencies = {"filters": Provide(filters_of, sync_to_thread=False)}  # noqa: RUF012

    @get("/league")
    async def league(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        min_audits: Annotated[int, QueryParameter(ge=1, le=1000)] = 3,
    ) -> LeagueTable:
        """League table: rank, score, change, 95% t-interval, rank in region; scoped."""
        return await AnalyticsService().league(caller, filters, min_audits)

    @get("/trend")
    async def trend(self, caller: AuthenticatedCaller, filters: FilterDep) -> list[TrendPoint]:
        """Mean score per wave, of the network in scope or of one outlet (`outlet=`)."""
        return await AnalyticsService().trend(caller, filters)

    @get("/outlets/{outlet_id:int}/trend")
    async def outlet_trend(
        self, caller: AuthenticatedCaller, filters: FilterDep, outlet_id: FromPath[int]
    ) -> list[TrendPoint]:
        """One outlet's mean score per wave; an outlet out of scope is 404."""
        scoped = dataclasses.replace(filters, outlet=outlet_id)
        return await AnalyticsService().trend(caller, scoped)

    @get("/regions")
    async def regions(self, caller: AuthenticatedCaller, filters: FilterDep) -> list[RegionFigure]:
        """Region roll-up: outlets, audits and mean score per region."""
        return await AnalyticsService().regions(caller, filters)

    @get("/heatmap")
    async def heatmap(self, caller: AuthenticatedCaller, filters: FilterDep) -> HeatmapFigure:
        """Sections x outlets: mean section score per outlet."""
        return await AnalyticsService().heatmap(caller, filters)

    @get("/pareto")
    async def pareto(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 20,
    ) -> list[ParetoItem]:
        """Items losing the most points across the network."""
        return await AnalyticsService().pareto(caller, filters, limit)

    @get("/best-vs-rest")
    async def best_vs_rest(
        self, caller: AuthenticatedCaller, filters: FilterDep
    ) -> list[BestVsRestItem]:
        """Per item, pass rate of top-quartile outlets against the rest, by gap."""
        return await AnalyticsService().best_vs_rest(caller, filters)

    @get("/channels")
    async def channels(
        self, caller: AuthenticatedCaller, filters: FilterDep
    ) -> list[ChannelFigure]:
        """Score and first-contact resolution by channel."""
        return await AnalyticsService().channels(caller, filters)

    @get("/nps")
    async def nps(self, caller: AuthenticatedCaller, filters: FilterDep) -> list[NpsFigure]:
        """Net promoter score where templates ask a scored 0-10 question."""
        return await AnalyticsService().nps(caller, filters)

    @get("/calibration")
    async def calibration(
        self, caller: AuthenticatedCaller, filters: FilterDep
    ) -> list[CalibrationRow]:
        """Auditor leniency/severity against colleagues on the same outlet and template."""
        return await AnalyticsService().calibration(caller, filters)

    @get("/funnel")
    async def funnel(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        min_audits: Annotated[int, QueryParameter(ge=1, le=1000)] = 3,
    ) -> list[FunnelFigure]:
        """Funnel plot: each outlet's result against its visits, with the network's 95% and
        99.8% limits (docs/contract.md#estimates)."""
        return await EstimateService().funnel(caller, filters, min_audits)

    @get("/auditors")
    async def auditors(
        self, caller: AuthenticatedCaller, filters: FilterDep
    ) -> list[AuditorSeverityFigure]:
        """Auditor severity with its interval, the design check and adjusted outlet results;
        agency only."""
        return await EstimateService().auditors(caller, filters)

    @get("/agreement")
    async def agreement(
        self, caller: AuthenticatedCaller, filters: FilterDep
    ) -> list[AgreementFigure]:
        """Per question, agreement of auditors on calibration visits (Krippendorff's alpha,
        Gwet's AC1) and the questions to reword; agency only."""
        return await EstimateService().agreement(caller, filters)

    @get("/planner")
    async def planner(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        target_width: Annotated[float | None, QueryParameter(gt=0, le=MAX_TARGET_WIDTH)] = None,
        difference: Annotated[float | None, QueryParameter(gt=0, le=MAX_DIFFERENCE)] = None,
    ) -> list[VisitPlanFigure]:
        """Visits per outlet per wave for a target interval width (points) or a difference
        head office wants to detect, from the wave's observed variances."""
        return await EstimateService().plan(caller, filters, target_width, difference)

    @get("/exports/league", operation_class=exports.DownloadOperation)
    async def export_league(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        format: FromQuery[Literal["csv", "xlsx"]] = "csv",
        separator: FromQuery[Literal[";", ","]] = ";",
        min_audits: Annotated[int, QueryParameter(ge=1, le=1000)] = 3,
    ) -> Stream:
        """The league table as CSV (UTF-8 with BOM) or XLSX with real numbers."""
        table = await AnalyticsService().league(caller, filters, min_audits)
        rows = exports.iterate(exports.league_rows(table))
        return exports.download("league", format, separator, list(exports.LEAGUE_COLUMNS), rows)

    @get("/exports/answers", operation_class=exports.DownloadOperation)
    async def export_answers(
        self,
        caller: AuthenticatedCaller,
        filters: FilterDep,
        format: FromQuery[Literal["csv", "xlsx"]] = "csv",
        separator: FromQuery[Literal[";", ","]] = ";",
    ) -> Stream:
        """Every answer of released audits in scope; no auditor column for client users."""
        require(caller, SEE_RESULTS)
        await check_filters_in_scope(caller, filters)
        rows = exports.answer_rows(caller, filters)
        return exports.download("answers", format, separator, exports.answer_columns(caller), rows)


def _as_dict(filters: FilterDep) -> dict[str, object]:
    return {name: getattr(filters, name) for name in Filters.__dataclass_fields__}
