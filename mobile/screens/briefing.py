"""Briefing screen: the outlet, the scenario and return notes; "start visit" starts the audit.

A returned visit opens its audit to correct; a visit that is sent or done cannot be started
again (``mobile.visits.can_start``): the button gives way to a line saying why.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.screens.assignments import channel_text, group_text
from mobile.screens.widgets import _, figures
from mobile.session import VisitClosed, start_visit
from mobile.visits import DONE, RETURNED_GROUP, SENT, can_start, note_lines, visit_of
from shared.checklist import Template


def closed_text(group: str, local_state: str) -> str:
    """Why a visit cannot be started, in the auditor's words."""
    if group == SENT:
        return _("This visit is sent. It cannot be started again.")
    if group == DONE:
        return _("This visit is approved. It cannot be started again.")
    if group == RETURNED_GROUP and not local_state:
        return _("The returned audit is not on this phone yet. Tap Refresh on the visit list.")
    return ""


def load_template(store: Any, assignment: dict[str, Any]) -> Template | None:
    reference = assignment["template"]
    data = store.template(reference["key"], reference["version"])
    return Template.from_dict(data) if data is not None else None


class BriefingScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    assignment_id = NumericProperty(0)
    outlet_text = StringProperty("")
    visit_text = StringProperty("")
    scenario = StringProperty("")
    notes = StringProperty("")
    start_label = StringProperty("")
    startable = BooleanProperty(True)
    closed = StringProperty("")

    def prepare(self, assignment_id: int) -> None:
        app: Any = App.get_running_app()
        visit = visit_of(app.store, assignment_id)
        if visit is None:
            return
        assignment = visit.assignment
        self.assignment_id = assignment_id
        outlet = visit.outlet
        self.outlet_text = "[b]{}[/b] ({})\n{}, {}".format(
            outlet.get("name", ""),
            outlet.get("code", ""),
            outlet.get("address", ""),
            outlet.get("city", ""),
        )
        self.visit_text = "{}\n{}: {} – {}\n{}".format(
            assignment["wave"]["name"],
            _("Due"),
            figures().day(assignment["due_from"]),
            figures().day(assignment["due_to"]),
            " · ".join((channel_text(assignment["channel"]), group_text(visit.group))),
        )
        self.scenario = assignment.get("scenario", "")
        notes = assignment.get("return_notes", [])
        template = load_template(app.store, assignment) if notes else None
        self.notes = "\n".join(
            "• " + line
            for line in note_lines(notes, template, app.lang, lambda: _("The whole audit"))
        )
        self.startable = can_start(visit)
        self.closed = "" if self.startable else closed_text(visit.group, visit.local_state)
        draft = app.store.draft_for_assignment(assignment_id)
        if draft is not None and draft.is_correction:
            self.start_label = _("Correct the audit")
        elif draft is not None:
            self.start_label = _("Resume visit")
        else:
            self.start_label = _("Start visit")

    def start(self) -> None:
        app: Any = App.get_running_app()
        try:
            session = start_visit(app.store, int(self.assignment_id), location=app.location())
        except VisitClosed:
            self.prepare(int(self.assignment_id))
            return
        app.go("checklist", session=session)
