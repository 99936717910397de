"""The league is kept between requests only while the data it rests on is unchanged: asked
again, or after a change it does not rest on (a region renamed), it is not worked out again; an
outlet renamed or moved to another region shows in the next league, also when another server on
the same database made the change; with LEAGUE_REFRESH_SECONDS, the server works a league asked
lately out again after such a change, before it is asked again (a programme of its own: this
module changes data).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from server.analytics.kept import (
    ASKED_KEPT_DAYS,
    BACKGROUND_SHARE,
    KEPT_FIGURES,
    NOTE_EVERY_SECONDS,
    REMEMBERED,
    Kept,
    keep_fresh,
    pause_after,
)
from server.analytics.schemas import LeagueRow, LeagueTable, OutletRef
from server.analytics.service import AnalyticsService, labelled, league_order
from server.app import create_app
from server.core.settings import Settings
from tests.server.analytics.seed import Programme
from tests.server.api import Api
from tests.server.audits.helpers import sql

LEAGUE = "/api/v1/analytics/league"


def rows_of(table: dict[str, Any], outlet_id: int) -> list[dict[str, Any]]:
    return [row for row in table["rows"] if row["outlet"]["id"] == outlet_id]


def row_of(table: dict[str, Any], outlet_id: int) -> dict[str, Any]:
    (row,) = rows_of(table, outlet_id)
    return row


@pytest.fixture
def worked_out(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a league was worked out (not taken as kept)."""
    calls: list[int] = []
    original: Callable[..., Awaitable[Any]] = AnalyticsService._league

    async def counted(self: AnalyticsService, *args: Any) -> Any:
        calls.append(1)
        return await original(self, *args)

    monkeypatch.setattr(AnalyticsService, "_league", counted)
    return calls


async def test_a_league_asked_again_is_kept(
    reader: Api, programme: Programme, worked_out: list[int]
) -> None:
    head_office = programme.headers["head_office"]
    first = await reader.ok("GET", LEAGUE, head_office)
    again = await reader.ok("GET", LEAGUE, head_office)
    assert 1 == len(worked_out)
    assert first == again
    # A narrower scope is a league of its own.
    regional = await reader.ok("GET", LEAGUE, programme.headers["regional_manager"])
    assert 2 == len(worked_out)
    assert len(regional["rows"]) < len(first["rows"])


async def test_a_change_the_league_does_not_rest_on_keeps_it(
    reader: Api, programme: Programme, worked_out: list[int]
) -> None:
    ids, admin = programme.ids, programme.headers["admin"]
    head_office = programme.headers["head_office"]
    first = await reader.ok("GET", LEAGUE, head_office)
    await reader.ok("PATCH", f"/api/v1/regions/{ids['region_north']}", admin, {"name": "Nord"})
    again = await reader.ok("GET", LEAGUE, head_office)
    assert first == again
    assert 1 == len(worked_out)


async def test_an_edited_outlet_shows_in_the_next_league(
    reader: Api, programme: Programme, worked_out: list[int]
) -> None:
    ids, admin = programme.ids, programme.headers["admin"]
    head_office, regional = programme.headers["head_office"], programme.headers["regional_manager"]
    own = ids["outlet_own"]
    assert rows_of(await reader.ok("GET", LEAGUE, regional), own)
    before = row_of(await reader.ok("GET", LEAGUE, head_office), own)
    assert ids["region_north"] == before["region_id"]

    await reader.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"name": "Own, renamed"})
    renamed = row_of(await reader.ok("GET", LEAGUE, head_office), own)
    assert "Own, renamed" == renamed["outlet"]["name"]
    assert before["score"] == renamed["score"]
    assert 2 == len(worked_out)  # a name is a label on the kept figures

    await reader.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"region_id": ids["region_south"]})
    moved = row_of(await reader.ok("GET", LEAGUE, head_office), own)
    assert ids["region_south"] == moved["region_id"]
    assert not rows_of(await reader.ok("GET", LEAGUE, regional), own)
    assert 4 == len(worked_out)


async def test_two_outlets_trading_regions_show_in_the_next_league(
    reader: Api, programme: Programme
) -> None:
    ids, admin = programme.ids, programme.headers["admin"]
    head_office = programme.headers["head_office"]
    own, other = ids["outlet_own"], ids["outlet_other_region"]
    north, south = ids["region_north"], ids["region_south"]
    await reader.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"region_id": north})
    await reader.ok("PATCH", f"/api/v1/outlets/{other}", admin, {"region_id": south})
    first = await reader.ok("GET", LEAGUE, head_office)
    assert (north, south) == (row_of(first, own)["region_id"], row_of(first, other)["region_id"])
    await reader.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"region_id": south})
    await reader.ok("PATCH", f"/api/v1/outlets/{other}", admin, {"region_id": north})
    traded = await reader.ok("GET", LEAGUE, head_office)
    assert (south, north) == (row_of(traded, own)["region_id"], row_of(traded, other)["region_id"])
    await reader.ok("PATCH", f"/api/v1/outlets/{other}", admin, {"region_id": south})


def league_row(outlet_id: int, code: str, wave_id: int) -> LeagueRow:
    return LeagueRow(
        outlet=OutletRef(id=outlet_id, code=code, name=f"Outlet {code}"),
        region_id=None,
        client_id=1,
        wave_id=wave_id,
        audits=4,
        score=80.0,
        ci_low=70.0,
        ci_high=90.0,
        previous_score=None,
        change=None,
        too_few_to_rank=False,
        tier=1,
        estimate=80.0,
    )


def test_labels_put_on_kept_figures_reorder_ties_by_code_within_each_wave() -> None:
    """Two outlets level on tier and estimate are ordered by code: a code changed since the
    figures were kept moves the outlet, within its wave."""
    table = LeagueTable(
        wave_ids=[7, 9],
        min_audits=3,
        confidence=0.95,
        interval="",
        rows=[league_row(1, "A", 9), league_row(2, "B", 9), league_row(1, "A", 7)],
        networks=[],
        estimates=[],
    )
    assert labelled(table, {1: ("A", "Outlet A"), 2: ("B", "Outlet B")}) is table
    relabelled = labelled(table, {1: ("C", "Outlet C"), 2: ("B", "Second")})
    assert [(9, 2, "B", "Second"), (9, 1, "C", "Outlet C"), (7, 1, "C", "Outlet C")] == [
        (row.wave_id, row.outlet.id, row.outlet.code, row.outlet.name) for row in relabelled.rows
    ]
    assert "A" == table.rows[0].outlet.code  # the kept figures themselves are left as they were


def test_equal_estimates_are_listed_by_the_result_they_rest_on() -> None:
    """Where the model tells no difference (equal estimates in one tier), the higher result
    comes first, and on an adjusted league the adjusted result; the code breaks what is left."""
    low = msgspec.structs.replace(league_row(1, "A", 9), score=77.1)
    high = msgspec.structs.replace(league_row(2, "B", 9), score=89.6)
    assert [high, low] == sorted([low, high], key=league_order)
    lenient = msgspec.structs.replace(high, adjusted=70.0)
    assert [low, lenient] == sorted([lenient, low], key=league_order)
    level = msgspec.structs.replace(low, score=89.6)
    assert [level, high] == sorted([high, level], key=league_order)


async def test_a_change_made_by_another_server_shows_in_the_next_league(
    reader: Api, programme: Programme, seeded: tuple[Settings, Programme]
) -> None:
    """The other server is a second app on the same database: what this one keeps is keyed on
    what it reads from the database, not on what it wrote itself."""
    own, admin = programme.ids["outlet_own"], programme.headers["admin"]
    head_office = programme.headers["head_office"]
    assert rows_of(await reader.ok("GET", LEAGUE, head_office), own)
    other = create_app(seeded[0])
    async with AsyncTestClient(app=other) as client:
        await Api(client, other).ok("PATCH", f"/api/v1/outlets/{own}", admin, {"name": "Elsewhere"})
    reader.context.database.bind()  # the other app bound the tables to its own connections
    row = row_of(await reader.ok("GET", LEAGUE, head_office), own)
    assert "Elsewhere" == row["outlet"]["name"]


async def test_a_dispute_shows_in_the_next_league_in_the_wave_shown_and_the_one_before(
    reader: Api, programme: Programme
) -> None:
    """Opened on a visit of the wave shown, the result is provisional; upheld on a visit of the
    wave before, the result it is compared with changes."""
    own, headers = programme.ids["outlet_own"], programme.headers
    shown, before = (
        next(v for v in programme.visits if (v.outlet, v.wave) == ("own", wave) and not v.greeted)
        for wave in ("a2", "a1")
    )
    first = row_of(await reader.ok("GET", LEAGUE, headers["head_office"]), own)
    assert 0 == first["under_dispute"]

    for visit in (shown, before):
        dispute = await reader.ok(
            "POST",
            "/api/v1/disputes",
            headers["outlet_manager"],
            {"audit_uuid": visit.uuid, "item": "greeted", "reason": "We greeted everyone."},
        )
    provisional = row_of(await reader.ok("GET", LEAGUE, headers["head_office"]), own)
    assert 1 == provisional["under_dispute"]  # the wave before is not shown
    assert first["previous_score"] == provisional["previous_score"]

    await reader.ok(
        "POST",
        f"/api/v1/disputes/{dispute['id']}/uphold",
        headers["reviewer"],
        {"reply": "Greeted on the recording.", "answer": {"value": True}},
    )
    upheld = row_of(await reader.ok("GET", LEAGUE, headers["head_office"]), own)
    assert first["score"] == upheld["score"]
    assert first["previous_score"] < upheld["previous_score"]


async def until(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        await asyncio.sleep(0.02)


async def test_a_league_asked_is_worked_out_again_after_a_change_before_it_is_asked_again(
    programme: Programme, seeded: tuple[Settings, Programme], worked_out: list[int]
) -> None:
    ids, admin = programme.ids, programme.headers["admin"]
    head_office, own = programme.headers["head_office"], ids["outlet_own"]
    await sql(seeded[0], "DELETE FROM league_asked")  # nothing asked before this server started
    app = create_app(dataclasses.replace(seeded[0], league_refresh_seconds=0.05))
    async with AsyncTestClient(app=app) as client:
        api = Api(client, app)
        region = row_of(await api.ok("GET", LEAGUE, head_office), own)["region_id"]
        assert 1 == len(worked_out)
        other = ids["region_south"] if region == ids["region_north"] else ids["region_north"]
        await api.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"region_id": other})
        await until(lambda: len(worked_out) == 2)
        moved = row_of(await api.ok("GET", LEAGUE, head_office), own)
        assert other == moved["region_id"]
        assert 2 == len(worked_out)  # the request found the league worked out
        await asyncio.sleep(0.3)  # nothing changed since: nothing is worked out again
        assert 2 == len(worked_out)


async def test_without_the_refresh_the_request_after_a_change_works_the_league_out(
    reader: Api, programme: Programme, worked_out: list[int]
) -> None:
    ids, admin = programme.ids, programme.headers["admin"]
    head_office, own = programme.headers["head_office"], ids["outlet_own"]
    region = row_of(await reader.ok("GET", LEAGUE, head_office), own)["region_id"]
    other = ids["region_south"] if region == ids["region_north"] else ids["region_north"]
    await reader.ok("PATCH", f"/api/v1/outlets/{own}", admin, {"region_id": other})
    await asyncio.sleep(0.3)
    assert 1 == len(worked_out)
    assert other == row_of(await reader.ok("GET", LEAGUE, head_office), own)["region_id"]
    assert 2 == len(worked_out)


async def test_the_figures_asked_lately_are_worked_out_again_the_latest_first(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Those asked before `since` are forgotten, one that fails is logged and forgotten, and
    only the REMEMBERED most recently asked are remembered at all."""
    kept, calls = Kept(4), []

    def again(name: str) -> Callable[[], Awaitable[None]]:
        async def work_out() -> None:
            calls.append(name)
            if name == "failing":
                raise ValueError(name)

        return work_out

    for number in range(REMEMBERED):
        kept.remember(f"early {number}", again(f"early {number}"), at=1.0)
    kept.remember("failing", again("failing"), at=50.0)
    kept.remember("older", again("older"), at=100.0)
    kept.remember("latest", again("latest"), at=200.0)
    kept.remember("older", again("older"), at=300.0)  # asked again: now the latest
    assert REMEMBERED == len(kept.asked)
    with caplog.at_level(logging.ERROR, logger="shopscore.analytics"):
        assert 2 == await kept.refresh(since=50.0)
    assert ["older", "latest", "failing"] == calls
    assert "could not work out a figure again" in caplog.text
    assert ["latest", "older"] == list(kept.asked)  # the early ones asked before 50.0


def earlier(stored: Any, delta: dt.timedelta) -> Any:
    """A timestamp `delta` before `stored`, in the form the engine gave it (SQLite: text)."""
    if isinstance(stored, str):
        return (dt.datetime.fromisoformat(stored) - delta).isoformat(sep=" ")
    return stored - delta


async def test_a_starting_server_works_out_the_leagues_asked_lately_before_they_are_asked(
    programme: Programme, seeded: tuple[Settings, Programme], worked_out: list[int]
) -> None:
    """Asked of one server, recorded in the database; another server starting (a restart, a
    deploy, a second process) works them out without a request, for each asker as they are now:
    not for a disabled user, nor from records older than ASKED_KEPT_DAYS (deleted)."""
    settings, headers = seeded[0], programme.headers
    await sql(settings, "DELETE FROM league_asked")
    refreshing = dataclasses.replace(settings, league_refresh_seconds=0.05)
    asking = create_app(refreshing)
    async with AsyncTestClient(app=asking) as client:
        api = Api(client, asking)
        await api.ok("GET", LEAGUE, headers["head_office"])
        await api.ok("GET", LEAGUE + "?min_audits=2", headers["head_office"])
        regional = await api.ok("GET", LEAGUE, headers["regional_manager"])
        await api.ok("GET", LEAGUE, headers["outlet_manager"])
    assert 4 == len(worked_out)
    asked = await sql(settings, "SELECT id, asked_by, asked_at FROM league_asked ORDER BY id")
    assert 4 == len(asked)  # recorded by the server's background task (the last as it stopped)
    outlet_manager = asked[3][1]
    await sql(settings, "UPDATE app_user SET active = ? WHERE id = ?", False, outlet_manager)
    long_ago = earlier(asked[1][2], dt.timedelta(days=ASKED_KEPT_DAYS, hours=1))
    await sql(settings, "UPDATE league_asked SET asked_at = ? WHERE id = ?", long_ago, asked[1][0])
    try:
        KEPT_FIGURES.clear()  # a server process just started
        app = create_app(refreshing)
        async with AsyncTestClient(app=app) as client:
            await until(lambda: len(worked_out) == 6)
            await asyncio.sleep(0.3)
            assert 6 == len(worked_out)  # head office's and the regional manager's, no more
            assert 2 == len(KEPT_FIGURES.asked)  # kept fresh from now on
            api = Api(client, app)
            assert regional == await api.ok("GET", LEAGUE, headers["regional_manager"])
            await api.ok("GET", LEAGUE, headers["head_office"])
            assert 6 == len(worked_out)  # both found worked out
        remaining = await sql(settings, "SELECT id FROM league_asked ORDER BY id")
        assert [(asked[0][0],), (asked[2][0],), (asked[3][0],)] == remaining
    finally:
        await sql(settings, "UPDATE app_user SET active = ? WHERE id = ?", True, outlet_manager)


async def test_a_league_asked_is_recorded_by_the_server_not_by_the_request(
    reader: Api, programme: Programme, seeded: tuple[Settings, Programme]
) -> None:
    """The request may be reading a snapshot (the comparison report's league): it leaves the
    writing to the server's background task, which a server without LEAGUE_REFRESH_SECONDS
    does not run (it would not work the leagues out when starting either)."""
    await sql(seeded[0], "DELETE FROM league_asked")
    KEPT_FIGURES.clear()  # a server process just started
    await reader.ok("GET", LEAGUE, programme.headers["head_office"])
    pdf = f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf"
    assert (
        200 == (await reader.client.get(pdf, headers=programme.headers["head_office"])).status_code
    )
    await asyncio.sleep(0.2)
    assert [] == await sql(seeded[0], "SELECT * FROM league_asked")


async def test_an_asking_is_recorded_the_first_time_then_every_few_minutes() -> None:
    kept, written = Kept(4), []

    async def again() -> None:
        return None

    def record(name: str) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            written.append(name)

        return write

    kept.remember("league", again, 900.0)  # worked out as a process started: not an asking
    kept.remember("league", again, 1000.0, record("first"))
    kept.remember("league", again, 1001.0, record("again"))
    assert 1 == await kept.record()
    kept.remember("league", again, 1000.0 + NOTE_EVERY_SECONDS - 1, record("soon after"))
    assert 0 == await kept.record()
    kept.remember("league", again, 1000.0 + NOTE_EVERY_SECONDS, record("later"))
    kept.remember("another league", again, 1001.0, record("another"))
    assert 2 == await kept.record()
    assert ["first", "later", "another"] == written
    for number in range(REMEMBERED):  # forgotten before it was written: never written
        kept.remember(f"league {number}", again, 2000.0, record(f"league {number}"))
    kept.remember("one too many", again, 2001.0, record("one too many"))
    assert REMEMBERED == await kept.record()
    assert "league 0" not in written


async def test_askings_not_yet_written_when_the_server_stops_are_written_as_it_stops() -> None:
    """The background task cancelled in the middle of writing the askings (a server stopping):
    the one being written and those after it are written by the next call, none lost."""
    kept, written, writing = Kept(4), [], asyncio.Event()
    stuck = asyncio.Event()

    async def again() -> None:
        return None

    def record(name: str) -> Callable[[], Awaitable[None]]:
        async def write() -> None:
            if name == "regional" and not stuck.is_set():
                stuck.set()
                writing.set()
                await asyncio.sleep(3600)  # cancelled here
            written.append(name)

        return write

    for name in ("head office", "regional", "outlet manager"):
        kept.remember(name, again, 1000.0, record(name))
    task = asyncio.create_task(kept.record())
    await writing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ["head office"] == written
    assert 2 == await kept.record()
    assert ["head office", "regional", "outlet manager"] == written
    assert 0 == await kept.record()


async def test_a_server_stopped_while_it_starts_still_writes_the_askings() -> None:
    """Asked while the process was still working out the leagues asked before it started, and
    stopped before its first look: the asking is written as the background task stops."""
    kept, written, starting = Kept(4), [], asyncio.Event()

    async def again() -> None:
        return None

    async def write() -> None:
        written.append("asked while starting")

    async def first() -> None:
        starting.set()
        await asyncio.sleep(3600)  # the leagues asked before: stopped here

    task = asyncio.create_task(keep_fresh(3600.0, kept, first=first))
    await starting.wait()
    kept.remember("league", again, 1000.0, write)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ["asked while starting"] == written


def test_working_leagues_out_ahead_takes_at_most_a_share_of_the_time() -> None:
    """However often the data changes, the looks are spaced so that refreshing takes at most
    BACKGROUND_SHARE of the time; a quick look keeps the setting's pace."""
    assert 1.0 == pause_after(1.0, 0.001)
    for busy in (0.3, 0.6, 2.0, 5.0):
        pause = pause_after(1.0, busy)
        assert busy / (busy + pause) <= BACKGROUND_SHARE + 1e-9
        assert busy / (busy + pause) >= BACKGROUND_SHARE - 1e-9 or pause == 1.0
