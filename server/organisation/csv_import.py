"""Import of a client's outlets from a file: all rows or none, every bad row reported.

A file is a CSV (UTF-8 with or without a BOM, `,` or `;` as separator: Russian, Ukrainian and
Polish Excel write `;`) or an Excel workbook (`server.organisation.xlsx_import`, which reads
the cells and hands them to the same row checks, `check_rows`). A second import of the same
file updates outlets by code, never duplicates. Rows are written in batched upserts inside one
transaction. `OutletImport.preview` runs every check and says what an import would do, storing
nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

import anyio.to_thread

from server.access.caller import Caller
from server.access.scope import require_set_up
from server.auditlog import service as auditlog
from server.core.database import Database
from server.core.errors import Invalid
from server.core.i18n import _
from server.core.validation import check_channels, check_coordinates, check_text, check_timezone
from server.organisation.schemas import ImportReport
from server.organisation.service import OrganisationService
from server.organisation.tables import Outlet as OutletTable
from server.organisation.tables import Region as RegionTable

CSV: Final = "csv"
XLSX: Final = "xlsx"
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
# A cell's place in the file, for a problem: None names it by line and column.
Place = Callable[[int, str], str | None]


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


@dataclasses.dataclass(frozen=True, slots=True)
class ImportPreview:
    """What importing a file would do: its checked rows, which codes are new and which update
    an outlet of the client, and the regions it would create. Nothing is stored."""

    outlets: list[ParsedOutlet]
    updated_codes: frozenset[str]
    new_regions: list[str]

    @property
    def created(self) -> int:
        return len(self.outlets) - self.updated

    @property
    def updated(self) -> int:
        return sum(1 for outlet in self.outlets if outlet.code in self.updated_codes)


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
    header = next(rows, [])
    return check_rows(header, ((reader.line_num, cells) for cells in rows))


def check_rows(
    header: list[str], rows: Iterable[tuple[int, list[str]]], place: Place | None = None
) -> list[ParsedOutlet]:
    """The checks of every import, whatever the file: `header` names the columns (in any case),
    each row is its line number and its cells as text. Raises Invalid listing every problem of
    every row (by `place`, else by line and column)."""
    header = [name.strip().lower() for name in header]
    where = place or (lambda line, column: None)
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
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, default: str = "", cells: list[str] = cells) -> str:
            index = position.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else default

        def problem(column: str, code: str, message: str, line: int = line) -> dict[str, Any]:
            return _problem(line, column, code, message, where(line, column))

        row_problems: list[dict[str, Any]] = []
        code, name, region, city = cell("code"), cell("name"), cell("region"), cell("city")
        for field, value, limit, required in (
            ("code", code, 64, True),
            ("name", name, 200, True),
            ("region", region, 200, False),
            ("city", city, 120, False),
        ):
            row_problems += [
                problem(field, p["code"], p["message"])
                for p in check_text(field, value, limit, required)
            ]
        lat = _number(cell("lat"), "lat", row_problems, problem)
        lon = _number(cell("lon"), "lon", row_problems, problem)
        row_problems += [
            problem(p["item"], p["code"], p["message"]) for p in check_coordinates(lat, lon)
        ]
        timezone = cell("timezone", "UTC") or "UTC"
        row_problems += [
            problem("timezone", p["code"], p["message"]) for p in check_timezone(timezone)
        ]
        channels = [c.strip() for c in (cell("channels") or "in_store").split("|") if c.strip()]
        row_problems += [
            problem("channels", p["code"], p["message"]) for p in check_channels(channels)
        ]
        active_text = cell("active", "true").lower() or "true"
        if active_text not in TRUE_WORDS | FALSE_WORDS:
            row_problems.append(problem("active", "not_boolean", "use true or false"))
        if code and code in first_line_of_code:
            row_problems.append(
                problem(
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
                region=region,
                address=cell("address"),
                city=city,
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


def _problem(
    line: int, column: str, code: str, message: str, cell: str | None = None
) -> dict[str, Any]:
    return {
        "item": cell or f"line {line}, {column}",
        "line": line,
        "column": column,
        "code": code,
        "message": message,
    }


def _number(
    text: str,
    column: str,
    problems: list[dict[str, Any]],
    problem: Callable[[str, str, str], dict[str, Any]],
) -> float | None:
    if not text:
        return None
    try:
        # A decimal comma is what ru/uk/pl spreadsheets write.
        return float(text.replace(",", "."))
    except ValueError:
        problems.append(problem(column, "not_a_number", f"{text!r} is not a number"))
        return None


async def parse_outlets(content: bytes, kind: str) -> list[ParsedOutlet]:
    """The checked rows of a CSV file or an Excel workbook (read in a worker thread: a large
    workbook takes a while)."""
    if kind == XLSX:
        from server.organisation.xlsx_import import parse_outlets_xlsx

        return await anyio.to_thread.run_sync(parse_outlets_xlsx, content)
    return parse_outlets_csv(content)


@dataclasses.dataclass(frozen=True, slots=True)
class OutletImport:
    database: Database
    organisation: OrganisationService

    async def preview(
        self, caller: Caller, client_id: int, content: bytes, kind: str = CSV
    ) -> ImportPreview:
        """Every check of an import, and what it would create and update; nothing is stored."""
        await self._check_caller(caller, client_id)
        outlets = await parse_outlets(content, kind)
        regions = {
            row["name"]
            for row in await RegionTable.select(RegionTable.name).where(
                RegionTable.client == client_id
            )
        }
        existing = await self._existing_codes(client_id)
        return ImportPreview(
            outlets=outlets,
            updated_codes=frozenset(o.code for o in outlets if o.code in existing),
            new_regions=sorted({o.region for o in outlets if o.region} - regions),
        )

    async def run(
        self, caller: Caller, client_id: int, content: bytes, kind: str = CSV
    ) -> ImportReport:
        await self._check_caller(caller, client_id)
        outlets = await parse_outlets(content, kind)
        now = dt.datetime.now(dt.UTC)
        async with self.database.transaction() as connection:
            region_ids = await self._region_ids(client_id, {o.region for o in outlets if o.region})
            existing = await self._existing_codes(client_id)
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

    async def _check_caller(self, caller: Caller, client_id: int) -> None:
        """Admins, or the client's head office when the client lets it (docs/contract.md#roles);
        another client is a 404."""
        require_set_up(caller)
        await self.organisation.get_client(caller, client_id)
        require_set_up(caller, client_id)

    async def _existing_codes(self, client_id: int) -> set[str]:
        return {
            row["code"]
            for row in await OutletTable.select(OutletTable.code).where(
                OutletTable.client == client_id
            )
        }

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
