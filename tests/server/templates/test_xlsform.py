"""The XLSForm mapping (docs/contract.md#xlsform), without a server: workbooks to template JSON
and back, every problem named by sheet, row and column, and what ODK can say but a checklist
cannot refused, or left out on request."""

# asserts are written as `expected == actual`

from __future__ import annotations

import io
import json
import zipfile
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given, settings

from server.templates.xlsform import (
    NotAWorkbook,
    WorkbookTooLarge,
    read_workbook,
    rows_of,
    write_workbook,
)
from shared.checklist import Template
from shared.starters import PACKAGE, STARTERS
from tests.server.templates.workbooks import (
    CHOICES,
    SETTINGS,
    SURVEY,
    odk_workbook,
    shopscore_workbook,
    workbook,
)
from tests.shared.strategies import audits


def starter(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(files(PACKAGE).joinpath(name).read_text("utf-8"))
    return data


def round_trip(template: Template) -> Template:
    result = read_workbook(write_workbook(template))
    assert () == result.problems
    assert result.template is not None
    return Template.from_dict(result.template)


@pytest.mark.parametrize("name", STARTERS)
def test_every_starter_exports_and_imports_back_into_the_same_checklist(name: str) -> None:
    template = Template.from_dict(starter(name))
    again = round_trip(template)
    assert template == again
    assert json.dumps(template.to_dict(), sort_keys=True) == json.dumps(
        again.to_dict(), sort_keys=True
    )


@settings(max_examples=60, deadline=None)
@given(audits())
def test_any_checklist_exports_and_imports_back_into_the_same_checklist(
    audit: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    template = Template.from_dict(audit[0])
    assert template.to_dict() == round_trip(template).to_dict()


def test_an_exported_workbook_reads_like_xlsform() -> None:
    content = write_workbook(Template.from_dict(starter("store-visit.json")))
    survey = list(rows_of(content, "survey"))
    header = survey[0]
    assert ["type", "name", "label::en", "label::ru", "label::uk", "label::pl"] == header[:6]
    types = [row[0] for row in survey[1:]]
    assert "begin group" == types[0]
    assert {"select_one not_greeted_reason", "select_multiple additional_offers", "image",
            "yes_no", "scale", "timer", "nps", "text", "end group"} <= set(types)  # fmt: skip
    relevant = {row[1]: row[header.index("relevant")] for row in survey[1:]}
    assert "${greeted} = 'yes'" == relevant["greeting_wait"]
    settings_rows = list(rows_of(content, "settings"))
    assert {"form_id": "store-visit", "critical_policy": "cap", "critical_cap": 50} == {
        key: value
        for key, value in zip(settings_rows[0], settings_rows[1], strict=True)
        if key in ("form_id", "critical_policy", "critical_cap")
    }


def test_a_workbook_written_for_shopscore_becomes_its_checklist() -> None:
    result = read_workbook(shopscore_workbook())
    assert () == result.problems
    template = Template.from_dict(result.template)
    assert ("deli-visit", "in_store", 75, "cap", 40) == (
        template.key, template.channel, template.pass_mark, template.critical_policy,
        template.critical_cap,
    )  # fmt: skip
    assert ["good", "poor"] == [band.key for band in template.bands]
    counter, notes = template.sections
    assert (3, 0) == (counter.weight, notes.weight)
    assert {"en": "At the counter", "ru": "У прилавка", "pl": "Przy ladzie"} == counter.title
    greeted = template.item("greeted")
    assert (5, True, "on_fail", {"en": "Within 30 s"}) == (
        greeted.points, greeted.critical, greeted.photo, greeted.hint
    )  # fmt: skip
    assert (True, False) == (greeted.required, template.item("extras").required)
    assert ("greeted", (True,)) == (
        template.item("wait").show_if.item, template.item("wait").show_if.values  # type: ignore[union-attr]
    )  # fmt: skip
    manner = template.item("manner")
    assert [("warm", 5, False), ("cold", 0, True)] == [
        (option.key, option.points, option.fail) for option in manner.options
    ]
    assert (True, False) == manner.show_if.values  # type: ignore[union-attr]
    assert ("none", "loyalty") == template.item("why").show_if.values  # type: ignore[union-attr]
    assert (4, 5) == template.item("staff").show_if.values  # type: ignore[union-attr]
    assert ("number", "photo", "nps") == tuple(
        template.item(key).kind for key in ("staff", "front", "recommend")
    )
    assert ({"en": "s"}, 60, 300) == (template.item("wait").unit, 60, 300)


def test_a_unit_is_one_word_or_a_word_per_language() -> None:
    """A `unit` column holds one word for every language; `unit::ru`... columns translate it
    (the one-word column then gives English, which a unit needs like any text); a workbook
    written back keeps each form."""
    rows = padded(SURVEY)
    header = [*rows[0], "unit::ru", "unit::pl"]
    rows = [header] + [[*row, None, None] for row in rows[1:]]
    names = [row[1] for row in rows]
    staff, wait = rows[names.index("staff")], rows[names.index("wait")]
    staff[header.index("unit")], staff[header.index("unit::ru")] = "people", "чел."
    wait[header.index("unit")], wait[header.index("unit::pl")] = None, "sek."
    (problem,) = read_workbook(shopscore_workbook(survey=rows)).problems
    assert ("survey!T4", "required") == (problem.place, problem.code)
    assert "unit::en is required" in problem.message
    wait[header.index("unit")] = "s"
    result = read_workbook(shopscore_workbook(survey=rows))
    assert () == result.problems
    template = Template.from_dict(result.template)
    assert {"en": "people", "ru": "чел."} == template.item("staff").unit
    assert {"en": "s", "pl": "sek."} == template.item("wait").unit
    assert template == round_trip(template)
    exported = list(rows_of(write_workbook(template), "survey"))
    assert {"unit", "unit::en", "unit::ru", "unit::pl"} <= set(exported[0])
    one_word = Template.from_dict(read_workbook(shopscore_workbook()).template)
    assert "unit::en" not in next(rows_of(write_workbook(one_word), "survey"))


def padded(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows as long as their header, so that any cell can be set."""
    return [list(row) + [None] * (len(rows[0]) - len(row)) for row in rows]


def test_every_problem_is_named_by_sheet_row_and_column_at_once() -> None:
    survey = padded(SURVEY)
    survey[2][8] = "five"  # greeted: points (I3)
    survey[3][7] = "${ghost} = 'yes'"  # wait: relevant names no question (H4)
    survey[4][0] = "select_one moods"  # manner: no such list (A5)
    survey[9][12:14] = [5, 1]  # clean: min above max (N10)
    survey[10][9] = "maybe"  # staff: critical (J11)
    survey[12][8] = 3  # front: a photo question never has points (I13)
    survey.append(["text", "greeted", "Again"])  # a second 'greeted' (B15)
    choices = padded(CHOICES)
    choices[1][4] = 9  # warm is worth more than its question (E2)
    settings_rows = padded(SETTINGS)
    settings_rows[1][2] = "carrier pigeon"  # channel (C2)
    result = read_workbook(
        shopscore_workbook(survey=survey, choices=choices, settings=settings_rows)
    )
    assert result.template is None
    messages = {problem.message for problem in result.problems}
    assert {
        "survey!I3: points must be a number",
        "survey!A5: the choices sheet has no list 'moods'",
        "survey!N10: max must be greater than min",
        "survey!J11: critical must be yes or no",
        "survey!I13: points: a photo item is never scored: points must be 0",
        "survey!B15: name 'greeted' is already used at survey!B3",
        "settings!C2: channel must be one of in_store, phone, email, chat, web, social",
    } <= messages
    assert any(m.startswith("survey!H4: relevant '${ghost} = 'yes''") for m in messages)
    # The option worth more than its question: only where a question uses its list.
    assert {p.place for p in result.problems} >= {"survey!I3", "settings!C2", "survey!H4"}
    assert all(problem.message.startswith(problem.place + ": ") for problem in result.problems)


def test_an_option_worth_more_than_its_question_is_named_on_the_choices_sheet() -> None:
    choices = padded(CHOICES)
    choices[1][4] = 9
    result = read_workbook(shopscore_workbook(choices=choices))
    assert ["choices!E2: points: worth more than the item (5 points)"] == [
        problem.message for problem in result.problems
    ]


def test_odk_features_a_checklist_cannot_express_are_refused_with_their_places() -> None:
    result = read_workbook(odk_workbook())
    assert result.template is None
    assert all(problem.unsupported for problem in result.problems)
    places = {problem.place: problem.message for problem in result.problems}
    assert {
        "external_choices", "settings!D2", "survey!A2", "survey!A3", "survey!F5", "survey!G6",
        "survey!A7", "survey!I8", "survey!A9", "survey!A13", "survey!A14", "survey!F17",
        "survey!A19",
    } == set(places)  # fmt: skip
    assert "repeat group (rows 9-12)" in places["survey!A9"]
    assert "calculations" in places["survey!A13"]
    assert "search() reads external data" in places["survey!I8"]
    assert "external data" in places["survey!A7"]
    assert "constraints" in places["survey!G6"]


def test_a_partial_import_keeps_what_a_checklist_can_express_and_lists_the_rest() -> None:
    result = read_workbook(odk_workbook(), partial=True)
    assert () == result.problems
    template = Template.from_dict(result.template)
    assert ("store_check", "in_store", {"en": "Store check (ODK)"}) == (
        template.key, template.channel, template.title
    )  # fmt: skip
    assert ["consent", "staff", "store_name", "clean", "dirty_where", "older_staff"] == [
        item.key for item in template.items()
    ]
    consent = template.item("consent")
    assert ("choice", {"en": "Yes", "pl": "Tak"}) == (consent.kind, consent.options[0].text)
    assert ("clean", ("no",)) == (
        template.item("dirty_where").show_if.item,  # type: ignore[union-attr]
        template.item("dirty_where").show_if.values,  # type: ignore[union-attr]
    )
    # The condition it cannot express is left out; the question stays.
    assert template.item("older_staff").show_if is None
    assert 13 == len(result.left_out)
    assert all(problem.unsupported for problem in result.left_out)


def test_a_partial_import_still_refuses_mistakes() -> None:
    survey = padded(SURVEY)
    survey[2][8] = "five"
    survey.append(["calculate", "sum", None])
    result = read_workbook(shopscore_workbook(survey=survey), partial=True)
    assert result.template is None
    assert ["survey!I3: points must be a number"] == [p.message for p in result.problems]


@pytest.mark.parametrize(
    ("relevant", "expected"),
    [
        ("${greeted} = 'yes'", ("greeted", [True])),
        ("${greeted}='no'", ("greeted", [False])),
        ("'yes' = ${greeted}", ("greeted", [True])),
        ("${greeted} = true()", ("greeted", [True])),
        ("(${manner} = 'warm') or (${manner} = 'cold')", ("manner", ["warm", "cold"])),
        ("selected(${manner}, 'warm')", ("manner", ["warm"])),
        ('selected( ${extras} , "none" )', ("extras", ["none"])),
        ("${clean} = 4 or ${clean} = '5'", ("clean", [4, 5])),
        ("${clean} = 2.5", ("clean", [2.5])),
        ("${greeted} != 'yes'", None),
        ("${greeted} = 'yes' and ${clean} = 4", None),
        ("${greeted} = 'yes' or ${clean} = 4", None),
        ("${extras} = 'none'", None),
        ("not(${greeted} = 'yes')", None),
        ("count-selected(${extras}) > 1", None),
        ("${clean} > 3", None),
        ("${greeted} = 'maybe'", None),
        ("${later} = 'yes'", None),
        ("pulldata('x', 'y', 'z', ${greeted}) = 1", None),
    ],
)
def test_relevant_maps_to_show_if_in_its_subset(
    relevant: str, expected: tuple[str, list[Any]] | None
) -> None:
    survey = [
        ["type", "name", "label::en", "relevant", "min", "max"],
        ["yes_no", "greeted", "Greeted?"],
        ["select_one manner", "manner", "How?"],
        ["select_multiple extras", "extras", "Offered"],
        ["scale", "clean", "Clean?", None, 1, 5],
        ["text", "asked", "Tell", relevant],
        ["yes_no", "later", "Later?"],
    ]
    choices = [
        ["list_name", "name", "label::en"],
        ["manner", "warm", "Warmly"],
        ["manner", "cold", "Coldly"],
        ["extras", "none", "Nothing"],
    ]
    result = read_workbook(shopscore_workbook(survey=survey, choices=choices))
    if expected is None:
        assert result.template is None
        (problem,) = result.problems
        assert ("survey!D6", True) == (problem.place, problem.unsupported)
        assert "selected(${item}, 'option')" in problem.message
    else:
        assert () == result.problems, result.problems
        item = Template.from_dict(result.template).item("asked")
        assert item.show_if is not None
        assert expected == (item.show_if.item, list(item.show_if.values))


def test_odk_conventions_are_understood() -> None:
    """Language names in headers, a bare label in the default language, items outside any
    group, range questions, and the XLSForm default of not required."""
    content = workbook(
        {
            "survey": [
                ["type", "name", "label", "label::Polski (pl)", "parameters", "required"],
                ["range", "tidy", "Tidy?", "Porządek?", "start=0 end=4 step=1"],
                ["decimal", "price", "Price", "Cena", None, "TRUE"],
            ],
            "settings": [
                ["form_id", "form_title", "default_language"],
                ["odk", "ODK form", "English (en)"],
            ],
        }
    )
    result = read_workbook(content)
    assert () == result.problems
    template = Template.from_dict(result.template)
    (section,) = template.sections
    assert ("main", {"en": "ODK form"}) == (section.key, section.title)
    tidy, price = section.items
    assert ("scale", 0, 4, {"en": "Tidy?", "pl": "Porządek?"}, False) == (
        tidy.kind, tidy.min, tidy.max, tidy.text, tidy.required
    )  # fmt: skip
    assert ("number", True) == (price.kind, price.required)
    grouped = workbook(
        {
            "survey": [
                ["Type", "Name", "Label"],
                ["begin_group", "g", "Group"],
                ["text", "note", "Note"],
                ["end_group"],
            ],
            "Settings": [["form_id"], ["grouped"]],
        }
    )
    (section,) = Template.from_dict(read_workbook(grouped).template).sections
    assert ("g", {"en": "Group"}, ("note",)) == (
        section.key, section.title, tuple(item.key for item in section.items)
    )  # fmt: skip


def test_formulas_bad_languages_and_unbalanced_groups_are_named() -> None:
    content = workbook(
        {
            "survey": [
                ["type", "name", "label::en", "label::Klingon", "points"],
                ["begin group", "g", "G"],
                ["yes_no", "a", "A", None, "=2+3"],
                ["end group"],
                ["end group"],
                ["begin group", "h", "H"],
                ["yes_no", "b", "B"],
            ],
            "settings": [["form_id"], ["f"]],
        }
    )
    result = read_workbook(content)
    messages = {problem.message for problem in result.problems}
    assert {
        "survey!D1: 'Klingon' is not a language code (en, ru, uk, pl...)",
        "survey!E3: formulas are not read; type the value itself",
        "survey!A5: end group without begin group",
        "survey!A6: begin group without end group",
    } <= messages


def test_a_missing_survey_or_settings_is_named() -> None:
    result = read_workbook(workbook({"choices": CHOICES}))
    assert ["the workbook has no survey sheet (type, name, label::en...)"] == [
        problem.message for problem in result.problems
    ]
    result = read_workbook(workbook({"survey": SURVEY, "choices": CHOICES}))
    assert any(p.place == "settings" for p in result.problems)


def test_what_is_not_a_workbook_is_refused_before_reading() -> None:
    with pytest.raises(NotAWorkbook, match=r"not an \.xlsx"):
        read_workbook(b"type,name\ntext,a\n")
    with pytest.raises(NotAWorkbook, match=r"\.xls\b"):
        read_workbook(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.html", "<script>alert(1)</script>")
    with pytest.raises(NotAWorkbook, match=r"not an \.xlsx"):
        read_workbook(archive.getvalue())


def test_a_workbook_that_unpacks_too_large_is_refused() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("[Content_Types].xml", "<Types/>")
        zipped.writestr("xl/worksheets/sheet1.xml", b"0" * (65 * 1024 * 1024))
    assert len(archive.getvalue()) < 1024 * 1024
    with pytest.raises(WorkbookTooLarge):
        read_workbook(archive.getvalue())


def test_a_damaged_workbook_is_a_problem_not_a_crash() -> None:
    content = bytearray(shopscore_workbook())
    archive = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bytes(content))) as source,
        zipfile.ZipFile(archive, "w") as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            target.writestr(member, data)
    result = read_workbook(archive.getvalue())
    assert result.template is None
    assert ["unreadable"] == [problem.code for problem in result.problems]
