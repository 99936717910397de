"""The request bodies of `PUT /api/v1/audits/{uuid}` and `PUT /api/v1/photos/{uuid}` in the
OpenAPI document.

Both handlers read the raw body themselves (the audit to collect every problem by item key
instead of stopping at the first type error, the photo to stream it under its size limit), so
Litestar cannot describe the body from a `data` parameter. These operation classes add the
description: the audit wire format (docs/contract.md#sync-audits) as `server/audits/wire.py`
reads it, and the image bytes with their `X-Content-SHA256` header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
)

_TIMESTAMP: Final = Schema(
    type=OpenAPIType.STRING,
    format="date-time",  # type: ignore[arg-type]
    description="ISO 8601 with a UTC offset",
)
_UUID: Final = Schema(type=OpenAPIType.STRING, format="uuid")  # type: ignore[arg-type]

ANSWER_SCHEMA: Final = Schema(
    type=OpenAPIType.OBJECT,
    required=["item"],
    additional_properties=False,
    properties={
        "item": Schema(type=OpenAPIType.STRING, min_length=1, description="The item's key"),
        "value": Schema(
            one_of=[
                Schema(type=OpenAPIType.NULL),
                Schema(type=OpenAPIType.BOOLEAN),
                Schema(type=OpenAPIType.NUMBER),
                Schema(type=OpenAPIType.STRING),
                Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING)),
            ],
            description="Yes/no, a number (scale, NPS, number, timer in seconds), an option "
            "key (choice), option keys (multi), text, or null when not answered",
        ),
        "na": Schema(type=OpenAPIType.BOOLEAN, default=False),
        "comment": Schema(type=OpenAPIType.STRING, default=""),
        "photos": Schema(type=OpenAPIType.ARRAY, items=_UUID, default=[]),
    },
)

AUDIT_SCHEMA: Final = Schema(
    type=OpenAPIType.OBJECT,
    title="AuditUpload",
    description="An audit as the phone sends it (docs/contract.md#sync-audits). `sent_at`, "
    "`client_score` and `device_id` may differ between retries of the same audit; every other "
    "field decides whether a retry is an identical replay (200) or other content (409).",
    required=["assignment_id", "template", "started_at", "finished_at", "answers"],
    additional_properties=False,
    properties={
        "assignment_id": Schema(type=OpenAPIType.INTEGER, minimum=1),
        "template": Schema(
            type=OpenAPIType.OBJECT,
            required=["key", "version"],
            properties={
                "key": Schema(type=OpenAPIType.STRING),
                "version": Schema(type=OpenAPIType.INTEGER, minimum=1),
            },
        ),
        "started_at": _TIMESTAMP,
        "finished_at": _TIMESTAMP,
        "sent_at": _TIMESTAMP,
        "location": Schema(
            one_of=[
                Schema(type=OpenAPIType.NULL),
                Schema(
                    type=OpenAPIType.OBJECT,
                    required=["lat", "lon"],
                    properties={
                        "lat": Schema(type=OpenAPIType.NUMBER, minimum=-90, maximum=90),
                        "lon": Schema(type=OpenAPIType.NUMBER, minimum=-180, maximum=180),
                        "accuracy_m": Schema(type=OpenAPIType.NUMBER, minimum=0),
                        "at": _TIMESTAMP,
                    },
                ),
            ]
        ),
        "answers": Schema(type=OpenAPIType.ARRAY, items=ANSWER_SCHEMA),
        "client_score": Schema(description="The phone's own score; ignored by the server"),
        "device_id": Schema(
            type=OpenAPIType.STRING,
            min_length=1,
            max_length=128,
            description="An identifier the phone keeps for as long as the app is installed, "
            "whoever logs in (docs/contract.md#trust)",
        ),
    },
)

PHOTO_MEDIA_TYPES: Final = ("image/jpeg", "image/png", "image/webp", "image/heic")


@dataclass
class AuditUploadOperation(Operation):
    """The operation of `PUT /api/v1/audits/{uuid}`, with its JSON body described."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={"application/json": OpenAPIMediaType(schema=AUDIT_SCHEMA)},
            required=True,
            description="The audit (docs/contract.md#sync-audits)",
        )


@dataclass
class PhotoUploadOperation(Operation):
    """The operation of `PUT /api/v1/photos/{uuid}`, with its image body and hash header."""

    def __post_init__(self) -> None:
        image = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
        self.request_body = RequestBody(
            content={
                media_type: OpenAPIMediaType(schema=image) for media_type in PHOTO_MEDIA_TYPES
            },
            required=True,
            description="The image bytes (JPEG, PNG, WebP or HEIC, checked by content; at "
            "most 25 MB and 40 megapixels)",
        )
        self.parameters = [
            *(self.parameters or []),
            Parameter(
                name="X-Content-SHA256",
                param_in="header",
                required=True,
                description="The SHA-256 of the body, in hex",
                schema=Schema(type=OpenAPIType.STRING, pattern="^[0-9a-fA-F]{64}$"),
            ),
        ]
