"""Reading a checklist workbook from an HTTP request, within the import size limit.

The workbook comes as the request body itself or as the `file` field of a multipart form (what
a browser's file input sends). The limit is `MAX_CSV_BYTES`, the one of every file import; a
Content-Length over it is refused before a byte is read, and so is a body that grows past it.
"""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any, Final

import anyio.to_thread
from litestar import Request

from server.core.errors import PayloadTooLarge, UnsupportedMediaType
from server.core.i18n import _

# A multipart form's boundaries, headers and other fields around the workbook.
FORM_OVERHEAD_BYTES: Final = 64 * 1024
MULTIPART: Final = "multipart/form-data"
SEND_A_WORKBOOK = _(
    "Send the checklist as an .xlsx workbook: the request body itself, or the field 'file' of "
    "a multipart form."
)
TOO_LARGE = _(
    "The workbook is larger than the import limit; split it or remove what it does not need."
)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        TOO_LARGE,
        errors=[{"item": None, "code": "too_large", "message": f"at most {limit} bytes"}],
    )


def _file_of_form(content_type: str, body: bytes) -> bytes | None:
    """The `file` field of a multipart form (or its first file), None when it has none."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return None
    fallback = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if name == "file":
            return payload
        if fallback is None and part.get_filename():
            fallback = payload
    return fallback


async def read_workbook_upload(request: Request[Any, Any, Any], limit: int) -> bytes:
    """The workbook's bytes; 413 over `limit`, 415 for a form without a file."""
    multipart = request.content_type[0] == MULTIPART
    ceiling = limit + (FORM_OVERHEAD_BYTES if multipart else 0)
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > ceiling:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > ceiling:
            raise _too_large(limit)
    if not multipart:
        return bytes(body)
    header = request.headers.get("content-type", "")
    content = await anyio.to_thread.run_sync(_file_of_form, header, bytes(body))
    if content is None:
        raise UnsupportedMediaType(
            SEND_A_WORKBOOK,
            errors=[{"item": "file", "code": "no_file", "message": "the form has no file"}],
        )
    if len(content) > limit:
        raise _too_large(limit)
    return content
