"""Forms of the set-up pages: reading what a person typed, and saying what is wrong with it.

A form that a service refuses is shown again with what was typed and, next to each field, what
to change, in the page's language; nothing was stored (every service checks everything before
it writes). Services name each problem by field and code (docs/contract.md#errors); the words
for a person come from `PROBLEM_WORDS` (by field and code, or by code), else the service's own
message. Values that are not even of the right kind (a letter in a number) are found here,
before any service is called, and reported the same way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile

from server.core.errors import Conflict, Invalid, PayloadTooLarge, ServerError
from server.core.i18n import _
from server.dashboard.web import checked_form_with_files
from shared.i18n import translation

# The words of a problem by (field, code), then by code alone. A field such as
# `channel_weights.phone` is looked up by its first part.
FIELD_WORDS: dict[tuple[str, str], str] = {
    ("lat", "out_of_range"): _("Latitude is between -90 and 90."),
    ("lon", "out_of_range"): _("Longitude is between -180 and 180."),
    ("lockout_days", "out_of_range"): _("Give a number of days from 0 to 3650."),
    ("dispute_window_days", "out_of_range"): _("Give a number of days from 0 to 366."),
    ("corrective_due_days", "out_of_range"): _("Give a number of days from 0 to 366."),
    ("trust_threshold", "out_of_range"): _(
        "Give a trust score from 0 to 100, or leave it empty for no threshold."
    ),
    ("channel_weights", "out_of_range"): _("Give a weight above 0 and at most 100."),
    ("client_id", "invalid_scope"): _(
        "Head office, regional and outlet managers belong to a client; agency staff to none."
    ),
    ("region_ids", "invalid_scope"): _(
        "A regional manager needs at least one region of their client; an auditor may have "
        "home regions; nobody else has regions."
    ),
    ("outlet_ids", "invalid_scope"): _(
        "An outlet manager needs at least one outlet of their client; nobody else has outlets."
    ),
    ("client_ids", "invalid_scope"): _("Only reviewers work for clients; choose at least one."),
    ("name", "required"): _("Give a name."),
    ("code", "required"): _("Give the outlet's code."),
}
PROBLEM_WORDS: dict[str, str] = {
    "required": _("Fill this in."),
    "too_long": _("This is too long; shorten it."),
    "incomplete": _("Give both latitude and longitude, or neither."),
    "unknown_timezone": _("Give a time zone such as Europe/Warsaw."),
    "unknown_channel": _("Choose at least one channel."),
    "unknown_region": _("Choose a region of this client."),
    "invalid_email": _("Give an e-mail address such as anna@example.com."),
    "unknown_role": _("Choose a role from the list."),
    "unknown_language": _("Choose a language from the list."),
    "not_a_number": _("Give a number."),
    "not_a_whole_number": _("Give a whole number."),
    "not_a_date": _("Give a date."),
    "bad_period": _("The wave cannot end before it starts."),
    "unusable_template": _("Choose a published checklist of this channel."),
    "threshold_required": _("Releasing audits automatically needs a trust threshold."),
    "too_short": _("A password needs at least 10 characters."),
    "role_not_managed": _("Head office may add head office, regional and outlet managers."),
    "other_client": _("Head office adds people of its own client only."),
    "not_an_auditor": _("Choose at least one active auditor."),
    "no_client": _("Tick at least one client whose audits the reviewer reviews."),
    "no_template": _("Choose a published checklist for at least one channel."),
    "out_of_range": _("Give a number within the range the field allows."),
    "lockout": _("This auditor visited the outlet too recently (the client's lockout)."),
    "excluded": _("This auditor is excluded from the outlet or its client."),
    "bad_window": _("The visit's last day cannot come before its first."),
    "outside_wave": _("Keep the visit's dates within the wave's."),
    "duplicate": _("This name is already used; choose another."),
}


# A service's refusal in the words of the page, where the API's names a field of its own.
REFUSAL_WORDS: dict[str, str] = {
    "The outlet has assignments; deactivate it (active=false) instead.": _(
        "The outlet has visits, so it cannot be deleted: untick Active and save to deactivate "
        "it instead."
    ),
}


# The words of a problem of an imported outlets' file, by (column, code), then by code; then
# those of the forms.
IMPORT_WORDS: dict[tuple[str, str] | str, str] = {
    ("channels", "unknown_channel"): _(
        "Use one or more of in_store, phone, email, chat, web, social, separated by |."
    ),
    "not_boolean": _("Write true or false (yes or no)."),
    "duplicate_code": _("Each code once: this one is on an earlier line too."),
    "missing_column": _("Add this column to the first row."),
}


@dataclasses.dataclass
class Form:
    """What was typed into a form, and what is wrong with it (translated, by field)."""

    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # Problems that belong to no field of the form.
    general: list[str] = dataclasses.field(default_factory=list)
    # Starts the ids of the form's controls, unique on a page of several forms.
    prefix: str = ""

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def has(self, name: str) -> bool:
        return name in self.errors

    @property
    def failed(self) -> bool:
        return bool(self.errors or self.general)


def words(language: str, message: str) -> str:
    """A message marked with `_`, in `language`."""
    text: str = translation(language).gettext(message)
    return text


def problem_words(language: str, problem: Mapping[str, Any]) -> str:
    """What a person should do about one problem entry of a service, in `language`."""
    item = str(problem.get("item") or "")
    code = str(problem.get("code") or "")
    field = item.split(".")[0].split("[")[0]
    message = FIELD_WORDS.get((field, code)) or PROBLEM_WORDS.get(code)
    if message is not None:
        return words(language, message)
    return str(problem.get("message") or code)


def import_problem_words(language: str, problem: Mapping[str, Any]) -> str:
    """What to do about one problem of an imported outlets' file (it names its column)."""
    column = str(problem.get("column") or "")
    code = str(problem.get("code") or "")
    message = IMPORT_WORDS.get((column, code)) or IMPORT_WORDS.get(code)
    if message is not None:
        return words(language, message)
    return problem_words(language, {**problem, "item": column})


def add_problems(
    form: Form,
    language: str,
    problems: Iterable[Mapping[str, Any]],
    fields: Iterable[str],
    rename: Mapping[str, str] | None = None,
) -> None:
    """Put each problem next to its field (`rename` maps a service's item to a form field),
    or with the form's general problems when the form has no such field."""
    known = set(fields)
    for problem in problems:
        item = str(problem.get("item") or "")
        field = (rename or {}).get(item, item)
        text = problem_words(language, problem)
        if field in known:
            messages = form.errors.setdefault(field, [])
            if text not in messages:
                messages.append(text)
        elif text not in form.general:
            form.general.append(text)


def add_error(
    form: Form,
    language: str,
    error: ServerError,
    fields: Iterable[str],
    rename: Mapping[str, str] | None = None,
    conflict_field: str | None = None,
) -> None:
    """A service's refusal on the form: its problems by field, or (a conflict, or a refusal
    without problems) its message next to `conflict_field` or above the form."""
    if isinstance(error, Invalid) and error.errors:
        add_problems(form, language, error.errors, fields, rename)
        return
    text = words(language, REFUSAL_WORDS.get(error.detail, error.detail))
    if isinstance(error, Conflict) and conflict_field is not None:
        form.errors.setdefault(conflict_field, []).append(text)
    else:
        form.general.append(text)


def status_of(error: ServerError) -> int:
    """The status of a page showing a refused form again."""
    return error.status if isinstance(error, Invalid | Conflict) else 422


# --- reading fields ------------------------------------------------------------------------


def text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def whole(
    fields: Mapping[str, Any], name: str, problems: list[dict[str, Any]], *, empty: int | None
) -> int | None:
    """A whole number; `empty` when left empty; a problem when it is not one."""
    value = text(fields, name)
    if not value:
        return empty
    try:
        return int(value)
    except ValueError:
        problems.append({"item": name, "code": "not_a_whole_number"})
        return empty


def decimal(fields: Mapping[str, Any], name: str, problems: list[dict[str, Any]]) -> float | None:
    """A number (a decimal comma as ru/uk/pl keyboards type it), None when left empty."""
    value = text(fields, name).replace(",", ".")
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        problems.append({"item": name, "code": "not_a_number"})
        return None
    if number != number or number in (float("inf"), float("-inf")):
        problems.append({"item": name, "code": "not_a_number"})
        return None
    return number


def date(fields: Mapping[str, Any], name: str, problems: list[dict[str, Any]]) -> dt.date | None:
    value = text(fields, name)
    if not value:
        problems.append({"item": name, "code": "required"})
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append({"item": name, "code": "not_a_date"})
        return None


def ticked(fields: Mapping[str, Any], name: str) -> bool:
    return name in fields and fields[name] not in ("", "0", "false", "off")


def ids(values: Iterable[Any]) -> list[int]:
    """The whole numbers among the values of a multiple choice (others are ignored: the page
    offered only ids)."""
    chosen = []
    for value in values:
        if isinstance(value, str) and value.strip().isdigit():
            chosen.append(int(value))
    return sorted(set(chosen))


# --- reading a form ------------------------------------------------------------------------


async def read_form(
    request: Request[Any, Any, Any], limit: int | None = None
) -> tuple[dict[str, str], dict[str, list[str]], dict[str, UploadFile]]:
    """A form after its CSRF check (403 otherwise): single values, every value of each field
    (for multiple choices) and its non-empty files.

    `limit`: the largest body a form of this route may send (its handler takes bodies of any
    size, so that a file within the import limit is not refused by the app-wide limit);
    a Content-Length over it is a 413 before a byte is read."""
    if limit is not None:
        length = request.headers.get("content-length", "")
        if not length.isdigit():
            raise PayloadTooLarge(_("Send the form from the page, with the file chosen there."))
        if int(length) > limit:
            raise PayloadTooLarge(
                _("The file is larger than the import limit; split it into parts."),
                errors=[{"item": "file", "code": "too_large", "message": f"at most {limit} bytes"}],
            )
    fields, files = await checked_form_with_files(request)
    form = await request.form()
    multiple: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            multiple.setdefault(key, []).append(value)
    return fields, multiple, files
