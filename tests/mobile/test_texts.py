"""The field app's texts: translations, template texts, the server's refusal messages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mobile.i18n import BOLD_FONT, REGULAR_FONT, gettext_for, ngettext_for, template_text
from mobile.notices import (
    AUDIT_MISSING,
    CONFLICT,
    LOGIN_REFUSED,
    OFFLINE,
    PHOTO_FILE_MISSING,
    REFUSED,
    SERVER_BUSY,
    UNCHANGED,
    UNREACHABLE,
    WAITING_FOR_PHOTOS,
    Notice,
    message_text,
    notice_text,
    server_words,
)
from mobile.sync import problem_message


def test_unknown_language_falls_back_to_english() -> None:
    assert "Log out" == gettext_for("xx")("Log out")


@pytest.mark.parametrize(
    ("lang", "expected"), [("ru", "Выйти"), ("uk", "Вийти"), ("pl", "Wyloguj się")]
)
def test_screens_speak_the_auditors_language(lang: str, expected: str) -> None:
    assert expected == gettext_for(lang)("Log out")


def test_visit_counts_differ_between_polish_and_russian() -> None:
    # Polish 22 -> "few" form, 25 -> "many"; Russian 21 -> "one" form, Polish 21 -> "many".
    polish = ngettext_for("pl")
    russian = ngettext_for("ru")
    forms_pl = {n: polish("%(count)d visit", "%(count)d visits", n) for n in (1, 2, 5, 21, 22)}
    forms_ru = {n: russian("%(count)d visit", "%(count)d visits", n) for n in (1, 2, 5, 21, 22)}
    assert forms_pl[2] == forms_pl[22] != forms_pl[5] == forms_pl[21]
    assert forms_ru[1] == forms_ru[21] != forms_ru[2] == forms_ru[22]


def test_template_text_falls_back_to_english() -> None:
    assert "Приветствие" == template_text({"en": "Welcome", "ru": "Приветствие"}, "ru")
    assert "Welcome" == template_text({"en": "Welcome", "ru": "Приветствие"}, "pl")


def test_the_shipped_fonts_have_cyrillic_and_polish_glyphs() -> None:
    from fontTools.ttLib import TTFont

    for path in (REGULAR_FONT, BOLD_FONT):
        characters = TTFont(path).getBestCmap()
        missing = [letter for letter in "ЖжЄєЇїҐґŁłŻżĘęŚś" if ord(letter) not in characters]
        assert [] == missing, Path(path).name
        assert ord("一") not in characters  # the check can fail: no CJK in DejaVu Sans


def test_problem_message_names_every_error_of_a_422() -> None:
    response = httpx.Response(
        422,
        json={
            "type": "about:blank",
            "title": "Unprocessable",
            "status": 422,
            "detail": "The audit is not valid.",
            "errors": [
                {"item": "greeted", "code": "required", "message": "must be answered"},
                {"item": "wait", "code": "out_of_range", "message": "at most 3600"},
            ],
        },
    )
    assert (
        "The audit is not valid.\ngreeted: must be answered\nwait: at most 3600"
        == problem_message(response)
    )


def test_problem_message_of_a_non_json_answer() -> None:
    assert "HTTP 502" == problem_message(httpx.Response(502, text="Bad gateway"))


# --------------------------------------------------------------------------------------------
# what the outbox and the log-in screen say about sending (mobile.notices)

EVERY_NOTICE = [
    Notice(OFFLINE, detail="ConnectError"),
    Notice(SERVER_BUSY, status=503),
    Notice(WAITING_FOR_PHOTOS, count=2),
    Notice(PHOTO_FILE_MISSING),
    Notice(AUDIT_MISSING),
    Notice(UNREACHABLE, detail="ConnectError"),
    Notice(
        LOGIN_REFUSED,
        status=401,
        detail="The e-mail or password is wrong, or the account is disabled.",
    ),
    Notice(REFUSED, status=422, detail="The answers cannot be accepted."),
    Notice(CONFLICT, status=409, detail="Another audit is already stored under this id."),
    Notice(UNCHANGED),
]


def text_in(lang: str, notice: Notice) -> str:
    return notice_text(notice, gettext_for(lang), ngettext_for(lang))


def test_a_notice_survives_the_store_and_free_text_stays_as_it_was() -> None:
    for notice in EVERY_NOTICE:
        assert notice == Notice.from_message(notice.to_message())
    assert Notice.from_message("offline: ConnectError") is None
    assert "offline: ConnectError" == message_text("offline: ConnectError", str, ngettext_for("en"))


def test_no_notice_shows_the_exception_name() -> None:
    for notice in EVERY_NOTICE:
        assert "ConnectError" not in text_in("en", notice)
    assert "No connection to the server; will retry automatically." == text_in(
        "en", EVERY_NOTICE[0]
    )


def test_a_refusal_shows_the_servers_words_after_a_labelled_status() -> None:
    refusal = Notice(REFUSED, status=422, detail="The audit is not valid.\ngreeted: required")
    label, server_words = text_in("en", refusal).split("\n", 1)
    assert "The audit is not valid.\ngreeted: required" == server_words
    assert "(HTTP 422)" in label
    assert "Retry" in label


@pytest.mark.parametrize("lang", ["ru", "uk", "pl"])
def test_every_notice_is_translated(lang: str) -> None:
    for notice in EVERY_NOTICE:
        translated = text_in(lang, notice)
        assert text_in("en", notice) != translated, notice
        if notice.detail and notice.code in (REFUSED, LOGIN_REFUSED, CONFLICT):
            # the server's own words too: it writes them from the catalogue the app reads
            server_said = gettext_for(lang)(notice.detail)
            assert server_said != notice.detail, notice.detail
            assert translated.endswith("\n" + server_said)


def test_the_servers_words_the_catalogue_lacks_stay_as_sent() -> None:
    """A validation error's item stays as it is and its message is translated where the
    catalogue has it; a detail with figures filled in, or an older server's, as sent."""
    russian = gettext_for("ru")
    detail = (
        "The answers cannot be accepted.\n"
        "greeted: The e-mail or password is wrong, or the account is disabled.\n"
        "wait: give between 1 and 500 characters"
    )
    first, error, kept = server_words(detail, russian).split("\n")
    assert russian("The answers cannot be accepted.") == first
    assert (
        "greeted: " + russian("The e-mail or password is wrong, or the account is disabled.")
        == error
    )
    assert "wait: give between 1 and 500 characters" == kept
    assert "" == server_words("", russian)


def test_an_error_names_its_question_where_the_phone_knows_it() -> None:
    russian = gettext_for("ru")
    detail = (
        "The answers cannot be accepted.\n"
        "greeted: This question must be answered.\n"
        "template: The assignment uses store-visit version 2."
    )
    questions = {"greeted": "Поприветствовали за 30 с?"}
    _first, error, other = server_words(detail, russian, questions).split("\n")
    assert "Поприветствовали за 30 с?: " + russian("This question must be answered.") == error
    assert other.startswith("template: ")  # no question of that name: as the server said it
    refusal = Notice(REFUSED, status=422, detail=detail).to_message()
    shown = message_text(refusal, russian, ngettext_for("ru"), questions)
    assert "Поприветствовали за 30 с?: " in shown
    assert "greeted" not in shown


def test_photo_counts_follow_each_languages_plural_rules() -> None:
    """Polish: 2-4 and 22-24 take one form, 5-21 and 25 another; Russian and Ukrainian put
    21 with 1. Through the real catalogues, as the outbox shows them."""

    def forms(lang: str) -> dict[int, str]:
        return {
            n: text_in(lang, Notice(WAITING_FOR_PHOTOS, count=n)).replace(str(n), "N")
            for n in (1, 2, 5, 21, 22, 25)
        }

    polish, russian, ukrainian = forms("pl"), forms("ru"), forms("uk")
    assert polish[2] == polish[22] != polish[5] == polish[21] == polish[25] != polish[1]
    for eastern in (russian, ukrainian):
        assert eastern[1] == eastern[21] != eastern[2] == eastern[22] != eastern[5]
        assert eastern[5] == eastern[25]
    assert "5 zdjęć" in text_in("pl", Notice(WAITING_FOR_PHOTOS, count=5))
    assert "2 zdjęcia" in text_in("pl", Notice(WAITING_FOR_PHOTOS, count=2))
    assert "21 снимок" in text_in("ru", Notice(WAITING_FOR_PHOTOS, count=21))
    assert "5 знімків" in text_in("uk", Notice(WAITING_FOR_PHOTOS, count=5))
