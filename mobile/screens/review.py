"""Review and submit: the problems that block submitting, the score, and the submit button."""

from __future__ import annotations

from typing import Any

from kivy.app import App
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
    can_submit = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: AuditSession | None = None

    def prepare(self, session: AuditSession | None = None) -> None:
        if session is not None:
            self.session = session
        assert self.session is not None
        problems = self.session.problems()
        self.score_text = score_text(self.session.live_score(), self.session.template)
        self.problems_text = self.describe(problems)
        self.can_submit = not problems

    def describe(self, problems: list[Problem]) -> str:
        assert self.session is not None
        if not problems:
            return _("Everything is answered. Ready to submit.")
        lang = App.get_running_app().lang
        lines = []
        for problem in problems:
            try:
                text = template_text(dict(self.session.item(problem.item).item.text), lang)
            except KeyError:
                text = problem.item
            lines.append(f"• {text}: {problem_text(problem.code)}")
        return "\n".join(lines)

    def submit(self) -> None:
        app: Any = App.get_running_app()
        assert self.session is not None
        try:
            self.session.submit()
        except SubmitBlocked as blocked:
            self.problems_text = self.describe(blocked.problems)
            self.can_submit = False
            return
        app.sync_now()
        app.go("outbox")
