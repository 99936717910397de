"""Checks `score` against every hand-computed golden case in tests/fixtures/scoring/."""

from __future__ import annotations

from typing import Any

import pytest

from shared.checklist import Template
from shared.scoring import score
from tests.shared.samples import load_golden_cases

CASES = load_golden_cases()
GOLDEN_KEYS = ("percent", "total", "sections", "band", "passed", "failed", "critical_failures")


def test_there_are_at_least_thirty_cases_each_explained() -> None:
    assert len(CASES) >= 30
    for name, case in CASES:
        assert set(case) == {"why", "template", "answers", "expected"}, name
        assert len(case["why"]) > 20, name


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_golden_case(name: str, case: dict[str, Any]) -> None:
    card = score(Template.from_dict(case["template"]), case["answers"]).to_dict()
    assert case["expected"] == {key: card[key] for key in GOLDEN_KEYS}


@pytest.mark.parametrize(("name", "case"), CASES, ids=[name for name, _ in CASES])
def test_golden_template_round_trips(name: str, case: dict[str, Any]) -> None:
    template = Template.from_dict(case["template"])
    assert template == Template.from_dict(template.to_dict()), name
