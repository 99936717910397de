"""The heatmap page's cells: the shade of each.

The heatmap (`AnalyticsService.heatmap`, docs/contract.md#wave-result) has a column per
section of each checklist, named as the comparison report names its rows
(`server.reporting.service.heatmap_sections`). The cells are an HTML table shaded in five
steps, so their figures are text of the page's size (legible and never clipped at any width)
and the table scrolls sideways on a phone.
"""

from __future__ import annotations

# Lower bounds of the shades, in percent: heat-0 below 60, ..., heat-4 from 95.
SHADES = (60.0, 75.0, 85.0, 95.0)


def shade(percent: float | None) -> str:
    """The CSS class of a cell: `heat-0` (weakest) to `heat-4` (strongest)."""
    if percent is None:
        return "heat-none"
    return f"heat-{sum(percent >= bound for bound in SHADES)}"
