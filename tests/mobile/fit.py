"""Whether every text on the screen is shown whole: the check of the field app's layout.

Run inside the app's process (by ``tests.mobile.ui_driver``). A label's text must fit its box:
a label that does not wrap must be as wide and as high as its text; one that wraps must be as
high as its lines. A label set to shorten may not actually shorten the app's own words; only
outlet names and similar data (ClampedLabel, or a label marked ``may_shorten``) may end in
"…". A label whose box fixes its height must hold all its wrapped lines (Kivy draws only
those that fit). A text field's hint must fit it. Every shown label must lie inside the
window, and inside the height of the row that holds it.
"""

from __future__ import annotations

from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.core.text.markup import MarkupLabel
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

from mobile.screens.widgets import ClampedLabel

SLACK = 1.5  # pixels of rounding


def shown(widget: Any) -> bool:
    """On the glass: every ancestor visible, a real size, not scrolled out of its view."""
    node = widget
    while node is not None and node is not node.parent:
        if getattr(node, "opacity", 1) == 0:
            return False
        node = node.parent
    return widget.width > 1 and widget.height > 1 and inside_scroll_view(widget)


def inside_scroll_view(widget: Any) -> bool:
    """False for a widget scrolled out of sight in a ScrollView (which is fine)."""
    node = widget.parent
    while node is not None and node is not node.parent:
        if isinstance(node, ScrollView):
            _left, bottom = widget.to_window(widget.x, widget.y)
            _view_left, view_bottom = node.to_window(node.x, node.y)
            return bottom + widget.height > view_bottom and bottom < view_bottom + node.height
        node = node.parent
    return True


def spills_out_of_its_row(widget: Any) -> bool:
    """A label higher or lower than the horizontal row holding it overlaps what is around."""
    row = widget.parent
    if not isinstance(row, BoxLayout) or row.orientation != "horizontal":
        return False
    return widget.y < row.y - SLACK or widget.top > row.top + SLACK


def natural_size(label: Label, text: str) -> tuple[float, float]:
    """The size a label's text takes on one line per paragraph (no wrapping, no shortening)."""
    options = dict(label._label.options)
    options.update(text_size=(None, None), shorten=False, max_lines=0)
    options.pop("text", None)
    core = (MarkupLabel if label.markup else CoreLabel)(text=text, **options)
    core.refresh()
    return core.texture.size if core.texture else (0, 0)


def wrapped_height(label: Label) -> float:
    """The height a label's text takes wrapped at its box's width. A label whose text_size
    fixes the height too draws only the lines that fit: its texture never says it is cut."""
    options = dict(label._label.options)
    options.update(text_size=(label.text_size[0], None), max_lines=0)
    options.pop("text", None)
    core = (MarkupLabel if label.markup else CoreLabel)(text=label.text, **options)
    core.refresh()
    return core.texture.size[1] if core.texture else 0


def problems(root: Any, screen: str) -> list[dict[str, Any]]:
    """Every text on ``root`` that is cut, with where and why."""
    found = []
    for widget in root.walk(restrict=False):
        if isinstance(widget, TextInput):
            found += hint_problems(widget, screen)
            continue
        if not isinstance(widget, Label) or not widget.text.strip() or not shown(widget):
            continue
        widget.texture_update()
        text_width, text_height = widget.texture_size
        why = []
        data = isinstance(widget, ClampedLabel) or getattr(widget, "may_shorten", False)
        fixed_height = widget.text_size[0] is not None and widget.text_size[1] is not None
        if text_height > widget.height + SLACK:
            why.append("taller than its box")
        elif (
            fixed_height
            and not data
            and not widget.shorten
            and wrapped_height(widget) > widget.height + SLACK
        ):
            why.append("more lines than its box holds")
        if text_width > widget.width + SLACK:
            why.append("wider than its box")
        if widget.shorten and not data:
            width = widget.text_size[0] or widget.width
            if natural_size(widget, widget.text)[0] > width + SLACK:
                why.append("shortened")
        left, _bottom = widget.to_window(widget.x, widget.y)
        if left < -SLACK or left + widget.width > Window.width + SLACK:
            why.append("outside the window")
        if spills_out_of_its_row(widget):
            why.append("out of its row")
        if why:
            found.append(
                {
                    "screen": screen,
                    "text": widget.text[:80],
                    "why": ", ".join(why),
                    "box": [round(widget.width), round(widget.height)],
                    "texture": [round(text_width), round(text_height)],
                }
            )
    return found


def hint_problems(field: TextInput, screen: str) -> list[dict[str, Any]]:
    if field.text or not field.hint_text or not shown(field) or field.multiline:
        return []
    probe = Label(text=field.hint_text, font_size=field.font_size, font_name=field.font_name)
    room = field.width - field.padding[0] - field.padding[2]
    width = natural_size(probe, field.hint_text)[0] - 2 * probe.padding_x
    if width <= room + SLACK:
        return []
    return [
        {
            "screen": screen,
            "text": field.hint_text,
            "why": "hint wider than its field",
            "box": [round(room), round(field.height)],
            "texture": [round(width), 0],
        }
    ]
