"""Table-driven access control: every route, every role, in and out of scope.

Each case names a route as the app declares it, the records it is called on (own, other
outlet, other region, other client) and the status every role must get; list cases also name
the exact records each role must see. The table must cover every route of the app: a new
route without rows here fails `test_every_route_is_in_the_table`.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import io
import re
from typing import Any

from PIL import ExifTags, Image

from server.dashboard.web import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE
from tests.fixtures import PHOTOS
from tests.server.access import (
    AGENCY_ONLY,
    CLIENT_DATA,
    CLIENT_ROLES,
    CORE_PUBLIC_ROUTES,
    EVERYONE_IN_SCOPE,
    REVIEW_OF_RELEASED,
    ROLES,
    SCOPES,
    VISIBLE,
    XLSX,
    Case,
    Scoped,
    admin_only,
    contributed_preparations,
    contributed_tables,
    person_ids_in_json,
    readable_texts,
    statuses,
)
from tests.server.api import ADMIN_EMAIL, PASSWORD, Api, World, build_world, sample_template
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, put_photo

EMAILS = {"admin": ADMIN_EMAIL}
PHOTO_SOURCE = PHOTOS / "small_orientation_6.jpg"

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
         regional_manager=404, outlet_manager=404), {"region_id": "region_south"}),
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
    covered = {(case.method, case.route) for case in CASES + MATRIX} | PUBLIC_ROUTES
    missing = declared - covered
    assert set() == missing, (
        "routes missing from the access table: add rows for them to CASES in "
        "tests/server/<feature>/access_table.py (see tests/server/access.py)"
    )
    assert set() == covered - declared, "table rows for routes that no longer exist"
    # Every dashboard page is read by each role in the scope matrix (forms: tests/security).
    pages = {path for method, path in declared if method == "GET"
             and not path.startswith(("/api/", "/schema", "/static"))}  # fmt: skip
    assert set() == pages - {case.route for case in MATRIX if case.session}


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
    print(*mismatches, sep="\n")
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


# --- the scope matrix: dashboard pages, exports, PDFs, media; shopper anonymity -------------

SHOPPER_NAMES = {"auditor": "Zebediah Quillfeather", "other_auditor": "Philippa Marchbanks"}
NOT_AUDITOR = statuses(200, auditor=403)
OUTLET = "/api/v1/outlets/{outlet_id:int}"
PHOTO = "/api/v1/photos/{photo_uuid:uuid}"

SCOPED = [
    Scoped("GET", OUTLET, EVERYONE_IN_SCOPE, "outlet"),
    Scoped("GET", "/api/v1/analytics/outlets/{outlet_id:int}/trend", CLIENT_DATA, "outlet"),
    Scoped("GET", OUTLET + "/report.pdf", CLIENT_DATA, "outlet"),
    Scoped("GET", "/api/v1/waves/{wave_id:int}/comparison.pdf", CLIENT_DATA, "wave",
           scopes=("own", "other_client")),
    Scoped("GET", "/api/v1/audits/released/{audit_uuid:uuid}", CLIENT_DATA, "audit"),
    Scoped("GET", "/api/v1/audits/{audit_uuid:uuid}", AGENCY_ONLY, "audit"),
    Scoped("GET", PHOTO + "/display", EVERYONE_IN_SCOPE, "photo"),
    Scoped("GET", PHOTO + "/thumbnail", EVERYONE_IN_SCOPE, "photo"),
    Scoped("GET", "/outlets/{outlet_id:int}", CLIENT_DATA, "outlet", session=True),
    Scoped("GET", "/outlets/{outlet_id:int}/report.pdf", CLIENT_DATA, "outlet", session=True),
    Scoped("GET", "/photos/{photo_uuid:uuid}/thumbnail", EVERYONE_IN_SCOPE, "photo",
           session=True),
    Scoped("GET", "/photos/{photo_uuid:uuid}/display", EVERYONE_IN_SCOPE, "photo",
           session=True),
    # An audit's page: agency staff read it with its auditor, client users the released view.
    Scoped("GET", "/audits/{audit_uuid:uuid}", EVERYONE_IN_SCOPE, "audit", session=True),
    Scoped("GET", "/waves/{wave_id:int}/comparison.pdf", CLIENT_DATA, "wave",
           scopes=("own", "other_client"), session=True),
    Scoped("GET", "/disputes/{dispute_id:int}/photo", CLIENT_DATA, "dispute",
           session=True),
    Scoped("GET", "/actions/{action_id:int}/evidence", CLIENT_DATA, "action",
           session=True),
    Scoped("POST", "/review/{audit_uuid:uuid}/approve", REVIEW_OF_RELEASED, "audit",
           session=True, form={"note": ""}),
    Scoped("POST", "/review/{audit_uuid:uuid}/return", REVIEW_OF_RELEASED, "audit",
           session=True, form={"note": "Time the wait again."}),
]  # fmt: skip

ANALYTICS = "/api/v1/analytics/"
UNSCOPED = [
    *(Case("GET", ANALYTICS + figure, NOT_AUDITOR, query="?min_audits=1")
      for figure in ("league", "trend", "regions", "heatmap", "pareto", "best-vs-rest",
                     "channels", "nps")),
    *(Case("GET", ANALYTICS + figure, statuses(403, admin=200, reviewer=200))
      for figure in ("calibration", "auditors", "agreement")),
    *(Case("GET", ANALYTICS + figure, NOT_AUDITOR, query="?target_width=20&difference=10")
      for figure in ("funnel", "planner")),
    *(Case("GET", ANALYTICS + "exports/" + kind, NOT_AUDITOR, query=f"?min_audits=1&format={form}")
      for kind in ("league", "answers") for form in ("csv", "xlsx")),
    Case("GET", "/api/v1/audits/released", NOT_AUDITOR),
    Case("GET", "/api/v1/outlets", statuses(200)),
    Case("GET", "/", statuses(200, auditor=403, reviewer=303), session=True),
    *(Case("GET", page, NOT_AUDITOR, session=True, query="?min_audits=1")
      for page in ("/league", "/heatmap", "/best-vs-rest", "/channels")),
    *(Case("GET", "/exports/{kind:str}", NOT_AUDITOR, {"kind": kind}, session=True,
           query=f"?min_audits=1&format={form}")
      for kind in ("league", "answers") for form in ("csv", "xlsx")),
    Case("GET", "/review", statuses(403, admin=200, reviewer=200), session=True),
    # What the data can tell: the funnel and planner for every analytics role, the pages that
    # name auditors for agency staff only.
    *(Case("GET", page, NOT_AUDITOR, session=True, query="?target_width=20&difference=10")
      for page in ("/funnel", "/planner")),
    *(Case("GET", page, statuses(403, admin=200, reviewer=200), session=True)
      for page in ("/auditors", "/agreement")),
    Case("GET", "/disputes", NOT_AUDITOR, session=True),
    Case("GET", "/network", NOT_AUDITOR, session=True),
    Case("GET", "/admin", admin_only(200), session=True),
    # Set-up and checklists: admins, and a head office whose client lets it (none here).
    Case("GET", "/setup", admin_only(200), session=True),
    *(Case("GET", "/setup/clients/{client_id:int}", admin_only(200), {"client_id": client},
           session=True) for client in ("client_a", "client_b")),
    Case("GET", "/setup/waves/{wave_id:int}/plan", admin_only(200), {"wave_id": "wave_a"},
         session=True),
    Case("GET", "/checklists", admin_only(200), session=True),
    Case("GET", "/checklists/{template_id:int}", admin_only(200), {"template_id": "template"},
         session=True, query="?lang=uk"),
    Case("GET", "/checklists/{template_id:int}/export.xlsx", admin_only(200),
         {"template_id": "template"}, session=True),
    Case("GET", "/login", statuses(200), session=True),
    # Public pages (no login): the verification of a report issued for the own outlet.
    Case("GET", "/verify", statuses(200), session=True),
    Case("GET", "/verify/{code:str}", statuses(200), {"code": "report_code"}, session=True),
]  # fmt: skip
PUBLIC_PAGES = {"/login", "/verify", "/verify/{code:str}"}
REPORT_CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
MATRIX = [case for row in SCOPED for case in row.cases()] + UNSCOPED
# Outlet codes of the matrix world, by scope: a role must never read one outside its scope.
OUTLET_CODES = {scope: scope.upper() for scope in SCOPES}
MATRIX_CSRF = "matrix-csrf-token-" + "x" * 24


def shopper_photo(scope: str, shopper: str) -> bytes:
    """A phone photo whose EXIF names the shopper (as some phones do): it must not survive."""
    image = Image.open(PHOTO_SOURCE)
    exif = image.getexif()
    exif[ExifTags.Base.Artist] = SHOPPER_NAMES[shopper]
    exif[ExifTags.Base.Copyright] = f"{shopper}@example.test"
    exif[ExifTags.Base.ImageDescription] = f"visit of the {scope} outlet"
    output = io.BytesIO()
    image.save(output, "JPEG", quality=90, exif=exif)
    return output.getvalue()


async def build_matrix_world(api: Api) -> World:
    """The core world plus one released visit with a photo at every scope; the own outlet's
    by the auditor, the others by the other auditor; both auditors carry unmistakable names."""
    world = await build_world(api)
    admin, ids = world.headers["admin"], world.ids
    for shopper, name in SHOPPER_NAMES.items():
        await api.ok("PATCH", f"/api/v1/users/{ids['user_' + shopper]}", admin, {"name": name})
    extra = await api.ok(
        "POST",
        "/api/v1/assignments",
        admin,
        {"wave_id": ids["wave_a"], "outlet_id": ids["outlet_other_region"],
         "auditor_id": ids["user_other_auditor"], "channel": "in_store"},
    )  # fmt: skip
    visits = {
        "own": (ids["assignment_own"], "auditor"),
        "other_outlet": (ids["assignment_other"], "other_auditor"),
        "other_region": (extra["id"], "other_auditor"),
        "other_client": (ids["assignment_other_client"], "other_auditor"),
    }
    for scope, (assignment_id, shopper) in visits.items():
        shopper_headers = world.headers[shopper]
        photo_uuid, audit_uuid = new_uuid(), new_uuid()
        photo = await put_photo(api, shopper_headers, photo_uuid, shopper_photo(scope, shopper))
        assert 201 == photo.status_code, photo.text
        audit = await put_audit(
            api,
            shopper_headers,
            audit_uuid,
            audit_body(assignment_id, greeted=False, photos=[photo_uuid]),
        )
        assert 201 == audit.status_code, audit.text
        await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {})
        world.ids[f"audit_{scope}"] = audit_uuid  # type: ignore[assignment]  # UUID routes
        world.ids[f"photo_{scope}"] = photo_uuid  # type: ignore[assignment]
        # A corrective action with an evidence photo and a dispute with a photo on the failed
        # item, so the dashboard's thumbnails of both are read at every scope too.
        action = await api.ok(
            "POST",
            "/api/v1/corrective-actions",
            admin,
            {"audit_uuid": str(audit_uuid), "item": "greeted"},
        )
        evidence = await api.client.put(
            f"/api/v1/corrective-actions/{action['id']}/evidence",
            headers={**admin, "Content-Type": "image/jpeg"},
            content=PHOTO_SOURCE.read_bytes(),
        )
        assert 201 == evidence.status_code, evidence.text
        dispute = await api.ok(
            "POST",
            "/api/v1/disputes",
            admin,
            {"audit_uuid": str(audit_uuid), "item": "greeted", "reason": "We did greet."},
        )
        dispute_photo = await api.client.put(
            f"/api/v1/disputes/{dispute['id']}/photo",
            headers={**admin, "Content-Type": "image/jpeg"},
            content=PHOTO_SOURCE.read_bytes(),
        )
        assert 201 == dispute_photo.status_code, dispute_photo.text
        world.ids[f"action_{scope}"] = action["id"]
        world.ids[f"dispute_{scope}"] = dispute["id"]
    ids["wave_own"], ids["wave_other_client"] = ids["wave_a"], ids["wave_b"]
    # A report issued for the own outlet: the verification page of its code is public.
    report = await api.client.get(f"/api/v1/outlets/{ids['outlet_own']}/report.pdf", headers=admin)
    text = readable_texts("application/pdf", report.content)[-1]
    world.ids["report_code"] = REPORT_CODE.findall(text)[0]  # type: ignore[assignment]
    return world


def session_headers(bearer: dict[str, str]) -> dict[str, str]:
    """The dashboard's session cookie holds the very token the API hands out; forms also
    carry the CSRF cookie (the field is added to the form)."""
    cookies = [f"{CSRF_COOKIE}={MATRIX_CSRF}"]
    if bearer:
        cookies.append(f"{SESSION_COOKIE}={bearer['Authorization'].removeprefix('Bearer ')}")
    return {"Cookie": "; ".join(cookies)}


def out_of_scope_outlets(role: str, texts: list[str]) -> list[str]:
    hidden = [code for scope, code in OUTLET_CODES.items() if scope not in VISIBLE[role]]
    return [code for code in hidden if any(code in text for text in texts)]


def shopper_identities(world: World, response: Any, texts: list[str]) -> list[str]:
    """The auditors' names, e-mails and user ids found in a response."""
    shoppers = ("auditor", "other_auditor")
    identities = [*SHOPPER_NAMES.values(), *(f"{shopper}@example.test" for shopper in shoppers)]
    found = [name for name in identities if any(name.lower() in t.lower() for t in texts)]
    content_type = response.headers.get("content-type", "")
    if content_type.startswith(("text/csv", XLSX)):
        # A spreadsheet naming an auditor column (e.g. auditor_id) identifies the shopper.
        found += [f"{word} column" for word in ("auditor", "shopper")
                  if any(word in text.lower() for text in texts)]  # fmt: skip
    if "json" in content_type:
        person_ids = {world.ids["user_" + shopper] for shopper in shoppers}
        found += person_ids_in_json(response.json(), person_ids)
    return found


async def test_scope_matrix_and_shopper_anonymity(api: Api) -> None:
    world = await build_matrix_world(api)
    mismatches: list[tuple[Any, ...]] = []
    agency_saw: set[tuple[str, str]] = set()
    for case in MATRIX:
        url = case.url(world)
        for role in ("anonymous", *ROLES):
            headers = world.headers[role]
            response = await api.client.request(
                case.method,
                url,
                headers=session_headers(headers) if case.session else headers,
                data={**case.form, CSRF_FIELD: MATRIX_CSRF} if case.form is not None else None,
                follow_redirects=False,
            )
            api.client.cookies.clear()
            if role == "anonymous":
                expected = (200 if case.route in PUBLIC_PAGES else 303) if case.session else 401
            else:
                expected = case.expected[role]
            if expected != response.status_code:
                mismatches.append((url, role, expected, response.status_code))
            elif expected == 303 and role == "anonymous":
                assert "/login" == response.headers["location"]
            elif expected == 200 and role != "anonymous":
                texts = readable_texts(response.headers["content-type"], response.content)
                leaks = out_of_scope_outlets(role, texts)
                identities = shopper_identities(world, response, texts)
                if role in CLIENT_ROLES:
                    leaks += identities
                elif identities:
                    agency_saw.add((case.route, case.query))
                if leaks:
                    mismatches.append((url, role, "leaks", leaks))
    assert [] == mismatches
    # The search finds identities where they are allowed: it would find a leak too.
    assert {
        ("/api/v1/audits/{audit_uuid:uuid}", ""),
        ("/api/v1/analytics/exports/answers", "?min_audits=1&format=xlsx"),
        ("/exports/{kind:str}", "?min_audits=1&format=csv"),
    } <= agency_saw
