"""Runs the real field app in this process and drives it with a scripted scenario.

Started by the UI tests as a subprocess (one per scenario, so Kivy's window and event loop
never leak between tests): ``python -m tests.mobile.ui_driver SCENARIO DATA_DIR ARTIFACT_DIR
LANG``. A scenario is a generator over the running app: it presses buttons the way a finger
would (``dispatch("on_release")`` on the real widgets), yields the seconds to wait for the
next frames, and saves screenshots. Whatever it reports is written to DATA_DIR/result.json;
an exception makes the process exit non-zero.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")

from kivy.config import Config

WINDOW_SIZE = os.environ.get("SHOPSCORE_WINDOW_SIZE", "400x760")  # a phone-like default
Config.set("graphics", "width", WINDOW_SIZE.split("x")[0])
Config.set("graphics", "height", WINDOW_SIZE.split("x")[1])
Config.set("kivy", "exit_on_escape", "0")

from kivy.clock import Clock  # noqa: E402
from kivy.core.window import Window  # noqa: E402

from mobile.app import ShopscoreApp  # noqa: E402
from mobile.notices import LOGIN_REFUSED, OFFLINE, REFUSED, Notice, notice_text  # noqa: E402
from mobile.store import FAILED, Store  # noqa: E402
from server.dashboard.setup_links import setup_link  # noqa: E402
from tests.mobile import fit  # noqa: E402
from tests.mobile.sample_data import LONG_OUTLET_NAME, PHOTO_DIR, sync_payload  # noqa: E402

Steps = Generator[float, None, None]


class ScriptedCamera:
    """A camera that hands over the next of the given files (the test's phone photos), and
    reads the next of the given QR codes."""

    can_scan = True

    def __init__(self, files: list[Path]) -> None:
        self.files = list(files)
        self.codes: list[str | None] = []

    def scan_code(self, target_dir: Path, on_done: Callable[[str | None], None]) -> None:
        on_done(self.codes.pop(0) if self.codes else None)

    def take_picture(self, target_dir: Path, on_done: Callable[[Path | None], None]) -> None:
        on_done(self.files.pop(0) if self.files else None)


def outbox_rows(outbox: Any) -> list[dict[str, Any]]:
    """What each row of the outbox says: title, detail, state, message, retry offered."""
    keys = ("title", "detail", "state", "state_name", "message", "can_retry")
    return [{key: row[key] for key in keys} for row in outbox.ids.list.data]


def visit_rows(assignments: Any) -> list[dict[str, Any]]:
    """The visit list's rows of visits (without the group headings)."""
    return [row for row in assignments.ids.list.data if row.get("viewclass") == "AssignmentRow"]


class Driver:
    """What a scenario may use: the app, screenshots, the result to report."""

    def __init__(
        self, app: ShopscoreApp, artifacts: Path, lang: str, server: str, data_dir: Path
    ) -> None:
        self.app = app
        self.data_dir = data_dir
        self.server = server
        self.artifacts = artifacts
        self.lang = lang
        self.result: dict[str, Any] = {"screenshots": []}

    def screenshot(self, name: str) -> Steps:
        """Save the next drawn frame; read between drawing and the buffer swap (on_flip).

        Reading the window at any other moment reads a back buffer that may hold an older
        frame, which showed two screens on top of each other.
        """
        target = self.artifacts / f"{self.lang}-{name}.png"
        saved: list[str] = []

        def capture(*_args: Any) -> None:
            Window.unbind(on_flip=capture)
            saved.append(Window.screenshot(name=str(target)))

        Window.bind(on_flip=capture)
        Window.canvas.ask_update()
        while not saved:
            yield 0.05
        shutil.move(saved[0], target)
        self.result["screenshots"].append(target.name)

    def screen(self, name: str) -> Any:
        return self.app.screen(name)

    def press(self, widget: Any) -> None:
        widget.dispatch("on_press")
        widget.dispatch("on_release")

    def toggle(self, widget: Any) -> None:
        widget._do_press()
        widget.dispatch("on_release")

    def card(self, key: str) -> Any:
        return self.screen("checklist").cards[key]


def in_view(scroll: Any, widget: Any) -> bool:
    """Whether `widget` is wholly within the visible part of `scroll`, in window coordinates
    (a ScrollView's own `collide_widget` compares coordinates of two different frames)."""
    left, bottom = scroll.to_window(scroll.x, scroll.y)
    low = widget.to_window(widget.x, widget.y)[1]
    high = widget.to_window(widget.x, widget.top)[1]
    return bool(bottom - 1 <= low and high <= bottom + scroll.height + 1 and left >= 0)


def offline_visit(driver: Driver) -> Steps:
    """A whole visit with no network: every item kind, a timed wait, a photo, submit."""
    app = driver.app
    yield 0.5
    assert app.root.current == "assignments", app.root.current
    yield from driver.screenshot("01-assignments")
    assignments = driver.screen("assignments")
    driver.result["assignment_rows"] = len(visit_rows(assignments))
    driver.result["assignment_subtitles"] = [row["subtitle"] for row in visit_rows(assignments)]
    app.go("briefing", assignment_id=1)
    yield 0.2
    driver.result["briefing_visit_text"] = driver.screen("briefing").visit_text
    yield from driver.screenshot("02-briefing")
    driver.press(driver.screen("briefing").ids.start)
    yield 0.3
    assert app.root.current == "checklist"
    yield from driver.screenshot("03-checklist-empty")
    checklist = driver.screen("checklist")

    driver.toggle(driver.card("greeted").toggles[False])
    yield 0.1
    driver.result["phone_use_visible_after_no"] = "phone_use" in [
        card.key for card in checklist.ids.item_list.children
    ]
    driver.toggle(driver.card("phone_use").toggles[False])
    checklist.start_timer("wait")
    yield 1.3
    yield from driver.screenshot("04-checklist-timer-running")
    checklist.stop_timer("wait")
    yield 0.1
    driver.result["timer_after_stop"] = [
        driver.card("wait").timer_label.text,
        checklist.current_answer("wait").value,
    ]
    driver.toggle(driver.card("friendly").toggles[4])
    driver.card("greeted").open_comment().text = "Nobody said hello"
    yield 1.0  # the comment is saved after a pause in typing
    driver.toggle(driver.card("greeted").toggles[True])
    yield 0.1
    driver.result["phone_use_visible_after_yes"] = "phone_use" in [
        card.key for card in checklist.ids.item_list.children
    ]
    yield from driver.screenshot("05-checklist-section1")
    driver.result["score_after_section1"] = checklist.score_text

    menu = checklist.open_section_menu(checklist.ids.sections)  # the section jump
    yield 0.2
    driver.press(list(reversed(menu.container.children))[1])
    yield 0.2
    driver.result["page_after_section_jump"] = checklist.page_title
    driver.toggle(driver.card("clean").toggles["spotless"])
    driver.toggle(driver.card("offers").toggles["loyalty"])
    driver.toggle(driver.card("offers").toggles["bag"])
    queue_input = driver.card("queue").value_input
    queue_input.insert_text("2,5 min")  # the decimal mark of a Polish or Russian keyboard
    queue_input.dispatch("on_text_validate")
    yield 0.1
    driver.result["typed_number"] = [queue_input.text, checklist.current_answer("queue").value]
    queue_input.text = "3"
    queue_input.dispatch("on_text_validate")
    driver.toggle(driver.card("recommend").toggles[9])
    checklist.add_photo("shelf")
    checklist.add_photo("shelf")
    yield 0.3
    photos = checklist.session.photos("shelf")
    checklist.delete_photo(photos[1].uuid)  # the auditor deletes the second, unwanted photo
    yield from mark_up_photo(driver, photos[0].uuid)
    notes = driver.card("notes").value_input
    notes.text = "Zażółć gęślą jaźń — Съешь ещё этих мягких булок"
    notes.focus = True
    yield 0.1
    notes.focus = False
    yield 0.3
    yield from driver.screenshot("06-checklist-section2")
    checklist.ids.scroll.scroll_to(driver.card("shelf"), animate=False)
    yield 0.3
    yield from driver.screenshot("06b-checklist-photo")
    driver.result["score_text"] = checklist.score_text
    checklist.review()
    yield 0.3
    review = driver.screen("review")
    driver.result["can_submit"] = review.can_submit
    driver.result["problems_text"] = review.problems_text
    yield from driver.screenshot("07-review")
    driver.press(review.ids.submit)
    yield 1.0
    assert app.root.current == "outbox", app.root.current
    yield from driver.screenshot("08-outbox")
    driver.result["outbox_rows"] = outbox_rows(driver.screen("outbox"))
    app.go("settings")
    yield 0.2
    yield from driver.screenshot("09-settings")
    settings = driver.screen("settings")
    driver.result["log_out_before"] = settings.ids.log_out.text
    settings.ids.language.text = "English"  # what picking it in the spinner does
    yield 0.2
    driver.result["log_out_after"] = settings.ids.log_out.text
    driver.result["language_after"] = app.store.get_setting("language")
    driver.result["audit_uuid"] = checklist.session.audit_uuid


def problems_shown(driver: Driver) -> Steps:
    """Submitting an empty audit is refused and the review lists what is missing."""
    app = driver.app
    yield 0.5
    # Another audit of the same checklist first: one comment written, one box opened and left
    # empty. The next audit reuses the cards and must show neither box.
    app.go("briefing", assignment_id=1)
    yield 0.1
    driver.press(driver.screen("briefing").ids.start)
    yield 0.2
    driver.card("friendly").open_comment().text = "Polite"
    driver.card("greeted").open_comment()
    yield 1.0  # the comment is saved after a pause in typing
    driver.result["comment_boxes_before"] = sorted(
        key for key, card in driver.screen("checklist").cards.items() if card.comment_input
    )
    app.go("briefing", assignment_id=2)
    yield 0.1
    driver.press(driver.screen("briefing").ids.start)
    yield 0.2
    checklist = driver.screen("checklist")
    driver.result["comment_boxes_after"] = sorted(
        key for key, card in checklist.cards.items() if card.comment_input
    )
    driver.result["progress_on_open"] = checklist.progress_text
    session = checklist.session
    driver.result["queue_text"] = session.template_data["sections"][1]["items"][2]["text"][
        driver.lang
    ]
    checklist.review()
    yield 0.3
    review = driver.screen("review")
    driver.result["can_submit"] = review.can_submit
    driver.result["problems_text"] = review.problems_text
    yield from driver.screenshot("10-review-problems")
    # a tap on a problem of the second section opens its item there
    buttons = list(reversed(review.ids.problems.children))
    driver.result["problem_buttons"] = len(buttons)
    target = next(
        button for button in buttons if button.text.startswith(driver.result["queue_text"])
    )
    driver.press(target)
    yield 0.4
    checklist = driver.screen("checklist")
    driver.result["after_tap"] = {
        "screen": app.root.current,
        "page_title": checklist.page_title,
        "progress": checklist.progress_text,
        "queue_shown": "queue" in [card.key for card in checklist.ids.item_list.children],
        "queue_on_screen": in_view(checklist.ids.scroll, driver.card("queue")),
    }
    yield from driver.screenshot("10b-problem-opened")
    app.go("login")
    yield 0.2
    yield from driver.screenshot("00-login")


def long_names(driver: Driver) -> Steps:
    """The visit list with outlet names too long for a row: they wrap, then ellipsize."""
    app = driver.app
    with app.store.transaction() as db:
        db.execute(
            "UPDATE outlets SET body = json_set(body, '$.name', ?, '$.city', ?) WHERE id = 100",
            (LONG_OUTLET_NAME, "Warszawa-Śródmieście Północne"),
        )
        db.execute(
            "UPDATE assignments SET status = 'returned',"
            " body = json_set(body, '$.status', 'returned') WHERE id = 1"
        )
    app.go("assignments")
    yield 0.5
    yield from driver.screenshot(f"15-long-names-{WINDOW_SIZE}")
    rows = driver.screen("assignments").ids.list.layout_manager.children
    labels = []
    for row in rows:
        for label in row.walk(restrict=True):
            if label is not row and hasattr(label, "texture_size") and label.text:
                labels.append(
                    {
                        "text": label.text,
                        "texture": list(label.texture_size),
                        "size": list(label.size),
                        "inside_row": row.collide_widget(label)
                        and label.x >= row.x - 1
                        and label.right <= row.right + 1,
                        "lines": len(label._label._cached_lines),
                        "full_text": getattr(label, "full_text", label.text),
                    }
                )
    driver.result["labels"] = labels
    driver.result["window"] = [Window.width, Window.height]


def wait_until(condition: Callable[[], bool], seconds: float) -> Steps:
    """Yield frames until ``condition`` holds; fail after ``seconds``."""
    waited = 0.0
    while not condition():
        if waited > seconds:
            raise AssertionError(f"still waiting after {seconds} s")
        yield 0.2
        waited += 0.2


def signal(driver: Driver, phase: str) -> None:
    """Tell the test process that the scenario reached ``phase`` (a file in the data dir)."""
    (driver.data_dir / phase).write_text(phase)


def signalled(driver: Driver, phase: str) -> Callable[[], bool]:
    return lambda: (driver.data_dir / phase).exists()


def online_visit(driver: Driver) -> Steps:
    """Log in and download the wave, lose the network, make the visit and submit offline,
    then watch the outbox drain by itself when the server is back.

    The test process drives the server: it stops it when the scenario signals
    ``pulled`` (and answers ``server-down``), and starts it again when the scenario signals
    ``queued-offline`` (and answers ``server-up``).
    """
    app = driver.app
    yield 0.5
    assert app.root.current == "login", app.root.current
    login = driver.screen("login")
    driver.result["login_before_setup"] = {
        "server": login.server,
        "changing": login.changing,
        "can_scan": login.can_scan,
    }
    yield from driver.screenshot("11a-login-no-server")
    login.ids.language.text = "Polski"  # chosen before logging in, kept after
    yield 0.1
    log_in_typed = login.ids.password
    app.camera.codes.append(setup_link(driver.server, "anna.auditor@example.com"))
    driver.press(login.ids.scan)
    log_in_typed.text = "correct horse battery staple"
    yield 0.1
    driver.result["login_after_setup"] = {
        "server": login.server,
        "email": login.ids.email.text,
        "message": login.message,
    }
    yield from driver.screenshot("11-login-filled")
    driver.press(login.ids.log_in)
    yield from wait_until(lambda: app.root.current == "assignments", 20)
    assignments = driver.screen("assignments")
    yield from wait_until(lambda: bool(visit_rows(assignments)), 20)
    yield from driver.screenshot("12-assignments-pulled")
    driver.result["pulled_rows"] = len(visit_rows(assignments))
    driver.result["language_after_login"] = [app.lang, app.store.get_setting("language")]
    app.set_language("en")
    signal(driver, "pulled")
    yield from wait_until(signalled(driver, "server-down"), 30)

    app.go("briefing", assignment_id=visit_rows(assignments)[0]["assignment_id"])
    yield 0.2
    driver.press(driver.screen("briefing").ids.start)
    yield 0.3
    checklist = driver.screen("checklist")
    session = checklist.session
    checklist.start_timer("wait")
    yield 1.2
    checklist.stop_timer("wait")
    answers: list[tuple[str, object]] = [("greeted", True), ("friendly", 5)]
    for key, value in answers:
        checklist.answer(key, value)
    checklist.show_section(1)
    answers = [("clean", "spotless"), ("offers", ["loyalty"]), ("queue", 1), ("recommend", 10)]
    for key, value in answers:
        checklist.answer(key, value)
    checklist.add_photo("shelf")
    yield 0.3
    driver.result["client_percent"] = str(session.live_score().percent)
    checklist.review()
    yield 0.3
    driver.press(driver.screen("review").ids.submit)
    yield from wait_until(lambda: app.root.current == "outbox", 10)
    store = app.store
    # Submitting woke the sync thread: its first attempt finds no server, and everything
    # stays queued with a retry planned.
    yield from wait_until(
        lambda: (
            bool(store.outbox())
            and all(e.state == "queued" and e.attempts >= 1 for e in store.outbox())
        ),
        20,
    )
    yield 0.3
    yield from driver.screenshot("13-outbox-offline")
    outbox = driver.screen("outbox")
    driver.result["offline_rows"] = outbox_rows(outbox)
    driver.result["offline_status"] = app.status
    signal(driver, "queued-offline")
    yield from wait_until(signalled(driver, "server-up"), 30)
    # Nobody touches anything: the sync thread's own retry drains the outbox, at the retry it
    # planned while the server was down (its backoff doubles with each failed attempt, so a
    # slow restart of the server can put it a minute away, and on a loaded machine an attempt
    # that times out once more puts the next one up to 32 s further).
    planned = store.next_retry_at()
    retry_in = max(0.0, planned - time.time()) if planned is not None else 0.0
    driver.result["retry_in_s_when_server_up"] = round(retry_in, 1)
    yield from wait_until(
        lambda: (
            bool(outbox.ids.list.data)
            and all(row["state"] == "synced" for row in outbox.ids.list.data)
        ),
        retry_in + 90,
    )
    yield 0.3
    yield from driver.screenshot("14-outbox-drained")
    driver.result["drained_rows"] = outbox_rows(outbox)
    driver.result["audit_uuid"] = session.audit_uuid


def correct_returned_audit(driver: Driver) -> Steps:
    """On a phone that never saw the audit: log in, find the returned visit, read the notes,
    open the audit filled in (its photos downloaded), correct one answer, submit, watch it go.
    """
    app = driver.app
    yield 0.5
    log_in(driver)
    assignments = driver.screen("assignments")
    yield from wait_until(lambda: app.root.current == "assignments", 20)
    yield from wait_until(lambda: bool(visit_rows(assignments)), 20)
    yield from driver.screenshot("20-returned-in-the-list")
    driver.result["list_rows"] = [
        [row.get("viewclass"), row.get("title"), row.get("status")]
        for row in assignments.ids.list.data
    ]
    visit = visit_rows(assignments)[0]
    app.go("briefing", assignment_id=visit["assignment_id"])
    yield 0.3
    briefing = driver.screen("briefing")
    driver.result["notes"] = briefing.notes
    driver.result["start_label"] = briefing.start_label
    yield from driver.screenshot("21-returned-briefing")
    driver.press(briefing.ids.start)
    yield 0.3
    checklist = driver.screen("checklist")
    session = checklist.session
    driver.result["audit_uuid"] = session.audit_uuid
    driver.result["answers_on_open"] = [answer.to_dict() for answer in session.answers()]
    driver.result["clean_note"] = driver.card("clean").note
    yield 0.3
    driver.result["opened_at"] = [
        checklist.page_title,
        in_view(checklist.ids.scroll, driver.card("clean")),
    ]
    yield from driver.screenshot("22-returned-checklist")
    checklist.review()
    yield 0.3
    review = driver.screen("review")
    driver.result["review_before_correcting"] = [
        review.problems_text,
        [child.text for child in reversed(review.ids.problems.children)],
    ]
    yield from driver.screenshot("22b-returned-review")
    app.go("checklist")
    yield 0.2
    # the shelf photo's thumbnail comes from the server in the sync thread
    checklist.show_section(1)
    yield from wait_until(lambda: all(photo.on_phone for photo in session.photos()), 20)
    yield 0.3
    checklist.ids.scroll.scroll_to(driver.card("shelf"), animate=False)
    yield 0.3
    yield from driver.screenshot("23-returned-photo")
    checklist.show_section(0)
    yield 0.2
    driver.toggle(driver.card("friendly").toggles[4])
    driver.card("friendly").open_comment().text = "Polite, but did not offer help."
    yield 1.0
    checklist.review()
    yield 0.3
    review = driver.screen("review")
    driver.result["can_submit"] = review.can_submit
    driver.press(review.ids.submit)
    yield from wait_until(lambda: app.root.current == "outbox", 10)
    outbox = driver.screen("outbox")
    yield from wait_until(
        lambda: bool(app.store.outbox()) and {e.state for e in app.store.outbox()} == {"synced"},
        40,
    )
    yield 0.5
    yield from driver.screenshot("24-correction-sent")
    driver.result["outbox_rows"] = outbox_rows(outbox)
    entry = app.store.outbox_entry("audit", session.audit_uuid)
    driver.result["receipt"] = entry.server_response if entry else None


def log_in(driver: Driver) -> None:
    """As an auditor does: scan the setup code the dashboard shows, type the password."""
    login = driver.screen("login")
    driver.app.camera.codes.append(
        setup_link(driver.server, "anna.auditor@example.com")  # the dashboard's link
    )
    driver.press(login.ids.scan)
    # news, not a problem: shown in the plain colour
    driver.result["after_scan"] = [login.message, login.message_is_problem]
    login.ids.password.text = "correct horse battery staple"
    driver.press(login.ids.log_in)


def seed_every_state(data_dir: Path, lang: str, server: str) -> None:
    """A phone with a visit in every state, an outbox in every state, long names and notes."""
    payload = sync_payload(assignment_count=6)
    payload["outlets"][0]["name"] = LONG_OUTLET_NAME
    visits = payload["assignments"]
    visits[1]["status"] = "returned"
    visits[1]["return_notes"] = [
        {"item": "friendly", "note": "Which words did the cashier use? Describe them exactly."},
        {"item": None, "note": "Add the receipt's number to the notes, please."},
    ]
    visits[1]["returned_audit"] = {
        "uuid": "5d1c6f0e-7a42-4b8e-9f3c-2a1b0c9d8e7f",
        "revision": 1,
        "started_at": "2026-11-21T09:00:00Z",
        "finished_at": "2026-11-21T09:25:00Z",
        "location": None,
        "answers": [
            {"item": "greeted", "value": True, "na": False, "comment": "", "photos": []},
            {"item": "friendly", "value": 2, "na": False, "comment": "Rude", "photos": []},
        ],
        "photos": [],
    }
    visits[2]["live_score"] = False  # a programme that hides the score
    visits[4]["status"] = "submitted"
    visits[5]["status"] = "approved"
    visits[5]["wave"] = {"id": 6, "name": "October 2026"}
    store = Store(data_dir)
    store.apply_pull(payload)
    store.set_settings(
        server=server, token="expired-offline-token", language=lang, user_email="anna@example.com"
    )
    from mobile.session import start_visit

    start_visit(store, 3).answer("greeted", True)  # in progress
    sent = start_visit(store, 4)  # sent from this phone, refused by the server
    for key, value in (("greeted", True), ("wait", 30), ("friendly", 5), ("clean", "spotless")):
        sent.answer(key, value)
    for key, value in (("offers", ["bag"]), ("queue", 1), ("recommend", 9)):
        sent.answer(key, value)
    sent.attach_photo("shelf", Path(PHOTO_DIR) / "gps_nikon.jpg")
    sent.submit()
    refusal = Notice(
        REFUSED,
        status=422,
        detail="The answers cannot be accepted.\ngreeted: This question must be answered."
        "\nshelf: This question needs a photo.",
    )
    store.mark_outbox("audit", sent.audit_uuid, FAILED, message=refusal.to_message())
    store.close()


def walk_every_screen(driver: Driver) -> Steps:
    """Every screen in every state worth seeing, each checked for cut text (tests.mobile.fit)
    and photographed: the layout check of one language at one window size."""
    app = driver.app
    size = f"{Window.width}x{Window.height}"
    found: list[dict[str, Any]] = []
    driver.result["problems"] = found
    driver.result["checked"] = []
    app.status = notice_text(Notice(OFFLINE), app._, app.ngettext)

    def look(name: str) -> Steps:
        yield 0.35
        yield from driver.screenshot(f"{size}-{name}")
        for child in list(Window.children):
            found.extend(fit.problems(child, name))
        driver.result["checked"].append(name)

    # the check itself can fail: three labels cut in the three ways it looks for
    probes = fit_probes()
    for probe in probes:
        Window.add_widget(probe)
    yield 0.2
    driver.result["probe_problems"] = [
        problem["why"] for probe in probes for problem in fit.problems(probe, "probe")
    ]
    for probe in probes:
        Window.remove_widget(probe)

    assignments = driver.screen("assignments")
    app.go("assignments")
    yield from look("01-visits")
    assignments.toggle_group("done")
    yield 0.1
    assignments.ids.list.scroll_y = 0
    yield from look("02-visits-done-shown")
    assignments.ids.search.text = "Zzyzx"
    yield 0.5
    yield from look("03-visits-search-nothing")
    assignments.ids.search.text = ""
    for number, name in ((2, "04-briefing-returned"), (5, "05-briefing-sent"), (1, "06-briefing")):
        app.go("briefing", assignment_id=number)
        yield from look(name)
    driver.press(driver.screen("briefing").ids.start)
    yield 0.3
    checklist = driver.screen("checklist")
    yield from look("07-checklist")
    driver.result["timer_unit"] = checklist.cards["wait"].unit_label.text
    menu = checklist.open_section_menu(checklist.ids.sections)
    yield from look("08-checklist-sections")
    menu.dismiss()
    checklist.show_section(1)
    checklist.add_photo("shelf")
    yield 0.3
    checklist.ids.scroll.scroll_y = 0
    yield from look("09-checklist-section-2")
    checklist.open_photo(checklist.session.photos("shelf")[0].uuid)
    yield 0.3
    driver.screen("photo").choose("text")
    yield from look("09b-photo")
    app.go("checklist")
    yield 0.2
    checklist.review()
    yield from look("10-review-problems")
    review = driver.screen("review")
    fill_everything(checklist)
    review.prepare()
    yield from look("11-review-ready")
    app.go("briefing", assignment_id=2)
    yield 0.1
    driver.press(driver.screen("briefing").ids.start)
    yield from look("12-checklist-correction")
    # Opened at the reviewer's note: the page's top is never below the list's (an empty gap
    # above a page shorter than the screen).
    scroll = checklist.ids.scroll
    page = checklist.ids.item_list
    driver.result["correction_gap"] = (
        scroll.to_window(scroll.x, scroll.top)[1] - page.to_window(page.x, page.top)[1]
    )
    app.go("briefing", assignment_id=3)
    yield 0.1
    driver.press(driver.screen("briefing").ids.start)
    yield from look("13-checklist-score-hidden")
    app.go("outbox")
    yield from look("14-outbox")
    outbox = driver.screen("outbox")
    refused = next(row for row in outbox.ids.list.data if row["state"] == "failed")
    popup = outbox.show_message(refused["title"], refused["message"])
    driver.result["refusal_shown"] = refused["message"]
    yield from look("15-outbox-message")
    popup.dismiss()
    app.go("settings")
    yield from look("16-settings")
    app.go("login")
    driver.screen("login").message = notice_text(
        Notice(
            LOGIN_REFUSED,
            status=401,
            detail="The e-mail or password is wrong, or the account is disabled.",
        ),
        app._,
        app.ngettext,
    )
    yield from look("17-login")
    app.store.delete_settings("server", "token")  # a new phone: set up by the link
    app.go("login")
    yield from look("18-login-setup")
    # a logged-in phone opened with a link to another server: that session ends
    app.store.set_settings(server="http://127.0.0.1:9", token="a token of that server")
    accepted = app.accept_setup_link(setup_link("https://shopscore.example.com", "nina@x.pl"))
    driver.result["other_server_link"] = {
        "accepted": accepted,
        "token": app.store.get_setting("token"),
        "server": app.store.get_setting("server"),
        "email": driver.screen("login").ids.email.text,
        "screen": app.root.current,
        "not_a_link": app.accept_setup_link("https://shopscore.example.com"),
    }
    yield from look("19-login-set-up")


def mark_up_photo(driver: Driver, photo_uuid: str) -> Steps:
    """With a finger: an arrow and a circle dragged on the photo, a text typed and placed."""
    from kivy.tests.common import UnitTestTouch

    app = driver.app
    driver.screen("checklist").open_photo(photo_uuid)
    yield 0.5
    screen = driver.screen("photo")
    marks = screen.ids.marks
    left, bottom, width, height = marks.image_rect

    def at(x: float, y: float) -> tuple[float, float]:
        return left + x * width, bottom + (1 - y) * height

    for tool, start, end in (
        ("arrow", (0.15, 0.85), (0.45, 0.5)),
        ("circle", (0.7, 0.4), (0.85, 0.4)),
    ):
        screen.choose(tool)
        touch = UnitTestTouch(*at(*start))
        touch.touch_down()
        touch.touch_move(*at((start[0] + end[0]) / 2, (start[1] + end[1]) / 2))
        touch.touch_move(*at(*end))
        touch.touch_up()
        yield 0.1
    screen.choose("text")
    screen.ids.mark_text.text = "Pusta półka"
    tap = UnitTestTouch(*at(0.1, 0.1))
    tap.touch_down()
    tap.touch_up()
    yield 0.3
    yield from driver.screenshot("06c-photo-markup")
    driver.result["marks"] = [mark.kind for mark in marks.marks]
    driver.press(screen.ids.save)
    yield from wait_until(lambda: app.root.current == "checklist", 10)
    yield 0.3
    driver.result["photos_after_markup"] = [
        [photo.uuid, photo.marked_from]
        for photo in driver.screen("checklist").session.photos("shelf")
    ]


def fit_probes() -> list[Any]:
    """Labels cut on purpose: too narrow, too low for its lines, shortened to "…", higher than
    its row."""
    from kivy.uix.label import Label

    narrow = Label(text="Налаштування", size_hint=(None, None), size=(40, 30), pos=(10, 10))
    low = Label(text="Немає зв'язку із сервером; повторимо автоматично.", size_hint=(None, None))
    low.size, low.pos, low.text_size = (120, 20), (10, 60), (120, None)
    short = Label(text="Zwrócony do poprawy", shorten=True, size_hint=(None, None))
    short.size, short.pos, short.text_size = (60, 30), (10, 100), (60, 30)
    from kivy.uix.boxlayout import BoxLayout

    row = BoxLayout(size_hint=(None, None), size=(300, 30), pos=(10, 140))
    row.add_widget(Label(text="Serwer: shopscore.example.com", size_hint_y=None, height=60))
    return [narrow, low, short, row]


def fill_everything(checklist: Any) -> None:
    """Answer the every-kind checklist completely (the photo is there already)."""
    for key, value in (("greeted", True), ("wait", 30), ("friendly", 5), ("clean", "spotless")):
        checklist.answer(key, value)
    for key, value in (("offers", ["bag"]), ("queue", 1), ("recommend", 9)):
        checklist.answer(key, value)


SCENARIOS: dict[str, Callable[[Driver], Steps]] = {
    "offline_visit": offline_visit,
    "problems_shown": problems_shown,
    "online_visit": online_visit,
    "long_names": long_names,
    "correct_returned_audit": correct_returned_audit,
    "walk_every_screen": walk_every_screen,
}
OFFLINE_SCENARIOS = ("offline_visit", "problems_shown", "long_names")
SEEDS: dict[str, Callable[[Path, str, str], None]] = {"walk_every_screen": seed_every_state}


def seed_store(data_dir: Path, lang: str, server: str) -> None:
    """An auditor who pulled a wave earlier and is now offline."""
    store = Store(data_dir)
    store.apply_pull(sync_payload())
    store.set_settings(
        server=server, token="expired-offline-token", language=lang, user_email="anna@example.com"
    )
    store.close()


def run(scenario_name: str, data_dir: Path, artifacts: Path, lang: str, server: str) -> int:
    artifacts.mkdir(parents=True, exist_ok=True)
    if scenario_name in SEEDS:
        SEEDS[scenario_name](data_dir, lang, server)
    elif scenario_name in OFFLINE_SCENARIOS:
        seed_store(data_dir, lang, server)
    else:
        Store(data_dir).set_settings(language=lang)
    camera = ScriptedCamera([Path(PHOTO_DIR) / "orientation_6.jpg", Path(PHOTO_DIR) / "cmyk.jpg"])
    app = ShopscoreApp(data_dir=data_dir, camera=camera)
    driver = Driver(app, artifacts, lang, server, data_dir)
    steps: Iterator[float] = SCENARIOS[scenario_name](driver)
    outcome = {"failed": False}

    def advance(_dt: float) -> None:
        try:
            delay = next(steps)
        except StopIteration:
            app.stop()
            return
        except BaseException:
            driver.result["error"] = traceback.format_exc()
            outcome["failed"] = True
            app.stop()
            return
        Clock.schedule_once(advance, delay)

    Clock.schedule_once(advance, 0)
    app.run()
    (data_dir / "result.json").write_text(json.dumps(driver.result, ensure_ascii=False))
    return 1 if outcome["failed"] else 0


if __name__ == "__main__":
    name, data, artifact_dir, language = sys.argv[1:5]
    server_url = sys.argv[5] if len(sys.argv) > 5 else "http://127.0.0.1:9"
    sys.exit(run(name, Path(data), Path(artifact_dir), language, server_url))
