"""The dashboard's pages of what a wave's visits can tell (docs/contract.md#estimates).

- `/funnel`: each shown wave's funnel plot as SVG (the same drawing as the comparison PDF's,
  `reports.charts.funnel_chart`) with every outlet's class against the 95% and 99.8% limits;
  every analytics role, each seeing its own outlets against the whole network's limits.
- `/planner`: a form for a target interval width or a difference to detect, answered with the
  visits per outlet per wave it takes; every analytics role.
- `/auditors`: each auditor's leniency with its interval, whether the design links auditors
  and which calibration visits would, and outlets' adjusted results beside their raw ones;
  `/agreement`: per question, how well auditors agree on calibration visits and which
  questions to reword. Both name auditors, so they are for admins and reviewers only (a client
  role gets the 403 page: shopper anonymity, docs/contract.md#roles).

The pages call `server.analytics.wave_figures.EstimateService`, as the API does, with the
page's language for its texts; each carries the short "how to read this" note.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request, Response, get

from reports.charts import funnel_chart, to_svg
from reports.i18n import translation as report_translation
from reports.standing import funnel_class
from server.access.abilities import NAME_AUDITORS, SEE_RESULTS, may, require
from server.access.caller import Caller
from server.analytics.wave_figures import (
    MAX_DIFFERENCE,
    MAX_TARGET_WIDTH,
    EstimateService,
    as_versus,
    chart_funnel,
)
from server.core.errors import BadRequest
from server.core.i18n import _
from server.dashboard.page_filters import page_filters
from server.dashboard.web import inline_svg, language_of, render, session_caller
from server.reporting.service import load_vocabulary

VERDICTS = {
    "lenient": _("Lenient"),
    "severe": _("Severe"),
    "level": _("Not clearly different"),
    "unlinked": _("Not linked to the others"),
}
AGREEMENT_VERDICTS = {
    "good": _("Good"),
    "tentative": _("Tentative"),
    "poor": _("Poor: reword"),
    "too_few": _("Too few paired visits"),
}


async def _page_caller(request: Request[Any, Any, Any]) -> tuple[Caller, str]:
    """The session's caller speaking the page's language (the texts the figures carry)."""
    caller = await session_caller(request)
    require(caller, SEE_RESULTS)
    language = language_of(request, caller)
    return dataclasses.replace(caller, language=language), language


async def _common(request: Request[Any, Any, Any], caller: Caller) -> dict[str, Any]:
    return {"agency": may(caller, NAME_AUDITORS), **await page_filters(request, caller)}


def _number(value: str | None, most: float) -> float | None:
    """A positive number of points from the planner's form, or None when left empty."""
    if value is None or not value.strip():
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise BadRequest(_("Enter a number of points.")) from None
    if not 0 < number <= most:
        raise BadRequest(_("Enter a number of points.")) from None
    return number


@get("/funnel", include_in_schema=False)
async def funnel_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller, language = await _page_caller(request)
    common = await _common(request, caller)
    figures = await EstimateService().funnel(caller, common["filters"])
    words = report_translation(language)
    charts = [
        inline_svg(
            to_svg(funnel_chart(chart_funnel(figure), language, width=560, height=330)),
            f"funnel-{figure.wave_id}",
            words.gettext("Funnel plot"),
        )
        for figure in figures
    ]
    classes = {
        (figure.wave_id, point.outlet.id): funnel_class(
            as_versus(point.funnel), as_versus(point.funnel_998), words
        )
        for figure in figures
        for point in figure.points
    }
    return render(
        request,
        "funnel.html",
        caller=caller,
        figures=list(zip(figures, charts, strict=True)),
        classes=classes,
        **common,
    )


@get("/planner", include_in_schema=False)
async def planner_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller, _language = await _page_caller(request)
    common = await _common(request, caller)
    width = _number(request.query_params.get("target_width"), MAX_TARGET_WIDTH)
    difference = _number(request.query_params.get("difference"), MAX_DIFFERENCE)
    plans = await EstimateService().plan(caller, common["filters"], width, difference)
    return render(
        request,
        "planner.html",
        caller=caller,
        plans=plans,
        target_width=width,
        difference=difference,
        **common,
    )


@get("/auditors", include_in_schema=False)
async def auditors_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller, _language = await _page_caller(request)
    require(caller, NAME_AUDITORS)
    common = await _common(request, caller)
    figures = await EstimateService().auditors(caller, common["filters"])
    return render(
        request,
        "auditors.html",
        caller=caller,
        figures=figures,
        verdicts=VERDICTS,
        **common,
    )


@get("/agreement", include_in_schema=False)
async def agreement_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller, language = await _page_caller(request)
    require(caller, NAME_AUDITORS)
    common = await _common(request, caller)
    figures = await EstimateService().agreement(caller, common["filters"])
    return render(
        request,
        "calibration.html",
        caller=caller,
        figures=figures,
        verdicts=AGREEMENT_VERDICTS,
        vocabulary=await load_vocabulary(None, language),
        **common,
    )


ROUTES = [funnel_page, planner_page, auditors_page, agreement_page]
