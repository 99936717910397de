"""The phone's local store: durability under SIGKILL, outbox states, pulls and settings."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from mobile.store import DRAFT, FAILED, QUEUED, SENDING, SUBMITTED, SYNCED, Store
from tests.mobile.sample_data import sync_payload

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "phone")
    yield opened
    opened.close()


def run_writer_and_kill(data_dir: Path, acks_before_kill: int, extra_delay_s: float) -> list[str]:
    """Start the writer, let it acknowledge some actions, SIGKILL it, return its acks.

    An action counts as acknowledged only once its whole line, newline included, was written
    before the kill: a line cut short by the kill is not an acknowledgement.
    """
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.mobile.store_writer", str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert writer.stdout is not None
    output = b""
    while output.count(b"\n") < acks_before_kill:
        chunk = os.read(writer.stdout.fileno(), 65536)
        if not chunk:
            break
        output += chunk
    time.sleep(extra_delay_s)
    os.kill(writer.pid, signal.SIGKILL)
    rest, _ = writer.communicate()  # what it wrote between the last read and the kill
    output += rest
    assert writer.returncode in (-signal.SIGKILL, 0)
    complete = output[: output.rfind(b"\n") + 1]
    return complete.decode("utf-8").splitlines()


def check_nothing_acknowledged_is_lost(data_dir: Path, lines: list[str]) -> None:
    store = Store(data_dir)
    try:
        with closing(sqlite3.connect(data_dir / "shopscore.sqlite3")) as raw:
            assert [("ok",)] == raw.execute("PRAGMA integrity_check").fetchall()
        audit_uuid = lines[0].split()[1]
        answers = store.answers(audit_uuid)
        expected_values: dict[str, int] = {}
        expected_comments: dict[str, str] = {}
        expected_photos: dict[str, str] = {}
        submitted = False
        for line in lines[1:]:
            kind, rest = line.split(" ", 1)
            if kind == "answer":
                key, number = rest.split(" ")
                expected_values[key] = int(number)
            elif kind == "comment":
                key, text = rest.split(" ", 1)
                expected_comments[key] = text
            elif kind == "photo":
                photo_uuid, sha256 = rest.split(" ")
                expected_photos[photo_uuid] = sha256
            elif kind == "submitted":
                submitted = True
        for key, value in expected_values.items():
            # a later, unacknowledged write may have landed too: never an older value
            assert answers[key].value >= value
        for key, text in expected_comments.items():
            assert answers[key].comment.startswith("comment ")
            assert int(answers[key].comment.split()[1]) >= int(text.split()[1])
        for photo_uuid, sha256 in expected_photos.items():
            photo = store.photo(photo_uuid)
            assert photo is not None
            assert sha256 == hashlib.sha256(photo.path.read_bytes()).hexdigest()
        if submitted:
            record = store.audit(audit_uuid)
            assert record is not None
            assert SUBMITTED == record.state
            queued = {(entry.kind, entry.uuid) for entry in store.outbox()}
            expected = {("photo", u) for u in expected_photos} | {("audit", audit_uuid)}
            assert expected == queued
    finally:
        store.close()


def test_a_kill_at_any_moment_loses_nothing_acknowledged(tmp_path: Path) -> None:
    chance = random.Random(20261123)
    for attempt in range(6):
        data_dir = tmp_path / f"phone{attempt}"
        lines = run_writer_and_kill(
            data_dir, acks_before_kill=chance.randint(2, 150), extra_delay_s=chance.random() / 50
        )
        assert lines, "the writer acknowledged nothing before it was killed"
        try:
            check_nothing_acknowledged_is_lost(data_dir, lines)
        except AssertionError as lost:
            raise AssertionError(f"attempt {attempt}, last acks {lines[-3:]}: {lost}") from lost


def test_the_writer_finishes_when_not_killed(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "tests.mobile.store_writer", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = completed.stdout.splitlines()
    assert lines[-1].startswith("submitted ")
    check_nothing_acknowledged_is_lost(tmp_path, lines)


def test_pragmas_are_wal_and_full_sync(store: Store) -> None:
    with store.transaction() as db:
        assert "wal" == db.execute("PRAGMA journal_mode").fetchone()[0]
        assert 2 == db.execute("PRAGMA synchronous").fetchone()[0]


def test_pull_stores_assignments_templates_outlets_and_cursor(store: Store) -> None:
    payload = sync_payload(assignment_count=3)
    store.apply_pull(payload)
    assert [1, 2, 3] == [a["id"] for a in store.assignments()]
    assert payload["templates"][0] == store.template("store-visit", 1)
    assert "Żabka Mokotów" == (store.outlet(100) or {}).get("name")
    assert "c1" == store.get_setting("sync_cursor")

    update = {
        "cursor": "c2",
        "assignments": [dict(payload["assignments"][0], status="returned")],
        "templates": [],
        "outlets": [],
        "removed_assignment_ids": [3],
    }
    store.apply_pull(update)
    assert ["returned", "assigned"] == [a["status"] for a in store.assignments()]
    assert "c2" == store.get_setting("sync_cursor")


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    def fail_half_way() -> None:
        with store.transaction() as db:
            db.execute("INSERT INTO settings (key, value) VALUES ('half', 'done')")
            raise RuntimeError("the action failed half way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert "" == store.get_setting("half")


def test_answers_keep_each_field_separately(store: Store) -> None:
    audit = store.start_audit(1, "store-visit", 1, "2026-11-23T10:00:00+01:00", None)
    store.save_answer(audit, "wait", value=75, set_value=True)
    store.save_answer(audit, "wait", comment="two tills closed")
    store.save_answer(audit, "wait", na=True)
    answer = store.answers(audit)["wait"]
    assert (75, True, "two tills closed") == (answer.value, answer.na, answer.comment)
    record, draft = store.audit(audit), store.draft_for_assignment(1)
    assert record is not None
    assert draft is not None
    assert (DRAFT, audit) == (record.state, draft.uuid)


def test_outbox_states_retry_and_due_times(store: Store) -> None:
    audit = store.start_audit(1, "store-visit", 1, "2026-11-23T10:00:00+01:00", None)
    photo = store.add_photo(
        audit, "shelf", b"jpeg", hashlib.sha256(b"jpeg").hexdigest(), "image/jpeg"
    )
    store.submit_audit(audit, "2026-11-23T10:30:00+01:00", {"answers": []}, [photo.uuid])
    assert [("photo", QUEUED), ("audit", QUEUED)] == [(e.kind, e.state) for e in store.outbox()]

    store.mark_outbox("photo", photo.uuid, QUEUED, next_retry_at=1000.0, count_attempt=True)
    assert ["audit"] == [e.kind for e in store.due_outbox(now=999.0)]
    assert 0.0 == store.next_retry_at()

    store.mark_outbox("audit", audit, FAILED, message="conflict", count_attempt=True)
    store.mark_outbox("photo", photo.uuid, SYNCED, server_response={"uuid": photo.uuid})
    assert store.next_retry_at() is None
    store.retry_outbox("audit", audit)
    entry = store.outbox_entry("audit", audit)
    assert entry is not None
    assert (QUEUED, 0) == (entry.state, entry.attempts)
    with pytest.raises(ValueError):
        store.delete_photo(photo.uuid)  # submitted audits keep their photos


def test_an_upload_cut_short_by_a_kill_is_sent_again(store: Store) -> None:
    audit = store.start_audit(1, "store-visit", 1, "2026-11-23T10:00:00+01:00", None)
    store.submit_audit(audit, "2026-11-23T10:30:00+01:00", {"answers": []}, [])
    store.mark_outbox("audit", audit, SENDING)  # the app died while sending
    assert [("audit", SENDING)] == [(e.kind, e.state) for e in store.due_outbox(now=0.0)]
