"""Checklist workbooks and the preview over HTTP (docs/contract.md#xlsform): importing makes a
draft (raw body or multipart form), problems are a 422 naming each cell with nothing stored,
ODK workbooks are refused or partly imported on request, exports import back into the same
checklist, and the preview speaks each language. On SQLite and PostgreSQL."""

# asserts are written as `expected == actual`

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.settings import Settings
from server.templates.xlsform import XLSX_MEDIA_TYPE
from shared.checklist import Template
from shared.starters import PACKAGE
from tests.server.api import Api
from tests.server.conftest import create_first_admin
from tests.server.templates.workbooks import SURVEY, odk_workbook, shopscore_workbook

IMPORT = "/api/v1/templates/import"


async def _import(
    api: Api, headers: dict[str, str], content: bytes, query: str = "", form: bool = False
) -> Any:
    if form:
        return await api.client.post(
            IMPORT + query,
            headers=headers,
            files={"file": ("checklist.xlsx", content, XLSX_MEDIA_TYPE)},
            data={"note": "ignored"},
        )
    return await api.client.post(
        IMPORT + query, headers={**headers, "Content-Type": XLSX_MEDIA_TYPE}, content=content
    )


async def _template_count(api: Api, admin: dict[str, str]) -> int:
    return len((await api.ok("GET", "/api/v1/templates?limit=1000", admin))["items"])


@pytest.mark.parametrize("form", [False, True], ids=["raw-body", "multipart"])
async def test_a_workbook_becomes_a_draft(api: Api, form: bool) -> None:
    admin = await api.admin()
    response = await _import(api, admin, shopscore_workbook(), form=form)
    assert 201 == response.status_code, response.text
    imported = response.json()
    assert [] == imported["left_out"]
    draft = imported["template"]
    assert ("deli-visit", 1, "draft", "in_store") == (
        draft["key"], draft["version"], draft["status"], draft["channel"]
    )  # fmt: skip
    assert "Deli counter visit" == draft["title"]
    stored = await api.ok("GET", f"/api/v1/templates/{draft['id']}", admin)
    template = Template.from_dict(stored["body"])
    assert ["counter", "notes"] == [section.key for section in template.sections]


async def test_problems_are_named_by_cell_and_nothing_is_stored(api: Api) -> None:
    admin = await api.admin()
    survey = [list(row) + [None] * (len(SURVEY[0]) - len(row)) for row in SURVEY]
    survey[2][8] = "five"
    survey[10][9] = "maybe"
    before = await _template_count(api, admin)
    response = await _import(api, admin, shopscore_workbook(survey=survey))
    assert 422 == response.status_code
    problem = response.json()
    assert "application/problem+json" == response.headers["content-type"]
    assert [
        {"item": "survey!I3", "code": "not_a_number",
         "message": "survey!I3: points must be a number"},
        {"item": "survey!J11", "code": "not_yes_or_no",
         "message": "survey!J11: critical must be yes or no"},
    ] == problem["errors"]  # fmt: skip
    assert before == await _template_count(api, admin)


async def test_an_odk_workbook_is_refused_then_imported_in_part_on_request(api: Api) -> None:
    admin = await api.admin()
    before = await _template_count(api, admin)
    refused = await _import(api, admin, odk_workbook())
    assert 422 == refused.status_code
    places = [error["item"] for error in refused.json()["errors"]]
    assert {"survey!A9", "survey!A13", "survey!A7", "survey!I8"} <= set(places)
    assert before == await _template_count(api, admin)
    partial = await _import(api, admin, odk_workbook(), "?partial=true")
    assert 201 == partial.status_code, partial.text
    imported = partial.json()
    assert set(places) == {entry["item"] for entry in imported["left_out"]}
    assert ("store_check", 1) == (imported["template"]["key"], imported["template"]["version"])


async def test_an_export_imports_back_as_the_next_version_of_the_same_checklist(
    api: Api,
) -> None:
    admin = await api.admin()
    body = json.loads(files(PACKAGE).joinpath("store-visit.json").read_text("utf-8"))
    first = await api.ok("POST", "/api/v1/templates", admin, body)
    await api.ok("POST", f"/api/v1/templates/{first['id']}/publish", admin)
    exported = await api.client.get(f"/api/v1/templates/{first['id']}/export.xlsx", headers=admin)
    assert 200 == exported.status_code
    assert exported.headers["content-type"].startswith(XLSX_MEDIA_TYPE)
    assert 'filename="store-visit-v1.xlsx"' in exported.headers["content-disposition"]
    response = await _import(api, admin, exported.content)
    assert 201 == response.status_code, response.text
    second = response.json()["template"]
    assert 2 == second["version"]
    original = Template.from_dict(body).to_dict()
    again = Template.from_dict(second["body"]).to_dict()
    assert {**original, "version": 2} == again


async def test_what_is_not_a_workbook_is_415(api: Api) -> None:
    admin = await api.admin()
    response = await _import(api, admin, b"type,name\ntext,a\n")
    assert 415 == response.status_code
    assert "not_a_workbook" == response.json()["errors"][0]["code"]
    empty_form = await api.client.post(
        IMPORT, headers=admin, files={"other": ("a.txt", b"x", "text/plain")}
    )
    assert 415 == empty_form.status_code


async def test_only_admins_import(api: Api) -> None:
    admin = await api.admin()
    await api.create_user(admin, "auditor@example.test", "auditor")
    auditor = await api.login("auditor@example.test")
    assert 403 == (await _import(api, auditor, shopscore_workbook())).status_code


@pytest.fixture
async def small_limit_api(settings: Settings) -> AsyncIterator[Api]:
    """The app with MAX_CSV_BYTES of 4 KB, the limit of every file import."""
    await create_first_admin(settings)
    app = create_app(dataclasses.replace(settings, max_csv_bytes=4096))
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


@pytest.mark.parametrize("form", [False, True], ids=["raw-body", "multipart"])
async def test_max_csv_bytes_limits_workbook_imports(small_limit_api: Api, form: bool) -> None:
    api = small_limit_api
    admin = await api.admin()
    content = shopscore_workbook()
    assert len(content) > 4096
    response = await _import(api, admin, content, form=form)
    assert 413 == response.status_code
    assert [] == (await api.ok("GET", "/api/v1/templates", admin))["items"]


async def test_the_preview_shows_the_checklist_in_each_language(api: Api) -> None:
    admin = await api.admin()
    draft = (await _import(api, admin, shopscore_workbook())).json()["template"]
    url = f"/api/v1/templates/{draft['id']}/preview"
    russian = await api.ok("GET", url + "?lang=ru", admin)
    assert ("ru", "deli-visit", "draft") == (russian["lang"], russian["key"], russian["status"])
    counter = russian["sections"][0]
    assert ("У прилавка", 3, 24) == (counter["title"], counter["weight"], counter["points"])
    greeted = counter["items"][0]
    assert ("Вас поприветствовали?", "Within 30 s", 5, True) == (
        greeted["text"], greeted["hint"], greeted["points"], greeted["critical"]
    )  # fmt: skip
    assert [("yes", "Да", 5, False), ("no", "Нет", 0, True)] == [
        (o["key"], o["text"], o["points"], o["fail"]) for o in greeted["options"]
    ]
    assert ["hint"] == greeted["untranslated"]
    manner = counter["items"][2]
    assert [("warm", "Радушно"), ("cold", "Холодно")] == [
        (o["key"], o["text"]) for o in manner["options"]
    ]
    assert {"item": "greeted", "item_text": "Вас поприветствовали?",
            "answers": ["Да", "Нет"]} == manner["show_if"]  # fmt: skip
    wait = counter["items"][1]
    # the workbook's one-word "s" is written in Russian by the product
    assert ("Waiting time", "с", 60, 300) == (
        wait["text"], wait["unit"], wait["target"], wait["limit"]
    )  # fmt: skip
    recommend = russian["sections"][1]["items"][2]
    assert ("nps", 0, 10) == (recommend["kind"], recommend["min"], recommend["max"])
    assert russian["untranslated"] > 0
    polish = await api.ok("GET", url + "?lang=pl", admin)
    assert ("Wizyta przy ladzie", "Dobrze") == (polish["title"], polish["bands"][0]["title"])
    english = await api.ok("GET", url, admin)
    assert (0, "en") == (english["untranslated"], english["lang"])
    assert 400 == (await api.client.get(url + "?lang=de", headers=admin)).status_code
