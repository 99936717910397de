"""Outbox: every submitted audit and photo with its sync state, the server's message, a retry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile.screens.widgets import _
from mobile.store import FAILED, OutboxEntry

if TYPE_CHECKING:
    from mobile.sync import SyncEvent


def state_text(state: str) -> str:
    names = {
        "queued": _("Waiting to send"),
        "sending": _("Sending"),
        "synced": _("Sent"),
        "failed": _("Refused by the server"),
    }
    return names.get(state, state)


class OutboxRow(BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    kind = StringProperty("")
    entry_uuid = StringProperty("")
    title = StringProperty("")
    state = StringProperty("")
    state_name = StringProperty("")
    message = StringProperty("")
    can_retry = BooleanProperty(False)

    def retry(self) -> None:
        App.get_running_app().screen("outbox").retry(self.kind, self.entry_uuid)


class OutboxScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    summary = StringProperty("")

    def on_kv_post(self, _base_widget: Any) -> None:
        App.get_running_app().sync_listeners.append(self._on_sync_event)

    def prepare(self) -> None:
        self.show()

    def show(self) -> None:
        app: Any = App.get_running_app()
        entries = app.store.outbox()
        self.ids.list.data = [self._row(entry) for entry in reversed(entries)]
        waiting = sum(1 for entry in entries if entry.state in ("queued", "sending"))
        self.summary = app.ngettext("%(count)d waiting", "%(count)d waiting", waiting) % {
            "count": waiting
        }

    def _row(self, entry: OutboxEntry) -> dict[str, Any]:
        app: Any = App.get_running_app()
        if entry.kind == "audit":
            record = app.store.audit(entry.uuid)
            assignment = app.store.assignment(record.assignment_id) if record else None
            outlet = app.store.outlet(assignment["outlet_id"]) if assignment else None
            title = _("Audit") + (f": {outlet['name']}" if outlet else "")
        else:
            photo = app.store.photo(entry.uuid)
            title = _("Photo") + (f": {photo.item}" if photo else "")
        return {
            "kind": entry.kind,
            "entry_uuid": entry.uuid,
            "title": f"{title}  ({entry.uuid[:8]})",
            "state": entry.state,
            "state_name": state_text(entry.state),
            "message": app.message_text(entry.message),
            "can_retry": entry.state == FAILED,
        }

    def retry(self, kind: str, entry_uuid: str) -> None:
        app: Any = App.get_running_app()
        app.sync().retry(kind, entry_uuid)
        app.sync_now()
        self.show()

    def _on_sync_event(self, event: SyncEvent) -> None:
        if event.kind in ("outbox", "pulled") and self.manager.current == self.name:
            self.show()
