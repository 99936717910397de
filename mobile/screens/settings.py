"""Settings: the app's language, the server address, and logging out."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.i18n import LANGUAGE_NAMES, LANGUAGES
from mobile.screens.widgets import _


class SettingsScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    languages = ListProperty([LANGUAGE_NAMES[lang] for lang in LANGUAGES])
    user = StringProperty("")
    message = StringProperty("")

    def prepare(self) -> None:
        store = App.get_running_app().store
        self.ids.server.text = store.get_setting("server")
        self.user = store.get_setting("user_email")
        self.message = ""

    def choose_language(self, name: str) -> None:
        app: Any = App.get_running_app()
        for lang in LANGUAGES:
            if LANGUAGE_NAMES[lang] == name:
                app.set_language(lang)

    def save_server(self) -> None:
        app: Any = App.get_running_app()
        server = self.ids.server.text.strip().rstrip("/")
        if server:
            app.store.set_settings(server=server)
            self.message = _("Saved.")

    def log_out(self) -> None:
        App.get_running_app().log_out()
