"""CSV import of outlets: separators, BOM, every bad row reported, all or nothing, re-import."""

# asserts are written as `expected == actual`

from __future__ import annotations

from typing import Any

from tests.server.api import Api

GOOD = (
    "code,name,region,address,city,lat,lon,timezone,channels,active\n"
    "W-01,Polmarket Centrum,Mazowsze,ul. Marszałkowska 104,Warszawa,52.2319,21.0067,"
    "Europe/Warsaw,in_store|phone,true\n"
    'W-02,"Polmarket Mokotów, Galeria",Mazowsze,ul. Puławska 12,Warszawa,52.1934,21.0350,'
    "Europe/Warsaw,in_store,true\n"
    "K-01,Polmarket Khreshchatyk,Kyiv,vul. Khreshchatyk 22,Kyiv,50.4474,30.5226,Europe/Kyiv,"
    "in_store|chat,yes\n"
)


async def _client(api: Api) -> tuple[dict[str, str], int]:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Polmarket"})
    return admin, client["id"]


async def _import(api: Api, admin: dict[str, str], client_id: int, content: bytes) -> Any:
    return await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import",
        headers={**admin, "Content-Type": "text/csv"},
        content=content,
    )


async def _outlets(api: Api, admin: dict[str, str], client_id: int) -> dict[str, Any]:
    page = await api.ok("GET", f"/api/v1/outlets?client_id={client_id}", admin)
    return {outlet["code"]: outlet for outlet in page["items"]}


async def test_good_file_creates_outlets_and_regions(api: Api) -> None:
    admin, client_id = await _client(api)
    response = await _import(api, admin, client_id, GOOD.encode())
    assert 200 == response.status_code, response.text
    assert {"rows": 3, "created": 3, "updated": 0} == response.json()
    outlets = await _outlets(api, admin, client_id)
    assert {"W-01", "W-02", "K-01"} == set(outlets)
    assert "Polmarket Mokotów, Galeria" == outlets["W-02"]["name"]
    assert ["in_store", "chat"] == outlets["K-01"]["channels"]
    assert 52.2319 == outlets["W-01"]["lat"]
    regions = await api.ok("GET", f"/api/v1/clients/{client_id}/regions", admin)
    assert {"Mazowsze", "Kyiv"} == {region["name"] for region in regions["items"]}


async def test_semicolon_file_with_bom_and_decimal_commas(api: Api) -> None:
    admin, client_id = await _client(api)
    content = "\ufeffcode;name;city;lat;lon\nW-01;Centrum;Warszawa;52,2319;21,0067\n"
    response = await _import(api, admin, client_id, content.encode("utf-8"))
    assert 200 == response.status_code, response.text
    outlets = await _outlets(api, admin, client_id)
    assert 52.2319 == outlets["W-01"]["lat"]


async def test_second_import_updates_and_never_duplicates(api: Api) -> None:
    admin, client_id = await _client(api)
    await _import(api, admin, client_id, GOOD.encode())
    renamed = GOOD.replace("Polmarket Centrum", "Polmarket Centrum 2")
    response = await _import(api, admin, client_id, renamed.encode())
    assert {"rows": 3, "created": 0, "updated": 3} == response.json()
    outlets = await _outlets(api, admin, client_id)
    assert 3 == len(outlets)
    assert "Polmarket Centrum 2" == outlets["W-01"]["name"]


async def test_missing_column_is_reported(api: Api) -> None:
    admin, client_id = await _client(api)
    response = await _import(api, admin, client_id, b"code,city\nW-01,Warszawa\n")
    assert 422 == response.status_code
    assert [(1, "name", "missing_column")] == [
        (e["line"], e["column"], e["code"]) for e in response.json()["errors"]
    ]


async def test_every_bad_row_is_reported_and_nothing_is_stored(api: Api) -> None:
    admin, client_id = await _client(api)
    content = (
        "code,name,lat,lon,timezone\n"
        "A-1,Good,52.2,21.0,Europe/Warsaw\n"
        "A-2,Bad latitude,152.2,21.0,Europe/Warsaw\n"
        "A-3,Not a number,north,21.0,Europe/Warsaw\n"
        "A-1,Duplicate code,52.2,21.0,Europe/Warsaw\n"
        "A-4,Bad zone,52.2,21.0,Europe/Atlantis\n"
        ",No code,52.2,21.0,UTC\n"
    )
    response = await _import(api, admin, client_id, content.encode())
    assert 422 == response.status_code
    reported = {(e["line"], e["column"], e["code"]) for e in response.json()["errors"]}
    assert {
        (3, "lat", "out_of_range"),
        (4, "lat", "not_a_number"),
        (5, "code", "duplicate_code"),
        (6, "timezone", "unknown_timezone"),
        (7, "code", "required"),
    } <= reported
    assert not any(line == 2 for line, _column, _code in reported)
    assert {} == await _outlets(api, admin, client_id)


async def test_non_utf8_file_is_refused_with_advice(api: Api) -> None:
    admin, client_id = await _client(api)
    response = await _import(api, admin, client_id, "code,name\nW,Łódź\n".encode("cp1250"))
    assert 422 == response.status_code
    assert "UTF-8" in response.json()["detail"]


async def test_wrong_media_type_is_a_415(api: Api) -> None:
    admin, client_id = await _client(api)
    response = await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import", headers=admin, json={"code": "x"}
    )
    assert 415 == response.status_code
    assert "application/problem+json" == response.headers["content-type"]


def _workbook(rows: list[list[Any]], sheet: str = "Outlets") -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_workbook_imports_like_a_csv_and_names_bad_cells(api: Api) -> None:
    admin, client_id = await _client(api)
    header = ["Code", "Name", "Region", "Lat", "Lon", "Channels"]
    good = _workbook([header, [1001, "Centrum", "Mazowsze", 52.2319, 21.0067, "in_store|phone"]])
    response = await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import",
        headers={**admin, "Content-Type": XLSX},
        content=good,
    )
    assert 200 == response.status_code, response.text
    outlets = await _outlets(api, admin, client_id)
    assert 52.2319 == outlets["1001"]["lat"]
    assert ["in_store", "phone"] == outlets["1001"]["channels"]
    bad = _workbook([header, ["W-2", "Mokotów", "", 95, 21, "teleport"]])
    response = await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import",
        headers={**admin, "Content-Type": XLSX},
        content=bad,
    )
    assert 422 == response.status_code, response.text
    places = {error["item"] for error in response.json()["errors"]}
    assert {"Outlets!D2", "Outlets!F2"} <= places
    assert {"1001"} == set(await _outlets(api, admin, client_id))


async def test_a_file_that_is_no_workbook_is_a_415(api: Api) -> None:
    admin, client_id = await _client(api)
    response = await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import",
        headers={**admin, "Content-Type": XLSX},
        content=b"\xd0\xcf\x11\xe0 an old Excel file",
    )
    assert 415 == response.status_code
    assert "not_a_workbook" == response.json()["errors"][0]["code"]


async def test_head_office_sets_up_its_client_only_when_allowed(api: Api) -> None:
    admin, client_id = await _client(api)
    other = await api.ok("POST", "/api/v1/clients", admin, {"name": "Sever"})
    await api.create_user(admin, "ho@example.com", "head_office", client_id=client_id)
    head_office = await api.login("ho@example.com")
    body = {"name": "Mazowsze"}
    refused = await api.call("POST", f"/api/v1/clients/{client_id}/regions", head_office, body)
    assert 403 == refused.status_code
    await api.ok("PATCH", f"/api/v1/clients/{client_id}", admin, {"head_office_setup": True})
    created = await api.call("POST", f"/api/v1/clients/{client_id}/regions", head_office, body)
    assert 201 == created.status_code, created.text
    elsewhere = await api.call("POST", f"/api/v1/clients/{other['id']}/regions", head_office, body)
    assert 404 == elsewhere.status_code
    response = await api.client.post(
        f"/api/v1/clients/{client_id}/outlets/import",
        headers={**head_office, "Content-Type": "text/csv"},
        content=GOOD.encode(),
    )
    assert 200 == response.status_code, response.text
    manager = {
        "email": "rm@example.com",
        "name": "Regional",
        "role": "regional_manager",
        "password": "a long enough password",
        "client_id": client_id,
        "region_ids": [created.json()["id"]],
    }
    assert 201 == (await api.call("POST", "/api/v1/users", head_office, manager)).status_code
    auditor = {**manager, "email": "a@example.com", "role": "auditor", "client_id": None}
    refused = await api.call("POST", "/api/v1/users", head_office, auditor)
    assert 422 == refused.status_code
    people = await api.ok("GET", "/api/v1/users", head_office)
    assert {"ho@example.com", "rm@example.com"} == {p["email"] for p in people["items"]}
    clients = await api.call("POST", "/api/v1/clients", head_office, {"name": "Mine"})
    assert 403 == clients.status_code
