"""The real Kivy window under Xvfb, driven by scripted scenarios in a subprocess per test.

Screenshots of every screen are saved in test-artifacts/mobile/ (in en, ru, pl and uk).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image, ImageStat

from mobile.session import start_visit
from mobile.store import QUEUED, SUBMITTED, SYNCED, Store
from mobile.sync import SyncClient
from shared.i18n import text
from tests.mobile.conftest import ARTIFACTS, ROOT
from tests.mobile.live_server import AUDITOR, RunningServer, admin_client, needs_sync_server
from tests.mobile.sample_data import LONG_OUTLET_NAME, every_kind_template
from tests.mobile.test_sync import fill_valid_answers

pytestmark = pytest.mark.ui


def run_scenario(
    scenario: str, lang: str, data_dir: Path, env: dict[str, str], server: str | None = None
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "tests.mobile.ui_driver",
        scenario,
        str(data_dir),
        str(ARTIFACTS),
        lang,
    ]
    if server:
        command.append(server)
    completed = subprocess.run(
        command, cwd=ROOT, env=env, timeout=120, capture_output=True, text=True
    )
    result_file = data_dir / "result.json"
    result: dict[str, Any] = json.loads(result_file.read_text()) if result_file.exists() else {}
    assert 0 == completed.returncode, result.get("error") or completed.stderr[-3000:]
    return result


def assert_drawn(name: str, size: tuple[int, int] = (400, 760)) -> None:
    with Image.open(ARTIFACTS / name) as image:
        assert size == image.size
        spread = [high - low for low, high in ImageStat.Stat(image.convert("L")).extrema]
        assert spread[0] > 100, f"{name} looks blank"


@pytest.mark.parametrize("lang", ["ru", "pl"])
def test_an_offline_visit_from_start_to_outbox(
    lang: str, tmp_path: Path, kivy_env: dict[str, str]
) -> None:
    data_dir = tmp_path / "phone"
    result = run_scenario("offline_visit", lang, data_dir, kivy_env)

    assert 3 == result["assignment_rows"]
    assert result["phone_use_visible_after_no"] is True
    assert result["phone_use_visible_after_yes"] is False
    assert result["can_submit"] is True
    # greeted 5/5, wait ~1 s 10/10, friendly 4 of 1..5 = 3/4 -> 18/19 of welcome (weight 40);
    # spotless 10, offers 6, queue 3 (target 2, limit 8) 10/3, NPS 9 -> 9: 85/90 (weight 60)
    assert {"ru": "Магазин", "pl": "Sklep"}[lang] == result["page_after_section_jump"]
    # figures as the language writes them, as on the dashboard and in the PDFs; a number
    # typed with a decimal comma is read as one, the letters typed after it refused
    assert ["2,5", 2.5] == result["typed_number"]
    # a stopped stopwatch shows the wait it saved (the sample's timer counts seconds), not 0:00
    shown, saved = result["timer_after_stop"]
    assert 1 <= saved <= 2
    assert f"0:{saved:02d}" == shown
    assert {"ru": "94,6\u00a0%", "pl": "94,6%"}[lang] in result["score_text"]
    assert {"ru": "21 нояб. · ", "pl": "21 lis · "}[lang] in result["assignment_subtitles"][0]
    assert {"ru": "20 нояб. 2026\u202fг. – ", "pl": "20 lis 2026 – "}[lang] in result[
        "briefing_visit_text"
    ]
    # one row for the visit: the outlet, its one photo not sent yet, the size, in words
    (row,) = result["outbox_rows"]
    assert (QUEUED, True) == (row["state"], row["can_retry"])
    assert {"ru": "Żabka Mokotów", "pl": "Żabka Mokotów"}[lang] == row["title"]
    # the marked copy and its original: two photos to send
    assert {"ru": "Фото отправлено: 0 из 2", "pl": "Wysłane zdjęcia: 0 z 2"}[lang] in row["detail"]
    assert row["detail"].endswith({"ru": " кБ", "pl": " kB"}[lang])
    assert 11 == len(result["screenshots"])
    # marked up with a finger: the marked copy first, the original kept
    assert ["arrow", "circle", "text"] == result["marks"]
    (copy, copy_of), (original, none) = result["photos_after_markup"]
    assert (copy_of, none) == (original, None)
    # switching the language in the settings re-translates the screen at once
    assert {"ru": "Выйти", "pl": "Wyloguj się"}[lang] == result["log_out_before"]
    assert "Log out" == result["log_out_after"]
    assert "en" == result["language_after"]
    for name in result["screenshots"]:
        assert_drawn(name)

    store = Store(data_dir)
    try:
        record = store.audit(result["audit_uuid"])
        assert record is not None
        assert SUBMITTED == record.state
        assert record.body is not None
        answers = {answer["item"]: answer for answer in record.body["answers"]}
        assert "Nobody said hello" == answers["greeted"]["comment"]
        assert True is answers["greeted"]["value"]
        assert ["loyalty", "bag"] == answers["offers"]["value"]
        assert 3 == answers["queue"]["value"]
        assert 1 <= answers["wait"]["value"] <= 3
        # two taken, one deleted; the one kept was marked up: its copy goes first
        assert [copy, original] == answers["shelf"]["photos"]
        assert answers["notes"]["value"].startswith("Zażółć")
        # offline: nothing reached a server, everything waits in the outbox
        assert {QUEUED} == {entry.state for entry in store.outbox()}
    finally:
        store.close()


@pytest.mark.parametrize("size", ["360x640", "1280x800"])
def test_long_outlet_names_wrap_then_end_in_an_ellipsis(
    size: str, tmp_path: Path, kivy_env: dict[str, str]
) -> None:
    environment = dict(kivy_env, SHOPSCORE_WINDOW_SIZE=size)
    result = run_scenario("long_names", "pl", tmp_path / "phone", environment)
    width, height = (int(side) for side in size.split("x"))
    assert [width, height] == result["window"]
    assert_drawn(result["screenshots"][0], (width, height))
    long_title = next(
        label for label in result["labels"] if label["full_text"].startswith(LONG_OUTLET_NAME)
    )
    assert long_title["lines"] <= 2
    if width < 600:  # a phone: the name does not fit in two lines, its start is kept
        assert long_title["text"].endswith("…")
        assert long_title["full_text"].startswith(long_title["text"][:-1].rstrip())
    else:
        assert long_title["full_text"] == long_title["text"]
    status = next(label for label in result["labels"] if label["text"] == "Popraw")
    assert status["texture"][0] <= status["size"][0]  # the status is shown whole
    for label in result["labels"]:
        assert label["inside_row"], label["text"]
        assert label["texture"][1] <= label["size"][1] + 1, label["text"]  # no line overflows


def test_the_review_lists_what_blocks_submitting(tmp_path: Path, kivy_env: dict[str, str]) -> None:
    result = run_scenario("problems_shown", "uk", tmp_path / "phone", kivy_env)
    # the cards of the checklist's previous audit come back without its comment boxes
    assert ["friendly", "greeted"] == result["comment_boxes_before"]
    assert [] == result["comment_boxes_after"]
    assert result["can_submit"] is False
    assert result["problems_text"].count("•") >= 7
    assert result["problem_buttons"] == result["problems_text"].count("•")
    # "Section 1 of 2 · 0 of 8 answered" (the hidden item is not counted)
    assert result["progress_on_open"].startswith("Розділ 1 з 2 · ")
    assert result["progress_on_open"].endswith("0 з 8")
    # a tap on a problem opens its item, in the second section, in view
    after = result["after_tap"]
    assert ("checklist", "Магазин") == (after["screen"], after["page_title"])
    assert after["progress"].startswith("Розділ 2 з 2")
    assert after["queue_shown"] is True
    assert after["queue_on_screen"] is True
    for name in result["screenshots"]:
        assert_drawn(name)


def wait_for_file(path: Path, app: subprocess.Popen[str], seconds: float) -> None:
    """Wait for the scenario's signal file; fail at once if the app process ended."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if app.poll() is not None:
            _stdout, stderr = app.communicate()
            result_file = path.parent / "result.json"
            error = json.loads(result_file.read_text()).get("error") if result_file.exists() else ""
            pytest.fail(f"the app ended before {path.name}: {error or stderr[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {path.name} from the app after {seconds} s")
        time.sleep(0.1)


@needs_sync_server
def test_log_in_visit_submit_and_the_outbox_drains_exactly_once(
    tmp_path: Path, kivy_env: dict[str, str], server: RunningServer
) -> None:
    """Log in online, lose the server, visit and submit offline, server back: it drains."""
    data_dir = tmp_path / "phone"
    data_dir.mkdir()
    command = [sys.executable, "-m", "tests.mobile.ui_driver", "online_visit"]
    command += [str(data_dir), str(ARTIFACTS), "en", server.base_url]
    with subprocess.Popen(
        command, cwd=ROOT, env=kivy_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as app:
        try:
            wait_for_file(data_dir / "pulled", app, 60)
            server.stop()
            (data_dir / "server-down").write_text("")
            wait_for_file(data_dir / "queued-offline", app, 60)
            assert 0 == server.rows("SELECT COUNT(*) FROM audit")[0][0]
            server.start()
            (data_dir / "server-up").write_text("")
            _, stderr = app.communicate(timeout=180)  # the retry may be a minute away
        finally:
            if app.poll() is None:
                app.kill()
    result = json.loads((data_dir / "result.json").read_text())
    assert 0 == app.returncode, result.get("error") or stderr[-3000:]

    # no address to type: none until the setup code is scanned, then the server and e-mail
    assert {"server": "", "changing": True, "can_scan": True} == result["login_before_setup"]
    after_setup = result["login_after_setup"]
    assert (server.base_url, "anna.auditor@example.com") == (
        after_setup["server"],
        after_setup["email"],
    )
    assert "127.0.0.1" in after_setup["message"]
    # the language picked on the login screen stays (the profile says English)
    assert ["pl", "pl"] == result["language_after_login"]
    assert 1 == result["pulled_rows"]  # the one visit the admin assigned
    (offline,) = result["offline_rows"]
    assert ("Żabka Mokotów", QUEUED, "Waiting to send") == (
        offline["title"],
        offline["state"],
        offline["state_name"],
    )
    assert offline["detail"].startswith("Photos sent: 0 of 1 · ")
    assert "No connection to the server; will retry automatically." == offline["message"]
    assert "No connection to the server; will retry automatically." == result["offline_status"]
    (drained,) = result["drained_rows"]
    assert (SYNCED, "Sent", "", False) == (
        drained["state"],
        drained["state_name"],
        drained["message"],
        drained["can_retry"],
    )
    assert drained["detail"].startswith("Photos sent: 1 of 1 · ")
    for name in result["screenshots"]:
        assert_drawn(name)
    store = Store(data_dir)
    try:
        entry = store.outbox_entry("audit", result["audit_uuid"])
        assert entry is not None
        assert entry.server_response is not None
        assert SYNCED == entry.state
        assert result["client_percent"] == entry.server_response["score"]["percent"]
        assert [] == entry.server_response["missing_photos"]
        token = store.get_setting("token")
        record = store.audit(result["audit_uuid"])
        assert record is not None
        body = record.body
        photos = store.photos(result["audit_uuid"])
    finally:
        store.close()
    # On the server: one audit row with the phone's score, and its one photo, stored once.
    assert [(1, "submitted", result["client_percent"])] == server.audits_stored(
        result["audit_uuid"]
    )
    assert 1 == server.rows("SELECT COUNT(*) FROM audit")[0][0]
    assert 1 == len(photos)
    assert 1 == server.photos_stored(photos[0].sha256)
    # sending it again is an identical replay: same revision, still one row
    replay = httpx.put(
        f"{server.base_url}/api/v1/audits/{result['audit_uuid']}",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert 200 == replay.status_code
    assert entry.server_response["revision"] == replay.json()["revision"]
    assert 1 == server.rows("SELECT COUNT(*) FROM audit")[0][0]


@needs_sync_server
def test_a_returned_audit_is_corrected_in_the_app_on_another_phone(
    tmp_path: Path, kivy_env: dict[str, str], server: RunningServer
) -> None:
    """The audit was made elsewhere (here by a phone's sync client), returned by a reviewer
    with a note on one item; the auditor corrects it in the app and it arrives as revision 2."""
    audit_uuid, photo_sha256 = send_and_return(server, tmp_path / "first-phone")
    result = run_scenario(
        "correct_returned_audit", "uk", tmp_path / "second-phone", kivy_env, server.base_url
    )

    message, is_problem = result["after_scan"]  # news, in the plain colour
    assert (True, False) == (message.startswith("Налаштовано для "), is_problem)
    assert ["GroupHeader", "AssignmentRow"] == [row[0] for row in result["list_rows"]]
    assert "Виправити" == result["list_rows"][1][2]
    assert "Чистота: Фото нечітке: опишіть, що було видно." in result["notes"]
    assert "clean" not in result["notes"]  # the item's text, not its key
    assert "Виправити аудит" == result["start_label"]
    assert audit_uuid == result["audit_uuid"]
    assert 5 == {a["item"]: a for a in result["answers_on_open"]}["friendly"]["value"]
    assert "Фото нечітке" in result["clean_note"]
    # opened at the item the reviewer noted, on its section's page, in view
    assert ["Магазин", True] == result["opened_at"]
    # the review lists the reviewer's note as well as saying all is answered
    said, buttons = result["review_before_correcting"]
    assert said.startswith("Усі питання заповнено.")
    assert "Перевірте" in said
    assert "Чистота: Фото нечітке: опишіть, що було видно." in buttons
    assert (2, "submitted") == (result["receipt"]["revision"], result["receipt"]["status"])
    assert [(2, "submitted", result["receipt"]["score"]["percent"])] == server.audits_stored(
        audit_uuid
    )
    assert 1 == server.photos_stored(photo_sha256)
    (row,) = result["outbox_rows"]  # the audit alone: its photo is on the server already
    assert ("Żabka Mokotów (виправлення)", SYNCED) == (row["title"], row["state"])
    for name in result["screenshots"]:
        assert_drawn(name)


def send_and_return(server: RunningServer, data_dir: Path) -> tuple[str, str]:
    """One phone makes and sends the visit; the reviewer returns it with a note on an item."""
    store = Store(data_dir)
    try:
        client = SyncClient(store)
        client.login(server.base_url, AUDITOR[0], AUDITOR[1])
        client.pull()
        session = start_visit(store, store.assignments()[0]["id"])
        fill_valid_answers(session)
        session.submit()
        client.push()
        client.close()
        assert {SYNCED} == {entry.state for entry in store.outbox()}
        (photo,) = store.photos(session.audit_uuid)
    finally:
        store.close()
    with admin_client(server.base_url) as admin:
        note = {"item": "clean", "note": "Фото нечітке: опишіть, що було видно."}
        answer = admin.post(f"/review/audits/{session.audit_uuid}/return", json={"notes": [note]})
        assert 200 == answer.status_code, answer.text
    return session.audit_uuid, photo.sha256


# In `make test`: Russian, Ukrainian and Polish (the longest texts) at the small phone's size
# and Polish at 720 dp; English (the shortest) and the rest at 720 dp in `make soak` (a tour
# takes about 11 s).
SCREEN_TOURS = [
    pytest.param(
        lang,
        size,
        id=f"{lang}-{size}",
        marks=[] if lang == "pl" or (size == "360x640" and lang != "en") else [pytest.mark.slow],
    )
    for size in ("360x640", "720x1280")
    for lang in ("en", "ru", "uk", "pl")
]


@pytest.mark.parametrize(("lang", "size"), SCREEN_TOURS)
def test_every_screen_shows_its_texts_whole(
    lang: str, size: str, tmp_path: Path, kivy_env: dict[str, str]
) -> None:
    """Every screen, in every state worth seeing, at a small phone's 360x640 dp and at 720 dp
    wide: no label's text is wider or taller than its box, shortened to "…" (only outlet names
    and the server's long messages may be), or outside the window; every hint fits its field.
    The screenshots are those of `make look`."""
    environment = dict(kivy_env, SHOPSCORE_WINDOW_SIZE=size)
    result = run_scenario("walk_every_screen", lang, tmp_path / "phone", environment)

    assert [
        "wider than its box",
        "taller than its box",
        "shortened",
        "out of its row",
    ] == result["probe_problems"]
    assert 20 == len(result["checked"])
    # a correction opens at the reviewer's note without an empty gap above a short page
    assert result["correction_gap"] <= 1.0
    # a refusal's errors name the questions the auditor answered, in the phone's language
    questions = {
        item["key"]: text(item["text"], lang)
        for section in every_kind_template()["sections"]
        for item in section["items"]
    }
    for key in ("greeted", "shelf"):
        assert f"\n{key}: " not in result["refusal_shown"]
        assert f"\n{questions[key]}: " in result["refusal_shown"]
    # the sample's timer has no unit of its own: it counts seconds, in the phone's language
    assert {"en": "s", "ru": "с", "uk": "с", "pl": "s"}[lang] == result["timer_unit"]
    assert {
        "accepted": True,
        "token": "",
        "server": "https://shopscore.example.com",
        "email": "nina@x.pl",
        "screen": "login",
        "not_a_link": False,
    } == result["other_server_link"]
    assert [] == result["problems"]
    width, height = (int(side) for side in size.split("x"))
    for name in result["screenshots"]:
        assert_drawn(name, (width, height))
