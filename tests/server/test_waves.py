"""Waves, assignment eligibility (exclusions, revisit lockout) and even bulk assignment."""

# asserts are written as `expected == actual`

from __future__ import annotations

from typing import Any

from tests.server.api import Api, sample_template


async def _programme(api: Api, outlets: int = 4, lockout_days: int = 90) -> dict[str, Any]:
    admin = await api.admin()
    template = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    client = await api.ok(
        "POST", "/api/v1/clients", admin, {"name": "C", "lockout_days": lockout_days}
    )
    outlet_ids = [
        (
            await api.ok(
                "POST",
                "/api/v1/outlets",
                admin,
                {"client_id": client["id"], "code": f"O{n}", "name": f"Outlet {n}"},
            )
        )["id"]
        for n in range(outlets)
    ]
    waves = [
        await api.ok(
            "POST",
            "/api/v1/waves",
            admin,
            {
                "client_id": client["id"],
                "name": name,
                "starts_on": starts,
                "ends_on": ends,
                "templates": {"in_store": template["id"]},
            },
        )
        for name, starts, ends in (
            ("Q1", "2026-01-05", "2026-01-30"),
            ("Q3", "2026-07-06", "2026-07-31"),
        )
    ]
    auditors = [await api.create_user(admin, f"a{n}@example.test", "auditor") for n in range(3)]
    return {"admin": admin, "client": client["id"], "outlets": outlet_ids, "waves": waves,
            "auditors": auditors}  # fmt: skip


def _assignment(world: dict[str, Any], wave: int, outlet: int, auditor: int) -> dict[str, Any]:
    return {
        "wave_id": world["waves"][wave]["id"],
        "outlet_id": world["outlets"][outlet],
        "auditor_id": world["auditors"][auditor],
        "channel": "in_store",
    }


async def test_revisit_within_lockout_is_refused_with_a_reason(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 0))
    clash = await api.client.post(
        "/api/v1/assignments", headers=admin, json=_assignment(world, 0, 0, 0)
    )
    assert 409 == clash.status_code
    assert "lockout" in clash.json()["detail"]
    # Q3 starts more than 90 days after Q1 ends: the same auditor may go back.
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 1, 0, 0))
    # Another auditor may visit the same outlet in Q1.
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 1))


async def test_lockout_follows_the_client_setting(api: Api) -> None:
    world = await _programme(api, lockout_days=365)
    admin = world["admin"]
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 0))
    clash = await api.client.post(
        "/api/v1/assignments", headers=admin, json=_assignment(world, 1, 0, 0)
    )
    assert 409 == clash.status_code


async def test_excluded_auditor_is_refused(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    auditor = world["auditors"][0]
    await api.ok(
        "POST", f"/api/v1/users/{auditor}/exclusions", admin, {"outlet_id": world["outlets"][1]}
    )
    refused = await api.client.post(
        "/api/v1/assignments", headers=admin, json=_assignment(world, 0, 1, 0)
    )
    assert 409 == refused.status_code
    assert "ineligible for this outlet" in refused.json()["detail"]


async def test_client_exclusion_blocks_every_outlet(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    auditor = world["auditors"][2]
    await api.ok(
        "POST", f"/api/v1/users/{auditor}/exclusions", admin, {"client_id": world["client"]}
    )
    refused = await api.client.post(
        "/api/v1/assignments", headers=admin, json=_assignment(world, 0, 3, 2)
    )
    assert 409 == refused.status_code
    assert "ineligible for this client" in refused.json()["detail"]


async def test_bulk_assign_spreads_evenly_and_respects_eligibility(api: Api) -> None:
    world = await _programme(api, outlets=7)
    admin = world["admin"]
    excluded = world["auditors"][0]
    await api.ok(
        "POST", f"/api/v1/users/{excluded}/exclusions", admin, {"client_id": world["client"]}
    )
    wave_id = world["waves"][0]["id"]
    report = await api.ok("POST", f"/api/v1/waves/{wave_id}/assign", admin, {"scenario": "S"})
    assert 7 == report["created"]
    assert [] == report["unassigned"]
    counts = sorted(report["per_auditor"].values())
    assert [3, 4] == counts
    assert str(excluded) not in report["per_auditor"]
    again = await api.ok("POST", f"/api/v1/waves/{wave_id}/assign", admin, {"scenario": "S"})
    assert 0 == again["created"]


async def test_bulk_assign_reports_visits_nobody_can_take(api: Api) -> None:
    world = await _programme(api, outlets=2)
    admin = world["admin"]
    wave_id = world["waves"][0]["id"]
    only = world["auditors"][1]
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 1))
    report = await api.ok("POST", f"/api/v1/waves/{wave_id}/assign", admin, {"auditor_ids": [only]})
    assert 1 == report["created"]
    assert [] == report["unassigned"]
    for outlet in world["outlets"]:
        await api.ok("POST", f"/api/v1/users/{only}/exclusions", admin, {"outlet_id": outlet})
    wave_q3 = world["waves"][1]["id"]
    blocked = await api.ok(
        "POST", f"/api/v1/waves/{wave_q3}/assign", admin, {"auditor_ids": [only]}
    )
    assert 0 == blocked["created"]
    assert 2 == len(blocked["unassigned"])


async def test_cancelled_assignment_is_kept_as_cancelled(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    assignment = await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 0))
    await api.ok("DELETE", f"/api/v1/assignments/{assignment['id']}", admin)
    kept = await api.ok("GET", f"/api/v1/assignments/{assignment['id']}", admin)
    assert "cancelled" == kept["status"]
    # A cancelled visit no longer blocks the auditor.
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 0))


async def test_a_waves_dates_and_checklists_change_only_until_its_visits_are_sent(
    api: Api,
) -> None:
    world = await _programme(api)
    admin, wave = world["admin"], world["waves"][0]
    path = f"/api/v1/waves/{wave['id']}"
    await api.ok("PATCH", path, admin, {"ends_on": "2026-02-06"})
    await api.ok("POST", "/api/v1/assignments", admin, _assignment(world, 0, 0, 0))
    changes: list[dict[str, Any]] = [
        {"ends_on": "2026-02-13"},
        {"starts_on": "2026-01-01"},
        {"templates": {}},
    ]
    for change in changes:
        refused = await api.call("PATCH", path, admin, change)
        assert 409 == refused.status_code, change
    await api.ok("PATCH", path, admin, {"name": "Q1 (first)", "ends_on": "2026-02-06"})
    stored = await api.ok("GET", path, admin)
    assert ("Q1 (first)", "2026-01-05", "2026-02-06") == (
        stored["name"], stored["starts_on"], stored["ends_on"])  # fmt: skip
