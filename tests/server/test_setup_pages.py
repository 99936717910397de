"""The dashboard's set-up forms: who may post them, on which client, and that a refused form
says what to change and stores nothing (on SQLite and PostgreSQL)."""

# asserts are written as `expected == actual`

from __future__ import annotations

import html
import re
import secrets
import uuid
from typing import Any

import pytest

from server.dashboard import setup_pages
from server.dashboard.setup_links import setup_link
from tests.security.dashboard import CSRF_FIELD, bearer_token, session
from tests.server.api import ADMIN_EMAIL, Api, sample_template
from tests.server.api import PASSWORD as API_PASSWORD
from tests.server.templates.workbooks import odk_workbook
from tests.server.workflow.helpers import answers, audit_body, critical_template

PASSWORD = "a long enough password"


class Browser:
    """One person's session on the dashboard, posting forms with the CSRF pair right."""

    def __init__(self, api: Api, headers: dict[str, str]) -> None:
        self.api = api
        self.csrf = secrets.token_urlsafe(32)
        self.headers = session(bearer_token(headers), self.csrf)

    async def get(self, path: str) -> Any:
        self.api.client.cookies.clear()
        return await self.api.client.get(path, headers=self.headers, follow_redirects=False)

    async def post(self, path: str, fields: dict[str, Any]) -> Any:
        self.api.client.cookies.clear()
        return await self.api.client.post(
            path,
            headers=self.headers,
            data={CSRF_FIELD: self.csrf, **fields},
            follow_redirects=False,
        )

    async def post_file(self, path: str, name: str, content: bytes) -> Any:
        self.api.client.cookies.clear()
        return await self.api.client.post(
            path,
            headers=self.headers,
            data={CSRF_FIELD: self.csrf},
            files={"file": (name, content, "text/csv")},
            follow_redirects=False,
        )


async def _counts(api: Api, admin: dict[str, str], client_id: int) -> tuple[int, ...]:
    outlets = await api.ok("GET", f"/api/v1/outlets?client_id={client_id}", admin)
    regions = await api.ok("GET", f"/api/v1/clients/{client_id}/regions", admin)
    waves = await api.ok("GET", f"/api/v1/waves?client_id={client_id}", admin)
    users = await api.ok("GET", "/api/v1/users", admin)
    assignments = await api.ok("GET", "/api/v1/assignments", admin)
    settings = await api.ok("GET", f"/api/v1/clients/{client_id}/workflow-settings", admin)
    return (
        len(outlets["items"]),
        len(regions["items"]),
        len(waves["items"]),
        len(users["items"]),
        len(assignments["items"]),
        settings["dispute_window_days"],
    )


async def test_a_head_office_sets_up_its_own_client_only_when_allowed(api: Api) -> None:
    admin = await api.admin()
    own = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    other = await api.ok("POST", "/api/v1/clients", admin, {"name": "Sever"})
    await api.create_user(admin, "ho@example.test", "head_office", client_id=own["id"])
    head_office = Browser(api, await api.login("ho@example.test"))
    region = {"name": "Mazowsze"}

    assert 403 == (await head_office.get("/setup")).status_code
    refused = await head_office.post(f"/setup/clients/{own['id']}/regions", region)
    assert 403 == refused.status_code
    assert "ask it to let head office do it" in refused.text

    await api.ok("PATCH", f"/api/v1/clients/{own['id']}", admin, {"head_office_setup": True})
    start = await head_office.get("/setup")
    assert (303, f"/setup/clients/{own['id']}") == (
        start.status_code,
        start.headers["location"],
    )
    page = await head_office.get(f"/setup/clients/{own['id']}")
    assert 200 == page.status_code
    assert "Add a manager" in page.text
    assert "New wave" not in page.text  # waves stay with the agency
    assert (
        303 == (await head_office.post(f"/setup/clients/{own['id']}/regions", region)).status_code
    )
    assert (
        404 == (await head_office.post(f"/setup/clients/{other['id']}/regions", region)).status_code
    )
    assert 404 == (await head_office.get(f"/setup/clients/{other['id']}")).status_code
    mine = f"/setup/clients/{own['id']}"
    for path in ("/setup/clients", "/setup/auditors", mine + "/waves", mine + "/workflow", mine):
        assert 403 == (await head_office.post(path, {"name": "x"})).status_code, path
    regions = await api.ok("GET", f"/api/v1/clients/{own['id']}/regions", admin)
    manager = {
        "role": "regional_manager",
        "name": "Regional",
        "email": "rm@example.test",
        "password": PASSWORD,
        "region_ids": str(regions["items"][0]["id"]),
    }
    added = await head_office.post(f"/setup/clients/{own['id']}/people", manager)
    assert 200 == added.status_code, added.text
    assert PASSWORD in added.text
    people = await api.ok("GET", "/api/v1/users?role=regional_manager", admin)
    assert [(own["id"], [regions["items"][0]["id"]])] == [
        (p["client_id"], p["region_ids"]) for p in people["items"]
    ]
    # The other roles of the client never may.
    await api.create_user(
        admin, "rm2@example.test", "regional_manager", client_id=own["id"],
        region_ids=[regions["items"][0]["id"]],
    )  # fmt: skip
    regional = Browser(api, await api.login("rm2@example.test"))
    assert 403 == (await regional.get("/setup")).status_code
    assert 403 == (await regional.post(f"/setup/clients/{own['id']}/regions", region)).status_code


async def test_refused_forms_say_what_to_change_and_store_nothing(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    base = f"/setup/clients/{client['id']}"
    browser = Browser(api, admin)
    before = await _counts(api, admin, client["id"])

    cases: list[tuple[str, dict[str, Any], str]] = [
        (base + "/outlets", {"code": "K-1", "name": "Centrum", "lat": "north",
                             "channels": "in_store"}, "Give a number."),
        (base + "/outlets", {"code": "", "name": "Centrum", "lat": "52.2", "lon": "",
                             "channels": "in_store"}, "Give both latitude and longitude"),
        (base + "/outlets", {"code": "K-1", "name": "Centrum", "timezone": "Mars/Base",
                             "channels": "in_store"}, "Give a time zone such as Europe/Warsaw."),
        (base + "/regions", {"name": ""}, "Give a name."),
        (base + "/waves", {"name": "Q1", "starts_on": "2026-03-31", "ends_on": "2026-01-01"},
         "Choose a published checklist for at least one channel."),
        (base + "/workflow", {"dispute_window_days": "999", "corrective_due_days": "14"},
         "Give a number of days from 0 to 366."),
        (base + "/workflow", {"dispute_window_days": "7", "corrective_due_days": "14",
                              "auto_release": "1"},
         "Releasing audits automatically needs a trust threshold."),
        (base + "/workflow", {"dispute_window_days": "7", "corrective_due_days": "14",
                              "weight_phone": "0"}, "Give a weight above 0 and at most 100."),
        (base + "/people", {"role": "outlet_manager", "name": "Anna", "email": "not-an-address",
                            "password": PASSWORD}, "Give an e-mail address such as"),
        ("/setup/auditors", {"name": "Olena", "email": "olena@example.test", "password": "short"},
         "at least 10 characters"),
        ("/setup/clients", {"name": "Kawiarnia"}, "A client with this name already exists."),
        (base, {"name": "Kawiarnia", "lockout_days": "many"}, "Give a whole number."),
    ]  # fmt: skip
    for path, fields, advice in cases:
        response = await browser.post(path, fields)
        assert 400 <= response.status_code < 500, (path, fields, response.status_code)
        assert advice in response.text, (path, fields, _main(response.text))
        assert 'aria-invalid="true"' in response.text or 'role="alert"' in response.text
    assert before == await _counts(api, admin, client["id"])

    # The outlets' file: a bad one lists its rows and stores nothing; a good one is previewed
    # first, then imported.
    bad = b"code,name,lat,lon\nK-1,Centrum,95,21\nK-1,Again,,\n"
    preview = await browser.post_file(base + "/outlets/preview", "outlets.csv", bad)
    assert 422 == preview.status_code
    assert "line 2, lat" in preview.text
    assert "line 3, code" in preview.text
    good = b"code;name;region;lat;lon\nK-1;Centrum;Mazowsze;52,2319;21,0067\n"
    preview = await browser.post_file(base + "/outlets/preview", "outlets.csv", good)
    assert 200 == preview.status_code
    assert "Nothing is stored yet." in preview.text
    assert "Mazowsze" in preview.text
    assert before == await _counts(api, admin, client["id"])
    tampered = await browser.post(base + "/outlets/import", {"kind": "csv", "content": "%%%"})
    assert 422 == tampered.status_code
    assert before == await _counts(api, admin, client["id"])

    # A good workflow form is stored as typed, a decimal comma included.
    saved = await browser.post(base + "/workflow", {
        "dispute_window_days": "10", "corrective_due_days": "21", "weight_in_store": "2",
        "weight_phone": "0,5", "league_basis": "adjusted", "live_score": "1"})  # fmt: skip
    assert 303 == saved.status_code, _main(saved.text)
    settings = await api.ok("GET", f"/api/v1/clients/{client['id']}/workflow-settings", admin)
    assert (10, 21, {"in_store": 2.0, "phone": 0.5}, "adjusted", True) == (
        settings["dispute_window_days"], settings["corrective_due_days"],
        settings["channel_weights"], settings["league_basis"], settings["live_score"])  # fmt: skip


def _main(page: str) -> str:
    return page[page.find("<main") :][:3000]


async def test_an_odk_workbook_is_refused_with_a_list_then_imported_in_part(api: Api) -> None:
    admin = await api.admin()
    browser = Browser(api, admin)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    async def send(content: bytes, partial: bool = False) -> Any:
        api.client.cookies.clear()
        return await api.client.post(
            "/checklists/import",
            headers=browser.headers,
            data={CSRF_FIELD: browser.csrf, **({"partial": "1"} if partial else {})},
            files={"file": ("odk.xlsx", content, xlsx)},
            follow_redirects=False,
        )

    refused = await send(odk_workbook())
    assert 422 == refused.status_code
    assert "survey!A9" in refused.text
    assert "repeat group (rows 9-12)" in refused.text
    not_a_workbook = await send(b"\xd0\xcf\x11\xe0 an Excel 97 file")
    assert 415 == not_a_workbook.status_code
    assert [] == (await api.ok("GET", "/api/v1/templates", admin))["items"]
    partial = await send(odk_workbook(), partial=True)
    assert 200 == partial.status_code
    assert "Left out of the workbook" in partial.text
    assert "survey!A13" in partial.text
    drafts = (await api.ok("GET", "/api/v1/templates", admin))["items"]
    assert [("store_check", "draft")] == [(t["key"], t["status"]) for t in drafts]
    page = await browser.get(f"/checklists/{drafts[0]['id']}?lang=uk")
    assert 200 == page.status_code
    assert "texts in English" in page.text
    published = await browser.post(f"/checklists/{drafts[0]['id']}/publish", {})
    assert 303 == published.status_code
    detail = await api.ok("GET", f"/api/v1/templates/{drafts[0]['id']}", admin)
    assert "published" == detail["status"]


async def test_the_checklist_preview_says_how_a_measured_item_scores_in_its_units(
    api: Api,
) -> None:
    admin = await api.admin()
    checklist = sample_template()
    checklist["sections"][0]["items"].append(
        {"key": "staff", "kind": "number", "text": {"en": "Staff on the floor"},
         "unit": {"en": "people", "ru": "чел."}, "required": False}
    )  # fmt: skip
    template = await api.ok("POST", "/api/v1/templates", admin, checklist)
    browser = Browser(api, admin)
    russian = (await browser.get(f"/checklists/{template['id']}?lang=ru")).text
    assert "full points at 60 с, none at 300 с" in russian  # the one-word "s" in Russian
    assert "unit: чел." in russian
    english = (await browser.get(f"/checklists/{template['id']}?lang=en")).text
    assert "full points at 60 s, none at 300 s" in english
    assert "unit: people" in english


async def test_a_plan_too_large_for_choices_is_changed_by_typing_from_suggestions(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(setup_pages, "SELECT_OPTIONS", 1)
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    for code in ("K-1", "K-2"):
        await api.ok("POST", "/api/v1/outlets", admin,
                     {"client_id": client["id"], "code": code, "name": code})  # fmt: skip
    template = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    wave = await api.ok("POST", "/api/v1/waves", admin, {
        "client_id": client["id"], "name": "Q1", "starts_on": "2026-01-05",
        "ends_on": "2026-02-01", "templates": {"in_store": template["id"]}})  # fmt: skip
    anna = await api.create_user(admin, "anna@example.test", "auditor")
    olena = await api.create_user(admin, "olena@example.test", "auditor")
    browser = Browser(api, admin)
    proposal = await browser.post(
        f"/setup/waves/{wave['id']}/plan", {"auditor_ids": str(anna), "min_window_days": "7"}
    )
    assert 200 == proposal.status_code, _main(proposal.text)
    assert 'list="auditor-list"' in proposal.text
    assert f"olena ({olena})" in proposal.text
    fields = dict(re.findall(r'name="(v\d+\.[a-z_]+)" value="([^"]*)"', proposal.text))
    fields |= {"visits": "2", "v0.keep": "1", "v1.keep": "1", "v0.auditor_id": f"anna ({anna})",
               "v1.auditor_id": f"olena ({olena})"}  # fmt: skip
    bad = await browser.post(f"/setup/waves/{wave['id']}/publish",
                             {**fields, "v0.auditor_id": "nobody"})  # fmt: skip
    assert 422 == bad.status_code
    assert "Choose at least one active auditor." in bad.text
    assert 'value="nobody"' in bad.text  # what was typed, to correct
    assert [] == (await api.ok("GET", "/api/v1/assignments", admin))["items"]
    published = await browser.post(f"/setup/waves/{wave['id']}/publish", fields)
    assert 303 == published.status_code, _main(published.text)
    assignments = (await api.ok("GET", "/api/v1/assignments", admin))["items"]
    assert [anna, olena] == sorted(a["auditor_id"] for a in assignments)


async def test_a_client_of_many_outlets_counts_them_all_and_lists_the_first(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Siec"})
    rows = "".join(f"S{n:04d},Outlet {n},Region {n % 7}\n" for n in range(1_100, 0, -1))
    base = f"/setup/clients/{client['id']}"
    browser = Browser(api, admin)
    preview = await browser.post_file(base + "/outlets/preview", "big.csv",
                                      ("code,name,region\n" + rows).encode())  # fmt: skip
    assert 200 == preview.status_code
    assert "1100 new outlets" in preview.text
    assert "The first 50 rows" in preview.text
    content = re.search(r'name="content" value="([^"]*)"', preview.text)
    assert content is not None
    done = await browser.post(base + "/outlets/import", {"kind": "csv", "content": content[1]})
    assert (303, "1100") == (done.status_code, done.headers["location"].split("imported=")[1][:4])
    page = await browser.get(base)
    assert "1100 outlets" in page.text
    assert "The first 200 outlets by code" in page.text
    assert "<td>S0001</td>" in page.text
    assert "<td>S0201</td>" not in page.text


async def _log(api: Api, admin: dict[str, str], entity: str, entity_id: int) -> list[str]:
    """The actions the audit log holds on one record, oldest first."""
    page = await api.ok("GET", f"/api/v1/audit-log?entity={entity}&entity_id={entity_id}", admin)
    return [action for _id, action in sorted((e["id"], e["action"]) for e in page["items"])]


async def test_a_record_is_changed_or_deleted_on_the_page_that_lists_it(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    base = f"/setup/clients/{client['id']}"
    north = await api.ok("POST", f"/api/v1/clients/{client['id']}/regions", admin, {"name": "N"})
    south = await api.ok("POST", f"/api/v1/clients/{client['id']}/regions", admin, {"name": "S"})
    outlet = await api.ok("POST", "/api/v1/outlets", admin, {"client_id": client["id"],
                          "region_id": north["id"], "code": "K-1", "name": "Centrum"})  # fmt: skip
    spare = await api.ok("POST", "/api/v1/outlets", admin,
                         {"client_id": client["id"], "code": "K-2", "name": "Spare"})  # fmt: skip
    browser = Browser(api, admin)

    page = await browser.get(f"{base}?edit=outlet-{outlet['id']}")
    assert 200 == page.status_code
    assert f'action="/setup/outlets/{outlet["id"]}"' in page.text
    # Refused: what to change, by its field, and nothing stored.
    bad = {"code": "K-1", "name": "Centrum 2", "lat": "north", "lon": "21",
           "channels": "in_store", "timezone": "Europe/Warsaw", "active": "1"}  # fmt: skip
    refused = await browser.post(f"/setup/outlets/{outlet['id']}", bad)
    assert 422 == refused.status_code
    assert "Give a number." in refused.text
    assert 'value="Centrum 2"' in refused.text
    refused = await browser.post(f"/setup/outlets/{outlet['id']}", {**bad, "lat": "95"})
    assert "Latitude is between -90 and 90." in refused.text
    assert outlet == await api.ok("GET", f"/api/v1/outlets/{outlet['id']}", admin)
    good = {**bad, "lat": "52,2319", "lon": "21.0067", "region_id": str(south["id"]),
            "address": "Rynek 1", "channels": ["in_store", "phone"]}  # fmt: skip
    del good["active"]  # untick: the outlet is deactivated
    saved = await browser.post(f"/setup/outlets/{outlet['id']}", good)
    assert (303, f"{base}?done=saved#outlets") == (saved.status_code, saved.headers["location"])
    stored = await api.ok("GET", f"/api/v1/outlets/{outlet['id']}", admin)
    assert ("Centrum 2", 52.2319, south["id"], ["in_store", "phone"], "Rynek 1", False) == (
        stored["name"], stored["lat"], stored["region_id"], stored["channels"],
        stored["address"], stored["active"])  # fmt: skip
    assert ["create", "update"] == await _log(api, admin, "outlet", outlet["id"])

    # A region: renamed; deleted only once no outlet belongs to it.
    refused = await browser.post(f"/setup/regions/{south['id']}", {"name": ""})
    assert (422, True) == (refused.status_code, "Give a name." in refused.text)
    renamed = await browser.post(f"/setup/regions/{south['id']}", {"name": "Południe"})
    assert 303 == renamed.status_code
    kept = await browser.post(f"/setup/regions/{south['id']}/delete", {})
    assert 409 == kept.status_code
    assert "Outlets still belong to this region; move them first." in kept.text
    deleted = await browser.post(f"/setup/regions/{north['id']}/delete", {})
    assert 303 == deleted.status_code
    regions = await api.ok("GET", f"/api/v1/clients/{client['id']}/regions", admin)
    assert ["Południe"] == [region["name"] for region in regions["items"]]
    assert ["create", "update"] == await _log(api, admin, "region", south["id"])
    assert ["create", "delete"] == await _log(api, admin, "region", north["id"])

    # A wave: its dates and checklists change until its visits are sent, its name always.
    template = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    wave = await api.ok("POST", "/api/v1/waves", admin, {
        "client_id": client["id"], "name": "Q1", "starts_on": "2026-01-05",
        "ends_on": "2026-02-01", "templates": {"in_store": template["id"]}})  # fmt: skip
    form = {"name": "Q1", "starts_on": "2026-01-10", "ends_on": "2026-01-01",
            "template_in_store": str(template["id"])}  # fmt: skip
    refused = await browser.post(f"/setup/waves/{wave['id']}", form)
    assert (422, True) == (refused.status_code, "cannot end before it starts" in refused.text)
    changed = await browser.post(f"/setup/waves/{wave['id']}", {**form, "ends_on": "2026-02-10"})
    assert 303 == changed.status_code, _main(changed.text)
    auditor = await api.create_user(admin, "anna@example.test", "auditor")
    await api.ok("POST", "/api/v1/assignments", admin, {
        "wave_id": wave["id"], "outlet_id": spare["id"], "auditor_id": auditor,
        "channel": "in_store"})  # fmt: skip
    page = await browser.get(f"{base}?edit=wave-{wave['id']}")
    assert "only its name can change" in page.text
    late = await browser.post(f"/setup/waves/{wave['id']}", {**form, "ends_on": "2026-03-01"})
    assert 422 == late.status_code
    assert "its dates and checklists no longer change" in late.text
    renamed = await browser.post(f"/setup/waves/{wave['id']}",
                                 {**form, "name": "Q1 bis", "ends_on": "2026-02-10"})  # fmt: skip
    assert 303 == renamed.status_code
    stored = await api.ok("GET", f"/api/v1/waves/{wave['id']}", admin)
    assert ("Q1 bis", "2026-01-10", "2026-02-10") == (
        stored["name"], stored["starts_on"], stored["ends_on"])  # fmt: skip
    assert ["create", "update", "update"] == await _log(api, admin, "wave", wave["id"])

    # An outlet with visits stays (deactivate it instead); one without is deleted.
    kept = await browser.post(f"/setup/outlets/{spare['id']}/delete", {})
    assert 409 == kept.status_code
    assert "untick Active and save to deactivate it" in kept.text
    deleted = await browser.post(f"/setup/outlets/{outlet['id']}/delete", {})
    assert 303 == deleted.status_code
    assert 404 == (await api.call("GET", f"/api/v1/outlets/{outlet['id']}", admin)).status_code

    # People: a manager's scope, an auditor's home regions, an account deactivated.
    manager = await api.create_user(admin, "om@example.test", "outlet_manager",
                                    client_id=client["id"], outlet_ids=[spare["id"]])  # fmt: skip
    page = await browser.get(f"{base}?edit=person-{manager}")
    assert f'action="/setup/people/{manager}#edit"' in page.text
    refused = await browser.post(f"/setup/people/{manager}", {"name": "Ola", "active": "1"})
    assert 422 == refused.status_code
    assert "An outlet manager needs at least one outlet of their client" in refused.text
    refused = await browser.post(f"/setup/people/{manager}", {
        "name": "Ola", "language": "de", "outlet_ids": str(spare["id"])})  # fmt: skip
    assert (422, True) == (refused.status_code, "Choose a language from the list." in refused.text)
    saved = await browser.post(f"/setup/people/{manager}", {
        "name": "Ola", "language": "pl", "outlet_ids": str(spare["id"])})  # fmt: skip
    assert (303, f"{base}?done=saved#people") == (saved.status_code, saved.headers["location"])
    person = await api.ok("GET", f"/api/v1/users/{manager}", admin)
    assert ("Ola", "pl", False) == (person["name"], person["language"], person["active"])
    assert 401 == (await api.client.post("/api/v1/auth/login", json={
        "email": "om@example.test", "password": PASSWORD})).status_code  # fmt: skip
    home = await browser.post(f"/setup/people/{auditor}", {
        "name": "Anna", "active": "1", "region_ids": str(south["id"])})  # fmt: skip
    assert (303, "/setup?done=saved#auditors") == (home.status_code, home.headers["location"])
    assert [south["id"]] == (await api.ok("GET", f"/api/v1/users/{auditor}", admin))["region_ids"]
    assert 200 == (await browser.get(f"/setup?edit=person-{auditor}")).status_code
    me = (await api.ok("GET", "/api/v1/me", admin))["id"]
    refused = await browser.post(f"/setup/people/{me}", {"name": "Admin"})
    assert 422 == refused.status_code
    assert "You cannot disable your own account" in refused.text
    assert ["create", "update"] == await _log(api, admin, "user", manager)


async def test_a_head_office_changes_its_own_clients_records_only(api: Api) -> None:
    admin = await api.admin()
    own = await api.ok("POST", "/api/v1/clients", admin,
                       {"name": "Kawiarnia", "head_office_setup": True})  # fmt: skip
    other = await api.ok("POST", "/api/v1/clients", admin, {"name": "Sever"})
    records = {}
    for client in (own, other):
        region = await api.ok("POST", f"/api/v1/clients/{client['id']}/regions", admin,
                              {"name": "R"})  # fmt: skip
        outlet = await api.ok("POST", "/api/v1/outlets", admin,
                              {"client_id": client["id"], "code": "X-1", "name": "X"})  # fmt: skip
        manager = await api.create_user(admin, f"rm{client['id']}@example.test",
                                        "regional_manager", client_id=client["id"],
                                        region_ids=[region["id"]])  # fmt: skip
        records[client["id"]] = (region["id"], outlet["id"], manager)
    template = await api.ok("POST", "/api/v1/templates", admin, sample_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    wave = await api.ok("POST", "/api/v1/waves", admin, {
        "client_id": own["id"], "name": "Q1", "starts_on": "2026-01-05",
        "ends_on": "2026-02-01", "templates": {"in_store": template["id"]}})  # fmt: skip
    auditor = await api.create_user(admin, "anna@example.test", "auditor")
    await api.create_user(admin, "ho@example.test", "head_office", client_id=own["id"])
    head_office = Browser(api, await api.login("ho@example.test"))
    region, outlet, manager = records[own["id"]]
    outlet_form = {"code": "X-1", "name": "Nowa", "channels": "in_store", "active": "1"}

    assert 303 == (await head_office.post(f"/setup/regions/{region}", {"name": "R2"})).status_code
    assert 303 == (await head_office.post(f"/setup/outlets/{outlet}", outlet_form)).status_code
    assert 303 == (await head_office.post(f"/setup/people/{manager}", {
        "name": "Ania", "active": "1", "region_ids": str(region)})).status_code  # fmt: skip
    mine = f"/setup/clients/{own['id']}"
    assert 200 == (await head_office.get(f"{mine}?edit=outlet-{outlet}")).status_code
    # Another client's records are not there; waves and auditors are the agency's.
    theirs_region, theirs_outlet, theirs_manager = records[other["id"]]
    before = await _counts(api, admin, other["id"])
    for path, fields in (
        (f"/setup/regions/{theirs_region}", {"name": "Mine"}),
        (f"/setup/regions/{theirs_region}/delete", {}),
        (f"/setup/outlets/{theirs_outlet}", outlet_form),
        (f"/setup/outlets/{theirs_outlet}/delete", {}),
        (f"/setup/people/{theirs_manager}", {"name": "Mine", "active": "1"}),
        (f"/setup/people/{auditor}", {"name": "Mine", "active": "1"}),
    ):
        assert 404 == (await head_office.post(path, fields)).status_code, path
    assert 404 == (await head_office.get(f"{mine}?edit=outlet-{theirs_outlet}")).status_code
    assert 404 == (await head_office.get(f"{mine}?edit=person-{theirs_manager}")).status_code
    assert 403 == (await head_office.post(f"/setup/waves/{wave['id']}", {"name": "Q"})).status_code
    assert 403 == (await head_office.get(f"{mine}?edit=wave-{wave['id']}")).status_code
    assert before == await _counts(api, admin, other["id"])
    names = [(await api.ok("GET", f"/api/v1/outlets/{o}", admin))["name"]
             for o in (outlet, theirs_outlet)]  # fmt: skip
    assert ["Nowa", "X"] == names
    # Nobody else of the client (nor an auditor) may post these forms, even on their own scope.
    for email in (f"rm{own['id']}@example.test", "anna@example.test"):
        someone = Browser(api, await api.login(email))
        for path in (f"/setup/regions/{region}", f"/setup/regions/{region}/delete",
                     f"/setup/outlets/{outlet}", f"/setup/outlets/{outlet}/delete",
                     f"/setup/waves/{wave['id']}", f"/setup/people/{manager}"):  # fmt: skip
            assert 403 == (await someone.post(path, {"name": "x"})).status_code, (email, path)
    # Without the client's leave, head office changes nothing.
    await api.ok("PATCH", f"/api/v1/clients/{own['id']}", admin, {"head_office_setup": False})
    assert 403 == (await head_office.post(f"/setup/outlets/{outlet}", outlet_form)).status_code
    assert 403 == (await head_office.post(f"/setup/regions/{region}/delete", {})).status_code


async def _two_clients_waiting_for_review(api: Api, admin: dict[str, str]) -> dict[str, Any]:
    """Two clients, each with an outlet and one audit sent to it, waiting for review: by the
    outlet's code, (the client's id, the audit's uuid)."""
    template = await api.ok("POST", "/api/v1/templates", admin, critical_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    waiting = {}
    for name, code in (("Kawiarnia", "K-1"), ("Sever", "S-1")):
        client = await api.ok("POST", "/api/v1/clients", admin, {"name": name})
        outlet = await api.ok("POST", "/api/v1/outlets", admin, {
            "client_id": client["id"], "code": code, "name": code,
            "channels": ["phone"]})  # fmt: skip
        wave = await api.ok("POST", "/api/v1/waves", admin, {
            "client_id": client["id"], "name": "Q1", "starts_on": "2026-01-05",
            "ends_on": "2026-02-01", "templates": {"phone": template["id"]}})  # fmt: skip
        email = f"auditor.{code.lower()}@example.test"
        auditor = await api.create_user(admin, email, "auditor")
        assignment = await api.ok("POST", "/api/v1/assignments", admin, {
            "wave_id": wave["id"], "outlet_id": outlet["id"], "auditor_id": auditor,
            "channel": "phone"})  # fmt: skip
        audit_uuid = str(uuid.uuid4())
        sent = await api.client.put(f"/api/v1/audits/{audit_uuid}", headers=await api.login(email),
                                    json=audit_body(assignment["id"], answers()))  # fmt: skip
        assert 201 == sent.status_code, sent.text
        waiting[code] = (client["id"], audit_uuid)
    return waiting


async def _queue(api: Api, headers: dict[str, str]) -> list[str]:
    page = await api.ok("GET", "/api/v1/review/queue", headers)
    return sorted(entry["uuid"] for entry in page["items"])


async def _person(api: Api, admin: dict[str, str], email: str) -> dict[str, Any]:
    users = (await api.ok("GET", "/api/v1/users", admin))["items"]
    (person,) = [user for user in users if user["email"] == email]
    return dict(person)


async def test_an_admin_adds_a_reviewer_who_reviews_the_clients_ticked(api: Api) -> None:
    admin = await api.admin()
    waiting = await _two_clients_waiting_for_review(api, admin)
    (kawiarnia, kawiarnia_audit), (sever, sever_audit) = waiting["K-1"], waiting["S-1"]
    browser = Browser(api, admin)
    start = await browser.get("/setup")
    assert 'id="staff"' in start.text
    assert 'action="/setup/staff#staff"' in start.text
    users_before = len((await api.ok("GET", "/api/v1/users", admin))["items"])

    # Refused: no client ticked, an e-mail already used, a weak password; nothing stored.
    rita = {"role": "reviewer", "name": "Rita", "email": "rita@example.test", "language": "uk",
            "password": PASSWORD}  # fmt: skip
    for fields, advice in (
        (rita, "Tick at least one client whose audits the reviewer reviews."),
        ({**rita, "client_ids": str(kawiarnia), "email": ADMIN_EMAIL},
         "A user with this e-mail already exists."),
        ({**rita, "client_ids": str(kawiarnia), "password": "short"},
         "A password needs at least 10 characters."),
        ({**rita, "role": "auditor", "client_ids": str(kawiarnia)}, "Choose a role from the list."),
    ):  # fmt: skip
        refused = await browser.post("/setup/staff", fields)
        assert 422 == refused.status_code, fields
        assert advice in refused.text, _main(refused.text)
        assert 'aria-invalid="true"' in refused.text
        assert 'value="Rita"' in refused.text  # what was typed, to correct
    assert users_before == len((await api.ok("GET", "/api/v1/users", admin))["items"])

    added = await browser.post("/setup/staff", {**rita, "client_ids": str(kawiarnia)})
    assert 200 == added.status_code, _main(added.text)
    assert PASSWORD in added.text
    stored = await _person(api, admin, "rita@example.test")
    assert ("reviewer", [kawiarnia], "uk", None) == (
        stored["role"], stored["client_ids"], stored["language"], stored["client_id"])  # fmt: skip
    listed = await browser.get("/setup")
    assert "<td>rita@example.test</td><td>Reviewer</td><td>Kawiarnia</td>" in listed.text

    # She logs in and reviews exactly the audits of the client ticked.
    reviewer = await api.login("rita@example.test", PASSWORD)
    assert [kawiarnia_audit] == await _queue(api, reviewer)
    desk = await Browser(api, reviewer).get("/review")
    assert 200 == desk.status_code
    assert f'id="audit-{kawiarnia_audit}"' in desk.text
    assert sever_audit not in desk.text

    # Her form changes the clients she reviews, and so her queue.
    path = f"/setup/people/{stored['id']}"
    form = await browser.get(f"/setup?edit=person-{stored['id']}")
    assert 200 == form.status_code
    assert f'action="{path}#edit"' in form.text
    assert f'name="client_ids" value="{kawiarnia}" checked' in form.text
    unticked = await browser.post(path, {"name": "Rita", "language": "uk", "active": "1"})
    assert 422 == unticked.status_code
    assert "Tick at least one client whose audits the reviewer reviews." in unticked.text
    assert [kawiarnia_audit] == await _queue(api, reviewer)
    saved = await browser.post(path, {"name": "Rita", "language": "uk", "active": "1",
                                      "client_ids": str(sever)})  # fmt: skip
    assert (303, "/setup?done=saved#staff") == (saved.status_code, saved.headers["location"])
    assert [sever_audit] == await _queue(api, reviewer)
    assert ["create", "update"] == await _log(api, admin, "user", stored["id"])

    # Another admin, from the same form: every client, and the set-up; clients ticked by
    # mistake are not theirs.
    added = await browser.post("/setup/staff", {"role": "admin", "name": "Adam",
                               "email": "adam@example.test", "password": PASSWORD,
                               "client_ids": str(kawiarnia)})  # fmt: skip
    assert 200 == added.status_code, _main(added.text)
    adam = await _person(api, admin, "adam@example.test")
    assert ("admin", []) == (adam["role"], adam["client_ids"])
    second = await api.login("adam@example.test", PASSWORD)
    assert sorted([kawiarnia_audit, sever_audit]) == await _queue(api, second)
    as_adam = Browser(api, second)
    assert 200 == (await as_adam.get("/setup")).status_code
    # His own form offers no way to deactivate himself, and the server refuses it anyway.
    own = await as_adam.get(f"/setup?edit=person-{adam['id']}")
    assert "This is your own account: someone else has to deactivate it." in own.text
    assert 'name="active" type="checkbox"' not in own.text
    refused = await as_adam.post(f"/setup/people/{adam['id']}", {"name": "Adam"})
    assert 422 == refused.status_code
    assert "You cannot disable your own account" in refused.text
    assert (await _person(api, admin, "adam@example.test"))["active"]


async def test_a_new_password_from_the_person_form_ends_every_old_session(api: Api) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    base = f"/setup/clients/{client['id']}"
    manager = await api.create_user(admin, "ho@example.test", "head_office", client_id=client["id"])
    auditor = await api.create_user(admin, "anna@example.test", "auditor")
    browser = Browser(api, admin)
    old_token = await api.login("ho@example.test")
    old_session = Browser(api, old_token)
    assert 200 == (await old_session.get("/")).status_code
    form = await browser.get(f"{base}?edit=person-{manager}")
    assert 'id="f-edit-password"' in form.text

    # Too short: said by the field, and nothing changes, not even the name sent with it.
    fields = {"name": "Halina", "language": "pl", "active": "1"}
    weak = await browser.post(f"/setup/people/{manager}", {**fields, "password": "short"})
    assert 422 == weak.status_code
    assert "A password needs at least 10 characters." in weak.text
    assert 'aria-describedby="edit-password-errors"' in weak.text
    unchanged = await _person(api, admin, "ho@example.test")
    assert ("ho", "en") == (unchanged["name"], unchanged["language"])
    assert 200 == (await api.call("GET", "/api/v1/me", old_token)).status_code
    assert 200 == (await old_session.get("/")).status_code
    await api.login("ho@example.test")  # the old password still works

    # A good one: shown once; the old password and every old session stop working.
    new = "a brand new password"
    done = await browser.post(f"/setup/people/{manager}", {**fields, "password": new})
    assert 200 == done.status_code, _main(done.text)
    assert f"<code>{new}</code>" in done.text
    assert "logged out everywhere" in done.text
    assert "shopscore://setup" not in done.text  # no phone to set up
    assert 401 == (await api.call("GET", "/api/v1/me", old_token)).status_code
    assert 200 != (await old_session.get("/")).status_code
    old_login = await api.client.post(
        "/api/v1/auth/login", json={"email": "ho@example.test", "password": API_PASSWORD}
    )
    assert 401 == old_login.status_code
    assert (
        200
        == (
            await api.call("GET", "/api/v1/me", await api.login("ho@example.test", new))
        ).status_code
    )
    assert "Halina" == (await _person(api, admin, "ho@example.test"))["name"]

    # An auditor's page sets the phone up again: the invitation's link and QR code.
    done = await browser.post(f"/setup/people/{auditor}", {"name": "Anna", "active": "1",
                                                           "password": new})  # fmt: skip
    assert 200 == done.status_code, _main(done.text)
    link = setup_link(api.context.settings.public_url, "anna@example.test")
    assert f'<a href="{html.escape(link)}">' in done.text
    assert 'class="qr"' in done.text
    assert 'href="/setup#auditors"' in done.text
    # Left empty, the password stays.
    kept = await browser.post(f"/setup/people/{auditor}", {"name": "Anna", "active": "1",
                                                           "password": ""})  # fmt: skip
    assert (303, "/setup?done=saved#auditors") == (kept.status_code, kept.headers["location"])
    await api.login("anna@example.test", new)


async def test_an_outlets_code_changes_unless_another_outlet_of_the_client_has_it(
    api: Api,
) -> None:
    admin = await api.admin()
    client = await api.ok("POST", "/api/v1/clients", admin, {"name": "Kawiarnia"})
    other = await api.ok("POST", "/api/v1/clients", admin, {"name": "Sever"})
    base = f"/setup/clients/{client['id']}"
    outlet = await api.ok("POST", "/api/v1/outlets", admin, {
        "client_id": client["id"], "code": "K-1", "name": "Centrum"})  # fmt: skip
    await api.ok("POST", "/api/v1/outlets", admin,
                 {"client_id": client["id"], "code": "K-2", "name": "Rynek"})  # fmt: skip
    await api.ok("POST", "/api/v1/outlets", admin,
                 {"client_id": other["id"], "code": "K-3", "name": "Elsewhere"})  # fmt: skip
    browser = Browser(api, admin)
    page = await browser.get(f"{base}?edit=outlet-{outlet['id']}")
    assert 'id="f-edit-code" name="code" type="text" value="K-1"' in page.text

    form = {"name": "Centrum", "channels": "in_store", "timezone": "UTC", "active": "1"}
    for code, advice in (("K-2", "Another outlet of this client already has this code."),
                         ("", "Give the outlet&#39;s code.")):  # fmt: skip
        refused = await browser.post(f"/setup/outlets/{outlet['id']}", {**form, "code": code})
        assert 422 == refused.status_code, code
        assert advice in refused.text, _main(refused.text)
        assert 'aria-describedby="edit-code-errors"' in refused.text
        assert outlet == await api.ok("GET", f"/api/v1/outlets/{outlet['id']}", admin)
    # Another client's code is no clash.
    saved = await browser.post(f"/setup/outlets/{outlet['id']}", {**form, "code": "K-3"})
    assert (303, f"{base}?done=saved#outlets") == (saved.status_code, saved.headers["location"])
    assert "K-3" == (await api.ok("GET", f"/api/v1/outlets/{outlet['id']}", admin))["code"]
    assert ["create", "update"] == await _log(api, admin, "outlet", outlet["id"])


async def test_a_head_office_never_reaches_reviewers_or_administrators(api: Api) -> None:
    admin = await api.admin()
    own = await api.ok("POST", "/api/v1/clients", admin,
                       {"name": "Kawiarnia", "head_office_setup": True})  # fmt: skip
    reviewer = await api.create_user(admin, "rita@example.test", "reviewer",
                                     client_ids=[own["id"]])  # fmt: skip
    admin_id = (await api.ok("GET", "/api/v1/me", admin))["id"]
    await api.create_user(admin, "ho@example.test", "head_office", client_id=own["id"])
    head_office = Browser(api, await api.login("ho@example.test"))
    mine = f"/setup/clients/{own['id']}"
    users_before = await api.ok("GET", "/api/v1/users", admin)

    start = await head_office.get(f"/setup?edit=person-{reviewer}")
    assert (303, mine) == (start.status_code, start.headers["location"])
    page = await head_office.get(mine)
    assert 200 == page.status_code
    assert "rita@example.test" not in page.text
    assert ADMIN_EMAIL not in page.text
    assert "Reviewers and administrators" not in page.text
    added = await head_office.post("/setup/staff", {
        "role": "reviewer", "name": "Rex", "email": "rex@example.test", "password": PASSWORD,
        "client_ids": str(own["id"])})  # fmt: skip
    assert 403 == added.status_code
    for person in (reviewer, admin_id):
        assert 404 == (await head_office.get(f"{mine}?edit=person-{person}")).status_code
        taken = await head_office.post(f"/setup/people/{person}", {
            "name": "Mine", "active": "1", "client_ids": str(own["id"]),
            "password": "a password of my choosing"})  # fmt: skip
        assert 404 == taken.status_code, person
    assert users_before == await api.ok("GET", "/api/v1/users", admin)
    await api.login("rita@example.test")
    await api.login(ADMIN_EMAIL)
