"""Access-table rows of the dashboard's audit, review and dispute pages (collected by
tests/server/test_access.py).

Dashboard pages authenticate by session cookie, not by bearer token: they are public routes
for the bearer table, and the scope matrix of test_access.py reads each of them as every role
(with the shopper-anonymity and out-of-scope checks); their forms are in tests/security.
"""

from __future__ import annotations

from tests.server.access import Case

CASES: list[Case] = []

PAGES = ("/audits/{audit_uuid:uuid}", "/photos/{photo_uuid:uuid}/display", "/disputes",
         "/network", "/waves/{wave_id:int}/comparison.pdf")  # fmt: skip
PUBLIC_ROUTES: set[tuple[str, str]] = {("GET", page) for page in PAGES}
