"""The exact inputs the fuzz and bad-input suites found failing, as plain regression tests.

Each test names what used to happen. They run on a fresh SQLite database holding one admin.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from server.core.problems import PROBLEM_MEDIA_TYPE
from tests.hardening.conftest import hardening_settings
from tests.server.api import Api
from tests.server.conftest import create_first_admin

INVALID_UTF8_JSON = b'{"key": "caf\xc3\x28\xff"}'
DEEPLY_NESTED_JSON = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


@pytest.fixture
async def api(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Api]:
    settings = hardening_settings(tmp_path, migrated_sqlite)
    await create_first_admin(settings)
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


def problem_of(response: object) -> dict[str, object]:
    assert PROBLEM_MEDIA_TYPE == response.headers["content-type"]  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    return body


@pytest.mark.parametrize("body", [INVALID_UTF8_JSON, DEEPLY_NESTED_JSON], ids=["utf8", "nested"])
async def test_audit_body_msgspec_cannot_decode_is_422_not_500(api: Api, body: bytes) -> None:
    """msgspec raises UnicodeDecodeError / RecursionError (not DecodeError) for these."""
    headers = {**await api.admin(), "Content-Type": "application/json"}
    response = await api.client.put(f"/api/v1/audits/{uuid.uuid4()}", content=body, headers=headers)
    assert 422 == response.status_code
    assert "invalid_json" == problem_of(response)["errors"][0]["code"]  # type: ignore[index]


@pytest.mark.parametrize("body", [INVALID_UTF8_JSON, DEEPLY_NESTED_JSON], ids=["utf8", "nested"])
async def test_json_body_litestar_cannot_decode_is_400_not_500(api: Api, body: bytes) -> None:
    """Litestar maps only msgspec.DecodeError to 400; every JSON route used to answer 500."""
    headers = {**await api.admin(), "Content-Type": "application/json"}
    for path in ("/api/v1/templates", "/api/v1/clients"):
        response = await api.client.post(path, content=body, headers=headers)
        assert 400 == response.status_code, path
        problem = problem_of(response)
        assert ("Bad request", "invalid_json") == (problem["title"], problem["errors"][0]["code"])  # type: ignore[index]


async def test_csv_cell_over_the_csv_module_limit_is_422_not_500(api: Api) -> None:
    """A cell over 128 KiB made `csv.Error` escape the import."""
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Client"})
    body = b'code,name,region\nA1,"' + b"x" * 200_000 + b'",North\n'
    response = await api.client.post(
        f"/api/v1/clients/{client['id']}/outlets/import",
        content=body,
        headers={**admin, "Content-Type": "text/csv"},
    )
    assert 422 == response.status_code
    problem = problem_of(response)
    assert "line 2, file" == problem["errors"][0]["item"]  # type: ignore[index]


async def test_admin_cannot_disable_their_own_account(api: Api) -> None:
    """The fuzz, as admin, hit DELETE /api/v1/users/1 and was logged out for good."""
    admin = await api.admin()
    me = await api.ok("GET", "/api/v1/me", admin)
    response = await api.call("DELETE", f"/api/v1/users/{me['id']}", admin)
    assert 409 == response.status_code
    response = await api.call("PATCH", f"/api/v1/users/{me['id']}", admin, {"active": False})
    assert 409 == response.status_code
    assert me == await api.ok("GET", "/api/v1/me", admin)


async def test_unknown_address_says_what_to_check(api: Api) -> None:
    """Litestar's own 404 used to say only "Not Found"."""
    response = await api.client.put("/api/v1/photos/%2e%2e", headers=await api.admin())
    assert 404 == response.status_code
    assert "check the URL" in problem_of(response)["detail"]  # type: ignore[operator]


async def test_every_operation_documents_problem_details_for_client_errors(api: Api) -> None:
    """The document promised Litestar's {status_code, detail} body for 400 and no other 4xx."""
    document = (await api.client.get("/schema/openapi.json")).json()
    problem_ref = {"$ref": "#/components/schemas/ProblemDetail"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("400", "4XX"):
                content = operation["responses"][status]["content"]
                assert {PROBLEM_MEDIA_TYPE: {"schema": problem_ref}} == content, (method, path)


@pytest.mark.parametrize("path", ["/api/v1/analytics/league", "/api/v1/analytics/exports/league"])
async def test_analytics_filter_id_beyond_the_database_integer_is_400_not_500(
    api: Api, path: str
) -> None:
    """The fuzz sent `region=1126199309110175189979845623808&format=xlsx`: SQLite overflowed."""
    query = "region=1126199309110175189979845623808&min_audits=228&template=&format=xlsx"
    response = await api.client.get(f"{path}?{query}", headers=await api.admin())
    assert 400 == response.status_code
    assert "region" == problem_of(response)["errors"][0]["item"]  # type: ignore[index]


async def test_csv_export_names_its_charset_once(api: Api) -> None:
    """The export answered `text/csv; charset=utf-8; charset=utf-8`."""
    response = await api.client.get(
        "/api/v1/analytics/exports/league?format=csv", headers=await api.admin()
    )
    assert (200, "text/csv; charset=utf-8") == (
        response.status_code,
        response.headers["content-type"],
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/users/187725097900663734452271185920/exclusions"),
        ("DELETE", "/api/v1/users/15724488911290261504"),
        ("DELETE", "/api/v1/users/85585519420760260608/exclusions/574997865056695"),
    ],
)
async def test_path_id_no_record_can_have_is_404_not_500(api: Api, method: str, path: str) -> None:
    """The soak fuzz, as admin: SQLite overflowed on ids beyond 64 bits."""
    response = await api.call(method, path, await api.admin())
    assert 404 == response.status_code
    assert "check the URL" in problem_of(response)["detail"]  # type: ignore[operator]


async def test_body_id_beyond_sqlite_integers_is_a_validation_problem_not_500(api: Api) -> None:
    """The soak fuzz over HTTP, as admin: a wave for client 4064352960497723113472.

    Ids are validated against the 32-bit key range (server/core/ids.py) before any query."""
    body = {
        "": [],
        "ends_on": "4784-01-01",
        "starts_on": "0071-10-12",
        "name": "\u00e8",
        "client_id": 4064352960497723113472,
    }
    response = await api.call("POST", "/api/v1/waves", await api.admin(), body)
    assert 400 == response.status_code
    assert PROBLEM_MEDIA_TYPE == response.headers["content-type"]
    assert "client_id" in response.text
