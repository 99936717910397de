"""The OpenAPI document describes what the phone PUTs: the audit body and the photo upload.

The document's audit schema must accept the audits the server stores and describe the
refusals it makes, so that a client generated from it (or the fuzz) sends real audits.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit

AUDIT_PATH = "/api/v1/audits/{audit_uuid}"
PHOTO_PATH = "/api/v1/photos/{photo_uuid}"


async def operation(api: Api, path: str) -> dict[str, Any]:
    document = (await api.client.get("/schema/openapi.json")).json()
    put: dict[str, Any] = document["paths"][path]["put"]
    return put


@pytest.mark.parametrize("engine", ["sqlite"])  # the document, not the engine, is tested
async def test_audits_the_server_stores_match_the_documented_body(api: Api, world: World) -> None:
    schema = (await operation(api, AUDIT_PATH))["requestBody"]["content"]["application/json"][
        "schema"
    ]
    validator = jsonschema.Draft202012Validator(schema)
    body = audit_body(
        world.ids["assignment_own"],
        location={"lat": 52.2, "lon": 21.0, "accuracy_m": 8.5, "at": "2026-01-06T10:16:00Z"},
        sent_at="2026-01-06T10:42:00+01:00",
    )
    body["client_score"] = {"percent": "90.0"}

    assert [] == [error.message for error in validator.iter_errors(body)]
    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)
    assert 201 == response.status_code, response.text


@pytest.mark.parametrize("engine", ["sqlite"])
@pytest.mark.parametrize(
    "change",
    [
        {"surprise": 1},
        {"answers": [{"item": "greeted", "value": True, "score": 3}]},
        {"location": {"lat": 95.0, "lon": 21.0}},
        {"assignment_id": "seven"},
    ],
    ids=["unknown-field", "unknown-answer-field", "latitude-out-of-range", "id-not-a-number"],
)
async def test_bodies_the_document_refuses_are_refused_by_the_server(
    api: Api, world: World, change: dict[str, Any]
) -> None:
    schema = (await operation(api, AUDIT_PATH))["requestBody"]["content"]["application/json"][
        "schema"
    ]
    body = {**audit_body(world.ids["assignment_own"]), **change}

    assert not jsonschema.Draft202012Validator(schema).is_valid(body)
    response = await put_audit(api, world.headers["auditor"], new_uuid(), body)
    assert 422 == response.status_code, response.text


@pytest.mark.parametrize("engine", ["sqlite"])
async def test_the_photo_upload_documents_its_image_types_and_hash_header(api: Api) -> None:
    put = await operation(api, PHOTO_PATH)

    assert {"image/jpeg", "image/png", "image/webp", "image/heic"} == set(
        put["requestBody"]["content"]
    )
    header = next(p for p in put["parameters"] if p["name"] == "X-Content-SHA256")
    assert ("header", True) == (header["in"], header["required"])
