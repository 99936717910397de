"""Access-table rows of the dashboard's set-up and checklist forms (collected by
tests/server/test_access.py; the pages themselves are rows of its scope matrix).

The pages are for admins and, for its own client, a head office its client lets set up its
programme; the matrix world's clients do not, so every role but admin gets 403. The forms
(POST) are checked in tests/server/test_setup_pages.py, role by role and record by record.
"""

from __future__ import annotations

from tests.server.access import Case

CLIENT = "/setup/clients/{client_id:int}"
FORMS = (CLIENT, "/setup/clients", "/setup/auditors", CLIENT + "/regions", CLIENT + "/outlets",
         CLIENT + "/outlets/preview", CLIENT + "/outlets/import", CLIENT + "/people",
         CLIENT + "/waves", CLIENT + "/workflow", "/setup/waves/{wave_id:int}/plan",
         "/setup/waves/{wave_id:int}/publish", "/checklists/import",
         "/checklists/{template_id:int}/publish", "/setup/regions/{region_id:int}",
         "/setup/regions/{region_id:int}/delete", "/setup/outlets/{outlet_id:int}",
         "/setup/outlets/{outlet_id:int}/delete", "/setup/waves/{wave_id:int}",
         "/setup/people/{user_id:int}", "/setup/staff")  # fmt: skip

CASES: list[Case] = []
PUBLIC_ROUTES: set[tuple[str, str]] = {("POST", form) for form in FORMS}
