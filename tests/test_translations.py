"""The translation guard: every message the product shows is translated in every language.

A fresh extraction (the same `pybabel extract` as `make extract`, into a temporary .pot) is
compared with each catalogue in shared/locale; the test names every msgid that a catalogue lacks,
leaves empty, marks fuzzy or leaves in English. The compiled .mo files are refreshed from the
.po files when stale, then checked to serve exactly what the .po files say.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from shared import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "shared" / "locale"
TRANSLATED = ("ru", "uk", "pl")  # en is the identity: its msgstr may equal the msgid

PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 "
    "&& (n%100<10 || n%100>=20) ? 1 : 2);",
    "uk": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 "
    "&& (n%100<10 || n%100>=20) ? 1 : 2);",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}

# What must survive translation unchanged, by the format flag Babel gives the message:
# %(name)s, %d and %% in python-format; {name}, {name!r}, {name:.1f} in python-brace-format.
# The space flag is left out: Babel flags "95% interval" as python-format, but it is plain text.
PLACEHOLDERS = {
    "python-format": re.compile(r"%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]"),
    "python-brace-format": re.compile(r"\{[^{}]*\}"),
}


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "shopscore.po"


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def compiled(catalogue: Catalog) -> bytes:
    """The .mo bytes `make translations` (`pybabel compile --use-fuzzy`) writes for `catalogue`."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=True)
    return buffer.getvalue()


@pytest.fixture(scope="session", autouse=True)
def fresh_compiled_catalogues() -> None:
    """Recompile any .mo that differs from its .po, so the runtime reads the current text."""
    for lang in i18n.LANGUAGES:
        expected = compiled(read_catalogue(po_path(lang)))
        mo_path = po_path(lang).with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != expected:
            mo_path.write_bytes(expected)
    i18n.translation.cache_clear()


def extract(tree: Path, pot: Path) -> Catalog:
    """Extract `tree` into `pot` with ROOT's babel.cfg and the arguments of `make extract`."""
    command = [sys.executable, "-m", "babel.messages.frontend", "--quiet", "extract"]
    command += ["-F", str(ROOT / "babel.cfg"), "-k", "_", "-k", "ngettext:1,2", "-k", "N_"]
    command += ["-o", str(pot), "--no-location", "--sort-output", "."]
    subprocess.run(command, cwd=tree, check=True, capture_output=True)
    return read_catalogue(pot)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A fresh extraction of the whole tree."""
    return extract(ROOT, tmp_path_factory.mktemp("extract") / "shopscore.pot")


def test_babel_cfg_covers_python_kivy_and_jinja_in_the_product_only(tmp_path: Path) -> None:
    sources = {
        "shared/scoring.py": '_("from shared")',
        "server/photos/errors.py": 'ngettext("%(n)d from server", "%(n)d from servers", n)',
        "reports/labels.py": 'N_("from reports")',
        "mobile/screens/outbox.kv": 'Button:\n    text: app._("from a kv file", app.lang)\n',
        "server/dashboard/templates/page.html": '<h1>{{ _("from jinja") }}</h1>',
        "server/mail/templates/deep/page.html": "{% trans %}from a trans tag{% endtrans %}",
        "tests/test_x.py": '_("from a test")',
        "bench/b.py": '_("from a benchmark")',
    }
    for name, source in sources.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(source, "utf-8")
    expected = [
        ("%(n)d from server", "%(n)d from servers"),
        "from a kv file",
        "from a trans tag",
        "from jinja",
        "from reports",
        "from shared",
    ]
    assert expected == message_ids(extract(tmp_path, tmp_path / "out.pot"))


def message_ids(catalogue: Catalog) -> list[str | tuple[str, ...]]:
    return [
        message.id if isinstance(message.id, str) else tuple(message.id)
        for message in catalogue
        if message.id
    ]


def ids_of(message: Message) -> tuple[str, ...]:
    """(msgid,) or (singular, plural)."""
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def forms_of(message: Message) -> tuple[str, ...]:
    """(msgstr,) or every plural form; None (never translated) reads as one empty form."""
    if isinstance(message.string, tuple | list):
        return tuple(message.string)
    return (message.string or "",)


def is_untranslated(message: Message, lang: str) -> bool:
    forms = forms_of(message)
    if not all(forms):
        return True
    ids = ids_of(message)
    # Russian and Ukrainian never read like the English original; Polish may ("Start", "Status").
    return lang in ("ru", "uk") and ids[0] in forms and re.search("[A-Za-z]", ids[0]) is not None


def reword_hint(message: Message) -> str:
    """Advice for a msgid such as "95% interval": Babel reads "% i" as a placeholder that no
    natural translation keeps, so `pybabel compile` would refuse every translation of it."""
    ids = ids_of(message)
    intended = re.search(r"%[(sdif%]", ids[0])  # a real %s, %d, %(name)s or %%
    if "python-format" in message.flags and not intended:
        return " (Babel reads its '%' as a placeholder: reword the msgid, e.g. 'Interval (95%)')"
    return ""


def test_extraction_finds_the_product_messages(extracted: Catalog) -> None:
    ids = message_ids(extracted)
    assert "This question must be answered." in ids  # Python, in shared/
    assert len(ids) > 100, f"only {len(ids)} messages extracted: is babel.cfg right?"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_extracted_message_is_translated(extracted: Catalog, lang: str) -> None:
    catalogue = read_catalogue(po_path(lang))
    problems = []
    for found in extracted:
        if not found.id:
            continue
        msgid = found.id if isinstance(found.id, str) else tuple(found.id)
        message = catalogue.get(msgid, context=found.context)
        if message is None:
            problems.append(f"missing: {msgid!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        elif lang != "en" and is_untranslated(message, lang):
            problems.append(f"untranslated: {msgid!r}{reword_hint(message)}")
        elif lang == "en" and not all(forms_of(message)):
            problems.append(f"empty: {msgid!r}")
    where = po_path(lang).relative_to(ROOT)
    hint = f"run `make extract`, then fix these in {where}:\n" + "\n".join(problems)
    assert [] == problems, hint


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    problems = []
    for message in read_catalogue(po_path(lang)):
        if not message.id:
            continue
        ids, forms = ids_of(message), forms_of(message)
        for flag in set(PLACEHOLDERS) & message.flags:
            expected = sorted(PLACEHOLDERS[flag].findall(ids[-1]))
            problems += [
                f"{message.id!r} -> {form!r}"
                for form in forms
                if form and expected != sorted(PLACEHOLDERS[flag].findall(form))
            ]
    assert [] == problems, "placeholders changed:\n" + "\n".join(problems)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_passes_the_checks_pybabel_compile_enforces(lang: str) -> None:
    # `make translations` fails on any of these. A msgid such as "95% interval" reads to Babel
    # as a format string ("% i"), and no translation can satisfy it: reword the msgid.
    problems = [
        f"{message.id!r}: {'; '.join(str(error) for error in errors)}"
        for message, errors in read_catalogue(po_path(lang)).check()
    ]
    assert [] == problems, "\n".join(problems)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_header(lang: str) -> None:
    catalogue = read_catalogue(po_path(lang))
    assert PLURAL_FORMS[lang] == catalogue.plural_forms
    assert lang == str(catalogue.locale)
    assert not catalogue.fuzzy, "a fuzzy header makes pybabel compile skip the catalogue"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_runtime_serves_the_current_catalogue(lang: str) -> None:
    translations = i18n.translation(lang)
    mismatches = []
    for message in read_catalogue(po_path(lang)):
        ids, forms = ids_of(message), forms_of(message)
        if not message.id or not all(forms):  # empty entries are reported by the test above
            continue
        if message.pluralizable:
            singular, plural = ids
            served = tuple(translations.ngettext(singular, plural, n) for n in (1, 2, 5))
            expected = tuple(forms[index] for index in PLURAL_SAMPLES[lang])
        elif message.context:  # pgettext: a short msgid told apart by its context
            served, expected = (translations.pgettext(message.context, ids[0]),), forms
        else:
            served, expected = (translations.gettext(ids[0]),), forms
        if expected != served:
            mismatches.append(f"{message.id!r}: {served!r} != {expected!r}")
    assert [] == mismatches, "\n".join(mismatches)


# The plural form index of the counts 1, 2 and 5 in each language.
PLURAL_SAMPLES = {"en": (0, 1, 1), "ru": (0, 1, 2), "uk": (0, 1, 2), "pl": (0, 1, 2)}
