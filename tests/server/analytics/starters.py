"""The shipped starter checklists as test templates, and random but valid answers to them."""

from __future__ import annotations

import json
import random
import uuid
from importlib.resources import files
from typing import Any

STARTERS = {
    "phone": "phone-call.json",
    "email": "email-enquiry.json",
    "chat": "live-chat.json",
    "in_store": "store-visit.json",
}


def starter(channel: str) -> dict[str, Any]:
    """The starter of `channel`; the store visit's recommendation made unscored (points 0)."""
    body: dict[str, Any] = json.loads(
        files("shared.starters").joinpath(STARTERS[channel]).read_text("utf-8")
    )
    if channel == "in_store":
        for section in body["sections"]:
            for item in section["items"]:
                if item["kind"] == "nps":
                    item["points"] = 0
    return body


def random_value(item: dict[str, Any], rng: random.Random) -> Any:
    """A valid value for the item's kind (photo items are answered by their photos)."""
    kind = item["kind"]
    options = [option["key"] for option in item.get("options", [])]
    if kind == "yes_no":
        return rng.choice([True, False])
    if kind == "scale":
        return rng.randint(item["min"], item["max"])
    if kind == "choice":
        return rng.choice(options)
    if kind == "multi":
        return rng.sample(options, 1)
    if kind in ("number", "timer"):
        return rng.choice([item["target"], item["limit"]])
    if kind == "nps":
        return rng.randint(0, 10)
    return "Noted." if kind == "text" else None


def random_answers(template: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """A valid answer to every item (hidden ones too: they are kept and ignored)."""
    return [
        {
            "item": item["key"],
            "value": random_value(item, rng),
            "na": False,
            "comment": "",
            "photos": [str(uuid.uuid4())] if item["kind"] == "photo" or item.get("photo") else [],
        }
        for section in template["sections"]
        for item in section["items"]
    ]
