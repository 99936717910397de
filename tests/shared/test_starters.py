"""Tests of the starter templates in shared/starters: each loads, is fully translated, validates
and scores a full set of answers, from the best possible visit to the worst.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from importlib.resources import files
from typing import Any

import pytest

from shared.checklist import Item, Template
from shared.i18n import LANGUAGES, unit_text
from shared.scoring import score
from shared.starters import PACKAGE, STARTERS
from shared.validation import validate

PHOTO = str(uuid.UUID(int=1, version=4))


def read_starter(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(PACKAGE).joinpath(name).read_text("utf-8"))
    return data


@pytest.fixture(params=STARTERS)
def starter(request: pytest.FixtureRequest) -> Template:
    return Template.from_dict(read_starter(request.param))


def every_text(template: Template) -> Iterator[tuple[str, dict[str, str]]]:
    """(where, texts) of every text an auditor or a manager reads in `template`."""
    yield "title", template.title
    for band in template.bands:
        yield f"bands.{band.key}", band.title or {}
    for section in template.sections:
        yield f"{section.key}.title", section.title
        for item in section.items:
            yield f"{item.key}.text", item.text
            if item.hint is not None:
                yield f"{item.key}.hint", item.hint
            if item.unit is not None:  # as shown: the product writes symbols of time itself
                yield f"{item.key}.unit", {lang: unit_text(item, lang) for lang in LANGUAGES}
            for option in item.options:
                yield f"{item.key}.{option.key}", option.text


def best_value(item: Item) -> Any:
    """The answer that earns every point of `item` (any valid value for an unscored one)."""
    if item.kind == "yes_no":
        return item.good
    if item.kind == "scale":
        return item.max
    if item.kind == "choice":
        return max(item.options, key=lambda option: option.points).key
    if item.kind == "multi":
        return [option.key for option in item.options]
    if item.kind in ("number", "timer"):
        return item.target if item.target is not None else 1
    if item.kind == "nps":
        return 10
    if item.kind == "text":
        return "Observed as briefed."
    return None  # a photo item is answered by its photo


def worst_value(item: Item) -> Any:
    """The answer that earns nothing on `item` (and fails it when it is scored)."""
    if item.kind == "yes_no":
        return not item.good
    if item.kind == "scale":
        return item.min
    if item.kind == "choice":
        return min(item.options, key=lambda option: (option.points, not option.fail)).key
    if item.kind == "multi":
        return []
    if item.kind in ("number", "timer"):
        return item.limit if item.limit is not None else 0
    if item.kind == "nps":
        return 0
    return best_value(item)


def full_answers(template: Template, pick: Any) -> list[dict[str, Any]]:
    """An answer, with a photo, to every item that is visible given the earlier answers."""
    values: dict[str, Any] = {}
    answers = []
    for item in template.items():
        if item.show_if is not None:
            source = values.get(item.show_if.item)
            picked = source if isinstance(source, list) else [source]
            if item.show_if.item not in values or not set(picked) & set(item.show_if.values):
                continue
        values[item.key] = pick(item)
        answers.append({"item": item.key, "value": values[item.key], "photos": [PHOTO]})
    return answers


def test_the_package_lists_every_starter_file() -> None:
    on_disk = {entry.name for entry in files(PACKAGE).iterdir() if entry.name.endswith(".json")}
    assert set(STARTERS) == on_disk


def test_starters_cover_the_four_channels_with_keys_named_like_their_files() -> None:
    templates = [Template.from_dict(read_starter(name)) for name in STARTERS]
    assert [name.removesuffix(".json") for name in STARTERS] == [t.key for t in templates]
    assert ["in_store", "phone", "email", "chat"] == [t.channel for t in templates]
    assert {1} == {t.version for t in templates}


def test_every_text_is_in_every_language(starter: Template) -> None:
    missing = [
        f"{where}: {lang}"
        for where, texts in every_text(starter)
        for lang in LANGUAGES
        if not texts.get(lang, "").strip()
    ]
    assert [] == missing


def test_a_starter_reads_back_what_it_writes(starter: Template) -> None:
    assert starter == Template.from_dict(starter.to_dict())


def test_scored_sections_weigh_100_and_bands_are_the_usual_four(starter: Template) -> None:
    assert 100 == sum(section.weight for section in starter.sections)
    assert [90, 75, 60, 0] == [band.min for band in starter.bands]


def test_the_pass_mark_is_where_good_begins_in_every_starter(starter: Template) -> None:
    """A result never reads "Good" and "Not passed" at once, nor "Fair" and "Passed"; and as
    every starter has the same pass mark, neither does a wave result mixing their visits (its
    pass mark is their weighted mean)."""
    good = next(band for band in starter.bands if band.key == "good")
    assert starter.pass_mark == good.min == 75


def test_the_best_visit_validates_and_scores_100(starter: Template) -> None:
    answers = full_answers(starter, best_value)
    assert [] == validate(starter, answers)
    card = score(starter, answers)
    assert Decimal("100.0") == card.percent
    assert "excellent" == card.band
    assert card.passed
    assert () == card.failed


def test_the_worst_visit_validates_fails_and_is_held_down_by_its_critical_items(
    starter: Template,
) -> None:
    answers = full_answers(starter, worst_value)
    assert [] == validate(starter, answers)
    card = score(starter, answers)
    scored = [item.key for item in starter.items() if item.points > 0]
    assert [key for key in scored if key in card.earned] == list(card.failed)
    critical = [key for key in card.failed if starter.item(key).critical]
    assert critical == list(card.critical_failures)
    assert critical, "every starter has critical items"
    assert card.percent is not None
    assert card.percent <= 50
    assert "poor" == card.band
    assert not card.passed


def test_missing_required_answers_are_reported(starter: Template) -> None:
    problems = validate(starter, [])
    required = [item.key for item in starter.items() if item.required and item.show_if is None]
    assert required == [problem.item for problem in problems]


def test_the_store_visit_has_what_a_field_visit_needs() -> None:
    template = Template.from_dict(read_starter("store-visit.json"))
    items = list(template.items())
    assert 30 <= len(items) <= 40
    sections = [section.key for section in template.sections]
    expected = ["exterior", "welcome", "needs_discovery", "product_knowledge", "offer"]
    expected += ["checkout", "farewell", "cleanliness"]
    assert expected == [key for key in sections if key in expected]
    kinds = {item.kind for item in items}
    assert {"yes_no", "scale", "choice", "multi", "timer", "nps", "text", "photo"} <= kinds
    # timers count seconds, named in the reader's language by the product
    assert any(item.kind == "timer" and item.unit is None and item.points for item in items)
    assert any(item.critical for item in items)
    assert any(item.photo == "required" for item in items)
    assert any(item.show_if is not None for item in items)
    assert sum(item.hint is not None for item in items) >= 8


def test_one_critical_failure_in_an_otherwise_perfect_visit(starter: Template) -> None:
    critical = next(item for item in starter.items() if item.critical)

    def pick(item: Item) -> Any:
        return worst_value(item) if item is critical else best_value(item)

    answers = full_answers(starter, pick)
    assert [] == validate(starter, answers)
    card = score(starter, answers)
    assert (critical.key,) == card.critical_failures
    assert card.percent is not None
    assert not card.passed
    if starter.critical_policy == "cap":
        assert starter.critical_cap is not None
        assert card.percent <= starter.critical_cap
    elif starter.critical_policy == "zero_section":
        assert 0 == card.sections[starter.section_of(critical.key).key]
    else:
        assert 0 == card.percent


def test_without_photos_only_the_photo_items_complain(starter: Template) -> None:
    answers = [{**answer, "photos": []} for answer in full_answers(starter, best_value)]
    needs_photo = [
        item.key
        for item in starter.items()
        if item.photo == "required" or (item.kind == "photo" and item.required)
    ]
    expected = [(key, "photo_required") for key in needs_photo]
    assert expected == [(problem.item, problem.code) for problem in validate(starter, answers)]
