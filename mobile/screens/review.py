"""Review and submit: the problems that block submitting, the reviewer's notes of a returned
audit, the score, and the submit button.

Each problem and each note is a button: a tap goes to its item in the checklist. Notes do not
block submitting (the auditor may find an answer right as it was); they are listed so that
none is forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.i18n import template_text
from mobile.screens.checklist import score_text
from mobile.screens.widgets import _
from mobile.session import AuditSession, SubmitBlocked
from mobile.visits import notes_by_item
from shared.validation import Problem


def problem_text(code: str) -> str:
    """The auditor's words for a validation problem code of ``shared.validation``."""
    texts = {
        "required": _("needs an answer"),
        "out_of_range": _("the value is out of range"),
        "wrong_kind": _("the value does not fit this question"),
        "na_not_allowed": _("N/A is not allowed here"),
        "photo_required": _("needs a photo"),
        "unknown_item": _("is not in this checklist"),
        "duplicate_answer": _("is answered twice"),
        "not_whole": _("needs a whole number"),
    }
    return texts.get(code, code)


class ReviewScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    problems_text = StringProperty("")
    score_text = StringProperty("")
    progress_text = StringProperty("")
    can_submit = BooleanProperty(False)
    shows_score = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: AuditSession | None = None
        self.notes: dict[str, list[str]] = {}

    def prepare(self, session: AuditSession | None = None) -> None:
        if session is not None:
            self.session = session
        assert self.session is not None
        app: Any = App.get_running_app()
        assignment = app.store.assignment(self.session.record.assignment_id) or {}
        self.notes = notes_by_item(assignment.get("return_notes", []))
        state = self.session.state()
        self.shows_score = self.session.shows_score
        self.score_text = score_text(state.score, self.session.template) if self.shows_score else ""
        self.progress_text = _("%(answered)d of %(required)d answered") % {
            "answered": state.progress.answered,
            "required": state.progress.required,
        }
        self.show_problems(state.problems)

    def show_problems(self, problems: list[Problem]) -> None:
        """One button per problem (a tap opens its item), or the line saying all is well;
        then the reviewer's notes, one button each."""
        box = self.ids.problems
        box.clear_widgets()
        lines = self.describe((problem.item, problem_text(problem.code)) for problem in problems)
        if lines:
            self.problems_text = "\n".join(f"• {line}" for _key, line in lines)
        elif self.notes:
            self.problems_text = _(
                "Everything is answered. Check each of the reviewer's notes below, then submit."
            )
        else:
            self.problems_text = _("Everything is answered. Ready to submit.")
        self.can_submit = not problems
        if not problems:
            box.add_widget(Factory.FieldLabel(text=self.problems_text))
        self._add_buttons(box, lines)
        if self.notes:
            box.add_widget(Factory.FieldLabel(text=_("The reviewer's notes:"), bold=True))
            self._add_buttons(box, self.describe(self._notes_in_order()))

    def _notes_in_order(self) -> list[tuple[str, str]]:
        """(item key, note) of each reviewer's note, in the checklist's order."""
        assert self.session is not None
        order = self.session.template.positions
        keys = sorted(self.notes, key=lambda key: order.get(key, len(order)))
        return [(key, " ".join(self.notes[key])) for key in keys]

    def _add_buttons(self, box: Any, lines: list[tuple[str, str]]) -> None:
        for key, line in lines:
            button = Factory.ProblemButton(text=line)
            button.bind(on_release=lambda _button, item=key: self.go_to(item))
            box.add_widget(button)

    def describe(self, said: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """(item key, "the item's text: what is said of it") for each (item key, words)."""
        assert self.session is not None
        lang = App.get_running_app().lang
        lines = []
        for key, words in said:
            try:
                text = template_text(dict(self.session.item(key).item.text), lang)
            except KeyError:
                text = key
            lines.append((key, f"{text}: {words}"))
        return lines

    def go_to(self, item: str) -> None:
        """Open the checklist at the problem's item."""
        App.get_running_app().go("checklist", session=self.session, item=item)

    def submit(self) -> None:
        app: Any = App.get_running_app()
        assert self.session is not None
        try:
            self.session.submit()
        except SubmitBlocked as blocked:
            self.show_problems(blocked.problems)
            return
        app.sync_now()
        app.go("outbox")
