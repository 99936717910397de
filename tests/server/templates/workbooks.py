"""Workbooks for the tests, built with openpyxl: one written for Shopscore, one written for ODK
(repeat groups, calculations, external data...), and a builder for any other."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

Rows = list[list[Any]]


def workbook(sheets: dict[str, Rows]) -> bytes:
    """An .xlsx with one sheet per entry, each a list of rows (the first is the header)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


SETTINGS: Rows = [
    ["form_id", "version", "channel", "title::en", "title::pl", "pass_mark",
     "critical_policy", "critical_cap"],
    ["deli-visit", 1, "in_store", "Deli counter visit", "Wizyta przy ladzie", 75, "cap", 40],
]  # fmt: skip

SURVEY: Rows = [
    ["type", "name", "label::en", "label::ru", "label::pl", "hint::en", "required", "relevant",
     "points", "critical", "na", "photo", "min", "max", "unit", "target", "limit", "weight"],
    ["begin group", "counter", "At the counter", "У прилавка", "Przy ladzie", None, None, None,
     None, None, None, None, None, None, None, None, None, 3],
    ["yes_no", "greeted", "Were you greeted?", "Вас поприветствовали?", "Czy przywitano?",
     "Within 30 s", "yes", None, 5, "yes", None, "on_fail"],
    ["timer", "wait", "Waiting time", None, None, None, "yes", "${greeted} = 'yes'", 10, None,
     None, None, None, None, "s", 60, 300],
    ["select_one manner", "manner", "How?", None, None, None, "yes",
     "${greeted} = 'yes' or ${greeted} = 'no'", 5],
    ["select_multiple extras", "extras", "Offered", None, None, None, "no", None, 4],
    ["text", "why", "What went wrong?", None, None, None, "no",
     "selected(${extras}, 'none') or selected(${extras}, 'loyalty')"],
    ["end group"],
    ["begin group", "notes", "Notes", None, None, None, None, None, None, None, None, None, None,
     None, None, None, None, 0],
    ["scale", "clean", "Clean?", None, None, None, "yes", None, 5, None, "yes", None, 1, 5],
    ["integer", "staff", "Staff on the floor", None, None, None, "no",
     "${clean} = 4 or ${clean} = 5"],
    ["nps", "recommend", "Recommend?", None, None, None, "yes", None, 2],
    ["image", "front", "Shop front", None, None, None, "yes", None, None, None, None, "required"],
    ["end group"],
]  # fmt: skip

CHOICES: Rows = [
    ["list_name", "name", "label::en", "label::ru", "points", "fail"],
    ["manner", "warm", "Warmly", "Радушно", 5],
    ["manner", "cold", "Coldly", "Холодно", 0, "yes"],
    ["extras", "loyalty", "Loyalty card", None, 2],
    ["extras", "warranty", "Warranty", None, 2],
    ["extras", "none", "Nothing", None, 0],
]  # fmt: skip

BANDS: Rows = [
    ["name", "min", "label::en", "label::pl"],
    ["good", 80, "Good", "Dobrze"],
    ["poor", 0, "Poor", "Słabo"],
]


def shopscore_workbook(**replace: Rows) -> bytes:
    """A deli-counter checklist written for Shopscore (sheets replaced by keyword)."""
    sheets = {"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS, "bands": BANDS}
    return workbook({**sheets, **replace})


ODK_SURVEY: Rows = [
    ["type", "name", "label::English (en)", "label::Polski (pl)", "required", "relevant",
     "constraint", "calculation", "appearance"],
    ["start", "start"],
    ["deviceid", "device"],
    ["select_one yes_no", "consent", "Do you agree?", "Czy się zgadzasz?", "yes"],
    ["begin group", "visit", "The visit", None, None, "${consent} = 'yes'"],
    ["integer", "staff", "How many staff?", None, "yes", None, ". >= 0 and . < 50"],
    ["select_one_from_file stores.csv", "store", "Which store?"],
    ["text", "store_name", "Store name", None, None, None, None, None, "search('stores')"],
    ["begin repeat", "staff_member", "Each member of staff"],
    ["text", "staff_name", "Name"],
    ["integer", "staff_age", "Age"],
    ["end repeat"],
    ["calculate", "total", None, None, None, None, None,
     "pulldata('prices', 'total', 'id', ${store})"],
    ["note", "show_total", "Total: ${total}"],
    ["select_one yes_no", "clean", "Was it clean?", "Czy było czysto?", "yes"],
    ["text", "dirty_where", "Where was it dirty?", None, "no", "${clean} = 'no'"],
    ["text", "older_staff", "About the older staff", None, "no",
     "${staff} > 3 and ${clean} = 'yes'"],
    ["end group"],
    ["geopoint", "location", "Where are you?"],
]  # fmt: skip

ODK_CHOICES: Rows = [
    ["list_name", "name", "label::English (en)", "label::Polski (pl)"],
    ["yes_no", "yes", "Yes", "Tak"],
    ["yes_no", "no", "No", "Nie"],
]

ODK_SETTINGS: Rows = [
    ["form_title", "form_id", "version", "instance_name"],
    ["Store check (ODK)", "store_check", "2024011501", "concat(${store}, '-', ${start})"],
]


def odk_workbook() -> bytes:
    """A store check written for ODK Collect, using much a checklist cannot express."""
    return workbook(
        {
            "survey": ODK_SURVEY,
            "choices": ODK_CHOICES,
            "settings": ODK_SETTINGS,
            "external_choices": [["list_name", "name", "label"], ["stores", "s1", "Store 1"]],
        }
    )
