"""The auditor's visits: which group each one is in, whether it can be started, and its notes.

The visit list puts the work first: visits to do (by due date), returned ones to correct,
visits in progress, sent ones, and finished ones last. What a visit is comes from two places:
the server's status of its assignment (docs/contract.md#sync-pull) and the audit on this
phone (a draft, or submitted and waiting in the outbox). A visit that is sent, waiting for
review or approved cannot be started again; a returned one opens its audit to correct (the
pull made it a draft under its own uuid, see ``mobile.store``).

Plain functions over plain data: the screens call them and show what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mobile.store import DRAFT, Store
from shared.checklist import Template
from shared.i18n import text
from shared.lifecycle import APPROVED, ASSIGNED, CANCELLED, RETURNED, SUBMITTED

TO_DO = "to_do"
RETURNED_GROUP = "returned"
IN_PROGRESS = "in_progress"
SENT = "sent"
DONE = "done"
GROUPS = (TO_DO, RETURNED_GROUP, IN_PROGRESS, SENT, DONE)
COLLAPSED_BY_DEFAULT = frozenset({DONE})


@dataclass(frozen=True)
class Visit:
    """One assignment as the auditor sees it: where, when, and which group it is in."""

    assignment: dict[str, Any]
    outlet: dict[str, Any]
    group: str
    # The audit on this phone: "draft", "submitted" or "" (none).
    local_state: str = ""

    @property
    def id(self) -> int:
        return int(self.assignment["id"])

    @property
    def due_to(self) -> str:
        return str(self.assignment["due_to"])


def group_of(status: str, local_state: str) -> str:
    """The group of a visit, from its server status and the state of its audit here.

    A status the phone does not know yet (a newer server) counts as sent: never startable.
    """
    if status == APPROVED:
        return DONE
    if local_state == SUBMITTED or status == SUBMITTED:
        return SENT
    if status == RETURNED:
        return RETURNED_GROUP
    if status == ASSIGNED:
        return IN_PROGRESS if local_state == DRAFT else TO_DO
    return SENT


def can_start(visit: Visit) -> bool:
    """Whether "Start visit" (or "Resume", or "Correct") may be pressed.

    A returned visit is corrected in the audit the pull brought; without it (a server that
    does not send it) a new audit would be refused as a second one, so it cannot start.
    """
    if visit.group in (TO_DO, IN_PROGRESS):
        return True
    return visit.group == RETURNED_GROUP and visit.local_state == DRAFT


def build_visits(
    assignments: Iterable[dict[str, Any]],
    outlets: Mapping[int, dict[str, Any]],
    local_states: Mapping[int, str],
) -> list[Visit]:
    """Every visit not cancelled, each with its group (unsorted)."""
    visits = []
    for assignment in assignments:
        status = str(assignment["status"])
        if status == CANCELLED:
            continue
        local = local_states.get(int(assignment["id"]), "")
        visits.append(
            Visit(
                assignment=assignment,
                outlet=outlets.get(int(assignment["outlet_id"]), {}),
                group=group_of(status, local),
                local_state=local,
            )
        )
    return visits


def visit_of(store: Store, assignment_id: int) -> Visit | None:
    """One visit read from the store (None when it is not on the phone or was cancelled)."""
    assignment = store.assignment(assignment_id)
    if assignment is None:
        return None
    local = store.audit_for_assignment(assignment_id)
    outlet = store.outlet(int(assignment["outlet_id"])) or {}
    visits = build_visits(
        [assignment],
        {int(assignment["outlet_id"]): outlet},
        {assignment_id: local.state} if local else {},
    )
    return visits[0] if visits else None


def matches(visit: Visit, query: str) -> bool:
    """Whether the search box's words are all in the outlet's name, code, address, city or
    the wave's name (case and Polish/Cyrillic capitals ignored)."""
    words = query.casefold().split()
    if not words:
        return True
    outlet = visit.outlet
    haystack = " ".join(
        str(value)
        for value in (
            outlet.get("name", ""),
            outlet.get("code", ""),
            outlet.get("address", ""),
            outlet.get("city", ""),
            visit.assignment.get("wave", {}).get("name", ""),
        )
    ).casefold()
    return all(word in haystack for word in words)


def grouped(visits: Iterable[Visit], query: str = "") -> dict[str, list[Visit]]:
    """The visits matching ``query`` by group, in group order, each group by due date.

    Finished visits show the most recent first; the others the most urgent first.
    """
    groups: dict[str, list[Visit]] = {group: [] for group in GROUPS}
    for visit in visits:
        if matches(visit, query):
            groups[visit.group].append(visit)
    for group, members in groups.items():
        members.sort(key=lambda visit: (visit.due_to, visit.id), reverse=group == DONE)
    return groups


def note_lines(
    notes: Iterable[Mapping[str, Any]],
    template: Template | None,
    lang: str,
    whole_audit: Callable[[], str],
) -> list[str]:
    """The reviewer's return notes, each after the item's text in the auditor's language.

    A note on the whole audit (no item) or on an item the template lacks is shown after
    ``whole_audit()`` or the bare key.
    """
    titles: dict[str, str] = {}
    if template is not None:
        for section in template.sections:
            for item in section.items:
                titles[item.key] = text(dict(item.text), lang) if item.text else item.key
    lines = []
    for note in notes:
        key = note.get("item")
        where = titles.get(str(key), str(key)) if key else whole_audit()
        lines.append(f"{where}: {note.get('note', '')}")
    return lines


def notes_by_item(notes: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """The return notes of each item (for its card in the checklist)."""
    by_item: dict[str, list[str]] = {}
    for note in notes:
        if note.get("item"):
            by_item.setdefault(str(note["item"]), []).append(str(note.get("note", "")))
    return by_item
