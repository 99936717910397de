"""What the app tells the auditor about sending: kept language-neutral, translated when shown.

The sync client records a ``Notice`` (a code with its numbers, or the server's own words) in
the outbox's message column as JSON; the outbox screen turns it into text in the auditor's
current language each time it is shown, so switching the language re-translates old messages
too. Every text says what happens next or what to do. A refusal (409, 422, other 4xx) shows
the server's problem detail after a translated label with the status, in the auditor's
language where the catalogue has it: the server writes its details in English from the same
catalogue (shared/locale) the app reads.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

OFFLINE = "offline"
SERVER_BUSY = "server_busy"
WAITING_FOR_PHOTOS = "waiting_for_photos"
PHOTO_FILE_MISSING = "photo_file_missing"
AUDIT_MISSING = "audit_missing"
REFUSED = "refused"
UNREACHABLE = "unreachable"
LOGIN_REFUSED = "login_refused"
CONFLICT = "conflict"
UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Notice:
    """One message for the auditor: ``code``, plus the HTTP status, a count or server text."""

    code: str
    status: int = 0
    count: int = 0
    detail: str = ""

    def to_message(self) -> str:
        """The form kept in the store."""
        return json.dumps({key: value for key, value in asdict(self).items() if value})

    @classmethod
    def from_message(cls, message: str) -> Notice | None:
        """The notice kept in the store, or None for an empty or free-text message."""
        if not message.startswith("{"):
            return None
        try:
            fields = json.loads(message)
        except ValueError:
            return None
        if not isinstance(fields, dict) or not isinstance(fields.get("code"), str):
            return None
        return cls(
            code=fields["code"],
            status=int(fields.get("status", 0)),
            count=int(fields.get("count", 0)),
            detail=str(fields.get("detail", "")),
        )


def notice_text(
    notice: Notice,
    _: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    questions: Mapping[str, str] | None = None,
) -> str:
    """The notice in the language of the given ``gettext`` and ``ngettext``; a refusal's
    errors name their questions by ``questions`` (item key -> the question's words)."""
    if notice.code == OFFLINE:
        return _("No connection to the server; will retry automatically.")
    if notice.code == SERVER_BUSY:
        return _("The server is busy (HTTP %(status)d); will retry automatically.") % {
            "status": notice.status
        }
    if notice.code == WAITING_FOR_PHOTOS:
        return ngettext(
            "The server is still missing %(count)d photo; it will be sent first.",
            "The server is still missing %(count)d photos; they will be sent first.",
            notice.count,
        ) % {"count": notice.count}
    if notice.code == PHOTO_FILE_MISSING:
        return _(
            "The photo file is no longer on this phone, so it cannot be sent. "
            "Tell your coordinator."
        )
    if notice.code == AUDIT_MISSING:
        return _(
            "The audit is no longer on this phone, so it cannot be sent. Tell your coordinator."
        )
    if notice.code == UNREACHABLE:
        return _("Cannot reach the server. Check the address and the connection, then try again.")
    if notice.code == LOGIN_REFUSED:
        label = _("The server refused the login; check the e-mail and password. The server says:")
        return label + "\n" + server_words(notice.detail, _, questions)
    if notice.code == CONFLICT:
        label = _(
            "The server already holds another version of this visit, sent from another phone "
            "or under another audit. Your answers stay on this phone; tell your coordinator, "
            "who can sort it out on the server. The server says:"
        )
        return label + "\n" + server_words(notice.detail, _, questions)
    if notice.code == UNCHANGED:
        return _(
            "Nothing was changed, so the audit is still returned for correction. Open the "
            "visit, correct what the reviewer noted and submit it again."
        )
    if notice.code == REFUSED:
        label = _(
            "Refused by the server (HTTP %(status)d); tell your coordinator, and tap Retry "
            "once it is sorted out. The server says:"
        ) % {"status": notice.status}
        return label + "\n" + server_words(notice.detail, _, questions)
    return notice.detail or notice.code


def server_words(
    detail: str, _: Callable[[str], str], questions: Mapping[str, str] | None = None
) -> str:
    """The server's problem detail in the language of `_` where the catalogue has it: each
    line (the detail, then one per error), or an error's message after its "item: ", the
    item named by its question where `questions` has it (the auditor never saw its key); what
    the catalogue lacks (figures filled in, an older server's words) stays as the server wrote
    it."""
    questions = questions or {}
    lines = []
    for line in detail.splitlines():
        said = _(line) if line else line
        if said == line and ": " in line:
            where, _colon, text = line.partition(": ")
            said = f"{questions.get(where, where)}: {_(text)}"
        lines.append(said)
    return "\n".join(lines)


def message_text(
    message: str,
    _: Callable[[str], str],
    ngettext: Callable[[str, str, int], str],
    questions: Mapping[str, str] | None = None,
) -> str:
    """A stored outbox message for the auditor (free text from older versions as it is)."""
    notice = Notice.from_message(message)
    return message if notice is None else notice_text(notice, _, ngettext, questions)
