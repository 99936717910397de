"""Errors that server services raise; one handler (`server.core.problems`) maps them to HTTP.

Services never raise HTTP exceptions: they raise these, each with the status it stands for and
a message a person can act on.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServerError(Exception):
    """Base of every server domain error; `status` and `title` describe the problem type."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class BadRequest(ServerError):
    pass


class Unauthorized(ServerError):
    status = 401
    title = "Not authenticated"
    slug = "unauthorized"


class Forbidden(ServerError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class NotFound(ServerError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(ServerError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PayloadTooLarge(ServerError):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class UnsupportedMediaType(ServerError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class Invalid(ServerError):
    status = 422
    title = "Invalid content"
    slug = "invalid"


class TooManyRequests(ServerError):
    status = 429
    title = "Too many requests"
    slug = "too-many-requests"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)


class ServiceUnavailable(ServerError):
    """A transient clash (a busy database): the same request may succeed after a pause."""

    status = 503
    title = "Service unavailable"
    slug = "service-unavailable"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)
