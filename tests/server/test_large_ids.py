"""Ids no record can have are refused with a problem detail on both engines, never a 500.

PostgreSQL keys are 32-bit (`serial`), so 2**31 already fails there while SQLite takes it; 2**70
overflows SQLite's 64-bit integers too.
"""

from __future__ import annotations

import uuid

import pytest

from tests.server.api import Api

IMPOSSIBLE_IDS = [2**31, 2**63, 2**70]


@pytest.mark.parametrize("client_id", IMPOSSIBLE_IDS)
async def test_an_impossible_id_in_a_body_is_refused_by_validation(
    api: Api, client_id: int
) -> None:
    admin = await api.admin()
    body = {
        "client_id": client_id,
        "name": "Q1",
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
    }
    response = await api.call("POST", "/api/v1/waves", admin, body)
    assert 400 == response.status_code, response.text
    assert "application/problem+json" == response.headers["content-type"]
    assert "client_id" in response.text  # the field is named, so a person can fix it
    waves = await api.ok("GET", "/api/v1/waves", admin)
    assert [] == waves["items"]


@pytest.mark.parametrize("outlet_id", IMPOSSIBLE_IDS)
async def test_an_impossible_id_in_a_path_is_404(api: Api, outlet_id: int) -> None:
    response = await api.call("GET", f"/api/v1/outlets/{outlet_id}", await api.admin())
    assert 404 == response.status_code, response.text
    assert "application/problem+json" == response.headers["content-type"]


@pytest.mark.parametrize("assignment_id", [0, *IMPOSSIBLE_IDS])
async def test_an_impossible_assignment_in_an_audit_is_a_422_naming_the_field(
    api: Api, assignment_id: int
) -> None:
    """The audit wire format is read by hand (every problem by item), so it checks the range
    itself; asyncpg answered 500 for 2**70 ("value out of int32 range")."""
    body = {
        "assignment_id": assignment_id,
        "template": {"key": "store-visit", "version": 1},
        "started_at": "2026-01-06T10:15:00+01:00",
        "finished_at": "2026-01-06T10:41:30+01:00",
        "answers": [],
    }
    response = await api.call("PUT", f"/api/v1/audits/{uuid.uuid4()}", await api.admin(), body)
    assert 422 == response.status_code, response.text
    assert "application/problem+json" == response.headers["content-type"]
    errors = response.json()["errors"]
    assert [("assignment_id", "invalid_assignment")] == [(e["item"], e["code"]) for e in errors]
