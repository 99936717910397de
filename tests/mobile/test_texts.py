"""The field app's texts: translations, template texts, the server's refusal messages."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from mobile.i18n import BOLD_FONT, REGULAR_FONT, gettext_for, ngettext_for, template_text
from mobile.sync import problem_message


def test_unknown_language_falls_back_to_english() -> None:
    assert "Log out" == gettext_for("xx")("Log out")


@pytest.mark.parametrize(
    ("lang", "expected"), [("ru", "Выйти"), ("uk", "Вийти"), ("pl", "Wyloguj się")]
)
def test_screens_speak_the_auditors_language(lang: str, expected: str) -> None:
    assert expected == gettext_for(lang)("Log out")


def test_plural_forms_differ_between_polish_and_russian() -> None:
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
