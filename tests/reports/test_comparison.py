"""The head-office comparison report, read back with pypdf as a reader would see it."""

from __future__ import annotations

import dataclasses
import io

import pdfplumber

from reports import build_comparison_report, model
from reports.comparison import MAX_HEATMAP_OUTLETS
from reports.i18n import Formatter
from shared.i18n import translation
from tests.reports.pdf import (
    beyond_the_margins,
    cut_short,
    mostly_empty_pages,
    outline_titles,
    page_texts,
    reader,
    save_previews,
    squeeze,
)
from tests.reports.samples import comparison_report_data


def test_page_one_is_the_wave_at_a_glance(comparison_pdf: bytes, lang: str) -> None:
    data = comparison_report_data(lang, outlets=12)
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    first = page_texts(comparison_pdf)[0]
    above = [row for row in data.league if row.versus_network == "above"]
    below = [row for row in data.league if row.versus_network == "below"]
    # Movers are the changes beyond chance; a larger change within chance is not one.
    movers = [row for row in data.league if row.change_beyond_chance]
    within = max(
        (row for row in data.league if row.change and row.change_beyond_chance is False),
        key=lambda row: abs(row.change or 0),
    )
    assert abs(within.change or 0) >= max(abs(row.change or 0) for row in movers)
    assert squeeze(within.outlet) not in first
    expected_words = [
        _("Network result"),
        formatter.score(data.network.percent),
        formatter.change(data.network.change),
        _("How the outlets' results spread"),
        _("Biggest movers"),
        _(
            "Changes larger than chance: more than what the two waves' visits alone could move "
            "the result."
        ),
        *[row.outlet for row in movers],
        _("Clearly above the network"),
        above[0].outlet,
        _("Clearly below the network"),
        below[0].outlet,
        _("Critical failures"),
        data.critical_failures.top_items[0].item,
        _("Overdue corrective actions"),
        data.overdue_actions.outlets[0].outlet,
    ]
    assert [] == [word for word in expected_words if squeeze(word) not in first]


def test_no_movers_when_every_change_is_within_chance() -> None:
    data = comparison_report_data("uk", outlets=12)
    calm = tuple(
        dataclasses.replace(row, change_beyond_chance=row.change_beyond_chance and False)
        for row in data.league
    )
    first = page_texts(
        build_comparison_report(dataclasses.replace(data, league=calm), "uk", invariant=True)
    )[0]
    said = translation("uk").gettext(
        "No outlet's result moved by more than chance since the previous wave: with these "
        "visits no change can be told from none."
    )
    assert squeeze(said) in first


def test_the_league_is_grouped_by_what_the_data_can_tell(comparison_pdf: bytes, lang: str) -> None:
    _ = translation(lang).gettext
    text = " ".join(page_texts(comparison_pdf)[1:])
    start = text.index(squeeze(_("League table")))
    groups = [
        text.index(squeeze(title), start)
        for title in (
            _("Clearly above the network"),
            _("Not clearly different from the network"),
            _("Clearly below the network"),
            _("Too few visits to tell"),
        )
    ]
    assert sorted(groups) == groups


def test_no_word_is_split_across_lines(comparison_pdf: bytes, lang: str) -> None:
    """Column headers and names are sized for each language: no word broken mid-word."""
    _ = translation(lang).gettext
    data = comparison_report_data(lang, outlets=12)
    text = " ".join(page_texts(comparison_pdf))
    words = [
        _("Rank"),
        _("Outlet"),
        _("Region"),
        _("Score"),
        _("Change"),
        _("Visits"),
        _("Confidence interval (95%)"),
        _("Top quartile"),
        _("First-contact resolution"),
        *(region.region for region in data.regions),
    ]
    assert [] == [word for word in words if squeeze(word) not in text]


def test_no_text_is_cut_short_and_no_page_but_the_last_is_mostly_empty(
    comparison_pdf: bytes,
) -> None:
    assert [] == cut_short(" ".join(page_texts(comparison_pdf)))
    assert [] == mostly_empty_pages(comparison_pdf)
    assert [] == beyond_the_margins(comparison_pdf)


def test_head_office_sees_who_leads_who_lags_and_where(comparison_pdf: bytes, lang: str) -> None:
    data = comparison_report_data(lang, outlets=12)
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    text = " ".join(page_texts(comparison_pdf))
    leader, laggard = data.league[0], data.league[-1]
    expected_words = [
        _("Comparison report"),
        _("League table"),
        leader.outlet,
        laggard.outlet,
        formatter.score(leader.percent),
        f"{formatter.score(leader.ci_low)} – {formatter.score(leader.ci_high)}",
        data.regions[0].region,
        data.best_vs_rest[0].item,  # Cyrillic in ru and uk
        translation(lang).gettext("First-contact resolution"),
        translation(lang).gettext("Phone"),
        formatter.rate(0.64),
    ]
    assert [] == [word for word in expected_words if squeeze(word) not in text]


def best_vs_rest_section(pdf: bytes, lang: str) -> str:
    _ = translation(lang).gettext
    text = " ".join(page_texts(pdf))
    start = text.index(squeeze(_("Best vs rest")))
    return text[start : text.index(squeeze(_("Channels")), start)]


def test_best_vs_rest_lists_the_gaps_beyond_chance_largest_first(
    comparison_pdf: bytes, lang: str
) -> None:
    data = comparison_report_data(lang, outlets=12)
    formatter = Formatter(lang)
    section = best_vs_rest_section(comparison_pdf, lang)
    beyond = sorted(
        (gap for gap in data.best_vs_rest if gap.beyond_chance), key=lambda gap: -gap.gap
    )
    within = [gap for gap in data.best_vs_rest if not gap.beyond_chance]
    assert (5, 3) == (len(beyond), len(within))  # the sample has both
    assert beyond != [gap for gap in data.best_vs_rest if gap.beyond_chance]  # not in order
    positions = [section.index(squeeze(gap.item)) for gap in beyond]
    assert sorted(positions) == positions
    for gap in beyond:
        interval = f"{formatter.change(100 * gap.gap_low)} – {formatter.change(100 * gap.gap_high)}"
        assert squeeze(interval) in section, interval
    assert [] == [gap.item for gap in within if squeeze(gap.item) in section]
    further = translation(lang).ngettext(
        "%(count)s further item differs by no more than chance (the dashboard lists it).",
        "%(count)s further items differ by no more than chance (the dashboard lists them).",
        3,
    ) % {"count": "3"}
    assert squeeze(further) in section


def test_best_vs_rest_says_so_when_no_gap_is_beyond_chance() -> None:
    data = comparison_report_data("pl", outlets=12)
    noise = tuple(dataclasses.replace(gap, gap_low=-0.1, gap_high=0.1) for gap in data.best_vs_rest)
    pdf = build_comparison_report(
        dataclasses.replace(data, best_vs_rest=noise), "pl", invariant=True
    )
    section = best_vs_rest_section(pdf, "pl")
    said = translation("pl").gettext(
        "No item's pass rate in the top-quartile outlets differs from the rest's by more than "
        "chance: with these visits the data cannot tell what the best outlets do differently."
    )
    assert squeeze(said) in section
    assert [] == [gap.item for gap in noise if squeeze(gap.item) in section]


def test_channels_show_the_interval_of_their_score(comparison_pdf: bytes, lang: str) -> None:
    data = comparison_report_data(lang, outlets=12)
    formatter = Formatter(lang)
    text = " ".join(page_texts(comparison_pdf))
    for channel in data.channels:
        assert channel.ci_low is not None
        assert channel.ci_high is not None
        interval = f"{formatter.score(channel.ci_low)} – {formatter.score(channel.ci_high)}"
        assert squeeze(interval) in text, interval


def test_pages_metadata_and_bookmarks(comparison_pdf: bytes, lang: str) -> None:
    _ = translation(lang).gettext
    pdf = reader(comparison_pdf)
    assert [
        _("Summary"),
        _("League table"),
        _("Regions"),
        _("Sections by outlet"),
        _("Best vs rest"),
        _("Channels"),
    ] == outline_titles(comparison_pdf)
    assert pdf.metadata is not None
    assert _("Comparison report") in (pdf.metadata.title or "")
    assert lang == str(pdf.root_object["/Lang"])


def test_the_heatmap_says_which_cells_rest_on_one_visit(comparison_pdf: bytes, lang: str) -> None:
    said = translation(lang).gettext(
        "In italics, framed: from one visit alone, one shopper's impression."
    )
    assert squeeze(said) in " ".join(page_texts(comparison_pdf))
    data = comparison_report_data(lang, outlets=12)
    steady = dataclasses.replace(
        data.heatmap_by_outlet,
        visits=tuple(tuple(3 for _ in row) for row in data.heatmap_by_outlet.visits),
    )
    pdf = build_comparison_report(
        dataclasses.replace(data, heatmap_by_outlet=steady), lang, invariant=True
    )
    assert squeeze(said) not in " ".join(page_texts(pdf))


def test_a_big_network_splits_the_league_table_and_shows_regions_in_the_heatmap() -> None:
    data = comparison_report_data("uk", outlets=120)
    _ = translation("uk").gettext
    texts = page_texts(build_comparison_report(data, "uk", invariant=True))
    league_pages = [text for text in texts[1:] if data.league[0].code[:6] in text]
    assert len(league_pages) >= 3
    assert [True] * len(league_pages) == [
        _("Confidence interval (95%)") in text for text in league_pages
    ]
    assert len(data.heatmap_by_outlet.columns) > MAX_HEATMAP_OUTLETS
    assert _("Sections by region") in " ".join(texts)


def test_a_regional_report_names_its_region() -> None:
    data = dataclasses.replace(comparison_report_data("pl"), region="Małopolska")
    pdf = build_comparison_report(data, "pl", invariant=True)
    assert "Małopolska" in (reader(pdf).metadata.subject or "")  # type: ignore[union-attr]


def test_invariant_mode_gives_identical_bytes(comparison_pdf: bytes, lang: str) -> None:
    again = build_comparison_report(comparison_report_data(lang, outlets=12), lang, invariant=True)
    assert comparison_pdf == again


def test_previews_for_a_person_to_look_at(comparison_pdf: bytes, lang: str) -> None:
    assert 2 == len(save_previews(comparison_pdf, f"comparison-{lang}"))


def test_a_wave_with_nothing_released_yet_still_builds() -> None:
    empty = model.Heatmap(rows=(), columns=(), values=())
    data = model.ComparisonReportData(
        client="Sieć Słoneczna",
        wave="2026-Q4",
        generated_on=comparison_report_data("en").generated_on,
        network=model.NetworkResult(percent=None),
        league=(),
        regions=(),
        heatmap_by_outlet=empty,
        heatmap_by_region=empty,
    )
    _ = translation("pl").gettext
    texts = page_texts(build_comparison_report(data, "pl", invariant=True))
    assert 1 == len(texts)
    assert _("No released visit in this wave yet.") in texts[0]


def test_a_change_beyond_chance_is_in_bold_in_the_league() -> None:
    data = comparison_report_data("en", outlets=12)
    pdf = build_comparison_report(data, "en", invariant=True)
    formatter = Formatter("en")
    moved = [row for row in data.league if row.change_beyond_chance]
    within = [row for row in data.league if row.change_beyond_chance is False]
    assert moved
    assert within
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        league_pages = [
            page for page in document.pages[1:] if "League table" in (page.extract_text() or "")
        ]
        words = [
            word for page in league_pages for word in page.extract_words(extra_attrs=["fontname"])
        ]
    bold = {word["text"] for word in words if "Bold" in word["fontname"]}
    plain = {word["text"] for word in words if "Bold" not in word["fontname"]}
    assert {formatter.change(row.change) for row in moved} <= bold
    # -3.4 and +1.7, within chance, are never in bold.
    assert {formatter.change(row.change) for row in within} <= plain
    assert not {formatter.change(row.change) for row in within} & bold
    assert "A change in bold is more than chance" in " ".join(w["text"] for w in words)


def test_the_networks_and_regions_changes_say_whether_they_are_more_than_chance() -> None:
    data = comparison_report_data("en", outlets=12)
    formatter = Formatter("en")
    moved = [region for region in data.regions if region.change_beyond_chance]
    within = [region for region in data.regions if region.change_beyond_chance is False]
    assert moved
    assert within
    pdf = build_comparison_report(data, "en", invariant=True)
    first = page_texts(pdf)[0]
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        region_pages = [
            page for page in document.pages[1:] if "Regions" in (page.extract_text() or "")
        ]
        words = [
            word for page in region_pages for word in page.extract_words(extra_attrs=["fontname"])
        ]
    assert (
        squeeze(
            "More than chance: more than what the two waves' visits alone could move the result."
        )
        in first
    )
    start = next(index for index, word in enumerate(words) if word["text"] == "Regions")
    table = words[start:]
    bold = {word["text"] for word in table if "Bold" in word["fontname"]}
    plain = {word["text"] for word in table if "Bold" not in word["fontname"]}
    assert {formatter.change(region.change) for region in moved} <= bold
    assert {formatter.change(region.change) for region in within} <= plain
    assert not {formatter.change(region.change) for region in within} & bold
    assert "A change in bold is more than chance: more than what" in squeeze(
        " ".join(word["text"] for word in table)
    )

    steady = dataclasses.replace(
        data,
        network=dataclasses.replace(data.network, change_beyond_chance=False),
        regions=tuple(
            dataclasses.replace(region, change_beyond_chance=False) for region in data.regions
        ),
        league=tuple(dataclasses.replace(row, change_beyond_chance=False) for row in data.league),
    )
    texts = page_texts(build_comparison_report(steady, "en", invariant=True))
    assert squeeze(
        "Within chance: with these visits this change cannot be told from no change."
    ) in squeeze(texts[0])
    assert "A change in bold is more than chance: more than what" not in squeeze(" ".join(texts))
