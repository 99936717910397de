"""Leagues asked lately (docs/contract.md#estimates): who asked, with which filters and minimum
number of visits, and when. A server process starting works out the latest of them before they
are asked again (`server.analytics.service.AnalyticsService.work_out_asked`), so that the
first league after a restart or a deploy is ready, not computed while its reader waits.

A row per user, filters and minimum (unique), its `asked_at` moved on when the same league is
asked again; written by each server process's background task (`kept.Kept.record`), at most
every `kept.NOTE_EVERY_SECONDS` per league; rows older than `kept.ASKED_KEPT_DAYS` are deleted
when a process starts. `filters` is the request's filters as canonical JSON
(`server.analytics.queries.filters_text`). Nothing here is shown to anybody; the row goes with
its user.
"""

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz
from piccolo.table import Table

from server.users.tables import User


class LeagueAsked(Table, tablename="league_asked"):
    id: Serial  # declared for type checkers; Piccolo adds the column itself
    asked_by = ForeignKey(references=User, null=False, on_delete=OnDelete.cascade)
    filters = Text()
    min_audits = Integer()
    asked_at = Timestamptz()


ANALYTICS_TABLES = (LeagueAsked,)
