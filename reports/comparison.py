"""The head-office comparison report: the wave on one page, then the detail behind it.

Page 1: the network's result and change; how the outlets' results spread; the biggest movers;
the outlets clearly above and clearly below the network; critical failures (how many, which
items); overdue corrective actions. Then the league table grouped by what the data can tell
apart (clearly above, not clearly different from, clearly below the network; too few visits),
each outlet with its interval; regions and their change; the section heatmap; "best vs rest"
item gaps; the contact channels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table
from reportlab.platypus.flowables import Flowable

from reports import styles, verification
from reports.charts import (
    GROUP_COLOURS,
    distribution_chart,
    funnel_chart,
    heatmap_chart,
    interval_bar,
)
from reports.i18n import InLanguage
from reports.labels import CHANNELS, header_row, label, para
from reports.model import ComparisonReportData, Heatmap, LeagueRow, RegionRow, Versus
from reports.standing import GROUP_ORDER, change_words, funnel_class, group_title
from reports.styles import Heading, SubHeading

# Beyond this many outlets a sections x outlets heatmap is unreadable on A4: show regions.
MAX_HEATMAP_OUTLETS = 16
# A heatmap is drawn in slices of this many sections, so that none leaves half a page empty.
HEATMAP_SLICE = 8
MOVERS = 3
NAMES_LISTED = 6
TOP_ITEMS = 3
HALF = (styles.CONTENT_WIDTH - 6 * mm) / 2
INTERVAL_BAR = 17 * mm
# The league in tiers shows the estimate's interval on a wider bar (it has no region column).
TIER_BAR = 21 * mm
# Best vs rest lists the items with the largest gaps: the few that tell the best apart.
GAPS_LISTED = 15


def build_comparison_report(
    data: ComparisonReportData, lang: str, *, invariant: bool = False
) -> bytes:
    """The comparison report of a wave as PDF bytes, in `lang` (en, ru, uk, pl).

    With `invariant`, the same data gives byte-identical PDFs (fixed dates and document id).
    """
    return _ComparisonReport(data, lang).render(invariant=invariant)


def _side_by_side(left: list[Flowable], right: list[Flowable]) -> Table:
    return Table(
        [[left, right]],
        colWidths=[HALF + 6 * mm, HALF],
        style=styles.layout_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ),
    )


class _ComparisonReport(InLanguage):
    def __init__(self, data: ComparisonReportData, lang: str) -> None:
        super().__init__(lang)
        self.data = data
        # Where the wave is estimated, its outlets are grouped by their funnel class.
        self._estimated = any(row.estimate is not None for row in data.league)

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
            *self._funnel(),
            *self._regions(),
            *self._heatmap(),
            *self._best_vs_rest(),
            *self._channels(),
        ]
        return document.render(story)

    # --- page 1 -------------------------------------------------------------------------------

    def _outlet(self, row: LeagueRow) -> str:
        return f"{row.outlet} ({row.code})"

    def _key_figures(self) -> Table:
        _ = self._
        network, formatter = self.data.network, self.formatter
        result: list[Flowable] = [
            para(_("Network result"), styles.SMALL),
            para(formatter.score(network.percent), styles.FIGURE),
        ]
        if network.change is not None and network.previous_wave:
            result.append(
                para(
                    _("%(change)s points against %(wave)s (%(previous)s)")
                    % {
                        "change": formatter.change(network.change),
                        "wave": network.previous_wave,
                        "previous": formatter.score(network.previous_percent),
                    },
                    styles.CELL,
                )
            )
            words = change_words(network.change_beyond_chance, self.translations)
            if words:
                result.append(para(words, styles.SMALL))
        else:
            result.append(para(_("No result in the previous wave to compare with."), styles.CELL))
        if network.ci_low is not None and network.ci_high is not None:
            result.append(
                para(
                    _("95%% interval: %(low)s – %(high)s")
                    % {
                        "low": formatter.score(network.ci_low),
                        "high": formatter.score(network.ci_high),
                    },
                    styles.SMALL,
                )
            )
        if network.provisional_outlets:
            result.append(
                para(
                    self.translations.ngettext(
                        "Provisional: %(count)s outlet has a visit under dispute",
                        "Provisional: %(count)s outlets have a visit under dispute",
                        network.provisional_outlets,
                    )
                    % {"count": formatter.integer(network.provisional_outlets)},
                    styles.SMALL,
                )
            )
        groups: list[Flowable] = [para(_("What the data can tell"), styles.SMALL)]
        for group in GROUP_ORDER:
            count = sum(1 for row in self.data.league if self._group(row) == group)
            if count:
                name = escape(group_title(group, self.translations, self._estimated))
                groups.append(
                    styles.WrapOnceParagraph(
                        f"<b>{formatter.integer(count)}</b> · {name}", styles.CELL
                    )
                )
        critical = self.data.critical_failures
        failures: list[Flowable] = [
            para(_("Critical failures"), styles.SMALL),
            para(formatter.integer(critical.visits), styles.FIGURE),
            para(
                _("visits of %(visits)s, at %(outlets)s outlets")
                % {
                    "visits": formatter.integer(network.visits),
                    "outlets": formatter.integer(critical.outlets),
                },
                styles.CELL,
            ),
        ]
        third = styles.CONTENT_WIDTH / 3
        return Table(
            [[result, groups, failures]],
            colWidths=[third] * 3,
            style=styles.layout_style(
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, -1), styles.ZEBRA),
                ("LINEAFTER", (0, 0), (1, 0), 2, styles.WHITE),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ),
        )

    def _movers(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        compared = [row for row in self.data.league if row.change is not None]
        title = SubHeading(_("Biggest movers"), styles.SUBHEADING)
        if not compared:
            return [title, para(_("No outlet has a result in the previous wave."), styles.CELL)]
        moved = [row for row in compared if row.change_beyond_chance]
        if not moved:
            return [
                title,
                para(
                    _(
                        "No outlet's result moved by more than chance since the previous wave: "
                        "with these visits no change can be told from none."
                    ),
                    styles.CELL,
                ),
            ]
        up = sorted(
            (row for row in moved if (row.change or 0) > 0), key=lambda row: -(row.change or 0)
        )[:MOVERS]
        down = sorted(
            (row for row in moved if (row.change or 0) < 0), key=lambda row: row.change or 0
        )[:MOVERS]
        rows: list[list[Any]] = []
        style = styles.layout_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.25, styles.RULE),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        )
        for arrow, colour, rows_of in (("▲", styles.BLUE, up), ("▼", styles.CRITICAL, down)):
            for row in rows_of:
                style.add("TEXTCOLOR", (0, len(rows)), (0, len(rows)), colour)
                rows.append(
                    [
                        arrow,
                        para(self._outlet(row), styles.CELL),
                        formatter.score(row.percent),
                        formatter.change(row.change),
                    ]
                )
        return [
            title,
            para(
                _(
                    "Changes larger than chance: more than what the two waves' visits alone "
                    "could move the result."
                ),
                styles.SMALL,
            ),
            Table(rows, colWidths=[5 * mm, HALF - 37 * mm, 17 * mm, 15 * mm], style=style),
        ]

    def _critical_items(self) -> list[Flowable]:
        _ = self._
        items = self.data.critical_failures.top_items[:TOP_ITEMS]
        title = SubHeading(_("Critical items failed most"), styles.SUBHEADING)
        if not items:
            return [title, para(_("No critical item failed in this wave."), styles.CELL)]
        rows = [
            [
                [para(item.item, styles.CELL_BOLD), para(item.section, styles.SMALL)],
                self.translations.ngettext("%(count)s visit", "%(count)s visits", item.visits)
                % {"count": self.formatter.integer(item.visits)},
            ]
            for item in items
        ]
        return [
            title,
            Table(
                rows,
                colWidths=[HALF - 22 * mm, 22 * mm],
                style=styles.layout_style(
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, styles.RULE),
                ),
            ),
        ]

    def _names(self, group: Versus) -> list[Flowable]:
        rows = sorted(
            (row for row in self.data.league if self._group(row) == group),
            key=lambda row: (-(row.percent or 0), row.code),
        )
        title = SubHeading(
            f"{group_title(group, self.translations, self._estimated)} "
            f"({self.formatter.integer(len(rows))})",
            styles.SUBHEADING,
        )
        if not rows:
            return [title, para(self._("None in this wave."), styles.CELL)]
        listed = [
            [para(self._outlet(row), styles.CELL), self.formatter.score(row.percent)]
            for row in rows[:NAMES_LISTED]
        ]
        flowables: list[Flowable] = [
            title,
            Table(
                listed,
                colWidths=[HALF - 20 * mm, 20 * mm],
                style=styles.layout_style(
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ),
            ),
        ]
        if len(rows) > NAMES_LISTED:
            flowables.append(
                para(
                    self._("and %(count)s more in the league table")
                    % {"count": self.formatter.integer(len(rows) - NAMES_LISTED)},
                    styles.SMALL,
                )
            )
        return flowables

    def _overdue(self) -> list[Flowable]:
        _ = self._
        overdue = self.data.overdue_actions
        title = SubHeading(_("Overdue corrective actions"), styles.SUBHEADING)
        if not overdue.actions:
            return [title, para(_("No corrective action is past its due date."), styles.CELL)]
        lines: list[Flowable] = [
            title,
            para(
                self.translations.ngettext(
                    "%(count)s action past its due date, at %(outlets)s outlets.",
                    "%(count)s actions past their due date, at %(outlets)s outlets.",
                    overdue.actions,
                )
                % {
                    "count": self.formatter.integer(overdue.actions),
                    "outlets": self.formatter.integer(len(overdue.outlets)),
                },
                styles.CELL,
            ),
        ]
        rows = [
            [
                para(f"{outlet.outlet} ({outlet.code})", styles.CELL),
                self.formatter.integer(outlet.actions),
                para(
                    _("oldest due %(date)s") % {"date": self.formatter.day(outlet.oldest_due)},
                    styles.CELL,
                ),
            ]
            for outlet in overdue.outlets[:4]
        ]
        lines.append(
            Table(
                rows,
                colWidths=[100 * mm, 12 * mm, styles.CONTENT_WIDTH - 112 * mm],
                hAlign="LEFT",
                style=styles.layout_style(
                    ("LEFTPADDING", (0, 0), (0, -1), 0),
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ),
            )
        )
        return lines

    def _summary(self, scope: str) -> list[Flowable]:
        _ = self._
        data, formatter = self.data, self.formatter
        facts: list[tuple[str, str]] = [
            (_("Wave"), data.wave),
            (_("Regions"), scope),
            (_("Outlets"), formatter.integer(len(data.league))),
            (_("Visits"), formatter.integer(data.visits)),
        ]
        flowables: list[Flowable] = [
            Heading(_("Summary"), styles.HEADING_TOP),
            para(_("Comparison report"), styles.TITLE),
            para(f"{data.client} · {data.wave}", styles.SUBTITLE),
            Spacer(1, 3 * mm),
            verification.beside_facts(
                Table(
                    [[para(name, styles.SMALL), para(value, styles.BODY)] for name, value in facts],
                    colWidths=[30 * mm, verification.facts_width(data.verification) - 30 * mm],
                    hAlign="LEFT",
                    style=styles.layout_style(("LEFTPADDING", (0, 0), (-1, -1), 0)),
                ),
                data.verification,
                self.translations,
            ),
            Spacer(1, 4 * mm),
        ]
        if not data.league:
            flowables.append(para(_("No released visit in this wave yet."), styles.BODY))
            return flowables
        flowables.extend(
            [
                self._key_figures(),
                SubHeading(_("How the outlets' results spread"), styles.SUBHEADING),
                distribution_chart(
                    [
                        (row.percent, self._group(row))
                        for row in data.league
                        if row.percent is not None
                    ],
                    data.network.percent,
                    self.lang,
                    width=styles.CONTENT_WIDTH,
                    height=105,
                    funnel=self._estimated,
                ),
                _side_by_side(self._movers(), self._critical_items()),
                _side_by_side(self._names("above"), self._names("below")),
                *self._overdue(),
            ]
        )
        return flowables

    # --- the detail ---------------------------------------------------------------------------

    def _group(self, row: LeagueRow) -> Versus | None:
        """The league group of a row: what the data can tell of it (None: too few visits):
        its class against the network's 95% funnel limits where the wave is estimated, else
        whether the network's result lies outside its interval."""
        if row.rank is None:
            return None
        if row.estimate is not None:
            return row.estimate.funnel
        return row.versus_network

    def _change(self, row: LeagueRow | RegionRow, small: bool = False) -> Flowable:
        """A league row's or a region's change against the previous wave, in bold when it is
        more than chance."""
        if small:
            style = styles.SMALL_BOLD_RIGHT if row.change_beyond_chance else styles.SMALL_RIGHT
        else:
            style = styles.CELL_BOLD_RIGHT if row.change_beyond_chance else styles.CELL_RIGHT
        return para(self.formatter.change(row.change), style)

    def _bold_changes(self) -> str:
        """The league intro's sentence on changes in bold ("" when no change is)."""
        if not any(row.change_beyond_chance for row in self.data.league):
            return ""
        return " " + self._(
            "A change in bold is more than chance: more than what the two waves' visits alone "
            "could move the result."
        )

    def _interval(
        self, low: float | None, high: float | None, shown: Callable[[float], str] | None = None
    ) -> str:
        """An interval in a table cell, "71.2% – 80.4%" (`shown` writes each end: a score
        unless told otherwise); "—" without one."""
        if low is None or high is None:
            return "—"
        write = shown or self.formatter.score
        return f"{write(low)} – {write(high)}"

    def _league(self) -> list[Flowable]:
        if any(row.estimate is not None for row in self.data.league):
            return self._league_by_tiers()
        _ = self._
        formatter = self.formatter
        titles = [
            _("Rank"),
            _("Outlet"),
            _("Region"),
            _("Score"),
            _("Change"),
            _("Visits"),
            _("Confidence interval (95%)"),
            "",
        ]
        rows: list[list[Any]] = [header_row(titles, right=(0, 3, 4, 5, 6))]
        style = styles.table_style(right_aligned=(0, 3, 4, 5, 6))
        style.add("VALIGN", (7, 1), (7, -1), "MIDDLE")
        style.add("LEFTPADDING", (7, 0), (7, -1), 1)
        style.add("RIGHTPADDING", (7, 0), (7, -1), 2)
        network = self.data.network.percent
        for group in GROUP_ORDER:
            members = [row for row in self.data.league if self._group(row) == group]
            if not members:
                continue
            at = len(rows)
            name = group_title(group, self.translations, self._estimated)
            count = formatter.integer(len(members))
            rows.append([para(f"{name} ({count})", styles.CELL_BOLD), *[""] * 7])
            style.add("SPAN", (0, at), (-1, at))
            style.add("BACKGROUND", (0, at), (-1, at), styles.WHITE)
            style.add(
                "LINEABOVE", (0, at), (-1, at), 1.2, GROUP_COLOURS[group] if group else styles.MUTED
            )
            for row in members:
                visits = formatter.integer(row.visits) + (" *" if row.provisional else "")
                rows.append(
                    [
                        "—" if row.rank is None else formatter.integer(row.rank),
                        [para(row.outlet, styles.CELL_BOLD), para(row.code, styles.SMALL)],
                        para(row.region, styles.CELL),
                        formatter.score(row.percent),
                        self._change(row),
                        visits,
                        self._interval(row.ci_low, row.ci_high),
                        interval_bar(row.ci_low, row.ci_high, row.percent, network, INTERVAL_BAR),
                    ]
                )
        flowables: list[Flowable] = [
            Heading(_("League table"), styles.HEADING),
            para(
                _(
                    "Outlets grouped by what their results can tell: an outlet is clearly "
                    "above or below the network when the network's result lies outside its "
                    "95%% interval. Ranks count outlets with at least %(count)s visits."
                )
                % {"count": formatter.integer(self.data.min_visits)}
                + self._bold_changes(),
                styles.INTRO,
            ),
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles,
                    [
                        9 * mm,
                        36 * mm,
                        16 * mm,
                        15 * mm,
                        14 * mm,
                        11 * mm,
                        27 * mm,
                        INTERVAL_BAR + 3 * mm,
                    ],
                    flexible=1,
                    cells=[
                        ["", row.outlet, row.region, "", "", "", "", ""] for row in self.data.league
                    ],
                ),
                repeatRows=1,
                style=style,
            ),
        ]
        if any(row.provisional for row in self.data.league):
            flowables.append(
                para(
                    _("* A visit is under dispute: the result is provisional."),
                    styles.SMALL,
                )
            )
        return flowables

    def _league_by_tiers(self) -> list[Flowable]:
        """The league grouped in tiers of outlets the data cannot tell apart, each outlet with
        the places it could hold, its raw result, its estimate with the interval, and its class
        against the funnel limits; outlets with too few visits last."""
        _ = self._
        formatter = self.formatter
        titles = [
            _("Ranks"),
            _("Outlet"),
            _("Score and change"),
            _("Visits"),
            _("Estimate (95%)"),
            _("Funnel"),
            "",
        ]
        right = (0, 2, 3, 4)
        rows: list[list[Any]] = [header_row(titles, right=right)]
        style = styles.table_style(right_aligned=right)
        style.add("VALIGN", (6, 1), (6, -1), "MIDDLE")
        style.add("LEFTPADDING", (6, 0), (6, -1), 1)
        style.add("RIGHTPADDING", (6, 0), (6, -1), 2)
        network = self.data.network.percent
        tiers: dict[int | None, list[LeagueRow]] = {}
        for row in self.data.league:
            tier = row.estimate.tier if row.estimate is not None and row.rank is not None else None
            tiers.setdefault(tier, []).append(row)
        numbered = sorted(tier for tier in tiers if tier is not None)
        for tier in [*numbered, None]:
            members = tiers.get(tier, [])
            if not members:
                continue
            at = len(rows)
            count = formatter.integer(len(members))
            if tier is None:
                title = f"{group_title(None, self.translations, self._estimated)} ({count})"
            else:
                estimated = [row.estimate for row in members if row.estimate is not None]
                title = _("Tier %(tier)s: ranks %(low)s–%(high)s (%(count)s)") % {
                    "tier": formatter.integer(tier),
                    "low": formatter.integer(min(e.rank_low for e in estimated)),
                    "high": formatter.integer(max(e.rank_high for e in estimated)),
                    "count": count,
                }
            rows.append([para(title, styles.CELL_BOLD), *[""] * 6])
            style.add("SPAN", (0, at), (-1, at))
            style.add("BACKGROUND", (0, at), (-1, at), styles.WHITE)
            style.add("LINEABOVE", (0, at), (-1, at), 1.2, styles.MUTED)
            for row in members:
                estimate = row.estimate if row.rank is not None else None
                visits = formatter.integer(row.visits) + (" *" if row.provisional else "")
                score: list[Flowable] = [
                    para(formatter.score(row.percent), styles.CELL_RIGHT),
                    self._change(row, small=True),
                ]
                if estimate is not None and estimate.adjusted is not None:
                    score.append(
                        para(
                            _("adjusted %(score)s") % {"score": formatter.score(estimate.adjusted)},
                            styles.SMALL_RIGHT,
                        )
                    )
                rows.append(
                    [
                        "—"
                        if estimate is None
                        else f"{formatter.integer(estimate.rank_low)}–"
                        f"{formatter.integer(estimate.rank_high)}",
                        [
                            para(row.outlet, styles.CELL_BOLD),
                            para(" · ".join(filter(None, (row.code, row.region))), styles.SMALL),
                        ],
                        score,
                        visits,
                        "—"
                        if estimate is None
                        else [
                            para(formatter.score(estimate.estimate), styles.CELL_RIGHT),
                            para(
                                f"{formatter.decimal(estimate.low)}–"
                                f"{formatter.decimal(estimate.high)}",
                                styles.SMALL_RIGHT,
                            ),
                        ],
                        para(
                            "—"
                            if estimate is None
                            else funnel_class(
                                estimate.funnel, estimate.funnel_998, self.translations
                            ),
                            styles.CELL,
                        ),
                        interval_bar(
                            estimate.low if estimate else row.ci_low,
                            estimate.high if estimate else row.ci_high,
                            estimate.estimate if estimate else row.percent,
                            network,
                            TIER_BAR,
                            colour=styles.BLUE if estimate else styles.MUTED,
                        ),
                    ]
                )
        intro = _(
            "Ordered by each outlet's estimate: its result corrected for how few visits it "
            "rests on. Ranks give the places an outlet could hold (95%%); outlets in one tier "
            "cannot be told apart. Funnel: above, within or below the network's funnel limits "
            '(95%%; "99.8%%" when also beyond those). Ranks count outlets with at least '
            "%(count)s visits."
        ) % {"count": formatter.integer(self.data.min_visits)}
        if self.data.adjusted:
            intro += " " + _(
                "The league ranks results with each auditor's leniency taken out; the score "
                "is the result as visited."
            )
        flowables: list[Flowable] = [
            Heading(_("League table"), styles.HEADING),
            para(intro + self._bold_changes(), styles.INTRO),
        ]
        if self.data.tiers_note:
            flowables.append(para(self.data.tiers_note, styles.INTRO))
        flowables.append(
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles,
                    [
                        12 * mm,
                        40 * mm,
                        16 * mm,
                        10 * mm,
                        20 * mm,
                        14 * mm,
                        TIER_BAR + 3 * mm,
                    ],
                    flexible=1,
                    cells=[self._tier_cells(row) for row in self.data.league],
                ),
                repeatRows=1,
                style=style,
            )
        )
        if any(row.provisional for row in self.data.league):
            flowables.append(
                para(_("* A visit is under dispute: the result is provisional."), styles.SMALL)
            )
        return flowables

    def _tier_cells(self, row: LeagueRow) -> list[str]:
        """The texts of a row of the league in tiers whose words must fit their columns."""
        estimate = row.estimate
        if estimate is None:
            return ["", row.outlet, "", "", "", "", ""]
        formatter = self.formatter
        return [
            "",
            row.outlet,
            "",
            "",
            f"{formatter.decimal(estimate.low)}–{formatter.decimal(estimate.high)}",
            funnel_class(estimate.funnel, estimate.funnel_998, self.translations),
            "",
        ]

    def _funnel(self) -> list[Flowable]:
        funnel = self.data.funnel
        if funnel is None:
            return []
        _ = self._
        flowables: list[Flowable] = [Heading(_("Funnel plot"), styles.HEADING)]
        if self.data.funnel_note:
            flowables.append(para(self.data.funnel_note, styles.INTRO))
        if funnel.adjusted:
            flowables.append(
                para(_("Results with each auditor's leniency taken out."), styles.SMALL)
            )
        flowables.append(
            funnel_chart(funnel, self.lang, width=styles.CONTENT_WIDTH, height=100 * mm)
        )
        flowables.extend(self._scoring())
        return flowables

    def _scoring(self) -> list[Flowable]:
        """How much the auditors differ in how they score (never who), and which results the
        league ranks."""
        spread = self.data.scoring
        if spread is None:
            return []
        _ = self._
        formatter = self.formatter
        said = [
            # The model's estimate sits at its boundary: every leniency 0 (the dashboard's
            # auditors page says the same).
            _(
                "The visits show no difference between auditors beyond chance: every leniency "
                "is 0 and adjusted results equal raw ones."
            )
            if spread.spread == 0
            else _(
                "Auditors' leniency spreads by %(points)s points (standard deviation): "
                "%(lenient)s of %(count)s auditors score clearly above their colleagues at the "
                "same outlets, %(severe)s clearly below."
            )
            % {
                "points": formatter.decimal(spread.spread),
                "lenient": formatter.integer(spread.lenient),
                "severe": formatter.integer(spread.severe),
                "count": formatter.integer(spread.raters),
            }
        ]
        if not spread.linked:
            said.append(
                _(
                    "Some auditors share no outlet with the others, so their leniency cannot be "
                    "compared yet; the agency plans calibration visits to link them."
                )
            )
        said.append(
            _(
                "The league ranks results with each auditor's leniency taken out; the score "
                "is the result as visited."
            )
            if self.data.adjusted
            else _(
                "The league ranks the results as visited; the agency can rank them with "
                "each auditor's leniency taken out."
            )
        )
        return [
            SubHeading(_("Auditors' severity"), styles.SUBHEADING),
            para(" ".join(said), styles.BODY),
        ]

    def _regions(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.regions:
            return []
        titles = [_("Region"), _("Score"), _("Interval (95%)"), _("Change"), _("Outlets"),
                  _("Visits")]  # fmt: skip
        rows: list[list[Any]] = [header_row(titles, right=(1, 2, 3, 4, 5))]
        ranked = sorted(
            self.data.regions,
            key=lambda region: (region.percent is None, -(region.percent or 0), region.region),
        )
        for region in ranked:
            rows.append(
                [
                    para(region.region, styles.CELL_BOLD),
                    formatter.score(region.percent),
                    self._interval(region.ci_low, region.ci_high),
                    self._change(region),
                    formatter.integer(region.outlets),
                    formatter.integer(region.visits),
                ]
            )
        return [
            Heading(_("Regions"), styles.HEADING),
            para(
                _("A region's result is the mean of its outlets' results.")
                + (
                    " "
                    + _(
                        "A change in bold is more than chance: more than what the two waves' "
                        "visits alone could move the result."
                    )
                    if any(region.change_beyond_chance for region in self.data.regions)
                    else ""
                ),
                styles.INTRO,
            ),
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles,
                    [48 * mm, 22 * mm, 40 * mm] + [22 * mm] * 3,
                    flexible=0,
                ),
                repeatRows=1,
                style=styles.table_style(right_aligned=(1, 2, 3, 4, 5)),
            ),
        ]

    def _heatmap(self) -> list[Flowable]:
        _ = self._
        by_outlet = self.data.heatmap_by_outlet
        heatmap: Heatmap
        if by_outlet.columns and len(by_outlet.columns) <= MAX_HEATMAP_OUTLETS:
            heatmap, title = by_outlet, _("Sections by outlet")
        else:
            heatmap, title = self.data.heatmap_by_region, _("Sections by region")
        if not heatmap.rows or not heatmap.columns:
            return []
        slices = [
            heatmap_chart(
                heatmap,
                self.lang,
                width=styles.CONTENT_WIDTH,
                rows=range(start, min(start + HEATMAP_SLICE, len(heatmap.rows))),
            )
            for start in range(0, len(heatmap.rows), HEATMAP_SLICE)
        ]
        return [
            Heading(title, styles.HEADING),
            para(
                _("Score of each section; darker is lower.")
                + (
                    " " + _("In italics, framed: from one visit alone, one shopper's impression.")
                    if any(
                        heatmap.from_one_visit(row, column)
                        for row in range(len(heatmap.rows))
                        for column in range(len(heatmap.columns))
                    )
                    else ""
                ),
                styles.INTRO,
            ),
            *slices,
        ]

    def _best_vs_rest(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.best_vs_rest:
            return []
        beyond = sorted(
            (gap for gap in self.data.best_vs_rest if gap.beyond_chance),
            key=lambda gap: (-gap.gap, gap.section, gap.item),
        )[:GAPS_LISTED]
        within = len(self.data.best_vs_rest) - len(beyond)
        heading = Heading(_("Best vs rest"), styles.HEADING)
        if not beyond:
            return [
                heading,
                para(
                    _(
                        "No item's pass rate in the top-quartile outlets differs from the "
                        "rest's by more than chance: with these visits the data cannot tell "
                        "what the best outlets do differently."
                    ),
                    styles.NOTE,
                ),
            ]
        titles = [
            _("Item"),
            _("Section"),
            _("Top quartile"),
            _("Rest"),
            _("Gap"),
            _("Interval (95%)"),
        ]
        right = (2, 3, 4, 5)
        rows: list[list[Any]] = [header_row(titles, right=right)]
        for gap in beyond:
            rows.append(
                [
                    para(gap.item, styles.CELL),
                    para(gap.section, styles.CELL),
                    formatter.rate(gap.top_quartile_pass_rate),
                    formatter.rate(gap.rest_pass_rate),
                    formatter.change(gap.gap * 100),
                    self._interval(
                        gap.gap_low, gap.gap_high, lambda end: formatter.change(100 * end)
                    ),
                ]
            )
        intro = (
            _(
                "Items the top-quartile outlets pass more (or less) often than the rest by more "
                "than chance: the gap's 95%% interval, in percentage points, leaves out zero. "
                "Largest gap first."
            )
            % {}
        )
        intro += " " + _(
            "For each item, the best outlets are the top quarter on every other item, so that "
            "the item's own results do not choose the group it is compared in."
        )
        if within:
            intro += " " + self.translations.ngettext(
                "%(count)s further item differs by no more than chance (the dashboard lists it).",
                "%(count)s further items differ by no more than chance (the dashboard lists them).",
                within,
            ) % {"count": formatter.integer(within)}
        return [
            heading,
            para(intro, styles.INTRO),
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles,
                    [52 * mm, 32 * mm, 19 * mm, 15 * mm, 16 * mm, 30 * mm],
                    flexible=0,
                    cells=[[gap.item, gap.section, "", "", "", ""] for gap in beyond],
                ),
                repeatRows=1,
                style=styles.table_style(right_aligned=right),
            ),
        ]

    def _channels(self) -> list[Flowable]:
        _ = self._
        formatter = self.formatter
        if not self.data.channels:
            return []
        titles = [
            _("Channel"),
            _("Score"),
            _("Interval (95%)"),
            _("First-contact resolution"),
            _("Visits"),
        ]
        right = (1, 2, 3, 4)
        rows: list[list[Any]] = [header_row(titles, right=right)]
        for channel in self.data.channels:
            resolution = channel.first_contact_resolution
            rows.append(
                [
                    para(label(CHANNELS, channel.channel, self.translations), styles.CELL_BOLD),
                    formatter.score(channel.percent),
                    self._interval(channel.ci_low, channel.ci_high),
                    "—" if resolution is None else formatter.rate(resolution),
                    formatter.integer(channel.visits),
                ]
            )
        return [
            Heading(_("Channels"), styles.HEADING),
            para(
                _("The mean score of the visits of each channel, with its 95%% interval.") % {},
                styles.INTRO,
            ),
            Table(
                rows,
                colWidths=styles.fitted_widths(
                    titles, [44 * mm, 22 * mm, 40 * mm, 44 * mm, 24 * mm], flexible=0
                ),
                repeatRows=1,
                style=styles.table_style(right_aligned=right),
            ),
        ]
