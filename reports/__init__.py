"""ReportLab documents and charts for Shopscore, built from plain data classes.

The server assembles `OutletReportData` / `ComparisonReportData` from the score rollup and
calls `build_outlet_report` / `build_comparison_report`; the dashboard renders the chart
functions to SVG with `to_svg`. Nothing here touches the database or imports `server`.

    pdf = build_outlet_report(OutletReportData(...), "uk")            # bytes, A4
    svg = to_svg(section_chart(data.sections, "uk", width=480))       # same chart as the PDF

Texts in the data (outlet, sections, items, comments) must already be in the report's
language; thumbnails are the stored upright JPEG bytes. Building is CPU-bound and not meant to
share one process between threads: run several reports in several processes.
"""

from reports.charts import heatmap_chart, section_chart, to_svg, trend_chart
from reports.comparison import build_comparison_report
from reports.model import (
    ChannelRow,
    ComparisonReportData,
    CorrectiveAction,
    CriticalFailures,
    DisputeOutcome,
    FailedItem,
    Heatmap,
    ItemCount,
    ItemGap,
    LeagueRow,
    NetworkResult,
    Outlet,
    OutletReportData,
    OverdueActions,
    OverdueOutlet,
    Priority,
    Rank,
    RegionRow,
    SectionScore,
    Standing,
    Strength,
    TrendPoint,
    Verification,
    Visit,
    WaveResult,
)
from reports.outlet import build_outlet_report

__all__ = [
    "ChannelRow",
    "ComparisonReportData",
    "CorrectiveAction",
    "CriticalFailures",
    "DisputeOutcome",
    "FailedItem",
    "Heatmap",
    "ItemCount",
    "ItemGap",
    "LeagueRow",
    "NetworkResult",
    "Outlet",
    "OutletReportData",
    "OverdueActions",
    "OverdueOutlet",
    "Priority",
    "Rank",
    "RegionRow",
    "SectionScore",
    "Standing",
    "Strength",
    "TrendPoint",
    "Verification",
    "Visit",
    "WaveResult",
    "build_comparison_report",
    "build_outlet_report",
    "heatmap_chart",
    "section_chart",
    "to_svg",
    "trend_chart",
]
