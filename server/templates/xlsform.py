"""Checklists as XLSForm-style workbooks: a workbook read into template JSON, a template written
as a workbook (docs/contract.md#xlsform).

Pure: `read_workbook(bytes)` gives the template JSON (or the problems that stop it) and
`write_workbook(template)` the bytes of an .xlsx; no database, no request. Every problem names
its place as `sheet!CELL` ("survey!C7: points must be a number"), and all of them are reported
at once. What a workbook written for ODK uses and a checklist cannot express (repeat groups,
calculations, external data, notes, constraints...) is a problem marked `unsupported`: a
partial import leaves exactly those out and lists them, and imports the rest.

The checks of the template itself are `shared.checklist`'s (`Template.from_dict`), run on each
question, group and setting separately so that every row's problem is found, and mapped back to
the cell it came from.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import math
import re
import zipfile
from collections.abc import Iterator
from typing import Any, Final

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from shared.checklist import Template
from shared.errors import TemplateError

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES: Final = ("en", "ru", "uk", "pl")
SURVEY, CHOICES, SETTINGS, BANDS = "survey", "choices", "settings", "bands"

# Limits on what is read, whatever the upload limit lets through: a checklist has tens of rows.
MAX_ROWS: Final = 5_000
MAX_COLUMNS: Final = 200
MAX_ZIP_MEMBERS: Final = 1_000
MAX_UNPACKED_BYTES: Final = 64 * 1024 * 1024

# Language names ODK writes in headers ("label::English (en)" also gives its code).
LANGUAGE_NAMES: Final = {
    "english": "en", "russian": "ru", "ukrainian": "uk", "polish": "pl",
    "русский": "ru", "українська": "uk", "polski": "pl",
}  # fmt: skip
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")

# XLSForm types and Shopscore's own names -> item kinds.
KINDS_BY_TYPE: Final = {
    "yes_no": "yes_no", "scale": "scale", "timer": "timer", "nps": "nps", "text": "text",
    "image": "photo", "photo": "photo", "integer": "number", "decimal": "number",
    "number": "number", "range": "scale",
}  # fmt: skip
SELECT_KINDS: Final = {"select_one": "choice", "select_multiple": "multi"}
EXPORTED_TYPES: Final = {
    "yes_no": "yes_no", "scale": "scale", "timer": "timer", "nps": "nps", "text": "text",
    "photo": "image", "number": "decimal",
}  # fmt: skip
_METADATA = "metadata is recorded by the phone and the server themselves"
_LOCATION = "the phone records the visit's location itself"
_EXTERNAL = "choices from external data (a file or another form) cannot be expressed"
_REPEAT = "repeat groups cannot be expressed: a checklist asks each question once"
_NOT_A_KIND = (
    "is not a kind of question Shopscore asks (yes_no, scale, select_one, select_multiple, "
    "integer, decimal, timer, nps, text, image)"
)
UNSUPPORTED_TYPES: Final = {
    "calculate": "calculations cannot be expressed: Shopscore scores the answers itself",
    "note": "notes (text without a question, often showing calculations) cannot be expressed",
    "begin repeat": _REPEAT, "end repeat": _REPEAT,
    **dict.fromkeys(("geopoint", "geotrace", "geoshape", "start-geopoint",
                     "background-geopoint"), _LOCATION),
    **dict.fromkeys(("start", "end", "today", "deviceid", "username", "email", "phonenumber",
                     "simserial", "subscriberid", "audit", "background-audio"), _METADATA),
    **dict.fromkeys(("select_one_from_file", "select_multiple_from_file", "select_one_external",
                     "xml-external", "csv-external"), _EXTERNAL),
}  # fmt: skip
# Columns of ODK's that a checklist cannot express, and why.
UNSUPPORTED_COLUMNS: Final = {
    "constraint": "constraints cannot be expressed: Shopscore checks answers by their kind "
    "(a scale within min-max, nps 0-10, a timer not negative, an option of the list)",
    "constraint_message": "constraints cannot be expressed",
    "required_message": "Shopscore says why an answer is needed in its own words",
    "calculation": "calculations cannot be expressed: Shopscore scores the answers itself",
    "default": "default answers cannot be expressed: the auditor gives every answer",
    "read_only": "read-only questions cannot be expressed",
    "appearance": "appearances cannot be expressed: the phone decides how a question looks",
    "choice_filter": "choice filters cannot be expressed: a question always offers its options",
    "repeat_count": "repeat groups cannot be expressed",
    "trigger": "triggers cannot be expressed",
    "guidance_hint": "guidance hints cannot be expressed; use hint",
}
SURVEY_COLUMNS: Final = frozenset({
    "type", "name", "label", "hint", "required", "relevant", "points", "critical", "na",
    "photo", "good", "min", "max", "min_label", "max_label", "unit", "target", "limit",
    "weight", "parameters",
})  # fmt: skip
TEXT_COLUMNS: Final = frozenset(
    {"label", "hint", "min_label", "max_label", "title", "form_title", "unit"}
)
# The template's fields that are texts by language (a unit may also be one word).
LOCALIZED_FIELDS: Final = ("text", "hint", "title", "min_label", "max_label", "unit")
# Text columns that, without a language, hold one word for every language (`unit`: "s").
ONE_WORD_COLUMNS: Final = frozenset({"unit"})
CHOICES_COLUMNS: Final = frozenset({"list_name", "name", "label", "points", "fail"})
SETTINGS_COLUMNS: Final = frozenset({
    "form_id", "key", "version", "channel", "form_title", "title", "pass_mark",
    "critical_policy", "critical_cap", "default_language",
})  # fmt: skip
BANDS_COLUMNS: Final = frozenset({"name", "min", "label"})
OTHER_ODK_SHEETS: Final = {
    "external_choices": _EXTERNAL,
    "entities": "entities (data shared between forms) cannot be expressed",
    "osm": "OpenStreetMap questions cannot be expressed",
}
# Fields of template objects a `shared` error may be about, and the column each comes from.
FIELD_COLUMNS: Final = {
    "key": "name", "kind": "type", "text": "label", "hint": "hint", "title": "label",
    "show_if": "relevant", "options": "type",
}  # fmt: skip
# Fields the checks may drop to look for further problems of the same row.
OPTIONAL_ITEM_FIELDS: Final = frozenset({
    "text", "hint", "points", "critical", "na", "required", "photo", "good", "unit", "target",
    "limit", "min_label", "max_label",
})  # fmt: skip
OPTIONAL_TEMPLATE_FIELDS: Final = frozenset({"pass_mark", "critical_policy"})
# The template's fields the settings and bands sheets have columns for.
WRITTEN_TEMPLATE_FIELDS: Final = frozenset(
    {"key", "version", "channel", "title", "pass_mark", "critical_policy", "bands", "sections"}
)


class NotAWorkbook(ValueError):
    """The content is not an .xlsx workbook at all."""


class WorkbookTooLarge(ValueError):
    """The workbook unpacks to more than a checklist could ever need."""


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong at one place (`survey!C7`; a sheet name; "" for the whole workbook).
    `unsupported`: something a checklist cannot express, which a partial import leaves out."""

    place: str
    code: str
    message: str
    unsupported: bool = False

    def entry(self) -> dict[str, Any]:
        return {"item": self.place or None, "code": self.code, "message": self.message}


@dataclasses.dataclass(frozen=True, slots=True)
class WorkbookResult:
    # The template JSON; None when a problem stops the import.
    template: dict[str, Any] | None
    problems: tuple[Problem, ...]
    # What a partial import left out (empty otherwise).
    left_out: tuple[Problem, ...] = ()


# --- reading the sheets -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Cell:
    value: Any
    place: str
    header: str
    formula: bool = False

    @property
    def empty(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclasses.dataclass(frozen=True, slots=True)
class _Column:
    index: int
    header: str  # as written
    name: str  # normalised: "label"
    language: str | None  # "en" for "label::English (en)"
    letter: str


@dataclasses.dataclass
class _Row:
    number: int
    sheet: str
    cells: dict[str, _Cell]  # by the column's normalised name (with "::lang")
    first_place: str

    def get(self, name: str) -> _Cell | None:
        cell = self.cells.get(name)
        return None if cell is None or cell.empty else cell

    def text(self, name: str) -> str:
        cell = self.get(name)
        return "" if cell is None else _as_text(cell.value).strip()


@dataclasses.dataclass
class _Sheet:
    name: str  # as written
    columns: list[_Column]
    rows: list[_Row]


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_header(raw: str, default_language: str) -> tuple[str, str | None, str | None]:
    """(name, language, problem) of a header such as `label::English (en)` or `list name`."""
    base, separator, tag = raw.partition("::")
    name = re.sub(r"\s+", "_", base.strip().lower())
    if not separator:
        texts = TEXT_COLUMNS - ONE_WORD_COLUMNS
        return name, (default_language if name in texts else None), None
    tag = tag.strip()
    code = tag
    inside = re.search(r"\(([^()]*)\)\s*$", tag)
    if inside:
        code = inside.group(1)
    code = LANGUAGE_NAMES.get(code.strip().lower(), code.strip().lower())
    if name not in TEXT_COLUMNS:
        return name, code, None  # media::image and such: refused as columns
    if not LANGUAGE_CODE.match(code):
        return name, None, f"'{tag}' is not a language code (en, ru, uk, pl...)"
    return name, code, None


def _read_sheet(worksheet: Any, name: str, default_language: str) -> tuple[_Sheet, list[Problem]]:
    problems: list[Problem] = []
    columns: list[_Column] = []
    rows: list[_Row] = []
    seen: dict[str, str] = {}
    for number, cells in enumerate(worksheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        if number > MAX_ROWS + 1:
            problems.append(
                Problem(name, "too_many_rows", f"{name}: more than {MAX_ROWS} rows; split it")
            )
            break
        if number == 1:
            for index, cell in enumerate(cells, start=1):
                raw = _as_text(cell.value).strip() if cell.value is not None else ""
                if not raw:
                    continue
                letter = _column_letter(index)
                place = f"{name}!{letter}1"
                column_name, language, problem = _parse_header(raw, default_language)
                if problem is not None:
                    problems.append(Problem(place, "unknown_language", f"{place}: {problem}", True))
                    continue
                full = f"{column_name}::{language}" if language else column_name
                if full in seen:
                    problems.append(
                        Problem(
                            place,
                            "duplicate_column",
                            f"{place}: column '{raw}' repeats {seen[full]}",
                        )
                    )
                    continue
                seen[full] = place
                columns.append(_Column(index, raw, column_name, language, letter))
            continue
        values: dict[str, _Cell] = {}
        for column in columns:
            if column.index > len(cells):
                continue
            cell = cells[column.index - 1]
            full = f"{column.name}::{column.language}" if column.language else column.name
            values[full] = _Cell(
                cell.value,
                f"{name}!{column.letter}{number}",
                column.header,
                getattr(cell, "data_type", None) == "f",
            )
        row = _Row(number, name, values, f"{name}!A{number}")
        if any(not cell.empty for cell in values.values()):
            rows.append(row)
    return _Sheet(name, columns, rows), problems


def _open_workbook(content: bytes) -> Any:
    """The workbook (openpyxl, read-only) after checks of the zip container."""
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise NotAWorkbook("an Excel 97-2003 (.xls) file: save it as an .xlsx workbook")
    if not content.startswith(b"PK"):
        raise NotAWorkbook("not an .xlsx workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise NotAWorkbook("not an .xlsx workbook (a damaged zip)") from error
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise NotAWorkbook("a zip archive, but not an .xlsx workbook")
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge(
            f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MB"
        )
    return openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)


# --- values -------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_TRUE = frozenset({"yes", "true", "true()", "1", "y"})
_FALSE = frozenset({"no", "false", "false()", "0", "n"})


def _number(value: Any) -> int | float | None:
    """A cell as a JSON number, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if _COMMA_DECIMAL.match(text):
            text = text.replace(",", ".")
        if _NUMBER.match(text):
            if re.search(r"[.eE]", text):
                number = float(text)
                return number if math.isfinite(number) else None
            return int(text)
    return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _as_text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _external_hint(text: str) -> str:
    if "pulldata(" in text:
        return "; pulldata() reads external data, which a checklist cannot"
    if "search(" in text:
        return "; search() reads external data, which a checklist cannot"
    return ""


# --- relevant -> show_if ----------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:(?P<ref>\$\{[^}]*\})|(?P<string>'[^']*'|"[^"]*")"""
    r"""|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"""
    r"""|(?P<symbol>=|\(|\)|,)|(?P<word>[A-Za-z_][\w:-]*))"""
)
RELEVANT_SUBSET = (
    "a checklist shows a question only when one earlier question has one of some answers: "
    "write ${item} = 'value' or selected(${item}, 'option'), joined by or"
)


class _Unsupported(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            shown = text[position:].split()[0][:20]
            raise _Unsupported(f"'{shown}' is beyond what a checklist can express")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


def _conditions(text: str) -> list[tuple[str, str, str, str]]:
    """(form, item, literal kind, literal) of each alternative: form "=" or "selected"."""
    tokens = _tokens(text)
    position = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        index = position + offset
        return tokens[index] if index < len(tokens) else ("end", "")

    def take(kind: str, value: str | None = None) -> str:
        nonlocal position
        found = peek()
        if found[0] != kind or (value is not None and found[1] != value):
            shown = found[1] or "the end"
            raise _Unsupported(f"'{shown}' is beyond what a checklist can express")
        position += 1
        return found[1]

    def literal() -> tuple[str, str]:
        kind, value = peek()
        if kind in ("string", "number"):
            take(kind)
            return kind, value[1:-1] if kind == "string" else value
        if kind == "word" and value in ("true", "false") and peek(1) == ("symbol", "("):
            take("word")
            take("symbol", "(")
            take("symbol", ")")
            return "boolean", value
        raise _Unsupported(f"'{value or 'the end'}' is beyond what a checklist can express")

    def term() -> list[tuple[str, str, str, str]]:
        kind, value = peek()
        if (kind, value) == ("symbol", "("):
            take("symbol", "(")
            inner = expression()
            take("symbol", ")")
            return inner
        if (kind, value) == ("word", "selected"):
            take("word")
            take("symbol", "(")
            reference = take("ref")
            take("symbol", ",")
            literal_kind, literal_value = literal()
            take("symbol", ")")
            return [("selected", reference[2:-1].strip(), literal_kind, literal_value)]
        if kind == "ref":
            reference = take("ref")
            take("symbol", "=")
            return [("=", reference[2:-1].strip(), *literal())]
        literal_kind, literal_value = literal()
        take("symbol", "=")
        reference = take("ref")
        return [("=", reference[2:-1].strip(), literal_kind, literal_value)]

    def expression() -> list[tuple[str, str, str, str]]:
        alternatives = term()
        while peek() == ("word", "or"):
            take("word", "or")
            alternatives += term()
        return alternatives

    alternatives = expression()
    if position != len(tokens):
        raise _Unsupported(f"'{tokens[position][1]}' is beyond what a checklist can express")
    return alternatives


def _show_if(text: str, earlier: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The `show_if` a relevant expression means, or _Unsupported saying why there is none."""
    alternatives = _conditions(text)
    names = {name for _form, name, _kind, _value in alternatives}
    if len(names) != 1:
        raise _Unsupported("it names several questions; a condition may name only one")
    (name,) = names
    source = earlier.get(name)
    if source is None:
        raise _Unsupported(f"'{name}' is not an earlier question")
    kind = source["kind"]
    values: list[Any] = []
    for form, _name, literal_kind, literal in alternatives:
        if kind == "multi" and form != "selected":
            raise _Unsupported(f"use selected(${{{name}}}, 'option') for a select_multiple")
        if kind == "yes_no":
            answer = _boolean(literal)
            if answer is None:
                raise _Unsupported(f"'{literal}' is not yes or no")
            values.append(answer)
        elif kind in ("choice", "multi"):
            values.append(literal)
        else:
            number = _number(literal)
            if number is None or form == "selected":
                raise _Unsupported(f"'{literal}' is not a number")
            values.append(number)
        del literal_kind
    return {"item": name, "in": values}


def _relevant_text(show_if: dict[str, Any], kind: str) -> str:
    name = show_if["item"]
    parts = []
    for value in show_if["in"]:
        if kind == "yes_no":
            parts.append(f"${{{name}}} = '{'yes' if value else 'no'}'")
        elif kind in ("choice", "multi"):
            quoted = f"'{value}'" if "'" not in value else f'"{value}"'
            parts.append(
                f"selected(${{{name}}}, {quoted})" if kind == "multi" else f"${{{name}}} = {quoted}"
            )
        else:
            parts.append(f"${{{name}}} = {value!r}")
    return " or ".join(parts)


# --- drafts: what the rows say, with the cells they came from -----------------------------------


@dataclasses.dataclass
class _Draft:
    """A template object built from rows, and the cell each of its fields came from."""

    data: dict[str, Any]
    cells: dict[str, _Cell]
    place: str  # the row's first cell, when no field names the problem
    options: list[_Draft] = dataclasses.field(default_factory=list)
    # A cell of the row could not be read: checking the rest would only report what follows
    # from it (a critical question "without points" when its points were not a number).
    unreadable: bool = False
    # Columns read as fields of the template on trial: `shared` decides whether they are.
    tried: frozenset[str] = frozenset()

    def cell_of(self, path: str) -> _Cell | None:
        """The cell a field path relative to this object came from (`text.ru`, `min`)."""
        parts = path.split(".")
        while parts:
            cell = self.cells.get(".".join(parts))
            if cell is not None:
                return cell
            parts.pop()
        return None


class _Reader:
    """One reading of a workbook: sheets to drafts, drafts checked, problems collected."""

    def __init__(self, partial: bool) -> None:
        self.partial = partial
        self.problems: list[Problem] = []

    def mistakes(self) -> int:
        """How many problems so far are mistakes (not something left unsupported)."""
        return sum(not problem.unsupported for problem in self.problems)

    def problem(self, place: str, code: str, message: str, unsupported: bool = False) -> None:
        self.problems.append(Problem(place, code, f"{place}: {message}", unsupported))

    # --- settings and bands ---------------------------------------------------------------

    def settings(self, sheet: _Sheet | None) -> tuple[dict[str, Any], _Draft]:
        row = sheet.rows[0] if sheet is not None and sheet.rows else None
        cells: dict[str, _Cell] = {}
        data: dict[str, Any] = {}
        place = f"{SETTINGS}!A2"
        if row is None:
            self.problem(
                SETTINGS,
                "no_settings",
                "the settings sheet must give form_id (the checklist's key) in its second row",
            )
            return data, _Draft(data, cells, place)
        # A column that is no setting of this sheet may be a field of the template itself
        # (written by `write_workbook` for any field it has no column for): `shared` says.
        tried = {
            full: cell
            for full, cell in row.cells.items()
            if full not in SETTINGS_COLUMNS
            and "::" not in full
            and full not in UNSUPPORTED_COLUMNS
            and not cell.empty
            and not cell.formula
        }
        self.refuse_unknown(
            _Row(row.number, row.sheet,
                 {k: v for k, v in row.cells.items() if k not in tried}, row.first_place),
            SETTINGS_COLUMNS, f"a checklist's {SETTINGS} sheet",
        )  # fmt: skip
        for full, trial in tried.items():
            value = trial.value
            if isinstance(value, str):
                as_number = _number(value)
                value = value.strip() if as_number is None else as_number
            data[full], cells[full] = value, trial
        key_cell = row.get("form_id") or row.get("key")
        if key_cell is None:
            self.problem(row.first_place, "required", "form_id (the checklist's key) is required")
        else:
            data["key"] = _as_text(key_cell.value).strip()
            cells["key"] = key_cell
        version_cell = row.get("version")
        version = _number(version_cell.value) if version_cell is not None else None
        # The server numbers versions itself; an ODK version such as 2024011501 is kept.
        data["version"] = version if isinstance(version, int) and version >= 1 else 1
        channel = row.get("channel")
        data["channel"] = _as_text(channel.value).strip().lower() if channel else "in_store"
        if channel:
            cells["channel"] = channel
        title = self.texts(row, ("title", "form_title"), "title", cells)
        data["title"] = title or ({"en": data["key"]} if data.get("key") else {})
        for name in ("pass_mark", "critical_cap"):
            cell = row.get(name)
            if cell is not None:
                number = self.number(cell, name)
                if number is not None:
                    data[name] = number
                    cells[name if name == "pass_mark" else "critical_policy.cap"] = cell
        policy_cell = row.get("critical_policy")
        policy = _as_text(policy_cell.value).strip().lower() if policy_cell else ""
        cap = data.pop("critical_cap", None)
        if policy_cell is not None:
            cells["critical_policy"] = policy_cell
        if policy == "cap" or (not policy and cap is not None):
            if cap is None:
                self.problem(
                    policy_cell.place if policy_cell else row.first_place,
                    "required",
                    "critical_policy cap needs critical_cap (0-100)",
                )
            else:
                data["critical_policy"] = {"cap": cap}
        elif policy:
            data["critical_policy"] = policy
            if cap is not None:
                self.problem(
                    cells["critical_policy.cap"].place,
                    "not_applicable",
                    f"critical_cap applies only to critical_policy cap, not {policy}",
                )
        return data, _Draft(data, cells, row.first_place, tried=frozenset(tried))

    def bands(self, sheet: _Sheet | None) -> list[_Draft]:
        drafts: list[_Draft] = []
        if sheet is None:
            return drafts
        seen: dict[str, str] = {}
        for row in sheet.rows:
            self.refuse_unknown(row, BANDS_COLUMNS, f"a checklist's {BANDS} sheet")
            cells: dict[str, _Cell] = {}
            data: dict[str, Any] = {}
            name = row.get("name")
            if name is None:
                self.problem(row.first_place, "required", "name (the band's key) is required")
                continue
            data["key"] = _as_text(name.value).strip()
            cells["key"] = name
            if data["key"] in seen:
                self.problem(
                    name.place,
                    "duplicate",
                    f"band '{data['key']}' is already at {seen[data['key']]}",
                )
                continue
            seen[data["key"]] = name.place
            low = row.get("min")
            if low is None:
                self.problem(row.first_place, "required", "min is required")
                continue
            number = self.number(low, "min")
            if number is None:
                continue
            data["min"] = number
            cells["min"] = low
            title = self.texts(row, ("label",), "title", cells)
            if title:
                data["title"] = title
            drafts.append(_Draft(data, cells, row.first_place))
        return drafts

    # --- cells ----------------------------------------------------------------------------

    def refuse_unknown(self, row: _Row, known: frozenset[str], what: str) -> None:
        for full, cell in row.cells.items():
            if cell.empty:
                continue
            name = full.partition("::")[0]
            if cell.formula:
                self.problem(cell.place, "formula", "formulas are not read; type the value itself")
            elif name not in known:
                why = UNSUPPORTED_COLUMNS.get(name)
                said = (
                    f"{cell.header}: {why}"
                    if why
                    else f"column '{cell.header}' is not part of {what}"
                )
                self.problem(
                    cell.place,
                    "not_supported",
                    said + _external_hint(_as_text(cell.value)),
                    True,
                )

    def number(self, cell: _Cell, name: str) -> int | float | None:
        number = _number(cell.value)
        if number is None:
            self.problem(cell.place, "not_a_number", f"{name} must be a number")
        return number

    def boolean(self, cell: _Cell, name: str) -> bool | None:
        value = _boolean(cell.value)
        if value is None:
            self.problem(cell.place, "not_yes_or_no", f"{name} must be yes or no")
        return value

    def texts(
        self, row: _Row, names: tuple[str, ...], field: str, cells: dict[str, _Cell]
    ) -> dict[str, str]:
        """The texts of `names` columns (`label::en`, `label::ru`...) as {language: text}."""
        texts: dict[str, str] = {}
        for full, cell in row.cells.items():
            name, _separator, language = full.partition("::")
            if name not in names or cell.empty or not language:
                continue
            if language in texts:
                self.problem(
                    cell.place,
                    "duplicate_column",
                    f"a second {field} in '{language}' ({cell.header})",
                )
                continue
            texts[language] = _as_text(cell.value)
            cells[f"{field}.{language}"] = cell
            cells.setdefault(field, cell)
            if "${" in texts[language]:
                self.problem(
                    cell.place,
                    "not_supported",
                    f"{cell.header}: texts cannot show answers (${{...}}); "
                    "the text is kept as written",
                    True,
                )
        return texts

    # --- choices --------------------------------------------------------------------------

    def choices(self, sheet: _Sheet | None) -> dict[str, list[_Draft]]:
        lists: dict[str, list[_Draft]] = {}
        if sheet is None:
            return lists
        seen: dict[tuple[str, str], str] = {}
        for row in sheet.rows:
            self.refuse_unknown(row, CHOICES_COLUMNS, f"a checklist's {CHOICES} sheet")
            list_name, name = row.get("list_name"), row.get("name")
            if list_name is None or name is None:
                missing = "list_name" if list_name is None else "name"
                self.problem(row.first_place, "required", f"{missing} is required")
                continue
            key = _as_text(name.value).strip()
            owner = _as_text(list_name.value).strip()
            if (owner, key) in seen:
                self.problem(
                    name.place,
                    "duplicate",
                    f"option '{key}' of list '{owner}' is already at {seen[(owner, key)]}",
                )
                continue
            seen[(owner, key)] = name.place
            mistakes = self.mistakes()
            cells: dict[str, _Cell] = {"key": name}
            data: dict[str, Any] = {"key": key}
            data["text"] = self.texts(row, ("label",), "text", cells)
            points = row.get("points")
            if points is not None and (number := self.number(points, "points")) is not None:
                data["points"], cells["points"] = number, points
            fail = row.get("fail")
            if fail is not None and (flag := self.boolean(fail, "fail")) is not None:
                data["fail"], cells["fail"] = flag, fail
            unreadable = self.mistakes() > mistakes
            lists.setdefault(owner, []).append(_Draft(data, cells, row.first_place, [], unreadable))
        return lists

    # --- the survey ---------------------------------------------------------------------------

    def survey(
        self, sheet: _Sheet, lists: dict[str, list[_Draft]], title: dict[str, str]
    ) -> list[tuple[_Draft, list[_Draft]]]:
        """The sections (groups, and runs of questions outside any group) with their items."""
        sections: list[tuple[_Draft, list[_Draft]]] = []
        current: tuple[_Draft, list[_Draft]] | None = None
        group_depth = 0
        repeat_depth = 0
        repeat_start, repeat_row = "", 0
        group_rows: list[_Row] = []
        items: dict[str, dict[str, Any]] = {}
        item_places: dict[str, str] = {}
        section_places: dict[str, str] = {}
        had_unsupported: set[int] = set()
        for row in sheet.rows:
            type_cell = row.get("type")
            kind_text = (
                re.sub(r"\s+", " ", _as_text(type_cell.value).strip().lower()) if type_cell else ""
            )
            # XLSForm also writes begin_group, end_repeat...
            kind_text = re.sub(r"^(begin|end)_(group|repeat)$", r"\1 \2", kind_text)
            if repeat_depth:
                if kind_text == "begin repeat":
                    repeat_depth += 1
                elif kind_text == "end repeat":
                    repeat_depth -= 1
                    if not repeat_depth:
                        self.problem(
                            repeat_start,
                            "not_supported",
                            f"a repeat group (rows {repeat_row}-{row.number}): "
                            + UNSUPPORTED_TYPES["begin repeat"],
                            True,
                        )
                continue
            if type_cell is None:
                self.problem(row.first_place, "required", "type is required")
                continue
            if kind_text == "begin repeat":
                repeat_depth, repeat_start, repeat_row = 1, type_cell.place, row.number
                if current is not None:
                    had_unsupported.add(id(current[0]))
                continue
            if kind_text == "begin group":
                if group_depth:
                    self.problem(
                        type_cell.place,
                        "not_supported",
                        "groups inside groups cannot be expressed: a checklist's "
                        "sections are not nested (a partial import puts its questions "
                        "in the outer group)",
                        True,
                    )
                    group_depth += 1
                    continue
                group_depth = 1
                group_rows.append(row)
                current = (self.section(row, section_places), [])
                sections.append(current)
                continue
            if kind_text == "end group":
                if not group_depth:
                    self.problem(type_cell.place, "unbalanced", "end group without begin group")
                    continue
                group_depth -= 1
                if not group_depth:
                    current = None
                continue
            if kind_text == "end repeat":
                self.problem(type_cell.place, "unbalanced", "end repeat without begin repeat")
                continue
            if current is None:
                current = (self.implicit_section(row, section_places, title), [])
                sections.append(current)
            item = self.item(row, type_cell, kind_text, lists, items)
            if item is None:
                had_unsupported.add(id(current[0]))
                continue
            key = item.data.get("key")
            if key in item_places:
                self.problem(
                    item.cells["key"].place,
                    "duplicate",
                    f"name '{key}' is already used at {item_places[key]}",
                )
                continue
            if isinstance(key, str):
                item_places[key] = item.cells["key"].place
                items[key] = item.data
            current[1].append(item)
        if repeat_depth:
            self.problem(repeat_start, "unbalanced", "begin repeat without end repeat")
        if group_depth:
            self.problem(group_rows[-1].first_place, "unbalanced", "begin group without end group")
        kept = []
        for section, section_items in sections:
            if section_items:
                kept.append((section, section_items))
            elif id(section) in had_unsupported and "key" in section.cells:
                self.problem(
                    section.place,
                    "not_supported",
                    f"group '{section.data['key']}' has no question a checklist can ask",
                    True,
                )
            elif section.cells.get("key") is not None:
                self.problem(section.place, "empty_group", "a group needs at least one question")
        return kept

    def section(self, row: _Row, places: dict[str, str]) -> _Draft:
        cells: dict[str, _Cell] = {}
        name = row.get("name")
        data: dict[str, Any] = {}
        if name is None:
            self.problem(row.first_place, "required", "name (the group's key) is required")
            data["key"] = f"group_{row.number}"
        else:
            data["key"] = _as_text(name.value).strip()
            cells["key"] = name
            if data["key"] in places:
                self.problem(
                    name.place,
                    "duplicate",
                    f"group '{data['key']}' is already at {places[data['key']]}",
                )
            places[data["key"]] = name.place
        title = self.texts(row, ("label",), "title", cells)
        data["title"] = title or {"en": data["key"]}
        weight = row.get("weight")
        if weight is not None and (number := self.number(weight, "weight")) is not None:
            data["weight"], cells["weight"] = number, weight
        relevant = row.get("relevant")
        if relevant is not None:
            self.problem(
                relevant.place,
                "not_supported",
                "a group cannot be shown by condition: a checklist's sections are "
                "always shown (give the condition to its questions)",
                True,
            )
        used = {"type", "name", "weight", "relevant", "label"}
        for full, cell in row.cells.items():
            name_only = full.partition("::")[0]
            if not cell.empty and name_only not in used:
                if name_only in SURVEY_COLUMNS:
                    self.problem(
                        cell.place,
                        "not_supported",
                        f"{cell.header}: a group has only a name, a label and a weight",
                        True,
                    )
                else:
                    self.refuse_unknown(
                        _Row(row.number, row.sheet, {full: cell}, row.first_place),
                        SURVEY_COLUMNS,
                        f"a checklist's {SURVEY} sheet",
                    )
        return _Draft(data, cells, row.first_place)

    def implicit_section(self, row: _Row, places: dict[str, str], title: dict[str, str]) -> _Draft:
        """Questions outside any group make a section of their own, titled like the form."""
        key, number = "main", 1
        while key in places:
            number += 1
            key = f"main_{number}"
        places[key] = row.first_place
        texts = dict(title) if title.get("en") else {"en": key}
        return _Draft({"key": key, "title": texts}, {}, row.first_place)

    def item(
        self,
        row: _Row,
        type_cell: _Cell,
        kind_text: str,
        lists: dict[str, list[_Draft]],
        earlier: dict[str, dict[str, Any]],
    ) -> _Draft | None:
        mistakes = self.mistakes()
        words = kind_text.split(" ")
        base = words[0]
        kind = KINDS_BY_TYPE.get(base) or SELECT_KINDS.get(base)
        if kind is None or (base not in SELECT_KINDS and len(words) > 1 and base != "range"):
            why = UNSUPPORTED_TYPES.get(base) or UNSUPPORTED_TYPES.get(kind_text)
            if why is None:
                self.problem(
                    type_cell.place, "unknown_type", f"type '{kind_text}' {_NOT_A_KIND}", True
                )
            else:
                self.problem(type_cell.place, "not_supported", f"type '{kind_text}': {why}", True)
            return None
        cells: dict[str, _Cell] = {"kind": type_cell}
        data: dict[str, Any] = {}
        name = row.get("name")
        if name is None:
            self.problem(row.first_place, "required", "name (the question's key) is required")
            return None
        data["key"] = _as_text(name.value).strip()
        data["kind"] = kind
        if base == "integer":  # a count: answered in whole numbers only
            data["whole"] = True
        cells["key"] = name
        self.refuse_unknown(row, SURVEY_COLUMNS, f"a checklist's {SURVEY} sheet")
        options: list[_Draft] = []
        if kind in ("choice", "multi"):
            if len(words) < 2:
                self.problem(
                    type_cell.place, "required", f"{base} needs a list name: '{base} list'"
                )
                return None
            if words[2:] == ["or_other"]:
                self.problem(
                    type_cell.place,
                    "not_supported",
                    "or_other cannot be expressed: a question offers only its options",
                    True,
                )
            elif words[2:]:
                self.problem(type_cell.place, "unknown_type", f"type '{kind_text}' {_NOT_A_KIND}")
            list_name = words[1]
            if list_name not in lists:
                self.problem(
                    type_cell.place,
                    "unknown_list",
                    f"the {CHOICES} sheet has no list '{list_name}'",
                )
                return None
            options = [copy.deepcopy(option) for option in lists[list_name]]
            data["options"] = [option.data for option in options]
            cells["options"] = type_cell
        text = self.texts(row, ("label",), "text", cells)
        if text:
            data["text"] = text
        hint = self.texts(row, ("hint",), "hint", cells)
        if hint:
            data["hint"] = hint
        for labelled in ("min_label", "max_label"):
            texts = self.texts(row, (labelled,), labelled, cells)
            if texts:
                data[labelled] = texts
        self.flags_and_numbers(row, data, cells)
        unit = self.texts(row, ("unit",), "unit", cells)
        if unit:  # `unit::ru`... columns, with the one-word `unit` as the English word
            data["unit"] = {"en": data["unit"], **unit} if data.get("unit") else unit
        if base == "range":
            self.range_parameters(row, data, cells)
        elif (parameters := row.get("parameters")) is not None:
            self.problem(
                parameters.place,
                "not_supported",
                f"parameters apply only to range questions, not {base}",
                True,
            )
        relevant = row.get("relevant")
        if relevant is not None:
            text_value = _as_text(relevant.value)
            try:
                data["show_if"] = _show_if(text_value, earlier)
                cells["show_if"] = relevant
            except _Unsupported as why:
                self.problem(
                    relevant.place,
                    "not_supported",
                    f"relevant '{text_value.strip()}': {why}; {RELEVANT_SUBSET}"
                    f"{_external_hint(text_value)}",
                    True,
                )
        unreadable = self.mistakes() > mistakes or any(o.unreadable for o in options)
        return _Draft(data, cells, row.first_place, options, unreadable)

    def flags_and_numbers(self, row: _Row, data: dict[str, Any], cells: dict[str, _Cell]) -> None:
        required = row.get("required")
        # XLSForm: a question is required only when the sheet says so.
        data["required"] = False
        if required is not None:
            value = _boolean(required.value)
            text = _as_text(required.value)
            if value is None and ("$" in text or "(" in text):
                self.problem(
                    required.place,
                    "not_supported",
                    "required by condition cannot be expressed (a partial import "
                    "makes the question optional)",
                    True,
                )
            elif value is None:
                self.problem(required.place, "not_yes_or_no", "required must be yes or no")
            else:
                data["required"], cells["required"] = value, required
        for name in ("critical", "na", "good"):
            cell = row.get(name)
            if cell is not None and (flag := self.boolean(cell, name)) is not None:
                data[name], cells[name] = flag, cell
        for name in ("points", "min", "max", "target", "limit"):
            cell = row.get(name)
            if cell is not None and (number := self.number(cell, name)) is not None:
                data[name], cells[name] = number, cell
        for name in ("photo", "unit"):
            cell = row.get(name)
            if cell is not None:
                written = _as_text(cell.value).strip()
                data[name], cells[name] = (written.lower() if name == "photo" else written), cell

    def range_parameters(self, row: _Row, data: dict[str, Any], cells: dict[str, _Cell]) -> None:
        """ODK's range (start, end, step): a scale from start to end, in whole steps of 1."""
        cell = row.get("parameters")
        given: dict[str, Any] = {}
        if cell is not None:
            for part in re.split(r"[\s;]+", _as_text(cell.value).strip()):
                name, _equals, value = part.partition("=")
                if part:
                    given[name.strip().lower()] = _number(value.strip())
        low, high, step = given.get("start", 1), given.get("end", 10), given.get("step", 1)
        place = cell.place if cell is not None else row.first_place
        if low is None or high is None or set(given) - {"start", "end", "step"}:
            self.problem(
                place, "not_supported", "parameters of a range are start=, end= and step=", True
            )
            return
        if step != 1:
            self.problem(
                place,
                "not_supported",
                "a range's step must be 1: a scale takes any value from min to max "
                "(a partial import keeps the scale without the step)",
                True,
            )
        data.setdefault("min", low)
        data.setdefault("max", high)
        if cell is not None:
            cells.setdefault("min", cell)
            cells.setdefault("max", cell)

    # --- checks by `shared` -----------------------------------------------------------------

    def check(self, draft: _Draft, wrap: Any, prefix: str, optional: frozenset[str]) -> bool:
        """Run `Template.from_dict` on `wrap(data)`; report each problem on its cell, dropping
        optional fields one by one to find the next. True when nothing was wrong."""
        if draft.unreadable:
            return False
        data = copy.deepcopy(draft.data)
        clean = True
        for _attempt in range(25):
            try:
                Template.from_dict(wrap(data))
                return clean
            except TemplateError as error:
                clean = False
                relative = (
                    error.path[len(prefix) :].lstrip(".")
                    if error.path.startswith(prefix)
                    else error.path
                )
                self.report(draft, relative, error.reason)
                if not _drop(data, relative, optional):
                    return False
        return False

    def report(
        self, draft: _Draft, path: str, reason: str, unsupported: bool | None = None
    ) -> None:
        """A `shared` problem at `path` of `draft`, on the cell it came from."""
        option = re.match(r"^options\[(\d+)\](?:\.(.*))?$", path)
        if option and int(option.group(1)) < len(draft.options):
            target = draft.options[int(option.group(1))]
            path = option.group(2) or "key"
            draft = target
        cell = draft.cell_of(path)
        field = path.split(".")[0].split("[")[0]
        column = FIELD_COLUMNS.get(field, field)
        if path.endswith(".en") and reason == "is required":
            self.problem(
                cell.place if cell else draft.place,
                "required",
                f"{column}::en is required: every text needs English",
            )
            return
        if cell is not None:
            column = cell.header
        if field in draft.tried and reason.startswith("is not a field of"):
            self.problem(cell.place if cell else draft.place, "not_supported",
                         f"column '{column}' is not part of a checklist's {SETTINGS} sheet",
                         True)  # fmt: skip
            return
        joiner = " " if reason.startswith(("must", "is ", "names")) else ": "
        if unsupported is None:
            unsupported = field == "show_if"
        self.problem(
            cell.place if cell else draft.place, "invalid", f"{column}{joiner}{reason}", unsupported
        )


def _drop(data: dict[str, Any], path: str, optional: frozenset[str]) -> bool:
    """Remove the field `path` names when the template can do without it; False otherwise."""
    option = re.match(r"^options\[(\d+)\]\.(points|fail)$", path)
    if option:
        del data["options"][int(option.group(1))][option.group(2)]
        return True
    field = path.split(".")[0].split("[")[0]
    if field in optional and field in data:
        del data[field]
        return True
    if field == "show_if" and "show_if" in data:
        del data["show_if"]
        return True
    return False


# The checks of one object run it inside the smallest template that holds it.
_PROBE_ITEM: Final = {"key": "probe", "kind": "text"}


def _probe_template(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": "probe",
        "version": 1,
        "channel": "in_store",
        "title": {"en": "probe"},
        "sections": [{"key": "s", "title": {"en": "s"}, "items": items}],
    }


def _section_probe(data: dict[str, Any]) -> dict[str, Any]:
    return {**_probe_template([]), "sections": [{**data, "items": [_PROBE_ITEM]}]}


def _band_probe(data: dict[str, Any]) -> dict[str, Any]:
    # A band alone must start at 0; any other gets a last band at 0 after it.
    bands = [data] if data.get("min") == 0 else [data, {"min": 0, "key": "\0"}]
    return {**_probe_template([_PROBE_ITEM]), "bands": bands}


def _settings_probe(data: dict[str, Any]) -> dict[str, Any]:
    return {**_probe_template([_PROBE_ITEM]), **data}


def _check_items(reader: _Reader, sections: list[tuple[_Draft, list[_Draft]]]) -> None:
    """Each question on its own, then its condition with the question it names (when both
    are sound). A condition `shared` refuses is unsupported: a partial import drops it."""
    sound: dict[str, dict[str, Any]] = {}
    for _section, items in sections:
        for item in items:
            show_if = item.data.pop("show_if", None)
            clean = reader.check(
                item,
                lambda data: _probe_template([data]),
                "sections[0].items[0]",
                OPTIONAL_ITEM_FIELDS,
            )
            if show_if is not None:
                item.data["show_if"] = show_if
                source = sound.get(show_if["item"])
                if clean and source is not None:
                    kept = reader.check(
                        item,
                        lambda data, source=source: _probe_template([source, data]),
                        "sections[0].items[1]",
                        OPTIONAL_ITEM_FIELDS,
                    )
                    if not kept and reader.partial:
                        del item.data["show_if"]
            if clean:
                sound[item.data["key"]] = {k: v for k, v in item.data.items() if k != "show_if"}


def read_workbook(content: bytes, *, partial: bool = False) -> WorkbookResult:
    """The template JSON a workbook describes, or the problems that stop it.

    With `partial`, what a checklist cannot express (problems marked `unsupported`) is left
    out and listed in `left_out`; other problems still stop the import. Raises NotAWorkbook
    for content that is no .xlsx workbook and WorkbookTooLarge for one that unpacks too large.
    """
    reader = _Reader(partial)
    try:
        workbook = _open_workbook(content)
    except (NotAWorkbook, WorkbookTooLarge):
        raise
    except Exception as error:  # any failure of the parser on untrusted bytes
        problem = Problem("", "unreadable", f"the workbook cannot be read ({type(error).__name__})")
        return WorkbookResult(None, (problem,))
    try:
        template = _read(reader, workbook)
    except Exception as error:  # openpyxl reads sheets lazily, as rows are asked for
        problem = Problem("", "unreadable", f"the workbook cannot be read ({type(error).__name__})")
        return WorkbookResult(None, (problem,))
    finally:
        workbook.close()
    problems = tuple(dict.fromkeys(reader.problems))
    blocking = tuple(p for p in problems if not (partial and p.unsupported))
    if blocking or template is None:
        return WorkbookResult(None, blocking or problems)
    left_out = tuple(p for p in problems if p.unsupported)
    return WorkbookResult(template, (), left_out)


def _read(reader: _Reader, workbook: Any) -> dict[str, Any] | None:
    by_name = {name.strip().lower(): name for name in workbook.sheetnames}
    for name, why in OTHER_ODK_SHEETS.items():
        if name in by_name:
            reader.problem(by_name[name], "not_supported", f"the {name} sheet: {why}", True)
    if SURVEY not in by_name:
        reader.problems.append(
            Problem("", "no_survey", "the workbook has no survey sheet (type, name, label::en...)")
        )
        return None
    default_language = "en"
    sheets: dict[str, _Sheet | None] = {}
    for name in (SETTINGS, CHOICES, BANDS, SURVEY):
        if name not in by_name:
            sheets[name] = None
            continue
        sheet, problems = _read_sheet(workbook[by_name[name]], by_name[name], default_language)
        reader.problems += problems
        sheets[name] = sheet
        if name == SETTINGS and sheet.rows:
            language = sheet.rows[0].text("default_language")
            if language:
                parsed = _parse_header(f"label::{language}", "en")
                default_language = parsed[1] or "en"
    settings, settings_draft = reader.settings(sheets[SETTINGS])
    bands = reader.bands(sheets[BANDS])
    lists = reader.choices(sheets[CHOICES])
    survey = sheets[SURVEY]
    assert survey is not None
    if "type" not in {column.name for column in survey.columns}:
        reader.problem(f"{survey.name}!A1", "required", "the survey sheet needs a type column")
        return None
    sections = reader.survey(survey, lists, settings.get("title") or {})
    _check_items(reader, sections)
    for section, _items in sections:
        reader.check(section, _section_probe, "sections[0]", frozenset({"weight"}))
    for band in bands:
        reader.check(band, _band_probe, "bands[0]", frozenset())
    reader.check(
        settings_draft, _settings_probe, "", OPTIONAL_TEMPLATE_FIELDS | settings_draft.tried
    )
    refused = {p.place for p in reader.problems if p.unsupported}
    for name in settings_draft.tried:
        if settings_draft.cells[name].place in refused:
            del settings[name]
    if not sections:
        reader.problem(
            f"{survey.name}!A2", "empty", "the survey has no question a checklist can ask"
        )
        return None
    template = {
        **settings,
        "bands": [band.data for band in bands],
        "sections": [
            {**section.data, "items": [item.data for item in items]} for section, items in sections
        ],
    }
    if reader.mistakes():
        return None  # what the whole template would add follows from those
    try:
        Template.from_dict(template)
    except TemplateError as error:
        _report_whole(reader, error, sections, bands, settings_draft)
    return template


def _report_whole(
    reader: _Reader,
    error: TemplateError,
    sections: list[tuple[_Draft, list[_Draft]]],
    bands: list[_Draft],
    settings: _Draft,
) -> None:
    """A problem only the whole template shows (band order, say), on its cell."""
    match = re.match(r"^sections\[(\d+)\](?:\.items\[(\d+)\])?\.?(.*)$", error.path)
    band = re.match(r"^bands\[(\d+)\]\.?(.*)$", error.path)
    if match:
        section, items = sections[int(match.group(1))]
        draft = items[int(match.group(2))] if match.group(2) is not None else section
        reader.report(draft, match.group(3), error.reason, unsupported=False)
    elif band and int(band.group(1)) < len(bands):
        reader.report(bands[int(band.group(1))], band.group(2), error.reason, unsupported=False)
    else:
        reader.report(settings, error.path, error.reason, unsupported=False)


# --- writing ----------------------------------------------------------------------------------


def _languages(template: dict[str, Any]) -> list[str]:
    """en, ru, uk, pl, then any other language the template's texts use."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if isinstance(value, dict):
            for key, child in value.items():
                if key in LOCALIZED_FIELDS and isinstance(child, dict):
                    found.update(child)
                else:
                    visit(child)
        elif isinstance(value, list):
            for child in value:
                visit(child)

    visit(template)
    return [*LANGUAGES, *sorted(found - set(LANGUAGES))]


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _write_sheet(workbook: Any, title: str, header: list[str], rows: list[dict[str, Any]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for index, name in enumerate(header, start=1):
            value = row.get(name)
            if value is None or value == "":
                continue
            cell = sheet.cell(row=number, column=index, value=_cell_text(value))
            if isinstance(value, str):
                cell.data_type = "s"  # a text starting with "=" stays a text, never a formula
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        widest = max([len(name), *(len(str(row.get(name) or "")) for row in rows[:200])])
        sheet.column_dimensions[_column_letter(index)].width = min(60, max(8, widest + 2))


def write_workbook(template: Template) -> bytes:
    """The checklist as a workbook that `read_workbook` reads back into the same template."""
    data = template.to_dict()
    languages = _languages(data)

    def texts(prefix: str, values: dict[str, str] | None) -> dict[str, str]:
        return {f"{prefix}::{language}": text for language, text in (values or {}).items()}

    items = [item for section in data["sections"] for item in section["items"]]
    labelled = [name for name in ("min_label", "max_label") if any(name in i for i in items)]
    # units given by language get a column per language; one word for all, the `unit` column
    units_by_language = any(isinstance(i.get("unit"), dict) for i in items)
    survey_header = [
        "type",
        "name",
        *(f"label::{language}" for language in languages),
        *(f"hint::{language}" for language in languages),
        "required",
        "relevant",
        "points",
        "critical",
        "na",
        "photo",
        "good",
        "min",
        "max",
        *(f"{name}::{language}" for name in labelled for language in languages),
        "unit",
        *(f"unit::{language}" for language in languages if units_by_language),
        "target",
        "limit",
        "weight",
    ]
    kinds = {item["key"]: item["kind"] for item in items}
    survey_rows: list[dict[str, Any]] = []
    choice_rows: list[dict[str, Any]] = []
    for section in data["sections"]:
        survey_rows.append(
            {
                "type": "begin group",
                "name": section["key"],
                **texts("label", section["title"]),
                "weight": section["weight"],
            }
        )
        for item in section["items"]:
            kind = item["kind"]
            row: dict[str, Any] = {
                "type": ("integer" if item.get("whole") else EXPORTED_TYPES.get(kind))
                or f"{'select_one' if kind == 'choice' else 'select_multiple'} {item['key']}",
                "name": item["key"],
                **texts("label", item.get("text")),
                **texts("hint", item.get("hint")),
                "required": "yes" if item["required"] else "no",
                "points": item["points"] or None,
                "critical": "yes" if item["critical"] else None,
                "na": "yes" if item["na"] else None,
                "photo": item["photo"] if item["photo"] != "none" else None,
            }
            if "show_if" in item:
                row["relevant"] = _relevant_text(item["show_if"], kinds[item["show_if"]["item"]])
            if kind == "yes_no" and not item["good"]:
                row["good"] = "no"
            for name in ("min", "max", "target", "limit"):
                row[name] = item.get(name)
            unit = item.get("unit")
            row.update(texts("unit", unit) if isinstance(unit, dict) else {"unit": unit})
            for name in labelled:
                row.update(texts(name, item.get(name)))
            survey_rows.append(row)
            for option in item.get("options", []):
                choice_rows.append(
                    {
                        "list_name": item["key"],
                        "name": option["key"],
                        **texts("label", option["text"]),
                        "points": option["points"],
                        "fail": "yes" if option["fail"] else None,
                    }
                )
        survey_rows.append({"type": "end group"})
    policy = data["critical_policy"]
    settings_row = {
        "form_id": data["key"],
        "version": data["version"],
        "channel": data["channel"],
        **texts("title", data["title"]),
        "pass_mark": data["pass_mark"],
        "critical_policy": "cap" if isinstance(policy, dict) else policy,
        "critical_cap": policy["cap"] if isinstance(policy, dict) else None,
    }
    # Fields a newer template format adds (one value each) keep their own names.
    others = [
        name
        for name, value in data.items()
        if name not in WRITTEN_TEMPLATE_FIELDS and isinstance(value, int | float | str | bool)
    ]
    settings_row.update({name: data[name] for name in others})
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    _write_sheet(workbook, SURVEY, survey_header, survey_rows)
    _write_sheet(
        workbook,
        CHOICES,
        ["list_name", "name", *(f"label::{language}" for language in languages), "points", "fail"],
        choice_rows,
    )
    _write_sheet(
        workbook,
        SETTINGS,
        [
            "form_id",
            "version",
            "channel",
            *(f"title::{language}" for language in languages),
            "pass_mark",
            "critical_policy",
            "critical_cap",
            *others,
        ],
        [settings_row],
    )
    _write_sheet(
        workbook,
        BANDS,
        ["name", "min", *(f"label::{language}" for language in languages)],
        [
            {"name": band["key"], "min": band["min"], **texts("label", band.get("title"))}
            for band in data["bands"]
        ],
    )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rows_of(content: bytes, sheet: str) -> Iterator[list[Any]]:
    """The values of one sheet's rows (for tests and tools that look inside a workbook)."""
    workbook = _open_workbook(content)
    try:
        for row in workbook[sheet].iter_rows(max_col=MAX_COLUMNS, values_only=True):
            yield list(row)
    finally:
        workbook.close()
