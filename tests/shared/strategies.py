"""Hypothesis strategies for the tests of `shared/`: random templates that use every feature,
and answers to them, both as JSON.

The templates have every item kind, `show_if` on every kind of source, weight-0 sections,
decimal points such as 0.1, every critical policy, and bands and pass marks with decimals.
The answers are N/A, null or valid values, and with `bad` also values that cannot be scored,
repeated answers and answers to items the template lacks.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from shared.checklist import KINDS
from tests.shared.samples import PHOTO

Audit = tuple[dict[str, Any], list[dict[str, Any]]]

POINTS = [1, 2, 5, 10, 0.1, 0.25, 1.5, 0.3, 7, 2**60, float(2**60)]
WEIGHTS = [0, 1, 2, 3, 0.5, 0.1, 1.0]
NUMBERS = [0, 1, 5, 10, -3, 0.1, 0.5, 2.5, 7.5, 60, 1e-7, 150, 1e15]
CAPS = [0, 50, 62.5, 99.95, 100]
PASS_MARKS = [None, 0, 50, 80, 87.3, 66.65, 100]
BAND_MINS = [95, 87.25, 80, 66.65, 60.5, 50, 33.3, 0.05]
# Values no item of some kind can score: wrong kinds, out of range, unknown options.
BAD_VALUES = [1, 0, "yes", 1.5, -1, 11, 1e9, "o0", "ghost", ["o0", "ghost"], ["ghost"], True]


def _options(draw: st.DrawFn, points: float) -> list[dict[str, Any]]:
    worth = [0, points, points / 2, *(value for value in (0.1, 1) if value <= points)]
    return [
        {
            "key": f"o{index}",
            "text": {"en": f"option {index}"},
            "points": draw(st.sampled_from(worth)),
            "fail": draw(st.booleans()),
        }
        for index in range(draw(st.integers(1, 4)))
    ]


def _show_if(draw: st.DrawFn, source: dict[str, Any]) -> dict[str, Any]:
    kind = source["kind"]
    if kind == "yes_no":
        values: list[Any] = draw(st.lists(st.booleans(), min_size=1, max_size=2))
    elif kind in ("choice", "multi"):
        keys = [option["key"] for option in source["options"]]
        values = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3))
    else:
        values = draw(st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3))
    return {"item": source["key"], "in": values}


def _item(draw: st.DrawFn, key: str, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    kind = draw(st.sampled_from(KINDS))
    scorable = kind not in ("text", "photo")
    points = draw(st.sampled_from(POINTS)) if scorable and draw(st.integers(0, 4)) else 0
    item: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "text": {"en": key},
        "points": points,
        "critical": points > 0 and draw(st.integers(0, 3)) == 0,
        "na": draw(st.booleans()),
        "required": draw(st.booleans()),
        "photo": draw(
            st.sampled_from(["none", "optional", "required", "on_fail"][: 4 if points else 3])
        ),
    }
    if kind == "yes_no":
        item["good"] = draw(st.booleans())
    elif kind == "scale":
        low = draw(st.sampled_from([-5, 0, 1, 0.5, 2.5]))
        item.update(min=low, max=low + draw(st.sampled_from([1, 2, 4, 0.5, 10])))
    elif kind in ("choice", "multi"):
        item["options"] = _options(draw, points)
    elif kind in ("number", "timer"):
        targets = [value for value in NUMBERS if kind == "number" or value >= 0]
        if points or draw(st.booleans()):
            target = draw(st.sampled_from(targets))
            limit = draw(st.sampled_from(targets).filter(lambda value: value != target))
            item.update(target=target, limit=limit)
        unit = draw(st.sampled_from([None, "s", {"en": "rings", "ru": "гудков", "pl": "sygnałów"}]))
        if kind == "number" and draw(st.integers(0, 3)) == 0:
            item["whole"] = True  # a count
        if unit is not None:
            item["unit"] = unit
    sources = [source for source in earlier if source["kind"] not in ("text", "photo")]
    if sources and draw(st.integers(0, 2)) == 0:
        item["show_if"] = _show_if(draw, draw(st.sampled_from(sources)))
    return item


def valid_value(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    """A value `item` can be scored with (as JSON)."""
    kind = item["kind"]
    if kind == "yes_no":
        return draw(st.booleans())
    if kind == "scale":
        low, high = Fraction(repr(item["min"])), Fraction(repr(item["max"]))
        value = low + Fraction(draw(st.integers(0, 20)), 20) * (high - low)
        return int(value) if value.denominator == 1 else float(value)
    if kind == "choice":
        return draw(st.sampled_from([option["key"] for option in item["options"]]))
    if kind == "multi":
        keys = [option["key"] for option in item["options"]]
        return draw(st.lists(st.sampled_from(keys), max_size=4))  # repeats count once
    if kind == "nps":
        return draw(st.integers(0, 10) | st.sampled_from([0.5, 7.5, 10.0]))
    if kind == "number" and item.get("whole"):
        return draw(st.integers(-200, 400) | st.sampled_from([3.0, -2.0]))  # a count
    if kind in ("number", "timer"):
        return draw(st.sampled_from(NUMBERS) | st.integers(-200, 400) | st.floats(-1e3, 1e3))
    if kind == "text":
        return draw(st.text(max_size=3))
    return None  # photo


def _edge_value(draw: st.DrawFn, item: dict[str, Any]) -> Any:
    """A number just inside or outside what the item takes (its range, target or limit)."""
    bounds = [item.get(name) for name in ("min", "max", "target", "limit")]
    bound = draw(st.sampled_from([value for value in bounds if value is not None] or [0, 10]))
    nudge = draw(st.sampled_from([-1, -0.25, -0.1, 0, 0.1, 0.25, 1, -1e-9]))
    return float(Fraction(repr(bound)) + Fraction(repr(nudge)))


def _answer(draw: st.DrawFn, item: dict[str, Any], bad: bool) -> list[dict[str, Any]]:
    how = draw(st.sampled_from(["missing", "na", "null", *["value"] * 5, "bad"]))
    answer: dict[str, Any] = {"item": item["key"]}
    if how == "missing":
        return []
    if how == "na":
        answer.update(value=None, na=True)
    elif how == "null":
        answer["value"] = None
    elif how == "bad" and bad:
        answer["value"] = (
            draw(st.sampled_from(BAD_VALUES)) if draw(st.booleans()) else _edge_value(draw, item)
        )
    else:
        answer["value"] = valid_value(draw, item)
    if draw(st.integers(0, 3)) == 0:
        answer["photos"] = [PHOTO]
    return [answer]


@st.composite
def audits(draw: st.DrawFn, bad: bool | None = False) -> Audit:
    """A template using every feature and answers to it, both as JSON, answers in any order.

    With `bad` False every answer can be scored; True adds values that cannot be, a repeated
    answer or one to an unknown item; None does either.
    """
    if bad is None:
        bad = draw(st.booleans())
    items: list[dict[str, Any]] = []
    sections = []
    for section_index in range(draw(st.integers(1, 4))):
        section_items = []
        for _ in range(draw(st.integers(1, 5))):
            item = _item(draw, f"i{len(items)}", items)
            items.append(item)
            section_items.append(item)
        sections.append(
            {
                "key": f"s{section_index}",
                "title": {"en": f"Section {section_index}"},
                "weight": draw(st.sampled_from(WEIGHTS)),
                "items": section_items,
            }
        )
    band_mins = draw(st.lists(st.sampled_from(BAND_MINS), unique=True, max_size=3))
    bands = [{"min": low, "key": f"b{low}"} for low in sorted(band_mins, reverse=True)]
    policy = draw(
        st.sampled_from(["zero_total", "zero_section"])
        | st.sampled_from(CAPS).map(lambda cap: {"cap": cap})
    )
    template: dict[str, Any] = {
        "key": "random",
        "version": 1,
        "channel": "web",
        "title": {"en": "Random"},
        "critical_policy": policy,
        "bands": [*bands, {"min": 0, "key": "floor"}] if draw(st.booleans()) else [],
        "sections": sections,
    }
    pass_mark = draw(st.sampled_from(PASS_MARKS))
    if pass_mark is not None:
        template["pass_mark"] = pass_mark
    answers = [answer for item in items for answer in _answer(draw, item, bad)]
    if bad and draw(st.booleans()):  # an answer twice, or to an item the template lacks
        answers.append(draw(st.sampled_from([*answers, {"item": "ghost", "value": 1}])))
    return template, draw(st.permutations(answers))
