"""A template's optional expected visit length (docs/contract.md#templates): read, refused
outside (0, 1440] minutes, and written back only when set."""

# asserts are written as `expected == actual`

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.checklist import MAX_EXPECTED_MINUTES, Template
from shared.errors import TemplateError
from tests.shared.samples import full_template

PROPERTY = settings(max_examples=60, deadline=None, database=None)


def with_minutes(value: Any) -> dict[str, Any]:
    return {**full_template(), "expected_minutes": value}


def test_a_template_without_it_has_none_and_does_not_write_it() -> None:
    template = Template.from_dict(full_template())
    assert template.expected_minutes is None
    assert "expected_minutes" not in template.to_dict()


@PROPERTY
@given(
    st.one_of(
        st.integers(1, MAX_EXPECTED_MINUTES),
        st.floats(min_value=0.01, max_value=MAX_EXPECTED_MINUTES, allow_nan=False),
    )
)
def test_any_length_in_range_is_kept_and_round_trips(minutes: float) -> None:
    template = Template.from_dict(with_minutes(minutes))
    assert minutes == template.expected_minutes
    assert template == Template.from_dict(template.to_dict())
    assert minutes == template.to_dict()["expected_minutes"]


@PROPERTY
@given(
    st.one_of(
        st.floats(max_value=0, allow_nan=False, allow_infinity=False),
        st.integers(max_value=0),
        st.integers(min_value=MAX_EXPECTED_MINUTES + 1),
        st.floats(
            min_value=MAX_EXPECTED_MINUTES, exclude_min=True, allow_nan=False, allow_infinity=False
        ),
    )
)
def test_a_length_out_of_range_is_refused_naming_the_field(minutes: float) -> None:
    with pytest.raises(TemplateError) as refused:
        Template.from_dict(with_minutes(minutes))
    assert "expected_minutes" == refused.value.path


@pytest.mark.parametrize("value", ["20", True, [20], {"minutes": 20}, float("nan")])
def test_a_length_that_is_not_a_number_is_refused(value: Any) -> None:
    with pytest.raises(TemplateError) as refused:
        Template.from_dict(with_minutes(value))
    assert ("expected_minutes", "must be a number") == (refused.value.path, refused.value.reason)


def test_null_means_not_given() -> None:
    assert Template.from_dict(with_minutes(None)).expected_minutes is None
