"""An auditor's answer in words, in one language: what a page or a report shows for it.

"No", "4 on a scale of 1 to 5 (poor – excellent)", "95 s", "7 of 10", the picked options'
texts; never a raw value such as `False`. The audit page, the disputes page and the outlet
report all say an answer this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reports.i18n import N_, Formatter
from shared.checklist import Item
from shared.i18n import text as localized
from shared.i18n import translation, unit_text


def answer_words(item: Item | None, answer: Mapping[str, Any] | None, language: str) -> str:
    """What `answer` (an answer's mapping: `value`, `na`, `photos`) to `item` says."""
    messages = translation(language)
    if answer is None:
        return messages.gettext(N_("Not answered"))
    if answer.get("na"):
        return messages.gettext(N_("Not applicable"))
    value = answer.get("value")
    if item is not None and item.kind == "photo":
        count = len(answer.get("photos") or [])
        return messages.ngettext("%(num)d photo", "%(num)d photos", count) % {"num": count}
    if value is None or value == [] or value == "":
        return messages.gettext(N_("Not answered"))
    if isinstance(value, bool):
        return messages.gettext(N_("Yes")) if value else messages.gettext(N_("No"))
    if item is None:
        return str(value)
    formatter = Formatter(language)
    if item.kind in ("choice", "multi"):
        picks = value if isinstance(value, list) else [value]
        texts = []
        for pick in picks:
            option = item.option(str(pick))
            texts.append(localized(option.text, language) if option else str(pick))
        return ", ".join(texts)
    if item.kind == "scale":
        shown = messages.gettext(N_("%(value)s on a scale of %(low)s to %(high)s")) % {
            "value": formatter.plain(value),
            "low": formatter.plain(item.min),
            "high": formatter.plain(item.max),
        }
        ends = [localized(label, language) for label in (item.min_label, item.max_label) if label]
        return f"{shown} ({' – '.join(ends)})" if len(ends) == 2 else shown
    if item.kind == "nps":
        return messages.gettext(N_("%(value)s of 10")) % {"value": formatter.plain(value)}
    if item.kind in ("number", "timer"):
        unit = unit_text(item, language)
        return f"{formatter.plain(value)} {unit}" if unit else formatter.plain(value)
    return str(value)
