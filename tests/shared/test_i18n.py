"""Tests of `shared.i18n`: loading catalogues, plural rules per language, negotiation, texts."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from shared import i18n
from shared.checklist import Item
from shared.i18n import INNER_QUOTES, LANGUAGES, quoted

LOCALE = Path(i18n.__file__).parent / "locale"

# Which plural form (msgstr[index]) each count takes. Russian and Ukrainian put 21 and 101 with
# 1 ("21 визит"); Polish puts them with 5 ("21 wizyt"). Teens always take the "many" form.
PLURAL_INDEX = {
    "en": {0: 1, 1: 0, 2: 1, 5: 1, 11: 1, 21: 1, 22: 1, 25: 1, 101: 1, 112: 1},
    "ru": {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 101: 0, 112: 2},
    "uk": {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 0, 22: 1, 25: 2, 101: 0, 112: 2},
    "pl": {0: 2, 1: 0, 2: 1, 5: 2, 11: 2, 21: 2, 22: 1, 25: 2, 101: 2, 112: 2},
}


def plural_messages(lang: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """(msgid pair, msgstr forms) of every plural message in the source catalogue of `lang`."""
    with (LOCALE / lang / "LC_MESSAGES" / "shopscore.po").open("rb") as file:
        catalogue = read_po(file)
    return [
        (tuple(message.id), tuple(message.string))
        for message in catalogue
        if isinstance(message.id, tuple | list) and isinstance(message.string, tuple | list)
    ]


def test_languages_and_default() -> None:
    assert ("en", "ru", "uk", "pl") == i18n.LANGUAGES
    assert "en" == i18n.DEFAULT_LANGUAGE


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="'de'"):
        i18n.translation("de")


def test_translations_are_loaded_once_per_language() -> None:
    assert i18n.translation("ru") is i18n.translation("ru")
    assert i18n.translation("ru") is not i18n.translation("uk")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "This question must be answered."),
        ("ru", "На этот вопрос нужно ответить."),
        ("uk", "На це питання потрібно відповісти."),
        ("pl", "To pytanie wymaga odpowiedzi."),
    ],
)
def test_a_shared_message_in_each_language(lang: str, expected: str) -> None:
    assert expected == i18n.translation(lang).gettext("This question must be answered.")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_plural_forms_follow_the_language_rule(lang: str) -> None:
    messages = plural_messages(lang)
    assert messages, f"the {lang} catalogue has no plural message to check"
    translations = i18n.translation(lang)
    for ids, forms in messages:
        singular, plural = ids
        for count, index in PLURAL_INDEX[lang].items():
            assert forms[index] == translations.ngettext(singular, plural, count), (count, forms)


def test_polish_and_russian_differ_on_21() -> None:
    distinct = [ids for ids, forms in plural_messages("pl") if len(set(forms)) == len(forms)]
    assert distinct, "no Polish plural message with three different forms to check"
    singular, plural = distinct[0]
    russian = i18n.translation("ru").ngettext(singular, plural, 21)
    assert russian == i18n.translation("ru").ngettext(singular, plural, 1)
    polish = i18n.translation("pl").ngettext(singular, plural, 21)
    assert polish == i18n.translation("pl").ngettext(singular, plural, 5)
    assert polish != i18n.translation("pl").ngettext(singular, plural, 1)


def test_read_catalogue_reads_a_compiled_catalogue(tmp_path: Path) -> None:
    catalogue = Catalog(locale="uk", domain="shopscore", fuzzy=False)
    catalogue.add("Save", "Зберегти")
    (tmp_path / "uk" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "uk" / "LC_MESSAGES" / "shopscore.mo").open("wb") as file:
        write_mo(file, catalogue)
    translations = i18n.read_catalogue(tmp_path, "uk")
    assert isinstance(translations, gettext.GNUTranslations)
    assert "Зберегти" == translations.gettext("Save")
    assert "Unknown" == translations.gettext("Unknown")


def test_a_missing_catalogue_falls_back_to_english_with_a_warning(tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="make translations"):
        translations = i18n.read_catalogue(tmp_path, "pl")
    assert "Save" == translations.gettext("Save")
    assert "2 visits" == translations.ngettext("1 visit", "2 visits", 2)


def test_a_missing_english_catalogue_needs_no_warning(tmp_path: Path) -> None:
    # English msgids are the English text, so nothing is lost and nothing is said.
    assert "Save" == i18n.read_catalogue(tmp_path, "en").gettext("Save")


def test_read_catalogue_refuses_an_unknown_language(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.read_catalogue(tmp_path, "ua")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "en"),
        ("", "en"),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("uk-UA", "uk"),
        ("PL-pl", "pl"),
        ("de-DE,de;q=0.9", "en"),
        ("de-DE, pl;q=0.5", "pl"),
        ("en;q=0.5, uk;q=0.8", "uk"),
        ("pl;q=0.8, ru;q=0.8", "pl"),  # a tie goes to the earlier range
        ("*", "en"),
        ("ru;q=0", "en"),  # q=0 means "not acceptable"
        ("ru;q=abc, pl", "pl"),  # a malformed weight is not acceptable
        ("ru;q=2", "en"),  # weights above 1 are malformed too
        ("uk;level=1", "uk"),  # parameters other than q leave the weight at 1
        (" ru ; Q=0.3 , uk ; q=0.2", "ru"),
    ],
)
def test_negotiate(header: str | None, expected: str) -> None:
    assert expected == i18n.negotiate(header)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("ru", "Визит"), ("pl", "Visit"), ("uk", "Visit"), ("en", "Visit"), ("de", "Visit")],
)
def test_text_falls_back_to_english(lang: str, expected: str) -> None:
    texts = {"en": "Visit", "ru": "Визит", "uk": ""}
    assert expected == i18n.text(texts, lang)


def test_text_without_english_is_empty() -> None:
    assert "" == i18n.text({"ru": "Визит"}, "pl")


@pytest.mark.parametrize(
    ("lang", "time_units", "rings"),
    [
        ("en", ["s", "min", "h"], "rings"),
        ("ru", ["с", "мин", "ч"], "гудков"),
        ("uk", ["с", "хв", "год"], "гудків"),
        ("pl", ["s", "min", "godz."], "rings"),
    ],
)
def test_a_unit_in_each_language(lang: str, time_units: list[str], rings: str) -> None:
    """A template's unit in the reader's language (English when it has no other); the symbols
    of time given as one word for every language, and a timer's missing unit (it counts
    seconds), in the product's own words; other kinds have none."""
    by_language = Item(
        key="rings", kind="number", unit={"en": "rings", "ru": "гудков", "uk": "гудків"}
    )
    assert rings == i18n.unit_text(by_language, lang)
    assert time_units == [
        i18n.unit_text(Item(key="wait", kind="number", unit={"en": symbol}), lang)
        for symbol in i18n.TIME_UNITS
    ]
    assert time_units[0] == i18n.unit_text(Item(key="wait", kind="timer"), lang)
    assert "sec" == i18n.unit_text(Item(key="wait", kind="timer", unit={"en": "sec"}), lang)
    # a checklist's own translation of a symbol is its own
    own = Item(key="wait", kind="timer", unit={"en": "s", "ru": "сек."})
    assert ("сек." if lang == "ru" else "s") == i18n.unit_text(own, lang)
    assert "" == i18n.unit_text(Item(key="count", kind="number"), lang)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", "„Kasjer nie odpowiedział na «dzień dobry».”"),
        ("ru", "«Кассир не ответил на „добрый день“.»"),
        ("uk", "«Касир не відповів на „добрий день“.»"),
        ("en", "“The cashier ignored my ‘good morning’.”"),
    ],
)
def test_a_quote_inside_a_quote_takes_the_languages_inner_marks(lang: str, expected: str) -> None:
    inner = {
        "pl": "Kasjer nie odpowiedział na „dzień dobry”.",
        "ru": "Кассир не ответил на «добрый день».",
        "uk": "Касир не відповів на «добрий день».",
        "en": "The cashier ignored my “good morning”.",
    }[lang]
    assert expected == quoted(inner, lang)


@given(st.text(), st.sampled_from(LANGUAGES))
def test_quoted_words_have_the_outer_marks_only_at_their_ends(words: str, lang: str) -> None:
    said = quoted(words, lang)
    opening, closing = said[0], said[-1]
    assert (opening, closing) in INNER_QUOTES
    assert opening not in said[1:-1]
    assert closing not in said[1:-1]
