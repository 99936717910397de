"""Access-table rows of the analytics routes (collected by tests/server/test_access.py).

Auditors get 403 everywhere, calibration, auditor severity and agreement on calibration visits
(they speak of auditors) are agency-only, and a figure asked for an outlet out
of the caller's scope is 404. The dashboard's pages authenticate by session cookie, not by
bearer token, so they are listed as public routes here and tested in tests/dashboard.
"""

from __future__ import annotations

from tests.server.access import Case, statuses

FIGURES = ("league", "trend", "regions", "heatmap", "pareto", "best-vs-rest", "channels", "nps",
           "exports/league", "exports/answers", "funnel", "planner")  # fmt: skip
# Figures that name auditors: 403 for every client role, whatever the record.
AGENCY_FIGURES = ("calibration", "auditors", "agreement")

CASES = [
    *(Case("GET", f"/api/v1/analytics/{figure}", statuses(200, auditor=403)) for figure in FIGURES),
    *(Case("GET", f"/api/v1/analytics/{figure}", statuses(403, admin=200, reviewer=200))
      for figure in AGENCY_FIGURES),
    Case("GET", "/api/v1/analytics/outlets/{outlet_id:int}/trend", statuses(200, auditor=403),
         {"outlet_id": "outlet_own"}),
    Case("GET", "/api/v1/analytics/outlets/{outlet_id:int}/trend",
         statuses(404, admin=200, reviewer=200, head_office=200, auditor=403),
         {"outlet_id": "outlet_other_region"}),
    Case("GET", "/api/v1/analytics/outlets/{outlet_id:int}/trend",
         statuses(404, admin=200, auditor=403), {"outlet_id": "outlet_other_client"}),
]  # fmt: skip

# Cookie-session pages: they redirect to /login without a session (tests/dashboard covers them).
DASHBOARD_PAGES = ("/", "/admin", "/best-vs-rest", "/channels", "/exports/{kind:str}", "/heatmap",
                   "/league", "/login", "/outlets/{outlet_id:int}", "/review",
                   "/auditors", "/agreement", "/planner", "/funnel",
                   "/outlets/{outlet_id:int}/report.pdf",
                   "/photos/{photo_uuid:uuid}/thumbnail")  # fmt: skip
DASHBOARD_FORMS = ("/disputes", "/disputes/{dispute_id:int}/{decision:str}", "/language", "/login",
                   "/logout", "/review/{audit_uuid:uuid}/approve",
                   "/review/{audit_uuid:uuid}/return",
                   "/actions/{action_id:int}/{step:str}")  # fmt: skip
PUBLIC_ROUTES: set[tuple[str, str]] = {
    *(("GET", page) for page in DASHBOARD_PAGES),
    *(("POST", form) for form in DASHBOARD_FORMS),
    ("GET", "/static/{file_path:path}"),
    ("HEAD", "/static/{file_path:path}"),
}
