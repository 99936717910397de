"""Field checks shared by services; each returns problem entries instead of raising one by one,
so a person sees every mistake at once."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from shared.checklist import CHANNELS

Problem = dict[str, Any]


def check_text(field: str, value: str, max_length: int, required: bool = True) -> list[Problem]:
    if required and not value.strip():
        return [{"item": field, "code": "required", "message": f"{field} must not be empty"}]
    if len(value) > max_length:
        return [
            {
                "item": field,
                "code": "too_long",
                "message": f"{field} is longer than {max_length} characters",
            }
        ]
    return []


def check_coordinates(lat: float | None, lon: float | None) -> list[Problem]:
    problems: list[Problem] = []
    if (lat is None) != (lon is None):
        problems.append(
            {"item": "lat", "code": "incomplete", "message": "give both lat and lon, or neither"}
        )
    if lat is not None and not -90 <= lat <= 90:
        problems.append({"item": "lat", "code": "out_of_range", "message": "lat is -90..90"})
    if lon is not None and not -180 <= lon <= 180:
        problems.append({"item": "lon", "code": "out_of_range", "message": "lon is -180..180"})
    return problems


@functools.lru_cache(maxsize=1024)
def is_timezone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_timezone(value: str) -> list[Problem]:
    if not is_timezone(value):
        return [
            {
                "item": "timezone",
                "code": "unknown_timezone",
                "message": f"{value!r} is not an IANA time zone such as Europe/Warsaw",
            }
        ]
    return []


def check_channels(channels: list[str]) -> list[Problem]:
    unknown = [channel for channel in channels if channel not in CHANNELS]
    if unknown or not channels:
        return [
            {
                "item": "channels",
                "code": "unknown_channel",
                "message": "channels are one or more of " + ", ".join(CHANNELS),
            }
        ]
    return []
