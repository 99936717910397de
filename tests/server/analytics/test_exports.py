"""Exports open in Python's csv module and in openpyxl, with real types and only rows in scope."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from server.analytics.exports import iterate, xlsx_stream
from tests.server.analytics.seed import Programme
from tests.server.api import Api

CLIENT_A = {"own", "other_outlet", "other_region"}


async def download(reader: Api, programme: Programme, role: str, path: str) -> bytes:
    response = await reader.call("GET", "/api/v1/analytics/exports/" + path,
                                 programme.headers[role])  # fmt: skip
    assert 200 == response.status_code, response.text
    return response.content


@pytest.mark.parametrize("separator", [";", ","])
async def test_league_csv_has_bom_separator_and_plain_numbers(
    reader: Api, programme: Programme, separator: str
) -> None:
    body = await download(reader, programme, "head_office",
                          f"league?format=csv&separator={separator}&min_audits=2")  # fmt: skip
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=separator))
    api_rows = (await reader.ok("GET", "/api/v1/analytics/league?min_audits=2",
                                programme.headers["head_office"]))["rows"]  # fmt: skip
    assert [(r["outlet"]["code"], r["score"]) for r in api_rows] == [
        (row["outlet_code"], float(row["score"])) for row in rows
    ]
    assert {"OWN", "OTHER_OUTLET", "OTHER_REGION"} == {row["outlet_code"] for row in rows}


async def test_answers_xlsx_for_a_client_user_is_scoped_typed_and_anonymous(
    reader: Api, programme: Programme
) -> None:
    body = await download(reader, programme, "regional_manager", "answers?format=xlsx")
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert "auditor_id" not in header
    column = {name: index for index, name in enumerate(header)}
    north = [v for v in programme.visits if v.outlet in {"own", "other_outlet"}]
    assert {v.uuid for v in north} == {row[column["audit_uuid"]] for row in data}
    assert 4 * len(north) == len(data)  # four answers per audit
    waits = {row[column["audit_uuid"]]: row[column["value"]] for row in data
             if row[column["item"]] == "wait"}  # fmt: skip
    assert {v.uuid: v.wait for v in north} == waits
    assert all(isinstance(value, int | float) for value in waits.values())
    percents = {row[column["audit_uuid"]]: row[column["percent"]] for row in data}
    assert {v.uuid: v.percent for v in north} == percents
    greeted = [row[column["value"]] for row in data if row[column["item"]] == "greeted"]
    assert all(isinstance(value, bool) for value in greeted)


async def test_answers_csv_shows_the_auditor_to_agency_staff_only(
    reader: Api, programme: Programme
) -> None:
    agency = await download(reader, programme, "reviewer", "answers?separator=,")
    rows = list(csv.DictReader(io.StringIO(agency.decode("utf-8-sig"))))
    shoppers = {str(programme.ids["shopper_" + v.auditor]) for v in programme.visits
                if v.outlet in CLIENT_A}  # fmt: skip
    assert shoppers == {row["auditor_id"] for row in rows}
    client = await download(reader, programme, "head_office", "answers")
    text = client.decode("utf-8-sig")
    assert "auditor" not in text.splitlines()[0]
    assert "shopper" not in text.lower()
    other_client = {v.uuid for v in programme.visits if v.outlet == "other_client"}
    assert not any(audit_uuid in text for audit_uuid in other_client)


async def test_an_xlsx_export_longer_than_a_sheet_continues_on_the_next() -> None:
    """Excel stops at 1,048,576 rows per sheet: the rows go on, header repeated, on "name (2)"."""
    rows = [[number, f"item {number}", number / 2] for number in range(7)]
    chunks = [
        chunk async for chunk in xlsx_stream("answers", ["n", "item", "half"], iterate(rows), 4)
    ]
    workbook = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
    assert ["answers", "answers (2)", "answers (3)"] == workbook.sheetnames
    read = [list(row) for sheet in workbook for row in sheet.iter_rows(values_only=True)]
    header = ["n", "item", "half"]
    assert [header, *rows[0:3], header, *rows[3:6], header, rows[6]] == read
