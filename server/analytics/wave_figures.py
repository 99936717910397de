"""The wave-estimate figures of the API and the dashboard beyond the league's own fields: the
funnel plot, auditor severity with the design check, agreement on calibration visits and the
visit planner (docs/contract.md#estimates).

Which waves: as every figure, the wave the request names or each client's latest wave with
released visits in scope (`results.choose_waves`). The funnel and the planner are open to
every analytics role, the funnel's points limited to the outlets the caller may see; auditor
severity and agreement speak of auditors, so they are agency-only (403 for every client role:
shopper anonymity, docs/contract.md#roles).

Texts for people (the design check's summary and calibration visits, `HOW_TO_READ`) are put
in the caller's language here, from the very msgids `estimates` marks.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from reports import model as report_model
from server.access.abilities import NAME_AUDITORS, require
from server.access.caller import Caller
from server.analytics import estimates
from server.analytics.agreement import INTERVAL, NOMINAL, Level, Rating, Value, item_agreement
from server.analytics.estimates import HOW_TO_READ, AuditorSeverity, DesignCheck, OutletEstimate
from server.analytics.filters import Filters, network_where
from server.analytics.results import WaveRef, shown
from server.analytics.schemas import (
    AdjustedOutletFigure,
    AgreementFigure,
    AuditorFigure,
    AuditorSeverityFigure,
    CalibrationVisitFigure,
    DesignFigure,
    FunnelFigure,
    FunnelLimitsFigure,
    FunnelPointFigure,
    ItemAgreementFigure,
    LeagueRow,
    OutletRef,
    PlanRowFigure,
    VisitPlanFigure,
)
from server.analytics.service import AnalyticsService
from server.analytics.wave_estimates import (
    auditor_figures,
    network_estimates,
    network_results,
)
from server.templates.published import parsed_template
from server.workflow.rules import league_bases
from server.workflow.tables import ScoreRollup
from shared.i18n import translation

NOMINAL_KINDS: Final = ("yes_no", "choice")
INTERVAL_KINDS: Final = ("scale", "number", "timer", "nps")
MAX_TARGET_WIDTH: Final = 100.0
MAX_DIFFERENCE: Final = 100.0
# Visits of one outlet by two auditors this close are a calibration visit (the planner's
# shortest window, docs/contract.md#planning).
CALIBRATION_WINDOW: Final = dt.timedelta(days=7)


async def _raw(sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    """Run `sql`, built only from fixed fragments; every value goes through a placeholder."""
    rows: list[dict[str, Any]] = await ScoreRollup.raw(sql, *args)
    return rows


def _placeholders(count: int) -> str:
    return ", ".join("{}" for _index in range(count))


async def _outlet_refs(client_id: int) -> dict[int, OutletRef]:
    rows = await _raw("SELECT id, code, name FROM outlet WHERE client = {}", [client_id])
    return {row["id"]: OutletRef(row["id"], row["code"], row["name"]) for row in rows}


# --- the design check in words --------------------------------------------------------------


def _listing(names: Sequence[str], most: int = 3) -> str:
    shown = ", ".join(names[:most])
    return shown + (", ..." if len(names) > most else "")


def design_texts(
    design: DesignCheck,
    auditor_names: Mapping[int, str],
    outlet_codes: Mapping[int, str],
    visited_by: Mapping[int, Sequence[int]],
    gettext: Callable[[str], str],
) -> tuple[str, list[str]]:
    """The design check's summary and each calibration visit's reason, in a language: the
    same words `estimates.design_check` writes, from the same msgids."""

    def name(auditor: Any) -> str:
        return auditor_names.get(int(auditor), str(auditor))

    def colleagues(outlet: Any) -> str:
        return _listing([name(a) for a in sorted(visited_by.get(int(outlet), ()))])

    if design.connected:
        summary = gettext(
            "Every auditor is linked to every other through outlets they visited, directly or "
            "through colleagues: leniency can be compared across all of them."
        )
    else:
        summary = gettext(
            "Groups of auditors that share no outlet with one another: {groups}. Leniency can "
            "only be compared within a group until the calibration visits below link them."
        ).format(groups=len(design.groups))
    group_of = {link.auditor: link.group for link in design.auditors}
    texts = []
    for suggestion in design.suggestions:
        outlet = outlet_codes.get(int(suggestion.outlet), str(suggestion.outlet))
        if suggestion.reason == "weak":
            template = gettext(
                "{auditor} shares just one outlet with colleagues, so their leniency "
                "rests on few comparisons. One more calibration visit, to {outlet}, "
                "which {colleagues} also visited, makes it firmer."
            )
            members: tuple[Any, ...] = ()
        else:
            members = design.groups[group_of.get(suggestion.auditor, 0)]
            if len(members) == 1:
                template = gettext(
                    "{auditor} shares no outlet with another auditor, so their leniency cannot be "
                    "told apart from the quality of the outlets they visited. Send them on a "
                    "calibration visit to {outlet}, which {colleagues} also visited."
                )
            else:
                template = gettext(
                    "{auditors} visit only outlets that no other auditor visits, so their leniency "
                    "cannot be compared with the others'. Send {auditor} on a calibration visit "
                    "to {outlet}, which {colleagues} also visited."
                )
        texts.append(
            template.format(
                auditor=name(suggestion.auditor),
                auditors=_listing([name(a) for a in members]),
                outlet=outlet,
                colleagues=colleagues(suggestion.outlet),
            )
        )
    return summary, texts


def severity_figure(
    wave: WaveRef,
    severity: AuditorSeverity,
    auditor_names: Mapping[int, str],
    outlets: Mapping[int, OutletRef],
    visited_by: Mapping[int, Sequence[int]],
    basis: str,
    language: str,
) -> AuditorSeverityFigure:
    gettext = translation(language).gettext
    links = {int(link.auditor): link for link in severity.design.auditors}
    summary, texts = design_texts(
        severity.design,
        auditor_names,
        {outlet: ref.code for outlet, ref in outlets.items()},
        visited_by,
        gettext,
    )
    variances = severity.model.variances
    return AuditorSeverityFigure(
        wave_id=wave.id,
        client_id=wave.client_id,
        league_basis=basis,
        model=severity.model.model,
        auditor_sd=None if variances.auditor is None else round(math.sqrt(variances.auditor), 2),
        auditors=[
            AuditorFigure(
                auditor_id=int(effect.auditor),
                name=auditor_names.get(int(effect.auditor), ""),
                visits=effect.visits,
                effect=round(effect.effect, 2),
                low=round(effect.interval.low, 2),
                high=round(effect.interval.high, 2),
                verdict=effect.verdict,
                outlets=links[int(effect.auditor)].outlets,
                shared_outlets=links[int(effect.auditor)].shared_outlets,
                colleagues=links[int(effect.auditor)].colleagues,
                group=links[int(effect.auditor)].group,
            )
            for effect in severity.auditors
        ],
        design=DesignFigure(
            connected=severity.design.connected,
            groups=[[int(a) for a in group] for group in severity.design.groups],
            summary=summary,
            suggestions=[
                CalibrationVisitFigure(
                    auditor_id=int(suggestion.auditor),
                    auditor=auditor_names.get(int(suggestion.auditor), ""),
                    outlet_id=int(suggestion.outlet),
                    outlet_code=outlets[int(suggestion.outlet)].code,
                    reason=suggestion.reason,
                    text=text,
                )
                for suggestion, text in zip(severity.design.suggestions, texts, strict=True)
            ],
        ),
        outlets=[
            AdjustedOutletFigure(
                outlet=outlets[int(outlet.outlet)],
                visits=outlet.visits,
                raw=round(outlet.raw, 2),
                adjusted=round(outlet.adjusted, 2),
                estimate=round(outlet.estimate, 2),
                estimate_low=round(outlet.interval.low, 2),
                estimate_high=round(outlet.interval.high, 2),
            )
            for outlet in severity.outlets
        ],
        how_to_read={key: gettext(HOW_TO_READ[key]) for key in ("auditors", "design", "adjusted")},
    )


# --- calibration visits --------------------------------------------------------------------


def calibration_units(visits: Sequence[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """The wave's calibration visits: at one outlet, on one channel and checklist, visits by
    different auditors within `CALIBRATION_WINDOW` of each other's first, so that what
    they saw was the same (visits weeks apart differ because the outlet did). Visits in date
    order: each starts a unit unless it joins the open one of its outlet (an auditor at most
    once per unit); units of two auditors or more count."""
    by_place: dict[tuple[int, str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for visit in visits:
        if visit["visited_at"] is not None:
            by_place[(visit["outlet"], visit["channel"], visit["template_key"])].append(visit)
    units: dict[Any, list[dict[str, Any]]] = {}
    for place, members in sorted(by_place.items()):
        members.sort(key=lambda visit: (visit["visited_at"], visit["id"]))
        unit: list[dict[str, Any]] = []
        for visit in members:
            fits = (
                unit
                and visit["visited_at"] - unit[0]["visited_at"] <= CALIBRATION_WINDOW
                and all(other["auditor"] != visit["auditor"] for other in unit)
            )
            if not fits:
                if len(unit) >= 2:
                    units[(*place, unit[0]["id"])] = unit
                unit = []
            unit.append(visit)
        if len(unit) >= 2:
            units[(*place, unit[0]["id"])] = unit
    return units


# --- for the charts and the PDFs -----------------------------------------------------------


def chart_funnel(figure: FunnelFigure, marked: int | None = None) -> report_model.Funnel:
    """A funnel figure as `reports.charts.funnel_chart` draws it (`marked`: an outlet id)."""
    return report_model.Funnel(
        target=shown(figure.target),
        points=tuple(
            report_model.FunnelPoint(
                code=point.outlet.code,
                visits=point.effective_visits,
                score=shown(point.score),
                funnel=as_versus(point.funnel),
                funnel_998=as_versus(point.funnel_998),
                marked=point.outlet.id == marked,
            )
            for point in figure.points
        ),
        curve=tuple(
            report_model.FunnelLimits(
                visits=limit.visits,
                low_95=limit.low_95,
                high_95=limit.high_95,
                low_998=limit.low_998,
                high_998=limit.high_998,
            )
            for limit in figure.curve
        ),
        adjusted=figure.basis != "raw",
    )


def as_versus(value: str | None) -> report_model.Versus:
    """A funnel class of the API as the reports type it ("level" when there is none)."""
    if value == "above":
        return "above"
    if value == "below":
        return "below"
    return "level"


def row_estimate(row: LeagueRow, ranked: int) -> report_model.Estimate | None:
    """A league row's estimate fields as the PDFs show them (None when not estimated)."""
    if (
        row.estimate is None
        or row.estimate_low is None
        or row.estimate_high is None
        or row.rank_low is None
        or row.rank_high is None
        or row.tier is None
    ):
        return None
    # Figures as every screen and PDF shows them: the JSON's two decimals, then one.
    return report_model.Estimate(
        estimate=shown(row.estimate),
        low=shown(row.estimate_low),
        high=shown(row.estimate_high),
        rank_low=row.rank_low,
        rank_high=row.rank_high,
        ranked=ranked,
        tier=row.tier,
        funnel=as_versus(row.funnel),
        funnel_998=as_versus(row.funnel_998),
        adjusted=None if row.adjusted is None else shown(row.adjusted),
    )


def outlet_estimate(found: OutletEstimate, ranked: int, adjusted: bool) -> report_model.Estimate:
    """One outlet's estimate of a network's model as the outlet PDF says it."""
    return report_model.Estimate(
        estimate=shown(found.estimate),
        low=shown(found.interval.low),
        high=shown(found.interval.high),
        rank_low=found.rank_low,
        rank_high=found.rank_high,
        ranked=ranked,
        tier=found.tier,
        funnel=as_versus(found.funnel),
        funnel_998=as_versus(found.funnel_998),
        adjusted=shown(found.adjusted) if adjusted else None,
    )


def scoring_spread(severity: AuditorSeverity) -> report_model.ScoringSpread | None:
    """How much auditors differ, with no auditor named: what a client's report may say."""
    variance = severity.model.variances.auditor
    if variance is None:
        return None
    verdicts = [effect.verdict for effect in severity.auditors]
    return report_model.ScoringSpread(
        spread=round(math.sqrt(variance), 2),
        raters=len(verdicts),
        lenient=verdicts.count("lenient"),
        severe=verdicts.count("severe"),
        linked=severity.design.connected,
    )


class EstimateService:
    """The figures of what a wave's visits can tell, beyond the league's fields."""

    def __init__(self) -> None:
        self.analytics = AnalyticsService()

    async def funnel(
        self, caller: Caller, filters: Filters, min_audits: int = 3
    ) -> list[FunnelFigure]:
        """Each shown wave's funnel plot: the network's limits and the caller's outlets."""
        choice = await self.analytics.waves(caller, filters)
        results = await self.analytics.results(caller, filters, choice)
        gettext = translation(caller.language).gettext
        figures = []
        for wave in choice.shown:
            shown = results.outlets(wave.id)
            if not shown:
                continue
            judged = await network_estimates(
                wave, await network_results(caller, filters, wave, shown), filters, min_audits
            )
            if judged is None:
                continue
            funnel = judged.league.funnel
            figures.append(
                FunnelFigure(
                    wave_id=wave.id,
                    client_id=wave.client_id,
                    basis=judged.basis,
                    target=round(funnel.target, 2),
                    within_sd=round(funnel.within_sd, 2),
                    between_sd=round(funnel.tau, 2),
                    phi=round(funnel.phi, 3),
                    overdispersion=funnel.overdispersion,
                    points=[
                        FunnelPointFigure(
                            outlet=OutletRef(
                                int(point.outlet),
                                shown[int(point.outlet)].code,
                                shown[int(point.outlet)].name,
                            ),
                            visits=point.visits,
                            effective_visits=round(point.effective_visits, 2),
                            score=round(point.score, 2),
                            z=round(point.z, 3),
                            funnel=point.funnel,
                            funnel_998=point.funnel_998,
                        )
                        for point in funnel.points
                        if int(point.outlet) in shown
                    ],
                    curve=[
                        FunnelLimitsFigure(
                            visits=round(limit.visits, 3),
                            low_95=round(limit.low_95, 2),
                            high_95=round(limit.high_95, 2),
                            low_998=round(limit.low_998, 2),
                            high_998=round(limit.high_998, 2),
                        )
                        for limit in funnel.curve
                    ],
                    how_to_read=gettext(HOW_TO_READ["funnel"]),
                )
            )
        return figures

    async def auditors(self, caller: Caller, filters: Filters) -> list[AuditorSeverityFigure]:
        """Each auditor's leniency in each shown wave, with the design check and the outlets'
        adjusted results; agency only."""
        require(caller, NAME_AUDITORS)
        choice = await self.analytics.waves(caller, filters)
        bases = await league_bases({wave.client_id for wave in choice.shown})
        figures = []
        for wave in choice.shown:
            found = await auditor_figures(wave, filters)
            if found is None:
                continue
            visited_by = await self._visited_by(wave, filters)
            figures.append(
                severity_figure(
                    wave,
                    found.severity,
                    found.auditor_names,
                    await _outlet_refs(wave.client_id),
                    visited_by,
                    bases.get(wave.client_id, "raw"),
                    caller.language,
                )
            )
        return figures

    async def _visited_by(self, wave: WaveRef, filters: Filters) -> dict[int, list[int]]:
        where = network_where(wave.client_id, filters)
        where.add("r.wave = {}", wave.id)
        where.add("r.percent IS NOT NULL")
        join = " JOIN outlet o ON o.id = r.outlet" if where.uses_outlet else ""
        rows = await _raw(
            "SELECT DISTINCT r.outlet, a.auditor FROM score_rollup r "  # noqa: S608 -- fixed fragments
            f"JOIN audit a ON a.uuid = r.audit_uuid{join} WHERE {where.sql()}",
            where.args,
        )
        visited: dict[int, list[int]] = collections.defaultdict(list)
        for row in rows:
            visited[row["outlet"]].append(row["auditor"])
        return visited

    async def agreement(self, caller: Caller, filters: Filters) -> list[AgreementFigure]:
        """Per question, how well auditors agree where two or more of them visited the same
        outlet on the same channel and checklist in the wave (a calibration visit); agency
        only."""
        require(caller, NAME_AUDITORS)
        choice = await self.analytics.waves(caller, filters)
        gettext = translation(caller.language).gettext
        return [
            await self._agreement(wave, filters, gettext(HOW_TO_READ["agreement"]))
            for wave in choice.shown
        ]

    async def _agreement(
        self, wave: WaveRef, filters: Filters, how_to_read: str
    ) -> AgreementFigure:
        where = network_where(wave.client_id, filters)
        where.add("r.wave = {}", wave.id)
        join = " JOIN outlet o ON o.id = r.outlet" if where.uses_outlet else ""
        visits = await _raw(
            "SELECT a.id, a.auditor, r.outlet, r.channel, r.template_key, r.template_version, "  # noqa: S608 -- fixed fragments
            f"r.visited_at FROM score_rollup r JOIN audit a ON a.uuid = r.audit_uuid{join} "
            f"WHERE {where.sql()} ORDER BY a.id",
            where.args,
        )
        paired = calibration_units(visits)
        audits = {
            member["id"]: (unit, member) for unit, members in paired.items() for member in members
        }
        versions = sorted(
            {(m["template_key"], int(m["template_version"])) for _u, m in audits.values()}
        )
        levels: dict[str, Level] = {}
        categories: dict[str, list[Value]] = {}
        if versions:
            keys = sorted({key for key, _version in versions})
            rows = await _raw(
                f"SELECT body FROM checklist_template WHERE key IN ({_placeholders(len(keys))}) "  # noqa: S608 -- placeholders only
                "AND status <> 'draft' ORDER BY key, version",
                keys,
            )
            for row in rows:
                template = parsed_template(row["body"])
                if (template.key, template.version) not in versions:
                    continue
                for item in template.items():
                    name = f"{template.key}/{item.key}"
                    if item.kind in NOMINAL_KINDS:
                        levels[name] = NOMINAL
                        categories[name] = (
                            [True, False]
                            if item.kind == "yes_no"
                            else [option.key for option in item.options]
                        )
                    elif item.kind in INTERVAL_KINDS:
                        levels[name] = INTERVAL
        ratings: list[Rating] = []
        if audits:
            ids = sorted(audits)
            answers = await _raw(
                "SELECT audit, item, value, na FROM audit_answer "  # noqa: S608 -- placeholders only
                f"WHERE audit IN ({_placeholders(len(ids))})",
                ids,
            )
            for answer in answers:
                unit, member = audits[answer["audit"]]
                name = f"{member['template_key']}/{answer['item']}"
                if name not in levels:
                    continue
                value = (
                    None if answer["na"] or answer["value"] is None else json.loads(answer["value"])
                )
                if value is not None and not isinstance(value, str | int | float | bool):
                    value = None
                ratings.append(Rating(unit, member["auditor"], name, value))
        found = item_agreement(ratings, levels, categories)
        return AgreementFigure(
            wave_id=wave.id,
            client_id=wave.client_id,
            calibration_visits=len(paired),
            items=[
                ItemAgreementFigure(
                    item=entry.item.split("/", 1)[1],
                    template=entry.item.split("/", 1)[0],
                    level=entry.level,
                    units=entry.units,
                    values=entry.values,
                    observed=None if entry.observed is None else round(entry.observed, 4),
                    alpha=None if entry.alpha is None else round(entry.alpha, 4),
                    ac1=None if entry.ac1 is None else round(entry.ac1, 4),
                    judged_by=entry.judged_by,
                    verdict=entry.verdict,
                    reword=entry.reword,
                )
                for entry in found
                if entry.units
            ],
            how_to_read=how_to_read,
        )

    async def plan(
        self,
        caller: Caller,
        filters: Filters,
        target_width: float | None,
        difference: float | None,
    ) -> list[VisitPlanFigure]:
        """Visits per outlet per wave for a target interval width or a difference to detect,
        from the variances of each shown wave's network (the league model's)."""
        choice = await self.analytics.waves(caller, filters)
        results = await self.analytics.results(caller, filters, choice)
        gettext = translation(caller.language).gettext
        figures = []
        for wave in choice.shown:
            shown = results.outlets(wave.id)
            if not shown:
                continue
            judged = await network_estimates(
                wave, await network_results(caller, filters, wave, shown), filters, basis="raw"
            )
            if judged is None:
                continue
            plan = estimates.plan_visits(
                judged.league.model.variances, target_width=target_width, difference=difference
            )
            figures.append(
                VisitPlanFigure(
                    wave_id=wave.id,
                    client_id=wave.client_id,
                    within_sd=round(plan.within_sd, 2),
                    between_sd=round(plan.between_sd, 2),
                    power=plan.power,
                    alpha=plan.alpha,
                    reliability_target=plan.reliability_target,
                    target_width=plan.target_width,
                    visits_for_width=plan.visits_for_width,
                    difference=plan.difference,
                    visits_to_compare_outlets=plan.visits_to_compare_outlets,
                    visits_to_compare_with_network=plan.visits_to_compare_with_network,
                    visits_for_reliability=plan.visits_for_reliability,
                    table=[
                        PlanRowFigure(
                            visits=row.visits,
                            width=None if row.width is None else round(row.width, 2),
                            detectable=None if row.detectable is None else round(row.detectable, 2),
                            detectable_vs_network=None
                            if row.detectable_vs_network is None
                            else round(row.detectable_vs_network, 2),
                            reliability=round(row.reliability, 3),
                        )
                        for row in plan.table
                    ],
                    how_to_read=gettext(HOW_TO_READ["planner"]),
                )
            )
        return figures
