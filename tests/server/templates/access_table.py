"""Access-table rows of the checklist workbook routes and the preview (collected by
tests/server/test_access.py).

Importing is for admins only (others get 403 before the body is read); exporting and the
preview are read like the template itself: admins and reviewers any template, an auditor only
the templates of their assignments (another is 404), client roles never (403).
"""

from __future__ import annotations

from tests.server.access import Case, admin_only, statuses
from tests.server.templates.workbooks import shopscore_workbook

EXPORT = "/api/v1/templates/{template_id:int}/export.xlsx"
PREVIEW = "/api/v1/templates/{template_id:int}/preview"

CASES = [
    Case("POST", "/api/v1/templates/import", admin_only(201), content=shopscore_workbook()),
    *(Case("GET", route, statuses(403, admin=200, reviewer=200, auditor=200),
           {"template_id": "template"})
      for route in (EXPORT, PREVIEW)),
    *(Case("GET", route, statuses(403, admin=200, reviewer=200, auditor=404),
           {"template_id": "template_other"})
      for route in (EXPORT, PREVIEW)),
]  # fmt: skip
