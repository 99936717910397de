"""The heatmap page's table: a name for each section row that no other row shares, and the
shade of each cell.

The heatmap (`AnalyticsService.heatmap`, docs/contract.md#wave-result) keys its sections by
their key alone. Two checklists may name different sections alike in a language (a store
visit's and a call's "Powitanie"), so a section whose name another shown section shares is
named with its checklists too. The cells are an HTML table shaded in five steps, so their
figures are text of the page's size (legible and never clipped at any width) and the table
scrolls sideways on a phone.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

from server.reporting.service import Vocabulary

# Lower bounds of the shades, in percent: heat-0 below 60, ..., heat-4 from 95.
SHADES = (60.0, 75.0, 85.0, 95.0)


def section_names(sections: Sequence[str], vocabulary: Vocabulary) -> dict[str, str]:
    """Each section key's name in the page's language, told apart where two names agree."""
    names = {key: vocabulary.section(key) for key in sections}
    counts = collections.Counter(names.values())
    checklists: dict[str, list[str]] = collections.defaultdict(list)
    for template_key, section_key in vocabulary.scoped_sections:
        title = vocabulary.template(template_key)
        if section_key in names and title not in checklists[section_key]:
            checklists[section_key].append(title)
    for key, name in names.items():
        if counts[name] > 1 and checklists[key]:
            names[key] = f"{name} ({', '.join(checklists[key])})"
    counts = collections.Counter(names.values())
    for key, name in names.items():  # the same checklists too: the key is what is left
        if counts[name] > 1:
            names[key] = f"{name} [{key}]"
    return names


def shade(percent: float | None) -> str:
    """The CSS class of a cell: `heat-0` (weakest) to `heat-4` (strongest)."""
    if percent is None:
        return "heat-none"
    return f"heat-{sum(percent >= bound for bound in SHADES)}"
