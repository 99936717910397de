"""The trust score of a visit: 0-100, and its reasons in words (docs/contract.md#trust).

How far the evidence shows that the visit took place as reported: where the phone was, when and
for how long, what the photos are, which phone sent it and how the answers look. The score is
100 minus the penalty of every reason found, never below 0; each reason keeps its code, its
parameters and its penalty, so it can be shown in any language (`render`) and weighed again.

Computed at ingest (`visit_reasons`, `photo_reasons`, `pattern_reasons`) from what the phone sent
and what the server knows, and again for the photo reasons whenever one of the audit's photos
arrives (`with_photo_reasons`). The proof-of-visit flags (`server.audits.flags`) are part of
the evidence: each flag is a reason of the same code.

Reasons about the auditor (their phone's clock and identity, their photos or answers seen in
other audits, their answering habits) are for agency staff only: `for_client` drops them and
scores what is left, so a client user can learn nothing of the auditor from the number either.
The auditor is shown none of it: knowing what was noticed would teach how not to be.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import msgspec

from reports.i18n import Formatter
from server.audits import flags as visit_flags
from server.audits.flags import Flag, PhotoFacts, Visit, VisitRules, distance_m
from server.audits.schemas import TrustOut, TrustReasonOut
from server.core.i18n import _
from shared.answers import Answer
from shared.checklist import Template
from shared.i18n import translation

Reason = dict[str, Any]  # {"code": str, "params": {...}, "penalty": int}, as stored

FULL_TRUST: Final = 100

OFF_SITE: Final = visit_flags.OFF_SITE
GPS_IMPRECISE: Final = "gps_imprecise"
GPS_MISSING: Final = "gps_missing"
TOO_SHORT: Final = visit_flags.TOO_SHORT
CLOCK_SKEW: Final = visit_flags.CLOCK_SKEW
PHOTO_OUTSIDE_VISIT: Final = visit_flags.PHOTO_OUTSIDE_VISIT
PHOTO_NO_CAMERA: Final = "photo_no_camera"
PHOTO_EDITED: Final = "photo_edited"
PHOTO_REUSED: Final = visit_flags.PHOTO_REUSED
PHOTO_NEAR_DUPLICATE: Final = "photo_near_duplicate"
DEVICE_SHARED: Final = "device_shared"
ANSWERS_UNIFORM: Final = "answers_uniform"
ANSWERS_COPIED: Final = "answers_copied"

# What each reason takes off the score. A reason that alone means the visit may not have
# happened as reported (off site, a photo from another audit, someone else's phone, copied
# answers) costs 30-40; one that makes the evidence weaker without contradicting it, 10-25.
PENALTIES: Final[Mapping[str, int]] = {
    OFF_SITE: 40,
    GPS_IMPRECISE: 15,
    GPS_MISSING: 20,
    TOO_SHORT: 25,
    CLOCK_SKEW: 10,
    PHOTO_OUTSIDE_VISIT: 25,
    PHOTO_NO_CAMERA: 10,
    PHOTO_EDITED: 20,
    PHOTO_REUSED: 40,
    PHOTO_NEAR_DUPLICATE: 35,
    DEVICE_SHARED: 30,
    ANSWERS_UNIFORM: 10,
    ANSWERS_COPIED: 35,
}
# In the order reasons are listed: where, how long, when, the photos, the phone, the answers.
ORDER: Final = tuple(PENALTIES)
PHOTO_REASONS: Final = frozenset(
    {PHOTO_OUTSIDE_VISIT, PHOTO_NO_CAMERA, PHOTO_EDITED, PHOTO_REUSED, PHOTO_NEAR_DUPLICATE}
)
# About the auditor rather than the visit: never shown to a client user.
AUDITOR_RELATED: Final = frozenset(
    {CLOCK_SKEW, PHOTO_REUSED, PHOTO_NEAR_DUPLICATE, DEVICE_SHARED, ANSWERS_UNIFORM, ANSWERS_COPIED}
)

MESSAGES: Final[Mapping[str, str]] = {
    OFF_SITE: _(
        "The phone's GPS fix was {distance_m} m from the outlet, beyond the {limit_m} m "
        "allowed even counting its accuracy of {accuracy_m} m."
    ),
    GPS_IMPRECISE: _(
        "The phone's GPS fix was too imprecise to place the visit: {distance_m} m from the "
        "outlet, give or take {accuracy_m} m, where {limit_m} m are allowed."
    ),
    GPS_MISSING: _("The phone sent no GPS fix for a visit in store."),
    TOO_SHORT: _("The visit lasted {minutes} minutes, less than the {minimum} minutes it needs."),
    CLOCK_SKEW: _("The phone's clock was {minutes} minutes off the server's when sending."),
    PHOTO_OUTSIDE_VISIT: _(
        "Photos taken more than {margin_minutes} minutes before or after the visit: {count}."
    ),
    PHOTO_NO_CAMERA: _("Photos without camera details (no make or model): {count}."),
    PHOTO_EDITED: _("Photos saved by editing software ({software}): {count}."),
    PHOTO_REUSED: _("Photos whose very file is also in another audit: {count}."),
    PHOTO_NEAR_DUPLICATE: _(
        "Photos that are copies of a photo in another audit (re-saved, resized or cropped): "
        "{count}."
    ),
    DEVICE_SHARED: _("Other auditors who sent audits from the same phone: {auditors}."),
    ANSWERS_UNIFORM: _("All {count} rated answers are the same."),
    ANSWERS_COPIED: _("Other audits with exactly the same answers and comments: {audits}."),
}
# A visit too short for the length its checklist expects says so.
TOO_SHORT_FOR_EXPECTED: Final = _(
    "The visit lasted {minutes} minutes; its checklist expects {expected}, and less than "
    "{minimum} is too short."
)

# A phone's clock off by days (a wrong date, as after a battery change) is said in days.
CLOCK_SKEW_IN_DAYS: Final = _("The phone's clock was {days} days off the server's when sending.")
DAY_MINUTES: Final = 24 * 60

# The Software tag of a photo names what last saved it: the camera's firmware for a photo as
# taken, an editor's name for one that was retouched or composed (matched case-insensitively).
EDITORS: Final = re.compile(
    r"photoshop|lightroom|adobe|gimp|snapseed|picsart|pixelmator|affinity|canva|facetune|vsco"
    r"|paint\.net|paintshop|acdsee|luminar|capture one|darktable|rawtherapee|photoscape|fotor"
    r"|meitu|airbrush|polarr|photodirector|picasa|photopea|pixlr|krita|corel|befunky|lightx"
    r"|faceapp|photoroom|inpaint|photo ?editor",
    re.IGNORECASE,
)
# Answer patterns: straight-lining needs enough rated answers to mean anything, and a copy is
# told only from answers with written comments (all-"yes" audits of a short checklist agree
# by themselves).
RATED_KINDS: Final = ("yes_no", "scale", "nps")
MIN_UNIFORM_ANSWERS: Final = 8
MIN_FINGERPRINT_ANSWERS: Final = 5


def reason(code: str, **params: Any) -> Reason:
    return {"code": code, "params": params, "penalty": PENALTIES[code]}


def score_of(reasons: Iterable[Reason]) -> int:
    """100 minus every penalty, never below 0."""
    return max(0, FULL_TRUST - sum(int(entry["penalty"]) for entry in reasons))


def ordered(reasons: Iterable[Reason]) -> list[Reason]:
    position = {code: index for index, code in enumerate(ORDER)}
    return sorted(reasons, key=lambda entry: position.get(entry["code"], len(ORDER)))


# --- the visit: where, how long, the phone's clock ------------------------------------------


def flags_unsaid(flags: Iterable[Any], reasons: Iterable[Any] | None) -> list[Any]:
    """The proof-of-visit flags no trust reason says in words (a reason of the flag's code
    says it, with its detail and penalty): what a page lists beside the reasons, so that a
    flag is read once. Flags as stored (mappings) or as the review queue gives them, reasons
    as the API gives them."""
    said = {reason.code for reason in reasons or ()}
    return [
        flag
        for flag in flags
        if (flag["code"] if isinstance(flag, Mapping) else flag.code) not in said
    ]


def visit_reasons(visit: Visit, rules: VisitRules, flags: Sequence[Flag]) -> list[Reason]:
    """Reasons of the visit itself: the visit flags, and the GPS fix of a visit in store."""
    reasons = _visit_flag_reasons(visit.channel, flags)
    if visit.channel == "in_store" and not any(flag["code"] == OFF_SITE for flag in flags):
        gps = _gps_reason(visit, rules)
        if gps is not None:
            reasons.append(gps)
    return reasons


def _visit_flag_reasons(channel: str, flags: Sequence[Flag]) -> list[Reason]:
    """The reasons of the visit flags. A GPS fix counts only for a visit in store: a call or a
    chat may be made from anywhere."""
    reasons: list[Reason] = []
    for flag in flags:
        detail = flag.get("detail", {})
        if flag["code"] == OFF_SITE and channel == "in_store":
            reasons.append(reason(OFF_SITE, **detail))
        elif flag["code"] == TOO_SHORT:
            reasons.append(reason(TOO_SHORT, **detail))
        elif flag["code"] == CLOCK_SKEW:
            reasons.append(reason(CLOCK_SKEW, minutes=round(abs(detail["seconds"]) / 60)))
    return reasons


def _gps_reason(visit: Visit, rules: VisitRules) -> Reason | None:
    """No fix at all, or one whose accuracy circle reaches beyond the limit (not off site: the
    phone may have been at the outlet, or not)."""
    if visit.lat is None or visit.lon is None:
        return reason(GPS_MISSING)
    if visit.outlet_lat is None or visit.outlet_lon is None:
        return None  # nothing to compare with: no evidence either way
    distance = distance_m(visit.lat, visit.lon, visit.outlet_lat, visit.outlet_lon)
    accuracy = max(0.0, visit.accuracy_m or 0.0)
    if distance + accuracy <= rules.max_distance_m:
        return None
    return reason(
        GPS_IMPRECISE,
        distance_m=round(distance),
        accuracy_m=round(accuracy),
        limit_m=rules.max_distance_m,
    )


# --- the photos -----------------------------------------------------------------------------


def photo_reasons(
    flags: Sequence[Flag], photos: Iterable[PhotoFacts], rules: VisitRules
) -> list[Reason]:
    """Reasons of the received photos: the photo flags, missing camera details, an editor's
    traces and near-duplicates in other audits (a photo already reused byte for byte counts
    once, as reused). A reused or copied photo's reason names the other audits too
    (`audits`), and their photos it is or copies (`originals`, [audit, photo] pairs), so that a
    reviewer can put the two side by side."""
    photos = list(photos)
    reasons = _photo_flag_reasons(flags, rules)
    reused = set()
    for entry in reasons:
        if entry["code"] == PHOTO_REUSED:
            reused.update(entry["params"]["photos"])
            entry["params"]["audits"] = sorted(
                {audit for photo in photos if photo.uuid in reused for audit in photo.other_audits}
            )
            entry["params"]["originals"] = sorted(
                [audit, original]
                for photo in photos
                if photo.uuid in reused
                for audit, original in photo.same_file
            )
    plain: list[str] = []
    edited: dict[str, str] = {}
    copies: list[str] = []
    for photo in photos:
        if photo.metadata_read and photo.camera_make is None and photo.camera_model is None:
            plain.append(photo.uuid)
        if photo.metadata_read and photo.software and EDITORS.search(photo.software):
            edited[photo.uuid] = photo.software
        if photo.near_duplicates and photo.uuid not in reused:
            copies.append(photo.uuid)
    if plain:
        reasons.append(reason(PHOTO_NO_CAMERA, count=len(plain), photos=sorted(plain)))
    if edited:
        software = ", ".join(sorted(set(edited.values())))
        reasons.append(
            reason(PHOTO_EDITED, count=len(edited), software=software, photos=sorted(edited))
        )
    if copies:
        others = sorted(
            {audit for photo in photos if photo.uuid in copies for audit in photo.near_duplicates}
        )
        reasons.append(
            reason(
                PHOTO_NEAR_DUPLICATE,
                count=len(copies),
                photos=sorted(copies),
                audits=others,
                originals=sorted(
                    [audit, original]
                    for photo in photos
                    if photo.uuid in copies
                    for audit, original in photo.copied_from
                ),
            )
        )
    return reasons


def _photo_flag_reasons(flags: Sequence[Flag], rules: VisitRules) -> list[Reason]:
    reasons: list[Reason] = []
    for flag in flags:
        detail = flag.get("detail", {})
        if flag["code"] == PHOTO_OUTSIDE_VISIT:
            reasons.append(
                reason(
                    PHOTO_OUTSIDE_VISIT,
                    count=len(detail["photos"]),
                    margin_minutes=round(rules.photo_margin.total_seconds() / 60),
                    photos=list(detail["photos"]),
                )
            )
        elif flag["code"] == PHOTO_REUSED:
            reasons.append(
                reason(PHOTO_REUSED, count=len(detail["photos"]), photos=sorted(detail["photos"]))
            )
    return reasons


def flag_reasons(
    channel: str, flags: Sequence[Flag], rules: VisitRules = visit_flags.DEFAULT_RULES
) -> list[Reason]:
    """The reasons that stored flags alone give: what an audit stored before the trust score
    existed is scored by."""
    return ordered([*_visit_flag_reasons(channel, flags), *_photo_flag_reasons(flags, rules)])


def with_photo_reasons(reasons: Iterable[Reason], fresh: Iterable[Reason]) -> list[Reason]:
    """`reasons` with their photo reasons replaced by `fresh` ones (a photo has arrived)."""
    kept = [entry for entry in reasons if entry["code"] not in PHOTO_REASONS]
    return ordered([*kept, *fresh])


# --- the phone and the answers --------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Patterns:
    """What other audits say about this one: other auditors who sent audits from the same
    phone, and other audits with exactly the same answers."""

    other_auditors_on_device: int = 0
    copies: int = 0


def pattern_reasons(
    template: Template, answers: Sequence[Answer], patterns: Patterns
) -> list[Reason]:
    reasons: list[Reason] = []
    if patterns.other_auditors_on_device:
        reasons.append(reason(DEVICE_SHARED, auditors=patterns.other_auditors_on_device))
    uniform = uniform_answers(template, answers)
    if uniform is not None:
        reasons.append(reason(ANSWERS_UNIFORM, count=uniform))
    if patterns.copies:
        reasons.append(reason(ANSWERS_COPIED, audits=patterns.copies))
    return reasons


def uniform_answers(template: Template, answers: Sequence[Answer]) -> int | None:
    """How many rated answers there are when every yes/no answer is the same, every scale
    answer the same point and every NPS the same rating, and there are at least
    `MIN_UNIFORM_ANSWERS` of them; else None."""
    first: dict[str, Any] = {}  # the first value of each kind
    count = 0
    for answer in answers:
        if answer.na or answer.value is None or not template.has_item(answer.item):
            continue
        kind = template.item(answer.item).kind
        if kind in RATED_KINDS:
            if first.setdefault(kind, answer.value) != answer.value:
                return None  # most audits tell at their first differing answer
            count += 1
    return count if count >= MIN_UNIFORM_ANSWERS else None


def answers_fingerprint(template_key: str, answers: Sequence[Answer]) -> str | None:
    """The SHA-256 of an audit's answers (values, N/A and comments, not photos) with its
    checklist's key, when they are distinctive enough to tell a copy: at least
    `MIN_FINGERPRINT_ANSWERS` answered items and a written comment. None otherwise."""
    answered = [answer for answer in answers if answer.na or answer.value is not None]
    if len(answered) < MIN_FINGERPRINT_ANSWERS or not any(
        answer.comment.strip() for answer in answered
    ):
        return None
    content = [
        (answer.item, answer.value, answer.na, answer.comment.strip())
        for answer in sorted(answered, key=operator.attrgetter("item"))
    ]
    return hashlib.sha256(msgspec.json.encode((template_key, content))).hexdigest()


# --- showing it -----------------------------------------------------------------------------


def render(entry: Reason, language: str) -> str:
    """The reason in words, in `language` (one of shared.i18n.LANGUAGES)."""
    message = MESSAGES.get(entry["code"])
    if message is None:
        return str(entry["code"])
    given = dict(entry.get("params", {}))
    if entry["code"] == TOO_SHORT and "expected" in given:
        message = TOO_SHORT_FOR_EXPECTED
    if entry["code"] == CLOCK_SKEW and given.get("minutes", 0) >= 2 * DAY_MINUTES:
        message = CLOCK_SKEW_IN_DAYS
        given["days"] = round(given["minutes"] / DAY_MINUTES)
    figures = _formatter(language)
    params = {name: _shown(value, figures) for name, value in given.items()}
    text: str = translation(language).gettext(message).format(**params)
    return text


@functools.cache
def _formatter(language: str) -> Formatter:
    """The PDFs' formatter of `language`, made once (a page shows several reasons)."""
    return Formatter(language)


def _shown(value: Any, figures: Formatter) -> Any:
    """A parameter as words show it: a number in the language's way, whole ones without a
    decimal point ("483 720", "2,5")."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return figures.points(value)


def for_client(reasons: Iterable[Reason]) -> list[Reason]:
    """The reasons a client user may see: none about the auditor."""
    return [entry for entry in reasons if entry["code"] not in AUDITOR_RELATED]


def from_json(text: str | None) -> list[Reason]:
    reasons: list[Reason] = json.loads(text or "[]")
    return reasons


def to_json(reasons: Iterable[Reason]) -> str:
    return json.dumps(list(reasons), separators=(",", ":"), ensure_ascii=False)


def trust_out(reasons: Iterable[Reason], language: str, *, client: bool = False) -> TrustOut:
    """The score and reasons as the API shows them, in `language`; for a client user only the
    reasons about the visit, and the score they make (`for_client`)."""
    shown = ordered(for_client(reasons) if client else reasons)
    return TrustOut(
        score=score_of(shown),
        reasons=[
            TrustReasonOut(
                code=entry["code"],
                params=dict(entry.get("params", {})),
                penalty=int(entry["penalty"]),
                text=render(entry, language),
            )
            for entry in shown
        ],
    )
