"""The sync client against a REAL server process (``shopscore serve``) and real network faults.

Each server test starts ``shopscore serve`` on its own database, seeded through the admin API,
and counts what arrived by reading the server's SQLite file (read-only) afterwards. The tests
that need the sync endpoints are skipped only while the server app has no audit PUT route; the
tests of a server that is down need no server at all and always run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mobile.i18n import gettext_for, ngettext_for
from mobile.notices import CONFLICT, OFFLINE, REFUSED, UNCHANGED, Notice, message_text
from mobile.outbox import audits_in_outbox
from mobile.session import AuditSession, start_visit
from mobile.store import FAILED, QUEUED, SYNCED, OutboxEntry, Store
from mobile.sync import BackgroundSync, LoginFailed, LoginRequired, SyncClient, SyncEvent
from shared.i18n import text
from tests.mobile.live_server import (
    AUDITOR,
    RunningServer,
    admin_client,
    free_port,
    needs_sync_server,
)
from tests.mobile.sample_data import PHOTO_DIR, every_kind_template, sync_payload

ROOT = Path(__file__).resolve().parents[2]
PHOTO = Path(PHOTO_DIR) / "gps_nikon.jpg"


@pytest.fixture
def phone(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "phone")
    yield store
    store.close()


def notice_of(entry: OutboxEntry) -> Notice:
    notice = Notice.from_message(entry.message)
    assert notice is not None, entry.message
    return notice


def test_a_server_that_is_down_keeps_everything_queued_with_growing_backoff(phone: Store) -> None:
    """Nothing listens on the port: each pass counts an attempt and waits longer, with jitter."""
    phone.apply_pull(
        {
            "cursor": "c",
            "templates": [every_kind_template()],
            "outlets": [],
            "assignments": [
                {
                    "id": 1,
                    "outlet_id": 1,
                    "template": {"key": "store-visit", "version": 1},
                    "wave": {"id": 1, "name": "w"},
                    "channel": "in_store",
                    "due_from": "2026-11-20",
                    "due_to": "2026-11-30",
                    "scenario": "",
                    "status": "assigned",
                    "return_notes": [],
                }
            ],
            "removed_assignment_ids": [],
        }
    )
    session = start_visit(phone, 1)
    fill_valid_answers(session)
    session.submit()
    phone.set_settings(token="a token from an earlier login")
    now = [1_000_000.0]
    client = SyncClient(
        phone,
        f"http://127.0.0.1:{free_port()}",
        timeout=2,
        wall_clock=lambda: now[0],
        rng=random.Random(7),
    )
    waits = []
    for _attempt in range(4):
        report = client.push()
        assert [] == report.synced
        entries = phone.outbox()
        assert {QUEUED} == {entry.state for entry in entries}
        assert all(OFFLINE == notice_of(entry).code for entry in entries)
        waits.append(min(entry.next_retry_at for entry in entries) - now[0])
        now[0] = max(entry.next_retry_at for entry in entries)
    assert {4} == {entry.attempts for entry in phone.outbox()}
    for attempt, wait in enumerate(waits):
        full = 2.0 * 2**attempt
        assert full / 2 <= wait <= full  # exponential, jittered down to half
    client.close()


class CountingTransport(httpx.HTTPTransport):
    """The real HTTP transport, counting the requests it is asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


def test_an_unreachable_server_costs_one_connection_attempt_per_pass(phone: Store) -> None:
    """With nothing listening, a pass stops at the first refused connection and backs every
    other entry off, instead of waiting out one connect timeout per entry."""
    phone.apply_pull(sync_payload(every_kind_template(), assignment_count=3))
    for assignment_id in (1, 2, 3):
        session = start_visit(phone, assignment_id)
        fill_valid_answers(session)
        session.submit()
    phone.set_settings(token="a token from an earlier login")
    transport = CountingTransport()
    now = [1_000_000.0]
    client = SyncClient(
        phone,
        f"http://127.0.0.1:{free_port()}",
        timeout=2,
        wall_clock=lambda: now[0],
        rng=random.Random(3),
        transport=transport,
    )
    due = phone.due_outbox(now[0])
    assert len(due) >= 3
    report = client.push()
    assert 1 == transport.requests
    assert sorted(entry.uuid for entry in due) == sorted(report.retrying)
    assert [] == phone.due_outbox(now[0])  # nothing is retried before its backoff is over
    assert {QUEUED} == {entry.state for entry in phone.outbox()}
    client.close()


def test_the_background_thread_reports_offline_and_keeps_the_queue(phone: Store) -> None:
    phone.apply_pull(sync_payload(every_kind_template(), assignment_count=1))
    session = start_visit(phone, 1)
    fill_valid_answers(session)
    session.submit()
    phone.set_settings(token="a token from an earlier login")
    events: list[SyncEvent] = []
    offline = threading.Event()

    def listen(event: SyncEvent) -> None:
        events.append(event)
        if event.kind == "offline":
            offline.set()

    client = SyncClient(phone, f"http://127.0.0.1:{free_port()}", timeout=2, listener=listen)
    background = BackgroundSync(client, idle_poll_s=30)
    background.start()
    try:
        background.wake()
        assert offline.wait(20), [event.kind for event in events]
    finally:
        background.stop()
    assert "outbox" in {event.kind for event in events}
    assert {QUEUED} == {entry.state for entry in phone.outbox()}


# --------------------------------------------------------------------------------------------
# helpers for filling an audit of any template


def fill_valid_answers(session: AuditSession) -> None:
    """A valid, full set of answers, whatever the template (photos where they are needed)."""
    for entry in session.visible_items():
        item = entry.item
        if item.kind == "yes_no":
            session.answer(item.key, True)
        elif item.kind == "scale":
            session.answer(item.key, item.max)
        elif item.kind in ("number", "timer"):
            session.answer(item.key, item.target if item.target is not None else 1)
        elif item.kind == "nps":
            session.answer(item.key, 10)
        elif item.kind == "choice":
            best = max(item.options, key=lambda option: option.points)
            session.answer(item.key, best.key)
        elif item.kind == "multi":
            session.answer(item.key, [option.key for option in item.options if not option.fail])
        elif item.kind == "text":
            session.answer(item.key, "Все хорошо")
        if item.kind == "photo" or item.photo == "required":
            session.attach_photo(item.key, PHOTO)
    assert [] == session.problems()


# --------------------------------------------------------------------------------------------
# a real server process, and a TCP relay that can cut a connection mid-upload


class CuttingRelay:
    """A TCP relay to the server that can drop the next connection after N bytes.

    ``cut_after`` counts bytes sent to the server (a cut upload); ``cut_answer_after`` counts
    bytes of the server's answer (the server did the work, the phone never hears of it).
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.cut_after: int | None = None
        self.cut_answer_after: int | None = None
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            budget, self.cut_after = self.cut_after, None
            answer_budget, self.cut_answer_after = self.cut_answer_after, None
            threading.Thread(
                target=self._pipe, args=(downstream, upstream, budget), daemon=True
            ).start()
            threading.Thread(
                target=self._pipe, args=(upstream, downstream, answer_budget), daemon=True
            ).start()

    def _pipe(self, source: socket.socket, target: socket.socket, budget: int | None) -> None:
        sent = 0
        try:
            while chunk := source.recv(16384):
                if budget is not None and sent + len(chunk) > budget:
                    self.cuts += 1
                    break
                target.sendall(chunk)
                sent += len(chunk)
        except OSError:
            pass
        for side in (source, target):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)
            side.close()

    def close(self) -> None:
        self.listener.close()


# --------------------------------------------------------------------------------------------


def logged_in_phone(store: Store, base_url: str, now: list[float]) -> SyncClient:
    client = SyncClient(store, timeout=10, wall_clock=lambda: now[0], rng=random.Random(3))
    with pytest.raises(LoginFailed):
        client.login(base_url, AUDITOR[0], "a wrong password")
    user = client.login(base_url, AUDITOR[0], AUDITOR[1])
    assert "auditor" == user["role"]
    client.pull()
    assert 1 == len(store.assignments())
    return client


def submitted_audit(store: Store) -> AuditSession:
    session = start_visit(store, store.assignments()[0]["id"])
    fill_valid_answers(session)
    session.submit()
    return session


def audit_entry(phone: Store, audit_uuid: str) -> OutboxEntry:
    entry = phone.outbox_entry("audit", audit_uuid)
    assert entry is not None
    return entry


def server_answer(entry: OutboxEntry) -> dict[str, Any]:
    """The last answer of the server the phone kept for an entry (receipt or problem)."""
    assert entry.server_response is not None
    return entry.server_response


def audit_body(phone: Store, audit_uuid: str) -> dict[str, Any]:
    record = phone.audit(audit_uuid)
    assert record is not None
    assert record.body is not None
    return record.body


def acknowledged_percent(phone: Store, audit_uuid: str) -> str | None:
    """The score in the server's receipt the phone kept for that audit."""
    percent: str | None = server_answer(audit_entry(phone, audit_uuid))["score"]["percent"]
    return percent


def assert_stored_once(
    server: RunningServer, phone: Store, audit_uuid: str, percent: str | None = None
) -> None:
    """The server holds the audit in one row, revision 1, and each of its photos once."""
    percent = percent or acknowledged_percent(phone, audit_uuid)
    assert [(1, "submitted", percent)] == server.audits_stored(audit_uuid)
    photos = phone.photos(audit_uuid)
    assert photos
    assert [1] * len(photos) == [server.photos_stored(photo.sha256) for photo in photos]


def push_until_quiet(client: SyncClient, now: list[float], passes: int = 5) -> None:
    for _ in range(passes):
        client.push()
        next_retry = client.store.next_retry_at()
        if next_retry is None:
            return
        now[0] = max(now[0], next_retry)


@needs_sync_server
def test_an_audit_reaches_the_server_exactly_once(server: RunningServer, phone: Store) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = submitted_audit(phone)
    push_until_quiet(client, now)
    sent = audit_entry(phone, session.audit_uuid)
    assert SYNCED == sent.state
    assert {SYNCED} == {entry.state for entry in phone.outbox()}
    assert session.live_score().to_dict()["percent"] == server_answer(sent)["score"]["percent"]
    assert [] == server_answer(sent)["missing_photos"]
    assert_stored_once(server, phone, session.audit_uuid)
    # a replay (the phone never heard the answer) is recognised as the same audit: 200
    replay = httpx.put(
        f"{server.base_url}/api/v1/audits/{session.audit_uuid}",
        json=audit_body(phone, session.audit_uuid),
        headers={"Authorization": f"Bearer {phone.get_setting('token')}"},
    )
    assert 200 == replay.status_code
    assert server_answer(sent)["revision"] == replay.json()["revision"]
    assert_stored_once(server, phone, session.audit_uuid)
    # the phone said which install sent it, the same id after a new login (a shared phone)
    stored_device = server.rows(
        "SELECT device_id FROM audit WHERE replace(lower(uuid), '-', '') = ?",
        session.audit_uuid.replace("-", "").lower(),
    )
    assert [(phone.device_id(),)] == [tuple(row) for row in stored_device]
    phone.delete_settings("token", "user_email", "user_name", "sync_cursor")
    assert stored_device[0][0] == phone.device_id()


@needs_sync_server
@pytest.mark.parametrize("first", ["audit", "photo"])
def test_photos_may_arrive_before_or_after_their_audit(
    first: str, server: RunningServer, phone: Store
) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = submitted_audit(phone)
    held_back = "photo" if first == "audit" else "audit"
    for entry in phone.outbox():
        if entry.kind == held_back:
            phone.mark_outbox(entry.kind, entry.uuid, QUEUED, next_retry_at=now[0] + 3600)
    client.push()
    sent = audit_entry(phone, session.audit_uuid)
    photo_uuids = [photo.uuid for photo in phone.photos(session.audit_uuid)]
    if first == "audit":
        assert QUEUED == sent.state  # the server is missing the photos: not synced yet
        assert sorted(photo_uuids) == sorted(server_answer(sent)["missing_photos"])
    else:
        assert QUEUED == sent.state  # held back: only the photos went
        assert [1] * len(photo_uuids) == [
            server.photos_stored(photo.sha256) for photo in phone.photos(session.audit_uuid)
        ]
        assert [] == server.audits_stored(session.audit_uuid)
    now[0] += 3601
    push_until_quiet(client, now)
    assert {SYNCED} == {entry.state for entry in phone.outbox()}
    assert [] == server_answer(audit_entry(phone, session.audit_uuid))["missing_photos"]
    assert_stored_once(server, phone, session.audit_uuid)


@needs_sync_server
def test_a_conflict_is_shown_and_not_retried_forever(server: RunningServer, phone: Store) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = submitted_audit(phone)
    push_until_quiet(client, now)
    percent = acknowledged_percent(phone, session.audit_uuid)
    with phone.transaction() as db:  # other content under the same uuid
        body = audit_body(phone, session.audit_uuid)
        # A later finish than the one stored: other content, still a valid visit on any date.
        finished = dt.datetime.fromisoformat(body["finished_at"]) + dt.timedelta(minutes=1)
        body["finished_at"] = finished.isoformat()
        db.execute(
            "UPDATE audits SET body = ? WHERE uuid = ?",
            (json.dumps(body), session.audit_uuid),
        )
    phone.mark_outbox("audit", session.audit_uuid, QUEUED)
    push_until_quiet(client, now)
    entry = audit_entry(phone, session.audit_uuid)
    assert FAILED == entry.state
    assert 409 == server_answer(entry)["status"]
    assert (CONFLICT, 409) == (notice_of(entry).code, notice_of(entry).status)
    assert notice_of(entry).detail.startswith(server_answer(entry)["detail"])  # its words
    assert [] == [e for e in phone.due_outbox(now[0] + 10**9) if e.kind == "audit"]
    assert_stored_once(server, phone, session.audit_uuid, percent)  # the first one stays, once


@needs_sync_server
def test_an_invalid_audit_shows_the_server_errors(server: RunningServer, phone: Store) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = submitted_audit(phone)
    with phone.transaction() as db:
        body = audit_body(phone, session.audit_uuid)
        body["answers"] = [a for a in body["answers"] if a["item"] != "greeted"]
        db.execute(
            "UPDATE audits SET body = ? WHERE uuid = ?",
            (json.dumps(body), session.audit_uuid),
        )
    push_until_quiet(client, now)
    entry = audit_entry(phone, session.audit_uuid)
    assert FAILED == entry.state
    assert 1 == entry.attempts  # refused once, then left for the auditor: not retried
    problem = server_answer(entry)
    assert 422 == problem["status"]
    assert "greeted" in [error["item"] for error in problem["errors"]]
    assert (REFUSED, 422) == (notice_of(entry).code, notice_of(entry).status)
    assert notice_of(entry).detail.startswith(problem["detail"])
    for error in problem["errors"]:
        assert f"{error['item']}: {error['message']}" in notice_of(entry).detail
    # The outbox names the question the auditor read, in their language, never its key.
    [sending] = [s for s in audits_in_outbox(phone) if s.audit_uuid == session.audit_uuid]
    words = message_text(
        entry.message, gettext_for("ru"), ngettext_for("ru"), sending.questions_in("ru")
    )
    question = text(session.item("greeted").item.text, "ru")
    assert f"{question}: " + gettext_for("ru")("This question must be answered.") in words
    assert "greeted" not in words
    assert [] == server.audits_stored(session.audit_uuid)  # nothing stored
    # the auditor's retry sends it once more and it is refused the same way
    client.retry("audit", session.audit_uuid)
    push_until_quiet(client, now)
    entry = audit_entry(phone, session.audit_uuid)
    assert (FAILED, 1) == (entry.state, entry.attempts)


@needs_sync_server
def test_server_down_for_a_while_then_up(server: RunningServer, phone: Store) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = submitted_audit(phone)
    server.stop()
    for _ in range(3):  # several passes while it is down: each one waits longer
        client.push()
        now[0] = max(entry.next_retry_at for entry in phone.outbox())
    assert {QUEUED} == {entry.state for entry in phone.outbox()}
    assert {3} == {entry.attempts for entry in phone.outbox()}
    server.start()
    push_until_quiet(client, now)
    assert {SYNCED} == {entry.state for entry in phone.outbox()}
    assert_stored_once(server, phone, session.audit_uuid)


@needs_sync_server
def test_a_connection_dropped_mid_upload_is_retried(server: RunningServer, phone: Store) -> None:
    relay = CuttingRelay(server.port)
    try:
        now = [time.time()]
        client = logged_in_phone(phone, f"http://127.0.0.1:{relay.port}", now)
        session = submitted_audit(phone)
        relay.cut_after = 20_000  # the photo upload is cut after 20 kB
        client.close()  # a fresh connection goes through the relay's cut
        client.push()
        assert 1 == relay.cuts
        assert {QUEUED} == {entry.state for entry in phone.outbox()}
        push_until_quiet(client, now)
        assert {SYNCED} == {entry.state for entry in phone.outbox()}
        assert_stored_once(server, phone, session.audit_uuid)
    finally:
        relay.close()


@needs_sync_server
def test_a_refused_token_asks_for_a_new_login(server: RunningServer, phone: Store) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    submitted_audit(phone)
    phone.set_settings(token="not-a-valid-token")
    with pytest.raises(LoginRequired):
        client.push()
    assert {QUEUED} == {entry.state for entry in phone.outbox()}
    assert {0} == {entry.attempts for entry in phone.outbox()}
    # logging in again sends everything
    client.login(server.base_url, AUDITOR[0], AUDITOR[1])
    session_uuid = next(entry.uuid for entry in phone.outbox() if entry.kind == "audit")
    push_until_quiet(client, now)
    assert {SYNCED} == {entry.state for entry in phone.outbox()}
    assert_stored_once(server, phone, session_uuid)


@needs_sync_server
def test_an_answer_lost_after_the_server_stored_the_audit_is_replayed_once(
    server: RunningServer, phone: Store
) -> None:
    """The audit PUT is stored but its answer never arrives: the retry is an identical replay."""
    relay = CuttingRelay(server.port)
    try:
        now = [time.time()]
        client = logged_in_phone(phone, f"http://127.0.0.1:{relay.port}", now)
        session = submitted_audit(phone)
        phone.mark_outbox("audit", session.audit_uuid, QUEUED, next_retry_at=now[0] + 3600)
        client.push()  # the photos go first, untouched
        assert [1] == [
            server.photos_stored(photo.sha256) for photo in phone.photos(session.audit_uuid)
        ]
        relay.cut_answer_after = 0
        client.close()  # the next connection, the audit's, loses the server's answer
        now[0] += 3601
        client.push()
        assert 1 == relay.cuts
        sent = audit_entry(phone, session.audit_uuid)
        assert (QUEUED, 1) == (sent.state, sent.attempts)  # for the phone, it is not sent yet
        assert 1 == len(server.audits_stored(session.audit_uuid))  # the server has it
        push_until_quiet(client, now)
        sent = audit_entry(phone, session.audit_uuid)
        assert SYNCED == sent.state
        assert 1 == server_answer(sent)["revision"]
        assert_stored_once(server, phone, session.audit_uuid)
    finally:
        relay.close()


# --------------------------------------------------------------------------------------------
# correcting a returned audit (docs/contract.md#sync-pull, #review)


def return_to_auditor(server: RunningServer, audit_uuid: str, notes: list[dict[str, Any]]) -> None:
    with admin_client(server.base_url) as admin:
        answer = admin.post(f"/review/audits/{audit_uuid}/return", json={"notes": notes})
        assert 200 == answer.status_code, answer.text


def photo_is_jpeg(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        return image.format == "JPEG"


@needs_sync_server
@pytest.mark.parametrize("corrected_on", ["another phone", "the same phone"])
def test_a_returned_audit_is_corrected_and_arrives_as_revision_2(
    corrected_on: str, server: RunningServer, tmp_path: Path
) -> None:
    now = [time.time()]
    first = Store(tmp_path / "first-phone")
    second = Store(tmp_path / "second-phone")
    try:
        sender = logged_in_phone(first, server.base_url, now)
        sent = submitted_audit(first)
        push_until_quiet(sender, now)
        sent_body = audit_body(first, sent.audit_uuid)
        return_to_auditor(
            server,
            sent.audit_uuid,
            [{"item": "friendly", "note": "Why only 5? Say what they did."}, {"note": "Thanks"}],
        )
        if corrected_on == "the same phone":
            phone, client = first, sender
            client.sync_once()
        else:
            phone = second
            client = logged_in_phone(second, server.base_url, now)
            client.download_photos()
        (assignment,) = phone.assignments()
        assert "returned" == assignment["status"]
        assert ["friendly", None] == [note["item"] for note in assignment["return_notes"]]

        session = start_visit(phone, assignment["id"])
        # the same audit, filled in with what the server holds, its photos shown
        assert sent.audit_uuid == session.audit_uuid
        assert session.record.is_correction
        assert sent_body["answers"] == [answer.to_dict() for answer in session.answers()]
        assert [] == session.problems()
        photos = session.photos()
        assert photos
        assert all(photo.on_phone and photo_is_jpeg(photo.path) for photo in photos)
        assert (corrected_on == "another phone") == all(photo.remote for photo in photos)

        session.comment("friendly", "Smiled, offered a basket and help to find water.")
        session.submit()
        push_until_quiet(client, now)

        entry = audit_entry(phone, sent.audit_uuid)
        assert SYNCED == entry.state, entry.message
        receipt = server_answer(entry)
        assert (2, "submitted") == (receipt["revision"], receipt["status"])
        assert [(2, "submitted", receipt["score"]["percent"])] == server.audits_stored(
            sent.audit_uuid
        )
        assert [(1,), (2,)] == server.rows(
            "SELECT r.revision FROM audit_revision r JOIN audit a ON a.id = r.audit"
            " ORDER BY r.revision"
        )
        # the photos were referenced, not sent again: each stored once
        for photo in first.photos(sent.audit_uuid):
            assert 1 == server.photos_stored(photo.sha256)
        if phone is second:
            assert ["audit"] == [e.kind for e in phone.outbox()]
        stored = server.rows("SELECT comment FROM audit_answer WHERE item = 'friendly'")
        assert [("Smiled, offered a basket and help to find water.",)] == stored
        # the visit is sent: the next pull shows it submitted, nothing left to correct
        client.sync_once()
        assert "submitted" == phone.assignment(assignment["id"])["status"]  # type: ignore[index]
        assert phone.draft_for_assignment(assignment["id"]) is None
    finally:
        first.close()
        second.close()


@needs_sync_server
def test_an_unchanged_correction_goes_back_to_the_auditor(
    server: RunningServer, phone: Store
) -> None:
    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    sent = submitted_audit(phone)
    push_until_quiet(client, now)
    return_to_auditor(server, sent.audit_uuid, [{"item": "greeted", "note": "Really?"}])
    client.sync_once()
    session = start_visit(phone, phone.assignments()[0]["id"])
    session.submit()  # nothing changed: the server keeps it returned
    push_until_quiet(client, now)
    entry = audit_entry(phone, sent.audit_uuid)
    assert (FAILED, UNCHANGED) == (entry.state, notice_of(entry).code)
    assert phone.draft_for_assignment(session.record.assignment_id) is not None
    assert [(1, "returned")] == [row[:2] for row in server.audits_stored(sent.audit_uuid)]


@needs_sync_server
def test_a_second_audit_for_a_visit_is_a_conflict_explained_in_words(
    server: RunningServer, tmp_path: Path
) -> None:
    now = [time.time()]
    first, second = Store(tmp_path / "first"), Store(tmp_path / "second")
    try:
        first_client = logged_in_phone(first, server.base_url, now)
        second_client = logged_in_phone(second, server.base_url, now)
        submitted_audit(first)
        push_until_quiet(first_client, now)
        twin = submitted_audit(second)  # made before this phone heard of the first one
        push_until_quiet(second_client, now)
        entry = audit_entry(second, twin.audit_uuid)
        assert (FAILED, CONFLICT, 409) == (
            entry.state,
            notice_of(entry).code,
            notice_of(entry).status,
        )
        words = message_text(entry.message, gettext_for("uk"), ngettext_for("uk"))
        assert "409" not in words.splitlines()[0]
        # the server's words too, in the phone's language
        said = gettext_for("uk")(notice_of(entry).detail)
        assert said != notice_of(entry).detail
        assert words.endswith("\n" + said)
    finally:
        first.close()
        second.close()


@needs_sync_server
def test_a_marked_up_photo_reaches_the_server_with_its_original(
    server: RunningServer, phone: Store
) -> None:
    """Both go up, each stored under its own hash, the marked copy first in the answer
    (docs/contract.md#answers): what reviewers and reports show first."""
    from mobile.markup import Mark

    now = [time.time()]
    client = logged_in_phone(phone, server.base_url, now)
    session = start_visit(phone, phone.assignments()[0]["id"])
    fill_valid_answers(session)
    (original,) = session.photos("shelf")
    copy = session.mark_photo(original.uuid, [Mark("arrow", 0.2, 0.8, 0.5, 0.5)])
    session.submit()
    push_until_quiet(client, now)

    assert {SYNCED} == {entry.state for entry in phone.outbox()}
    assert [1, 1] == [server.photos_stored(photo.sha256) for photo in (copy, original)]
    (stored,) = server.rows("SELECT photos FROM audit_answer WHERE item = 'shelf'")
    assert [copy.uuid, original.uuid] == json.loads(stored[0])
    audit = httpx.get(
        f"{server.base_url}/api/v1/audits/{session.audit_uuid}",
        headers={"Authorization": f"Bearer {phone.get_setting('token')}"},
    ).json()
    shelf = next(answer for answer in audit["answers"] if answer["item"] == "shelf")
    assert [copy.uuid, original.uuid] == shelf["photos"]
