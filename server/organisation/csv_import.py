"""CSV import of a client's outlets: all rows or none, every bad row reported.

Accepts UTF-8 with or without a BOM and `,` or `;` as separator (Russian, Ukrainian and Polish
Excel write `;`). A second import of the same file updates outlets by code, never duplicates.
Rows are written in batched upserts inside one transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from server.access.caller import ADMIN, Caller
from server.auditlog import service as auditlog
from server.core.database import Database
from server.core.errors import Invalid
from server.core.i18n import _
from server.core.validation import check_channels, check_coordinates, check_text, check_timezone
from server.organisation.schemas import ImportReport
from server.organisation.service import OrganisationService
from server.organisation.tables import Outlet as OutletTable
from server.organisation.tables import Region as RegionTable

REQUIRED_COLUMNS = ("code", "name")
OPTIONAL_COLUMNS = ("region", "address", "city", "lat", "lon", "timezone", "channels", "active")
UPSERT_OUTLET = (
    "INSERT INTO outlet (client, region, code, name, address, city, lat, lon, timezone, "
    "channels, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (client, code) DO UPDATE SET region = excluded.region, name = excluded.name, "
    "address = excluded.address, city = excluded.city, lat = excluded.lat, lon = excluded.lon, "
    "timezone = excluded.timezone, channels = excluded.channels, active = excluded.active, "
    "updated_at = excluded.updated_at"
)
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "да", "так", "tak"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "нет", "ні", "nie"})


@dataclasses.dataclass(slots=True)
class ParsedOutlet:
    line: int
    code: str
    name: str
    region: str
    address: str
    city: str
    lat: float | None
    lon: float | None
    timezone: str
    channels: str
    active: bool


def parse_outlets_csv(content: bytes) -> list[ParsedOutlet]:
    """Parse and check every row; raise Invalid listing each problem with line and column."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid(
            _("The file is not UTF-8 text; save it as CSV UTF-8."),
            errors=[{"item": "file", "code": "not_utf8", "message": str(error)}],
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _readable_rows(reader)
    header = [name.strip().lower() for name in next(rows, [])]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise Invalid(
            _("The file misses required columns; the first line must name the columns."),
            errors=[
                _problem(1, name, "missing_column", f"column '{name}' is missing")
                for name in missing
            ],
        )
    position = {
        name: header.index(name)
        for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        if name in header
    }
    problems: list[dict[str, Any]] = []
    outlets: list[ParsedOutlet] = []
    first_line_of_code: dict[str, int] = {}
    for cells in rows:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, default: str = "", cells: list[str] = cells) -> str:
            index = position.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else default

        row_problems: list[dict[str, Any]] = []
        code, name = cell("code"), cell("name")
        for field, value, limit in (("code", code, 64), ("name", name, 200)):
            row_problems += [
                _problem(line, field, p["code"], p["message"])
                for p in check_text(field, value, limit)
            ]
        lat = _number(cell("lat"), line, "lat", row_problems)
        lon = _number(cell("lon"), line, "lon", row_problems)
        row_problems += [
            _problem(line, p["item"], p["code"], p["message"]) for p in check_coordinates(lat, lon)
        ]
        timezone = cell("timezone", "UTC") or "UTC"
        row_problems += [
            _problem(line, "timezone", p["code"], p["message"]) for p in check_timezone(timezone)
        ]
        channels = [c.strip() for c in (cell("channels") or "in_store").split("|") if c.strip()]
        row_problems += [
            _problem(line, "channels", p["code"], p["message"]) for p in check_channels(channels)
        ]
        active_text = cell("active", "true").lower() or "true"
        if active_text not in TRUE_WORDS | FALSE_WORDS:
            row_problems.append(_problem(line, "active", "not_boolean", "use true or false"))
        if code and code in first_line_of_code:
            row_problems.append(
                _problem(
                    line,
                    "code",
                    "duplicate_code",
                    f"code {code!r} is already used on line {first_line_of_code[code]}",
                )
            )
        elif code:
            first_line_of_code[code] = line
        if row_problems:
            problems += row_problems
            continue
        outlets.append(
            ParsedOutlet(
                line=line,
                code=code,
                name=name,
                region=cell("region"),
                address=cell("address"),
                city=cell("city"),
                lat=lat,
                lon=lon,
                timezone=timezone,
                channels="|".join(channels),
                active=active_text in TRUE_WORDS,
            )
        )
    if problems:
        raise Invalid(
            _("Nothing was imported: fix the rows listed in errors and import the file again."),
            errors=problems,
        )
    return outlets


def _readable_rows(reader: Any) -> Iterator[list[str]]:
    """The reader's rows; a line the csv module cannot read is a 422 naming that line."""
    try:
        yield from reader
    except csv.Error as error:
        raise Invalid(
            _("A line of the file cannot be read as CSV (an unclosed quote or a huge cell?)."),
            errors=[_problem(reader.line_num, "file", "unreadable_line", str(error))],
        ) from error


def _problem(line: int, column: str, code: str, message: str) -> dict[str, Any]:
    return {
        "item": f"line {line}, {column}",
        "line": line,
        "column": column,
        "code": code,
        "message": message,
    }


def _number(text: str, line: int, column: str, problems: list[dict[str, Any]]) -> float | None:
    if not text:
        return None
    try:
        # A decimal comma is what ru/uk/pl spreadsheets write.
        return float(text.replace(",", "."))
    except ValueError:
        problems.append(_problem(line, column, "not_a_number", f"{text!r} is not a number"))
        return None


@dataclasses.dataclass(frozen=True, slots=True)
class OutletImport:
    database: Database
    organisation: OrganisationService

    async def run(self, caller: Caller, client_id: int, content: bytes) -> ImportReport:
        caller.require_role(ADMIN)
        await self.organisation.get_client(caller, client_id)
        outlets = parse_outlets_csv(content)
        now = dt.datetime.now(dt.UTC)
        async with self.database.transaction() as connection:
            region_ids = await self._region_ids(client_id, {o.region for o in outlets if o.region})
            existing = {
                row["code"]
                for row in await OutletTable.select(OutletTable.code).where(
                    OutletTable.client == client_id
                )
            }
            await connection.executemany(
                UPSERT_OUTLET,
                [
                    (
                        client_id, region_ids.get(o.region), o.code, o.name, o.address, o.city,
                        o.lat, o.lon, o.timezone, o.channels, o.active, now,
                    )
                    for o in outlets
                ],
            )  # fmt: skip
            updated = sum(1 for o in outlets if o.code in existing)
            report = ImportReport(
                rows=len(outlets), created=len(outlets) - updated, updated=updated
            )
            await auditlog.record(
                caller,
                "import",
                "client",
                client_id,
                after={"outlets": report, "codes": [o.code for o in outlets]},
            )
        return report

    async def _region_ids(self, client_id: int, names: set[str]) -> dict[str, int]:
        """Regions named in the file, created in this client when they do not exist yet."""
        rows = await RegionTable.select(RegionTable.id, RegionTable.name).where(
            RegionTable.client == client_id
        )
        ids = {row["name"]: row["id"] for row in rows}
        for name in sorted(names - ids.keys()):
            inserted = await RegionTable.insert(RegionTable(client=client_id, name=name))
            ids[name] = inserted[0]["id"]
        return ids
