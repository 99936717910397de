"""Review and submit: the problems that block submitting, the score, and the submit button.

Each problem is a button: a tap goes to its item in the checklist.
"""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.i18n import template_text
from mobile.screens.checklist import score_text
from mobile.screens.widgets import _
from mobile.session import AuditSession, SubmitBlocked
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

    def prepare(self, session: AuditSession | None = None) -> None:
        if session is not None:
            self.session = session
        assert self.session is not None
        state = self.session.state()
        self.shows_score = self.session.shows_score
        self.score_text = score_text(state.score, self.session.template) if self.shows_score else ""
        self.progress_text = _("%(answered)d of %(required)d answered") % {
            "answered": state.progress.answered,
            "required": state.progress.required,
        }
        self.show_problems(state.problems)

    def show_problems(self, problems: list[Problem]) -> None:
        """One button per problem (a tap opens its item), or the line saying all is well."""
        box = self.ids.problems
        box.clear_widgets()
        lines = self.describe(problems)
        self.problems_text = "\n".join(f"• {line}" for _key, line in lines) or _(
            "Everything is answered. Ready to submit."
        )
        self.can_submit = not problems
        if not problems:
            box.add_widget(Factory.FieldLabel(text=self.problems_text))
            return
        for key, line in lines:
            button = Factory.ProblemButton(text=line)
            button.bind(on_release=lambda _button, item=key: self.go_to(item))
            box.add_widget(button)

    def describe(self, problems: list[Problem]) -> list[tuple[str, str]]:
        """(item key, "the item's text: what is wrong") for each problem."""
        assert self.session is not None
        lang = App.get_running_app().lang
        lines = []
        for problem in problems:
            try:
                text = template_text(dict(self.session.item(problem.item).item.text), lang)
            except KeyError:
                text = problem.item
            lines.append((problem.item, f"{text}: {problem_text(problem.code)}"))
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
