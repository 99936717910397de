"""Assignments screen: the auditor's visits (due date, outlet, channel, status) in a RecycleView."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview import RecycleView
from kivy.uix.screenmanager import Screen

from mobile.screens.widgets import _
from shared.lifecycle import CANCELLED

if TYPE_CHECKING:  # httpx comes with mobile.sync: keep it off the start path
    from mobile.sync import SyncEvent

PULL_DISTANCE_DP = 60


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

    def on_release(self) -> None:
        App.get_running_app().go("briefing", assignment_id=int(self.assignment_id))


class PullToRefreshList(RecycleView):  # type: ignore[misc]  # Kivy is untyped
    """A RecycleView that asks for a refresh when pulled down past its top."""

    def on_touch_up(self, touch: Any) -> Any:
        pulled = self.scroll_y >= 1 and abs(self.effect_y.overscroll) > dp(PULL_DISTANCE_DP)
        if pulled and self.collide_point(*touch.pos):
            self.parent.parent.refresh()
        return super().on_touch_up(touch)


class AssignmentsScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    summary = StringProperty("")

    def on_kv_post(self, _base_widget: Any) -> None:
        App.get_running_app().sync_listeners.append(self._on_sync_event)

    def prepare(self) -> None:
        self.show()

    def show(self) -> None:
        app: Any = App.get_running_app()
        outlets = app.store.outlets_by_id()
        rows = []
        for assignment in app.store.assignments():
            if assignment["status"] == CANCELLED:
                continue
            outlet = outlets.get(assignment["outlet_id"], {})
            rows.append(
                {
                    "assignment_id": assignment["id"],
                    "title": outlet.get("name", f"#{assignment['outlet_id']}"),
                    "subtitle": "{} · {} · {}".format(
                        assignment["due_to"],
                        outlet.get("city", ""),
                        channel_text(assignment["channel"]),
                    ),
                    "status": status_text(assignment["status"]),
                }
            )
        self.ids.list.data = rows
        self.summary = app.ngettext("%(count)d visit", "%(count)d visits", len(rows)) % {
            "count": len(rows)
        }

    def refresh(self) -> None:
        App.get_running_app().sync_now()

    def _on_sync_event(self, event: SyncEvent) -> None:
        if event.kind == "pulled":
            self.show()
