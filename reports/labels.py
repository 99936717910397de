"""Translated names of the fixed keys reports show (channels, bands, statuses); text helpers."""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle

from reports.i18n import N_, Translations
from reports.styles import WrapOnceParagraph

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


def para(text: str, style: ParagraphStyle) -> WrapOnceParagraph:
    """A paragraph of plain text: data never gets to inject ReportLab markup."""
    return WrapOnceParagraph(escape(text), style)
