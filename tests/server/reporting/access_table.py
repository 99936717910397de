"""Access-table rows of the report routes (collected by tests/server/test_access.py).

They rely on the workflow table's `PREPARE`: the own outlet's audit in wave a is released,
the other client's stays submitted (these rows run before the workflow rows, whose admin
approves it). Auditors get 403; an outlet or wave out of scope, or with nothing released, 404.

The verification pages of issued reports are public: whoever holds a report holds its code
(docs/contract.md#reports). The scope matrix of tests/server/test_access.py reads them too.
"""

from __future__ import annotations

from tests.server.access import Case, statuses

OUTLET_REPORT = "/api/v1/outlets/{outlet_id:int}/report.pdf"
COMPARISON = "/api/v1/waves/{wave_id:int}/comparison.pdf"

PUBLIC_ROUTES = {
    ("GET", "/verify"),
    ("GET", "/verify/{code:str}"),
    ("POST", "/verify/{code:str}"),
}

CASES = [
    Case("GET", OUTLET_REPORT, statuses(200, auditor=403), {"outlet_id": "outlet_own"}),
    *(Case("GET", OUTLET_REPORT, statuses(404, auditor=403), {"outlet_id": outlet})
      for outlet in ("outlet_other_outlet", "outlet_other_region", "outlet_other_client")),
    Case("GET", COMPARISON, statuses(200, auditor=403), {"wave_id": "wave_a"}),
    Case("GET", COMPARISON, statuses(404, auditor=403), {"wave_id": "wave_b"}),
]  # fmt: skip
