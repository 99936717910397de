"""HTTP endpoints of the PDF reports: one outlet's quality report and a wave's comparison.

Both are scoped like analytics: an auditor gets 403; an outlet, wave or region outside the
caller's scope, or with nothing released yet, is 404. Rendering is CPU-bound and ReportLab is
not meant to render two documents at once in one process, so PDFs are built one at a time on
one worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter

from reports import build_comparison_report, build_outlet_report
from server.core.dependencies import AuthenticatedCaller, DatabaseDep, MediaStoreDep
from server.reporting.service import ReportService, reading

PDF = "application/pdf"
_renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pdf")

Lang = Annotated[str | None, QueryParameter(description="en, ru, uk or pl; default: yours")]


def provide_reports(media_store: MediaStoreDep) -> ReportService:
    """Reports read thumbnails from the app's own media store (local disk or S3)."""
    return ReportService(media_store)


ReportsDep = NamedDependency[ReportService]


async def _render(function: functools.partial[bytes]) -> bytes:
    return await asyncio.get_running_loop().run_in_executor(_renderer, function)


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
    dependencies = {"reports": Provide(provide_reports, sync_to_thread=False)}  # noqa: RUF012

    @get("/outlets/{outlet_id:int}/report.pdf", media_type=PDF)
    async def outlet_report(
        self,
        caller: AuthenticatedCaller,
        reports: ReportsDep,
        database: DatabaseDep,
        outlet_id: FromPath[int],
        wave: Annotated[int | None, QueryParameter(description="default: latest released")] = None,
        lang: Lang = None,
    ) -> Response[bytes]:
        """The outlet quality report (PDF) of one wave; outlets out of scope are 404."""
        language = lang or caller.language
        async with reading(database):
            data = await reports.outlet_report(caller, outlet_id, wave, language)
        pdf = await _render(functools.partial(build_outlet_report, data, language))
        return _pdf(pdf, f"report-{data.outlet.code}-{language}.pdf")

    @get("/waves/{wave_id:int}/comparison.pdf", media_type=PDF)
    async def comparison_report(
        self,
        caller: AuthenticatedCaller,
        reports: ReportsDep,
        database: DatabaseDep,
        wave_id: FromPath[int],
        lang: Lang = None,
        region: Annotated[int | None, QueryParameter(description="limit to one region")] = None,
    ) -> Response[bytes]:
        """The comparison report (PDF) of a wave, over the outlets the caller may see."""
        language = lang or caller.language
        async with reading(database):
            data = await reports.comparison_report(caller, wave_id, language, region)
        pdf = await _render(functools.partial(build_comparison_report, data, language))
        return _pdf(pdf, f"comparison-{wave_id}-{language}.pdf")
