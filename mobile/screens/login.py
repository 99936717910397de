"""Log-in screen: server address, e-mail and password; the server is remembered."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.screens.widgets import _

DEFAULT_SERVER = "http://127.0.0.1:8000"


class LoginScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    message = StringProperty("")
    busy = BooleanProperty(False)

    def prepare(self) -> None:
        store = App.get_running_app().store
        self.ids.server.text = store.get_setting("server", DEFAULT_SERVER)
        self.ids.email.text = store.get_setting("user_email")
        self.ids.password.text = ""

    def log_in(self) -> None:
        app: Any = App.get_running_app()
        server = self.ids.server.text.strip()
        email = self.ids.email.text.strip()
        if not server or not email or not self.ids.password.text:
            self.message = _("Enter the server address, your e-mail and password.")
            return
        self.busy = True
        self.message = _("Logging in…")
        app.login(server, email, self.ids.password.text, self._after_login)

    def _after_login(self, error: str | None) -> None:
        app: Any = App.get_running_app()
        self.busy = False
        if error is not None:
            self.message = error
            return
        self.message = ""
        self.ids.password.text = ""
        app.sync_now()
        app.go("assignments")
