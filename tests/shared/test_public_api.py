"""Keeps the public API of `shared` honest: the names other parts code against exist."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from shared import answers, errors, scoring, validation

REQUIRED = {
    "shared.checklist": {"Template", "Section", "Item", "Option", "Band"},
    "shared.answers": {"Answer"},
    "shared.scoring": {"score", "ScoreCard", "is_visible", "visible_items", "is_answered"},
    "shared.validation": {"validate", "Problem"},
    "shared.lifecycle": {"transition", "dispute_window_open", "corrective_transition"},
    "shared.codec": {"canonical_json"},
    "shared.errors": {"DomainError", "TemplateError", "AnswerError", "TransitionError"},
}


@pytest.mark.parametrize("module_name", sorted(REQUIRED))
def test_all_lists_real_names_including_the_required_ones(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = set(module.__all__)
    assert set() == REQUIRED[module_name] - exported
    assert set() == {name for name in exported if not hasattr(module, name)}


def test_field_names() -> None:
    def names(cls: type) -> list[str]:
        return [field.name for field in dataclasses.fields(cls)]

    assert ["item", "value", "na", "comment", "photos"] == names(answers.Answer)
    assert ["item", "code", "message"] == names(validation.Problem)
    expected = [
        "total",
        "percent",
        "sections",
        "band",
        "passed",
        "failed",
        "critical_failures",
        "earned",
        "possible",
    ]
    assert expected == names(scoring.ScoreCard)


def test_every_error_is_a_domain_error_with_its_own_code() -> None:
    classes = [errors.TemplateError, errors.AnswerError, errors.TransitionError]
    classes.append(errors.WireFormatError)
    assert all(issubclass(cls, errors.DomainError) for cls in classes)
    assert len(classes) == len({cls.code for cls in classes})
