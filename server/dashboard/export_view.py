"""The dashboard's downloads: the league table and the raw answers as people read them.

The API's exports (`server/analytics/exports.py`) carry ids and keys for programs; the
dashboard's carry names in the page's language instead: the region's and the wave's name, the
checklist's title, the channel's name and each item's text (with its key beside it, to join
with other files). They take the page's filters (wave, region, channel, visit dates, audits
needed to rank), so a download holds what the page shows. Figures stay plain numbers (two
decimals, docs/contract.md#wave-result) so that a spreadsheet reads them as numbers. The
auditor's name exists only for agency staff, as the auditor column of the API's export.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from server.access.caller import Caller
from server.analytics import exports
from server.analytics.filters import Filters
from server.analytics.schemas import LeagueTable
from server.dashboard.formatting import Figures
from server.organisation.tables import Region
from server.reporting.service import load_vocabulary
from server.users.tables import User
from server.waves.tables import Wave

# The API's id and key columns and what the dashboard's downloads put in their place.
RENAMED = {"region_id": "region", "wave_id": "wave", "auditor_id": "auditor"}


def _header(columns: Iterable[str]) -> list[str]:
    return [RENAMED.get(column, column) for column in columns]


async def _wave_names() -> dict[int, str]:
    return {row["id"]: row["name"] for row in await Wave.select(Wave.id, Wave.name)}


async def league(table: LeagueTable) -> tuple[list[str], AsyncIterator[list[Any]]]:
    """The league table's columns and rows with the region's and the wave's name."""
    regions = {row["id"]: row["name"] for row in await Region.select(Region.id, Region.name)}
    waves = await _wave_names()
    columns = list(exports.LEAGUE_COLUMNS)
    region_at, wave_at = columns.index("region_id"), columns.index("wave_id")

    async def rows() -> AsyncIterator[list[Any]]:
        for row in exports.league_rows(table):
            row[region_at] = regions.get(row[region_at], "")
            row[wave_at] = waves.get(row[wave_at], "")
            yield row

    return _header(columns), rows()


async def answers(
    caller: Caller, filters: Filters, language: str
) -> tuple[list[str], AsyncIterator[list[Any]]]:
    """Every answer of the released audits the filters keep, with the wave's name, the
    checklist's title, the channel's name and the item's text (its key in `item_key`)."""
    vocabulary = await load_vocabulary(None, language)
    figures = Figures(language)
    waves = await _wave_names()
    columns = exports.answer_columns(caller)
    at = {column: index for index, column in enumerate(columns)}
    auditors: dict[int, str] = {}
    if "auditor_id" in at:
        auditors = {
            row["id"]: row["name"]
            for row in await User.select(User.id, User.name).where(User.role == "auditor")
        }
    header = _header(columns)
    header.insert(at["item"] + 1, "item_key")

    async def rows() -> AsyncIterator[list[Any]]:
        async for row in exports.answer_rows(caller, filters):
            template, item = row[at["template"]], row[at["item"]]
            row[at["wave_id"]] = waves.get(row[at["wave_id"]], "")
            row[at["template"]] = vocabulary.template(template)
            row[at["channel"]] = figures.channel(row[at["channel"]])
            row[at["item"]] = vocabulary.item_in(template, item)
            if "auditor_id" in at:
                row[at["auditor_id"]] = auditors.get(row[at["auditor_id"]], "")
            row.insert(at["item"] + 1, item)
            yield row

    return header, rows()
