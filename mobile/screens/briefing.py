"""Briefing screen: the outlet, the scenario and return notes; "start visit" starts the audit."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.screens.assignments import channel_text, status_text
from mobile.screens.widgets import _
from mobile.session import start_visit


class BriefingScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    assignment_id = NumericProperty(0)
    outlet_text = StringProperty("")
    visit_text = StringProperty("")
    scenario = StringProperty("")
    notes = StringProperty("")
    start_label = StringProperty("")

    def prepare(self, assignment_id: int) -> None:
        app: Any = App.get_running_app()
        assignment = app.store.assignment(assignment_id)
        if assignment is None:
            return
        self.assignment_id = assignment_id
        outlet = app.store.outlet(assignment["outlet_id"]) or {}
        self.outlet_text = "[b]{}[/b] ({})\n{}, {}".format(
            outlet.get("name", ""),
            outlet.get("code", ""),
            outlet.get("address", ""),
            outlet.get("city", ""),
        )
        self.visit_text = "{}\n{}: {} – {}\n{}".format(
            assignment["wave"]["name"],
            _("Due"),
            assignment["due_from"],
            assignment["due_to"],
            " · ".join((channel_text(assignment["channel"]), status_text(assignment["status"]))),
        )
        self.scenario = assignment.get("scenario", "")
        self.notes = "\n".join(
            f"• {note['item']}: {note['note']}" if note.get("item") else f"• {note['note']}"
            for note in assignment.get("return_notes", [])
        )
        draft = app.store.draft_for_assignment(assignment_id)
        self.start_label = _("Resume visit") if draft else _("Start visit")

    def start(self) -> None:
        app: Any = App.get_running_app()
        session = start_visit(app.store, int(self.assignment_id), location=app.location())
        app.go("checklist", session=session)
