"""NPS and first-contact resolution from a contact-centre checklist, checked per scope.

A template with a scored `nps` question and a `first_contact_resolution` yes/no item; the
expected figures are recomputed here from the ratings and outcomes the audits were sent with.
"""

from __future__ import annotations

import math
import statistics
import uuid
from typing import Any

from server.analytics import stats
from tests.server.api import Api, build_world

# (outlet, rating 0-10, resolved at first contact)
CALLS = (
    ("own", 10, True),
    ("own", 9, True),
    ("other_outlet", 6, False),
    ("other_outlet", 8, True),
    ("other_region", 3, False),
    ("other_region", 10, True),
    ("other_client", 0, False),
)
SCOPES = {
    "head_office": {"own", "other_outlet", "other_region"},
    "regional_manager": {"own", "other_outlet"},
    "outlet_manager": {"own"},
}


def contact_template() -> dict[str, Any]:
    return {
        "key": "contact-centre",
        "version": 1,
        "channel": "phone",
        "title": {"en": "Contact centre call"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [{"min": 0, "key": "any"}],
        "sections": [
            {
                "key": "call",
                "title": {"en": "Call"},
                "weight": 100,
                "items": [
                    {"key": "first_contact_resolution", "kind": "yes_no", "points": 10,
                     "text": {"en": "Resolved in this call?"}},
                    {"key": "recommend", "kind": "nps", "points": 10,
                     "text": {"en": "Would you recommend us?"}},
                ],
            }
        ],
    }  # fmt: skip


def expected_nps(ratings: list[int]) -> float:
    promoters = sum(rating >= 9 for rating in ratings)
    detractors = sum(rating <= 6 for rating in ratings)
    return round(100 * (promoters - detractors) / len(ratings), 2)


def expected_nps_interval(ratings: list[int]) -> tuple[float, float]:
    """The NPS's Student-t interval (95%): answers scored +100, 0, -100, cut to -100..100."""
    scores = [100 if rating >= 9 else -100 if rating <= 6 else 0 for rating in ratings]
    half = stats.student_t_quantile(0.975, len(scores) - 1) * statistics.stdev(scores)
    half /= math.sqrt(len(scores))
    middle = statistics.mean(scores)
    return round(max(-100.0, middle - half), 2), round(min(100.0, middle + half), 2)


async def test_nps_and_first_contact_resolution_per_scope(api: Api) -> None:
    world = await build_world(api)
    admin, ids = world.headers["admin"], world.ids
    template = await api.ok("POST", "/api/v1/templates", admin, contact_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    for number, (outlet, rating, resolved) in enumerate(CALLS):
        email = f"caller{number}@agency.test"
        auditor_id = await api.create_user(admin, email, "auditor")
        wave = "wave_b" if outlet == "other_client" else "wave_a"
        assignment = await api.ok("POST", "/api/v1/assignments", admin, {
            "wave_id": ids[wave], "outlet_id": ids["outlet_" + outlet], "auditor_id": auditor_id,
            "channel": "phone", "template_id": template["id"]})  # fmt: skip
        audit_uuid = str(uuid.uuid4())
        await api.ok("PUT", f"/api/v1/audits/{audit_uuid}", await api.login(email), {
            "assignment_id": assignment["id"],
            "template": {"key": "contact-centre", "version": 1},
            "started_at": "2026-01-06T10:15:00+00:00",
            "finished_at": "2026-01-06T10:21:30+00:00",
            "location": None,
            "answers": [
                {"item": "first_contact_resolution", "value": resolved, "na": False,
                 "comment": "", "photos": []},
                {"item": "recommend", "value": rating, "na": False, "comment": "", "photos": []},
            ],
        })  # fmt: skip
        await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {"note": ""})
    for role, outlets in SCOPES.items():
        calls = [call for call in CALLS if call[0] in outlets]
        nps = await api.ok("GET", "/api/v1/analytics/nps", world.headers[role])
        ratings = [call[1] for call in calls]
        assert [
            ("contact-centre", "recommend", len(calls), expected_nps(ratings),
             expected_nps_interval(ratings))
        ] == [(row["template"], row["item"], row["answers"], row["nps"],
               (row["nps_low"], row["nps_high"])) for row in nps], role  # fmt: skip
        channels = await api.ok("GET", "/api/v1/analytics/channels", world.headers[role])
        resolved = [call[2] for call in calls]
        wilson = stats.proportion_interval(sum(resolved), len(resolved))
        assert wilson is not None
        assert [
            ("phone", round(sum(resolved) / len(resolved), 4), len(resolved),
             (round(wilson.low, 4), round(wilson.high, 4)))
        ] == [
            (row["channel"], row["first_contact_resolution"], row["first_contact_answers"],
             (row["first_contact_low"], row["first_contact_high"]))
            for row in channels
        ], role  # fmt: skip
    # Filtered to another template, nothing is left.
    empty = await api.ok("GET", "/api/v1/analytics/nps?template=store-visit",
                         world.headers["head_office"])  # fmt: skip
    assert [] == empty
