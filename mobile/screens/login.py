"""Log-in screen: the language, the server from a setup link (scanned, opened or pasted) or
from the build, then e-mail and password. Nothing to type but the password when the auditor
came with a setup link; the language chosen here stays (logging in does not change it)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kivy.app import App
from kivy.core.clipboard import Clipboard
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from mobile.i18n import LANGUAGE_NAMES, LANGUAGES
from mobile.screens.widgets import _


def server_name(address: str) -> str:
    """The server as a person reads it: its host name (and port, when not the usual one)."""
    return urlsplit(address).netloc or address


class LoginScreen(Screen):  # type: ignore[misc]  # Kivy is untyped
    message = StringProperty("")
    # whether `message` is a problem (shown in the warning colour) or news (plain)
    message_is_problem = BooleanProperty(True)
    busy = BooleanProperty(False)
    server = StringProperty("")
    server_shown = StringProperty("")  # its host name, as a person reads it
    # The setup-link box: shown when no server is known, or when the auditor asks to change it.
    changing = BooleanProperty(False)
    can_scan = BooleanProperty(False)
    languages = ListProperty([LANGUAGE_NAMES[lang] for lang in LANGUAGES])

    def prepare(self) -> None:
        app: Any = App.get_running_app()
        self.server = app.server_address()
        self.server_shown = server_name(self.server)
        self.changing = not self.server
        self.can_scan = bool(getattr(app.camera, "can_scan", False))
        self.ids.email.text = app.store.get_setting("user_email")
        self.ids.password.text = ""
        self.ids.link.text = ""

    def choose_language(self, name: str) -> None:
        app: Any = App.get_running_app()
        for lang in LANGUAGES:
            if LANGUAGE_NAMES[lang] == name:
                app.set_language(lang)

    def on_message(self, _screen: Any, _message: str) -> None:
        # a message is a problem unless the code that set it says it is news
        self.message_is_problem = True

    # the server, from a setup link ----------------------------------------------------------------

    def use_link(self, text: str) -> None:
        """A pasted or scanned setup link: the server and the e-mail are filled in."""
        app: Any = App.get_running_app()
        if not app.accept_setup_link(text):
            self.message = _(
                "This is not a Shopscore setup link. Ask your coordinator for yours: it starts "
                "with shopscore://setup"
            )
            return
        self.prepare()
        self.message = _("Set up for %(server)s. Enter your password.") % {
            "server": server_name(self.server)
        }
        self.message_is_problem = False
        if self.ids.email.text:
            self.ids.password.focus = True

    def paste_link(self) -> None:
        """The link from the clipboard (a desktop; on a phone, long-press the field)."""
        pasted = Clipboard.paste() or ""
        self.ids.link.text = pasted.strip()
        self.use_link(pasted)

    def scan_link(self) -> None:
        app: Any = App.get_running_app()
        self.message = ""
        app.camera.scan_code(Path(tempfile.gettempdir()), self._scanned)

    def _scanned(self, text: str | None) -> None:
        if text is None:
            self.message = _("No setup code was found in the picture. Try again, closer.")
            return
        self.use_link(text)

    # logging in -----------------------------------------------------------------------------------

    def log_in(self) -> None:
        app: Any = App.get_running_app()
        email = self.ids.email.text.strip()
        if not self.server:
            self.message = _("Scan the setup code or paste the setup link first.")
            return
        if not email or not self.ids.password.text:
            self.message = _("Enter your e-mail and password.")
            return
        self.busy = True
        self.message = _("Logging in…")
        self.message_is_problem = False
        app.login(self.server, email, self.ids.password.text, self._after_login)

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
