"""Drawing one audit's answers from any checklist, as a shopper at an outlet of some quality.

Each scored item passes with a probability set by the outlet's quality (a number between 0
and 1 that stays with the outlet, so leaders and laggards show) and by how hard the item is:
cross-selling and summarising needs fail in most outlets, critical items (a wrong price, no
receipt) only in the weak ones. Failed items get the shopper's comment and, where the checklist
asks for one or a camera would catch it, a photo from the demo's scenes. Visibility rules
(`show_if`) are followed, so the answers pass `shared.validation` like a phone's would.
"""

from __future__ import annotations

import dataclasses
import random
import zlib
from collections.abc import Collection, Mapping
from typing import Any, Final

from server.demo import photos as scenes
from server.demo import texts
from shared.answers import Answer
from shared.checklist import Item, Template
from shared.scoring import earned_points, index_answers, is_visible

# How much harder (negative) or easier than average each item is to pass.
ITEM_DIFFICULTY: Final[Mapping[str, float]] = {
    "additional_offers": -0.45,
    "needs_summarised": -0.35,
    "asked_for_sale": -0.3,
    "alternatives": -0.25,
    "open_questions": -0.2,
    "questions_asked": -0.15,
    "objection_handling": -0.2,
    "greeting_name": -0.2,
    "used_name": -0.3,
    "anything_else": -0.25,
    "next_steps": -0.15,
    "acknowledgement": -0.2,
    "signature": -0.1,
    "response_hours": -0.2,
    "recommend": -0.1,
    "window_display": -0.15,
    "greeting_wait": -0.1,
    "queue_wait": -0.1,
    "entrance_clear": 0.08,
    "opening_hours": 0.1,
    "card_payment": 0.12,
}
# Critical failures are rare: a critical item fails this much less often than its base rate.
CRITICAL_FAILURE_SHARE: Final = 0.35
NA_SHARE: Final = 0.12

# The scene that shows an item, when it passes and when it fails (None: no photo then).
ITEM_SCENES: Final[Mapping[str, tuple[str | None, str | None]]] = {
    "shop_front_photo": (scenes.SHOP_FRONT, scenes.SHOP_FRONT),
    "signage": (None, scenes.SIGN_DAMAGED),
    "price_tags": (scenes.SHELF_PRICED, scenes.SHELF_UNPRICED),
    "price_charged": (None, scenes.RECEIPT),
    "shelves_stocked": (None, scenes.SHELF_EMPTY),
    "floor_clean": (None, scenes.FLOOR_SPILL),
    "entrance_clear": (None, scenes.ENTRANCE_BLOCKED),
    "queue_wait": (None, scenes.CHECKOUT_QUEUE),
    "window_display": (scenes.WINDOW_DISPLAY, None),
    "reply_screenshot": (scenes.EMAIL_REPLY, scenes.EMAIL_REPLY),
    "chat_screenshot": (scenes.CHAT_WINDOW, scenes.CHAT_WINDOW),
}
# Photos a shopper takes only sometimes (the checklist does not insist).
OPTIONAL_PHOTO_SHARE: Final = 0.3


@dataclasses.dataclass(frozen=True, slots=True)
class PhotoShot:
    """A photo the audit references: its item, scene and place in the visit (0..1)."""

    item: str
    scene: str
    moment: float


@dataclasses.dataclass(slots=True)
class DrawnAudit:
    """Answers in wire form (`item`, `value`, `na`, `comment`; photos added later) and shots."""

    answers: list[dict[str, Any]]
    shots: list[PhotoShot]


def item_bias(item_key: str) -> float:
    """The item's difficulty: listed ones as given, others a small stable offset."""
    if item_key in ITEM_DIFFICULTY:
        return ITEM_DIFFICULTY[item_key]
    return (zlib.crc32(item_key.encode()) % 1000) / 1000 * 0.12 - 0.04


def pass_chance(item: Item, quality: float) -> float:
    chance = min(0.995, max(0.03, quality + item_bias(item.key)))
    if item.critical:
        chance = 1 - (1 - chance) * CRITICAL_FAILURE_SHARE
    return chance


def passes(item: Item, value: Any) -> bool:
    """Whether `value` earns the item's full points without a failing option."""
    earned, failing = earned_points(item, tuple(value) if isinstance(value, list) else value)
    return earned >= item.points and not failing


def _timed_value(item: Item, passed: bool, rng: random.Random) -> float | int:
    assert item.target is not None
    assert item.limit is not None
    target, limit = float(item.target), float(item.limit)
    lower_is_better = target <= limit
    if passed:
        value = (
            rng.uniform(target * 0.3, target)
            if lower_is_better
            else rng.uniform(target, target * 1.5)
        )
    else:
        value = (
            rng.uniform(target * 1.05, limit * 1.3)
            if lower_is_better
            else rng.uniform(0, target * 0.95)
        )
    if item.kind == "timer" or item.whole or (item.unit or {}).get("en") == "min":
        rounded = round(value)
        # An integer at the target still passes; make sure a failure really fails.
        return rounded if passed or rounded != target else rounded + 1
    return round(value, 1)


def _option_value(item: Item, passed: bool, rng: random.Random) -> Any:
    if item.kind == "choice":
        best = max(item.options, key=lambda option: (not option.fail, option.points))
        if passed or not item.scored:
            return best.key if item.scored else rng.choice(item.options).key
        others = [option for option in item.options if option.key != best.key]
        # Partial credit is a likelier failure than an outright failing option.
        weights = [1 if option.fail else 3 for option in others]
        return rng.choices(others, weights)[0].key
    keys = [option.key for option in item.options]
    if passed:
        enough, picked = 0.0, []
        for option in rng.sample(item.options, len(item.options)):
            picked.append(option.key)
            enough += float(option.points)
            if enough >= float(item.points):
                break
        return sorted(picked, key=keys.index)
    return sorted(rng.sample(keys, rng.choice((0, 0, 1, 1, 2))), key=keys.index)


def _value(item: Item, passed: bool, quality: float, rng: random.Random) -> Any:
    if item.kind == "yes_no":
        if not item.scored:
            return rng.random() < 0.35
        return item.good if passed else not item.good
    if item.kind == "scale":
        assert item.min is not None
        assert item.max is not None
        if passed:
            return item.max
        low, high = int(item.min), int(item.max)
        return rng.choice([value for value in range(low, high) for _ in range(value - low + 1)])
    if item.kind in ("number", "timer"):
        return _timed_value(item, passed, rng)
    if item.kind in ("choice", "multi"):
        return _option_value(item, passed, rng)
    if item.kind == "nps":
        if passed:
            return 10
        return rng.choice((9, 9, 8, 8, 7, 6) if rng.random() < quality else (6, 5, 4, 3, 0))
    raise ValueError(f"no value for an item of kind {item.kind}")


def _text(item: Item, language: str, quality: float, rng: random.Random) -> str | None:
    if item.key in ("staff_description",):
        return rng.choice(texts.STAFF[language]) if rng.random() < 0.6 else None
    if item.key == "agent_name":
        return rng.choice(texts.AGENTS[language]) or None
    verdict = texts.STORY_GOOD if quality >= 0.8 else texts.STORY_POOR
    return f"{rng.choice(texts.STORY_OPENINGS[language])} {rng.choice(verdict[language])}"


def draw_audit(
    template: Template,
    quality: float,
    language: str,
    rng: random.Random,
    must_fail: Collection[str] = (),
) -> DrawnAudit:
    """One visit's answers at an outlet of `quality`; items in `must_fail` fail if shown."""
    answers: list[dict[str, Any]] = []
    shots: list[PhotoShot] = []
    given: dict[str, Answer] = {}  # the answers so far, read once each, for visibility
    items = list(template.items())
    for position, item in enumerate(items):
        if not is_visible(template, given, item.key):
            continue
        moment = (position + 1) / (len(items) + 1)
        answer: dict[str, Any] = {"item": item.key, "value": None, "na": False, "comment": ""}
        passed = True
        if item.kind == "photo":
            if not item.required and rng.random() >= OPTIONAL_PHOTO_SHARE:
                continue
        elif item.kind == "text":
            text = _text(item, language, quality, rng)
            if text is None and not item.required:
                continue
            answer["value"] = text or ""
        elif item.na and rng.random() < NA_SHARE:
            answer["na"] = True
        else:
            passed = item.key not in must_fail and (
                not item.scored or rng.random() < pass_chance(item, quality)
            )
            answer["value"] = _value(item, passed, quality, rng)
            passed = not item.scored or passes(item, answer["value"])
        if not passed:
            # "It was not done" fits a yes/no item; a low score or an option speaks for itself.
            generic = texts.GENERIC_FAILURE[language] if item.kind == "yes_no" else ()
            bank = texts.FAILURE_COMMENTS[language].get(item.key) or generic
            if bank and (item.critical or rng.random() < 0.85):
                answer["comment"] = rng.choice(bank)
        elif item.scored and rng.random() < 0.05:
            answer["comment"] = rng.choice(texts.PRAISE[language])
        needs_photo = item.kind == "photo" or item.photo == "required"
        needs_photo = needs_photo or (item.photo == "on_fail" and not passed)
        scene = ITEM_SCENES.get(item.key, (None, None))[0 if passed else 1]
        if scene is None and needs_photo:
            scene = scenes.SHOP_FRONT
        if scene is not None and (needs_photo or rng.random() < OPTIONAL_PHOTO_SHARE):
            shots.append(PhotoShot(item.key, scene, moment))
        answers.append(answer)
        given.update(index_answers([answer]))
    return DrawnAudit(answers=answers, shots=shots)
