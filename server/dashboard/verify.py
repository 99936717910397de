"""The public verification page of issued reports (docs/contract.md#reports).

`/verify` asks for a code (the QR code of a report opens `/verify/{code}` directly);
`/verify/{code}` shows what the record of that code says was issued and offers a form that
checks a file against it (`POST /verify/{code}`: same SHA-256 or not, said in words). No login:
anyone holding a report may check it. Unknown codes are limited per address
(`server.reporting.verification`); the form carries the CSRF token like every other form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from babel.dates import format_datetime
from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect

from reports.i18n import Formatter
from server.core.errors import TooManyRequests
from server.dashboard.web import checked_form_with_files, context_of, language_of, render
from server.reporting.issuing import VERIFY_PATH, normalised_code, shown_code
from server.reporting.verification import (
    MAX_REPORT_BYTES,
    IssuedReportFacts,
    MissLimiter,
    find_issued,
)

LIMITER_KEY = "verification_misses"


def _limiter(request: Request[Any, Any, Any]) -> MissLimiter:
    """The app's count of unknown codes per address (one per app, kept in its state)."""
    state = request.app.state
    if LIMITER_KEY not in state:
        state[LIMITER_KEY] = MissLimiter()
    limiter: MissLimiter = state[LIMITER_KEY]
    return limiter


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def _facts(report: IssuedReportFacts, language: str) -> dict[str, str]:
    """The record's figures as the page's language writes them."""
    return {
        "score": Formatter(language).score(report.score),
        "issued_at": format_datetime(
            report.issued_at, format="long", tzinfo=dt.UTC, locale=language
        ),
    }


async def _page(
    request: Request[Any, Any, Any], typed: str, data: bytes | None = None
) -> Response[Any]:
    """The page of the code `typed`, with the verdict on `data` when a file was sent."""
    address = _address(request)
    limiter = _limiter(request)
    try:
        limiter.check(address)
    except TooManyRequests as error:
        page = render(request, "verify.html", report=None, typed=typed, limited=True,
                      status_code=429)  # fmt: skip
        page.headers["Retry-After"] = str(error.retry_after_seconds)
        return page
    report = await find_issued(context_of(request).database, typed)
    if report is None:
        limiter.miss(address)
        code = normalised_code(typed)
        return render(request, "verify.html", report=None, limited=False, status_code=404,
                      typed=shown_code(code) if code else typed)  # fmt: skip
    language = language_of(request)
    return render(
        request,
        "verify.html",
        report=report,
        typed=typed,
        code=normalised_code(typed),
        facts=_facts(report, language),
        matches=None if data is None else report.matches(data),
        sent_sha256=None if data is None else hashlib.sha256(data).hexdigest(),
    )


@get(VERIFY_PATH, include_in_schema=False)
async def verify_form(request: Request[Any, Any, Any]) -> Response[Any]:
    """The form to enter a code; a code sent with it leads to its page."""
    typed = request.query_params.get("code", "").strip()
    if typed:
        code = normalised_code(typed) or "".join(typed.split())
        return Redirect(path=f"{VERIFY_PATH}/{code}", status_code=303)
    return render(request, "verify.html", report=None, typed="", limited=False)


@get(VERIFY_PATH + "/{code:str}", include_in_schema=False)
async def verify_code(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[Any]:
    """What was issued under `code`, and the form to check a file against it."""
    return await _page(request, code)


@post(
    VERIFY_PATH + "/{code:str}",
    include_in_schema=False,
    request_max_body_size=MAX_REPORT_BYTES,
)
async def verify_file(request: Request[Any, Any, Any], code: FromPath[str]) -> Response[Any]:
    """Whether the file sent is the one issued under `code` (it is read, never kept)."""
    _fields, files = await checked_form_with_files(request)
    upload = files.get("file")
    data = await upload.read() if upload is not None else None
    return await _page(request, code, data)


ROUTES = [verify_form, verify_code, verify_file]
