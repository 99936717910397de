"""Server-side message marking: `_` marks English messages for Babel extraction.

Problem details are written in English where they are raised; the catalogues in
shared/locale translate them for clients that render them.
"""

from __future__ import annotations


def _(message: str) -> str:
    """Mark a message for extraction (the server answers in English)."""
    return message
