"""The server's time: aware UTC datetimes, the only kind it stores, compares and sends; and an
outlet's own time zone, in which a visit is read."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def local_day(moment: dt.datetime, zone_name: str) -> dt.date:
    """The day a moment falls on at an outlet: the day of a visit in every view and report."""
    return moment.astimezone(outlet_zone(zone_name)).date()


def outlet_zone(name: str) -> ZoneInfo:
    """An outlet's time zone (`Europe/Warsaw`); UTC for a name this machine does not know
    (outlets are checked when stored, so only a zone database older than the data lacks one)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
