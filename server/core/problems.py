"""The one mapping from errors to RFC 9457 problem details (`application/problem+json`).

Server domain errors, `shared.errors.DomainError`, Litestar's validation and HTTP errors and
anything unexpected all leave the server in the same shape: type, title, status, detail and,
for validation, an `errors` list naming each item or field.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any, cast

import msgspec
from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.types import ExceptionHandlersMap

from server.core.errors import (
    BadRequest,
    NotFound,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
)
from server.core.i18n import _
from server.core.ids import LARGEST_ID
from shared.errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://shopscore.example/problems/"

logger = logging.getLogger("shopscore.errors")


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(
        content=body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def server_error_handler(_: Request[Any, Any, Any], error: ServerError) -> Response[Any]:
    headers = None
    if isinstance(error, TooManyRequests | ServiceUnavailable):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    return problem(error.status, error.title, error.detail, error.slug, error.errors, headers)


def domain_error_handler(_: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    return problem(
        422,
        "Invalid content",
        str(error),
        error.code.replace("_", "-"),
        [{"item": error.path or None, "code": error.code, "message": error.reason}],
    )


def validation_handler(_: Request[Any, Any, Any], error: ValidationException) -> Response[Any]:
    errors = [
        {
            "item": entry.get("key") or None,
            "code": "invalid_field",
            "message": entry.get("message", ""),
        }
        for entry in (error.extra if isinstance(error.extra, list) else [])
        if isinstance(entry, dict)
    ]
    return problem(
        400,
        "Malformed request",
        "The request does not have the expected shape: " + error.detail,
        "malformed-request",
        errors,
    )


_TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
}


# Litestar's own errors (no route, wrong method, body over the limit) carry only the status
# phrase as their detail; these say what to do instead.
NOTHING_HERE = _("There is nothing at this address; check the URL and the id in it.")
_ACTIONABLE_DETAILS = {
    404: NOTHING_HERE,
    405: _("This address does not accept this method; see the API documentation at /schema."),
    413: _("The request body is larger than this address accepts; send a smaller one."),
}


def http_error_handler(_request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    title = _TITLES.get(status, "Error")
    detail = error.detail
    if detail.lower() == HTTPStatus(status).phrase.lower():
        detail = _ACTIONABLE_DETAILS.get(status, detail)
    return problem(status, title, detail, title.lower().replace(" ", "-"), None, error.headers)


def unexpected_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "Internal server error",
        "Something went wrong on the server; the error was logged.",
        "internal",
    )


class JsonCheckingRequest(Request[Any, Any, Any]):
    """Litestar's request, with JSON bodies msgspec cannot decode refused as 400, not 500.

    Depending on its version, msgspec reports invalid UTF-8 and nesting too deep as
    `DecodeError` (which Litestar wraps in `SerializationException`, a bare 400) or as
    `UnicodeDecodeError` / `RecursionError` (a 500): every one becomes the same 400 with an
    `invalid_json` entry.
    """

    async def json(self) -> Any:
        try:
            return await super().json()
        except (SerializationException, UnicodeDecodeError, RecursionError) as error:
            raise BadRequest(
                _("The body is not valid JSON (invalid UTF-8 or nested too deeply)."),
                [{"item": None, "code": "invalid_json", "message": str(error)}],
            ) from error


async def refuse_impossible_ids(request: Request[Any, Any, Any]) -> None:
    """`before_request` hook: an integer path parameter no record can have is a 404.

    A coroutine, because Litestar runs a plain function hook in a worker thread: a thread
    hop on every request for a loop over the path parameters.

    Ids are PostgreSQL serials (32-bit): no record has a larger one, and SQLite overflows on
    numbers beyond 64 bits, which made `/api/v1/users/15724488911290261504` a 500.
    """
    for value in request.path_params.values():
        if isinstance(value, int) and abs(value) > LARGEST_ID:
            raise NotFound(NOTHING_HERE)


def number_too_large_handler(
    _request: Request[Any, Any, Any], error: OverflowError
) -> Response[Any]:
    """An integer from the request that the database cannot hold (SQLite: beyond 64 bits)."""
    return problem(
        422,
        "Invalid content",
        _("A number in the request is larger than the server can store; check the ids sent."),
        "number-too-large",
        [{"item": None, "code": "number_too_large", "message": str(error)}],
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    OverflowError: number_too_large_handler,
    ServerError: server_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}


class ProblemItem(msgspec.Struct):
    """One named item or field of a refused request and what is wrong with it."""

    code: str
    message: str
    item: str | None = None


class ProblemDetail(msgspec.Struct):
    """The body of every 4xx and 5xx response (RFC 9457), as the OpenAPI document shows it."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemItem] | None = None


_PROBLEM_RESPONSE = ResponseSpec(
    data_container=ProblemDetail,
    generate_examples=False,
    description="A client error, as an RFC 9457 problem detail",
    media_type=PROBLEM_MEDIA_TYPE,
)


def document_problem_responses(app: Litestar) -> None:
    """Show every client error of every operation in the OpenAPI document as a problem detail.

    Litestar documents only 400, with its own error body; every handler here can also answer
    401/403/404/409/413/415/422/429 through the handlers above, so each operation gets the
    `4XX` range (and 400 replaced) with the problem schema. A handler's own entries win.
    """
    defaults = cast("dict[int, ResponseSpec]", {400: _PROBLEM_RESPONSE, "4XX": _PROBLEM_RESPONSE})
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            handler.responses = {**defaults, **(handler.responses or {})}


__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_MEDIA_TYPE",
    "JsonCheckingRequest",
    "ProblemDetail",
    "document_problem_responses",
    "problem",
    "refuse_impossible_ids",
]
