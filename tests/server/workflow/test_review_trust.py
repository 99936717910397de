"""The trust score in review (docs/contract.md#trust): the queue shows it and sorts by it; a
client's threshold holds audits below it (releasing one takes a written reason) and, when the
client says so, releases those at or above it with no flag once their photos are in."""

# asserts are written as `expected == actual`

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import pytest
from markupsafe import escape

from server.audits import trust
from server.dashboard.web import LANGUAGE_COOKIE, SESSION_COOKIE
from shared.i18n import LANGUAGES
from tests.server.api import Api
from tests.server.audits.test_trust import camera_jpeg
from tests.server.workflow.helpers import ReviewWorld, answers, sql, stored_uuid

SETTINGS = "/api/v1/clients/{client}/workflow-settings"


def body(assignment_id: int, **changes: Any) -> dict[str, Any]:
    """An audit of the review world's phone checklist: 26.5 minutes, no clock skew, no flag."""
    audit: dict[str, Any] = {
        "assignment_id": assignment_id,
        "template": {"key": "critical-visit", "version": 1},
        "started_at": "2026-01-06T10:15:00+01:00",
        "finished_at": "2026-01-06T10:41:30+01:00",
        "location": None,
        "answers": answers(photos=changes.pop("photos", None)),
    }
    return {**audit, **changes}


class Visits:
    """Audits sent by the review world's pooled auditors of the own outlet, one each."""

    def __init__(self, review: ReviewWorld) -> None:
        self.review = review
        self.next = 0

    def auditor(self) -> tuple[dict[str, str], int]:
        key = f"pool_own_{self.next}"
        self.next += 1
        return self.review.headers[key], self.review.ids[key + "_assignment"]

    async def send(self, expected_status: str = "submitted", **changes: Any) -> str:
        headers, assignment_id = self.auditor()
        return await self.send_as(headers, assignment_id, expected_status, **changes)

    async def send_as(
        self,
        headers: dict[str, str],
        assignment_id: int,
        expected_status: str = "submitted",
        **changes: Any,
    ) -> str:
        audit_uuid = str(uuid.uuid4())
        response = await self.review.api.client.put(
            f"/api/v1/audits/{audit_uuid}", headers=headers, json=body(assignment_id, **changes)
        )
        assert 201 == response.status_code, response.text
        assert expected_status == response.json()["status"]
        return audit_uuid


SKEWED = {"sent_at": "2026-01-06T10:42:00+01:00"}  # months before the server's clock: -10
TOO_SHORT = {"finished_at": "2026-01-06T10:16:00+01:00"}  # 1 minute of a phone call: -25


async def settings_of(api: Api, review: ReviewWorld, **changes: Any) -> dict[str, Any]:
    path = SETTINGS.format(client=review.ids["client_a"])
    if not changes:
        result: dict[str, Any] = await api.ok("GET", path, review.headers["admin"])
        return result
    response = await api.call("PUT", path, review.headers["admin"], changes)
    assert 200 == response.status_code, response.text
    changed: dict[str, Any] = response.json()
    return changed


async def status_of(api: Api, review: ReviewWorld, audit_uuid: str) -> str:
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", review.headers["admin"])
    status: str = audit["status"]
    return status


# --- the queue ------------------------------------------------------------------------------


async def test_the_queue_shows_trust_and_sorts_lowest_first(api: Api, review: ReviewWorld) -> None:
    visits = Visits(review)
    skewed = await visits.send(**SKEWED)
    clean = await visits.send()
    short = await visits.send(**TOO_SHORT, **SKEWED)
    reviewer = review.headers["reviewer"]

    oldest_first = await api.ok("GET", "/api/v1/review/queue", reviewer)
    assert [skewed, clean, short] == [entry["uuid"] for entry in oldest_first["items"]]
    by_uuid = {entry["uuid"]: entry for entry in oldest_first["items"]}
    assert (90, ["clock_skew"], False) == (
        by_uuid[skewed]["trust"]["score"],
        [reason["code"] for reason in by_uuid[skewed]["trust"]["reasons"]],
        by_uuid[skewed]["held"],
    )
    assert by_uuid[skewed]["trust"]["reasons"][0]["text"].startswith("The phone's clock was")
    assert {"score": 100, "reasons": []} == by_uuid[clean]["trust"]

    lowest_first = await api.ok("GET", "/api/v1/review/queue?sort=trust", reviewer)
    assert [short, skewed, clean] == [entry["uuid"] for entry in lowest_first["items"]]
    assert [65, 90, 100] == [entry["trust"]["score"] for entry in lowest_first["items"]]

    seen = []
    cursor = ""
    while True:
        page = await api.ok("GET", f"/api/v1/review/queue?sort=trust&limit=1{cursor}", reviewer)
        seen += [entry["uuid"] for entry in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert [short, skewed, clean] == seen


async def test_a_cursor_of_one_order_or_an_unknown_order_is_refused(
    api: Api, review: ReviewWorld
) -> None:
    visits = Visits(review)
    for _ in range(2):
        await visits.send()
    reviewer = review.headers["reviewer"]
    page = await api.ok("GET", "/api/v1/review/queue?limit=1", reviewer)
    mixed = await api.call(
        "GET", f"/api/v1/review/queue?sort=trust&cursor={page['next_cursor']}", reviewer
    )
    assert 400 == mixed.status_code
    assert 400 == (await api.call("GET", "/api/v1/review/queue?sort=score", reviewer)).status_code


# --- the client's threshold -----------------------------------------------------------------


async def test_the_threshold_is_a_workflow_setting_of_the_client(
    api: Api, review: ReviewWorld
) -> None:
    defaults = await settings_of(api, review)
    assert (None, False) == (defaults["trust_threshold"], defaults["auto_release"])
    assert 80 == (await settings_of(api, review, trust_threshold=80))["trust_threshold"]
    path = SETTINGS.format(client=review.ids["client_a"])
    for change, item in (
        ({"trust_threshold": 101}, "trust_threshold"),
        ({"trust_threshold": -1}, "trust_threshold"),
        ({"trust_threshold": None, "auto_release": True}, "auto_release"),
    ):
        response = await api.call("PUT", path, review.headers["admin"], change)
        assert 422 == response.status_code, change
        assert [item] == [error["item"] for error in response.json()["errors"]]
    both = await settings_of(api, review, auto_release=True)
    assert (80, True, 7) == (
        both["trust_threshold"],
        both["auto_release"],
        both["dispute_window_days"],
    )
    for role in ("reviewer", "head_office"):
        response = await api.call("PUT", path, review.headers[role], {"trust_threshold": 10})
        assert 403 == response.status_code


async def test_an_audit_below_the_threshold_is_held_and_released_only_with_a_reason(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=95)
    visits = Visits(review)
    held = await visits.send(**SKEWED)
    clean = await visits.send()
    reviewer = review.headers["reviewer"]

    queue = await api.ok("GET", "/api/v1/review/queue", reviewer)
    assert {held: True, clean: False} == {entry["uuid"]: entry["held"] for entry in queue["items"]}

    refused = await api.call(
        "POST", f"/api/v1/review/audits/{held}/approve", reviewer, {"note": "  "}
    )
    assert 422 == refused.status_code
    assert [("note", "reason_required")] == [
        (error["item"], error["code"]) for error in refused.json()["errors"]
    ]
    assert "submitted" == await status_of(api, review, held)

    note = "Phone clock was wrong after a battery change; receipts confirm the visit."
    await api.ok("POST", f"/api/v1/review/audits/{held}/approve", reviewer, {"note": note})
    await api.ok("POST", f"/api/v1/review/audits/{clean}/approve", reviewer, {})
    history = await api.ok("GET", f"/api/v1/review/audits/{held}/history", reviewer)
    assert [note] == [entry["reason"] for entry in history["items"] if entry["action"] == "approve"]


async def test_without_a_threshold_nothing_is_held(api: Api, review: ReviewWorld) -> None:
    held_nowhere = await Visits(review).send(**TOO_SHORT, **SKEWED)
    queue = await api.ok("GET", "/api/v1/review/queue", review.headers["reviewer"])
    assert [False] == [entry["held"] for entry in queue["items"]]
    await api.ok(
        "POST", f"/api/v1/review/audits/{held_nowhere}/approve", review.headers["reviewer"], {}
    )


# --- released without a reviewer ------------------------------------------------------------


async def test_trusted_audits_without_flags_are_released_by_the_system(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=80, auto_release=True)
    visits = Visits(review)
    trusted = await visits.send(expected_status="approved")
    flagged = await visits.send(**SKEWED)  # 90: above the threshold, but with a flag
    low = await visits.send(**TOO_SHORT)  # 75, and a flag

    assert ["approved", "submitted", "submitted"] == [
        await status_of(api, review, audit_uuid) for audit_uuid in (trusted, flagged, low)
    ]
    url = str(api.context.settings.database_url)
    rollup = await sql(
        url, "SELECT id FROM score_rollup WHERE audit_uuid = ?", stored_uuid(url, trusted)
    )
    assert 1 == len(rollup)
    history = await api.ok(
        "GET", f"/api/v1/review/audits/{trusted}/history", review.headers["reviewer"]
    )
    [release] = [entry for entry in history["items"] if entry["action"] == "approve"]
    assert (None, "released automatically: trust 100, threshold 80") == (
        release["actor_id"],
        release["reason"],
    )
    released = await api.ok(
        "GET", f"/api/v1/audits/released/{trusted}", review.headers["head_office"]
    )
    assert "approved" == released["status"]
    assert not re.search(r"trust|device|auditor", str(sorted(released))), sorted(released)


async def test_without_automatic_release_a_trusted_audit_waits_for_a_reviewer(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=50)
    trusted = await Visits(review).send()
    assert "submitted" == await status_of(api, review, trusted)


async def test_an_audit_waits_for_its_photos_before_the_system_releases_it(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=80, auto_release=True)
    visits = Visits(review)
    headers, assignment_id = visits.auditor()
    photo_uuid = str(uuid.uuid4())
    audit_uuid = await visits.send_as(headers, assignment_id, photos=[photo_uuid])
    assert "submitted" == await status_of(api, review, audit_uuid)

    data = camera_jpeg()
    response = await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={**headers, "X-Content-SHA256": hashlib.sha256(data).hexdigest()},
        content=data,
    )
    assert 201 == response.status_code, response.text
    assert "approved" == await status_of(api, review, audit_uuid)


async def test_a_photo_that_lowers_trust_below_the_threshold_keeps_the_audit_for_review(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=95, auto_release=True)
    visits = Visits(review)
    headers, assignment_id = visits.auditor()
    photo_uuid = str(uuid.uuid4())
    audit_uuid = await visits.send_as(headers, assignment_id, photos=[photo_uuid])
    data = camera_jpeg(make=None, model=None)  # no camera details: 90
    response = await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={**headers, "X-Content-SHA256": hashlib.sha256(data).hexdigest()},
        content=data,
    )
    assert 201 == response.status_code, response.text
    assert "submitted" == await status_of(api, review, audit_uuid)
    queue = await api.ok("GET", "/api/v1/review/queue", review.headers["reviewer"])
    assert [(90, True)] == [(entry["trust"]["score"], entry["held"]) for entry in queue["items"]]


# --- the dashboard: the review desk and the audit's page ------------------------------------


def page_headers(bearer: dict[str, str], language: str) -> dict[str, str]:
    """A logged-in browser reading pages in `language` (the session cookie holds the API's
    token, docs/contract.md#reports)."""
    token = bearer["Authorization"].removeprefix("Bearer ")
    return {"Cookie": f"{SESSION_COOKIE}={token}; {LANGUAGE_COOKIE}={language}"}


def queue_of(page: str) -> dict[str, str]:
    """The review desk's entries in their order: audit uuid -> the entry's HTML."""
    parts = re.split(r'<li class="audit" id="audit-([0-9a-f-]+)">', page)
    return {parts[i]: parts[i + 1].split("</ol>", 1)[0] for i in range(1, len(parts), 2)}


def words(reason: dict[str, Any], language: str) -> str:
    """A reason in words as a page shows it (HTML-escaped)."""
    return str(escape(trust.render(reason, language)))


@pytest.mark.parametrize("engine", ["sqlite"])  # the pages, not the engine, are tested
async def test_the_review_desk_shows_each_audits_trust_and_reasons_in_words_and_sorts_by_it(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=95)
    visits = Visits(review)
    clean = await visits.send()
    skewed = await visits.send(**SKEWED)
    short = await visits.send(**TOO_SHORT, **SKEWED)
    reviewer = review.headers["reviewer"]

    english = page_headers(reviewer, "en")
    oldest_first = queue_of((await api.client.get("/review", headers=english)).text)
    assert [clean, skewed, short] == list(oldest_first)
    assert "Trust 100/100" in oldest_first[clean]
    assert 'class="reasons"' not in oldest_first[clean]
    assert "Held: below the client" not in oldest_first[clean]
    assert "Trust 90/100" in oldest_first[skewed]
    assert "The phone&#39;s clock was" in oldest_first[skewed]
    assert "(−10)" in oldest_first[skewed]
    assert "Held: below the client" in oldest_first[skewed]
    assert "Trust 65/100" in oldest_first[short]
    assert "The visit lasted 1 min," in oldest_first[short]
    # Its flags (too short, clock) are said once, by their reasons, in the flags' colour.
    assert 'class="flags"' not in oldest_first[short].split('<ul class="reasons"')[0]
    assert "Visit shorter than expected" not in oldest_first[short]
    assert 2 == oldest_first[short].count('<li class="flags">')

    by_trust = (await api.client.get("/review?sort=trust", headers=english)).text
    assert [short, skewed, clean] == list(queue_of(by_trust))
    assert '<option value="trust" selected>' in by_trust

    # Every reason of every audit, in each of the four languages.
    queue = await api.ok("GET", "/api/v1/review/queue", reviewer)
    reasons = {entry["uuid"]: entry["trust"]["reasons"] for entry in queue["items"]}
    assert [[], ["clock_skew"], ["too_short", "clock_skew"]] == [
        [reason["code"] for reason in reasons[audit]] for audit in (clean, skewed, short)
    ]
    for language in LANGUAGES:
        shown = queue_of(
            (await api.client.get("/review", headers=page_headers(reviewer, language))).text
        )
        for audit, given in reasons.items():
            for reason in given:
                assert words(reason, language) in shown[audit], (language, reason["code"])
    polish = queue_of((await api.client.get("/review", headers=page_headers(reviewer, "pl"))).text)
    assert "zegar telefonu różnił się od zegara serwera" in polish[skewed]


@pytest.mark.parametrize("engine", ["sqlite"])  # the page, not the engine, is tested
async def test_the_audit_page_shows_trust_in_words_to_each_role_as_it_may_see_it(
    api: Api, review: ReviewWorld
) -> None:
    await settings_of(api, review, trust_threshold=95)
    visits = Visits(review)
    auditor, assignment_id = visits.auditor()
    held = await visits.send_as(auditor, assignment_id, **TOO_SHORT, **SKEWED)
    clean = await visits.send()
    reviewer = review.headers["reviewer"]
    queue = await api.ok("GET", "/api/v1/review/queue", reviewer)
    [given] = [entry["trust"]["reasons"] for entry in queue["items"] if entry["uuid"] == held]

    for language in LANGUAGES:
        page = (
            await api.client.get(f"/audits/{held}", headers=page_headers(reviewer, language))
        ).text
        assert all(words(reason, language) in page for reason in given), language
        assert "65<small>/100</small>" in page
    # A held audit is released only with a reason, written on its page; a trusted one without.
    held_page = (await api.client.get(f"/audits/{held}", headers=english(reviewer))).text
    assert re.search(r'<textarea id="approve-note" name="note" required>', held_page)
    assert "Held: below the client" in held_page
    # Its flags are said once, by their reasons, in the flags' colour.
    assert '<ul class="flags"' not in held_page
    assert "Visit shorter than expected" not in held_page
    assert 2 == held_page.count('<li class="flags">')
    clean_page = (await api.client.get(f"/audits/{clean}", headers=english(reviewer))).text
    assert '<input id="approve-note" name="note">' in clean_page
    # The visit on the outlet's clock (Warsaw, where the phone said 10:15+01:00), not UTC's.
    assert "Jan 6, 2026, 10:15\u202fAM–10:41\u202fAM (Europe/Warsaw)" in clean_page
    assert "9:15" not in clean_page
    # A clean audit is said clean once, by its trust.
    assert "Nothing weakens the evidence of this visit." in clean_page
    assert "No proof-of-visit flags." not in clean_page
    # Reasons that are no proof-of-visit flag (another auditor's phone): the page lists them
    # and does not say above them that nothing was flagged.
    await visits.send(device_id="shared-phone-1")
    shared = await visits.send(device_id="shared-phone-1")
    shared_page = (await api.client.get(f"/audits/{shared}", headers=english(reviewer))).text
    queue = await api.ok("GET", "/api/v1/review/queue", reviewer)
    [shared_reasons] = [e["trust"]["reasons"] for e in queue["items"] if e["uuid"] == shared]
    assert ["device_shared"] == [reason["code"] for reason in shared_reasons]
    assert words(shared_reasons[0], "en") in shared_page
    assert "No proof-of-visit flags." not in shared_page

    # The auditor reads their audit without its trust.
    own = (await api.client.get(f"/audits/{held}", headers=english(auditor))).text
    assert "/100" not in own
    assert [] == [reason["code"] for reason in given if words(reason, "en") in own]

    # Head office sees nothing of a visit before its release; released, the reasons about the
    # visit only, and the score they make.
    waiting = await api.client.get(
        f"/audits/{held}", headers=english(review.headers["head_office"])
    )
    assert 404 == waiting.status_code
    await api.ok("POST", f"/api/v1/review/audits/{held}/approve", reviewer, {"note": "Seen."})
    for language in LANGUAGES:
        page = (
            await api.client.get(
                f"/audits/{held}", headers=page_headers(review.headers["head_office"], language)
            )
        ).text
        too_short, clock_skew = given
        assert words(too_short, language) in page, language
        assert words(clock_skew, language) not in page, language
        assert "75<small>/100</small>" in page


def english(bearer: dict[str, str]) -> dict[str, str]:
    return page_headers(bearer, "en")


# --- the trust of one visit as each role may see it (for a page of the visit) ---------------


async def test_each_role_sees_the_trust_of_a_visit_it_may_see(
    api: Api, review: ReviewWorld
) -> None:
    from server.access.caller import AUDITOR, HEAD_OFFICE, REVIEWER, Caller
    from server.audits.queries import AuditQueries
    from server.core.database import Database
    from server.core.errors import NotFound

    visits = Visits(review)
    headers, assignment_id = visits.auditor()
    released = await visits.send_as(headers, assignment_id, **TOO_SHORT, **SKEWED)
    waiting = await visits.send(**SKEWED)
    await api.ok(
        "POST",
        f"/api/v1/review/audits/{released}/approve",
        review.headers["reviewer"],
        {"note": "Seen."},
    )
    ids = review.ids
    head_office = Caller(
        user_id=ids["user_head_office"], role=HEAD_OFFICE, client_id=ids["client_a"]
    )
    other_client = Caller(
        user_id=ids["user_head_office"], role=HEAD_OFFICE, client_id=ids["client_b"]
    )
    reviewer = Caller(
        user_id=ids["user_reviewer"],
        role=REVIEWER,
        reviewer_client_ids=frozenset({ids["client_a"]}),
        language="uk",
    )
    auditor = Caller(user_id=ids["pool_own_0_auditor"], role=AUDITOR)

    database = Database(str(api.context.settings.database_url))
    await database.start()
    try:
        queries = AuditQueries(database)
        client_view = await queries.trust_of(head_office, uuid.UUID(released))
        agency_view = await queries.trust_of(reviewer, uuid.UUID(released))
        own_view = await queries.trust_of(auditor, uuid.UUID(released))
        refused = []
        for caller, audit_uuid in ((other_client, released), (head_office, waiting)):
            with pytest.raises(NotFound):
                await queries.trust_of(caller, uuid.UUID(audit_uuid))
            refused.append(audit_uuid)
    finally:
        await database.close()

    assert client_view is not None
    assert agency_view is not None
    assert (75, ["too_short"]) == (
        client_view.score,
        [reason.code for reason in client_view.reasons],
    )
    assert (65, ["too_short", "clock_skew"]) == (
        agency_view.score,
        [reason.code for reason in agency_view.reasons],
    )
    assert agency_view.reasons[0].text.startswith("Візит тривав")
    assert own_view is None
    assert [released, waiting] == refused
