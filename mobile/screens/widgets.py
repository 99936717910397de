"""Small widgets shared by the screens (their look is in ``widgets.kv``)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.label import Label

from mobile.figures import Figures

ELLIPSIS = "…"


def _(message: str) -> str:
    """Translate a message in the running app's language (for text set from Python)."""
    app: Any = App.get_running_app()
    return str(app._(message))


def figures() -> Figures:
    """Scores, sizes and dates written as the running app's language writes them."""
    app: Any = App.get_running_app()
    return Figures(app.lang)


class ClampedLabel(Label):  # type: ignore[misc]  # Kivy is untyped
    """Wraps ``full_text`` over at most ``line_limit`` lines, ending with "…" when cut.

    Kivy's own ``max_lines`` keeps the last lines and ``shorten`` works on one line only, so a
    long outlet name either lost its beginning or was cut to one line.
    """

    full_text = StringProperty("")
    line_limit = NumericProperty(2)

    def __init__(self, **kwargs: Any) -> None:
        self._fit_trigger = Clock.create_trigger(self._fit, -1)
        super().__init__(**kwargs)
        self.fbind("full_text", self._fit_trigger)
        self.fbind("width", self._fit_trigger)
        self.fbind("line_limit", self._fit_trigger)

    def _line_count(self, text: str) -> int:
        self.text = text
        self.texture_update()
        return len(self._label._cached_lines)

    def _fit(self, *_args: Any) -> None:
        full = self.full_text
        self.text_size = (max(1, self.width), None)
        if self._line_count(full) <= self.line_limit:
            return
        # The longest prefix that still fits with the ellipsis, by bisection.
        fits, too_long = 0, len(full)
        while too_long - fits > 1:
            middle = (fits + too_long) // 2
            if self._line_count(full[:middle].rstrip() + ELLIPSIS) <= self.line_limit:
                fits = middle
            else:
                too_long = middle
        self._line_count(full[:fits].rstrip() + ELLIPSIS)
