"""The assembled report data on both engines, against figures recomputed from the seed.

Expected ranks, changes and averages come from the percents the server returned when each
audit was PUT (`Visit.percent`), with the definitions in `server.reporting.service`.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from reports import TrendPoint
from server.access.caller import HEAD_OFFICE, OUTLET_MANAGER, Caller
from server.core.database import Database
from server.core.settings import Settings
from server.reporting.service import ReportService
from server.storage.local import LocalMediaStore
from tests.server.reporting.seed import COMMENT_RU, ReportWorld


@pytest.fixture
async def service(seeded_settings: Settings) -> AsyncIterator[ReportService]:
    """The service on the seeded database, through an engine of this test's event loop."""
    database = Database(seeded_settings.database_url)
    await database.start()
    try:
        yield ReportService(LocalMediaStore(seeded_settings.media_dir))
    finally:
        await database.close()


async def test_outlet_report_data_matches_the_released_visits(
    service: ReportService, programme: ReportWorld
) -> None:
    ids = programme.ids
    manager = Caller(
        user_id=ids["user_outlet_manager"],
        role=OUTLET_MANAGER,
        client_id=ids["client_a"],
        outlet_ids=frozenset({ids["outlet_own"]}),
    )
    data = await service.outlet_report(
        manager, ids["outlet_own"], ids["wave_a2"], "ru", today=dt.date(2026, 3, 1)
    )
    outlets = ("own", "other_outlet", "other_region")
    now = {outlet: programme.visit(outlet, "a2").percent for outlet in outlets}
    before = {outlet: programme.visit(outlet, "a1").percent for outlet in outlets}
    # One visit per outlet and wave: the result is that visit's percent.
    assert now["own"] == data.result.percent
    assert before["own"] == data.result.previous_percent
    assert round(now["own"] - before["own"], 1) == data.result.change
    assert (1, 0) == (data.result.visits, data.result.under_dispute)
    # One visit is too few to rank (docs/contract.md#wave-result): no rank, said in words.
    assert data.standing is not None
    assert (None, None) == (data.standing.rank, data.standing.region_rank)
    assert round(sum(now.values()) / 3, 1) == data.standing.network_percent
    assert (
        TrendPoint("Q1 a", before["own"], round(sum(before.values()) / 3, 1)),
        TrendPoint("Q1 a, second", now["own"], round(sum(now.values()) / 3, 1)),
    ) == data.trend
    (visit,) = data.visits
    assert ["Поздоровались?", "Время ожидания"] == [item.text for item in visit.failed_items]
    greeted = visit.failed_items[0]
    assert (10.0, False, COMMENT_RU, 1) == (
        greeted.points_lost, greeted.critical, greeted.comment, len(greeted.thumbnails)
    )  # fmt: skip
    # A failed yes/no item's answer is its failure; a timer's says how long it was.
    assert ["", "120 с"] == [item.answer for item in visit.failed_items]
    assert ["Приветствие", "Безопасность"] == [section.title for section in visit.sections]
    assert "phone" == visit.channel
    # Sent as 10:15 UTC on the 9th: the 10th on the outlet's own calendar (UTC+14).
    assert dt.date(2026, 2, 10) == visit.day
    assert ["Поздоровались?", "Время ожидания"] == [item.text for item in data.fix_first]


async def test_a_strength_the_text_alone_does_not_say_carries_its_answer(
    service: ReportService, programme: ReportWorld
) -> None:
    """The other region's outlet passed the wait (60 s, within its 60 s target) and the
    emergency exit on its one visit of the second wave: the timer reads with its answer, the
    yes/no item by its text alone."""
    ids = programme.ids
    head_office = Caller(
        user_id=ids["user_head_office"], role=HEAD_OFFICE, client_id=ids["client_a"]
    )
    data = await service.outlet_report(
        head_office, ids["outlet_other_region"], ids["wave_a2"], "ru", today=dt.date(2026, 3, 1)
    )
    answers = {strength.text: strength.answer for strength in data.strengths}
    assert "60 с" == answers["Время ожидания"]
    assert "" == answers["Запасной выход свободен?"]


async def test_comparison_data_of_head_office_covers_the_client(
    service: ReportService, programme: ReportWorld
) -> None:
    ids = programme.ids
    head_office = Caller(
        user_id=ids["user_head_office"], role=HEAD_OFFICE, client_id=ids["client_a"]
    )
    data = await service.comparison_report(head_office, ids["wave_a2"], "en")
    outlets = ("own", "other_outlet", "other_region")
    now = {outlet.upper(): programme.visit(outlet, "a2").percent for outlet in outlets}
    assert now == {row.code: row.percent for row in data.league}
    assert sorted(now.values(), reverse=True) == [row.percent for row in data.league]
    assert {None} == {row.rank for row in data.league}  # one visit each: too few to rank
    assert 3 == data.visits
    assert round(sum(now.values()) / 3, 1) == data.network_percent
    assert {"north": 2, "south": 1} == {region.region: region.outlets for region in data.regions}
    assert ("Welcome", "Safety") == data.heatmap_by_outlet.rows
