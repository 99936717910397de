"""Small widgets shared by the screens (their look is in ``widgets.kv``)."""

from __future__ import annotations

from typing import Any

from kivy.app import App


def _(message: str) -> str:
    """Translate a message in the running app's language (for text set from Python)."""
    app: Any = App.get_running_app()
    return str(app._(message))
