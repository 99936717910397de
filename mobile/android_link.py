"""Links that open the app on Android: the setup link (``shopscore://setup?...``).

Imported only on Android. The manifest's intent filter (mobile/android/intent_filters.xml)
sends such links to the app; the one that started it is read at start, later ones arrive as
new intents (the activity is single-task, so a link opens the running app).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from android import activity
from jnius import autoclass


def _link_of(intent: Any) -> str | None:
    if intent is None:
        return None
    data = intent.getDataString()
    return str(data) if data else None


def link_at_start() -> str | None:
    """The link the app was opened with, if any."""
    python_activity = autoclass("org.kivy.android.PythonActivity")
    return _link_of(python_activity.mActivity.getIntent())


def on_new_link(callback: Callable[[str], None]) -> None:
    """Call ``callback`` with each link that opens the running app."""

    def new_intent(intent: Any) -> None:
        link = _link_of(intent)
        if link:
            callback(link)

    activity.bind(on_new_intent=new_intent)
