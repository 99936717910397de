"""The audit session without a window: answers saved at once, visibility, validation, score."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from mobile.session import AuditSession, NotADraft, SubmitBlocked, start_visit
from mobile.store import QUEUED, SUBMITTED, Store
from shared.codec import canonical_json
from tests.mobile.sample_data import PHOTO_DIR, every_kind_template, sync_payload

GOLDEN = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "scoring").glob("*.json"))
PHOTO = Path(PHOTO_DIR) / "gps_nikon.jpg"
SCORE_FIELDS = ("percent", "total", "sections", "band", "passed", "failed", "critical_failures")


class StepClock:
    """A device clock the test moves by hand (a fixed UTC+1 offset, like Warsaw in winter)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 10, 15, tzinfo=timezone(timedelta(hours=1)))

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "phone")
    yield opened
    opened.close()


def session_for(
    store: Store, template: dict[str, Any], clock: StepClock | None = None
) -> AuditSession:
    store.apply_pull(sync_payload(template, assignment_count=1))
    return start_visit(store, 1, clock=clock or StepClock())


def give(session: AuditSession, answer: dict[str, Any]) -> None:
    """Give one golden-case answer the way the checklist screen does."""
    item = answer["item"]
    if answer.get("value") is not None:
        session.answer(item, answer["value"])
    if answer.get("na"):
        session.set_na(item, True)
    if answer.get("comment"):
        session.comment(item, answer["comment"])
    for _photo in answer.get("photos", []):
        session.attach_photo(item, PHOTO)


@pytest.mark.parametrize("case_path", GOLDEN, ids=[path.stem for path in GOLDEN])
def test_live_score_equals_every_golden_case(store: Store, case_path: Path) -> None:
    case = json.loads(case_path.read_text())
    session = session_for(store, case["template"])
    for answer in case["answers"]:
        if session.template.has_item(answer["item"]):
            give(session, answer)
        else:
            with pytest.raises(KeyError):  # the phone cannot even record an unknown item
                give(session, answer)
    card = session.live_score().to_dict()
    assert case["expected"] == {field: card[field] for field in SCORE_FIELDS}


def test_golden_cases_are_present() -> None:
    assert len(GOLDEN) >= 10


def value_of(session: AuditSession, item: str) -> Any:
    answer = session.answer_of(item)
    assert answer is not None, f"{item} has no answer"
    return answer.value


def test_show_if_items_appear_and_disappear(store: Store) -> None:
    session = session_for(store, every_kind_template())

    def visible() -> list[str]:
        return [entry.key for entry in session.visible_items()]

    assert "phone_use" not in visible()
    session.answer("greeted", False)
    assert ["greeted", "phone_use", "wait"] == visible()[:3]
    session.answer("phone_use", True)
    session.answer("greeted", True)
    assert "phone_use" not in visible()
    # the hidden answer is kept (and ignored by the score)
    assert True is value_of(session, "phone_use")
    assert "phone_use" not in session.live_score().earned


def test_problems_block_submit_until_fixed(store: Store) -> None:
    session = session_for(store, every_kind_template())
    with pytest.raises(SubmitBlocked) as blocked:
        session.submit()
    codes = {(problem.item, problem.code) for problem in blocked.value.problems}
    assert ("greeted", "required") in codes
    assert "shelf" in {item for item, _code in codes}  # a photo item needs its photo
    assert ("notes", "required") not in codes  # not required
    session.answer("clean", "dirty")
    assert ("clean", "photo_required") in {(p.item, p.code) for p in session.problems()}
    session.set_na("greeted", True)
    assert ("greeted", "na_not_allowed") in {(p.item, p.code) for p in session.problems()}


def fill_every_kind(session: AuditSession, clock: StepClock) -> None:
    session.answer("greeted", True)
    session.start_timer("wait")
    clock.now += timedelta(seconds=75)
    assert 75 == session.stop_timer("wait")
    session.comment("wait", "two tills closed")
    session.answer("friendly", 4)
    session.answer("clean", "spotless")
    session.answer("offers", ["loyalty"])
    session.answer("queue", 3)
    session.answer("recommend", 9)
    session.attach_photo("shelf", PHOTO)
    session.answer("notes", "Zażółć gęślą jaźń")


def test_a_timer_in_minutes_is_answered_and_scored_in_minutes(store: Store) -> None:
    template = every_kind_template()
    wait = next(
        item for section in template["sections"] for item in section["items"]
        if item["key"] == "wait"
    )  # fmt: skip
    wait.update(unit="min", target=2, limit=5)  # full points up to 2 min, none from 5
    clock = StepClock()
    session = session_for(store, template, clock)
    session.start_timer("wait")
    clock.now += timedelta(seconds=95)
    assert 1.58 == session.stop_timer("wait")
    assert 1.58 == value_of(session, "wait")
    # 1.58 min is within the 2 min target: full points, where 95 would have earned none
    card = session.live_score()
    assert card.earned["wait"] == card.possible["wait"]


def test_timer_start_survives_a_restart_of_the_app(store: Store) -> None:
    clock = StepClock()
    session = session_for(store, every_kind_template(), clock)
    session.start_timer("wait")
    clock.now += timedelta(seconds=42)
    reopened = AuditSession(store, session.audit_uuid, clock=clock)  # the app was killed
    assert 42 == reopened.stop_timer("wait")
    assert 42 == value_of(reopened, "wait")
    assert reopened.timer_started_at("wait") is None


def test_submit_queues_the_wire_body_and_photos(store: Store) -> None:
    clock = StepClock()
    session = session_for(store, every_kind_template(), clock)
    fill_every_kind(session, clock)
    extra = session.attach_photo("shelf", PHOTO)
    session.delete_photo(extra.uuid)
    assert not extra.path.exists()
    clock.now += timedelta(minutes=20)
    body = session.submit()

    assert 1 == body["assignment_id"]
    assert {"key": "store-visit", "version": 1} == body["template"]
    assert "2026-11-23T10:15:00+01:00" == body["started_at"]
    assert "2026-11-23T10:36:15+01:00" == body["finished_at"]
    answers = {answer["item"]: answer for answer in body["answers"]}
    assert {
        "item": "wait",
        "value": 75,
        "na": False,
        "comment": "two tills closed",
        "photos": [],
    } == answers["wait"]
    assert ["loyalty"] == answers["offers"]["value"]
    shelf_photos = session.photos("shelf")
    assert [photo.uuid for photo in shelf_photos] == answers["shelf"]["photos"]
    assert [a["item"] for a in body["answers"]] == [
        key for key in (e.key for e in session.checklist) if key in answers
    ]
    assert session.live_score().to_dict()["percent"] == body["client_score"]["percent"]
    canonical_json(body, session.template)  # the shared codec accepts the body

    record = store.audit(session.audit_uuid)
    assert record is not None
    assert (SUBMITTED, body) == (record.state, record.body)
    assert [("photo", shelf_photos[0].uuid, QUEUED), ("audit", session.audit_uuid, QUEUED)] == [
        (entry.kind, entry.uuid, entry.state) for entry in store.outbox()
    ]
    with pytest.raises(NotADraft):
        session.answer("greeted", False)


def test_start_visit_resumes_the_draft(store: Store) -> None:
    session = session_for(store, every_kind_template())
    session.answer("greeted", True)
    again = start_visit(store, 1)
    assert session.audit_uuid == again.audit_uuid
    assert True is value_of(again, "greeted")


def test_an_out_of_range_answer_is_a_problem_not_a_crash(store: Store) -> None:
    session = session_for(store, every_kind_template())
    session.answer("friendly", 9)
    assert ("friendly", "out_of_range") in {(p.item, p.code) for p in session.problems()}
    assert "friendly" not in session.live_score().earned


def test_progress_counts_visible_required_items_answered_or_na(store: Store) -> None:
    session = session_for(store, every_kind_template())
    # 8 required and visible: phone_use is hidden until greeted is "no", notes is optional
    assert (0, 8) == (session.progress().answered, session.progress().required)
    session.answer("greeted", False)  # shows phone_use: one more to answer
    assert (1, 9) == (session.progress().answered, session.progress().required)
    session.set_na("wait", True)
    session.attach_photo("shelf", PHOTO)  # a photo item is answered by its photo
    session.answer("notes", "optional: not counted")
    assert (3, 9) == (session.progress().answered, session.progress().required)
    assert 1 == session.page_of("clean")


def test_the_programme_may_hide_the_live_score(store: Store) -> None:
    payload = sync_payload(every_kind_template(), assignment_count=2)
    payload["assignments"][1]["live_score"] = False
    store.apply_pull(payload)
    assert start_visit(store, 1).shows_score is True  # the default, and older servers
    assert start_visit(store, 2).shows_score is False
