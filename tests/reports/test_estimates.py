"""What the visits can tell, in the PDFs: the comparison report's league in tiers and its funnel
plot, and the outlet report's class in words, read back with pypdf in every language."""

from __future__ import annotations

import dataclasses
import io
import itertools

import pdfplumber
import pytest

from reports import build_comparison_report, build_outlet_report, model
from reports.charts import funnel_chart, to_svg
from reports.i18n import Formatter
from reports.standing import (
    FUNNEL_CLASS,
    GROUPS,
    THIRDS,
    VERSUS,
    funnel_class,
    funnel_sentence,
    group_title,
    position,
)
from server.analytics.estimates import HOW_TO_READ
from shared.i18n import translation
from tests.reports.pdf import (
    beyond_the_margins,
    cut_short,
    mostly_empty_pages,
    page_texts,
    save_previews,
    squeeze,
)
from tests.reports.samples import comparison_report_data, outlet_report_data


def how_to_read(lang: str, topic: str) -> str:
    """The product's own "how to read this" note on `topic`, in `lang`, as the server puts it
    in the report."""
    return translation(lang).gettext(HOW_TO_READ[topic])


def limits(visits: float, target: float = 78.4) -> model.FunnelLimits:
    """The sample funnel's limits for a result of `visits` visits."""
    half = 14 / visits**0.5 + 2
    return model.FunnelLimits(
        visits=visits,
        low_95=max(0.0, target - half),
        high_95=min(100.0, target + half),
        low_998=max(0.0, target - 3.09 * half / 1.96),
        high_998=min(100.0, target + 3.09 * half / 1.96),
    )


def funnel_class_of(percent: float, visits: float) -> tuple[str, str]:
    """Where a result of `visits` visits falls against the sample funnel, at 95% and 99.8%."""
    at = limits(visits)
    return (
        "above" if percent > at.high_95 else "below" if percent < at.low_95 else "level",
        "above" if percent > at.high_998 else "below" if percent < at.low_998 else "level",
    )


def funnel(points: list[model.FunnelPoint], target: float = 78.4) -> model.Funnel:
    curve = tuple(limits(step * 0.2, target) for step in range(1, 41))
    return model.Funnel(target=target, points=tuple(points), curve=curve)


def estimated(lang: str, outlets: int = 12) -> model.ComparisonReportData:
    """The sample comparison with estimates: three tiers; each outlet's funnel class is where
    its result falls against the sample funnel."""
    data = comparison_report_data(lang, outlets=outlets)
    ranked = [row for row in data.league if row.rank is not None]
    rows = []
    points = []
    for row in data.league:
        if row.rank is None or row.percent is None:
            rows.append(row)
            continue
        place = ranked.index(row)
        tier = 1 + place * 3 // len(ranked)
        funnel_at, funnel_998 = funnel_class_of(row.percent, row.visits)
        estimate = model.Estimate(
            estimate=round(0.7 * row.percent + 0.3 * 78.4, 1),
            low=round(row.percent - 12, 1),
            high=round(min(100.0, row.percent + 9), 1),
            rank_low=max(1, place - 2),
            rank_high=min(len(ranked), place + 4),
            ranked=len(ranked),
            tier=tier,
            funnel=funnel_at,
            funnel_998=funnel_998,
        )
        rows.append(dataclasses.replace(row, estimate=estimate))
        points.append(
            model.FunnelPoint(
                row.code, float(row.visits), row.percent, funnel_at, estimate.funnel_998
            )
        )
    return dataclasses.replace(
        data,
        league=tuple(rows),
        scoring=model.ScoringSpread(spread=3.4, raters=14, lenient=2, severe=1, linked=False),
        funnel=funnel(points),
        tiers_note=how_to_read(lang, "tiers"),
        funnel_note=how_to_read(lang, "funnel"),
    )


@pytest.fixture(scope="module")
def estimated_pdf(lang: str) -> bytes:
    return build_comparison_report(estimated(lang), lang, invariant=True)


def test_the_league_is_grouped_in_tiers_with_rank_ranges(estimated_pdf: bytes, lang: str) -> None:
    _ = translation(lang).gettext
    data = estimated(lang)
    formatter = Formatter(lang)
    text = " ".join(page_texts(estimated_pdf)[1:])
    start = text.index(squeeze(_("League table")))
    assert squeeze(how_to_read(lang, "tiers")) in text
    tiers: dict[int, list[model.Estimate]] = {}
    for row in data.league:
        if row.estimate is not None:
            tiers.setdefault(row.estimate.tier, []).append(row.estimate)
    titles = [
        _("Tier %(tier)s: ranks %(low)s–%(high)s (%(count)s)")
        % {
            "tier": formatter.integer(tier),
            "low": formatter.integer(min(e.rank_low for e in members)),
            "high": formatter.integer(max(e.rank_high for e in members)),
            "count": formatter.integer(len(members)),
        }
        for tier, members in sorted(tiers.items())
    ]
    assert 3 == len(titles)
    headings = [text.index(squeeze(title), start) for title in titles]
    too_few = text.index(squeeze(_("Too few visits to tell")), start)
    assert headings == sorted(headings)
    assert too_few > headings[-1]
    for row in data.league:
        if row.estimate is None:
            continue
        # The places it could hold, its estimate and its class beside the raw result.
        low, high = row.estimate.rank_low, row.estimate.rank_high
        span = f"{formatter.integer(low)}–{formatter.integer(high)}"
        assert squeeze(span) in text, row.code
        assert squeeze(formatter.score(row.estimate.estimate)) in text, row.code
    found = {(e.funnel, e.funnel_998) for row in data.league if (e := row.estimate) is not None}
    assert {"above", "level", "below"} == {f for f, _f998 in found}
    assert all(squeeze(funnel_class(f, f998, translation(lang))) in text for f, f998 in found)


def test_each_league_row_says_its_funnel_class_on_its_first_line(lang: str) -> None:
    """ "w granicach" broken after "w" in a narrow column read as two words on every row."""
    pdf = build_comparison_report(estimated(lang), lang, invariant=True)
    formatter = Formatter(lang)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        lines = [
            squeeze(line["text"])
            for page in document.pages[1:]
            for line in page.extract_text_lines()
        ]
    for row in estimated(lang).league:
        if (estimate := row.estimate) is not None:
            word = squeeze(translation(lang).gettext(FUNNEL_CLASS[estimate.funnel]))
            first = (
                f"{formatter.integer(estimate.rank_low)}–{formatter.integer(estimate.rank_high)}"
            )
            row_line = [
                line
                for line in lines
                if line.startswith(first) and squeeze(formatter.score(estimate.estimate)) in line
            ]
            assert 1 == len(row_line), (row.code, row_line)
            assert word in row_line[0], (row.code, word, row_line[0])


def test_the_funnel_plot_follows_the_league(estimated_pdf: bytes, lang: str) -> None:
    _ = translation(lang).gettext
    data = estimated(lang)
    text = " ".join(page_texts(estimated_pdf))
    league = text.index(squeeze(_("League table")))
    plot = text.index(squeeze(_("Funnel plot")), league)
    assert text.index(squeeze(how_to_read(lang, "funnel"))) > plot
    for legend in (_("Limits (95%)"), _("Limits (99.8%)"), _("Visits in the wave")):
        assert squeeze(legend) in text[plot:]
    # Outlets beyond the limits are named on the plot.
    assert data.funnel is not None
    for point in data.funnel.points:
        if point.funnel != "level":
            assert point.code in text[plot:], point.code


def test_auditors_severity_is_told_without_naming_anyone(estimated_pdf: bytes, lang: str) -> None:
    _ = translation(lang).gettext
    formatter = Formatter(lang)
    text = squeeze(" ".join(page_texts(estimated_pdf)))
    plot = text.index(squeeze(_("Funnel plot")))
    severity = text.index(squeeze(_("Auditors' severity")), plot)
    assert squeeze(formatter.decimal(3.4)) in text[severity:]
    assert squeeze(formatter.integer(14)) in text[severity:]
    share = _(
        "Some auditors share no outlet with the others, so their leniency cannot be compared "
        "yet; the agency plans calibration visits to link them."
    )
    assert squeeze(share) in text[severity:]


def test_no_header_of_the_league_ends_a_line_on_a_one_letter_word(lang: str) -> None:
    """ "Wynik / i / zmiana" down a narrow column: a one-letter word goes with the next one."""
    pdf = build_comparison_report(estimated(lang), lang, invariant=True)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        lines = [squeeze(line["text"]) for line in document.pages[1].extract_text_lines()]
    title = translation(lang).gettext("Score and change")
    words = title.split()
    pairs = [f"{word} {after}" for word, after in itertools.pairwise(words) if len(word) == 1]
    assert all(any(pair in line for line in lines) for pair in pairs), (pairs, lines[:12])


def test_auditors_who_score_alike_are_said_to_without_a_spread_of_zero(lang: str) -> None:
    """A model whose auditor variance sits at 0 printed "leniency spreads by 0.0 points"."""
    _ = translation(lang).gettext
    alike = model.ScoringSpread(spread=0.0, raters=12, lenient=0, severe=0, linked=True)
    pdf = build_comparison_report(
        dataclasses.replace(estimated(lang), scoring=alike), lang, invariant=True
    )
    text = squeeze(" ".join(page_texts(pdf)))
    severity = text.index(squeeze(_("Auditors' severity")))
    said = _(
        "The visits show no difference between auditors beyond chance: every leniency is 0 and "
        "adjusted results equal raw ones."
    )
    assert squeeze(said) in text[severity:]
    spreads = _(
        "Auditors' leniency spreads by %(points)s points (standard deviation): %(lenient)s of "
        "%(count)s auditors score clearly above their colleagues at the same outlets, "
        "%(severe)s clearly below."
    )
    assert squeeze(spreads.split("%(points)s")[0]) not in text


def test_the_estimated_report_reads_well(estimated_pdf: bytes, lang: str) -> None:
    assert [] == cut_short(" ".join(page_texts(estimated_pdf)))
    assert [] == mostly_empty_pages(estimated_pdf)
    assert [] == beyond_the_margins(estimated_pdf)
    save_previews(estimated_pdf, f"comparison-estimates-{lang}", pages=5)


def test_a_large_estimated_network_fits_the_page() -> None:
    pdf = build_comparison_report(estimated("ru", outlets=60), "ru", invariant=True)
    assert [] == cut_short(" ".join(page_texts(pdf)))
    assert [] == beyond_the_margins(pdf)


def test_the_funnel_chart_draws_one_marker_per_outlet() -> None:
    data = estimated("en")
    assert data.funnel is not None
    svg = to_svg(funnel_chart(data.funnel, "en"))
    # Triangles for the outlets beyond the limits, circles for those within (and the legend).
    outside = sum(point.funnel != "level" for point in data.funnel.points)
    within = len(data.funnel.points) - outside
    assert svg.count("<circle") >= within
    assert svg.count("<polygon") >= outside
    # Both axes say what they count.
    assert "Visits in the wave" in svg
    assert "Outlet result (%)" in svg


@pytest.mark.parametrize(
    ("funnel_at", "funnel_998"), [("above", "above"), ("above", "level"), ("level", "level"),
                                  ("below", "level"), ("below", "below")]
)  # fmt: skip
def test_the_outlet_report_says_its_class_in_words(
    lang: str, funnel_at: model.Versus, funnel_998: model.Versus
) -> None:
    data = outlet_report_data(lang)
    assert data.standing is not None
    estimate = model.Estimate(
        estimate=80.2, low=71.0, high=88.9, rank_low=12, rank_high=64, ranked=140, tier=2,
        funnel=funnel_at, funnel_998=funnel_998,
    )  # fmt: skip
    standing = dataclasses.replace(data.standing, estimate=estimate)
    pdf = build_outlet_report(dataclasses.replace(data, standing=standing), lang, invariant=True)
    first = page_texts(pdf)[0]
    words = translation(lang)
    assert squeeze(funnel_sentence(funnel_at, funnel_998, words)) in first
    formatter = Formatter(lang)
    for number in (12, 64, 140):
        assert formatter.integer(number) in first
    assert "%%" not in first
    # the raw intervals' verdicts, which could contradict the class, are not said beside it
    assert data.standing.versus_network is not None
    versus = words.gettext(VERSUS[data.standing.versus_network]).split("(")[0]
    around = words.ngettext(
        "Not clearly different from the %(count)d outlet around it.",
        "Not clearly different from the %(count)d outlets around it.",
        5,
    ).split("%")[0]
    plain = squeeze(page_texts(build_outlet_report(data, lang, invariant=True))[0])
    for verdict in (squeeze(versus), squeeze(around)):
        assert verdict in plain
        assert verdict not in squeeze(first)


def test_the_comparison_groups_an_estimated_wave_as_the_outlet_reports_say_it(
    estimated_pdf: bytes, lang: str
) -> None:
    """Where the wave is estimated, the groups are the outlets' funnel classes, named as the
    outlet report names them: never "clearly below" for an outlet its report calls "probably
    worse"."""
    words = translation(lang)
    first = squeeze(page_texts(estimated_pdf)[0])
    data = estimated(lang)
    classes = {row.estimate.funnel for row in data.league if row.estimate is not None}
    assert {"above", "level", "below"} == classes
    for group in classes:
        assert squeeze(group_title(group, words, funnel=True)) in first
        assert squeeze(words.gettext(GROUPS[group])) not in first
    assert "%%" not in first


def test_the_outlet_report_leads_with_the_ranks_its_visits_allow(lang: str) -> None:
    """With estimates the position says the ranks the outlet could hold first; its place by
    this wave's results alone follows, never alone in the big type."""
    data = outlet_report_data(lang)
    assert data.standing is not None
    assert data.standing.rank is not None
    estimate = model.Estimate(
        estimate=80.2, low=71.0, high=88.9, rank_low=12, rank_high=64, ranked=140, tier=2,
        funnel="level", funnel_998="level",
    )  # fmt: skip
    standing = dataclasses.replace(data.standing, estimate=estimate)
    pdf = build_outlet_report(dataclasses.replace(data, standing=standing), lang, invariant=True)
    first = squeeze(page_texts(pdf)[0])
    words, figures = translation(lang), Formatter(lang)
    ranks = squeeze(
        words.gettext("Could rank %(ranks)s of %(total)s in the network")
        % {"ranks": f"{figures.integer(12)}–{figures.integer(64)}", "total": figures.integer(140)}
    )
    place = squeeze(
        words.gettext("%(position)s of %(total)s in the network")
        % {
            "position": figures.integer(data.standing.rank.position),
            "total": figures.integer(data.standing.rank.out_of),
        }
    )
    alone = squeeze(words.gettext("By this wave's results alone: %(places)s") % {"places": ""})
    assert ranks in first
    assert first.index(ranks) < first.index(alone) < first.index(place)
    # without estimates the place is the position, and its third of the network is said
    plain = squeeze(page_texts(build_outlet_report(data, lang, invariant=True))[0])
    assert place in plain
    assert alone not in plain
    assert data.standing.third is not None
    third = squeeze(words.gettext(THIRDS[data.standing.third]))
    assert third in plain
    assert third not in first


def test_a_position_says_one_place_when_the_estimates_leave_one() -> None:
    data = outlet_report_data("en")
    assert data.standing is not None
    words, figures = translation("en"), Formatter("en")
    plain = position(data.standing, words, figures)
    assert (None, None) == (plain.ranks, plain.ranked)
    assert ("41 of 140 in the network", "3 of 12 in Małopolska") == plain.places
    estimate = model.Estimate(
        estimate=91.0, low=88.0, high=94.0, rank_low=1, rank_high=1, ranked=1200, tier=1,
        funnel="above", funnel_998="above",
    )  # fmt: skip
    one = position(dataclasses.replace(data.standing, estimate=estimate), words, figures)
    assert ("1", 1200) == (one.ranks, one.ranked)
    wide = dataclasses.replace(estimate, rank_low=1100, rank_high=1200)
    assert (
        "1,100–1,200"
        == position(dataclasses.replace(data.standing, estimate=wide), words, figures).ranks
    )
    unranked = dataclasses.replace(data.standing, rank=None, region_rank=None, estimate=estimate)
    assert (None, ()) == (
        position(unranked, words, figures).ranks,
        position(unranked, words, figures).places,
    )


def test_a_crowded_funnel_names_only_the_outlets_beyond_99_8() -> None:
    points = []
    for index in range(60):
        beyond = index < 20
        very = index < 3
        points.append(
            model.FunnelPoint(
                f"OUT-{index:02d}",
                3.0,
                95.0 if beyond else 78.0,
                "above" if beyond else "level",
                "above" if very else "level",
            )
        )
    svg = to_svg(funnel_chart(funnel(points), "en"))
    named = {f"OUT-{index:02d}" for index in range(60) if f">OUT-{index:02d}<" in svg}
    assert {"OUT-00", "OUT-01", "OUT-02"} == named
