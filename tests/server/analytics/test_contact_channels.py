"""First-contact resolution per channel and NPS, from the starter templates, per scope.

The four starter checklists (shared/starters) are published as an agency would, with one
change: the store visit's recommendation question is made unscored (points 0), which NPS must
still count. Audits are filled with random but valid answers; the expected figures are
recomputed here from the answers sent (after an upheld dispute corrected one), naming the
resolution question of each starter literally. To show that analytics reads only the rollup,
the raw answers are deleted before the figures are asked for.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from tests.server.analytics.starters import STARTERS, random_answers, starter
from tests.server.api import Api, build_world
from tests.server.workflow.helpers import sql

# The question of each contact starter that asks whether the contact resolved the matter.
RESOLUTION_QUESTION = {"phone": "resolved_first_contact", "email": "resolved", "chat": "resolved"}
# (outlet, channel) of every audit; the seed of its answers is its position.
VISITS = (
    ("own", "phone"), ("own", "phone"), ("other_outlet", "phone"), ("other_region", "phone"),
    ("own", "email"), ("other_region", "email"),
    ("other_outlet", "chat"), ("own", "chat"),
    ("own", "in_store"), ("other_region", "in_store"),
    ("other_client", "phone"),
)  # fmt: skip
SCOPES = {
    "head_office": {"own", "other_outlet", "other_region"},
    "regional_manager": {"own", "other_outlet"},
    "outlet_manager": {"own"},
}


def value_of(sent: list[dict[str, Any]], key: str) -> Any:
    [value] = [answer["value"] for answer in sent if answer["item"] == key]
    return value


def expected_nps(ratings: list[int]) -> float:
    promoters = sum(rating >= 9 for rating in ratings)
    detractors = sum(rating <= 6 for rating in ratings)
    return round(100 * (promoters - detractors) / len(ratings), 2)


async def test_first_contact_resolution_and_nps_from_the_rollup(api: Api) -> None:
    world = await build_world(api)
    admin, ids = world.headers["admin"], world.ids
    for outlet in ("own", "other_outlet", "other_region", "other_client"):
        await api.ok("PATCH", f"/api/v1/outlets/{ids['outlet_' + outlet]}", admin,
                     {"channels": list(STARTERS)})  # fmt: skip
    templates = {}
    for channel in STARTERS:
        body = starter(channel)
        created = await api.ok("POST", "/api/v1/templates", admin, body)
        await api.ok("POST", f"/api/v1/templates/{created['id']}/publish", admin)
        # The world's own store visit is version 1: this one may be published as version 2.
        templates[channel] = (created["id"], {**body, "version": created["version"]})

    sent: list[tuple[str, str, str, list[dict[str, Any]]]] = []
    for number, (outlet, channel) in enumerate(VISITS):
        email = f"shopper{number}@agency.test"
        auditor_id = await api.create_user(admin, email, "auditor")
        template_id, body = templates[channel]
        assignment = await api.ok("POST", "/api/v1/assignments", admin, {
            "wave_id": ids["wave_b" if outlet == "other_client" else "wave_a"],
            "outlet_id": ids["outlet_" + outlet], "auditor_id": auditor_id,
            "channel": channel, "template_id": template_id})  # fmt: skip
        audit_uuid = str(uuid.uuid4())
        audit_answers = random_answers(body, random.Random(number))
        await api.ok("PUT", f"/api/v1/audits/{audit_uuid}", await api.login(email), {
            "assignment_id": assignment["id"],
            "template": {"key": body["key"], "version": body["version"]},
            "started_at": "2026-01-06T10:15:00+00:00",
            "finished_at": "2026-01-06T10:51:30+00:00",
            "location": None,
            "answers": audit_answers,
        })  # fmt: skip
        await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {"note": ""})
        sent.append((outlet, channel, audit_uuid, audit_answers))

    # The outlet manager disputes the resolution of their first call; it is corrected.
    outlet, channel, audit_uuid, disputed = sent[0]
    question = RESOLUTION_QUESTION[channel]
    corrected = not value_of(disputed, question)
    dispute = await api.ok("POST", "/api/v1/disputes", world.headers["outlet_manager"], {
        "audit_uuid": audit_uuid, "item": question, "reason": "Listen to it."})  # fmt: skip
    await api.ok("POST", f"/api/v1/disputes/{dispute['id']}/uphold", admin,
                 {"reply": "Agreed.", "answer": {"value": corrected}})  # fmt: skip
    for answer in disputed:
        if answer["item"] == question:
            answer["value"] = corrected

    await sql(str(api.context.settings.database_url), "DELETE FROM audit_answer")

    for role, outlets in SCOPES.items():
        mine = [visit for visit in sent if visit[0] in outlets]
        resolved: dict[str, list[bool]] = {}
        audits: dict[str, int] = {}
        for _outlet, channel, _uuid, audit_answers in mine:
            audits[channel] = audits.get(channel, 0) + 1
            if channel in RESOLUTION_QUESTION:
                resolution = value_of(audit_answers, RESOLUTION_QUESTION[channel])
                resolved.setdefault(channel, []).append(resolution)
        expected_channels = [
            (channel, audits[channel],
             round(sum(resolved[channel]) / len(resolved[channel]), 4)
             if channel in resolved else None,
             len(resolved.get(channel, [])))
            for channel in sorted(audits)
        ]  # fmt: skip
        channels = await api.ok("GET", "/api/v1/analytics/channels", world.headers[role])
        assert expected_channels == [
            (row["channel"], row["audits"], row["first_contact_resolution"],
             row["first_contact_answers"])
            for row in channels
        ], role  # fmt: skip

        ratings: dict[str, list[int]] = {}
        for _outlet, channel, _uuid, audit_answers in mine:
            body = templates[channel][1]
            if any(
                item["kind"] == "nps" for section in body["sections"] for item in section["items"]
            ):
                ratings.setdefault(body["key"], []).append(value_of(audit_answers, "recommend"))
        expected = [
            (key, "recommend", len(values), expected_nps(values))
            for key, values in sorted(ratings.items())
        ]
        nps = await api.ok("GET", "/api/v1/analytics/nps", world.headers[role])
        assert expected == [
            (row["template"], row["item"], row["answers"], row["nps"]) for row in nps
        ], role
    phone_only = await api.ok("GET", "/api/v1/analytics/nps?channel=phone",
                              world.headers["head_office"])  # fmt: skip
    assert ["phone-call"] == [row["template"] for row in phone_only]
