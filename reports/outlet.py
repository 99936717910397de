"""The outlet quality report: what a store manager reads in five minutes and acts on.

Cover with the score, its band and ranks; section and trend charts; what went wrong (critical
failures first, boxed, with the auditor's comment and photos); what went right; dispute
outcomes; open corrective actions.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table
from reportlab.platypus.flowables import Flowable

from reports import styles, verification
from reports.charts import section_chart, trend_chart
from reports.i18n import Formatter, Translations, translation
from reports.jpeg import JpegImage
from reports.labels import ACTION_STATUSES, BANDS, CHANNELS, DISPUTE_DECISIONS, label, para
from reports.model import FailedItem, OutletReportData, Rank
from reports.styles import Heading

THUMBNAIL_BOX = (38 * mm, 30 * mm)
THUMBNAILS_PER_ROW = 4


def build_outlet_report(data: OutletReportData, lang: str, *, invariant: bool = False) -> bytes:
    """The outlet quality report as PDF bytes, in `lang` (en, ru, uk, pl).

    With `invariant`, the same data gives byte-identical PDFs (fixed dates and document id).
    """
    return _OutletReport(data, lang).render(invariant=invariant)


class _OutletReport:
    def __init__(self, data: OutletReportData, lang: str) -> None:
        self.data = data
        self.lang = lang
        self.translations: Translations = translation(lang)
        self._ = self.translations.gettext
        self.formatter = Formatter(lang)

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
            *self._sections(),
            *self._trend(),
            *self._failures(),
            *self._strengths(),
            *self._disputes(),
            *self._corrective_actions(),
        ]
        return document.render(story)

    def _rank(self, rank: Rank | None) -> str:
        if rank is None:
            return "—"
        return self._("%(position)s of %(total)s") % {
            "position": self.formatter.integer(rank.position),
            "total": self.formatter.integer(rank.out_of),
        }

    def _cover(self) -> list[Flowable]:
        _ = self._
        data = self.data
        formatter = self.formatter
        colour = styles.band_colour(data.band, data.passed)
        on_colour = styles.text_colour_on(colour)
        band_name = label(BANDS, data.band, self.translations) if data.band else ""
        verdict = _("Passed") if data.passed else _("Not passed")
        score_style = styles.SCORE.clone("score-on-band", textColor=on_colour)
        score_label_style = styles.SCORE_LABEL.clone("score-label-on-band", textColor=on_colour)
        score_box = Table(
            [
                [para(formatter.score(data.percent), score_style)],
                [para(band_name, score_label_style)],
                [para(verdict, score_label_style)],
                [
                    para(
                        _("Pass mark: %(mark)s") % {"mark": formatter.score(data.pass_mark)},
                        score_label_style,
                    )
                ],
            ],
            colWidths=[62 * mm],
            style=styles.layout_style(
                ("BACKGROUND", (0, 0), (-1, -1), colour),
                ("BOX", (0, 0), (-1, -1), 2 if data.passed else 3, styles.INK),
                ("TOPPADDING", (0, 0), (-1, 0), 10),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 10),
            ),
        )
        if data.change is None:
            change = _("No score in the previous wave")
        else:
            change = _("%(change)s points against the previous wave (%(previous)s)") % {
                "change": formatter.change(data.change),
                "previous": formatter.score(data.previous_percent),
            }
        figures = Table(
            [
                [
                    para(
                        _("Rank in region %(region)s") % {"region": data.outlet.region},
                        styles.SMALL,
                    )
                ],
                [para(self._rank(data.rank_in_region), styles.FIGURE)],
                [para(_("Rank in the network"), styles.SMALL)],
                [para(self._rank(data.rank_in_network), styles.FIGURE)],
                [para(_("Change"), styles.SMALL)],
                [para(change, styles.BODY)],
            ],
            colWidths=[styles.CONTENT_WIDTH - 68 * mm],
            style=styles.layout_style(("LEFTPADDING", (0, 0), (-1, -1), 0)),
        )
        facts = Table(
            [
                [para(_("Client"), styles.SMALL), para(data.client, styles.BODY)],
                [para(_("Wave"), styles.SMALL), para(data.wave, styles.BODY)],
                [
                    para(_("Visit date"), styles.SMALL),
                    para(formatter.day(data.visit_date), styles.BODY),
                ],
                [
                    para(_("Channel"), styles.SMALL),
                    para(label(CHANNELS, data.channel, self.translations), styles.BODY),
                ],
            ],
            colWidths=[35 * mm, verification.facts_width(data.verification) - 35 * mm],
            style=styles.layout_style(
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")
            ),
        )
        return [
            Heading(_("Summary"), styles.HEADING),
            para(data.outlet.name, styles.TITLE),
            para(
                f"{data.outlet.code} · {data.outlet.address} · {data.outlet.region}",
                styles.SUBTITLE,
            ),
            Spacer(1, 4 * mm),
            verification.beside_facts(facts, data.verification, self.translations),
            Spacer(1, 5 * mm),
            Table(
                [[score_box, figures]],
                colWidths=[68 * mm, styles.CONTENT_WIDTH - 68 * mm],
                style=styles.layout_style(
                    ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)
                ),
            ),
        ]

    def _sections(self) -> list[Flowable]:
        if not self.data.sections:
            return []
        return [
            Heading(self._("Section scores"), styles.HEADING),
            section_chart(self.data.sections, self.lang, width=styles.CONTENT_WIDTH),
        ]

    def _trend(self) -> list[Flowable]:
        if not self.data.trend:
            return []
        return [
            KeepTogether(
                [
                    Heading(self._("Trend over the waves"), styles.HEADING),
                    trend_chart(self.data.trend, self.lang, width=styles.CONTENT_WIDTH),
                ]
            )
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

    def _failures(self) -> list[Flowable]:
        _ = self._
        heading = Heading(_("What went wrong"), styles.HEADING)
        if not self.data.failed_items:
            return [heading, para(_("No item failed on this visit."), styles.BODY)]
        # Critical failures first, then by points lost; ties keep the checklist order.
        failed = sorted(
            self.data.failed_items, key=lambda item: (not item.critical, -item.points_lost)
        )
        muted, critical = (f"#{colour.hexval()[2:]}" for colour in (styles.MUTED, styles.CRITICAL))
        rows: list[list[Any]] = [
            [
                para(_("Failed item"), styles.HEADER_CELL),
                para(_("Points lost"), styles.HEADER_CELL_RIGHT),
            ]
        ]
        style = styles.table_style(right_aligned=(1,))
        for item in failed:
            # One paragraph per item (markup, not four paragraphs): tables of 50+ items lay
            # out several times faster.
            lines = [
                f"<b>{escape(item.text)}</b>",
                f'<font size="8" color="{muted}">{escape(item.section)}</font>',
            ]
            if item.critical:
                lines.insert(
                    0, f'<font color="{critical}"><b>{escape(_("Critical failure"))}</b></font>'
                )
            if item.comment:
                comment = _("Comment: %(comment)s") % {"comment": item.comment}
                lines.append(f"<i>{escape(comment)}</i>")
            cell: list[Flowable] = [styles.WrapOnceParagraph("<br/>".join(lines), styles.CELL)]
            thumbnails = self._thumbnails(item)
            if thumbnails is not None:
                cell.extend([Spacer(1, 2 * mm), thumbnails])
            row = len(rows)
            rows.append([cell, self.formatter.points(item.points_lost)])
            if item.critical:
                style.add("BOX", (0, row), (-1, row), 1.8, styles.CRITICAL)
        table = Table(
            rows,
            colWidths=[styles.CONTENT_WIDTH - 26 * mm, 26 * mm],
            repeatRows=1,
            style=style,
        )
        return [heading, table]

    def _strengths(self) -> list[Flowable]:
        _ = self._
        heading = Heading(_("What went right"), styles.HEADING)
        if not self.data.strengths:
            return [
                heading,
                para(_("No item stood out against the network this time."), styles.BODY),
            ]
        rows: list[list[Any]] = [
            [
                para(_("Item passed"), styles.HEADER_CELL),
                para(_("Section"), styles.HEADER_CELL),
                para(_("Network pass rate"), styles.HEADER_CELL_RIGHT),
            ]
        ]
        for strength in sorted(
            self.data.strengths, key=lambda strength: strength.network_pass_rate
        ):
            rows.append(
                [
                    para(strength.text, styles.CELL),
                    para(strength.section, styles.CELL),
                    self.formatter.rate(strength.network_pass_rate),
                ]
            )
        return [
            heading,
            para(
                _("Items this outlet passed that most outlets of the network fail."), styles.SMALL
            ),
            Spacer(1, 2 * mm),
            Table(
                rows,
                colWidths=[85 * mm, 50 * mm, styles.CONTENT_WIDTH - 135 * mm],
                repeatRows=1,
                style=styles.table_style(right_aligned=(2,)),
            ),
        ]

    def _disputes(self) -> list[Flowable]:
        _ = self._
        if not self.data.disputes:
            return []
        rows: list[list[Any]] = [
            [
                para(_("Disputed item"), styles.HEADER_CELL),
                para(_("Decision"), styles.HEADER_CELL),
                para(_("Reason"), styles.HEADER_CELL),
                para(_("Decided on"), styles.HEADER_CELL),
            ]
        ]
        for dispute in self.data.disputes:
            rows.append(
                [
                    para(dispute.item, styles.CELL),
                    para(
                        label(DISPUTE_DECISIONS, dispute.decision, self.translations),
                        styles.CELL_BOLD,
                    ),
                    para(dispute.reason, styles.CELL),
                    para(
                        self.formatter.day(dispute.decided_on) if dispute.decided_on else "—",
                        styles.CELL,
                    ),
                ]
            )
        return [
            Heading(_("Dispute outcomes"), styles.HEADING),
            Table(
                rows,
                colWidths=[50 * mm, 30 * mm, 52 * mm, styles.CONTENT_WIDTH - 132 * mm],
                repeatRows=1,
                style=styles.table_style(),
            ),
        ]

    def _corrective_actions(self) -> list[Flowable]:
        _ = self._
        heading = Heading(_("Open corrective actions"), styles.HEADING)
        if not self.data.corrective_actions:
            return [heading, para(_("No corrective action is open."), styles.BODY)]
        rows: list[list[Any]] = [
            [
                para(_("Item"), styles.HEADER_CELL),
                para(_("Owner"), styles.HEADER_CELL),
                para(_("Due date"), styles.HEADER_CELL),
                para(_("Status"), styles.HEADER_CELL),
            ]
        ]
        for action in sorted(self.data.corrective_actions, key=lambda action: action.due):
            overdue = action.status == "open" and action.due < self.data.generated_on
            due = self.formatter.day(action.due)
            rows.append(
                [
                    para(action.item, styles.CELL),
                    para(action.owner, styles.CELL),
                    para(
                        _("%(date)s (overdue)") % {"date": due} if overdue else due,
                        styles.CELL_BOLD if overdue else styles.CELL,
                    ),
                    para(label(ACTION_STATUSES, action.status, self.translations), styles.CELL),
                ]
            )
        return [
            heading,
            Table(
                rows,
                colWidths=[65 * mm, 35 * mm, 47 * mm, styles.CONTENT_WIDTH - 147 * mm],
                repeatRows=1,
                style=styles.table_style(),
            ),
        ]
