"""The dashboard's pages at `/`: server-rendered HTML with htmx for the filtered league table.

Pages call the same services as the API (analytics, review, disputes, corrective actions) with
the session's `Caller`, so scope and role rules are identical: an outlet out of scope is a 404
page, a forbidden action a 403 page. Every unsafe request checks the CSRF field first.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid as uuid_module
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Stream
from litestar.static_files import create_static_files_router

from reports.charts import section_chart, to_svg, trend_chart
from reports.i18n import Formatter
from reports.model import OutletReportData
from reports.model import TrendPoint as ChartPoint
from reports.priorities import PriorityWords, priority_words
from reports.standing import change_words
from reports.standing import position as standing_position
from reports.standing import sentences as standing_sentences
from server.access.abilities import ADMINISTER, SEE_RESULTS, may, may_take, require
from server.access.caller import HEAD_OFFICE, OUTLET_MANAGER, REVIEWER, Caller
from server.analytics import exports
from server.analytics.filters import Filters, check_filters_in_scope
from server.analytics.results import MIN_VISITS_TO_RANK
from server.analytics.service import AnalyticsService
from server.analytics.wave_estimates import sees_whole_network
from server.core.errors import BadRequest, Forbidden, NotFound, ServerError, TooManyRequests
from server.core.i18n import _
from server.dashboard import (
    audit_page,
    disputes_page,
    export_view,
    heatmap_view,
    network,
    outlet_view,
    review_desk,
)
from server.dashboard.checklist_pages import ROUTES as CHECKLIST_ROUTES
from server.dashboard.estimates_pages import ROUTES as ESTIMATE_ROUTES
from server.dashboard.evidence_forms import evidence_photos as _evidence_photos
from server.dashboard.evidence_forms import upload_body as _upload_body
from server.dashboard.page_filters import (
    filter_choices,
    filter_query,
    filters_from_query,
    optional_int,
    page_filters,
    showing,
)
from server.dashboard.setup_links import auditor_setups
from server.dashboard.setup_pages import ROUTES as SETUP_ROUTES
from server.dashboard.verify import ROUTES as VERIFY_ROUTES
from server.dashboard.web import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    add_security_headers,
    checked_form,
    checked_form_with_files,
    context_of,
    inline_svg,
    is_https,
    language_of,
    render,
    session_caller,
    session_cookie,
)
from server.organisation.tables import Outlet, Region
from server.photos.upload import TAKES_PHOTO
from server.reporting.service import heatmap_sections, load_vocabulary
from server.waves.tables import Wave
from server.workflow.corrective import CorrectiveService
from server.workflow.schemas import (
    CorrectiveStep,
)
from shared.i18n import LANGUAGES, translation
from shared.lifecycle import APPROVED, AUDIT_TRANSITIONS

logger = logging.getLogger("shopscore.dashboard")
STATIC_DIR = Path(__file__).parent / "static"
# Proof-of-visit flag codes (server.audits.flags) as reviewers read them.
FLAG_LABELS = {
    "off_site": _("GPS fix far from the outlet"),
    "too_short": _("Visit shorter than expected"),
    "clock_skew": _("Phone clock differs from the server's"),
    "photo_reused": _("Photo already used in another audit"),
    "photo_outside_visit": _("Photo taken outside the visit"),
}
CORRECTIVE_STEPS = ("complete", "verify", "reopen")
# Room for the text fields and multipart framing around a photo of the largest allowed size.


def translated(language: str, message: str) -> str:
    """`message` (marked with `_` for extraction) in the page's language."""
    text: str = translation(language).gettext(message)
    return text


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an absolute URL an attacker could plant."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


# --- session -------------------------------------------------------------------------------


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "login.html", error=None)


@post("/login", include_in_schema=False, status_code=303)
async def login(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await checked_form(request)
    context = context_of(request)
    address = request.client.host if request.client else "unknown"
    try:
        result = await context.auth.login(form.get("email", ""), form.get("password", ""), address)
    except ServerError as error:
        page = render(request, "login.html", error=error.detail, status_code=error.status)
        if isinstance(error, TooManyRequests):
            page.headers["Retry-After"] = str(error.retry_after_seconds)
        return page
    response = _redirect(_safe_next(form.get("next")))
    response.set_cookie(
        session_cookie(request, result.token, context.settings.access_token_minutes * 60)
    )
    return response


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request[Any, Any, Any]) -> Response[Any]:
    await checked_form(request)
    caller = await session_caller(request)
    await context_of(request).auth.logout(caller)
    response = _redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@post("/language", include_in_schema=False, status_code=303)
async def choose_language(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await checked_form(request)
    language = form.get("language", "")
    if language not in LANGUAGES:
        raise BadRequest(_("Unknown language."))
    response = _redirect(_safe_next(form.get("next")))
    response.set_cookie(
        Cookie(
            key=LANGUAGE_COOKIE,
            value=language,
            path="/",
            httponly=True,
            samesite="lax",
            secure=is_https(request),
            max_age=365 * 24 * 3600,
        )
    )
    return response


# --- head-office figures -------------------------------------------------------------------


async def _league_values(caller: Caller, request: Request[Any, Any, Any]) -> dict[str, Any]:
    filters = filters_from_query(request)
    min_audits = optional_int(request.query_params.get("min_audits")) or 3
    # The league's notes on how to read it in the page's language.
    speaking = dataclasses.replace(caller, language=language_of(request, caller))
    league = await AnalyticsService().league(speaking, filters, min_audits)
    regions = {row["id"]: row["name"] for row in await Region.select(Region.id, Region.name)}
    return {
        "league": league,
        "filters": filters,
        "min_audits": min_audits,
        "export_query": filter_query(filters, min_audits),
        "region_names": regions,
        **await showing(caller, filters),
    }


@get("/", include_in_schema=False)
async def overview(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    if not may(caller, SEE_RESULTS):
        raise Forbidden(_("Auditors use the phone app."))
    if caller.role == REVIEWER:
        return _redirect("/review")
    if caller.role == OUTLET_MANAGER:
        return await _manager_overview(request, caller)
    analytics = AnalyticsService()
    filters = filters_from_query(request)
    language = language_of(request, caller)
    trend = await analytics.trend(caller, dataclasses.replace(filters, wave=None))
    # A regional manager's figures, or filtered ones, are the mean of some outlets only: they
    # are named for what they are, never "the network" (whose result the outlet pages show).
    whole_network = sees_whole_network(caller, filters)
    chart = trend_chart(
        [ChartPoint(wave=point.wave, percent=None, network_average=point.score) for point in trend],
        language,
        network_label=None if whole_network else translated(language, _("Outlets shown")),
    )
    values = await _league_values(caller, request)
    return render(
        request,
        "overview.html",
        caller=caller,
        trend=trend,
        whole_network=whole_network,
        trend_svg=inline_svg(
            to_svg(chart),
            "trend",
            translated(
                language,
                _("Network result per wave") if whole_network else _("Result per wave"),
            ),
        ),
        region_figures=await analytics.regions(caller, filters),
        **values,
        **await filter_choices(caller),
    )


async def _manager_overview(request: Request[Any, Any, Any], caller: Caller) -> Response[str]:
    """An outlet manager's overview: each of their outlets as its PDF shows it (result, rank
    in the whole network and region, change) beside the network's and the region's result,
    never a league or a "network" of their own outlets alone."""
    language = language_of(request, caller)
    outlets = (
        await Outlet.select(Outlet.id, Outlet.code, Outlet.name, Outlet.client, Outlet.region)
        .where(Outlet.id.is_in(sorted(caller.outlet_ids) or [0]))
        .order_by(Outlet.code)
    )
    cards = []
    for outlet in outlets:
        report = await _outlet_report_figures(request, caller, outlet["id"], language)
        compared = None
        points = await _network_trend_only(caller, outlet["client"])
        if report is not None:
            compared = await outlet_view.comparison(
                caller, outlet["client"], outlet["region"], report.wave
            )
            points = list(report.trend)
        chart = inline_svg(
            to_svg(trend_chart(points, language)),
            f"trend-{outlet['id']}",
            translated(
                language,
                _("This outlet against the network average, per wave")
                if report is not None
                else _("Network result per wave"),
            ),
        )
        position = (
            standing_position(report.standing, translation(language), Formatter(language))
            if report is not None and report.standing is not None
            else None
        )
        cards.append(
            {
                "outlet": outlet,
                "report": report,
                "compared": compared,
                "position": position,
                "chart": chart,
                "change_text": ""
                if report is None
                else change_words(report.result.change_beyond_chance, translation(language)),
                "fix_first": []
                if report is None
                else [
                    priority_words(item, translation(language), Formatter(language))
                    for item in report.fix_first
                ],
            }
        )
    return render(
        request, "my_outlets.html", caller=caller, cards=cards, min_visits=MIN_VISITS_TO_RANK
    )


@get("/league", include_in_schema=False)
async def league_fragment(request: Request[Any, Any, Any]) -> Response[str]:
    """The league table alone: htmx swaps it in when a filter changes."""
    caller = await session_caller(request)
    values = await _league_values(caller, request)
    return render(request, "_league.html", caller=caller, **values)


@get("/outlets/{outlet_id:int}", include_in_schema=False)
async def outlet_page(request: Request[Any, Any, Any], outlet_id: FromPath[int]) -> Response[str]:
    caller = await session_caller(request)
    # Auditors may not use the page at all (403, as in the API), whichever outlet it is.
    require(caller, SEE_RESULTS)
    outlet_filters = Filters(outlet=outlet_id)
    await check_filters_in_scope(caller, outlet_filters)
    outlet = await Outlet.select().where(Outlet.id == outlet_id).first()
    if outlet is None:
        raise NotFound(_("There is no such outlet."))
    language = language_of(request, caller)
    report = await _outlet_report_figures(request, caller, outlet_id, language)
    standing_text = change_text = ""
    position = None
    fix_first: list[PriorityWords] = []
    section_svgs: list[tuple[str, Any, str]] = []
    if report is not None:
        # The very figures of the outlet's PDF (its wave result, standing, what to fix first,
        # visits and trend, rounded and worded the same way), so the page and the report it
        # offers never disagree.
        points = list(report.trend)
        messages = translation(language)
        figures = Formatter(language)
        sections_label = translated(language, _("Sections against the network"))
        fix_first = [priority_words(item, messages, figures) for item in report.fix_first]
        change_text = change_words(report.result.change_beyond_chance, messages)
        if report.standing is not None:
            standing_text = " ".join(standing_sentences(report.standing, messages, figures))
            position = standing_position(report.standing, messages, figures)
        for visit in report.visits:
            name = messages.gettext("Visit %(number)s") % {"number": visit.number}
            section_svgs.append(
                (
                    name,
                    visit,
                    inline_svg(
                        to_svg(section_chart(visit.sections, language)),
                        f"sections-{visit.number}",
                        f"{sections_label} · {name}",
                    ),
                )
            )
    else:
        points = await _network_trend_only(caller, outlet["client"])
    audits, wave_names, dispute_states = await outlet_view.audits_by_date(caller, outlet_id)
    compared = None
    if report is not None:
        compared = await outlet_view.comparison(
            caller, outlet["client"], outlet["region"], report.wave
        )
    actions = await CorrectiveService(context_of(request).database).list(
        caller, None, 50, outlet_id
    )
    return render(
        request,
        "outlet.html",
        caller=caller,
        outlet=outlet,
        min_visits=MIN_VISITS_TO_RANK,
        trend_svg=inline_svg(
            to_svg(trend_chart(points, language)),
            "trend",
            translated(language, _("This outlet against the network average, per wave")),
        ),
        report=report,
        standing_text=standing_text,
        change_text=change_text,
        position=position,
        fix_first=fix_first,
        section_svgs=section_svgs,
        audits=audits,
        wave_names=wave_names,
        dispute_states=dispute_states,
        compared=compared,
        actions=actions.items,
        vocabulary=await load_vocabulary(None, language),
        now=dt.datetime.now(dt.UTC),
        may_dispute=may_take(caller, AUDIT_TRANSITIONS, APPROVED, "dispute"),
    )


async def _outlet_report_figures(
    request: Request[Any, Any, Any], caller: Caller, outlet_id: int, language: str
) -> OutletReportData | None:
    """The outlet PDF's data (its latest wave with a released visit), or None while the
    outlet has none."""
    from server.reporting.service import ReportService

    service = ReportService(context_of(request).media_store)
    try:
        return await service.outlet_report(caller, outlet_id, None, language)
    except NotFound:
        return None


async def _network_trend_only(caller: Caller, client_id: int) -> list[ChartPoint]:
    """The client's network average per wave, for an outlet with nothing released yet.

    The averages are aggregates of the whole client, as in the PDF report, so they are computed
    with the client's head-office scope; no other outlet's row is shown."""
    network_viewer = Caller(user_id=caller.user_id, role=HEAD_OFFICE, client_id=client_id)
    network_trend = await AnalyticsService().trend(network_viewer, Filters(client=client_id))
    return [
        ChartPoint(wave=point.wave, percent=None, network_average=round(point.score, 1))
        for point in network_trend
    ]


@get("/outlets/{outlet_id:int}/report.pdf", include_in_schema=False)
async def outlet_report(
    request: Request[Any, Any, Any], outlet_id: FromPath[int]
) -> Response[bytes]:
    """The outlet's PDF quality report (latest released wave) in the page's language, issued
    (signed and recorded) like the API's."""
    from server.reporting.issuing import ReportIssuer
    from server.reporting.service import ReportService

    caller = await session_caller(request)
    language = language_of(request, caller)
    context = context_of(request)
    # The app's own media store: the thumbnails may be on S3.
    service = ReportService(context.media_store)
    data, subject = await service.outlet_report_to_issue(caller, outlet_id, None, language)
    issuer = ReportIssuer(context.database, context.report_signer, context.settings.public_url)
    pdf = await issuer.issue(data, subject, language, caller.user_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="report-{data.outlet.code}.pdf"'},
    )


@get("/photos/{photo_uuid:uuid}/thumbnail", include_in_schema=False)
async def photo_thumbnail(
    request: Request[Any, Any, Any], photo_uuid: FromPath[uuid_module.UUID]
) -> Response[bytes]:
    """A thumbnail the session's caller may see (the same check as the API's), else 404."""
    from server.audits.photo_intake import PhotoIntake

    caller = await session_caller(request)
    intake = PhotoIntake.of(context_of(request))
    data = await intake.image(caller, photo_uuid, "thumbnail")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})


@get("/heatmap", include_in_schema=False)
async def heatmap_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    shown = await page_filters(request, caller)
    filters = shown["filters"]
    figure = await AnalyticsService().heatmap(caller, filters)
    cells = {(cell.outlet_id, cell.checklist, cell.section): cell for cell in figure.cells}
    vocabulary = await load_vocabulary(None, language_of(request, caller))
    return render(
        request,
        "heatmap.html",
        caller=caller,
        figure=figure,
        cells=cells,
        sections=heatmap_sections(figure, vocabulary),
        shade=heatmap_view.shade,
        shades=heatmap_view.SHADES,
        **shown,
    )


@get("/best-vs-rest", include_in_schema=False)
async def best_vs_rest_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    shown = await page_filters(request, caller)
    filters = shown["filters"]
    analytics = AnalyticsService()
    return render(
        request,
        "best_vs_rest.html",
        caller=caller,
        items=await analytics.best_vs_rest(caller, filters),
        pareto=await analytics.pareto(caller, filters),
        vocabulary=await load_vocabulary(None, language_of(request, caller)),
        **shown,
    )


@get("/channels", include_in_schema=False)
async def channels_page(request: Request[Any, Any, Any]) -> Response[str]:
    caller = await session_caller(request)
    shown = await page_filters(request, caller)
    filters = shown["filters"]
    analytics = AnalyticsService()
    return render(
        request,
        "channels.html",
        caller=caller,
        channel_figures=await analytics.channels(caller, filters),
        nps=await analytics.nps(caller, filters),
        vocabulary=await load_vocabulary(None, language_of(request, caller)),
        **shown,
    )


@get("/exports/{kind:str}", include_in_schema=False)
async def export(request: Request[Any, Any, Any], kind: FromPath[str]) -> Stream:
    """The league table or the raw answers, CSV (`;`) or XLSX, in the session's scope, with
    the page's filters, names in the page's language (`export_view`)."""
    caller = await session_caller(request)
    filters = filters_from_query(request)
    language = language_of(request, caller)
    file_format = "xlsx" if request.query_params.get("format") == "xlsx" else "csv"
    if kind == "league":
        min_audits = optional_int(request.query_params.get("min_audits")) or 3
        table = await AnalyticsService().league(caller, filters, min_audits)
        header, rows = await export_view.league(table)
        return exports.download("league", file_format, ";", header, rows)
    if kind == "answers":
        require(caller, SEE_RESULTS)
        await check_filters_in_scope(caller, filters)
        header, rows = await export_view.answers(caller, filters, language)
        return exports.download("answers", file_format, ";", header, rows)
    raise NotFound(_("There is no such page."))


# --- review and disputes -------------------------------------------------------------------


@get("/actions/{action_id:int}/evidence", include_in_schema=False)
async def action_evidence(
    request: Request[Any, Any, Any], action_id: FromPath[int]
) -> Response[bytes]:
    """A corrective action's evidence thumbnail for whoever may read the action, else 404."""
    caller = await session_caller(request)
    data = await _evidence_photos(request).action_photo(caller, action_id, "thumbnail")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private"})


@post(
    "/actions/{action_id:int}/{step:str}",
    include_in_schema=False,
    status_code=303,
    opt=TAKES_PHOTO,
)
async def corrective_step(
    request: Request[Any, Any, Any], action_id: FromPath[int], step: FromPath[str]
) -> Response[Any]:
    """Follow a corrective action: `complete` (managers, with an optional evidence photo
    attached while the action is still open), `verify` or `reopen`."""
    form, files = await checked_form_with_files(request)
    caller = await session_caller(request)
    if step not in CORRECTIVE_STEPS:
        raise NotFound(_("There is no such page."))
    if step == "complete" and "evidence" in files:
        photos = _evidence_photos(request)
        await photos.attach_to_action(
            caller, action_id, _upload_body(files["evidence"], photos.limits), None
        )
    service = CorrectiveService(context_of(request).database)
    action = await service.step(
        caller, action_id, step, CorrectiveStep(comment=form.get("comment", ""))
    )
    return _redirect(f"/outlets/{action.outlet_id}")


# --- admin lists ---------------------------------------------------------------------------


@get("/admin", include_in_schema=False)
async def admin_lists(request: Request[Any, Any, Any]) -> Response[str]:
    from server.templates.tables import ChecklistTemplate
    from server.users.tables import User
    from server.waves.tables import Assignment

    caller = await session_caller(request)
    require(caller, ADMINISTER)
    people = await User.select(User.id, User.name, User.email, User.role, User.active).order_by(
        User.id
    )
    return render(
        request,
        "admin.html",
        caller=caller,
        setups=auditor_setups(
            people,
            context_of(request).settings.public_url,
            translated(language_of(request, caller), _("QR code of the setup link")),
        ),
        outlets=await Outlet.select(Outlet.id, Outlet.code, Outlet.name, Outlet.city).order_by(
            Outlet.code
        ),
        people=people,
        templates=await ChecklistTemplate.select(
            ChecklistTemplate.id,
            ChecklistTemplate.key,
            ChecklistTemplate.version,
            ChecklistTemplate.status,
        ).order_by(ChecklistTemplate.key),
        waves=await Wave.select(Wave.id, Wave.name, Wave.starts_on, Wave.ends_on).order_by(
            Wave.starts_on
        ),
        assignments=await Assignment.select(
            Assignment.id,
            Assignment.wave.name.as_alias("wave"),
            Assignment.outlet.code.as_alias("outlet"),
            Assignment.channel,
            Assignment.status,
        )
        .order_by(Assignment.id)
        .limit(200),
    )


# --- errors and the router -----------------------------------------------------------------


def _login_redirect(request: Request[Any, Any, Any], _error: Exception) -> Response[Any]:
    if request.headers.get("hx-request"):
        # htmx follows redirects inside the fragment; tell it to load the login page instead.
        return Response("", status_code=200, headers={"HX-Redirect": "/login"})
    return _redirect("/login")


def _error_page(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    if isinstance(error, ServerError):
        status, detail = error.status, error.detail
    elif isinstance(error, HTTPException):
        status, detail = error.status_code, error.detail
    else:
        logger.exception("unhandled error on %s %s", request.method, request.url.path)
        status, detail = 500, _("Something went wrong on the server; the error was logged.")
    return add_security_headers(
        render(request, "error.html", status_code=status, status=status, detail=detail)
    )


async def _page_headers(response: Response[Any]) -> Response[Any]:
    # A coroutine: Litestar would run a plain function hook in a worker thread.
    return add_security_headers(response)


STATIC = create_static_files_router(
    path="/static",
    directories=[STATIC_DIR],
    include_in_schema=False,
    name="dashboard-static",
)

DASHBOARD = Router(
    path="/",
    route_handlers=[
        login_page,
        login,
        logout,
        choose_language,
        overview,
        league_fragment,
        outlet_page,
        outlet_report,
        photo_thumbnail,
        heatmap_page,
        best_vs_rest_page,
        channels_page,
        export,
        *review_desk.ROUTES,
        *disputes_page.ROUTES,
        *audit_page.ROUTES,
        *network.ROUTES,
        *ESTIMATE_ROUTES,
        *SETUP_ROUTES,
        *CHECKLIST_ROUTES,
        action_evidence,
        corrective_step,
        admin_lists,
        *VERIFY_ROUTES,
        STATIC,
    ],
    after_request=_page_headers,
    exception_handlers={
        LoginRequired: _login_redirect,
        ServerError: _error_page,
        HTTPException: _error_page,
        Exception: _error_page,
    },
    include_in_schema=False,
)
