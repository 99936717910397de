"""The words of the items an outlet should fix first, as its PDF report and its dashboard page
both say them: the item, whether it is critical, how often it failed, how often the network
passes it, and the points it lost over the wave's visits."""

from __future__ import annotations

from dataclasses import dataclass

from reports.i18n import Formatter, Translations
from reports.model import Priority


@dataclass(frozen=True, slots=True)
class PriorityWords:
    text: str
    critical: bool
    detail: str  # "Section · Failed on 1 of 2 visits. The network passes it in 83% of visits."
    points: str  # "10 points lost"


def network_rate(rate: float | None, translations: Translations, formatter: Formatter) -> str:
    """How often the rest of the network passes an item, in a sentence ("" when unknown)."""
    if rate is None:
        return ""
    return translations.gettext("The network passes it in %(rate)s of visits.") % {
        "rate": formatter.rate(rate)
    }


def priority_words(
    item: Priority, translations: Translations, formatter: Formatter
) -> PriorityWords:
    """An item to fix first in the reader's language."""
    failed = translations.ngettext(
        "Failed on %(failed)s of %(count)s visit.",
        "Failed on %(failed)s of %(count)s visits.",
        item.visits,
    ) % {
        "failed": formatter.integer(item.failed_visits),
        "count": formatter.integer(item.visits),
    }
    rate = network_rate(item.network_pass_rate, translations, formatter)
    return PriorityWords(
        text=item.text,
        critical=item.critical,
        detail=" ".join(part for part in (item.section + " ·", failed, rate) if part),
        points=translations.gettext("%(points)s points lost")
        % {"points": formatter.points(item.points_lost)},
    )
