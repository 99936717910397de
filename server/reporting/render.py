"""The work a report process does: render one document and write it to disk atomically.

Kept apart from the database code so a worker process imports only `reports` (it receives
the assembled data, pickled) and a half-written PDF never appears under its final name.
"""

from __future__ import annotations

import os
from pathlib import Path

from reports import (
    ComparisonReportData,
    OutletReportData,
    build_comparison_report,
    build_outlet_report,
)


def render(data: OutletReportData | ComparisonReportData, lang: str) -> bytes:
    if isinstance(data, OutletReportData):
        return build_outlet_report(data, lang)
    return build_comparison_report(data, lang)


def write_report(data: OutletReportData | ComparisonReportData, lang: str, path: Path) -> int:
    """Render `data` into `path`; return the size in bytes."""
    pdf = render(data, lang)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_bytes(pdf)
    os.replace(temporary, path)
    return len(pdf)
