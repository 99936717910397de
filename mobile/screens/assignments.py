"""The visit list: the auditor's visits in groups (to do, returned, in progress, sent, done),
work first, with a search box; the groups and their order come from ``mobile.visits``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview import RecycleView
from kivy.uix.screenmanager import Screen

from mobile.screens.widgets import _, figures
from mobile.visits import (
    COLLAPSED_BY_DEFAULT,
    DONE,
    IN_PROGRESS,
    RETURNED_GROUP,
    SENT,
    TO_DO,
    Visit,
    build_visits,
    grouped,
)

if TYPE_CHECKING:  # httpx comes with mobile.sync: keep it off the start path
    from mobile.sync import SyncEvent

PULL_DISTANCE_DP = 60
ROW_HEIGHT_DP = 84
HEADER_HEIGHT_DP = 48
SEARCH_DELAY_S = 0.25


def status_text(status: str) -> str:
    """The auditor's word for an assignment status."""
    names = {
        "assigned": _("To do"),
        "submitted": _("Submitted"),
        "returned": _("Returned for correction"),
        "approved": _("Approved"),
        "cancelled": _("Cancelled"),
    }
    return names.get(status, status)


def group_text(group: str) -> str:
    """The heading of a group of the visit list."""
    names = {
        TO_DO: _("To do"),
        RETURNED_GROUP: _("Returned for correction"),
        IN_PROGRESS: _("In progress"),
        SENT: _("Sent"),
        DONE: _("Done"),
    }
    return names.get(group, group)


def row_status_text(group: str) -> str:
    """The short state shown on a visit's row."""
    names = {
        TO_DO: _("To do"),
        RETURNED_GROUP: _("Correct"),
        IN_PROGRESS: _("In progress"),
        SENT: _("Sent"),
        DONE: _("Approved"),
    }
    return names.get(group, group)


def channel_text(channel: str) -> str:
    names = {
        "in_store": _("Store visit"),
        "phone": _("Phone call"),
        "email": _("E-mail"),
        "chat": _("Chat"),
        "web": _("Web"),
        "social": _("Social media"),
    }
    return names.get(channel, channel)


class AssignmentRow(ButtonBehavior, BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    assignment_id = NumericProperty(0)
    title = StringProperty("")
    subtitle = StringProperty("")
    status = StringProperty("")
    group = StringProperty("")
    row_size = (None, dp(ROW_HEIGHT_DP))

    def on_release(self) -> None:
        App.get_running_app().go("briefing", assignment_id=int(self.assignment_id))


class GroupHeader(ButtonBehavior, BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    """A group's heading; a tap folds or unfolds the group."""

    group = StringProperty("")
    title = StringProperty("")
    collapsed = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().screen("assignments").toggle_group(self.group)


class PullToRefreshList(RecycleView):  # type: ignore[misc]  # Kivy is untyped
    """A RecycleView that asks for a refresh when pulled down past its top."""

    def on_touch_up(self, touch: Any) -> Any:
        pulled = self.scroll_y >= 1 and abs(self.effect_y.overscroll) > dp(PULL_DISTANCE_DP)
        if pulled and self.collide_point(*touch.pos):
            App.get_running_app().screen("assignments").refresh()
        return super().on_touch_up(touch)


class AssignmentsScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    summary = StringProperty("")
    empty_text = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.collapsed: set[str] = set(COLLAPSED_BY_DEFAULT)
        self.visits: list[Visit] = []
        self._search_event: Any = None

    def on_kv_post(self, _base_widget: Any) -> None:
        App.get_running_app().sync_listeners.append(self._on_sync_event)

    def prepare(self) -> None:
        self.show()

    def show(self) -> None:
        """Read the visits from the store and list them."""
        app: Any = App.get_running_app()
        store = app.store
        self.visits = build_visits(store.assignments(), store.outlets_by_id(), store.audit_states())
        self.list_visits()

    def list_visits(self) -> None:
        """List the visits read last, in groups, as the search box filters them."""
        app: Any = App.get_running_app()
        query = self.ids.search.text
        rows: list[dict[str, Any]] = []
        shown = 0
        for group, members in grouped(self.visits, query).items():
            if not members:
                continue
            collapsed = group in self.collapsed and not query.strip()
            rows.append(
                {
                    "viewclass": "GroupHeader",
                    "group": group,
                    "title": f"{group_text(group)} ({len(members)})",
                    "collapsed": collapsed,
                    "row_size": (None, dp(HEADER_HEIGHT_DP)),
                }
            )
            if collapsed:
                continue
            shown += len(members)
            rows.extend(self._row(visit) for visit in members)
        self.ids.list.data = rows
        total = len(self.visits)
        self.summary = app.ngettext("%(count)d visit", "%(count)d visits", total) % {"count": total}
        self.empty_text = _("No visit matches the search.") if query.strip() and not shown else ""

    def _row(self, visit: Visit) -> dict[str, Any]:
        assignment, outlet = visit.assignment, visit.outlet
        name = outlet.get("name", f"#{assignment['outlet_id']}")
        city = outlet.get("city", "")
        return {
            "viewclass": "AssignmentRow",
            "assignment_id": visit.id,
            # the outlet and its city may take two lines (then "…"); the line under it holds
            # only short words of the app, which always fit
            "title": f"{name} · {city}" if city else name,
            "subtitle": "{} · {}".format(
                figures().day_in_year(assignment["due_to"]), channel_text(assignment["channel"])
            ),
            "status": row_status_text(visit.group),
            "group": visit.group,
            "row_size": (None, dp(ROW_HEIGHT_DP)),
        }

    def toggle_group(self, group: str) -> None:
        self.collapsed ^= {group}
        self.list_visits()

    def search_typed(self) -> None:
        """Filter after a short pause in typing (a keystroke does not rebuild the list)."""
        if self._search_event is not None:
            self._search_event.cancel()
        self._search_event = Clock.schedule_once(lambda _dt: self.list_visits(), SEARCH_DELAY_S)

    def refresh(self) -> None:
        App.get_running_app().sync_now()

    def _on_sync_event(self, event: SyncEvent) -> None:
        if event.kind in ("pulled", "outbox"):
            self.show()
