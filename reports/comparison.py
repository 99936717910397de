"""The head-office comparison report: who leads and who lags in a wave, and where.

League table with confidence intervals, region roll-up, section heatmap, "best vs rest" item
gaps and the comparison across contact channels.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from reportlab.platypus.flowables import Flowable

from reports import styles, verification
from reports.charts import heatmap_chart
from reports.i18n import Formatter, Translations, translation
from reports.labels import CHANNELS, label, para
from reports.model import ComparisonReportData, LeagueRow
from reports.styles import Heading

# Beyond this many outlets a sections x outlets heatmap is unreadable on A4: show regions.
MAX_HEATMAP_OUTLETS = 16


def build_comparison_report(
    data: ComparisonReportData, lang: str, *, invariant: bool = False
) -> bytes:
    """The comparison report of a wave as PDF bytes, in `lang` (en, ru, uk, pl).

    With `invariant`, the same data gives byte-identical PDFs (fixed dates and document id).
    """
    return _ComparisonReport(data, lang).render(invariant=invariant)


class _ComparisonReport:
    def __init__(self, data: ComparisonReportData, lang: str) -> None:
        self.data = data
        self.lang = lang
        self.translations: Translations = translation(lang)
        self._ = self.translations.gettext
        self.formatter = Formatter(lang)

    def render(self, *, invariant: bool) -> bytes:
        _ = self._
        data = self.data
        report_title = _("Comparison report")
        scope = data.region if data.region else _("All regions")
        document = styles.ReportDocument(
            title=f"{report_title}: {data.client} — {data.wave}",
            subject=f"{data.client} · {data.wave} · {scope}",
            author=data.client,
            lang=self.lang,
            invariant=invariant,
            header_left=data.client,
            header_right=f"{report_title} · {data.wave} · {scope}",
            footer_left=_("Generated on %(date)s")
            % {"date": self.formatter.day(data.generated_on)},
            page_label=lambda page, pages: verification.page_label(
                data.verification, _("Page %(page)s of %(pages)s") % {"page": page, "pages": pages}
            ),
        )
        story: list[Flowable] = [
            *self._summary(scope),
            *self._league(),
            *self._regions(),
            *self._heatmap(),
            *self._best_vs_rest(),
            *self._channels(),
        ]
        return document.render(story)

    def _summary(self, scope: str) -> list[Flowable]:
        _ = self._
        data, formatter = self.data, self.formatter
        scored = [row for row in data.league if row.percent is not None]
        facts: list[tuple[str, str]] = [
            (_("Wave"), data.wave),
            (_("Regions"), scope),
            (_("Network score"), formatter.score(data.network_percent)),
            (_("Outlets"), formatter.integer(len(data.league))),
            (_("Visits"), formatter.integer(data.visits)),
        ]
        if scored:
            leader = min(scored, key=lambda row: row.rank)
            laggard = max(scored, key=lambda row: row.rank)
            facts.append((_("Leads"), f"{leader.outlet} ({formatter.score(leader.percent)})"))
            facts.append((_("Lags"), f"{laggard.outlet} ({formatter.score(laggard.percent)})"))
        return [
            Heading(_("Summary"), styles.HEADING),
            para(_("Comparison report"), styles.TITLE),
            para(data.client, styles.SUBTITLE),
            Spacer(1, 4 * mm),
            verification.beside_facts(
                Table(
                    [[para(name, styles.SMALL), para(value, styles.BODY)] for name, value in facts],
                    colWidths=[40 * mm, verification.facts_width(data.verification) - 40 * mm],
                    hAlign="LEFT",
                    style=styles.layout_style(("LEFTPADDING", (0, 0), (-1, -1), 0)),
                ),
                data.verification,
                self.translations,
            ),
        ]

    def _interval(self, row: LeagueRow) -> str:
        if row.ci_low is None or row.ci_high is None:
            return "—"
        return f"{self.formatter.score(row.ci_low)} – {self.formatter.score(row.ci_high)}"

    def _league(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        header = [
            para(_("Rank"), styles.HEADER_CELL_RIGHT),
            para(_("Outlet"), styles.HEADER_CELL),
            para(_("Region"), styles.HEADER_CELL),
            para(_("Score"), styles.HEADER_CELL_RIGHT),
            para(_("Change"), styles.HEADER_CELL_RIGHT),
            para(_("Visits"), styles.HEADER_CELL_RIGHT),
            para(_("Confidence interval (95%)"), styles.HEADER_CELL_RIGHT),
        ]
        rows: list[list[Any]] = [header]
        for row in sorted(self.data.league, key=lambda row: row.rank):
            visits = formatter.integer(row.visits) + (" *" if row.few_visits else "")
            rows.append(
                [
                    formatter.integer(row.rank),
                    [para(row.outlet, styles.CELL_BOLD), para(row.code, styles.SMALL)],
                    para(row.region, styles.CELL),
                    formatter.score(row.percent),
                    formatter.change(row.change),
                    visits,
                    self._interval(row),
                ]
            )
        flowables: list[Flowable] = [
            Heading(_("League table"), styles.HEADING),
            Table(
                rows,
                colWidths=[17 * mm, 37 * mm, 26 * mm, 18 * mm, 24 * mm, 17 * mm, 35 * mm],
                repeatRows=1,
                style=styles.table_style(right_aligned=(0, 3, 4, 5, 6)),
            ),
        ]
        if any(row.few_visits for row in self.data.league):
            flowables.append(
                para(
                    _("* Too few visits for a reliable comparison: read the interval."),
                    styles.SMALL,
                )
            )
        return flowables

    def _regions(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.regions:
            return []
        rows: list[list[Any]] = [
            [
                para(_("Region"), styles.HEADER_CELL),
                para(_("Score"), styles.HEADER_CELL_RIGHT),
                para(_("Change"), styles.HEADER_CELL_RIGHT),
                para(_("Outlets"), styles.HEADER_CELL_RIGHT),
                para(_("Visits"), styles.HEADER_CELL_RIGHT),
            ]
        ]
        ranked = sorted(
            self.data.regions,
            key=lambda region: (region.percent is None, -(region.percent or 0), region.region),
        )
        for region in ranked:
            rows.append(
                [
                    para(region.region, styles.CELL_BOLD),
                    formatter.score(region.percent),
                    formatter.change(region.change),
                    formatter.integer(region.outlets),
                    formatter.integer(region.visits),
                ]
            )
        return [
            Heading(_("Regions"), styles.HEADING),
            Table(
                rows,
                colWidths=[70 * mm, 26 * mm, 26 * mm, 26 * mm, 26 * mm],
                repeatRows=1,
                style=styles.table_style(right_aligned=(1, 2, 3, 4)),
            ),
        ]

    def _heatmap(self) -> list[Flowable]:
        _ = self._
        by_outlet = self.data.heatmap_by_outlet
        if by_outlet.columns and len(by_outlet.columns) <= MAX_HEATMAP_OUTLETS:
            heatmap, title = by_outlet, _("Sections by outlet")
        else:
            heatmap, title = self.data.heatmap_by_region, _("Sections by region")
        if not heatmap.rows or not heatmap.columns:
            return []
        return [
            Heading(title, styles.HEADING),
            para(_("Score of each section; darker is lower."), styles.SMALL),
            Spacer(1, 2 * mm),
            heatmap_chart(heatmap, self.lang, width=styles.CONTENT_WIDTH),
        ]

    def _best_vs_rest(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.best_vs_rest:
            return []
        rows: list[list[Any]] = [
            [
                para(_("Item"), styles.HEADER_CELL),
                para(_("Section"), styles.HEADER_CELL),
                para(_("Top quartile"), styles.HEADER_CELL_RIGHT),
                para(_("Rest"), styles.HEADER_CELL_RIGHT),
                para(_("Gap"), styles.HEADER_CELL_RIGHT),
            ]
        ]
        by_gap = sorted(self.data.best_vs_rest, key=lambda gap: (-gap.gap, gap.section, gap.item))
        for gap in by_gap:
            rows.append(
                [
                    para(gap.item, styles.CELL),
                    para(gap.section, styles.CELL),
                    formatter.rate(gap.top_quartile_pass_rate),
                    formatter.rate(gap.rest_pass_rate),
                    formatter.change(gap.gap * 100),
                ]
            )
        return [
            Heading(_("Best vs rest"), styles.HEADING),
            para(
                _(
                    "Pass rate of each item in the top-quartile outlets against the rest, "
                    "largest gap first (gap in percentage points)."
                ),
                styles.SMALL,
            ),
            Spacer(1, 2 * mm),
            Table(
                rows,
                colWidths=[75 * mm, 36 * mm, 21 * mm, 24 * mm, 18 * mm],
                repeatRows=1,
                style=styles.table_style(right_aligned=(2, 3, 4)),
            ),
        ]

    def _channels(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.channels:
            return []
        rows: list[list[Any]] = [
            [
                para(_("Channel"), styles.HEADER_CELL),
                para(_("Score"), styles.HEADER_CELL_RIGHT),
                para(_("First-contact resolution"), styles.HEADER_CELL_RIGHT),
                para(_("Visits"), styles.HEADER_CELL_RIGHT),
            ]
        ]
        for channel in self.data.channels:
            resolution = channel.first_contact_resolution
            rows.append(
                [
                    para(label(CHANNELS, channel.channel, self.translations), styles.CELL_BOLD),
                    formatter.score(channel.percent),
                    "—" if resolution is None else formatter.rate(resolution),
                    formatter.integer(channel.visits),
                ]
            )
        return [
            Heading(_("Channels"), styles.HEADING),
            Table(
                rows,
                colWidths=[60 * mm, 30 * mm, 50 * mm, 34 * mm],
                repeatRows=1,
                style=styles.table_style(right_aligned=(1, 2, 3)),
            ),
        ]
