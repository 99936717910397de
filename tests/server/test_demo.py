"""The demo programme with its audits: loaded once on SQLite, then read as its people would.

The demo is loaded through the real services into a fresh SQLite file (one load for the whole
module: it takes tens of seconds), and the checks log in with the printed demo logins and call
the HTTP API, so they also prove the logins work and every screen has data to show. Then what
`shopscore demo` prints and writes: the reports of each client, every login, and, served by a
real subprocess on that database, the address, how to stop it (Ctrl+C) and what stays.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pypdf
import pytest
from litestar.testing import AsyncTestClient
from pypdf import PdfReader

from server.app import create_app
from server.audits.tables import Audit
from server.core.database import Database
from server.core.settings import Argon2Parameters, Settings
from server.demo import load_demo, run_demo, texts
from server.demo.fieldwork import AUDITOR_LENIENCY, plan_visits
from server.demo.programme import people
from server.reporting.demo import write_demo_reports
from server.templates.tables import ChecklistTemplate
from server.users.tables import User
from server.waves.tables import Wave
from server.workflow.tables import CorrectiveAction, Dispute, ScoreRollup
from shared.answers import Answer, as_answers
from shared.checklist import Template
from shared.i18n import translation
from shared.scoring import index_answers, visible_items
from tests.reports.pdf import checklist_ellipses, cut_short, mostly_empty_pages, page_texts
from tests.reports.pdfsig import VALID, pdfsig, signature_lines
from tests.server.api import Api

T = TypeVar("T")
ADMIN = ("admin@shopscore.demo", "demo-admin-pass")
REVIEWER = ("reviewer2@shopscore.demo", "demo-review-pass")
HEAD_OFFICE = ("hq@polmarket.demo", "demo-client-pass")
OUTLET_MANAGER = ("pm-001@polmarket.demo", "demo-client-pass")


def _settings(root: Path, sqlite_template: Path) -> Settings:
    shutil.copyfile(sqlite_template, root / "shopscore.db")
    return Settings(
        database_url=f"sqlite:///{root / 'shopscore.db'}",
        media_dir=root / "media",
        secret_key="demo-test-secret-key-" + "x" * 32,
        argon2=Argon2Parameters.cheap_for_tests(),
    )


@pytest.fixture
def demo(demo_settings: Settings) -> Settings:
    """A database holding the whole demo, loaded once for the session (tests/server/conftest)."""
    return demo_settings


async def _read(settings: Settings, query: Callable[[], Awaitable[T]]) -> T:
    database = Database(settings.database_url)
    await database.start()
    try:
        return await query()
    finally:
        await database.close()


async def _counts() -> dict[str, int]:
    return {
        "audits": await Audit.count(),
        "revisions": len(await Audit.raw("SELECT id FROM audit_revision")),
        "photos": len(await Audit.raw("SELECT id FROM photo")),
        "rollup": await ScoreRollup.count(),
        "disputes": await Dispute.count(),
        "actions": await CorrectiveAction.count(),
        "log": len(await Audit.raw("SELECT id FROM audit_log")),
    }


@pytest.fixture
async def api(demo: Settings) -> AsyncIterator[Api]:
    app = create_app(demo)
    async with AsyncTestClient(app=app) as client:
        yield Api(client, app)


async def _get(api: Api, login: tuple[str, str], path: str) -> Any:
    return await api.ok("GET", path, await api.login(*login))


async def test_every_wave_has_audits_of_auditors_and_the_latest_is_in_the_field(
    demo: Settings,
) -> None:
    async def statuses() -> dict[str, dict[str, int]]:
        rows = await Audit.raw(
            "SELECT w.name AS wave, a.status, COUNT(*) AS n FROM audit a "
            "JOIN wave w ON w.id = a.wave GROUP BY w.name, a.status"
        )
        by_wave: dict[str, dict[str, int]] = {}
        for row in rows:
            by_wave.setdefault(row["wave"], {})[row["status"]] = row["n"]
        return by_wave

    async def auditor_roles() -> set[str]:
        rows = await User.select(User.role).where(
            User.id.is_in([row["auditor"] for row in await Audit.select(Audit.auditor)])
        )
        return {row["role"] for row in rows}

    by_wave = await _read(demo, statuses)
    waves = await _read(demo, lambda: Wave.select(Wave.name))
    assert {row["name"] for row in waves} == set(by_wave)
    assert 4 == len(by_wave)
    older = [by_wave[name] for name in by_wave if name != "Sever Coffee Q2 2026"]
    for states in older:
        assert states.get("approved", 0) > 0.8 * sum(states.values())
        assert "submitted" not in states
    latest = by_wave["Sever Coffee Q2 2026"]
    assert latest.get("submitted", 0) > 0
    assert "approved" not in latest
    # Shopper anonymity starts here: every audit belongs to a demo auditor's account.
    assert {"auditor"} == await _read(demo, auditor_roles)


async def test_the_demos_photos_are_not_taken_for_copies_of_each_other(demo: Settings) -> None:
    """Each demo photo is its own shot: the near-duplicate check (a trust reason) finds none
    alike, where drawing every shot of a scene the same way weakened nearly every audit (and a
    threshold of 10 bits took three pairs of different drawings for copies)."""

    async def reasons() -> list[list[str]]:
        rows = await Audit.select(Audit.trust_reasons)
        return [[reason["code"] for reason in json.loads(row["trust_reasons"])] for row in rows]

    codes = await _read(demo, reasons)
    near = [audit for audit in codes if "photo_near_duplicate" in audit]
    assert len(codes) > 200
    assert [] == near
    # The one photo the demo reuses on purpose is still found.
    assert 1 <= sum("photo_reused" in audit for audit in codes)


async def test_no_demo_audit_answers_what_its_checklist_hid(demo: Settings) -> None:
    """A shopper answers what the checklist shows: no agent's name after "the agent gave no
    name", no hold time without a hold (the rules of `shared.scoring.visible_items`)."""

    async def audits() -> list[tuple[Template, list[Answer]]]:
        templates = {
            (row["key"], row["version"]): Template.from_dict(json.loads(row["body"]))
            for row in await ChecklistTemplate.select(
                ChecklistTemplate.key, ChecklistTemplate.version, ChecklistTemplate.body
            )
        }
        result = []
        for row in await Audit.select(Audit.canonical):
            audit = json.loads(row["canonical"])
            key = (audit["template"]["key"], audit["template"]["version"])
            result.append((templates[key], as_answers(audit["answers"])))
        return result

    hidden_answered = []
    named = nameless = 0
    for template, answers in await _read(demo, audits):
        by_item = index_answers(answers)
        visible = visible_items(template, by_item)
        hidden_answered += [key for key in by_item if not visible[key]]
        named += "agent_name" in by_item
        if "agent_name" in by_item:
            gave_name = by_item.get("greeting_name")
            nameless += gave_name is None or gave_name.value is not True
    assert [] == hidden_answered
    assert 0 == nameless
    assert named > 0  # the calls where the agent gave a name say it
    # "It was not done" is said of a yes/no item; a low score or an option speaks for itself
    # (the outlet report shows the answer under such an item).
    generic = {phrase for phrases in texts.GENERIC_FAILURE.values() for phrase in phrases}
    said_of: collections.Counter[str] = collections.Counter()
    for template, answers in await _read(demo, audits):
        kinds = {item.key: item.kind for item in template.items()}
        said_of.update(kinds[a.item] for a in answers if a.comment in generic)
    assert ["yes_no"] == list(said_of), said_of


async def test_the_reviewer_queue_has_flagged_and_plain_audits(api: Api) -> None:
    queue = await _get(api, REVIEWER, "/api/v1/review/queue?limit=200")
    items = queue["items"]
    assert len(items) > 10
    assert {"submitted"} == {item["status"] for item in items}
    received = [item["received_at"] for item in items]
    assert sorted(received) == received
    flags = {flag["code"] for item in items for flag in item["flags"]}
    assert {"off_site", "too_short", "clock_skew", "photo_reused", "photo_outside_visit"} <= flags
    assert any(not item["flags"] for item in items)


async def test_released_audits_have_rollup_rows_and_returned_ones_a_second_revision(
    demo: Settings,
) -> None:
    async def figures() -> dict[str, int]:
        released = await Audit.count().where(Audit.status.is_in(["approved", "disputed"]))
        matched = await Audit.raw(
            "SELECT COUNT(*) AS n FROM audit a JOIN score_rollup r ON r.audit_uuid = a.uuid "
            "WHERE a.status IN ('approved', 'disputed')"
        )
        resubmitted = await Audit.count().where(Audit.revision > 1)
        returned = await Audit.count().where(Audit.status == "returned")
        return {
            "released": released,
            "with_rollup": matched[0]["n"],
            "rollup": await ScoreRollup.count(),
            "resubmitted": resubmitted,
            "returned": returned,
        }

    found = await _read(demo, figures)
    assert found["released"] > 150
    assert found["released"] == found["with_rollup"] == found["rollup"]
    assert found["resubmitted"] > 0
    assert found["returned"] > 0


async def test_disputes_and_corrective_actions_in_every_state(api: Api) -> None:
    manager = await api.login(*OUTLET_MANAGER)
    disputes = await api.ok("GET", "/api/v1/disputes?limit=100", manager)
    actions = await api.ok("GET", "/api/v1/corrective-actions?limit=200", manager)
    assert {"open", "upheld", "rejected"} == {item["status"] for item in disputes["items"]}
    assert {"open", "done", "verified"} == {item["status"] for item in actions["items"]}
    upheld = next(item for item in disputes["items"] if item["status"] == "upheld")
    assert upheld["original_answer"]["value"] != upheld["corrected_answer"]["value"]
    network = await _get(api, HEAD_OFFICE, "/api/v1/corrective-actions?limit=200")
    critical = [item for item in network["items"] if item["critical"]]
    assert {"open", "done", "verified"} == {item["status"] for item in critical}


async def test_the_league_table_separates_leaders_from_laggards(api: Api) -> None:
    league = await _get(api, HEAD_OFFICE, "/api/v1/analytics/league")
    ranked = [row for row in league["rows"] if row["rank"] is not None]
    assert len(ranked) >= 20
    # Ordered as the data can tell them apart: by tier, then by the shrunk estimate
    # (docs/contract.md#estimates); the raw result and its rank stay beside it.
    order = [(row["tier"], -row["estimate"]) for row in ranked]
    assert sorted(order) == order
    assert 1 == ranked[0]["tier"]
    assert 1 == ranked[0]["estimate_rank"]
    assert ranked[-1]["tier"] > 1, "the demo's network has outlets the data tells apart"
    # Competition ranks of the raw results: outlets level on them share a place ("1224").
    places = sorted(row["rank"] for row in ranked)
    assert 1 == places[0]
    assert all(place in (n, places[n - 2]) for n, place in enumerate(places, 1)), places
    scores = [row["score"] for row in ranked]
    assert max(scores) - min(scores) > 20
    assert ranked[0]["score"] > ranked[-1]["score"]
    assert any(row["change"] is not None for row in ranked)


async def test_the_leniency_model_finds_the_demos_harsh_shopper(api: Api) -> None:
    """The demo's one harsh shopper (`AUDITOR_LENIENCY`) is the one auditor found severe in
    Polmarket's latest wave, and nobody is found lenient."""
    harsh = await User.select(User.id).where(User.email.is_in(list(AUDITOR_LENIENCY)))
    client = await _get(api, HEAD_OFFICE, "/api/v1/analytics/league")
    figures = await _get(api, ADMIN, "/api/v1/analytics/auditors")
    polmarket = next(f for f in figures if f["wave_id"] in client["wave_ids"])
    verdicts = {row["auditor_id"]: row["verdict"] for row in polmarket["auditors"]}
    assert {row["id"] for row in harsh} == {a for a, v in verdicts.items() if v == "severe"}
    assert "lenient" not in verdicts.values()
    assert polmarket["auditor_sd"] > 3


async def test_loading_again_adds_nothing(demo: Settings) -> None:
    before = await _read(demo, _counts)
    assert not await load_demo(demo)
    assert before == await _read(demo, _counts)


async def test_the_plan_is_the_same_on_every_load(demo: Settings) -> None:
    first = await _read(demo, plan_visits)
    second = await _read(demo, plan_visits)
    assert [(v.key, v.uuid, v.fate, v.flag) for v in first] == [
        (v.key, v.uuid, v.fate, v.flag) for v in second
    ]
    assert len({visit.uuid for visit in first}) == len(first)


def _text(path: Path) -> str:
    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_the_demo_reports_every_client_in_its_managers_languages(
    demo: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_demo_reports(demo, tmp_path / "out")
    out = tmp_path / "out"
    # Sever Coffee's latest wave is still in the field: its latest released one is reported.
    assert ["polmarket-q2-2026", "sever-coffee-q1-2026"] == sorted(
        path.name for path in out.iterdir()
    )
    polmarket = sorted(path.name for path in (out / "polmarket-q2-2026").iterdir())
    sever = sorted(path.name for path in (out / "sever-coffee-q1-2026").iterdir())
    # Odd numbers are in Mazowsze (its manager reads Polish), even ones in Kyiv (Ukrainian).
    assert [f"PM-{number:03d}.{'pl' if number % 2 else 'uk'}.pdf" for number in range(1, 29)] + [
        "comparison.pdf"
    ] == polmarket
    assert [f"SC-{number:03d}.ru.pdf" for number in range(1, 13)] + ["comparison.pdf"] == sever
    for path, lang in (
        (out / "polmarket-q2-2026" / "PM-001.pl.pdf", "pl"),
        (out / "polmarket-q2-2026" / "PM-002.uk.pdf", "uk"),
        (out / "polmarket-q2-2026" / "comparison.pdf", "pl"),
        (out / "sever-coffee-q1-2026" / "comparison.pdf", "ru"),
    ):
        summary = translation(lang).gettext("Summary")
        assert "Summary" != summary
        assert summary in _text(path)
    # Every PDF is signed: poppler's pdfsig finds each signature valid (the certificate is
    # self-signed, so not trusted: tests/reports/pdfsig.py).
    pdfs = sorted(out.rglob("*.pdf"))
    assert 42 == len(pdfs)
    assert [] == [path for path in pdfs if [VALID] != signature_lines(pdfsig(path))]
    # Read as their managers read them: no label cut short, no page but the last left mostly
    # empty (tests/reports/pdf.py measures how far down each page its content reaches).
    for path in pdfs:
        pdf = path.read_bytes()
        assert [] == cut_short(" ".join(page_texts(pdf)), checklist_ellipses()), path.name
        assert [] == mostly_empty_pages(pdf), path.name
    assert "Polmarket Q2 2026" in _text(out / "polmarket-q2-2026" / "comparison.pdf")
    assert "Sever Coffee Q1 2026" in _text(out / "sever-coffee-q1-2026" / "comparison.pdf")
    printed = capsys.readouterr().out
    for folder, wave, outlets in (
        ("polmarket-q2-2026", "Polmarket Q2 2026", "28 outlet reports (14 pl, 14 uk)"),
        ("sever-coffee-q1-2026", "Sever Coffee Q1 2026", "12 outlet reports (12 ru)"),
    ):
        line = next(line for line in printed.splitlines() if wave in line)
        assert str((out / folder).resolve()) in line
        assert outlets in line
    assert "Sever Coffee Q2 2026: nothing released yet" in printed


def test_the_demo_prints_every_login_with_its_scope(
    demo: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    run_demo(demo, "127.0.0.1", 8123, serve=False)
    printed = capsys.readouterr().out
    assert "demo programme already present" in printed
    assert "./out/polmarket-q2-2026/" in printed
    assert (tmp_path / "out" / "polmarket-q2-2026" / "PM-001.pl.pdf").is_file()
    header = next(line for line in printed.splitlines() if "e-mail" in line)
    assert ["role", "e-mail", "password", "language", "scope"] == header.split()
    rows = {line.split()[1]: line.split(maxsplit=4) for line in printed.splitlines()
            if "@" in line and len(line.split()) >= 5}  # fmt: skip
    assert 22 == len(people()) == len(rows)
    assert ["auditor", "auditor7@shopscore.demo", "demo-audit-pass"] == rows[
        "auditor7@shopscore.demo"
    ][:3]
    assert "region Kyiv (Polmarket)" == rows["kyiv@polmarket.demo"][4]
    assert "outlet PM-001 (Polmarket)" == rows["pm-001@polmarket.demo"][4]
    assert "client Sever Coffee" == rows["hq@severcoffee.demo"][4]
    assert "reviews Polmarket, Sever Coffee" == rows["reviewer2@shopscore.demo"][4]
    assert "shopscore serve --port 8123" in printed
    assert "auditor1..12" not in printed


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_the_served_demo_says_how_to_stop_and_what_stays(demo: Settings, tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **{name: value for name, value in os.environ.items() if name != "PUBLIC_URL"},
        "DATABASE_URL": demo.database_url,
        "MEDIA_DIR": str(demo.media_dir),
        "SECRET_KEY": demo.secret_key,
        "SHOPSCORE_CHEAP_ARGON2": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "demo", "--port", str(port)],
        env=environment, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.communicate()
            assert time.monotonic() < deadline, "the demo did not start serving"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        server.send_signal(signal.SIGINT)  # what Ctrl+C sends
        stdout, stderr = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert 0 == server.returncode, stderr
    assert f"Shopscore demo: http://127.0.0.1:{port}/" in stdout
    assert "Stop it with Ctrl+C" in stdout
    assert f"the database {demo.sqlite_path.resolve()}" in stdout
    assert "the reports in ./out" in stdout
    assert stdout.rstrip().splitlines()[-1].startswith("Demo stopped. Kept: the database")
    report = tmp_path / "out" / "sever-coffee-q1-2026" / "SC-001.ru.pdf"
    # its verification link is the demo's own address, on the port it was given
    text = "".join(page.extract_text() for page in pypdf.PdfReader(report).pages)
    assert f"http://127.0.0.1:{port}/verify" in text.replace("\n", "")


@pytest.mark.slow
async def test_a_second_database_gets_the_very_same_audits(
    demo: Settings, tmp_path: Path, sqlite_template: Path
) -> None:
    async def contents() -> dict[str, tuple[str, str, object]]:
        rows = await Audit.select(
            Audit.uuid, Audit.canonical_sha256, Audit.status, Audit.score_percent
        )
        return {
            str(row["uuid"]): (row["canonical_sha256"], row["status"], row["score_percent"])
            for row in rows
        }

    other = _settings(tmp_path, sqlite_template)
    assert await load_demo(other)
    assert await _read(demo, contents) == await _read(other, contents)
