"""When a visit was, as the audit page says it: on the outlet's own clock, its zone named."""

from __future__ import annotations

import datetime as dt

from server.dashboard.formatting import Figures

# 10:15-10:41 in Warsaw (UTC+1 in January): 09:15-09:41 in UTC, as stored.
STARTED = dt.datetime(2026, 1, 6, 9, 15, tzinfo=dt.UTC)
FINISHED = dt.datetime(2026, 1, 6, 9, 41, 30, tzinfo=dt.UTC)


def test_a_visit_reads_on_the_outlets_clock_with_its_zone_named() -> None:
    assert "6 sty 2026, 10:15–10:41 (Europe/Warsaw)" == Figures("pl").visit(
        STARTED, FINISHED, "Europe/Warsaw"
    )
    russian = Figures("ru").visit(STARTED, FINISHED, "Europe/Moscow")
    assert russian.endswith(", 12:15–12:41 (Europe/Moscow)")
    assert russian.startswith("6 янв. 2026")


def test_a_visit_over_midnight_gives_both_dates_and_one_without_an_end_its_start() -> None:
    late = dt.datetime(2026, 1, 5, 20, 50, tzinfo=dt.UTC)  # 23:50 in Moscow
    assert "5 sty 2026, 23:50 – 6 sty 2026, 00:20 (Europe/Moscow)" == Figures("pl").visit(
        late, late + dt.timedelta(minutes=30), "Europe/Moscow"
    )
    assert "5 sty 2026, 23:50 (Europe/Moscow)" == Figures("pl").visit(late, None, "Europe/Moscow")
    # The day in the page's title is the outlet's too: the 6th in Moscow, the 5th in UTC.
    assert "6 sty 2026" == Figures("pl").visit_day(late + dt.timedelta(hours=1), "Europe/Moscow")
    assert "5 sty 2026" == Figures("pl").visit_day(late + dt.timedelta(hours=1), "UTC")


def test_a_zone_this_machine_does_not_know_reads_in_utc_and_says_so() -> None:
    assert "6 sty 2026, 09:15–09:41 (UTC)" == Figures("pl").visit(STARTED, FINISHED, "Mars/Olympus")


def test_a_servers_moment_says_it_is_utc_and_an_outlets_names_its_zone() -> None:
    assert "6 sty 2026, 09:15 UTC" == Figures("pl").utc_moment(STARTED)
    assert "–" == Figures("pl").utc_moment(None)
    assert "6 sty 2026, 10:15 (Europe/Warsaw)" == Figures("pl").outlet_moment(
        STARTED, "Europe/Warsaw"
    )
