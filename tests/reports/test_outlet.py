"""The outlet quality report, read back with pypdf and poppler as a reader would see it."""

from __future__ import annotations

import dataclasses
import io
import re

from babel.dates import format_date
from PIL import Image

from reports import FailedItem, OutletReportData, Standing, build_outlet_report
from reports.i18n import Formatter
from reports.labels import DISPUTE_DECISIONS, label
from shared.i18n import translation
from tests.reports.pdf import (
    beyond_the_margins,
    cut_short,
    image_streams,
    mostly_empty_pages,
    outline_titles,
    page_texts,
    reader,
    save_previews,
    squeeze,
)
from tests.reports.samples import AUDITOR_SENTINEL, outlet_report_data, thumbnails


def test_page_one_says_how_the_outlet_did_and_what_to_fix_in_the_managers_language(
    outlet_pdf: bytes, lang: str
) -> None:
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    first = page_texts(outlet_pdf)[0]
    expected_words = [
        data.outlet.name,  # Polish diacritics: Ż, ó, ł
        data.outlet.address,
        formatter.score(data.result.percent),
        _("Pass mark: %(mark)s") % {"mark": formatter.score(data.result.pass_mark)},
        # How sure the result is, beside its pass or fail.
        _("95%% interval: %(low)s – %(high)s")
        % {"low": formatter.score(58.9), "high": formatter.score(86.1)},
        _("Fair"),
        _("Not passed"),
        formatter.change(data.result.change),
        _("Change against %(wave)s") % {"wave": data.result.previous_wave},
        _("Within chance: with these visits this change cannot be told from no change."),
        _("In the top third of the network."),
        translation(lang).ngettext(
            "Not clearly different from the %(count)d outlet around it.",
            "Not clearly different from the %(count)d outlets around it.",
            10,
        )
        % {"count": 10},
        _("This wave's visits"),
        _("Date"),
        _("Channel"),
        _("Score"),
        _("Critical failure"),
        _("Dispute"),
        _("Under dispute"),
        format_date(data.visits[0].day, format="long", locale=lang),
        _("Fix these first"),
        data.fix_first[0].text,  # Cyrillic in ru and uk
        _("Critical item"),
        _("What went well"),
        data.strengths[0].text,
    ]
    assert [] == [word for word in expected_words if squeeze(word) not in first]


def test_a_change_beyond_chance_says_so_and_one_that_cannot_be_judged_says_nothing() -> None:
    data = outlet_report_data("ru")
    words = translation("ru").gettext
    within = words("Within chance: with these visits this change cannot be told from no change.")
    beyond = words(
        "More than chance: more than what the two waves' visits alone could move the result."
    )
    for moved, said in ((True, [beyond]), (None, [])):
        result = dataclasses.replace(data.result, change_beyond_chance=moved)
        first = page_texts(
            build_outlet_report(dataclasses.replace(data, result=result), "ru", invariant=True)
        )[0]
        assert said == [words for words in (within, beyond) if squeeze(words) in first]


def test_an_item_passed_by_no_says_so_beside_its_tick(lang: str) -> None:
    """ "Staff were busy with private matters" passed on every visit is said with the answer
    that passed it, never as a bare statement under "What went well"."""
    data = outlet_report_data(lang)
    words = translation(lang).gettext
    negative = dataclasses.replace(
        data.strengths[0], text="Staff were busy with private matters", passed_by_no=True
    )
    pdf = build_outlet_report(
        dataclasses.replace(data, strengths=(negative, *data.strengths[1:])), lang, invariant=True
    )
    said = words("%(item)s: %(answer)s") % {"item": negative.text, "answer": words("No")}
    text = squeeze(" ".join(page_texts(pdf)))
    assert squeeze(said) in text
    # an item passed by Yes is its text alone
    assert squeeze(data.strengths[1].text) in text
    assert squeeze(f"{data.strengths[1].text}: ") not in text


def test_a_strength_the_text_alone_does_not_say_is_read_with_its_answer(lang: str) -> None:
    """ "How likely are you to recommend us?" under "What went well" is a bare question; with
    the answer every visit gave, it says what went well."""
    data = outlet_report_data(lang)
    words = translation(lang).gettext
    answered = dataclasses.replace(data.strengths[0], answer="10 / 10 (sentinel)")
    pdf = build_outlet_report(
        dataclasses.replace(data, strengths=(answered, *data.strengths[1:])), lang, invariant=True
    )
    said = words("%(item)s: %(answer)s") % {"item": answered.text, "answer": answered.answer}
    text = squeeze(" ".join(page_texts(pdf)))
    assert squeeze(said) in text


def test_a_failed_item_shows_the_answer_that_fell_short_under_its_text(lang: str) -> None:
    """A low score, a slow wait or a wrong option is read with the answer given ("3 of 10"
    under "How likely are you to recommend us?"); an item without one shows no such line."""
    data = outlet_report_data(lang)
    words = translation(lang).gettext
    visit = data.visits[1]
    recommend = dataclasses.replace(visit.failed_items[0], answer="3 / 10 (sentinel)")
    changed = dataclasses.replace(visit, failed_items=(recommend, *visit.failed_items[1:]))
    visits = (data.visits[0], changed, *data.visits[2:])
    pdf = build_outlet_report(dataclasses.replace(data, visits=visits), lang, invariant=True)
    text = squeeze(" ".join(page_texts(pdf)))
    shown = words("Answer: %(answer)s") % {"answer": recommend.answer}
    assert words("Answer: %(answer)s") != "Answer: %(answer)s" or lang == "en"
    assert 1 == text.count(squeeze(shown))
    assert 1 == text.count(squeeze(words("Answer: %(answer)s") % {"answer": ""}))


def test_a_list_that_goes_on_over_the_page_is_titled_again(lang: str) -> None:
    """ "What went well" broken by the page went on at the top of page 2 with bare ticks."""
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    many = tuple(
        dataclasses.replace(data.strengths[0], text=f"WELL-{number:02d} {data.strengths[0].text}")
        for number in range(1, 25)
    )
    pdf = build_outlet_report(dataclasses.replace(data, strengths=many), lang, invariant=True)
    pages = page_texts(pdf)
    title = squeeze(_("%(title)s (continued)") % {"title": _("What went well")})
    assert squeeze(_("What went well")) in pages[0]
    assert "WELL-01" in pages[0]
    following = [page for page in pages[1:] if "WELL-" in page]
    assert following, "the list goes on over the page"
    for page in following:
        # The title, then the items: nothing of the list stands above its title.
        assert title in page
        assert page.index(title) < page.index("WELL-")
    # Every item once, in order.
    text = " ".join(pages)
    places = [text.index(f"WELL-{number:02d} ") for number in range(1, 25)]
    assert sorted(places) == places
    assert 24 == text.count("WELL-")


def test_a_capped_visit_says_why_in_one_sentence(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    capped = data.visits[0]
    formatter = Formatter(lang)
    sentence = translation(lang).gettext(
        "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it failed a critical "
        "item, %(items)s: the checklist caps such a visit at %(cap)s."
    ) % {
        "number": "1",
        "channel": translation(lang).gettext("In store"),
        "date": formatter.day(capped.day),
        "score": formatter.score(capped.percent),
        "items": ", ".join(QUOTES[lang] % item for item in capped.critical_items),
        "cap": formatter.score(capped.critical_cap),
    }
    assert 1 == len(capped.critical_items)
    assert squeeze(sentence) in page_texts(outlet_pdf)[0]


QUOTES = {"en": "“%s”", "ru": "«%s»", "uk": "«%s»", "pl": "„%s”"}


def test_a_critical_failure_says_beside_its_points_what_it_did_to_the_visit(
    outlet_pdf: bytes, lang: str
) -> None:
    """The item's own points lost ("5") understated a failure that capped the visit."""
    data = outlet_report_data(lang)
    capped = data.visits[0]
    assert capped.critical_policy == "cap"
    assert any(item.critical for item in capped.failed_items)
    said = translation(lang).gettext("caps the visit at %(cap)s") % {
        "cap": Formatter(lang).score(capped.critical_cap)
    }
    details = " ".join(page_texts(outlet_pdf)[1:])
    assert squeeze(said) in details


def test_a_visit_failing_several_critical_items_counts_them(lang: str) -> None:
    """Two critical items failed: the sentence counts them in the language's plural, each
    in the language's quotation marks."""
    data = outlet_report_data(lang)
    capped = dataclasses.replace(
        data.visits[0], critical_items=(*data.visits[0].critical_items, "Receipt given")
    )
    pdf = build_outlet_report(
        dataclasses.replace(data, visits=(capped, *data.visits[1:])), lang, invariant=True
    )
    words, formatter = translation(lang), Formatter(lang)
    sentence = words.ngettext(
        "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it failed "
        "%(count)s critical item, %(items)s: the checklist caps such a visit at %(cap)s.",
        "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it failed "
        "%(count)s critical items, %(items)s: the checklist caps such a visit at %(cap)s.",
        2,
    ) % {
        "number": "1",
        "channel": words.gettext("In store"),
        "date": formatter.day(capped.day),
        "score": formatter.score(capped.percent),
        "items": ", ".join(QUOTES[lang] % item for item in capped.critical_items),
        "count": "2",
        "cap": formatter.score(capped.critical_cap),
    }
    assert squeeze(sentence) in page_texts(pdf)[0]


def test_each_visit_then_the_corrective_actions_open_and_done(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    text = " ".join(page_texts(outlet_pdf))
    details = text.index(squeeze(_("Visit details")))
    actions = text.index(squeeze(_("Corrective actions")))
    done = text.index(squeeze(_("Done (%(count)s)") % {"count": 2}))
    assert details < actions < done
    for visit in data.visits:
        heading = _("Visit %(number)s") % {"number": visit.number}
        assert squeeze(heading) in text[details:actions]
    for action in data.corrective_actions:
        position = text.index(squeeze(action.item), actions)
        assert (position > done) == (action.status != "open"), action
    assert squeeze(_("No owner yet")) in text[actions:done]
    assert "Olena Kowalczyk" in text[actions:done]
    # An action of an earlier wave names that wave; one of this wave, its visit.
    assert data.result.previous_wave in text[actions:done]
    assert squeeze(_("Visit %(number)s") % {"number": 1}) in text[actions:done]


def test_sections_keep_the_checklist_order(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    text = " ".join(page_texts(outlet_pdf))
    visit = data.visits[1]
    start = text.index(squeeze(translation(lang).gettext("Visit %(number)s") % {"number": 2}))
    positions = [text.index(squeeze(section.title), start) for section in visit.sections]
    assert sorted(positions) == positions


def test_critical_failures_come_first(outlet_pdf: bytes, lang: str) -> None:
    visit = outlet_report_data(lang).visits[0]
    critical = next(item for item in visit.failed_items if item.critical)
    first_ordinary = next(item for item in visit.failed_items if not item.critical)
    text = " ".join(page_texts(outlet_pdf)[1:])
    assert visit.failed_items[0] is first_ordinary  # the data lists it first ...
    assert text.index(critical.text) < text.index(first_ordinary.text)  # ... the report not


def test_no_text_is_cut_short_and_no_page_but_the_last_is_mostly_empty(
    outlet_pdf: bytes, lang: str
) -> None:
    assert [] == cut_short(" ".join(page_texts(outlet_pdf)))
    assert [] == mostly_empty_pages(outlet_pdf)
    assert [] == beyond_the_margins(outlet_pdf)


def test_no_dispute_decision_is_split_across_lines(outlet_pdf: bytes, lang: str) -> None:
    """The decision column is sized for its words in each language ("Удовлетворено" was
    set as "Удовлетворен / о")."""
    words = translation(lang).gettext
    text = " ".join(page_texts(outlet_pdf))
    decisions = [
        label(DISPUTE_DECISIONS, dispute.decision, translation(lang))
        for visit in outlet_report_data(lang).visits
        for dispute in visit.disputes
    ]
    assert len(decisions) == 3
    assert [] == [decision for decision in decisions if squeeze(decision) not in text]
    assert squeeze(words("Decided on")) in text


def test_pages_metadata_and_bookmarks(outlet_pdf: bytes, lang: str) -> None:
    data = outlet_report_data(lang)
    _ = translation(lang).gettext
    pdf = reader(outlet_pdf)
    assert [
        _("Summary"),
        _("This wave's visits"),
        _("Fix these first"),
        _("What went well"),
        _("Trend over the waves"),
        _("Visit details"),
        _("Corrective actions"),
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


def _with_first_visit_items(
    data: OutletReportData, items: tuple[FailedItem, ...]
) -> OutletReportData:
    first = dataclasses.replace(data.visits[0], failed_items=items)
    return dataclasses.replace(data, visits=(first, *data.visits[1:]))


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
    items = data.visits[0].failed_items
    data = _with_first_visit_items(
        data, (dataclasses.replace(items[0], thumbnails=(tagged,)), *items[1:])
    )

    pdf = build_outlet_report(data, "en", invariant=True)

    assert AUDITOR_SENTINEL.encode() not in pdf
    embedded = {stream for _filter, stream in image_streams(pdf)}
    with Image.open(io.BytesIO(tagged)) as original:
        assert [original.tobytes()] == [
            Image.open(io.BytesIO(stream)).tobytes()
            for stream in embedded
            if stream not in thumbnails()
        ]


def test_a_long_failed_items_table_repeats_its_header_and_leaves_no_page_half_empty() -> None:
    data = outlet_report_data("ru", failed_items=50, photos=6)
    header = translation("ru").gettext("Points lost")
    pdf = build_outlet_report(data, "ru", invariant=True)
    texts = page_texts(pdf)
    # Page 1 names the critical ones in its sentence on why a visit was capped.
    table_pages = [text for text in texts[1:] if re.search(r"#\d+", text)]
    assert len(table_pages) >= 2
    assert [True] * len(table_pages) == [header in text for text in table_pages]
    assert 50 == sum(len(re.findall(r"#\d+", text)) for text in texts[1:])
    assert [] == mostly_empty_pages(pdf)


def test_invariant_mode_gives_identical_bytes(outlet_pdf: bytes, lang: str) -> None:
    assert outlet_pdf == build_outlet_report(outlet_report_data(lang), lang, invariant=True)


def test_a_report_without_failures_or_trend_still_reads_well() -> None:
    data = outlet_report_data("pl")
    data = dataclasses.replace(
        data,
        visits=tuple(
            dataclasses.replace(visit, failed_items=(), critical_items=(), disputes=())
            for visit in data.visits
        ),
        trend=(),
        fix_first=(),
        corrective_actions=(),
        result=dataclasses.replace(
            data.result,
            percent=96.0,
            band="excellent",
            passed=True,
            previous_percent=None,
            previous_wave=None,
            change=None,
            under_dispute=0,
        ),
    )
    _ = translation("pl").gettext
    text = " ".join(page_texts(build_outlet_report(data, "pl")))
    for expected in (
        _("No item failed in this wave."),
        _("No item failed on this visit."),
        _("No corrective action is open."),
        _("No corrective action is done yet."),
        _("No result in the previous wave to compare with."),
        _("Excellent"),
        _("Passed"),
    ):
        assert squeeze(expected) in text


def test_an_outlet_with_too_few_visits_is_not_ranked_and_says_so() -> None:
    data = outlet_report_data("uk")
    data = dataclasses.replace(
        data,
        standing=Standing(
            rank=None,
            region_rank=None,
            region=data.outlet.region,
            third=None,
            alike=None,
            versus_network=None,
            network_percent=78.4,
        ),
    )
    text = " ".join(page_texts(build_outlet_report(data, "uk", invariant=True)))
    expected = translation("uk").gettext(
        "Too few visits this wave to rank it (the minimum is %(count)s)."
    ) % {"count": "3"}
    assert squeeze(expected) in text


def test_previews_for_a_person_to_look_at(outlet_pdf: bytes, lang: str) -> None:
    assert 2 == len(save_previews(outlet_pdf, f"outlet-{lang}"))


def test_many_photos_on_one_item_wrap_onto_several_rows() -> None:
    data = outlet_report_data("uk")
    photos = thumbnails() * 2  # ten photos: three rows of four
    item = dataclasses.replace(data.visits[0].failed_items[0], thumbnails=photos)
    data = _with_first_visit_items(data, (item,))

    pdf = build_outlet_report(data, "uk", invariant=True)

    assert set(photos) == {stream for _filters, stream in image_streams(pdf)}
    save_previews(pdf, "outlet-ten-photos", pages=2)


def test_an_unscored_visit_shows_no_score_and_no_band() -> None:
    scored = outlet_report_data("en")
    visit = dataclasses.replace(scored.visits[2], percent=None, band=None, passed=None)
    data = dataclasses.replace(
        scored,
        visits=(*scored.visits[:2], visit),
        result=dataclasses.replace(scored.result, percent=None, band=None, passed=None),
        trend=(),
    )
    text = " ".join(page_texts(build_outlet_report(data, "en", invariant=True)))
    assert "—" in text
    assert "Fair" not in text
