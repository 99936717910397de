"""Checklist screen: sections in pages, one card per item, live score and band on top.

Each card turns what the auditor touches into a call on the ``AuditSession`` (which saves it at
once) and then asks the screen to refresh: visibility (``show_if``) and the live score come
from ``shared`` through the session. Cards are built for one page at a time (a section, or a
part of a long one), so opening a long checklist stays fast; hidden cards are kept and
re-inserted when they become visible.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.dropdown import DropDown
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput
from kivy.uix.togglebutton import ToggleButton

from mobile.figures import NBSP, number_keys, read_number
from mobile.i18n import template_text
from mobile.photos import PhotoError, make_thumbnail
from mobile.screens.widgets import _, figures
from mobile.session import AuditSession, ChecklistItem
from mobile.store import StoredPhoto
from mobile.visits import notes_by_item
from shared.answers import Answer
from shared.checklist import Template, is_number
from shared.i18n import unit_text
from shared.scoring import ScoreCard

TYPING_SAVE_DELAY_S = 0.6
THUMBNAIL_PX = 192
PAGE_SIZE = 8  # items per page: a long section is split so a page builds quickly
FIRST_PAINT_CARDS = 4  # cards built before a new page's first frame (a phone shows about 3)
MAX_TOGGLE_SCALE = 10
COMMENT_DP = 72  # three lines of a comment before it grows
COMMENT_MAX_DP = 200  # then it scrolls inside
FLASH_S = 1.2


def score_text(card: ScoreCard, template: Template) -> str:
    """ "Score: 87.5% · Good" (the band's title when the template names it), or a dash."""
    if card.percent is None:
        return _("Score: –")
    text = _("Score: %(score)s") % {"score": figures().score(card.percent)}
    if card.band:
        band = next((band for band in template.bands if band.key == card.band), None)
        lang = App.get_running_app().lang
        text += " · " + (
            template_text(dict(band.title), lang) if band and band.title else card.band
        )
    if card.critical_failures:
        text += " · " + _("critical failure")
    return text


def fit_to_text(button: Button) -> None:
    """Widen a button to its label ("Комментарий" did not fit the English width)."""
    least = button.width
    button.bind(
        texture_size=lambda _button, size: setattr(button, "width", max(least, size[0] + dp(24)))
    )


# One item of every kind the checklist has an editor for (see ChecklistScreen.warm_up).
WARM_UP_TEMPLATE: dict[str, Any] = {
    "key": "warm-up",
    "version": 1,
    "channel": "in_store",
    "title": {"en": "Warm-up"},
    "sections": [
        {
            "key": "all",
            "title": {"en": "All"},
            "items": [
                {"key": "y", "kind": "yes_no", "text": {"en": "Yes?"}, "hint": {"en": "Hint"},
                 "na": True},
                {"key": "s", "kind": "scale", "text": {"en": "Scale"}, "min": 1, "max": 5,
                 "min_label": {"en": "Low"}, "max_label": {"en": "High"}},
                {"key": "c", "kind": "choice", "text": {"en": "Choice"},
                 "options": [{"key": "a", "text": {"en": "A"}}]},
                {"key": "n", "kind": "number", "text": {"en": "Number"}, "unit": "x"},
                {"key": "p", "kind": "nps", "text": {"en": "NPS"}},
                {"key": "f", "kind": "photo", "text": {"en": "Photo"}},
            ],
        }
    ],
}  # fmt: skip


class ItemCard(BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    """One checklist item: question, hint, the editor for its kind, N/A, comment, photos."""

    title = StringProperty("")
    state_text = StringProperty("")
    note = StringProperty("")
    highlight = NumericProperty(0)

    def __init__(self, screen: ChecklistScreen, entry: ChecklistItem, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.screen = screen
        self.entry = entry
        self.key = entry.key
        lang = App.get_running_app().lang
        item = entry.item
        marks = []
        if item.required:
            marks.append("*")
        if item.critical:
            marks.append("!")
        # No-break spaces keep the marks with the last word: never a line of "*" alone.
        shown_marks = NBSP.join(marks)
        self.title = template_text(dict(item.text), lang) + (
            f"{NBSP}[color=#ff9966]{shown_marks}[/color]" if marks else ""
        )
        if item.hint:
            # Only cards with a hint get its label: a page of cards builds measurably faster
            # with every widget it does not create (here, the hint, body and photo row).
            hint = Factory.HintLabel(text=template_text(dict(item.hint), lang))
            self.add_widget(hint, index=len(self.children) - 1)
        self.toggles: dict[Any, ToggleButton] = {}
        self.value_input: TextInput | None = None
        self.timer_label: Label | None = None
        self._timer_event: Any = None
        self._build_editor(lang)
        if item.na:
            self.na_toggle: ToggleButton | None = ToggleButton(
                text=_("N/A"), size_hint=(None, None), size=(dp(72), dp(48))
            )
            self.na_toggle.bind(on_release=lambda button: self._set_na(button.state == "down"))
            self.ids.actions.add_widget(self.na_toggle)
        else:
            self.na_toggle = None
        # The comment box is built on demand: a TextInput per card made long pages slow.
        self.comment_input: TextInput | None = None
        self.comment_button = Button(
            text=_("Comment"), size_hint=(None, None), size=(dp(112), dp(48))
        )
        fit_to_text(self.comment_button)
        self.comment_button.bind(on_release=lambda *_args: self.open_comment(focus=True))
        self.ids.actions.add_widget(self.comment_button)
        self.photo_row: BoxLayout | None = None
        if item.photo != "none" or item.kind == "photo":
            add_photo = Button(text=_("Add photo"), size_hint=(None, None), size=(dp(120), dp(48)))
            fit_to_text(add_photo)
            add_photo.bind(on_release=lambda *_args: self.screen.add_photo(self.key))
            self.ids.actions.add_widget(add_photo)
        self._comment_event: Any = None

    # editors ------------------------------------------------------------------------------------

    def _build_editor(self, lang: str) -> None:
        item = self.entry.item
        kind = item.kind
        editor = self.ids.editor
        if kind == "yes_no":
            self._toggle_row(editor, [(True, _("Yes")), (False, _("No"))], single=True)
        elif kind == "scale" and item.min is not None and item.max is not None:
            low, high = int(item.min), int(item.max)
            if high - low <= MAX_TOGGLE_SCALE:
                self._toggle_row(editor, [(v, str(v)) for v in range(low, high + 1)], single=True)
            else:
                self._number_input(editor, f"{low}–{high}")
            self._end_labels(editor, lang)
        elif kind == "nps":
            self._toggle_row(editor, [(v, str(v)) for v in range(11)], single=True, cols=6)
            self._end_labels(editor, lang)
        elif kind in ("choice", "multi"):
            options = [(o.key, template_text(dict(o.text), lang)) for o in item.options]
            self._toggle_row(editor, options, single=kind == "choice", cols=1)
        elif kind == "number":
            self._number_input(editor, unit_text(item, lang))
        elif kind == "timer":
            self._timer(editor, unit_text(item, lang))
        elif kind == "text":
            self.value_input = TextInput(size_hint_y=None, height=dp(96))
            self.value_input.bind(focus=self._text_focus)
            editor.add_widget(self.value_input)

    def _end_labels(self, editor: Any, lang: str) -> None:
        """The template's words for the two ends of a scale, under it (when it has them)."""
        item = self.entry.item
        if item.min_label is None and item.max_label is None:
            return
        row = Factory.ScaleEnds()
        row.low = template_text(dict(item.min_label), lang) if item.min_label else ""
        row.high = template_text(dict(item.max_label), lang) if item.max_label else ""
        editor.add_widget(row)

    def texture_update_all(self) -> None:
        """Render every label of the card now (the warm-up; a shown card renders itself)."""
        for widget in self.walk(restrict=True):
            if isinstance(widget, Label):
                widget.texture_update()

    def flash(self) -> None:
        """Light the card up for a moment: the item the review pointed at."""
        from kivy.animation import Animation

        Animation.cancel_all(self, "highlight")
        self.highlight = 1
        Animation(highlight=0, duration=FLASH_S).start(self)

    def _toggle_row(
        self, editor: Any, choices: list[tuple[Any, str]], *, single: bool, cols: int = 0
    ) -> None:
        columns = cols or len(choices)
        grid = GridLayout(cols=columns, spacing=dp(4), size_hint_y=None, row_default_height=dp(48))
        grid.row_force_default = True
        grid.bind(minimum_height=grid.setter("height"))
        group = f"{self.screen.session_id}:{self.key}" if single else None
        for value, text in choices:
            toggle = ToggleButton(text=text, group=group, allow_no_selection=True)
            if columns == 1:
                # an option's words wrap onto a second line rather than run off the button
                toggle.halign = "center"
                toggle.bind(
                    width=lambda button, width: setattr(button, "text_size", (width - dp(12), None))
                )
            toggle.bind(on_release=lambda button, v=value: self._toggled(v, button))
            self.toggles[value] = toggle
            grid.add_widget(toggle)
        editor.add_widget(grid)

    def _number_input(self, editor: Any, unit: str) -> None:
        row = BoxLayout(size_hint_y=None, height=dp(48), spacing=dp(8))
        self.value_input = TextInput(multiline=False, input_filter=number_keys, input_type="number")
        self.value_input.bind(on_text_validate=self._number_entered, focus=self._number_focus)
        row.add_widget(self.value_input)
        self.unit_label = Label(text=unit, size_hint_x=None, width=dp(64))
        row.add_widget(self.unit_label)
        editor.add_widget(row)

    def _timer(self, editor: Any, unit: str) -> None:
        self._number_input(editor, unit)
        row = BoxLayout(size_hint_y=None, height=dp(48), spacing=dp(8))
        self.timer_label = Label(text="0:00", font_size="20sp")
        start = Button(text=_("Start"))
        stop = Button(text=_("Stop"))
        start.bind(on_release=lambda *_args: self.screen.start_timer(self.key))
        stop.bind(on_release=lambda *_args: self.screen.stop_timer(self.key))
        row.add_widget(self.timer_label)
        row.add_widget(start)
        row.add_widget(stop)
        editor.add_widget(row)

    # user actions -> screen -> session ------------------------------------------------------------

    def _toggled(self, value: Any, button: ToggleButton) -> None:
        if self.entry.kind == "multi":
            picked = [key for key, toggle in self.toggles.items() if toggle.state == "down"]
            self.screen.answer(self.key, picked)
        else:
            self.screen.answer(self.key, value if button.state == "down" else None)

    def _number_entered(self, text_input: TextInput) -> None:
        try:
            value = read_number(text_input.text)
        except ValueError:
            return
        current = self.screen.current_answer(self.key)
        if (current.value if current else None) != value:
            self.screen.answer(self.key, value)

    def _number_focus(self, text_input: TextInput, focused: bool) -> None:
        if not focused:
            self._number_entered(text_input)

    def _text_focus(self, text_input: TextInput, focused: bool) -> None:
        if not focused:
            self.screen.answer(self.key, text_input.text or None)

    def _set_na(self, na: bool) -> None:
        self.screen.set_na(self.key, na)

    def open_comment(self, focus: bool = False) -> TextInput:
        """Show the comment box (the auditor pressed "Comment", or a comment exists)."""
        if self.comment_input is None:
            # Several lines: a comment explains what happened (Enter starts a new line).
            self.comment_input = TextInput(
                hint_text=_("Comment"), multiline=True, size_hint_y=None, height=dp(COMMENT_DP)
            )
            self.comment_input.bind(
                minimum_height=lambda box, least: setattr(
                    box, "height", min(dp(COMMENT_MAX_DP), max(dp(COMMENT_DP), least))
                )
            )
            self.comment_input.bind(text=self._comment_typed, focus=self._comment_focus)
            # above the photos (if any) and the action buttons at the bottom of the card
            self.add_widget(self.comment_input, index=1 if self.photo_row is None else 2)
            self.ids.actions.remove_widget(self.comment_button)
        if focus:
            self.comment_input.focus = True
        return self.comment_input

    def _close_comment(self, comment_box: TextInput) -> None:
        self.remove_widget(comment_box)
        self.comment_input = None
        actions = self.ids.actions
        # back in its place: after the N/A toggle, before "Add photo"
        place = len(actions.children) - (1 if self.na_toggle is not None else 0)
        actions.add_widget(self.comment_button, index=place)

    def _comment_typed(self, _input: TextInput, _text: str) -> None:
        if self._comment_event is not None:
            self._comment_event.cancel()
        self._comment_event = Clock.schedule_once(
            lambda _dt: self._save_comment(), TYPING_SAVE_DELAY_S
        )

    def _comment_focus(self, _input: TextInput, focused: bool) -> None:
        if not focused:
            self._save_comment()

    def _save_comment(self) -> None:
        if self._comment_event is not None:
            self._comment_event.cancel()
            self._comment_event = None
        if self.comment_input is not None:
            self.screen.comment(self.key, self.comment_input.text)

    # showing the saved state -------------------------------------------------------------------

    def show(
        self,
        answer: Answer | None,
        photos: list[Any],
        score_card: ScoreCard,
        note: str = "",
        shows_score: bool = True,
    ) -> None:
        self.note = note
        value = answer.value if answer else None
        na = bool(answer and answer.na)
        picked = set(value) if isinstance(value, tuple) else {value}
        for key, toggle in self.toggles.items():
            down = not na and any(key == p and type(key) is type(p) for p in picked)
            toggle.state = "down" if down else "normal"
            toggle.disabled = na
        if self.value_input is not None and not self.value_input.focus:
            if isinstance(value, int | float):
                shown = figures().entry(value)
            else:  # a text answer, or none
                shown = value if isinstance(value, str) else ""
            self.value_input.text = "" if na else shown
            self.value_input.disabled = na
        if self.na_toggle is not None:
            self.na_toggle.state = "down" if na else "normal"
        comment = answer.comment if answer else ""
        if comment and self.comment_input is None:
            self.open_comment()
        comment_box = self.comment_input
        if comment_box and not comment_box.focus and comment_box.text != comment:
            comment_box.text = comment
            if self._comment_event is not None:
                self._comment_event.cancel()
                self._comment_event = None
        if comment_box and not comment and not comment_box.focus and not comment_box.text:
            # Cards are reused by the next audit of the checklist: an empty box left open by
            # another audit (or opened and left unused) goes back to its button.
            self._close_comment(comment_box)
        self._show_photos(photos)
        earned = score_card.earned.get(self.key)
        possible = score_card.possible.get(self.key)
        points = figures().points
        self.state_text = (
            f"{points(earned)} / {points(possible)}"
            if shows_score and earned is not None and possible is not None
            else ""
        )

    def _show_photos(self, photos: list[Any]) -> None:
        # A marked copy stands in for its original (both are kept and sent).
        copies = {photo.marked_from: photo for photo in photos if photo.marked_from}
        photos = [copies.get(photo.uuid, photo) for photo in photos if not photo.marked_from]
        if self.photo_row is None:
            if not photos:
                return
            self.photo_row = BoxLayout(size_hint_y=None, height=0, spacing=dp(4))
            self.add_widget(self.photo_row, index=1)  # just above the action buttons
        shown = [(child.photo_uuid, child.has_image) for child in reversed(self.photo_row.children)]
        if shown == [(photo.uuid, photo.on_phone) for photo in photos]:
            return
        self.photo_row.clear_widgets()
        for photo in photos:
            cell = BoxLayout(orientation="vertical", size_hint_x=None, width=dp(104))
            cell.photo_uuid = photo.uuid
            cell.has_image = photo.on_phone
            if photo.on_phone:
                texture = self.screen.thumbnail_texture(photo)
                cell.add_widget(Image(texture=texture, fit_mode="contain"))
            else:
                # a photo of a returned audit whose thumbnail is still on its way
                waiting = Label(text=_("Loading photo…"), font_size="12sp", halign="center")
                waiting.bind(size=lambda label, size: setattr(label, "text_size", size))
                waiting.valign = "middle"
                cell.add_widget(waiting)
            if photo.remote:
                # the server's photo of a returned audit: it can be left out, not marked up
                action = Button(text=_("Delete"), size_hint_y=None, height=dp(48))
                action.bind(on_release=lambda *_args, u=photo.uuid: self.screen.delete_photo(u))
            else:
                action = Button(text=_("Mark up"), size_hint_y=None, height=dp(48))
                action.bind(on_release=lambda *_args, u=photo.uuid: self.screen.open_photo(u))
            cell.add_widget(action)
            self.photo_row.add_widget(cell)
        self.photo_row.height = dp(144) if photos else 0

    def release_photos(self) -> None:
        if self.photo_row is not None:
            self.photo_row.clear_widgets()
            self.photo_row.height = 0

    def tick(self, seconds: float | None, running: bool) -> None:
        """The stopwatch: the time since Start while it runs, else the time saved (0:00 when
        none is), so that a stopped timer shows the wait it recorded."""
        if self.timer_label is not None:
            whole = int(seconds or 0)
            minutes, rest = divmod(whole, 60)
            self.timer_label.text = f"{'● ' if running else ''}{minutes}:{rest:02d}"


class ChecklistScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    score_text = StringProperty("")
    progress_text = StringProperty("")
    progress = NumericProperty(0)
    shows_score = BooleanProperty(True)
    page_title = StringProperty("")
    page_index = NumericProperty(0)
    page_count = NumericProperty(0)
    section_titles = ListProperty([])
    message = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session: AuditSession | None = None
        self.session_id = ""
        self.cards: dict[str, ItemCard] = {}
        self._cards_by_template: dict[str, dict[str, ItemCard]] = {}
        self._thumbnails: dict[str, Any] = {}
        self.pages: list[tuple[int, list[ChecklistItem]]] = []
        self._timer_event: Any = None
        self.notes: dict[str, list[str]] = {}

    def on_kv_post(self, _base_widget: Any) -> None:
        App.get_running_app().sync_listeners.append(self._on_sync_event)

    def warm_up(self) -> None:
        """Build a card of every kind once and throw it away, while the auditor reads the list.

        The first card of a kind cost five times the next one (Kivy compiles and applies its
        rules, the font renders its first glyphs): paid here, opening the first checklist
        builds its page as fast as any later one.
        """
        template = Template.from_dict(WARM_UP_TEMPLATE)
        for section in template.sections:
            for item in section.items:
                card = ItemCard(self, ChecklistItem(section, item))
                card.texture_update_all()

    def _on_sync_event(self, event: Any) -> None:
        # thumbnails of a returned audit's photos arrived while it is open
        shown = self.manager is not None and self.manager.current == self.name
        if event.kind == "photos" and self.session is not None and shown:
            self.refresh()

    def prepare(
        self, session: AuditSession | None = None, page: int | None = None, item: str | None = None
    ) -> None:
        """Show an audit: at ``item``, at ``page``, else where it was (back from the review);
        a returned audit opened afresh, at the first item its reviewer noted."""
        opened = session is not None and session is not self.session
        if session is not None and opened:
            self.page_index = 0
            self.session = session
            self._thumbnails = {}
            # Cards are kept per template version and reused by its next audits: Kivy's
            # TextInput stays referenced by the window after use, so fresh cards per audit
            # grew the memory by about 2 MB per audit.
            template_id = f"{session.template.key}:{session.template.version}"
            self.session_id = template_id
            self.cards = self._cards_by_template.setdefault(template_id, {})
        assert self.session is not None
        app: Any = App.get_running_app()
        lang = app.lang
        assignment = app.store.assignment(self.session.record.assignment_id) or {}
        self.notes = notes_by_item(assignment.get("return_notes", []))
        sections = self.session.template.sections
        self.section_titles = [template_text(dict(s.title), lang) for s in sections]
        self.pages = []
        for number, section in enumerate(sections):
            entries = [entry for entry in self.session.checklist if entry.section is section]
            for start in range(0, max(1, len(entries)), PAGE_SIZE):
                self.pages.append((number, entries[start : start + PAGE_SIZE]))
        self.page_count = len(self.pages)
        self.shows_score = self.session.shows_score
        if opened and item is None and page is None:
            item = next(
                (entry.key for entry in self.session.checklist if entry.key in self.notes), None
            )
        if item is not None:
            self.show_item(item)
        else:
            self.show_page(self.page_index if page is None else page)
        if self._timer_event is None:
            self._timer_event = Clock.schedule_interval(lambda _dt: self._tick_timers(), 1)

    def on_leave(self, *_args: Any) -> None:
        if self._timer_event is not None:
            self._timer_event.cancel()
            self._timer_event = None
        # Thumbnails are remade (a few ms each) when the checklist is shown again: a screen
        # out of sight holds no textures.
        self._thumbnails = {}
        for card in self.cards.values():
            card.release_photos()

    def show_section(self, section_index: int) -> None:
        """Jump to the first page of a section (unless already on one of its pages)."""
        if self.pages and self.pages[self.page_index][0] == section_index:
            return
        for number, (section, _entries) in enumerate(self.pages):
            if section == section_index:
                self.show_page(number)
                return

    def open_section_menu(self, opener: Button) -> DropDown:
        """The section jump: a menu of the sections, built when opened.

        A Spinner builds its menu whenever its values change, which was the largest single
        cost of opening a checklist (a button per section, before the first frame).
        """
        menu = DropDown()
        for number, title in enumerate(self.section_titles):
            option = Factory.SectionOption(text=title)
            option.bind(on_release=lambda _button, n=number: menu.select(n))
            menu.add_widget(option)
        menu.bind(on_select=lambda _menu, n: self.show_section(n))
        menu.open(opener)
        return menu

    def show_item(self, key: str) -> None:
        """Go to the page holding an item and bring its card into view (from the review)."""
        number = next(
            (
                n
                for n, (_section, entries) in enumerate(self.pages)
                if key in {e.key for e in entries}
            ),
            self.page_index,
        )
        self.show_page(number)
        self.refresh()  # the whole page: the card may be below the first ones
        card = self.cards.get(key)
        if card is not None and card.parent is not None:
            # the card's place is known once the page is laid out
            Clock.schedule_once(lambda _dt: self._bring_into_view(card), 0)
            card.flash()

    def _bring_into_view(self, card: Any) -> None:
        """Scroll a card into view, on a page longer than the screen only: a ScrollView lets
        a shorter page be scrolled too, which would leave it hanging below an empty gap."""
        scroll = self.ids.scroll
        if self.ids.item_list.height > scroll.height:
            scroll.scroll_to(card, animate=False)
        else:
            scroll.scroll_y = 1

    def show_page(self, index: int) -> None:
        self.page_index = max(0, min(index, len(self.pages) - 1))
        section = self.pages[self.page_index][0]
        in_section = [number for number, page in enumerate(self.pages) if page[0] == section]
        self.page_title = self.section_titles[section]
        if len(in_section) > 1:
            part = in_section.index(self.page_index) + 1
            self.page_title += f" ({part}/{len(in_section)})"
        self.ids.item_list.clear_widgets()
        self.refresh(rebuild=True)
        self.ids.scroll.scroll_y = 1

    def refresh(self, rebuild: bool = False) -> None:
        """Show the saved answers: visible cards in order, each card's state, the live score."""
        assert self.session is not None
        state = self.session.state()
        by_item = {answer.item: answer for answer in state.answers}
        visible = state.visible
        score_card = state.score
        self.score_text = score_text(score_card, self.session.template) if self.shows_score else ""
        section = self.pages[self.page_index][0]
        self.progress_text = "{} · {}".format(
            _("Section %(number)d of %(count)d")
            % {"number": section + 1, "count": len(self.section_titles)},
            _("%(answered)d of %(required)d answered")
            % {"answered": state.progress.answered, "required": state.progress.required},
        )
        self.progress = (
            state.progress.answered / state.progress.required if state.progress.required else 1
        )
        photos = self.session.photos()
        wanted = [entry for entry in self.pages[self.page_index][1] if entry.key in visible]
        # A new page shows its first cards at once and builds the others a frame later: the
        # auditor sees the page sooner, and the cards below the fold come before a thumb scrolls.
        budget = FIRST_PAINT_CARDS if rebuild else len(wanted)
        for entry in wanted:
            if entry.key not in self.cards and budget > 0:
                self.cards[entry.key] = ItemCard(self, entry)
                budget -= 1
        built = next(
            (number for number, entry in enumerate(wanted) if entry.key not in self.cards),
            len(wanted),
        )
        if built < len(wanted):
            Clock.schedule_once(lambda _dt: self.refresh(), 0)
        wanted = wanted[:built]
        container = self.ids.item_list
        shown = [card.key for card in reversed(container.children)]
        if rebuild or shown != [entry.key for entry in wanted]:
            container.clear_widgets()
            for entry in wanted:
                container.add_widget(self.cards[entry.key])
        for entry in wanted:
            item_photos = [photo for photo in photos if photo.item == entry.key]
            note = "\n".join(self.notes.get(entry.key, []))
            self.cards[entry.key].show(
                by_item.get(entry.key), item_photos, score_card, note, self.shows_score
            )
        self._tick_timers()

    def _tick_timers(self) -> None:
        if self.session is None:
            return
        now = self.session.clock()
        for card in self.ids.item_list.children:
            if card.entry.kind == "timer":
                started = self.session.timer_started_at(card.key)
                if started is not None:
                    card.tick((now - started).total_seconds(), running=True)
                    continue
                saved = self.session.answer_of(card.key)
                value = saved.value if saved is not None and not saved.na else None
                seconds = card.entry.item.timer_seconds(value) if is_number(value) else None
                card.tick(seconds, running=False)

    # called by the cards --------------------------------------------------------------------------

    def thumbnail_texture(self, photo: StoredPhoto) -> Any:
        """The photo's thumbnail, made once per audit (textures are freed only between frames)."""
        texture = self._thumbnails.get(photo.uuid)
        if texture is None:
            thumbnail = io.BytesIO(make_thumbnail(photo.path, THUMBNAIL_PX))
            texture = CoreImage(thumbnail, ext="jpg", nocache=True).texture
            self._thumbnails[photo.uuid] = texture
        return texture

    def current_answer(self, item: str) -> Answer | None:
        assert self.session is not None
        return self.session.answer_of(item)

    def answer(self, item: str, value: Any) -> None:
        assert self.session is not None
        self.session.answer(item, value)
        self.refresh()

    def set_na(self, item: str, na: bool) -> None:
        assert self.session is not None
        self.session.set_na(item, na)
        self.refresh()

    def comment(self, item: str, text: str) -> None:
        assert self.session is not None
        answer = self.session.answer_of(item)
        if (answer.comment if answer else "") != text:
            self.session.comment(item, text)

    def start_timer(self, item: str) -> None:
        assert self.session is not None
        self.session.start_timer(item)
        self.refresh()

    def stop_timer(self, item: str) -> None:
        assert self.session is not None
        if self.session.timer_started_at(item) is not None:
            self.session.stop_timer(item)
            self.refresh()

    def add_photo(self, item: str) -> None:
        app: Any = App.get_running_app()
        target = Path(tempfile.gettempdir())
        app.camera.take_picture(target, lambda path: self.attach_photo(item, path))

    def attach_photo(self, item: str, path: Path | None) -> None:
        assert self.session is not None
        if path is None:
            return
        try:
            self.session.attach_photo(item, path)
        except PhotoError:
            self.message = _("This file is not a photo the app can read.")
            return
        self.message = ""
        self.refresh()

    def delete_photo(self, photo_uuid: str) -> None:
        assert self.session is not None
        self.session.delete_photo(photo_uuid)
        self.refresh()

    def open_photo(self, photo_uuid: str) -> None:
        """The photo large, to mark up or delete (the photo screen)."""
        App.get_running_app().go("photo", session=self.session, photo_uuid=photo_uuid)

    def review(self) -> None:
        App.get_running_app().go("review", session=self.session)
