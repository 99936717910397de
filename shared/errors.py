"""Domain errors raised by `shared`.

Every error the pure domain raises on bad input derives from `DomainError`, so the server can
turn all of them into problem details in one place. Each class carries a stable `code` the
server (or a client) can switch on without parsing messages.
"""

from __future__ import annotations

__all__ = [
    "AnswerError",
    "DomainError",
    "TemplateError",
    "TransitionError",
    "WireFormatError",
]


class DomainError(Exception):
    """Base of every error `shared` raises about the data it was given."""

    code = "domain_error"

    def __init__(self, message: str, path: str = "") -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}" if path else message)


class TemplateError(DomainError):
    """A checklist template is invalid; `path` names the place, e.g. `sections[2].items[4]`."""

    code = "invalid_template"


class AnswerError(DomainError):
    """An answer is malformed or cannot be scored against its template."""

    code = "invalid_answer"


class WireFormatError(DomainError):
    """An audit body sent over the wire is not in the agreed shape."""

    code = "invalid_audit"


class TransitionError(DomainError):
    """A lifecycle transition is not allowed from this state, or not for this role."""

    code = "illegal_transition"
