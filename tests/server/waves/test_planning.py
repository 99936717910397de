"""Planning a wave over HTTP: the proposal follows the rules and stores nothing; publishing an
edited proposal stores every visit or none, naming each problem; phones then sync the visits
(docs/contract.md#planning). On SQLite and PostgreSQL."""

# asserts are written as `expected == actual`

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.server.api import Api, sample_template


async def _programme(api: Api) -> dict[str, Any]:
    """A client with two regions, six outlets (two also answer the phone), four auditors (one
    living in the north, one in the south, two anywhere), a past wave and the wave to plan."""
    admin = await api.admin()
    ids: dict[str, Any] = {"admin": admin}
    store = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    phone = await api.ok("POST", "/api/v1/templates", admin, sample_template("call", "phone"))
    for template in (store, phone):
        await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "C", "lockout_days": 60})
    ids["client"] = client["id"]
    for name in ("north", "south"):
        region = await api.ok(
            "POST", f"/api/v1/clients/{client['id']}/regions", admin, {"name": name}
        )
        ids[name] = region["id"]
    ids["outlets"] = []
    for number in range(6):
        outlet = await api.ok(
            "POST",
            "/api/v1/outlets",
            admin,
            {"client_id": client["id"], "code": f"O{number}", "name": f"Outlet {number}",
             "region_id": ids["north" if number < 3 else "south"],
             "channels": ["in_store", "phone"] if number in (0, 3) else ["in_store"]},
        )  # fmt: skip
        ids["outlets"].append(outlet["id"])
    waves = {}
    for name, starts, ends in (("past", "2026-01-05", "2026-01-31"),
                               ("next", "2026-03-01", "2026-04-30")):  # fmt: skip
        waves[name] = await api.ok(
            "POST",
            "/api/v1/waves",
            admin,
            {"client_id": client["id"], "name": name, "starts_on": starts, "ends_on": ends,
             "templates": {"in_store": store["id"], "phone": phone["id"]}},
        )  # fmt: skip
    ids["waves"] = waves
    ids["auditors"] = [
        await api.create_user(admin, "north@example.test", "auditor", region_ids=[ids["north"]]),
        await api.create_user(admin, "south@example.test", "auditor", region_ids=[ids["south"]]),
        await api.create_user(admin, "any1@example.test", "auditor"),
        await api.create_user(admin, "any2@example.test", "auditor"),
    ]
    return ids


def _counts(api: Api) -> Any:
    """Counts every stored assignment, through the API (as the admin sees them)."""

    async def count() -> int:
        admin = await api.admin()
        page = await api.ok("GET", "/api/v1/assignments?limit=1000", admin)
        return len(page["items"])

    return count


async def test_an_auditors_home_regions_are_kept_and_widen_nothing(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    north = await api.ok("GET", f"/api/v1/users/{world['auditors'][0]}", admin)
    assert [world["north"]] == north["region_ids"]
    headers = await api.login("north@example.test")
    # An auditor still sees only their own assignments and outlets: none yet.
    assert [] == (await api.ok("GET", "/api/v1/outlets", headers))["items"]
    refused = await api.client.post(
        "/api/v1/users",
        headers=admin,
        json={"email": "r@example.test", "name": "R", "role": "reviewer",
              "password": "correct horse battery", "region_ids": [world["north"]]},
    )  # fmt: skip
    assert 422 == refused.status_code
    assert "region_ids" == refused.json()["errors"][0]["item"]


async def test_the_proposal_keeps_every_rule_and_stores_nothing(api: Api) -> None:
    world = await _programme(api)
    admin, auditors, outlets = world["admin"], world["auditors"], world["outlets"]
    north, south, anywhere, other = auditors
    # The anywhere auditor visited outlet 1 in the past wave (60-day lockout: until 1 April);
    # the other one is barred from outlet 2.
    await api.ok(
        "POST",
        "/api/v1/assignments",
        admin,
        {"wave_id": world["waves"]["past"]["id"], "outlet_id": outlets[1],
         "auditor_id": anywhere, "channel": "in_store"},
    )  # fmt: skip
    await api.ok("POST", f"/api/v1/users/{other}/exclusions", admin, {"outlet_id": outlets[2]})
    count = _counts(api)
    before = await count()
    wave_id = world["waves"]["next"]["id"]
    proposal = await api.ok(
        "POST", f"/api/v1/waves/{wave_id}/plan", admin, {"scenario": "Ask about returns."}
    )
    assert before == await count()
    visits = proposal["visits"]
    assert 8 == len(visits)  # six outlets in store, two on the phone
    assert [] == proposal["unplanned"]
    for visit in visits:
        outlet_index = outlets.index(visit["outlet_id"])
        if visit["channel"] == "in_store":
            assert visit["auditor_id"] != (south if outlet_index < 3 else north)
        assert "2026-03-01" <= visit["due_from"] <= visit["due_to"] <= "2026-04-30"
        assert "Ask about returns." == visit["scenario"]
        if (visit["outlet_id"], visit["auditor_id"]) == (outlets[1], anywhere):
            assert ("2026-04-01", "2026-04-30") == (visit["due_from"], visit["due_to"])
        assert (visit["outlet_id"], visit["auditor_id"]) != (outlets[2], other)
    loads = {load["auditor_id"]: load["planned"] for load in proposal["loads"]}
    assert 8 == sum(loads.values())
    assert max(loads.values()) - min(loads.values()) <= 1
    assert proposal["calibration"] is None


async def test_unplanned_visits_carry_their_reason(api: Api) -> None:
    world = await _programme(api)
    admin, auditors = world["admin"], world["auditors"]
    wave_id = world["waves"]["next"]["id"]
    proposal = await api.ok(
        "POST", f"/api/v1/waves/{wave_id}/plan", admin,
        {"auditor_ids": [auditors[0]], "max_per_auditor": 3},
    )  # fmt: skip
    assert 3 == len(proposal["visits"])
    reasons = {(u["outlet_id"], u["channel"]): u for u in proposal["unplanned"]}
    assert 5 == len(reasons)
    south_store = reasons[(world["outlets"][4], "in_store")]
    assert "no_eligible_auditor" == south_store["code"]
    assert {"outside_home_regions": 1} == south_store["refusals"]
    assert "1 outside their home regions" in south_store["reason"]
    refused = await api.client.post(
        f"/api/v1/waves/{wave_id}/plan", headers=admin, json={"auditor_ids": [auditors[0], 1]}
    )
    assert 422 == refused.status_code
    assert ["auditor_ids[1]"] == [error["item"] for error in refused.json()["errors"]]


async def test_calibration_pairs_link_every_auditor(api: Api) -> None:
    world = await _programme(api)
    admin = world["admin"]
    wave_id = world["waves"]["next"]["id"]
    proposal = await api.ok("POST", f"/api/v1/waves/{wave_id}/plan", admin, {"calibration": True})
    calibration = proposal["calibration"]
    assert calibration["linked"] is True
    assert [sorted(world["auditors"])] == calibration["groups"]
    assert 3 == calibration["pairs"]
    pairs = [v for v in proposal["visits"] if v["calibration"]]
    assert 3 == len(pairs)
    for pair in pairs:
        place = (pair["outlet_id"], pair["channel"])
        others = [
            v
            for v in proposal["visits"]
            if not v["calibration"] and (v["outlet_id"], v["channel"]) == place
        ]
        assert 1 == len(others)
        assert others[0]["auditor_id"] != pair["auditor_id"]


async def test_a_published_proposal_reaches_the_phones_and_is_not_planned_again(
    api: Api,
) -> None:
    world = await _programme(api)
    admin = world["admin"]
    wave_id = world["waves"]["next"]["id"]
    proposal = await api.ok("POST", f"/api/v1/waves/{wave_id}/plan", admin, {"calibration": True})
    # The admin moves one visit to another day range before publishing.
    visits = proposal["visits"]
    visits[0] = {**visits[0], "due_from": "2026-03-10", "due_to": "2026-03-20"}
    response = await api.client.post(
        f"/api/v1/waves/{wave_id}/assignments/bulk", headers=admin, json={"visits": visits}
    )
    assert 201 == response.status_code, response.text
    published = response.json()
    assert len(visits) == published["created"]
    first = published["assignments"][0]
    assert ("2026-03-10", "2026-03-20", "assigned") == (
        first["due_from"], first["due_to"], first["status"]
    )  # fmt: skip
    by_auditor = Counter(v["auditor_id"] for v in visits)
    north = await api.login("north@example.test")
    synced = await api.ok("GET", "/api/v1/sync", north)
    assert by_auditor[world["auditors"][0]] == len(synced["assignments"])
    again = await api.ok("POST", f"/api/v1/waves/{wave_id}/plan", admin, {})
    assert ([], []) == (again["visits"], again["unplanned"])
    log = await api.ok("GET", "/api/v1/audit-log?entity=wave", admin)
    assert "publish_plan" in {entry["action"] for entry in log["items"]}


async def test_publishing_refuses_the_whole_proposal_naming_every_problem(api: Api) -> None:
    world = await _programme(api)
    admin, auditors, outlets = world["admin"], world["auditors"], world["outlets"]
    wave_id = world["waves"]["next"]["id"]
    await api.ok(
        "POST", f"/api/v1/users/{auditors[3]}/exclusions", admin, {"client_id": world["client"]}
    )
    reviewer = await api.create_user(admin, "rev@example.test", "reviewer")
    visits = [
        {"outlet_id": outlets[0], "channel": "in_store", "auditor_id": auditors[0]},
        # The same auditor at the same outlet on the phone: within the lockout of visits[0].
        {"outlet_id": outlets[0], "channel": "phone", "auditor_id": auditors[0]},
        {"outlet_id": outlets[1], "channel": "phone", "auditor_id": auditors[2]},
        {"outlet_id": outlets[2], "channel": "in_store", "auditor_id": reviewer},
        {"outlet_id": outlets[3], "channel": "in_store", "auditor_id": auditors[3]},
        {"outlet_id": outlets[4], "channel": "in_store", "auditor_id": auditors[1],
         "due_from": "2026-02-20", "due_to": "2026-03-05"},
        {"outlet_id": outlets[5], "channel": "in_store", "auditor_id": auditors[1],
         "template_id": world["waves"]["next"]["templates"]["phone"]},
        {"outlet_id": 999_999, "channel": "in_store", "auditor_id": auditors[2]},
    ]  # fmt: skip
    count = _counts(api)
    before = await count()
    response = await api.client.post(
        f"/api/v1/waves/{wave_id}/assignments/bulk", headers=admin, json={"visits": visits}
    )
    assert 422 == response.status_code
    assert before == await count()
    problems = {(e["item"], e["code"]) for e in response.json()["errors"]}
    assert {
        ("visits[1].auditor_id", "lockout"),
        ("visits[2].channel", "channel_not_offered"),
        ("visits[3].auditor_id", "not_an_auditor"),
        ("visits[4].auditor_id", "excluded"),
        ("visits[5].due_from", "outside_wave"),
        ("visits[6].template_id", "unusable_template"),
        ("visits[7].outlet_id", "unknown_outlet"),
    } == problems
    empty = await api.client.post(
        f"/api/v1/waves/{wave_id}/assignments/bulk", headers=admin, json={"visits": []}
    )
    assert 400 == empty.status_code
