"""The outlet quality report, read back with pypdf and poppler as a reader would see it."""

from __future__ import annotations

import dataclasses
import io

from babel.dates import format_date
from PIL import Image

from reports import build_outlet_report
from reports.i18n import Formatter
from shared.i18n import translation
from tests.reports.pdf import (
    image_streams,
    outline_titles,
    page_texts,
    reader,
    save_previews,
    squeeze,
)
from tests.reports.samples import AUDITOR_SENTINEL, outlet_report_data, thumbnails


def test_a_manager_reads_in_their_language_how_the_outlet_did_and_what_to_fix(
    outlet_pdf: bytes, lang: str
) -> None:
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    text = " ".join(page_texts(outlet_pdf))
    expected_words = [
        data.outlet.name,  # Polish diacritics: Ż, ó, ł
        data.outlet.address,
        Formatter(lang).score(data.percent),
        format_date(data.visit_date, format="long", locale=lang),
        _("Outlet quality report"),
        _("What went wrong"),
        _("What went right"),
        _("Open corrective actions"),
        _("Critical failure"),
        data.failed_items[0].text,  # Cyrillic in ru and uk
        data.failed_items[1].text,
        data.strengths[0].text,
        data.corrective_actions[0].owner,
        data.sections[0].title,
        data.trend[0].wave,
    ]
    assert [] == [word for word in expected_words if squeeze(word) not in text]


def test_critical_failures_come_first(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    critical = next(item for item in data.failed_items if item.critical)
    first_ordinary = next(item for item in data.failed_items if not item.critical)
    text = " ".join(page_texts(outlet_pdf))
    assert data.failed_items[0] is first_ordinary  # the data lists it first ...
    assert text.index(critical.text) < text.index(first_ordinary.text)  # ... the report not


def test_pages_metadata_and_bookmarks(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    pdf = reader(outlet_pdf)
    assert 2 == len(pdf.pages)
    assert [
        _("Summary"),
        _("Section scores"),
        _("Trend over the waves"),
        _("What went wrong"),
        _("What went right"),
        _("Dispute outcomes"),
        _("Open corrective actions"),
    ] == outline_titles(outlet_pdf)
    assert pdf.metadata is not None
    assert f"{_('Outlet quality report')}: {data.outlet.name} — {data.wave}" == pdf.metadata.title
    assert data.client == pdf.metadata.author
    assert data.outlet.code in (pdf.metadata.subject or "")
    assert lang == str(pdf.root_object["/Lang"])


def test_every_page_says_page_x_of_y(outlet_pdf: bytes, lang: str) -> None:
    label = translation(lang).gettext("Page %(page)s of %(pages)s")
    texts = page_texts(outlet_pdf)
    for number, text in enumerate(texts, start=1):
        assert label % {"page": number, "pages": len(texts)} in text


def test_thumbnails_are_embedded_byte_for_byte_as_dct_streams(outlet_pdf: bytes) -> None:
    streams = image_streams(outlet_pdf)
    assert {("/DCTDecode",)} == {filters for filters, _data in streams}
    assert set(thumbnails()) == {data for _filter, data in streams}


def test_photo_metadata_never_reaches_the_pdf() -> None:
    # A thumbnail that still carries EXIF naming its author (e.g. the auditor's phone owner).
    with Image.open(io.BytesIO(thumbnails()[0])) as image:
        exif = image.getexif()
        exif[0x013B] = AUDITOR_SENTINEL  # Artist
        exif[0x9286] = AUDITOR_SENTINEL  # UserComment
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", exif=exif.tobytes(), comment=AUDITOR_SENTINEL)
    tagged = buffer.getvalue()
    assert AUDITOR_SENTINEL.encode() in tagged
    data = outlet_report_data("en")
    item = dataclasses.replace(data.failed_items[0], thumbnails=(tagged,))
    data = dataclasses.replace(data, failed_items=(item, *data.failed_items[1:]))

    pdf = build_outlet_report(data, "en", invariant=True)

    assert AUDITOR_SENTINEL.encode() not in pdf
    embedded = {stream for _filter, stream in image_streams(pdf)}
    with Image.open(io.BytesIO(tagged)) as original:
        assert [original.tobytes()] == [
            Image.open(io.BytesIO(stream)).tobytes()
            for stream in embedded
            if stream not in thumbnails()
        ]


def test_a_long_failed_items_table_repeats_its_header_on_every_page() -> None:
    data = outlet_report_data("ru", failed_items=50, photos=6)
    header = translation("ru").gettext("Points lost")
    texts = page_texts(build_outlet_report(data, "ru", invariant=True))
    table_pages = [text for text in texts if "#" in text]
    assert len(table_pages) >= 2
    assert [True] * len(table_pages) == [header in text for text in table_pages]
    assert 50 == sum(text.count("#") for text in texts)


def test_invariant_mode_gives_identical_bytes(outlet_pdf: bytes, lang: str) -> None:
    assert outlet_pdf == build_outlet_report(outlet_report_data(lang), lang, invariant=True)


def test_a_report_without_failures_or_trend_still_reads_well() -> None:
    data = dataclasses.replace(
        outlet_report_data("pl"),
        failed_items=(),
        trend=(),
        disputes=(),
        corrective_actions=(),
        percent=96.0,
        band="excellent",
        passed=True,
        previous_percent=None,
    )
    _ = translation("pl").gettext
    text = " ".join(page_texts(build_outlet_report(data, "pl")))
    for expected in (
        _("No item failed on this visit."),
        _("No corrective action is open."),
        _("No score in the previous wave"),
        _("Excellent"),
        _("Passed"),
    ):
        assert expected in text


def test_previews_for_a_person_to_look_at(outlet_pdf: bytes, lang: str) -> None:
    assert 2 == len(save_previews(outlet_pdf, f"outlet-{lang}"))


def test_many_photos_on_one_item_wrap_onto_several_rows() -> None:
    data = outlet_report_data("uk")
    photos = thumbnails() * 2  # ten photos: three rows of four
    item = dataclasses.replace(data.failed_items[0], thumbnails=photos)
    data = dataclasses.replace(data, failed_items=(item,))

    pdf = build_outlet_report(data, "uk", invariant=True)

    assert set(photos) == {stream for _filters, stream in image_streams(pdf)}
    save_previews(pdf, "outlet-ten-photos", pages=2)


def test_an_unscored_visit_shows_no_score_and_no_band() -> None:
    scored = outlet_report_data("en")
    data = dataclasses.replace(scored, percent=None, band=None, trend=(), rank_in_region=None)
    text = " ".join(page_texts(build_outlet_report(data, "en", invariant=True)))
    _ = translation("en").gettext
    assert Formatter("en").score(scored.percent) not in text
    assert _("Poor") not in text
    assert _("No score in the previous wave") in text
