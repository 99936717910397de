"""The trust score's rules on generated visits (docs/contract.md#trust): for every signal, cases
that trigger it and cases that do not; the score, the client's view and the words."""

# asserts are written as `expected == actual`

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.i18n import Formatter
from server.audits import trust
from server.audits.flags import (
    DEFAULT_RULES,
    PhotoFacts,
    Visit,
    VisitRules,
    minimum_minutes,
    photo_flags,
    visit_flags,
)
from server.audits.schemas import TrustReasonOut
from server.workflow.schemas import Flag
from shared.answers import Answer
from shared.checklist import CHANNELS, Template
from shared.i18n import LANGUAGES

PROPERTY = settings(max_examples=80, deadline=None, database=None)
START = datetime(2026, 1, 6, 9, 15, tzinfo=UTC)
OUTLET = (52.2297, 21.0122)
METRES_PER_DEGREE = 111_195  # of latitude


def visit(**changes: Any) -> Visit:
    base = Visit(
        channel="in_store",
        started_at=START,
        finished_at=START + timedelta(minutes=20),
        sent_at=START + timedelta(minutes=21),
        received_at=START + timedelta(minutes=21),
        lat=OUTLET[0],
        lon=OUTLET[1],
        accuracy_m=10.0,
        outlet_lat=OUTLET[0],
        outlet_lon=OUTLET[1],
        outlet_timezone="Europe/Warsaw",
    )
    return dataclasses.replace(base, **changes)


def reasons_of(visit_: Visit, rules: VisitRules = DEFAULT_RULES) -> list[trust.Reason]:
    return trust.visit_reasons(visit_, rules, visit_flags(visit_, rules))


def photo_reasons_of(visit_: Visit, *photos: PhotoFacts) -> list[trust.Reason]:
    return trust.photo_reasons(photo_flags(visit_, photos), photos, DEFAULT_RULES)


def codes(reasons: list[trust.Reason]) -> list[str]:
    return [entry["code"] for entry in reasons]


def north(metres: float) -> float:
    return OUTLET[0] + metres / METRES_PER_DEGREE


def camera_photo(uuid: str = "p1", **changes: Any) -> PhotoFacts:
    base = PhotoFacts(
        uuid=uuid,
        captured_at=START + timedelta(minutes=5),
        metadata_read=True,
        camera_make="Apple",
        camera_model="iPhone 15",
        software="17.1.2",
    )
    return dataclasses.replace(base, **changes)


def test_an_honest_visit_keeps_full_trust() -> None:
    reasons = [*reasons_of(visit()), *photo_reasons_of(visit(), camera_photo())]
    assert [] == reasons
    assert 100 == trust.score_of(reasons)


# --- 1. GPS: distance, accuracy, no fix -----------------------------------------------------


@PROPERTY
@given(st.floats(0, 280), st.floats(0, 20), st.floats(0, 2 * math.pi))
def test_a_fix_near_the_outlet_with_a_good_accuracy_is_no_reason(
    metres: float, accuracy: float, bearing: float
) -> None:
    lat = OUTLET[0] + metres * math.cos(bearing) / METRES_PER_DEGREE
    lon = OUTLET[1] + metres * math.sin(bearing) / (
        METRES_PER_DEGREE * math.cos(lat * math.pi / 180)
    )
    assert [] == reasons_of(visit(lat=lat, lon=lon, accuracy_m=accuracy))


@PROPERTY
@given(st.floats(400, 50_000), st.floats(0, 50))
def test_a_fix_far_beyond_the_limit_is_off_site(metres: float, accuracy: float) -> None:
    reasons = reasons_of(visit(lat=north(metres), accuracy_m=accuracy))
    assert [trust.OFF_SITE] == codes(reasons)
    assert 60 == trust.score_of(reasons)


@PROPERTY
@given(st.floats(0, 250), st.floats(350, 5_000))
def test_a_fix_whose_accuracy_is_too_large_to_tell_is_imprecise(
    metres: float, accuracy: float
) -> None:
    reasons = reasons_of(visit(lat=north(metres), accuracy_m=accuracy))
    assert [trust.GPS_IMPRECISE] == codes(reasons)
    assert round(accuracy) == reasons[0]["params"]["accuracy_m"]


def test_the_client_limit_decides_what_is_near() -> None:
    wide = dataclasses.replace(DEFAULT_RULES, max_distance_m=2_000)
    assert [] == reasons_of(visit(lat=north(1_000)), wide)
    assert [trust.OFF_SITE] == codes(reasons_of(visit(lat=north(1_000))))


@pytest.mark.parametrize(
    ("channel", "expected"), [("in_store", [trust.GPS_MISSING]), ("phone", []), ("chat", [])]
)
def test_no_fix_counts_only_for_a_visit_in_store(channel: str, expected: list[str]) -> None:
    assert expected == codes(reasons_of(visit(channel=channel, lat=None, lon=None)))


def test_a_call_made_far_from_the_outlet_is_no_reason() -> None:
    assert [] == reasons_of(visit(channel="phone", lat=north(5_000)))


def test_an_outlet_without_coordinates_gives_no_gps_reason_either_way() -> None:
    assert [] == reasons_of(visit(outlet_lat=None, outlet_lon=None, accuracy_m=5_000))


# --- 2. capture times -----------------------------------------------------------------------


@PROPERTY
@given(st.floats(-15, 35))  # the visit lasts 20 minutes; 15 minutes of margin either side
def test_photos_taken_during_the_visit_are_no_reason(minutes: float) -> None:
    taken = START + timedelta(minutes=minutes)
    assert [] == photo_reasons_of(visit(), camera_photo(captured_at=taken))


@PROPERTY
@given(st.one_of(st.floats(-600, -15.1), st.floats(35.1, 600)))
def test_photos_taken_outside_the_visit_are_a_reason(minutes: float) -> None:
    taken = START + timedelta(minutes=minutes)
    reasons = photo_reasons_of(visit(), camera_photo(captured_at=taken), camera_photo("p2"))
    assert [trust.PHOTO_OUTSIDE_VISIT] == codes(reasons)
    assert {"count": 1, "margin_minutes": 15, "photos": ["p1"]} == reasons[0]["params"]


def test_a_photo_without_capture_time_is_no_reason() -> None:
    assert [] == photo_reasons_of(visit(), camera_photo(captured_at=None))


# --- 3. camera details and editing software -------------------------------------------------


@pytest.mark.parametrize(
    ("make", "model", "expected"),
    [
        (None, None, [trust.PHOTO_NO_CAMERA]),
        ("Apple", None, []),
        (None, "SM-G991B", []),
        ("Google", "Pixel 8", []),
    ],
)
def test_a_photo_with_neither_make_nor_model_is_a_reason(
    make: str | None, model: str | None, expected: list[str]
) -> None:
    photo = camera_photo(camera_make=make, camera_model=model)
    assert expected == codes(photo_reasons_of(visit(), photo))


def test_a_photo_whose_details_were_never_read_is_no_reason() -> None:
    """Photos stored before the details were read are unknown, not suspect."""
    photo = camera_photo(metadata_read=False, camera_make=None, camera_model=None, software=None)
    assert [] == photo_reasons_of(visit(), photo)


@pytest.mark.parametrize(
    "software",
    [
        "Adobe Photoshop CS Macintosh",
        "Adobe Lightroom 7.0 (Android)",
        "GIMP 2.10.34",
        "Snapseed 2.0",
        "PicsArt",
        "Facetune2",
        "paint.net 5.0",
    ],
)
def test_a_photo_saved_by_an_editor_is_a_reason(software: str) -> None:
    reasons = photo_reasons_of(visit(), camera_photo(software=software))
    assert [trust.PHOTO_EDITED] == codes(reasons)
    assert software == reasons[0]["params"]["software"]


@pytest.mark.parametrize(
    "software",
    [None, "17.1.2", "HDR+ 1.0.540104767zd", "G991BXXU9EWK1", "Nikon Transfer 1.1 W", "Ver.1.00"],
)
def test_camera_firmware_is_no_reason(software: str | None) -> None:
    assert [] == photo_reasons_of(visit(), camera_photo(software=software))


# --- 4. near-duplicates and reused files ----------------------------------------------------


def test_a_near_duplicate_in_another_audit_is_a_reason() -> None:
    copied = camera_photo(copied_from=(("audit-2", "q1"),))
    reasons = photo_reasons_of(visit(), copied, camera_photo("p2"))
    assert [trust.PHOTO_NEAR_DUPLICATE] == codes(reasons)
    assert {"count": 1, "photos": ["p1"], "audits": ["audit-2"],
            "originals": [["audit-2", "q1"]]} == reasons[0]["params"]  # fmt: skip


def test_a_photo_in_no_other_audit_is_no_reason() -> None:
    assert [] == photo_reasons_of(visit(), camera_photo(), camera_photo("p2"))


def test_the_same_file_counts_once_as_reused_not_also_as_a_near_duplicate() -> None:
    photo = camera_photo(same_file=(("audit-2", "q1"),), copied_from=(("audit-2", "q2"),))
    reasons = photo_reasons_of(visit(), photo)
    assert [trust.PHOTO_REUSED] == codes(reasons)
    assert 60 == trust.score_of(reasons)


# --- 5. clock skew --------------------------------------------------------------------------


@PROPERTY
@given(st.floats(-300, 300))
def test_a_phone_clock_within_five_minutes_is_no_reason(seconds: float) -> None:
    sent = START + timedelta(minutes=21, seconds=seconds)
    assert [] == reasons_of(visit(sent_at=sent))


@PROPERTY
@given(st.one_of(st.floats(-86_400, -301), st.floats(301, 86_400)))
def test_a_phone_clock_further_off_is_a_reason(seconds: float) -> None:
    sent = START + timedelta(minutes=21, seconds=seconds)
    reasons = reasons_of(visit(sent_at=sent))
    assert [trust.CLOCK_SKEW] == codes(reasons)
    assert round(abs(round(seconds)) / 60) == reasons[0]["params"]["minutes"]


# --- 6. duration against the checklist's expected length ------------------------------------


@PROPERTY
@given(st.floats(1, 600), st.floats(0.5, 1.5))
def test_a_visit_of_at_least_half_the_expected_length_is_no_reason(
    expected: float, share: float
) -> None:
    lasted = timedelta(minutes=expected * share + 0.1)
    assert [] == reasons_of(visit(finished_at=START + lasted, expected_minutes=expected))


@PROPERTY
@given(st.floats(2, 600), st.floats(0, 0.45))
def test_a_visit_shorter_than_half_the_expected_length_is_a_reason(
    expected: float, share: float
) -> None:
    lasted = timedelta(minutes=expected * share)
    reasons = reasons_of(visit(finished_at=START + lasted, expected_minutes=expected))
    assert [trust.TOO_SHORT] == codes(reasons)
    assert round(expected * 0.5, 1) == reasons[0]["params"]["minimum"]
    assert expected == reasons[0]["params"]["expected"]


@pytest.mark.parametrize(
    ("channel", "minutes", "expected"),
    [
        ("in_store", 4, [trust.TOO_SHORT]),
        ("in_store", 6, []),
        ("phone", 1, [trust.TOO_SHORT]),
        ("phone", 3, []),
        ("email", 0, []),
    ],
)
def test_without_an_expected_length_the_channel_minimum_applies(
    channel: str, minutes: float, expected: list[str]
) -> None:
    short = visit(channel=channel, finished_at=START + timedelta(minutes=minutes), lat=None)
    assert expected == [code for code in codes(reasons_of(short)) if code != trust.GPS_MISSING]


def test_the_minimum_is_half_the_expected_length_else_the_channel_default() -> None:
    assert 15 == minimum_minutes(visit(expected_minutes=30))
    assert 5 == minimum_minutes(visit())
    assert minimum_minutes(visit(channel="web")) is None


# --- 7. one phone, several auditors; 8. answer patterns -------------------------------------


def rated_template(yes_no: int = 6, scales: int = 2) -> Template:
    items: list[dict[str, Any]] = [
        {"key": f"q{index}", "kind": "yes_no", "points": 1, "text": {"en": f"Q{index}"}}
        for index in range(yes_no)
    ]
    items += [
        {"key": f"s{index}", "kind": "scale", "min": 1, "max": 5, "points": 4}
        for index in range(scales)
    ]
    items.append({"key": "note", "kind": "text", "required": False})
    return Template.from_dict(
        {
            "key": "rated",
            "version": 1,
            "channel": "in_store",
            "title": {"en": "Rated"},
            "sections": [{"key": "all", "title": {"en": "All"}, "items": items}],
        }
    )


def uniform_answers(template: Template, yes: bool = True, point: int = 5) -> list[Answer]:
    answers = []
    for item in template.items():
        if item.kind == "yes_no":
            answers.append(Answer(item=item.key, value=yes))
        elif item.kind == "scale":
            answers.append(Answer(item=item.key, value=point))
    return [*answers, Answer(item="note", value="Clean, quiet.")]


@pytest.mark.parametrize("auditors", [1, 2, 5])
def test_a_phone_other_auditors_used_is_a_reason(auditors: int) -> None:
    template = rated_template()
    patterns = trust.Patterns(other_auditors_on_device=auditors)
    reasons = trust.pattern_reasons(template, [], patterns)
    assert [trust.DEVICE_SHARED] == codes(reasons)
    assert {"auditors": auditors} == reasons[0]["params"]


def test_a_phone_of_one_auditor_is_no_reason() -> None:
    assert [] == trust.pattern_reasons(rated_template(), [], trust.Patterns())


@PROPERTY
@given(st.integers(6, 20), st.integers(2, 4), st.booleans(), st.integers(1, 5))
def test_every_rated_answer_the_same_is_a_reason(
    yes_no: int, scales: int, yes: bool, point: int
) -> None:
    template = rated_template(yes_no, scales)
    reasons = trust.pattern_reasons(
        template, uniform_answers(template, yes, point), trust.Patterns()
    )
    assert [trust.ANSWERS_UNIFORM] == codes(reasons)
    assert {"count": yes_no + scales} == reasons[0]["params"]


@PROPERTY
@given(st.integers(6, 20), st.integers(0, 5), st.data())
def test_one_different_answer_is_no_reason(yes_no: int, which: int, data: st.DataObject) -> None:
    template = rated_template(yes_no, 2)
    answers = uniform_answers(template)
    changed = data.draw(st.sampled_from(range(yes_no + 2)))
    answer = answers[changed]
    answers[changed] = Answer(item=answer.item, value=False if answer.value is True else 4)
    assert [] == trust.pattern_reasons(template, answers, trust.Patterns())


def test_too_few_rated_answers_are_no_pattern() -> None:
    template = rated_template(yes_no=5, scales=2)  # 7 rated items
    assert [] == trust.pattern_reasons(template, uniform_answers(template), trust.Patterns())


def test_answers_not_applicable_or_unknown_do_not_count() -> None:
    template = rated_template(yes_no=8, scales=0)
    answers = uniform_answers(template)
    answers[0] = Answer(item="q0", na=True)
    answers.append(Answer(item="ghost", value=False))
    assert [] == trust.pattern_reasons(template, answers, trust.Patterns())


@pytest.mark.parametrize("audits", [1, 3])
def test_answers_identical_to_other_audits_are_a_reason(audits: int) -> None:
    reasons = trust.pattern_reasons(rated_template(), [], trust.Patterns(copies=audits))
    assert [trust.ANSWERS_COPIED] == codes(reasons)
    assert {"audits": audits} == reasons[0]["params"]


def commented(template: Template, comment: str = "Till 3 closed at 10:20.") -> list[Answer]:
    answers = uniform_answers(template)
    answers[1] = Answer(item=answers[1].item, value=False, comment=comment)
    return answers


def test_the_fingerprint_needs_enough_answers_and_a_comment() -> None:
    template = rated_template()
    assert trust.answers_fingerprint("rated", uniform_answers(template)) is None
    assert trust.answers_fingerprint("rated", commented(template)[:4]) is None
    assert trust.answers_fingerprint("rated", commented(template)) is not None


@PROPERTY
@given(st.randoms(use_true_random=False))
def test_the_fingerprint_ignores_order_and_photos_not_content(random: Any) -> None:
    template = rated_template()
    answers = commented(template)
    shuffled = random.sample(answers, len(answers))
    with_photos = [dataclasses.replace(answer, photos=("p",)) for answer in shuffled]
    fingerprint = trust.answers_fingerprint("rated", answers)
    assert fingerprint == trust.answers_fingerprint("rated", with_photos)
    assert fingerprint != trust.answers_fingerprint("other", answers)
    assert fingerprint != trust.answers_fingerprint("rated", commented(template, "Till 2."))


# --- generated evidence for the signals above checked on chosen cases ------------------------

EDITOR_NAMES = ("Adobe Photoshop", "Lightroom", "GIMP", "Snapseed", "PicsArt", "Facetune")
# What cameras write as Software: version numbers and firmware codes (letters only as hex
# digits), never an editor's name.
FIRMWARE = st.from_regex(
    r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}|[A-Z][0-9]{3}[0-9A-F]{4,8}", fullmatch=True
)


@st.composite
def received_photos(draw: st.DrawFn) -> list[PhotoFacts]:
    """1-6 photos taken during the visit, each with or without camera details, saved by a
    camera or an editor, in other audits as the same file or a near-duplicate, or not."""
    photos = []
    for index in range(draw(st.integers(1, 6))):
        named = draw(st.booleans())
        editor = draw(st.sampled_from(EDITOR_NAMES))
        photos.append(
            camera_photo(
                f"p{index}",
                camera_make=draw(st.sampled_from(["Apple", "samsung", None])) if named else None,
                camera_model=draw(st.sampled_from(["iPhone 15", "SM-A546B"])) if named else None,
                software=draw(
                    st.one_of(
                        st.none(),
                        FIRMWARE,
                        st.just(editor),
                        st.just(f"{editor.upper()} {draw(FIRMWARE)}"),
                    )
                ),
                same_file=draw(st.sampled_from([(), (("audit-2", "q1"),)])),
                copied_from=draw(
                    st.sampled_from(
                        [(), (("audit-3", "q3"),), (("audit-2", "q2"), ("audit-3", "q3"))]
                    )
                ),
            )
        )
    return photos


def photos_with(reasons: list[trust.Reason], code: str) -> list[str] | None:
    """The photos the reason of `code` names (None without that reason)."""
    found = [entry for entry in reasons if entry["code"] == code]
    assert len(found) <= 1, found  # each reason counts once, however many photos
    return None if not found else list(found[0]["params"]["photos"])


def one_penalty_each(reasons: list[trust.Reason]) -> int:
    return trust.FULL_TRUST - sum(trust.PENALTIES[code] for code in codes(reasons))


@PROPERTY
@given(st.sampled_from(CHANNELS), st.none() | st.floats(0, 5_000))
def test_no_fix_is_a_reason_for_a_visit_in_store_only(channel: str, accuracy: float | None) -> None:
    reasons = reasons_of(visit(channel=channel, lat=None, lon=None, accuracy_m=accuracy))
    expected = [trust.GPS_MISSING] if channel == "in_store" else []
    assert expected == [code for code in codes(reasons) if code != trust.TOO_SHORT]


@PROPERTY
@given(received_photos())
def test_photos_without_camera_details_are_one_reason_naming_them(
    photos: list[PhotoFacts],
) -> None:
    reasons = photo_reasons_of(visit(), *photos)
    plain = [p.uuid for p in photos if p.camera_make is None and p.camera_model is None]
    assert (plain or None) == photos_with(reasons, trust.PHOTO_NO_CAMERA)
    assert max(0, one_penalty_each(reasons)) == trust.score_of(reasons)


@PROPERTY
@given(received_photos())
def test_photos_saved_by_an_editor_are_one_reason_naming_them_and_the_software(
    photos: list[PhotoFacts],
) -> None:
    reasons = photo_reasons_of(visit(), *photos)
    edited = [
        p
        for p in photos
        if p.software and any(name.lower() in p.software.lower() for name in EDITOR_NAMES)
    ]
    assert ([p.uuid for p in edited] or None) == photos_with(reasons, trust.PHOTO_EDITED)
    if edited:
        [entry] = [entry for entry in reasons if entry["code"] == trust.PHOTO_EDITED]
        assert {p.software for p in edited} == set(entry["params"]["software"].split(", "))


@PROPERTY
@given(received_photos())
def test_photos_whose_file_is_in_another_audit_are_one_reason_naming_them(
    photos: list[PhotoFacts],
) -> None:
    reasons = photo_reasons_of(visit(), *photos)
    reused = [p.uuid for p in photos if p.other_audits]
    assert (reused or None) == photos_with(reasons, trust.PHOTO_REUSED)


@PROPERTY
@given(received_photos())
def test_copies_of_other_audits_photos_are_one_reason_unless_the_very_file_is_reused(
    photos: list[PhotoFacts],
) -> None:
    reasons = photo_reasons_of(visit(), *photos)
    copied = [p.uuid for p in photos if p.near_duplicates and not p.other_audits]
    assert (copied or None) == photos_with(reasons, trust.PHOTO_NEAR_DUPLICATE)


@PROPERTY
@given(st.integers(0, 50), st.integers(0, 50))
def test_a_shared_phone_and_copied_answers_are_a_reason_each_naming_how_many(
    auditors: int, copies: int
) -> None:
    template = rated_template()
    patterns = trust.Patterns(other_auditors_on_device=auditors, copies=copies)
    reasons = trust.pattern_reasons(template, commented(template), patterns)
    expected = [
        *([(trust.DEVICE_SHARED, {"auditors": auditors})] if auditors else []),
        *([(trust.ANSWERS_COPIED, {"audits": copies})] if copies else []),
    ]
    assert expected == [(entry["code"], entry["params"]) for entry in reasons]
    assert 100 - 30 * bool(auditors) - 35 * bool(copies) == trust.score_of(reasons)


# --- the score, the client's view, the words ------------------------------------------------


def everything() -> list[trust.Reason]:
    return [trust.reason(code, **PARAMS[code]) for code in trust.ORDER]


PARAMS: dict[str, dict[str, Any]] = {
    trust.OFF_SITE: {"distance_m": 1200, "accuracy_m": 15, "limit_m": 300.0},
    trust.GPS_IMPRECISE: {"distance_m": 120, "accuracy_m": 800, "limit_m": 300.0},
    trust.GPS_MISSING: {},
    trust.TOO_SHORT: {"minutes": 3.5, "minimum": 15.0, "expected": 30},
    trust.CLOCK_SKEW: {"minutes": 9},
    trust.PHOTO_OUTSIDE_VISIT: {"count": 2, "margin_minutes": 15, "photos": ["a", "b"]},
    trust.PHOTO_NO_CAMERA: {"count": 1, "photos": ["a"]},
    trust.PHOTO_EDITED: {"count": 1, "software": "GIMP 2.10", "photos": ["a"]},
    trust.PHOTO_REUSED: {"count": 1, "photos": ["a"]},
    trust.PHOTO_NEAR_DUPLICATE: {"count": 1, "photos": ["b"]},
    trust.DEVICE_SHARED: {"auditors": 2},
    trust.ANSWERS_UNIFORM: {"count": 24},
    trust.ANSWERS_COPIED: {"audits": 1},
}


def test_the_score_is_100_minus_the_penalties_never_below_0() -> None:
    assert 100 == trust.score_of([])
    assert 75 == trust.score_of([trust.reason(trust.TOO_SHORT)])
    assert 0 == trust.score_of(everything())


def test_a_client_sees_no_reason_about_the_auditor_and_a_score_made_of_the_rest() -> None:
    shown = trust.trust_out(everything(), "en", client=True)
    assert [
        trust.OFF_SITE,
        trust.GPS_IMPRECISE,
        trust.GPS_MISSING,
        trust.TOO_SHORT,
        trust.PHOTO_OUTSIDE_VISIT,
        trust.PHOTO_NO_CAMERA,
        trust.PHOTO_EDITED,
    ] == [entry.code for entry in shown.reasons]
    assert 0 == shown.score
    assert (
        100
        == trust.trust_out([trust.reason(trust.DEVICE_SHARED, auditors=1)], "en", client=True).score
    )
    assert 70 == trust.trust_out([trust.reason(trust.DEVICE_SHARED, auditors=1)], "en").score


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reason_is_said_in_words_with_its_parameters(language: str) -> None:
    for entry in everything():
        text = trust.render(entry, language)
        assert "{" not in text, (language, text)
        assert text != entry["code"], (language, text)
        for name, value in entry["params"].items():
            if name != "photos":
                numeric = isinstance(value, int | float)
                shown = Formatter(language).points(value) if numeric else str(value)
                assert shown in text, (language, name, text)


def test_the_words_in_english() -> None:
    assert [
        "The phone's GPS fix was 1,200 m from the outlet, beyond the 300 m allowed even counting "
        "its accuracy of 15 m.",
        "The visit lasted 3.5 min; its checklist expects 30 min, and less than 15 min is too "
        "short.",
        "Other auditors who sent audits from the same phone: 2.",
    ] == [
        trust.render(trust.reason(code, **PARAMS[code]), "en")
        for code in (trust.OFF_SITE, trust.TOO_SHORT, trust.DEVICE_SHARED)
    ]
    without_expected = trust.reason(trust.TOO_SHORT, minutes=1.5, minimum=5.0)
    assert "The visit lasted 1.5 min, less than the 5 min it needs." == trust.render(
        without_expected, "en"
    )


def test_numbers_are_written_as_the_language_writes_them() -> None:
    skew = trust.reason(trust.CLOCK_SKEW, minutes=2000)
    assert "2,000 min off" in trust.render(skew, "en")
    assert "2\xa0000 мин." in trust.render(skew, "ru")
    # a clock off by two days or more (a wrong date) is said in days
    wrong_date = trust.reason(trust.CLOCK_SKEW, minutes=483720)
    assert "was 336 days off" in trust.render(wrong_date, "en")
    assert "на 336 дн." in trust.render(wrong_date, "ru")
    assert {"minutes": 483720} == wrong_date["params"]
    short = trust.render(trust.reason(trust.TOO_SHORT, minutes=1.5, minimum=5.0), "pl")
    assert "1,5" in short


def test_an_unknown_reason_shows_its_code() -> None:
    assert "ghost" == trust.render({"code": "ghost", "params": {}, "penalty": 5}, "pl")


def test_reasons_from_stored_flags_alone() -> None:
    """What an audit stored before the trust score is scored by."""
    flags = visit_flags(visit(lat=north(2_000), sent_at=START + timedelta(hours=2))) + photo_flags(
        visit(), [camera_photo(captured_at=START - timedelta(hours=3))]
    )
    assert [trust.OFF_SITE, trust.CLOCK_SKEW, trust.PHOTO_OUTSIDE_VISIT] == codes(
        trust.flag_reasons("in_store", flags)
    )
    assert [trust.CLOCK_SKEW, trust.PHOTO_OUTSIDE_VISIT] == codes(
        trust.flag_reasons("phone", flags)
    )


def test_new_photo_reasons_replace_the_old_ones_only() -> None:
    old = [trust.reason(trust.CLOCK_SKEW, minutes=9), trust.reason(trust.PHOTO_NO_CAMERA, count=1)]
    fresh = [trust.reason(trust.PHOTO_EDITED, count=1, software="GIMP")]
    assert [trust.CLOCK_SKEW, trust.PHOTO_EDITED] == codes(trust.with_photo_reasons(old, fresh))


def test_a_flag_a_reason_says_is_not_listed_again() -> None:
    reasons = [TrustReasonOut(code=trust.TOO_SHORT, params={}, penalty=25, text="3 min")]
    stored = [{"code": "too_short", "detail": {}}, {"code": "photo_outside_visit", "detail": {}}]
    assert [stored[1]] == trust.flags_unsaid(stored, reasons)
    queued = [Flag(code="too_short", detail={}), Flag(code="clock_skew", detail={})]
    assert [queued[1]] == trust.flags_unsaid(queued, reasons)
    # Without trust (an audit stored before it), every flag is listed.
    assert stored == trust.flags_unsaid(stored, None)
