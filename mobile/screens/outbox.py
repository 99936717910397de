"""Outbox: one row per submitted audit (outlet, photos sent n of m, bytes, state in words, the
server's message) with "retry now"; the rows come from ``mobile.outbox``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from mobile.outbox import AuditSending, audits_in_outbox
from mobile.screens.widgets import _, figures

if TYPE_CHECKING:
    from mobile.sync import SyncEvent

ROW_HEIGHT_DP = 150
SENT_ROW_HEIGHT_DP = 64


def state_text(state: str) -> str:
    names = {
        "queued": _("Waiting to send"),
        "sending": _("Sending"),
        "synced": _("Sent"),
        "failed": _("Refused by the server"),
    }
    return names.get(state, state)


def progress_text(sending: AuditSending) -> str:
    """ "Photos sent: 3 of 5 · 2.1 of 4.8 MB", or the size alone for an audit without photos."""
    size_text = figures().size
    if sending.photos == 0:
        return size_text(sending.bytes_total)
    photos = _("Photos sent: %(sent)d of %(count)d") % {
        "sent": sending.photos_sent,
        "count": sending.photos,
    }
    if sending.bytes_sent in (0, sending.bytes_total):
        return f"{photos} · {size_text(sending.bytes_total)}"
    return "{} · {}".format(
        photos,
        _("%(sent)s of %(total)s")
        % {"sent": size_text(sending.bytes_sent), "total": size_text(sending.bytes_total)},
    )


class OutboxRow(ButtonBehavior, BoxLayout):  # type: ignore[misc]  # Kivy is untyped
    """One audit; a tap shows the whole message, "Retry now" sends it at once."""

    audit_uuid = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    state = StringProperty("")
    state_name = StringProperty("")
    message = StringProperty("")
    can_retry = BooleanProperty(False)

    def retry(self) -> None:
        App.get_running_app().screen("outbox").retry(self.audit_uuid)

    def on_release(self) -> None:
        if self.message:
            App.get_running_app().screen("outbox").show_message(self.title, self.message)


class OutboxScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    summary = StringProperty("")

    def on_kv_post(self, _base_widget: Any) -> None:
        App.get_running_app().sync_listeners.append(self._on_sync_event)

    def prepare(self) -> None:
        self.show()

    def show(self) -> None:
        app: Any = App.get_running_app()
        sendings = audits_in_outbox(app.store)
        self.ids.list.data = [self._row(sending) for sending in sendings]
        waiting = sum(1 for sending in sendings if sending.state in ("queued", "sending"))
        self.summary = app.ngettext(
            "%(count)d audit waiting", "%(count)d audits waiting", waiting
        ) % {"count": waiting}

    def _row(self, sending: AuditSending) -> dict[str, Any]:
        app: Any = App.get_running_app()
        title = sending.outlet_name or _("Audit")
        if sending.correction:
            title = _("%(outlet)s (correction)") % {"outlet": title}
        message = app.message_text(sending.message, sending.questions_in(app.lang))
        # a sent audit needs no room for a message or a button
        height = ROW_HEIGHT_DP if message or sending.can_retry else SENT_ROW_HEIGHT_DP
        return {
            "row_size": (None, dp(height)),
            "audit_uuid": sending.audit_uuid,
            "title": title,
            "detail": progress_text(sending),
            "state": sending.state,
            "state_name": state_text(sending.state),
            "message": message,
            "can_retry": sending.can_retry,
        }

    def retry(self, audit_uuid: str) -> None:
        app: Any = App.get_running_app()
        app.sync().retry_audit(audit_uuid)
        app.sync_now()
        self.show()

    def show_message(self, title: str, message: str) -> Any:
        """The whole message of a row, in a popup (a row shows its first lines)."""
        popup = Factory.MessagePopup(title=title)
        popup.message = message
        popup.open()
        return popup

    def _on_sync_event(self, event: SyncEvent) -> None:
        if event.kind in ("outbox", "pulled") and self.manager.current == self.name:
            self.show()
