"""Translated names of the fixed keys reports show (channels, bands, statuses); text helpers."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle

from reports.i18n import N_, Translations
from reports.styles import HEADER_CELL, HEADER_CELL_RIGHT, FittedText, bound

CHANNELS = {
    "in_store": N_("In store"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "chat": N_("Chat"),
    "web": N_("Web"),
    "social": N_("Social media"),
}
BANDS = {
    "excellent": N_("Excellent"),
    "good": N_("Good"),
    "fair": N_("Fair"),
    "poor": N_("Poor"),
}
DISPUTE_DECISIONS = {"upheld": N_("Upheld"), "rejected": N_("Rejected"), "pending": N_("Pending")}
ACTION_STATUSES = {
    "open": N_("Open"),
    "done": N_("Done"),
    "verified": N_("Verified"),
    "cancelled": N_("Cancelled"),
}


def label(names: dict[str, str], key: str, translations: Translations) -> str:
    """The translated name of `key`; an unknown key is shown as it is, capitalised."""
    if key in names:
        return translations.gettext(names[key])
    return key.replace("_", " ").capitalize()


def para(text: str, style: ParagraphStyle) -> FittedText:
    """A paragraph of plain text: data never gets to inject ReportLab markup (set on one line
    without a paragraph's cost when it fits)."""
    return FittedText(text, style)


def header_row(titles: list[str], right: tuple[int, ...] = ()) -> list[Any]:
    """The header row of a data table: white on dark, right-aligned over figures; size the
    columns with `styles.fitted_widths` of the same titles so that no word is split."""
    return [
        para(bound(title), HEADER_CELL_RIGHT if index in right else HEADER_CELL) if title else ""
        for index, title in enumerate(titles)
    ]
