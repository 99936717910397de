"""Outlets from an Excel workbook (.xlsx): the cells of one sheet, checked as a CSV's rows.

The sheet named `outlets` (in any case), else the first one; its first row names the columns,
as a CSV's first line does (`code`, `name`, `region`, `address`, `city`, `lat`, `lon`,
`timezone`, `channels`, `active`). Cells are read as the spreadsheet shows them: a number as
its digits (a code 1001 stays "1001", a latitude keeps its decimals), true/false as words, a
date as YYYY-MM-DD, a formula as the value Excel last computed. Every row then goes through
`server.organisation.csv_import.check_rows`, so both files are checked alike; a problem names
its cell (`outlets!E7`).

Untrusted bytes: the zip container is checked before openpyxl reads it (an Excel 97-2003 file
or any other zip is refused in words, a workbook that unpacks past 64 MB as too large), and
any failure of the parser is a 422, never a 500.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from typing import Any, Final

import openpyxl
from openpyxl.utils import get_column_letter

from server.core.errors import Invalid, PayloadTooLarge, UnsupportedMediaType
from server.core.i18n import _
from server.organisation.csv_import import ParsedOutlet, check_rows

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET: Final = "outlets"
MAX_COLUMNS: Final = 200
MAX_ZIP_MEMBERS: Final = 1_000
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024
NOT_A_WORKBOOK = _("Send the outlets as a CSV file or an .xlsx workbook.")


def _not_a_workbook(reason: str) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        NOT_A_WORKBOOK, errors=[{"item": "file", "code": "not_a_workbook", "message": reason}]
    )


def _unreadable(error: Exception) -> Invalid:
    return Invalid(
        _("The workbook cannot be read; open it in Excel and save it again as .xlsx."),
        errors=[
            {
                "item": "file",
                "code": "unreadable",
                "message": f"the workbook cannot be read ({type(error).__name__})",
            }
        ],
    )


def _open(content: bytes) -> Any:
    """The workbook (openpyxl, read-only, cached values of formulas) after checks of its zip."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _not_a_workbook("an Excel 97-2003 (.xls) file: save it as an .xlsx workbook")
    if not content.startswith(b"PK"):
        raise _not_a_workbook("not an .xlsx workbook")
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise _not_a_workbook("not an .xlsx workbook (a damaged zip)") from error
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _not_a_workbook("a zip archive, but not an .xlsx workbook")
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise PayloadTooLarge(
            _("The workbook is too large once unpacked; split it into parts."),
            errors=[
                {
                    "item": "file",
                    "code": "too_large",
                    "message": f"it unpacks to more than {MAX_UNPACKED_BYTES >> 20} MB",
                }
            ],
        )
    try:
        return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # any failure of the parser on untrusted bytes
        raise _unreadable(error) from error


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV of the same sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    # Rows come one per sheet row from the first, empty ones included, so the count is the
    # row's number.
    for number, row in enumerate(
        sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
    ):
        yield number, [cell_text(value) for value in row]


def parse_outlets_xlsx(content: bytes) -> list[ParsedOutlet]:
    """Parse and check every row of the outlets sheet; raise Invalid listing each problem
    with its cell, UnsupportedMediaType for a file that is no .xlsx workbook."""
    workbook = _open(content)
    try:
        by_name = {name.strip().lower(): name for name in workbook.sheetnames}
        title = by_name.get(SHEET, workbook.sheetnames[0] if workbook.sheetnames else None)
        if title is None:
            raise Invalid(
                _("The workbook has no sheet."),
                errors=[{"item": "file", "code": "no_sheet", "message": "no sheet"}],
            )
        sheet = workbook[title]
        if hasattr(sheet, "reset_dimensions"):
            # The size a file declares may be wrong: read what is there.
            sheet.reset_dimensions()
        rows = _rows(sheet)
        try:
            first = next(rows, None)
            header = first[1] if first is not None else []
            columns = {name.strip().lower(): index for index, name in enumerate(header)}

            def place(line: int, column: str) -> str | None:
                index = columns.get(column)
                if index is None:
                    return f"{title}!{line}"
                return f"{title}!{get_column_letter(index + 1)}{line}"

            return check_rows(header, rows, place)
        except Invalid:
            raise
        except Exception as error:  # openpyxl reads the sheet lazily, as rows are asked for
            raise _unreadable(error) from error
    finally:
        workbook.close()
