"""A checklist with every item kind, and a sync payload, for the field app's tests and bench."""

from __future__ import annotations

from typing import Any

from tests.fixtures import PHOTOS

PHOTO_DIR = str(PHOTOS)


def texts(en: str, ru: str, pl: str | None = None, uk: str | None = None) -> dict[str, str]:
    return {"en": en, "ru": ru, "uk": uk or ru, "pl": pl or en}


def every_kind_template(key: str = "store-visit", version: int = 1) -> dict[str, Any]:
    """Two sections holding one item of every kind, a show_if and a photo rule."""
    return {
        "key": key,
        "version": version,
        "channel": "in_store",
        "title": texts("Store visit", "Визит в магазин", "Wizyta w sklepie", "Візит до магазину"),
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [
            {
                "min": 90,
                "key": "excellent",
                "title": texts("Excellent", "Отлично", "Doskonale", "Відмінно"),
            },
            {"min": 75, "key": "good", "title": texts("Good", "Хорошо", "Dobrze", "Добре")},
            {"min": 0, "key": "poor", "title": texts("Poor", "Плохо", "Słabo", "Погано")},
        ],
        "sections": [
            {
                "key": "welcome",
                "title": texts("Welcome", "Приветствие", "Powitanie", "Привітання"),
                "weight": 40,
                "items": [
                    {
                        "key": "greeted",
                        "kind": "yes_no",
                        "text": texts(
                            "Greeted within 30 s?",
                            "Поприветствовали за 30 с?",
                            "Powitanie w 30 s?",
                            "Привіталися протягом 30 с?",
                        ),
                        "points": 5,
                        "hint": texts(
                            "Count from entering the door.",
                            "Считайте от входа.",
                            "Licz od wejścia.",
                            "Рахуйте від входу.",
                        ),
                    },
                    {
                        "key": "phone_use",
                        "kind": "yes_no",
                        "text": texts(
                            "Staff busy on the phone?",
                            "Сотрудник говорил по телефону?",
                            "Pracownik rozmawiał przez telefon?",
                            "Працівник розмовляв телефоном?",
                        ),
                        "good": False,
                        "points": 5,
                        "show_if": {"item": "greeted", "in": [False]},
                    },
                    {
                        "key": "wait",
                        "kind": "timer",
                        "text": texts(
                            "Wait at the till",
                            "Ожидание на кассе",
                            "Czas oczekiwania przy kasie",
                            "Очікування на касі",
                        ),
                        "target": 60,
                        "limit": 300,
                        "points": 10,
                        "na": True,
                    },
                    {
                        "key": "friendly",
                        "kind": "scale",
                        "text": texts(
                            "Friendliness", "Доброжелательность", "Uprzejmość", "Доброзичливість"
                        ),
                        "min": 1,
                        "max": 5,
                        "points": 4,
                        "min_label": texts("Rude", "Грубо", "Niegrzecznie", "Грубо"),
                        "max_label": texts(
                            "Very friendly", "Очень приветливо", "Bardzo uprzejmie", "Дуже привітно"
                        ),
                    },
                ],
            },
            {
                "key": "store",
                "title": texts("Store", "Магазин", "Sklep", "Магазин"),
                "weight": 60,
                "items": [
                    {
                        "key": "clean",
                        "kind": "choice",
                        "text": texts("Cleanliness", "Чистота", "Czystość", "Чистота"),
                        "points": 10,
                        "critical": True,
                        "photo": "on_fail",
                        "options": [
                            {
                                "key": "spotless",
                                "text": texts(
                                    "Spotless", "Безупречно", "Nieskazitelnie", "Бездоганно"
                                ),
                                "points": 10,
                            },
                            {
                                "key": "ok",
                                "text": texts("Acceptable", "Приемлемо", "Znośnie", "Прийнятно"),
                                "points": 6,
                            },
                            {
                                "key": "dirty",
                                "text": texts("Dirty", "Грязно", "Brudno", "Брудно"),
                                "points": 0,
                                "fail": True,
                            },
                        ],
                    },
                    {
                        "key": "offers",
                        "kind": "multi",
                        "text": texts("Offers made", "Предложения", "Złożone oferty", "Пропозиції"),
                        "points": 6,
                        "options": [
                            {
                                "key": "loyalty",
                                "text": texts(
                                    "Loyalty card",
                                    "Карта лояльности",
                                    "Karta lojalnościowa",
                                    "Картка лояльності",
                                ),
                                "points": 3,
                            },
                            {
                                "key": "bag",
                                "text": texts("Bag", "Пакет", "Torba", "Пакет"),
                                "points": 3,
                            },
                        ],
                    },
                    {
                        "key": "queue",
                        "kind": "number",
                        "text": texts(
                            "People in the queue",
                            "Людей в очереди",
                            "Osób w kolejce",
                            "Людей у черзі",
                        ),
                        "unit": texts("people", "чел.", "os.", "осіб"),
                        "target": 2,
                        "limit": 8,
                        "points": 4,
                    },
                    {
                        "key": "recommend",
                        "kind": "nps",
                        "text": texts(
                            "Would you recommend the store?",
                            "Порекомендовали бы магазин?",
                            "Czy poleciłbyś sklep?",
                            "Чи порадили б ви магазин?",
                        ),
                        "points": 10,
                        "min_label": texts(
                            "Not at all", "Ни в коем случае", "Zdecydowanie nie", "У жодному разі"
                        ),
                        "max_label": texts("Certainly", "Непременно", "Na pewno", "Неодмінно"),
                    },
                    {
                        "key": "shelf",
                        "kind": "photo",
                        "text": texts(
                            "Photo of the shelf", "Фото полки", "Zdjęcie półki", "Фото полиці"
                        ),
                        "photo": "required",
                    },
                    {
                        "key": "notes",
                        "kind": "text",
                        "text": texts("Anything else?", "Что-то ещё?", "Coś jeszcze?", "Щось іще?"),
                        "required": False,
                    },
                ],
            },
        ],
    }


def long_template(item_count: int = 200, sections: int = 10) -> dict[str, Any]:
    """A long checklist of yes/no items for the benchmark."""
    per_section = item_count // sections
    return {
        "key": "long",
        "version": 1,
        "channel": "in_store",
        "title": texts("Long", "Длинный"),
        "pass_mark": 80,
        "critical_policy": "zero_total",
        "bands": [{"min": 0, "key": "any"}],
        "sections": [
            {
                "key": f"s{s}",
                "title": texts(f"Section {s}", f"Раздел {s}"),
                "weight": 1,
                "items": [
                    {
                        "key": f"s{s}i{i}",
                        "kind": "yes_no",
                        "text": texts(f"Question {s}.{i}?", f"Вопрос {s}.{i}?"),
                        "points": 1,
                    }
                    for i in range(per_section)
                ],
            }
            for s in range(sections)
        ],
    }


LONG_OUTLET_NAME = (
    "Supermarket Społem Spółdzielnia Spożywców Śródmieście — sklep nr 17 przy "
    "Alejach Jerozolimskich, wejście od podwórza"
)


def sync_payload(
    template: dict[str, Any] | None = None, assignment_count: int = 3
) -> dict[str, Any]:
    """What ``GET /api/v1/sync`` returns, for a store filled without a server."""
    template = template or every_kind_template()
    outlets = [
        {
            "id": 100 + n,
            "code": f"WAW-{n:03d}",
            "name": ["Żabka Mokotów", "Магазин на Арбате", "Sklep Kraków"][n % 3],
            "address": f"ul. Puławska {n + 1}",
            "city": ["Warszawa", "Москва", "Kraków"][n % 3],
            "lat": 52.2,
            "lon": 21.0,
            "timezone": "Europe/Warsaw",
        }
        for n in range(min(assignment_count, 50))
    ]
    assignments = [
        {
            "id": 1 + n,
            "outlet_id": outlets[n % len(outlets)]["id"],
            "template": {"key": template["key"], "version": template["version"]},
            "wave": {"id": 7, "name": "November 2026"},
            "channel": "in_store",
            "due_from": "2026-11-20",
            "due_to": f"2026-11-{21 + n % 9:02d}",
            "scenario": "Buy a bottle of water; ask about the loyalty card.",
            "status": "assigned",
            "return_notes": [],
        }
        for n in range(assignment_count)
    ]
    return {
        "cursor": "c1",
        "assignments": assignments,
        "templates": [template],
        "outlets": outlets,
        "removed_assignment_ids": [],
    }
