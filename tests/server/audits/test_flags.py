"""Proof-of-visit flags: the pure rules, and that ingest stores them without refusing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from server.audits.flags import (
    DEFAULT_RULES,
    PhotoFacts,
    Visit,
    distance_m,
    photo_flags,
    visit_flags,
)
from server.core.settings import Settings
from tests.server.api import Api, World
from tests.server.audits.helpers import audit_body, new_uuid, put_audit, sql

START = datetime(2026, 1, 6, 9, 15, tzinfo=UTC)
WARSAW = (52.2297, 21.0122)


def visit(**changes: object) -> Visit:
    base = Visit(
        channel="in_store",
        started_at=START,
        finished_at=START + timedelta(minutes=20),
        sent_at=START + timedelta(minutes=21),
        received_at=START + timedelta(minutes=21),
        lat=WARSAW[0],
        lon=WARSAW[1],
        accuracy_m=10.0,
        outlet_lat=WARSAW[0],
        outlet_lon=WARSAW[1],
        outlet_timezone="Europe/Warsaw",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def codes(flags: list[dict[str, object]]) -> list[object]:
    return [flag["code"] for flag in flags]


def test_distance_of_one_degree_of_latitude_is_about_111_km() -> None:
    assert 111_195 == round(distance_m(0, 0, 1, 0))


def test_an_honest_visit_has_no_flags() -> None:
    assert [] == visit_flags(visit())


@pytest.mark.parametrize(
    ("metres_north", "accuracy", "expected"),
    [(250, 10, []), (400, 10, ["off_site"]), (400, 150, []), (2000, 500, ["off_site"])],
)
def test_off_site_counts_the_accuracy_in_the_phones_favour(
    metres_north: float, accuracy: float, expected: list[str]
) -> None:
    lat = WARSAW[0] + metres_north / 111_195
    assert expected == codes(visit_flags(visit(lat=lat, accuracy_m=accuracy)))


def test_off_site_limit_comes_from_the_rules() -> None:
    lat = WARSAW[0] + 400 / 111_195
    wide = dataclasses.replace(DEFAULT_RULES, max_distance_m=500)
    assert [] == visit_flags(visit(lat=lat), wide)


def test_no_location_or_outlet_without_coordinates_is_not_off_site() -> None:
    assert [] == visit_flags(visit(lat=None, lon=None, accuracy_m=None))
    assert [] == visit_flags(visit(outlet_lat=None, outlet_lon=None))


def test_too_short_depends_on_the_channel() -> None:
    short = START + timedelta(minutes=3)
    assert ["too_short"] == codes(visit_flags(visit(finished_at=short)))
    assert [] == codes(visit_flags(visit(finished_at=short, channel="email")))


def test_clock_skew_beyond_five_minutes_either_way() -> None:
    received = START + timedelta(minutes=21)
    assert [] == visit_flags(visit(sent_at=received + timedelta(minutes=4)))
    assert ["clock_skew"] == codes(visit_flags(visit(sent_at=received - timedelta(minutes=9))))
    assert [] == visit_flags(visit(sent_at=None))


def test_photo_flags_reuse_and_capture_time_outside_the_visit() -> None:
    inside = PhotoFacts("p1", START + timedelta(minutes=5), ())
    # Naive EXIF time is the outlet's local time: 10:20 in Warsaw is 09:20 UTC, inside.
    naive_inside = PhotoFacts("p2", datetime(2026, 1, 6, 10, 20), ())
    outside = PhotoFacts("p3", START - timedelta(hours=3), ())
    reused = PhotoFacts("p4", None, (("other-audit", "q4"),))

    flags = photo_flags(visit(), [inside, naive_inside, outside, reused])

    assert [
        {"code": "photo_reused", "detail": {"photos": {"p4": ["other-audit"]}}},
        {"code": "photo_outside_visit", "detail": {"photos": ["p3"]}},
    ] == flags


async def test_flags_are_stored_with_the_audit_and_never_block(
    api: Api, world: World, settings: Settings
) -> None:
    audit_uuid = new_uuid()
    body = audit_body(
        world.ids["assignment_own"],
        # The own outlet is at 52.23, 21.01; this fix is in Kyiv.
        location={"lat": 50.45, "lon": 30.52, "accuracy_m": 20.0},
        started_at="2026-01-06T10:15:00+01:00",
        finished_at="2026-01-06T10:16:00+01:00",
        sent_at="2020-01-01T00:00:00+00:00",
    )

    response = await put_audit(api, world.headers["auditor"], audit_uuid, body)

    assert 201 == response.status_code, response.text
    audit = await api.ok("GET", f"/api/v1/audits/{audit_uuid}", world.headers["reviewer"])
    assert ["off_site", "too_short", "clock_skew"] == codes(audit["flags"])
    stored = await sql(settings, "SELECT flags FROM audit")
    assert 1 == len(stored)
    assert "off_site" in stored[0][0]
