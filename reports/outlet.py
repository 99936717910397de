"""The outlet quality report: what a store manager understands in 30 seconds and acts on.

Page 1 answers the manager's questions in order: the wave's result (every released visit, with
its band and the pass mark) and its change against the previous wave; where the outlet stands
in the network and how sure that is; this wave's visits in one strip, and why a critical
failure capped a score; the three things to fix first; what went well. Then each visit's
details (sections in checklist order, failed items with the auditor's comments and photos,
disputes), then the corrective actions, open and done.

Nothing is ever cut short: long labels wrap. Pages follow on from each other without forced
breaks, so that no page but the last is left mostly empty.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from reportlab.platypus.flowables import Flowable

from reports import standing as standing_words
from reports import styles, verification
from reports.charts import score_bar, trend_chart
from reports.i18n import N_, InLanguage
from reports.jpeg import JpegImage
from reports.labels import (
    ACTION_STATUSES,
    BANDS,
    CHANNELS,
    DISPUTE_DECISIONS,
    header_row,
    label,
    para,
)
from reports.model import CorrectiveAction, FailedItem, OutletReportData, Strength, Visit
from reports.priorities import network_rate, priority_words
from reports.styles import Heading, SubHeading
from shared.i18n import quoted

THUMBNAIL_BOX = (38 * mm, 30 * mm)
THUMBNAILS_PER_ROW = 4
SCORE_BOX_WIDTH = 62 * mm
SIDE_WIDTH = styles.CONTENT_WIDTH - SCORE_BOX_WIDTH - 6 * mm
DISPUTE_STATES = {
    "open": N_("Under dispute"),
    "upheld": N_("Dispute upheld"),
    "rejected": N_("Dispute rejected"),
}


def build_outlet_report(data: OutletReportData, lang: str, *, invariant: bool = False) -> bytes:
    """The outlet quality report as PDF bytes, in `lang` (en, ru, uk, pl).

    With `invariant`, the same data gives byte-identical PDFs (fixed dates and document id).
    """
    return _OutletReport(data, lang).render(invariant=invariant)


def _hex(colour: Any) -> str:
    return f"#{colour.hexval()[2:]}"


class _OutletReport(InLanguage):
    def __init__(self, data: OutletReportData, lang: str) -> None:
        super().__init__(lang)
        self.data = data

    def render(self, *, invariant: bool) -> bytes:
        _ = self._
        data = self.data
        report_title = _("Outlet quality report")
        document = styles.ReportDocument(
            title=f"{report_title}: {data.outlet.name} — {data.wave}",
            subject=f"{data.client} · {data.outlet.name} ({data.outlet.code}) · {data.wave}",
            author=data.client,
            lang=self.lang,
            invariant=invariant,
            header_left=data.client,
            header_right=f"{report_title} · {data.wave}",
            footer_left=_("%(outlet)s (%(code)s) · generated on %(date)s")
            % {
                "outlet": data.outlet.name,
                "code": data.outlet.code,
                "date": self.formatter.day(data.generated_on),
            },
            page_label=lambda page, pages: verification.page_label(
                data.verification, _("Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
            ),
        )
        story: list[Flowable] = [
            *self._cover(),
            *self._visits_strip(),
            *self._fix_first(),
            *self._went_well(),
            *self._trend(),
            *self._visit_details(),
            *self._corrective_actions(),
        ]
        return document.render(story)

    # --- words used in several places ---------------------------------------------------------

    def _channel(self, channel: str) -> str:
        return label(CHANNELS, channel, self.translations)

    def _band(self, band: str | None) -> str:
        return label(BANDS, band, self.translations) if band else ""

    def _score_and_band(self, percent: float | None, band: str | None) -> str:
        score = self.formatter.score(percent)
        return f"{score} · {self._band(band)}" if band else score

    def _visit_name(self, visit: Visit) -> str:
        return self._("Visit %(number)s") % {"number": self.formatter.integer(visit.number)}

    def _visit_of(self, action: CorrectiveAction) -> str:
        day = self.formatter.day(action.visit_day) if action.visit_day else ""
        if action.visit_number is not None:
            name = self._("Visit %(number)s") % {
                "number": self.formatter.integer(action.visit_number)
            }
            return f"{name} · {day}" if day else name
        return " · ".join(part for part in (action.visit_wave or "", day) if part)

    # --- page 1 -------------------------------------------------------------------------------

    def _visits_summary(self) -> str:
        """ "3 visits: 2 in store, 1 phone"."""
        counts = Counter(visit.channel for visit in self.data.visits)
        total = self.data.result.visits
        parts = ", ".join(
            f"{self.formatter.integer(count)} {self._channel(channel).lower()}"
            for channel, count in sorted(counts.items(), key=lambda entry: -entry[1])
        )
        head = self.translations.ngettext("%(count)s visit", "%(count)s visits", total) % {
            "count": self.formatter.integer(total)
        }
        return f"{head}: {parts}" if parts else head

    def _score_box(self) -> Table:
        _ = self._
        result = self.data.result
        passed = bool(result.passed)
        colour = styles.band_colour(result.band, passed)
        on_colour = styles.text_colour_on(colour)
        score_style = styles.SCORE.clone("score-on-band", textColor=on_colour)
        label_style = styles.SCORE_LABEL.clone("score-label-on-band", textColor=on_colour)
        small_style = styles.SCORE_LABEL.clone(
            "score-small-on-band", textColor=on_colour, fontSize=8.5, leading=11
        )
        lines: list[list[Any]] = [[para(self.formatter.score(result.percent), score_style)]]
        if result.band:
            lines.append([para(self._band(result.band), label_style)])
        if result.passed is not None:
            lines.append([para(_("Passed") if passed else _("Not passed"), label_style)])
        if result.pass_mark is not None:
            mark = _("Pass mark: %(mark)s") % {"mark": self.formatter.score(result.pass_mark)}
            lines.append([para(mark, small_style)])
        if result.ci_low is not None and result.ci_high is not None:
            # How sure the result is: a pass or fail inside it could have gone either way.
            interval = _("95%% interval: %(low)s – %(high)s") % {
                "low": self.formatter.score(result.ci_low),
                "high": self.formatter.score(result.ci_high),
            }
            lines.append([para(interval, small_style)])
        if result.under_dispute:
            provisional = self.translations.ngettext(
                "Provisional: %(count)s visit under dispute",
                "Provisional: %(count)s visits under dispute",
                result.under_dispute,
            ) % {"count": self.formatter.integer(result.under_dispute)}
            lines.append([para(provisional, small_style)])
        return Table(
            lines,
            colWidths=[SCORE_BOX_WIDTH],
            style=styles.layout_style(
                ("BACKGROUND", (0, 0), (-1, -1), colour),
                ("BOX", (0, 0), (-1, -1), 2 if passed else 3, styles.INK),
                ("TOPPADDING", (0, 0), (-1, 0), 10),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
            ),
        )

    def _change(self) -> list[Flowable]:
        _ = self._
        result = self.data.result
        if result.change is None or result.previous_wave is None:
            return [para(_("No result in the previous wave to compare with."), styles.BODY)]
        return [
            para(
                _("Change against %(wave)s") % {"wave": result.previous_wave},
                styles.SMALL,
            ),
            para(
                _("%(change)s points (then %(previous)s)")
                % {
                    "change": self.formatter.change(result.change),
                    "previous": self.formatter.score(result.previous_percent),
                },
                styles.FIGURE_SMALL,
            ),
            *[
                para(words, styles.SMALL)
                for words in [
                    standing_words.change_words(result.change_beyond_chance, self.translations)
                ]
                if words
            ],
        ]

    def _position(self) -> list[Flowable]:
        _ = self._
        standing = self.data.standing
        if standing is None:
            return []
        flowables: list[Flowable] = [Spacer(1, 2 * mm), para(_("Position"), styles.SMALL)]
        said = standing_words.position(standing, self.translations, self.formatter)
        places = " · ".join(said.places)
        if said.ranks is not None and said.ranked is not None:
            flowables.append(
                para(
                    _("Could rank %(ranks)s of %(total)s in the network")
                    % {"ranks": said.ranks, "total": self.formatter.integer(said.ranked)},
                    styles.FIGURE_SMALL,
                )
            )
            flowables.append(
                para(
                    _("By this wave's results alone: %(places)s") % {"places": places}, styles.SMALL
                )
            )
        elif places:
            flowables.append(para(places, styles.FIGURE_SMALL))
        flowables.append(
            para(
                " ".join(standing_words.sentences(standing, self.translations, self.formatter)),
                styles.BODY,
            )
        )
        return flowables

    def _cover(self) -> list[Flowable]:
        _ = self._
        data = self.data
        facts = Table(
            [
                [para(_("Client"), styles.SMALL), para(data.client, styles.BODY)],
                [para(_("Wave"), styles.SMALL), para(data.wave, styles.BODY)],
                [para(_("Visits"), styles.SMALL), para(self._visits_summary(), styles.BODY)],
            ],
            colWidths=[28 * mm, verification.facts_width(data.verification) - 28 * mm],
            style=styles.layout_style(
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")
            ),
        )
        side: list[Flowable] = [*self._change(), *self._position()]
        return [
            Heading(_("Summary"), styles.HEADING_TOP),
            para(data.outlet.name, styles.TITLE),
            para(
                " · ".join(
                    part
                    for part in (data.outlet.code, data.outlet.address, data.outlet.region)
                    if part
                ),
                styles.SUBTITLE,
            ),
            Spacer(1, 3 * mm),
            verification.beside_facts(facts, data.verification, self.translations),
            Spacer(1, 4 * mm),
            Table(
                [[self._score_box(), side]],
                colWidths=[SCORE_BOX_WIDTH + 6 * mm, SIDE_WIDTH],
                style=styles.layout_style(
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ),
            ),
        ]

    def _why(self, visit: Visit) -> str | None:
        """Why a critical failure capped or zeroed a visit's score, in one sentence (the
        failed items counted when there are several)."""
        _, ngettext = self._, self.translations.ngettext
        if not visit.critical_items:
            return None
        count = len(visit.critical_items)
        details = {
            "number": self.formatter.integer(visit.number),
            "channel": self._channel(visit.channel),
            "date": self.formatter.day(visit.day),
            "score": self.formatter.score(visit.percent),
            "items": ", ".join(quoted(item, self.lang) for item in visit.critical_items),
            "count": self.formatter.integer(count),
        }
        if visit.critical_policy == "cap" and visit.critical_cap is not None:
            details["cap"] = self.formatter.score(visit.critical_cap)
            sentence = (
                _(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed a critical item, %(items)s: the checklist caps such a visit at "
                    "%(cap)s."
                )
                if count == 1
                else ngettext(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical item, %(items)s: the checklist caps such a "
                    "visit at %(cap)s.",
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical items, %(items)s: the checklist caps such a "
                    "visit at %(cap)s.",
                    count,
                )
            )
        elif visit.critical_policy == "zero_section":
            sentence = (
                _(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed a critical item, %(items)s: the checklist scores that item's "
                    "section 0%%."
                )
                if count == 1
                else ngettext(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical item, %(items)s: the checklist scores each "
                    "such item's section 0%%.",
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical items, %(items)s: the checklist scores each "
                    "such item's section 0%%.",
                    count,
                )
            )
        else:
            sentence = (
                _(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed a critical item, %(items)s: the checklist scores such a visit 0%%."
                )
                if count == 1
                else ngettext(
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical item, %(items)s: the checklist scores such a "
                    "visit 0%%.",
                    "Visit %(number)s (%(channel)s, %(date)s) scored %(score)s because it "
                    "failed %(count)s critical items, %(items)s: the checklist scores such a "
                    "visit 0%%.",
                    count,
                )
            )
        return sentence % details

    def _visits_strip(self) -> list[Flowable]:
        _ = self._
        visits = self.data.visits
        heading = Heading(_("This wave's visits"), styles.HEADING)
        if not visits:
            return [heading, para(_("No released visit in this wave."), styles.BODY)]
        weighted = len({visit.weight for visit in visits}) > 1
        titles = ["#", _("Date"), _("Channel"), _("Score"), _("Critical failure"), _("Dispute")]
        rows: list[list[Any]] = [header_row(titles)]
        style = styles.table_style()
        for visit in visits:
            channel = escape(self._channel(visit.channel))
            if weighted and visit.weight is not None:
                share = _("%(share)s of the result") % {"share": self.formatter.rate(visit.weight)}
                channel += f'<br/><font size="7.5">{escape(share)}</font>'

            dispute = _(DISPUTE_STATES[visit.dispute]) if visit.dispute in DISPUTE_STATES else "—"
            row = len(rows)
            rows.append(
                [
                    self.formatter.integer(visit.number),
                    para(self.formatter.day(visit.day), styles.CELL),
                    styles.WrapOnceParagraph(channel, styles.CELL),
                    para(self._score_and_band(visit.percent, visit.band), styles.CELL_BOLD),
                    para(_("Yes") if visit.critical_items else "—", styles.CELL_BOLD),
                    para(dispute, styles.CELL_BOLD if visit.dispute == "open" else styles.CELL),
                ]
            )
            if visit.critical_items:
                style.add("TEXTCOLOR", (4, row), (4, row), styles.CRITICAL)
        flowables: list[Flowable] = [
            heading,
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles,
                    [7 * mm, 37 * mm, 28 * mm, 37 * mm, 33 * mm, 32 * mm],
                    flexible=3,
                    cells=[
                        [
                            "",
                            self.formatter.day(visit.day),
                            self._channel(visit.channel),
                            self._band(visit.band),
                            "",
                            _(DISPUTE_STATES[visit.dispute])
                            if visit.dispute in DISPUTE_STATES
                            else "",
                        ]
                        for visit in visits
                    ],
                ),
                repeatRows=1,
                style=style,
            ),
        ]
        notes = [sentence for visit in visits if (sentence := self._why(visit))]
        if self.data.result.under_dispute:
            notes.append(
                _(
                    "A visit under dispute counts with its current score: the result is "
                    "provisional until the dispute is decided."
                )
            )
        for note in notes:
            flowables.extend([Spacer(1, 1.5 * mm), para(note, styles.NOTE)])
        return flowables

    def _rate(self, rate: float | None) -> str:
        return network_rate(rate, self.translations, self.formatter)

    def _item_line(self, marker: str, colour: Any, lines: list[str], right: str = "") -> Table:
        """One item of a list on page 1: its own small table, so that a list may continue on
        the next page between two items instead of leaving a gap."""
        return Table(
            [
                [
                    marker,
                    styles.WrapOnceParagraph("<br/>".join(lines), styles.CELL),
                    para(right, styles.CELL_RIGHT),
                ]
            ],
            colWidths=[7 * mm, styles.CONTENT_WIDTH - 37 * mm, 30 * mm],
            style=styles.layout_style(
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("FONTNAME", (0, 0), (0, -1), styles.FONT_BOLD),
                ("FONTSIZE", (0, 0), (0, -1), 10),
                ("TEXTCOLOR", (0, 0), (0, -1), colour),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, styles.RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ),
        )

    def _fix_first(self) -> list[Flowable]:
        _ = self._
        heading = Heading(_("Fix these first"), styles.HEADING)
        if not self.data.fix_first:
            return [heading, para(_("No item failed in this wave."), styles.BODY)]
        critical = _hex(styles.CRITICAL)
        muted = _hex(styles.MUTED)
        flowables: list[Flowable] = [
            heading,
            para(
                _(
                    "The items that lost the most points over this wave's visits, weighed by "
                    "how often the rest of the network gets them right."
                ),
                styles.INTRO,
            ),
        ]
        items: list[Flowable] = []
        for number, item in enumerate(self.data.fix_first, start=1):
            words = priority_words(item, self.translations, self.formatter)
            title = f"<b>{escape(words.text)}</b>"
            if words.critical:
                flag = escape(_("Critical item"))
                title = f'<font color="{critical}"><b>{flag}:</b></font> {title}'
            items.append(
                self._item_line(
                    f"{number}",
                    styles.INK,
                    [title, f'<font size="8" color="{muted}">{escape(words.detail)}</font>'],
                    words.points,
                )
            )
        return [*flowables, *self._continued(_("Fix these first"), items)]

    def _continued(self, title: str, items: list[Flowable]) -> list[Flowable]:
        """A list's items after its heading: the first one kept with the heading, the rest
        titled again where they continue on the next page."""
        continued = para(self._("%(title)s (continued)") % {"title": title}, styles.SUBHEADING)
        return [items[0], styles.ContinuedItems(items[1:], continued)] if len(items) > 1 else items

    def _strength_title(self, strength: Strength) -> str:
        """The item as passed: a statement of what should not happen is followed by the answer
        that passed it, so that a tick never reads as praise of the failure it names."""
        answer = self._("No") if strength.passed_by_no else strength.answer
        if not answer:
            return strength.text
        return self._("%(item)s: %(answer)s") % {"item": strength.text, "answer": answer}

    def _went_well(self) -> list[Flowable]:
        _ = self._
        heading = Heading(_("What went well"), styles.HEADING)
        if not self.data.strengths:
            return [heading, para(_("No item was passed on every visit this wave."), styles.BODY)]
        muted = _hex(styles.MUTED)
        items: list[Flowable] = []
        for strength in self.data.strengths:
            passed = self.translations.ngettext(
                "Passed on the %(count)s visit that asked it.",
                "Passed on all %(count)s visits that asked it.",
                strength.visits,
            ) % {"count": self.formatter.integer(strength.visits)}
            detail = f"{strength.section} · {passed} {self._rate(strength.network_pass_rate)}"
            items.append(
                self._item_line(
                    "✓",
                    styles.BLUE,
                    [
                        f"<b>{escape(self._strength_title(strength))}</b>",
                        f'<font size="8" color="{muted}">{escape(detail)}</font>',
                    ],
                )
            )
        return [heading, *self._continued(_("What went well"), items)]

    def _trend(self) -> list[Flowable]:
        if len(self.data.trend) < 2:
            return []
        return [
            Heading(self._("Trend over the waves"), styles.HEADING),
            trend_chart(self.data.trend, self.lang, width=styles.CONTENT_WIDTH, height=130),
        ]

    # --- each visit ---------------------------------------------------------------------------

    def _visit_details(self) -> list[Flowable]:
        _ = self._
        if not self.data.visits:
            return []
        flowables: list[Flowable] = [Heading(_("Visit details"), styles.HEADING)]
        for visit in self.data.visits:
            title = " · ".join(
                part
                for part in (
                    self._visit_name(visit),
                    self.formatter.day(visit.day),
                    self._channel(visit.channel),
                    self._score_and_band(visit.percent, visit.band),
                    _("provisional") if visit.dispute == "open" else "",
                )
                if part
            )
            flowables.append(SubHeading(escape(title), styles.SUBHEADING))
            flowables.extend(self._sections(visit))
            flowables.extend(self._failures(visit))
            flowables.extend(self._disputes(visit))
        return flowables

    def _sections(self, visit: Visit) -> list[Flowable]:
        _ = self._
        if not visit.sections:
            return []
        bar_width = 52 * mm
        titles = [_("Section"), _("This visit"), "", _("Network average")]
        rows: list[list[Any]] = [header_row(titles, right=(1, 3))]
        for section in visit.sections:
            rows.append(
                [
                    para(section.title, styles.CELL),
                    self.formatter.score(section.percent),
                    score_bar(section.percent, section.network_average, bar_width),
                    self.formatter.score(section.network_average),
                ]
            )
        style = styles.table_style(right_aligned=(1, 3))
        style.add("VALIGN", (2, 1), (2, -1), "MIDDLE")
        return [
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles, [50 * mm, 24 * mm, bar_width + 4 * mm, 30 * mm], flexible=0
                ),
                repeatRows=1,
                style=style,
            ),
            Spacer(1, 2 * mm),
        ]

    def _thumbnails(self, item: FailedItem) -> Flowable | None:
        if not item.thumbnails:
            return None
        images = [JpegImage.fitted(jpeg, *THUMBNAIL_BOX) for jpeg in item.thumbnails]
        if len(images) <= THUMBNAILS_PER_ROW:
            rows: list[list[Any]] = [list(images)]
            widths = [image.width + 2 * mm for image in images]  # side by side, no gaps
        else:
            rows = [
                images[start : start + THUMBNAILS_PER_ROW]
                for start in range(0, len(images), THUMBNAILS_PER_ROW)
            ]
            rows[-1] = rows[-1] + [""] * (THUMBNAILS_PER_ROW - len(rows[-1]))
            widths = [THUMBNAIL_BOX[0] + 2 * mm] * THUMBNAILS_PER_ROW
        return Table(
            rows,
            colWidths=widths,
            hAlign="LEFT",
            style=styles.layout_style(
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2 * mm),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ),
        )

    def _failures(self, visit: Visit) -> list[Flowable]:
        _ = self._
        if not visit.failed_items:
            return [para(_("No item failed on this visit."), styles.BODY)]
        # Critical failures first, then by points lost; ties keep the checklist order.
        failed = sorted(visit.failed_items, key=lambda item: (not item.critical, -item.points_lost))
        titles = [_("Failed item"), _("Points lost")]
        rows: list[list[Any]] = [header_row(titles, right=(1,))]
        style = styles.table_style(right_aligned=(1,))
        for item in failed:
            # Texts set on one line when they fit (styles.FittedText), not one paragraph with
            # markup per item: tables of 50+ items lay out markedly faster.
            cell: list[Flowable] = []
            if item.critical:
                cell.append(para(_("Critical failure"), styles.CELL_CRITICAL))
            cell.extend([para(item.text, styles.CELL_BOLD), para(item.section, styles.SMALL)])
            if item.answer:
                answer = _("Answer: %(answer)s") % {"answer": item.answer}
                cell.append(para(answer, styles.SMALL))
            if item.comment:
                comment = _("Comment: %(comment)s") % {"comment": item.comment}
                cell.append(para(comment, styles.COMMENT))
            thumbnails = self._thumbnails(item)
            if thumbnails is not None:
                cell.extend([Spacer(1, 2 * mm), thumbnails])
            row = len(rows)
            points: Any = self.formatter.points(item.points_lost)
            effect = self._critical_effect(visit) if item.critical else ""
            if effect:
                # The item's own points understate it: say what its failure did to the visit.
                points = [
                    para(points, styles.CELL_RIGHT),
                    para(effect, styles.SMALL_CRITICAL_RIGHT),
                ]
            rows.append([cell, points])
            if item.critical:
                style.add("BOX", (0, row), (-1, row), 1.8, styles.CRITICAL)
        return [
            Table(
                rows,
                colWidths=styles.fitted_widths(titles, [100 * mm, 26 * mm], flexible=0),
                repeatRows=1,
                style=style,
            )
        ]

    def _critical_effect(self, visit: Visit) -> str:
        """What the checklist does to a visit that fails a critical item, in a few words."""
        _ = self._
        if visit.critical_policy == "cap" and visit.critical_cap is not None:
            return _("caps the visit at %(cap)s") % {
                "cap": self.formatter.score(visit.critical_cap)
            }
        if visit.critical_policy == "zero_total":
            return _("sets the visit to zero")
        if visit.critical_policy == "zero_section":
            return _("sets its section to zero")
        return ""

    def _disputes(self, visit: Visit) -> list[Flowable]:
        _ = self._
        if not visit.disputes:
            return []
        titles = [_("Disputed item"), _("Decision"), _("Reason"), _("Decided on")]
        texts = [
            [
                dispute.item,
                label(DISPUTE_DECISIONS, dispute.decision, self.translations),
                dispute.reason,
                self.formatter.day(dispute.decided_on) if dispute.decided_on else "—",
            ]
            for dispute in visit.disputes
        ]
        rows: list[list[Any]] = [header_row(titles)]
        for item, decision, reason, day in texts:
            rows.append(
                [
                    para(item, styles.CELL),
                    para(decision, styles.CELL_BOLD),
                    para(reason, styles.CELL),
                    para(day, styles.CELL),
                ]
            )
        return [
            Spacer(1, 2 * mm),
            Table(
                rows,
                # No decision ("Удовлетворено") or date split mid-word in any language.
                colWidths=styles.fitted_widths(
                    titles, [50 * mm, 30 * mm, 52 * mm, 42 * mm], flexible=2, cells=texts
                ),
                repeatRows=1,
                style=styles.table_style(),
            ),
        ]

    # --- corrective actions -------------------------------------------------------------------

    def _owner(self, action: CorrectiveAction) -> Any:
        if action.owner:
            return para(action.owner, styles.CELL)
        return para(self._("No owner yet"), styles.CELL_CRITICAL)

    def _corrective_actions(self) -> list[Flowable]:
        _ = self._
        actions = sorted(self.data.corrective_actions, key=lambda action: action.due)
        still_open = [action for action in actions if action.status == "open"]
        done = [action for action in actions if action.status != "open"]
        flowables: list[Flowable] = [Heading(_("Corrective actions"), styles.HEADING)]
        flowables.append(
            SubHeading(
                escape(_("Open (%(count)s)") % {"count": self.formatter.integer(len(still_open))}),
                styles.SUBHEADING,
            )
        )
        if still_open:
            titles = [_("Item"), _("Visit"), _("Owner"), _("Due date")]
            rows: list[list[Any]] = [header_row(titles)]
            for action in still_open:
                overdue = action.due < self.data.generated_on
                due = self.formatter.day(action.due)
                rows.append(
                    [
                        para(action.item, styles.CELL),
                        para(self._visit_of(action), styles.CELL),
                        self._owner(action),
                        para(
                            _("%(date)s (overdue)") % {"date": due} if overdue else due,
                            styles.CELL_CRITICAL if overdue else styles.CELL,
                        ),
                    ]
                )
            flowables.append(
                Table(
                    rows,
                    colWidths=styles.fitted_widths(
                        titles,
                        [62 * mm, 44 * mm, 34 * mm, 34 * mm],
                        flexible=0,
                        cells=[
                            [
                                "",
                                "",
                                action.owner or _("No owner yet"),
                                _("%(date)s (overdue)") % {"date": self.formatter.day(action.due)},
                            ]
                            for action in still_open
                        ],
                    ),
                    repeatRows=1,
                    style=styles.table_style(),
                )
            )
        else:
            flowables.append(para(_("No corrective action is open."), styles.BODY))
        flowables.append(
            SubHeading(
                escape(_("Done (%(count)s)") % {"count": self.formatter.integer(len(done))}),
                styles.SUBHEADING,
            )
        )
        if done:
            titles = [_("Item"), _("Visit"), _("Owner"), _("Due date"), _("Status")]
            rows = [header_row(titles)]
            for action in done:
                rows.append(
                    [
                        para(action.item, styles.CELL),
                        para(self._visit_of(action), styles.CELL),
                        self._owner(action),
                        para(self.formatter.day(action.due), styles.CELL),
                        para(label(ACTION_STATUSES, action.status, self.translations), styles.CELL),
                    ]
                )
            flowables.append(
                Table(
                    rows,
                    colWidths=styles.fitted_widths(
                        titles,
                        [52 * mm, 40 * mm, 30 * mm, 30 * mm, 22 * mm],
                        flexible=0,
                        cells=[
                            [
                                "",
                                "",
                                action.owner or _("No owner yet"),
                                "",
                                label(ACTION_STATUSES, action.status, self.translations),
                            ]
                            for action in done
                        ],
                    ),
                    repeatRows=1,
                    style=styles.table_style(),
                )
            )
        else:
            flowables.append(para(_("No corrective action is done yet."), styles.BODY))
        return flowables
