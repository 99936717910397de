"""HTTP endpoints of the PDF reports: one outlet's quality report and a wave's comparison.

Both are scoped like analytics: an auditor gets 403; an outlet, wave or region outside the
caller's scope, or with nothing released yet, is 404. Each PDF is issued through
`server.reporting.issuing`: built with its verification code, signed and recorded, on the
server's one PDF thread, off the event loop.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from server.core.dependencies import AppContextDep, AuthenticatedCaller, DatabaseDep
from server.reporting.issuing import ReportIssuer
from server.reporting.service import ReportService

PDF = "application/pdf"

Lang = Annotated[str | None, QueryParameter(description="en, ru, uk or pl; default: yours")]


def provide_reports(context: AppContextDep) -> ReportService:
    """Reports read thumbnails from the app's own media store (local disk or S3)."""
    return ReportService(context.media_store)


def provide_issuer(context: AppContextDep) -> ReportIssuer:
    """Reports are signed with the app's key and recorded in its database."""
    return ReportIssuer(context.database, context.report_signer, context.settings.public_url)


ReportsDep = NamedDependency[ReportService]
IssuerDep = NamedDependency[ReportIssuer]


def _pdf(content: bytes, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=PDF,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            # Client data: never kept by a shared cache or the browser's disk cache.
            "Cache-Control": "private, no-store",
        },
    )


class ReportController(Controller):
    path = "/api/v1"
    tags = ("reports",)
    dependencies = {  # noqa: RUF012
        "reports": Provide(provide_reports, sync_to_thread=False),
        "issuer": Provide(provide_issuer, sync_to_thread=False),
    }

    @get("/outlets/{outlet_id:int}/report.pdf", media_type=PDF)
    async def outlet_report(
        self,
        caller: AuthenticatedCaller,
        reports: ReportsDep,
        issuer: IssuerDep,
        database: DatabaseDep,
        outlet_id: FromPath[int],
        wave: Annotated[int | None, QueryParameter(description="default: latest released")] = None,
        lang: Lang = None,
    ) -> Response[bytes]:
        """The outlet quality report (PDF, signed) of one wave; outlets out of scope are 404."""
        language = lang or caller.language
        async with database.snapshot():
            data, subject = await reports.outlet_report_to_issue(caller, outlet_id, wave, language)
        pdf = await issuer.issue(data, subject, language, caller.user_id)
        return _pdf(pdf, f"report-{data.outlet.code}-{language}.pdf")

    @get("/waves/{wave_id:int}/comparison.pdf", media_type=PDF)
    async def comparison_report(
        self,
        caller: AuthenticatedCaller,
        reports: ReportsDep,
        issuer: IssuerDep,
        database: DatabaseDep,
        wave_id: FromPath[int],
        lang: Lang = None,
        region: Annotated[int | None, QueryParameter(description="limit to one region")] = None,
    ) -> Response[bytes]:
        """The comparison report (PDF, signed) of a wave, over the outlets the caller may see."""
        language = lang or caller.language
        async with database.snapshot():
            data, subject = await reports.comparison_report_to_issue(
                caller, wave_id, language, region
            )
        pdf = await issuer.issue(data, subject, language, caller.user_id)
        return _pdf(pdf, f"comparison-{wave_id}-{language}.pdf")
