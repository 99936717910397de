"""The photo screen: a photo of the checklist large, to mark up (arrow, circle, short text) or
delete. Saving keeps a marked copy beside the untouched original (``AuditSession.mark_photo``,
drawn off the UI thread); the checklist then shows the marked copy."""

from __future__ import annotations

import math
import threading
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from mobile.markup import COLOUR, MAX_TEXT, Mark, MarkKind, arrow_head
from mobile.screens.widgets import _
from mobile.session import AuditSession

RED = tuple(channel / 255 for channel in COLOUR)
MIN_DRAG_PX = 8  # a shorter drag is a slip of the finger, not a mark


class MarkCanvas(Widget):  # type: ignore[misc]  # Kivy is untyped
    """Lies over the shown photo: turns touches into marks and draws them.

    ``image_rect`` is where the photo is drawn (x, y, width, height); marks are kept in the
    photo's own coordinates (0 to 1 from its top-left corner).
    """

    marks = ListProperty([])
    tool = StringProperty("arrow")
    text = StringProperty("")
    image_rect = ListProperty([0, 0, 1, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._start: tuple[float, float] | None = None
        self._pending: Mark | None = None
        self.bind(marks=self.redraw, image_rect=self.redraw, size=self.redraw, pos=self.redraw)

    def to_photo(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, width, height = self.image_rect
        return (
            min(1.0, max(0.0, (x - left) / width)),
            min(1.0, max(0.0, 1 - (y - bottom) / height)),
        )

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        left, bottom, width, height = self.image_rect
        return left + x * width, bottom + (1 - y) * height

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        x, y = self.to_photo(*touch.pos)
        if self.tool == "text":
            words = self.text.strip()[:MAX_TEXT]
            if words:
                self.marks = [*self.marks, Mark("text", x, y, text=words)]
            return True
        self._start = (x, y)
        touch.grab(self)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        if touch.grab_current is not self or self._start is None:
            return False
        x, y = self.to_photo(*touch.pos)
        self._pending = self._drawn(self._start, (x, y))
        self.redraw()
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        start, self._start, self._pending = self._start, None, None
        if start is not None:
            end = self.to_photo(*touch.pos)
            left, bottom = self.to_screen(*start)
            right, top = self.to_screen(*end)
            if math.hypot(right - left, top - bottom) >= MIN_DRAG_PX:
                self.marks = [*self.marks, self._drawn(start, end)]
        self.redraw()
        return True

    def _drawn(self, start: tuple[float, float], end: tuple[float, float]) -> Mark:
        """The arrow or circle of the current tool from ``start`` to ``end``."""
        kind: MarkKind = "circle" if self.tool == "circle" else "arrow"
        return Mark(kind, start[0], start[1], end[0], end[1])

    def redraw(self, *_args: Any) -> None:
        self.canvas.after.clear()
        height = self.image_rect[3]
        text_size = max(dp(12), height * 0.05)  # as on the marked copy: 5% of its height
        marks = [*self.marks, *([self._pending] if self._pending else [])]
        with self.canvas.after:
            for mark in marks:
                x0, y0 = self.to_screen(mark.x0, mark.y0)
                x1, y1 = self.to_screen(mark.x1, mark.y1)
                if mark.kind == "text":
                    label = CoreLabel(text=mark.text, font_size=text_size, bold=True)
                    label.refresh()
                    Color(*RED, 1)
                    Rectangle(texture=label.texture, pos=(x0, y0 - label.texture.height),
                              size=label.texture.size)  # fmt: skip
                    continue
                Color(1, 1, 1, 1)
                outline, line = dp(4), dp(2.5)
                if mark.kind == "arrow":
                    head = arrow_head(x0, y0, x1, y1, max(dp(14), math.hypot(x1 - x0, y1 - y0) / 4))
                    points = [x0, y0, x1, y1]
                    wings = [*head[1], *head[0], *head[2]]
                    Line(points=points, width=outline)
                    Line(points=wings, width=outline)
                    Color(*RED, 1)
                    Line(points=points, width=line)
                    Line(points=wings, width=line)
                else:
                    radius = math.hypot(x1 - x0, y1 - y0)
                    Line(circle=(x0, y0, radius), width=outline)
                    Color(*RED, 1)
                    Line(circle=(x0, y0, radius), width=line)

    def undo(self) -> None:
        self.marks = self.marks[:-1]


class PhotoScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    source = StringProperty("")
    tool = StringProperty("arrow")
    busy = BooleanProperty(False)
    has_copy = BooleanProperty(False)
    message = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: AuditSession | None = None
        self.photo_uuid = ""
        self.item = ""

    def prepare(self, session: AuditSession, photo_uuid: str) -> None:
        """Show the original of a photo (marking again starts from it)."""
        self.session = session
        photo = session.store.photo(photo_uuid)
        assert photo is not None
        original = session.store.photo(photo.marked_from) if photo.marked_from else photo
        assert original is not None
        self.photo_uuid, self.item = original.uuid, original.item
        self.has_copy = any(p.marked_from == original.uuid for p in session.photos(original.item))
        self.source = str(original.path)
        self.ids.photo.reload()
        self.ids.marks.marks = []
        self.message = ""
        self.busy = False
        self.choose("arrow")

    def choose(self, tool: str) -> None:
        self.tool = tool
        self.ids.marks.tool = tool

    def save(self) -> None:
        """Draw the marks on a copy in a thread; back to the checklist when it is kept."""
        assert self.session is not None
        marks = list(self.ids.marks.marks)
        if not marks:
            self.message = _("Draw an arrow, a circle or a text first.")
            return
        self.busy = True
        self.message = _("Saving the marked copy…")
        session, photo_uuid = self.session, self.photo_uuid

        def work() -> None:
            session.mark_photo(photo_uuid, marks)
            Clock.schedule_once(lambda _dt: self._back())

        threading.Thread(target=work, name="mark-photo", daemon=True).start()

    def remove_marks(self) -> None:
        assert self.session is not None
        for photo in self.session.photos(self.item):
            if photo.marked_from == self.photo_uuid:
                self.session.delete_photo(photo.uuid)
        self._back()

    def delete(self) -> None:
        assert self.session is not None
        self.session.delete_photo(self.photo_uuid)
        self._back()

    def _back(self) -> None:
        self.busy = False
        App.get_running_app().go("checklist", item=self.item)
