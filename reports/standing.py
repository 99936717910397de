"""Where an outlet stands, in words: the one place that turns a `Standing` into sentences.

The server derives the standing from the results' intervals (`server.analytics.results`); the
outlet report, the comparison report and the dashboard all say it with these functions, so
that when the statistics behind a standing change, its words change everywhere at once.
"""

from __future__ import annotations

from reports.i18n import N_, Formatter, Translations
from reports.model import Standing, Versus

THIRDS = {
    "top": N_("In the top third of the network."),
    "middle": N_("In the middle third of the network."),
    "bottom": N_("In the bottom third of the network."),
}
VERSUS = {
    "above": N_("Clearly above the network's result (%(network)s)."),
    "level": N_("Not clearly different from the network's result (%(network)s)."),
    "below": N_("Clearly below the network's result (%(network)s)."),
}
# The comparison report's groups of the league table, and what each means.
GROUPS = {
    "above": N_("Clearly above the network"),
    "level": N_("Not clearly different from the network"),
    "below": N_("Clearly below the network"),
    None: N_("Too few visits to tell"),
}
GROUP_ORDER: tuple[Versus | None, ...] = ("above", "level", "below", None)


def sentences(standing: Standing, translations: Translations, formatter: Formatter) -> list[str]:
    """What the standing says, one sentence each: the third of the network it is in, how many
    outlets the data cannot tell it apart from, and how it compares with the network."""
    _ = translations.gettext
    said = []
    if standing.rank is None or standing.third is None:
        said.append(
            _("Too few visits this wave to rank it (the minimum is %(count)s).")
            % {"count": formatter.integer(standing.min_visits)}
        )
    else:
        said.append(_(THIRDS[standing.third]))
        if standing.alike == 0:
            said.append(_("Clearly different from every other ranked outlet."))
        elif standing.alike is not None:
            said.append(
                translations.ngettext(
                    "Not clearly different from the %(count)d outlet around it.",
                    "Not clearly different from the %(count)d outlets around it.",
                    standing.alike,
                )
                % {"count": standing.alike}
            )
    if standing.versus_network is not None and standing.network_percent is not None:
        said.append(
            _(VERSUS[standing.versus_network])
            % {"network": formatter.score(standing.network_percent)}
        )
    return said


def group_title(versus: Versus | None, translations: Translations) -> str:
    """The name of a group of the league: what the data can tell of its outlets."""
    return translations.gettext(GROUPS[versus])
