"""Cursor pagination: lists are ordered by id and a cursor is the last id seen, opaque."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any

from piccolo.columns import Column
from piccolo.query import Select

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


async def id_page(
    query: Select[Any], id_column: Column, conditions: Sequence[Any], cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a Piccolo select: the rows matching `conditions` after the cursor, in the
    order of `id_column`, at most `limit` of them, and the next page's cursor (None on the
    last page). One more row than asked is read to know whether another page follows."""
    after = decode_cursor(cursor)
    where = [*conditions, *([id_column > after] if after is not None else [])]
    if where:
        query = query.where(*where)
    rows: list[dict[str, Any]] = await query.order_by(id_column).limit(limit + 1)
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor(rows[limit - 1][id_column._meta.name])
