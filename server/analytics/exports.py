"""CSV and XLSX exports of the league table and of raw answers, streamed in batches.

CSV is UTF-8 with a BOM (so Excel detects the encoding) and `;` or `,` as separator; numbers
are written plainly, never locale-formatted. XLSX uses openpyxl's write-only mode into a
temporary file that is then streamed, so 100,000 audits never sit in memory at once; a sheet
holds at most Excel's 1,048,576 rows, so longer exports continue on "name (2)", ... Raw
answers are read in keyset-paged batches, only for released audits in the caller's scope, and
the auditor column exists only for agency staff (shopper anonymity).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from litestar.openapi.spec import Operation
from litestar.response import Stream
from openpyxl import Workbook

from server.access.abilities import NAME_AUDITORS, may
from server.access.caller import Caller
from server.analytics.filters import Filters, scope_where
from server.analytics.schemas import LeagueTable
from server.workflow.tables import ScoreRollup

BATCH = 5000
# Excel's row limit per sheet, the header row included.
SHEET_ROWS = 1_048_576
CHUNK_BYTES = 64 * 1024
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclasses.dataclass
class DownloadOperation(Operation):
    """The OpenAPI operation of an export: its 200 is a CSV or XLSX file, not JSON."""

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        file = {"schema": {"type": "string", "format": "binary"}}
        schema["responses"]["200"]["content"] = {"text/csv": file, XLSX_TYPE: file}
        return schema


LEAGUE_COLUMNS = (
    "rank", "region_rank", "outlet_code", "outlet_name", "region_id", "wave_id", "audits",
    "score", "ci_low", "ci_high", "previous_score", "change", "change_beyond_chance",
    "too_few_to_rank",
    # What the visits can tell (docs/contract.md#estimates): empty when not estimated.
    "estimate", "estimate_low", "estimate_high", "adjusted", "estimate_rank", "rank_low",
    "rank_high", "tier", "funnel", "funnel_998",
)  # fmt: skip
ANSWER_COLUMNS = (
    "audit_uuid", "outlet_code", "outlet_name", "wave_id", "template", "channel",
    "visited_at", "percent", "item", "value", "na", "comment",
)  # fmt: skip


def league_rows(table: LeagueTable) -> Iterable[list[Any]]:
    for row in table.rows:
        yield [
            row.rank, row.region_rank, row.outlet.code, row.outlet.name, row.region_id,
            row.wave_id, row.audits, row.score, row.ci_low, row.ci_high, row.previous_score,
            row.change, row.change_beyond_chance, row.too_few_to_rank, row.estimate,
            row.estimate_low, row.estimate_high, row.adjusted, row.estimate_rank, row.rank_low,
            row.rank_high, row.tier, row.funnel, row.funnel_998,
        ]  # fmt: skip


def _cell(value: Any) -> Any:
    """A JSON answer value as a spreadsheet cell of its own type (lists joined as text)."""
    if isinstance(value, list):
        return ", ".join(str(entry) for entry in value)
    return value


async def answer_rows(caller: Caller, filters: Filters) -> AsyncIterator[list[Any]]:
    """Every answer of released audits in scope, in batches ordered by answer id."""
    with_auditor = may(caller, NAME_AUDITORS)
    where = scope_where(caller, filters)
    last_id = 0
    while True:
        rows: list[dict[str, Any]] = await ScoreRollup.raw(
            "SELECT ans.id, r.audit_uuid, o.code, o.name, r.wave, r.template_key, r.channel, "  # noqa: S608 -- fixed fragments, values in placeholders
            "r.visited_at, r.percent, a.auditor, ans.item, ans.value, ans.na, ans.comment "
            "FROM audit_answer ans JOIN audit a ON a.id = ans.audit "
            "JOIN score_rollup r ON r.audit_uuid = a.uuid JOIN outlet o ON o.id = r.outlet "
            f"WHERE ans.id > {{}} AND {where.sql()} ORDER BY ans.id LIMIT {BATCH}",
            last_id,
            *where.args,
        )
        if not rows:
            return
        for row in rows:
            value = None if row["value"] is None else json.loads(row["value"])
            percent = None if row["percent"] is None else float(row["percent"])
            line = [
                str(row["audit_uuid"]), row["code"], row["name"], row["wave"],
                row["template_key"], row["channel"], str(row["visited_at"]), percent,
                row["item"], _cell(value), bool(row["na"]), row["comment"],
            ]  # fmt: skip
            if with_auditor:
                line.append(row["auditor"])
            yield line
        last_id = rows[-1]["id"]


def answer_columns(caller: Caller) -> list[str]:
    return [*ANSWER_COLUMNS, *(["auditor_id"] if may(caller, NAME_AUDITORS) else [])]


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


async def csv_stream(
    header: Sequence[str], rows: AsyncIterator[list[Any]], delimiter: str
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    async for row in rows:
        writer.writerow([_csv_value(value) for value in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


async def xlsx_stream(
    sheet_title: str,
    header: Sequence[str],
    rows: AsyncIterator[list[Any]],
    sheet_rows: int = SHEET_ROWS,
) -> AsyncIterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(list(header))
    sheets, filled = 1, 1
    async for row in rows:
        if filled == sheet_rows:
            sheets, filled = sheets + 1, 1
            sheet = workbook.create_sheet(f"{sheet_title} ({sheets})")
            sheet.append(list(header))
        sheet.append(row)
        filled += 1
    descriptor, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(descriptor)
    try:
        workbook.save(path)
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.unlink(path)


async def iterate(rows: Iterable[list[Any]]) -> AsyncIterator[list[Any]]:
    for row in rows:
        yield row


def download(
    name: str,
    file_format: str,
    separator: str,
    header: list[str],
    rows: AsyncIterator[list[Any]],
) -> Stream:
    """A streamed attachment `name.csv` or `name.xlsx` of the rows."""
    if file_format == "xlsx":
        return Stream(
            xlsx_stream(name, header, rows),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return Stream(
        csv_stream(header, rows, separator),
        media_type="text/csv",  # Litestar adds "; charset=utf-8" to text types itself
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
