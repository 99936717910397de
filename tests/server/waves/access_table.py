"""Access-table rows of planning a wave (collected by tests/server/test_access.py).

Planning and publishing a plan are for admins only; every other role gets 403, whatever the
wave. The admin's published visit sends the other auditor to an outlet of wave a that has no
assignment of theirs, so the rows after it see the same records as before.
"""

from __future__ import annotations

from tests.server.access import Case, admin_only

PLAN = "/api/v1/waves/{wave_id:int}/plan"
BULK = "/api/v1/waves/{wave_id:int}/assignments/bulk"

CASES = [
    Case("POST", PLAN, admin_only(200), {"wave_id": "wave_a"},
         body=lambda w: {"calibration": True}),
    Case("POST", PLAN, admin_only(200), {"wave_id": "wave_b"}, body=lambda w: {}),
    Case("POST", BULK, admin_only(201), {"wave_id": "wave_a"},
         body=lambda w: {"visits": [{"outlet_id": w.ids["outlet_other_region"],
                                     "channel": "in_store",
                                     "auditor_id": w.ids["user_other_auditor"]}]}),
]  # fmt: skip
