"""Numbers, dates and fixed names on dashboard pages, in the page's locale.

Pages never format a figure with `"%.1f"`: "76.1" is English, a Russian or Polish reader expects
"76,1", as the PDFs print it (`reports.i18n.Formatter`, Babel). Results are shown with one
decimal, rounded from the two of the JSON (docs/contract.md#wave-result). The same object names
languages natively for the language picker, and turns the stored keys of flags, bands, statuses
and item kinds into words.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from reports.i18n import Formatter
from reports.labels import ACTION_STATUSES, BANDS, CHANNELS, DISPUTE_DECISIONS, label
from server.analytics.results import shown
from server.core.clock import local_day, outlet_zone
from server.core.i18n import _
from shared.i18n import quoted, translation

# Each language in its own words: a reader who cannot read the page still finds theirs.
NATIVE_NAMES = {"en": "English", "ru": "Русский", "uk": "Українська", "pl": "Polski"}

# Proof-of-visit flag codes (server.audits.flags) as people read them.
FLAG_NAMES = {
    "off_site": _("GPS fix far from the outlet"),
    "too_short": _("Visit shorter than expected"),
    "clock_skew": _("Phone clock differs from the server's"),
    "photo_reused": _("Photo already used in another audit"),
    "photo_outside_visit": _("Photo taken outside the visit"),
}
AUDIT_STATUSES = {
    "submitted": _("Waiting for review"),
    "returned": _("Returned to the auditor"),
    "approved": _("Released"),
    "disputed": _("Under dispute"),
}
DISPUTE_STATUSES = {"open": _("Open"), **DISPUTE_DECISIONS}


class Figures:
    """Formatting for one page language; `None` shows as a dash everywhere."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = Locale.parse(language)
        self.report = Formatter(language)
        self.messages = translation(language)

    def quoted(self, words: str) -> str:
        """Words in the page language's quotation marks (`shared.i18n.quoted`)."""
        return quoted(words, self.language)

    # --- numbers -----------------------------------------------------------------------------

    def _number(self, value: Any) -> Decimal | None:
        if value is None or value == "":
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None

    def _shown(self, value: Any) -> Decimal | None:
        """A figure as every screen and PDF shows it: the JSON's two decimals, then one
        (`results.shown`, so 83.35 is 83.3 here as in the PDFs)."""
        if isinstance(value, float):
            return Decimal(str(shown(value)))
        return self._number(value)

    def num(self, value: Any, digits: int = 1) -> str:
        """A figure with `digits` decimals: "76,1" in Polish."""
        number = self._shown(value) if digits == 1 else self._number(value)
        if number is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(number, format=pattern, locale=self.locale)

    def plain(self, value: Any) -> str:
        """An answer's number as given, with no more decimals than it has: "4,5", "120"."""
        return "–" if value is None or value == "" else self.report.plain(value)

    def score(self, value: Any) -> str:
        """A 0-100 score with one decimal and the locale's percent sign: "76,1 %"."""
        number = self._shown(value)
        return self.report.score(None if number is None else float(number))

    def signed(self, value: Any, digits: int = 1) -> str:
        """A change in points with its sign: "+4,2" (`digits` decimals)."""
        number = self._shown(value) if digits == 1 else self._number(value)
        if digits == 1 or number is None:
            return self.report.change(None if number is None else float(number))
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(number, format=f"+{pattern};-{pattern}", locale=self.locale)

    def rate(self, value: Any) -> str:
        """A 0-1 share as a whole percentage in the locale: "85 %" in Polish."""
        number = self._number(value)
        return "–" if number is None else self.report.rate(float(number))

    def integer(self, value: int) -> str:
        return self.report.integer(value)

    # --- dates -------------------------------------------------------------------------------

    def day(self, value: dt.date | dt.datetime | str | None) -> str:
        """A date in the locale's medium form: "6 gru 2026"."""
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, format="medium", locale=self.locale)

    def moment(self, value: dt.datetime | None, zone: dt.tzinfo = dt.UTC) -> str:
        """A date and time (in UTC, as stored, unless `zone` is given) in the locale's short
        form: "8 kwi 2026, 15:45"."""
        if value is None:
            return "–"
        # The locale's medium date with its short time: no seconds, which nobody reads here.
        pattern = self.locale.datetime_formats["medium"]
        return str(pattern).format(
            self.clock(value, zone),
            format_date(value.astimezone(zone).date(), format="medium", locale=self.locale),
        )

    def clock(self, value: dt.datetime, zone: dt.tzinfo = dt.UTC) -> str:
        """A time of day in the locale's short form: "15:45", "3:45 PM"."""
        return format_time(value, format="short", tzinfo=zone, locale=self.locale)

    def visit(self, started: dt.datetime, finished: dt.datetime | None, zone_name: str) -> str:
        """When a visit was, on the outlet's own clock, its zone named (a reviewer compares it
        with a receipt, a store manager with the shop's camera): "8 kwi 2026, 15:45–16:09
        (Europe/Moscow)"; the end's date only when the visit ended on another day."""
        zone = outlet_zone(zone_name)
        start = self.moment(started, zone)
        if finished is None:
            span = start
        elif finished.astimezone(zone).date() == started.astimezone(zone).date():
            span = f"{start}–{self.clock(finished, zone)}"
        else:
            span = f"{start} – {self.moment(finished, zone)}"
        return f"{span} ({zone.key})"

    def utc_moment(self, value: dt.datetime | None) -> str:
        """A moment of the server's (an audit received), in UTC and saying so."""
        return "–" if value is None else f"{self.moment(value)} UTC"

    def outlet_moment(self, value: dt.datetime, zone_name: str) -> str:
        """A moment on an outlet's own clock, its zone named: "8 maj 2026, 15:45
        (Europe/Moscow)"."""
        zone = outlet_zone(zone_name)
        return f"{self.moment(value, zone)} ({zone.key})"

    def visit_day(self, started: dt.datetime | None, zone_name: str) -> str:
        """The day of a visit on the outlet's own calendar (`clock.local_day`)."""
        return "–" if started is None else self.day(local_day(started, zone_name))

    # --- names -------------------------------------------------------------------------------

    def channel(self, key: str) -> str:
        return label(CHANNELS, key, self.messages)

    def band(self, key: str | None) -> str:
        return "" if key is None else label(BANDS, key, self.messages)

    def flag(self, code: str) -> str:
        return label(FLAG_NAMES, code, self.messages)

    def audit_status(self, key: str) -> str:
        return label(AUDIT_STATUSES, key, self.messages)

    def dispute_status(self, key: str) -> str:
        return label(DISPUTE_STATUSES, key, self.messages)

    def action_status(self, key: str) -> str:
        return label(ACTION_STATUSES, key, self.messages)
