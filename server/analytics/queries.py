"""The record of leagues asked lately (`league_asked`, server/analytics/tables.py): written by a
server process's background task after a league was asked, read and pruned when a server
process starts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from server.analytics.filters import Filters
from server.analytics.tables import LeagueAsked


def filters_text(filters: Filters) -> str:
    """The filters as canonical JSON (keys sorted), one text per set of filters."""
    return msgspec.json.encode(filters, order="sorted").decode()


async def record_asked(user_id: int, filters: Filters, min_audits: int, at: dt.datetime) -> None:
    """Note that `user_id` asked for the league with these filters and minimum at `at`."""
    row = LeagueAsked(
        asked_by=user_id, filters=filters_text(filters), min_audits=min_audits, asked_at=at
    )
    await LeagueAsked.insert(row).on_conflict(
        target=(LeagueAsked.asked_by, LeagueAsked.filters, LeagueAsked.min_audits),
        action="DO UPDATE",
        values=[LeagueAsked.asked_at],
    )


async def recently_asked(since: dt.datetime, limit: int) -> list[tuple[int, Filters, int]]:
    """Who asked for which league (user, filters, minimum) at or after `since`, the latest
    first, at most `limit`."""
    rows: list[dict[str, Any]] = (
        await LeagueAsked.select(LeagueAsked.asked_by, LeagueAsked.filters, LeagueAsked.min_audits)
        .where(LeagueAsked.asked_at >= since)
        .order_by(LeagueAsked.asked_at, ascending=False)
        .limit(limit)
    )
    return [
        (row["asked_by"], msgspec.json.decode(row["filters"], type=Filters), row["min_audits"])
        for row in rows
    ]


async def forget_asked_before(cutoff: dt.datetime) -> None:
    """Delete the records of leagues last asked before `cutoff`."""
    await LeagueAsked.delete().where(LeagueAsked.asked_at < cutoff)
