"""A small programme for the report tests, built through the real HTTP API on both engines.

Client A has three outlets (one with a Cyrillic name) over two waves of the critical-item
template (with Russian texts); every visit is made by one auditor whose name and e-mail are a
sentinel that must never appear in a report. The own outlet's failed item carries a comment
and a real phone photo. One more audit of the own outlet in the second wave is submitted but
never released: its comment must appear in no report and it must count in no figure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from typing import Any

from tests.fixtures import PHOTOS
from tests.server.api import Api, World, build_world
from tests.server.workflow.helpers import SENTINEL_EMAIL, SENTINEL_NAME, critical_template

PHOTO = PHOTOS / "small_orientation_6.jpg"
OUTLET_NAME_RU = "Магазин «Арбат»"
COMMENT_RU = "Продавец не поздоровался"
UNRELEASED_COMMENT = "UNRELEASED-VISIT-MARKER"
WAVE_STARTS = {"a1": "2026-01-05", "a2": "2026-02-09"}

# (outlet, wave, greeted, wait seconds, exit clear, released)
PLAN: tuple[tuple[str, str, bool, float, bool, bool], ...] = (
    ("own", "a1", True, 60, True, True),
    ("other_outlet", "a1", True, 60, True, True),
    ("other_region", "a1", False, 300, True, True),
    ("own", "a2", False, 120, True, True),
    ("other_outlet", "a2", True, 60, True, True),
    ("other_region", "a2", False, 60, True, True),
    ("own", "a2", True, 60, False, False),
)


@dataclasses.dataclass(frozen=True)
class Visit:
    uuid: str
    outlet: str
    wave: str
    percent: float
    released: bool


@dataclasses.dataclass
class ReportWorld:
    world: World
    visits: list[Visit]
    photo_uuid: str

    @property
    def ids(self) -> dict[str, int]:
        return self.world.ids

    @property
    def headers(self) -> dict[str, dict[str, str]]:
        return self.world.headers

    def visit(self, outlet: str, wave: str) -> Visit:
        return next(
            visit
            for visit in self.visits
            if visit.outlet == outlet and visit.wave == wave and visit.released
        )


def russian_template() -> dict[str, Any]:
    template = critical_template()
    template["title"]["ru"] = "Визит с критическим пунктом"
    titles = {"welcome": "Приветствие", "safety": "Безопасность"}
    texts = {
        "greeted": "Поздоровались?",
        "wait": "Время ожидания",
        "exit_clear": "Запасной выход свободен?",
        "remarks": "Замечания",
    }
    for section in template["sections"]:
        section["title"]["ru"] = titles[section["key"]]
        for item in section["items"]:
            item["text"]["ru"] = texts[item["key"]]
    return template


def _answers(
    greeted: bool, wait: float, exit_clear: bool, comment: str, photos: list[str]
) -> list[dict[str, Any]]:
    return [
        {"item": "greeted", "value": greeted, "na": False, "comment": comment, "photos": photos},
        {"item": "wait", "value": wait, "na": False, "comment": "", "photos": []},
        {"item": "exit_clear", "value": exit_clear, "na": False, "comment": comment,
         "photos": []},
        {"item": "remarks", "value": "Friendly staff.", "na": False, "comment": "", "photos": []},
    ]  # fmt: skip


OWN_TIMEZONE = "Pacific/Kiritimati"


async def seed_reports(api: Api) -> ReportWorld:
    world = await build_world(api)
    admin = world.headers["admin"]
    ids = world.ids
    # UTC+14: its visits at 10:15 UTC are a quarter past midnight of the next day there.
    await api.ok(
        "PATCH",
        f"/api/v1/outlets/{ids['outlet_own']}",
        admin,
        {"name": OUTLET_NAME_RU, "timezone": OWN_TIMEZONE},
    )
    await api.ok("PATCH", f"/api/v1/clients/{ids['client_a']}", admin, {"lockout_days": 0})
    template = await api.ok("POST", "/api/v1/templates", admin, russian_template())
    await api.ok("POST", f"/api/v1/templates/{template['id']}/publish", admin)
    second = await api.ok(
        "POST",
        "/api/v1/waves",
        admin,
        {
            "client_id": ids["client_a"],
            "name": "Q1 a, second",
            "starts_on": WAVE_STARTS["a2"],
            "ends_on": "2026-03-08",
            "templates": {"phone": template["id"]},
        },
    )
    ids["wave_a1"] = ids["wave_a"]
    ids["wave_a2"] = second["id"]
    ids["shopper"] = await api.create_user(admin, SENTINEL_EMAIL, "auditor", name=SENTINEL_NAME)
    shopper = await api.login(SENTINEL_EMAIL)
    # A wave holds one assignment per outlet and auditor: the unreleased visit needs another.
    second_email = SENTINEL_EMAIL.replace("@", ".second@")
    ids["second_shopper"] = await api.create_user(
        admin, second_email, "auditor", name=SENTINEL_NAME
    )
    second_shopper = await api.login(second_email)
    photo = PHOTO.read_bytes()
    photo_uuid = str(uuid.uuid4())
    response = await api.client.put(
        f"/api/v1/photos/{photo_uuid}",
        headers={**shopper, "X-Content-SHA256": hashlib.sha256(photo).hexdigest()},
        content=photo,
    )
    assert 201 == response.status_code, response.text
    visits = []
    for outlet, wave, greeted, wait, exit_clear, released in PLAN:
        assignment = await api.ok(
            "POST",
            "/api/v1/assignments",
            admin,
            {
                "wave_id": ids["wave_" + wave],
                "outlet_id": ids["outlet_" + outlet],
                "auditor_id": ids["shopper" if released else "second_shopper"],
                "channel": "phone",
                "template_id": template["id"],
            },
        )
        own_failure = outlet == "own" and released and not greeted
        comment = COMMENT_RU if own_failure else ("" if released else UNRELEASED_COMMENT)
        audit_uuid = str(uuid.uuid4())
        day = WAVE_STARTS[wave]
        receipt = await api.ok(
            "PUT",
            f"/api/v1/audits/{audit_uuid}",
            shopper if released else second_shopper,
            {
                "assignment_id": assignment["id"],
                "template": {"key": "critical-visit", "version": 1},
                "started_at": f"{day}T10:15:00+00:00",
                "finished_at": f"{day}T10:41:30+00:00",
                "location": None,
                "answers": _answers(
                    greeted, wait, exit_clear, comment, [photo_uuid] if own_failure else []
                ),
                "sent_at": f"{day}T10:42:00+00:00",
            },
        )
        if released:
            await api.ok("POST", f"/api/v1/review/audits/{audit_uuid}/approve", admin, {})
        visits.append(Visit(audit_uuid, outlet, wave, float(receipt["score"]["percent"]), released))
    return ReportWorld(world, visits, photo_uuid)
