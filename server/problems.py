"""The one mapping from errors to RFC 9457 problem details (`application/problem+json`).

Server domain errors, `shared.errors.DomainError`, Litestar's validation and HTTP errors and
anything unexpected all leave the server in the same shape: type, title, status, detail and,
for validation, an `errors` list naming each item or field.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from server.errors import ServerError, TooManyRequests
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
    if isinstance(error, TooManyRequests):
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
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    415: "Unsupported media type",
}


def http_error_handler(_: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    title = _TITLES.get(status, "Error")
    return problem(
        status, title, error.detail, title.lower().replace(" ", "-"), None, error.headers
    )


def unexpected_error_handler(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(
        500,
        "Internal server error",
        "Something went wrong on the server; the error was logged.",
        "internal",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ServerError: server_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_MEDIA_TYPE", "problem"]
