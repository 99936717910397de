"""Proof-of-visit flags: what about an audit a reviewer should look at twice.

Computed at ingest from what the phone sent (visit start and finish, GPS fix and accuracy,
device clock at send time, photo capture times) and what the server knows (receipt time,
outlet coordinates and time zone, photos of other audits). Flags never refuse an audit; they
are stored with it and shown to the reviewer.

The rules have defaults here; the off-site distance can be set per client
(`ClientVisitRules`). A visit is too short below half the length its checklist expects
(`expected_minutes`, docs/contract.md#templates) or, when the checklist does not say, below its
channel's minimum.

Every flag is also a reason of the visit's trust score (`server.audits.trust`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from server.core.clock import outlet_zone

OFF_SITE: Final = "off_site"
TOO_SHORT: Final = "too_short"
CLOCK_SKEW: Final = "clock_skew"
PHOTO_REUSED: Final = "photo_reused"
PHOTO_OUTSIDE_VISIT: Final = "photo_outside_visit"
PHOTO_FLAGS: Final = frozenset({PHOTO_REUSED, PHOTO_OUTSIDE_VISIT})

EARTH_RADIUS_M: Final = 6_371_008.8

Flag = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class VisitRules:
    """Thresholds of the flags; `max_distance_m` is overridden per client."""

    max_distance_m: float = 300.0
    # A phone call, chat or visit shorter than this was hardly a real one; e-mail and web
    # audits are not timed.
    min_minutes_by_channel: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"in_store": 5.0, "phone": 2.0, "chat": 3.0}
    )
    max_clock_skew: timedelta = timedelta(minutes=5)
    photo_margin: timedelta = timedelta(minutes=15)
    # Shorter than this share of the checklist's expected length is too short: a visit may
    # go quicker than planned, not take a fraction of it.
    expected_share: float = 0.5


DEFAULT_RULES: Final = VisitRules()


@dataclasses.dataclass(frozen=True, slots=True)
class Visit:
    """What the flags need to know about one audit."""

    channel: str
    started_at: datetime
    finished_at: datetime
    sent_at: datetime | None
    received_at: datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    outlet_lat: float | None
    outlet_lon: float | None
    outlet_timezone: str
    expected_minutes: float | None = None  # the checklist's, when it says


@dataclasses.dataclass(frozen=True, slots=True)
class PhotoFacts:
    """A stored photo referenced by the audit: its capture time, who else uses it (the same
    bytes, or a near-duplicate), and its camera details (known when `metadata_read`).

    `same_file` and `copied_from` are the (audit, photo) pairs of other audits' photos that
    are this very file, or that it is a near-duplicate of, in that order."""

    uuid: str
    captured_at: datetime | None
    same_file: tuple[tuple[str, str], ...] = ()
    metadata_read: bool = False
    camera_make: str | None = None
    camera_model: str | None = None
    software: str | None = None
    copied_from: tuple[tuple[str, str], ...] = ()

    @property
    def other_audits(self) -> tuple[str, ...]:
        """The other audits holding this very file."""
        return tuple(sorted({audit for audit, _photo in self.same_file}))

    @property
    def near_duplicates(self) -> tuple[str, ...]:
        """The other audits holding a near-duplicate of it."""
        return tuple(sorted({audit for audit, _photo in self.copied_from}))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine) in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def visit_flags(visit: Visit, rules: VisitRules = DEFAULT_RULES) -> list[Flag]:
    """The flags that depend on the audit alone (not on its photos)."""
    flags: list[Flag] = []
    off_site = _off_site(visit, rules)
    if off_site is not None:
        flags.append(off_site)
    minimum = minimum_minutes(visit, rules)
    minutes = (visit.finished_at - visit.started_at).total_seconds() / 60
    if minimum is not None and minutes < minimum:
        detail: dict[str, Any] = {"minutes": round(minutes, 1), "minimum": minimum}
        if visit.expected_minutes is not None:
            detail["expected"] = visit.expected_minutes
        flags.append({"code": TOO_SHORT, "detail": detail})
    if visit.sent_at is not None:
        skew = (visit.sent_at - visit.received_at).total_seconds()
        if abs(skew) > rules.max_clock_skew.total_seconds():
            flags.append({"code": CLOCK_SKEW, "detail": {"seconds": round(skew)}})
    return flags


def minimum_minutes(visit: Visit, rules: VisitRules = DEFAULT_RULES) -> float | None:
    """The shortest acceptable visit: a share of the checklist's expected length, else the
    channel's minimum; None for a channel that is not timed."""
    if visit.expected_minutes is not None:
        return round(visit.expected_minutes * rules.expected_share, 1)
    return rules.min_minutes_by_channel.get(visit.channel)


def _off_site(visit: Visit, rules: VisitRules) -> Flag | None:
    if visit.lat is None or visit.lon is None:
        return None
    if visit.outlet_lat is None or visit.outlet_lon is None:
        return None
    distance = distance_m(visit.lat, visit.lon, visit.outlet_lat, visit.outlet_lon)
    # The phone is somewhere within `accuracy` of the fix: flag only when even the nearest
    # point of that circle is too far, so a poor fix next to the outlet is not an accusation.
    accuracy = max(0.0, visit.accuracy_m or 0.0)
    if distance - accuracy <= rules.max_distance_m:
        return None
    return {
        "code": OFF_SITE,
        "detail": {
            "distance_m": round(distance),
            "accuracy_m": round(accuracy),
            "limit_m": rules.max_distance_m,
        },
    }


def photo_flags(
    visit: Visit, photos: Iterable[PhotoFacts], rules: VisitRules = DEFAULT_RULES
) -> list[Flag]:
    """Flags of the audit's received photos: reused elsewhere, or taken outside the visit."""
    reused: dict[str, list[str]] = {}
    outside: list[str] = []
    earliest = visit.started_at - rules.photo_margin
    latest = visit.finished_at + rules.photo_margin
    for photo in photos:
        if photo.other_audits:
            reused[photo.uuid] = sorted(photo.other_audits)
        taken = _aware(photo.captured_at, visit.outlet_timezone)
        if taken is not None and not earliest <= taken <= latest:
            outside.append(photo.uuid)
    flags: list[Flag] = []
    if reused:
        flags.append({"code": PHOTO_REUSED, "detail": {"photos": reused}})
    if outside:
        flags.append({"code": PHOTO_OUTSIDE_VISIT, "detail": {"photos": sorted(outside)}})
    return flags


def _aware(moment: datetime | None, timezone: str) -> datetime | None:
    """A capture time with its offset; EXIF times without one are the outlet's local time."""
    if moment is None or moment.utcoffset() is not None:
        return moment
    return moment.replace(tzinfo=outlet_zone(timezone))
