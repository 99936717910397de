"""Where an outlet stands, in words: the one place that turns a `Standing` into sentences.

The server derives the standing from the results' intervals (`server.analytics.results`); the
outlet report, the comparison report and the dashboard all say it with these functions, so
that when the statistics behind a standing change, its words change everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.i18n import N_, Formatter, Translations
from reports.model import Estimate, Standing, Versus
from reports.styles import unbroken

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
# The same groups where the wave is estimated: by the outlet's class against the network's 95%
# funnel limits, as its own report says it (`FUNNEL`).
FUNNEL_GROUPS = {
    "above": N_("Above the network's 95%% funnel limit"),
    "level": N_("Within the network's funnel limits"),
    "below": N_("Below the network's 95%% funnel limit"),
    None: N_("Too few visits to tell"),
}
GROUP_ORDER: tuple[Versus | None, ...] = ("above", "level", "below", None)
# Where the outlet lies against the network's funnel limits (docs/contract.md#estimates), by
# its class at 95% and at 99.8%.
FUNNEL = {
    ("above", "above"): N_(
        "Above the network's funnel limits even at 99.8%%: its lead is very unlikely to be luck."
    ),
    ("above", "level"): N_(
        "Above the network's 95%% funnel limit, within the 99.8%% one: probably better than "
        "an ordinary outlet."
    ),
    ("level", "level"): N_(
        "Within the network's funnel limits: once its number of visits is counted, not clearly "
        "different from an ordinary outlet."
    ),
    ("below", "level"): N_(
        "Below the network's 95%% funnel limit, within the 99.8%% one: probably worse than an "
        "ordinary outlet."
    ),
    ("below", "below"): N_(
        "Below the network's funnel limits even at 99.8%%: its shortfall is very unlikely to be "
        "bad luck."
    ),
}
# A funnel class in one word or two, for tables (the comparison report, the dashboard).
FUNNEL_CLASS = {
    "above": N_("above"),
    "level": N_("within"),
    "below": N_("below"),
}


@dataclass(frozen=True, slots=True)
class Position:
    """How an outlet's position is said (the outlet report, the outlet page, a manager's
    overview): `ranks`, the places its visits allow ("12–64", or "12" when only one), among
    `ranked` outlets, None without estimates; `places`, its places by the wave's results alone,
    in the network and in its region ("41 of 140 in the network")."""

    ranks: str | None
    ranked: int | None
    places: tuple[str, ...]


def position(standing: Standing, translations: Translations, formatter: Formatter) -> Position:
    """Where `standing` puts the outlet, as `Position` says it. The places its visits allow
    lead wherever the wave is estimated: a place worked out from a few visits is mostly the luck
    of who went and when (docs/contract.md#estimates)."""
    _ = translations.gettext
    places = []
    if standing.rank is not None:
        places.append(
            _("%(position)s of %(total)s in the network")
            % {
                "position": formatter.integer(standing.rank.position),
                "total": formatter.integer(standing.rank.out_of),
            }
        )
    if standing.region_rank is not None and standing.region:
        places.append(
            _("%(position)s of %(total)s in %(region)s")
            % {
                "position": formatter.integer(standing.region_rank.position),
                "total": formatter.integer(standing.region_rank.out_of),
                "region": standing.region,
            }
        )
    estimate = standing.estimate
    if estimate is None or standing.rank is None:
        return Position(None, None, tuple(places))
    low, high = formatter.integer(estimate.rank_low), formatter.integer(estimate.rank_high)
    ranks = low if estimate.rank_low == estimate.rank_high else f"{low}–{high}"
    return Position(ranks, estimate.ranked, tuple(places))


def sentences(standing: Standing, translations: Translations, formatter: Formatter) -> list[str]:
    """What the standing says, one sentence each. Where the wave is estimated: its class
    against the network's funnel limits and the ranks it could hold. Otherwise: the third of
    the network it is in, how many outlets the data cannot tell it apart from, and how its
    result compares with the network's."""
    _ = translations.gettext
    said = []
    if standing.rank is None or standing.third is None:
        said.append(
            _("Too few visits this wave to rank it (the minimum is %(count)s).")
            % {"count": formatter.integer(standing.min_visits)}
        )
    elif standing.estimate is None:
        # Where the wave is estimated, the model's sentences below say all of this from the
        # whole network (the ranks the outlet could hold, its funnel class), as the
        # comparison report groups it; the raw intervals' verdicts would contradict them.
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
    if (
        standing.estimate is None
        and standing.versus_network is not None
        and standing.network_percent is not None
    ):
        said.append(
            _(VERSUS[standing.versus_network])
            % {"network": formatter.score(standing.network_percent)}
        )
    if standing.estimate is not None:
        said.extend(estimate_sentences(standing.estimate, translations, formatter))
    return said


def estimate_sentences(
    estimate: Estimate, translations: Translations, formatter: Formatter
) -> list[str]:
    """What the model of the whole network says of an outlet: its class against the funnel
    limits, and the places it could hold."""
    _ = translations.gettext
    return [
        funnel_sentence(estimate.funnel, estimate.funnel_998, translations),
        _(
            "Allowing for the luck of its visits, it could rank anywhere from %(low)s to "
            "%(high)s of %(count)s; the league puts it in tier %(tier)s, with the outlets the "
            "data cannot tell it apart from."
        )
        % {
            "low": formatter.integer(estimate.rank_low),
            "high": formatter.integer(estimate.rank_high),
            "count": formatter.integer(estimate.ranked),
            "tier": formatter.integer(estimate.tier),
        },
    ]


def funnel_sentence(funnel: Versus, funnel_998: Versus, translations: Translations) -> str:
    """The outlet's funnel class in words (its class at 95% and at 99.8%)."""
    key = (funnel, funnel_998 if funnel_998 == funnel else "level")
    return translations.gettext(FUNNEL.get(key, FUNNEL[("level", "level")])).replace("%%", "%")


def funnel_class(funnel: Versus, funnel_998: Versus, translations: Translations) -> str:
    """The class in a table: "above", "within", "below", with "(99.8%)" when it holds there."""
    # "w granicach" broken after "w" in a narrow column reads as two words: a class is one term.
    word = unbroken(translations.gettext(FUNNEL_CLASS[funnel]))
    if funnel != "level" and funnel_998 == funnel:
        return translations.gettext("%(word)s (99.8%%)") % {"word": word}
    return word


def group_title(versus: Versus | None, translations: Translations, funnel: bool = False) -> str:
    """The name of a group of the league: what the data can tell of its outlets, by their
    class against the funnel limits when `funnel` (the wave is estimated)."""
    titles = FUNNEL_GROUPS if funnel else GROUPS
    return translations.gettext(titles[versus]).replace("%%", "%")


def change_words(beyond_chance: bool | None, translations: Translations) -> str:
    """What a change against the previous wave is worth: more than chance or not, by what the
    two waves' visits alone could move the result (`server.analytics.results.outlet_moved`,
    `group_moved`); "" when it cannot be told."""
    if beyond_chance is None:
        return ""
    if beyond_chance:
        return translations.gettext(
            "More than chance: more than what the two waves' visits alone could move the result."
        )
    return translations.gettext(
        "Within chance: with these visits this change cannot be told from no change."
    )
