"""Table-driven access control: every route, every role, in and out of scope (DESIGN §1).

Each case names a route as the app declares it, the records it is called on (own, other
outlet, other region, other client) and the status every role must get; list cases also name
the exact records each role must see. The table must cover every route of the app: a new
route without rows here fails `test_every_route_is_in_the_table`.
"""

# the team writes asserts as `expected == actual`

from __future__ import annotations

import re
from typing import Any

from tests.server.access import (
    CORE_PUBLIC_ROUTES,
    ROLES,
    Case,
    admin_only,
    contributed_preparations,
    contributed_tables,
    statuses,
)
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api, World, build_world, sample_template

EMAILS = {"admin": ADMIN_EMAIL}

OUTLETS_A = {"outlet_own", "outlet_other_outlet", "outlet_other_region"}
CSV = b"code,name,city,lat,lon\nIMP-1,Imported,Warsaw,52.2,21.0\n"

CORE_CASES = [
    # --- lists first, before admin writes add records ------------------------------------
    Case("GET", "/api/v1/clients", statuses(200),
         sees={"admin": {"client_a", "client_b"}, "reviewer": {"client_a"}, "auditor": set(),
               "head_office": {"client_a"}, "regional_manager": {"client_a"},
               "outlet_manager": {"client_a"}}),
    Case("GET", "/api/v1/outlets", statuses(200),
         sees={"admin": OUTLETS_A | {"outlet_other_client"}, "reviewer": OUTLETS_A,
               "auditor": {"outlet_own"}, "head_office": OUTLETS_A,
               "regional_manager": {"outlet_own", "outlet_other_outlet"},
               "outlet_manager": {"outlet_own"}}),
    Case("GET", "/api/v1/waves", statuses(200, auditor=403),
         sees={"admin": {"wave_a", "wave_b"}, "reviewer": {"wave_a"}, "head_office": {"wave_a"},
               "regional_manager": {"wave_a"}, "outlet_manager": {"wave_a"}}),
    Case("GET", "/api/v1/assignments", statuses(403, admin=200, reviewer=200, auditor=200),
         sees={"admin": {"assignment_own", "assignment_other", "assignment_other_client"},
               "reviewer": {"assignment_own", "assignment_other"},
               "auditor": {"assignment_own"}}),
    Case("GET", "/api/v1/templates", statuses(403, admin=200, reviewer=200, auditor=200),
         sees={"admin": {"template", "template_other"}, "reviewer": {"template", "template_other"},
               "auditor": {"template"}}),
    Case("GET", "/api/v1/users", admin_only(200)),
    Case("GET", "/api/v1/audit-log", admin_only(200)),
    Case("GET", "/api/v1/me", statuses(200)),
    # --- single records, each scope -------------------------------------------------------
    Case("GET", "/api/v1/clients/{client_id:int}", statuses(200, auditor=404),
         {"client_id": "client_a"}),
    Case("GET", "/api/v1/clients/{client_id:int}", statuses(404, admin=200),
         {"client_id": "client_b"}),
    Case("GET", "/api/v1/clients/{client_id:int}/regions", statuses(200, auditor=404),
         {"client_id": "client_a"}),
    Case("GET", "/api/v1/clients/{client_id:int}/regions", statuses(404, admin=200),
         {"client_id": "client_b"}),
    Case("GET", "/api/v1/regions/{region_id:int}", statuses(200, auditor=404),
         {"region_id": "region_north"}),
    Case("GET", "/api/v1/regions/{region_id:int}", statuses(200, auditor=404,
         regional_manager=404), {"region_id": "region_south"}),
    Case("GET", "/api/v1/regions/{region_id:int}", statuses(404, admin=200),
         {"region_id": "region_b"}),
    Case("GET", "/api/v1/outlets/{outlet_id:int}", statuses(200), {"outlet_id": "outlet_own"}),
    Case("GET", "/api/v1/outlets/{outlet_id:int}", statuses(200, auditor=404, outlet_manager=404),
         {"outlet_id": "outlet_other_outlet"}),
    Case("GET", "/api/v1/outlets/{outlet_id:int}",
         statuses(404, admin=200, reviewer=200, head_office=200),
         {"outlet_id": "outlet_other_region"}),
    Case("GET", "/api/v1/outlets/{outlet_id:int}", statuses(404, admin=200),
         {"outlet_id": "outlet_other_client"}),
    Case("GET", "/api/v1/templates/{template_id:int}",
         statuses(403, admin=200, reviewer=200, auditor=200), {"template_id": "template"}),
    Case("GET", "/api/v1/templates/{template_id:int}",
         statuses(403, admin=200, reviewer=200, auditor=404), {"template_id": "template_other"}),
    Case("GET", "/api/v1/templates/{template_id:int}/export",
         statuses(403, admin=200, reviewer=200, auditor=200), {"template_id": "template"}),
    Case("GET", "/api/v1/waves/{wave_id:int}", statuses(200, auditor=403), {"wave_id": "wave_a"}),
    Case("GET", "/api/v1/waves/{wave_id:int}", statuses(404, admin=200, auditor=403),
         {"wave_id": "wave_b"}),
    Case("GET", "/api/v1/assignments/{assignment_id:int}",
         statuses(403, admin=200, reviewer=200, auditor=200), {"assignment_id": "assignment_own"}),
    Case("GET", "/api/v1/assignments/{assignment_id:int}",
         statuses(403, admin=200, reviewer=200, auditor=404),
         {"assignment_id": "assignment_other"}),
    Case("GET", "/api/v1/assignments/{assignment_id:int}",
         statuses(403, admin=200, reviewer=404, auditor=404),
         {"assignment_id": "assignment_other_client"}),
    Case("GET", "/api/v1/users/{user_id:int}", admin_only(200), {"user_id": "user_auditor"}),
    Case("GET", "/api/v1/users/{user_id:int}/exclusions", admin_only(200),
         {"user_id": "user_auditor"}),
    # --- writes: only admins; refused roles never reach the data -------------------------
    Case("POST", "/api/v1/clients", admin_only(201), body=lambda w: {"name": "Client c"}),
    Case("PATCH", "/api/v1/clients/{client_id:int}", admin_only(200), {"client_id": "client_a"},
         body=lambda w: {"lockout_days": 60}),
    Case("POST", "/api/v1/clients/{client_id:int}/regions", admin_only(201),
         {"client_id": "client_a"}, body=lambda w: {"name": "east"}),
    Case("PATCH", "/api/v1/regions/{region_id:int}", admin_only(200),
         {"region_id": "region_north"}, body=lambda w: {"name": "North"}),
    Case("POST", "/api/v1/clients/{client_id:int}/outlets/import", admin_only(200),
         {"client_id": "client_a"}, content=CSV),
    Case("POST", "/api/v1/outlets", admin_only(201),
         body=lambda w: {"client_id": w.ids["client_b"], "code": "NEW", "name": "New"}),
    Case("PATCH", "/api/v1/outlets/{outlet_id:int}", admin_only(200),
         {"outlet_id": "outlet_own"}, body=lambda w: {"address": "Marszałkowska 1"}),
    Case("POST", "/api/v1/templates", admin_only(201), body=lambda w: sample_template("new")),
    Case("PUT", "/api/v1/templates/{template_id:int}", admin_only(409),
         {"template_id": "template"}, body=lambda w: sample_template()),
    Case("POST", "/api/v1/templates/{template_id:int}/publish", admin_only(409),
         {"template_id": "template"}),
    Case("POST", "/api/v1/templates/{template_id:int}/archive", admin_only(200),
         {"template_id": "template_other"}),
    Case("DELETE", "/api/v1/templates/{template_id:int}", admin_only(409),
         {"template_id": "template"}),
    Case("POST", "/api/v1/waves", admin_only(201),
         body=lambda w: {"client_id": w.ids["client_b"], "name": "Q2", "starts_on": "2026-04-01",
                         "ends_on": "2026-04-30"}),
    Case("PATCH", "/api/v1/waves/{wave_id:int}", admin_only(200), {"wave_id": "wave_a"},
         body=lambda w: {"name": "Q1 a (renamed)"}),
    Case("POST", "/api/v1/assignments", admin_only(201),
         body=lambda w: {"wave_id": w.ids["wave_a"], "outlet_id": w.ids["outlet_other_region"],
                         "auditor_id": w.ids["user_auditor"], "channel": "in_store"}),
    # assignment_other: feature preparations submit an audit for assignment_own.
    Case("PATCH", "/api/v1/assignments/{assignment_id:int}", admin_only(200),
         {"assignment_id": "assignment_other"}, body=lambda w: {"scenario": "Return a scarf."}),
    Case("POST", "/api/v1/waves/{wave_id:int}/assign", admin_only(200), {"wave_id": "wave_b"},
         body=lambda w: {"scenario": "Ask about delivery."}),
    Case("POST", "/api/v1/users", admin_only(201),
         body=lambda w: {"email": "new@example.test", "name": "New", "role": "auditor",
                         "password": PASSWORD}),
    Case("PATCH", "/api/v1/users/{user_id:int}", admin_only(200), {"user_id": "user_auditor"},
         body=lambda w: {"language": "pl"}),
    Case("POST", "/api/v1/users/{user_id:int}/exclusions", admin_only(201),
         {"user_id": "user_other_auditor"}, body=lambda w: {"outlet_id": w.ids["outlet_own"]}),
    Case("DELETE", "/api/v1/users/{user_id:int}/exclusions/{exclusion_id:int}", admin_only(204),
         {"user_id": "user_auditor", "exclusion_id": "exclusion"}),
    # --- deletions last -------------------------------------------------------------------
    Case("DELETE", "/api/v1/assignments/{assignment_id:int}", admin_only(204),
         {"assignment_id": "assignment_other"}),
    Case("DELETE", "/api/v1/waves/{wave_id:int}", admin_only(409), {"wave_id": "wave_b"}),
    Case("DELETE", "/api/v1/outlets/{outlet_id:int}", admin_only(409),
         {"outlet_id": "outlet_own"}),
    Case("DELETE", "/api/v1/regions/{region_id:int}", admin_only(409),
         {"region_id": "region_b"}),
    Case("DELETE", "/api/v1/clients/{client_id:int}", admin_only(409), {"client_id": "client_b"}),
    Case("DELETE", "/api/v1/users/{user_id:int}", admin_only(204), {"user_id": "user_spare"}),
    Case("POST", "/api/v1/auth/password", statuses(200), fresh_login=True,
         body=lambda w: {"current_password": PASSWORD, "new_password": PASSWORD}),
    Case("POST", "/api/v1/auth/logout", statuses(204), fresh_login=True),
]  # fmt: skip

FEATURE_CASES, FEATURE_PUBLIC_ROUTES = contributed_tables()
CASES = CORE_CASES + FEATURE_CASES
PUBLIC_ROUTES = CORE_PUBLIC_ROUTES | FEATURE_PUBLIC_ROUTES


def test_every_route_is_in_the_table(api: Api) -> None:
    declared = {
        (method, route.path)
        for route in api.app.routes
        for method in getattr(route, "methods", ())
        if method != "OPTIONS"
    }
    covered = {(case.method, case.route) for case in CASES} | PUBLIC_ROUTES
    missing = declared - covered
    assert set() == missing, (
        "routes missing from the access table: add rows for them to CASES in "
        "tests/server/<feature>/access_table.py (see tests/server/access.py)"
    )
    assert set() == covered - declared, "table rows for routes that no longer exist"


async def test_every_role_gets_what_design_allows(api: Api) -> None:
    world = await build_world(api)
    admin = world.headers["admin"]
    world.ids["user_spare"] = await api.create_user(admin, "spare@example.test", "auditor")
    exclusion = await api.ok(
        "POST",
        f"/api/v1/users/{world.ids['user_auditor']}/exclusions",
        admin,
        {"outlet_id": world.ids["outlet_other_client"]},
    )
    world.ids["exclusion"] = exclusion["id"]
    for prepare in contributed_preparations():
        await prepare(api, world)
    mismatches: list[tuple[Any, ...]] = []
    for case in CASES:
        url = case.url(world)
        anonymous = await call(api, world, case, url, {})
        if anonymous.status_code != 401:
            mismatches.append((case.method, url, "anonymous", 401, anonymous.status_code))
        # Admin last: its writes must not change what the other roles are checked against.
        for role in (*ROLES[1:], ROLES[0]):
            headers = world.headers[role]
            if case.fresh_login:
                headers = await api.login(EMAILS.get(role, f"{role}@example.test"))
            response = await call(api, world, case, url, headers)
            if case.fresh_login:
                # The call revoked every earlier token of the role: later rows need a new one.
                world.headers[role] = await api.login(EMAILS.get(role, f"{role}@example.test"))
            if case.expected[role] != response.status_code:
                mismatches.append(
                    (case.method, url, role, case.expected[role], response.status_code)
                )
                continue
            if response.status_code >= 400:
                assert "application/problem+json" == response.headers["content-type"]
                assert response.status_code == response.json()["status"]
            if case.sees is not None and role in case.sees:
                seen = {item["id"] for item in response.json()["items"]}
                expected_ids = {world.ids[key] for key in case.sees[role]}
                if expected_ids != seen:
                    mismatches.append((case.method, url, role, expected_ids, seen))
    assert [] == mismatches


async def call(api: Api, world: World, case: Case, url: str, headers: dict[str, str]) -> Any:
    if case.content is not None:
        return await api.client.request(
            case.method, url, headers={**headers, "Content-Type": "text/csv"}, content=case.content
        )
    body = case.body(world) if case.body else None
    return await api.client.request(case.method, url, headers=headers, json=body)


async def test_public_docs_need_no_token_and_no_internet(api: Api) -> None:
    for path in ("/schema", "/schema/openapi.json", "/schema/assets/swagger-ui-bundle.js"):
        assert 200 == (await api.client.get(path)).status_code, path
    page = (await api.client.get("/schema")).text
    external = re.findall(r"""(?:src|href)=["'](https?:[^"']+)""", page)
    assert [] == external
    document = (await api.client.get("/schema/openapi.json")).json()
    assert "/api/v1/outlets" in document["paths"]
