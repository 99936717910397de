"""The report endpoints over HTTP on both engines: content, language, scope and anonymity.

Every PDF is read back with pypdf; the seeded figures come from the scores the server returned
when the audits were PUT (`Visit.percent`), not from the code under test.
"""

# asserts are written as `expected == actual`

from __future__ import annotations

import io

from pypdf import PdfReader

from tests.reports.pdf import fonts, page_texts, save_previews
from tests.server.api import Api
from tests.server.reporting.seed import (
    COMMENT_RU,
    OUTLET_NAME_RU,
    UNRELEASED_COMMENT,
    ReportWorld,
)
from tests.server.workflow.helpers import SENTINEL_EMAIL, SENTINEL_NAME


def pdf_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def decimal_comma(percent: float) -> str:
    return f"{percent:.1f}".replace(".", ",")


def assert_fonts_embedded(pdf: bytes) -> None:
    assert [] == [font.name for font in fonts(pdf) if not font.embedded]


def assert_anonymous(pdf: bytes) -> None:
    """Neither the auditor's name nor e-mail, in the raw bytes or in any decoded stream."""
    for sentinel in (SENTINEL_NAME, SENTINEL_EMAIL, SENTINEL_NAME.split()[-1]):
        assert sentinel.encode() not in pdf
        assert sentinel not in pdf_text(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    assert SENTINEL_NAME not in str(reader.metadata)


async def get_pdf(api: Api, url: str, headers: dict[str, str]) -> bytes:
    response = await api.client.get(url, headers=headers)
    assert 200 == response.status_code, response.text
    assert "application/pdf" == response.headers["content-type"]
    assert "private, no-store" == response.headers["cache-control"]
    return response.content


async def test_outlet_report_in_russian_shows_the_visit(
    reader: Api, programme: ReportWorld
) -> None:
    visit = programme.visit("own", "a2")
    pdf = await get_pdf(
        reader,
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf"
        f"?wave={programme.ids['wave_a2']}&lang=ru",
        programme.headers["head_office"],
    )
    text = pdf_text(pdf)
    assert OUTLET_NAME_RU in text
    assert "Q1 a, second" in text
    assert decimal_comma(visit.percent) in text
    assert "Поздоровались?" in text  # the failed item, in the template's Russian text
    assert COMMENT_RU in text
    assert "Отчёт" in text  # the report's own labels come from the Russian catalogue
    assert UNRELEASED_COMMENT not in text
    assert_anonymous(pdf)
    assert_fonts_embedded(pdf)
    save_previews(pdf, "served-outlet-report-ru", pages=1)


async def test_outlet_report_embeds_the_stored_thumbnail_as_it_is(
    reader: Api, programme: ReportWorld
) -> None:
    response = await reader.client.get(
        f"/api/v1/photos/{programme.photo_uuid}/thumbnail", headers=programme.headers["admin"]
    )
    assert 200 == response.status_code
    pdf = await get_pdf(
        reader,
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf?lang=en",
        programme.headers["outlet_manager"],
    )
    assert response.content in pdf
    assert_anonymous(pdf)


async def test_outlet_manager_gets_only_their_outlets(reader: Api, programme: ReportWorld) -> None:
    manager = programme.headers["outlet_manager"]
    own = await reader.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf", headers=manager
    )
    assert 200 == own.status_code
    for outlet in ("outlet_other_outlet", "outlet_other_region", "outlet_other_client"):
        response = await reader.client.get(
            f"/api/v1/outlets/{programme.ids[outlet]}/report.pdf", headers=manager
        )
        assert 404 == response.status_code, outlet
        assert "application/problem+json" == response.headers["content-type"]


async def test_auditor_gets_no_report(reader: Api, programme: ReportWorld) -> None:
    auditor = programme.headers["auditor"]
    outlet = await reader.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf", headers=auditor
    )
    comparison = await reader.client.get(
        f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf", headers=auditor
    )
    assert (403, 403) == (outlet.status_code, comparison.status_code)


async def test_a_wave_with_nothing_released_has_no_report(
    reader: Api, programme: ReportWorld
) -> None:
    admin = programme.headers["admin"]
    outlet = await reader.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_other_client']}/report.pdf", headers=admin
    )
    comparison = await reader.client.get(
        f"/api/v1/waves/{programme.ids['wave_b']}/comparison.pdf", headers=admin
    )
    assert (404, 404) == (outlet.status_code, comparison.status_code)


async def test_unknown_language_is_refused(reader: Api, programme: ReportWorld) -> None:
    response = await reader.client.get(
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf?lang=de",
        headers=programme.headers["head_office"],
    )
    assert 400 == response.status_code


async def test_comparison_report_for_head_office(reader: Api, programme: ReportWorld) -> None:
    pdf = await get_pdf(
        reader,
        f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf?lang=ru",
        programme.headers["head_office"],
    )
    text = pdf_text(pdf)
    for outlet in ("own", "other_outlet", "other_region"):
        assert outlet.upper() in text
        assert decimal_comma(programme.visit(outlet, "a2").percent) in text
    assert "OTHER_CLIENT" not in text
    assert "Client a" in text
    assert "Приветствие" in text  # section titles in the template's Russian
    assert UNRELEASED_COMMENT not in text
    assert_anonymous(pdf)
    assert_fonts_embedded(pdf)
    save_previews(pdf, "served-comparison-report-ru", pages=1)


async def test_comparison_report_of_a_regional_manager_covers_their_region(
    reader: Api, programme: ReportWorld
) -> None:
    pdf = await get_pdf(
        reader,
        f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf?lang=en",
        programme.headers["regional_manager"],
    )
    text = pdf_text(pdf)
    assert "OTHER_OUTLET" in text
    assert "OTHER_REGION" not in text
    other_region = await reader.client.get(
        f"/api/v1/waves/{programme.ids['wave_a2']}/comparison.pdf"
        f"?region={programme.ids['region_south']}",
        headers=programme.headers["regional_manager"],
    )
    assert 404 == other_region.status_code


async def test_unreleased_visit_counts_nowhere(reader: Api, programme: ReportWorld) -> None:
    """The own outlet has two audits in wave a2, one never released: one visit is shown."""
    released = programme.visit("own", "a2")
    pdf = await get_pdf(
        reader,
        f"/api/v1/outlets/{programme.ids['outlet_own']}/report.pdf?wave={programme.ids['wave_a2']}",
        programme.headers["admin"],
    )
    text = pdf_text(pdf)
    assert UNRELEASED_COMMENT not in text
    assert f"{released.percent:.1f}" in text
    assert "1 visit: 1 phone" in text
    # The unreleased visit failed the critical item: no capped visit, nothing to fix about it.
    fix_first = text[text.index("Fix these first") : text.index("What went well")]
    assert "Emergency exit clear?" not in fix_first
    assert "because it failed a critical item" not in text
