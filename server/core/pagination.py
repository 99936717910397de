"""Cursor pagination: lists are ordered by id and a cursor is the last id seen, opaque."""

from __future__ import annotations

import base64
import binascii

from server.core.errors import BadRequest
from server.core.i18n import _


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which the next page starts, or None for the first page."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = text.split(":", 1)
        if prefix != "id":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise BadRequest(_("The cursor is not one this server gave out.")) from error
