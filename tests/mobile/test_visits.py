"""The visit list's logic without a window: groups, order, search, what may start, notes;
and a returned audit arriving with a pull (docs/contract.md#sync-pull, #phone)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mobile.session import VisitClosed, start_visit
from mobile.store import DRAFT, QUEUED, SUBMITTED, SYNCED, Store
from mobile.visits import (
    DONE,
    GROUPS,
    IN_PROGRESS,
    RETURNED_GROUP,
    SENT,
    TO_DO,
    build_visits,
    can_start,
    group_of,
    grouped,
    note_lines,
    notes_by_item,
    visit_of,
)
from shared.checklist import Template
from tests.mobile.sample_data import PHOTO_DIR, every_kind_template, sync_payload
from tests.mobile.test_sync import fill_valid_answers

PHOTO = Path(PHOTO_DIR) / "gps_nikon.jpg"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "phone")
    yield opened
    opened.close()


@pytest.mark.parametrize(
    ("status", "local", "group", "startable"),
    [
        ("assigned", "", TO_DO, True),
        ("assigned", "draft", IN_PROGRESS, True),
        ("assigned", "submitted", SENT, False),  # in the outbox, not on the server yet
        ("returned", "draft", RETURNED_GROUP, True),
        ("returned", "", RETURNED_GROUP, False),  # the returned audit did not arrive
        ("returned", "submitted", SENT, False),  # the correction waits in the outbox
        ("submitted", "", SENT, False),
        ("submitted", "draft", SENT, False),
        ("approved", "", DONE, False),
        ("approved", "draft", DONE, False),
        ("something new", "", SENT, False),
    ],
)
def test_a_visits_group_and_whether_it_may_start(
    status: str, local: str, group: str, startable: bool
) -> None:
    assert group == group_of(status, local)
    (visit,) = build_visits([assignment(1, status, "2026-11-30")], {}, {1: local} if local else {})
    assert (group, startable) == (visit.group, can_start(visit))


def assignment(number: int, status: str, due_to: str, outlet: int = 100) -> dict[str, Any]:
    return {
        "id": number,
        "outlet_id": outlet,
        "status": status,
        "due_to": due_to,
        "wave": {"id": 1, "name": "Listopad 2026"},
    }


def test_work_comes_first_and_done_last_newest_first() -> None:
    """The list of the report: one visit to do among twenty approved ones of earlier waves."""
    assignments = [assignment(n, "approved", f"2026-{1 + n % 12:02d}-15") for n in range(1, 21)]
    assignments += [
        assignment(21, "assigned", "2026-12-20"),
        assignment(22, "assigned", "2026-12-01"),
        assignment(23, "returned", "2026-11-28"),
        assignment(24, "cancelled", "2026-11-01"),
    ]
    visits = build_visits(assignments, {}, {23: DRAFT})
    groups = grouped(visits)
    assert GROUPS == tuple(groups)
    assert [22, 21] == [visit.id for visit in groups[TO_DO]]  # the earliest due first
    assert [23] == [visit.id for visit in groups[RETURNED_GROUP]]
    assert 20 == len(groups[DONE])
    assert groups[DONE][0].due_to > groups[DONE][-1].due_to
    assert 24 not in [visit.id for visit in visits]


def test_search_finds_words_in_name_city_address_code_and_wave() -> None:
    outlets = {
        1: {"name": "Żabka Mokotów", "city": "Warszawa", "address": "ul. Puławska 1", "code": "W1"},
        2: {"name": "Магазин на Арбате", "city": "Москва", "address": "Арбат 5", "code": "M2"},
    }
    visits = build_visits(
        [assignment(1, "assigned", "2026-11-30", 1), assignment(2, "assigned", "2026-11-30", 2)],
        outlets,
        {},
    )

    def found(query: str) -> list[int]:
        return [visit.id for members in grouped(visits, query).values() for visit in members]

    assert [1, 2] == found("  ")
    assert [1] == found("ŻABKA puławska")
    assert [2] == found("арбат")
    assert [2] == found("m2")
    assert [1, 2] == found("listopad")
    assert [] == found("Kraków")


def test_return_notes_show_the_items_text_in_the_phones_language() -> None:
    template = Template.from_dict(every_kind_template())
    notes = [{"item": "friendly", "note": "Dlaczego 3?"}, {"item": None, "note": "Zdjęcie?"}]
    notes.append({"item": "gone", "note": "?"})
    lines = note_lines(notes, template, "pl", lambda: "Cały audyt")
    assert ["Uprzejmość: Dlaczego 3?", "Cały audyt: Zdjęcie?", "gone: ?"] == lines
    assert ["friendly: x"] == note_lines([{"item": "friendly", "note": "x"}], None, "pl", str)
    assert {"friendly": ["Dlaczego 3?"], "gone": ["?"]} == notes_by_item(notes)


# --------------------------------------------------------------------------------------------
# a returned audit arriving with a pull


def returned_pull(revision: int = 1, audit_uuid: str = "6f1c3b9e-5a55-4d0b-9a43-1c2d3e4f5a6b"):
    payload = sync_payload(every_kind_template(), assignment_count=1)
    (visit,) = payload["assignments"]
    visit["status"] = "returned"
    visit["return_notes"] = [{"item": "friendly", "note": "Why 3?"}]
    visit["returned_audit"] = {
        "uuid": audit_uuid,
        "revision": revision,
        "started_at": "2026-11-21T09:00:00Z",
        "finished_at": "2026-11-21T09:25:00Z",
        "location": {"lat": 52.2, "lon": 21.0, "accuracy_m": 9.0, "at": None},
        "answers": [
            {"item": "greeted", "value": True, "na": False, "comment": "", "photos": []},
            {"item": "wait", "value": None, "na": True, "comment": "", "photos": []},
            {"item": "friendly", "value": 3, "na": False, "comment": "Meh", "photos": []},
            {"item": "clean", "value": "spotless", "na": False, "comment": "", "photos": []},
            {"item": "offers", "value": ["bag"], "na": False, "comment": "", "photos": []},
            {"item": "queue", "value": 2, "na": False, "comment": "", "photos": []},
            {"item": "recommend", "value": 8, "na": False, "comment": "", "photos": []},
            {
                "item": "shelf",
                "value": None,
                "na": False,
                "comment": "",
                "photos": ["7a7a7a7a-0000-4000-8000-000000000001"],
            },
        ],
        "photos": [
            {
                "uuid": "7a7a7a7a-0000-4000-8000-000000000001",
                "item": "shelf",
                "received": True,
                "thumbnail_url": "/api/v1/photos/7a7a7a7a-0000-4000-8000-000000000001/thumbnail",
                "display_url": "/api/v1/photos/7a7a7a7a-0000-4000-8000-000000000001/display",
            }
        ],
    }
    return payload


def test_a_pulled_returned_audit_is_a_draft_to_correct_under_its_own_uuid(store: Store) -> None:
    payload = returned_pull()
    store.apply_pull(payload)
    expected = payload["assignments"][0]["returned_audit"]

    assert "returned_audit" not in store.assignment(1)  # type: ignore[operator]
    session = start_visit(store, 1)
    assert expected["uuid"] == session.audit_uuid
    record = session.record
    assert (DRAFT, 1, "2026-11-21T09:25:00Z") == (
        record.state,
        record.base_revision,
        record.finished_at,
    )
    assert expected["answers"] == [answer.to_dict() for answer in session.answers()]
    (photo,) = session.photos()
    assert (True, False) == (photo.remote, photo.on_phone)
    assert [photo.uuid] == [p.uuid for p in store.photos_to_download()]
    assert [] == session.problems()

    session.answer("friendly", 4)
    body = session.submit()
    # the visit's own times and place, the server's photo referenced and not queued
    assert ("2026-11-21T09:00:00Z", "2026-11-21T09:25:00Z") == (
        body["started_at"],
        body["finished_at"],
    )
    assert 52.2 == body["location"]["lat"]
    assert [("audit", expected["uuid"])] == [(e.kind, e.uuid) for e in store.outbox()]
    with pytest.raises(VisitClosed):
        start_visit(store, 1)  # sent: it cannot start again


def test_a_pull_keeps_work_the_phone_has_not_sent(store: Store) -> None:
    store.apply_pull(returned_pull())
    session = start_visit(store, 1)
    session.answer("friendly", 5)
    store.apply_pull(returned_pull())  # the same return again: the correction stays
    assert 5 == session.answer_of("friendly").value  # type: ignore[union-attr]
    session.submit()
    store.apply_pull(returned_pull())  # the correction still waits in the outbox
    assert SUBMITTED == session.record.state
    # sent, and returned again as revision 2: a draft again, with the server's content
    store.mark_outbox("audit", session.audit_uuid, SYNCED)
    again = returned_pull(revision=2)
    store.apply_pull(again)
    assert (DRAFT, 2) == (session.record.state, session.record.base_revision)
    assert 3 == session.answer_of("friendly").value  # type: ignore[union-attr]


def test_the_phone_that_made_the_audit_reopens_it_and_keeps_its_photo_files(
    store: Store,
) -> None:
    store.apply_pull(sync_payload(every_kind_template(), assignment_count=1))
    session = start_visit(store, 1)
    fill_valid_answers(session)
    session.submit()
    for entry in store.outbox():
        store.mark_outbox(entry.kind, entry.uuid, SYNCED)
    sent = session.wire_body("x")["answers"]
    (photo,) = session.photos()
    payload = returned_pull(audit_uuid=session.audit_uuid)
    returned = payload["assignments"][0]["returned_audit"]
    returned["answers"] = copy.deepcopy(sent)
    returned["photos"][0]["uuid"] = photo.uuid
    store.apply_pull(payload)

    assert session.audit_uuid == start_visit(store, 1).audit_uuid
    (kept,) = session.photos()
    assert (photo.uuid, False, True) == (kept.uuid, kept.remote, kept.on_phone)
    session.comment("friendly", "More detail")
    session.submit()
    # the photo was sent before: only the audit goes again
    assert [("audit", QUEUED), ("photo", SYNCED)] == sorted(
        (entry.kind, entry.state) for entry in store.outbox()
    )
    assert visit_of(store, 1).group == SENT  # type: ignore[union-attr]


def test_a_store_made_before_corrections_gets_the_new_columns(tmp_path: Path) -> None:
    import sqlite3

    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / "shopscore.sqlite3") as db:
        db.executescript(
            "CREATE TABLE audits (uuid TEXT PRIMARY KEY, assignment_id INTEGER NOT NULL,"
            " template_key TEXT NOT NULL, template_version INTEGER NOT NULL,"
            " started_at TEXT NOT NULL, finished_at TEXT, location TEXT,"
            " state TEXT NOT NULL DEFAULT 'draft', body TEXT);"
            "INSERT INTO audits (uuid, assignment_id, template_key, template_version, started_at)"
            " VALUES ('a', 1, 'store-visit', 1, '2026-11-20T10:00:00+01:00');"
        )
    store = Store(old)
    try:
        record = store.audit("a")
        assert record is not None
        assert (0, False) == (record.base_revision, record.is_correction)
    finally:
        store.close()
