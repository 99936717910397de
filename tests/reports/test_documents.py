"""What every Shopscore PDF must be: fonts embedded, no base-14 font, no auditor, stable API."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import typing
from pathlib import Path

import pytest

import reports
from reports import build_outlet_report, model
from tests.reports.pdf import fonts
from tests.reports.samples import outlet_report_data

BASE_14_FAMILIES = ("Helvetica", "Times", "Courier", "Symbol", "ZapfDingbats")


def assert_only_embedded_dejavu(pdf: bytes) -> None:
    listed = fonts(pdf)
    assert [] == [font.name for font in listed if not font.embedded]
    assert [] == [
        font.name for font in listed if any(base in font.name for base in BASE_14_FAMILIES)
    ]
    assert {"DejaVuSans", "DejaVuSans-Bold"} <= {font.name.split("+")[-1] for font in listed}


def test_the_outlet_report_embeds_every_font(outlet_pdf: bytes) -> None:
    assert_only_embedded_dejavu(outlet_pdf)


def test_the_comparison_report_embeds_every_font(comparison_pdf: bytes) -> None:
    assert_only_embedded_dejavu(comparison_pdf)


def _dataclasses_in(hint: object) -> list[type]:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return [hint]
    return [found for argument in typing.get_args(hint) for found in _dataclasses_in(argument)]


def _field_names(cls: type) -> set[str]:
    """The names of every field of `cls` and of the data classes nested in it."""
    hints = typing.get_type_hints(cls, vars(model))
    names = set()
    for field in dataclasses.fields(cls):
        names.add(field.name)
        for nested in _dataclasses_in(hints[field.name]):
            names |= _field_names(nested)
    return names


@pytest.mark.parametrize(
    ("report", "nested_field"),
    [(model.OutletReportData, "thumbnails"), (model.ComparisonReportData, "ci_low")],
)
def test_report_data_cannot_carry_who_made_the_visit(report: type, nested_field: str) -> None:
    names = _field_names(report)
    assert nested_field in names  # the walk reached the nested classes
    assert [] == sorted(
        name
        for name in names
        if any(word in name for word in ("auditor", "shopper", "visitor", "author", "user"))
    )


def test_the_public_api_is_what_all_says() -> None:
    assert [] == [name for name in reports.__all__ if not hasattr(reports, name)]
    assert {"build_outlet_report", "build_comparison_report", "to_svg"} <= set(reports.__all__)


def test_invariant_bytes_do_not_depend_on_the_process() -> None:
    # Another interpreter with another hash seed (set and dict-of-str orders) builds the same.
    script = (
        "import sys; from reports import build_outlet_report;"
        "from tests.reports.samples import outlet_report_data;"
        "pdf = build_outlet_report(outlet_report_data('ru'), 'ru', invariant=True);"
        "sys.stdout.buffer.write(pdf)"
    )
    other = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    assert build_outlet_report(outlet_report_data("ru"), "ru", invariant=True) == other
