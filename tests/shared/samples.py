"""Sample data for the tests of `shared/`: the golden scoring cases and a small template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "scoring"


def load_golden_cases() -> list[tuple[str, dict[str, Any]]]:
    """Every golden case as (file name, parsed JSON), in file name order."""
    return [
        (path.name, json.loads(path.read_text("utf-8")))
        for path in sorted(GOLDEN_DIR.glob("*.json"))
    ]


def option(key: str, points: int, fail: bool = False) -> dict[str, Any]:
    return {"key": key, "text": {"en": key.capitalize()}, "points": points, "fail": fail}


def full_template() -> dict[str, Any]:
    """A template using every item kind, show_if, N/A, photos, a critical item and weight 0."""
    return {
        "key": "store-visit",
        "version": 1,
        "channel": "in_store",
        "title": {"en": "Store visit", "ru": "Визит в магазин"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [
            {"min": 90, "key": "excellent", "title": {"en": "Excellent"}},
            {"min": 75, "key": "good"},
            {"min": 0, "key": "poor"},
        ],
        "sections": [
            {
                "key": "welcome",
                "title": {"en": "Welcome"},
                "weight": 20,
                "items": [
                    {
                        "key": "greeted",
                        "kind": "yes_no",
                        "text": {"en": "Greeted within 30 s?"},
                        "points": 5,
                        "hint": {"en": "Count from the moment you enter."},
                    },
                    {
                        "key": "wait",
                        "kind": "timer",
                        "text": {"en": "Waiting time"},
                        "unit": "s",
                        "target": 60,
                        "limit": 300,
                        "points": 10,
                    },
                    {
                        "key": "phone_use",
                        "kind": "yes_no",
                        "text": {"en": "Staff on the phone?"},
                        "good": False,
                        "points": 5,
                        "show_if": {"item": "greeted", "in": [False]},
                    },
                ],
            },
            {
                "key": "advice",
                "title": {"en": "Advice"},
                "weight": 30,
                "items": [
                    {
                        "key": "knowledge",
                        "kind": "scale",
                        "text": {"en": "Product knowledge"},
                        "min": 1,
                        "max": 5,
                        "points": 10,
                    },
                    {
                        "key": "questions",
                        "kind": "choice",
                        "text": {"en": "Needs discovered?"},
                        "points": 5,
                        "options": [
                            option("fully", 5),
                            option("partly", 3),
                            option("not", 0, True),
                        ],
                    },
                    {
                        "key": "benefits",
                        "kind": "multi",
                        "text": {"en": "Benefits named"},
                        "points": 4,
                        "options": [
                            option("price", 2),
                            option("quality", 2),
                            option("warranty", 2),
                        ],
                    },
                    {
                        "key": "stock",
                        "kind": "number",
                        "text": {"en": "Units on the shelf"},
                        "unit": "units",
                        "target": 100,
                        "limit": 0,
                        "points": 4,
                        "na": True,
                    },
                    {
                        "key": "id_check",
                        "kind": "yes_no",
                        "text": {"en": "ID checked for alcohol?"},
                        "points": 5,
                        "critical": True,
                        "photo": "on_fail",
                    },
                ],
            },
            {
                "key": "feedback",
                "title": {"en": "Feedback"},
                "weight": 0,
                "items": [
                    {"key": "recommend", "kind": "nps", "text": {"en": "Recommend?"}, "points": 10},
                    {"key": "notes", "kind": "text", "text": {"en": "Notes"}, "required": False},
                    {
                        "key": "shopfront",
                        "kind": "photo",
                        "text": {"en": "Photo of the shopfront"},
                        "photo": "required",
                    },
                ],
            },
        ],
    }


PHOTO = "3f0c7a52-9d7e-4c55-9a43-6f1f2b7c9e11"


def full_answers() -> list[dict[str, Any]]:
    """A complete, valid set of answers to `full_template`."""
    return [
        {"item": "greeted", "value": True},
        {"item": "wait", "value": 75},
        {"item": "knowledge", "value": 4},
        {"item": "questions", "value": "fully"},
        {"item": "benefits", "value": ["price"]},
        {"item": "stock", "value": None, "na": True},
        {"item": "id_check", "value": True},
        {"item": "recommend", "value": 9},
        {"item": "notes", "value": "two tills closed"},
        {"item": "shopfront", "value": None, "photos": [PHOTO]},
    ]


def store_visit() -> dict[str, Any]:
    """A small store visit: a yes/no item, a timer, and a `good: false` item with a `show_if`."""
    return {
        "key": "store-visit",
        "version": 1,
        "channel": "in_store",
        "title": {"en": "Store visit", "ru": "Визит в магазин"},
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [
            {"min": 90, "key": "excellent"},
            {"min": 75, "key": "good"},
            {"min": 0, "key": "poor"},
        ],
        "sections": [
            {
                "key": "welcome",
                "title": {"en": "Welcome"},
                "weight": 20,
                "items": [
                    {
                        "key": "greeted",
                        "kind": "yes_no",
                        "text": {"en": "Greeted within 30 s?"},
                        "points": 5,
                        "critical": False,
                        "na": False,
                        "required": True,
                        "photo": "none",
                    },
                    {
                        "key": "wait",
                        "kind": "timer",
                        "text": {"en": "Waiting time"},
                        "unit": "s",
                        "target": 60,
                        "limit": 300,
                        "points": 10,
                    },
                    {
                        "key": "phone_use",
                        "kind": "yes_no",
                        "text": {"en": "Staff on the phone?"},
                        "good": False,
                        "points": 5,
                        "show_if": {"item": "greeted", "in": [False]},
                    },
                ],
            }
        ],
    }
