"""Fixtures of the report tests: sample data per language and the PDFs built from it once."""

from __future__ import annotations

import pytest

from reports import build_comparison_report, build_outlet_report
from tests.reports.samples import LANGUAGES, comparison_report_data, outlet_report_data


@pytest.fixture(scope="session", params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    language: str = request.param
    return language


@pytest.fixture(scope="session")
def outlet_pdf(lang: str) -> bytes:
    return build_outlet_report(outlet_report_data(lang), lang, invariant=True)


@pytest.fixture(scope="session")
def comparison_pdf(lang: str) -> bytes:
    return build_comparison_report(comparison_report_data(lang, outlets=12), lang, invariant=True)
